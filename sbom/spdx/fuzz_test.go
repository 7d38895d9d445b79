package spdx

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/sbom/internal/sbomtest"
)

// codec is how the shared SBOM tests decode and encode SPDX.
var codec = sbomtest.Codec{
	Decode: func(r io.Reader, path string, max int) (*inventory.Graph, error) {
		return Decode(r, DecodeOptions{Path: path, MaxPackages: max})
	},
	Encode: func(w io.Writer, g *inventory.Graph) error {
		return Encode(w, g, Options{Timestamp: sbomtest.FixedTime})
	},
}

// FuzzDecode checks that no input makes Decode panic or fail without an
// *extract.Error naming the file, that what it returns is a well-formed
// graph, and that the graph survives Encode and Decode unchanged.
func FuzzDecode(f *testing.F) {
	sbomtest.FuzzRoundTrip(f, codec, filepath.Join("testdata", "*.spdx.json"), "fuzz/bom.spdx.json")
}
