// Package extracttest holds what the tests of every extractor do alike:
// offering a fixture to an extractor the way the walk would, putting the
// resulting graph in a form cmp.Diff can compare, and checking the
// invariants every graph fragment and every error must keep (the fuzz
// targets' assertions). It is imported only by tests.
package extracttest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Input returns the file at path in fsys as the walk offers it: fsys as
// the scanned root, with the file's info and both a Reader and a ReaderAt.
// It fails the test when the file cannot be read.
func Input(t testing.TB, fsys fs.FS, path string) *extract.Input {
	t.Helper()
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := fs.Stat(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	return &extract.Input{
		Path: path, Root: fsys, Info: info,
		Reader: bytes.NewReader(data), ReaderAt: bytes.NewReader(data),
	}
}

// Extract runs e on the file at path in fsys, offered as Input offers it.
func Extract(t testing.TB, e extract.Extractor, fsys fs.FS, path string) (*inventory.Graph, error) {
	t.Helper()
	return e.Extract(context.Background(), Input(t, fsys, path))
}

// Graph is a graph fragment laid out for cmp.Diff: a test writes the whole
// fragment it expects and compares it with Flatten of what it got.
type Graph struct {
	Roots      []*inventory.Root
	Components []*inventory.Component
	Edges      []inventory.Edge
}

// Flatten returns g's roots, components and edges in the order the graph
// gives them.
func Flatten(g *inventory.Graph) Graph {
	return Graph{Roots: g.Roots(), Components: g.Components(), Edges: g.Edges()}
}

// Diff reports each way got differs from want, with roots, components and
// edges told apart so a long diff says which part it is about.
func Diff(t testing.TB, want Graph, got *inventory.Graph) {
	t.Helper()
	if got == nil {
		t.Fatalf("no graph")
	}
	if diff := cmp.Diff(want.Roots, got.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Components, got.Components()); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Edges, got.Edges()); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

// EdgeStrings returns g's edges written "from -> to", sorted: a form that
// keeps a long expected list of edges readable.
func EdgeStrings(g *inventory.Graph) []string {
	var out []string
	for _, e := range g.Edges() {
		out = append(out, e.From+" -> "+e.To)
	}
	slices.Sort(out)
	return out
}

// Row is the part of a component most lockfile tests assert, with the
// line of each of its locations; whole components are compared (see
// CheckComponent) where digests and properties matter.
type Row struct {
	PURL   string
	Direct bool
	Scope  inventory.Scope
	Lines  []int
	Source string
}

// Rows returns the Row of each of g's components, in the graph's order.
func Rows(g *inventory.Graph) []Row {
	var out []Row
	for _, c := range g.Components() {
		r := Row{PURL: c.PURL, Direct: c.Direct, Scope: c.Scope, Source: c.Source}
		for _, l := range c.Locations {
			r.Lines = append(r.Lines, l.Line)
		}
		out = append(out, r)
	}
	return out
}

// LineRow is a Row for formats that write each package once: the line of
// its first location, and its properties.
type LineRow struct {
	PURL   string
	Direct bool
	Scope  inventory.Scope
	Line   int
	Source string
	Props  map[string]string
}

// LineRows returns the LineRow of each of g's components, in the graph's
// order.
func LineRows(g *inventory.Graph) []LineRow {
	var out []LineRow
	for _, c := range g.Components() {
		r := LineRow{PURL: c.PURL, Direct: c.Direct, Scope: c.Scope, Source: c.Source, Props: c.Properties}
		if len(c.Locations) > 0 {
			r.Line = c.Locations[0].Line
		}
		out = append(out, r)
	}
	return out
}

// CheckSummary compares g with a test's summary of it: the one root, a
// row per component as rows projects them (Rows or LineRows), and the
// edges as EdgeStrings writes them, in any order.
func CheckSummary[R any](t testing.TB, g *inventory.Graph, wantRoot inventory.Root, rows func(*inventory.Graph) []R, wantRows []R, wantEdges []string) {
	t.Helper()
	if diff := cmp.Diff([]*inventory.Root{&wantRoot}, g.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	CheckRows(t, g, rows, wantRows)
	CheckEdges(t, g, wantEdges)
}

// CheckComponent compares the component of g with want's PURL against
// want, whole.
func CheckComponent(t testing.TB, g *inventory.Graph, want inventory.Component) {
	t.Helper()
	got := g.Component(want.PURL)
	if got == nil {
		t.Errorf("no component %s", want.PURL)
		return
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("component %s (-want +got):\n%s", want.PURL, diff)
	}
}

// CheckGraph fails the test unless g is well formed: every component has a
// PURL and a name, and every edge runs from a root or a component to a
// component.
func CheckGraph(t testing.TB, g *inventory.Graph) {
	t.Helper()
	for _, c := range g.Components() {
		if c.PURL == "" || c.Name == "" {
			t.Fatalf("component without PURL or name: %+v", c)
		}
	}
	for _, e := range g.Edges() {
		if g.Root(e.From) == nil && g.Component(e.From) == nil {
			t.Fatalf("edge from unknown node %q", e.From)
		}
		if g.Component(e.To) == nil {
			t.Fatalf("edge to unknown component %q", e.To)
		}
	}
}

// CheckReachable fails the test unless every component of g has a path
// from one of its roots, as extractors that complete their graph promise.
func CheckReachable(t testing.TB, g *inventory.Graph) {
	t.Helper()
	reached := map[string]bool{}
	var stack []string
	for _, r := range g.Roots() {
		stack = append(stack, r.ID)
	}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range g.Children(top) {
			if !reached[c] {
				reached[c] = true
				stack = append(stack, c)
			}
		}
	}
	for _, c := range g.Components() {
		if !reached[c.PURL] {
			t.Fatalf("component %s is not reachable from a root", c.PURL)
		}
	}
}

// CheckErrorPath fails the test unless err is an *extract.Error naming
// path, which it returns.
func CheckErrorPath(t testing.TB, err error, path string) *extract.Error {
	t.Helper()
	var e *extract.Error
	if !errors.As(err, &e) || e.Path != path {
		t.Fatalf("error %v (%T) is not an *extract.Error naming %s", err, err, path)
	}
	return e
}

// ErrorWant is what a test expects of an *extract.Error.
type ErrorWant struct {
	Path string
	Line int // compared always: 0 says the error has no line
	// Column is compared when not 0.
	Column int
	// Msg is a part of the message the error wraps.
	Msg string
}

// CheckError fails the test unless err is an *extract.Error as want
// describes, and returns it for further checks.
func CheckError(t testing.TB, err error, want ErrorWant) *extract.Error {
	t.Helper()
	var e *extract.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *extract.Error", err, err)
	}
	if e.Path != want.Path || e.Line != want.Line || (want.Column != 0 && e.Column != want.Column) {
		t.Errorf("error at %s:%d:%d, want %s:%d:%d (%v)", e.Path, e.Line, e.Column, want.Path, want.Line, want.Column, err)
	}
	if msg := errorText(e); !strings.Contains(msg, want.Msg) {
		t.Errorf("error %q does not mention %q", msg, want.Msg)
	}
	return e
}

// errorText is the message e wraps, without the position Error puts
// before it, so a test cannot match the path by mistake.
func errorText(e *extract.Error) string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// CheckClaims asserts which of the paths e claims, by name alone (with
// no file info).
func CheckClaims(t testing.TB, e extract.Extractor, want map[string]bool) {
	t.Helper()
	for path, claim := range want {
		if got := e.Claims(path, nil); got != claim {
			t.Errorf("Claims(%q) = %v, want %v", path, got, claim)
		}
	}
}

// AddSeeds adds the content of each file at paths (relative to the
// package directory) to f's seed corpus.
func AddSeeds(f *testing.F, paths ...string) {
	f.Helper()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// Fuzz runs f's fuzz target for an extractor: each input is offered to e
// as the file at path, with root (nil for none) as the scanned tree. An
// error must be an *extract.Error naming path; any graph returned must be
// well formed (CheckGraph). check, when not nil, asserts what more the
// extractor promises of a graph returned without error.
func Fuzz(f *testing.F, e extract.Extractor, path string, root fs.FS, check func(t testing.TB, g *inventory.Graph)) {
	f.Helper()
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &extract.Input{Path: path, Root: root, Reader: bytes.NewReader(data), ReaderAt: bytes.NewReader(data)}
		g, err := e.Extract(context.Background(), in)
		if err != nil {
			CheckErrorPath(t, err, path)
		}
		if g == nil {
			return
		}
		CheckGraph(t, g)
		if err == nil && check != nil {
			check(t, g)
		}
	})
}
