package gobinary

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// result is what a test compares: the whole fragment an extraction gives.
type result = extracttest.Graph

// workspace is a main module with two dependencies, built offline: one
// replaced by a local directory, one served by a file:// module proxy the
// test writes, so the binary records a real go.sum hash.
type workspace struct {
	dir      string
	env      []string
	greetSum string // h1 hash of example.com/greet v1.2.0, without "h1:"
	goVer    string // the toolchain's version, "go1.26.8"
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	w := &workspace{dir: t.TempDir()}

	// The proxied module, zipped as the go command expects.
	src := filepath.Join(w.dir, "src", "greet")
	write(t, filepath.Join(src, "go.mod"), "module example.com/greet\n\ngo 1.21\n")
	write(t, filepath.Join(src, "greet.go"), "package greet\n\nfunc Hello() string { return \"hello\" }\n")
	mv := module.Version{Path: "example.com/greet", Version: "v1.2.0"}
	proxy := filepath.Join(w.dir, "proxy", "example.com", "greet", "@v")
	if err := os.MkdirAll(proxy, 0o755); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(proxy, "v1.2.0.zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(zf, mv, src); err != nil {
		t.Fatal(err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	h, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	w.greetSum = strings.TrimPrefix(h, "h1:")
	write(t, filepath.Join(proxy, "list"), "v1.2.0\n")
	write(t, filepath.Join(proxy, "v1.2.0.info"), `{"Version":"v1.2.0","Time":"2024-01-01T00:00:00Z"}`)
	write(t, filepath.Join(proxy, "v1.2.0.mod"), "module example.com/greet\n\ngo 1.21\n")

	// The local dependency and the main module.
	write(t, filepath.Join(w.dir, "dep", "go.mod"), "module example.com/dep\n\ngo 1.21\n")
	write(t, filepath.Join(w.dir, "dep", "dep.go"), "package dep\n\nfunc Name() string { return \"dep\" }\n")
	write(t, filepath.Join(w.dir, "app", "go.mod"), "module example.com/app\n\ngo 1.21\n\n"+
		"require (\n\texample.com/dep v1.0.0\n\texample.com/greet v1.2.0\n)\n\nreplace example.com/dep => ../dep\n")
	write(t, filepath.Join(w.dir, "app", "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n\t\"example.com/greet\"\n)\n\n"+
		"var token string\n\nfunc main() { fmt.Println(greet.Hello(), dep.Name(), token) }\n")

	w.env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(filepath.Join(w.dir, "proxy")),
		"GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GOFLAGS=-mod=mod -modcacherw",
		"GOMODCACHE="+filepath.Join(w.dir, "modcache"), "GOTOOLCHAIN=local", "GOWORK=off", "CGO_ENABLED=0",
	)
	out, err := w.run(t, filepath.Join(w.dir, "app"), nil, "go", "env", "GOVERSION", "GOCACHE")
	if err != nil {
		t.Fatalf("go env: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("go env: %q", out)
	}
	w.goVer = lines[0]
	// Pinned, so a HOME changed for git keeps the build cache.
	w.env = append(w.env, "GOCACHE="+lines[1])
	return w
}

func (w *workspace) run(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, w.env...), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// build runs go build in the main module and returns the binary's path.
func (w *workspace) build(t *testing.T, out string, env []string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(w.dir, "bin", out)
	args := append([]string{"build", "-o", bin}, flags...)
	if msg, err := w.run(t, filepath.Join(w.dir, "app"), env, "go", args...); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, msg)
	}
	return bin
}

// extractFile offers the file at full to the extractor as path, with or
// without random access.
func extractFile(t *testing.T, e *Extractor, full, path string, readerAt bool) (*inventory.Graph, error) {
	t.Helper()
	f, err := os.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	in := &extract.Input{Path: path, Info: info, Reader: f}
	if readerAt {
		in.ReaderAt = f
	}
	return e.Extract(context.Background(), in)
}

func TestExtract(t *testing.T) {
	w := newWorkspace(t)
	stdlib := "v" + strings.TrimPrefix(strings.Fields(w.goVer)[0], "go")
	if strings.Count(stdlib, ".") == 1 {
		stdlib += ".0"
	}

	// want gives the fragment expected of a build of the main module.
	want := func(path string, props map[string]string, version string) result {
		loc := []inventory.Location{{Path: path}}
		root := &inventory.Root{
			ID: path, Kind: inventory.KindBinary, Name: "example.com/app", Version: version,
			PURL: "pkg:golang/example.com/app", Properties: props,
		}
		if version != "" {
			root.PURL += "@" + version
		}
		return result{
			Roots: []*inventory.Root{root},
			Components: []*inventory.Component{
				{
					PURL: "pkg:golang/example.com/dep", Ecosystem: "Go", Name: "example.com/dep",
					Direct: true, Scope: inventory.ScopeRuntime, Source: "../dep",
					Properties: map[string]string{"replaces": "example.com/dep@v1.0.0"}, Locations: loc,
				},
				{
					PURL: "pkg:golang/example.com/greet@v1.2.0", Ecosystem: "Go", Name: "example.com/greet",
					Version: "v1.2.0", Direct: true, Scope: inventory.ScopeRuntime,
					Hashes: []inventory.Hash{{Algorithm: "h1", Value: w.greetSum}}, Locations: loc,
				},
				{
					PURL: "pkg:golang/stdlib@" + stdlib, Ecosystem: "Go", Name: "stdlib",
					Version: stdlib, Direct: true, Scope: inventory.ScopeRuntime, Locations: loc,
				},
			},
			Edges: []inventory.Edge{
				{From: path, To: "pkg:golang/example.com/dep"},
				{From: path, To: "pkg:golang/example.com/greet@v1.2.0"},
				{From: path, To: "pkg:golang/stdlib@" + stdlib},
			},
		}
	}
	target := func(goos, goarch string) map[string]string {
		return map[string]string{
			"go_version": w.goVer, "GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "-buildmode": "exe",
		}
	}

	t.Run("trimpath", func(t *testing.T) {
		// -ldflags carries a value that must not reach the output.
		bin := w.build(t, "app", nil, "-trimpath", "-buildvcs=false", "-ldflags=-X main.token=hunter2")
		for _, readerAt := range []bool{true, false} {
			g, err := extractFile(t, New(), bin, "usr/bin/app", readerAt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want("usr/bin/app", target(runtime.GOOS, runtime.GOARCH), ""), extracttest.Flatten(g)); diff != "" {
				t.Errorf("readerAt=%v: (-want +got)\n%s", readerAt, diff)
			}
		}
	})

	t.Run("vcs", func(t *testing.T) {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("no git")
		}
		app := filepath.Join(w.dir, "app")
		// A first build writes go.sum, so the commit leaves a clean tree.
		w.build(t, "first", nil, "-trimpath", "-buildvcs=false")
		gitEnv := []string{
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
			"GIT_AUTHOR_DATE=2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2024-01-02T03:04:05Z", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + w.dir,
		}
		for _, args := range [][]string{
			{"init", "-q"}, {"add", "."}, {"commit", "-q", "-m", "initial"}, {"tag", "v1.4.0"},
		} {
			if out, err := w.run(t, app, gitEnv, "git", args...); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		rev, err := w.run(t, app, gitEnv, "git", "rev-parse", "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		bin := w.build(t, "app-vcs", gitEnv, "-trimpath", "-buildvcs=true")
		g, err := extractFile(t, New(), bin, "app-vcs", true)
		if err != nil {
			t.Fatal(err)
		}
		props := target(runtime.GOOS, runtime.GOARCH)
		props["vcs"] = "git"
		props["vcs.revision"] = strings.TrimSpace(rev)
		props["vcs.time"] = "2024-01-02T03:04:05Z"
		props["vcs.modified"] = "false"
		// The main module's version comes from the tag on the commit.
		if diff := cmp.Diff(want("app-vcs", props, "v1.4.0"), extracttest.Flatten(g)); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})

	for _, tt := range []struct{ goos, goarch, name string }{
		{"windows", "amd64", "app.exe"}, // PE
		{"darwin", "arm64", "app-mac"},  // Mach-O
	} {
		t.Run(tt.goos, func(t *testing.T) {
			if testing.Short() {
				t.Skip("cross-compiling the standard library is slow")
			}
			bin := w.build(t, tt.name, []string{"GOOS=" + tt.goos, "GOARCH=" + tt.goarch}, "-trimpath", "-buildvcs=false")
			g, err := extractFile(t, New(), bin, tt.name, true)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want(tt.name, target(tt.goos, tt.goarch), ""), extracttest.Flatten(g)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}

	t.Run("broken-build-info", func(t *testing.T) {
		bin := w.build(t, "app-broken", nil, "-trimpath", "-buildvcs=false")
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		// A build line without "=" is malformed build information. The
		// linker stores the text twice (the blob and runtime's copy).
		old := []byte("\nbuild\tGOOS=")
		if bytes.Count(data, old) == 0 {
			t.Fatal("no build info line found")
		}
		data = bytes.ReplaceAll(data, old, []byte("\nbuild\tGOOS:"))
		_, err = New().Extract(context.Background(), &extract.Input{Path: "bin/broken", Reader: bytes.NewReader(data), ReaderAt: bytes.NewReader(data)})
		var xe *extract.Error
		if !errors.As(err, &xe) || xe.Path != "bin/broken" || !strings.Contains(err.Error(), "build line missing '='") {
			t.Errorf("error %v, want *extract.Error naming bin/broken and the bad line", err)
		}
	})

	t.Run("too-large-without-reader-at", func(t *testing.T) {
		bin := w.build(t, "app", nil, "-trimpath", "-buildvcs=false")
		e := New()
		e.maxInMemory = 4096
		_, err := extractFile(t, e, bin, "bin/app", false)
		var xe *extract.Error
		if !errors.As(err, &xe) || xe.Path != "bin/app" || !errors.Is(err, extract.ErrTooLarge) {
			t.Errorf("error %v, want *extract.Error wrapping ErrTooLarge", err)
		}
		// With random access the size does not matter.
		if g, err := extractFile(t, e, bin, "bin/app", true); err != nil || g.Len() != 3 {
			t.Errorf("with ReaderAt: %v, %v", g, err)
		}
	})
}

// TestNotGo checks that files that are not Go executables give no fragment
// and no error.
func TestNotGo(t *testing.T) {
	dir := t.TempDir()
	elf := filepath.Join(dir, "true")
	if data, err := os.ReadFile("/bin/true"); err == nil && bytes.HasPrefix(data, []byte("\x7fELF")) {
		if err := os.WriteFile(elf, data, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		elf = ""
	}
	tests := []struct {
		name string
		path string
	}{
		{"c-elf", elf},
		{"shell-script", "testdata/shell-script"},
		{"truncated-elf", "testdata/truncated-elf"},
		{"garbage-pe", "testdata/garbage-pe"},
		{"empty", "testdata/empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == "" {
				t.Skip("no ELF /bin/true")
			}
			for _, readerAt := range []bool{true, false} {
				g, err := extractFile(t, New(), tt.path, "x", readerAt)
				if g != nil || err != nil {
					t.Errorf("readerAt=%v: got %v, %v; want nil, nil", readerAt, g, err)
				}
			}
		})
	}
}

type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return f.mode }
func (f fileInfo) ModTime() time.Time { return time.Time{} }
func (f fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fileInfo) Sys() any           { return nil }

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		size int64
		mode fs.FileMode
		want bool
	}{
		{"usr/bin/kubectl", 50 << 20, 0o755, true},
		{"opt/tool", 2048, 0o100, true},       // executable by owner only
		{"opt/tool", 1024, 0o755, true},       // exactly the minimum
		{"opt/tool", 1023, 0o755, false},      // too small
		{"opt/notes.txt", 4096, 0o644, false}, // not executable
		{"win/App.EXE", 4096, 0o644, true},    // a Windows binary without x bit
		{"bin", 4096, fs.ModeDir | 0o755, false},
		{"usr/bin/link", 4096, fs.ModeSymlink | 0o777, false},
	}
	for _, tt := range tests {
		info := fileInfo{name: extract.Base(tt.path), size: tt.size, mode: tt.mode}
		if got := New().Claims(tt.path, info); got != tt.want {
			t.Errorf("Claims(%q, %d bytes, %v) = %v, want %v", tt.path, tt.size, tt.mode, got, tt.want)
		}
	}
	if New().Claims("usr/bin/x", nil) {
		t.Error("Claims with nil info = true")
	}
}

func TestStdlibVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go1.22.1", "v1.22.1"},
		{"go1.22.1 X:nocoverageredesign", "v1.22.1"},
		{"go1.21.4 X:boringcrypto,nocoverageredesign", "v1.21.4"},
		{"go1.20", "v1.20.0"},
		{"go1.21rc2", "v1.21.0-rc.2"},
		{"go1.18beta1", "v1.18.0-beta.1"},
		{"devel go1.23-a1b2c3d Tue Jan 2 15:04:05 2024 +0000", ""},
		{"go1.22rc", ""},
		{"go1", ""},
		{"", ""},
		{"gox.y.z", ""},
	}
	for _, tt := range tests {
		if got := stdlibVersion(tt.in); got != tt.want {
			t.Errorf("stdlibVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/shell-script", "testdata/truncated-elf", "testdata/garbage-pe", "testdata/empty")
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00"))
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x01\x01\x00\x00\x07\x00\x00\x00\x03"))
	// A binary is one root with every module it was built from below it.
	extracttest.Fuzz(f, New(), "bin/x", nil, func(t testing.TB, g *inventory.Graph) {
		for _, c := range g.Components() {
			if ps := g.Parents(c.PURL); len(ps) != 1 || ps[0] != "bin/x" {
				t.Fatalf("component %s has parents %v", c.PURL, ps)
			}
		}
		if len(g.Roots()) != 1 {
			t.Fatalf("%d roots", len(g.Roots()))
		}
	})
}
