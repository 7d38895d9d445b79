package extracttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// recorder is a testing.TB that records failures instead of failing, so
// the checks can be tested on graphs and errors they must reject.
type recorder struct {
	testing.TB // nil: only the methods below may be called
	failed     []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.failed = append(r.failed, fmt.Sprint(args...))
	runtime.Goexit()
}

// failures runs check with a recorder and returns what it reported.
func failures(check func(t testing.TB)) []string {
	r := &recorder{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		check(r)
	}()
	wg.Wait()
	return r.failed
}

// sample is a graph with a root, two components and their edges.
func sample() *inventory.Graph {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "app/x.lock", Kind: inventory.KindManifest})
	g.Add(inventory.Component{PURL: "pkg:pypi/a@1.0", Name: "a", Version: "1.0", Direct: true, Scope: inventory.ScopeRuntime,
		Locations: []inventory.Location{{Path: "app/x.lock", Line: 3}, {Path: "app/x.lock", Line: 9}}})
	g.Add(inventory.Component{PURL: "pkg:pypi/b@2.0", Name: "b", Version: "2.0", Scope: inventory.ScopeDev,
		Properties: map[string]string{"k": "v"}, Locations: []inventory.Location{{Path: "app/x.lock", Line: 5}}})
	g.AddEdge("app/x.lock", "pkg:pypi/a@1.0")
	g.AddEdge("pkg:pypi/a@1.0", "pkg:pypi/b@2.0")
	return g
}

func TestChecks(t *testing.T) {
	orphan := sample()
	orphan.Add(inventory.Component{PURL: "pkg:pypi/c@1", Name: "c"})
	nameless := sample()
	nameless.Add(inventory.Component{PURL: "pkg:pypi/d@1"})
	dangling := sample()
	dangling.AddEdge("pkg:pypi/a@1.0", "pkg:pypi/missing@1")
	fromNowhere := sample()
	fromNowhere.AddEdge("elsewhere.lock", "pkg:pypi/a@1.0")
	tests := []struct {
		name  string
		check func(t testing.TB)
		want  []string
	}{
		{"well formed", func(t testing.TB) { CheckGraph(t, sample()) }, nil},
		{"reachable", func(t testing.TB) { CheckReachable(t, sample()) }, nil},
		{"orphan is well formed", func(t testing.TB) { CheckGraph(t, orphan) }, nil},
		{"orphan is unreachable", func(t testing.TB) { CheckReachable(t, orphan) },
			[]string{"component pkg:pypi/c@1 is not reachable from a root"}},
		{"nameless", func(t testing.TB) { CheckGraph(t, nameless) },
			[]string{fmt.Sprintf("component without PURL or name: %+v", nameless.Component("pkg:pypi/d@1"))}},
		{"dangling edge", func(t testing.TB) { CheckGraph(t, dangling) },
			[]string{`edge to unknown component "pkg:pypi/missing@1"`}},
		{"edge from nowhere", func(t testing.TB) { CheckGraph(t, fromNowhere) },
			[]string{`edge from unknown node "elsewhere.lock"`}},
		{"same component", func(t testing.TB) { CheckComponent(t, sample(), *sample().Component("pkg:pypi/b@2.0")) }, nil},
		{"missing component", func(t testing.TB) { CheckComponent(t, sample(), inventory.Component{PURL: "pkg:pypi/z@1"}) },
			[]string{"no component pkg:pypi/z@1"}},
		{"same graph", func(t testing.TB) { Diff(t, Flatten(sample()), sample()) }, nil},
		{"no graph", func(t testing.TB) { Diff(t, Flatten(sample()), nil) }, []string{"no graph"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, failures(tt.check)); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffTellsPartsApart(t *testing.T) {
	want := Flatten(sample())
	want.Edges = want.Edges[:1]
	got := failures(func(t testing.TB) { Diff(t, want, sample()) })
	if len(got) != 1 || !strings.HasPrefix(got[0], "edges (-want +got)") {
		t.Errorf("failures %q, want one about edges", got)
	}
}

func TestProjections(t *testing.T) {
	g := sample()
	if diff := cmp.Diff([]string{"app/x.lock -> pkg:pypi/a@1.0", "pkg:pypi/a@1.0 -> pkg:pypi/b@2.0"}, EdgeStrings(g)); diff != "" {
		t.Errorf("EdgeStrings (-want +got):\n%s", diff)
	}
	wantRows := []Row{
		{PURL: "pkg:pypi/a@1.0", Direct: true, Scope: "runtime", Lines: []int{3, 9}},
		{PURL: "pkg:pypi/b@2.0", Scope: "dev", Lines: []int{5}},
	}
	if diff := cmp.Diff(wantRows, Rows(g)); diff != "" {
		t.Errorf("Rows (-want +got):\n%s", diff)
	}
	wantLineRows := []LineRow{
		{PURL: "pkg:pypi/a@1.0", Direct: true, Scope: "runtime", Line: 3},
		{PURL: "pkg:pypi/b@2.0", Scope: "dev", Line: 5, Props: map[string]string{"k": "v"}},
	}
	if diff := cmp.Diff(wantLineRows, LineRows(g)); diff != "" {
		t.Errorf("LineRows (-want +got):\n%s", diff)
	}
}

func TestCheckSummary(t *testing.T) {
	root := inventory.Root{ID: "app/x.lock", Kind: inventory.KindManifest}
	rows := []LineRow{
		{PURL: "pkg:pypi/a@1.0", Direct: true, Scope: "runtime", Line: 3},
		{PURL: "pkg:pypi/b@2.0", Scope: "dev", Line: 5, Props: map[string]string{"k": "v"}},
	}
	// Edges may be written in any order.
	edges := []string{"pkg:pypi/a@1.0 -> pkg:pypi/b@2.0", "app/x.lock -> pkg:pypi/a@1.0"}
	if got := failures(func(t testing.TB) { CheckSummary(t, sample(), root, LineRows, rows, edges) }); got != nil {
		t.Errorf("failures %q for a matching summary", got)
	}
	otherRoot := root
	otherRoot.Name = "x"
	got := failures(func(t testing.TB) { CheckSummary(t, sample(), otherRoot, LineRows, rows[:1], edges[:1]) })
	var parts []string
	for _, f := range got {
		part, _, _ := strings.Cut(f, " ")
		parts = append(parts, part)
	}
	if diff := cmp.Diff([]string{"roots", "components", "edges"}, parts); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}

func TestCheckClaims(t *testing.T) {
	e := &echo{}
	if got := failures(func(t testing.TB) { CheckClaims(t, e, map[string]bool{"a": true, "b/c": true}) }); got != nil {
		t.Errorf("failures %q", got)
	}
	want := []string{`Claims("a") = true, want false`}
	if got := failures(func(t testing.TB) { CheckClaims(t, e, map[string]bool{"a": false}) }); !cmp.Equal(want, got) {
		t.Errorf("failures %q, want %q", got, want)
	}
}

func TestCheckError(t *testing.T) {
	at := &extract.Error{Path: "a/x.lock", Line: 4, Column: 7, Err: errors.New("bad value")}
	tests := []struct {
		name string
		err  error
		want ErrorWant
		fail []string
	}{
		{"match", at, ErrorWant{Path: "a/x.lock", Line: 4, Column: 7, Msg: "bad value"}, nil},
		{"column not asked", at, ErrorWant{Path: "a/x.lock", Line: 4, Msg: "bad"}, nil},
		{"wrapped", fmt.Errorf("outer: %w", at), ErrorWant{Path: "a/x.lock", Line: 4, Msg: "bad"}, nil},
		{"other line", at, ErrorWant{Path: "a/x.lock", Line: 5, Msg: "bad"},
			[]string{"error at a/x.lock:4:7, want a/x.lock:5:0 (a/x.lock:4:7: bad value)"}},
		{"line 0 is compared", at, ErrorWant{Path: "a/x.lock", Msg: "bad"},
			[]string{"error at a/x.lock:4:7, want a/x.lock:0:0 (a/x.lock:4:7: bad value)"}},
		{"the position is not the message", at, ErrorWant{Path: "a/x.lock", Line: 4, Msg: "x.lock"},
			[]string{`error "bad value" does not mention "x.lock"`}},
		{"not an extract.Error", io.EOF, ErrorWant{},
			[]string{"error EOF (*errors.errorString) is not an *extract.Error"}},
		{"no error", nil, ErrorWant{}, []string{"error <nil> (<nil>) is not an *extract.Error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failures(func(t testing.TB) { CheckError(t, tt.err, tt.want) })
			if diff := cmp.Diff(tt.fail, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
	if got := failures(func(t testing.TB) { CheckErrorPath(t, at, "b/x.lock") }); len(got) != 1 {
		t.Errorf("CheckErrorPath with another path: failures %q, want one", got)
	}
	if got := failures(func(t testing.TB) { CheckErrorPath(t, at, "a/x.lock") }); got != nil {
		t.Errorf("CheckErrorPath with the error's path: failures %q", got)
	}
}

// echo is an extractor that records the input it is given and returns
// one component per non-empty line of it.
type echo struct{ got *extract.Input }

func (*echo) Name() string                    { return "echo" }
func (*echo) Claims(string, fs.FileInfo) bool { return true }

func (e *echo) Extract(_ context.Context, in *extract.Input) (*inventory.Graph, error) {
	e.got = in
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: in.Path})
	err := extract.Lines(in.Path, in.Reader, func(n int, line string) error {
		if line == "" {
			return nil
		}
		g.Add(inventory.Component{PURL: "pkg:generic/" + line, Name: line, Locations: []inventory.Location{{Path: in.Path, Line: n}}})
		g.AddEdge(in.Path, "pkg:generic/"+line)
		return nil
	})
	return g, err
}

func TestExtract(t *testing.T) {
	fsys := fstest.MapFS{"dir/list.txt": {Data: []byte("a\nb\n")}}
	e := &echo{}
	g, err := Extract(t, e, fsys, "dir/list.txt")
	if err != nil {
		t.Fatal(err)
	}
	in := e.got
	if in.Path != "dir/list.txt" || in.Root == nil || in.Info == nil || in.Info.Size() != 4 || in.ReaderAt == nil {
		t.Errorf("input %+v is not the one the walk would give", in)
	}
	buf := make([]byte, 1)
	if _, err := in.ReaderAt.ReadAt(buf, 2); err != nil || buf[0] != 'b' {
		t.Errorf("ReadAt(2) = %q, %v", buf, err)
	}
	want := Graph{
		Roots: []*inventory.Root{{ID: "dir/list.txt"}},
		Components: []*inventory.Component{
			{PURL: "pkg:generic/a", Name: "a", Locations: []inventory.Location{{Path: "dir/list.txt", Line: 1}}},
			{PURL: "pkg:generic/b", Name: "b", Locations: []inventory.Location{{Path: "dir/list.txt", Line: 2}}},
		},
		Edges: []inventory.Edge{{From: "dir/list.txt", To: "pkg:generic/a"}, {From: "dir/list.txt", To: "pkg:generic/b"}},
	}
	if diff := cmp.Diff(want, Flatten(g)); diff != "" {
		t.Errorf("graph (-want +got):\n%s", diff)
	}
	if got := failures(func(t testing.TB) { Input(t, fsys, "dir/missing.txt") }); len(got) != 1 {
		t.Errorf("Input of a missing file: failures %q, want one", got)
	}
}

func FuzzExtract(f *testing.F) {
	AddSeeds(f, "extracttest.go")
	f.Add([]byte("a\n\nb"))
	Fuzz(f, &echo{}, "x/list.txt", nil, CheckReachable)
}

func TestDirectPURLs(t *testing.T) {
	if diff := cmp.Diff([]string{"pkg:pypi/a@1.0"}, DirectPURLs(sample())); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
}

// manifestBroken is an extractor that reports the file "manifest" beside
// its input as broken at line 2, and still returns its input's graph.
type manifestBroken struct{ echo }

func (e *manifestBroken) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	g, err := e.echo.Extract(ctx, in)
	if err != nil {
		return g, err
	}
	return g, extract.Errorf("app/manifest", 2, "broken")
}

func TestCheckSiblingError(t *testing.T) {
	e := &manifestBroken{}
	var g *inventory.Graph
	if got := failures(func(t testing.TB) {
		g = CheckSiblingError(t, e, "app/x.lock", []byte("a\n"), "app/manifest", []byte("x\n"), 2)
	}); got != nil {
		t.Errorf("failures %q for the error expected", got)
	}
	if g == nil || g.Len() != 1 {
		t.Errorf("graph %v, want the lockfile's one component", g)
	}
	if e.got.Root == nil {
		t.Errorf("no tree holding the manifest")
	} else if data, err := fs.ReadFile(e.got.Root, "app/manifest"); err != nil || string(data) != "x\n" {
		t.Errorf("manifest %q, %v", data, err)
	}
	if got := failures(func(t testing.TB) {
		CheckSiblingError(t, e, "app/x.lock", nil, "app/manifest", nil, 3)
	}); len(got) != 1 {
		t.Errorf("another line: failures %q, want one", got)
	}
	if got := failures(func(t testing.TB) {
		CheckSiblingError(t, &echo{}, "app/x.lock", nil, "app/manifest", nil, 2)
	}); len(got) != 1 {
		t.Errorf("no error: failures %q, want one", got)
	}
}

func TestRunTables(t *testing.T) {
	fsys := fstest.MapFS{"dir/list.txt": {Data: []byte("a\n")}}
	RunSummaries(t, &echo{}, LineRows, []SummaryCase[LineRow]{{
		Name: "list", FS: fsys, Path: "dir/list.txt",
		WantRoot:  inventory.Root{ID: "dir/list.txt"},
		WantRows:  []LineRow{{PURL: "pkg:generic/a", Line: 1}},
		WantEdges: []string{"dir/list.txt -> pkg:generic/a"},
	}})
	RunComponents(t, &echo{}, fsys, []ComponentCase{{
		Path: "dir/list.txt",
		Want: inventory.Component{PURL: "pkg:generic/a", Name: "a", Locations: []inventory.Location{{Path: "dir/list.txt", Line: 1}}},
	}})
	RunBadInputs(t, &refuser{}, "app/x.lock", []BadInput{{Name: "broken", Data: []byte("a\n"), WantLine: 2, WantMsg: "broken"}})
}

// refuser is an extractor that refuses every input whole.
type refuser struct{ echo }

func (*refuser) Extract(_ context.Context, in *extract.Input) (*inventory.Graph, error) {
	return nil, extract.Errorf(in.Path, 2, "broken")
}
