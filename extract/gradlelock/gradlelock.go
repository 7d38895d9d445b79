// Package gradlelock reads Gradle dependency lockfiles: the single-file
// form of Gradle 6.8 and later (gradle.lockfile, and
// buildscript-gradle.lockfile for the build script's classpath), whose
// lines read "group:name:version=conf1,conf2" with an "empty=conf3" line
// for locked configurations that resolved nothing, and the legacy form
// of Gradle 4.8 to 6.x, one file per configuration
// (gradle/dependency-locks/<configuration>.lockfile, and
// buildscript-<configuration>.lockfile there for the build script), whose
// lines read "group:name:version".
//
// Every locked entry is a module Gradle resolved, direct or transitive; the
// lockfile records neither which is which nor what pulls what in. Direct
// dependencies are therefore read from the project's build script beside
// it (build.gradle or build.gradle.kts) with a lexical scan that never
// runs the script: string literals shaped "group:name[:version]" given to
// a call other than force, exclude, module, substitute and the like; the
// map notation (group: "g", name: "a"); kotlin("x") as
// org.jetbrains.kotlin:kotlin-x; and version catalog accessors
// (libs.guava, libs.bundles.x) looked up in gradle/libs.versions.toml of
// the build. For buildscript-gradle.lockfile the plugin ids of the
// plugins block (id("x"), alias(libs.plugins.x), kotlin("jvm")) count
// too, as their marker modules "x:x.gradle.plugin". Comments are skipped.
// Declarations the scan cannot see (convention plugins in buildSrc,
// dependencies computed in code, other catalogs) leave an entry not
// direct: Direct is a lower bound, and without a build script it is false
// everywhere.
//
// Scope comes from the configurations an entry is locked for (see Scope):
// test when every configuration is a test one (testRuntimeClasspath,
// androidTestDebugCompileClasspath), build for annotation processors,
// code analysers, compiler plugins and everything on the build script's
// classpath, build also for a module on some compile classpath but on no
// runtime classpath (a compileOnly dependency, which the project does not
// ship), runtime otherwise, including configurations it does not know.
//
// Graph: the lockfile has none, so the root has an edge to every entry,
// which keeps each reachable; Direct tells the declared ones apart.
//
// Bad lines (not three colon-separated parts, a space inside a
// coordinate) are reported with their line and skipped: the graph of the
// other lines is returned with an *extract.Error for the first (and a
// count of the others).
//
// Component properties:
//
//	configurations  the configurations the entry is locked for, as
//	                written (single-file form only; a legacy file is
//	                locked for the one its root property names)
//
// Root properties:
//
//	configuration         legacy form: the configuration the file locks
//	buildscript           "true" for a lockfile of the build script's
//	                      classpath
//	empty_configurations  the configurations of the "empty=" line
//	direct_from           the files the direct dependencies were read
//	                      from, comma-separated (absent when no build
//	                      script was found)
package gradlelock

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	// lockfileName and buildscriptLockfileName are the single-file form's
	// names.
	lockfileName            = "gradle.lockfile"
	buildscriptLockfileName = "buildscript-gradle.lockfile"
	// legacyDir holds the per-configuration files of the legacy form,
	// below the project directory.
	legacyDir = "gradle/dependency-locks"
	// maxEntries bounds the entries kept from one lockfile; the largest
	// real builds lock some thousands.
	maxEntries = 1 << 20
	// maxCoordinate bounds one "group:name:version"; real ones are a few
	// hundred bytes.
	maxCoordinate = 4 << 10
)

// Extractor reads Gradle lockfiles.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gradlelock" }

// Claims implements extract.Extractor: gradle.lockfile,
// buildscript-gradle.lockfile, and *.lockfile directly inside a
// gradle/dependency-locks directory.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	_, ok := kindOf(path)
	return ok
}

// form says which kind of lockfile a path names.
type form struct {
	legacy      bool
	buildscript bool
	// configuration is the legacy file's configuration.
	configuration string
	// projectDir is the directory of the project the file locks.
	projectDir string
}

func kindOf(path string) (form, bool) {
	base := extract.Base(path)
	dir := extract.Dir(path)
	switch base {
	case lockfileName:
		return form{projectDir: dir}, true
	case buildscriptLockfileName:
		return form{buildscript: true, projectDir: dir}, true
	}
	conf, ok := strings.CutSuffix(base, ".lockfile")
	if !ok || conf == "" || (dir != legacyDir && !strings.HasSuffix(dir, "/"+legacyDir)) {
		return form{}, false
	}
	f := form{legacy: true, configuration: conf, projectDir: extract.Dir(extract.Dir(dir))}
	if c, ok := strings.CutPrefix(conf, "buildscript-"); ok && c != "" {
		f.buildscript, f.configuration = true, c
	}
	return f, true
}

// Entry is one locked module.
type Entry struct {
	Group, Name, Version string
	// Configurations are those the entry is locked for, as written.
	Configurations []string
	// Line is the entry's 1-based line.
	Line int
}

// Lockfile is what one lockfile holds.
type Lockfile struct {
	Entries []Entry
	// Empty lists the configurations of the "empty=" line.
	Empty []string
}

// Parse reads a lockfile in the form its path names (see Claims),
// skipping bad lines: they are reported through the returned
// *extract.Problems, each with its line. Only an unreadable file or one
// past the limits is an error.
func Parse(ctx context.Context, in *extract.Input) (*Lockfile, *extract.Problems, error) {
	f, _ := kindOf(in.Path)
	lf := &Lockfile{}
	probs := &extract.Problems{}
	err := extract.Lines(in.Path, in.Reader, func(n int, line string) error {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return &extract.Error{Path: in.Path, Line: n, Err: err}
			}
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		coord, confs, hasConfs := strings.Cut(line, "=")
		if f.legacy && hasConfs {
			probs.Add(extract.Errorf(in.Path, n, "want group:name:version, got %q", clip(line)))
			return nil
		}
		if !f.legacy && !hasConfs {
			probs.Add(extract.Errorf(in.Path, n, "want group:name:version=configurations, got %q", clip(line)))
			return nil
		}
		var cs []string
		for c := range strings.SplitSeq(confs, ",") {
			if c = strings.TrimSpace(c); c != "" {
				cs = append(cs, c)
			}
		}
		if coord == "empty" {
			lf.Empty = append(lf.Empty, cs...)
			return nil
		}
		e, err := parseCoordinate(coord)
		if err != nil {
			probs.Add(extract.Errorf(in.Path, n, "%w", err))
			return nil
		}
		if len(lf.Entries) >= maxEntries {
			return extract.Errorf(in.Path, n, "more than %d entries", maxEntries)
		}
		e.Line, e.Configurations = n, cs
		if f.legacy {
			e.Configurations = []string{f.configuration}
		}
		lf.Entries = append(lf.Entries, e)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return lf, probs, nil
}

// parseCoordinate splits "group:name:version".
func parseCoordinate(s string) (Entry, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxCoordinate {
		return Entry{}, fmt.Errorf("coordinate of %d bytes, limit %d", len(s), maxCoordinate)
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Entry{}, fmt.Errorf("want group:name:version, got %q", clip(s))
	}
	for _, p := range parts {
		if p == "" || !utf8.ValidString(p) || strings.IndexFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return Entry{}, fmt.Errorf("want group:name:version, got %q", clip(s))
		}
	}
	return Entry{Group: parts[0], Name: parts[1], Version: parts[2]}, nil
}

// clip shortens a bad line quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	f, ok := kindOf(in.Path)
	if !ok {
		return nil, nil
	}
	lf, probs, err := Parse(ctx, in)
	if err != nil {
		return nil, err
	}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	if f.legacy {
		root.Properties["configuration"] = f.configuration
	}
	if f.buildscript {
		root.Properties["buildscript"] = "true"
	}
	if len(lf.Empty) > 0 {
		root.Properties["empty_configurations"] = strings.Join(lf.Empty, ",")
	}
	decl := readDeclared(ctx, in.Root, f.projectDir, f.buildscript)
	if len(decl.files) > 0 {
		root.Properties["direct_from"] = strings.Join(decl.files, ",")
	}
	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	// Gradle writes each module once; a file edited by hand may repeat
	// one, whose configurations then add up.
	type locked struct {
		e     Entry
		lines []int
	}
	var order []string
	byCoord := map[string]*locked{}
	for _, e := range lf.Entries {
		k := e.Group + ":" + e.Name + ":" + e.Version
		l, ok := byCoord[k]
		if !ok {
			l = &locked{e: e}
			l.e.Configurations = nil
			byCoord[k] = l
			order = append(order, k)
		}
		l.lines = append(l.lines, e.Line)
		for _, c := range e.Configurations {
			if !slices.Contains(l.e.Configurations, c) {
				l.e.Configurations = append(l.e.Configurations, c)
			}
		}
	}
	g := inventory.New()
	g.AddRoot(root)
	for _, k := range order {
		l := byCoord[k]
		e := l.e
		name := e.Group + ":" + e.Name
		c := inventory.Component{
			PURL:      purl.For(purl.Maven, name, e.Version, nil),
			Ecosystem: purl.Maven,
			Name:      name,
			Version:   e.Version,
			Direct:    decl.modules[name],
			Scope:     Scope(e.Configurations, f.buildscript),
		}
		for _, n := range l.lines {
			c.Locations = append(c.Locations, inventory.Location{Path: in.Path, Line: n})
		}
		if !f.legacy {
			c.Properties = map[string]string{"configurations": strings.Join(e.Configurations, ",")}
		}
		g.Add(c)
		g.AddEdge(in.Path, c.PURL)
	}
	return g, probs.Err()
}

// confKind is what a configuration is used for.
type confKind int

const (
	confUnknown confKind = iota
	confRuntime          // a runtime classpath
	confCompile          // a compile classpath
	confBuild            // a tool of the build
)

// buildTools are the first words of configurations that feed tools of the
// build rather than the program: annotation processors (kapt, ksp), code
// analysers and coverage agents.
var buildTools = map[string]bool{
	"kapt": true, "ksp": true, "detekt": true, "ktlint": true, "checkstyle": true,
	"pmd": true, "spotbugs": true, "jacoco": true, "errorprone": true, "lint": true,
	"codenarc": true, "spotless": true, "dokka": true,
}

// words splits a camelCase configuration name into lower-case words.
func words(name string) []string {
	var out []string
	start := 0
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			out = append(out, strings.ToLower(name[start:i]))
			start = i
		}
	}
	return append(out, strings.ToLower(name[start:]))
}

// classify says what a configuration is for and whether it serves tests.
func classify(name string) (confKind, bool) {
	w := words(name)
	test := false
	for _, x := range w {
		if x == "test" || x == "tests" {
			test = true
		}
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, "annotationprocessor"), buildTools[w[0]], lower == "classpath",
		strings.HasPrefix(lower, "kotlin") && (strings.Contains(lower, "compiler") || strings.Contains(lower, "commonizer") || strings.Contains(lower, "buildtools")):
		return confBuild, test
	case strings.HasSuffix(lower, "runtimeclasspath"), lower == "runtime", lower == "default", lower == "archives":
		return confRuntime, test
	case strings.HasSuffix(lower, "compileclasspath"):
		return confCompile, test
	}
	return confUnknown, test
}

// Scope returns the scope of a module locked for the given configurations.
// Test configurations only make it test; otherwise a runtime classpath or
// a configuration of unknown use makes it runtime (an unknown use is not
// assumed harmless), and a compile classpath alone (compileOnly), tools of
// the build alone, or the build script's classpath (buildscript) make it
// build.
func Scope(configurations []string, buildscript bool) inventory.Scope {
	if buildscript {
		return inventory.ScopeBuild
	}
	var runtime, compile, build, unknown, test bool
	for _, c := range configurations {
		k, isTest := classify(c)
		if isTest {
			test = true
			continue
		}
		switch k {
		case confRuntime:
			runtime = true
		case confCompile:
			compile = true
		case confBuild:
			build = true
		default:
			unknown = true
		}
	}
	switch {
	case runtime || unknown:
		return inventory.ScopeRuntime
	case compile || build:
		return inventory.ScopeBuild
	case test:
		return inventory.ScopeTest
	}
	// Locked for no configuration at all: nothing says it is harmless.
	return inventory.ScopeRuntime
}
