package sbomtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// TestEveryField checks the shared graph is one the encoders can be held
// to: well formed, every component under a root, and as large as its
// description says.
func TestEveryField(t *testing.T) {
	g := EveryField()
	extracttest.CheckGraph(t, g)
	extracttest.CheckReachable(t, g)
	if len(g.Roots()) != 5 || g.Len() != 11 || len(g.Edges()) != 12 {
		t.Errorf("%d roots, %d components, %d edges; want 5, 11, 12", len(g.Roots()), g.Len(), len(g.Edges()))
	}
	// Each call builds a fresh graph, so a test may change its own.
	g.Add(inventory.Component{PURL: "pkg:npm/extra@1.0.0", Name: "extra"})
	if EveryField().Component("pkg:npm/extra@1.0.0") != nil {
		t.Errorf("a change to one EveryField graph shows in the next")
	}
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	Golden(t, path, []byte("first\n"), true)
	if data, err := os.ReadFile(path); err != nil || string(data) != "first\n" {
		t.Fatalf("golden file after update: %q, %v", data, err)
	}
	// Without update the file is only compared.
	Golden(t, path, []byte("first\n"), false)
}
