// Package gemfilelock reads Bundler's lockfile, Gemfile.lock (gems.locked
// beside a gems.rb), with the Gemfile beside it for which gems are only
// for development or tests.
//
// Format: sections start at column 0. Source sections — GEM, GIT, PATH and
// PLUGIN SOURCE — hold options ("  remote: URL", "  revision: SHA",
// "  branch: main") then "  specs:", under which a 4-space line
// "name (version)" is a locked gem and the 6-space lines below it its
// dependencies, "name (constraints)". A version may carry a platform after
// its first "-": "nokogiri (1.16.0-x86_64-linux)" is version 1.16.0 for
// platform x86_64-linux, which becomes the PURL's "platform" qualifier.
// PLATFORMS lists the platforms locked for, DEPENDENCIES what the Gemfile
// declares ("name", "name (constraints)", a "!" after it when the gem comes
// from a source other than the global GEM one), CHECKSUMS (Bundler 2.5 and
// later) "name (version) sha256=hex", RUBY VERSION and BUNDLED WITH the
// versions of Ruby and Bundler. As Bundler does, an unknown section is
// skipped; a line that is neither a section header nor indented inside one
// is an error, as are merge-conflict markers.
//
// Components: every locked gem. A gem of a GIT section has Source
// "git+URL@revision", and the PURL qualifier vcs_url with the same text, so
// a fork is not merged with the rubygems.org gem of the same version; a gem
// of a GEM section whose remotes do not include rubygems.org has Source and
// qualifier repository_url set to its (first) remote, a PLUGIN SOURCE gem
// likewise; a gem of a PATH section has Source "path:<dir>" (relative to
// the scanned root). The gems of the PATH section whose remote is the
// lockfile's own directory are the project itself (the `gemspec` line of
// a Gemfile): when there is one it names the root, and none is a
// component; their dependencies are direct. Unlike Cargo, Bundler has no
// workspaces to say which other path gems are the project's, and vendored
// gems are commonly installed by path, so those stay components.
//
// Edges: the root to each DEPENDENCIES entry, a gem to each gem its
// dependency lines name (to every platform variant of the name). A
// dependency on a gem not locked (bundler itself, a gem of a platform not
// locked for) has no edge. A gem nothing reaches gets an edge from the
// root, so every component has a path from it.
//
// Scopes: the lockfile does not say which gems are for development. When
// the Gemfile (gems.rb) beside the lockfile can be read, its text is
// scanned — never run — for `gem "name"` lines inside `group ... do` blocks
// or with a `group:`/`groups:` option: a gem only in groups :development
// and :test is dev, one only in :test is test, any other group is runtime.
// The development dependencies of the project's gemspec (its
// `add_development_dependency` lines) are dev, as Bundler puts them in the
// :development group. Anything the scan cannot tell (a gem declared in an
// eval_gemfile'd file, groups built by code) is runtime. A transitive gem
// takes the most run-time scope of the direct dependencies it is reached
// from.
//
// Hashes: CHECKSUMS entries "sha256=hex" and "sha512=hex" become SHA-256
// and SHA-512 hashes of the gem they name (name, version and platform).
//
// Properties set on components:
//
//	git_ref  the branch, tag or ref of a GIT section
//	plugin   the "type" of a PLUGIN SOURCE section
//
// Properties set on the root:
//
//	bundled_with  BUNDLED WITH
//	ruby_version  RUBY VERSION ("ruby 3.3.0p0")
//	platforms     PLATFORMS, comma-separated
//	scopes_from   "Gemfile" (or "gems.rb") when that file was scanned for
//	              groups, "lockfile" when every direct dependency is taken
//	              as runtime
package gemfilelock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Limits on hostile input. Large applications lock a few hundred gems.
const (
	maxSpecs = 1 << 20
	// maxDependencies caps dependency lines of specs and DEPENDENCIES.
	maxDependencies = 1 << 22
	// maxEdges caps the edges dependency lines make.
	maxEdges = 1 << 22
	// maxPlatforms caps the PLATFORMS kept.
	maxPlatforms = 1024
	// maxField caps a name, version or option value kept.
	maxField = 4 << 10
)

// Extractor reads Gemfile.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gemfilelock" }

// Claims implements extract.Extractor: files named Gemfile.lock or
// gems.locked.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	switch extract.Base(path) {
	case "Gemfile.lock", "gems.locked":
		return true
	}
	return false
}

// source is one GEM, GIT, PATH or PLUGIN SOURCE section.
type source struct {
	kind     string // "GEM", "GIT", "PATH", "PLUGIN SOURCE"
	line     int
	remotes  []string
	revision string
	ref      string // branch, tag or ref
	typ      string // PLUGIN SOURCE type
	specs    []*spec
}

// spec is one locked gem.
type spec struct {
	name, version, platform string
	line                    int
	src                     *source
	deps                    []string // names
	project                 bool
	hashes                  []inventory.Hash
	purl                    string
}

// lockfile is what the file holds.
type lockfile struct {
	sources      []*source
	direct       []string // DEPENDENCIES names, in file order
	platforms    []string
	ruby         string
	bundledWith  string
	checksums    []checksum
	knownSection bool
}

type checksum struct {
	name, version, platform string
	line                    int
	hashes                  []inventory.Hash
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	var probs extract.Problems
	lf, err := parse(ctx, in, &probs)
	if err != nil {
		return nil, err
	}
	dir := extract.Dir(in.Path)
	var specs []*spec
	var projects []*spec
	for _, s := range lf.sources {
		for _, sp := range s.specs {
			if s.kind == "PATH" && len(s.remotes) > 0 {
				if p, ok := join(dir, s.remotes[0]); ok && p == dir {
					sp.project = true
					projects = append(projects, sp)
				}
			}
			specs = append(specs, sp)
		}
	}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{"scopes_from": "lockfile"}}
	setProp := func(k, v string) {
		if v != "" {
			root.Properties[k] = v
		}
	}
	setProp("bundled_with", lf.bundledWith)
	setProp("ruby_version", lf.ruby)
	setProp("platforms", strings.Join(lf.platforms, ","))
	if len(projects) == 1 {
		p := projects[0]
		root.Name, root.Version = p.name, p.version
		root.PURL = purl.For(purl.RubyGems, p.name, p.version, nil)
	}

	gemfileName := "Gemfile"
	if extract.Base(in.Path) == "gems.locked" {
		gemfileName = "gems.rb"
	}
	var groups map[string]inventory.Scope
	if gemfilePath, ok := extract.Join(dir, gemfileName); ok && in.Root != nil {
		if data, err := readCompanion(in.Root, gemfilePath); err == nil {
			groups = gemfileScopes(data)
			root.Properties["scopes_from"] = gemfileName
			if len(projects) == 1 {
				if gs, ok := extract.Join(dir, projects[0].name+".gemspec"); ok {
					if data, err := readCompanion(in.Root, gs); err == nil {
						for _, n := range developmentDependencies(data) {
							if _, ok := groups[n]; !ok {
								groups[n] = inventory.ScopeDev
							}
						}
					}
				}
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			probs.AddErr(gemfilePath, err)
		}
	}

	g := inventory.New()
	g.AddRoot(root)
	byName := map[string][]*spec{}
	for _, sp := range specs {
		byName[sp.name] = append(byName[sp.name], sp)
	}
	byID := map[[3]string][]*spec{}
	for _, sp := range specs {
		id := [3]string{sp.name, sp.version, sp.platform}
		byID[id] = append(byID[id], sp)
	}
	for _, c := range lf.checksums {
		for _, sp := range byID[[3]string{c.name, c.version, c.platform}] {
			sp.hashes = append(sp.hashes, c.hashes...)
		}
	}
	// Each dependency line gives an edge to every spec of its name; real
	// lockfiles have a few platform variants at most, hostile ones could
	// have a million, so the edges are counted.
	edges := 0
	for _, n := range lf.direct {
		edges += len(byName[n])
	}
	for _, sp := range specs {
		for _, n := range sp.deps {
			edges += len(byName[n])
		}
		if edges > maxEdges {
			return nil, extract.Errorf(in.Path, sp.line, "more than %d dependency edges", maxEdges)
		}
	}
	if edges > maxEdges {
		return nil, extract.Errorf(in.Path, 0, "more than %d dependency edges", maxEdges)
	}
	comps := map[*spec]*inventory.Component{}
	for i, sp := range specs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Line: sp.line, Err: err}
			}
		}
		if sp.project {
			continue
		}
		c := component(in.Path, dir, sp)
		sp.purl = c.PURL
		comps[sp] = g.Add(c)
	}

	// Direct dependencies and their scopes.
	direct := map[*spec]inventory.Scope{}
	addDirect := func(name string, s inventory.Scope) {
		for _, sp := range byName[name] {
			if sp.project {
				continue
			}
			if old, ok := direct[sp]; !ok || rank(s) < rank(old) {
				direct[sp] = s
			}
			g.AddEdge(in.Path, sp.purl)
		}
	}
	scopeOf := func(name string) inventory.Scope {
		if s, ok := groups[name]; ok {
			return s
		}
		return inventory.ScopeRuntime
	}
	for _, n := range lf.direct {
		addDirect(n, scopeOf(n))
	}
	for _, p := range projects {
		for _, n := range p.deps {
			addDirect(n, inventory.ScopeRuntime)
		}
	}
	for _, sp := range specs {
		if sp.project {
			continue
		}
		for _, n := range sp.deps {
			for _, d := range byName[n] {
				if !d.project {
					g.AddEdge(sp.purl, d.purl)
				}
			}
		}
	}

	children := func(sp *spec) []*spec {
		var out []*spec
		for _, n := range sp.deps {
			for _, d := range byName[n] {
				if !d.project {
					out = append(out, d)
				}
			}
		}
		return out
	}
	scope := map[*spec]inventory.Scope{}
	var order []*spec
	for _, sp := range specs {
		if _, ok := direct[sp]; ok {
			order = append(order, sp)
		}
	}
	slices.SortStableFunc(order, func(a, b *spec) int { return rank(direct[a]) - rank(direct[b]) })
	for _, sp := range order {
		spread(sp, direct[sp], scope, children)
	}
	for _, tops := range []bool{true, false} {
		for _, sp := range specs {
			if _, ok := scope[sp]; ok || sp.project {
				continue
			}
			if tops && len(g.Parents(sp.purl)) > 0 {
				continue
			}
			direct[sp] = inventory.ScopeRuntime
			g.AddEdge(in.Path, sp.purl)
			spread(sp, inventory.ScopeRuntime, scope, children)
		}
	}
	for sp, c := range comps {
		c.Scope = scope[sp]
		_, c.Direct = direct[sp]
	}
	return g, probs.Err()
}

// spread gives s to start and everything it reaches that has no scope yet.
func spread(start *spec, s inventory.Scope, scope map[*spec]inventory.Scope, children func(*spec) []*spec) {
	if _, ok := scope[start]; ok {
		return
	}
	scope[start] = s
	stack := []*spec{start}
	for len(stack) > 0 {
		sp := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range children(sp) {
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

// component builds the component of a locked gem.
func component(file, dir string, sp *spec) inventory.Component {
	c := inventory.Component{
		Ecosystem: purl.RubyGems,
		Name:      sp.name,
		Version:   sp.version,
		Scope:     inventory.ScopeRuntime,
		Hashes:    sp.hashes,
		Locations: []inventory.Location{{Path: file, Line: sp.line}},
	}
	q := map[string]string{}
	if sp.platform != "" {
		q["platform"] = sp.platform
	}
	setProp := func(k, v string) {
		if v == "" {
			return
		}
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties[k] = v
	}
	s := sp.src
	first := ""
	if len(s.remotes) > 0 {
		first = s.remotes[0]
	}
	switch s.kind {
	case "GIT":
		c.Source = "git+" + extract.RedactURL(first)
		if s.revision != "" {
			c.Source += "@" + s.revision
		}
		q["vcs_url"] = c.Source
		setProp("git_ref", s.ref)
	case "PATH":
		if p, ok := join(dir, first); ok {
			c.Source = "path:" + p
		} else {
			c.Source = "path:" + first
		}
	case "PLUGIN SOURCE":
		c.Source = extract.RedactURL(first)
		q["repository_url"] = c.Source
		setProp("plugin", s.typ)
	default:
		if !slices.ContainsFunc(s.remotes, isRubyGems) && first != "" {
			c.Source = extract.RedactURL(first)
			q["repository_url"] = c.Source
		}
	}
	c.PURL = purl.For(purl.RubyGems, sp.name, sp.version, q)
	return c
}

// isRubyGems reports whether a GEM remote is rubygems.org, however it is
// spelled.
func isRubyGems(remote string) bool {
	r := strings.ToLower(strings.TrimSuffix(remote, "/"))
	r = strings.TrimPrefix(strings.TrimPrefix(r, "https://"), "http://")
	return r == "rubygems.org" || r == "www.rubygems.org"
}

// join resolves a PATH remote against the lockfile's directory. An
// absolute path, or one that leaves the scanned tree, is not joined.
func join(dir, rel string) (string, bool) {
	if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || (len(rel) >= 2 && rel[1] == ':') {
		return "", false
	}
	return extract.Join(dir, strings.ReplaceAll(rel, `\`, "/"))
}

// Line shapes, after Bundler's LockfileParser.
var (
	// nameVersion is "name", "name (version[-platform])" or
	// "name (constraints)", with an optional "!" and, in CHECKSUMS, the
	// checksums after a space.
	nameVersion = regexp.MustCompile(`^(\S+?)(?: \(([^-)]*)(?:-([^)]*))?\))?(!)?(?: (.*))?$`)
	option      = regexp.MustCompile(`^([a-zA-Z]+): (.*)$`)
	sectionLike = regexp.MustCompile(`^\w[\w ]*$`)
)

var sourceKinds = map[string]bool{"GEM": true, "GIT": true, "PATH": true, "PLUGIN SOURCE": true}

// parse reads the lockfile's sections. Bad lines inside sections are
// reported to probs and skipped; a line outside any section fails the
// file.
func parse(ctx context.Context, in *extract.Input, probs *extract.Problems) (*lockfile, error) {
	if in.Reader == nil {
		return nil, extract.Errorf(in.Path, 0, "no content")
	}
	const max = extract.DefaultMaxFileSize
	if in.Info != nil && in.Info.Size() > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, in.Info.Size(), max)}
	}
	lf := &lockfile{}
	var (
		section string // the current section header, "" before any
		src     *source
		inSpecs bool
		cur     *spec
		nSpecs  int
		nDeps   int
		// platforms holds the PLATFORMS seen, to drop repeats.
		platforms = map[string]bool{}
	)
	bad := func(n int, format string, args ...any) {
		probs.Add(extract.Errorf(in.Path, n, format, args...))
	}
	cr := &countingReader{r: io.LimitReader(in.Reader, max+1)}
	err := extract.Lines(in.Path, cr, func(n int, line string) error {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return &extract.Error{Path: in.Path, Line: n, Err: err}
			}
		}
		if strings.TrimSpace(line) == "" {
			return nil
		}
		for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>", "|||||||"} {
			if strings.HasPrefix(line, m) {
				return &extract.Error{Path: in.Path, Line: n, Column: 1, Err: errors.New("merge conflict marker")}
			}
		}
		if line[0] != ' ' && line[0] != '\t' {
			if !sectionLike.MatchString(line) {
				return &extract.Error{Path: in.Path, Line: n, Column: 1, Err: fmt.Errorf("line %q is not a section header: not a Gemfile.lock", clip(line))}
			}
			section, src, inSpecs, cur = line, nil, false, nil
			switch {
			case sourceKinds[line]:
				src = &source{kind: line, line: n}
				lf.sources = append(lf.sources, src)
				lf.knownSection = true
			case line == "DEPENDENCIES" || line == "PLATFORMS" || line == "CHECKSUMS" || line == "RUBY VERSION" || line == "BUNDLED WITH":
				lf.knownSection = true
			}
			return nil
		}
		if section == "" {
			return &extract.Error{Path: in.Path, Line: n, Column: 1, Err: errors.New("indented line before any section: not a Gemfile.lock")}
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := line[indent:]
		if len(text) > maxField {
			bad(n, "line of %d bytes, limit %d", len(text), maxField)
			return nil
		}
		switch {
		case src != nil:
			switch {
			case indent == 2 && text == "specs:":
				inSpecs = true
			case indent == 2 && !inSpecs:
				m := option.FindStringSubmatch(text)
				if m == nil {
					bad(n, "%s: malformed option %q", src.kind, clip(text))
					return nil
				}
				switch m[1] {
				case "remote":
					src.remotes = append(src.remotes, m[2])
				case "revision":
					src.revision = m[2]
				case "branch", "tag", "ref":
					src.ref = m[2]
				case "type":
					src.typ = m[2]
				}
			case indent == 4 && inSpecs:
				m := nameVersion.FindStringSubmatch(text)
				if m == nil || m[2] == "" || m[4] != "" || m[5] != "" || !validName(m[1]) {
					bad(n, "malformed spec %q (want \"name (version)\")", clip(text))
					cur = nil
					return nil
				}
				if nSpecs++; nSpecs > maxSpecs {
					return extract.Errorf(in.Path, n, "more than %d specs", maxSpecs)
				}
				cur = &spec{name: m[1], version: m[2], platform: platformOf(m[3]), line: n, src: src}
				src.specs = append(src.specs, cur)
			case indent == 6 && inSpecs:
				m := nameVersion.FindStringSubmatch(text)
				if m == nil || !validName(m[1]) {
					bad(n, "malformed dependency %q", clip(text))
					return nil
				}
				if cur == nil {
					bad(n, "dependency %q outside a spec", clip(text))
					return nil
				}
				if nDeps++; nDeps > maxDependencies {
					return extract.Errorf(in.Path, n, "more than %d dependencies", maxDependencies)
				}
				cur.deps = append(cur.deps, m[1])
			default:
				bad(n, "%s: unexpected indentation %q", src.kind, clip(line[:len(line)-len(strings.TrimLeft(line, " \t"))]))
			}
		case section == "DEPENDENCIES":
			m := nameVersion.FindStringSubmatch(text)
			if indent != 2 || m == nil || m[5] != "" || !validName(m[1]) {
				bad(n, "malformed dependency %q", clip(text))
				return nil
			}
			if nDeps++; nDeps > maxDependencies {
				return extract.Errorf(in.Path, n, "more than %d dependencies", maxDependencies)
			}
			lf.direct = append(lf.direct, m[1])
		case section == "CHECKSUMS":
			m := nameVersion.FindStringSubmatch(text)
			if indent != 2 || m == nil || m[2] == "" || m[4] != "" || !validName(m[1]) {
				bad(n, "malformed checksum %q", clip(text))
				return nil
			}
			if m[5] == "" {
				return nil // a gem from git or a path has none
			}
			hs, err := parseChecksums(m[5])
			if err != nil {
				bad(n, "checksum of %s: %v", m[1], err)
				return nil
			}
			if len(lf.checksums) < maxSpecs {
				lf.checksums = append(lf.checksums, checksum{name: m[1], version: m[2], platform: platformOf(m[3]), line: n, hashes: hs})
			}
		case section == "PLATFORMS":
			if len(lf.platforms) < maxPlatforms && !platforms[text] {
				platforms[text] = true
				lf.platforms = append(lf.platforms, text)
			}
		case section == "RUBY VERSION":
			lf.ruby = strings.TrimSpace(text)
		case section == "BUNDLED WITH":
			lf.bundledWith = strings.TrimSpace(text)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cr.n > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, max)}
	}
	if section != "" && !lf.knownSection {
		return nil, extract.Errorf(in.Path, 1, "no GEM, GIT, PATH or DEPENDENCIES section: not a Gemfile.lock")
	}
	for _, s := range lf.sources {
		if len(s.remotes) == 0 && len(s.specs) > 0 {
			bad(s.line, "%s section without a remote", s.kind)
		}
	}
	return lf, nil
}

// platformOf returns a spec's platform, "" for the plain Ruby one.
func platformOf(p string) string {
	if p == "ruby" {
		return ""
	}
	return p
}

var hexDigest = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// parseChecksums reads "sha256=hex[,sha512=hex]". Unknown algorithms are
// skipped, as Bundler skips them.
func parseChecksums(s string) ([]inventory.Hash, error) {
	var out []inventory.Hash
	for _, f := range strings.Split(s, ",") {
		alg, digest, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return nil, fmt.Errorf("malformed %q", clip(f))
		}
		var name string
		var size int
		switch alg {
		case "sha256":
			name, size = "SHA-256", 64
		case "sha512":
			name, size = "SHA-512", 128
		default:
			continue
		}
		if len(digest) != size || !hexDigest.MatchString(digest) {
			return nil, fmt.Errorf("%s digest %q is not %d hex digits", alg, clip(digest), size)
		}
		out = append(out, inventory.Hash{Algorithm: name, Value: strings.ToLower(digest)})
	}
	return out, nil
}

// validName reports whether a gem name could be one: no spaces or
// parentheses, bounded.
func validName(s string) bool {
	return s != "" && len(s) <= maxField && !strings.ContainsAny(s, " \t()!")
}

// clip shortens a string quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// countingReader counts the bytes read, to tell a file cut at the size
// limit from one that ended.
type countingReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader, counting what passes.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var _ extract.Extractor = (*Extractor)(nil)
