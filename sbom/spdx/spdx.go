// Package spdx writes an inventory graph as an SPDX 2.3 JSON document and
// reads SPDX 2.x JSON documents (vouch's own and other tools': syft, trivy,
// GitHub's dependency-graph export) back into a graph.
//
// Mapping. Every root and component becomes a package with SPDXID
// "SPDXRef-Package-" and 16 hex digits of a SHA-256 of "root:"+ID or of the
// PURL (stable across runs, idstring-safe), filesAnalyzed false, the PURL as
// a PACKAGE-MANAGER external reference, licenseConcluded and copyrightText
// NOASSERTION and no supplier. Roots have primaryPackagePurpose APPLICATION
// (OPERATING_SYSTEM for a root filesystem) and are DESCRIBED by the
// document; components are LIBRARY packages with versionInfo, checksums
// (SHA-1 → SHA1, …), downloadLocation (the Source when it is a URL,
// NOASSERTION otherwise) and licenseDeclared (the licence when it is one
// valid expression; several are joined with AND, free text becoming a
// LicenseRef- with its text in hasExtractedLicensingInfos; NOASSERTION when
// none). Each edge is a DEPENDS_ON relationship.
//
// What SPDX has no field for is kept in one annotation per package, of
// type OTHER, by annotator "Tool: vouch-<version>", dated with the
// document, whose comment is "vouch:" followed by a JSON object. An
// annotation is chosen over the package comment because SPDX defines
// annotations as remarks by a named tool, and readers that do not know
// vouch skip them; one JSON object rather than one annotation per fact
// keeps large documents a third smaller and needs no escaping.
// Its fields (all optional):
//
//	root_id       the root's ID; marks the package as a root
//	root_kind     the root's Kind
//	root_unnamed  true when the root has no Name (the package is named
//	              after the ID, as SPDX requires a name)
//	ecosystem     the OSV ecosystem; present on every component vouch wrote
//	direct        true for a direct dependency
//	scope         the vouch scope
//	unpinned      true for a range rather than a version
//	source        Source, verbatim
//	hashes        hashes SPDX has no algorithm for (Go "h1") or whose value
//	              is not lower-case hex, as {"algorithm","value"}
//	licenses      the licence list, when licenseDeclared cannot say it
//	              exactly (several licences, or free text)
//	locations     as {"path","line"}
//	properties    Component.Properties or Root.Properties
//
// A document from another tool is read as one root of kind "sbom" whose ID
// is DecodeOptions.Path. When the document DESCRIBES one package, that
// package is the root's subject (its PURL, name and version) rather than a
// component; otherwise the root takes the document's name and the
// described packages are its direct dependencies. DEPENDS_ON, CONTAINS and
// the *_DEPENDENCY_OF relationships (and their inverses) become edges;
// DEV_, TEST_, BUILD_, OPTIONAL_ and PROVIDED_DEPENDENCY_OF also give the
// scope. A document without any such relationship makes every package
// direct; otherwise components the root does not reach get a root edge.
// A package without a PURL whose purpose says it groups others (trivy's
// "package-lock.json" APPLICATION, an OPERATING-SYSTEM) and that depends on
// or contains packages is folded into the root, so what it groups is
// direct. PURLs of known ecosystems are rewritten in canonical form; any
// other package without one gets a pkg:generic PURL from its name.
// Licences are licenseDeclared, or licenseConcluded when that says
// nothing (NOASSERTION, NONE). Source is not read from downloadLocation,
// which other tools fill with registry URLs. Locations name the document
// at the line of the package's SPDXID. Root properties:
//
//	sbom_format          "SPDX"
//	sbom_spec_version    the document's spdxVersion ("SPDX-2.3")
//	sbom_tool            the first "Tool:" creator ("syft-1.4.1")
package spdx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/sbom/internal/sbomdecode"
	"github.com/vouchdev/vouch/sbom/spdx/license"
)

// factsPrefix starts the comment of vouch's annotation.
const factsPrefix = "vouch:"

// facts is what vouch's annotation on a package says; see the package
// comment.
type facts struct {
	RootID      string               `json:"root_id,omitempty"`
	RootKind    string               `json:"root_kind,omitempty"`
	RootUnnamed bool                 `json:"root_unnamed,omitempty"`
	Ecosystem   *string              `json:"ecosystem,omitempty"`
	Direct      bool                 `json:"direct,omitempty"`
	Scope       string               `json:"scope,omitempty"`
	Unpinned    bool                 `json:"unpinned,omitempty"`
	Source      string               `json:"source,omitempty"`
	Hashes      []inventory.Hash     `json:"hashes,omitempty"`
	Licenses    []string             `json:"licenses,omitempty"`
	Locations   []inventory.Location `json:"locations,omitempty"`
	Properties  map[string]string    `json:"properties,omitempty"`
}

// Root property keys set on the root that stands for another tool's
// document.
const (
	RootPropFormat      = "sbom_format"
	RootPropSpecVersion = "sbom_spec_version"
	RootPropTool        = "sbom_tool"
)

const (
	noAssertion = "NOASSERTION"
	none        = "NONE"
	purlRefType = "purl"
	pkgManager  = "PACKAGE-MANAGER"
)

// Options control Encode.
type Options struct {
	// Name and Version describe the scanned target; they name the document
	// ("name@version"). Name defaults to "unnamed".
	Name, Version string
	// ToolVersion is vouch's version, in the creator "Tool: vouch-<version>".
	ToolVersion string
	// Timestamp is the document's creation time, required by SPDX. The
	// document namespace is derived from the content and this time, so the
	// same graph at the same time always gives the same document.
	Timestamp time.Time
}

// DecodeOptions control Decode.
type DecodeOptions struct {
	// Path is the document, slash-separated and relative to the scanned
	// root. Errors name it, and another tool's document becomes a root with
	// this ID ("sbom" when empty).
	Path string
	// MaxSize bounds how much is read; 0 means extract.DefaultMaxFileSize.
	MaxSize int64
	// MaxPackages bounds the number of packages; 0 means
	// DefaultMaxPackages.
	MaxPackages int
}

// DefaultMaxPackages is far above the largest real documents and bounds the
// graph a hostile one can make.
const DefaultMaxPackages = 1 << 19

// Encode writes g as an SPDX 2.3 JSON document. The output is
// deterministic: packages, relationships and annotations are sorted.
func Encode(w io.Writer, g *inventory.Graph, opt Options) error {
	if opt.Timestamp.IsZero() {
		return fmt.Errorf("spdx: a creation timestamp is required")
	}
	doc, err := build(g, opt)
	if err != nil {
		return err
	}
	// The namespace is a digest of the document written with a
	// placeholder of the same length in its place, which is then
	// replaced: one encoding instead of two.
	placeholder := namespace(doc.DocumentName, nil)
	doc.DocumentNamespace = placeholder
	var buf bytes.Buffer
	if err := write(&buf, doc); err != nil {
		return err
	}
	out := buf.Bytes()
	ns := namespace(doc.DocumentName, out)
	if i := bytes.Index(out, []byte(placeholder)); i >= 0 {
		copy(out[i:], ns)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("spdx: write: %w", err)
	}
	return nil
}

func write(w io.Writer, doc *v2_3.Document) error {
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("spdx: encode: %w", err)
	}
	return nil
}

// namespace makes the document namespace from a name-based (version 5)
// UUID of the content, following the spdx.org/spdxdocs convention. With
// no content it returns the placeholder: the same length, all zeros.
func namespace(name string, content []byte) string {
	u := make([]byte, 16)
	if content != nil {
		h := sha256.New()
		h.Write([]byte("vouch spdx namespace\x00"))
		h.Write(content)
		u = h.Sum(nil)[:16]
		u[6] = u[6]&0x0f | 0x50
		u[8] = u[8]&0x3f | 0x80
	}
	return fmt.Sprintf("https://spdx.org/spdxdocs/%s-%x-%x-%x-%x-%x", url.PathEscape(name), u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

type encoder struct {
	annotator common.Annotator
	date      string
	ids       map[string]common.ElementID // node id → SPDXID
	taken     map[common.ElementID]string
	refs      map[string]*v2_3.OtherLicense
}

func build(g *inventory.Graph, opt Options) (*v2_3.Document, error) {
	name := opt.Name
	if name == "" {
		name = "unnamed"
	}
	if opt.Version != "" {
		name += "@" + opt.Version
	}
	tool := "vouch"
	if opt.ToolVersion != "" {
		tool += "-" + opt.ToolVersion
	}
	date := opt.Timestamp.UTC().Format(time.RFC3339)
	doc := &v2_3.Document{
		SPDXVersion:    v2_3.Version,
		DataLicense:    v2_3.DataLicense,
		SPDXIdentifier: "DOCUMENT",
		DocumentName:   name,
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  date,
		},
	}
	e := &encoder{
		annotator: common.Annotator{AnnotatorType: "Tool", Annotator: tool},
		date:      date,
		ids:       map[string]common.ElementID{},
		taken:     map[common.ElementID]string{},
		refs:      map[string]*v2_3.OtherLicense{},
	}
	for _, r := range g.Roots() {
		if err := e.assign(r.ID, "root:"+r.ID); err != nil {
			return nil, err
		}
	}
	for _, c := range g.Components() {
		if c.PURL == "" {
			continue
		}
		if err := e.assign(c.PURL, c.PURL); err != nil {
			return nil, err
		}
	}
	for _, r := range g.Roots() {
		p, err := e.rootPackage(r)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.MakeDocElementID("", "DOCUMENT"),
			RefB:         common.MakeDocElementID("", string(e.ids[r.ID])),
			Relationship: common.TypeRelationshipDescribe,
		})
	}
	for _, c := range g.Components() {
		if c.PURL == "" {
			continue
		}
		p, err := e.componentPackage(c)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, p)
	}
	for _, edge := range g.Edges() {
		from, okf := e.ids[edge.From]
		to, okt := e.ids[edge.To]
		if !okf || !okt || inventory.IsRoot(edge.To) {
			continue
		}
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.MakeDocElementID("", string(from)),
			RefB:         common.MakeDocElementID("", string(to)),
			Relationship: common.TypeRelationshipDependsOn,
		})
	}
	refs := make([]string, 0, len(e.refs))
	for id := range e.refs {
		refs = append(refs, id)
	}
	slices.Sort(refs)
	for _, id := range refs {
		doc.OtherLicenses = append(doc.OtherLicenses, e.refs[id])
	}
	return doc, nil
}

// assign gives node id an SPDXID derived from key, lengthening the digest
// in the (astronomically unlikely) case two keys share a prefix.
func (e *encoder) assign(id, key string) error {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	for n := 16; n <= len(h); n += 8 {
		el := common.ElementID("Package-" + h[:n])
		if _, ok := e.taken[el]; !ok {
			e.taken[el] = key
			e.ids[id] = el
			return nil
		}
	}
	return fmt.Errorf("spdx: duplicate package key %q", key)
}

// annotate attaches f to p as vouch's annotation.
func (e *encoder) annotate(p *v2_3.Package, f *facts) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("spdx: %s: %w", p.PackageName, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	p.Annotations = append(p.Annotations, v2_3.Annotation{
		Annotator:         e.annotator,
		AnnotationDate:    e.date,
		AnnotationType:    "OTHER",
		AnnotationComment: factsPrefix + string(b),
	})
	return nil
}

func newPackage(id common.ElementID, name, version, purlText string) *v2_3.Package {
	p := &v2_3.Package{
		PackageName:               name,
		PackageSPDXIdentifier:     id,
		PackageVersion:            version,
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
	}
	if purlText != "" {
		p.PackageExternalReferences = []*v2_3.PackageExternalReference{{Category: pkgManager, RefType: purlRefType, Locator: purlText}}
	}
	return p
}

func (e *encoder) rootPackage(r *inventory.Root) (*v2_3.Package, error) {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	p := newPackage(e.ids[r.ID], name, r.Version, r.PURL)
	p.PrimaryPackagePurpose = "APPLICATION"
	if r.Kind == inventory.KindRootFS {
		p.PrimaryPackagePurpose = "OPERATING_SYSTEM"
	}
	f := &facts{RootID: r.ID, RootKind: string(r.Kind), RootUnnamed: r.Name == "", Properties: r.Properties}
	return p, e.annotate(p, f)
}

// spdxAlg maps vouch's (CycloneDX) algorithm names to SPDX's.
var spdxAlg = map[string]common.ChecksumAlgorithm{
	"SHA-1": common.SHA1, "SHA-224": common.SHA224, "SHA-256": common.SHA256, "SHA-384": common.SHA384,
	"SHA-512": common.SHA512, "MD2": common.MD2, "MD4": common.MD4, "MD5": common.MD5, "MD6": common.MD6,
	"SHA3-256": common.SHA3_256, "SHA3-384": common.SHA3_384, "SHA3-512": common.SHA3_512,
	"BLAKE2b-256": common.BLAKE2b_256, "BLAKE2b-384": common.BLAKE2b_384, "BLAKE2b-512": common.BLAKE2b_512,
	"BLAKE3": common.BLAKE3, "ADLER32": common.ADLER32,
}

// vouchAlg is spdxAlg reversed.
var vouchAlg = func() map[common.ChecksumAlgorithm]string {
	m := map[common.ChecksumAlgorithm]string{}
	for k, v := range spdxAlg {
		m[v] = k
	}
	return m
}()

var lowerHex = regexp.MustCompile(`^[0-9a-f]+$`)

func (e *encoder) componentPackage(c *inventory.Component) (*v2_3.Package, error) {
	name := c.Name
	if name == "" {
		name = c.PURL
	}
	p := newPackage(e.ids[c.PURL], name, c.Version, c.PURL)
	p.PrimaryPackagePurpose = "LIBRARY"
	if c.Source != "" && downloadable(c.Source) {
		p.PackageDownloadLocation = c.Source
	}
	eco := c.Ecosystem
	f := &facts{Ecosystem: &eco, Direct: c.Direct, Scope: string(c.Scope), Unpinned: c.Unpinned, Source: c.Source,
		Locations: c.Locations, Properties: c.Properties}
	for _, h := range c.Hashes {
		if alg, ok := spdxAlg[h.Algorithm]; ok && lowerHex.MatchString(h.Value) {
			p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: alg, Value: h.Value})
			continue
		}
		f.Hashes = append(f.Hashes, h)
	}
	p.PackageLicenseDeclared = e.declared(c.Licenses)
	if len(c.Licenses) > 1 || len(c.Licenses) == 1 && !license.Valid(c.Licenses[0]) {
		f.Licenses = c.Licenses
	}
	return p, e.annotate(p, f)
}

// declared builds licenseDeclared from a licence list, registering the
// LicenseRef- identifiers it uses.
func (e *encoder) declared(ls []string) string {
	if len(ls) == 0 {
		return noAssertion
	}
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		if license.Valid(l) {
			for _, ref := range license.Refs(l) {
				if !strings.HasPrefix(ref, "DocumentRef-") {
					e.addRef(ref, ref)
				}
			}
			if len(ls) > 1 && license.Compound(l) {
				l = "(" + l + ")"
			}
			parts = append(parts, l)
			continue
		}
		ref := license.Ref(l)
		e.addRef(ref, l)
		parts = append(parts, ref)
	}
	return strings.Join(parts, " AND ")
}

func (e *encoder) addRef(id, text string) {
	if _, ok := e.refs[id]; !ok {
		e.refs[id] = &v2_3.OtherLicense{LicenseIdentifier: id, ExtractedText: text, LicenseName: text}
	}
}

// downloadable reports whether a Source can stand as an SPDX download
// location: a URL with a host and no spaces. Local paths cannot.
func downloadable(src string) bool {
	if strings.ContainsAny(src, " \t\r\n") {
		return false
	}
	u, err := url.Parse(src)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// Decode reads an SPDX 2.x JSON document into a graph. Errors are
// *extract.Error naming opt.Path and, where the decoder tells, the line.
func Decode(r io.Reader, opt DecodeOptions) (*inventory.Graph, error) {
	path, data, err := sbomdecode.Read(r, opt.Path, opt.MaxSize)
	if err != nil {
		return nil, err
	}
	// The head is read with plain types first: it finds the version, and
	// tools-golang's decoder of creators does not unescape JSON strings.
	var head struct {
		SPDXVersion  any `json:"spdxVersion"`
		CreationInfo struct {
			Creators []string `json:"creators"`
		} `json:"creationInfo"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, extract.JSONError(path, data, err)
	}
	var doc v2_3.Document
	switch head.SPDXVersion {
	case v2_3.Version:
		err = json.Unmarshal(data, &doc)
	case "SPDX-2.2", "SPDX-2.1":
		err = spdxjson.ReadInto(bytes.NewReader(data), &doc)
	case nil:
		return nil, extract.Errorf(path, 0, "not an spdx document: no spdxVersion")
	default:
		return nil, extract.Errorf(path, quotedLine(data, "spdxVersion"), "unsupported spdxVersion %v", head.SPDXVersion)
	}
	if err != nil {
		return nil, extract.JSONError(path, data, err)
	}
	maxPkgs := opt.MaxPackages
	if maxPkgs <= 0 {
		maxPkgs = DefaultMaxPackages
	}
	if len(doc.Packages) > maxPkgs {
		return nil, extract.Errorf(path, 0, "more than %d packages: %w", maxPkgs, extract.ErrTooLarge)
	}
	version, _ := head.SPDXVersion.(string)
	d := &decoder{path: path, data: data, version: version, creators: head.CreationInfo.Creators,
		doc: &doc, g: inventory.New(), ids: map[common.ElementID]string{}}
	if err := d.decode(); err != nil {
		return nil, err
	}
	return d.g, nil
}

type decoder struct {
	path     string
	data     []byte
	version  string   // spdxVersion as written: conversion from 2.2 rewrites it
	creators []string // creationInfo.creators as written
	doc      *v2_3.Document
	g        *inventory.Graph
	ids      map[common.ElementID]string // SPDXID → node id (root ID or PURL)
}

// factsOf reads vouch's annotation on a package; nil when there is none
// (or it does not parse, as when edited by hand).
func factsOf(p *v2_3.Package) *facts {
	for _, a := range p.Annotations {
		if rest, ok := strings.CutPrefix(a.AnnotationComment, factsPrefix); ok && strings.HasPrefix(rest, "{") {
			var f facts
			if json.Unmarshal([]byte(rest), &f) == nil {
				return &f
			}
		}
	}
	return nil
}

func (d *decoder) decode() error {
	doc := d.doc
	pkgFacts := make([]*facts, len(doc.Packages))
	ours := false
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		pkgFacts[i] = factsOf(p)
		if pkgFacts[i] != nil && pkgFacts[i].RootID != "" {
			ours = true
		}
	}
	if ours {
		return d.decodeOurs(pkgFacts)
	}
	return d.decodeOther()
}

func (d *decoder) decodeOurs(pkgFacts []*facts) error {
	for i, p := range d.doc.Packages {
		if p == nil {
			continue
		}
		f := pkgFacts[i]
		if f == nil {
			f = &facts{}
		}
		if id := f.RootID; id != "" {
			if !inventory.IsRoot(id) {
				line := quotedLine(d.data, common.RenderElementID(p.PackageSPDXIdentifier))
				return extract.Errorf(d.path, line, "root id %q looks like a package url", id)
			}
			r := inventory.Root{ID: id, Kind: inventory.Kind(f.RootKind), PURL: purlOf(p), Name: p.PackageName,
				Version: p.PackageVersion, Properties: f.Properties}
			if f.RootUnnamed {
				r.Name = ""
			}
			d.g.AddRoot(r)
			d.ids[p.PackageSPDXIdentifier] = id
			continue
		}
		c, ok := d.component(p, nil)
		if !ok {
			continue
		}
		if f.Ecosystem != nil {
			// Vouch's own package: the annotation says exactly what the
			// standard fields approximate.
			if w := purlOf(p); strings.HasPrefix(w, "pkg:") {
				if _, err := purl.Parse(w); err == nil {
					c.PURL = w
				}
			}
			c.Ecosystem = *f.Ecosystem
			c.Name, c.Version = p.PackageName, p.PackageVersion
			if c.Name == "" {
				c.Name = c.PURL
			}
			c.Scope = inventory.Scope(f.Scope)
			if f.Licenses != nil {
				c.Licenses = f.Licenses
			}
		}
		c.Direct = f.Direct
		c.Unpinned = f.Unpinned
		c.Source = f.Source
		c.Hashes = append(c.Hashes, f.Hashes...)
		c.Locations = f.Locations
		c.Properties = f.Properties
		d.ids[p.PackageSPDXIdentifier] = d.g.Add(c).PURL
	}
	for _, r := range d.doc.Relationships {
		if from, to, ok := d.edge(r); ok {
			d.g.AddEdge(from, to)
		}
	}
	return nil
}

// scopeOf gives the scope a *_DEPENDENCY_OF relationship says its subject
// has; "" for relationships that say nothing of scope.
var scopeOf = map[string]inventory.Scope{
	common.TypeRelationshipDevDependencyOf:      inventory.ScopeDev,
	common.TypeRelationshipTestDependencyOf:     inventory.ScopeTest,
	common.TypeRelationshipBuildDependencyOf:    inventory.ScopeBuild,
	common.TypeRelationshipOptionalDependencyOf: inventory.ScopeOptional,
	common.TypeRelationshipProvidedDependencyOf: inventory.ScopeOptional,
	common.TypeRelationshipRuntimeDependencyOf:  inventory.ScopeRuntime,
	common.TypeRelationshipDependencyOf:         inventory.ScopeRuntime,
	common.TypeRelationshipDependsOn:            inventory.ScopeRuntime,
	common.TypeRelationshipContains:             inventory.ScopeRuntime,
	common.TypeRelationshipContainedBy:          inventory.ScopeRuntime,
}

// scopeOrder ranks scopes from the most to the least needed at run time,
// as inventory merges them.
var scopeOrder = []inventory.Scope{
	inventory.ScopeRuntime, inventory.ScopeOptional, inventory.ScopePeer,
	inventory.ScopeBuild, inventory.ScopeTest, inventory.ScopeDev,
}

// edgeEnds returns the SPDXIDs of the depending and the depended-on
// element of a dependency relationship.
func edgeEnds(r *v2_3.Relationship) (from, to common.DocElementID, ok bool) {
	switch r.Relationship {
	case common.TypeRelationshipDependsOn, common.TypeRelationshipContains:
		return r.RefA, r.RefB, true
	case common.TypeRelationshipContainedBy:
		return r.RefB, r.RefA, true
	}
	if _, known := scopeOf[r.Relationship]; known {
		return r.RefB, r.RefA, true
	}
	return common.DocElementID{}, common.DocElementID{}, false
}

// edge maps a relationship to a graph edge between known nodes.
func (d *decoder) edge(r *v2_3.Relationship) (from, to string, ok bool) {
	if r == nil {
		return "", "", false
	}
	a, b, ok := edgeEnds(r)
	if !ok || a.DocumentRefID != "" || b.DocumentRefID != "" {
		return "", "", false
	}
	from, okf := d.ids[a.ElementRefID]
	to, okt := d.ids[b.ElementRefID]
	if !okf || !okt || inventory.IsRoot(to) || from == to {
		return "", "", false
	}
	return from, to, true
}

func (d *decoder) decodeOther() error {
	doc := d.doc
	rootID := d.path
	if !inventory.IsRoot(rootID) {
		rootID = "./" + rootID // a file named "pkg:…" must not pass for a component
	}
	byID := map[common.ElementID]*v2_3.Package{}
	for _, p := range doc.Packages {
		if p != nil {
			byID[p.PackageSPDXIdentifier] = p
		}
	}
	var described []common.ElementID
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		var subject common.DocElementID
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == doc.SPDXIdentifier:
			subject = r.RefB
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == doc.SPDXIdentifier:
			subject = r.RefA
		default:
			continue
		}
		if _, ok := byID[subject.ElementRefID]; ok && subject.DocumentRefID == "" && !slices.Contains(described, subject.ElementRefID) {
			described = append(described, subject.ElementRefID)
		}
	}

	root := inventory.Root{ID: rootID, Kind: inventory.KindSBOM, Name: doc.DocumentName,
		Properties: map[string]string{RootPropFormat: "SPDX", RootPropSpecVersion: d.version}}
	for _, c := range d.creators {
		if typ, name, ok := strings.Cut(c, ":"); ok && strings.TrimSpace(typ) == "Tool" {
			root.Properties[RootPropTool] = strings.TrimSpace(name)
			break
		}
	}
	var subject common.ElementID
	if len(described) == 1 {
		subject = described[0]
		p := byID[subject]
		root.Name, root.Version, root.PURL = p.PackageName, p.PackageVersion, purlOf(p)
		if pp, err := purl.Parse(root.PURL); err == nil && pp.Ecosystem != "" {
			root.Name = strings.ToValidUTF8(pp.Name, "\uFFFD")
			if root.Version == "" {
				root.Version = strings.ToValidUTF8(pp.Version, "\uFFFD")
			}
		}
		d.ids[subject] = rootID
	}
	d.g.AddRoot(root)

	// Scopes said by typed relationships, gathered before the packages
	// are added so that the most run-time one wins.
	hints := map[common.ElementID][]inventory.Scope{}
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		if _, b, ok := edgeEnds(r); ok && b.DocumentRefID == "" {
			hints[b.ElementRefID] = append(hints[b.ElementRefID], scopeOf[r.Relationship])
		}
	}
	groups := groupings(doc, byID, subject)
	for id := range groups {
		d.ids[id] = rootID
	}
	lines := sbomdecode.KeyLines(d.data, "SPDXID")
	for _, p := range doc.Packages {
		if p == nil || p.PackageSPDXIdentifier == subject && subject != "" || groups[p.PackageSPDXIdentifier] {
			continue
		}
		c, ok := d.component(p, hints[p.PackageSPDXIdentifier])
		if !ok {
			continue
		}
		c.Locations = []inventory.Location{{Path: d.path, Line: lines[common.RenderElementID(p.PackageSPDXIdentifier)]}}
		d.ids[p.PackageSPDXIdentifier] = d.g.Add(c).PURL
	}

	hasDeps := false
	for _, r := range doc.Relationships {
		if from, to, ok := d.edge(r); ok {
			hasDeps = true
			d.g.AddEdge(from, to)
		}
	}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		to, ok := d.ids[p.PackageSPDXIdentifier]
		if !ok || inventory.IsRoot(to) {
			continue
		}
		if !hasDeps || subject == "" && slices.Contains(described, p.PackageSPDXIdentifier) {
			d.g.AddEdge(rootID, to)
		}
	}
	for _, p := range d.g.Children(rootID) {
		if c := d.g.Component(p); c != nil {
			c.Direct = true
		}
	}
	sbomdecode.Connect(d.g, rootID)
	return nil
}

// groupingPurposes are the purposes other tools give a package that
// stands for a group of packages rather than for one: trivy's
// "package-lock.json" application, an operating system, an image.
var groupingPurposes = map[string]bool{
	"APPLICATION": true, "CONTAINER": true, "OPERATING-SYSTEM": true, "OPERATING_SYSTEM": true,
	"SOURCE": true, "ARCHIVE": true, "INSTALL": true, "FILE": true, "FIRMWARE": true,
}

// groupings finds the packages without a PURL, of a grouping purpose, that
// depend on or contain other packages. They are not packages anyone could
// look up, so they are folded into the document's root, which makes what
// they group direct dependencies of the root.
func groupings(doc *v2_3.Document, byID map[common.ElementID]*v2_3.Package, subject common.ElementID) map[common.ElementID]bool {
	groups := map[common.ElementID]bool{}
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		a, b, ok := edgeEnds(r)
		if !ok || a.DocumentRefID != "" || a.ElementRefID == subject || byID[b.ElementRefID] == nil {
			continue
		}
		if p := byID[a.ElementRefID]; p != nil && purlOf(p) == "" && groupingPurposes[p.PrimaryPackagePurpose] {
			groups[a.ElementRefID] = true
		}
	}
	return groups
}

// component maps a package from its standard fields; scopes are the
// scopes typed relationships give it.
func (d *decoder) component(p *v2_3.Package, scopes []inventory.Scope) (inventory.Component, bool) {
	written := purlOf(p)
	pp, err := purl.Parse(written)
	// The scheme is matched case-insensitively by the parser, but graph
	// ids tell components from roots by a literal "pkg:".
	if err != nil || !strings.HasPrefix(written, "pkg:") {
		written = genericPURL(p)
		if written == "" {
			return inventory.Component{}, false
		}
		pp, _ = purl.Parse(written)
	}
	c := inventory.Component{PURL: written, Ecosystem: pp.Ecosystem, Name: pp.Name, Version: p.PackageVersion}
	if pp.Ecosystem != "" && pp.Subpath == "" {
		c.PURL = purl.For(pp.Ecosystem, pp.Name, pp.Version, pp.Qualifiers)
	}
	if pp.Ecosystem == "" && p.PackageName != "" {
		c.Name = p.PackageName
	}
	if c.Version == "" {
		c.Version = pp.Version
	}
	if c.Name == "" {
		c.Name = c.PURL
	}
	c.Name = strings.ToValidUTF8(c.Name, "\uFFFD")
	c.Version = strings.ToValidUTF8(c.Version, "\uFFFD")

	c.Scope = inventory.ScopeRuntime
	if len(scopes) > 0 {
		best := len(scopeOrder)
		for _, s := range scopes {
			if i := slices.Index(scopeOrder, s); i >= 0 && i < best {
				best = i
			}
		}
		if best < len(scopeOrder) {
			c.Scope = scopeOrder[best]
		}
	}
	for _, l := range []string{p.PackageLicenseDeclared, p.PackageLicenseConcluded} {
		if l = strings.TrimSpace(l); l != "" && l != noAssertion && l != none {
			c.Licenses = []string{l}
			break
		}
	}
	// Checksums Encode would write as SPDX checksums come first, then the
	// rest in the order found, so that a second round trip keeps the order.
	var other []inventory.Hash
	for _, ck := range p.PackageChecksums {
		if ck.Value == "" || ck.Algorithm == "" {
			continue
		}
		h := inventory.Hash{Algorithm: string(ck.Algorithm), Value: strings.ToLower(ck.Value)}
		if alg, ok := vouchAlg[ck.Algorithm]; ok {
			h.Algorithm = alg
			if lowerHex.MatchString(h.Value) {
				c.Hashes = append(c.Hashes, h)
				continue
			}
		}
		other = append(other, h)
	}
	c.Hashes = append(c.Hashes, other...)
	return c, true
}

// purlOf returns a package's first purl external reference.
func purlOf(p *v2_3.Package) string {
	for _, ref := range p.PackageExternalReferences {
		if ref != nil && ref.RefType == purlRefType && strings.EqualFold(strings.ReplaceAll(ref.Category, "_", "-"), pkgManager) {
			return ref.Locator
		}
	}
	return ""
}

// genericPURL names a package without a PURL by its name (or, lacking
// one, its SPDXID); "" when it has neither.
func genericPURL(p *v2_3.Package) string {
	name := p.PackageName
	if name == "" {
		name = string(p.PackageSPDXIdentifier)
	}
	if name == "" {
		return ""
	}
	return purl.For("generic", name, p.PackageVersion, nil)
}
