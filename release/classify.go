package release

import (
	"path"
	"strings"

	"github.com/vouchdev/vouch/release/fixture"
)

// Class says what kind of file a path holds, as far as its name tells.
// It decides how much a difference in the file matters: the build runs
// build scripts, the compiler reads sources, nobody executes a translation.
type Class string

// Classes, from most to least consequential.
const (
	ClassBuild   Class = "build script"  // configure, Makefiles, *.m4, CMake, meson, shell
	ClassSource  Class = "source"        // code the compiler or interpreter reads
	ClassFixture Class = "test data"     // files under test directories that are not code
	ClassTest    Class = "test code"     // scripts and sources under test directories
	ClassConfig  Class = "configuration" // data a build or program reads
	ClassMeta    Class = "packaging"     // release metadata (PKG-INFO, .tarball-version, ...)
	ClassDoc     Class = "documentation" // text, man pages, HTML
	ClassL10n    Class = "translation"   // .po, .gmo, .pot
	ClassCI      Class = "ci"            // CI and repository housekeeping, expected only in git
	ClassBinary  Class = "binary"        // anything else that is not text
	ClassOther   Class = "other"
)

// weight orders classes within one severity: a build script first.
func (c Class) weight() int {
	switch c {
	case ClassBuild:
		return 9
	case ClassSource:
		return 8
	case ClassFixture:
		return 7
	case ClassTest:
		return 6
	case ClassBinary:
		return 5
	case ClassConfig:
		return 4
	case ClassMeta:
		return 3
	case ClassOther:
		return 2
	case ClassDoc:
		return 1
	}
	return 0
}

var sourceExts = map[string]bool{
	".c": true, ".h": true, ".cc": true, ".cpp": true, ".cxx": true, ".hh": true, ".hpp": true, ".hxx": true,
	".s": true, ".S": true, ".asm": true, ".go": true, ".rs": true, ".py": true, ".pyx": true, ".pxd": true,
	".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".java": true, ".kt": true, ".scala": true, ".rb": true,
	".pl": true, ".pm": true, ".php": true, ".lua": true, ".cs": true, ".swift": true, ".m": true, ".mm": true,
	".f": true, ".f90": true, ".y": true, ".l": true, ".yy": true, ".ll": true, ".def": true, ".sym": true,
	".map": true, ".ld": true, ".lds": true, ".inc": true, ".tcl": true, ".el": true, ".hs": true, ".ml": true,
}

var docExts = map[string]bool{
	".md": true, ".txt": true, ".rst": true, ".html": true, ".htm": true, ".css": true, ".1": true, ".2": true,
	".3": true, ".5": true, ".7": true, ".8": true, ".man": true, ".texi": true, ".texinfo": true, ".info": true,
	".pdf": true, ".svg": true, ".png": true, ".jpg": true, ".gif": true, ".xml": true, ".dox": true, ".adoc": true,
	".tex": true, ".ps": true, ".dvi": true,
}

var docNames = map[string]bool{
	"readme": true, "news": true, "changelog": true, "changes": true, "authors": true, "thanks": true,
	"copying": true, "license": true, "licence": true, "install": true, "todo": true, "hacking": true,
	"bugs": true, "contributing": true, "notice": true, "abou-nls": true, "about-nls": true, "maintainers": true,
	"copying.lib": true, "copying.lesser": true, "copying.gplv2": true, "copying.gplv3": true, "copying.lgplv2.1": true,
	"copying.lgplv3": true, "copying.0bsd": true, "pkg-info": false,
}

var buildNames = map[string]bool{
	"configure": true, "configure.ac": true, "configure.in": true, "aclocal.m4": true, "acinclude.m4": true,
	"makefile": true, "gnumakefile": true, "makefile.am": true, "makefile.in": true, "makefile.in.in": true,
	"cmakelists.txt": true, "meson.build": true, "meson_options.txt": true, "meson.options": true,
	"config.guess": true, "config.sub": true, "config.rpath": true, "config.status": true, "ltmain.sh": true,
	"install-sh": true, "missing": true, "depcomp": true, "compile": true, "ar-lib": true, "test-driver": true,
	"ylwrap": true, "mkinstalldirs": true, "mdate-sh": true, "texinfo.tex": true, "libtool": true,
	"config.h.in": true, "build.sh": true, "autogen.sh": true, "bootstrap": true, "bootstrap.conf": true,
	"setup.py": true, "setup.cfg": true, "pyproject.toml": true, "build.rs": true, "sconstruct": true,
	"wscript": true, "build.gradle": true, "build.gradle.kts": true, "pom.xml": true, "build.xml": true,
	"cargo.toml": true, "package.json": true, "binding.gyp": true, "rules": true, "po/makefile.in.in": true,
	"makevars": true, "rules-quot": true, "config.site": true, "libtool.m4": true,
}

var buildExts = map[string]bool{
	".m4": true, ".ac": true, ".am": true, ".mk": true, ".mak": true, ".cmake": true, ".sh": true, ".bash": true,
	".bat": true, ".cmd": true, ".ps1": true, ".sed": true, ".sin": true, ".awk": true, ".gyp": true, ".gypi": true,
	".bzl": true, ".bazel": true, ".ninja": true, ".spec": true, ".in": true,
}

var ciPrefixes = []string{
	".github/", ".gitlab/", ".circleci/", ".ci/", ".buildkite/", ".azure-pipelines/", ".woodpecker/", ".forgejo/",
	".gitea/", ".devcontainer/", ".vscode/", ".idea/", ".husky/", ".cirrus/", ".builds/", ".tx/",
}

var ciNames = map[string]bool{
	".gitignore": true, ".gitattributes": true, ".gitmodules": true, ".mailmap": true, ".editorconfig": true,
	".travis.yml": true, ".gitlab-ci.yml": true, ".cirrus.yml": true, "appveyor.yml": true, ".appveyor.yml": true,
	"azure-pipelines.yml": true, ".clang-format": true, ".clang-tidy": true, ".codespellrc": true,
	".pre-commit-config.yaml": true, ".dockerignore": true, ".git-blame-ignore-revs": true, "codecov.yml": true,
	".codecov.yml": true, ".readthedocs.yml": true, ".readthedocs.yaml": true, ".cvsignore": true, ".hgignore": true,
	".hgtags": true, ".lgtm.yml": true, ".mergify.yml": true, "renovate.json": true, ".renovaterc": true,
	"dependabot.yml": true, ".gitreview": true, ".prettierrc": true, ".eslintrc": true, ".travis": true,
	"security.md": true, "code_of_conduct.md": true, ".yamllint": true, ".flake8": true, ".coveragerc": true,
	".golangci.yml": true, ".golangci.yaml": true, ".shellcheckrc": true, ".typos.toml": true, "cirrus.star": true,
}

var l10nExts = map[string]bool{".po": true, ".pot": true, ".gmo": true, ".mo": true, ".qm": true, ".ts~": true}

// InTestDir reports whether p lies under a test directory, as the
// test-file checks of package fixture see it.
func InTestDir(p string) bool { return fixture.IsTestPath(p) }

// Classify says what kind of file p (slash-separated, relative to the
// project root) is, by name. binary says whether its content is not text,
// when the caller knows.
func Classify(p string, binary bool) Class {
	base := path.Base(p)
	lower := strings.ToLower(base)
	ext := path.Ext(base)
	lowerExt := strings.ToLower(ext)
	if ciNames[lower] || ciNames[strings.ToLower(p)] {
		return ClassCI
	}
	for _, pre := range ciPrefixes {
		if strings.HasPrefix(p, pre) {
			return ClassCI
		}
	}
	test := InTestDir(p)
	switch {
	case buildNames[lower] || buildExts[lowerExt] && lowerExt != ".in" || strings.HasPrefix(lower, "makefile"):
		if test && !strings.HasPrefix(lower, "makefile") && lower != "cmakelists.txt" && lower != "meson.build" {
			return ClassTest
		}
		return ClassBuild
	case lowerExt == ".in":
		// foo.in is a template of foo: its class is foo's.
		inner := strings.TrimSuffix(p, ext)
		if c := Classify(inner, binary); c != ClassOther {
			return c
		}
		return ClassConfig
	case l10nExts[lowerExt] || lower == "linguas" || lower == "potfiles.in":
		return ClassL10n
	case sourceExts[ext] || sourceExts[lowerExt]:
		if test {
			return ClassTest
		}
		return ClassSource
	case test:
		if binary || !docExts[lowerExt] {
			return ClassFixture
		}
		return ClassDoc
	case docNames[lower] || docNames[strings.TrimSuffix(lower, lowerExt)] || docExts[lowerExt] ||
		strings.HasPrefix(p, "doc/") || strings.HasPrefix(p, "docs/") || strings.HasPrefix(p, "man/"):
		return ClassDoc
	case lower == "pkg-info" || lower == ".tarball-version" || lower == ".version" || lower == "version" ||
		strings.Contains(p, ".egg-info/") || lower == ".cargo_vcs_info.json" || lower == "cargo.toml.orig" ||
		lower == ".prev-version" || lower == "package-lock.json":
		return ClassMeta
	case lowerExt == ".json" || lowerExt == ".yml" || lowerExt == ".yaml" || lowerExt == ".toml" ||
		lowerExt == ".ini" || lowerExt == ".cfg" || lowerExt == ".conf" || lowerExt == ".pc":
		return ClassConfig
	case binary:
		return ClassBinary
	}
	return ClassOther
}

// generated names the tool that writes a file only found in release
// tarballs, or "" when nothing usually generates it. These files are
// expected to be missing from git, and are still checked: the xz
// backdoor's macro sat among them.
func generated(p string) string {
	base := path.Base(p)
	dir := path.Dir(p)
	lower := strings.ToLower(base)
	switch lower {
	case "configure", "aclocal.m4", "config.h.in", "config.h.in~", "autoconf.h.in":
		return "autoconf/automake"
	case "makefile.in", "gnumakefile.in":
		return "automake"
	case "config.guess", "config.sub", "install-sh", "missing", "depcomp", "compile", "ar-lib", "test-driver",
		"ylwrap", "mkinstalldirs", "mdate-sh", "texinfo.tex", "py-compile", "tap-driver.sh", "config.rpath",
		"elisp-comp", "lisp-comp":
		return "automake"
	case "ltmain.sh", "libtool.m4", "ltoptions.m4", "ltsugar.m4", "ltversion.m4", "lt~obsolete.m4":
		return "libtool"
	case "makefile.in.in", "rules-quot", "remove-potcdate.sin", "insert-header.sin", "quot.sed",
		"boldquot.sed", "en@quot.header", "en@boldquot.header", "stamp-po", "about-nls", "makevars.template":
		return "gettext"
	case ".tarball-version", ".version", "changelog", "pkg-info", ".cargo_vcs_info.json", "cargo.toml.orig",
		"setup.cfg", ".prev-version", "authors":
		return "release tooling"
	case "install", "copying":
		return "automake"
	}
	ext := strings.ToLower(path.Ext(base))
	switch {
	case ext == ".m4" && (dir == "m4" || strings.HasSuffix(dir, "/m4") || dir == "build-aux" ||
		strings.HasSuffix(dir, "/build-aux") || dir == "config" || dir == "autoconf" || dir == "acinclude"):
		return "aclocal/autopoint/gnulib"
	case ext == ".gmo" || ext == ".pot" || ext == ".mo":
		return "gettext"
	case ext == ".po" && (dir == "po" || strings.HasSuffix(dir, "/po")):
		return "translation project"
	case ext == ".info" || strings.HasPrefix(ext, ".info-") || ext == ".html" || ext == ".1" || ext == ".3" ||
		ext == ".5" || ext == ".8" || ext == ".pdf" || ext == ".dvi" || ext == ".ps":
		return "documentation build"
	case strings.Contains(p, ".egg-info/"):
		return "setuptools"
	case dir == "build-aux" || strings.HasSuffix(dir, "/build-aux"):
		return "automake"
	case strings.HasSuffix(lower, ".in") && (strings.HasPrefix(lower, "makefile") || lower == "config.h.in"):
		return "automake"
	}
	return ""
}

// parsersGenerated reports whether p is the usual output of a grammar
// or lexer file that git holds (parse.y → parse.c, parse.h; lex.l → lex.c;
// keys.gperf → keys.h; doc.texi → doc.info).
func parserGenerated(p string, inGit func(string) bool) string {
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext)
	var sources []string
	switch ext {
	case ".c", ".h", ".cc", ".hh", ".cpp", ".hpp", ".tab.c", ".tab.h":
		sources = []string{stem + ".y", stem + ".yy", stem + ".l", stem + ".ll", stem + ".gperf", stem + ".re",
			strings.TrimSuffix(stem, ".tab") + ".y", stem + ".rl", stem + ".in", stem + ".def", stem + ".proto"}
	case ".info", ".html", ".1", ".3", ".5", ".8", ".pdf":
		sources = []string{stem + ".texi", stem + ".texinfo", stem + ".md", stem + ".rst", stem + ".pod", stem + ".xml",
			stem + ".adoc", stem + ".ronn", stem + ".scd", p + ".in", stem + ".sgml"}
	default:
		sources = []string{p + ".in"}
	}
	for _, s := range sources {
		if inGit(s) {
			return s
		}
	}
	return ""
}
