package advisory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// Benchmarks over the real exports in ../shared/osv (skipped without them):
//
//	go test -run='^$' -bench=. -benchtime=5x ./advisory

// BenchmarkImport imports both shared exports into a new database.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	srcs := []string{sharedZip(b, "Go"), sharedZip(b, "PyPI")}
	records := 0
	for b.Loop() {
		s, err := Open(ctx, filepath.Join(b.TempDir(), "advisories.db"))
		if err != nil {
			b.Fatal(err)
		}
		records = 0
		for _, src := range srcs {
			st, err := s.Import(ctx, src)
			if err != nil {
				b.Fatal(err)
			}
			records += st.Read
		}
		s.Close()
	}
	b.ReportMetric(float64(records), "records/op")
}

// component is what matching needs of one.
type component struct{ ecosystem, name, version string }

// syntheticComponents draws n components from the packages the index
// names, at random versions in the ecosystem's spelling (Go with "v").
func syntheticComponents(ix *Index, n int) []component {
	keys := make([]indexKey, 0, len(ix.byKey))
	for k := range ix.byKey {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b indexKey) int {
		if a.ecosystem != b.ecosystem {
			if a.ecosystem < b.ecosystem {
				return -1
			}
			return 1
		}
		if a.name < b.name {
			return -1
		}
		if a.name > b.name {
			return 1
		}
		return 0
	})
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]component, n)
	for i := range out {
		k := keys[r.IntN(len(keys))]
		v := fmt.Sprintf("%d.%d.%d", r.IntN(4), r.IntN(30), r.IntN(20))
		if k.ecosystem == "Go" {
			v = "v" + v
		}
		out[i] = component{k.ecosystem, k.name, v}
	}
	return out
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	srcs := []string{sharedZip(b, "Go"), sharedZip(b, "PyPI")}
	s, err := Open(ctx, filepath.Join(b.TempDir(), "advisories.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for _, src := range srcs {
		if _, err := s.Import(ctx, src); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkLoadMatch loads Go and PyPI into an index and matches 10,000
// components against it: the work of one scan, warm (the file in the page
// cache).
func BenchmarkLoadMatch(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	ix, err := s.Load(ctx, []string{"Go", "PyPI"})
	if err != nil {
		b.Fatal(err)
	}
	comps := syntheticComponents(ix, 10000)
	var found, unknown int
	for b.Loop() {
		ix, err := s.Load(ctx, []string{"Go", "PyPI"})
		if err != nil {
			b.Fatal(err)
		}
		found, unknown = 0, 0
		for _, c := range comps {
			a, u := ix.Match(c.ecosystem, c.name, c.version)
			found += len(a)
			unknown += len(u)
		}
	}
	b.ReportMetric(float64(found), "matches/op")
	b.ReportMetric(float64(unknown), "unknown/op")
}

// BenchmarkLoad loads Go and PyPI into an index.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	n := 0
	for b.Loop() {
		ix, err := s.Load(ctx, []string{"Go", "PyPI"})
		if err != nil {
			b.Fatal(err)
		}
		n = ix.Len()
	}
	b.ReportMetric(float64(n), "records/op")
}

// BenchmarkMatch matches 10,000 components against a loaded index (its
// version cache warm after the first round).
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	ix, err := s.Load(ctx, []string{"Go", "PyPI"})
	if err != nil {
		b.Fatal(err)
	}
	comps := syntheticComponents(ix, 10000)
	for b.Loop() {
		for _, c := range comps {
			ix.Match(c.ecosystem, c.name, c.version)
		}
	}
}
