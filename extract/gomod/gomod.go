// Package gomod reads a Go module's go.mod, with the hashes of its sibling
// go.sum and, when the local Go module cache holds them, the go.mod files
// of the required modules for the transitive graph.
//
// What a go.mod says and how it is mapped:
//
//   - The file is one root (kind manifest) named by the "module" line.
//   - Every "require" is a component of ecosystem Go at the version Go
//     writes ("v1.2.3", pseudo-versions whole), scope runtime, Direct unless
//     marked "// indirect". Since Go 1.17 a go.mod lists every module the
//     build needs, so the requires are the build list; older go.mod files
//     list only part of it and the graph is as partial as they are.
//   - "replace" applies as Go applies it: a version-specific replacement
//     wins over a path-wide one; the component becomes the replacement
//     module, or, for a directory ("=> ../x"), a versionless component
//     named by the original path with Source set to the directory.
//   - "exclude" changes nothing in the components (Go never selects an
//     excluded version, and a tidy go.mod never requires one); the root
//     records them, and a require that names an excluded version anyway is
//     marked.
//   - Hashes come from go.sum's "h1:" lines of module zips ("/go.mod" lines
//     hash only the go.mod file and are skipped). A missing go.sum is not
//     an error; its malformed lines are skipped, since go.sum is not the
//     file being read.
//
// Edges: the root depends on each direct require. For the transitive graph
// the go.mod of each required module is read from the module cache
// (Options.ModCache, never the scanned tree, never the network) or, for a
// directory replacement inside the scanned tree, from that directory; each
// of its requirements that is in this go.mod's build list becomes an edge to
// the version this go.mod selects, as "go mod graph" followed by minimal
// version selection would give. Indirect requires that no edge reaches hang
// off the root (still Direct=false), so every component is reachable.
//
// Root properties:
//
//   - "go": the "go" directive's version.
//   - "toolchain": the "toolchain" directive's name.
//   - "exclude": the excluded module versions, "path@version" joined by ", ".
//
// Component properties:
//
//   - "replaces": the "path@version" that a replace directive swapped out.
//   - "excluded": "true" when the required version is excluded.
package gomod

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/gomodfile"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	// maxGoModSize bounds the go.mod read; real ones are at most hundreds of
	// kilobytes, and the parser holds several copies of the syntax tree.
	maxGoModSize = 16 << 20
	// maxDepGoModSize bounds a dependency's go.mod from the module cache.
	maxDepGoModSize = 4 << 20
	// maxGoSumSize bounds the go.sum read.
	maxGoSumSize = 64 << 20
)

// Options configure an Extractor.
type Options struct {
	// ModCache is the Go module cache directory (what GOMODCACHE names),
	// whose cache/download tree holds the go.mod files of downloaded
	// modules. It is a directory of the scanning machine, read directly and
	// never through the scanned tree. Empty disables the transitive graph.
	ModCache string
}

// Extractor reads go.mod files.
type Extractor struct {
	opts Options
}

// New returns an extractor that uses the module cache the Go command would
// use: see ModCacheFromEnv.
func New() *Extractor { return NewWithOptions(Options{ModCache: ModCacheFromEnv()}) }

// NewWithOptions returns an extractor configured by opts; tests point
// ModCache at a cache they build.
func NewWithOptions(opts Options) *Extractor {
	if opts.ModCache != "" && !filepath.IsAbs(opts.ModCache) {
		// The go command refuses a relative GOMODCACHE; a relative path
		// would be resolved against whatever the working directory is.
		opts.ModCache = ""
	}
	return &Extractor{opts: opts}
}

// ModCacheFromEnv returns the module cache as the go command finds it
// without running it: $GOMODCACHE, else the first entry of $GOPATH with
// pkg/mod, else ~/go/pkg/mod. It returns "" when none is absolute.
func ModCacheFromEnv() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		if filepath.IsAbs(c) {
			return c
		}
		return ""
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		first := filepath.SplitList(gp)[0]
		if filepath.IsAbs(first) {
			return filepath.Join(first, "pkg", "mod")
		}
		return ""
	}
	home, err := os.UserHomeDir()
	if err != nil || !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, "go", "pkg", "mod")
}

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gomod" }

// Claims implements extract.Extractor: files named go.mod.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(path) == "go.mod"
}

// node is one module of the build list.
type node struct {
	purl string
	// req is the module as required.
	req module.Version
	// mod is the module whose go.mod lists its requirements: the required
	// one, or its module replacement.
	mod module.Version
	// dir is set for a directory replacement instead of mod.
	dir string
}

// Extract implements extract.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, maxGoModSize)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(in.Path, data, nil)
	if err != nil {
		return nil, gomodfile.Error(in.Path, "go.mod", err)
	}

	g := inventory.New()
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	if f.Module != nil && f.Module.Mod.Path != "" {
		root.Name = f.Module.Mod.Path
		root.PURL = purl.For(purl.Go, root.Name, "", nil)
	}
	if f.Go != nil && f.Go.Version != "" {
		root.Properties["go"] = f.Go.Version
	}
	if f.Toolchain != nil && f.Toolchain.Name != "" {
		root.Properties["toolchain"] = f.Toolchain.Name
	}
	excluded := map[module.Version]bool{}
	var exList []string
	for _, x := range f.Exclude {
		if !excluded[x.Mod] {
			excluded[x.Mod] = true
			exList = append(exList, x.Mod.Path+"@"+x.Mod.Version)
		}
	}
	if len(exList) > 0 {
		root.Properties["exclude"] = strings.Join(exList, ", ")
	}
	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	g.AddRoot(root)

	sums, err := readSums(ctx, in)
	if err != nil {
		return nil, err
	}

	// selected maps a required module path to the node of the version this
	// go.mod selects (the highest, should a path be required twice).
	selected := map[string]*node{}
	var order []string
	reps := indexReplacements(f.Replace)
	for i, r := range f.Require {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Err: err}
			}
		}
		c, n := component(in.Path, r, reps, sums)
		if excluded[r.Mod] {
			c.Properties["excluded"] = "true"
		}
		if len(c.Properties) == 0 {
			c.Properties = nil
		}
		g.Add(c)
		if !r.Indirect {
			g.AddEdge(in.Path, c.PURL)
		}
		old, ok := selected[r.Mod.Path]
		if !ok {
			order = append(order, r.Mod.Path)
		}
		if !ok || semver.Compare(r.Mod.Version, old.req.Version) > 0 {
			selected[r.Mod.Path] = n
		}
	}

	if err := e.addTransitive(ctx, in, g, selected, order); err != nil {
		return nil, err
	}
	hangIndirect(g, in.Path, selected, order)
	return g, nil
}

// component builds the component for one require, with replace applied.
func component(path string, r *modfile.Require, reps replacements, sums map[string]string) (inventory.Component, *node) {
	c := inventory.Component{
		Ecosystem:  purl.Go,
		Name:       r.Mod.Path,
		Version:    r.Mod.Version,
		Direct:     !r.Indirect,
		Scope:      inventory.ScopeRuntime,
		Properties: map[string]string{},
	}
	if r.Syntax != nil {
		c.Locations = []inventory.Location{{Path: path, Line: r.Syntax.Start.Line}}
	} else {
		c.Locations = []inventory.Location{{Path: path}}
	}
	n := &node{req: r.Mod, mod: r.Mod}
	if rep, ok := reps.lookup(r.Mod); ok {
		c.Properties["replaces"] = r.Mod.Path + "@" + r.Mod.Version
		if rep.Version == "" && modfile.IsDirectoryPath(rep.Path) {
			c.Version = ""
			c.Source = rep.Path
			n.mod = module.Version{}
			n.dir = rep.Path
		} else {
			c.Name, c.Version = rep.Path, rep.Version
			n.mod = rep
		}
	}
	if h, ok := sums[c.Name+"@"+c.Version]; ok && c.Source == "" {
		c.Hashes = []inventory.Hash{{Algorithm: "h1", Value: h}}
	}
	c.PURL = purl.For(purl.Go, c.Name, c.Version, nil)
	n.purl = c.PURL
	return c, n
}

// replacements indexes replace directives as the go command applies
// them: one naming a version wins over one naming only the path, and the
// first directive for a key is kept (the go command rejects duplicates).
type replacements map[module.Version]module.Version

func indexReplacements(reps []*modfile.Replace) replacements {
	m := make(replacements, len(reps))
	for _, r := range reps {
		if _, ok := m[r.Old]; !ok {
			m[r.Old] = r.New
		}
	}
	return m
}

// lookup returns the replacement of m, if any.
func (r replacements) lookup(m module.Version) (module.Version, bool) {
	if n, ok := r[m]; ok {
		return n, true
	}
	n, ok := r[module.Version{Path: m.Path}]
	return n, ok
}

// addTransitive adds the edges between modules of the build list that
// their own go.mod files declare.
func (e *Extractor) addTransitive(ctx context.Context, in *extract.Input, g *inventory.Graph, selected map[string]*node, order []string) error {
	var cache *os.Root
	if e.opts.ModCache != "" {
		if r, err := os.OpenRoot(e.opts.ModCache); err == nil {
			cache = r
			defer r.Close()
		}
	}
	for _, p := range order {
		if err := ctx.Err(); err != nil {
			return &extract.Error{Path: in.Path, Err: err}
		}
		n := selected[p]
		var data []byte
		if n.dir != "" {
			data = gomodfile.ReadInTree(in, n.dir, maxDepGoModSize)
		} else if cache != nil {
			data = readCachedGoMod(cache, n.mod)
		}
		if data == nil {
			continue
		}
		// Dependencies' go.mod files are read as the go command reads
		// them: leniently, ignoring directives only a main module uses.
		df, err := modfile.ParseLax("go.mod", data, nil)
		if err != nil {
			continue
		}
		for _, r := range df.Require {
			if child, ok := selected[r.Mod.Path]; ok {
				g.AddEdge(n.purl, child.purl)
			}
		}
	}
	return nil
}

// readCachedGoMod returns the go.mod of m from the module cache's download
// tree, or nil when it is absent or unreadable.
func readCachedGoMod(cache *os.Root, m module.Version) []byte {
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return nil
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		return nil
	}
	f, err := cache.Open(filepath.Join("cache", "download", filepath.FromSlash(ep), "@v", ev+".mod"))
	if err != nil {
		return nil
	}
	defer f.Close()
	return readBounded(f, maxDepGoModSize)
}

// readBounded reads r whole, or returns nil when it is longer than max.
func readBounded(r io.Reader, max int64) []byte {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil || int64(len(data)) > max {
		return nil
	}
	return data
}

// hangIndirect gives every component that no edge reaches an edge from the
// root, so that each has a path from it: first the indirect requires no
// module requires, then one member of each cycle left unreached.
func hangIndirect(g *inventory.Graph, rootID string, selected map[string]*node, order []string) {
	// Components in go.mod order make the choice in cycles stable.
	ordered := make([]string, 0, g.Len())
	seen := map[string]bool{}
	for _, p := range order {
		if n := selected[p]; !seen[n.purl] {
			seen[n.purl] = true
			ordered = append(ordered, n.purl)
		}
	}
	for _, c := range g.Components() {
		if !seen[c.PURL] {
			seen[c.PURL] = true
			ordered = append(ordered, c.PURL)
		}
	}
	for _, p := range ordered {
		if len(g.Parents(p)) == 0 {
			g.AddEdge(rootID, p)
		}
	}
	reached := map[string]bool{}
	visit := func(id string) {
		stack := []string{id}
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range g.Children(top) {
				if !reached[c] {
					reached[c] = true
					stack = append(stack, c)
				}
			}
		}
	}
	visit(rootID)
	for _, p := range ordered {
		if !reached[p] {
			g.AddEdge(rootID, p)
			reached[p] = true
			visit(p)
		}
	}
}

// readSums returns the module zip hashes of the go.sum beside the go.mod,
// keyed by "path@version", without their "h1:" prefix.
func readSums(ctx context.Context, in *extract.Input) (map[string]string, error) {
	sums := map[string]string{}
	if in.Root == nil {
		return sums, nil
	}
	p, ok := extract.Join(extract.Dir(in.Path), "go.sum")
	if !ok {
		return sums, nil
	}
	f, err := in.Root.Open(p)
	if err != nil {
		return sums, nil
	}
	defer f.Close()
	err = extract.Lines(p, io.LimitReader(f, maxGoSumSize), func(n int, line string) error {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return &extract.Error{Path: in.Path, Err: err}
			}
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || strings.HasSuffix(fields[1], "/go.mod") {
			return nil
		}
		if h, ok := strings.CutPrefix(fields[2], "h1:"); ok && h != "" {
			sums[fields[0]+"@"+fields[1]] = h
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// An overlong go.sum line loses the hashes, not the go.mod.
		return sums, nil
	}
	return sums, nil
}
