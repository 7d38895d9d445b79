package pyproject

import (
	"context"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Locked is one package entry of a Python lockfile, as the poetrylock,
// pdmlock and uvlock extractors read it before the graph is built.
type Locked struct {
	// Name is the distribution name as the lockfile writes it.
	Name string
	// Version is the locked version; empty for a source without one.
	Version string
	// Scope is what the lockfile itself says (Poetry's groups or category,
	// PDM's groups); empty when it does not, and the scope then follows
	// from the paths that reach the package.
	Scope inventory.Scope
	// Hashes, Source and Properties are copied to the component as the
	// inventory documents them.
	Hashes     []inventory.Hash
	Source     string
	Properties map[string]string
	// Line is where the entry starts, 0 when unknown.
	Line int
	// Deps are the entry's dependencies, resolved against the other
	// entries by name.
	Deps []Ref
	// Extras, when set, make the entry stand for what those extras of the
	// package add (PDM's "requests[socks]" entries, uv's and Poetry's
	// per-extra dependency lists): its Deps count only when a Ref that asks
	// for one of the extras reaches it. It yields no component of its own;
	// its edges start at the package's.
	Extras []string
}

// Ref names a dependency of a locked package or of the project.
type Ref struct {
	// Name in any spelling; matched after PEP 503 normalisation.
	Name string
	// Version picks one of several locked versions of Name (uv's forked
	// resolutions); empty matches every locked version.
	Version string
	// Extras asked for ("requests[socks]"), which link the package's
	// entries for those extras too.
	Extras []string
	// Scope of the edge: "" inherits the parent's; a dependency group
	// gives ScopeDev, an extra of the project ScopeOptional.
	Scope inventory.Scope
}

// Graph builds the graph fragment of a lockfile: root, one component per
// locked package, root → direct edges and package → dependency edges.
//
// direct lists the project's own dependencies. When it is empty (no
// pyproject.toml beside the lockfile, no project entry in it, or a project
// that declares nothing the extractors can read) the packages
// no other locked package depends on are taken as the direct ones: that is
// what a user asked for, give or take a dependency that is also needed by
// another (which then shows as transitive).
//
// A package's scope is the lockfile's own when it records one, else the
// most run-time scope of the paths from the direct dependencies, else
// runtime: a package nothing explains is assumed to ship.
//
// Dependencies resolve by normalised name, and by version when the Ref
// names one that is locked; an entry for extras is linked only when the
// Ref asks for one of them. A reference links at most 256 entries.
func Graph(ctx context.Context, path string, root inventory.Root, pkgs []Locked, direct []Ref) (*inventory.Graph, error) {
	// Real lockfiles lock a name a handful of times at most (forks,
	// extras); a hostile one locking it thousands of times must not make
	// every reference to it fan out to all of them.
	const maxFanOut = 256
	byName := make(map[string][]int, len(pkgs))
	ids := make([]string, len(pkgs))
	for i, p := range pkgs {
		n := purl.NormalizePyPI(p.Name)
		byName[n] = append(byName[n], i)
		ids[i] = purl.For(purl.PyPI, n, p.Version, nil)
	}
	resolve := func(r Ref) []int {
		var out []int
		for pass := 0; pass < 2 && out == nil; pass++ {
			for _, i := range byName[purl.NormalizePyPI(r.Name)] {
				p := &pkgs[i]
				// A version that matches no entry is ignored rather
				// than leaving the edge dangling.
				if pass == 0 && r.Version != "" && p.Version != r.Version {
					continue
				}
				if len(p.Extras) == 0 || overlap(p.Extras, r.Extras) {
					out = append(out, i)
					if len(out) == maxFanOut {
						return out
					}
				}
			}
		}
		return out
	}
	children := make([][]Seed, len(pkgs))
	requested := make([]bool, len(pkgs))
	for i, p := range pkgs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: path, Err: err}
			}
		}
		for _, d := range p.Deps {
			for _, c := range resolve(d) {
				if ids[c] == ids[i] && len(pkgs[c].Extras) == 0 {
					continue
				}
				children[i] = append(children[i], Seed{Node: c, Scope: d.Scope})
				if len(p.Extras) == 0 {
					requested[c] = true
				}
			}
		}
	}
	// A package has a parent when a plain entry needs it, or an extras
	// entry that a plain entry asks for does.
	hasParent := make([]bool, len(pkgs))
	for i, p := range pkgs {
		if len(p.Extras) > 0 && !requested[i] {
			continue
		}
		for _, c := range children[i] {
			if ids[c.Node] != ids[i] {
				hasParent[c.Node] = true
			}
		}
	}
	var seeds []Seed
	isDirect := make([]bool, len(pkgs))
	if len(direct) == 0 {
		for i, p := range pkgs {
			if !hasParent[i] && len(p.Extras) == 0 {
				isDirect[i] = true
				seeds = append(seeds, Seed{Node: i, Scope: inventory.ScopeRuntime})
			}
		}
	} else {
		for _, d := range direct {
			scope := d.Scope
			if scope == "" {
				scope = inventory.ScopeRuntime
			}
			for _, i := range resolve(d) {
				isDirect[i] = true
				seeds = append(seeds, Seed{Node: i, Scope: scope})
			}
		}
	}
	scopes := Scopes(len(pkgs), seeds, func(n int) []Seed { return children[n] })

	g := inventory.New()
	root.Kind = inventory.KindManifest
	if root.Name != "" && root.PURL == "" {
		root.PURL = purl.For(purl.PyPI, root.Name, root.Version, nil)
	}
	g.AddRoot(root)
	for i, p := range pkgs {
		if len(p.Extras) > 0 {
			continue
		}
		name := purl.NormalizePyPI(p.Name)
		c := inventory.Component{
			PURL:       ids[i],
			Ecosystem:  purl.PyPI,
			Name:       name,
			Version:    p.Version,
			Direct:     isDirect[i],
			Scope:      p.Scope,
			Hashes:     UniqueHashes(p.Hashes),
			Source:     p.Source,
			Properties: p.Properties,
		}
		if c.Scope == "" {
			c.Scope = scopes[i]
		}
		if c.Scope == "" {
			c.Scope = inventory.ScopeRuntime
		}
		if name != p.Name {
			c.Properties = withProperty(c.Properties, "declared_name", p.Name)
		}
		c.Locations = []inventory.Location{{Path: path, Line: p.Line}}
		g.Add(c)
	}
	for i, p := range pkgs {
		if g.Component(ids[i]) == nil || len(p.Extras) > 0 && scopes[i] == "" {
			// An extras entry nobody asks for on the way from the
			// project adds nothing: Poetry lists every extra a package
			// has, used or not.
			continue
		}
		if isDirect[i] {
			g.AddEdge(root.ID, ids[i])
		}
		for _, c := range children[i] {
			if g.Component(ids[c.Node]) != nil {
				g.AddEdge(ids[i], ids[c.Node])
			}
		}
	}
	return g, nil
}

// overlap reports whether two lists of extra names share one, comparing
// them normalised as PEP 685 says.
func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if purl.NormalizePyPI(x) == purl.NormalizePyPI(y) {
				return true
			}
		}
	}
	return false
}

// withProperty returns props with k set to v, allocating the map when
// needed and never writing into a map the caller may share.
func withProperty(props map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(props)+1)
	for pk, pv := range props {
		out[pk] = pv
	}
	out[k] = v
	return out
}

// SetProperty sets k to v in m, allocating m when it is nil, and returns it.
func SetProperty(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}
