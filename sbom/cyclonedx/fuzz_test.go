package cyclonedx

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/sbom/internal/sbomtest"
)

// codec is how the shared SBOM tests decode and encode CycloneDX.
var codec = sbomtest.Codec{
	Decode: func(r io.Reader, path string, max int) (*inventory.Graph, error) {
		return Decode(r, DecodeOptions{Path: path, MaxComponents: max})
	},
	Encode: func(w io.Writer, g *inventory.Graph) error { return Encode(w, g, Options{}) },
}

// FuzzDecode checks that no input makes Decode panic or fail without an
// *extract.Error naming the file, that what it returns is a well-formed
// graph, and that the graph survives Encode and Decode unchanged.
func FuzzDecode(f *testing.F) {
	sbomtest.FuzzRoundTrip(f, codec, filepath.Join("testdata", "*.cdx.*"), "fuzz/bom.cdx.json")
}
