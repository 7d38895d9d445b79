package sbomdecode

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

func TestKeyLines(t *testing.T) {
	data := []byte(`{
  "SPDXID": "SPDXRef-DOCUMENT",
  "comment": "not a key: \"SPDXID\": \"SPDXRef-fake\"",
  "packages": [
    {"SPDXID" : "SPDXRef-a", "name": "a"},
    {
      "SPDXID":
        "SPDXRef-b\u0021"
    },
    {"SPDXID": "SPDXRef-a"},
    {"SPDXID": 7},
    {"purl": "pkg:npm/x@1"}
  ],
  "SPDXID": "unterminated`)
	want := map[string]int{"SPDXRef-DOCUMENT": 2, "SPDXRef-a": 5, "SPDXRef-b!": 7, "pkg:npm/x@1": 12}
	if diff := cmp.Diff(want, KeyLines(data, "SPDXID", "purl")); diff != "" {
		t.Errorf("KeyLines (-want +got):\n%s", diff)
	}
}

func TestConnect(t *testing.T) {
	const root = "bom.json"
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: root})
	for _, p := range []string{"pkg:npm/a@1", "pkg:npm/b@1", "pkg:npm/c@1", "pkg:npm/d@1", "pkg:npm/e@1", "pkg:npm/f@1"} {
		g.Add(inventory.Component{PURL: p, Name: p})
	}
	// a is direct; b has no parent; c and d form a cycle nothing enters;
	// e is reached from b; f only from the cycle.
	for _, e := range [][2]string{
		{root, "pkg:npm/a@1"}, {"pkg:npm/b@1", "pkg:npm/e@1"},
		{"pkg:npm/c@1", "pkg:npm/d@1"}, {"pkg:npm/d@1", "pkg:npm/c@1"}, {"pkg:npm/d@1", "pkg:npm/f@1"},
	} {
		g.AddEdge(e[0], e[1])
	}
	Connect(g, root)
	// The orphan b is attached, then the first member of the cycle.
	want := []string{"pkg:npm/a@1", "pkg:npm/b@1", "pkg:npm/c@1"}
	if diff := cmp.Diff(want, g.Children(root)); diff != "" {
		t.Errorf("root's children (-want +got):\n%s", diff)
	}
	Connect(g, root)
	if diff := cmp.Diff(want, g.Children(root)); diff != "" {
		t.Errorf("a second Connect changed the root's children (-want +got):\n%s", diff)
	}
}

func TestRead(t *testing.T) {
	path, data, err := Read(strings.NewReader("{}"), "", 0)
	if path != "sbom" || string(data) != "{}" || err != nil {
		t.Errorf("Read = %q, %q, %v; want the default path and the content", path, data, err)
	}
	path, _, err = Read(strings.NewReader("{\"a\": 1}"), "in/bom.json", 4)
	var e *extract.Error
	if path != "in/bom.json" || !errors.As(err, &e) || e.Path != "in/bom.json" || !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("Read past the limit = %q, %v; want an *extract.Error wrapping ErrTooLarge", path, err)
	}
}
