package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk"
)

func sampleResult() *walk.Result {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "package-lock.json", Kind: inventory.KindManifest, Name: "app", Version: "1.0.0"})
	g.Add(inventory.Component{PURL: "pkg:npm/express@4.21.2", Ecosystem: "npm", Name: "express", Version: "4.21.2",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"MIT"},
		Locations: []inventory.Location{{Path: "package-lock.json", Line: 12}}})
	g.Add(inventory.Component{PURL: "pkg:npm/ms@2.0.0", Ecosystem: "npm", Name: "ms", Version: "2.0.0",
		Scope: inventory.ScopeDev, Properties: map[string]string{"note": "<&>"},
		Locations: []inventory.Location{{Path: "package-lock.json", Line: 30}, {Path: "b/package-lock.json", Line: 4}}})
	g.Add(inventory.Component{PURL: "pkg:pypi/flask", Ecosystem: "PyPI", Name: "flask", Unpinned: true,
		Direct: true, Scope: inventory.ScopeRuntime, Properties: map[string]string{"specifier": ">=3"}})
	g.AddEdge("package-lock.json", "pkg:npm/express@4.21.2")
	g.AddEdge("pkg:npm/express@4.21.2", "pkg:npm/ms@2.0.0")
	return &walk.Result{Graph: g, Files: 10, Read: 1, Errors: []*extract.Error{
		{Path: "broken/package-lock.json", Line: 3, Column: 7, Extractor: "packagelock", Err: errors.New("json: bad")}}}
}

// TestJSONStreamsTheSameDocument checks that the element-by-element writer
// gives byte for byte what encoding/json gives for the whole document.
func TestJSONStreamsTheSameDocument(t *testing.T) {
	for _, res := range []*walk.Result{sampleResult(), {Graph: inventory.New()}} {
		inv := NewInventory("tree", Tool{Name: "vouch", Version: "test"}, res)
		var streamed, whole bytes.Buffer
		if err := (JSON{}).Inventory(&streamed, inv); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(&whole, inv); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole.String(), streamed.String()); diff != "" {
			t.Errorf("streamed JSON differs (-whole +streamed):\n%s", diff)
		}
		var back Inventory
		if err := json.Unmarshal(streamed.Bytes(), &back); err != nil {
			t.Fatalf("streamed JSON does not parse: %v", err)
		}
	}
}

func TestSummary(t *testing.T) {
	inv := NewInventory("tree", Tool{}, sampleResult())
	want := Summary{Components: 3, Direct: 2, Transitive: 1, Roots: 1,
		Ecosystems: map[string]int{"npm": 2, "PyPI": 1}, Scopes: map[string]int{"runtime": 2, "dev": 1},
		FilesSeen: 10, FilesRead: 1, FilesFailed: 1}
	if diff := cmp.Diff(want, inv.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	if err := (Table{}).Inventory(&b, NewInventory("tree", Tool{}, sampleResult())); err != nil {
		t.Fatal(err)
	}
	want := `ECOSYSTEM  NAME     VERSION         SCOPE    DEPENDENCY  LOCATION
npm        express  4.21.2          runtime  direct      package-lock.json:12
npm        ms       2.0.0           dev      transitive  package-lock.json:30 (+1)
PyPI       flask    (unpinned >=3)  runtime  direct      

3 components (2 direct, 1 transitive) from 1 roots in tree
  PyPI           1
  npm            2
1 files could not be read:
  broken/package-lock.json:3:7: json: bad (packagelock)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestWhyTable(t *testing.T) {
	res := sampleResult()
	ms := res.Graph.Component("pkg:npm/ms@2.0.0")
	doc := &WhyDocument{Results: NewWhy(res.Graph, []*inventory.Component{ms}, 5)}
	var b bytes.Buffer
	if err := (Table{}).Why(&b, doc); err != nil {
		t.Fatal(err)
	}
	want := "ms@2.0.0 (pkg:npm/ms@2.0.0)\n  package-lock.json → express@4.21.2 → ms@2.0.0\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("why (-want +got):\n%s", diff)
	}
}

func TestFor(t *testing.T) {
	for _, f := range []string{"table", "json", "JSON", ""} {
		if _, err := For(f); err != nil {
			t.Errorf("For(%q): %v", f, err)
		}
	}
	if _, err := For("xml"); err == nil || !strings.Contains(err.Error(), "table, json") {
		t.Errorf("For(xml) = %v", err)
	}
}
