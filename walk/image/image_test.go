package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk/image/imagetest"
)

// writeArchive writes data as dir/name and returns its path.
func writeArchive(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// openOne opens the archive at p and loads its only image.
func openOne(t testing.TB, p string, opt Options) (*Archive, *FS) {
	t.Helper()
	a, err := Open(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if len(a.Images) != 1 {
		t.Fatalf("%d images, want 1", len(a.Images))
	}
	fsys, err := a.Load(context.Background(), a.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	return a, fsys
}

// listing describes every entry of fsys, one line each: path, the layer
// that wrote it, and the content of a file or the target of a link.
func listing(t testing.TB, fsys *FS) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		layer, _ := fsys.Layer(p)
		line := fmt.Sprintf("%s %d", p, layer)
		switch {
		case d.IsDir():
			line += " dir"
		case d.Type() == fs.ModeSymlink:
			target, err := fsys.ReadLink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		default:
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if len(data) > 20 {
				data = append(data[:20:20], "…"...)
			}
			line += fmt.Sprintf(" %q", data)
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleListing is what the merged tree of imagetest.Sample holds.
var sampleListing = []string{
	`app 1 dir`,
	`app/backup 1 dir`,
	`app/backup/package-lock.json 1 "{\n  \"name\": \"web\",\n …"`,
	`app/package-lock.json 1 "{\n  \"name\": \"web\",\n …"`,
	`etc 0 dir`,
	`etc/os-release 0 -> ../usr/lib/os-release`,
	`opt 0 dir`,
	`opt/tool 2 dir`,
	`opt/tool/README 2 "rebuilt\n"`,
	`srv 0 dir`,
	`srv/legacy 0 dir`,
	`usr 0 dir`,
	`usr/bin 2 dir`,
	`usr/bin/curl 2 "\x7fELF curl"`,
	`usr/lib 0 dir`,
	`usr/lib/os-release 0 "PRETTY_NAME=\"Debian …"`,
	`var 0 dir`,
	`var/lib 0 dir`,
	`var/lib/dpkg 0 dir`,
	`var/lib/dpkg/status 2 "Package: base-files\n…"`,
}

// sampleArchives writes imagetest.Sample in every shape read.
func sampleArchives(t testing.TB) map[string]string {
	t.Helper()
	im := imagetest.Sample()
	out := map[string]string{
		"docker 24":  writeArchive(t, "image.tar", imagetest.DockerArchive24(im).Tar()),
		"docker 25":  writeArchive(t, "image.tar", imagetest.DockerArchive25(im).Tar()),
		"docker gz":  writeArchive(t, "image.tar.gz", imagetest.Compress(imagetest.DockerArchive25(im).Tar(), "gzip")),
		"docker zst": writeArchive(t, "image.tar.zst", imagetest.Compress(imagetest.DockerArchive24(im).Tar(), "zstd")),
	}
	for _, c := range []string{"", "gzip", "zstd"} {
		im := imagetest.Sample()
		for i := range im.Layers {
			im.Layers[i].Compression = c
		}
		l := imagetest.NewLayout()
		l.List(l.Image(im), "1.0")
		name := "oci " + c
		out[name] = writeArchive(t, "image.tar", l.Files().Tar())
		dir := filepath.Join(t.TempDir(), "layout")
		if err := l.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		out["oci dir "+c] = dir
	}
	return out
}

func TestSampleEveryFormat(t *testing.T) {
	for name, p := range sampleArchives(t) {
		t.Run(name, func(t *testing.T) {
			a, fsys := openOne(t, p, Options{})
			if diff := cmp.Diff(sampleListing, listing(t, fsys)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			if p := fsys.Problems(); len(p) != 0 {
				t.Errorf("problems: %v", p)
			}
			// The whiteout and the opaque directory hid these.
			for _, gone := range []string{"srv/legacy/package-lock.json", "opt/tool/package-lock.json", "opt/tool/bin/tool"} {
				if _, err := fs.Stat(fsys, gone); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: err = %v, want not exist", gone, err)
				}
			}
			// The link is followed inside the image.
			data, err := fs.ReadFile(fsys, "etc/os-release")
			if err != nil || !strings.Contains(string(data), "VERSION_ID=\"12\"") {
				t.Errorf("etc/os-release: %q, %v", data, err)
			}
			var versions []int
			for _, v := range fsys.Versions("var/lib/dpkg/status") {
				versions = append(versions, v.Layer)
			}
			if diff := cmp.Diff([]int{2, 0}, versions); diff != "" {
				t.Errorf("status versions (-want +got):\n%s", diff)
			}
			old, _ := io.ReadAll(fsys.Versions("var/lib/dpkg/status")[1].Open())
			if strings.Contains(string(old), "curl") || !strings.Contains(string(old), "zlib1g") {
				t.Errorf("first status version: %q", old)
			}
			im := a.Images[0]
			if im.Platform != (Platform{OS: "linux", Architecture: "amd64"}) || len(im.Layers) != 3 {
				t.Errorf("image %+v", im)
			}
		})
	}
}

func TestFSConformance(t *testing.T) {
	_, fsys := openOne(t, sampleArchives(t)["oci gzip"], Options{})
	if err := fstest.TestFS(fsys, "app/package-lock.json", "etc/os-release", "usr/bin/curl", "opt/tool/README"); err != nil {
		t.Fatal(err)
	}
}

// TestFormatsAgree checks that every shape gives the same image: the same
// ID and diff IDs, and a manifest digest where the archive holds one.
func TestFormatsAgree(t *testing.T) {
	want := imagetest.Digest(imagetest.Sample().Config())
	for name, p := range sampleArchives(t) {
		a, err := Open(context.Background(), p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		im := a.Images[0]
		if im.ID != want {
			t.Errorf("%s: ID %s, want %s", name, im.ID, want)
		}
		hasManifest := !strings.HasPrefix(name, "docker 24") && name != "docker zst"
		if (im.ManifestDigest != "") != hasManifest {
			t.Errorf("%s: manifest digest %q", name, im.ManifestDigest)
		}
		a.Close()
	}
}

func TestRoot(t *testing.T) {
	a, err := Open(context.Background(), sampleArchives(t)["docker 24"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	im := a.Images[0]
	sample := imagetest.Sample()
	props := map[string]string{
		"image_id":          imagetest.Digest(sample.Config()),
		"repo_tags":         "example/web:1.0",
		"os":                "linux",
		"architecture":      "amd64",
		"created":           "2024-05-01T12:00:00Z",
		"base_image":        "docker.io/library/debian:12",
		"base_image_digest": "sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb1d2d89bbe4a9d3c18",
		"layers":            "3",
		"created_by:0":      "/bin/sh -c #(nop) ADD file:6b1d2b5e0a4a8e3b in / ",
		"created_by:1":      "COPY app /app # buildkit",
		"created_by:2":      "RUN |1 NPM_TOKEN=*** /bin/sh -c apt-get install -y curl && rm -r /srv/legacy/package-lock.json /opt/tool # buildkit",
		"label:org.opencontainers.image.base.name":   "docker.io/library/debian:12",
		"label:org.opencontainers.image.base.digest": "sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb1d2d89bbe4a9d3c18",
		"label:org.opencontainers.image.source":      "https://github.com/example/web",
	}
	for i, l := range sample.Layers {
		props[fmt.Sprintf("layer:%d", i)] = imagetest.Digest(l.Tar())
	}
	want := inventory.Root{ID: "image.tar", Kind: inventory.KindImage, Name: "example/web", Version: "1.0",
		PURL: "pkg:oci/web?arch=amd64&repository_url=docker.io%2Fexample%2Fweb&tag=1.0", Properties: props}
	if diff := cmp.Diff(want, im.Root("image.tar")); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
	for k, v := range im.Root("x").Properties {
		if strings.Contains(k+v, "s3cr3t") || strings.Contains(v, "abc123") {
			t.Errorf("property %s=%s leaks a secret", k, v)
		}
	}

	// Docker 25 holds the manifest: the PURL has its digest.
	b, err := Open(context.Background(), sampleArchives(t)["docker 25"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := b.Images[0].Root("image.tar")
	wantPURL := "pkg:oci/web@" + b.Images[0].ManifestDigest +
		"?arch=amd64&repository_url=docker.io%2Fexample%2Fweb&tag=1.0"
	if r.PURL != wantPURL || r.Properties["manifest_digest"] != b.Images[0].ManifestDigest {
		t.Errorf("docker 25 root: purl %s, manifest_digest %s", r.PURL, r.Properties["manifest_digest"])
	}
}

func TestRedactBuildArgs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/bin/sh -c make", "/bin/sh -c make"},
		{"|2 A=1 TOKEN=secret /bin/sh -c make", "|2 A=*** TOKEN=*** /bin/sh -c make"},
		{"RUN |1 TOKEN=x /bin/sh -c make # buildkit", "RUN |1 TOKEN=*** /bin/sh -c make # buildkit"},
		{"|1 TOKEN=two words /bin/sh -c make", "|1 TOKEN=*** words /bin/sh -c make"},
		{"|2 TOKEN=two words B=x /bin/sh -c make", "|2 *** /bin/sh -c make"},
		{"|2 TOKEN=two words B", "|2 ***"},
		{"|x A=1", "|x A=1"},
	}
	for _, tt := range tests {
		if got := redactBuildArgs(tt.in); got != tt.want {
			t.Errorf("redactBuildArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHostileLayer: names that leave the image, device nodes and links
// pointing out are recorded or resolved inside the image, never on the
// host.
func TestHostileLayer(t *testing.T) {
	layer := imagetest.Layer{Entries: []imagetest.Entry{
		imagetest.File("../escape", "x"),
		imagetest.File("/etc/passwd", "root::0:0"),
		imagetest.File("a/../../up", "x"),
		imagetest.File("./etc/hostname", "inside\n"),
		{Name: "dev/sda", Type: tar.TypeBlock},
		{Name: "dev/null", Type: tar.TypeChar},
		{Name: "run/fifo", Type: tar.TypeFifo},
		imagetest.Symlink("up", "../../../../../etc/hostname"),
		imagetest.Symlink("abs", "/etc/hostname"),
		imagetest.Symlink("dirlink", "/"),
		imagetest.Symlink("loop1", "loop2"),
		imagetest.Symlink("loop2", "loop1"),
		imagetest.HardLink("hard-up", "../etc/passwd"),
		imagetest.HardLink("hard-none", "nothing/here"),
		imagetest.HardLink("hard-abs", "/etc/hostname"),
		imagetest.File("lib/libz.so.1", "zlib"),
		imagetest.HardLink("lib/libz.so", "lib/libz.so.1"),
	}}
	im := imagetest.Image{Layers: []imagetest.Layer{layer}}
	l := imagetest.NewLayout()
	l.List(l.Image(im), "")
	_, fsys := openOne(t, writeArchive(t, "hostile.tar", l.Files().Tar()), Options{})
	want := []string{
		`abs 0 -> /etc/hostname`,
		`dirlink 0 -> /`,
		`etc 0 dir`,
		`etc/hostname 0 "inside\n"`,
		`hard-abs 0 "inside\n"`,
		`lib 0 dir`,
		`lib/libz.so 0 "zlib"`,
		`lib/libz.so.1 0 "zlib"`,
		`loop1 0 -> loop2`,
		`loop2 0 -> loop1`,
		`up 0 -> ../../../../../etc/hostname`,
	}
	if diff := cmp.Diff(want, listing(t, fsys)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	var problems []string
	for _, p := range fsys.Problems() {
		problems = append(problems, fmt.Sprintf("%d %s: %v", p.Layer, p.Path, p.Err))
	}
	wantProblems := []string{
		`0 : entry "../escape": path with "..", skipped`,
		`0 : entry "/etc/passwd": absolute path, skipped`,
		`0 : entry "a/../../up": path with "..", skipped`,
		`0 dev/sda: device node skipped`,
		`0 dev/null: device node skipped`,
		`0 run/fifo: named pipe skipped`,
		`0 hard-up: hard link to "../etc/passwd": path with "..", skipped`,
		`0 hard-none: hard link to "nothing/here": file does not exist, skipped`,
	}
	if diff := cmp.Diff(wantProblems, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	for _, name := range []string{"up", "abs", "dirlink/etc/hostname", "dirlink/dirlink/etc/hostname"} {
		data, err := fs.ReadFile(fsys, name)
		if err != nil || string(data) != "inside\n" {
			t.Errorf("%s: %q, %v; want the image's etc/hostname", name, data, err)
		}
	}
	if _, err := fsys.Open("loop1"); !errors.Is(err, errLinkLoop) {
		t.Errorf("loop: err = %v", err)
	}
	for _, bad := range []string{"../etc/passwd", "/etc/passwd", "etc/", ""} {
		if _, err := fsys.Open(bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q): err = %v, want invalid", bad, err)
		}
	}
}

// TestCrossLayerHardLink: a hard link names a file of a lower layer,
// through a directory that is a link.
func TestCrossLayerHardLink(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{
		{Entries: []imagetest.Entry{imagetest.File("usr/lib/libz.so.1", "zlib"), imagetest.Symlink("lib", "usr/lib")}},
		{Entries: []imagetest.Entry{imagetest.HardLink("opt/libz.so", "lib/libz.so.1")}},
	}}
	_, fsys := openOne(t, writeArchive(t, "x.tar", imagetest.DockerArchive24(im).Tar()), Options{})
	data, err := fs.ReadFile(fsys, "opt/libz.so")
	if err != nil || string(data) != "zlib" {
		t.Fatalf("opt/libz.so: %q, %v", data, err)
	}
	if layer, _ := fsys.Layer("opt/libz.so"); layer != 1 {
		t.Errorf("layer %d, want 1", layer)
	}
}

// TestOverlaySemantics: what replaces what across layers.
func TestOverlaySemantics(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{
		{Entries: []imagetest.Entry{
			imagetest.File("a/file", "1"), imagetest.File("b/x", "1"), imagetest.Symlink("c", "a"),
			imagetest.File("d", "file"), imagetest.File("keep/x", "1"), imagetest.File("whole/x", "1"),
		}},
		{Entries: []imagetest.Entry{
			// The opaque marker comes after the directory's new content:
			// it still hides only what lies below.
			imagetest.File("keep/y", "2"), imagetest.Opaque("keep"),
			imagetest.File("a", "now a file"),                         // a file over a directory
			imagetest.File("c/z", "2"),                                // a directory over a link
			imagetest.File("d/e", "2"),                                // a directory over a file
			imagetest.Whiteout("whole"),                               // a whole directory
			imagetest.Whiteout("b/x"), imagetest.File("b/x", "again"), // deleted and written by one layer
			imagetest.Whiteout("nothing"),
		}},
	}}
	_, fsys := openOne(t, writeArchive(t, "x.tar", imagetest.DockerArchive25(im).Tar()), Options{})
	want := []string{
		`a 1 "now a file"`,
		`b 0 dir`,
		`b/x 1 "again"`,
		`c 1 dir`,
		`c/z 1 "2"`,
		`d 1 dir`,
		`d/e 1 "2"`,
		`keep 0 dir`,
		`keep/y 1 "2"`,
	}
	if diff := cmp.Diff(want, listing(t, fsys)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	if v := fsys.Versions("b/x"); len(v) != 1 {
		t.Errorf("b/x has %d versions; a whiteout ends the history", len(v))
	}
}

func TestDigestMismatch(t *testing.T) {
	sample := imagetest.Sample()
	layer1 := imagetest.Digest(sample.Layers[1].Tar())
	tampered := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("app/package-lock.json", "{}")}}

	l := imagetest.NewLayout()
	l.List(l.Image(sample), "")
	l.Replace(layer1, tampered.Tar())
	oci := writeArchive(t, "image.tar", l.Files().Tar())

	cfg := imagetest.NewLayout()
	cfg.List(cfg.Image(sample), "")
	cfgDigest := imagetest.Digest(sample.Config())
	cfg.Replace(cfgDigest, bytes.Replace(sample.Config(), []byte(`"amd64"`), []byte(`"arm64"`), 1))
	badConfig := writeArchive(t, "image.tar", cfg.Files().Tar())

	d24 := imagetest.DockerArchive24(sample)
	for i, f := range d24 {
		if bytes.Equal(f.Body, sample.Layers[1].Tar()) {
			d24[i].Body = tampered.Tar()
		}
	}
	legacy := writeArchive(t, "image.tar", d24.Tar())

	tests := []struct {
		name, path, want string
	}{
		{"oci layer", oci, "image.tar!/blobs/sha256/" + strings.TrimPrefix(layer1, "sha256:") + ": layer: digest mismatch: content is " + imagetest.Digest(tampered.Tar()) + ", expected " + layer1},
		{"config", badConfig, "image.tar!/blobs/sha256/" + strings.TrimPrefix(cfgDigest, "sha256:") + ": digest mismatch: content is "},
		{"docker 24 layer", legacy, "/layer.tar: layer: digest mismatch: uncompressed content is " + imagetest.Digest(tampered.Tar()) + ", the config says " + layer1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadAll(tt.path, Options{})
			if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			var ee *extract.Error
			if !errors.As(err, &ee) || !strings.HasPrefix(ee.Path, "image.tar!/") {
				t.Errorf("err = %#v, want an *extract.Error naming the blob", err)
			}
		})
	}
}

// loadAll opens p and loads every image, returning the first error.
func loadAll(p string, opt Options) error {
	a, err := Open(context.Background(), p, opt)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, im := range a.Images {
		fsys, err := a.Load(context.Background(), im)
		if err != nil {
			return err
		}
		// Read every file, as the walk may.
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			_, err = fs.ReadFile(fsys, p)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func TestTruncatedLayer(t *testing.T) {
	sample := imagetest.Sample()
	big := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("big", strings.Repeat("x", 10000))}}
	sample.Layers = append(sample.Layers, big)
	for _, c := range []string{"", "gzip"} {
		t.Run("compression "+c, func(t *testing.T) {
			blob := imagetest.Compress(big.Tar(), c)
			l := imagetest.NewLayout()
			l.List(l.Image(imagetest.Image{Layers: []imagetest.Layer{{Entries: big.Entries, Compression: c}}}), "")
			l.Replace(imagetest.Digest(blob), blob[:len(blob)/2])
			err := loadAll(writeArchive(t, "image.tar", l.Files().Tar()), Options{})
			if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "(truncated: unexpected EOF)") {
				t.Fatalf("err = %v, want a digest mismatch of a truncated layer", err)
			}
		})
	}
	// Cut exactly between two entries, where a tar reader sees a whole
	// archive: the missing end marker says it is not.
	two := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("a", "a"), imagetest.File("b", "b")}}
	tarData := two.Tar()
	im := imagetest.Image{Layers: []imagetest.Layer{two}}
	files := imagetest.DockerArchive24(im)
	for i, f := range files {
		if bytes.Equal(f.Body, tarData) {
			files[i].Body = tarData[:2048] // pax header, header and data of "a"
		}
	}
	err := loadAll(writeArchive(t, "image.tar", files.Tar()), Options{})
	if err == nil || !strings.Contains(err.Error(), "truncated (no end-of-archive marker)") {
		t.Fatalf("cut between entries: err = %v", err)
	}
	// Docker 24 names no blob digest: a cut in an entry is told as such.
	for i, f := range files {
		if bytes.HasPrefix(f.Body, tarData[:2048]) {
			files[i].Body = tarData[:1300]
		}
	}
	err = loadAll(writeArchive(t, "image.tar", files.Tar()), Options{})
	if err == nil || !strings.HasSuffix(err.Error(), "/layer.tar: layer: truncated: unexpected EOF") {
		t.Fatalf("cut in an entry: err = %v", err)
	}
}

func TestDecompressionBomb(t *testing.T) {
	zeros := imagetest.Layer{Compression: "gzip", Entries: []imagetest.Entry{imagetest.File("zeros", strings.Repeat("\x00", 80<<20))}}
	l := imagetest.NewLayout()
	l.List(l.Image(imagetest.Image{Layers: []imagetest.Layer{zeros}}), "")
	p := writeArchive(t, "bomb.tar", l.Files().Tar())
	tests := []struct {
		name string
		lim  Limits
		want string
	}{
		{"ratio", Limits{MaxRatio: 100}, "compression ratio above 100"},
		{"size", Limits{MaxBytes: 1 << 20, MaxRatio: 1 << 20}, "more than 1048576 bytes uncompressed"},
	}
	// Past the ratio, the zeros are read, and take no disk.
	tmp := t.TempDir()
	a, err := Open(context.Background(), p, Options{TempDir: tmp, Limits: Limits{MaxRatio: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	fsys, err := a.Load(context.Background(), a.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	if st, err := fs.Stat(fsys, "zeros"); err != nil || st.Size() != 80<<20 {
		t.Fatalf("zeros: %v, %v", st, err)
	}
	var blocks int64
	filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if st, err := os.Stat(p); err == nil {
				if sys, ok := st.Sys().(*syscall.Stat_t); ok {
					blocks += sys.Blocks
				}
			}
		}
		return nil
	})
	if blocks*512 > 1<<20 {
		t.Errorf("temporary files take %d bytes of disk for 80 MiB of zeros", blocks*512)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadAll(p, Options{Limits: tt.lim})
			if !errors.Is(err, extract.ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "bomb.tar!/blobs/sha256/") {
				t.Errorf("err = %v, want it to name the blob", err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	p := sampleArchives(t)["docker 25"]
	tests := []struct {
		name string
		lim  Limits
		want string
	}{
		{"layers", Limits{MaxLayers: 2}, "image.tar!/manifest.json: image 1: 3 layers, limit 2"},
		{"entries", Limits{MaxEntries: 10}, "more than 10 entries in the layers"},
		{"metadata", Limits{MaxMetadataSize: 100}, "image.tar!/manifest.json: input exceeds size limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadAll(p, Options{Limits: tt.lim, Workers: 1})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A path longer than the limit is a problem, not a failure.
	im := imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{
		imagetest.File(strings.Repeat("d/", 40)+"f", "x"), imagetest.File("ok", "y"),
	}}}}
	_, fsys := openOne(t, writeArchive(t, "x.tar", imagetest.DockerArchive24(im).Tar()), Options{Limits: Limits{MaxPathLength: 64}})
	if got := listing(t, fsys); !cmp.Equal(got, []string{`ok 0 "y"`}) || len(fsys.Problems()) != 1 {
		t.Errorf("tree %v, problems %v", got, fsys.Problems())
	}
}

// multiArch writes an OCI layout whose index.json names one image index
// (as docker buildx --output type=oci writes it) holding linux/amd64,
// linux/arm64 and linux/arm/v7 manifests, and BuildKit's attestation.
func multiArch(t testing.TB, drop string) (string, map[string]string) {
	l := imagetest.NewLayout()
	ids := map[string]string{}
	var ds []imagetest.Descriptor
	for _, p := range []struct{ arch, variant string }{{"amd64", ""}, {"arm64", "v8"}, {"arm", "v7"}} {
		im := imagetest.Image{Architecture: p.arch, Variant: p.variant, Layers: []imagetest.Layer{
			{Compression: "gzip", Entries: []imagetest.Entry{imagetest.File("arch", p.arch)}},
		}}
		d := l.Image(im)
		ids[p.arch] = imagetest.Digest(im.Config())
		ds = append(ds, d, l.Attestation(d.Digest))
		if p.arch == drop {
			l.Remove(d.Digest)
		}
	}
	idx := l.Index(ds...)
	l.List(idx, "")
	idx.Annotations = nil
	return writeArchive(t, "multi.tar", l.Files().Tar()), ids
}

func TestPlatforms(t *testing.T) {
	p, ids := multiArch(t, "")
	missingAMD64, _ := multiArch(t, "amd64")
	tests := []struct {
		name, path, platform string
		want                 []string // architectures read
		others               string   // OtherPlatforms of the first
		err                  string
	}{
		{"default", p, "", []string{"amd64"}, "linux/arm64/v8,linux/arm/v7", ""},
		{"chosen", p, "linux/arm64", []string{"arm64"}, "linux/amd64,linux/arm/v7", ""},
		{"variant", p, "linux/arm/v7", []string{"arm"}, "linux/amd64,linux/arm64/v8", ""},
		{"aarch64", p, "linux/aarch64", []string{"arm64"}, "linux/amd64,linux/arm/v7", ""},
		{"all", p, "all", []string{"amd64", "arm64", "arm"}, "", ""},
		{"absent", p, "linux/s390x", nil, "", "multi.tar: no image for platform linux/s390x (the archive has linux/amd64, linux/arm64/v8, linux/arm/v7)"},
		{"bad", p, "linux", nil, "", `platform "linux": want os/arch or os/arch/variant`},
		{"not saved", missingAMD64, "", []string{"arm64"}, "linux/amd64,linux/arm/v7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(context.Background(), tt.path, Options{Platform: tt.platform})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			var got []string
			for _, im := range a.Images {
				fsys, err := a.Load(context.Background(), im)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := fs.ReadFile(fsys, "arch")
				got = append(got, string(data))
				if im.ID != ids[string(data)] {
					t.Errorf("%s: ID %s, want %s", data, im.ID, ids[string(data)])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
			var others []string
			for _, o := range a.Images[0].OtherPlatforms {
				others = append(others, o.String())
			}
			if s := strings.Join(others, ","); s != tt.others {
				t.Errorf("other platforms %s, want %s", s, tt.others)
			}
		})
	}
}

// TestSeveralImages: docker save of two images (sharing their base layer)
// and of one image under two tags.
func TestSeveralImages(t *testing.T) {
	base := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("etc/debian_version", "12.5\n")}}
	a := imagetest.Image{RepoTags: []string{"app:1", "app:latest"}, Layers: []imagetest.Layer{base, {Entries: []imagetest.Entry{imagetest.File("app", "a")}}}}
	b := imagetest.Image{RepoTags: []string{"worker:2"}, Layers: []imagetest.Layer{base, {Entries: []imagetest.Entry{imagetest.File("worker", "w")}}}}
	for name, files := range map[string]imagetest.Files{"docker 24": imagetest.DockerArchive24(a, b), "docker 25": imagetest.DockerArchive25(a, b)} {
		t.Run(name, func(t *testing.T) {
			arch, err := Open(context.Background(), writeArchive(t, "two.tar", files.Tar()), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer arch.Close()
			var got []string
			for _, im := range arch.Images {
				fsys, err := arch.Load(context.Background(), im)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, strings.Join(im.RepoTags, ",")+": "+strings.Join(listing(t, fsys), "; "))
			}
			want := []string{
				`app:1,app:latest: app 1 "a"; etc 0 dir; etc/debian_version 0 "12.5\n"`,
				`worker:2: etc 0 dir; etc/debian_version 0 "12.5\n"; worker 1 "w"`,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotImage(t *testing.T) {
	dir := t.TempDir()
	project := imagetest.Files{{Name: "project/", Type: tar.TypeDir}, {Name: "project/package.json", Body: []byte("{}")}}
	files := map[string][]byte{
		"text.txt":          []byte("hello\n"),
		"project.tar":       project.Tar(),
		"project.tar.gz":    imagetest.Compress(project.Tar(), "gzip"),
		"empty":             nil,
		"manifest-less.tar": imagetest.Files{{Name: "blobs/", Type: tar.TypeDir}}.Tar(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), filepath.Join(dir, name), Options{}); !errors.Is(err, ErrNotImage) {
			t.Errorf("%s: err = %v, want ErrNotImage", name, err)
		}
	}
	if _, err := Open(context.Background(), dir, Options{}); !errors.Is(err, ErrNotImage) {
		t.Errorf("directory: err = %v, want ErrNotImage", err)
	}
}

func TestBadDocuments(t *testing.T) {
	sample := imagetest.Sample()
	tests := []struct {
		name   string
		change func(imagetest.Files) imagetest.Files
		want   string
	}{
		{"manifest not json", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = []byte("[{\"Config\": \n  nope")
			return f
		}, "image.tar!/manifest.json:2:4: json: invalid character 'o' in literal null (expecting 'u')"},
		{"manifest wrong type", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = []byte(`[{"Config": "x.json", "Layers": "a"}]`)
			return f
		}, "image.tar!/manifest.json:1:"},
		{"empty manifest", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = []byte(`[]`)
			return f
		}, "image.tar!/manifest.json: no image listed"},
		{"missing layer", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = bytes.Replace(f[f.Index("manifest.json")].Body, []byte("blobs/sha256/"), []byte("blobs/sha256/0"), 1)
			return f
		}, ": not in the image"},
		{"layer count", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = []byte(`[{"Config":"` + "blobs/sha256/" + strings.TrimPrefix(imagetest.Digest(sample.Config()), "sha256:") + `","Layers":[]}]`)
			return f
		}, "image.tar!/manifest.json: image 1: 0 layers, its config 3"},
		{"path out", func(f imagetest.Files) imagetest.Files {
			f[f.Index("manifest.json")].Body = []byte(`[{"Config":"../../etc/passwd","Layers":[]}]`)
			return f
		}, "image.tar!/etc/passwd: not in the image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := tt.change(imagetest.DockerArchive25(sample))
			err := loadAll(writeArchive(t, "image.tar", files.Tar()), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var ee *extract.Error
			if !errors.As(err, &ee) {
				t.Errorf("err = %#v, want an *extract.Error", err)
			}
		})
	}
}

func TestTempFilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	p := sampleArchives(t)["oci gzip"]
	a, err := Open(context.Background(), p, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Load(context.Background(), a.Images[0]); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("temp dir holds %d entries while open, want 1", len(entries))
	}
	a.Close()
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temp dir holds %v after Close", entries)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, sampleArchives(t)["oci zstd"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cancel()
	if _, err := a.Load(ctx, a.Images[0]); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want canceled", err)
	}
}

// TestLoadTwice: a layer's entries are dropped once its images are built,
// and read again if an image is loaded again.
func TestLoadTwice(t *testing.T) {
	a, first := openOne(t, sampleArchives(t)["oci zstd"], Options{})
	second, err := a.Load(context.Background(), a.Images[0])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(listing(t, first), listing(t, second)); diff != "" {
		t.Errorf("second load (-first +second):\n%s", diff)
	}
}

// TestOCINames: the names index.json gives its entries.
func TestOCINames(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{imagetest.File("a", "a")}}}}
	l := imagetest.NewLayout()
	d := l.Image(im)
	// Docker 25 lists one manifest once per tag, with containerd's name.
	for _, tag := range []string{"1.0", "latest"} {
		tagged := d
		tagged.Annotations = map[string]string{"io.containerd.image.name": "ghcr.io/acme/app:" + tag, "org.opencontainers.image.ref.name": tag}
		l.List(tagged, "")
	}
	a, err := Open(context.Background(), writeArchive(t, "app.tar", l.Files().Tar()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if len(a.Images) != 1 {
		t.Fatalf("%d images, want one under two names", len(a.Images))
	}
	r := a.Images[0].Root("app.tar")
	if r.Name != "ghcr.io/acme/app" || r.Version != "1.0" || r.Properties["repo_tags"] != "ghcr.io/acme/app:1.0,ghcr.io/acme/app:latest" ||
		r.PURL != "pkg:oci/app@"+d.Digest+"?arch=amd64&repository_url=ghcr.io%2Facme%2Fapp&tag=1.0" {
		t.Errorf("root %+v", r)
	}
}

// TestContainerdDockerSave: docker save with the containerd image store
// writes the registry's blobs (gzip layers), the multi-platform index as
// pulled, with only the local platform's blobs, and manifest.json.
func TestContainerdDockerSave(t *testing.T) {
	l := imagetest.NewLayout()
	amd := imagetest.Image{RepoTags: []string{"alpine:3.19"}, Layers: []imagetest.Layer{
		{Compression: "gzip", Entries: []imagetest.Entry{imagetest.File("etc/alpine-release", "3.19.1\n")}},
	}}
	arm := amd
	arm.Architecture, arm.Variant = "arm64", "v8"
	da, dr := l.Image(amd), l.Image(arm)
	l.Remove(dr.Digest)
	idx := l.Index(da, dr)
	idx.Annotations = map[string]string{"io.containerd.image.name": "docker.io/library/alpine:3.19", "org.opencontainers.image.ref.name": "3.19"}
	l.List(idx, "")
	files := l.Files()
	blob := amd.Layers[0].Blob()
	manifest := fmt.Sprintf(`[{"Config":"blobs/sha256/%s","RepoTags":["alpine:3.19"],"Layers":["blobs/sha256/%s"]}]`+"\n",
		strings.TrimPrefix(imagetest.Digest(amd.Config()), "sha256:"), strings.TrimPrefix(imagetest.Digest(blob), "sha256:"))
	files = append(files, imagetest.TarFile{Name: "manifest.json", Body: []byte(manifest)})
	a, fsys := openOne(t, writeArchive(t, "alpine.tar", files.Tar()), Options{})
	if a.Format != FormatDockerArchive {
		t.Errorf("format %s", a.Format)
	}
	im := a.Images[0]
	if im.ManifestDigest != da.Digest || im.Layers[0].Digest != imagetest.Digest(blob) || fsys.Layers()[0].Compression != "gzip" {
		t.Errorf("image %+v, layers %+v", im, fsys.Layers())
	}
	if diff := cmp.Diff([]string{`etc 0 dir`, `etc/alpine-release 0 "3.19.1\n"`}, listing(t, fsys)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

// TestUntagged: docker save of an image by ID lists it with no tags.
func TestUntagged(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{imagetest.File("a", "a")}}}}
	for name, files := range map[string]imagetest.Files{"docker 24": imagetest.DockerArchive24(im), "docker 25": imagetest.DockerArchive25(im)} {
		a, _ := openOne(t, writeArchive(t, "x.tar", files.Tar()), Options{})
		r := a.Images[0].Root("x.tar")
		if r.Name != "" || r.PURL != "" || r.Properties["repo_tags"] != "" || r.Properties["image_id"] != imagetest.Digest(im.Config()) {
			t.Errorf("%s: root %+v", name, r)
		}
	}
}

// TestRepeatedManifests: an index naming one manifest thousands of times
// costs bounded work.
func TestRepeatedManifests(t *testing.T) {
	l := imagetest.NewLayout()
	d := l.Image(imagetest.Image{Layers: []imagetest.Layer{{Entries: []imagetest.Entry{imagetest.File("a", "a")}}}})
	ds := make([]imagetest.Descriptor, 2000)
	for i := range ds {
		ds[i] = d
	}
	inner := l.Index(ds...)
	l.List(l.Index(inner, inner, inner), "")
	_, err := Open(context.Background(), writeArchive(t, "many.tar", l.Files().Tar()), Options{})
	if !errors.Is(err, extract.ErrTooLarge) || !strings.Contains(err.Error(), "more than 1024 image manifests") {
		t.Errorf("err = %v", err)
	}
}
