package cyclonedx

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/sbom/internal/sbomdecode"
)

// jsonError turns a decoding error into an *extract.Error with the line
// and column where the decoder stopped (see extract.JSONError), pointing
// an unknown spec version at the specVersion key.
func jsonError(path string, data []byte, err error) error {
	if errors.Is(err, cdx.ErrInvalidSpecVersion) {
		e := &extract.Error{Path: path, Err: fmt.Errorf("json: specVersion: %w", err)}
		if i := bytes.Index(data, []byte(`"specVersion"`)); i >= 0 {
			e.Line, e.Column = extract.NewLineIndex(data).Position(int64(i))
		}
		return e
	}
	return extract.JSONError(path, data, err)
}

// refLines maps bom-refs and purls to the line they are written on, in a
// JSON or XML BOM.
func refLines(data []byte, isXML bool) map[string]int {
	if !isXML {
		return sbomdecode.KeyLines(data, "bom-ref", "purl")
	}
	idx := extract.NewLineIndex(data)
	lines := map[string]int{}
	scan := func(open, close string) {
		for i := 0; ; {
			j := bytes.Index(data[i:], []byte(open))
			if j < 0 {
				return
			}
			at := i + j
			start := at + len(open)
			k := bytes.Index(data[start:], []byte(close))
			if k < 0 {
				return
			}
			v := html.UnescapeString(strings.TrimSpace(string(data[start : start+k])))
			if _, dup := lines[v]; !dup {
				lines[v], _ = idx.Position(int64(at))
			}
			i = start + k
		}
	}
	scan(` bom-ref="`, `"`)
	scan(`<purl>`, `</purl>`)
	return lines
}
