package inventory

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddMerges(t *testing.T) {
	g := New()
	g.Add(Component{PURL: "pkg:npm/ms@2.0.0", Name: "ms", Version: "2.0.0", Scope: ScopeDev,
		Hashes: []Hash{{"SHA-512", "aa"}}, Locations: []Location{{Path: "a/package-lock.json", Line: 10}},
		Properties: map[string]string{"alias": "x"}})
	g.Add(Component{PURL: "pkg:npm/ms@2.0.0", Name: "ms", Version: "2.0.0", Direct: true, Scope: ScopeRuntime,
		Hashes: []Hash{{"SHA-512", "aa"}, {"SHA-1", "bb"}}, Licenses: []string{"MIT"},
		Locations: []Location{{Path: "b/package-lock.json", Line: 3}}, Properties: map[string]string{"alias": "y", "bundled": "true"}})
	want := &Component{PURL: "pkg:npm/ms@2.0.0", Name: "ms", Version: "2.0.0", Direct: true, Scope: ScopeRuntime,
		Licenses:   []string{"MIT"},
		Hashes:     []Hash{{"SHA-512", "aa"}, {"SHA-1", "bb"}},
		Locations:  []Location{{Path: "a/package-lock.json", Line: 10}, {Path: "b/package-lock.json", Line: 3}},
		Properties: map[string]string{"alias": "x", "bundled": "true"}}
	if diff := cmp.Diff(want, g.Component("pkg:npm/ms@2.0.0")); diff != "" {
		t.Errorf("merged component (-want +got):\n%s", diff)
	}
}

func TestScopeMergeKeepsMostRuntime(t *testing.T) {
	tests := []struct {
		a, b, want Scope
	}{
		{ScopeDev, ScopeRuntime, ScopeRuntime},
		{ScopeDev, ScopeOptional, ScopeOptional},
		{ScopeTest, ScopeDev, ScopeTest},
		{ScopePeer, ScopeDev, ScopePeer},
		{ScopeRuntime, ScopeDev, ScopeRuntime},
	}
	for _, tt := range tests {
		g := New()
		g.Add(Component{PURL: "pkg:npm/x@1", Scope: tt.a})
		g.Add(Component{PURL: "pkg:npm/x@1", Scope: tt.b})
		if got := g.Component("pkg:npm/x@1").Scope; got != tt.want {
			t.Errorf("merge %s + %s = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

// express-like graph with a diamond and a cycle.
func sample() *Graph {
	g := New()
	g.AddRoot(Root{ID: "package-lock.json", Kind: KindManifest})
	for _, p := range []string{"pkg:npm/express@4.21.2", "pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0",
		"pkg:npm/send@0.19.0", "pkg:npm/a@1", "pkg:npm/b@1"} {
		g.Add(Component{PURL: p, Name: p[8:]})
	}
	g.AddEdge("package-lock.json", "pkg:npm/express@4.21.2")
	g.AddEdge("pkg:npm/express@4.21.2", "pkg:npm/debug@2.6.9")
	g.AddEdge("pkg:npm/express@4.21.2", "pkg:npm/send@0.19.0")
	g.AddEdge("pkg:npm/send@0.19.0", "pkg:npm/debug@2.6.9")
	g.AddEdge("pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0")
	// a <-> b cycle reachable from the root through a.
	g.AddEdge("package-lock.json", "pkg:npm/a@1")
	g.AddEdge("pkg:npm/a@1", "pkg:npm/b@1")
	g.AddEdge("pkg:npm/b@1", "pkg:npm/a@1")
	g.AddEdge("pkg:npm/b@1", "pkg:npm/ms@2.0.0")
	return g
}

func TestPaths(t *testing.T) {
	g := sample()
	// ms and a have the a <-> b cycle in their ancestry: their counts are
	// right but cannot be known exact.
	tests := []struct {
		id           string
		limit        int
		wantPaths    [][]string
		wantTotal    int
		wantComplete bool
	}{
		{"pkg:npm/ms@2.0.0", 10, [][]string{
			{"package-lock.json", "pkg:npm/a@1", "pkg:npm/b@1", "pkg:npm/ms@2.0.0"},
			{"package-lock.json", "pkg:npm/express@4.21.2", "pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"},
			{"package-lock.json", "pkg:npm/express@4.21.2", "pkg:npm/send@0.19.0", "pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"},
		}, 3, false},
		{"pkg:npm/ms@2.0.0", 1, [][]string{
			{"package-lock.json", "pkg:npm/a@1", "pkg:npm/b@1", "pkg:npm/ms@2.0.0"},
		}, 3, false},
		{"pkg:npm/express@4.21.2", 5, [][]string{{"package-lock.json", "pkg:npm/express@4.21.2"}}, 1, true},
		{"pkg:npm/a@1", 5, [][]string{{"package-lock.json", "pkg:npm/a@1"}}, 1, false},
		{"pkg:npm/missing@1", 5, nil, 0, true},
	}
	for _, tt := range tests {
		paths, total, complete := g.Paths(tt.id, tt.limit)
		if diff := cmp.Diff(tt.wantPaths, paths); diff != "" {
			t.Errorf("Paths(%s, %d) (-want +got):\n%s", tt.id, tt.limit, diff)
		}
		if total != tt.wantTotal || complete != tt.wantComplete {
			t.Errorf("Paths(%s) total=%d complete=%v, want %d %v", tt.id, total, complete, tt.wantTotal, tt.wantComplete)
		}
	}
}

func TestDirect(t *testing.T) {
	got := sample().Direct("pkg:npm/ms@2.0.0", 10)
	want := []string{"pkg:npm/a@1", "pkg:npm/express@4.21.2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Direct (-want +got):\n%s", diff)
	}
}

// TestPathsBudget checks that a graph with exponentially many paths is cut
// off with complete=false rather than exhausting memory.
func TestPathsBudget(t *testing.T) {
	g := New()
	g.AddRoot(Root{ID: "r", Kind: KindManifest})
	prev := []string{"r"}
	for layer := 0; layer < 40; layer++ {
		var cur []string
		for i := 0; i < 2; i++ {
			p := "pkg:npm/n" + string(rune('a'+i)) + "@" + string(rune('0'+layer%10)) + string(rune('a'+layer/10))
			g.Add(Component{PURL: p})
			for _, q := range prev {
				g.AddEdge(q, p)
			}
			cur = append(cur, p)
		}
		prev = cur
	}
	paths, total, complete := g.Paths(prev[0], 3)
	if complete {
		t.Fatalf("complete = true for 2^40 paths")
	}
	if len(paths) != 3 {
		t.Fatalf("got %d paths, want the limit 3", len(paths))
	}
	for _, p := range paths {
		if len(p) != 41 || p[0] != "r" || p[40] != prev[0] {
			t.Errorf("path %v: want 41 nodes from r to %s", p, prev[0])
		}
	}
	if total != math.MaxInt32 {
		t.Errorf("total = %d, want the saturated count %d", total, math.MaxInt32)
	}
}

func TestMergeGraphs(t *testing.T) {
	a := New()
	a.AddRoot(Root{ID: "go.mod", Kind: KindManifest})
	a.Add(Component{PURL: "pkg:golang/x@v1", Direct: true})
	a.AddEdge("go.mod", "pkg:golang/x@v1")
	b := New()
	b.AddRoot(Root{ID: "bin/app", Kind: KindBinary, Properties: map[string]string{"go_version": "go1.26"}})
	b.Add(Component{PURL: "pkg:golang/x@v1", Direct: true})
	b.AddEdge("bin/app", "pkg:golang/x@v1")
	a.Merge(b)
	if got, want := a.Parents("pkg:golang/x@v1"), []string{"bin/app", "go.mod"}; !cmp.Equal(got, want) {
		t.Errorf("parents = %v, want %v", got, want)
	}
	if len(a.Roots()) != 2 || a.Root("bin/app").Properties["go_version"] != "go1.26" {
		t.Errorf("roots after merge: %+v", a.Roots())
	}
	if a.Len() != 1 {
		t.Errorf("Len = %d, want 1", a.Len())
	}
}
