// Package sbomdecode holds what the CycloneDX and SPDX decoders share:
// finding where a value is written in a JSON document the decoder has
// accepted, and completing the decoded graph so that every component hangs
// off the document's root.
package sbomdecode

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Read reads a whole document from r for the file at path ("sbom" when
// empty), failing past max bytes (extract.DefaultMaxFileSize when not
// positive). It returns the path errors are to name, and the content.
func Read(r io.Reader, path string, max int64) (string, []byte, error) {
	if path == "" {
		path = "sbom"
	}
	if max <= 0 {
		max = extract.DefaultMaxFileSize
	}
	data, err := extract.ReadAll(&extract.Input{Path: path, Reader: r}, max)
	return path, data, err
}

// KeyLines maps each string value of the given object keys to the line of
// its first occurrence, scanning the raw bytes rather than decoding again:
// it serves only to point a reader at a component in a file the decoder has
// already accepted. A key inside a string value is preceded by a backslash
// and skipped.
func KeyLines(data []byte, keys ...string) map[string]int {
	idx := extract.NewLineIndex(data)
	lines := map[string]int{}
	for _, key := range keys {
		pat := []byte(`"` + key + `"`)
		for i := 0; ; {
			j := bytes.Index(data[i:], pat)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(pat)
			if at > 0 && data[at-1] == '\\' {
				continue
			}
			k := skipSpace(data, i)
			if k >= len(data) || data[k] != ':' {
				continue
			}
			k = skipSpace(data, k+1)
			if k >= len(data) || data[k] != '"' {
				continue
			}
			end, ok := stringEnd(data, k)
			if !ok {
				break
			}
			var v string
			if json.Unmarshal(data[k:end], &v) == nil {
				if _, dup := lines[v]; !dup {
					lines[v], _ = idx.Position(int64(at))
				}
			}
			i = end
		}
	}
	return lines
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the offset just past the JSON string starting at
// data[start] (a quote).
func stringEnd(data []byte, start int) (int, bool) {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// Connect adds an edge from root to every component nothing reaches from
// it: first to those with no parent at all, then, for cycles no such
// component leads into, to the first unreached one in PURL order.
func Connect(g *inventory.Graph, root string) {
	seen := map[string]bool{root: true}
	visit := func(id string) {
		stack := []string{id}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range g.Children(n) {
				if !seen[c] {
					seen[c] = true
					stack = append(stack, c)
				}
			}
		}
	}
	visit(root)
	comps := g.Components()
	attach := func(orphansOnly bool) {
		for _, c := range comps {
			if !seen[c.PURL] && (!orphansOnly || len(g.Parents(c.PURL)) == 0) {
				g.AddEdge(root, c.PURL)
				seen[c.PURL] = true
				visit(c.PURL)
			}
		}
	}
	attach(true)
	attach(false)
}
