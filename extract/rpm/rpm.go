// Package rpm reads the package database of an RPM-based system, wherever
// a root filesystem sits in the scanned tree, in each of the three formats
// rpm has kept it in: SQLite (rpmdb.sqlite), Berkeley DB hash (Packages)
// and rpm's own NDB (Packages.db), under var/lib/rpm, usr/lib/sysimage/rpm
// or usr/share/rpm. The format is told by the file's content, not its
// name. All three are read by hand (SQLite through modernc.org/sqlite over
// a read-only view of the input), never written and never locked.
//
// Each database record is an RPM header; internal/rpmdb reads headers and
// the Berkeley DB and NDB formats, sqlite.go the SQLite one. A record that
// cannot be read (a broken overflow chain, a blob whose checksum fails, a
// header whose index points outside it) is skipped, and the graph of the
// others is returned together with an *extract.Error naming the first
// damaged record by its byte offset (or SQLite row) and counting the rest.
// A file that is not a database of any of the formats is an error; an
// empty file is not a database at all (nil graph, nil error). Locations
// name the database file without a line: records have none.
//
// The gpg-pubkey pseudo-packages rpm records for imported signing keys are
// not software and are left out.
//
// Ecosystem: from os-release (etc/os-release, else usr/lib/os-release) of
// the same root filesystem, the path prefix before the database directory.
// ID rocky and almalinux give "Rocky Linux:<major>" and "AlmaLinux:<major>";
// opensuse-* gives "openSUSE:<PRETTY_NAME without 'openSUSE '>" ("openSUSE:Leap
// 15.5", as OSV names releases); sles, sled and sle-* give "SUSE" (OSV
// scopes SUSE records by product module, which os-release does not name);
// openEuler, mageia, azurelinux/mariner and photon give their OSV
// ecosystems with the release OSV uses. Red Hat Enterprise Linux, and the
// distributions without an OSV ecosystem of their own (Fedora, CentOS,
// Amazon Linux, Oracle Linux, derivatives), are "Red Hat" without a
// release: OSV's Red Hat releases are CPE product streams that os-release
// cannot tell. A derivative whose ID_LIKE names suse or opensuse is in that
// family. No os-release gives "Red Hat".
//
// Versions: Component.Version is "[epoch:]version-release", the epoch
// present when the header has an EPOCH tag, as OSV's RPM ecosystems compare
// them. PURLs follow the PURL spec and syft:
// pkg:rpm/<vendor>/<name>@<version>-<release>?arch=&epoch=&distro=<ID>-<VERSION_ID>&upstream=<source rpm>,
// the vendor (namespace) being the distribution's (redhat, fedora, rocky,
// almalinux, opensuse, suse, amzn, oracle, centos, ...).
//
// Graph: each REQUIRENAME is resolved to an installed package that
// provides it (PROVIDENAME, or the package's own name), else, for a file
// path, to the package that owns the file (BASENAMES and DIRNAMES). Among
// several providers the one of the requiring package's architecture is
// chosen, else a noarch one, else the first in database order; for an
// "= version" requirement the provider of that version is chosen first
// (several kernels). rpmlib(...) requirements, rich dependencies
// ("(a or b)") and requirements nothing installed provides give no edge;
// versions are not otherwise checked, rpm did that at install time.
// Packages no installed package requires are direct, with an edge from the
// root; a cycle nothing else reaches gets a root edge to its first member
// in database order (by header number), marked direct too.
//
// Licences: the LICENSE tag as written (SPDX expressions on Fedora since
// 2023, Fedora or SUSE short names before).
//
// Root properties:
//
//   - "distro": ID and VERSION_ID of os-release, "rocky-9.3" (ID alone
//     without VERSION_ID; absent without os-release).
//   - "format": the database format, "sqlite", "bdb" or "ndb".
//
// Component properties:
//
//   - "source": the source package, from SOURCERPM without
//     "-<version>-<release>.src.rpm" (the package itself without one).
//   - "source_version": "[epoch:]<version>-<release>" of the source RPM
//     (the package's own without one), comparable with OSV's versions: the
//     file name carries no epoch, so the package's own is prefixed, which
//     the binaries of a source package share.
//   - "arch": the ARCH tag ("x86_64", "noarch").
//   - "vendor": the VENDOR tag, when set.
//   - "size": the installed size in bytes (LONGSIZE, else SIZE).
//   - "sigmd5": hex MD5 of header and payload (SIGMD5), rpm's package id.
//   - "header_sha256", "header_sha1": hex digests of the immutable header
//     (SHA256HEADER, SHA1HEADER). These digest the metadata rpm recorded,
//     not a package file, so they are properties rather than Hashes.
//   - "payload_digest": "<algorithm>:<hex>" of the compressed payload
//     (PAYLOADDIGEST and PAYLOADDIGESTALGO), when recorded.
package rpm

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/depgraph"
	"github.com/vouchdev/vouch/extract/internal/osrelease"
	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// dbDirs are the directories rpm keeps its database in: the classic one,
// the one of image-based systems (Fedora 36+, openSUSE), and rpm-ostree's.
var dbDirs = []string{"var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"}

// dbFiles are the database files, one per format.
var dbFiles = []string{"rpmdb.sqlite", "Packages", "Packages.db"}

// Extractor reads RPM package databases.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "rpm" }

// Claims implements extract.Extractor: rpmdb.sqlite, Packages and
// Packages.db in an rpm database directory at any depth.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return rootPrefix(path) != "-"
}

// rootPrefix returns the path of the root filesystem holding the database
// at path, with a trailing slash ("" for the scanned root itself), or "-"
// when path is not an rpm database.
func rootPrefix(path string) string {
	if !slices.Contains(dbFiles, extract.Base(path)) {
		return "-"
	}
	dir := extract.Dir(path)
	for _, d := range dbDirs {
		if dir == d {
			return ""
		}
		if strings.HasSuffix(dir, "/"+d) {
			return strings.TrimSuffix(dir, d)
		}
	}
	return "-"
}

// pkg is one installed package.
type pkg struct {
	key  uint32
	h    *rpmdb.Header
	purl string
}

// format is a database format, told by content.
type format string

const (
	formatSQLite format = "sqlite"
	formatBDB    format = "bdb"
	formatNDB    format = "ndb"
)

// bdbMagics are the Berkeley DB hash and btree magic numbers at offset 12,
// in either byte order. A btree is sniffed too, so that it gets the error
// saying rpm's database is a hash, not "no magic".
var bdbMagics = [][]byte{{0x61, 0x15, 0x06, 0x00}, {0x00, 0x06, 0x15, 0x61}, {0x62, 0x31, 0x05, 0x00}, {0x00, 0x05, 0x31, 0x62}}

// sniff tells the format from the first 16 bytes of the file.
func sniff(head []byte) format {
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return formatSQLite
	case bytes.HasPrefix(head, []byte("RpmP")):
		return formatNDB
	case len(head) >= 16 && slices.ContainsFunc(bdbMagics, func(m []byte) bool { return bytes.Equal(head[12:16], m) }):
		return formatBDB
	}
	return ""
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	ra, size, err := content(in)
	if err != nil {
		return nil, err
	}
	if size == 0 {
		return nil, nil
	}
	head := make([]byte, min(size, 16))
	if _, err := ra.ReadAt(head, 0); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("read: %w", err)}
	}
	f := sniff(head)

	var (
		pkgs         []*pkg
		damaged      int
		firstDamaged error
	)
	emit := func(r rpmdb.Record) error {
		if r.Err == nil {
			var h *rpmdb.Header
			if h, r.Err = rpmdb.ParseHeader(r.Blob); r.Err == nil {
				if h.Name != "gpg-pubkey" {
					pkgs = append(pkgs, &pkg{key: r.Key, h: h})
				}
				return nil
			}
		}
		if damaged++; damaged == 1 {
			firstDamaged = fmt.Errorf("%s: %w", r.At, r.Err)
		}
		if damaged > rpmdb.MaxRecords {
			return fmt.Errorf("more than %d damaged records", rpmdb.MaxRecords)
		}
		return nil
	}
	switch f {
	case formatSQLite:
		err = readSQLite(ctx, ra, size, emit)
	case formatBDB:
		err = rpmdb.ReadBDB(ctx, ra, size, emit)
	case formatNDB:
		err = rpmdb.ReadNDB(ctx, ra, size, emit)
	default:
		err = fmt.Errorf("not an rpm database: no SQLite, Berkeley DB or NDB magic (starts with %q)", head)
	}
	if err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}

	prefix := rootPrefix(in.Path)
	if prefix == "-" {
		prefix = ""
	}
	osr := readOSRelease(in.Root, prefix)
	g := build(ctx, in.Path, f, osr, pkgs)
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}
	switch {
	case damaged == 1:
		return g, &extract.Error{Path: in.Path, Err: fmt.Errorf("damaged record skipped at %w", firstDamaged)}
	case damaged > 1:
		return g, &extract.Error{Path: in.Path, Err: fmt.Errorf("%d damaged records skipped, the first at %w", damaged, firstDamaged)}
	}
	return g, nil
}

// content returns random access to the input and its size: the input's
// own when the walk gives both, else the content read into memory.
func content(in *extract.Input) (io.ReaderAt, int64, error) {
	const max = extract.DefaultMaxFileSize
	if in.ReaderAt != nil && in.Info != nil && in.Info.Mode().IsRegular() {
		if in.Info.Size() > max {
			return nil, 0, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, in.Info.Size(), max)}
		}
		return in.ReaderAt, in.Info.Size(), nil
	}
	if in.Reader == nil {
		return nil, 0, extract.Errorf(in.Path, 0, "no content")
	}
	data, err := extract.ReadAll(in, max)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// build makes the graph of the packages read from the database at path.
func build(ctx context.Context, path string, f format, osr map[string]string, pkgs []*pkg) *inventory.Graph {
	// Database order: by header number, the first of a number kept.
	slices.SortStableFunc(pkgs, func(a, b *pkg) int { return cmp.Compare(a.key, b.key) })
	pkgs = slices.CompactFunc(pkgs, func(a, b *pkg) bool { return a.key == b.key })

	eco := ecosystemOf(osr)
	distro := distroOf(osr)
	g := inventory.New()
	root := inventory.Root{ID: path, Kind: inventory.KindRootFS, Properties: map[string]string{"format": string(f)}}
	if distro != "" {
		root.Properties["distro"] = distro
	}
	g.AddRoot(root)

	for _, p := range pkgs {
		h := p.h
		q := map[string]string{"arch": h.Arch, "distro": distro, "upstream": h.SourceRPM}
		if h.Epoch != nil {
			q["epoch"] = strconv.Itoa(int(*h.Epoch))
		}
		p.purl = purl.For(eco, h.Name, h.Version+"-"+h.Release, q)
	}
	children := resolve(ctx, pkgs)
	direct := depgraph.Cover(pkgs, depgraph.Unrequired(pkgs, children), children)

	for _, p := range pkgs {
		h := p.h
		c := inventory.Component{
			PURL:       p.purl,
			Ecosystem:  eco,
			Name:       h.Name,
			Version:    evr(h),
			Direct:     direct[p],
			Scope:      inventory.ScopeRuntime,
			Properties: properties(h),
			Locations:  []inventory.Location{{Path: path}},
		}
		if l := h.License; l != "" && l != "(none)" {
			c.Licenses = []string{l}
		}
		g.Add(c)
	}
	for _, p := range pkgs {
		if direct[p] {
			g.AddEdge(path, p.purl)
		}
		for _, c := range children[p] {
			g.AddEdge(p.purl, c.purl)
		}
	}
	return g
}

// evr returns "[epoch:]version-release".
func evr(h *rpmdb.Header) string {
	v := h.Version + "-" + h.Release
	if h.Epoch != nil {
		v = strconv.Itoa(int(*h.Epoch)) + ":" + v
	}
	return v
}

// properties returns the component properties of a header.
func properties(h *rpmdb.Header) map[string]string {
	src, srcVersion := sourceOf(h)
	if h.Epoch != nil {
		srcVersion = strconv.Itoa(int(*h.Epoch)) + ":" + srcVersion
	}
	props := map[string]string{"source": src, "source_version": srcVersion}
	set := func(k, v string) {
		if v != "" && v != "(none)" {
			props[k] = v
		}
	}
	set("arch", h.Arch)
	set("vendor", h.Vendor)
	set("sigmd5", h.SigMD5)
	set("header_sha256", strings.ToLower(h.SHA256Header))
	set("header_sha1", strings.ToLower(h.SHA1Header))
	set("payload_digest", h.PayloadDigest)
	if h.HasSize {
		props["size"] = strconv.FormatInt(h.Size, 10)
	}
	return props
}

// sourceOf splits SOURCERPM ("bash-5.1.8-9.el9.src.rpm") into the source
// package name and its version-release; without one, or one that does not
// split, the package's own.
func sourceOf(h *rpmdb.Header) (name, versionRelease string) {
	s := h.SourceRPM
	for _, suffix := range []string{".src.rpm", ".nosrc.rpm"} {
		s = strings.TrimSuffix(s, suffix)
	}
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		if j := strings.LastIndexByte(s[:i], '-'); j > 0 {
			return s[:j], s[j+1:]
		}
	}
	return h.Name, h.Version + "-" + h.Release
}

// provider is a package providing a capability, at a version.
type provider struct {
	p       *pkg
	version string
}

// capability is what the installed packages provide under one name, with
// the choices choose makes precomputed, so that a capability thousands of
// packages provide costs no more to resolve than one.
type capability struct {
	providers []provider // in database order
	noarch    *pkg       // the first noarch provider
	byArch    map[string]*pkg
}

func (c *capability) add(p *pkg, version string) {
	if n := len(c.providers); n > 0 && c.providers[n-1].p == p {
		return // a package naming a capability (or owning a file) twice
	}
	c.providers = append(c.providers, provider{p: p, version: version})
	if c.noarch == nil && p.h.Arch == "noarch" {
		c.noarch = p
	}
	if c.byArch == nil {
		c.byArch = map[string]*pkg{}
	}
	if _, ok := c.byArch[p.h.Arch]; !ok {
		c.byArch[p.h.Arch] = p
	}
}

// maxVersionScan bounds the providers compared with an "= version"
// requirement; real capabilities have a few (kernels side by side).
const maxVersionScan = 64

// resolve returns, for each package, the installed packages its
// requirements lead to.
func resolve(ctx context.Context, pkgs []*pkg) map[*pkg][]*pkg {
	caps := map[string]*capability{}
	provide := func(name string, p *pkg, version string) {
		c := caps[name]
		if c == nil {
			c = &capability{}
			caps[name] = c
		}
		c.add(p, version)
	}
	for _, p := range pkgs {
		provide(p.h.Name, p, evr(p.h))
		for _, d := range p.h.Provides {
			provide(d.Name, p, d.Version)
		}
	}
	// File paths no package provides by name: find their owners.
	paths := map[string]*capability{}
	for _, p := range pkgs {
		for _, r := range p.h.Requires {
			if strings.HasPrefix(r.Name, "/") && caps[r.Name] == nil {
				paths[r.Name] = &capability{}
			}
		}
	}
	if len(paths) > 0 {
		for i, p := range pkgs {
			if i%256 == 0 && ctx.Err() != nil {
				return nil
			}
			h := p.h
			for j, base := range h.BaseNames {
				if c := paths[h.DirNames[h.DirIndexes[j]]+base]; c != nil {
					c.add(p, "")
				}
			}
		}
	}

	children := map[*pkg][]*pkg{}
	for i, p := range pkgs {
		if i%256 == 0 && ctx.Err() != nil {
			return nil
		}
		var own map[string]bool // what p provides itself
		var seen map[*pkg]bool
		for _, r := range p.h.Requires {
			if r.Name == "" || strings.HasPrefix(r.Name, "rpmlib(") || strings.HasPrefix(r.Name, "(") {
				continue
			}
			if own == nil {
				own = map[string]bool{p.h.Name: true}
				for _, d := range p.h.Provides {
					own[d.Name] = true
				}
			}
			if own[r.Name] {
				continue
			}
			c := caps[r.Name]
			if c == nil {
				c = paths[r.Name]
			}
			to := choose(p, r, c)
			if to == nil || to == p || seen[to] {
				continue
			}
			if seen == nil {
				seen = map[*pkg]bool{}
			}
			seen[to] = true
			children[p] = append(children[p], to)
		}
	}
	return children
}

// choose picks the provider of c that satisfies requirement r of package
// from: for "= version" one of that version, then the one of from's
// architecture, else a noarch one, else the first.
func choose(from *pkg, r rpmdb.Dep, c *capability) *pkg {
	if c == nil || len(c.providers) == 0 {
		return nil
	}
	if r.Flags&(rpmdb.SenseLess|rpmdb.SenseGreater) == 0 && r.Flags&rpmdb.SenseEqual != 0 && r.Version != "" && len(c.providers) > 1 {
		var same []*pkg
		for _, pr := range c.providers[:min(len(c.providers), maxVersionScan)] {
			if sameEVR(r.Version, pr.version) {
				same = append(same, pr.p)
			}
		}
		if len(same) > 0 {
			for _, p := range same {
				if p.h.Arch == from.h.Arch {
					return p
				}
			}
			return same[0]
		}
	}
	if p := c.byArch[from.h.Arch]; p != nil {
		return p
	}
	if c.noarch != nil {
		return c.noarch
	}
	return c.providers[0].p
}

// sameEVR reports whether a required "[epoch:]version[-release]" is met
// exactly by a provided one: a missing epoch is 0, and a release missing
// from the requirement matches any.
func sameEVR(want, have string) bool {
	we, wv, wr := splitEVR(want)
	he, hv, hr := splitEVR(have)
	return we == he && wv == hv && (wr == "" || wr == hr)
}

func splitEVR(s string) (epoch, version, release string) {
	epoch = "0"
	if e, rest, ok := strings.Cut(s, ":"); ok {
		if e != "" {
			epoch = strings.TrimLeft(e, "0")
			if epoch == "" {
				epoch = "0"
			}
		}
		s = rest
	}
	version, release, _ = strings.Cut(s, "-")
	return epoch, version, release
}

// ecosystemOf maps os-release to an OSV ecosystem.
func ecosystemOf(osr map[string]string) string {
	id, ver := strings.ToLower(osr["ID"]), osr["VERSION_ID"]
	withRelease := func(eco, rel string) string {
		if rel == "" {
			return eco
		}
		return eco + ":" + rel
	}
	major, _, _ := strings.Cut(ver, ".")
	switch {
	case id == "rhel":
		return purl.RedHat
	case id == "rocky":
		return withRelease(purl.RockyLinux, major)
	case id == "almalinux":
		return withRelease(purl.AlmaLinux, major)
	case id == "opensuse" || strings.HasPrefix(id, "opensuse-"):
		rel, _ := strings.CutPrefix(osr["PRETTY_NAME"], "openSUSE ")
		if rel == osr["PRETTY_NAME"] {
			rel = ""
		}
		return withRelease(purl.OpenSUSE, rel)
	case id == "sles" || id == "sled" || strings.HasPrefix(id, "sle-") || strings.HasPrefix(id, "sles_"):
		return purl.SUSE
	case id == "openeuler":
		rel := ver
		if _, paren, ok := strings.Cut(osr["VERSION"], "("); ok && rel != "" {
			if paren, ok = strings.CutSuffix(strings.TrimSpace(paren), ")"); ok && strings.TrimSpace(paren) != "" {
				rel += "-" + strings.Join(strings.Fields(paren), "-")
			}
		}
		return withRelease(purl.OpenEuler, rel)
	case id == "mageia":
		return withRelease(purl.Mageia, ver)
	case id == "azurelinux" || id == "mariner":
		return withRelease(purl.AzureLinux, major)
	case id == "photon":
		return withRelease(purl.PhotonOS, ver)
	}
	like := strings.Fields(strings.ToLower(osr["ID_LIKE"]))
	switch {
	case slices.Contains(like, "opensuse"):
		return purl.OpenSUSE
	case slices.Contains(like, "suse"):
		return purl.SUSE
	}
	return purl.RedHat
}

// distroOf returns "<ID>-<VERSION_ID>", or "" without os-release.
func distroOf(osr map[string]string) string {
	id := strings.ToLower(osr["ID"])
	if id == "" {
		return ""
	}
	if v := osr["VERSION_ID"]; v != "" {
		return id + "-" + v
	}
	return id
}

// readOSRelease returns the os-release fields of the root filesystem at
// prefix, or nil without one.
func readOSRelease(root fs.FS, prefix string) map[string]string {
	return osrelease.Read(root, prefix)
}

var _ extract.Extractor = (*Extractor)(nil)
