// Package yarnlock reads yarn.lock, in the format of yarn classic (1.x,
// "# yarn lockfile v1") and in the YAML format of yarn Berry (2.x and
// later, which starts with a "__metadata" entry).
//
// Both formats list one entry per resolved package, keyed by every
// descriptor ("name@range") that resolved to it, with the descriptors of its
// own dependencies. A dependency edge goes to the entry whose key lists the
// dependency's descriptor. Berry writes ranges with their protocol
// ("npm:^1.2.0"), except yarn 2 and 3 in dependency lists, where a bare
// range stands for "npm:" and is looked up both ways.
//
// Direct dependencies and their scopes come from the package.json files:
//   - yarn classic does not record what the project declares. The
//     package.json beside the lockfile and those of its workspaces (the
//     folders its "workspaces" globs match) say it: "dependencies" are
//     runtime, "optionalDependencies" optional, "peerDependencies" peer,
//     "devDependencies" dev. Without a package.json, an entry that no other
//     entry depends on is taken as direct.
//   - Berry lists each workspace as an entry ("app@workspace:."), with dev
//     and runtime dependencies together and optional ones marked in
//     "dependenciesMeta"; the workspace's package.json, when there is one,
//     tells dev from runtime.
//
// Workspaces are the project's own code, not components: what a workspace
// declares is direct, with an edge from the root. A transitive package
// takes the most run-time scope of any path to it from a direct dependency,
// a path being as weak as its weakest link (an optional dependency of a dev
// dependency is dev).
//
// A package is from the registry when the registry resolved it (Berry's
// "npm:" protocol; in yarn classic a key of semver ranges, tags or "npm:"
// aliases) and the tarball it was fetched from, if the lockfile says, has
// on any host a registry's tarball path ("/<name>/-/<name>-<version>.tgz"),
// since mirrors and private registries are legitimate: yarn classic's
// "resolved", Berry's "__archiveUrl" binding. A dependency the project
// wrote as a URL (Berry's "name@https://..." descriptor, a yarn classic key
// of a URL) is the project's choice, not a registry's: the URL is the
// Source whatever its shape, though a registry's path still gives the
// package's name. Anything else is recorded as the component's Source too:
// git URLs with their commit, other tarball URLs, and "file:", "link:",
// "portal:" and "exec:" references as the lockfile writes them. User
// information in a URL (credentials) is left out of the Source. Berry's
// "patch:" references are the patched package, from wherever the unpatched
// one comes from, with the patch recorded.
//
// Hashes: yarn classic's "integrity" (Subresource Integrity: SHA-512,
// SHA-1, ...) and the SHA-1 in the "#" fragment of "resolved". Berry's
// "checksum" is a digest of the zip archive Berry builds from the package,
// not of anything a registry serves, so it is a property, not a hash.
//
// Properties set on components:
//
//	alias       the name the project installs the package under, when an
//	            "npm:" alias or a tarball URL makes it differ from the
//	            package's name
//	checksum    Berry's checksum of the package's zip archive, as written
//	            ("10c0/<sha512 hex>": cache key, then digest)
//	patch       Berry: the patch applied to the package ("~/.yarn/patches/x.patch",
//	            "optional!builtin<compat/resolve>")
//	workspaces  direct components only: the workspace folders (relative to
//	            the lockfile's, "." for the root) that declare the package,
//	            comma-separated
//
// Properties set on the root:
//
//	lockfile_version  "1" for yarn classic; Berry's __metadata.version ("4"
//	                  for yarn 2 to "8" and later for yarn 4)
//	cache_key         Berry's __metadata.cacheKey
//	direct_from       "lockfile" when direct dependencies come from Berry's
//	                  workspace entries, "package.json" when from the
//	                  package.json files (yarn classic, or a Berry lockfile
//	                  without workspace entries), "inferred" when guessed
package yarnlock

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/npmlock"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const extractorName = "yarnlock"

// maxItems caps the entries, descriptors and dependencies kept in memory;
// a lockfile of 100,000 packages holds about a million.
const maxItems = 1 << 22

// Extractor reads yarn.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return extractorName }

// Claims implements extract.Extractor: files named yarn.lock.
func (*Extractor) Claims(p string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(p) == "yarn.lock"
}

// entry is one resolved package of the lockfile, or a Berry workspace.
type entry struct {
	line int
	// descriptors are the "name@range" strings the entry's key lists.
	descriptors []string
	// locator is Berry's "resolution", which bindings of the entry's
	// relative dependencies name.
	locator string
	// name is the package's own name; alias the one it is installed
	// under when that differs.
	name, alias string
	version     string
	resolved    string // yarn classic's "resolved"
	source      string
	hashes      []inventory.Hash
	checksum    string
	patch       string
	deps        []dep
	// workspace is true for a Berry workspace entry, whose folder is
	// wsDir; peers are its peerDependencies.
	workspace bool
	wsDir     string
	peers     []dep
}

// dep is a dependency an entry lists.
type dep struct {
	name, rng string
	optional  bool
}

// lockfile is what either format's parser returns.
type lockfile struct {
	berry    bool
	version  string // Berry's __metadata.version
	cacheKey string
	entries  []*entry
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = extractorName
		}
		return nil, err
	}
	data = trimBOM(data)
	var probs extract.Problems
	var lf *lockfile
	if isBerry(data) {
		lf, err = parseBerry(ctx, in.Path, data, &probs)
	} else {
		lf, err = parseV1(ctx, in.Path, data)
	}
	if err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, in: in, lf: lf, lockDir: extract.Dir(in.Path), probs: &probs}
	g := b.build()
	return g, probs.Err()
}

// isBerry reports whether data is a Berry lockfile: one with a top-level
// "__metadata" key. Yarn classic's format has no such entry.
func isBerry(data []byte) bool {
	return bytes.HasPrefix(data, []byte("__metadata:")) || bytes.Contains(data, []byte("\n__metadata:"))
}

// builder turns a parsed lockfile into a graph.
type builder struct {
	ctx     context.Context
	in      *extract.Input
	lf      *lockfile
	lockDir string
	probs   *extract.Problems

	index map[string]int // descriptor → entry
	// unbound maps Berry descriptors without their "::" bindings to the
	// first entry listing them.
	unbound map[string]int
	// edges are each entry's dependencies resolved to entries.
	edges [][]edge
	purls []string // per entry; "" for workspaces and skipped entries
}

// edge is a dependency resolved to the entry it names.
type edge struct {
	to       int
	optional bool
}

// target is a direct dependency: the entry it resolves to, its scope and
// the workspace folder that declares it.
type target struct {
	entry int
	scope inventory.Scope
	ws    string
}

func (b *builder) build() *inventory.Graph {
	lf := b.lf
	root := inventory.Root{ID: b.in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	if lf.berry {
		root.Properties["lockfile_version"] = lf.version
		if lf.cacheKey != "" {
			root.Properties["cache_key"] = lf.cacheKey
		}
	} else {
		root.Properties["lockfile_version"] = "1"
	}
	if root.Properties["lockfile_version"] == "" {
		delete(root.Properties, "lockfile_version")
	}

	b.index, b.unbound = map[string]int{}, map[string]int{}
	for i, e := range lf.entries {
		for _, d := range e.descriptors {
			if _, dup := b.index[d]; !dup {
				b.index[d] = i
			}
			if u, _, ok := strings.Cut(d, "::"); ok && lf.berry {
				if _, dup := b.unbound[u]; !dup {
					b.unbound[u] = i
				}
			}
		}
	}

	b.edges = make([][]edge, len(lf.entries))
	for i, e := range lf.entries {
		for _, d := range e.deps {
			if t, ok := b.lookup(i, d.name, d.rng); ok && t != i {
				b.edges[i] = append(b.edges[i], edge{to: t, optional: d.optional})
			}
		}
	}

	rootMan, err := readManifest(b.in.Root, b.lockDir, ".")
	b.probs.AddErr(b.in.Path, err)
	if rootMan != nil {
		root.Name, root.Version = rootMan.name, rootMan.version
	}

	hasWorkspaces := slices.ContainsFunc(lf.entries, func(e *entry) bool { return e.workspace })
	var direct []target
	if lf.berry && hasWorkspaces {
		root.Properties["direct_from"] = "lockfile"
		direct = b.berryDirect(rootMan)
		if root.Name == "" {
			for _, e := range lf.entries {
				if e.workspace && e.wsDir == "." {
					root.Name = e.name
				}
			}
		}
	} else if rootMan != nil {
		root.Properties["direct_from"] = "package.json"
		direct = b.classicDirect(rootMan)
	} else {
		root.Properties["direct_from"] = "inferred"
		direct = b.inferDirect()
	}
	if root.Name != "" {
		root.PURL = purl.For(purl.NPM, root.Name, root.Version, nil)
	}

	g := inventory.New()
	g.AddRoot(root)
	scopes := b.scopes(direct)
	b.purls = make([]string, len(lf.entries))
	// A package's scope is the best of its entries' that a path reaches;
	// one no path reaches (an entry left over in the lockfile) is runtime,
	// as the most cautious guess.
	best := map[string]inventory.Scope{}
	for i, e := range lf.entries {
		if e.workspace {
			continue
		}
		if e.name == "" {
			b.probs.Add(&extract.Error{Path: b.in.Path, Line: e.line, Extractor: extractorName, Err: errors.New("entry names no package")})
			continue
		}
		p := purl.For(purl.NPM, e.name, e.version, nil)
		b.purls[i] = p
		if s := scopes[i]; s != "" {
			if old, ok := best[p]; !ok || rank(s) < rank(old) {
				best[p] = s
			}
		}
	}
	for i, e := range lf.entries {
		if i%4096 == 0 && b.ctx.Err() != nil {
			b.probs.Add(&extract.Error{Path: b.in.Path, Extractor: extractorName, Err: b.ctx.Err()})
			return g
		}
		p := b.purls[i]
		if p == "" {
			continue
		}
		c := inventory.Component{
			PURL:      p,
			Ecosystem: purl.NPM,
			Name:      e.name,
			Version:   e.version,
			Scope:     cmp.Or(best[p], inventory.ScopeRuntime),
			Hashes:    e.hashes,
			Source:    e.source,
			Locations: []inventory.Location{{Path: b.in.Path, Line: e.line}},
		}
		setProp(&c, "alias", e.alias)
		setProp(&c, "checksum", e.checksum)
		setProp(&c, "patch", e.patch)
		g.Add(c)
	}
	for i := range lf.entries {
		if b.purls[i] == "" {
			continue
		}
		for _, d := range b.edges[i] {
			if b.purls[d.to] != "" {
				g.AddEdge(b.purls[i], b.purls[d.to])
			}
		}
	}
	declaredBy := map[string][]string{}
	for _, t := range direct {
		p := b.purls[t.entry]
		if p == "" {
			continue
		}
		g.AddEdge(b.in.Path, p)
		g.Component(p).Direct = true
		if t.ws != "" && !slices.Contains(declaredBy[p], t.ws) {
			declaredBy[p] = append(declaredBy[p], t.ws)
		}
	}
	for p, ws := range declaredBy {
		slices.Sort(ws)
		c := g.Component(p)
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties["workspaces"] = strings.Join(ws, ",")
	}
	for _, c := range g.Components() {
		slices.SortFunc(c.Locations, func(a, b inventory.Location) int { return cmp.Compare(a.Line, b.Line) })
	}
	return g
}

// lookup returns the entry a dependency of entry from (-1 for a
// package.json) resolves to: the one whose key lists name@rng. Berry makes
// "npm:" explicit in keys where yarn 2 and 3 leave it out of dependency
// lists, and binds a relative path ("file:./x") to the package it is
// relative to ("file:./x::locator=app%40workspace%3A."), so those forms are
// tried too.
func (b *builder) lookup(from int, name, rng string) (int, bool) {
	d := name + "@" + rng
	if i, ok := b.index[d]; ok {
		return i, true
	}
	if !b.lf.berry {
		return 0, false
	}
	if !hasProtocol(rng) {
		if i, ok := b.index[name+"@npm:"+rng]; ok {
			return i, true
		}
		return 0, false
	}
	if from >= 0 && !strings.Contains(rng, "::") {
		if i, ok := b.index[d+"::locator="+encodeURIComponent(b.lf.entries[from].locator)]; ok {
			return i, true
		}
	}
	i, ok := b.unbound[d]
	return i, ok
}

// encodeURIComponent escapes s as JavaScript's function of that name does,
// which is how Berry writes locators into bindings.
func encodeURIComponent(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

// hasProtocol reports whether a range starts with a "protocol:".
func hasProtocol(rng string) bool {
	i := strings.IndexByte(rng, ':')
	if i <= 0 {
		return false
	}
	for _, c := range rng[:i] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

// classicDirect resolves what the root package.json and its workspaces
// declare.
func (b *builder) classicDirect(rootMan *manifest) []target {
	mans := []*manifest{rootMan}
	for _, dir := range expandWorkspaces(b.ctx, b.in.Root, b.lockDir, rootMan.workspaces) {
		m, err := readManifest(b.in.Root, b.lockDir, dir)
		b.probs.AddErr(b.in.Path, err)
		if m != nil {
			mans = append(mans, m)
		}
	}
	var out []target
	for _, m := range mans {
		for _, d := range m.decls {
			if i, ok := b.lookup(-1, d.name, d.rng); ok {
				out = append(out, target{entry: i, scope: d.scope, ws: m.dir})
			}
		}
	}
	return out
}

// berryDirect resolves what Berry's workspace entries declare, with the
// scopes their package.json files give.
func (b *builder) berryDirect(rootMan *manifest) []target {
	var out []target
	for w, e := range b.lf.entries {
		if !e.workspace {
			continue
		}
		m := rootMan
		if e.wsDir != "." {
			var err error
			m, err = readManifest(b.in.Root, b.lockDir, e.wsDir)
			b.probs.AddErr(b.in.Path, err)
		}
		for _, d := range e.deps {
			i, ok := b.lookup(w, d.name, d.rng)
			if !ok {
				continue
			}
			s := inventory.ScopeRuntime
			if m != nil {
				if ms, ok := m.scopeOf(d.name); ok {
					s = ms
				}
			}
			if d.optional && s == inventory.ScopeRuntime {
				s = inventory.ScopeOptional
			}
			out = append(out, target{entry: i, scope: s, ws: e.wsDir})
		}
		for _, d := range e.peers {
			if i, ok := b.lookup(w, d.name, d.rng); ok {
				out = append(out, target{entry: i, scope: inventory.ScopePeer, ws: e.wsDir})
			}
		}
	}
	return out
}

// inferDirect takes as direct every entry that no other entry depends
// on: without a package.json, the lockfile does not say more. It misses
// direct dependencies that something else also needs.
func (b *builder) inferDirect() []target {
	needed := make([]bool, len(b.lf.entries))
	for _, es := range b.edges {
		for _, d := range es {
			needed[d.to] = true
		}
	}
	var out []target
	for i, e := range b.lf.entries {
		if !needed[i] && !e.workspace {
			out = append(out, target{entry: i, scope: inventory.ScopeRuntime})
		}
	}
	return out
}

// scopeLevels are the scopes a path can give, most run-time first.
var scopeLevels = []inventory.Scope{inventory.ScopeRuntime, inventory.ScopeOptional, inventory.ScopePeer, inventory.ScopeDev}

func rank(s inventory.Scope) int {
	if i := slices.Index(scopeLevels, s); i >= 0 {
		return i
	}
	return len(scopeLevels)
}

// scopes gives each entry the most run-time scope of any path to it from
// a direct dependency, where a path's scope is that of its weakest link: a
// direct dependency's scope, or "optional" for an optional edge. An entry
// no path reaches gets "".
func (b *builder) scopes(direct []target) []inventory.Scope {
	n := len(b.lf.entries)
	out := make([]inventory.Scope, n)
	done := make([]bool, n)
	for _, level := range scopeLevels {
		lr := rank(level)
		// Entries of a more run-time scope pass this level's edges on too.
		var queue []int
		for i, d := range done {
			if d {
				queue = append(queue, i)
			}
		}
		for _, t := range direct {
			if rank(t.scope) <= lr && !done[t.entry] {
				done[t.entry], out[t.entry] = true, level
				queue = append(queue, t.entry)
			}
		}
		for len(queue) > 0 {
			i := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, d := range b.edges[i] {
				if d.optional && lr < rank(inventory.ScopeOptional) {
					continue
				}
				if !done[d.to] {
					done[d.to], out[d.to] = true, level
					queue = append(queue, d.to)
				}
			}
		}
	}
	return out
}

// splitDescriptor, registryTarball and stripCredentials are the rules
// Yarn shares with npm and pnpm; see package npmlock.
func splitDescriptor(s string) (name, rng string) { return npmlock.SplitDescriptor(s) }

func registryTarball(u, version string) (string, bool) { return npmlock.RegistryTarball(u, version) }

func stripCredentials(u string) string { return npmlock.StripCredentials(u) }

// isGitURL reports whether a resolved URL or Berry reference fetches a git
// repository (whose "#" fragment is then a commit, not a digest).
func isGitURL(u string) bool {
	for _, p := range []string{"git+", "git://", "git@", "ssh://", "github:", "gitlab:", "bitbucket:"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	base, _, _ := strings.Cut(u, "#")
	return strings.HasSuffix(base, ".git")
}

func isSHA1Hex(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// sriHashes appends the hashes of an "integrity" value to dst.
func sriHashes(dst []inventory.Hash, integrity string) []inventory.Hash {
	return npmlock.AppendSRIHashes(dst, integrity)
}

func addHash(hs []inventory.Hash, h inventory.Hash) []inventory.Hash {
	if slices.Contains(hs, h) {
		return hs
	}
	return append(hs, h)
}

func setProp(c *inventory.Component, k, v string) {
	if v == "" {
		return
	}
	if c.Properties == nil {
		c.Properties = map[string]string{}
	}
	c.Properties[k] = v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
