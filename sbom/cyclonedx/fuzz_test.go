package cyclonedx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// FuzzDecode checks that no input makes Decode panic or fail without an
// *extract.Error naming the file, that what it returns is a well-formed
// graph, and that the graph survives Encode and Decode unchanged.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.cdx.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const path = "fuzz/bom.cdx.json"
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode(bytes.NewReader(data), DecodeOptions{Path: path, MaxComponents: 1000})
		if err != nil {
			var xe *extract.Error
			if !errors.As(err, &xe) || xe.Path != path {
				t.Fatalf("error %T %v is not an *extract.Error for %s", err, err, path)
			}
			return
		}
		checkWellFormed(t, g)
		var buf bytes.Buffer
		if err := Encode(&buf, g, Options{}); err != nil {
			t.Fatalf("Encode of a decoded graph: %v", err)
		}
		again, err := Decode(&buf, DecodeOptions{Path: path})
		if err != nil {
			t.Fatalf("Decode of vouch's own output: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(g.Roots(), again.Roots()); diff != "" {
			t.Errorf("roots changed by a round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(g.Components(), again.Components()); diff != "" {
			t.Errorf("components changed by a round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(g.Edges(), again.Edges()); diff != "" {
			t.Errorf("edges changed by a round trip (-first +second):\n%s", diff)
		}
	})
}

// checkWellFormed asserts what every consumer of a graph relies on: each
// component has a PURL and a name, each root an id that is not a PURL, and
// each edge runs from a root or component to a component.
func checkWellFormed(t *testing.T, g *inventory.Graph) {
	t.Helper()
	for _, c := range g.Components() {
		if c.PURL == "" || c.Name == "" {
			t.Errorf("component without PURL or name: %+v", c)
		}
	}
	for _, r := range g.Roots() {
		if r.ID == "" || !inventory.IsRoot(r.ID) {
			t.Errorf("root with bad id %q", r.ID)
		}
	}
	for _, e := range g.Edges() {
		if g.Root(e.From) == nil && g.Component(e.From) == nil {
			t.Errorf("edge from unknown node %q", e.From)
		}
		if g.Component(e.To) == nil {
			t.Errorf("edge to unknown component %q", e.To)
		}
	}
}
