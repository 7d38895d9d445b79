// Package dpkg reads the package database of a Debian or Ubuntu system,
// wherever a root filesystem sits in the scanned tree: the dpkg status file
// (…/var/lib/dpkg/status) and the one-file-per-package database distroless
// images keep instead (…/var/lib/dpkg/status.d/<name>, whose "*.md5sums"
// companions are not claimed).
//
// The format is deb822: stanzas of "Field: value" lines separated by blank
// lines, with continuation lines starting with a space or tab. A line that
// is neither, a continuation before any field, or a stanza without a
// Package field is an error at its line.
//
// Which packages count: those whose Status says "installed" in its third
// word, whatever is wanted of them ("install ok installed", but also
// "hold ok installed" and "deinstall ok installed": their files are on
// disk until dpkg acts). Stanzas without Status, as distroless writes
// them, count too. Others ("config-files", "not-installed", half-installed
// states) are skipped.
//
// Ecosystem: from os-release (etc/os-release, else usr/lib/os-release) of
// the same root filesystem, the path prefix before var/lib/dpkg/, read
// through the scanned tree. ID "debian" or "ubuntu" gives "Debian:<VERSION_ID>"
// or "Ubuntu:<VERSION_ID>" ("Debian" alone for testing and sid, which have
// no VERSION_ID). A derivative (Raspbian, Mint, …) gets its family from
// ID_LIKE without a release, since its VERSION_ID numbers its own releases;
// its PURLs carry its own "distro" qualifier. No os-release gives "Debian".
//
// Graph: Pre-Depends and Depends give edges, each comma-separated group to
// the first alternative ("a | b") that is installed, else to an installed
// package that Provides it; version constraints ("(>= 1.2)"), build
// profiles and architecture qualifiers (":any") are not checked, dpkg did
// that at install time, except that between packages of the same name
// the one of the depending package's architecture (else "all") is chosen,
// or the one a qualifier such as ":i386" names. Packages no installed
// package depends on are direct, with an edge from the root; a cycle that
// nothing else reaches gets a root edge to its first member in file order,
// which is marked direct too, so every package is reachable from the root.
// In a distroless status.d each file is its own root and dependencies
// between files are not resolved.
//
// Licences: when the same root filesystem has a machine-readable (DEP-5)
// usr/share/doc/<package>/copyright, the short names of its License fields
// are recorded as written ("GPL-2+", "BSD-3-clause"), which are Debian's
// names rather than always SPDX identifiers.
//
// PURLs follow syft: pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12&upstream=xz-utils,
// "upstream" being the source package when its name differs.
//
// Root properties:
//
//   - "distro": ID and VERSION_ID of os-release, "debian-12" (ID alone
//     without VERSION_ID; absent without os-release).
//
// Component properties:
//
//   - "source": the source package (the package itself when Source is absent).
//   - "source_version": the source version (the package's Version when
//     Source gives none).
//   - "arch": the Architecture field.
package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/depgraph"
	"github.com/vouchdev/vouch/extract/internal/osrelease"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	statusFile = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
	// maxFieldLength bounds one kept field across its continuation lines.
	maxFieldLength = 1 << 20
	// maxPackages bounds the stanzas of one file; real systems have a few
	// thousand.
	maxPackages = 1 << 20
	// maxCopyright bounds the copyright files read.
	maxCopyright = 1 << 20
	// maxLicenses and maxLicenseLength bound what one copyright file adds.
	maxLicenses      = 64
	maxLicenseLength = 256
)

// Extractor reads dpkg status databases.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "dpkg" }

// Claims implements extract.Extractor: var/lib/dpkg/status at any depth,
// and the files of var/lib/dpkg/status.d except *.md5sums.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	if path == statusFile || strings.HasSuffix(path, "/"+statusFile) {
		return true
	}
	dir := extract.Dir(path)
	if dir == statusDir || strings.HasSuffix(dir, "/"+statusDir) {
		return !strings.HasSuffix(path, ".md5sums")
	}
	return false
}

// rootPrefix returns the path of the root filesystem holding the database,
// with a trailing slash, or "" for the scanned root itself.
func rootPrefix(path string) string {
	if strings.HasSuffix(path, statusFile) {
		return strings.TrimSuffix(path, statusFile)
	}
	return strings.TrimSuffix(extract.Dir(path), statusDir)
}

// pkg is one installed package.
type pkg struct {
	name, version, arch   string
	source, sourceVersion string
	depends               []string // Pre-Depends then Depends, unparsed
	provides              string
	line                  int
	purl                  string
}

// stanza collects the fields of interest of one paragraph.
type stanza struct {
	start, pkgLine int
	fields         map[string]string
	any            bool // some field seen
}

// kept are the fields read; the others are skipped without being stored.
var kept = map[string]bool{
	"package": true, "status": true, "version": true, "architecture": true,
	"source": true, "depends": true, "pre-depends": true, "provides": true,
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	pkgs, err := parse(ctx, in)
	if err != nil {
		return nil, err
	}
	prefix := rootPrefix(in.Path)
	osr := readOSRelease(in.Root, prefix)
	eco, distroQualifier := ecosystemOf(osr)

	g := inventory.New()
	root := inventory.Root{ID: in.Path, Kind: inventory.KindRootFS}
	if d := distroOf(osr); d != "" {
		root.Properties = map[string]string{"distro": d}
	}
	g.AddRoot(root)

	for _, p := range pkgs {
		q := map[string]string{"arch": p.arch}
		if p.source != p.name {
			q["upstream"] = p.source
		}
		if distroQualifier != "" {
			q["distro"] = distroQualifier
		}
		p.purl = purl.For(eco, p.name, p.version, q)
	}
	children := resolve(pkgs)
	direct := depgraph.Cover(pkgs, depgraph.Unrequired(pkgs, children), children)

	licenses := map[string][]string{}
	for i, p := range pkgs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Err: err}
			}
		}
		props := map[string]string{"source": p.source, "source_version": p.sourceVersion}
		if p.arch != "" {
			props["arch"] = p.arch
		}
		lic, ok := licenses[p.name]
		if !ok {
			lic = readLicenses(in.Root, prefix, p.name)
			licenses[p.name] = lic
		}
		g.Add(inventory.Component{
			PURL:       p.purl,
			Ecosystem:  eco,
			Name:       p.name,
			Version:    p.version,
			Direct:     direct[p],
			Scope:      inventory.ScopeRuntime,
			Licenses:   lic,
			Properties: props,
			Locations:  []inventory.Location{{Path: in.Path, Line: p.line}},
		})
	}
	for _, p := range pkgs {
		if direct[p] {
			g.AddEdge(in.Path, p.purl)
		}
		for _, c := range children[p] {
			g.AddEdge(p.purl, c.purl)
		}
	}
	return g, nil
}

// parse reads the stanzas of in and returns the installed packages in file
// order.
func parse(ctx context.Context, in *extract.Input) ([]*pkg, error) {
	var (
		pkgs    []*pkg
		cur     = stanza{fields: map[string]string{}}
		field   string // the field continuation lines extend, "" if not kept
		inField bool
		count   int
	)
	finish := func() error {
		if !cur.any {
			return nil
		}
		p, err := installed(in.Path, &cur)
		if err != nil {
			return err
		}
		if p != nil {
			pkgs = append(pkgs, p)
		}
		count++
		if count > maxPackages {
			return extract.Errorf(in.Path, cur.start, "more than %d stanzas", maxPackages)
		}
		cur = stanza{fields: map[string]string{}}
		inField = false
		return nil
	}
	if in.Reader == nil {
		return nil, extract.Errorf(in.Path, 0, "no content")
	}
	const max = extract.DefaultMaxFileSize
	if in.Info != nil && in.Info.Size() > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, in.Info.Size(), max)}
	}
	cr := &countingReader{r: io.LimitReader(in.Reader, max+1)}
	err := extract.Lines(in.Path, cr, func(n int, line string) error {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return &extract.Error{Path: in.Path, Line: n, Err: err}
			}
		}
		if strings.TrimSpace(line) == "" {
			return finish()
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !inField {
				return extract.Errorf(in.Path, n, "continuation line outside a field")
			}
			if field != "" {
				v := cur.fields[field] + "\n" + strings.TrimSpace(line)
				if len(v) > maxFieldLength {
					return extract.Errorf(in.Path, n, "field %q longer than %d bytes", field, maxFieldLength)
				}
				cur.fields[field] = v
			}
			return nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return &extract.Error{Path: in.Path, Line: n, Column: 1, Err: fmt.Errorf("line is not a field (no colon)")}
		}
		if !validFieldName(name) {
			return &extract.Error{Path: in.Path, Line: n, Column: 1, Err: fmt.Errorf("invalid field name %.40q", name)}
		}
		if !cur.any {
			cur.start = n
			cur.any = true
		}
		inField = true
		field = strings.ToLower(name)
		if !kept[field] {
			field = ""
			return nil
		}
		if _, dup := cur.fields[field]; dup {
			return extract.Errorf(in.Path, n, "field %s repeated in one stanza", name)
		}
		cur.fields[field] = strings.TrimSpace(value)
		if field == "package" {
			cur.pkgLine = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cr.n > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, max)}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return pkgs, nil
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

// validFieldName reports whether name can be a deb822 field name:
// printable ASCII without space or colon, not starting with "#" or "-".
func validFieldName(name string) bool {
	if name == "" || name[0] == '#' || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return false
		}
	}
	return true
}

// installed returns the package a stanza describes when it is installed,
// nil when it is not.
func installed(path string, s *stanza) (*pkg, error) {
	name := s.fields["package"]
	if name == "" {
		return nil, extract.Errorf(path, s.start, "stanza without Package field")
	}
	if strings.ContainsAny(name, " \t\n") {
		return nil, extract.Errorf(path, s.pkgLine, "invalid package name %.40q", name)
	}
	if st, ok := s.fields["status"]; ok {
		words := strings.Fields(st)
		if len(words) != 3 || words[2] != "installed" {
			return nil, nil
		}
	}
	version := s.fields["version"]
	if version == "" {
		return nil, extract.Errorf(path, s.pkgLine, "package %s has no Version", name)
	}
	p := &pkg{
		name:     name,
		version:  version,
		arch:     s.fields["architecture"],
		source:   name,
		provides: s.fields["provides"],
		line:     s.pkgLine,
	}
	p.sourceVersion = version
	if src := s.fields["source"]; src != "" {
		n, v, ok := strings.Cut(src, "(")
		p.source = strings.TrimSpace(n)
		if ok {
			if v, ok = strings.CutSuffix(strings.TrimSpace(v), ")"); ok && strings.TrimSpace(v) != "" {
				p.sourceVersion = strings.TrimSpace(v)
			}
		}
		if p.source == "" {
			p.source = name
		}
	}
	for _, f := range []string{"pre-depends", "depends"} {
		if d := s.fields[f]; d != "" {
			p.depends = append(p.depends, d)
		}
	}
	return p, nil
}

// relation is one alternative of a dependency: a package name and the
// architecture qualifier after ":", if any.
type relation struct{ name, arch string }

// parseRelation reads "name:arch (>= 1.0) [amd64] <!nocheck>", keeping the
// name and qualifier.
func parseRelation(s string) relation {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\n([<"); i >= 0 {
		s = s[:i]
	}
	name, arch, _ := strings.Cut(s, ":")
	return relation{name: name, arch: arch}
}

// resolve returns, for each package, the installed packages its
// Pre-Depends and Depends lead to.
func resolve(pkgs []*pkg) map[*pkg][]*pkg {
	byName := map[string][]*pkg{}
	provided := map[string][]*pkg{}
	for _, p := range pkgs {
		byName[p.name] = append(byName[p.name], p)
		if p.provides == "" {
			continue
		}
		for _, v := range strings.Split(p.provides, ",") {
			if r := parseRelation(v); r.name != "" {
				provided[r.name] = append(provided[r.name], p)
			}
		}
	}
	children := map[*pkg][]*pkg{}
	for _, p := range pkgs {
		for _, field := range p.depends {
			for _, group := range strings.Split(field, ",") {
				if c := satisfy(p, group, byName, provided); c != nil && c != p {
					children[p] = append(children[p], c)
				}
			}
		}
	}
	return children
}

// satisfy returns the installed package that satisfies one dependency
// group ("a (>= 1) | b"), or nil.
func satisfy(from *pkg, group string, byName, provided map[string][]*pkg) *pkg {
	alts := strings.Split(group, "|")
	for _, a := range alts {
		r := parseRelation(a)
		if c := pick(byName[r.name], from, r.arch); c != nil {
			return c
		}
		if c := pick(provided[r.name], from, r.arch); c != nil {
			return c
		}
	}
	return nil
}

// pick chooses among same-named candidates: the architecture a qualifier
// names, else the depending package's, else "all", else the first.
func pick(cands []*pkg, from *pkg, qual string) *pkg {
	if len(cands) == 0 {
		return nil
	}
	want := from.arch
	if qual != "" && qual != "any" && qual != "native" {
		want = qual
	}
	for _, c := range cands {
		if c.arch == want {
			return c
		}
	}
	for _, c := range cands {
		if c.arch == "all" {
			return c
		}
	}
	return cands[0]
}

// readOSRelease returns the os-release fields of the root filesystem at
// prefix, or nil without one.
func readOSRelease(root fs.FS, prefix string) map[string]string {
	return osrelease.Read(root, prefix)
}

// ecosystemOf maps os-release to an OSV ecosystem, and for a derivative
// to the distro qualifier its PURLs carry.
func ecosystemOf(osr map[string]string) (eco, distroQualifier string) {
	id, ver := strings.ToLower(osr["ID"]), osr["VERSION_ID"]
	switch id {
	case "debian":
		if ver != "" {
			return purl.Debian + ":" + ver, ""
		}
		return purl.Debian, ""
	case "ubuntu":
		if ver != "" {
			return purl.Ubuntu + ":" + ver, ""
		}
		return purl.Ubuntu, ""
	case "":
		return purl.Debian, ""
	}
	family := purl.Debian
	for _, like := range strings.Fields(strings.ToLower(osr["ID_LIKE"])) {
		if like == "ubuntu" {
			family = purl.Ubuntu
			break
		}
	}
	return family, distroOf(osr)
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

// readLicenses returns the License short names of a DEP-5 copyright file
// of package name, or nil.
func readLicenses(root fs.FS, prefix, name string) []string {
	if strings.ContainsAny(name, "/\\") || name == "." || name == ".." || root == nil {
		return nil
	}
	path := prefix + "usr/share/doc/" + name + "/copyright"
	if !fs.ValidPath(path) {
		return nil
	}
	f, err := root.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxCopyright {
		return nil
	}
	// Copyright files run to hundreds of kilobytes: read them line by line
	// and stop at the first line when it is not a DEP-5 header.
	var out []string
	first := true
	errStop := errors.New("stop")
	err = extract.Lines(path, io.LimitReader(f, maxCopyright), func(_ int, l string) error {
		if first {
			if strings.TrimSpace(l) == "" {
				return nil
			}
			first = false
			k, v, _ := strings.Cut(l, ":")
			if k = strings.ToLower(k); (k != "format" && k != "format-specification") || !strings.Contains(v, "copyright-format") && !strings.Contains(strings.ToLower(v), "dep5") {
				return errStop
			}
			return nil
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(k, "License") {
			return nil
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > maxLicenseLength || contains(out, v) {
			return nil
		}
		out = append(out, v)
		if len(out) == maxLicenses {
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
