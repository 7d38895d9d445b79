package match

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Tests and benchmarks over the real OSV exports in ../shared/osv, skipped
// without them:
//
//	go test -run=Real ./match
//	go test -run='^$' -bench=. -benchtime=10x ./match

// sharedZip returns the path of a shared OSV export, or skips.
func sharedZip(t testing.TB, ecosystem string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "osv", ecosystem, "all.zip")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real OSV export %s not available (%v): the shared data lives in ../shared/osv beside the repository", p, err)
	}
	return p
}

// realStore imports the shared Go and PyPI exports into a new database.
func realStore(t testing.TB) *advisory.Store {
	t.Helper()
	ctx := context.Background()
	srcs := []string{sharedZip(t, "Go"), sharedZip(t, "PyPI")}
	s, err := advisory.Open(ctx, filepath.Join(t.TempDir(), "advisories.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, src := range srcs {
		if _, err := s.Import(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestRealData matches a small project against the real Go and PyPI data:
// golang.org/x/net at v0.50.0 (reached through a direct dependency), a
// module whose only record is withdrawn, and PyPI packages whose PYSEC
// records duplicate each other (distributed) or share a GHSA id (parlai).
func TestRealData(t *testing.T) {
	ctx := context.Background()
	s := realStore(t)
	b := newGraph().
		root("go.mod", inventory.KindManifest, map[string]string{"go": "1.22"}).
		root("requirements.txt", inventory.KindManifest, nil)
	web := b.comp("go.mod", purl.Go, "example.com/webkit", "v1.0.0", "go.mod", 5, nil)
	b.comp(web, purl.Go, "golang.org/x/net", "v0.50.0", "go.mod", 12, nil)
	// GO-2026-4923, its only record, is withdrawn.
	b.comp("go.mod", purl.Go, "go.etcd.io/bbolt", "v1.3.0", "go.mod", 6, nil)
	b.comp("requirements.txt", purl.PyPI, "distributed", "2021.9.0", "requirements.txt", 1, nil)
	b.comp("requirements.txt", purl.PyPI, "ParlAI", "1.0.0", "requirements.txt", 2, nil)
	b.comp("requirements.txt", purl.PyPI, "gdal", "3.3.2", "requirements.txt", 3, nil)
	g := b.g

	if got, want := Ecosystems(g), []string{"Go", "PyPI"}; !cmp.Equal(got, want) {
		t.Fatalf("Ecosystems = %v, want %v", got, want)
	}
	ix, err := s.Load(ctx, Ecosystems(g))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Match(ctx, g, Options{Indexes: []Source{{Name: SourceOSV, Index: ix}}, Ecosystems: []string{"Go", "PyPI"}})
	if err != nil {
		t.Fatal(err)
	}

	// What a reader checks first of each finding.
	type brief struct {
		Component   string
		ID          string
		Aliases     []string
		Severity    finding.Severity
		Score       float64
		Fixed       []string
		Evidence    []string
		Remediation string
	}
	var got []brief
	for _, f := range res.Findings {
		got = append(got, brief{f.Component, f.ID, f.Aliases, f.Severity, f.Score, f.Fixed, f.Evidence, f.Remediation})
	}
	const net = "pkg:golang/golang.org/x/net@v0.50.0"
	netFinding := func(cve, goID, fixed string, ghsa ...string) brief {
		ev := "introduced 0, fixed " + fixed + " (SEMVER)"
		if goID == "GO-2026-4559" {
			ev = "introduced 0.50.0, fixed " + fixed + " (SEMVER)"
		}
		return brief{
			Component: net, ID: cve, Aliases: append(append([]string{cve}, ghsa...), goID),
			Fixed:       []string{"v" + fixed},
			Evidence:    []string{goID + ": " + ev},
			Remediation: "upgrade golang.org/x/net (via direct dependency example.com/webkit) to >= v" + fixed,
		}
	}
	want := []brief{
		{
			Component: "pkg:pypi/gdal@3.3.2", ID: "CVE-2021-45943", Aliases: []string{"CVE-2021-45943", "PYSEC-2022-43065"},
			Severity: finding.Medium, Score: 5.5, Fixed: []string{"3.4.1"},
			Evidence:    []string{"PYSEC-2022-43065: introduced 3.3.0, fixed 3.4.1 (ECOSYSTEM)"},
			Remediation: "upgrade gdal to >= 3.4.1",
		},
		{
			// Two records of two CVEs that share GHSA-m87f-9fvv-2mgg.
			Component: "pkg:pypi/parlai@1.0.0", ID: "CVE-2021-24040",
			Aliases: []string{"CVE-2021-24040", "CVE-2021-39207", "GHSA-m87f-9fvv-2mgg", "GHSA-mwgj-7x7j-6966", "PYSEC-2021-330", "PYSEC-2021-334"},
			Fixed:   []string{"1.1.0"},
			Evidence: []string{
				"PYSEC-2021-330: introduced 0, fixed 1.1.0 (ECOSYSTEM)",
				"PYSEC-2021-334: introduced 0, fixed 1.1.0 (ECOSYSTEM)",
			},
			Remediation: "upgrade ParlAI to >= 1.1.0",
		},
		{
			// Two PYSEC records of one CVE.
			Component: "pkg:pypi/distributed@2021.9.0", ID: "CVE-2021-42343",
			Aliases: []string{"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr", "GHSA-j8fq-86c5-5v2r", "PYSEC-2021-871", "PYSEC-2021-872"},
			Fixed:   []string{"2021.10.0"},
			Evidence: []string{
				"PYSEC-2021-871: introduced 0, fixed 2021.10.0 (ECOSYSTEM)",
				"PYSEC-2021-872: introduced 0, fixed 2021.10.0 (ECOSYSTEM)",
			},
			Remediation: "upgrade distributed to >= 2021.10.0",
		},
		netFinding("CVE-2026-25680", "GO-2026-5028", "0.55.0"),
		netFinding("CVE-2026-25681", "GO-2026-5029", "0.55.0"),
		netFinding("CVE-2026-27136", "GO-2026-5030", "0.55.0"),
		netFinding("CVE-2026-27141", "GO-2026-4559", "0.51.0"),
		netFinding("CVE-2026-33814", "GO-2026-4918", "0.53.0"),
		netFinding("CVE-2026-39821", "GO-2026-5026", "0.55.0"),
		netFinding("CVE-2026-42502", "GO-2026-5027", "0.55.0"),
		netFinding("CVE-2026-42506", "GO-2026-5025", "0.55.0"),
		netFinding("CVE-2026-46600", "GO-2026-5942", "0.56.0"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Unknown) != 0 || len(res.Skipped) != 0 {
		t.Errorf("unknown = %v, skipped = %v, want none", res.Unknown, res.Skipped)
	}
}

// syntheticGraph builds a graph of n components drawn from the packages the
// shared exports name (so that most of them meet records), at random
// versions, under 50 go.mod and requirements.txt roots with a direct layer
// and a transitive one, and a go.mod toolchain.
func syntheticGraph(t testing.TB, n int) *inventory.Graph {
	t.Helper()
	type pkg struct{ eco, name string }
	var pkgs []pkg
	for _, eco := range []string{"Go", "PyPI"} {
		names, err := exportPackages(sharedZip(t, eco))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			pkgs = append(pkgs, pkg{eco, name})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	g := inventory.New()
	var direct []string
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("svc%02d/go.mod", i)
		if i%2 == 1 {
			id = fmt.Sprintf("svc%02d/requirements.txt", i)
		}
		g.AddRoot(inventory.Root{ID: id, Kind: inventory.KindManifest, Properties: map[string]string{"go": "1.21", "toolchain": "go1.21.3"}})
	}
	roots := g.Roots()
	for i := 0; i < n; i++ {
		p := pkgs[r.IntN(len(pkgs))]
		v := fmt.Sprintf("%d.%d.%d", r.IntN(4), r.IntN(30), r.IntN(20))
		if p.eco == "Go" {
			v = "v" + v
		}
		c := inventory.Component{PURL: purl.For(p.eco, p.name, v, nil), Ecosystem: p.eco, Name: p.name, Version: v,
			Locations: []inventory.Location{{Path: "lock", Line: i + 1}}}
		if i%10 == 0 || len(direct) == 0 {
			c.Direct = true
			c = *g.Add(c)
			g.AddEdge(roots[r.IntN(len(roots))].ID, c.PURL)
			direct = append(direct, c.PURL)
			continue
		}
		g.Add(c)
		g.AddEdge(direct[r.IntN(len(direct))], c.PURL)
	}
	return g
}

// BenchmarkMatch matches a synthetic 10,000-component graph against the
// full Go and PyPI data, loaded once.
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	s := realStore(b)
	ix, err := s.Load(ctx, []string{"Go", "PyPI"})
	if err != nil {
		b.Fatal(err)
	}
	g := syntheticGraph(b, 10000)
	opt := Options{Indexes: []Source{{Name: SourceOSV, Index: ix}}}
	var res *Result
	for b.Loop() {
		if res, err = Match(ctx, g, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Len()), "components/op")
	b.ReportMetric(float64(len(res.Findings)), "findings/op")
	b.ReportMetric(float64(len(res.Unknown)), "unknown/op")
}

// BenchmarkLoadMatch is the work of one scan: load the ecosystems the graph
// needs from the database, then match.
func BenchmarkLoadMatch(b *testing.B) {
	ctx := context.Background()
	s := realStore(b)
	g := syntheticGraph(b, 10000)
	for b.Loop() {
		ix, err := s.Load(ctx, Ecosystems(g))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Match(ctx, g, Options{Indexes: []Source{{Name: SourceOSV, Index: ix}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// exportPackages lists the package names an OSV export's records affect,
// sorted.
func exportPackages(path string) ([]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	seen := map[string]bool{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		var v struct {
			Affected []struct {
				Package struct{ Name string } `json:"package"`
			} `json:"affected"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		for _, a := range v.Affected {
			seen[a.Package.Name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
