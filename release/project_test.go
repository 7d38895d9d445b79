package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// This file builds the realistic cases the tests compare: a small
// autotools project in a real git repository (testdata/project, with
// "dot-" standing for "." so the fixtures do not act on this repository's
// own git), and release tarballs made from it with the usual generated
// files (testdata/generated: excerpts of real autoconf 2.71, automake
// 1.16 and libtool 2.4.7 output) plus, per variant, the xz-utils
// techniques (testdata/malicious).

// tree is a set of files by slash path.
type tree map[string][]byte

func (t tree) clone() tree {
	c := tree{}
	for k, v := range t {
		c[k] = v
	}
	return c
}

// readTree loads a testdata directory, mapping "dot-" name prefixes to ".".
func readTree(t *testing.T, dir string) tree {
	t.Helper()
	out := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		for i, s := range parts {
			if strings.HasPrefix(s, "dot-") {
				parts[i] = "." + strings.TrimPrefix(s, "dot-")
			}
		}
		data, err := os.ReadFile(p)
		out[strings.Join(parts, "/")] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// gitRepo commits files into a new repository and tags the commit.
func gitRepo(t *testing.T, files tree, tag string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the release comparison reads git repositories through it")
	}
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, fileMode(p)); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=Lasse Tester", "GIT_AUTHOR_EMAIL=lasse@example.org",
			"GIT_COMMITTER_NAME=Lasse Tester", "GIT_COMMITTER_EMAIL=lasse@example.org",
			"GIT_AUTHOR_DATE=2024-02-24T12:00:00Z", "GIT_COMMITTER_DATE=2024-02-24T12:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "tinyz 1.2.0")
	git("tag", tag)
	return dir
}

func fileMode(p string) os.FileMode {
	base := path.Base(p)
	if strings.HasSuffix(base, ".sh") || base == "configure" || strings.HasPrefix(p, "build-aux/") {
		return 0o755
	}
	return 0o644
}

// tarball writes files under prefix/ as a .tar.gz (or .tar.zst, .zip by
// the name's extension) into a temp dir and returns its path.
func tarball(t *testing.T, name, prefix string, files tree) string {
	t.Helper()
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	out := filepath.Join(t.TempDir(), name)
	var buf bytes.Buffer
	mtime := time.Date(2024, 2, 24, 12, 0, 0, 0, time.UTC)
	if strings.HasSuffix(name, ".zip") {
		zw := zip.NewWriter(&buf)
		for _, p := range names {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + "/" + p, Method: zip.Deflate, Modified: mtime})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(files[p])
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	} else {
		var tarBuf bytes.Buffer
		tw := tar.NewWriter(&tarBuf)
		dirs := map[string]bool{}
		for _, p := range names {
			for d := path.Dir(prefix + "/" + p); d != "." && !dirs[d]; d = path.Dir(d) {
				dirs[d] = true
			}
		}
		var dirList []string
		for d := range dirs {
			dirList = append(dirList, d)
		}
		sort.Strings(dirList)
		for _, d := range dirList {
			tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime})
		}
		for _, p := range names {
			tw.WriteHeader(&tar.Header{Name: prefix + "/" + p, Typeflag: tar.TypeReg, Mode: int64(fileMode(p)),
				Size: int64(len(files[p])), ModTime: mtime, Uname: "lasse", Gname: "lasse"})
			tw.Write(files[p])
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, ".zst"):
			zw, _ := zstd.NewWriter(&buf)
			zw.Write(tarBuf.Bytes())
			zw.Close()
		case strings.HasSuffix(name, ".xz"):
			xw, err := xz.NewWriter(&buf)
			if err != nil {
				t.Fatal(err)
			}
			xw.Write(tarBuf.Bytes())
			xw.Close()
		case strings.HasSuffix(name, ".tar"):
			buf = tarBuf
		default:
			gw := gzip.NewWriter(&buf)
			gw.Write(tarBuf.Bytes())
			gw.Close()
		}
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// release is what `make dist` would put in the tarball: git's files
// without the housekeeping ones, plus the generated files.
func release(git, generated tree) tree {
	out := tree{}
	for p, data := range git {
		if strings.HasPrefix(p, ".github/") || path.Base(p) == ".gitignore" {
			continue
		}
		out[p] = data
	}
	for p, data := range generated {
		out[p] = data
	}
	return out
}

// xzStored is an .xz stream holding data in one uncompressed LZMA2 chunk,
// the way xz itself stores input that does not compress: the bytes stay
// readable inside the file, which is how the backdoor's marker lines were
// visible to grep.
func xzStored(data []byte) []byte {
	le32 := func(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
	var s []byte
	s = append(s, 0xFD, '7', 'z', 'X', 'Z', 0x00)
	flags := []byte{0x00, 0x01} // CRC32 check
	s = append(s, flags...)
	s = le32(s, crc32.ChecksumIEEE(flags))
	// Block header: size, flags (one filter), LZMA2 filter with a 4 KiB
	// dictionary, padding, CRC32.
	bh := []byte{0x02, 0x00, 0x21, 0x01, 0x00, 0x00, 0x00, 0x00}
	bh = le32(bh, crc32.ChecksumIEEE(bh))
	s = append(s, bh...)
	// LZMA2: one uncompressed chunk with a dictionary reset, then the end.
	comp := []byte{0x01, byte((len(data) - 1) >> 8), byte(len(data) - 1)}
	comp = append(comp, data...)
	comp = append(comp, 0x00)
	unpadded := len(bh) + len(comp) + 4
	s = append(s, comp...)
	for len(comp)%4 != 0 {
		comp = append(comp, 0)
		s = append(s, 0)
	}
	s = le32(s, crc32.ChecksumIEEE(data))
	idx := []byte{0x00, 0x01}
	idx = binary.AppendUvarint(idx, uint64(unpadded))
	idx = binary.AppendUvarint(idx, uint64(len(data)))
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = le32(idx, crc32.ChecksumIEEE(idx))
	s = append(s, idx...)
	footer := le32(nil, uint32(len(idx)/4-1))
	footer = append(footer, flags...)
	s = le32(s, crc32.ChecksumIEEE(footer))
	s = append(s, footer...)
	s = append(s, 'Y', 'Z')
	return s
}

// xzCompress compresses data into an .xz stream.
func xzCompress(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// swapBytes exchanges the pairs of bytes in place: tr "\t \-_" " \t_\-".
func swapBytes(data []byte, pairs ...[2]byte) []byte {
	out := bytes.Clone(data)
	for i, b := range out {
		for _, p := range pairs {
			if b == p[0] {
				out[i] = p[1]
			} else if b == p[1] {
				out[i] = p[0]
			}
		}
	}
	return out
}

var xzSwaps = [][2]byte{{'\t', ' '}, {'-', '_'}}

// corruptFixture builds the "bad-3-corrupt_lzma2.xz" technique: a valid
// stream holding a marker line, a stream whose bytes had tabs/spaces and
// dashes/underscores swapped (so it no longer decodes), and a closing
// marker stream. Undoing the swap makes the whole file decode to the
// hidden script between the markers.
func corruptFixture(t *testing.T, script []byte) []byte {
	t.Helper()
	lines := bytes.SplitAfter(script, []byte("\n"))
	head, body, tail := lines[0], bytes.Join(lines[1:len(lines)-2], nil), lines[len(lines)-2]
	open, closing := xzStored(head), xzStored(tail)
	for _, s := range [][]byte{open, closing} {
		if bytes.ContainsAny(s, "\t -_") {
			t.Fatalf("the stored marker stream holds a byte the swap would change: % x", s)
		}
	}
	// Pad the script until its compressed form holds swapped bytes.
	for pad := 0; pad < 64; pad++ {
		mid := xzCompress(t, append(bytes.Clone(body), bytes.Repeat([]byte{'#'}, pad)...))
		if bytes.ContainsAny(mid, "\t -_") {
			return append(append(open, swapBytes(mid, xzSwaps...)...), closing...)
		}
	}
	t.Fatal("no padding made the compressed script hold a swapped byte")
	return nil
}

// octalRangeMap is the byte map of tr "\114-\321\322-\377\35-\47\14-\34\0-\13\50-\113" "\0-\377":
// set1[i] → i. Built by hand here, independently of the code under test.
func octalRangeMap() (decode, encode [256]byte) {
	ranges := [][2]int{{0o114, 0o321}, {0o322, 0o377}, {0o35, 0o47}, {0o14, 0o34}, {0o0, 0o13}, {0o50, 0o113}}
	i := 0
	for _, r := range ranges {
		for b := r[0]; b <= r[1]; b++ {
			decode[b] = byte(i)
			encode[i] = byte(b)
			i++
		}
	}
	return decode, encode
}

// carvedFixture builds the "good-large_compressed.lzma" technique: a
// valid .lzma file whose content is random junk with, at an offset, a raw
// LZMA stream of the second stage, mapped through the octal-range tr map.
func carvedFixture(t *testing.T, stage2 []byte) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(3094, 2024))
	junk := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var raw bytes.Buffer
	lw, err := lzma.NewWriter(&raw)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(stage2)
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	_, encode := octalRangeMap()
	payload := bytes.Clone(raw.Bytes()[13:]) // raw: without the .lzma header
	for i, b := range payload {
		payload[i] = encode[b]
	}
	var content []byte
	content = append(content, junk(31232)...)
	content = append(content, payload...)
	content = append(content, junk(16384)...)
	var out bytes.Buffer
	w, err := lzma.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
