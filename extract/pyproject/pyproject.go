// Package pyproject holds what the Python extractors share: reading a
// project's pyproject.toml (PEP 621, Poetry, PDM, uv and PEP 735 tables) for
// its name, version and direct dependencies; parsing PEP 508 requirement
// strings; decoding TOML with positioned errors; and the small rules every
// Python lockfile needs (digests, git sources, scope propagation).
//
// It is not an extractor itself: pyproject.toml alone declares ranges, and
// the lockfile extractors (poetrylock, pdmlock, uvlock) read it as the
// companion that says which locked packages are direct.
package pyproject

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// MaxFileSize bounds a pyproject.toml or Pipfile read beside a lockfile;
// real ones are a few kilobytes.
const MaxFileSize = 4 << 20

// Project is what a pyproject.toml says about a project.
type Project struct {
	// Name and Version from [project], else from [tool.poetry].
	Name, Version string
	// Dependencies are the declared direct dependencies, sorted by name
	// then group.
	Dependencies []Dependency
}

// Dependency is one direct dependency a pyproject.toml declares.
type Dependency struct {
	// Name is normalised as PEP 503 says.
	Name string
	// Scope is runtime for the main dependencies, optional for extras
	// (PEP 621 optional-dependencies, Poetry's optional = true) and dev
	// for every dependency group.
	Scope inventory.Scope
	// Group names the extra or dependency group; empty for the main list.
	Group string
	// Extras the declaration asks of the dependency ("requests[socks]").
	Extras []string
}

// file is the part of pyproject.toml read here. Tables whose values take
// several shapes (Poetry's dependency tables, PEP 735 include-group
// entries) are decoded loosely and checked by hand.
type file struct {
	Project struct {
		Name                 string              `toml:"name"`
		Version              string              `toml:"version"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	Tool             struct {
		Poetry struct {
			Name            string         `toml:"name"`
			Version         string         `toml:"version"`
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
		PDM struct {
			DevDependencies map[string][]string `toml:"dev-dependencies"`
		} `toml:"pdm"`
		UV struct {
			DevDependencies []string `toml:"dev-dependencies"`
		} `toml:"uv"`
	} `toml:"tool"`
}

// Parse reads a pyproject.toml held in data; path names it in errors. A
// requirement string it cannot parse is skipped and reported in the error
// returned beside the project, so one bad line does not hide the rest. A
// TOML syntax or type error returns a nil project.
func Parse(path string, data []byte) (*Project, error) {
	var f file
	if err := DecodeTOML(path, data, &f); err != nil {
		return nil, err
	}
	p := &Project{Name: f.Project.Name, Version: f.Project.Version}
	if p.Name == "" {
		p.Name, p.Version = f.Tool.Poetry.Name, f.Tool.Poetry.Version
	}
	var probs extract.Problems
	type key struct {
		name  string
		scope inventory.Scope
		group string
	}
	seen := map[key]int{}
	add := func(name string, scope inventory.Scope, group string, extras []string) {
		k := key{purl.NormalizePyPI(name), scope, group}
		if i, ok := seen[k]; ok {
			d := &p.Dependencies[i]
			for _, e := range extras {
				if !slices.Contains(d.Extras, e) {
					d.Extras = append(d.Extras, e)
				}
			}
			return
		}
		seen[k] = len(p.Dependencies)
		p.Dependencies = append(p.Dependencies, Dependency{Name: k.name, Scope: scope, Group: group, Extras: extras})
	}
	addPEP508 := func(table, req string, scope inventory.Scope, group string) {
		r, err := ParseRequirement(req)
		if err != nil {
			probs.Add(&extract.Error{Path: path, Err: fmt.Errorf("%s: %w", table, err)})
			return
		}
		add(r.Name, scope, group, r.Extras)
	}
	for _, req := range f.Project.Dependencies {
		addPEP508("project.dependencies", req, inventory.ScopeRuntime, "")
	}
	for _, extra := range sortedKeys(f.Project.OptionalDependencies) {
		for _, req := range f.Project.OptionalDependencies[extra] {
			addPEP508("project.optional-dependencies", req, inventory.ScopeOptional, extra)
		}
	}
	for _, group := range sortedKeys(f.DependencyGroups) {
		for _, v := range f.DependencyGroups[group] {
			// {include-group = "..."} entries name another group,
			// which is read in its own right.
			if req, ok := v.(string); ok {
				addPEP508("dependency-groups", req, inventory.ScopeDev, group)
			}
		}
	}
	poetry := f.Tool.Poetry
	for _, name := range sortedKeys(poetry.Dependencies) {
		if purl.NormalizePyPI(name) == "python" {
			continue
		}
		c := ReadPoetryConstraint(poetry.Dependencies[name])
		scope := inventory.ScopeRuntime
		if c.Optional {
			scope = inventory.ScopeOptional
		}
		add(name, scope, "", c.Extras)
	}
	for _, name := range sortedKeys(poetry.DevDependencies) {
		add(name, inventory.ScopeDev, "dev", ReadPoetryConstraint(poetry.DevDependencies[name]).Extras)
	}
	for _, group := range sortedKeys(poetry.Group) {
		deps := poetry.Group[group].Dependencies
		for _, name := range sortedKeys(deps) {
			add(name, inventory.ScopeDev, group, ReadPoetryConstraint(deps[name]).Extras)
		}
	}
	for _, group := range sortedKeys(f.Tool.PDM.DevDependencies) {
		for _, req := range f.Tool.PDM.DevDependencies[group] {
			// PDM allows "-e path" editable entries here.
			if len(req) > 0 && req[0] == '-' {
				continue
			}
			addPEP508("tool.pdm.dev-dependencies", req, inventory.ScopeDev, group)
		}
	}
	for _, req := range f.Tool.UV.DevDependencies {
		addPEP508("tool.uv.dev-dependencies", req, inventory.ScopeDev, "dev")
	}
	sort.Slice(p.Dependencies, func(i, j int) bool {
		a, b := p.Dependencies[i], p.Dependencies[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Group < b.Group
	})
	return p, probs.Err()
}

// PoetryConstraint is what Poetry's dependency tables (in pyproject.toml
// and in poetry.lock) say of one dependency beyond its version.
type PoetryConstraint struct {
	// Optional is true when the dependency is installed only through an
	// extra; for a list of constraints, when every entry is.
	Optional bool
	// Extras asked of the dependency, over all entries of a list.
	Extras []string
}

// ReadPoetryConstraint reads a dependency value: a version string, a table
// with "version", "optional", "extras", "markers" (or "git", "path", "url"),
// or a list of such tables split by markers.
func ReadPoetryConstraint(v any) PoetryConstraint {
	var c PoetryConstraint
	switch t := v.(type) {
	case map[string]any:
		c.Optional, _ = t["optional"].(bool)
		if list, ok := t["extras"].([]any); ok {
			for _, e := range list {
				if s, ok := e.(string); ok && !slices.Contains(c.Extras, s) {
					c.Extras = append(c.Extras, s)
				}
			}
		}
	case []any:
		c.Optional = len(t) > 0
		for _, e := range t {
			sub := ReadPoetryConstraint(e)
			c.Optional = c.Optional && sub.Optional
			for _, x := range sub.Extras {
				if !slices.Contains(c.Extras, x) {
					c.Extras = append(c.Extras, x)
				}
			}
		}
	}
	return c
}

// ReadSibling reads the file called name in the directory of in.Path,
// through in.Root so it cannot leave the scanned tree. It returns the
// sibling's path and content; a nil content with a nil error means there
// is no such file (or no tree to read it from).
func ReadSibling(in *extract.Input, name string) (string, []byte, error) {
	path, ok := extract.Join(extract.Dir(in.Path), name)
	if !ok || in.Root == nil {
		return path, nil, nil
	}
	f, err := in.Root.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil, nil
	}
	if err != nil {
		return path, nil, &extract.Error{Path: path, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return path, nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return path, nil, &extract.Error{Path: path, Err: fmt.Errorf("read: %w", err)}
	}
	if len(data) > MaxFileSize {
		return path, nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, MaxFileSize)}
	}
	return path, data, nil
}

// ReadProject reads and parses the pyproject.toml beside in.Path. A nil
// project with a nil error means there is none. Errors name the
// pyproject.toml, not the lockfile, since that is where they are.
func ReadProject(in *extract.Input) (*Project, error) {
	path, data, err := ReadSibling(in, "pyproject.toml")
	if data == nil {
		return nil, err
	}
	return Parse(path, data)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
