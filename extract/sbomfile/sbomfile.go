// Package sbomfile reads software bills of materials found in a scanned
// tree, or named on the command line, so that what another tool (or an
// earlier vouch run) inventoried is checked like a lockfile: CycloneDX JSON
// and XML, and SPDX 2.x JSON.
//
// It claims, by name, *.cdx.json, *.cdx.xml and *.spdx.json (whose names
// say the format), and bom.json, bom.xml, sbom.json, *.bom.json and
// *.sbom.json (whose names only say "a bill of materials", and whose
// content decides). As an extract.Sniffer it also recognises either format
// by content in a file no extractor claims by name.
//
// The graph is the one package sbom/cyclonedx or sbom/spdx decodes: for
// another tool's BOM one root of kind "sbom" with the file as ID and
// location; for vouch's own output the roots and components it was written
// from. Root properties are documented there (sbom_format,
// sbom_spec_version, sbom_tool).
package sbomfile

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/sbom/cyclonedx"
	"github.com/vouchdev/vouch/sbom/spdx"
)

// Extractor reads CycloneDX and SPDX documents.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "sbomfile" }

// format is what a file holds.
type format int

const (
	unknown format = iota
	cycloneDXJSON
	cycloneDXXML
	spdxJSON
)

// byName is the format a file's name promises; unknown for the names that
// only say "a bill of materials".
func byName(path string) (f format, claimed bool) {
	base := strings.ToLower(extract.Base(path))
	switch {
	case strings.HasSuffix(base, ".cdx.json"):
		return cycloneDXJSON, true
	case strings.HasSuffix(base, ".cdx.xml"):
		return cycloneDXXML, true
	case strings.HasSuffix(base, ".spdx.json"):
		return spdxJSON, true
	case base == "bom.json", base == "bom.xml", base == "sbom.json",
		strings.HasSuffix(base, ".bom.json"), strings.HasSuffix(base, ".sbom.json"):
		return unknown, true
	}
	return unknown, false
}

// Claims implements extract.Extractor.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	_, claimed := byName(path)
	return claimed
}

// sniffWindow bounds how much of a file the markers are looked for in:
// real tools write them in the first few lines.
const sniffWindow = 64 << 10

var (
	cdxJSONMarker  = regexp.MustCompile(`"bomFormat"\s*:\s*"CycloneDX"`)
	spdxJSONMarker = regexp.MustCompile(`"spdxVersion"\s*:\s*"SPDX-2\.`)
	cdxXMLMarker   = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?bom\b[^>]*\bxmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*["']http://cyclonedx\.org/schema/bom/`)
)

// sniff tells the format from the start of a file.
func sniff(head []byte) format {
	if len(head) > sniffWindow {
		head = head[:sniffWindow]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return unknown
	}
	switch trimmed[0] {
	case '{':
		switch {
		case cdxJSONMarker.Match(head):
			return cycloneDXJSON
		case spdxJSONMarker.Match(head):
			return spdxJSON
		}
	case '<':
		if cdxXMLMarker.Match(head) {
			return cycloneDXXML
		}
	}
	return unknown
}

// Sniff implements extract.Sniffer.
func (*Extractor) Sniff(head []byte) bool { return sniff(head) != unknown }

// Extract implements extract.Extractor. A file claimed only by a generic
// name (bom.json) that turns out to be neither format yields no graph and
// no error; a file that says it is CycloneDX or SPDX, by name or content,
// and cannot be read is an error with the line where reading stopped.
func (e *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	f := sniff(data)
	if f == unknown {
		f, _ = byName(in.Path)
	}
	if f == unknown {
		f = topLevel(data)
	}
	if f == unknown {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var g *inventory.Graph
	switch f {
	case cycloneDXJSON, cycloneDXXML:
		g, err = cyclonedx.Decode(bytes.NewReader(data), cyclonedx.DecodeOptions{Path: in.Path})
	case spdxJSON:
		g, err = spdx.Decode(bytes.NewReader(data), spdx.DecodeOptions{Path: in.Path})
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// topLevel reads the format from the top-level keys of a JSON document
// whose markers were not near its start; unknown for anything else,
// including JSON that does not parse (an unrelated bom.json is no error).
func topLevel(data []byte) format {
	var head struct {
		BOMFormat   any `json:"bomFormat"`
		SPDXVersion any `json:"spdxVersion"`
	}
	if json.Unmarshal(data, &head) != nil {
		return unknown
	}
	if head.BOMFormat == "CycloneDX" {
		return cycloneDXJSON
	}
	if v, ok := head.SPDXVersion.(string); ok && strings.HasPrefix(v, "SPDX-2.") {
		return spdxJSON
	}
	return unknown
}
