package gomod

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

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// result is what a test compares: the whole fragment an extraction gives.
type result = extracttest.Graph

// extractFile runs e on path inside the fixture directory dir.
func extractFile(t *testing.T, e *Extractor, dir, path string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, e, os.DirFS(dir), path)
}

// writeCache builds a module cache holding the given go.mod files, keyed by
// the cache-relative path the go command uses.
func writeCache(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, "cache", "download", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loc(line int) []inventory.Location {
	return []inventory.Location{{Path: "go.mod", Line: line}}
}

func TestExtract(t *testing.T) {
	cache := writeCache(t, map[string]string{
		"github.com/spf13/cobra/@v/v1.8.0.mod": "module github.com/spf13/cobra\n\ngo 1.15\n\n" +
			"require (\n\tgithub.com/cpuguy83/go-md2man/v2 v2.0.3\n\tgithub.com/inconshreveable/mousetrap v1.1.0\n" +
			"\tgithub.com/spf13/pflag v1.0.5\n\tgopkg.in/yaml.v3 v3.0.1\n)\n",
		// Upper case in a path is escaped as "!" plus lower case.
		"github.com/!azure/azure-sdk/@v/v1.2.0.mod": "module github.com/Azure/azure-sdk\n\nrequire github.com/spf13/pflag v1.0.3\n",
		"github.com/spf13/pflag/@v/v1.0.5.mod":      "module github.com/spf13/pflag\n\ngo 1.12\n",
		"example.com/cyc/a/@v/v1.0.0.mod":           "module example.com/cyc/a\n\nrequire example.com/cyc/b v1.0.0\n",
		"example.com/cyc/b/@v/v1.0.0.mod":           "module example.com/cyc/b\n\nrequire example.com/cyc/a v1.0.0\n",
		// Directives only a main module uses are ignored in dependencies.
		"github.com/inconshreveable/mousetrap/@v/v1.1.0.mod": "module github.com/inconshreveable/mousetrap\n\nreplace x => y v1.0.0\nfrobnicate\n",
	})

	// testdata/transitive gives the same root and components with or
	// without the module cache; only the edges differ.
	svcRoots := []*inventory.Root{{
		ID: "go.mod", Kind: inventory.KindManifest,
		PURL: "pkg:golang/example.com/svc", Name: "example.com/svc",
		Properties: map[string]string{"go": "1.22"},
	}}
	svcComponents := []*inventory.Component{
		{PURL: "pkg:golang/example.com/cyc/a@v1.0.0", Ecosystem: "Go", Name: "example.com/cyc/a", Version: "v1.0.0", Scope: inventory.ScopeRuntime, Locations: loc(15)},
		{PURL: "pkg:golang/example.com/cyc/b@v1.0.0", Ecosystem: "Go", Name: "example.com/cyc/b", Version: "v1.0.0", Scope: inventory.ScopeRuntime, Locations: loc(16)},
		{PURL: "pkg:golang/github.com/Azure/azure-sdk@v1.2.0", Ecosystem: "Go", Name: "github.com/Azure/azure-sdk", Version: "v1.2.0", Direct: true, Scope: inventory.ScopeRuntime, Locations: loc(8)},
		{PURL: "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0", Ecosystem: "Go", Name: "github.com/inconshreveable/mousetrap", Version: "v1.1.0", Scope: inventory.ScopeRuntime, Locations: loc(12)},
		{PURL: "pkg:golang/github.com/orphan/mod@v0.3.0", Ecosystem: "Go", Name: "github.com/orphan/mod", Version: "v0.3.0", Scope: inventory.ScopeRuntime, Locations: loc(14)},
		{PURL: "pkg:golang/github.com/spf13/cobra@v1.8.0", Ecosystem: "Go", Name: "github.com/spf13/cobra", Version: "v1.8.0", Direct: true, Scope: inventory.ScopeRuntime, Locations: loc(7)},
		{PURL: "pkg:golang/github.com/spf13/pflag@v1.0.5", Ecosystem: "Go", Name: "github.com/spf13/pflag", Version: "v1.0.5", Scope: inventory.ScopeRuntime, Locations: loc(13)},
	}

	tests := []struct {
		name  string
		dir   string
		path  string
		cache string
		want  result
	}{
		{
			name: "one-require",
			dir:  "testdata/one-require",
			path: "go.mod",
			want: result{
				Roots: []*inventory.Root{{
					ID: "go.mod", Kind: inventory.KindManifest,
					PURL: "pkg:golang/example.com/hello", Name: "example.com/hello",
					Properties: map[string]string{"go": "1.22.1", "toolchain": "go1.22.4"},
				}},
				Components: []*inventory.Component{
					{
						PURL: "pkg:golang/github.com/google/go-cmp@v0.6.0", Ecosystem: "Go",
						Name: "github.com/google/go-cmp", Version: "v0.6.0", Direct: true, Scope: inventory.ScopeRuntime,
						Hashes:    []inventory.Hash{{Algorithm: "h1", Value: "ofyhxvXcZhMsU5ulbFiLKl/XBFqE1GSq7atu8tAmTRI="}},
						Locations: loc(7),
					},
					{
						// Only the /go.mod line is in go.sum: no hash.
						PURL: "pkg:golang/golang.org/x/text@v0.0.0-20240102150212-fc8a7c3c0b14", Ecosystem: "Go",
						Name: "golang.org/x/text", Version: "v0.0.0-20240102150212-fc8a7c3c0b14", Scope: inventory.ScopeRuntime,
						Locations: loc(9),
					},
				},
				Edges: []inventory.Edge{
					{From: "go.mod", To: "pkg:golang/github.com/google/go-cmp@v0.6.0"},
					{From: "go.mod", To: "pkg:golang/golang.org/x/text@v0.0.0-20240102150212-fc8a7c3c0b14"},
				},
			},
		},
		{
			name: "replace",
			dir:  "testdata/replace",
			path: "app/go.mod",
			want: result{
				Roots: []*inventory.Root{{
					ID: "app/go.mod", Kind: inventory.KindManifest,
					PURL: "pkg:golang/example.com/app", Name: "example.com/app",
					Properties: map[string]string{"go": "1.21"},
				}},
				Components: []*inventory.Component{
					{
						PURL: "pkg:golang/example.com/lib", Ecosystem: "Go", Name: "example.com/lib",
						Direct: true, Scope: inventory.ScopeRuntime, Source: "../lib",
						Properties: map[string]string{"replaces": "example.com/lib@v1.0.0"},
						Locations:  []inventory.Location{{Path: "app/go.mod", Line: 6}},
					},
					{
						PURL: "pkg:golang/github.com/fork/errors@v0.9.2-0.20230101000000-abcdefabcdef", Ecosystem: "Go",
						Name: "github.com/fork/errors", Version: "v0.9.2-0.20230101000000-abcdefabcdef", Scope: inventory.ScopeRuntime,
						Hashes:     []inventory.Hash{{Algorithm: "h1", Value: "Fork00000000000000000000000000000000000000="}},
						Properties: map[string]string{"replaces": "github.com/pkg/errors@v0.9.1"},
						Locations:  []inventory.Location{{Path: "app/go.mod", Line: 11}},
					},
					{
						// The version-specific replacement wins over the
						// path-wide one written after it.
						PURL: "pkg:golang/golang.org/x/net@v0.23.0", Ecosystem: "Go",
						Name: "golang.org/x/net", Version: "v0.23.0", Direct: true, Scope: inventory.ScopeRuntime,
						Hashes:     []inventory.Hash{{Algorithm: "h1", Value: "7EYJ93RZ9vYSZAIb2x3lnuvqO5zneoD6IvWjuhfxjTs="}},
						Properties: map[string]string{"replaces": "golang.org/x/net@v0.17.0"},
						Locations:  []inventory.Location{{Path: "app/go.mod", Line: 7}},
					},
					{
						PURL: "pkg:golang/gopkg.in/yaml.v3@v3.0.1", Ecosystem: "Go",
						Name: "gopkg.in/yaml.v3", Version: "v3.0.1", Scope: inventory.ScopeRuntime,
						Hashes:    []inventory.Hash{{Algorithm: "h1", Value: "fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA="}},
						Locations: []inventory.Location{{Path: "app/go.mod", Line: 8}},
					},
				},
				Edges: []inventory.Edge{
					{From: "app/go.mod", To: "pkg:golang/example.com/lib"},
					// errors is required by nothing: it hangs off the root.
					{From: "app/go.mod", To: "pkg:golang/github.com/fork/errors@v0.9.2-0.20230101000000-abcdefabcdef"},
					{From: "app/go.mod", To: "pkg:golang/golang.org/x/net@v0.23.0"},
					// yaml is reached through ../lib/go.mod, read in the tree.
					{From: "pkg:golang/example.com/lib", To: "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
				},
			},
		},
		{
			name:  "transitive",
			dir:   "testdata/transitive",
			path:  "go.mod",
			cache: cache,
			want: result{
				Roots:      svcRoots,
				Components: svcComponents,
				Edges: []inventory.Edge{
					// The cycle a ↔ b is reached through its first member.
					{From: "go.mod", To: "pkg:golang/example.com/cyc/a@v1.0.0"},
					{From: "go.mod", To: "pkg:golang/github.com/Azure/azure-sdk@v1.2.0"},
					// Not in the cache: nothing says who needs it.
					{From: "go.mod", To: "pkg:golang/github.com/orphan/mod@v0.3.0"},
					{From: "go.mod", To: "pkg:golang/github.com/spf13/cobra@v1.8.0"},
					{From: "pkg:golang/example.com/cyc/a@v1.0.0", To: "pkg:golang/example.com/cyc/b@v1.0.0"},
					{From: "pkg:golang/example.com/cyc/b@v1.0.0", To: "pkg:golang/example.com/cyc/a@v1.0.0"},
					// azure-sdk asks for pflag v1.0.3; the build selects v1.0.5.
					{From: "pkg:golang/github.com/Azure/azure-sdk@v1.2.0", To: "pkg:golang/github.com/spf13/pflag@v1.0.5"},
					// cobra's requires outside the build list make no edge.
					{From: "pkg:golang/github.com/spf13/cobra@v1.8.0", To: "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0"},
					{From: "pkg:golang/github.com/spf13/cobra@v1.8.0", To: "pkg:golang/github.com/spf13/pflag@v1.0.5"},
				},
			},
		},
		{
			name: "transitive-no-cache",
			dir:  "testdata/transitive",
			path: "go.mod",
			want: result{
				Roots:      svcRoots,
				Components: svcComponents,
				Edges: []inventory.Edge{
					{From: "go.mod", To: "pkg:golang/example.com/cyc/a@v1.0.0"},
					{From: "go.mod", To: "pkg:golang/example.com/cyc/b@v1.0.0"},
					{From: "go.mod", To: "pkg:golang/github.com/Azure/azure-sdk@v1.2.0"},
					{From: "go.mod", To: "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0"},
					{From: "go.mod", To: "pkg:golang/github.com/orphan/mod@v0.3.0"},
					{From: "go.mod", To: "pkg:golang/github.com/spf13/cobra@v1.8.0"},
					{From: "go.mod", To: "pkg:golang/github.com/spf13/pflag@v1.0.5"},
				},
			},
		},
		{
			name: "exclude",
			dir:  "testdata/exclude",
			path: "go.mod",
			want: result{
				Roots: []*inventory.Root{{
					ID: "go.mod", Kind: inventory.KindManifest,
					PURL: "pkg:golang/example.com/ex", Name: "example.com/ex",
					Properties: map[string]string{"go": "1.20", "exclude": "github.com/bad/mod@v1.0.0, github.com/bad/mod@v1.1.0"},
				}},
				Components: []*inventory.Component{{
					PURL: "pkg:golang/github.com/bad/mod@v1.1.0", Ecosystem: "Go", Name: "github.com/bad/mod",
					Version: "v1.1.0", Direct: true, Scope: inventory.ScopeRuntime,
					Properties: map[string]string{"excluded": "true"}, Locations: loc(5),
				}},
				Edges: []inventory.Edge{{From: "go.mod", To: "pkg:golang/github.com/bad/mod@v1.1.0"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, NewWithOptions(Options{ModCache: tt.cache}), tt.dir, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, extracttest.Flatten(g)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestCacheOutsideTree checks that a module cache inside the scanned tree is
// not what the extractor reads: only Options.ModCache counts.
func TestCacheOutsideTree(t *testing.T) {
	fsys := fstest.MapFS{
		"go.mod":                               {Data: []byte("module m\n\nrequire a.com/x v1.0.0\nrequire b.com/y v1.0.0 // indirect\n")},
		"cache/download/a.com/x/@v/v1.0.0.mod": {Data: []byte("module a.com/x\nrequire b.com/y v1.0.0\n")},
	}
	data := fsys["go.mod"].Data
	g, err := NewWithOptions(Options{ModCache: t.TempDir()}).Extract(context.Background(), &extract.Input{Path: "go.mod", Root: fsys, Reader: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Edge{
		{From: "go.mod", To: "pkg:golang/a.com/x@v1.0.0"},
		{From: "go.mod", To: "pkg:golang/b.com/y@v1.0.0"},
	}
	if diff := cmp.Diff(want, g.Edges()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestModCacheFromEnv(t *testing.T) {
	tests := []struct {
		name, gomodcache, gopath, home, want string
	}{
		{name: "gomodcache", gomodcache: "/c/mod", gopath: "/g", want: "/c/mod"},
		{name: "relative-gomodcache", gomodcache: "c/mod", gopath: "/g", want: ""},
		{name: "gopath-list", gopath: "/g1" + string(filepath.ListSeparator) + "/g2", want: "/g1/pkg/mod"},
		{name: "home", home: "/home/u", want: "/home/u/go/pkg/mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMODCACHE", tt.gomodcache)
			t.Setenv("GOPATH", tt.gopath)
			t.Setenv("HOME", tt.home)
			if got := ModCacheFromEnv(); got != filepath.FromSlash(tt.want) {
				t.Errorf("ModCacheFromEnv() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := NewWithOptions(Options{ModCache: "relative/dir"}).opts.ModCache; got != "" {
		t.Errorf("relative ModCache kept as %q", got)
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"go.mod", true},
		{"a/b/go.mod", true},
		{"go.sum", false},
		{"a/go.mod.bak", false},
		{"go.work", false},
	}
	for _, tt := range tests {
		if got := New().Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64 { return maxGoModSize + 1 }

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		line    int
		column  int
		message string
	}{
		{name: "not-gomod", dir: "testdata/not-gomod", line: 1, message: "unexpected input character"},
		{name: "truncated", dir: "testdata/truncated", line: 5, message: "unterminated block started at go.mod:3:1"},
		{name: "bad-version", dir: "testdata/bad-version", line: 5, message: "require github.com/a/b: version \"latest\" invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractFile(t, New(), tt.dir, "go.mod")
			xe := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "go.mod", Line: tt.line, Msg: tt.message})
			if xe.Column != tt.column {
				t.Errorf("error %q at column %d, want %d", err, xe.Column, tt.column)
			}
		})
	}

	t.Run("too-large", func(t *testing.T) {
		_, err := New().Extract(context.Background(), &extract.Input{Path: "go.mod", Info: bigInfo{}, Reader: strings.NewReader("")})
		var xe *extract.Error
		if !errors.As(err, &xe) || xe.Path != "go.mod" || !errors.Is(err, extract.ErrTooLarge) {
			t.Errorf("error %v, want *extract.Error wrapping ErrTooLarge", err)
		}
	})

	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		data := []byte("module m\nrequire a.com/x v1.0.0\n")
		_, err := New().Extract(ctx, &extract.Input{Path: "go.mod", Reader: bytes.NewReader(data)})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}

// TestHugeLine checks that a go.mod with one enormous line parses within
// the size limit without trouble.
func TestHugeLine(t *testing.T) {
	data := []byte("module m\n// " + strings.Repeat("x", 4<<20) + "\nrequire a.com/x v1.0.0\n")
	start := time.Now()
	g, err := New().Extract(context.Background(), &extract.Input{Path: "go.mod", Reader: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 1 {
		t.Errorf("got %d components, want 1", g.Len())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/one-require/go.mod", "testdata/replace/app/go.mod", "testdata/transitive/go.mod",
		"testdata/exclude/go.mod", "testdata/not-gomod/go.mod", "testdata/truncated/go.mod", "testdata/bad-version/go.mod",
	)
	cache := writeCache(f, map[string]string{
		"a.com/x/@v/v1.0.0.mod": "module a.com/x\nrequire b.com/y v1.0.0\n",
		"b.com/y/@v/v1.0.0.mod": "module b.com/y\nrequire a.com/x v1.0.0\n",
	})
	fsys := fstest.MapFS{
		"lib/go.mod": {Data: []byte("module example.com/lib\nrequire a.com/x v1.0.0\n")},
		"app/go.sum": {Data: []byte("a.com/x v1.0.0 h1:AAAA=\nb.com/y v1.0.0/go.mod h1:BBBB=\n")},
	}
	// Every component hangs off the root, through the module graph or not.
	extracttest.Fuzz(f, NewWithOptions(Options{ModCache: cache}), "app/go.mod", fsys, extracttest.CheckReachable)
}

// TestRealTidy reads a go.mod and go.sum that `go mod tidy` wrote (vouch's
// own, copied into testdata) and checks the components against the files'
// own entries: one per require line, each with the go.sum hash of its zip.
func TestRealTidy(t *testing.T) {
	dir := "testdata/real-tidy"
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // path@version -> "direct"/"indirect"
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.HasPrefix(f[1], "v") && strings.Contains(f[0], ".") {
			kind := "direct"
			if strings.HasSuffix(strings.TrimSpace(line), "// indirect") {
				kind = "indirect"
			}
			want[f[0]+"@"+f[1]] = kind
		}
	}
	hashes := map[string]string{}
	for _, line := range strings.Split(string(sum), "\n") {
		if f := strings.Fields(line); len(f) == 3 && !strings.HasSuffix(f[1], "/go.mod") {
			hashes[f[0]+"@"+f[1]] = strings.TrimPrefix(f[2], "h1:")
		}
	}
	if len(want) < 20 {
		t.Fatalf("fixture go.mod has only %d requires", len(want))
	}
	g, err := extractFile(t, NewWithOptions(Options{ModCache: t.TempDir()}), dir, "go.mod")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range g.Components() {
		kind := "indirect"
		if c.Direct {
			kind = "direct"
		}
		key := c.Name + "@" + c.Version
		got[key] = kind
		if h, ok := hashes[key]; ok {
			if len(c.Hashes) != 1 || c.Hashes[0] != (inventory.Hash{Algorithm: "h1", Value: h}) {
				t.Errorf("%s: hashes %v, want h1 %s", key, c.Hashes, h)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("components against go.mod's requires (-want +got):\n%s", diff)
	}
}
