package walk

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/dpkg"
	"github.com/vouchdev/vouch/extract/packagelock"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk/image"
	"github.com/vouchdev/vouch/walk/image/imagetest"
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

// writeImage writes an image archive as dir/name and returns its path.
func writeImage(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// imageRow is a component found in an image, laid out for cmp.Diff.
type imageRow struct {
	PURL      string
	Layer     string // layer_index, and layer checked against the diff ID
	Direct    bool
	Locations []string
}

func imageRows(t *testing.T, g *inventory.Graph, layers []imagetest.Layer) []imageRow {
	t.Helper()
	var rows []imageRow
	for _, c := range g.Components() {
		r := imageRow{PURL: c.PURL, Layer: c.Properties["layer_index"], Direct: c.Direct}
		var i int
		if _, err := fmt.Sscan(r.Layer, &i); err != nil || i >= len(layers) {
			t.Errorf("%s: layer_index %q", c.PURL, r.Layer)
		} else if want := imagetest.Digest(layers[i].Tar()); c.Properties["layer"] != want {
			t.Errorf("%s: layer %s, want %s (layer %d)", c.PURL, c.Properties["layer"], want, i)
		}
		for _, l := range c.Locations {
			r.Locations = append(r.Locations, fmt.Sprintf("%s:%d", l.Path, l.Line))
		}
		rows = append(rows, r)
	}
	return rows
}

// TestWalkImage reads imagetest.Sample, saved in every shape, with the
// real dpkg and package-lock.json extractors.
func TestWalkImage(t *testing.T) {
	sample := imagetest.Sample()
	oci := func(compression string) []byte {
		im := imagetest.Sample()
		for i := range im.Layers {
			im.Layers[i].Compression = compression
		}
		l := imagetest.NewLayout()
		l.List(l.Image(im), "example/web:1.0")
		return l.Files().Tar()
	}
	dir := filepath.Join(t.TempDir(), "image.tar")
	l := imagetest.NewLayout()
	l.List(l.Image(sample), "example/web:1.0")
	if err := l.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{
		"docker 24":       writeImage(t, "image.tar", imagetest.DockerArchive24(sample).Tar()),
		"docker 25":       writeImage(t, "image.tar", imagetest.DockerArchive25(sample).Tar()),
		"docker 25 gzip":  writeImage(t, "image.tar", imagetest.Compress(imagetest.DockerArchive25(sample).Tar(), "gzip")),
		"oci gzip layers": writeImage(t, "image.tar", oci("gzip")),
		"oci zstd layers": writeImage(t, "image.tar", oci("zstd")),
		"oci directory":   dir,
	}
	const status = "image.tar!/var/lib/dpkg/status"
	const lock, backup = "image.tar!/app/package-lock.json", "image.tar!/app/backup/package-lock.json"
	want := []imageRow{
		// The base image's packages stay with layer 0 although layer 2
		// rewrote the status file; curl came with layer 2.
		{"pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12", "0", true, []string{status + ":1"}},
		{"pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12", "2", true, []string{status + ":31"}},
		{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc", "0", false, []string{status + ":10"}},
		{"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib", "0", false, []string{status + ":20"}},
		// Found in the lockfile and in its hard link; minimist (whited
		// out) and lodash (under the opaque opt/tool) are gone.
		{"pkg:npm/js-tokens@4.0.0", "1", true, []string{backup + ":19", lock + ":19"}},
		{"pkg:npm/left-pad@1.3.0", "1", true, []string{backup + ":15", lock + ":15"}},
	}
	wantRoots := []string{"image.tar image", backup + " manifest", lock + " manifest", status + " rootfs"}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			var last Progress
			res, err := Walk(context.Background(), target, Options{
				Extractors: []extract.Extractor{dpkg.New(), packagelock.New()},
				Progress:   func(p Progress) { last = p },
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, imageRows(t, res.Graph, sample.Layers)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			var roots []string
			for _, r := range res.Graph.Roots() {
				roots = append(roots, r.ID+" "+string(r.Kind))
			}
			if diff := cmp.Diff(wantRoots, roots); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			if d := res.Graph.Root(status).Properties["distro"]; d != "debian-12" {
				t.Errorf("distro %q: etc/os-release is a link to ../usr/lib/os-release in the image", d)
			}
			root := res.Graph.Root("image.tar")
			if root.Name != "example/web" || root.Version != "1.0" || root.Properties["layers"] != "3" ||
				root.Properties["image_id"] != imagetest.Digest(sample.Config()) ||
				!strings.HasPrefix(root.PURL, "pkg:oci/web") || !strings.Contains(root.PURL, "repository_url=docker.io%2Fexample%2Fweb") {
				t.Errorf("image root %+v", root)
			}
			for k, v := range root.Properties {
				if strings.Contains(v, "s3cr3t") || strings.Contains(v, "abc123") {
					t.Errorf("root property %s=%q holds a secret", k, v)
				}
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
			if diff := cmp.Diff([]string{backup, lock}, res.Manifests); diff != "" {
				t.Errorf("manifests (-want +got):\n%s", diff)
			}
			if res.Files != 6 || res.Claimed != 3 || res.Read != 3 || !last.Done || last.Extracted != 3 {
				t.Errorf("files=%d claimed=%d read=%d, progress %+v; want 6 3 3", res.Files, res.Claimed, res.Read, last)
			}
		})
	}
}

// versionsImage writes an image whose layers each rewrite pkgs.deps.
func versionsImage(t *testing.T, layers ...[]imagetest.Entry) (string, []imagetest.Layer) {
	im := imagetest.Image{}
	for _, es := range layers {
		im.Layers = append(im.Layers, imagetest.Layer{Entries: es})
	}
	return writeImage(t, "image.tar", imagetest.DockerArchive24(im).Tar()), im.Layers
}

// TestWalkImageLayerAttribution: a component is attributed to the earliest
// layer from which every version of its file holds it.
func TestWalkImageLayerAttribution(t *testing.T) {
	file := func(body string) []imagetest.Entry { return []imagetest.Entry{imagetest.File("pkgs.deps", body)} }
	tests := []struct {
		name   string
		layers [][]imagetest.Entry
		want   map[string]string // name → layer_index
	}{
		{"added one per layer", [][]imagetest.Entry{file("x@1\n"), file("x@1\ny@1\n"), file("x@1\ny@1\nz@1\n")},
			map[string]string{"x": "0", "y": "1", "z": "2"}},
		{"removed and added again", [][]imagetest.Entry{file("x@1\n"), file("y@1\n"), file("x@1\ny@1\n")},
			map[string]string{"x": "2", "y": "1"}},
		{"whiteout ends the history", [][]imagetest.Entry{file("x@1\n"), {imagetest.Whiteout("pkgs.deps")}, file("x@1\n")},
			map[string]string{"x": "2"}},
		{"unreadable earlier version", [][]imagetest.Entry{file("x@1\n"), file("x@1\nFAIL\n"), file("x@1\n")},
			map[string]string{"x": "2"}},
		{"untouched by later layers", [][]imagetest.Entry{file("x@1\n"), {imagetest.File("other", "")}},
			map[string]string{"x": "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, layers := versionsImage(t, tt.layers...)
			res, err := Walk(context.Background(), p, Options{Extractors: []extract.Extractor{deps{}}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range imageRows(t, res.Graph, layers) {
				name, _, _ := strings.Cut(strings.TrimPrefix(r.PURL, "pkg:generic/"), "@")
				got[name] = r.Layer
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("layers (-want +got):\n%s", diff)
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
		})
	}
}

// TestWalkImageRules: the skip and exclude rules apply inside an image,
// to paths from its root.
func TestWalkImageRules(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{
		imagetest.File("srv/app/a.deps", "a@1\n"),
		imagetest.File("srv/app/node_modules/m/b.deps", "b@1\n"),
		imagetest.File("srv/app/.git/c.deps", "c@1\n"),
		imagetest.File("srv/app/testdata/d.deps", "d@1\n"),
		imagetest.Symlink("srv/link.deps", "app/a.deps"),
	}}}}
	p := writeImage(t, "image.tar", imagetest.DockerArchive25(im).Tar())
	tests := []struct {
		opt  Options
		want []string
	}{
		{Options{}, []string{"image.tar!/srv/app/a.deps a", "image.tar!/srv/app/testdata/d.deps d"}},
		{Options{Exclude: []string{"srv/app/testdata"}}, []string{"image.tar!/srv/app/a.deps a"}},
		{Options{IncludeInstalled: true, Exclude: []string{"*.deps"}}, nil},
		{Options{IncludeInstalled: true}, []string{"image.tar!/srv/app/a.deps a", "image.tar!/srv/app/node_modules/m/b.deps b", "image.tar!/srv/app/testdata/d.deps d"}},
	}
	for _, tt := range tests {
		tt.opt.Extractors = []extract.Extractor{deps{}}
		res, err := Walk(context.Background(), p, tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, locations(res.Graph)); diff != "" {
			t.Errorf("%+v: components (-want +got):\n%s", tt.opt, diff)
		}
	}
}

// TestWalkImageErrors: errors inside an image name their path in it; a
// broken image fails the walk with an error naming the blob.
func TestWalkImageErrors(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{
		imagetest.File("ok.deps", "ok@1\n"),
		imagetest.File("bad.deps", "x@1\nFAIL\n"),
		imagetest.File("panic.deps", "PANIC\n"),
		imagetest.File("../../etc/cron.d/evil", "* * * * * root sh\n"),
		imagetest.File("/etc/passwd", "root::0:0"),
		{Name: "dev/null", Type: tar.TypeChar},
		imagetest.HardLink("lost.deps", "nowhere.deps"),
	}}}}
	res, err := Walk(context.Background(), writeImage(t, "image.tar", imagetest.DockerArchive25(im).Tar()),
		Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"image.tar!/ok.deps ok"}, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error()+" ["+e.Extractor+"]")
	}
	want := []string{
		`image.tar: layer 0: entry "../../etc/cron.d/evil": path with "..", skipped []`,
		`image.tar: layer 0: entry "/etc/passwd": absolute path, skipped []`,
		`image.tar!/bad.deps:2: bad line [deps]`,
		`image.tar!/lost.deps: layer 0: hard link to "nowhere.deps": file does not exist, skipped []`,
		`image.tar!/panic.deps: extractor deps failed: boom [deps]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	files := imagetest.DockerArchive25(im)
	layer := imagetest.Digest(im.Layers[0].Tar())
	i := files.Index("blobs/sha256/" + strings.TrimPrefix(layer, "sha256:"))
	files[i].Body = bytes.Replace(files[i].Body, []byte("ok@1"), []byte("ok@2"), 1)
	_, err = Walk(context.Background(), writeImage(t, "image.tar", files.Tar()), Options{Extractors: []extract.Extractor{deps{}}})
	var ee *extract.Error
	if !errors.As(err, &ee) || ee.Path != "image.tar!/blobs/sha256/"+strings.TrimPrefix(layer, "sha256:") ||
		!errors.Is(err, image.ErrDigestMismatch) || !strings.HasPrefix(err.Error(), "walk: image.tar!/blobs/sha256/") {
		t.Errorf("tampered layer: err = %v", err)
	}
}

// TestWalkSeveralImages: each image of a docker save archive is its own
// root, named by its image ID, with its own paths.
func TestWalkSeveralImages(t *testing.T) {
	base := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("base.deps", "libc@2\n")}}
	a := imagetest.Image{RepoTags: []string{"app:1"}, Layers: []imagetest.Layer{base, {Entries: []imagetest.Entry{imagetest.File("app.deps", "a@1\n")}}}}
	b := imagetest.Image{RepoTags: []string{"worker:2"}, Layers: []imagetest.Layer{base, {Entries: []imagetest.Entry{imagetest.File("app.deps", "w@1\n")}}}}
	res, err := Walk(context.Background(), writeImage(t, "two.tar", imagetest.DockerArchive24(a, b).Tar()),
		Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	ida := "two.tar!/" + strings.TrimPrefix(imagetest.Digest(a.Config()), "sha256:")[:12]
	idb := "two.tar!/" + strings.TrimPrefix(imagetest.Digest(b.Config()), "sha256:")[:12]
	want := []string{ida + "!/app.deps a", ida + "!/base.deps libc", idb + "!/base.deps libc", idb + "!/app.deps w"}
	if diff := cmp.Diff(want, locations(res.Graph)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	for id, name := range map[string]string{ida: "app", idb: "worker"} {
		if r := res.Graph.Root(id); r == nil || r.Kind != inventory.KindImage || r.Name != name {
			t.Errorf("root %s: %+v", id, r)
		}
	}
}

// TestWalkImagePlatform: Options.Image chooses the platform of a
// multi-platform index; linux/amd64 by default, whatever the host.
func TestWalkImagePlatform(t *testing.T) {
	l := imagetest.NewLayout()
	var ds []imagetest.Descriptor
	ids := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		im := imagetest.Image{Architecture: arch, Layers: []imagetest.Layer{
			{Compression: "gzip", Entries: []imagetest.Entry{imagetest.File("arch.deps", "bin@"+arch+"\n")}},
		}}
		ds = append(ds, l.Image(im))
		ids[arch] = "multi.tar!/" + strings.TrimPrefix(imagetest.Digest(im.Config()), "sha256:")[:12]
	}
	l.List(l.Index(ds...), "latest")
	p := writeImage(t, "multi.tar", l.Files().Tar())
	tests := []struct {
		platform string
		want     []string // location and version of each component
		roots    []string
	}{
		{"", []string{"multi.tar!/arch.deps amd64"}, []string{"multi.tar", "multi.tar!/arch.deps"}},
		{"linux/arm64", []string{"multi.tar!/arch.deps arm64"}, []string{"multi.tar", "multi.tar!/arch.deps"}},
		{"all", []string{ids["amd64"] + "!/arch.deps amd64", ids["arm64"] + "!/arch.deps arm64"},
			[]string{ids["amd64"], ids["amd64"] + "!/arch.deps", ids["arm64"], ids["arm64"] + "!/arch.deps"}},
	}
	for _, tt := range tests {
		res, err := Walk(context.Background(), p, Options{Extractors: []extract.Extractor{deps{}}, Image: image.Options{Platform: tt.platform}})
		if err != nil {
			t.Fatal(err)
		}
		var got, roots []string
		for _, c := range res.Graph.Components() {
			for _, l := range c.Locations {
				got = append(got, l.Path+" "+c.Version)
			}
		}
		for _, r := range res.Graph.Roots() {
			roots = append(roots, r.ID)
			if r.Kind == inventory.KindImage && r.Version != "latest" {
				t.Errorf("%q: image root %+v", tt.platform, r)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q: components (-want +got):\n%s", tt.platform, diff)
		}
		slices.Sort(tt.roots) // the graph orders roots by ID
		if diff := cmp.Diff(tt.roots, roots); diff != "" {
			t.Errorf("%q: roots (-want +got):\n%s", tt.platform, diff)
		}
	}
	_, err := Walk(context.Background(), p, Options{Extractors: []extract.Extractor{deps{}}, Image: image.Options{Platform: "windows/amd64"}})
	if err == nil || err.Error() != "walk: multi.tar: no image for platform windows/amd64 (the archive has linux/amd64, linux/arm64)" {
		t.Errorf("absent platform: err = %v", err)
	}
}

// TestWalkTarNotImage: a tarball that is no image is offered to the
// extractors as one file, as before.
func TestWalkTarNotImage(t *testing.T) {
	tarball := imagetest.Files{{Name: "src/", Type: tar.TypeDir}, {Name: "src/a.deps", Body: []byte("a@1\n")}}.Tar()
	p := writeImage(t, "release.deps", tarball)
	res, err := Walk(context.Background(), p, Options{Extractors: []extract.Extractor{deps{}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Claimed != 1 || res.Graph.Root("release.deps") == nil {
		t.Errorf("claimed %d, roots %v", res.Claimed, res.Graph.Roots())
	}
}

// atReader is a test format read at random offsets: a "*.bin" file's bytes
// 5 to 8 name its component.
type atReader struct{}

func (atReader) Name() string                        { return "at" }
func (atReader) Claims(p string, _ fs.FileInfo) bool { return strings.HasSuffix(p, ".bin") }
func (atReader) Extract(_ context.Context, in *extract.Input) (*inventory.Graph, error) {
	if in.ReaderAt == nil {
		return nil, extract.Errorf(in.Path, 0, "no ReaderAt")
	}
	buf := make([]byte, 3)
	if _, err := in.ReaderAt.ReadAt(buf, 5); err != nil {
		return nil, extract.Errorf(in.Path, 0, "read: %w", err)
	}
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: in.Path, Kind: inventory.KindBinary})
	p := "pkg:generic/" + string(buf) + "@" + strconv.FormatInt(in.Info.Size(), 10)
	g.Add(inventory.Component{PURL: p, Name: string(buf), Locations: []inventory.Location{{Path: in.Path}}})
	g.AddEdge(in.Path, p)
	return g, nil
}

// TestWalkImageReaderAt: files in an image are read at random offsets,
// in place in an uncompressed layer or from the decompressed copy.
func TestWalkImageReaderAt(t *testing.T) {
	for _, compression := range []string{"", "gzip", "zstd"} {
		im := imagetest.Image{Layers: []imagetest.Layer{{Compression: compression, Entries: []imagetest.Entry{
			imagetest.File("usr/bin/pad", strings.Repeat("x", 1000)), imagetest.File("usr/bin/app.bin", "0123456789"),
		}}}}
		l := imagetest.NewLayout()
		l.List(l.Image(im), "")
		res, err := Walk(context.Background(), writeImage(t, "image.tar", l.Files().Tar()), Options{Extractors: []extract.Extractor{atReader{}}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"image.tar!/usr/bin/app.bin 567"}, locations(res.Graph)); diff != "" || len(res.Errors) != 0 {
			t.Errorf("compression %q: components (-want +got):\n%s\nerrors %v", compression, diff, res.Errors)
		}
	}
}
