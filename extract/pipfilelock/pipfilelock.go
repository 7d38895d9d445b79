// Package pipfilelock reads Pipenv's Pipfile.lock (pipfile-spec 6).
//
// Each entry of a package category becomes a component: "default" is
// runtime, "develop" and any other category (Pipenv 2023 allows named ones
// such as "docs") are dev. Versions are pins ("==2.32.3"); git, path and
// file entries have none and carry their origin in Source, and are
// unpinned unless a git ref is a commit.
//
// Pipfile.lock records no dependency graph. When a Pipfile sits beside it,
// the entries it declares ([packages] for "default", [dev-packages] for
// "develop", a table of the same name for other categories) are the direct
// ones, linked from the root, and the rest are transitive with no edges,
// since the lockfile does not say what pulls them in. Without a Pipfile
// every entry is taken as direct.
//
// Component properties:
//   - declared_name: the name as the lockfile spells it, when it differs
//     from the PEP 503 form.
//   - marker: the environment marker under which the package is installed.
//   - extras: the extras installed, comma-separated.
//   - specifier: a version that is not a pin, as written.
//   - index_name, index_url: the Pipfile [[source]] a package comes from
//     when it is not PyPI, credentials removed from the URL.
//   - git_ref: a git ref that is not a commit.
//   - subdirectory: where in a repository the package lives.
//   - editable: "true" for a package installed in editable mode.
//
// Root properties: pipfile_spec, requires_python.
package pipfilelock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Extractor reads Pipfile.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "pipfilelock" }

// Claims implements extract.Extractor: files named exactly Pipfile.lock.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	return extract.Base(path) == "Pipfile.lock"
}

type meta struct {
	PipfileSpec json.Number `json:"pipfile-spec"`
	Requires    struct {
		PythonVersion     string `json:"python_version"`
		PythonFullVersion string `json:"python_full_version"`
	} `json:"requires"`
	Sources []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"sources"`
}

type entry struct {
	Version      string   `json:"version"`
	Hashes       []string `json:"hashes"`
	Markers      string   `json:"markers"`
	Index        string   `json:"index"`
	Extras       []string `json:"extras"`
	Git          string   `json:"git"`
	Ref          string   `json:"ref"`
	Path         string   `json:"path"`
	File         string   `json:"file"`
	Editable     bool     `json:"editable"`
	Subdirectory string   `json:"subdirectory"`
}

// locked is one entry with where it was found.
type locked struct {
	category, name string
	line           int
	e              entry
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	lines := extract.NewLineIndex(data)
	var probs extract.Problems
	m, entries, err := parse(ctx, in.Path, data, lines, &probs)
	if err != nil {
		return nil, err
	}

	// declared maps a lock category to the names the Pipfile declares in
	// it; nil when there is no readable Pipfile.
	declared, perr := readPipfile(in)
	probs.AddErr(in.Path, perr)

	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	if s := m.PipfileSpec.String(); s != "" {
		root.Properties["pipfile_spec"] = s
	}
	if v := m.Requires.PythonFullVersion; v != "" {
		root.Properties["requires_python"] = v
	} else if v := m.Requires.PythonVersion; v != "" {
		root.Properties["requires_python"] = v
	}
	indexes := map[string]string{}
	for _, s := range m.Sources {
		indexes[s.Name] = extract.RedactURL(s.URL)
	}

	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	g := inventory.New()
	g.AddRoot(root)
	for _, l := range entries {
		c := inventory.Component{
			Ecosystem: purl.PyPI,
			Name:      purl.NormalizePyPI(l.name),
			Scope:     inventory.ScopeDev,
			Locations: []inventory.Location{{Path: in.Path, Line: l.line}},
		}
		if l.category == "default" {
			c.Scope = inventory.ScopeRuntime
		}
		set := func(k, v string) {
			if v != "" {
				c.Properties = pyproject.SetProperty(c.Properties, k, v)
			}
		}
		if c.Name != l.name {
			set("declared_name", l.name)
		}
		e := l.e
		if e.Version != "" {
			if v, ok := pyproject.Pinned(strings.ReplaceAll(e.Version, " ", "")); ok {
				c.Version = v
			} else {
				c.Unpinned = true
				set("specifier", e.Version)
			}
		}
		for _, s := range e.Hashes {
			h, ok := pyproject.ParseHash(s)
			if !ok {
				probs.Add(extract.Errorf(in.Path, l.line, "package %s: unreadable hash %q", l.name, pyproject.Clip(s)))
				continue
			}
			c.Hashes = append(c.Hashes, h)
		}
		c.Hashes = pyproject.UniqueHashes(c.Hashes)
		set("marker", e.Markers)
		set("extras", strings.Join(e.Extras, ","))
		set("subdirectory", e.Subdirectory)
		if e.Editable {
			set("editable", "true")
		}
		if e.Index != "" && e.Index != "pypi" {
			set("index_name", e.Index)
			if u := indexes[e.Index]; u != "" {
				set("index_url", u)
			}
		}
		switch {
		case e.Git != "":
			commit := e.Ref
			if !pyproject.IsCommit(commit) {
				set("git_ref", e.Ref)
				commit = ""
			}
			c.Source = pyproject.GitSource(e.Git, commit)
			// A commit pins without a version; a branch does not.
			c.Unpinned = c.Unpinned || c.Version == "" && commit == ""
		case e.File != "":
			c.Source = extract.RedactURL(e.File)
			c.Unpinned = c.Unpinned || c.Version == ""
		case e.Path != "":
			// What is at a path can change under the same name.
			c.Source = e.Path
			c.Unpinned = c.Unpinned || c.Version == ""
		}
		c.PURL = purl.For(purl.PyPI, c.Name, c.Version, nil)
		c.Direct = declared == nil || declared[l.category][c.Name]
		g.Add(c)
		if c.Direct {
			g.AddEdge(root.ID, c.PURL)
		}
	}
	return g, probs.Err()
}

// parse walks the lockfile's top-level object with the streaming decoder,
// so that each package entry's key gives its line. A syntax error stops
// it; an entry of the wrong shape is reported and skipped.
func parse(ctx context.Context, path string, data []byte, lines extract.LineIndex, probs *extract.Problems) (meta, []locked, error) {
	var m meta
	var out []locked
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) (meta, []locked, error) {
		return meta{}, nil, jsonError(path, data, lines, dec, err)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return fail(err)
		}
		if key == "_meta" {
			if err := dec.Decode(&m); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return fail(err)
				}
				probs.Add(located(path, lines, te.Offset, fmt.Errorf("_meta: %w", err)))
			}
			continue
		}
		// Any other key is a package category.
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if d, ok := t.(json.Delim); !ok || d != '{' {
			probs.Add(located(path, lines, dec.InputOffset(), fmt.Errorf("category %q is not an object", pyproject.Clip(key))))
			if err := skipRest(dec, t); err != nil {
				return fail(err)
			}
			continue
		}
		for n := 0; dec.More(); n++ {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return meta{}, nil, &extract.Error{Path: path, Err: err}
				}
			}
			name, err := stringToken(dec)
			if err != nil {
				return fail(err)
			}
			line, _ := lines.Position(dec.InputOffset() - 1)
			var e entry
			if err := dec.Decode(&e); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return fail(err)
				}
				probs.Add(extract.Errorf(path, line, "package %s: %v", pyproject.Clip(name), err))
				continue
			}
			if !pyproject.ValidName(name) {
				probs.Add(extract.Errorf(path, line, "package with invalid name %q", pyproject.Clip(name)))
				continue
			}
			out = append(out, locked{category: key, name: name, line: line, e: e})
		}
		if err := expectDelim(dec, '}'); err != nil {
			return fail(err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level object")
		}
		return fail(err)
	}
	return m, out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", string(want), tokenText(t))
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, found %v", tokenText(t))
	}
	return s, nil
}

// skipRest consumes the rest of a value whose first token was t.
func skipRest(dec *json.Decoder, t json.Token) error {
	depth := 0
	for {
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if t, err = dec.Token(); err != nil {
			return err
		}
	}
}

func tokenText(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		return strconv.Quote(string(v))
	case string:
		return strconv.Quote(pyproject.Clip(v))
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}

// jsonError locates a decoding error: encoding/json reports byte offsets
// for syntax and type errors; other errors are placed where the decoder
// stopped.
func jsonError(path string, data []byte, lines extract.LineIndex, dec *json.Decoder, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return located(path, lines, int64(len(data)), errors.New("unexpected end of JSON input"))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return located(path, lines, max(se.Offset-1, 0), fmt.Errorf("json: %w", err))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return located(path, lines, te.Offset, fmt.Errorf("json: %w", err))
	}
	// Our own "expected" errors: point at the token just read.
	return located(path, lines, max(dec.InputOffset()-1, 0), fmt.Errorf("json: %w", err))
}

func located(path string, lines extract.LineIndex, offset int64, err error) *extract.Error {
	line, col := lines.Position(offset)
	return &extract.Error{Path: path, Line: line, Column: col, Err: err}
}

// readPipfile reads the Pipfile beside the lockfile and returns, per lock
// category, the normalised names it declares. It returns nil when there
// is no Pipfile or it cannot be read, so every entry counts as direct.
func readPipfile(in *extract.Input) (map[string]map[string]bool, error) {
	path, data, err := pyproject.ReadSibling(in, "Pipfile")
	if data == nil {
		return nil, err
	}
	var f map[string]any
	if err := pyproject.DecodeTOML(path, data, &f); err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for table, v := range f {
		pkgs, ok := v.(map[string]any)
		category := table
		switch table {
		case "source", "requires", "scripts", "pipenv":
			continue
		case "packages":
			category = "default"
		case "dev-packages":
			category = "develop"
		}
		if !ok {
			continue
		}
		names := map[string]bool{}
		for name := range pkgs {
			names[purl.NormalizePyPI(name)] = true
		}
		out[category] = names
	}
	return out, nil
}
