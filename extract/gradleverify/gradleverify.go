// Package gradleverify reads Gradle's dependency verification metadata,
// gradle/verification-metadata.xml: the checksums (and PGP keys) of every
// artifact of every module Gradle verified for the build, plugins and
// build tools included, written by "gradle --write-verification-metadata".
//
// Each <component group= name= version=> becomes a Maven component at the
// line of its element, with an edge from the root (the file records no
// graph; the edge keeps the component reachable) and Direct false: the
// file does not say what the build declares. The walk merges a component
// with the same PURL from gradle.lockfile, so the lockfile's entries gain
// these hashes.
//
// Hashes: those of the module's main artifact, the one a consumer gets:
// "<name>-<version>.<ext>" (a .jar before other extensions), else
// "<name>.<ext>" as Kotlin multiplatform variants name theirs, among the
// artifacts that are not metadata (.pom, .module, -sources.jar,
// -javadoc.jar, .asc). A module with no other artifact than metadata (a
// parent POM, a BOM, a platform) has its .pom as main artifact. The .pom's
// own digests, when another artifact is main, are properties rather than
// hashes, since they are not digests of the component's file. Other
// artifacts (classified jars, variant jars, klibs) are not recorded. SHA-1,
// SHA-256 and SHA-512 are kept; MD5, which Gradle also accepts, is not, as
// it proves nothing about integrity. A digest that is not hexadecimal of
// the algorithm's length is reported at its line and skipped.
// <also-trust> values, further digests Gradle accepts for the same
// artifact, are a property: a consumer comparing a file with the hashes
// must not see two different SHA-256 values for one file.
//
// Scope: the file does not say how a module is used. When the build has
// lockfiles (gradle.lockfile, buildscript-gradle.lockfile and the legacy
// gradle/dependency-locks/ of the root project and of each project its
// settings script includes), a module they lock gets their scope (see
// gradlelock.Scope), so that merging with them does not turn test
// dependencies into runtime ones. A module no lockfile locks is runtime
// (an unknown use is not assumed harmless), except one with only
// metadata artifacts, which holds no code: build.
//
// Components whose group is empty (files Gradle fetched from ivy-style
// repositories, such as Kotlin/Native's prebuilt compilers) are not Maven
// modules and are counted in the root's "skipped" property rather than
// given a Maven PURL.
//
// XML is read with encoding/xml, which never fetches external entities; a
// DOCTYPE declaring entities is refused, nesting is capped at 32 levels.
//
// Component properties:
//
//	artifact                   the file whose digests are the hashes
//	pom_sha1, pom_sha256,      digests of the module's .pom when another
//	pom_sha512                 artifact is the main one
//	also_trusted               further accepted digests of the main
//	                           artifact, space-separated "sha256:<hex>"
//	pgp                        PGP key ids given for the main artifact,
//	                           space-separated
//	metadata_only              "true" when the module has no artifact but
//	                           metadata (.pom, .module)
//
// Root properties:
//
//	verify_metadata, verify_signatures  the configuration's flags, as written
//	scope_from                          the lockfiles the scopes come from,
//	                                    comma-separated
//	skipped                             the number of components without a
//	                                    group, which are not recorded
package gradleverify

import (
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/gradlelock"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Limits on hostile input. Gradle's own file verifies about 2,000
// components with a handful of artifacts each, six levels deep.
const (
	maxDepth        = 32
	maxComponents   = 1 << 20
	maxArtifacts    = 4096 // per component
	maxChecksums    = 64   // per artifact
	maxAttribute    = 64 << 10
	maxPropertyText = 64 << 10
)

// Extractor reads gradle/verification-metadata.xml.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gradleverify" }

// Claims implements extract.Extractor: verification-metadata.xml in a
// directory named gradle, where Gradle reads it.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return path == "gradle/verification-metadata.xml" || strings.HasSuffix(path, "/gradle/verification-metadata.xml")
}

// checksum is one digest element of an artifact.
type checksum struct {
	kind, value string
	also        []string
}

type artifact struct {
	name      string
	line      int
	checksums []checksum
	pgp       []string
}

type component struct {
	group, name, version string
	line                 int
	artifacts            []artifact
}

type metadata struct {
	verifyMetadata, verifySignatures string
	components                       []*component
	skipped                          int
}

// algorithms maps Gradle's checksum kinds to inventory names and hex
// lengths; md5 is read but not kept.
var algorithms = map[string]struct {
	name string
	size int
}{
	"sha1":   {"SHA-1", 40},
	"sha256": {"SHA-256", 64},
	"sha512": {"SHA-512", 128},
	"md5":    {"", 32},
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	probs := &extract.Problems{}
	md, err := parse(ctx, in, probs)
	if err != nil {
		return nil, err
	}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	setProp(root.Properties, "verify_metadata", md.verifyMetadata)
	setProp(root.Properties, "verify_signatures", md.verifySignatures)
	if md.skipped > 0 {
		root.Properties["skipped"] = strconv.Itoa(md.skipped)
	}
	// The build's root directory holds the gradle directory.
	scopes, read := gradlelock.BuildScopes(ctx, in.Root, extract.Dir(extract.Dir(in.Path)))
	if len(read) > 0 {
		root.Properties["scope_from"] = strings.Join(read, ",")
	}
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Extractor: x.Name(), Err: err}
	}
	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	g := inventory.New()
	g.AddRoot(root)
	for _, c := range md.components {
		comp := build(in.Path, c)
		if s, ok := scopes[c.group+":"+c.name+":"+c.version]; ok {
			comp.Scope = s
		}
		g.Add(comp)
		g.AddEdge(in.Path, comp.PURL)
	}
	return g, probs.Err()
}

func setProp(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// isMetadata reports whether an artifact file describes a module rather
// than holding its code.
func isMetadata(file string) bool {
	for _, s := range []string{".pom", ".module", "-sources.jar", "-javadoc.jar", ".asc"} {
		if strings.HasSuffix(file, s) {
			return true
		}
	}
	return false
}

// mainArtifact picks the artifact whose digests are the component's.
func mainArtifact(c *component) (main *artifact, pom *artifact, metadataOnly bool) {
	metadataOnly = true
	rank := 99
	for i := range c.artifacts {
		a := &c.artifacts[i]
		if a.name == c.name+"-"+c.version+".pom" {
			pom = a
		}
		if isMetadata(a.name) {
			continue
		}
		metadataOnly = false
		r := 99
		switch {
		case a.name == c.name+"-"+c.version+".jar":
			r = 0
		case strings.HasPrefix(a.name, c.name+"-"+c.version+".") && !strings.Contains(a.name[len(c.name)+len(c.version)+2:], "."):
			r = 1
		case a.name == c.name+".jar":
			r = 2
		case strings.HasPrefix(a.name, c.name+".") && !strings.Contains(a.name[len(c.name)+1:], "."):
			r = 3
		}
		if r < rank {
			rank, main = r, a
		}
	}
	if main == nil && metadataOnly {
		main = pom
	}
	return main, pom, metadataOnly
}

// build makes the component of one <component> element.
func build(file string, c *component) inventory.Component {
	name := c.group + ":" + c.name
	comp := inventory.Component{
		PURL:      purl.For(purl.Maven, name, c.version, nil),
		Ecosystem: purl.Maven,
		Name:      name,
		Version:   c.version,
		Scope:     inventory.ScopeRuntime,
		Locations: []inventory.Location{{Path: file, Line: c.line}},
	}
	props := map[string]string{}
	main, pom, metadataOnly := mainArtifact(c)
	if metadataOnly {
		comp.Scope = inventory.ScopeBuild
		props["metadata_only"] = "true"
	}
	if main != nil {
		props["artifact"] = main.name
		var also []string
		for _, cs := range main.checksums {
			alg := algorithms[cs.kind].name
			if alg == "" {
				continue
			}
			h := inventory.Hash{Algorithm: alg, Value: cs.value}
			if !containsHash(comp.Hashes, h) {
				comp.Hashes = append(comp.Hashes, h)
			}
			for _, a := range cs.also {
				also = append(also, cs.kind+":"+a)
			}
		}
		setProp(props, "also_trusted", strings.Join(also, " "))
		setProp(props, "pgp", strings.Join(main.pgp, " "))
	}
	if pom != nil && pom != main {
		for _, cs := range pom.checksums {
			if algorithms[cs.kind].name != "" {
				props["pom_"+cs.kind] = cs.value
			}
		}
	}
	if len(props) > 0 {
		comp.Properties = props
	}
	return comp
}

func containsHash(hs []inventory.Hash, h inventory.Hash) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

// countingReader fails once more than max bytes were read, so that the
// streaming decoder never takes in more than the size limit.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

var errTooLarge = fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, int64(extract.DefaultMaxFileSize))

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errTooLarge
	}
	return n, err
}

// parser streams the XML, tracking the path of open elements.
type parser struct {
	path  string
	dec   *xml.Decoder
	stack []string
	text  strings.Builder
	probs *extract.Problems
}

func (p *parser) errorf(line int, format string, args ...any) *extract.Error {
	return &extract.Error{Path: p.path, Line: line, Extractor: "gradleverify", Err: fmt.Errorf(format, args...)}
}

// syntaxError positions an error of the decoder.
func (p *parser) syntaxError(err error) *extract.Error {
	line, col := p.dec.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Line != line {
			col = 0
		}
		line = se.Line
	}
	if errors.Is(err, extract.ErrTooLarge) {
		return &extract.Error{Path: p.path, Extractor: "gradleverify", Err: err}
	}
	return &extract.Error{Path: p.path, Line: line, Column: col, Extractor: "gradleverify", Err: fmt.Errorf("xml: %w", err)}
}

func attr(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// at reports whether the open elements end with path.
func (p *parser) at(path ...string) bool {
	if len(p.stack) != len(path) {
		return false
	}
	for i := range path {
		if p.stack[i] != path[i] {
			return false
		}
	}
	return true
}

func parse(ctx context.Context, in *extract.Input, probs *extract.Problems) (*metadata, error) {
	src := &countingReader{r: in.Reader, max: extract.DefaultMaxFileSize}
	p := &parser{path: in.Path, dec: xml.NewDecoder(src), probs: probs}
	p.dec.Strict = true
	md := &metadata{}
	var comp *component
	var art *artifact
	var sum *checksum
	rootDone := false
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				line, _ := p.dec.InputPos()
				return nil, &extract.Error{Path: in.Path, Line: line, Extractor: "gradleverify", Err: err}
			}
		}
		line, _ := p.dec.InputPos()
		tok, err := p.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, p.syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return nil, p.errorf(line, "data after the root element")
			}
			if len(p.stack) == 0 && t.Name.Local != "verification-metadata" {
				return nil, p.errorf(line, "not Gradle verification metadata: root element <%s>", t.Name.Local)
			}
			if len(p.stack) >= maxDepth {
				return nil, p.errorf(line, "xml nested deeper than %d levels", maxDepth)
			}
			for _, a := range t.Attr {
				if len(a.Value) > maxAttribute {
					return nil, p.errorf(line, "attribute %s of %d bytes, limit %d", a.Name.Local, len(a.Value), maxAttribute)
				}
			}
			p.stack = append(p.stack, t.Name.Local)
			p.text.Reset()
			switch {
			case p.at("verification-metadata", "components", "component"):
				comp = nil
				g, _ := attr(t, "group")
				name, _ := attr(t, "name")
				v, _ := attr(t, "version")
				switch {
				case name == "" || v == "":
					probs.Add(p.errorf(line, "component without name or version"))
				case g == "":
					md.skipped++
				case len(md.components) >= maxComponents:
					return nil, p.errorf(line, "more than %d components", maxComponents)
				default:
					comp = &component{group: g, name: name, version: v, line: line}
					md.components = append(md.components, comp)
				}
			case p.at("verification-metadata", "components", "component", "artifact"):
				art = nil
				if comp == nil {
					break
				}
				name, _ := attr(t, "name")
				if name == "" {
					probs.Add(p.errorf(line, "artifact without name"))
					break
				}
				if len(comp.artifacts) >= maxArtifacts {
					return nil, p.errorf(line, "more than %d artifacts in a component", maxArtifacts)
				}
				comp.artifacts = append(comp.artifacts, artifact{name: name, line: line})
				art = &comp.artifacts[len(comp.artifacts)-1]
			case len(p.stack) == 5 && p.at("verification-metadata", "components", "component", "artifact", t.Name.Local):
				sum = nil
				if art == nil {
					break
				}
				v, _ := attr(t, "value")
				if t.Name.Local == "pgp" {
					if v != "" && len(art.pgp) < maxChecksums {
						art.pgp = append(art.pgp, v)
					}
					break
				}
				a, ok := algorithms[t.Name.Local]
				if !ok {
					break
				}
				if len(art.checksums) >= maxChecksums {
					return nil, p.errorf(line, "more than %d checksums in an artifact", maxChecksums)
				}
				v = strings.ToLower(v)
				if !isHex(v, a.size) {
					probs.Add(p.errorf(line, "%s of %s: want %d hexadecimal digits, got %q", t.Name.Local, art.name, a.size, clip(v)))
					break
				}
				art.checksums = append(art.checksums, checksum{kind: t.Name.Local, value: v})
				sum = &art.checksums[len(art.checksums)-1]
			case len(p.stack) == 6 && t.Name.Local == "also-trust":
				if sum == nil || p.stack[4] != sum.kind {
					break
				}
				v, _ := attr(t, "value")
				v = strings.ToLower(v)
				if !isHex(v, algorithms[sum.kind].size) {
					probs.Add(p.errorf(line, "also-trust of %s: want %d hexadecimal digits, got %q", art.name, algorithms[sum.kind].size, clip(v)))
					break
				}
				if len(sum.also) < maxChecksums {
					sum.also = append(sum.also, v)
				}
			}
		case xml.EndElement:
			switch {
			case p.at("verification-metadata", "configuration", "verify-metadata"):
				md.verifyMetadata = strings.TrimSpace(p.text.String())
			case p.at("verification-metadata", "configuration", "verify-signatures"):
				md.verifySignatures = strings.TrimSpace(p.text.String())
			}
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				rootDone = true
			}
		case xml.CharData:
			if len(p.stack) == 0 && len(strings.TrimSpace(string(t))) > 0 {
				return nil, p.errorf(line, "not XML: text outside the root element")
			}
			if len(p.stack) == 3 && p.stack[1] == "configuration" {
				if p.text.Len()+len(t) > maxPropertyText {
					return nil, p.errorf(line, "text of <%s> longer than %d bytes", p.stack[2], maxPropertyText)
				}
				p.text.Write(t)
			}
		case xml.Directive:
			if strings.Contains(string(t), "ENTITY") {
				return nil, p.errorf(line, "DOCTYPE declares entities; refused")
			}
		}
	}
	if !rootDone {
		line, _ := p.dec.InputPos()
		return nil, p.errorf(line, "no <verification-metadata> element")
	}
	return md, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// clip shortens a bad value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

var _ extract.Extractor = (*Extractor)(nil)
