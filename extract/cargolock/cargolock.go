// Package cargolock reads Rust's Cargo.lock, lockfile versions 1 to 4, with
// the Cargo.toml files of the project beside it for what the lockfile does
// not say: which dependencies are dev, build, optional or target-specific.
//
// Versions: version 1 has no "version" key, writes every dependency as
// "name version (source)" and keeps checksums in a [metadata] table
// ("checksum name version (source)" = "hex"); version 2 (also without a
// "version" key) writes the shortest unambiguous reference ("name",
// "name version", "name version (source)") and a "checksum" in each entry;
// version 3 adds `version = 3`; version 4 percent-encodes the query of git
// sources (?branch=feature%2Fx). A file without "version" is taken as
// version 1 when it has [metadata] checksums or the [root] table of the
// oldest Cargo, else as version 2. Later versions are refused rather than
// guessed at.
//
// What is a component: every [[package]] with a "source" (a registry or a
// git repository), and every package without one that a [patch] or
// [replace] table of the project's manifests points at by path: a local
// copy standing in for a third-party crate, which a security team must
// see (Source "path:<dir>"). Every other package without a source is the
// project's own code — the root package, workspace members, path crates of
// the repository — and is not a component: the package the Cargo.toml
// beside the lockfile describes names the root (or, without a Cargo.toml,
// the only local package when there is exactly one), and the others are
// listed in the root property "local_packages". Their dependencies are the
// root's direct dependencies, so `vouch why` leads from the lockfile to
// them; which workspace member declares one is not kept.
//
// Identity: PURLs are pkg:cargo/name@version. A package from git carries the
// qualifier vcs_url (git+URL@commit) and one from a registry other than
// crates.io the qualifier repository_url (its source as written), so that a
// fork or a private crate is never merged with the crates.io crate of the
// same name and version (cargo can lock both at once). The same text goes
// to Component.Source; crates.io ("registry+https://github.com/rust-lang/crates.io-index"
// or "sparse+https://index.crates.io/") has none. Credentials in source
// URLs are removed. "checksum" (or the [metadata] entry) is a SHA-256.
//
// Scopes: a direct dependency's scope comes from the table of the project's
// manifests that declares it — [dependencies] runtime (optional when
// `optional = true`), [build-dependencies] build, [dev-dependencies] dev,
// [target.'cfg(..)'.*] likewise — the most run-time one when several do.
// Manifests read: the Cargo.toml beside the lockfile, the workspace members
// its [workspace] members globs name (less "exclude"), and the Cargo.toml
// of every path dependency, within the scanned tree; renames
// (`package = "..."`) and `workspace = true` inheritance are followed.
// Without a Cargo.toml every direct dependency is runtime. A transitive
// package takes the most run-time scope of the direct dependencies it is
// reached from. A package nothing reaches (hand-edited input) is made
// direct, with an edge from the root, so every component has a path.
//
// Errors: TOML errors name the line and column. A bad entry (no name or
// version, a checksum that is not 64 hex digits, a dependency that matches
// no package or several) is reported and the rest of the file still read;
// a broken Cargo.toml is reported against itself.
//
// Properties set on components:
//
//	git_ref  the branch, tag or rev a git source asked for (decoded in
//	         version 4)
//	target   for a direct dependency declared only in [target.X.*]
//	         tables: the X of each, comma-separated
//
// Properties set on the root:
//
//	lockfile_version  "1" to "4"
//	local_packages    the project's packages without a source other than
//	                  the root's own, "name@version" comma-separated, sorted
//	scopes_from       "Cargo.toml" when the manifest beside the lockfile was
//	                  read, "lockfile" when every direct dependency is
//	                  taken as runtime
package cargolock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Limits on hostile input; real lockfiles hold a few thousand packages.
const (
	maxPackages = 1 << 20
	// maxDependencies caps the dependency references of the whole file.
	maxDependencies = 1 << 22
	// maxName caps a package name or version kept; crates.io allows 64
	// bytes for names.
	maxName = 1 << 10
)

// crates.io's index, in the two protocols cargo writes it with.
const (
	cratesIOGit    = "registry+https://github.com/rust-lang/crates.io-index"
	cratesIOSparse = "sparse+https://index.crates.io/"
)

// Extractor reads Cargo.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "cargolock" }

// Claims implements extract.Extractor: files named Cargo.lock.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(path) == "Cargo.lock"
}

// lockfile is the part of Cargo.lock that is read.
type lockfile struct {
	Version  *int64            `toml:"version"`
	Package  []lockPackage     `toml:"package"`
	Root     *lockPackage      `toml:"root"`
	Metadata map[string]string `toml:"metadata"`
}

type lockPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
}

// entry is a [[package]] with what was worked out about it.
type entry struct {
	lockPackage
	line int
	// local is true for a package without a source; project for a local
	// package that is the project's own code rather than a component.
	local, project bool
	purl           string
	deps           []*entry // resolved dependencies, in file order
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	var lf lockfile
	if err := decodeTOML(in.Path, data, &lf); err != nil {
		return nil, err
	}
	version, err := lockVersion(in.Path, data, &lf)
	if err != nil {
		return nil, err
	}
	if len(lf.Package) > maxPackages {
		return nil, extract.Errorf(in.Path, 0, "more than %d packages", maxPackages)
	}
	var probs extract.Problems
	entries, err := readEntries(ctx, in.Path, data, &lf, version, &probs)
	if err != nil {
		return nil, err
	}
	m := readManifests(ctx, in, &probs)
	g := build(in.Path, entries, version, m)
	return g, probs.Err()
}

// lockVersion returns the lockfile version, from its "version" key or, for
// the two versions without one, from what the file holds.
func lockVersion(path string, data []byte, lf *lockfile) (int, error) {
	if lf.Version == nil {
		if lf.Root != nil {
			return 1, nil
		}
		for k := range lf.Metadata {
			if strings.HasPrefix(k, "checksum ") {
				return 1, nil
			}
		}
		return 2, nil
	}
	v := *lf.Version
	if v < 1 || v > 4 {
		line, col := keyPosition(data, "version")
		return 0, &extract.Error{Path: path, Line: line, Column: col, Err: fmt.Errorf("unsupported lockfile version %d (want 1 to 4)", v)}
	}
	return int(v), nil
}

// readEntries checks each [[package]] (and a version 1 [root]) and
// resolves its dependency references. Bad entries are reported to probs
// and left out.
func readEntries(ctx context.Context, path string, data []byte, lf *lockfile, version int, probs *extract.Problems) ([]*entry, error) {
	pkgLines, rootLine := tableLines(data)
	var entries []*entry
	if lf.Root != nil {
		r := *lf.Root
		r.Source = "" // the root is always the project itself
		entries = append(entries, &entry{lockPackage: r, line: rootLine})
	}
	for i, p := range lf.Package {
		line := 0
		if i < len(pkgLines) {
			line = pkgLines[i]
		}
		entries = append(entries, &entry{lockPackage: p, line: line})
	}
	var kept []*entry
	nDeps := 0
	seen := map[[3]string]bool{}
	for i, e := range entries {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: path, Line: e.line, Err: err}
			}
		}
		nDeps += len(e.Dependencies)
		if nDeps > maxDependencies {
			return nil, extract.Errorf(path, e.line, "more than %d dependency references", maxDependencies)
		}
		switch {
		case e.Name == "":
			probs.Add(extract.Errorf(path, e.line, "package without a name"))
			continue
		case !validName(e.Name):
			probs.Add(extract.Errorf(path, e.line, "invalid package name %q", clip(e.Name)))
			continue
		case e.Version == "":
			probs.Add(extract.Errorf(path, e.line, "package %s without a version", e.Name))
			continue
		case len(e.Version) > maxName || strings.ContainsAny(e.Version, " \t\r\n()"):
			probs.Add(extract.Errorf(path, e.line, "package %s: invalid version %q", e.Name, clip(e.Version)))
			continue
		}
		key := [3]string{e.Name, e.Version, e.Source}
		if seen[key] {
			probs.Add(extract.Errorf(path, e.line, "package %s %s listed twice", e.Name, e.Version))
			continue
		}
		seen[key] = true
		e.local = e.Source == ""
		if e.Checksum == "" && lf.Metadata != nil {
			ref := e.Name + " " + e.Version
			if e.Source != "" {
				ref += " (" + withoutFragment(e.Source) + ")"
			}
			if sum, ok := lf.Metadata["checksum "+ref]; ok && sum != "<none>" {
				e.Checksum = sum
			}
		}
		if e.Checksum != "" && !isSHA256(e.Checksum) {
			probs.Add(extract.Errorf(path, e.line, "package %s %s: checksum %q is not a SHA-256", e.Name, e.Version, clip(e.Checksum)))
			e.Checksum = ""
		}
		kept = append(kept, e)
	}
	idx := newIndex(kept)
	for i, e := range kept {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: path, Line: e.line, Err: err}
			}
		}
		for _, ref := range e.Dependencies {
			d, err := idx.resolve(ref)
			if err != nil {
				probs.Add(extract.Errorf(path, e.line, "package %s %s: %v", e.Name, e.Version, err))
				continue
			}
			e.deps = append(e.deps, d)
		}
	}
	return kept, nil
}

// index finds the entry a dependency reference names, by map lookups
// only, so that hostile input with many packages of one name costs no
// more than a real lockfile.
type index struct {
	byName map[string][]*entry
	// byVersion is keyed by "name version", bySource by
	// "name version source" with the source both as written and without
	// its "#commit".
	byVersion, bySource map[string][]*entry
	// local holds the packages without a source, by "name version".
	local map[string][]*entry
}

func newIndex(entries []*entry) index {
	idx := index{byName: map[string][]*entry{}, byVersion: map[string][]*entry{}, bySource: map[string][]*entry{}, local: map[string][]*entry{}}
	for _, e := range entries {
		nv := e.Name + " " + e.Version
		idx.byName[e.Name] = append(idx.byName[e.Name], e)
		idx.byVersion[nv] = append(idx.byVersion[nv], e)
		if e.local {
			idx.local[nv] = append(idx.local[nv], e)
		}
		idx.bySource[nv+" "+e.Source] = append(idx.bySource[nv+" "+e.Source], e)
		if short := withoutFragment(e.Source); short != e.Source {
			idx.bySource[nv+" "+short] = append(idx.bySource[nv+" "+short], e)
		}
	}
	return idx
}

// resolve finds the one entry that ref ("name", "name version" or
// "name version (source)") names. The short forms are what versions 2 and
// later write when they suffice: "name" when one package has that name,
// "name version" when one has that name and version. A source in a
// reference lacks the "#commit" of a git package's own source. Version 1
// writes path packages as "name version"; when a registry package has the
// same name and version, the reference is to the path package, as cargo
// reads it.
func (idx index) resolve(ref string) (*entry, error) {
	name, rest, hasVersion := strings.Cut(ref, " ")
	version, source, hasSource := strings.Cut(rest, " ")
	if hasSource {
		s, open := strings.CutPrefix(source, "(")
		s, closed := strings.CutSuffix(s, ")")
		if !open || !closed || s == "" {
			return nil, fmt.Errorf("malformed dependency %q", clip(ref))
		}
		source = s
	}
	if name == "" || (hasVersion && version == "") {
		return nil, fmt.Errorf("malformed dependency %q", clip(ref))
	}
	var match []*entry
	switch {
	case hasSource:
		match = idx.bySource[name+" "+version+" "+source]
	case hasVersion:
		match = idx.byVersion[name+" "+version]
		if local := idx.local[name+" "+version]; len(match) > 1 && len(local) == 1 {
			match = local
		}
	default:
		match = idx.byName[name]
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("dependency %q matches no package", clip(ref))
	case 1:
		return match[0], nil
	}
	return nil, fmt.Errorf("dependency %q is ambiguous: %d packages match", clip(ref), len(match))
}

// build makes the graph: components, the root and the edges.
func build(path string, entries []*entry, version int, m *manifests) *inventory.Graph {
	root := inventory.Root{
		ID:         path,
		Kind:       inventory.KindManifest,
		Properties: map[string]string{"lockfile_version": strconv.Itoa(version), "scopes_from": "lockfile"},
	}
	var locals []*entry
	for _, e := range entries {
		if e.local {
			locals = append(locals, e)
		}
	}
	rootName := ""
	if m != nil {
		root.Properties["scopes_from"] = "Cargo.toml"
		rootName = m.rootPackage
	} else if len(locals) == 1 {
		rootName = locals[0].Name
	}
	var others []string
	for _, e := range locals {
		if m != nil {
			if _, ok := m.patched[e.Name]; ok {
				continue
			}
		}
		e.project = true
		if e.Name == rootName && root.Name == "" {
			root.Name, root.Version = e.Name, e.Version
			continue
		}
		others = append(others, e.Name+"@"+e.Version)
	}
	if root.Name == "" && rootName != "" && m != nil {
		// A root package the lockfile does not list (a stale lock).
		root.Name, root.Version = rootName, m.rootVersion
	}
	if root.Name != "" {
		root.PURL = purl.For(purl.CratesIO, root.Name, root.Version, nil)
	}
	if len(others) > 0 {
		slices.Sort(others)
		root.Properties["local_packages"] = strings.Join(others, ",")
	}

	g := inventory.New()
	g.AddRoot(root)
	comps := map[*entry]*inventory.Component{}
	for _, e := range entries {
		if e.project {
			continue
		}
		c := component(path, e, version, m)
		e.purl = c.PURL
		comps[e] = g.Add(c)
	}

	// Direct dependencies: what the project's own packages depend on, with
	// the scope their manifests declare.
	direct := map[*entry]inventory.Scope{}
	targets := map[*entry]targetSet{}
	for _, e := range entries {
		if !e.project {
			continue
		}
		for _, d := range e.deps {
			if d.project {
				continue
			}
			decl := m.declaration(e.Name, d.Name)
			if s, ok := direct[d]; !ok || rank(decl.scope) < rank(s) {
				direct[d] = decl.scope
			}
			targets[d] = targets[d].merge(decl.targets)
			g.AddEdge(path, d.purl)
		}
	}
	for d := range direct {
		c := comps[d]
		c.Direct = true
		if ts := targets[d]; len(ts.names) > 0 && !ts.any {
			if c.Properties == nil {
				c.Properties = map[string]string{}
			}
			c.Properties["target"] = strings.Join(ts.names, ", ")
		}
	}
	for _, e := range entries {
		if e.project {
			continue
		}
		for _, d := range e.deps {
			if !d.project {
				g.AddEdge(e.purl, d.purl)
			}
		}
	}

	// Scopes flow from the direct dependencies, the most run-time first.
	scope := map[*entry]inventory.Scope{}
	var order []*entry
	for _, e := range entries {
		if _, ok := direct[e]; ok {
			order = append(order, e)
		}
	}
	slices.SortStableFunc(order, func(a, b *entry) int { return rank(direct[a]) - rank(direct[b]) })
	for _, start := range order {
		spread(start, direct[start], scope)
	}
	// Whatever nothing reaches gets an edge from the root: first the
	// packages nothing depends on, then one of each cycle left.
	for _, tops := range []bool{true, false} {
		for _, e := range entries {
			if _, ok := scope[e]; ok || e.project {
				continue
			}
			if tops && len(g.Parents(e.purl)) > 0 {
				continue
			}
			comps[e].Direct = true
			g.AddEdge(path, e.purl)
			spread(e, inventory.ScopeRuntime, scope)
		}
	}
	for e, c := range comps {
		c.Scope = scope[e]
	}
	return g
}

// spread gives s to start and everything it reaches that has no scope yet.
func spread(start *entry, s inventory.Scope, scope map[*entry]inventory.Scope) {
	if _, ok := scope[start]; ok {
		return
	}
	scope[start] = s
	stack := []*entry{start}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range e.deps {
			if d.project {
				continue
			}
			if _, ok := scope[d]; !ok {
				scope[d] = s
				stack = append(stack, d)
			}
		}
	}
}

// rank orders scopes as inventory merges them: runtime first.
func rank(s inventory.Scope) int {
	for i, x := range []inventory.Scope{inventory.ScopeRuntime, inventory.ScopeOptional, inventory.ScopePeer, inventory.ScopeBuild, inventory.ScopeTest, inventory.ScopeDev} {
		if s == x {
			return i
		}
	}
	return 6
}

// component builds the component of a package that is not the project's.
func component(path string, e *entry, version int, m *manifests) inventory.Component {
	c := inventory.Component{
		Ecosystem: purl.CratesIO,
		Name:      e.Name,
		Version:   e.Version,
		Scope:     inventory.ScopeRuntime,
		Locations: []inventory.Location{{Path: path, Line: e.line}},
	}
	if e.Checksum != "" {
		c.Hashes = []inventory.Hash{{Algorithm: "SHA-256", Value: strings.ToLower(e.Checksum)}}
	}
	var q map[string]string
	switch src := e.Source; {
	case src == "":
		c.Source = "path:" + m.patchDir(e.Name)
	case src == cratesIOGit || src == cratesIOSparse || src == strings.TrimSuffix(cratesIOSparse, "/"):
	case strings.HasPrefix(src, "git+"):
		repo, ref, commit := splitGit(src, version)
		c.Source = "git+" + extract.RedactURL(repo)
		if commit != "" {
			c.Source += "@" + commit
		}
		q = map[string]string{"vcs_url": c.Source}
		if ref != "" {
			c.Properties = map[string]string{"git_ref": ref}
		}
	default:
		c.Source = extract.RedactURL(src)
		q = map[string]string{"repository_url": c.Source}
	}
	c.PURL = purl.For(purl.CratesIO, c.Name, c.Version, q)
	return c
}

// splitGit splits a git source "git+URL?branch=x#commit" into the
// repository URL, the branch, tag or rev asked for, and the commit locked.
// Version 4 percent-encodes the query; earlier versions write it raw.
func splitGit(src string, version int) (repo, ref, commit string) {
	repo = strings.TrimPrefix(src, "git+")
	repo, commit, _ = strings.Cut(repo, "#")
	repo, query, _ := strings.Cut(repo, "?")
	for _, kv := range strings.Split(query, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || (k != "branch" && k != "tag" && k != "rev") {
			continue
		}
		if version >= 4 {
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
		}
		ref = v
	}
	return repo, ref, commit
}

// withoutFragment drops the "#commit" of a git source.
func withoutFragment(s string) string {
	s, _, _ = strings.Cut(s, "#")
	return s
}

var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

func isSHA256(s string) bool { return sha256Hex.MatchString(s) }

// validName reports whether a package name is one cargo could have
// written: no spaces or brackets (which would break references), bounded.
func validName(s string) bool {
	return len(s) <= maxName && !strings.ContainsAny(s, " \t\r\n()")
}

// clip shortens a string quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// decodeTOML decodes data into v, turning go-toml's positioned errors into
// an *extract.Error with the line and column in path.
func decodeTOML(path string, data []byte, v any) error {
	err := toml.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &extract.Error{Path: path, Line: line, Column: col, Err: errors.New(tomlMessage(de))}
	}
	return &extract.Error{Path: path, Err: fmt.Errorf("toml: %w", err)}
}

var typeError = regexp.MustCompile(`cannot decode TOML (\w+) into .* of type (.+)$`)

// tomlMessage rewrites go-toml's type errors, which name Go types, in
// TOML's terms with the key that holds the value.
func tomlMessage(de *toml.DecodeError) string {
	msg := de.Error()
	m := typeError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := "table"
	switch t := m[2]; {
	case t == "string":
		want = "string"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "*int"):
		want = "integer"
	case t == "bool":
		want = "boolean"
	case strings.HasPrefix(t, "[]"):
		want = "array"
	case strings.HasPrefix(t, "interface") || t == "any":
		return msg
	}
	key := strings.Join(de.Key(), ".")
	if key == "" {
		return fmt.Sprintf("toml: want %s, got %s", want, m[1])
	}
	return fmt.Sprintf("toml: %s: want %s, got %s", key, want, m[1])
}

// tableLines returns the line of each [[package]] header, in order, and of
// the [root] header, using go-toml's parser so that a header-like line in
// a multi-line string is not counted.
func tableLines(data []byte) (pkgs []int, root int) {
	var p unstable.Parser
	p.Reset(data)
	var idx extract.LineIndex
	for p.NextExpression() {
		e := p.Expression()
		if e == nil || (e.Kind != unstable.ArrayTable && e.Kind != unstable.Table) {
			continue
		}
		it := e.Key()
		if !it.Next() {
			continue
		}
		k := it.Node()
		name := string(k.Data)
		if it.Next() {
			continue
		}
		if idx == nil {
			idx = extract.NewLineIndex(data)
		}
		line, _ := idx.Position(int64(k.Raw.Offset))
		switch {
		case e.Kind == unstable.ArrayTable && name == "package":
			pkgs = append(pkgs, line)
		case e.Kind == unstable.Table && name == "root":
			root = line
		}
	}
	return pkgs, root
}

// keyPosition returns the line and column of a top-level key, or 0, 0.
func keyPosition(data []byte, key string) (int, int) {
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		if e == nil {
			continue
		}
		if e.Kind == unstable.Table || e.Kind == unstable.ArrayTable {
			return 0, 0
		}
		if e.Kind != unstable.KeyValue {
			continue
		}
		it := e.Key()
		if !it.Next() {
			continue
		}
		k := it.Node()
		if string(k.Data) == key && !it.Next() {
			return extract.NewLineIndex(data).Position(int64(k.Raw.Offset))
		}
	}
	return 0, 0
}

var _ extract.Extractor = (*Extractor)(nil)
