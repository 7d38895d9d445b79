// Package inventory holds the data model of what a scan found: components,
// the roots that declare them (manifests, binaries, root filesystems, SBOMs)
// and the dependency edges between them. It does no I/O.
package inventory

import (
	"slices"
	"strings"
)

// Scope says in which part of a project's life a component is needed.
type Scope string

// Scopes, from the most to the least needed at run time.
const (
	ScopeRuntime  Scope = "runtime"
	ScopeOptional Scope = "optional"
	ScopePeer     Scope = "peer"
	ScopeBuild    Scope = "build"
	ScopeDev      Scope = "dev"
	ScopeTest     Scope = "test"
)

// rank orders scopes so that merging keeps the one most needed at run time.
func (s Scope) rank() int {
	switch s {
	case ScopeRuntime, "":
		return 0
	case ScopeOptional:
		return 1
	case ScopePeer:
		return 2
	case ScopeBuild:
		return 3
	case ScopeTest:
		return 4
	case ScopeDev:
		return 5
	}
	return 6
}

// Hash is an integrity digest recorded for a component, such as a lockfile's
// "integrity" field or a go.sum line. Algorithm uses CycloneDX names
// ("SHA-1", "SHA-256", "SHA-384", "SHA-512") where one applies; Go module
// sums use "h1" (base64 SHA-256 of the module tree, as in go.sum).
type Hash struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"` // lower-case hex, or base64 for "h1"
}

// Location is where a component was found: a file relative to the scanned
// root (slash-separated) and, where the format allows, a 1-based line.
type Location struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
}

// Component is one package at one version, identified by its Package URL.
type Component struct {
	// PURL is the canonical identity, built by package purl.
	PURL string `json:"purl"`
	// Ecosystem is the OSV ecosystem name: "npm", "Go", "PyPI", "Debian:12".
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	// Direct is true when a root declares the component itself.
	Direct bool `json:"direct"`
	// Scope is the most run-time-relevant scope under which it was found.
	Scope    Scope    `json:"scope"`
	Licenses []string `json:"licenses,omitempty"`
	Hashes   []Hash   `json:"hashes,omitempty"`
	// Source is where the package comes from when that is not the
	// ecosystem's registry: a git URL with commit, a tarball URL, a local path.
	Source string `json:"source,omitempty"`
	// Unpinned is true when the manifest gives a range rather than one
	// version (a requirements.txt line "flask>=2"); Version is then empty.
	Unpinned bool `json:"unpinned,omitempty"`
	// Properties hold format-specific facts a later stage needs, such as
	// the Debian source package ("source", "source_version") or a Go
	// binary's "go_version". Keys are documented in docs/json.md.
	Properties map[string]string `json:"properties,omitempty"`
	Locations  []Location        `json:"locations,omitempty"`
}

// Kind says what a root is.
type Kind string

// Root kinds.
const (
	KindManifest Kind = "manifest" // a lockfile or manifest of a project
	KindBinary   Kind = "binary"   // a compiled program carrying its dependencies
	KindRootFS   Kind = "rootfs"   // a package database of an installed system
	KindSBOM     Kind = "sbom"     // a bill of materials read as input
	// KindImage is a container image (a docker save archive or an OCI
	// image layout). Its ID is the archive's or layout's base name; the
	// roots found in its file system are prefixed with that name and "!/",
	// and their components say which layer added them.
	KindImage Kind = "image"
)

// Root is an origin of dependencies: a manifest, a binary, a package
// database. Paths through the graph start at roots.
type Root struct {
	// ID is the root's node id in the graph: its path relative to the
	// scanned root. It never starts with "pkg:", so it cannot clash with a
	// component's PURL.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// PURL names the project the root describes, when known (the "name"
	// and "version" of a package.json, the main module of a Go binary).
	PURL string `json:"purl,omitempty"`
	// Name and Version of the project, when known.
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// Properties hold format-specific facts about the root, such as a
	// go.mod's "go" and "toolchain" directives or a root filesystem's
	// "distro". Keys are documented in docs/json.md.
	Properties map[string]string `json:"properties,omitempty"`
}

// Edge is a dependency: From (a root id or a PURL) needs To (a PURL).
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Graph is a deduplicated dependency graph. The zero value is not usable;
// call New.
type Graph struct {
	roots      map[string]*Root
	components map[string]*Component
	out        map[string]map[string]struct{}
	in         map[string]map[string]struct{}
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{
		roots:      map[string]*Root{},
		components: map[string]*Component{},
		out:        map[string]map[string]struct{}{},
		in:         map[string]map[string]struct{}{},
	}
}

// AddRoot records a root; a second root with the same ID is merged into the
// first (fields it lacks are filled in).
func (g *Graph) AddRoot(r Root) {
	if old, ok := g.roots[r.ID]; ok {
		if old.PURL == "" {
			old.PURL = r.PURL
		}
		if old.Name == "" {
			old.Name, old.Version = r.Name, r.Version
		}
		for k, v := range r.Properties {
			if old.Properties == nil {
				old.Properties = map[string]string{}
			}
			if _, ok := old.Properties[k]; !ok {
				old.Properties[k] = v
			}
		}
		return
	}
	g.roots[r.ID] = &r
}

// Add records a component and returns the stored copy. A component whose PURL
// is already present is merged: Direct if either is, the more run-time scope,
// and the union of licences, hashes, locations and properties.
func (g *Graph) Add(c Component) *Component {
	old, ok := g.components[c.PURL]
	if !ok {
		n := c
		n.Licenses = slices.Clone(c.Licenses)
		n.Hashes = slices.Clone(c.Hashes)
		n.Locations = slices.Clone(c.Locations)
		if c.Properties != nil {
			n.Properties = make(map[string]string, len(c.Properties))
			for k, v := range c.Properties {
				n.Properties[k] = v
			}
		}
		g.components[c.PURL] = &n
		return &n
	}
	old.Direct = old.Direct || c.Direct
	if c.Scope.rank() < old.Scope.rank() {
		old.Scope = c.Scope
	}
	old.Unpinned = old.Unpinned && c.Unpinned
	if old.Source == "" {
		old.Source = c.Source
	}
	for _, l := range c.Licenses {
		if !slices.Contains(old.Licenses, l) {
			old.Licenses = append(old.Licenses, l)
		}
	}
	for _, h := range c.Hashes {
		if !slices.Contains(old.Hashes, h) {
			old.Hashes = append(old.Hashes, h)
		}
	}
	for _, l := range c.Locations {
		if !slices.Contains(old.Locations, l) {
			old.Locations = append(old.Locations, l)
		}
	}
	for k, v := range c.Properties {
		if old.Properties == nil {
			old.Properties = map[string]string{}
		}
		if _, ok := old.Properties[k]; !ok {
			old.Properties[k] = v
		}
	}
	return old
}

// AddEdge records that from (a root id or PURL) depends on to (a PURL).
// Self-edges are dropped.
func (g *Graph) AddEdge(from, to string) {
	if from == to {
		return
	}
	if g.out[from] == nil {
		g.out[from] = map[string]struct{}{}
	}
	g.out[from][to] = struct{}{}
	if g.in[to] == nil {
		g.in[to] = map[string]struct{}{}
	}
	g.in[to][from] = struct{}{}
}

// Merge adds every root, component and edge of o to g.
func (g *Graph) Merge(o *Graph) {
	for _, id := range o.sortedRootIDs() {
		g.AddRoot(*o.roots[id])
	}
	for _, p := range sortedKeys(o.components) {
		g.Add(*o.components[p])
	}
	for _, from := range sortedKeys(o.out) {
		for _, to := range sortedKeys(o.out[from]) {
			g.AddEdge(from, to)
		}
	}
}

// Component returns the component with the given PURL, or nil.
func (g *Graph) Component(purl string) *Component { return g.components[purl] }

// Root returns the root with the given id, or nil.
func (g *Graph) Root(id string) *Root { return g.roots[id] }

// Len is the number of components.
func (g *Graph) Len() int { return len(g.components) }

// Components returns every component ordered by PURL.
func (g *Graph) Components() []*Component {
	out := make([]*Component, 0, len(g.components))
	for _, p := range sortedKeys(g.components) {
		out = append(out, g.components[p])
	}
	return out
}

// Roots returns every root ordered by id.
func (g *Graph) Roots() []*Root {
	out := make([]*Root, 0, len(g.roots))
	for _, id := range g.sortedRootIDs() {
		out = append(out, g.roots[id])
	}
	return out
}

// Edges returns every edge ordered by From then To.
func (g *Graph) Edges() []Edge {
	var out []Edge
	for _, from := range sortedKeys(g.out) {
		for _, to := range sortedKeys(g.out[from]) {
			out = append(out, Edge{From: from, To: to})
		}
	}
	return out
}

// Children returns the ids that id depends on, sorted.
func (g *Graph) Children(id string) []string { return sortedKeys(g.out[id]) }

// Parents returns the ids that depend on id, sorted.
func (g *Graph) Parents(id string) []string { return sortedKeys(g.in[id]) }

// IsRoot reports whether id names a root rather than a component.
func IsRoot(id string) bool { return !strings.HasPrefix(id, "pkg:") }

func (g *Graph) sortedRootIDs() []string { return sortedKeys(g.roots) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
