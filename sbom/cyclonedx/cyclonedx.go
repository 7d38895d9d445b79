// Package cyclonedx writes an inventory graph as a CycloneDX BOM (JSON) and
// reads CycloneDX BOMs (JSON or XML) back into a graph: vouch's own output
// exactly, and other tools' (syft, cyclonedx-npm, trivy, …) as one root
// standing for the BOM file.
//
// Mapping. Each root becomes a component with bom-ref "root:"+ID (type
// "application", or "operating-system" for a root filesystem); each
// component becomes a "library" with its PURL as bom-ref, the npm scope or
// Maven group in "group", scope required (runtime), optional (optional,
// peer) or excluded (build, dev, test), SHA-1/256/384/512 hashes, licences
// (a listed SPDX id as license.id, a lone compound expression as
// "expression", anything else as license.name) and the Source as an
// external reference. metadata.component (bom-ref "target") stands for the
// scanned target and depends on every root; the dependencies section lists
// every root and component with its dependsOn.
//
// What CycloneDX cannot say is kept in properties, so that Decode restores
// the graph exactly:
//
//	vouch:root-id          the root's ID (marks a component as a root)
//	vouch:root-kind        the root's Kind
//	vouch:root-unnamed     "true" when the root has no Name (the component
//	                       is then named after the ID, as CycloneDX requires
//	                       a name)
//	vouch:ecosystem        the OSV ecosystem ("Debian:12")
//	vouch:direct           "true" or "false"
//	vouch:scope            the vouch scope (CycloneDX's three are coarser)
//	vouch:unpinned         "true" for a range rather than a version
//	vouch:source           Source, verbatim
//	vouch:hash:<alg>       a hash CycloneDX has no algorithm for (Go "h1")
//	                       or whose value is not hex of a digest's length
//	vouch:location         one per location, "path:line" or "path"
//	vouch:property:<key>   one per entry of Component.Properties or
//	                       Root.Properties
//
// Hash order is kept among standard algorithms and among property hashes,
// but standard ones come first after a round trip.
//
// A BOM from another tool has none of these. It is read as one root of
// kind "sbom" whose ID is DecodeOptions.Path and whose PURL, Name and
// Version come from metadata.component, with these root properties:
//
//	sbom_format          "CycloneDX"
//	sbom_spec_version    the BOM's specVersion ("1.5")
//	sbom_tool            the first tool named in metadata ("syft 1.4.1")
//
// Nested components are flattened, each depending on the one it is nested
// in. A component without a PURL whose type says it groups others (trivy's
// "package-lock.json" application, an operating system, a container) and
// that depends on or contains components is folded into the root. Any
// other component without a PURL gets a pkg:generic one from its name;
// PURLs of known ecosystems are rewritten in canonical form so they match
// what vouch's own extractors produce. Scope required (or none) is runtime,
// optional is optional, excluded is dev. Direct components are those
// metadata.component depends on (or, when the BOM records no dependencies
// at all, every top-level component); every component is made reachable
// from the root by a root edge to those nothing else reaches. Locations
// name the BOM file, at the line of the component's bom-ref or purl.
// Source is not read from other tools' external references: they name a
// project's repository, not where the artifact came from.
package cyclonedx

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/sbom/internal/sbomdecode"
	"github.com/vouchdev/vouch/sbom/spdx/license"
)

// Property names; see the package comment.
const (
	propRootID       = "vouch:root-id"
	propRootKind     = "vouch:root-kind"
	propRootUnnamed  = "vouch:root-unnamed"
	propEcosystem    = "vouch:ecosystem"
	propDirect       = "vouch:direct"
	propScope        = "vouch:scope"
	propUnpinned     = "vouch:unpinned"
	propSource       = "vouch:source"
	propHashPrefix   = "vouch:hash:"
	propLocation     = "vouch:location"
	propPropertyPref = "vouch:property:"
)

// Root property keys set on the root that stands for another tool's BOM.
const (
	RootPropFormat      = "sbom_format"
	RootPropSpecVersion = "sbom_spec_version"
	RootPropTool        = "sbom_tool"
)

const (
	rootRefPrefix = "root:"
	targetRef     = "target"
)

// Options control Encode.
type Options struct {
	// SpecVersion is "1.6" (the default) or "1.7". 1.6 is the default
	// because consumers such as Dependency-Track accept it everywhere,
	// while 1.7 support is still arriving; vouch writes nothing that 1.7
	// would say differently.
	SpecVersion string
	// Name and Version describe the scanned target (metadata.component).
	// Name defaults to "unnamed", as CycloneDX requires one.
	Name, Version string
	// ToolVersion is vouch's version, recorded in metadata.tools.
	ToolVersion string
	// Timestamp is when the BOM was made; the zero time omits it, which
	// makes the output reproducible.
	Timestamp time.Time
	// SerialNumber is the BOM's "urn:uuid:…" serial number. When empty, one
	// is derived from a hash of the content, so the same graph with the same
	// options always gives the same BOM.
	SerialNumber string
}

// DecodeOptions control Decode.
type DecodeOptions struct {
	// Path is the BOM file, slash-separated and relative to the scanned
	// root. Errors name it, and a BOM from another tool becomes a root with
	// this ID ("sbom" when empty).
	Path string
	// MaxSize bounds how much is read; 0 means extract.DefaultMaxFileSize.
	MaxSize int64
	// MaxComponents bounds the number of components, nested ones included;
	// 0 means DefaultMaxComponents.
	MaxComponents int
}

// DefaultMaxComponents is far above the largest real BOMs (container images
// with tens of thousands of packages) and bounds the graph a hostile one can
// make.
const DefaultMaxComponents = 1 << 19

// maxNesting bounds how deep components may nest inside one another.
const maxNesting = 64

var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Encode writes g as a CycloneDX JSON BOM. The output is deterministic:
// components, dependencies and properties are sorted, and the serial
// number, unless given, is derived from the content.
func Encode(w io.Writer, g *inventory.Graph, opt Options) error {
	spec, err := specVersion(opt.SpecVersion)
	if err != nil {
		return err
	}
	if opt.SerialNumber != "" && !serialPattern.MatchString(opt.SerialNumber) {
		return fmt.Errorf("cyclonedx: serial number %q is not a lower-case urn:uuid", opt.SerialNumber)
	}
	bom := build(g, opt, spec)
	derive := bom.SerialNumber == ""
	if derive {
		// The serial number is a digest of the BOM written with a
		// placeholder of the same length in its place, which is then
		// replaced: one encoding instead of two.
		bom.SerialNumber = serialFor(nil)
	}
	var buf bytes.Buffer
	if err := encode(&buf, bom); err != nil {
		return err
	}
	out := buf.Bytes()
	if derive {
		if i := bytes.Index(out, []byte(bom.SerialNumber)); i >= 0 {
			copy(out[i:], serialFor(out))
		}
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("cyclonedx: write: %w", err)
	}
	return nil
}

func specVersion(s string) (cdx.SpecVersion, error) {
	switch s {
	case "", "1.6":
		return cdx.SpecVersion1_6, nil
	case "1.7":
		return cdx.SpecVersion1_7, nil
	}
	return 0, fmt.Errorf("cyclonedx: unsupported spec version %q (want 1.6 or 1.7)", s)
}

func encode(w io.Writer, bom *cdx.BOM) error {
	if err := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom); err != nil {
		return fmt.Errorf("cyclonedx: encode: %w", err)
	}
	return nil
}

// serialFor makes a version-5 (name-based, SHA-1) UUID from the content, so
// the serial number is a pure function of the BOM. With no content it
// returns the placeholder: the same length, all zeros.
func serialFor(content []byte) string {
	u := make([]byte, 16)
	if content != nil {
		h := sha1.New()
		h.Write([]byte("vouch cyclonedx serial\x00"))
		h.Write(content)
		u = h.Sum(nil)[:16]
		u[6] = u[6]&0x0f | 0x50
		u[8] = u[8]&0x3f | 0x80
	}
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func build(g *inventory.Graph, opt Options, spec cdx.SpecVersion) *cdx.BOM {
	bom := &cdx.BOM{
		JSONSchema:   "http://cyclonedx.org/schema/bom-" + spec.String() + ".schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  spec,
		SerialNumber: opt.SerialNumber,
		Version:      1,
	}
	name := opt.Name
	if name == "" {
		name = "unnamed"
	}
	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: "vouch", Version: opt.ToolVersion}
	bom.Metadata = &cdx.Metadata{
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Component: &cdx.Component{BOMRef: targetRef, Type: cdx.ComponentTypeApplication, Name: name, Version: opt.Version},
	}
	if !opt.Timestamp.IsZero() {
		bom.Metadata.Timestamp = opt.Timestamp.UTC().Format(time.RFC3339)
	}

	ref := map[string]string{} // node id → bom-ref
	var comps []cdx.Component
	var rootRefs []string
	for _, r := range g.Roots() {
		ref[r.ID] = rootRefPrefix + r.ID
		rootRefs = append(rootRefs, rootRefPrefix+r.ID)
		comps = append(comps, rootComponent(r))
	}
	for _, c := range g.Components() {
		if c.PURL == "" {
			continue
		}
		ref[c.PURL] = c.PURL
		comps = append(comps, libraryComponent(c))
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}

	deps := []cdx.Dependency{{Ref: targetRef, Dependencies: nonEmpty(rootRefs)}}
	add := func(id string) {
		var on []string
		for _, child := range g.Children(id) {
			if r, ok := ref[child]; ok && !inventory.IsRoot(child) {
				on = append(on, r)
			}
		}
		slices.Sort(on)
		deps = append(deps, cdx.Dependency{Ref: ref[id], Dependencies: nonEmpty(on)})
	}
	for _, r := range g.Roots() {
		add(r.ID)
	}
	for _, c := range g.Components() {
		if c.PURL != "" {
			add(c.PURL)
		}
	}
	bom.Dependencies = &deps
	return bom
}

func nonEmpty(s []string) *[]string {
	if len(s) == 0 {
		return nil
	}
	return &s
}

func rootComponent(r *inventory.Root) cdx.Component {
	c := cdx.Component{
		BOMRef:     rootRefPrefix + r.ID,
		Type:       cdx.ComponentTypeApplication,
		Name:       r.Name,
		Version:    r.Version,
		PackageURL: r.PURL,
	}
	switch r.Kind {
	case inventory.KindImage:
		c.Type = cdx.ComponentTypeContainer
	case inventory.KindRootFS:
		c.Type = cdx.ComponentTypeOS
	}
	props := []cdx.Property{{Name: propRootID, Value: r.ID}, {Name: propRootKind, Value: string(r.Kind)}}
	if r.Name == "" {
		c.Name = r.ID
		props = append(props, cdx.Property{Name: propRootUnnamed, Value: "true"})
	}
	props = append(props, mapProperties(r.Properties)...)
	c.Properties = &props
	return c
}

func mapProperties(m map[string]string) []cdx.Property {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var props []cdx.Property
	for _, k := range keys {
		props = append(props, cdx.Property{Name: propPropertyPref + k, Value: m[k]})
	}
	return props
}

// cdxHash maps vouch's algorithm names to CycloneDX's; they are the same
// spelling by design, but only these are CycloneDX algorithms.
var cdxHash = map[string]cdx.HashAlgorithm{
	"MD5": cdx.HashAlgoMD5, "SHA-1": cdx.HashAlgoSHA1, "SHA-256": cdx.HashAlgoSHA256,
	"SHA-384": cdx.HashAlgoSHA384, "SHA-512": cdx.HashAlgoSHA512, "SHA3-256": cdx.HashAlgoSHA3_256,
	"SHA3-384": cdx.HashAlgoSHA3_384, "SHA3-512": cdx.HashAlgoSHA3_512, "BLAKE2b-256": cdx.HashAlgoBlake2b_256,
	"BLAKE2b-384": cdx.HashAlgoBlake2b_384, "BLAKE2b-512": cdx.HashAlgoBlake2b_512, "BLAKE3": cdx.HashAlgoBlake3,
}

// hexDigest matches the hash-content pattern of the CycloneDX schema.
var hexDigest = regexp.MustCompile(`^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$`)

func libraryComponent(c *inventory.Component) cdx.Component {
	out := cdx.Component{
		BOMRef:     c.PURL,
		Type:       cdx.ComponentTypeLibrary,
		Name:       c.Name,
		Version:    c.Version,
		PackageURL: c.PURL,
		Scope:      cdxScope(c.Scope),
	}
	out.Group, out.Name = splitGroup(c.Ecosystem, c.Name)
	if out.Name == "" {
		out.Name = c.PURL
	}
	props := []cdx.Property{
		{Name: propEcosystem, Value: c.Ecosystem},
		{Name: propDirect, Value: strconv.FormatBool(c.Direct)},
	}
	if c.Scope != "" {
		props = append(props, cdx.Property{Name: propScope, Value: string(c.Scope)})
	}
	if c.Unpinned {
		props = append(props, cdx.Property{Name: propUnpinned, Value: "true"})
	}
	if c.Source != "" {
		props = append(props, cdx.Property{Name: propSource, Value: c.Source})
		if ref, ok := sourceReference(c.Source); ok {
			out.ExternalReferences = &[]cdx.ExternalReference{ref}
		}
	}
	var hashes []cdx.Hash
	for _, h := range c.Hashes {
		if alg, ok := cdxHash[h.Algorithm]; ok && hexDigest.MatchString(h.Value) {
			hashes = append(hashes, cdx.Hash{Algorithm: alg, Value: h.Value})
			continue
		}
		props = append(props, cdx.Property{Name: propHashPrefix + h.Algorithm, Value: h.Value})
	}
	if len(hashes) > 0 {
		out.Hashes = &hashes
	}
	if lic := licenses(c.Licenses); lic != nil {
		out.Licenses = lic
	}
	for _, l := range c.Locations {
		props = append(props, cdx.Property{Name: propLocation, Value: formatLocation(l)})
	}
	props = append(props, mapProperties(c.Properties)...)
	out.Properties = &props
	return out
}

// splitGroup puts an npm scope or a Maven group in CycloneDX's group, as
// cyclonedx-npm and cyclonedx-maven do.
func splitGroup(ecosystem, name string) (group, rest string) {
	switch ecosystem {
	case purl.NPM:
		if strings.HasPrefix(name, "@") {
			group, rest, _ = strings.Cut(name, "/")
		}
	case purl.Maven:
		group, rest, _ = strings.Cut(name, ":")
	}
	if group == "" || rest == "" {
		return "", name
	}
	return group, rest
}

func joinGroup(ecosystem, group, name string) string {
	if group == "" {
		return name
	}
	if ecosystem == purl.Maven {
		return group + ":" + name
	}
	return group + "/" + name
}

func cdxScope(s inventory.Scope) cdx.Scope {
	switch s {
	case inventory.ScopeOptional, inventory.ScopePeer:
		return cdx.ScopeOptional
	case inventory.ScopeDev, inventory.ScopeTest, inventory.ScopeBuild:
		return cdx.ScopeExcluded
	}
	return cdx.ScopeRequired
}

// sourceReference describes a Source as an external reference when it is
// a URL a consumer can follow: "vcs" for git, "distribution" for others.
// Local paths stay in the vouch:source property only.
func sourceReference(src string) (cdx.ExternalReference, bool) {
	if strings.ContainsAny(src, " \t\r\n\"<>\\^`{|}") {
		return cdx.ExternalReference{}, false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return cdx.ExternalReference{}, false
	}
	switch {
	case strings.HasPrefix(u.Scheme, "git"), u.Scheme == "ssh", strings.HasSuffix(u.Path, ".git"),
		strings.Contains(u.Path, ".git#"), strings.Contains(src, ".git#"):
		return cdx.ExternalReference{Type: cdx.ERTypeVCS, URL: src}, true
	case u.Scheme == "http" || u.Scheme == "https":
		return cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: src}, true
	}
	return cdx.ExternalReference{}, false
}

// licenses maps vouch's licence list to CycloneDX's licence choice, which is
// either a list of id/name licences or exactly one expression.
func licenses(ls []string) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	if len(ls) == 1 && !license.IsID(ls[0]) && license.Compound(ls[0]) {
		return &cdx.Licenses{{Expression: ls[0]}}
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		if license.IsID(l) {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: l}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	return &out
}

var lineSuffix = regexp.MustCompile(`:([0-9]+)$`)

// formatLocation writes "path:line", or "path" without a line. A path that
// itself ends in ":digits" gets an explicit ":0" so it reads back intact.
func formatLocation(l inventory.Location) string {
	if l.Line > 0 || lineSuffix.MatchString(l.Path) {
		return l.Path + ":" + strconv.Itoa(l.Line)
	}
	return l.Path
}

func parseLocation(s string) inventory.Location {
	if m := lineSuffix.FindStringSubmatchIndex(s); m != nil {
		if n, err := strconv.Atoi(s[m[2]:m[3]]); err == nil {
			return inventory.Location{Path: s[:m[0]], Line: n}
		}
	}
	return inventory.Location{Path: s}
}

// Decode reads a CycloneDX BOM, JSON or XML (told apart by the first
// character), into a graph. Errors are *extract.Error naming opt.Path and,
// where the decoder tells, the line.
func Decode(r io.Reader, opt DecodeOptions) (*inventory.Graph, error) {
	path, data, err := sbomdecode.Read(r, opt.Path, opt.MaxSize)
	if err != nil {
		return nil, err
	}
	var bom cdx.BOM
	isXML := firstByte(data) == '<'
	if isXML {
		if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
			return nil, xmlError(path, err)
		}
		if !strings.HasPrefix(bom.XMLNS, "http://cyclonedx.org/schema/bom/") {
			return nil, extract.Errorf(path, 1, "not a cyclonedx bom: xml namespace %q", bom.XMLNS)
		}
	} else {
		if err := json.Unmarshal(data, &bom); err != nil {
			return nil, jsonError(path, data, err)
		}
		if bom.BOMFormat != cdx.BOMFormat {
			return nil, extract.Errorf(path, 0, "not a cyclonedx bom: bomFormat %q", bom.BOMFormat)
		}
	}
	d := &decoder{
		path:  path,
		data:  data,
		isXML: isXML,
		max:   opt.MaxComponents,
		g:     inventory.New(),
		ids:   map[string]string{},
	}
	if d.max <= 0 {
		d.max = DefaultMaxComponents
	}
	if err := d.decode(&bom); err != nil {
		return nil, err
	}
	return d.g, nil
}

func firstByte(data []byte) byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func xmlError(path string, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &extract.Error{Path: path, Line: se.Line, Err: fmt.Errorf("xml: %s", se.Msg)}
	}
	return &extract.Error{Path: path, Err: fmt.Errorf("xml: %w", err)}
}

// flat is one component of the BOM with the index of the one it is nested
// in: topLevel, or inMeta for those nested in metadata.component.
type flat struct {
	c      *cdx.Component
	parent int
}

const (
	topLevel = -1
	inMeta   = -2
)

type decoder struct {
	path  string
	data  []byte
	isXML bool
	max   int
	g     *inventory.Graph
	ids   map[string]string // bom-ref → node id (root ID or PURL)
	lines map[string]int    // bom-ref or purl as written → line
}

// flatten lists cs and everything nested in them, depth first.
func (d *decoder) flatten(all []flat, cs *[]cdx.Component, parent, depth int) ([]flat, error) {
	if cs == nil {
		return all, nil
	}
	if depth > maxNesting {
		return nil, extract.Errorf(d.path, 0, "components nested deeper than %d", maxNesting)
	}
	for i := range *cs {
		if len(all) >= d.max {
			return nil, extract.Errorf(d.path, 0, "more than %d components: %w", d.max, extract.ErrTooLarge)
		}
		c := &(*cs)[i]
		all = append(all, flat{c: c, parent: parent})
		var err error
		if all, err = d.flatten(all, c.Components, len(all)-1, depth+1); err != nil {
			return nil, err
		}
	}
	return all, nil
}

func (d *decoder) decode(bom *cdx.BOM) error {
	var meta *cdx.Component
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		meta = bom.Metadata.Component
	}
	ours := false
	if bom.Components != nil {
		for i := range *bom.Components {
			if prop((*bom.Components)[i].Properties, propRootID) != "" {
				ours = true
				break
			}
		}
	}
	all, err := d.flatten(nil, bom.Components, topLevel, 1)
	if err != nil {
		return err
	}
	rootID := ""
	var groups []bool // which of all are groupings folded into the root
	if !ours {
		rootID = d.path
		if !inventory.IsRoot(rootID) {
			rootID = "./" + rootID // a file named "pkg:…" must not pass for a component
		}
		if meta != nil {
			if all, err = d.flatten(all, meta.Components, inMeta, 2); err != nil {
				return err
			}
		}
		d.lines = refLines(d.data, d.isXML)
		d.g.AddRoot(d.thirdPartyRoot(bom, meta, rootID))
		if meta != nil && meta.BOMRef != "" {
			d.ids[meta.BOMRef] = rootID
		}
		groups = groupings(all, bom.Dependencies)
	}

	// node[i] is the graph id of all[i], "" for one left out.
	node := make([]string, len(all))
	for i, f := range all {
		c := f.c
		if ours {
			if id := prop(c.Properties, propRootID); id != "" {
				if !inventory.IsRoot(id) {
					return extract.Errorf(d.path, refLines(d.data, d.isXML)[c.BOMRef], "root id %q looks like a package url", id)
				}
				d.g.AddRoot(ourRoot(c, id))
				node[i] = id
				if c.BOMRef != "" {
					d.ids[c.BOMRef] = id
				}
				continue
			}
		} else if meta != nil && meta.BOMRef != "" && c.BOMRef == meta.BOMRef || groups[i] {
			// The subject listed again among the components, or a
			// grouping folded into it.
			node[i] = rootID
			if c.BOMRef != "" {
				d.ids[c.BOMRef] = rootID
			}
			continue
		}
		comp, ok := d.component(c)
		if !ok {
			continue
		}
		node[i] = d.g.Add(comp).PURL
		if c.BOMRef != "" {
			d.ids[c.BOMRef] = node[i]
		}
	}

	hasDeps := false
	if bom.Dependencies != nil {
		for _, dep := range *bom.Dependencies {
			from, ok := d.ids[dep.Ref]
			if !ok || dep.Dependencies == nil {
				continue
			}
			for _, on := range *dep.Dependencies {
				to, ok := d.ids[on]
				if !ok || inventory.IsRoot(to) {
					continue
				}
				hasDeps = true
				d.g.AddEdge(from, to)
			}
		}
	}
	for i, f := range all {
		to := node[i]
		if to == "" || inventory.IsRoot(to) {
			continue
		}
		switch {
		case f.parent >= 0 && node[f.parent] != "":
			d.g.AddEdge(node[f.parent], to)
		case f.parent == inMeta:
			d.g.AddEdge(rootID, to)
		case f.parent == topLevel && !ours && !hasDeps:
			// No dependency information at all: every top-level
			// component is taken as declared by the BOM's subject.
			d.g.AddEdge(rootID, to)
		}
	}
	if ours {
		return nil
	}
	for _, p := range d.g.Children(rootID) {
		if c := d.g.Component(p); c != nil {
			c.Direct = true
		}
	}
	sbomdecode.Connect(d.g, rootID)
	return nil
}

// groupingTypes are the component types other tools use for an entry that
// stands for a group of packages rather than for one: trivy's
// "package-lock.json" application, an operating system, an image.
var groupingTypes = map[cdx.ComponentType]bool{
	cdx.ComponentTypeApplication: true, cdx.ComponentTypeContainer: true, cdx.ComponentTypeOS: true,
	cdx.ComponentTypePlatform: true, cdx.ComponentTypeFile: true, cdx.ComponentTypeFirmware: true,
}

// groupings marks the components without a PURL, of a grouping type, that
// depend on or contain others. They are not packages anyone could look up,
// so they are folded into the BOM's root, which makes what they group
// direct dependencies of the root.
func groupings(all []flat, deps *[]cdx.Dependency) []bool {
	groups := make([]bool, len(all))
	withDeps := map[string]bool{}
	if deps != nil {
		for _, dep := range *deps {
			if dep.Dependencies != nil && len(*dep.Dependencies) > 0 {
				withDeps[dep.Ref] = true
			}
		}
	}
	for i, f := range all {
		c := f.c
		if c.PackageURL != "" || !groupingTypes[c.Type] {
			continue
		}
		if c.BOMRef != "" && withDeps[c.BOMRef] || c.Components != nil && len(*c.Components) > 0 {
			groups[i] = true
		}
	}
	return groups
}

func (d *decoder) thirdPartyRoot(bom *cdx.BOM, meta *cdx.Component, id string) inventory.Root {
	r := inventory.Root{ID: id, Kind: inventory.KindSBOM, Properties: map[string]string{RootPropFormat: "CycloneDX"}}
	if bom.SpecVersion != 0 {
		r.Properties[RootPropSpecVersion] = bom.SpecVersion.String()
	}
	if t := toolName(bom.Metadata); t != "" {
		r.Properties[RootPropTool] = t
	}
	if meta != nil {
		r.PURL = meta.PackageURL
		r.Name = joinGroup("", meta.Group, meta.Name)
		r.Version = meta.Version
		if p, err := purl.Parse(meta.PackageURL); err == nil && p.Ecosystem != "" {
			r.Name = strings.ToValidUTF8(p.Name, "\uFFFD")
			if r.Version == "" {
				r.Version = strings.ToValidUTF8(p.Version, "\uFFFD")
			}
		}
	}
	return r
}

func toolName(m *cdx.Metadata) string {
	if m == nil || m.Tools == nil {
		return ""
	}
	var name, version string
	switch {
	case m.Tools.Components != nil && len(*m.Tools.Components) > 0:
		t := (*m.Tools.Components)[0]
		name, version = t.Name, t.Version
	case m.Tools.Tools != nil && len(*m.Tools.Tools) > 0:
		t := (*m.Tools.Tools)[0]
		name, version = t.Name, t.Version
	case m.Tools.Services != nil && len(*m.Tools.Services) > 0:
		t := (*m.Tools.Services)[0]
		name, version = t.Name, t.Version
	}
	return strings.TrimSpace(name + " " + version)
}

func ourRoot(c *cdx.Component, id string) inventory.Root {
	r := inventory.Root{
		ID:         id,
		Kind:       inventory.Kind(prop(c.Properties, propRootKind)),
		PURL:       c.PackageURL,
		Name:       c.Name,
		Version:    c.Version,
		Properties: prefixed(c.Properties, propPropertyPref),
	}
	if prop(c.Properties, propRootUnnamed) == "true" {
		r.Name = ""
	}
	return r
}

// component maps a BOM component. Vouch's properties, where present, say
// exactly what the standard fields only approximate.
func (d *decoder) component(c *cdx.Component) (inventory.Component, bool) {
	written := c.PackageURL
	p, err := purl.Parse(written)
	// The scheme is matched case-insensitively by the parser, but graph
	// ids tell components from roots by a literal "pkg:".
	if err != nil || !strings.HasPrefix(written, "pkg:") {
		name := joinGroup("", c.Group, c.Name)
		if name == "" {
			return inventory.Component{}, false
		}
		written = purl.For("generic", name, c.Version, nil)
		p, _ = purl.Parse(written)
	}
	eco, ours := propOK(c.Properties, propEcosystem)
	out := inventory.Component{PURL: written, Ecosystem: p.Ecosystem, Name: p.Name, Version: c.Version}
	if !ours && p.Ecosystem != "" && p.Subpath == "" {
		out.PURL = purl.For(p.Ecosystem, p.Name, p.Version, p.Qualifiers)
	}
	if p.Ecosystem == "" && c.Name != "" {
		out.Name = joinGroup("", c.Group, c.Name)
	}
	if out.Version == "" {
		out.Version = p.Version
	}

	if ours {
		out.Ecosystem = eco
		out.Name = joinGroup(eco, c.Group, c.Name)
		out.Version = c.Version
	}
	if out.Name == "" {
		out.Name = p.Name
	}
	if out.Name == "" {
		out.Name = out.PURL
	}
	// Names and versions percent-decoded from a PURL may not be UTF-8,
	// which JSON cannot carry; spell them as JSON would.
	out.Name = strings.ToValidUTF8(out.Name, "\uFFFD")
	out.Version = strings.ToValidUTF8(out.Version, "\uFFFD")
	out.Direct = prop(c.Properties, propDirect) == "true"
	if s, ok := propOK(c.Properties, propScope); ok {
		out.Scope = inventory.Scope(s)
	} else if !ours {
		switch c.Scope {
		case cdx.ScopeOptional:
			out.Scope = inventory.ScopeOptional
		case cdx.ScopeExcluded:
			out.Scope = inventory.ScopeDev
		default:
			out.Scope = inventory.ScopeRuntime
		}
	}
	out.Unpinned = prop(c.Properties, propUnpinned) == "true"
	out.Source = prop(c.Properties, propSource)
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				out.Licenses = append(out.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				out.Licenses = append(out.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				out.Licenses = append(out.Licenses, l.License.Name)
			}
		}
	}
	// Hashes Encode would write as CycloneDX hashes come first, then the
	// rest in the order found, so that a second round trip keeps the order.
	var other []inventory.Hash
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			if h.Value == "" || h.Algorithm == "" {
				continue
			}
			v := inventory.Hash{Algorithm: string(h.Algorithm), Value: strings.ToLower(h.Value)}
			if _, ok := cdxHash[v.Algorithm]; ok && hexDigest.MatchString(v.Value) {
				out.Hashes = append(out.Hashes, v)
			} else {
				other = append(other, v)
			}
		}
	}
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			switch {
			case strings.HasPrefix(pr.Name, propHashPrefix):
				other = append(other, inventory.Hash{Algorithm: strings.TrimPrefix(pr.Name, propHashPrefix), Value: pr.Value})
			case pr.Name == propLocation:
				out.Locations = append(out.Locations, parseLocation(pr.Value))
			}
		}
	}
	out.Hashes = append(out.Hashes, other...)
	out.Properties = prefixed(c.Properties, propPropertyPref)
	if !ours && len(out.Locations) == 0 {
		line := d.lines[c.BOMRef]
		if line == 0 {
			line = d.lines[c.PackageURL]
		}
		out.Locations = []inventory.Location{{Path: d.path, Line: line}}
	}
	return out, true
}

func prop(ps *[]cdx.Property, name string) string {
	v, _ := propOK(ps, name)
	return v
}

func propOK(ps *[]cdx.Property, name string) (string, bool) {
	if ps == nil {
		return "", false
	}
	for _, p := range *ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func prefixed(ps *[]cdx.Property, prefix string) map[string]string {
	if ps == nil {
		return nil
	}
	var m map[string]string
	for _, p := range *ps {
		if k, ok := strings.CutPrefix(p.Name, prefix); ok {
			if m == nil {
				m = map[string]string{}
			}
			m[k] = p.Value
		}
	}
	return m
}
