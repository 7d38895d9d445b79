package usage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// manifest is one file declaring dependencies.
type manifest struct {
	path  string
	eco   string
	decls []Declared
	// For go.mod: the module's own path, every required module (indirect
	// ones too, for the longest-prefix match) and the tool packages.
	modPath  string
	requires []string
	tools    []string
}

// maxJSONDepth bounds nesting in package.json.
const maxJSONDepth = 64

// npmDepSections are the package.json keys that declare what the package
// itself needs; peerDependencies are left out, being for consumers.
var npmDepSections = map[string]bool{"dependencies": false, "optionalDependencies": false, "devDependencies": true}

// npmSkipSections are package.json keys whose strings name no tool the
// project runs: descriptions, publishing metadata, resolution overrides.
var npmSkipSections = setOf(
	"name", "version", "description", "keywords", "homepage", "bugs", "license",
	"licenses", "author", "contributors", "maintainers", "funding", "repository",
	"files", "peerDependencies", "peerDependenciesMeta", "bundleDependencies",
	"bundledDependencies", "overrides", "resolutions", "pnpm", "engines", "os",
	"cpu", "private", "publishConfig", "workspaces", "packageManager", "main",
	"module", "types", "typings", "exports", "imports", "browser", "bin", "man",
	"directories", "sideEffects", "type", "readme", "gitHead", "volta",
)

// readPackageJSON reads the dependencies a package.json declares, with the
// line of each key, and records the words of its scripts and tool
// configuration sections ("jest", "eslintConfig", "babel", "prettier",
// "lint-staged") in ev. It streams tokens so positions are known; what was
// read before an error is kept.
func readPackageJSON(path string, data []byte, ev *evidence) (*manifest, error) {
	m := &manifest{path: path, eco: purl.NPM}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var idx extract.LineIndex
	line := func() int {
		if idx == nil {
			idx = extract.NewLineIndex(data)
		}
		l, _ := idx.Position(dec.InputOffset() - 1)
		return l
	}
	fail := func(err error) (*manifest, error) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// Truncated: the decoder gives no offset; the end is where
			// the file stops making sense.
			l, _ := extract.NewLineIndex(data).Position(int64(max(0, len(data)-1)))
			return m, extract.Errorf(path, l, "json: unexpected end of input")
		}
		return m, extract.JSONError(path, data, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if tok != json.Delim('{') {
		return m, extract.Errorf(path, 1, "package.json: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		keyLine := line()
		dev, isDeps := npmDepSections[key]
		switch {
		case isDeps:
			t, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if t != json.Delim('{') {
				if err := skipRest(dec, t, 1); err != nil {
					return fail(err)
				}
				return m, extract.Errorf(path, keyLine, "package.json: %s: want an object", key)
			}
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return fail(err)
				}
				name, _ := t.(string)
				l := line()
				v, err := dec.Token()
				if err != nil {
					return fail(err)
				}
				if err := skipRest(dec, v, 1); err != nil {
					return fail(err)
				}
				if name == "" {
					continue
				}
				m.decls = append(m.decls, Declared{
					Ecosystem: purl.NPM, Name: name, Dev: dev,
					Manifest: inventory.Location{Path: path, Line: l},
				})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return fail(err)
			}
		case npmSkipSections[key]:
			t, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if err := skipRest(dec, t, 1); err != nil {
				return fail(err)
			}
		default:
			// Scripts and tool configuration: every string, and the
			// keys of nested objects (ESLint rule names carry the
			// plugin: "react/jsx-key").
			if err := collectStrings(dec, key != "scripts", ev); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	return m, nil
}

// skipRest consumes the rest of a value whose first token was t.
func skipRest(dec *json.Decoder, t json.Token, depth int) error {
	d, ok := t.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	open := 1
	for open > 0 {
		if depth+open > maxJSONDepth {
			return fmt.Errorf("json: nesting deeper than %d", maxJSONDepth)
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				open++
			} else {
				open--
			}
		}
	}
	return nil
}

// collectStrings consumes one value and records its strings (and, with
// keys, the keys of nested objects) as configuration text.
func collectStrings(dec *json.Decoder, keys bool, ev *evidence) error {
	open := 0
	var inObject []bool
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := t.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if open+2 > maxJSONDepth {
					return fmt.Errorf("json: nesting deeper than %d", maxJSONDepth)
				}
				open++
				inObject = append(inObject, v == '{')
			default:
				open--
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			// In an object, decoder tokens alternate key, value; a key
			// is recognised by the decoder expecting a value next,
			// which it does not expose, so keys and values are both
			// recorded when keys is set, values only otherwise.
			if keys || len(inObject) == 0 || !inObject[len(inObject)-1] || !isKeyPosition(dec) {
				ev.addConfigString(v)
			}
		}
		if open == 0 {
			return nil
		}
	}
}

// isKeyPosition guesses whether the string just read was an object key:
// the next non-blank byte of the input is then ":".
func isKeyPosition(dec *json.Decoder) bool {
	rest, _ := io.ReadAll(io.LimitReader(dec.Buffered(), 64))
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// readGoMod reads the requirements of a go.mod.
func readGoMod(path string, data []byte) (*manifest, error) {
	m := &manifest{path: path, eco: purl.Go}
	f, err := modfile.Parse(path, data, nil)
	var strictErr error
	if err != nil {
		// A directive from a newer Go or a bad replace need not hide
		// the requirements: read them as Go reads a dependency's go.mod,
		// and report the error beside them.
		strictErr = goModError(path, err)
		if f, err = modfile.ParseLax(path, data, nil); err != nil {
			return nil, strictErr
		}
	}
	if f.Module != nil {
		m.modPath = f.Module.Mod.Path
	}
	for _, r := range f.Require {
		if err := module.CheckImportPath(r.Mod.Path); err != nil {
			continue
		}
		m.requires = append(m.requires, r.Mod.Path)
		if r.Indirect {
			continue
		}
		line := 0
		if r.Syntax != nil {
			line = r.Syntax.Start.Line
		}
		m.decls = append(m.decls, Declared{
			Ecosystem: purl.Go, Name: r.Mod.Path,
			Manifest: inventory.Location{Path: path, Line: line},
		})
	}
	for _, t := range f.Tool {
		m.tools = append(m.tools, t.Path)
	}
	return m, strictErr
}

// goModError places a modfile error at its line.
func goModError(path string, err error) *extract.Error {
	e := &extract.Error{Path: path, Err: fmt.Errorf("go.mod: %w", err)}
	var list modfile.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e.Line, e.Column = list[0].Pos.Line, list[0].Pos.LineRune
		e.Err = fmt.Errorf("go.mod: %w", list[0].Err)
	}
	return e
}

// readRequirements reads a pip requirements file, and the files it
// includes, with the requirements extractor.
func readRequirements(ctx context.Context, fsys fs.FS, path string) (*manifest, []error) {
	m := &manifest{path: path, eco: purl.PyPI}
	f, err := fsys.Open(path)
	if err != nil {
		return nil, []error{&extract.Error{Path: path, Err: fmt.Errorf("open: %w", err)}}
	}
	defer f.Close()
	info, _ := f.Stat()
	in := &extract.Input{Path: path, Root: fsys, Info: info, Reader: io.LimitReader(f, MaxFileSize+1)}
	if info != nil && info.Size() > MaxFileSize {
		return nil, []error{&extract.Error{Path: path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, info.Size(), MaxFileSize)}}
	}
	g, xerr := requirementsClaim.Extract(ctx, in)
	var errs []error
	if xerr != nil {
		errs = append(errs, xerr)
	}
	if g == nil {
		return nil, errs
	}
	for _, c := range g.Components() {
		if c.Properties["editable"] == "true" {
			continue // "-e ." is the project itself, or a local checkout
		}
		name := c.Name
		if d := c.Properties["declared_name"]; d != "" {
			name = d
		}
		for _, l := range c.Locations {
			m.decls = append(m.decls, Declared{
				Ecosystem: purl.PyPI, Name: name, Manifest: l,
				Dev: c.Scope == inventory.ScopeDev,
			})
		}
	}
	return m, errs
}

// devGroupWords are the extras and group names that hold development
// dependencies.
var devGroupWords = setOf("dev", "devel", "develop", "development", "test", "tests", "testing",
	"doc", "docs", "lint", "linting", "typing", "types", "style", "check", "ci", "qa")

// devGroup reports whether an optional-dependency group is for
// development: one of its words ("-", "_", "." separated) is a dev word.
func devGroup(name string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(c rune) bool { return c == '-' || c == '_' || c == '.' }) {
		if devGroupWords[w] {
			return true
		}
	}
	return false
}

// readPythonTOML reads the dependencies of a pyproject.toml ([project]
// dependencies and optional-dependencies, [dependency-groups], Poetry's
// dependencies, dev-dependencies and groups, PDM's and uv's
// dev-dependencies) or of a Pipfile ([packages], [dev-packages]), with
// the line of each. A pyproject.toml's [tool.x] tables are recorded as
// words in ev: a configured tool is a tool that is run.
func readPythonTOML(path string, data []byte, pipfile bool, ev *evidence) (*manifest, error) {
	m := &manifest{path: path, eco: purl.PyPI}
	var probe map[string]any
	if err := pyproject.DecodeTOML(path, data, &probe); err != nil {
		return nil, err
	}
	var probs extract.Problems
	addName := func(name string, line int, dev bool) {
		if name == "" || strings.EqualFold(name, "python") {
			return
		}
		m.decls = append(m.decls, Declared{
			Ecosystem: purl.PyPI, Name: name, Dev: dev,
			Manifest: inventory.Location{Path: path, Line: line},
		})
	}
	addReqs := func(n *tomlNode, dev bool) {
		for _, el := range n.elems {
			if el.str == nil {
				continue
			}
			r, err := pyproject.ParseRequirement(*el.str)
			if err != nil {
				probs.Add(&extract.Error{Path: path, Line: el.line, Err: err})
				continue
			}
			addName(r.Name, el.line, dev)
		}
	}
	err := walkTOML(data, func(keys []string, n *tomlNode) {
		k := func(i int) string {
			if i < len(keys) {
				return keys[i]
			}
			return ""
		}
		if pipfile {
			if len(keys) == 2 && (k(0) == "packages" || k(0) == "dev-packages") {
				addName(k(1), n.line, k(0) == "dev-packages")
			}
			return
		}
		switch {
		case len(keys) >= 2 && k(0) == "tool" && n.header:
			ev.addWord(k(1))
		case len(keys) == 2 && k(0) == "project" && k(1) == "dependencies":
			addReqs(n, false)
		case len(keys) == 3 && k(0) == "project" && k(1) == "optional-dependencies":
			addReqs(n, devGroup(k(2)))
		case len(keys) == 2 && k(0) == "dependency-groups":
			addReqs(n, true)
		case len(keys) == 4 && k(0) == "tool" && k(1) == "poetry" && (k(2) == "dependencies" || k(2) == "dev-dependencies"):
			addName(k(3), n.line, k(2) == "dev-dependencies")
		case len(keys) == 6 && k(0) == "tool" && k(1) == "poetry" && k(2) == "group" && k(4) == "dependencies":
			addName(k(5), n.line, k(3) != "main")
		case len(keys) == 4 && k(0) == "tool" && k(1) == "pdm" && k(2) == "dev-dependencies":
			addReqs(n, true)
		case len(keys) == 3 && k(0) == "tool" && k(1) == "uv" && k(2) == "dev-dependencies":
			addReqs(n, true)
		}
		if len(keys) >= 2 && k(0) == "tool" && !n.header {
			ev.addWord(k(1))
		}
	})
	if err != nil {
		probs.AddErr(path, err)
	}
	return m, probs.Err()
}
