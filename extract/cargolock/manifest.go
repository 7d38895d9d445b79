package cargolock

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Limits on the manifests read beside a lockfile.
const (
	// maxManifests caps the Cargo.toml files read for one lockfile; large
	// workspaces have a few hundred members.
	maxManifests = 1024
	// maxManifestSize caps one Cargo.toml; real ones are tens of KB.
	maxManifestSize = 1 << 20
)

// cargoToml is the part of a Cargo.toml that is read. Dependency specs
// are a version string or a table, so they are decoded as any.
type cargoToml struct {
	Package *struct {
		Name    string `toml:"name"`
		Version any    `toml:"version"`
	} `toml:"package"`
	Workspace *struct {
		Members      []string       `toml:"members"`
		Exclude      []string       `toml:"exclude"`
		Dependencies map[string]any `toml:"dependencies"`
	} `toml:"workspace"`
	depTables
	Target  map[string]depTables      `toml:"target"`
	Patch   map[string]map[string]any `toml:"patch"`
	Replace map[string]any            `toml:"replace"`
}

// depTables are the dependency tables of a manifest or of one of its
// [target.X] tables, with the underscore spellings older Cargo accepted.
type depTables struct {
	Dependencies       map[string]any `toml:"dependencies"`
	DevDependencies    map[string]any `toml:"dev-dependencies"`
	DevDependencies_   map[string]any `toml:"dev_dependencies"`
	BuildDependencies  map[string]any `toml:"build-dependencies"`
	BuildDependencies_ map[string]any `toml:"build_dependencies"`
}

// manifests is what the project's Cargo.toml files say.
type manifests struct {
	// rootPackage and rootVersion are the [package] of the Cargo.toml
	// beside the lockfile ("" for a virtual workspace manifest).
	rootPackage, rootVersion string
	// decls maps a project package's name to what it declares, by the
	// name of the package each dependency resolves to.
	decls map[string]map[string]decl
	// patched maps the name of a crate a [patch] or [replace] table
	// replaces with a local path to that path, relative to the scanned
	// root where it stays inside it.
	patched map[string]string
}

// decl is how a project package declares one dependency.
type decl struct {
	scope   inventory.Scope
	targets targetSet
}

// targetSet holds the [target.X] tables a dependency is declared in; any
// is true when it is declared outside them too.
type targetSet struct {
	any   bool
	names []string
}

func (t targetSet) merge(o targetSet) targetSet {
	out := targetSet{any: t.any || o.any, names: slices.Clone(t.names)}
	for _, n := range o.names {
		if !slices.Contains(out.names, n) {
			out.names = append(out.names, n)
		}
	}
	slices.Sort(out.names)
	return out
}

// declaration returns how package pkg declares dependency dep: runtime
// and untargeted when no manifest says.
func (m *manifests) declaration(pkg, dep string) decl {
	if m != nil {
		if d, ok := m.decls[pkg][dep]; ok {
			return d
		}
	}
	return decl{scope: inventory.ScopeRuntime, targets: targetSet{any: true}}
}

// patchDir returns the directory a [patch] gives for crate name.
func (m *manifests) patchDir(name string) string {
	if m == nil {
		return ""
	}
	return m.patched[name]
}

// readManifests reads the Cargo.toml beside the lockfile and the project
// manifests it leads to: the workspace members and path dependencies. It
// returns nil when there is no Cargo.toml beside the lockfile. Manifests
// that cannot be read are reported to probs, against themselves.
func readManifests(ctx context.Context, in *extract.Input, probs *extract.Problems) *manifests {
	if in.Root == nil {
		return nil
	}
	dir := extract.Dir(in.Path)
	rootPath, _ := extract.Join(dir, "Cargo.toml")
	rootToml, err := readManifest(in.Root, rootPath)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			probs.AddErr(rootPath, err)
		}
		return nil
	}
	m := &manifests{decls: map[string]map[string]decl{}, patched: map[string]string{}}
	if p := rootToml.Package; p != nil {
		m.rootPackage = p.Name
		m.rootVersion, _ = p.Version.(string)
	}
	var wsDeps map[string]any
	queue := []string{rootPath}
	queued := map[string]bool{rootPath: true}
	enqueue := func(manifestDir, rel string) {
		p, ok := join(manifestDir, rel)
		if !ok {
			return
		}
		if p, ok = extract.Join(p, "Cargo.toml"); ok && !queued[p] && len(queue) < maxManifests {
			queued[p] = true
			queue = append(queue, p)
		}
	}
	if ws := rootToml.Workspace; ws != nil {
		wsDeps = ws.Dependencies
		for _, pat := range ws.Members {
			for _, member := range expandMember(in.Root, dir, pat, ws.Exclude) {
				enqueue(member, ".")
			}
		}
	}
	for name, spec := range rootToml.Replace {
		// [replace] keys are "name:version" package ids.
		name, _, _ = strings.Cut(name, ":")
		if s := specOf(name, spec); s.path != "" {
			m.patched[s.pkg] = localDir(dir, s.path)
		}
	}
	for _, table := range rootToml.Patch {
		for name, spec := range table {
			if s := specOf(name, spec); s.path != "" {
				m.patched[s.pkg] = localDir(dir, s.path)
			}
		}
	}
	for i := 0; i < len(queue); i++ {
		if err := ctx.Err(); err != nil {
			probs.AddErr(in.Path, err)
			return m
		}
		p := queue[i]
		t := rootToml
		if i > 0 {
			if t, err = readManifest(in.Root, p); err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					probs.AddErr(p, err)
				}
				continue
			}
		}
		pdir := extract.Dir(p)
		decls := map[string]decl{}
		add := func(tables depTables, target string) {
			for _, tb := range []struct {
				deps  map[string]any
				scope inventory.Scope
			}{
				{tables.Dependencies, inventory.ScopeRuntime},
				{tables.BuildDependencies, inventory.ScopeBuild},
				{tables.BuildDependencies_, inventory.ScopeBuild},
				{tables.DevDependencies, inventory.ScopeDev},
				{tables.DevDependencies_, inventory.ScopeDev},
			} {
				for key, v := range tb.deps {
					s := specOf(key, v)
					base := pdir
					if s.inherit {
						// The workspace table gives the package and
						// path, relative to the workspace root.
						ws := specOf(key, wsDeps[key])
						s.pkg, s.path, base = ws.pkg, ws.path, dir
						s.optional = s.optional || ws.optional
					}
					if s.path != "" {
						enqueue(base, s.path)
					}
					d := decl{scope: tb.scope, targets: targetSet{any: target == ""}}
					if target != "" {
						d.targets.names = []string{target}
					}
					if d.scope == inventory.ScopeRuntime && s.optional {
						d.scope = inventory.ScopeOptional
					}
					if old, ok := decls[s.pkg]; ok {
						if rank(old.scope) < rank(d.scope) {
							d.scope = old.scope
						}
						d.targets = old.targets.merge(d.targets)
					}
					decls[s.pkg] = d
				}
			}
		}
		add(t.depTables, "")
		for target, tables := range t.Target {
			add(tables, target)
		}
		if t.Package != nil && t.Package.Name != "" {
			if _, dup := m.decls[t.Package.Name]; !dup {
				m.decls[t.Package.Name] = decls
			}
		}
	}
	return m
}

// spec is what a dependency entry says of the package it names.
type spec struct {
	pkg      string // the package's name: the key, or `package = ...`
	path     string
	optional bool
	inherit  bool // `workspace = true`
}

// specOf reads the dependency at key: a version string or a table.
// Values of the wrong type are ignored, as they say nothing usable.
func specOf(key string, v any) spec {
	s := spec{pkg: key}
	t, ok := v.(map[string]any)
	if !ok {
		return s
	}
	if p, ok := t["package"].(string); ok && p != "" {
		s.pkg = p
	}
	s.path, _ = t["path"].(string)
	s.optional, _ = t["optional"].(bool)
	s.inherit, _ = t["workspace"].(bool)
	return s
}

// localDir returns the directory rel (relative to dir) names, relative to
// the scanned root, or rel as written when it leads out of the tree.
func localDir(dir, rel string) string {
	if p, ok := join(dir, rel); ok {
		return p
	}
	return rel
}

// join is extract.Join for paths written in a manifest, which may be
// absolute (on this system or on Windows) and then lead out of the tree.
func join(dir, rel string) (string, bool) {
	if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || (len(rel) >= 2 && rel[1] == ':') {
		return "", false
	}
	return extract.Join(dir, strings.ReplaceAll(rel, `\`, "/"))
}

// expandMember returns the directories a [workspace] members entry names
// (a path or a glob, relative to the workspace root dir), less those under
// an "exclude" path.
func expandMember(fsys fs.FS, dir, pattern string, exclude []string) []string {
	full, ok := join(dir, pattern)
	if !ok {
		return nil
	}
	matches := []string{full}
	if strings.ContainsAny(pattern, "*?[") {
		var err error
		if matches, err = fs.Glob(fsys, full); err != nil {
			return nil
		}
	}
	var out []string
	for _, mdir := range matches {
		excluded := false
		for _, ex := range exclude {
			if e, ok := join(dir, ex); ok && (mdir == e || strings.HasPrefix(mdir, e+"/")) {
				excluded = true
			}
		}
		if info, err := fs.Stat(fsys, mdir); err != nil || !info.IsDir() {
			excluded = true
		}
		if !excluded {
			out = append(out, mdir)
		}
		if len(out) >= maxManifests {
			break
		}
	}
	return out
}

// readManifest reads and decodes one Cargo.toml.
func readManifest(fsys fs.FS, path string) (*cargoToml, error) {
	data, err := extract.ReadFile(fsys, path, maxManifestSize)
	if err != nil {
		return nil, err
	}
	var t cargoToml
	if err := decodeTOML(path, data, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
