// Package packagelock reads npm's lockfiles, package-lock.json and
// npm-shrinkwrap.json, in lockfile versions 1, 2 and 3.
//
// Versions 2 and 3 list every installed folder in "packages", keyed by its
// path ("node_modules/a/node_modules/b"); version 2 repeats the tree in the
// version 1 form under "dependencies", which is ignored. A dependency x of the
// folder at P is resolved as node resolves require("x"): P/node_modules/x,
// then the node_modules of each directory above P, up to the project root.
// Version 1 has only the nested "dependencies" tree, whose "requires" names
// resolve by walking up the nesting the same way.
//
// The lockfile is streamed through encoding/json's tokens so each entry's key
// line is known; nesting depth, string length and entry count are capped so
// hostile input costs bounded time and memory.
//
// Design choices:
//   - Workspaces: each member (a "packages" entry outside node_modules that the
//     root's "workspaces" patterns match) is a component with its own name and
//     version, Source "workspace:<dir>", Direct, with an edge from the root;
//     its dependencies hang off it, not off the root, so `vouch why` shows
//     which member pulls a package in.
//   - Links: a "node_modules/x" entry with "link": true stands for its target
//     entry; edges to it go to the target's component, and the link's line is
//     one more location of that component. A target outside the workspaces
//     (a "file:../dir" dependency) has Source "file:<dir>". A link whose
//     target entry is missing still yields a component, without a version.
//   - Aliases ("my-ms": "npm:ms@2.1.3") yield the real package, with the
//     installed name in the "alias" property.
//   - Version 1 does not record what the root declares. When a package.json
//     sits beside the lockfile its dependency names (and workspaces) are used;
//     otherwise a top-level entry that no other entry requires is taken as
//     direct, which misses direct dependencies that something else also needs.
//
// Properties set on components:
//
//	alias           the folder name the package is installed under, when an
//	                npm: alias makes it differ from the package's name
//	bundled         "true" when the package ships inside its parent's tarball
//	                (bundleDependencies; "inBundle" or "bundled" in the lockfile)
//	install_script  "true" when the lockfile records "hasInstallScript"
//
// Properties set on the root:
//
//	lockfile_version  "1", "2" or "3"
//	direct_from       version 1 only: "package.json" when the direct
//	                  dependencies come from the package.json beside the
//	                  lockfile, "inferred" when they were guessed
package packagelock

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/npmlock"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Limits on hostile input. Real lockfiles nest a handful of levels, hold
// strings of a few hundred bytes and at most some tens of thousands of
// entries.
const (
	// maxNesting caps version 1 "dependencies" nesting and the number of
	// node_modules levels in a version 2/3 path.
	maxNesting = 64
	// maxDepth caps JSON nesting; a version 1 entry at maxNesting sits at
	// depth 2*maxNesting+1.
	maxDepth = 2*maxNesting + 8
	// maxString caps any string or number token.
	maxString = 64 << 10
	// maxItems caps folders, entries and dependency names kept in memory
	// (a lockfile of 100,000 packages holds about a million).
	maxItems = 1 << 22
	// maxName caps a dependency's name; npm allows 214 bytes. Each
	// dependency costs a lookup of its name at every level of nesting.
	maxName = 1 << 10
	// maxSegments caps the "/"-separated parts of a "packages" key, which
	// bounds the walk up its directories.
	maxSegments = 4 * maxNesting
	// maxManifestSize caps the companion package.json read for version 1.
	maxManifestSize = 4 << 20
)

// Extractor reads npm lockfiles.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "packagelock" }

// Claims implements extract.Extractor. The hidden lockfile npm keeps at
// node_modules/.package-lock.json is not claimed: it mirrors what is
// installed, which the project's own lockfile already describes, and would
// report every package twice under a second root.
func (*Extractor) Claims(p string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	switch extract.Base(p) {
	case "package-lock.json", "npm-shrinkwrap.json":
		return true
	}
	return false
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = x.Name()
		}
		return nil, err
	}
	// Editors on Windows may prepend a byte order mark, which npm accepts.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := newParser(ctx, in.Path, data)
	lf, err := p.lockfile()
	if err != nil {
		return nil, err
	}
	root := inventory.Root{
		ID:         in.Path,
		Kind:       inventory.KindManifest,
		Name:       lf.name,
		Version:    lf.version,
		Properties: map[string]string{"lockfile_version": strconv.Itoa(lf.lockVersion)},
	}
	var m *manifest
	v1 := lf.lockVersion == 1 && lf.deps != nil
	switch {
	case lf.lockVersion >= 2 && lf.packages != nil:
		if r := lf.packages.entries[""]; r != nil && r.name != "" {
			root.Name, root.Version = r.name, r.version
		}
	case v1:
		root.Properties["direct_from"] = "inferred"
		if m = readManifest(ctx, in); m != nil {
			root.Properties["direct_from"] = "package.json"
		}
	}
	if root.Name != "" {
		root.PURL = purl.For(purl.NPM, root.Name, root.Version, nil)
	}
	g := inventory.New()
	g.AddRoot(root)
	switch {
	case lf.lockVersion >= 2 && lf.packages != nil:
		lf.packages.build(g, in.Path)
	case v1:
		buildV1(g, in.Path, lf.deps, m)
	}
	// Links and repeated paths add locations out of file order.
	for _, c := range g.Components() {
		slices.SortFunc(c.Locations, func(a, b inventory.Location) int { return cmp.Compare(a.Line, b.Line) })
	}
	return g, nil
}

// lockfile is what the top level of the file holds.
type lockfile struct {
	name, version string
	lockVersion   int
	packages      *packages // nil when absent
	deps          *v1node   // the version 1 tree's root; nil when absent
}

// entry is one element of a version 2/3 "packages" map.
type entry struct {
	key    string
	line   int
	folder *folder

	name, version, resolved, integrity string
	link, dev, optional, devOptional   bool
	peer, inBundle, installScript      bool
	licenses                           []string
	// deps are the names this folder needs installed: dependencies,
	// optionalDependencies and peerDependencies.
	deps []string
	// devDeps are only installed for the root, workspaces and link
	// targets; for a registry package they are recorded by no npm version
	// but would resolve to unrelated packages if trusted.
	devDeps    []string
	workspaces []string // root only
}

type packages struct {
	entries map[string]*entry
	order   []string // keys in file order, for stable merging
	tree    *folder  // the project's folder, key ""
	// installed holds every name something is installed under.
	installed map[string]bool
}

// v1node is one element of a version 1 "dependencies" tree, or its root.
type v1node struct {
	name, version, resolved, integrity string
	line                               int
	dev, optional, bundled             bool
	requires                           []string
	children                           map[string]*v1node
	order                              []string
	parent                             *v1node
}

// scope maps npm's flags to a scope, keeping the least run-time one when
// several are set: a package flagged both dev and peer is only needed in
// development.
func scope(dev, devOptional, optional, peer bool) inventory.Scope {
	switch {
	case dev || devOptional:
		return inventory.ScopeDev
	case peer:
		return inventory.ScopePeer
	case optional:
		return inventory.ScopeOptional
	}
	return inventory.ScopeRuntime
}

// hashes decodes an SRI "integrity" value; see npmlock.AppendSRIHashes.
func hashes(integrity string) []inventory.Hash { return npmlock.AppendSRIHashes(nil, integrity) }

// isRegistryTarball reports whether resolved is the tarball a registry
// serves for name@version: any URL ending in "/-/<base>-<version>.tgz",
// where base is the name without its scope. No host is assumed, so private
// registries and mirrors count too.
func isRegistryTarball(resolved, name, version string) bool {
	if version == "" || !strings.Contains(resolved, "://") {
		return false
	}
	u, _, _ := strings.Cut(resolved, "#")
	u, _, _ = strings.Cut(u, "?")
	return strings.HasSuffix(u, "/-/"+extract.Base(name)+"-"+version+".tgz")
}

// matchesWorkspace reports whether the folder dir (relative to the project)
// is matched by one of the root's "workspaces" patterns. Patterns are globs
// as path.Match reads them; a "/**" suffix matches any folder below.
func matchesWorkspace(patterns []string, dir string) bool {
	dir = strings.TrimPrefix(dir, "./")
	for _, p := range patterns {
		p = strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/")
		if p == dir {
			return true
		}
		if base, ok := strings.CutSuffix(p, "/**"); ok {
			if ok, _ := path.Match(base, dir); ok {
				return true
			}
			for d := extract.Dir(dir); d != "." && d != ""; d = extract.Dir(d) {
				if ok, _ := path.Match(base, d); ok {
					return true
				}
			}
			continue
		}
		if ok, _ := path.Match(p, dir); ok {
			return true
		}
	}
	return false
}

// installedName returns the name a "packages" key installs under: what
// follows its last "node_modules/", or "" for a folder outside
// node_modules (the root, a workspace, a link target).
func installedName(key string) string {
	if i := strings.LastIndex(key, "node_modules/"); i >= 0 && (i == 0 || key[i-1] == '/') {
		return key[i+len("node_modules/"):]
	}
	return ""
}

// build adds the components and edges of a version 2/3 "packages" map.
func (ps *packages) build(g *inventory.Graph, file string) {
	rootEntry := ps.entries[""]
	var patterns []string
	if rootEntry != nil {
		patterns = rootEntry.workspaces
	}
	// Folders outside node_modules often carry no "name"; the link to them
	// says what they are installed as.
	linkName := map[string]string{}
	for _, k := range ps.order {
		if e := ps.entries[k]; e.link {
			if _, ok := linkName[linkTarget(e)]; !ok {
				linkName[linkTarget(e)] = installedName(k)
			}
		}
	}
	purls := make(map[string]string, len(ps.entries))
	var members []string
	for _, k := range ps.order {
		e := ps.entries[k]
		if k == "" || e.link {
			continue
		}
		c := inventory.Component{
			Ecosystem: purl.NPM,
			Version:   e.version,
			Scope:     scope(e.dev, e.devOptional, e.optional, e.peer),
			Licenses:  e.licenses,
			Hashes:    hashes(e.integrity),
			Locations: []inventory.Location{{Path: file, Line: e.line}},
		}
		if inst := installedName(k); inst != "" {
			c.Name = inst
			if e.name != "" && e.name != inst {
				c.Name = e.name
				setProp(&c, "alias", inst)
			}
			if e.resolved != "" && !isRegistryTarball(e.resolved, c.Name, e.version) {
				c.Source = e.resolved
			}
		} else {
			c.Name = firstNonEmpty(e.name, linkName[k], extract.Base(k))
			if matchesWorkspace(patterns, k) {
				c.Source = "workspace:" + k
				c.Direct = true
				members = append(members, k)
			} else {
				c.Source = "file:" + k
			}
		}
		if e.inBundle {
			setProp(&c, "bundled", "true")
		}
		if e.installScript {
			setProp(&c, "install_script", "true")
		}
		c.PURL = purl.For(purl.NPM, c.Name, c.Version, nil)
		g.Add(c)
		purls[k] = c.PURL
	}
	for _, k := range ps.order {
		e := ps.entries[k]
		if !e.link {
			continue
		}
		loc := []inventory.Location{{Path: file, Line: e.line}}
		target := linkTarget(e)
		if p, ok := purls[target]; ok {
			c := g.Component(p)
			c.Locations = append(c.Locations, loc...)
			purls[k] = p
			continue
		}
		// A link to a folder the lockfile does not list.
		c := inventory.Component{
			Ecosystem: purl.NPM,
			Name:      firstNonEmpty(e.name, installedName(k), extract.Base(k)),
			Version:   e.version,
			Scope:     scope(e.dev, e.devOptional, e.optional, e.peer),
			Locations: loc,
		}
		if target != "" {
			c.Source = "file:" + target
			if matchesWorkspace(patterns, target) {
				c.Source = "workspace:" + target
			}
		}
		c.PURL = purl.For(purl.NPM, c.Name, c.Version, nil)
		g.Add(c)
		purls[k] = c.PURL
	}
	for _, k := range ps.order {
		e := ps.entries[k]
		if e.link {
			continue
		}
		from, ok := purls[k]
		if k == "" {
			from, ok = file, true
		}
		if !ok {
			continue
		}
		for _, names := range [][]string{e.deps, e.devDeps} {
			for _, n := range names {
				t := ps.resolve(e, n)
				if t == nil {
					continue
				}
				to, ok := purls[t.key]
				if !ok {
					continue
				}
				g.AddEdge(from, to)
				if k == "" {
					g.Component(to).Direct = true
				}
			}
		}
	}
	for _, k := range members {
		g.AddEdge(file, purls[k])
	}
}

// linkTarget is the key of the folder a link entry points at.
func linkTarget(e *entry) string {
	t := strings.TrimPrefix(e.resolved, "file:")
	t = strings.TrimPrefix(t, "./")
	return strings.TrimSuffix(t, "/")
}

// folder is a directory of the project tree that "packages" keys describe.
// Resolution walks up parent pointers rather than building and hashing ever
// shorter path strings, so its cost does not grow with key length.
type folder struct {
	parent   *folder
	name     string // the last path element
	children map[string]*folder
	entry    *entry // the "packages" entry for this folder, if any
}

func (f *folder) child(name string) *folder {
	if f == nil || f.children == nil {
		return nil
	}
	return f.children[name]
}

// resolve finds the entry that dependency name of e loads: e's
// node_modules/name, then that of each directory above e, as node searches.
// A folder outside the project ("../lib") falls back to the project's
// node_modules last, where npm installs what it needs.
func (ps *packages) resolve(e *entry, name string) *entry {
	if !ps.installed[name] {
		return nil // spares the walk for names installed nowhere
	}
	for d := e.folder; d != nil; d = d.parent {
		if d.name == "node_modules" {
			continue // node never looks in node_modules/node_modules
		}
		t := d.child("node_modules")
		for rest := name; t != nil; {
			seg, after, more := strings.Cut(rest, "/")
			t = t.child(seg)
			if !more {
				break
			}
			rest = after
		}
		if t != nil && t.entry != nil {
			return t.entry
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func setProp(c *inventory.Component, k, v string) {
	if c.Properties == nil {
		c.Properties = map[string]string{}
	}
	c.Properties[k] = v
}

// manifest is what a version 1 lockfile borrows from the package.json
// beside it.
type manifest struct {
	deps       []string
	workspaces []string
}

// readManifest reads the package.json beside the lockfile, or returns nil
// when there is none or it cannot be read: it only refines which entries
// are direct, and another file's faults are not this one's.
func readManifest(ctx context.Context, in *extract.Input) *manifest {
	if in.Root == nil {
		return nil
	}
	name, ok := extract.Join(extract.Dir(in.Path), "package.json")
	if !ok {
		return nil
	}
	f, err := in.Root.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxManifestSize {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil || len(data) > maxManifestSize {
		return nil
	}
	p := newParser(ctx, name, bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	m, err := p.manifest()
	if err != nil {
		return nil
	}
	return m
}

// buildV1 adds the components and edges of a version 1 tree.
func buildV1(g *inventory.Graph, file string, top *v1node, m *manifest) {
	purls := map[*v1node]string{}
	installed := map[string]bool{} // spares the walk up for names installed nowhere
	var workspaces []*v1node
	var walk func(n *v1node)
	walk = func(n *v1node) {
		for _, k := range n.order {
			c := n.children[k]
			comp, member := v1Component(file, c, m)
			g.Add(comp)
			purls[c] = comp.PURL
			installed[k] = true
			if member {
				workspaces = append(workspaces, c)
			}
			walk(c)
		}
	}
	walk(top)
	required := map[*v1node]bool{}
	var edges func(n *v1node)
	edges = func(n *v1node) {
		for _, k := range n.order {
			c := n.children[k]
			for _, r := range c.requires {
				if !installed[r] {
					continue
				}
				if t := resolveV1(c, r); t != nil && t != c {
					g.AddEdge(purls[c], purls[t])
					required[t] = true
				}
			}
			edges(c)
		}
	}
	edges(top)
	direct := func(n *v1node) {
		g.AddEdge(file, purls[n])
		g.Component(purls[n]).Direct = true
	}
	if m != nil {
		for _, d := range m.deps {
			if t := top.children[d]; t != nil {
				direct(t)
			}
		}
		for _, w := range workspaces {
			direct(w)
		}
		return
	}
	for _, k := range top.order {
		if c := top.children[k]; !required[c] {
			direct(c)
		}
	}
}

// v1Component builds the component of a version 1 entry, and reports
// whether it is a workspace member of the manifest m.
func v1Component(file string, n *v1node, m *manifest) (inventory.Component, bool) {
	c := inventory.Component{
		Ecosystem: purl.NPM,
		Name:      n.name,
		Scope:     scope(n.dev, false, n.optional, false),
		Hashes:    hashes(n.integrity),
		Locations: []inventory.Location{{Path: file, Line: n.line}},
	}
	member := false
	v := n.version
	switch {
	case strings.HasPrefix(v, "npm:"):
		spec := v[len("npm:"):]
		if at := strings.LastIndexByte(spec, '@'); at > 0 {
			c.Name, c.Version = spec[:at], spec[at+1:]
		} else if spec != "" {
			c.Name = spec
		}
		if c.Name != n.name {
			setProp(&c, "alias", n.name)
		}
	case strings.HasPrefix(v, "file:"):
		dir := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "file:"), "./"), "/")
		c.Source = v
		if m != nil && matchesWorkspace(m.workspaces, dir) {
			c.Source = "workspace:" + dir
			member = true
		}
	case strings.ContainsAny(v, ":/"):
		// A git URL with its commit, or a tarball URL.
		c.Source = v
	default:
		c.Version = v
	}
	if c.Source == "" && n.resolved != "" && !isRegistryTarball(n.resolved, c.Name, c.Version) {
		c.Source = n.resolved
	}
	if n.bundled {
		setProp(&c, "bundled", "true")
	}
	c.PURL = purl.For(purl.NPM, c.Name, c.Version, nil)
	return c, member
}

// resolveV1 finds what require(name) loads from n: its own nested
// dependencies, then each ancestor's.
func resolveV1(n *v1node, name string) *v1node {
	for ; n != nil; n = n.parent {
		if c := n.children[name]; c != nil {
			return c
		}
	}
	return nil
}

// parser streams one JSON document through encoding/json's tokens,
// tracking nesting depth and the line of the latest token.
type parser struct {
	ctx   context.Context
	file  string
	data  []byte
	dec   *json.Decoder
	depth int
	items int
	start int64 // offset of the token just read
	// Line counting moves forward with the decoder, so it costs no memory
	// per line (a LineIndex of a file of blank lines would be as large as
	// eight times the file).
	lineOff   int64 // offset up to which lines are counted
	line      int   // line at lineOff
	lineStart int64 // offset where that line starts
}

func newParser(ctx context.Context, file string, data []byte) *parser {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &parser{ctx: ctx, file: file, data: data, dec: dec, line: 1}
}

// position returns the 1-based line and column of byte offset off.
func (p *parser) position(off int64) (line, col int) {
	off = max(0, min(off, int64(len(p.data))))
	if off < p.lineOff {
		p.lineOff, p.line, p.lineStart = 0, 1, 0
	}
	chunk := p.data[p.lineOff:off]
	if n := bytes.Count(chunk, []byte{'\n'}); n > 0 {
		p.line += n
		p.lineStart = p.lineOff + int64(bytes.LastIndexByte(chunk, '\n')) + 1
	}
	p.lineOff = off
	return p.line, int(off-p.lineStart) + 1
}

// lastLine is the line of the token just read.
func (p *parser) lastLine() int {
	l, _ := p.position(p.start)
	return l
}

// errorf returns an error positioned at the token just read.
func (p *parser) errorf(format string, args ...any) *extract.Error {
	line, col := p.position(p.start)
	return &extract.Error{Path: p.file, Line: line, Column: col, Extractor: "packagelock", Err: fmt.Errorf(format, args...)}
}

// decodeError positions an error of the JSON decoder.
func (p *parser) decodeError(err error) *extract.Error {
	off := p.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder reports some errors at the offending byte and others
		// just past it; blame the byte, never the whitespace before it.
		off = se.Offset
		if off > 0 && off <= int64(len(p.data)) && !isSpace(p.data[off-1]) {
			off--
		}
		line, col := p.position(off)
		return &extract.Error{Path: p.file, Line: line, Column: col, Extractor: "packagelock", Err: fmt.Errorf("json: %w", err)}
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		err, off = io.ErrUnexpectedEOF, int64(len(p.data))
	}
	line, col := p.position(off - 1)
	return &extract.Error{Path: p.file, Line: line, Column: col, Extractor: "packagelock", Err: fmt.Errorf("json: %w", err)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// token reads the next token, enforcing the depth and length caps.
func (p *parser) token() (json.Token, error) {
	p.start = p.dec.InputOffset()
	t, err := p.dec.Token()
	if err != nil {
		return nil, p.decodeError(err)
	}
	// The decoder reports where a token ends; what separates it from the
	// previous one is whitespace, ":" and ",".
	for p.start < int64(len(p.data)) && (isSpace(p.data[p.start]) || p.data[p.start] == ':' || p.data[p.start] == ',') {
		p.start++
	}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{', '[':
			p.depth++
			if p.depth > maxDepth {
				return nil, p.errorf("json nested deeper than %d levels", maxDepth)
			}
		default:
			p.depth--
		}
	case string:
		if len(v) > maxString {
			return nil, p.errorf("string of %d bytes, limit %d", len(v), maxString)
		}
	case json.Number:
		if len(v) > maxString {
			return nil, p.errorf("number of %d bytes, limit %d", len(v), maxString)
		}
	}
	return t, nil
}

// field names a value in errors, built only when one is reported.
type field struct {
	inPackage bool    // inside the "packages" entry key
	key       string  // that entry's key
	node      *v1node // a version 1 entry, when in one
	name      string  // the member within it
}

// String renders the field path as errors name it.
func (f field) String() string {
	var b strings.Builder
	switch {
	case f.node != nil:
		var names []string
		for n := f.node; n != nil && n.parent != nil; n = n.parent {
			names = append(names, n.name)
		}
		for i := len(names) - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "dependencies[%q].", names[i])
		}
	case f.inPackage:
		fmt.Fprintf(&b, "packages[%q].", f.key)
	}
	b.WriteString(f.name)
	return strings.TrimSuffix(b.String(), ".")
}

func kind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '{' {
			return "object"
		}
		if v == '[' {
			return "array"
		}
		return "end of " + map[json.Delim]string{'}': "object", ']': "array"}[v]
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", t)
}

func (p *parser) typeError(f field, want string, t json.Token) *extract.Error {
	return p.errorf("%s: want %s, got %s", f, want, kind(t))
}

// object reads an object, calling fn with each key and the key's line; fn
// must consume the value.
func (p *parser) object(f field, fn func(key string, line int) error) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return p.typeError(f, "object", t)
	}
	return p.objectBody(fn)
}

// objectBody reads the members of an object whose "{" was read.
func (p *parser) objectBody(fn func(key string, line int) error) error {
	for p.dec.More() {
		if err := p.ctx.Err(); err != nil {
			return &extract.Error{Path: p.file, Line: p.lastLine(), Extractor: "packagelock", Err: err}
		}
		t, err := p.token()
		if err != nil {
			return err
		}
		key, _ := t.(string) // the decoder only yields strings here
		if err := fn(key, p.lastLine()); err != nil {
			return err
		}
	}
	_, err := p.token()
	return err
}

// skip consumes one value of any type.
func (p *parser) skip() error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') && t != json.Delim('[') {
		return nil
	}
	for stop, n := p.depth-1, 0; p.depth > stop; n++ {
		if n%4096 == 0 {
			if err := p.ctx.Err(); err != nil {
				return &extract.Error{Path: p.file, Line: p.lastLine(), Extractor: "packagelock", Err: err}
			}
		}
		if _, err := p.token(); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) str(f field) (string, error) {
	t, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", p.typeError(f, "string", t)
	}
	return s, nil
}

func (p *parser) boolean(f field) (bool, error) {
	t, err := p.token()
	if err != nil {
		return false, err
	}
	b, ok := t.(bool)
	if !ok {
		return false, p.typeError(f, "boolean", t)
	}
	return b, nil
}

// count charges n kept items against maxItems.
func (p *parser) count(n int) error {
	p.items += n
	if p.items > maxItems {
		return p.errorf("more than %d entries and dependencies", maxItems)
	}
	return nil
}

// names reads a map of package names to specs ("dependencies",
// "requires") and returns the names.
func (p *parser) names(f field, dst []string) ([]string, error) {
	err := p.object(f, func(name string, _ int) error {
		if len(name) > maxName {
			return p.errorf("%s: package name of %d bytes, limit %d", f, len(name), maxName)
		}
		t, err := p.token()
		if err != nil {
			return err
		}
		if _, ok := t.(string); !ok {
			sub := f
			sub.name += "[" + strconv.Quote(name) + "]"
			return p.typeError(sub, "string", t)
		}
		dst = append(dst, name)
		return p.count(1)
	})
	return dst, err
}

// licenses reads a "license": an SPDX string, or the legacy {"type": ...}
// object or an array of those. Other shapes carry no licence and are
// skipped rather than failing the file.
func (p *parser) licenses() ([]string, error) {
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(t json.Token) error {
		switch v := t.(type) {
		case string:
			if v != "" {
				out = append(out, v)
			}
		case json.Delim:
			if v != '{' {
				return p.skipRest()
			}
			return p.objectBody(func(k string, _ int) error {
				if k != "type" {
					return p.skip()
				}
				t, err := p.token()
				if err != nil {
					return err
				}
				if s, ok := t.(string); ok && s != "" {
					out = append(out, s)
				} else if t == json.Delim('{') || t == json.Delim('[') {
					return p.skipRest()
				}
				return nil
			})
		}
		return nil
	}
	if t != json.Delim('[') {
		return out, add(t)
	}
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		if err := add(t); err != nil {
			return nil, err
		}
	}
	_, err = p.token()
	return out, err
}

// skipRest consumes the rest of a container whose opening token was read.
func (p *parser) skipRest() error {
	for stop := p.depth - 1; p.depth > stop; {
		if _, err := p.token(); err != nil {
			return err
		}
	}
	return nil
}

// workspaces reads the root's "workspaces": an array of globs, or the
// {"packages": [...]} form some tools write. Other shapes are skipped.
func (p *parser) workspaces() ([]string, error) {
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	var out []string
	globs := func() error {
		for p.dec.More() {
			t, err := p.token()
			if err != nil {
				return err
			}
			switch v := t.(type) {
			case string:
				out = append(out, v)
				if err := p.count(1); err != nil {
					return err
				}
			case json.Delim:
				if err := p.skipRest(); err != nil {
					return err
				}
			}
		}
		_, err := p.token()
		return err
	}
	switch t {
	case json.Delim('['):
		return out, globs()
	case json.Delim('{'):
		return out, p.objectBody(func(k string, _ int) error {
			if k != "packages" {
				return p.skip()
			}
			t, err := p.token()
			if err != nil {
				return err
			}
			switch t {
			case json.Delim('['):
				return globs()
			case json.Delim('{'):
				return p.skipRest()
			}
			return nil
		})
	}
	return nil, nil
}

// lockfile reads the whole document.
func (p *parser) lockfile() (*lockfile, error) {
	lf := &lockfile{}
	seenVersion := false
	err := p.object(field{name: "lockfile"}, func(key string, _ int) error {
		var err error
		switch key {
		case "name":
			lf.name, err = p.str(field{name: "name"})
		case "version":
			lf.version, err = p.str(field{name: "version"})
		case "lockfileVersion":
			seenVersion = true
			lf.lockVersion, err = p.lockVersion()
		case "packages":
			if seenVersion && lf.lockVersion == 1 {
				return p.skip()
			}
			lf.packages, err = p.packages()
		case "dependencies":
			if seenVersion && lf.lockVersion >= 2 {
				return p.skip()
			}
			lf.deps = &v1node{}
			err = p.v1deps(field{name: "dependencies"}, lf.deps, 1)
		default:
			err = p.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	p.start = p.dec.InputOffset()
	if _, err := p.dec.Token(); err != io.EOF {
		for p.start < int64(len(p.data)) && isSpace(p.data[p.start]) {
			p.start++
		}
		return nil, p.errorf("data after the lockfile's object")
	}
	if !seenVersion {
		return nil, &extract.Error{Path: p.file, Line: 1, Extractor: "packagelock", Err: errors.New("no lockfileVersion: not an npm lockfile")}
	}
	return lf, nil
}

func (p *parser) lockVersion() (int, error) {
	t, err := p.token()
	if err != nil {
		return 0, err
	}
	n, ok := t.(json.Number)
	if !ok {
		return 0, p.typeError(field{name: "lockfileVersion"}, "number", t)
	}
	v, err := strconv.Atoi(string(n))
	if err != nil || v < 1 || v > 3 {
		return 0, p.errorf("unsupported lockfileVersion %s (want 1, 2 or 3)", n)
	}
	return v, nil
}

// packages reads a version 2/3 "packages" map.
func (p *parser) packages() (*packages, error) {
	ps := &packages{entries: map[string]*entry{}, tree: &folder{}, installed: map[string]bool{}}
	err := p.object(field{name: "packages"}, func(key string, line int) error {
		if err := checkKey(key); err != nil {
			return p.errorf("packages[%q]: %w", key, err)
		}
		e, err := p.entry(key, line)
		if err != nil {
			return err
		}
		if _, dup := ps.entries[key]; !dup {
			ps.order = append(ps.order, key)
		}
		ps.entries[key] = e
		if n := installedName(key); n != "" {
			ps.installed[n] = true
		}
		return p.place(ps.tree, e)
	})
	return ps, err
}

// place puts e in the folder tree under root, charging new folders to the
// item budget.
func (p *parser) place(root *folder, e *entry) error {
	d := root
	for rest := e.key; rest != ""; {
		seg, after, more := strings.Cut(rest, "/")
		c := d.child(seg)
		if c == nil {
			if err := p.count(1); err != nil {
				return err
			}
			if d.children == nil {
				d.children = map[string]*folder{}
			}
			c = &folder{parent: d, name: seg}
			d.children[seg] = c
		}
		d = c
		if !more {
			break
		}
		rest = after
	}
	d.entry, e.folder = e, d
	return nil
}

// checkKey rejects "packages" keys that name no folder or nest past the
// caps.
func checkKey(key string) error {
	if key == "" {
		return nil
	}
	if strings.Count(key, "/") >= maxSegments {
		return fmt.Errorf("path deeper than %d elements", maxSegments)
	}
	nm := 0
	rest := key
	for {
		seg, after, more := strings.Cut(rest, "/")
		switch seg {
		case "":
			return errors.New("empty path element")
		case "node_modules":
			nm++
			if !more {
				return errors.New("path names no package")
			}
		}
		if !more {
			break
		}
		rest = after
	}
	if nm > maxNesting {
		return fmt.Errorf("node_modules nested deeper than %d levels", maxNesting)
	}
	return nil
}

// entry reads one element of "packages".
func (p *parser) entry(key string, line int) (*entry, error) {
	e := &entry{key: key, line: line}
	folder := installedName(key) == ""
	err := p.object(field{inPackage: true, key: key}, func(name string, _ int) error {
		f := field{inPackage: true, key: key, name: name}
		var err error
		switch name {
		case "name":
			e.name, err = p.str(f)
		case "version":
			e.version, err = p.str(f)
		case "resolved":
			e.resolved, err = p.str(f)
		case "integrity":
			e.integrity, err = p.str(f)
		case "link":
			// The project itself is never a link to elsewhere.
			e.link, err = p.boolean(f)
			e.link = e.link && key != ""
		case "dev":
			e.dev, err = p.boolean(f)
		case "optional":
			e.optional, err = p.boolean(f)
		case "devOptional":
			e.devOptional, err = p.boolean(f)
		case "peer":
			e.peer, err = p.boolean(f)
		case "inBundle":
			e.inBundle, err = p.boolean(f)
		case "hasInstallScript":
			e.installScript, err = p.boolean(f)
		case "license":
			e.licenses, err = p.licenses()
		case "dependencies", "optionalDependencies", "peerDependencies":
			e.deps, err = p.names(f, e.deps)
		case "devDependencies":
			if !folder {
				return p.skip()
			}
			e.devDeps, err = p.names(f, e.devDeps)
		case "workspaces":
			if key != "" {
				return p.skip()
			}
			e.workspaces, err = p.workspaces()
		default:
			err = p.skip()
		}
		return err
	})
	return e, err
}

// v1deps reads a version 1 "dependencies" object into parent's children.
func (p *parser) v1deps(f field, parent *v1node, level int) error {
	if level > maxNesting {
		return p.errorf("%s: dependencies nested deeper than %d levels", f, maxNesting)
	}
	parent.children = map[string]*v1node{}
	return p.object(f, func(name string, line int) error {
		if name == "" || len(name) > maxName {
			return p.errorf("%s: package name of %d bytes, want 1 to %d", f, len(name), maxName)
		}
		n := &v1node{name: name, line: line, parent: parent}
		err := p.object(field{node: n}, func(k string, _ int) error {
			f := field{node: n, name: k}
			var err error
			switch k {
			case "version":
				n.version, err = p.str(f)
			case "resolved":
				n.resolved, err = p.str(f)
			case "integrity":
				n.integrity, err = p.str(f)
			case "dev":
				n.dev, err = p.boolean(f)
			case "optional":
				n.optional, err = p.boolean(f)
			case "bundled":
				n.bundled, err = p.boolean(f)
			case "requires":
				n.requires, err = p.names(f, n.requires)
			case "dependencies":
				err = p.v1deps(f, n, level+1)
			default:
				err = p.skip()
			}
			return err
		})
		if err != nil {
			return err
		}
		if _, dup := parent.children[name]; !dup {
			parent.order = append(parent.order, name)
		}
		parent.children[name] = n
		return p.count(1)
	})
}

// manifest reads the dependency names and workspaces of a package.json.
func (p *parser) manifest() (*manifest, error) {
	m := &manifest{}
	err := p.object(field{name: "package.json"}, func(key string, _ int) error {
		var err error
		switch key {
		case "dependencies", "devDependencies", "optionalDependencies", "peerDependencies":
			m.deps, err = p.names(field{name: key}, m.deps)
		case "workspaces":
			m.workspaces, err = p.workspaces()
		default:
			err = p.skip()
		}
		return err
	})
	return m, err
}
