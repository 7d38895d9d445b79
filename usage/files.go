package usage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build/constraint"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/requirements"
)

// MaxFileSize bounds one file read: source, manifest or configuration.
// Larger files (minified bundles, generated code) are skipped with an
// error naming them.
const MaxFileSize = 4 << 20

// kind says what a file is to the scan.
type kind int

const (
	kindNone kind = iota
	kindPackageJSON
	kindGoMod
	kindRequirements
	kindPyproject
	kindPipfile
	kindJS       // JavaScript or TypeScript source
	kindJSConfig // a JavaScript tool's configuration in JS or JSON
	kindComponent
	kindGo
	kindPython
	kindNotebook
	kindTask // a file whose words name commands
)

var requirementsClaim = requirements.New()

// classify decides from its path alone what a file is.
func classify(path string) kind {
	base := extract.Base(path)
	lower := strings.ToLower(base)
	switch base {
	case "package.json":
		return kindPackageJSON
	case "go.mod":
		return kindGoMod
	case "pyproject.toml":
		return kindPyproject
	case "Pipfile":
		return kindPipfile
	}
	if requirementsClaim.Claims(path, nil) && !strings.HasPrefix(lower, "constraints") {
		return kindRequirements
	}
	ext := ""
	if i := strings.LastIndexByte(lower, '.'); i > 0 {
		ext = lower[i:]
	}
	if jsConfigName(lower, path) {
		return kindJSConfig
	}
	switch ext {
	case ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts":
		return kindJS
	case ".vue", ".svelte", ".astro":
		return kindComponent
	case ".go":
		return kindGo
	case ".py", ".pyi", ".pyx", ".pxd":
		return kindPython
	case ".ipynb":
		return kindNotebook
	case ".sh", ".bash":
		return kindTask
	}
	if taskName(lower, path) {
		return kindTask
	}
	if _, ok := pyToolConfigs[lower]; ok {
		return kindTask
	}
	return kindNone
}

// jsConfigPrefixes are the base names (up to the first ".") of the
// configuration files of JavaScript tools, which name the plugins,
// presets, parsers and environments they load as strings.
var jsConfigPrefixes = []string{
	".babelrc", "babel.config", ".eslintrc", "eslint.config", "jest.config",
	".prettierrc", "prettier.config", "tsconfig", "jsconfig", ".stylelintrc",
	"stylelint.config", "postcss.config", ".postcssrc", "tailwind.config",
	".mocharc", "vite.config", "vitest.config", "vitest.workspace", "webpack.",
	"rollup.config", "next.config", "nuxt.config", "svelte.config",
	"astro.config", "karma.conf", ".lintstagedrc", "lint-staged.config",
	"commitlint.config", ".commitlintrc", "playwright.config", "cypress.config",
	".swcrc", "nodemon.json", ".nycrc", ".c8rc", "ava.config", ".releaserc",
	"release.config", "gulpfile", "gruntfile", "angular.json", "nest-cli.json",
	"lerna.json", ".huskyrc", "remix.config", "metro.config", "app.json",
	"quasar.config", "vue.config", "craco.config", "gatsby-config", "docusaurus.config",
	"turbo.json", ".markdownlint", "typedoc.json", "api-extractor.json",
}

func jsConfigName(lower, path string) bool {
	for _, p := range jsConfigPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	// Storybook's main.js names its addons and framework.
	return strings.HasSuffix(extract.Dir(path), ".storybook")
}

// taskName reports files whose words name the commands a project runs.
func taskName(lower, path string) bool {
	switch lower {
	case "makefile", "gnumakefile", "justfile", "procfile", "jenkinsfile", "tox.ini",
		"setup.cfg", ".pre-commit-config.yaml", ".gitlab-ci.yml", "azure-pipelines.yml",
		"taskfile.yml", "taskfile.yaml", "netlify.toml", "mkdocs.yml", "mkdocs.yaml",
		".travis.yml", "bitbucket-pipelines.yml", "cloudbuild.yaml", "app.yaml", "fly.toml":
		return true
	}
	if strings.HasPrefix(lower, "dockerfile") || strings.HasSuffix(lower, ".dockerfile") ||
		strings.HasPrefix(lower, "docker-compose") || strings.HasPrefix(lower, "compose.") ||
		lower == ".env" || strings.HasPrefix(lower, ".env.") {
		return true
	}
	dir := extract.Dir(path)
	if strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml") {
		if strings.HasSuffix(dir, ".github/workflows") || strings.HasSuffix(dir, ".circleci") || dir == ".github/actions" || strings.Contains(dir, ".github/actions/") {
			return true
		}
	}
	return strings.HasSuffix(dir, ".husky")
}

// job is one file to parse.
type job struct {
	path string
	dir  string // the directory whose evidence the file adds to
	kind kind
	data []byte // the content, read by the walk
	err  error  // why it could not be read
}

// result is what reading one file gave.
type result struct {
	dir  string
	ev   *evidence
	man  *manifest
	errs []error
}

// reader reads files for the scan through a root that cannot be left.
type reader struct {
	fsys fs.FS
}

// read returns the content of the file at path from the root.
func (r *reader) read(path string) ([]byte, error) {
	f, err := r.fsys.Open(path)
	if err != nil {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	return readLimited(f, path)
}

// readIn returns the content of the file name in directory r; path names
// it in errors.
func readIn(r *os.Root, name, path string) ([]byte, error) {
	f, err := r.Open(name)
	if err != nil {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	return readLimited(f, path)
}

// readLimited reads f whole, failing past MaxFileSize. The buffer is sized
// from the file's length when it is known.
func readLimited(f fs.File, path string) ([]byte, error) {
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		if st.Size() > MaxFileSize {
			return nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, st.Size(), MaxFileSize)}
		}
		size = st.Size()
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+512))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("read: %w", err)}
	}
	if buf.Len() > MaxFileSize {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, MaxFileSize)}
	}
	return buf.Bytes(), nil
}

// process reads one file and returns its evidence, its manifest, or both.
func (r *reader) process(ctx context.Context, j job) result {
	res := result{dir: j.dir}
	if j.kind == kindRequirements {
		// The requirements extractor reads the file and its includes
		// itself, through the same root.
		m, errs := readRequirements(ctx, r.fsys, j.path)
		res.man, res.errs = m, errs
		return res
	}
	if j.err != nil {
		res.errs = append(res.errs, j.err)
		return res
	}
	data := j.data
	ev := newEvidence()
	res.ev = ev
	lowerBase := strings.ToLower(extract.Base(j.path))
	if tool, ok := pyToolConfigs[lowerBase]; ok {
		ev.addWord(tool)
	}
	switch j.kind {
	case kindPackageJSON:
		m, err := readPackageJSON(j.path, data, ev)
		res.man = m
		if err != nil {
			res.errs = append(res.errs, err)
		}
	case kindGoMod:
		m, err := readGoMod(j.path, data)
		res.man = m
		if err != nil {
			res.errs = append(res.errs, err)
		}
	case kindPyproject, kindPipfile:
		m, err := readPythonTOML(j.path, data, j.kind == kindPipfile, ev)
		res.man = m
		if err != nil {
			res.errs = append(res.errs, err)
		}
	case kindJS:
		ev.jsFiles++
		ext := lowerBase[strings.LastIndexByte(lowerBase, '.'):]
		ev.jsx = ext == ".jsx" || ext == ".tsx"
		ev.ts = ext == ".ts" || ext == ".tsx" || ext == ".mts" || ext == ".cts"
		if err := scanJSInto(ev, data, false); err != nil {
			res.errs = append(res.errs, &extract.Error{Path: j.path, Err: err})
		}
	case kindJSConfig:
		if strings.HasPrefix(lowerBase, "tsconfig") {
			ev.tsconfig = true
		}
		ext := ""
		if i := strings.LastIndexByte(lowerBase, '.'); i > 0 {
			ext = lowerBase[i:]
		}
		switch ext {
		case ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts":
			ev.jsFiles++
		}
		if err := scanJSInto(ev, data, true); err != nil {
			res.errs = append(res.errs, &extract.Error{Path: j.path, Err: err})
		}
		if ext == ".yml" || ext == ".yaml" || !strings.Contains(lowerBase[1:], ".") {
			// YAML, or an rc file that may be YAML: its words.
			ev.addText(string(data))
		}
	case kindComponent:
		ev.jsFiles++
		for _, block := range scriptBlocks(data) {
			if err := scanJSInto(ev, block, false); err != nil {
				res.errs = append(res.errs, &extract.Error{Path: j.path, Err: err})
			}
		}
	case kindGo:
		if err := scanGo(ev, j.path, data); err != nil {
			res.errs = append(res.errs, err)
		}
	case kindPython:
		ev.pyFiles++
		if pyTestName(j.path) {
			ev.pyTests = true
		}
		scanPyInto(ev, data, pySettingsName(j.path))
	case kindNotebook:
		ev.pyFiles++
		if err := scanNotebook(ev, j.path, data); err != nil {
			res.errs = append(res.errs, err)
		}
	case kindTask:
		ev.addText(string(data))
	}
	return res
}

func scanJSInto(ev *evidence, data []byte, config bool) error {
	f, err := scanJS(data, config)
	for _, s := range f.specs {
		ev.addSpec(s)
		if config {
			ev.addConfigString(s)
		}
	}
	for _, t := range f.types {
		add(&ev.typesRefs, t)
		if name, _ := npmPackage(t); name != "" {
			add(&ev.typesRefs, name)
		}
	}
	for _, s := range f.strs {
		ev.addConfigString(s)
	}
	return err
}

func scanPyInto(ev *evidence, data []byte, allStrings bool) {
	f := scanPy(data, allStrings)
	for _, m := range f.mods {
		addModule(&ev.pyMods, strings.ToLower(m))
	}
	for _, s := range f.strs {
		if isDottedName(s) {
			addModule(&ev.pyStrs, strings.ToLower(s))
		} else {
			add(&ev.pyStrs, strings.ToLower(s))
		}
	}
}

// pyTestName reports the files pytest collects or loads by itself.
func pyTestName(path string) bool {
	base := extract.Base(path)
	return base == "conftest.py" || strings.HasPrefix(base, "test_") && strings.HasSuffix(base, ".py") ||
		strings.HasSuffix(base, "_test.py")
}

// pySettingsName reports Python files whose plain strings name modules a
// framework loads: Django settings (INSTALLED_APPS, MIDDLEWARE), pytest's
// conftest.py (pytest_plugins), Sphinx's conf.py (extensions).
func pySettingsName(path string) bool {
	base := extract.Base(path)
	return strings.HasPrefix(base, "settings") || extract.Base(extract.Dir(path)) == "settings" ||
		base == "conftest.py" || base == "conf.py"
}

// scanNotebook reads the code cells of a Jupyter notebook.
func scanNotebook(ev *evidence, path string, data []byte) error {
	var nb struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		return extract.JSONError(path, data, err)
	}
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		var src string
		var lines []string
		if json.Unmarshal(c.Source, &lines) == nil {
			src = strings.Join(lines, "")
		} else if json.Unmarshal(c.Source, &src) != nil {
			continue
		}
		// Magics and shell escapes ("!pip install x", "%matplotlib")
		// are not Python; blank them so they cannot start a statement.
		var b strings.Builder
		for _, line := range strings.SplitAfter(src, "\n") {
			if t := strings.TrimSpace(line); strings.HasPrefix(t, "!") || strings.HasPrefix(t, "%") {
				b.WriteString("\n")
				continue
			}
			b.WriteString(line)
		}
		scanPyInto(ev, []byte(b.String()), false)
	}
	return nil
}

// scanGo records the imports of a Go file, as go mod tidy sees them: every
// file counts whatever its build constraints, except one that the "ignore"
// tag excludes.
func scanGo(ev *evidence, path string, data []byte) error {
	if goIgnored(data) {
		return nil
	}
	ev.goFiles++
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, data, parser.ImportsOnly|parser.SkipObjectResolution)
	if f != nil {
		for _, imp := range f.Imports {
			if p, uerr := strconv.Unquote(imp.Path.Value); uerr == nil && p != "C" {
				add(&ev.goImports, p)
			}
		}
	}
	if err != nil {
		e := &extract.Error{Path: path, Err: fmt.Errorf("go: %w", err)}
		var list scanner.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			e.Line, e.Column = list[0].Pos.Line, list[0].Pos.Column
			e.Err = fmt.Errorf("go: %s", list[0].Msg)
		}
		return e
	}
	return nil
}

// goIgnored reports whether a Go file's build constraint excludes it when
// every tag but "ignore" is satisfiable, which is how go mod tidy decides
// which files' imports count.
func goIgnored(data []byte) bool {
	for line := range strings.Lines(string(data[:min(len(data), 64<<10)])) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "/*") || strings.HasPrefix(t, "*") {
			continue
		}
		if !strings.HasPrefix(t, "//") {
			return false // the package clause or code: constraints are above it
		}
		if !constraint.IsGoBuild(t) && !constraint.IsPlusBuild(t) {
			continue
		}
		expr, err := constraint.Parse(t)
		if err != nil {
			continue
		}
		if !evalAnyTags(expr, true) {
			return true
		}
	}
	return false
}

// evalAnyTags evaluates a build constraint with every tag taking whichever
// value prefer asks for, except "ignore", which is never set: the rule
// cmd/go applies for go mod tidy.
func evalAnyTags(x constraint.Expr, prefer bool) bool {
	switch x := x.(type) {
	case *constraint.TagExpr:
		if x.Tag == "ignore" {
			return false
		}
		return prefer
	case *constraint.NotExpr:
		return !evalAnyTags(x.X, !prefer)
	case *constraint.AndExpr:
		return evalAnyTags(x.X, prefer) && evalAnyTags(x.Y, prefer)
	case *constraint.OrExpr:
		return evalAnyTags(x.X, prefer) || evalAnyTags(x.Y, prefer)
	}
	return true
}
