// Package apk reads the database of packages installed on an Alpine Linux
// system, lib/apk/db/installed (or usr/lib/apk/db/installed), wherever a
// root filesystem sits in the scanned tree.
//
// The database is a list of records separated by blank lines, each line a
// one-letter field, a colon and a value ("P:musl"). A record is one
// installed package: P name, V version, A architecture, L licence, o origin
// (the source package it was built from), C checksum, D dependencies,
// p provides, i install-if, t build time, c aports commit, m maintainer;
// then its files (F directories, R files, with a/M/Z attributes), which
// are not kept. A line that is not a field is an error that stops the
// read; a record without a name or a version is reported with its line
// and skipped.
//
// Each package is a runtime component of ecosystem "Alpine:v<major.minor>"
// as OSV names Alpine's releases, from VERSION_ID in etc/os-release (else
// usr/lib/os-release, else etc/alpine-release) of the same root
// filesystem, read through the scanned tree. A development snapshot (a
// VERSION_ID such as "3.21.0_alpha20240807", Alpine's edge) or no release
// file gives "Alpine" alone. A derivative that uses apk with its own ID
// (postmarketOS, Wolfi) gets "Alpine" without a release and keeps its own
// "distro" qualifier, as package dpkg does for Debian's derivatives.
// PURLs follow syft's form:
// pkg:apk/alpine/libcrypto1.1@1.1.1k-r0?arch=armv7&distro=alpine-3.14&upstream=openssl,
// "upstream" being the origin when it differs from the name. Locations are
// the first line of each record.
//
// The checksum C ("Q1" and the base64 SHA-1, older databases a hex MD5,
// "Q2" a SHA-256) digests the package's control section, the part of the
// .apk that its signature covers and that names the data's hash: it
// identifies the exact build installed. Licences are recorded as written;
// a value of several space-separated identifiers without an operator
// ("MIT BSD GPL2+", as older packages write it) is split into one licence
// each, since all of them apply; an SPDX expression ("ISC AND (BSD-3-Clause
// OR MIT)") is kept whole.
//
// Graph: each dependency of D ("musl>=1.2", "so:libc.musl-x86_64.so.1",
// "cmd:sh", "/bin/sh") leads to the installed package of that name, else
// to the first installed package that provides it (p), whatever the
// version constraint: apk checked that at install time. Conflicts ("!vlan")
// are not dependencies. A package installed because of an install-if
// condition ("i:busybox=1.33.1-r3 libssl1.1") gets an edge from each
// installed package the condition names, which is why it is there.
//
// Direct packages: those named in etc/apk/world of the same root
// filesystem, the packages the administrator asked for. Without a world
// file, those no installed package depends on. Then any package still not
// reachable from the direct ones (a cycle, a leftover) is made direct too,
// in file order, so every package has a path from the root.
//
// Root properties:
//
//	distro       ID and VERSION_ID of os-release, "alpine-3.14.2" (absent
//	             without a release file)
//	direct_from  "world" when etc/apk/world named the direct packages,
//	             "inferred" when they were guessed
//
// Component properties:
//
//	source       the origin (source package), the package itself when
//	             absent: Alpine's advisories name origins
//	arch         the A field
//	build_time   the t field as RFC 3339 in UTC
//	commit       the c field: the aports commit the package was built from
//	maintainer   the m field
//	install_if   the i field, as written
package apk

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/depgraph"
	"github.com/vouchdev/vouch/extract/internal/osrelease"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	name = "apk"
	db   = "lib/apk/db/installed"
	// maxPackages bounds the records of one database; real systems have
	// a few thousand.
	maxPackages = 1 << 20
	// maxCompanion bounds each companion file read (alpine-release, world).
	maxCompanion = 1 << 20
	// maxWorld bounds the names of a world file.
	maxWorld = 1 << 16
)

// Extractor reads apk databases.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return name }

// Claims implements extract.Extractor: lib/apk/db/installed at any depth
// (usr/lib/apk/db/installed too).
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return path == db || strings.HasSuffix(path, "/"+db)
}

// rootPrefix returns the path of the root filesystem holding the database,
// with a trailing slash, or "" for the scanned root itself.
func rootPrefix(path string) string {
	if p, ok := strings.CutSuffix(path, "usr/"+db); ok && (p == "" || strings.HasSuffix(p, "/")) {
		return p
	}
	return strings.TrimSuffix(path, db)
}

// pkg is one installed package.
type pkg struct {
	line                                   int
	name, version, arch, license, origin   string
	checksum, depends, provides, installIf string
	buildTime, commit, maintainer          string
	hash                                   *inventory.Hash // C, decoded
	purl                                   string
}

// kept maps the fields read to where they go; the others (sizes,
// descriptions, file lists) are skipped.
var kept = map[byte]func(p *pkg) *string{
	'P': func(p *pkg) *string { return &p.name },
	'V': func(p *pkg) *string { return &p.version },
	'A': func(p *pkg) *string { return &p.arch },
	'L': func(p *pkg) *string { return &p.license },
	'o': func(p *pkg) *string { return &p.origin },
	'C': func(p *pkg) *string { return &p.checksum },
	'D': func(p *pkg) *string { return &p.depends },
	'p': func(p *pkg) *string { return &p.provides },
	'i': func(p *pkg) *string { return &p.installIf },
	't': func(p *pkg) *string { return &p.buildTime },
	'c': func(p *pkg) *string { return &p.commit },
	'm': func(p *pkg) *string { return &p.maintainer },
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	var probs extract.Problems
	pkgs, err := parse(ctx, in, &probs)
	if err != nil {
		return nil, err
	}
	prefix := rootPrefix(in.Path)
	rel := readRelease(in.Root, prefix)
	eco, distroQualifier := rel.ecosystem()

	root := inventory.Root{ID: in.Path, Kind: inventory.KindRootFS, Properties: map[string]string{"direct_from": "inferred"}}
	if d := rel.distro(); d != "" {
		root.Properties["distro"] = d
	}
	for _, p := range pkgs {
		q := map[string]string{"arch": p.arch}
		if p.origin != "" && p.origin != p.name {
			q["upstream"] = p.origin
		}
		if distroQualifier != "" {
			q["distro"] = distroQualifier
		}
		p.purl = purl.For(eco, p.name, p.version, q)
	}
	r := newResolver(pkgs)
	children := map[*pkg][]*pkg{}
	for _, p := range pkgs {
		for _, dep := range strings.Fields(p.depends) {
			if c := r.resolve(dep); c != nil && c != p {
				children[p] = append(children[p], c)
			}
		}
		// Install-if: each installed package of the condition is why p
		// is here.
		for _, cond := range strings.Fields(p.installIf) {
			if t := r.resolve(cond); t != nil && t != p {
				children[t] = append(children[t], p)
			}
		}
	}
	var world []*pkg
	if names, ok := readWorld(in.Root, prefix); ok {
		root.Properties["direct_from"] = "world"
		for _, n := range names {
			if p := r.resolve(n); p != nil {
				world = append(world, p)
			}
		}
	} else {
		depended := map[*pkg]bool{}
		for _, cs := range children {
			for _, c := range cs {
				depended[c] = true
			}
		}
		for _, p := range pkgs {
			if !depended[p] {
				world = append(world, p)
			}
		}
	}
	direct := depgraph.Cover(pkgs, world, children)

	g := inventory.New()
	g.AddRoot(root)
	for i, p := range pkgs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Extractor: name, Err: err}
			}
		}
		c := inventory.Component{
			PURL:      p.purl,
			Ecosystem: eco,
			Name:      p.name,
			Version:   p.version,
			Direct:    direct[p],
			Scope:     inventory.ScopeRuntime,
			Licenses:  licenses(p.license),
			Locations: []inventory.Location{{Path: in.Path, Line: p.line}},
			Properties: map[string]string{
				"source": p.name,
			},
		}
		if p.origin != "" {
			c.Properties["source"] = p.origin
		}
		set := func(k, v string) {
			if v != "" {
				c.Properties[k] = v
			}
		}
		set("arch", p.arch)
		set("commit", p.commit)
		set("maintainer", p.maintainer)
		set("install_if", p.installIf)
		set("build_time", p.buildTime)
		if p.hash != nil {
			c.Hashes = []inventory.Hash{*p.hash}
		}
		g.Add(c)
	}
	for _, p := range pkgs {
		if direct[p] {
			g.AddEdge(in.Path, p.purl)
		}
		for _, c := range children[p] {
			g.AddEdge(p.purl, c.purl)
		}
	}
	return g, probs.Err()
}

// resolver finds the installed package a dependency names.
type resolver struct {
	byName   map[string]*pkg
	provided map[string]*pkg
}

func newResolver(pkgs []*pkg) *resolver {
	r := &resolver{byName: map[string]*pkg{}, provided: map[string]*pkg{}}
	for _, p := range pkgs {
		if _, ok := r.byName[p.name]; !ok {
			r.byName[p.name] = p
		}
		for _, v := range strings.Fields(p.provides) {
			n := depName(v)
			if _, ok := r.provided[n]; !ok && n != "" {
				r.provided[n] = p
			}
		}
	}
	return r
}

// resolve returns the package that meets one dependency ("musl>=1.2",
// "so:libz.so.1", "busybox=1.33.1-r3"), or nil for a conflict ("!vlan")
// or a name nothing installed meets.
func (r *resolver) resolve(dep string) *pkg {
	if strings.HasPrefix(dep, "!") {
		return nil
	}
	n := depName(dep)
	if p := r.byName[n]; p != nil {
		return p
	}
	return r.provided[n]
}

// depName cuts the version constraint ("=1.2", ">=1.2", "~1.2", "<2",
// "><1.2") and the repository tag ("@edge") off a dependency.
func depName(dep string) string {
	if i := strings.IndexAny(dep, "<>=~"); i >= 0 {
		dep = dep[:i]
	}
	if i := strings.IndexByte(dep, '@'); i > 0 {
		dep = dep[:i]
	}
	return dep
}

// spdxOperator matches the operators of an SPDX expression, as words of
// their own ("GPL-2.0-or-later" holds none).
var spdxOperator = regexp.MustCompile(`(^|\s)(AND|OR|WITH|and|or|with)(\s|$)|[()]`)

// licenses reads an L field.
func licenses(l string) []string {
	l = strings.TrimSpace(l)
	if l == "" {
		return nil
	}
	if spdxOperator.MatchString(l) {
		return []string{l}
	}
	var out []string
	for _, f := range strings.Fields(l) {
		dup := false
		for _, o := range out {
			dup = dup || o == f
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// checksum decodes a C field: "Q1" and base64 SHA-1, "Q2" and base64
// SHA-256, or the hex MD5 of old databases.
func checksum(c string) (inventory.Hash, error) {
	var alg string
	var size int
	switch {
	case strings.HasPrefix(c, "Q1"):
		alg, size = "SHA-1", 20
	case strings.HasPrefix(c, "Q2"):
		alg, size = "SHA-256", 32
	case len(c) == 32:
		raw, err := hex.DecodeString(c)
		if err != nil {
			return inventory.Hash{}, errors.New("not hex")
		}
		return inventory.Hash{Algorithm: "MD5", Value: hex.EncodeToString(raw)}, nil
	default:
		return inventory.Hash{}, fmt.Errorf("unknown form %.12q", c)
	}
	raw, err := base64.StdEncoding.DecodeString(c[2:])
	if err != nil {
		return inventory.Hash{}, errors.New("not base64")
	}
	if len(raw) != size {
		return inventory.Hash{}, fmt.Errorf("%d bytes, want %d (%s)", len(raw), size, alg)
	}
	return inventory.Hash{Algorithm: alg, Value: hex.EncodeToString(raw)}, nil
}

// parse reads the records of in, in file order. A line that is not a
// field fails the file; a record without a name or version is reported to
// probs and skipped.
func parse(ctx context.Context, in *extract.Input, probs *extract.Problems) ([]*pkg, error) {
	if in.Reader == nil {
		return nil, &extract.Error{Path: in.Path, Extractor: name, Err: errors.New("no content")}
	}
	const limit = extract.DefaultMaxFileSize
	if in.Info != nil && in.Info.Size() > limit {
		return nil, &extract.Error{Path: in.Path, Extractor: name, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, in.Info.Size(), limit)}
	}
	var (
		pkgs    []*pkg
		cur     *pkg
		records int
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		p := cur
		cur = nil
		records++
		if records > maxPackages {
			return &extract.Error{Path: in.Path, Line: p.line, Extractor: name, Err: fmt.Errorf("more than %d records", maxPackages)}
		}
		switch {
		case p.name == "":
			probs.Add(&extract.Error{Path: in.Path, Line: p.line, Extractor: name, Err: errors.New("record without P (package name)")})
		case p.version == "":
			probs.Add(&extract.Error{Path: in.Path, Line: p.line, Extractor: name, Err: fmt.Errorf("package %.60q has no V (version)", p.name)})
		case strings.ContainsAny(p.name, " \t"):
			probs.Add(&extract.Error{Path: in.Path, Line: p.line, Extractor: name, Err: fmt.Errorf("invalid package name %.60q", p.name)})
		default:
			pkgs = append(pkgs, p)
			decode(in.Path, p, probs)
		}
		return nil
	}
	cr := &countingReader{r: io.LimitReader(in.Reader, limit+1)}
	err := extract.Lines(in.Path, cr, func(n int, line string) error {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return &extract.Error{Path: in.Path, Line: n, Extractor: name, Err: err}
			}
		}
		if strings.TrimSpace(line) == "" {
			return finish()
		}
		if len(line) < 2 || line[1] != ':' || !isFieldLetter(line[0]) {
			return &extract.Error{Path: in.Path, Line: n, Column: 1, Extractor: name, Err: fmt.Errorf("line is not a field (want X:value): %.40q", line)}
		}
		if cur == nil {
			cur = &pkg{line: n}
		}
		if f := kept[line[0]]; f != nil {
			*f(cur) = strings.TrimSpace(line[2:])
		}
		return nil
	})
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = name
		}
		return nil, err
	}
	if cr.n > limit {
		return nil, &extract.Error{Path: in.Path, Extractor: name, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, limit)}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return pkgs, nil
}

// decode turns p's checksum and build time into their recorded forms,
// reporting and dropping values it cannot read.
func decode(file string, p *pkg, probs *extract.Problems) {
	if p.checksum != "" {
		if h, err := checksum(p.checksum); err != nil {
			probs.Add(&extract.Error{Path: file, Line: p.line, Extractor: name, Err: fmt.Errorf("package %s: checksum: %w", p.name, err)})
		} else {
			p.hash = &h
		}
	}
	if p.buildTime != "" {
		sec, err := strconv.ParseInt(p.buildTime, 10, 64)
		if err != nil || sec < 0 || sec >= 1<<40 {
			probs.Add(&extract.Error{Path: file, Line: p.line, Extractor: name, Err: fmt.Errorf("package %s: build time %.30q is not a Unix time", p.name, p.buildTime)})
			p.buildTime = ""
			return
		}
		p.buildTime = time.Unix(sec, 0).UTC().Format(time.RFC3339)
	}
}

func isFieldLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

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

// release is what the root filesystem says of itself.
type release struct {
	id, versionID, idLike string
}

// readRelease reads os-release, else alpine-release, of the root
// filesystem at prefix. The zero release means neither was found.
func readRelease(root fs.FS, prefix string) release {
	if osr := osrelease.Read(root, prefix); osr != nil {
		return release{
			id:        strings.ToLower(osr["ID"]),
			versionID: osr["VERSION_ID"],
			idLike:    strings.ToLower(osr["ID_LIKE"]),
		}
	}
	if data := readBounded(root, prefix+"etc/alpine-release"); data != nil {
		v, _, _ := strings.Cut(string(data), "\n")
		return release{id: "alpine", versionID: strings.TrimSpace(v)}
	}
	return release{}
}

// stableRelease matches the VERSION_ID of an Alpine release ("3.14.2"),
// not of a snapshot of edge ("3.21.0_alpha20240807").
var stableRelease = regexp.MustCompile(`^([0-9]+)\.([0-9]+)(\.[0-9]+)?$`)

// ecosystem maps the release to an OSV ecosystem, and for a derivative to
// the distro qualifier its PURLs carry.
func (r release) ecosystem() (eco, distroQualifier string) {
	switch r.id {
	case "alpine":
		if m := stableRelease.FindStringSubmatch(r.versionID); m != nil {
			return purl.Alpine + ":v" + m[1] + "." + m[2], ""
		}
		return purl.Alpine, ""
	case "":
		return purl.Alpine, ""
	}
	return purl.Alpine, r.distro()
}

// distro returns "<ID>-<VERSION_ID>", the ID alone without a version, or
// "" without a release file.
func (r release) distro() string {
	if r.id == "" {
		return ""
	}
	if r.versionID != "" {
		return r.id + "-" + r.versionID
	}
	return r.id
}

// readWorld returns the dependencies etc/apk/world asks for, and whether
// there is a world file.
func readWorld(root fs.FS, prefix string) ([]string, bool) {
	data := readBounded(root, prefix+"etc/apk/world")
	if data == nil {
		return nil, false
	}
	names := strings.Fields(string(data))
	if len(names) > maxWorld {
		names = names[:maxWorld]
	}
	return names, true
}

// readBounded reads name from root whole, or returns nil when it is
// missing, not a regular file, or larger than maxCompanion.
func readBounded(root fs.FS, name string) []byte {
	data, err := extract.ReadFile(root, name, maxCompanion)
	if err != nil {
		return nil
	}
	return data
}

var _ extract.Extractor = (*Extractor)(nil)
