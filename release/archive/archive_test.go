package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

var update = flag.Bool("update", false, "rewrite the compressed fixtures in testdata with the bzip2, xz and zstd commands")

// tf describes one tar entry to write.
type tf struct {
	name   string
	typ    byte // tar.TypeReg when 0
	body   string
	link   string
	mode   int64 // 0644, or 0755 for a directory, when 0
	size   int64 // declared size of a non-regular entry
	pax    map[string]string
	format tar.Format
}

func makeTar(t testing.TB, files []tf) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if f.typ == tar.TypeXGlobalHeader {
			if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: f.typ, PAXRecords: f.pax}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := &tar.Header{
			Name:       f.name,
			Typeflag:   f.typ,
			Linkname:   f.link,
			Mode:       f.mode,
			ModTime:    time.Unix(1711929600, 0),
			PAXRecords: f.pax,
			Format:     f.format,
			Size:       f.size,
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg || f.body != "" {
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("writing %q: %v", f.name, err)
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzc(t testing.TB, b []byte, dictCap int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.WriterConfig{DictCap: dictCap}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdc(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zf describes one zip entry to write.
type zf struct {
	name   string
	body   string
	mode   fs.FileMode // 0644 when 0
	method uint16      // zip.Deflate when 0
	stored bool        // zip.Store
	flags  uint16
}

func makeZip(t testing.TB, files []zf, comment string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zipZstd, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	zw.RegisterCompressor(zipXZ, func(w io.Writer) (io.WriteCloser, error) { return &lazyXZ{w: w}, nil })
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: f.method, Flags: f.flags, Modified: time.Unix(1711929600, 0)}
		if f.method == 0 && !f.stored && !strings.HasSuffix(f.name, "/") {
			h.Method = zip.Deflate
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
			if strings.HasSuffix(f.name, "/") {
				mode = fs.ModeDir | 0o755
			}
		}
		h.SetMode(mode)
		if f.method > zip.Deflate && f.method != zipZstd && f.method != zipXZ {
			// A method Go cannot write: store the bytes raw.
			h.CompressedSize64 = uint64(len(f.body))
			h.UncompressedSize64 = uint64(len(f.body))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, f.body)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if comment != "" {
		zw.SetComment(comment)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lazyXZ starts the xz writer on the first write: xz.NewWriter writes the
// stream header at once, before zip.Writer has written the local header.
type lazyXZ struct {
	w  io.Writer
	xw *xz.Writer
}

func (l *lazyXZ) start() error {
	if l.xw != nil {
		return nil
	}
	var err error
	l.xw, err = xz.NewWriter(l.w)
	return err
}

func (l *lazyXZ) Write(p []byte) (int, error) {
	if err := l.start(); err != nil {
		return 0, err
	}
	return l.xw.Write(p)
}

func (l *lazyXZ) Close() error {
	if err := l.start(); err != nil {
		return err
	}
	return l.xw.Close()
}

// readAll reads every entry and its content. It stops at the first error.
func readAll(t testing.TB, a *Archive) ([]Entry, map[string]string, error) {
	t.Helper()
	var entries []Entry
	content := map[string]string{}
	for {
		e, r, err := a.Next()
		if err == io.EOF {
			return entries, content, nil
		}
		if err != nil {
			return entries, content, err
		}
		if (r != nil) != (e.Kind == Regular && !strings.Contains(e.Problem, ProblemEncrypted) && !strings.Contains(e.Problem, ProblemMethod)) {
			t.Errorf("entry %q of kind %v: reader %v", e.Name, e.Kind, r)
		}
		entries = append(entries, *e)
		if r != nil {
			b, err := io.ReadAll(r)
			if err != nil {
				return entries, content, err
			}
			content[e.Name] = string(b)
		}
	}
}

func openBytes(t testing.TB, b []byte, name string, lim Limits) (*Archive, error) {
	t.Helper()
	if isZip(b) {
		return OpenZip(context.Background(), bytes.NewReader(b), int64(len(b)), name, lim)
	}
	return OpenReader(context.Background(), bytes.NewReader(b), name, lim)
}

// The release every format below holds: the shape of a real one.
var releaseFiles = []tf{
	{name: "xz-5.6.1/", typ: tar.TypeDir},
	{name: "xz-5.6.1/configure", body: "#! /bin/sh\necho configuring\n", mode: 0o755},
	{name: "xz-5.6.1/m4/", typ: tar.TypeDir},
	{name: "xz-5.6.1/m4/build-to-host.m4", body: "# build-to-host.m4 serial 30\ndnl gl_BUILD_TO_HOST\n"},
	{name: "xz-5.6.1/m4/.gitignore", body: "build-to-host.m4\n"},
	{name: "xz-5.6.1/COPYING", body: "see COPYING.GPLv2\n"},
	{name: "xz-5.6.1/COPYING.GPLv2", typ: tar.TypeSymlink, link: "COPYING", mode: 0o777},
	{name: "xz-5.6.1/tests/files/good-large_compressed.lzma", body: "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00"},
	{name: "xz-5.6.1/doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", body: "long\n"},
}

var releaseEntries = []Entry{
	{Name: "configure", RawName: "xz-5.6.1/configure", Kind: Regular, Mode: 0o755, Size: 28},
	{Name: "m4", RawName: "xz-5.6.1/m4/", Kind: Dir, Mode: fs.ModeDir | 0o755},
	{Name: "m4/build-to-host.m4", RawName: "xz-5.6.1/m4/build-to-host.m4", Kind: Regular, Mode: 0o644, Size: 50},
	{Name: "m4/.gitignore", RawName: "xz-5.6.1/m4/.gitignore", Kind: Regular, Mode: 0o644, Size: 17},
	{Name: "COPYING", RawName: "xz-5.6.1/COPYING", Kind: Regular, Mode: 0o644, Size: 18},
	{Name: "COPYING.GPLv2", RawName: "xz-5.6.1/COPYING.GPLv2", Kind: Symlink, Mode: fs.ModeSymlink | 0o777, Link: "COPYING", Target: "COPYING"},
	{Name: "tests/files/good-large_compressed.lzma", RawName: "xz-5.6.1/tests/files/good-large_compressed.lzma", Kind: Regular, Mode: 0o644, Size: 16},
	{Name: "doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", RawName: "xz-5.6.1/doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", Kind: Regular, Mode: 0o644, Size: 5},
}

func releaseContent() map[string]string {
	m := map[string]string{}
	for _, f := range releaseFiles {
		if f.typ == 0 {
			m[strings.TrimPrefix(f.name, "xz-5.6.1/")] = f.body
		}
	}
	return m
}

func releaseZip(t testing.TB) []byte {
	var files []zf
	for _, f := range releaseFiles {
		z := zf{name: f.name, body: f.body, mode: fs.FileMode(f.mode)}
		switch f.typ {
		case tar.TypeDir:
			z.mode = fs.ModeDir | 0o755
		case tar.TypeSymlink:
			z.mode, z.body = fs.ModeSymlink|0o777, f.link
		}
		files = append(files, z)
	}
	return makeZip(t, files, "")
}

// TestFixtures checks that the committed compressed fixtures hold the release
// tar this file writes; with -update it rewrites them with the command-line
// tools, so that the reader is tested on their output, not only on Go's.
func TestFixtures(t *testing.T) {
	plain := makeTar(t, releaseFiles)
	half := len(plain) / 1024 * 512
	type fixture struct {
		file    string
		make    string // shell command reading release.tar (and the halves)
		decoder func([]byte) ([]byte, error)
	}
	fixtures := []fixture{
		{"release.tar.bz2", "bzip2 -9 -c release.tar", bzip2Decode},
		{"release-streams.tar.bz2", "bzip2 -c half1 > a && bzip2 -c half2 > b && cat a b", bzip2Decode},
		{"release.tar.xz", "xz -6 -c release.tar", xzDecode},
		{"release-blocks.tar.xz", "xz -T2 --block-size=4096 --check=sha256 -c release.tar", xzDecode},
		{"release-streams.tar.xz", "xz --check=none -c half1 > a && xz --check=crc32 -c half2 > b && cat a && printf '\\0\\0\\0\\0\\0\\0\\0\\0' && cat b", xzDecode},
		{"release.tar.zst", "zstd -19 -q -c release.tar", zstdDecode},
		{"release-streams.tar.zst", "zstd -q -c half1 > a && zstd -q -c half2 > b && cat a b", zstdDecode},
	}
	if *update {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "release.tar"), plain, 0o644)
		os.WriteFile(filepath.Join(dir, "half1"), plain[:half], 0o644)
		os.WriteFile(filepath.Join(dir, "half2"), plain[half:], 0o644)
		for _, f := range fixtures {
			cmd := exec.Command("sh", "-c", f.make)
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", f.make, err)
			}
			if err := os.WriteFile(filepath.Join("testdata", f.file), out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", f.file))
		if err != nil {
			t.Fatalf("%v (run go test -run TestFixtures -update)", err)
		}
		got, err := f.decoder(b)
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("%s does not hold the release tar (run go test -run TestFixtures -update)", f.file)
		}
	}
}

func bzip2Decode(b []byte) ([]byte, error) {
	return io.ReadAll(bzip2.NewReader(bytes.NewReader(b)))
}

func xzDecode(b []byte) ([]byte, error) {
	r, err := xz.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func zstdDecode(b []byte) ([]byte, error) {
	d, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}

func TestFormats(t *testing.T) {
	plain := makeTar(t, releaseFiles)
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		data   []byte
		format string
	}{
		{"release.tar", plain, "tar"},
		{"release.tar.gz", gz(t, plain), "tar+gzip"},
		{"release.tar.bz2", fixture("release.tar.bz2"), "tar+bzip2"},
		{"release-streams.tar.bz2", fixture("release-streams.tar.bz2"), "tar+bzip2"},
		{"release.tar.xz", fixture("release.tar.xz"), "tar+xz"},
		{"release-blocks.tar.xz", fixture("release-blocks.tar.xz"), "tar+xz"},
		{"release-streams.tar.xz", fixture("release-streams.tar.xz"), "tar+xz"},
		{"go-written.tar.xz", xzc(t, plain, 0), "tar+xz"},
		{"release.tar.zst", fixture("release.tar.zst"), "tar+zstd"},
		{"release-streams.tar.zst", fixture("release-streams.tar.zst"), "tar+zstd"},
		{"go-written.tar.zst", zstdc(t, plain), "tar+zstd"},
		{"gzip-members.tar.gz", append(gz(t, plain[:1024]), gz(t, plain[1024:])...), "tar+gzip"},
		{"gzip-padded.tar.gz", append(gz(t, plain), make([]byte, 1000)...), "tar+gzip"},
		// Named for another format on purpose: the bytes decide.
		{"release.zip.tar.gz", releaseZip(t), "zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openBytes(t, tt.data, tt.name, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if got := a.Format(); got != tt.format {
				t.Errorf("Format() = %q, want %q", got, tt.format)
			}
			if got := a.Prefix(); got != "xz-5.6.1" {
				t.Errorf("Prefix() = %q, want xz-5.6.1", got)
			}
			entries, content, err := readAll(t, a)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(releaseEntries, entries); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(releaseContent(), content); diff != "" {
				t.Errorf("content (-want +got):\n%s", diff)
			}
			if _, _, err := a.Next(); err != io.EOF {
				t.Errorf("Next after the end: %v, want io.EOF", err)
			}
		})
	}
}

// TestOpen opens files by path: the first bytes decide the format, whatever
// the name says.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	plain := makeTar(t, releaseFiles)
	files := map[string][]byte{
		"zip-named.tar.gz": releaseZip(t),
		"gzip-named.zip":   gz(t, plain),
		"plain.tar.xz":     plain,
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	want := map[string]string{"zip-named.tar.gz": "zip", "gzip-named.zip": "tar+gzip", "plain.tar.xz": "tar"}
	for name, format := range want {
		a, err := Open(context.Background(), filepath.Join(dir, name), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		entries, _, err := readAll(t, a)
		if err != nil {
			t.Fatal(err)
		}
		if a.Format() != format || len(entries) != len(releaseEntries) {
			t.Errorf("%s: format %q with %d entries, want %q with %d", name, a.Format(), len(entries), format, len(releaseEntries))
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, _, err := a.Next(); err == nil {
			t.Errorf("Next after Close: no error")
		}
	}

	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.tar"), filepath.Join(dir, "missing.tar") + ": open: no such file or directory"},
		{dir, dir + ": is a directory"},
	} {
		_, err := Open(context.Background(), tt.path, Limits{})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Open(%q) = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// view is the part of an Entry the naming tests look at.
type view struct {
	Name, Kind, Target, Problem string
}

func views(entries []Entry) []view {
	var v []view
	for _, e := range entries {
		v = append(v, view{e.Name, e.Kind.String(), e.Target, e.Problem})
	}
	return v
}

func TestNames(t *testing.T) {
	reg := func(name string) tf { return tf{name: name, body: "x"} }
	dir := func(name string) tf { return tf{name: name, typ: tar.TypeDir} }
	sym := func(name, link string) tf { return tf{name: name, typ: tar.TypeSymlink, link: link} }
	hard := func(name, link string) tf { return tf{name: name, typ: tar.TypeLink, link: link} }
	v := func(name, kind, target, problem string) view { return view{name, kind, target, problem} }
	tests := []struct {
		name   string
		files  []tf
		prefix string
		want   []view
	}{
		{
			name:   "leading directory stripped",
			files:  []tf{dir("xz-5.6.1/"), dir("xz-5.6.1/m4/"), reg("xz-5.6.1/m4/x.m4"), dir("xz-5.6.1/")},
			prefix: "xz-5.6.1",
			want:   []view{v("m4", "dir", "", ""), v("m4/x.m4", "regular", "", "")},
		},
		{
			name:   "leading directory implied by the first file",
			files:  []tf{reg("pkg-1.0/README"), reg("pkg-1.0/src/main.c")},
			prefix: "pkg-1.0",
			want:   []view{v("README", "regular", "", ""), v("src/main.c", "regular", "", "")},
		},
		{
			name:   "dot slash names",
			files:  []tf{dir("./"), dir("./pkg-1.0/"), reg("./pkg-1.0/README"), reg("pkg-1.0//src/./a.c")},
			prefix: "pkg-1.0",
			want:   []view{v("README", "regular", "", ""), v("src/a.c", "regular", "", "")},
		},
		{
			name:  "no leading directory",
			files: []tf{reg("README"), dir("src/"), reg("src/a.c")},
			want:  []view{v("README", "regular", "", ""), v("src", "dir", "", ""), v("src/a.c", "regular", "", "")},
		},
		{
			name:   "entries outside the leading directory",
			files:  []tf{dir("pkg/"), reg("pkg/a"), reg("other/b"), reg("c"), reg("pkg"), reg("pkgx/d")},
			prefix: "pkg",
			want: []view{
				v("a", "regular", "", ""),
				v("other/b", "regular", "", ProblemOutside),
				v("c", "regular", "", ProblemOutside),
				v("pkg", "regular", "", ProblemOutside),
				v("pkgx/d", "regular", "", ProblemOutside),
			},
		},
		{
			name:  "dot dot",
			files: []tf{reg("../evil"), reg("a/../../evil2"), reg("a/../b"), reg(".."), dir("a/b/../../..")},
			want: []view{
				v("../evil", "regular", "", ProblemDotDot),
				v("../evil2", "regular", "", ProblemDotDot),
				v("b", "regular", "", ""),
				// ".." is already implied as a directory by "../evil".
				v("..", "regular", "", ProblemDotDot+"; "+ProblemDuplicate),
				v("..", "dir", "", ProblemDotDot+"; "+ProblemDuplicate),
			},
		},
		{
			name:   "dot dot under the leading directory",
			files:  []tf{dir("pkg/"), reg("pkg/../../etc/cron.d/x"), reg("pkg/a/../b")},
			prefix: "pkg",
			want: []view{
				v("../etc/cron.d/x", "regular", "", ProblemDotDot),
				v("b", "regular", "", ""),
			},
		},
		{
			name:   "absolute",
			files:  []tf{dir("pkg/"), reg("/etc/passwd"), reg("/pkg/a"), reg("//b"), dir("/")},
			prefix: "pkg",
			want: []view{
				v("etc/passwd", "regular", "", ProblemAbsolute),
				v("a", "regular", "", ProblemAbsolute),
				v("b", "regular", "", ProblemAbsolute),
				v(".", "dir", "", ProblemAbsolute+"; "+ProblemEmptyName),
			},
		},
		{
			name:  "odd characters",
			files: []tf{{name: "bad-\xff-name", body: "x", format: tar.FormatGNU}, reg("new\nline"), reg("tab\there"), reg("ünïcode")},
			want: []view{
				v("bad-\xff-name", "regular", "", ProblemNotUTF8),
				v("new\nline", "regular", "", ProblemControl),
				v("tab\there", "regular", "", ProblemControl),
				v("ünïcode", "regular", "", ""),
			},
		},
		{
			name:   "duplicates",
			files:  []tf{dir("p/"), reg("p/a"), reg("p/a"), reg("p/./a"), dir("p/d/"), dir("p/d/"), reg("p/e/f"), reg("p/e"), dir("p/e/"), reg("p/g"), reg("p/g/h")},
			prefix: "p",
			want: []view{
				v("a", "regular", "", ""),
				v("a", "regular", "", ProblemDuplicate),
				v("a", "regular", "", ProblemDuplicate),
				v("d", "dir", "", ""),
				v("d", "dir", "", ProblemDuplicate),
				v("e/f", "regular", "", ""),
				v("e", "regular", "", ProblemDuplicate),
				v("e", "dir", "", ProblemDuplicate),
				v("g", "regular", "", ""),
				v("g/h", "regular", "", ProblemParentNotDir),
			},
		},
		{
			name: "symlinks",
			files: []tf{
				dir("p/"),
				reg("p/a"),
				sym("p/same-dir", "a"),
				sym("p/sub/up", "../a"),
				sym("p/sub/deep/up2", "../../a"),
				sym("p/dot", "."),
				sym("p/missing", "no/such/file"),
				sym("p/escape", "../../etc/passwd"),
				sym("p/escape-deep", "x/../../../etc"),
				sym("p/absolute", "/etc/passwd"),
				sym("p/sibling", "../other/file"),
				sym("p/archive-root", ".."),
				sym("p/empty", ""),
				sym("p/dir/trailing", "../a/"),
			},
			prefix: "p",
			want: []view{
				v("a", "regular", "", ""),
				v("same-dir", "symlink", "a", ""),
				v("sub/up", "symlink", "a", ""),
				v("sub/deep/up2", "symlink", "a", ""),
				v("dot", "symlink", ".", ""),
				v("missing", "symlink", "no/such/file", ""),
				v("escape", "symlink", "", ProblemLinkEscapes),
				v("escape-deep", "symlink", "", ProblemLinkEscapes),
				v("absolute", "symlink", "", ProblemLinkEscapes),
				v("sibling", "symlink", "other/file", ProblemLinkOutside),
				v("archive-root", "symlink", "", ProblemLinkOutside),
				v("empty", "symlink", "", ProblemEmptyLink),
				v("dir/trailing", "symlink", "a", ""),
			},
		},
		{
			name: "paths through symlinks",
			files: []tf{
				dir("p/"),
				sym("p/s", "../.."),
				reg("p/s/etc/passwd"),
				sym("p/here", "."),
				sym("p/up", "here/.."),
				sym("p/fine", "here"),
			},
			prefix: "p",
			want: []view{
				v("s", "symlink", "", ProblemLinkEscapes),
				v("s/etc/passwd", "regular", "", ProblemThroughSymlink),
				v("here", "symlink", ".", ""),
				// Lexically the release root; really the archive root,
				// since "here" is a symlink: reported, not guessed at.
				v("up", "symlink", ".", ProblemLinkThrough),
				v("fine", "symlink", "here", ""),
			},
		},
		{
			name: "hard links",
			files: []tf{
				dir("p/"),
				reg("p/a"),
				hard("p/b", "p/a"),
				hard("p/c", "p/zz"),
				hard("p/d", "p/"),
				hard("p/e", "../x"),
				hard("p/f", "/etc/shadow"),
				reg("other"),
				hard("p/g", "other"),
				hard("p/h", "p/h"),
				hard("p/i", "p/./a"),
				hard("p/j", ""),
			},
			prefix: "p",
			want: []view{
				v("a", "regular", "", ""),
				v("b", "hardlink", "a", ""),
				v("c", "hardlink", "zz", ProblemLinkMissing),
				v("d", "hardlink", ".", ProblemLinkMissing),
				v("e", "hardlink", "", ProblemLinkEscapes),
				v("f", "hardlink", "", ProblemLinkEscapes),
				v("other", "regular", "", ProblemOutside),
				v("g", "hardlink", "other", ProblemLinkOutside),
				v("h", "hardlink", "h", ProblemLinkMissing),
				v("i", "hardlink", "a", ""),
				v("j", "hardlink", "", ProblemEmptyLink),
			},
		},
		{
			name: "hard link to a directory",
			files: []tf{
				dir("p/"), dir("p/d/"), hard("p/l", "p/d"),
			},
			prefix: "p",
			want:   []view{v("d", "dir", "", ""), v("l", "hardlink", "d", ProblemLinkToDir)},
		},
		{
			name: "devices and special files",
			files: []tf{
				dir("p/"),
				{name: "p/null", typ: tar.TypeChar},
				{name: "p/sda", typ: tar.TypeBlock},
				{name: "p/fifo", typ: tar.TypeFifo},
				{name: "p/hidden", typ: 'X', body: "payload"},
				{name: "p/su", body: "x", mode: 0o4755},
				{name: "p/sg", body: "x", mode: 0o2755},
			},
			prefix: "p",
			want: []view{
				v("null", "other", "", ProblemSpecial),
				v("sda", "other", "", ProblemSpecial),
				v("fifo", "other", "", ProblemSpecial),
				v("hidden", "other", "", ProblemSpecial+"; "+ProblemUnknownType),
				v("su", "regular", "", ProblemSetuid),
				v("sg", "regular", "", ProblemSetuid),
			},
		},
		{
			name:  "first entry escaping: no leading directory",
			files: []tf{reg("../x/y"), reg("x/z")},
			want:  []view{v("../x/y", "regular", "", ProblemDotDot), v("x/z", "regular", "", "")},
		},
		{
			name:  "first entry absolute: no leading directory",
			files: []tf{reg("/x/y"), reg("x/z")},
			want:  []view{v("x/y", "regular", "", ProblemAbsolute), v("x/z", "regular", "", "")},
		},
		{
			name:  "first entry a top-level symlink: no leading directory",
			files: []tf{sym("x", "y"), reg("x/z")},
			want:  []view{v("x", "symlink", "y", ""), v("x/z", "regular", "", ProblemThroughSymlink)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := openBytes(t, makeTar(t, tt.files), "names.tar", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Prefix() != tt.prefix {
				t.Errorf("Prefix() = %q, want %q", a.Prefix(), tt.prefix)
			}
			entries, _, err := readAll(t, a)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, views(entries)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTarDetails(t *testing.T) {
	longName := "p/" + strings.Repeat("d/", 200) + "f"
	longLink := strings.Repeat("../", 50) + "target"
	files := []tf{
		{name: "pax_global_header", typ: tar.TypeXGlobalHeader, pax: map[string]string{"comment": "2d2d7e34e6f7f6e06f1f8f1b6d1a7f1c1e0e5c35"}},
		{name: "p/", typ: tar.TypeDir},
		{name: longName, body: "pax long name", format: tar.FormatPAX},
		{name: "p/gnu/" + strings.Repeat("n", 150), body: "gnu long name", format: tar.FormatGNU},
		{name: "p/gnulink", typ: tar.TypeSymlink, link: longLink, format: tar.FormatGNU},
		{name: "p/hidden", typ: 'X', body: "payload"},
		{name: "p/after", body: "after"},
	}
	a, err := openBytes(t, makeTar(t, files), "details.tar", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Comment(), "2d2d7e34e6f7f6e06f1f8f1b6d1a7f1c1e0e5c35"; got != want {
		t.Errorf("Comment() = %q, want %q", got, want)
	}
	entries, content, err := readAll(t, a)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Name: longName[2:], RawName: longName, Kind: Regular, Mode: 0o644, Size: 13},
		{Name: "gnu/" + strings.Repeat("n", 150), RawName: "p/gnu/" + strings.Repeat("n", 150), Kind: Regular, Mode: 0o644, Size: 13},
		{Name: "gnulink", RawName: "p/gnulink", Kind: Symlink, Mode: fs.ModeSymlink | 0o644, Link: longLink, Problem: ProblemLinkEscapes},
		{Name: "hidden", RawName: "p/hidden", Kind: Other, Mode: 0o644, Size: 7, Problem: ProblemSpecial + "; " + ProblemUnknownType},
		{Name: "after", RawName: "p/after", Kind: Regular, Mode: 0o644, Size: 5},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantContent := map[string]string{longName[2:]: "pax long name", "gnu/" + strings.Repeat("n", 150): "gnu long name", "after": "after"}
	if diff := cmp.Diff(wantContent, content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
}

// TestSparse reads a GNU sparse file written by GNU tar (testdata/sparse.tar:
// a 1 MiB file holding "data" at offset 512 KiB).
func TestSparse(t *testing.T) {
	a, err := Open(context.Background(), "testdata/sparse.tar", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	entries, content, err := readAll(t, a)
	if err != nil {
		t.Fatal(err)
	}
	want := []view{{"holes", "regular", "", ProblemSparse}}
	if diff := cmp.Diff(want, views(entries)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	c := content["holes"]
	if len(c) != 1<<20 || c[512<<10:512<<10+4] != "data" {
		t.Errorf("content: %d bytes, %q at 512 KiB", len(c), c[min(len(c), 512<<10):min(len(c), 512<<10+4)])
	}

	// The expansion counts against the limits: holes cost nothing to
	// store but everything to read.
	a, err = Open(context.Background(), "testdata/sparse.tar", Limits{MaxTotalSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, _, err := readAll(t, a); !errors.Is(err, ErrLimit) {
		t.Errorf("reading with MaxTotalSize 64 KiB: %v, want ErrLimit", err)
	}
}

func TestZip(t *testing.T) {
	files := []zf{
		{name: "p/", mode: fs.ModeDir | 0o755},
		{name: "p/stored", body: "stored", stored: true},
		{name: "p/deflated", body: strings.Repeat("deflate ", 100)},
		{name: "p/zstd", body: "zstd body", method: zipZstd},
		{name: "p/xz", body: "xz body", method: zipXZ},
		{name: "p/exec", body: "#!/bin/sh\n", mode: 0o755},
		{name: "p/link", body: "stored", mode: fs.ModeSymlink | 0o777},
		{name: "p/escape", body: "../../../home/u/.bashrc", mode: fs.ModeSymlink | 0o777},
		{name: "p/win\\..\\..\\evil.bat", body: "x"},
		{name: "C:/Windows/evil.dll", body: "x"},
		{name: "/abs", body: "x"},
		{name: "p/stored", body: "again", stored: true},
		{name: "p/fifo", mode: fs.ModeNamedPipe | 0o644},
		{name: "p/encrypted", body: "gibberish", stored: true, flags: 1},
		{name: "p/ppmd", body: "gibberish", method: 98},
	}
	data := makeZip(t, files, "release 5.6.1")
	a, err := openBytes(t, data, "rel.zip", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Format() != "zip" || a.Prefix() != "p" || a.Comment() != "release 5.6.1" {
		t.Errorf("Format, Prefix, Comment = %q, %q, %q", a.Format(), a.Prefix(), a.Comment())
	}
	entries, content, err := readAll(t, a)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Name: "stored", RawName: "p/stored", Kind: Regular, Mode: 0o644, Size: 6},
		{Name: "deflated", RawName: "p/deflated", Kind: Regular, Mode: 0o644, Size: 800},
		{Name: "zstd", RawName: "p/zstd", Kind: Regular, Mode: 0o644, Size: 9},
		{Name: "xz", RawName: "p/xz", Kind: Regular, Mode: 0o644, Size: 7},
		{Name: "exec", RawName: "p/exec", Kind: Regular, Mode: 0o755, Size: 10},
		{Name: "link", RawName: "p/link", Kind: Symlink, Mode: fs.ModeSymlink | 0o777, Link: "stored", Target: "stored"},
		{Name: "escape", RawName: "p/escape", Kind: Symlink, Mode: fs.ModeSymlink | 0o777, Link: "../../../home/u/.bashrc", Problem: ProblemLinkEscapes},
		{Name: "win\\..\\..\\evil.bat", RawName: "p/win\\..\\..\\evil.bat", Kind: Regular, Mode: 0o644, Size: 1, Problem: ProblemBackslash},
		{Name: "Windows/evil.dll", RawName: "C:/Windows/evil.dll", Kind: Regular, Mode: 0o644, Size: 1, Problem: ProblemAbsolute},
		{Name: "abs", RawName: "/abs", Kind: Regular, Mode: 0o644, Size: 1, Problem: ProblemAbsolute},
		{Name: "stored", RawName: "p/stored", Kind: Regular, Mode: 0o644, Size: 5, Problem: ProblemDuplicate},
		{Name: "fifo", RawName: "p/fifo", Kind: Other, Mode: fs.ModeNamedPipe | 0o644, Problem: ProblemSpecial},
		{Name: "encrypted", RawName: "p/encrypted", Kind: Regular, Mode: 0o644, Size: 9, Problem: ProblemEncrypted},
		{Name: "ppmd", RawName: "p/ppmd", Kind: Regular, Mode: 0o644, Size: 9, Problem: ProblemMethod},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantContent := map[string]string{
		"stored": "again", "deflated": strings.Repeat("deflate ", 100), "zstd": "zstd body", "xz": "xz body",
		"exec": "#!/bin/sh\n", "win\\..\\..\\evil.bat": "x", "Windows/evil.dll": "x", "abs": "x",
	}
	if diff := cmp.Diff(wantContent, content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
}

func TestEmptyArchives(t *testing.T) {
	var buf bytes.Buffer
	zip.NewWriter(&buf).Close()
	tests := map[string][]byte{
		"empty.zip":    buf.Bytes(),
		"empty.tar":    makeTar(t, nil),
		"empty.tar.gz": gz(t, makeTar(t, nil)),
		"only-dir.tar": makeTar(t, []tf{{name: "p/", typ: tar.TypeDir}}),
	}
	for name, data := range tests {
		a, err := openBytes(t, data, name, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e, r, err := a.Next(); e != nil || r != nil || err != io.EOF {
			t.Errorf("%s: Next() = %v, %v, %v; want io.EOF", name, e, r, err)
		}
		want := ""
		if name == "only-dir.tar" {
			want = "p"
		}
		if a.Prefix() != want {
			t.Errorf("%s: Prefix() = %q, want %q", name, a.Prefix(), want)
		}
	}
}

// errorCase is the part of an *Error the failure tests look at.
type errorCase struct {
	Path, Entry string
	Limit       bool // errors.Is(err, ErrLimit)
	Format      bool // errors.Is(err, ErrFormat)
	Text        string
}

func describe(t *testing.T, err error) errorCase {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return errorCase{ae.Path, ae.Entry, errors.Is(err, ErrLimit), errors.Is(err, ErrFormat), err.Error()}
}

// readErr opens and reads an archive to the end, returning the first error.
func readErr(t *testing.T, data []byte, name string, lim Limits) error {
	t.Helper()
	a, err := openBytes(t, data, name, lim)
	if err != nil {
		return err
	}
	defer a.Close()
	_, _, err = readAll(t, a)
	if err != nil {
		if _, _, again := a.Next(); again != err {
			t.Errorf("Next after %v: %v, want the same error", err, again)
		}
	}
	return err
}

// discardAll reads an archive to the end without keeping anything.
func discardAll(data []byte, name string, lim Limits) error {
	var a *Archive
	var err error
	if isZip(data) {
		a, err = OpenZip(context.Background(), bytes.NewReader(data), int64(len(data)), name, lim)
	} else {
		a, err = OpenReader(context.Background(), bytes.NewReader(data), name, lim)
	}
	if err != nil {
		return err
	}
	defer a.Close()
	for {
		_, r, err := a.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if r != nil {
			if _, err := io.Copy(io.Discard, r); err != nil {
				return err
			}
		}
	}
}

func TestTrailing(t *testing.T) {
	plain := makeTar(t, releaseFiles)
	padded := append(bytes.Clone(plain), make([]byte, 10240-len(plain)%10240)...)
	hidden := append(bytes.Clone(padded), "\x00\x00#!/bin/sh\nrm -rf ~\n\x00\x00"...)
	tests := []struct {
		name string
		data []byte
		want int64
	}{
		{"plain.tar", plain, 0},
		{"padded.tar.gz", gz(t, padded), 0},
		{"hidden.tar.gz", gz(t, hidden), int64(len(hidden) - len(plain) - 2)},
		{"hidden.tar", hidden, int64(len(hidden) - len(plain) - 2)},
		{"hidden.tar.xz", xzc(t, hidden, 0), int64(len(hidden) - len(plain) - 2)},
	}
	for _, tt := range tests {
		a, err := openBytes(t, tt.data, tt.name, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		entries, _, err := readAll(t, a)
		if err != nil || len(entries) != len(releaseEntries) {
			t.Fatalf("%s: %d entries, %v", tt.name, len(entries), err)
		}
		if got := a.Trailing(); got != tt.want {
			t.Errorf("%s: Trailing() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestUnknownFormats(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	random[0] = 0xa7
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"m.tar.lz", []byte("LZIP\x01\x0c\x00\x00\x00"), "m.tar.lz: lzip compression is not supported"},
		{"m.tar.lzma", []byte("\x5d\x00\x00\x80\x00\xff\xff"), "m.tar.lzma: lzma compression is not supported"},
		{"m.tar.Z", []byte("\x1f\x9d\x90"), "m.tar.Z: compress (.Z) compression is not supported"},
		{"m.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), "m.7z: 7-zip archives are not supported"},
		{"m.deb", []byte("!<arch>\ndebian-binary"), "m.deb: ar archives (.deb) are not supported"},
		{"x", random, "x: not an archive (first bytes a7 6c 88 9a 50 bc 79 8e)"},
		{"empty.tar.gz", nil, "empty.tar.gz: empty file"},
		{"readme.txt", []byte("hello"), "readme.txt: not an archive (first bytes 68 65 6c 6c 6f)"},
		{"hello.gz", gz(t, []byte("hello, world\n")), "hello.gz: gzip data does not hold a tar archive (first bytes 68 65 6c 6c 6f 2c 20 77)"},
		{"empty.gz", gz(t, nil), "empty.gz: gzip data is empty, not a tar archive"},
		{"double.tar.gz.gz", gz(t, gz(t, makeTar(t, releaseFiles))), "double.tar.gz.gz: gzip data does not hold a tar archive (first bytes 1f 8b 08 00 00 00 00 00)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenReader(context.Background(), bytes.NewReader(tt.data), tt.name, Limits{})
			want := errorCase{Path: tt.name, Format: true, Text: tt.want}
			if diff := cmp.Diff(want, describe(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	// A zip needs random access.
	_, err := OpenReader(context.Background(), bytes.NewReader(releaseZip(t)), "r.zip", Limits{})
	if diff := cmp.Diff(errorCase{Path: "r.zip", Format: true, Text: "r.zip: zip archives need random access (OpenZip)"}, describe(t, err)); diff != "" {
		t.Errorf("zip through OpenReader (-want +got):\n%s", diff)
	}
}

// TestTruncated cuts every format at several offsets: each cut is an error
// naming the file, none a panic or a silent short listing.
func TestTruncated(t *testing.T) {
	plain := makeTar(t, releaseFiles)
	formats := map[string][]byte{
		"r.tar":     plain,
		"r.tar.gz":  gz(t, plain),
		"r.tar.xz":  xzc(t, plain, 0),
		"r.tar.zst": zstdc(t, plain),
		"r.zip":     releaseZip(t),
	}
	if b, err := os.ReadFile("testdata/release.tar.bz2"); err == nil {
		formats["r.tar.bz2"] = b
	}
	for name, data := range formats {
		cuts := []int{1, 4, 11, 100, 511, 512, 700, len(data) / 3, len(data) / 2, len(data) - 30, len(data) - 1}
		if name == "r.tar" {
			// Cuts between entries and in the end-of-archive marker.
			cuts = append(cuts, 1024, 2048, len(data)-1024, len(data)-512)
		}
		for _, cut := range cuts {
			if cut <= 0 || cut >= len(data) {
				continue
			}
			err := readErr(t, data[:cut], name, Limits{})
			if err == nil {
				t.Errorf("%s cut at %d of %d: no error", name, cut, len(data))
				continue
			}
			if got := describe(t, err); got.Path != name || got.Limit {
				t.Errorf("%s cut at %d: %+v", name, cut, got)
			}
		}
	}
}

func TestCorrupt(t *testing.T) {
	plain := makeTar(t, releaseFiles)
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x55
		return c
	}
	data := gz(t, plain)
	tests := []struct {
		name string
		data []byte
		want errorCase
	}{
		{"crc.tar.gz", flip(data, len(data)-6), errorCase{Path: "crc.tar.gz", Entry: "doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", Text: `crc.tar.gz: entry "doc/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/file-with-a-long-name.txt": after the end of the archive: gzip: invalid checksum`}},
		{"size.tar.gz", flip(data, len(data)-2), errorCase{Path: "size.tar.gz", Entry: "doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", Text: `size.tar.gz: entry "doc/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/file-with-a-long-name.txt": after the end of the archive: gzip: invalid checksum`}},
		{"garbage.tar.gz", append(bytes.Clone(data), "garbage"...), errorCase{Path: "garbage.tar.gz", Entry: "doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", Text: `garbage.tar.gz: entry "doc/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/file-with-a-long-name.txt": after the end of the archive: gzip: data after the end of the compressed stream`}},
		{"member.tar.gz", append(bytes.Clone(data), 0x1f, 0x8b, 0x08), errorCase{Path: "member.tar.gz", Entry: "doc/" + strings.Repeat("long-directory-name/", 6) + "file-with-a-long-name.txt", Text: `member.tar.gz: entry "doc/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/long-directory-name/file-with-a-long-name.txt": after the end of the archive: reading the gzip header: unexpected EOF`}},
		{"header.tar.gz", flip(data, 2), errorCase{Path: "header.tar.gz", Text: "header.tar.gz: reading the gzip header: gzip: invalid header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, describe(t, readErr(t, tt.data, tt.name, Limits{}))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	// Flipping any byte of the deflate data, or of a tar header, is an
	// error too (checksums), whichever message it gets.
	for i := 10; i < len(data)-8; i += 7 {
		if err := readErr(t, flip(data, i), "flip.tar.gz", Limits{}); err == nil {
			t.Errorf("byte %d flipped: no error", i)
		}
	}
	for _, i := range []int{0, 100, 148, 156, 512 + 124} {
		if err := readErr(t, flip(plain, i), "flip.tar", Limits{}); err == nil {
			t.Errorf("tar byte %d flipped: no error", i)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	noise := make([]byte, 20000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range noise {
		noise[i] = byte(rng.UintN(256))
	}
	plain := makeTar(t, []tf{{name: "rel/", typ: tar.TypeDir}, {name: "rel/a/b", body: string(noise)}})
	data := gz(t, plain)
	cut := len(data) / 2
	a, err := openBytes(t, data[:cut], "rel.tar.gz", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	e, r, err := a.Next()
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "a/b" {
		t.Fatalf("entry %q", e.Name)
	}
	_, err = io.ReadAll(r)
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if got, want := err.Error(), `rel.tar.gz: entry "a/b": reading content: unexpected EOF`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error does not wrap io.ErrUnexpectedEOF")
	}
	if ae.Offset != int64(cut) {
		t.Errorf("Offset = %d, want %d", ae.Offset, cut)
	}
	if _, _, again := a.Next(); again != err {
		t.Errorf("Next after the error: %v", again)
	}
}

func TestLimits(t *testing.T) {
	many := []tf{{name: "p/", typ: tar.TypeDir}}
	var manyZip []zf
	for i := range 20 {
		many = append(many, tf{name: fmt.Sprintf("p/f%d", i), body: "x"})
		manyZip = append(manyZip, zf{name: fmt.Sprintf("p/f%d", i), body: "x"})
	}
	big := []tf{{name: "p/", typ: tar.TypeDir}, {name: "p/small", body: "x"}, {name: "p/big", body: strings.Repeat("b", 2000)}}
	bigZip := []zf{{name: "p/small", body: "x"}, {name: "p/big", body: strings.Repeat("b", 2000)}}
	compressible := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want errorCase
	}{
		{
			name: "many.tar", data: makeTar(t, many), lim: Limits{MaxEntries: 10},
			want: errorCase{Path: "many.tar", Entry: "f8", Limit: true, Text: `many.tar: entry "f8": archive limit exceeded: more than 10 entries`},
		},
		{
			name: "many.zip", data: makeZip(t, manyZip, ""), lim: Limits{MaxEntries: 10},
			want: errorCase{Path: "many.zip", Limit: true, Text: `many.zip: archive limit exceeded: more than 10 entries`},
		},
		{
			name: "big.tar", data: makeTar(t, big), lim: Limits{MaxFileSize: 1000},
			want: errorCase{Path: "big.tar", Entry: "big", Limit: true, Text: `big.tar: entry "big": archive limit exceeded: size 2000, more than 1000`},
		},
		{
			name: "big.zip", data: makeZip(t, bigZip, ""), lim: Limits{MaxFileSize: 1000},
			want: errorCase{Path: "big.zip", Entry: "big", Limit: true, Text: `big.zip: entry "big": archive limit exceeded: size 2000, more than 1000`},
		},
		{
			// The stream is read ahead, so the limit may strike before
			// the entry that crosses it.
			name: "total.tar.gz", data: gz(t, makeTar(t, big)), lim: Limits{MaxTotalSize: 2048},
			want: errorCase{Path: "total.tar.gz", Entry: "big", Limit: true, Text: `total.tar.gz: entry "big": archive limit exceeded: more than 2048 bytes decompressed`},
		},
		{
			name: "total.zip", data: makeZip(t, bigZip, ""), lim: Limits{MaxTotalSize: 1500},
			want: errorCase{Path: "total.zip", Entry: "big", Limit: true, Text: `total.zip: entry "big": archive limit exceeded: more than 1500 bytes decompressed`},
		},
		{
			name: "name.tar", data: makeTar(t, []tf{{name: "p/" + strings.Repeat("n", 300), body: "x"}}), lim: Limits{MaxNameLen: 256},
			want: errorCase{Path: "name.tar", Entry: "p/" + strings.Repeat("n", 98) + "...", Limit: true, Text: `name.tar: entry "p/` + strings.Repeat("n", 98) + `...": archive limit exceeded: name of 302 bytes, more than 256`},
		},
		{
			name: "link.tar", data: makeTar(t, []tf{{name: "p/l", typ: tar.TypeSymlink, link: strings.Repeat("l/", 200)}}), lim: Limits{MaxNameLen: 256},
			want: errorCase{Path: "link.tar", Entry: "p/l", Limit: true, Text: `link.tar: entry "p/l": archive limit exceeded: link target of 400 bytes, more than 256`},
		},
		{
			name: "link.zip", data: makeZip(t, []zf{{name: "p/l", body: strings.Repeat("l/", 200), mode: fs.ModeSymlink | 0o777}}, ""), lim: Limits{MaxNameLen: 256},
			want: errorCase{Path: "link.zip", Entry: "p/l", Limit: true, Text: `link.zip: entry "p/l": archive limit exceeded: link target of more than 256 bytes`},
		},
		{
			name: "dict.tar.xz", data: xzc(t, makeTar(t, []tf{{name: "a", body: compressible}}), 8<<20), lim: Limits{MaxWindow: 1 << 20},
			want: errorCase{Path: "dict.tar.xz", Limit: true, Text: `dict.tar.xz: archive limit exceeded: xz dictionary of 8388608 bytes, more than 1048576`},
		},
		{
			name: "window.tar.zst", data: zstdc(t, makeTar(t, []tf{{name: "a", body: compressible}}), zstd.WithWindowSize(8<<20), zstd.WithSingleSegment(false)), lim: Limits{MaxWindow: 1 << 20},
			want: errorCase{Path: "window.tar.zst", Limit: true, Text: `window.tar.zst: archive limit exceeded: zstd window larger than 1048576 bytes`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, describe(t, readErr(t, tt.data, tt.name, tt.lim))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// gzipZeros returns a .tar.gz holding one file of n MiB of zeros, built from
// repeated gzip members (a valid multi-member gzip file) so that making it
// costs nothing.
func gzipZeros(t testing.TB, name string, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(mib) << 20, Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	out := gz(t, buf.Bytes()[:512])
	member := gz(t, make([]byte, 1<<20))
	for range mib {
		out = append(out, member...)
	}
	return append(out, gz(t, make([]byte, 1024))...)
}

// TestBomb reads 1 GiB of zeros compressed to about 1 MiB: the ratio limit
// stops it after RatioFloor bytes, in little memory.
func TestBomb(t *testing.T) {
	data := gzipZeros(t, "zeros", 1024)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := discardAll(data, "bomb.tar.gz", Limits{})
	runtime.ReadMemStats(&after)
	got := describe(t, err)
	if !got.Limit || got.Entry != "zeros" || !strings.Contains(got.Text, "a ratio above 200") {
		t.Errorf("error %+v, want the ratio limit on entry zeros", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d bytes reading the bomb", alloc)
	}

	// Skipping the content instead of reading it costs the same.
	a, err := openBytes(t, data, "bomb.tar.gz", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Next()
	if got := describe(t, err); !got.Limit {
		t.Errorf("skipping the bomb: %+v, want ErrLimit", got)
	}

	// A deflate bomb in a zip.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("zeros")
	zero := make([]byte, 1<<20)
	for range 128 {
		w.Write(zero)
	}
	zw.Close()
	if got := describe(t, discardAll(buf.Bytes(), "bomb.zip", Limits{})); !got.Limit || got.Entry != "zeros" {
		t.Errorf("zip bomb: %+v, want ErrLimit on zeros", got)
	}
}

// TestZipLies covers zip headers that disagree with the data.
func TestZipLies(t *testing.T) {
	body := strings.Repeat("A", 4000)
	data := makeZip(t, []zf{{name: "p/a", body: body}, {name: "p/b", body: "bbb"}}, "")
	first := bytes.Index(data, []byte("PK\x01\x02")) // the central directory record of p/a
	if first < 0 {
		t.Fatal("no central directory")
	}
	le := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	patch := func(f func(b []byte)) []byte {
		c := bytes.Clone(data)
		f(c)
		return c
	}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want errorCase
	}{
		{
			// The central directory says 10 bytes: reading more is refused.
			name: "small.zip", data: patch(func(b []byte) { le(b[first+24:], 10) }),
			want: errorCase{Path: "small.zip", Entry: "a", Text: `small.zip: entry "a": reading content: zip: not a valid zip file`},
		},
		{
			name: "huge.zip", data: patch(func(b []byte) { le(b[first+24:], 0xfffffff0) }), lim: Limits{MaxFileSize: 1 << 20},
			want: errorCase{Path: "huge.zip", Entry: "a", Limit: true, Text: `huge.zip: entry "a": archive limit exceeded: size 4294967280, more than 1048576`},
		},
		{
			name: "large.zip", data: patch(func(b []byte) { le(b[first+24:], 5000) }),
			want: errorCase{Path: "large.zip", Entry: "a", Text: `large.zip: entry "a": reading content: unexpected EOF`},
		},
		{
			name: "compressed.zip", data: patch(func(b []byte) { le(b[first+20:], 1<<30) }),
			want: errorCase{Path: "compressed.zip", Entry: "p/a", Text: `compressed.zip: entry "p/a": data extends past the end of the file`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, describe(t, readErr(t, tt.data, tt.name, tt.lim))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestZipOverlap points two central directory entries at the same data, as
// the non-recursive zip bombs do.
func TestZipOverlap(t *testing.T) {
	data := makeZip(t, []zf{{name: "a", body: strings.Repeat("x", 100)}}, "")
	cd := bytes.Index(data, []byte("PK\x01\x02"))
	end := bytes.Index(data, []byte("PK\x05\x06"))
	rec := data[cd:end]
	var b []byte
	b = append(b, data[:end]...)
	dup := bytes.Clone(rec)
	b = append(b, dup...)
	eocd := bytes.Clone(data[end:])
	eocd[8], eocd[10] = 2, 2     // entries on this disk, in total
	size := uint32(2 * len(rec)) // directory size
	eocd[12], eocd[13], eocd[14], eocd[15] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	b = append(b, eocd...)
	got := describe(t, readErr(t, b, "overlap.zip", Limits{}))
	want := errorCase{Path: "overlap.zip", Entry: "a", Text: `overlap.zip: entry "a": data overlaps entry "a" (a zip bomb technique)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := OpenReader(ctx, bytes.NewReader(gz(t, makeTar(t, releaseFiles))), "r.tar.gz", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, _, err = a.Next()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v, want context.Canceled", err)
	}
	describe(t, err)

	// Cancelled while skipping a large entry.
	ctx, cancel = context.WithCancel(context.Background())
	a, err = OpenReader(ctx, bytes.NewReader(gzipZeros(t, "zeros", 32)), "z.tar.gz", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := a.Next()
	if err != nil {
		t.Fatal(err)
	}
	io.CopyN(io.Discard, r, 1<<20)
	cancel()
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) {
		t.Errorf("reading after cancel: %v, want context.Canceled", err)
	}
}

func TestStaleReader(t *testing.T) {
	a, err := openBytes(t, makeTar(t, releaseFiles), "r.tar", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, r, err := a.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	want := errorCase{Path: "r.tar", Entry: "configure", Text: `r.tar: entry "configure": content read after Next moved on`}
	if diff := cmp.Diff(want, describe(t, err)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	// The archive itself is unharmed.
	entries, _, err := readAll(t, a)
	if err != nil || len(entries) != len(releaseEntries)-2 {
		t.Errorf("rest of the archive: %d entries, %v", len(entries), err)
	}
}

// TestXZGuard follows the framing of xz streams the xz command writes, and
// refuses what does not follow it.
func TestXZGuard(t *testing.T) {
	for _, name := range []string{"release.tar.xz", "release-blocks.tar.xz", "release-streams.tar.xz"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		g := newXZGuard(bytes.NewReader(b), nil, 64<<20)
		// One byte at a time, the way the decoder reads.
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{g}, make([]byte, 1))
		if err != nil || n != int64(len(b)) || g.state != xzStreamPadding {
			t.Errorf("%s: %d of %d bytes, state %d, %v", name, n, len(b), g.state, err)
		}
	}
	good := xzc(t, []byte("hello"), 0)
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"trailing garbage", append(bytes.Clone(good), "junk"...)},
		{"bad chunk control", func() []byte { b := bytes.Clone(good); b[24] = 0x10; return b }()},
		{"bad magic", func() []byte { b := bytes.Clone(good); b[1] = 'x'; return b }()},
	} {
		g := newXZGuard(bytes.NewReader(tt.data), nil, 1<<20)
		if _, err := io.Copy(io.Discard, g); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// benchTarGz is a release-sized .tar.gz: 5,000 files, about 20 MB of
// source-like text (5 MB compressed). It returns the tar's size too.
func benchTarGz(b *testing.B) ([]byte, int64) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("if else for return static int char void struct const unsigned size_t NULL ptr len buf err ctx data value index count")
	var files []tf
	files = append(files, tf{name: "bench-1.0/", typ: tar.TypeDir})
	for i := range 5000 {
		var sb strings.Builder
		for sb.Len() < 4000 {
			sb.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(8) == 0 {
				sb.WriteString(";\n")
			} else {
				sb.WriteByte(' ')
			}
		}
		files = append(files, tf{name: fmt.Sprintf("bench-1.0/src/d%02d/file%04d.c", i%50, i), body: sb.String()})
	}
	plain := makeTar(b, files)
	return gz(b, plain), int64(len(plain))
}

func BenchmarkTarGz(b *testing.B) {
	data, size := benchTarGz(b)
	b.SetBytes(size) // throughput of the decompressed tar
	b.ReportAllocs()
	for b.Loop() {
		a, err := OpenReader(context.Background(), bytes.NewReader(data), "bench.tar.gz", Limits{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, r, err := a.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if r != nil {
				h := sha1.New()
				if _, err := io.Copy(h, r); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		a.Close()
		if n != 5000 {
			b.Fatalf("%d files", n)
		}
	}
}

// fuzzLimits keep fuzzing fast: a few MiB per input at most.
var fuzzLimits = Limits{MaxEntries: 1000, MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxNameLen: 1024, MaxWindow: 1 << 20}

// knownProblems are the texts Entry.Problem is made of.
var knownProblems = map[string]bool{
	ProblemAbsolute: true, ProblemDotDot: true, ProblemEmptyName: true, ProblemNotUTF8: true,
	ProblemControl: true, ProblemBackslash: true, ProblemOutside: true, ProblemThroughSymlink: true,
	ProblemParentNotDir: true, ProblemEmptyLink: true, ProblemLinkEscapes: true, ProblemLinkOutside: true,
	ProblemLinkThrough: true, ProblemLinkMissing: true, ProblemLinkToDir: true, ProblemDuplicate: true,
	ProblemSpecial: true, ProblemUnknownType: true, ProblemSparse: true, ProblemEncrypted: true,
	ProblemMethod: true, ProblemSetuid: true,
}

// checkFuzz reads the archive and checks the invariants every input must
// keep: errors are *Error naming the input; names and targets are clean;
// escaping names say so; readers come with regular files only; problems
// are known texts; reading stays within the limits.
func checkFuzz(t *testing.T, a *Archive, err error, name string) {
	isOurs := func(err error) {
		t.Helper()
		var ae *Error
		if !errors.As(err, &ae) || ae.Path != name {
			t.Fatalf("error %v (%T) is not an *Error naming %s", err, err, name)
		}
	}
	if err != nil {
		isOurs(err)
		return
	}
	defer a.Close()
	var total int64
	for {
		e, r, err := a.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			isOurs(err)
			return
		}
		if e.Name == "" || path.Clean(e.Name) != e.Name || strings.HasPrefix(e.Name, "/") || e.Kind < Regular || e.Kind > Other {
			t.Fatalf("bad entry %+v", e)
		}
		if e.Target != "" && path.Clean(e.Target) != e.Target {
			t.Fatalf("target %q not clean", e.Target)
		}
		if (e.Name == ".." || strings.HasPrefix(e.Name, "../")) && !strings.Contains(e.Problem, ProblemDotDot) {
			t.Fatalf("escaping name %q without the problem: %q", e.Name, e.Problem)
		}
		if e.Problem != "" {
			for p := range strings.SplitSeq(e.Problem, "; ") {
				if !knownProblems[p] {
					t.Fatalf("unknown problem %q in %q", p, e.Problem)
				}
			}
		}
		if r != nil && e.Kind != Regular {
			t.Fatalf("reader with a %v entry", e.Kind)
		}
		if r != nil {
			n, err := io.Copy(io.Discard, r)
			total += n
			if n > fuzzLimits.MaxFileSize || total > fuzzLimits.MaxTotalSize {
				t.Fatalf("read %d bytes from one entry, %d in all", n, total)
			}
			if err != nil {
				isOurs(err)
			}
		}
	}
}

func fuzzSeeds(f *testing.F, zipSeeds bool) {
	plain := makeTar(f, releaseFiles)
	if zipSeeds {
		f.Add(releaseZip(f))
		f.Add(makeZip(f, []zf{{name: "p/", mode: fs.ModeDir | 0o755}, {name: "p/l", body: "../x", mode: fs.ModeSymlink | 0o777}, {name: "p/z", body: "zstd", method: zipZstd}, {name: "p/x", body: "xz", method: zipXZ}, {name: "p/s", body: "s", stored: true}}, "c"))
		return
	}
	f.Add(plain)
	f.Add(gz(f, plain))
	f.Add(xzc(f, plain, 0))
	f.Add(zstdc(f, plain))
	for _, name := range []string{"release.tar.bz2", "release-blocks.tar.xz", "release-streams.tar.xz", "release.tar.zst", "sparse.tar"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
}

func FuzzOpenReader(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := OpenReader(context.Background(), bytes.NewReader(data), "fuzz", fuzzLimits)
		checkFuzz(t, a, err, "fuzz")
	})
}

func FuzzZip(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := OpenZip(context.Background(), bytes.NewReader(data), int64(len(data)), "fuzz.zip", fuzzLimits)
		checkFuzz(t, a, err, "fuzz.zip")
	})
}

// TestDeepNames checks that deeply nested names cost memory within the
// limits: the directories they imply are recorded up to MaxEntries.
func TestDeepNames(t *testing.T) {
	var files []tf
	for i := range 10 {
		files = append(files, tf{name: fmt.Sprintf("d%d/", i) + strings.Repeat("x/", 50) + "f", body: "x"})
	}
	files = append(files, tf{name: "d0/x", body: "conflicts with an implied directory"})
	a, err := openBytes(t, makeTar(t, files), "deep.tar", Limits{MaxEntries: 100})
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := readAll(t, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 11 || a.implicit != 100 {
		t.Errorf("%d entries, %d implied directories recorded; want 11 and 100", len(entries), a.implicit)
	}
	if got := entries[10].Problem; got != ProblemDuplicate {
		t.Errorf("d0/x: problem %q, want %q", got, ProblemDuplicate)
	}
}
