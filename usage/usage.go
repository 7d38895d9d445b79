// Package usage finds dependencies that a project declares but its own
// source never uses, for the policy rule "remove unused software".
//
// # Declarations
//
// Manifests are read under the scanned root, each judged against the
// files of its own directory and everything below it (its scope):
//
//   - package.json: dependencies and optionalDependencies (runtime) and
//     devDependencies (dev). peerDependencies are left out: they are for the
//     package's consumers to install, not for it to import.
//   - go.mod: every require not marked "// indirect".
//   - pip requirements files (requirements*.txt, *requirements.txt, *.txt in
//     a requirements/ directory, read with the requirements extractor, so
//     "-r" includes are followed); the dev ones by the extractor's rule (a
//     file name with dev, test, ...). The scope of a file in a directory
//     named requirements is the directory above.
//   - pyproject.toml: [project] dependencies, optional-dependencies (dev when
//     the extra is named dev, test, docs, lint, typing, ...),
//     [dependency-groups] (dev), [tool.poetry.dependencies],
//     [tool.poetry.dev-dependencies] and [tool.poetry.group.G.dependencies]
//     (dev unless G is "main"), PDM's and uv's dev-dependencies.
//   - Pipfile: [packages] and [dev-packages].
//
// A nested manifest has its own scope: packages/a/package.json is judged
// against packages/a only (npm workspace members included), while the
// monorepo root's package.json is judged against the whole tree, since Node
// resolves a member's imports up to the root's node_modules. A go.mod's
// scope stops at nested modules (directories with their own go.mod), as Go
// builds them apart.
//
// # Evidence of use
//
// JavaScript and TypeScript (.js .jsx .ts .tsx .mjs .cjs .mts .cts, and the
// script blocks of .vue, .svelte and .astro files) are read by a small
// tokenizer that knows comments, strings, template literals and regular
// expressions, so an import inside a comment or a string is not one. It
// recognises import declarations, export-from, import(), require() and
// require.resolve(); the package is the specifier's first path element (two
// for @scope/name); relative paths, "#" subpath imports, "node:" builtins and
// "scheme:" specifiers name none. A dependency also counts as used when:
//
//   - a word of package.json's scripts or tool sections ("jest", "eslintConfig",
//     "lint-staged", ...), of a JavaScript tool's configuration file (.babelrc,
//     babel.config.*, .eslintrc*, eslint.config.*, jest.config.*, .prettierrc*,
//     tsconfig*.json, webpack/vite/rollup/postcss configs, .storybook/ ...) or
//     of a task file (Makefile, Procfile, Dockerfile, CI workflows, *.sh) is
//     its name, a command it installs (from node_modules/<name>/package.json
//     when installed, else a table of well-known ones: tsc for typescript),
//     or the short name configs use (ESLint's "react" and "plugin:react/…"
//     for eslint-plugin-react, Babel's "@babel/env" for @babel/preset-env,
//     Jest's "jsdom" for jest-environment-jsdom);
//   - it is @types/x and x is used, or x is named by a tsconfig "types" entry
//     or a `/// <reference types>` directive (@types/node: any Node.js core
//     module is imported);
//   - it is typescript and the scope has a tsconfig*.json or TypeScript file;
//   - it is react and the scope has .jsx or .tsx files (the automatic JSX
//     runtime imports react/jsx-runtime without a written import);
//   - an installed dependency that is used lists it in peerDependencies.
//
// Go files are read with go/parser (imports only), outside testdata, vendor
// and directories starting with "." or "_", _test.go files included, and
// files a build constraint excludes only through the "ignore" tag skipped,
// as go mod tidy does. Each import path is credited to the longest module
// path among the go.mod's requires (indirect ones too) and its own module
// path, so a nested module (cloud.google.com/go/storage within
// cloud.google.com/go) gets the credit rather than its parent. A module
// named by a go.mod "tool" directive is used.
//
// Python (.py .pyi .pyx .pxd, and the code cells of .ipynb notebooks) is
// read by a tokenizer that knows comments, every string form and bracket
// nesting; it takes "import a.b", "from a.b import c" (absolute only),
// importlib.import_module("a") and __import__("a"), "python -m a" in task
// files, dotted strings that name modules (Django's "rest_framework.…"), in
// settings.py, conftest.py and conf.py every identifier string
// (INSTALLED_APPS = ["corsheaders"]), and database URLs and Django engine
// names, which load a driver (postgresql:// loads psycopg2). A distribution
// provides the modules that an installed .venv or venv under the root
// records (RECORD, else top_level.txt of its dist-info), else those of a
// built-in table of names that differ (PyYAML → yaml, beautifulsoup4 → bs4,
// Pillow → PIL, ...), else its name lower-cased with "-" and "." as "_"
// (also without a python-/py- prefix or -python/-py suffix, and the
// google-cloud-, azure-, opentelemetry- and sphinxcontrib- namespace
// families). A distribution also counts as used when its command
// (gunicorn, alembic, pytest, ...) is a word of a task file, when
// pyproject.toml has a [tool.<name>] table or the project a configuration
// file of it (mypy.ini, .flake8, pytest.ini, ...). Plugins loaded through
// entry points (pytest-*, flake8-*, pylint-*, mkdocs-*, sphinx-*,
// sphinxcontrib-*, ...) count as used when their host does, and pytest
// when the project has test files. Stub packages (types-x, x-stubs) count
// when x does.
//
// The heuristics lean towards "used": a dependency wrongly reported unused
// may break a build when removed, one wrongly taken as used only stays.
//
// # Safety
//
// Nothing is executed. Files are read through an os.Root, so no path or
// symbolic link leads out of the root. The walk does not follow symbolic
// links at all (a linked file is not read, a linked directory not
// entered); only the metadata of installed packages
// (node_modules/<name>/package.json, a virtual environment's dist-info) may
// be reached through links inside the root, as pnpm lays them out. vendor,
// node_modules, version-control directories, virtual environments and tool
// caches are never walked, and manifests inside a testdata directory are
// taken for test fixtures and not judged. Each file is read up to
// MaxFileSize; the number of files is bounded by Options.MaxFiles.
package usage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Declared is one dependency a manifest declares.
type Declared struct {
	// Ecosystem is the OSV ecosystem: purl.NPM, purl.Go or purl.PyPI.
	Ecosystem string
	// Name is the package as the manifest writes it ("@babel/core",
	// "golang.org/x/mod", "PyYAML").
	Name string
	// Manifest is the file and line of the declaration, relative to the
	// scanned root; a requirement reached through "-r" is located in the
	// file that holds it.
	Manifest inventory.Location
	// Dev is true for dependencies needed only to develop the project:
	// devDependencies, dev requirements files, Poetry groups, dev extras
	// and dependency groups; for PyPI also, wherever declared, known
	// command-line developer tools (black, ruff, mypy, pytest, ...),
	// plugins of those tools (pytest-*, flake8-*) and type stubs.
	Dev bool
}

// Unused is a declared dependency the project does not use.
type Unused struct {
	Declared
	// PURL is the resolved component's when the graph holds it (from a
	// lockfile: "pkg:npm/left-pad@1.3.0"), else one built from the name
	// alone ("pkg:npm/left-pad").
	PURL string
	// Reason says what was looked for and where, for a person to check:
	// `no import of "left-pad" in 132 JS/TS files under .`.
	Reason string
}

// DefaultMaxFiles is Options.MaxFiles when it is zero.
const DefaultMaxFiles = 200_000

// ErrTooManyFiles is returned when the tree has more files than
// Options.MaxFiles: with files left unread, no dependency could be called
// unused with confidence.
var ErrTooManyFiles = errors.New("usage: too many files")

// Options tune Find. The zero value is ready to use.
type Options struct {
	// IncludeDev also reports dev dependencies. Off by default: linters,
	// test runners and build tools are run by scripts and CI, and a
	// project's own files say too little about that to call one unused.
	IncludeDev bool
	// Exclude lists glob patterns (path.Match) of files and directories
	// not to read, matched against the slash path relative to the root,
	// or against the base name when the pattern has no "/" ("dist",
	// "*.min.js", "build/generated"). A trailing "/" is ignored.
	// vendor, node_modules, .git and virtual environments are always
	// skipped.
	Exclude []string
	// Ignore lists glob patterns (path.Match) of dependency names never
	// reported ("@types/*", "eslint-*"); PyPI names are also matched in
	// their normalised form. Nothing is ignored by default: @types
	// packages and typescript have rules of their own (see the package
	// documentation), so ignoring them wholesale would only hide the
	// @types/x whose x is gone.
	Ignore []string
	// MaxFiles bounds the number of files walked, read or not; 0 means
	// DefaultMaxFiles.
	MaxFiles int
	// Logger receives progress at debug level; nil discards it.
	Logger *slog.Logger
}

// Find reports the dependencies declared under root that the project does
// not use, ordered by manifest path, line and name. g, which may be nil,
// supplies resolved versions for the PURLs. The []error holds what went
// wrong with single files (unreadable, too large, malformed), each an
// *extract.Error naming the file and, where known, the line; the
// dependencies of a manifest that could not be read are not judged. The
// error is for failures of the whole run: root unreadable, ctx done,
// invalid options, ErrTooManyFiles.
func Find(ctx context.Context, root string, g *inventory.Graph, opt Options) ([]Unused, []error, error) {
	if err := opt.validate(); err != nil {
		return nil, nil, err
	}
	if opt.MaxFiles == 0 {
		opt.MaxFiles = DefaultMaxFiles
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, fmt.Errorf("usage: %w", err)
	}
	defer r.Close()
	s := &scan{
		opt:  opt,
		log:  log,
		fsys: r.FS(),
		dirs: map[string]*evidence{},
	}
	if err := s.walk(ctx, r); err != nil {
		return nil, s.sortedErrs(), err
	}
	log.Debug("usage: tree read", "files", s.files, "directories", len(s.dirs), "manifests", len(s.manifests),
		"virtualenvs", len(s.venvs), "errors", len(s.errs))
	out := s.judge(ctx, g)
	if err := ctx.Err(); err != nil {
		return nil, s.sortedErrs(), err
	}
	slices.SortFunc(out, func(a, b Unused) int {
		if c := strings.Compare(a.Manifest.Path, b.Manifest.Path); c != 0 {
			return c
		}
		if a.Manifest.Line != b.Manifest.Line {
			return a.Manifest.Line - b.Manifest.Line
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, s.sortedErrs(), nil
}

func (o *Options) validate() error {
	if o.MaxFiles < 0 {
		return fmt.Errorf("usage: MaxFiles %d is negative", o.MaxFiles)
	}
	for _, p := range append(slices.Clone(o.Exclude), o.Ignore...) {
		if _, err := path.Match(strings.TrimSuffix(p, "/"), ""); err != nil {
			return fmt.Errorf("usage: pattern %q: %w", p, err)
		}
	}
	return nil
}

// scan is the state of one Find.
type scan struct {
	opt  Options
	log  *slog.Logger
	fsys fs.FS

	files     int
	dirs      map[string]*evidence // by slash directory relative to the root
	manifests []*manifest
	venvs     []string
	errs      []error
}

// skipDirs are never walked: dependencies' own code, version control,
// virtual environments, caches and framework build output.
var skipDirs = setOf(
	"node_modules", "vendor", "bower_components", "jspm_packages", ".git", ".hg", ".svn",
	".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
	".ruff_cache", "site-packages", ".next", ".nuxt", ".svelte-kit", ".turbo",
	".yarn", ".pnpm-store", ".gradle", ".idea", ".cache", ".parcel-cache",
)

// excluded reports whether Options.Exclude names p.
func (s *scan) excluded(p string) bool {
	base := extract.Base(p)
	for _, pat := range s.opt.Exclude {
		pat = strings.TrimPrefix(strings.TrimSuffix(pat, "/"), "**/")
		target := p
		if !strings.Contains(pat, "/") {
			target = base
		}
		if ok, _ := path.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// isManifest reports the kinds that declare dependencies.
func isManifest(k kind) bool {
	switch k {
	case kindPackageJSON, kindGoMod, kindRequirements, kindPyproject, kindPipfile:
		return true
	}
	return false
}

// inTestdata reports whether p is inside a directory named testdata,
// whose manifests are fixtures of the project's tests, not its own.
func inTestdata(p string) bool {
	return strings.HasPrefix(p, "testdata/") || strings.Contains(p, "/testdata/")
}

// goSkipped reports whether the go command ignores a Go file at p: in
// testdata, or in a directory whose name starts with "." or "_".
func goSkipped(p string) bool {
	parts := strings.Split(p, "/")
	for _, d := range parts[:len(parts)-1] {
		if d == "testdata" || strings.HasPrefix(d, ".") || strings.HasPrefix(d, "_") {
			return true
		}
	}
	return false
}

// walk reads the tree once. The walking goroutine opens each directory
// once, as an os.Root of its own, and reads the files in it (one open
// each, with no path to resolve again); a pool of workers parses them.
func (s *scan) walk(ctx context.Context, root *os.Root) error {
	rd := &reader{fsys: s.fsys}
	workers := max(1, runtime.GOMAXPROCS(0))
	// Few jobs wait at a time: each holds a file of up to MaxFileSize.
	jobs := make(chan job, 2*workers)
	results := make(chan result, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- rd.process(ctx, j)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for res := range results {
			s.errs = append(s.errs, res.errs...)
			if res.man != nil {
				s.manifests = append(s.manifests, res.man)
			}
			if res.ev != nil {
				if e := s.dirs[res.dir]; e != nil {
					e.merge(res.ev)
				} else {
					s.dirs[res.dir] = res.ev
				}
			}
		}
	}()
	var walkErrs []error
	err := s.walkDir(ctx, root, ".", jobs, &walkErrs)
	close(jobs)
	<-done
	s.errs = append(s.errs, walkErrs...)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrTooManyFiles) {
			return err
		}
		return fmt.Errorf("usage: %w", err)
	}
	return nil
}

// walkDir walks the directory r, whose path from the root is dir. Entries
// are visited in name order so that limits cut the tree the same way
// every time. Symbolic links are neither entered nor read.
func (s *scan) walkDir(ctx context.Context, r *os.Root, dir string, jobs chan<- job, errs *[]error) error {
	f, err := r.Open(".")
	if err != nil {
		if dir == "." {
			return err
		}
		*errs = append(*errs, &extract.Error{Path: dir, Err: fmt.Errorf("open: %w", err)})
		return nil
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		if dir == "." {
			return err
		}
		*errs = append(*errs, &extract.Error{Path: dir, Err: fmt.Errorf("read directory: %w", err)})
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		p := name
		if dir != "." {
			p = dir + "/" + name
		}
		if e.IsDir() {
			if skipDirs[name] || s.excluded(p) {
				if name == ".venv" || name == "venv" {
					s.venvs = append(s.venvs, p)
				}
				continue
			}
			if _, err := r.Lstat(name + "/pyvenv.cfg"); err == nil {
				s.venvs = append(s.venvs, p)
				continue
			}
			sub, err := r.OpenRoot(name)
			if err != nil {
				*errs = append(*errs, &extract.Error{Path: p, Err: fmt.Errorf("open: %w", err)})
				continue
			}
			err = s.walkDir(ctx, sub, p, jobs, errs)
			sub.Close()
			if err != nil {
				return err
			}
			continue
		}
		s.files++
		if s.files > s.opt.MaxFiles {
			return fmt.Errorf("%w: more than %d under the root", ErrTooManyFiles, s.opt.MaxFiles)
		}
		if !e.Type().IsRegular() || s.excluded(p) {
			continue
		}
		k := classify(p)
		if k == kindNone || k == kindGo && goSkipped(p) || isManifest(k) && inTestdata(p) {
			continue
		}
		j := job{path: p, dir: dir, kind: k}
		if k != kindRequirements {
			// The requirements extractor opens its files itself.
			j.data, j.err = readIn(r, name, p)
		}
		jobs <- j
	}
	return nil
}

func (s *scan) sortedErrs() []error {
	slices.SortFunc(s.errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return s.errs
}

// ignored reports whether Options.Ignore names a dependency.
func (s *scan) ignored(d Declared) bool {
	for _, pat := range s.opt.Ignore {
		if ok, _ := path.Match(pat, d.Name); ok {
			return true
		}
		if d.Ecosystem == purl.PyPI {
			if ok, _ := path.Match(purl.NormalizePyPI(pat), purl.NormalizePyPI(d.Name)); ok {
				return true
			}
		}
	}
	return false
}
