package yarnlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Limits on the package.json files read beside a lockfile.
const (
	// maxManifestSize caps one package.json.
	maxManifestSize = 4 << 20
	// maxWorkspaces caps the workspace folders read for one lockfile.
	maxWorkspaces = 4096
	// maxWalk caps the folders visited expanding "**" workspace globs.
	maxWalk = 100_000
	// maxGlobDepth caps the folder depth "**" descends to.
	maxGlobDepth = 8
)

// manifest is what a lockfile needs from a package.json.
type manifest struct {
	path          string // the package.json, relative to the scanned root
	dir           string // its folder, relative to the lockfile's folder
	name, version string
	decls         []decl
	workspaces    []string
}

// decl is one dependency a package.json declares.
type decl struct {
	name, rng string
	scope     inventory.Scope
}

// packageJSON is the part of a package.json read here.
type packageJSON struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Workspaces           json.RawMessage   `json:"workspaces"`
}

// readManifest reads the package.json in dir (relative to the lockfile's
// folder lockDir). It returns nil, nil when there is none. A file that is
// not JSON yields nil and an error naming it; one with a field of the
// wrong type yields what could be read and an error.
func readManifest(fsys fs.FS, lockDir, dir string) (*manifest, error) {
	if fsys == nil {
		return nil, nil
	}
	p, ok := extract.Join(lockDir, path.Join(dir, "package.json"))
	if !ok {
		return nil, nil
	}
	f, err := fsys.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("read: %w", err)}
	}
	if len(data) > maxManifestSize {
		return nil, &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, maxManifestSize)}
	}
	return parseManifest(p, dir, data)
}

// parseManifest reads the package.json at p (dir is its folder relative to
// the lockfile's).
func parseManifest(p, dir string, data []byte) (*manifest, error) {
	data = trimBOM(data)
	var pj packageJSON
	var located error
	if err := json.Unmarshal(data, &pj); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := extract.NewLineIndex(data).Position(max(se.Offset-1, 0))
			return nil, &extract.Error{Path: p, Line: line, Column: col, Extractor: extractorName, Err: fmt.Errorf("json: %w", err)}
		case errors.As(err, &te):
			// The decoder skips the bad value and reads the rest.
			line, col := extract.NewLineIndex(data).Position(max(te.Offset-1, 0))
			located = &extract.Error{Path: p, Line: line, Column: col, Extractor: extractorName,
				Err: fmt.Errorf("%s: want %s, got %s", te.Field, te.Type, te.Value)}
		default:
			line, _ := extract.NewLineIndex(data).Position(int64(len(data)))
			return nil, &extract.Error{Path: p, Line: line, Extractor: extractorName, Err: fmt.Errorf("json: %w", err)}
		}
	}
	m := &manifest{path: p, dir: dir, name: pj.Name, version: pj.Version, workspaces: workspaceGlobs(pj.Workspaces)}
	// Later sections win where a name is in several, as npm and yarn
	// install it: optionalDependencies override dependencies, and
	// devDependencies only matter where nothing else declares the name.
	add := func(deps map[string]string, s inventory.Scope) {
		for _, n := range sortedKeys(deps) {
			m.decls = append(m.decls, decl{name: n, rng: deps[n], scope: s})
		}
	}
	add(pj.Dependencies, inventory.ScopeRuntime)
	add(pj.OptionalDependencies, inventory.ScopeOptional)
	add(pj.PeerDependencies, inventory.ScopePeer)
	add(pj.DevDependencies, inventory.ScopeDev)
	return m, located
}

// scopeOf returns the scope under which m declares name: the most
// run-time one when several sections name it, and ok false when none does.
func (m *manifest) scopeOf(name string) (s inventory.Scope, ok bool) {
	for _, d := range m.decls {
		if d.name == name && (!ok || rank(d.scope) < rank(s)) {
			s, ok = d.scope, true
		}
	}
	return s, ok
}

// workspaceGlobs reads "workspaces": an array of globs, or the
// {"packages": [...]} form of yarn classic. Other shapes hold none.
func workspaceGlobs(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Packages
	}
	return nil
}

// expandWorkspaces returns the folders (relative to lockDir, sorted) that
// the root's workspace globs match and that hold a package.json. Globs are
// path.Match patterns; a "**" element matches any number of folders; a
// leading "!" excludes. node_modules is never entered.
func expandWorkspaces(ctx context.Context, fsys fs.FS, lockDir string, globs []string) []string {
	if fsys == nil {
		return nil
	}
	var include, exclude []string
	for _, g := range globs {
		neg := strings.HasPrefix(g, "!")
		g = strings.TrimSuffix(path.Clean("/"+strings.TrimPrefix(g, "!")), "/")
		g = strings.TrimPrefix(g, "/")
		if g == "" || g == "." || strings.Count(g, "/") > maxGlobDepth {
			continue
		}
		if neg {
			exclude = append(exclude, g)
		} else {
			include = append(include, g)
		}
	}
	if len(include) == 0 {
		return nil
	}
	matches := func(dir string, pats []string) bool {
		for _, p := range pats {
			if globMatch(p, dir) {
				return true
			}
		}
		return false
	}
	base := lockDir
	if base == "" {
		base = "."
	}
	var out []string
	visits := 0
	var walk func(fsDir, rel string, depth int)
	walk = func(fsDir, rel string, depth int) {
		if depth > maxGlobDepth || len(out) >= maxWorkspaces || visits >= maxWalk || ctx.Err() != nil {
			return
		}
		visits++
		ents, err := fs.ReadDir(fsys, fsDir)
		if err != nil {
			return
		}
		for _, e := range ents {
			if !e.IsDir() || e.Name() == "node_modules" || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			r := e.Name()
			if rel != "" {
				r = rel + "/" + r
			}
			if !couldMatch(include, r) {
				continue
			}
			if matches(r, include) && !matches(r, exclude) {
				if st, err := fs.Stat(fsys, path.Join(fsDir, e.Name(), "package.json")); err == nil && st.Mode().IsRegular() {
					out = append(out, r)
				}
			}
			walk(path.Join(fsDir, e.Name()), r, depth+1)
		}
	}
	walk(base, "", 1)
	slices.Sort(out)
	return slices.Compact(out)
}

// globMatch matches dir against a slash-separated pattern whose elements
// are path.Match patterns or "**", which matches any number of elements.
func globMatch(pattern, dir string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(dir, "/"))
}

func matchParts(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(parts); i++ {
				if matchParts(pat[1:], parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], parts[0]); !ok {
			return false
		}
		pat, parts = pat[1:], parts[1:]
	}
	return len(parts) == 0
}

// couldMatch reports whether some folder at or below dir may match one of
// the patterns, so the walk can skip the rest of the tree.
func couldMatch(pats []string, dir string) bool {
	parts := strings.Split(dir, "/")
	for _, p := range pats {
		pp := strings.Split(p, "/")
		ok := true
		for i, part := range parts {
			if i >= len(pp) {
				ok = false
				break
			}
			if pp[i] == "**" {
				break
			}
			if m, _ := path.Match(pp[i], part); !m {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		return data[3:]
	}
	return data
}
