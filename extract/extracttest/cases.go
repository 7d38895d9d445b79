package extracttest

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// ReadFile returns the content of the file at path (relative to the
// package directory), failing the test when it cannot be read: fixtures
// are often edited or cut before they are offered to an extractor.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// SHA256 is a SHA-256 digest of the lower-case hex value, as lockfile
// tests write the hashes they expect.
func SHA256(value string) inventory.Hash {
	return inventory.Hash{Algorithm: "SHA-256", Value: value}
}

// DirectPURLs returns the PURLs of g's direct components, in the graph's
// order: what a test of a lockfile read without its manifest asserts.
func DirectPURLs(g *inventory.Graph) []string {
	var out []string
	for _, c := range g.Components() {
		if c.Direct {
			out = append(out, c.PURL)
		}
	}
	return out
}

// CheckRows compares the rows of g's components, as rows projects them
// (Rows or LineRows), with want.
func CheckRows[R any](t testing.TB, g *inventory.Graph, rows func(*inventory.Graph) []R, want []R) {
	t.Helper()
	if diff := cmp.Diff(want, rows(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

// CheckEdges compares g's edges, as EdgeStrings writes them, with want in
// any order.
func CheckEdges(t testing.TB, g *inventory.Graph, want []string) {
	t.Helper()
	want = slices.Clone(want)
	slices.Sort(want)
	if diff := cmp.Diff(want, EdgeStrings(g)); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

// SummaryCase is one case of a table of whole files, each compared with
// CheckSummary.
type SummaryCase[R any] struct {
	Name string
	// FS is the scanned tree; nil stands for the package's testdata
	// directory.
	FS        fs.FS
	Path      string
	WantRoot  inventory.Root
	WantRows  []R
	WantEdges []string
}

// RunSummaries extracts the file of each case with e, in a subtest named
// for the case, and compares the graph with the case's summary: the root,
// the rows of the components as rows projects them, and the edges.
func RunSummaries[R any](t *testing.T, e extract.Extractor, rows func(*inventory.Graph) []R, tests []SummaryCase[R]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			fsys := tt.FS
			if fsys == nil {
				fsys = os.DirFS("testdata")
			}
			g, err := Extract(t, e, fsys, tt.Path)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			CheckSummary(t, g, tt.WantRoot, rows, tt.WantRows, tt.WantEdges)
		})
	}
}

// ComponentCase is a component compared whole (CheckComponent) with the
// one of the same PURL in the graph of the file at Path.
type ComponentCase struct {
	Path string
	Want inventory.Component
}

// RunComponents extracts the file of each case from fsys with e, in a
// subtest named for the component, and compares the component whole.
func RunComponents(t *testing.T, e extract.Extractor, fsys fs.FS, tests []ComponentCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Want.PURL, func(t *testing.T) {
			g, err := Extract(t, e, fsys, tt.Path)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			CheckComponent(t, g, tt.Want)
		})
	}
}

// BadInput is a file an extractor must refuse whole: no graph, and an
// *extract.Error at WantLine (and WantCol when not 0) whose message
// mentions WantMsg.
type BadInput struct {
	Name     string
	Data     []byte
	WantLine int
	WantCol  int
	WantMsg  string
}

// RunBadInputs offers each input to e as the file at path, alone in its
// tree, in a subtest named for the input, and checks that it is refused
// as the input says.
func RunBadInputs(t *testing.T, e extract.Extractor, path string, tests []BadInput) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			g, err := Extract(t, e, fstest.MapFS{path: {Data: tt.Data}}, path)
			if g != nil {
				t.Errorf("graph = %v, want nil", g)
			}
			CheckError(t, err, ErrorWant{Path: path, Line: tt.WantLine, Column: tt.WantCol, Msg: tt.WantMsg})
		})
	}
}

// CheckSiblingError extracts the file at path, with data, from a tree that
// also holds the file at siblingPath (the manifest a lockfile is read
// with), and fails the test unless the error is an *extract.Error at
// wantLine of the sibling: a broken manifest is reported against itself.
// It returns the graph, which the extractor should still have built from
// the lockfile.
func CheckSiblingError(t testing.TB, e extract.Extractor, path string, data []byte, siblingPath string, sibling []byte, wantLine int) *inventory.Graph {
	t.Helper()
	fsys := fstest.MapFS{path: {Data: data}, siblingPath: {Data: sibling}}
	g, err := Extract(t, e, fsys, path)
	var xe *extract.Error
	if !errors.As(err, &xe) || xe.Path != siblingPath || xe.Line != wantLine {
		t.Fatalf("error %v, want one at %s:%d", err, siblingPath, wantLine)
	}
	return g
}
