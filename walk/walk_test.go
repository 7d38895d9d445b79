package walk

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// deps is a test format: a file named "*.deps" lists one "name@version" per
// line; a line "PANIC" panics and a line "FAIL" fails.
type deps struct{}

func (deps) Name() string { return "deps" }
func (deps) Claims(p string, _ fs.FileInfo) bool {
	return strings.HasSuffix(p, ".deps")
}
func (deps) Sniff(head []byte) bool { return bytes.HasPrefix(head, []byte("#deps")) }
func (deps) Extract(_ context.Context, in *extract.Input) (*inventory.Graph, error) {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: in.Path, Kind: inventory.KindManifest})
	err := extract.Lines(in.Path, in.Reader, func(n int, line string) error {
		switch {
		case line == "PANIC":
			panic("boom")
		case line == "FAIL":
			return extract.Errorf(in.Path, n, "bad line")
		case line == "" || strings.HasPrefix(line, "#"):
			return nil
		}
		name, version, _ := strings.Cut(line, "@")
		p := "pkg:generic/" + name + "@" + version
		g.Add(inventory.Component{PURL: p, Name: name, Version: version, Direct: true,
			Locations: []inventory.Location{{Path: in.Path, Line: n}}})
		g.AddEdge(in.Path, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func locations(g *inventory.Graph) []string {
	var out []string
	for _, c := range g.Components() {
		for _, l := range c.Locations {
			out = append(out, l.Path+" "+c.Name)
		}
	}
	return out
}

func TestWalkTree(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"a.deps":                        "x@1\ny@2\n",
		"sub/b.deps":                    "x@1\n",
		"node_modules/m/c.deps":         "inst@1\n",
		".git/d.deps":                   "git@1\n",
		"vendor/e.deps":                 "vendored@1\n",
		"testdata/fixtures/f.deps":      "fixture@1\n",
		"services/api/testdata/g.deps":  "fixture2@1\n",
		"services/api/h.deps":           "api@1\n",
		"services/api/not-claimed.json": "{}",
	})
	tests := []struct {
		name string
		opt  Options
		want []string
	}{
		{"defaults", Options{}, []string{
			"services/api/h.deps api", "services/api/testdata/g.deps fixture2", "testdata/fixtures/f.deps fixture",
			"vendor/e.deps vendored", "a.deps x", "sub/b.deps x", "a.deps y"}},
		{"include installed", Options{IncludeInstalled: true}, []string{
			"services/api/h.deps api", "services/api/testdata/g.deps fixture2", "testdata/fixtures/f.deps fixture",
			"node_modules/m/c.deps inst", "vendor/e.deps vendored", "a.deps x", "sub/b.deps x", "a.deps y"}},
		{"exclude element and anchored glob", Options{Exclude: []string{"testdata", "vendor/**"}}, []string{
			"services/api/h.deps api", "a.deps x", "sub/b.deps x", "a.deps y"}},
		{"exclude double star", Options{Exclude: []string{"**/api/*.deps"}}, []string{
			"services/api/testdata/g.deps fixture2", "testdata/fixtures/f.deps fixture", "vendor/e.deps vendored", "a.deps x", "sub/b.deps x", "a.deps y"}},
		{"exclude base name glob", Options{Exclude: []string{"*.deps"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Extractors = []extract.Extractor{deps{}}
			res, err := Walk(context.Background(), root, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, locations(res.Graph)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
		})
	}
}

func TestWalkRecordsFailuresAndGoesOn(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"good.deps":  "x@1\n",
		"bad.deps":   "y@1\nFAIL\n",
		"panic.deps": "PANIC\n",
	})
	res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"good.deps x"}, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error()+" ["+e.Extractor+"]")
	}
	want := []string{"bad.deps:2: bad line [deps]", "panic.deps: extractor deps failed: boom [deps]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.Files != 3 || res.Claimed != 3 || res.Read != 1 {
		t.Errorf("counts files=%d claimed=%d read=%d, want 3 3 1", res.Files, res.Claimed, res.Read)
	}
}

func TestWalkDoesNotFollowLinksOut(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, map[string]string{"secret.deps": "secret@1\n", "dir/inner.deps": "inner@1\n"})
	root := t.TempDir()
	write(t, root, map[string]string{"own.deps": "own@1\n"})
	for name, target := range map[string]string{
		"link.deps":     filepath.Join(outside, "secret.deps"),
		"linkdir":       filepath.Join(outside, "dir"),
		"relative.deps": "../" + filepath.Base(outside) + "/secret.deps",
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"own.deps own"}, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

func TestWalkSkipsFIFO(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{"own.deps": "own@1\n"})
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.deps"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"own.deps own"}, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

func TestWalkSingleFile(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"named.deps":      "a@1\n",
		"vendor-bom.txt":  "#deps\nb@2\n",
		"unrelated.txt":   "hello\n",
		"other/skip.deps": "c@3\n",
	})
	tests := []struct {
		file string
		want []string
	}{
		{"named.deps", []string{"named.deps a"}},
		{"vendor-bom.txt", []string{"vendor-bom.txt b"}},
		{"unrelated.txt", nil},
	}
	for _, tt := range tests {
		res, err := Walk(context.Background(), filepath.Join(root, tt.file), Options{Extractors: []extract.Extractor{deps{}}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, locations(res.Graph)); diff != "" {
			t.Errorf("%s: components (-want +got):\n%s", tt.file, diff)
		}
	}
}

func TestWalkErrors(t *testing.T) {
	_, err := Walk(context.Background(), filepath.Join(t.TempDir(), "missing"), Options{Extractors: []extract.Extractor{deps{}}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing target: err = %v, want not exist", err)
	}
	_, err = Walk(context.Background(), t.TempDir(), Options{Extractors: []extract.Extractor{deps{}}, Exclude: []string{"[bad"}})
	if err == nil || !strings.Contains(err.Error(), `"[bad"`) {
		t.Errorf("bad pattern: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := t.TempDir()
	write(t, root, map[string]string{"a.deps": "a@1\n"})
	if _, err := Walk(ctx, root, Options{Extractors: []extract.Extractor{deps{}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pat, path string
		want      bool
	}{
		{"testdata", "a/testdata/x.json", true},
		{"testdata", "a/testdata2/x.json", false},
		{"*.min.js", "web/app.min.js", true},
		{"web/*", "web/app.js", true},
		{"web/*", "web/sub/app.js", true},
		{"web/*", "other/web/app.js", false},
		{"**/vendor", "a/b/vendor/x", true},
		{"**/vendor", "vendor/x", true},
		{"services/**/package-lock.json", "services/a/b/package-lock.json", true},
		{"services/**/package-lock.json", "services/a/b/go.mod", false},
		{"./docs/", "docs/x.md", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pat, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pat, tt.path, got, tt.want)
		}
	}
}

// TestWalkDeterministic checks that results do not depend on worker timing.
func TestWalkDeterministic(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := 0; i < 50; i++ {
		files[filepath.Join("d", string(rune('a'+i%26)), string(rune('a'+i/26))+".deps")] = "shared@1\nown" + string(rune('a'+i%26)) + "@1\n"
	}
	write(t, root, files)
	var first []inventory.Edge
	for i := 0; i < 5; i++ {
		res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{deps{}}, Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		edges := res.Graph.Edges()
		c := res.Graph.Component("pkg:generic/shared@1")
		if c == nil || len(c.Locations) != 50 || c.Locations[0].Path != "d/a/a.deps" {
			t.Fatalf("shared component locations: %+v", c)
		}
		if i == 0 {
			first = edges
		} else if diff := cmp.Diff(first, edges); diff != "" {
			t.Fatalf("run %d differs (-first +now):\n%s", i, diff)
		}
	}
}

// companion reads the file named on the first line of a "*.comp" file
// through Input.Root, as go.mod reads go.sum.
type companion struct{}

func (companion) Name() string                        { return "companion" }
func (companion) Claims(p string, _ fs.FileInfo) bool { return strings.HasSuffix(p, ".comp") }
func (companion) Extract(_ context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, 1<<10)
	if err != nil {
		return nil, err
	}
	other, err := fs.ReadFile(in.Root, strings.TrimSpace(string(data)))
	if err != nil {
		return nil, extract.Errorf(in.Path, 1, "companion: %w", err)
	}
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: in.Path, Kind: inventory.KindManifest})
	p := "pkg:generic/" + strings.TrimSpace(string(other))
	g.Add(inventory.Component{PURL: p, Name: strings.TrimSpace(string(other))})
	g.AddEdge(in.Path, p)
	return g, nil
}

// TestRootRefusesSpecialFilesAndEscapes checks what extractors can open
// through Input.Root: a FIFO fails instead of hanging the scan, and a link
// out of the tree fails instead of reading outside it.
func TestRootRefusesSpecialFilesAndEscapes(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, map[string]string{"secret": "secret@1"})
	root := t.TempDir()
	write(t, root, map[string]string{
		"ok.comp": "data/name", "data/name": "fine@1",
		"fifo.comp": "data/fifo", "link.comp": "data/link", "dotdot.comp": "../secret",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "data", "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "data", "link")); err != nil {
		t.Fatal(err)
	}
	res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{companion{}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Graph.Components() {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"fine@1"}, names); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	var failed []string
	for _, e := range res.Errors {
		failed = append(failed, e.Path)
	}
	if diff := cmp.Diff([]string{"dotdot.comp", "fifo.comp", "link.comp"}, failed); diff != "" {
		t.Errorf("failed files (-want +got):\n%s", diff)
	}
}

func TestWalkLinkedTarget(t *testing.T) {
	real := t.TempDir()
	write(t, real, map[string]string{"a.deps": "a@1\n"})
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	res, err := Walk(context.Background(), link, Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a.deps a"}, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

// TestWalkManifests: every manifest and lockfile is listed by name, read
// by an extractor or not, and excluded or skipped directories stay out.
func TestWalkManifests(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"package.json":                  "{}",
		"package-lock.json":             "{}",
		"svc/go.mod":                    "module x\n",
		"svc/requirements-dev.txt":      "",
		"web/pyproject.toml":            "",
		"node_modules/dep/package.json": "{}",
		".git/config/go.mod":            "",
		"docs/readme.md":                "",
	})
	res, err := Walk(context.Background(), root, Options{Extractors: []extract.Extractor{deps{}}, Exclude: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"package-lock.json", "package.json", "svc/go.mod", "svc/requirements-dev.txt"}
	if diff := cmp.Diff(want, res.Manifests); diff != "" {
		t.Errorf("manifests (-want +got):\n%s", diff)
	}
}
