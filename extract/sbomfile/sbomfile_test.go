package sbomfile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/sbom/cyclonedx"
	"github.com/vouchdev/vouch/sbom/spdx"
)

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"bom.json", true},
		{"sub/dir/BOM.JSON", true},
		{"bom.xml", true},
		{"sbom.json", true},
		{"app.cdx.json", true},
		{"app.cdx.xml", true},
		{"image.spdx.json", true},
		{"release.bom.json", true},
		{"release.sbom.json", true},
		{"package.json", false},
		{"bom.yaml", false},
		{"pom.xml", false},
		{"mybom.json", false},
		{"app.spdx", false},
		{"app.spdx.json.bak", false},
	}
	e := New()
	for _, tt := range tests {
		if got := e.Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	dir := fstest.MapFS{"bom.json": &fstest.MapFile{Mode: fs.ModeDir}}
	info, err := fs.Stat(dir, "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	if e.Claims("bom.json", info) {
		t.Errorf("Claims a directory named bom.json")
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name, head string
		want       bool
	}{
		{"cyclonedx json", `{"$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json", "bomFormat" : "CycloneDX"`, true},
		{"cyclonedx json with bom", "\xef\xbb\xbf\n{\n  \"bomFormat\":\"CycloneDX\"", true},
		{"spdx json", "{\n  \"spdxVersion\": \"SPDX-2.3\",", true},
		{"spdx 2.2", `{"SPDXID": "SPDXRef-DOCUMENT", "spdxVersion": "SPDX-2.2"}`, true},
		{"cyclonedx xml", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">`, true},
		{"cyclonedx xml, prefixed, single quotes", `<cdx:bom version="1" xmlns:cdx='http://cyclonedx.org/schema/bom/1.4'>`, true},
		{"spdx 3", `{"@context": "https://spdx.org/rdf/3.0.0/spdx-context.jsonld", "spdxVersion": "SPDX-3.0"}`, false},
		{"other json", `{"name": "x", "bomFormat": "Other"}`, false},
		{"marker inside an array", `["bomFormat", "CycloneDX"]`, false},
		{"other xml", `<project xmlns="http://maven.apache.org/POM/4.0.0">`, false},
		{"empty", "", false},
		{"binary", "\x7fELF\x02\x01", false},
	}
	e := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.Sniff([]byte(tt.head)); got != tt.want {
				t.Errorf("Sniff = %v, want %v", got, tt.want)
			}
		})
	}
}

// extractFile runs Extract on data as if found at path.
func extractFile(t testing.TB, path string, data []byte) (*inventory.Graph, error) {
	t.Helper()
	return New().Extract(context.Background(), &extract.Input{Path: path, Reader: bytes.NewReader(data)})
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type graphWant struct {
	roots []*inventory.Root
	comps []*inventory.Component
	edges []inventory.Edge
}

func checkGraph(t *testing.T, want graphWant, got *inventory.Graph) {
	t.Helper()
	extracttest.Diff(t, extracttest.Graph{Roots: want.roots, Components: want.comps, Edges: want.edges}, got)
}

func TestExtract(t *testing.T) {
	const (
		xtext = "pkg:golang/golang.org/x/text@v0.14.0"
		rack  = "pkg:gem/rack@3.0.8"
		serde = "pkg:cargo/serde@1.0.197"
	)
	rt := inventory.ScopeRuntime
	cdxRoot := func(id, name, version, spec string) *inventory.Root {
		return &inventory.Root{ID: id, Kind: inventory.KindSBOM, Name: name, Version: version,
			Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": spec}}
	}
	tests := []struct {
		name, fixture, path string
		want                graphWant
	}{
		{
			name: "cyclonedx json under a generic name", fixture: "one-package.cdx.json", path: "app/bom.json",
			want: graphWant{
				roots: []*inventory.Root{cdxRoot("app/bom.json", "app", "2.0.0", "1.5")},
				comps: []*inventory.Component{{PURL: xtext, Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.14.0",
					Direct: true, Scope: rt, Licenses: []string{"BSD-3-Clause"}, Locations: []inventory.Location{{Path: "app/bom.json", Line: 15}}}},
				edges: []inventory.Edge{{From: "app/bom.json", To: xtext}},
			},
		},
		{
			name: "cyclonedx xml", fixture: "one-package.cdx.xml", path: "bom.xml",
			want: graphWant{
				roots: []*inventory.Root{cdxRoot("bom.xml", "", "", "1.4")},
				comps: []*inventory.Component{{PURL: rack, Ecosystem: "RubyGems", Name: "rack", Version: "3.0.8",
					Direct: true, Scope: rt, Locations: []inventory.Location{{Path: "bom.xml", Line: 4}}}},
				edges: []inventory.Edge{{From: "bom.xml", To: rack}},
			},
		},
		{
			name: "spdx json under a generic name", fixture: "one-package.spdx.json", path: "dist/release.sbom.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: "dist/release.sbom.json", Kind: inventory.KindSBOM, Name: "service",
					Properties: map[string]string{"sbom_format": "SPDX", "sbom_spec_version": "SPDX-2.3", "sbom_tool": "example-sbom-tool-1.0"}}},
				comps: []*inventory.Component{{PURL: serde, Ecosystem: "crates.io", Name: "serde", Version: "1.0.197",
					Direct: true, Scope: rt, Licenses: []string{"MIT OR Apache-2.0"},
					Locations: []inventory.Location{{Path: "dist/release.sbom.json", Line: 16}}}},
				edges: []inventory.Edge{{From: "dist/release.sbom.json", To: serde}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, tt.path, readFixture(t, tt.fixture))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			checkGraph(t, tt.want, g)
		})
	}
}

// TestMarkersLate covers a document whose format key comes after more than
// the sniffing window of other content.
func TestMarkersLate(t *testing.T) {
	data := `{"metadata": {"component": {"type": "application", "name": "big", "description": "` +
		strings.Repeat("x", 70<<10) + `"}}, "components": [], "specVersion": "1.6", "bomFormat": "CycloneDX"}`
	g, err := extractFile(t, "bom.json", []byte(data))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	checkGraph(t, graphWant{roots: []*inventory.Root{{ID: "bom.json", Kind: inventory.KindSBOM, Name: "big",
		Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.6"}}}, comps: []*inventory.Component{}}, g)
}

// TestVouchOutput reads SBOMs vouch wrote and gets back the graph they were
// written from, roots included.
func TestVouchOutput(t *testing.T) {
	want := inventory.New()
	want.AddRoot(inventory.Root{ID: "go.mod", Kind: inventory.KindManifest, Name: "example.com/app",
		PURL: purl.For(purl.Go, "example.com/app", "", nil), Properties: map[string]string{"go": "1.22"}})
	cobra := purl.For(purl.Go, "github.com/spf13/cobra", "v1.8.0", nil)
	want.Add(inventory.Component{PURL: cobra, Ecosystem: purl.Go, Name: "github.com/spf13/cobra", Version: "v1.8.0",
		Direct: true, Scope: inventory.ScopeRuntime, Hashes: []inventory.Hash{{Algorithm: "h1", Value: "A5lFVzNT8FNeS8Bg3HxFAUxWpLphM/JkZRcAz3E6hMg="}},
		Locations: []inventory.Location{{Path: "go.mod", Line: 5}}})
	want.AddEdge("go.mod", cobra)

	var cdx, sp bytes.Buffer
	if err := cyclonedx.Encode(&cdx, want, cyclonedx.Options{Name: "app"}); err != nil {
		t.Fatal(err)
	}
	if err := spdx.Encode(&sp, want, spdx.Options{Name: "app", Timestamp: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		data []byte
	}{{"out/app.cdx.json", cdx.Bytes()}, {"out/app.spdx.json", sp.Bytes()}, {"vendor-bom.json", cdx.Bytes()}} {
		t.Run(tt.path, func(t *testing.T) {
			g, err := extractFile(t, tt.path, tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			checkGraph(t, graphWant{roots: want.Roots(), comps: want.Components(), edges: want.Edges()}, g)
		})
	}
}

func TestNotABOM(t *testing.T) {
	for _, tt := range []struct{ name, path, data string }{
		{"unrelated json", "bom.json", string(readFixture(t, "unrelated-bom.json"))},
		{"not json", "docs/bom.json", string(readFixture(t, "not-json-bom.json"))},
		{"another bomFormat", "sbom.json", `{"bomFormat": "Other", "items": []}`},
		{"spdx 3", "sbom.json", `{"spdxVersion": "SPDX-3.0", "elements": []}`},
		{"unrelated xml", "bom.xml", `<bom><part>hinge</part></bom>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, tt.path, []byte(tt.data))
			if g != nil || err != nil {
				t.Errorf("Extract = %v, %v; want nil, nil", g, err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	deep := `{"type":"library","name":"leaf"}`
	for i := 0; i < 100; i++ {
		deep = `{"type":"library","name":"n","components":[` + deep + `]}`
	}
	deep = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + deep + `]}`
	tests := []struct {
		name, path, data string
		line             int
		want             string
	}{
		{"truncated, claimed by name", "truncated.cdx.json", string(readFixture(t, "truncated.cdx.json")), 6, "unexpected end of JSON input"},
		{"truncated, claimed by content", "bom.json", string(readFixture(t, "truncated.cdx.json")), 6, "unexpected end of JSON input"},
		{"wrong types", "wrong-types.spdx.json", string(readFixture(t, "wrong-types.spdx.json")), 6, "cannot unmarshal array"},
		{"binary garbage", "not-json.spdx.json", string(readFixture(t, "not-json.spdx.json")), 1, "invalid character"},
		{"broken xml", "broken.cdx.xml", string(readFixture(t, "broken.cdx.xml")), 5, "closed by </components>"},
		{"name claims cyclonedx, content does not", "unrelated.cdx.json", string(readFixture(t, "unrelated-bom.json")), 0, "not a cyclonedx bom"},
		{"deep nesting", "deep.cdx.json", deep, 0, "components nested deeper than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, tt.path, []byte(tt.data))
			if err == nil {
				t.Fatalf("Extract = %v, want an error", g)
			}
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: tt.path, Line: tt.line, Msg: tt.want})
		})
	}
}

// hugeInfo is a FileInfo for a file too large to read.
type hugeInfo struct{ fs.FileInfo }

func (hugeInfo) Size() int64 { return extract.DefaultMaxFileSize + 1 }

func TestTooLarge(t *testing.T) {
	_, err := New().Extract(context.Background(), &extract.Input{Path: "huge.cdx.json", Info: hugeInfo{},
		Reader: strings.NewReader("{}")})
	var xe *extract.Error
	if !errors.As(err, &xe) || xe.Path != "huge.cdx.json" || !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("Extract of an oversized file: %v, want an *extract.Error wrapping ErrTooLarge", err)
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New().Extract(ctx, &extract.Input{Path: "bom.json", Reader: bytes.NewReader(readFixture(t, "one-package.cdx.json"))})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a canceled context: %v, want context.Canceled", err)
	}
}

// fuzzNames are the paths FuzzExtract offers its input under: generic and
// format-claiming names.
var fuzzNames = []string{"bom.json", "x.cdx.json", "x.cdx.xml", "x.spdx.json", "bom.xml"}

// FuzzExtract checks that no input makes Extract panic or fail without an
// *extract.Error naming the file, and that what it returns is a
// well-formed graph.
func FuzzExtract(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(len(fuzzNames)-1))
	}
	f.Fuzz(func(t *testing.T, data []byte, name uint8) {
		path := fuzzNames[int(name)%len(fuzzNames)]
		g, err := extractFile(t, path, data)
		if err != nil {
			extracttest.CheckErrorPath(t, err, path)
			return
		}
		if g == nil {
			return
		}
		extracttest.CheckGraph(t, g)
		if len(g.Roots()) == 0 {
			t.Errorf("graph without a root")
		}
	})
}
