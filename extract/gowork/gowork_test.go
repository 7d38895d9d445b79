package gowork

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// result is what a test compares: the whole fragment an extraction gives.
type result = extracttest.Graph

// extractFile runs the extractor on path inside the fixture directory dir.
func extractFile(t *testing.T, dir, path string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), os.DirFS(dir), path)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		path string
		want result
	}{
		{
			name: "one-use",
			dir:  "testdata/one-use",
			path: "go.work",
			want: result{
				Roots: []*inventory.Root{{ID: "go.work", Kind: inventory.KindManifest, Properties: map[string]string{"go": "1.22"}}},
				Components: []*inventory.Component{{
					PURL: "pkg:golang/example.com/app", Ecosystem: "Go", Name: "example.com/app",
					Direct: true, Scope: inventory.ScopeRuntime, Source: "workspace:./app",
					Locations: []inventory.Location{{Path: "go.work", Line: 3}},
				}},
				Edges: []inventory.Edge{{From: "go.work", To: "pkg:golang/example.com/app"}},
			},
		},
		{
			// The scanned tree is testdata/workspace; the go.work is in ws/.
			// "../other" stays inside the tree and is followed;
			// "../../escape" and "/abs/mod" would leave it and are not.
			name: "workspace",
			dir:  "testdata/workspace",
			path: "ws/go.work",
			want: result{
				Roots: []*inventory.Root{{
					ID: "ws/go.work", Kind: inventory.KindManifest,
					Properties: map[string]string{
						"go":             "1.23.0",
						"toolchain":      "go1.23.4",
						"replace":        "golang.org/x/net@v0.17.0 => golang.org/x/net@v0.23.0; example.com/api => ./api",
						"unresolved_use": "./missing, ./empty, ../../escape, /abs/mod",
					},
				}},
				Components: []*inventory.Component{
					{
						PURL: "pkg:golang/example.com/api", Ecosystem: "Go", Name: "example.com/api",
						Direct: true, Scope: inventory.ScopeRuntime, Source: "workspace:./api",
						Locations: []inventory.Location{{Path: "ws/go.work", Line: 7}},
					},
					{
						PURL: "pkg:golang/example.com/other", Ecosystem: "Go", Name: "example.com/other",
						Direct: true, Scope: inventory.ScopeRuntime, Source: "workspace:../other",
						Locations: []inventory.Location{{Path: "ws/go.work", Line: 11}},
					},
					{
						PURL: "pkg:golang/example.com/ws", Ecosystem: "Go", Name: "example.com/ws",
						Direct: true, Scope: inventory.ScopeRuntime, Source: "workspace:.",
						Locations: []inventory.Location{{Path: "ws/go.work", Line: 6}},
					},
					{
						PURL: "pkg:golang/gen", Ecosystem: "Go", Name: "gen",
						Direct: true, Scope: inventory.ScopeRuntime, Source: "workspace:./tools/gen",
						Locations: []inventory.Location{{Path: "ws/go.work", Line: 8}},
					},
				},
				Edges: []inventory.Edge{
					{From: "ws/go.work", To: "pkg:golang/example.com/api"},
					{From: "ws/go.work", To: "pkg:golang/example.com/other"},
					{From: "ws/go.work", To: "pkg:golang/example.com/ws"},
					{From: "ws/go.work", To: "pkg:golang/gen"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, tt.dir, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, extracttest.Flatten(g)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"go.work", true},
		{"x/go.work", true},
		{"go.work.sum", false},
		{"go.mod", false},
	}
	for _, tt := range tests {
		if got := New().Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		line    int
		message string
	}{
		{name: "not-gowork", line: 1, message: "unexpected input character"},
		{name: "truncated", line: 5, message: "unterminated block started at go.work:3:1"},
		{name: "bad-directive", line: 4, message: "unknown directive: require"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractFile(t, "testdata/"+tt.name, "go.work")
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "go.work", Line: tt.line, Msg: tt.message})
		})
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/one-use/go.work", "testdata/workspace/ws/go.work", "testdata/not-gowork/go.work",
		"testdata/truncated/go.work", "testdata/bad-directive/go.work",
	)
	fsys := fstest.MapFS{
		"ws/a/go.mod": {Data: []byte("module example.com/a\n")},
		"b/go.mod":    {Data: []byte("module b\n")},
		"ws/go.mod":   {Data: []byte("module example.com/ws\n")},
	}
	// A go.work is one root with each used module straight below it.
	extracttest.Fuzz(f, New(), "ws/go.work", fsys, func(t testing.TB, g *inventory.Graph) {
		if g.Root("ws/go.work") == nil {
			t.Fatal("no root")
		}
		for _, c := range g.Components() {
			if ps := g.Parents(c.PURL); len(ps) != 1 || ps[0] != "ws/go.work" {
				t.Fatalf("component %s has parents %v, want the root", c.PURL, ps)
			}
		}
		for _, e := range g.Edges() {
			if g.Root(e.From) == nil {
				t.Fatalf("edge %v does not start at the root", e)
			}
		}
	})
}
