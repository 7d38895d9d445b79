package jar

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// manyJars is a WAR of n deflated jars, jar i holding i KiB of class
// bytes, with one whose CRC-32 is wrong and one that is no zip among them.
func manyJars(t testing.TB, n int) []byte {
	var libs []entry
	for i := range n {
		jar := zipOf(t,
			entry{name: "META-INF/MANIFEST.MF", data: fmt.Appendf(nil, "Manifest-Version: 1.0\r\nImplementation-Title: lib%d\r\nImplementation-Version: 1.%d\r\n\r\n", i, i)},
			entry{name: "x/Y.class", data: class(1 + i<<10)},
		)
		if i == 3 {
			jar = []byte("not a jar")
		}
		libs = append(libs, entry{name: fmt.Sprintf("WEB-INF/lib/lib%d-1.%d.jar", i, i), data: jar})
	}
	// A nested archive holding nested archives: its helpers work while
	// the outer ones do.
	libs = append(libs, entry{name: "WEB-INF/lib/fat.jar", data: fatJar(t, entry{name: "BOOT-INF/lib/inner.jar", data: war(t, libs[:4]...)})})
	b := war(t, libs...)
	// lib5's CRC-32 is wrong in the WAR's central directory: inflating it
	// fails at its end.
	for i := bytes.Index(b, []byte("PK\x01\x02")); i >= 0; i = nextDirEntry(b, i) {
		if bytes.Contains(b[i+46:i+46+int(le16(b[i+28:]))], []byte("lib5-")) {
			b[i+16] ^= 0xff
			return b
		}
	}
	t.Fatal("no directory entry for lib5")
	return nil
}

// TestPrefetchSameAsSequential: inflating ahead on helper goroutines
// changes nothing in what is found or reported, whatever limit stops the
// scan midway.
func TestPrefetchSameAsSequential(t *testing.T) {
	app := manyJars(t, 24)
	tests := []struct {
		name string
		lim  func(*limits)
		msg  string
	}{
		{name: "no limit", lim: func(*limits) {},
			msg: "WEB-INF/lib/lib3-1.3.jar: not a zip archive: zip: not a valid zip file (and 2 more problems)"},
		// lib0 to lib12 fit in 100 KiB, lib13 to lib23 and fat.jar do not.
		{name: "read limit", lim: func(l *limits) { l.maxTotal = 100 << 10 },
			msg: "WEB-INF/lib/lib3-1.3.jar: not a zip archive: zip: not a valid zip file (and 13 more problems)"},
		// lib5 fails, so lib8 is the first over 7: 16 jars and fat.jar.
		{name: "archive count", lim: func(l *limits) { l.maxArchives = 7 },
			msg: "WEB-INF/lib/lib3-1.3.jar: not a zip archive: zip: not a valid zip file (and 18 more problems)"},
		// lib20 to lib23 are over 20 KiB.
		{name: "nested size limit", lim: func(l *limits) { l.maxNested = 20 << 10 },
			msg: "WEB-INF/lib/lib3-1.3.jar: not a zip archive: zip: not a valid zip file (and 6 more problems)"},
		// Helpers wait for the scan to take what they hold.
		{name: "small window", lim: func(l *limits) { l.ahead = 8 << 10 },
			msg: "WEB-INF/lib/lib3-1.3.jar: not a zip archive: zip: not a valid zip file (and 2 more problems)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want *graph
			for _, helpers := range []int{0, 1, 2, 4} {
				e := New()
				tt.lim(&e.lim)
				e.lim.helpers = helpers
				g, err := extractBytes(t, e, "app.war", app)
				var xe *extract.Error
				if !errors.As(err, &xe) || xe.Path != "app.war" || xe.Err.Error() != tt.msg {
					t.Errorf("helpers %d: error %v, want app.war: %s", helpers, err, tt.msg)
				}
				got := graphOf(g)
				if want == nil {
					want = &got
					continue
				}
				if diff := cmp.Diff(*want, got); diff != "" {
					t.Errorf("helpers %d: graph (-sequential +prefetched):\n%s", helpers, diff)
				}
			}
		})
	}
}

// graph is a Graph's content, for cmp.
type graph struct {
	Roots      []*inventory.Root
	Components []*inventory.Component
	Edges      []inventory.Edge
}

func graphOf(g *inventory.Graph) graph {
	return graph{g.Roots(), g.Components(), g.Edges()}
}

// cancelling is the outer file, cancelling the scan at its n-th read.
type cancelling struct {
	r      *bytes.Reader
	n      atomic.Int32
	at     int32
	cancel func()
}

func (c *cancelling) ReadAt(p []byte, off int64) (int, error) {
	if c.n.Add(1) == c.at {
		c.cancel()
	}
	return c.r.ReadAt(p, off)
}

func (c *cancelling) Size() int64 { return c.r.Size() }

// TestPrefetchCancelled: a scan cancelled while helpers work returns the
// cancellation and leaves no goroutine behind.
func TestPrefetchCancelled(t *testing.T) {
	app := manyJars(t, 24)
	before := runtime.NumGoroutine()
	for _, at := range []int32{10, 40, 80} {
		ctx, cancel := context.WithCancel(context.Background())
		ra := &cancelling{r: bytes.NewReader(app), at: at, cancel: cancel}
		g, err := New().Extract(ctx, &extract.Input{Path: "app.war", ReaderAt: ra})
		cancel()
		var xe *extract.Error
		if g != nil || !errors.As(err, &xe) || xe.Path != "app.war" || !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at read %d: %v, %v; want no graph and app.war: context canceled", at, g, err)
		}
	}
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 100 {
			t.Fatalf("%d goroutines left running", runtime.NumGoroutine()-before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReadEntry: the SHA-1 computed while inflating, chunk by chunk, is
// the SHA-1 of the bytes, and a stream shorter or longer than the size
// the directory records is an error.
func TestReadEntry(t *testing.T) {
	big := class(3*hashChunk + 17)
	tests := []struct {
		name string
		data []byte
		size int64 // as recorded; -1: the real size
		msg  string
	}{
		{name: "several chunks", data: big, size: -1},
		{name: "one chunk exactly", data: big[:hashChunk], size: -1},
		{name: "empty", data: nil, size: -1},
		{name: "ends at a chunk boundary", data: big[:hashChunk], size: 2 * hashChunk, msg: "decompress: unexpected EOF"},
		{name: "ends inside a chunk", data: big[:100], size: 200, msg: "decompress: unexpected EOF"},
		{name: "longer than recorded", data: big[:200], size: 100, msg: "decompress: zip: not a valid zip file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw bytes.Buffer
			fw, err := flate.NewWriter(&raw, flate.DefaultCompression)
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(tt.data)
			fw.Close()
			size := tt.size
			if size < 0 {
				size = int64(len(tt.data))
			}
			z := rawZip(t, &zip.FileHeader{Name: "a.jar", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(tt.data),
				CompressedSize64: uint64(raw.Len()), UncompressedSize64: uint64(size)}, raw.Bytes())
			zr, err := (&scan{lim: New().lim}).openZip(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				t.Fatal(err)
			}
			data, sum, err := readEntry(zr.File[0], size)
			if tt.msg != "" {
				if err == nil || err.Error() != tt.msg {
					t.Fatalf("readEntry: %v, want %s", err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("readEntry: %v", err)
			}
			if !bytes.Equal(data, tt.data) && len(data)+len(tt.data) > 0 {
				t.Errorf("readEntry: %d bytes differ from the %d written", len(data), len(tt.data))
			}
			if diff := cmp.Diff(sha1Of(tt.data)[0].Value, sum); diff != "" {
				t.Errorf("SHA-1 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlateReaderClosed: a pooled inflater is not read through a reader
// already closed, which would read another entry's stream.
func TestFlateReaderClosed(t *testing.T) {
	var raw bytes.Buffer
	fw, _ := flate.NewWriter(&raw, flate.DefaultCompression)
	fw.Write([]byte("hello"))
	fw.Close()
	r := newFlateReader(bytes.NewReader(raw.Bytes()))
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v", got, err)
	}
	r.Close()
	r.Close()
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != errFlateClosed {
		t.Errorf("Read after Close: %d, %v; want 0, %v", n, err, errFlateClosed)
	}
}
