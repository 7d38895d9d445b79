package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/vouchdev/vouch/extract"
)

// source is where an image's files (manifest.json, index.json, blobs) are:
// the entries of a tar archive or the files of a layout directory.
type source interface {
	// open returns the named file (a clean slash path) for random access,
	// following links inside the source only.
	open(name string) (*io.SectionReader, error)
	// has reports whether the named regular file exists.
	has(name string) bool
	close() error
}

// errMissing is wrapped by errors for a file the image names but the
// archive or layout does not hold.
var errMissing = errors.New("not in the image")

// maxOuterLinks bounds the links followed to reach one entry of an
// archive: docker save links a repeated layer to its first copy, once.
const maxOuterLinks = 16

// tarEntry is one entry of an image archive.
type tarEntry struct {
	off, size int64
	typ       byte
	link      string
}

// tarSource is an image archive: a tar file whose entries are read in
// place by offset.
type tarSource struct {
	r       io.ReaderAt
	f       *os.File
	entries map[string]tarEntry
}

func (s *tarSource) close() error { return s.f.Close() }

func (s *tarSource) has(name string) bool {
	_, err := s.resolve(name)
	return err == nil
}

func (s *tarSource) resolve(name string) (tarEntry, error) {
	for range maxOuterLinks {
		e, ok := s.entries[name]
		if !ok {
			return tarEntry{}, errMissing
		}
		switch e.typ {
		case tar.TypeReg:
			return e, nil
		case tar.TypeSymlink:
			target := e.link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(name), target)
			}
			name = cleanArchivePath(target)
		case tar.TypeLink:
			name = cleanArchivePath(e.link)
		default:
			return tarEntry{}, errMissing
		}
		if name == "" {
			return tarEntry{}, errMissing
		}
	}
	return tarEntry{}, fmt.Errorf("more than %d links", maxOuterLinks)
}

func (s *tarSource) open(name string) (*io.SectionReader, error) {
	e, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(s.r, e.off, e.size), nil
}

// cleanArchivePath returns an archive entry's name as a clean relative
// path ("./blobs/sha256/x" is "blobs/sha256/x"), or "" for one that leaves
// the archive or names its root.
func cleanArchivePath(name string) string {
	name = path.Clean("/" + name)
	if name == "/" {
		return ""
	}
	return name[1:]
}

// dirSource is an OCI image layout directory. Files are opened through an
// os.Root, so no link in the layout leads out of it, and kept open until
// the archive is closed.
type dirSource struct {
	root  *os.Root
	mu    sync.Mutex
	files map[string]*os.File
}

func (s *dirSource) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
	return s.root.Close()
}

func (s *dirSource) has(name string) bool {
	st, err := s.root.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

func (s *dirSource) open(name string) (*io.SectionReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[name]
	if !ok {
		var err error
		if f, err = openRegular(s.root, name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errMissing
			}
			return nil, unwrapPath(err)
		}
		s.files[name] = f
	}
	st, err := f.Stat()
	if err != nil {
		return nil, unwrapPath(err)
	}
	return io.NewSectionReader(f, 0, st.Size()), nil
}

// errNotRegular is returned for a FIFO, device or socket where a file was
// expected: reading one could block the scan or never end.
var errNotRegular = errors.New("not a regular file")

// openRegular opens name under root without blocking on a FIFO or device
// and fails unless it is a regular file.
func openRegular(root *os.Root, name string) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, errNotRegular
	}
	return f, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// hexName matches the names docker save gives its top-level entries in the
// Docker 24 shape: a config "<hex>.json", a layer directory "<hex>", and
// in podman's "<hex>.tar".
var hexName = regexp.MustCompile(`^[0-9a-f]{64}(\.json|\.tar)?$`)

// imageEntryNames are the other names an image archive starts with.
var imageEntryNames = map[string]bool{
	"blobs": true, "oci-layout": true, "index.json": true, "manifest.json": true, "repositories": true,
}

// looksLikeImage reports whether the first entry of a tar archive is one an
// image archive starts with, so that an arbitrary tarball is turned down
// after one header rather than after listing (or decompressing) it all.
func looksLikeImage(name string) bool {
	first, _, _ := strings.Cut(cleanArchivePath(name), "/")
	return imageEntryNames[first] || hexName.MatchString(first)
}

// firstEntry returns the name of the first entry of the tar stream r other
// than the archive's root directory ("./").
func firstEntry(r io.Reader) (string, bool) {
	tr := tar.NewReader(r)
	for range 4 {
		hdr, err := tr.Next()
		if err != nil {
			return "", false
		}
		if cleanArchivePath(hdr.Name) != "" {
			return hdr.Name, true
		}
	}
	return "", false
}

// openTar lists the entries of the image archive f (uncompressed, or
// compressed with gzip or zstd, in which case it is decompressed into a
// temporary file first). It returns ErrNotImage for a file that is not a
// tar archive or whose first entry no image archive starts with.
func (a *Archive) openTar(ctx context.Context, f *os.File, size int64) (*tarSource, error) {
	head := make([]byte, 512)
	n, _ := io.ReadFull(io.NewSectionReader(f, 0, size), head)
	head = head[:n]
	var r io.ReaderAt = f
	switch {
	case isGzip(head) || isZstd(head):
		// Sniff the first tar header through the decompressor before
		// paying for the whole file.
		dec, closeDec, err := decompressor(bufio.NewReader(io.NewSectionReader(f, 0, size)), head, a.lim)
		if err != nil {
			return nil, ErrNotImage
		}
		name, ok := firstEntry(dec)
		closeDec()
		if !ok || !looksLikeImage(name) {
			return nil, ErrNotImage
		}
		tmp, tsize, err := a.decompressArchive(ctx, f, size, head)
		if err != nil {
			return nil, err
		}
		r, size = tmp, tsize
	default:
		name, ok := firstEntry(bytes.NewReader(head))
		if !ok {
			// A long name or pax header may need more than one block.
			name, ok = firstEntry(io.NewSectionReader(f, 0, size))
		}
		if !ok || !looksLikeImage(name) {
			return nil, ErrNotImage
		}
	}
	entries, err := listTar(ctx, io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, a.errorf("", "%w", err)
	}
	return &tarSource{r: r, f: f, entries: entries}, nil
}

// decompressArchive writes the decompressed image archive into a temporary
// file, within the limit on uncompressed bytes.
func (a *Archive) decompressArchive(ctx context.Context, f *os.File, size int64, head []byte) (*os.File, int64, error) {
	raw := &countingReader{r: io.NewSectionReader(f, 0, size)}
	dec, closeDec, err := decompressor(bufio.NewReaderSize(raw, 64<<10), head, a.lim)
	if err != nil {
		return nil, 0, a.errorf("", "%w", err)
	}
	defer closeDec()
	tmp, err := a.tempFile()
	if err != nil {
		return nil, 0, err
	}
	// The archive has its own budget: its layers count again when read.
	m := &meter{ctx: ctx, r: dec, raw: raw, budget: &budget{}, lim: a.lim}
	sw := &sparseWriter{f: tmp}
	n, err := io.CopyBuffer(sw, m, make([]byte, 256<<10))
	if err == nil {
		err = sw.close()
	}
	if err != nil {
		return nil, 0, a.errorf("", "decompressing: %w", noEOF(err))
	}
	return tmp, n, nil
}

// listTar reads the headers of an image archive, skipping over the data,
// and returns its entries by clean name.
func listTar(ctx context.Context, r *io.SectionReader) (map[string]tarEntry, error) {
	tr := tar.NewReader(r)
	entries := map[string]tarEntry{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %w", noEOF(err))
		}
		if len(entries) >= maxArchiveEntries {
			return nil, fmt.Errorf("%w: more than %d entries in the archive", extract.ErrTooLarge, maxArchiveEntries)
		}
		name := cleanArchivePath(hdr.Name)
		if name == "" || len(name) > maxArchivePath {
			continue
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeSymlink, tar.TypeLink, tar.TypeDir:
		default:
			continue
		}
		if isSparse(hdr) {
			continue
		}
		entries[name] = tarEntry{off: off, size: hdr.Size, typ: hdr.Typeflag, link: hdr.Linkname}
	}
}

// maxArchivePath bounds the names of an image archive's entries, which
// are short: "blobs/sha256/<hex>", "<hex>/layer.tar".
const maxArchivePath = 4096

// maxArchiveEntries bounds the entries of an image archive: a docker save
// of many images has a few per layer.
const maxArchiveEntries = 1 << 20

func isGzip(head []byte) bool { return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b }

func isZstd(head []byte) bool {
	return len(head) >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd
}

// decompressor returns a reader decompressing r, whose first bytes are
// head, and a function releasing it; r is returned as is when head shows
// no compression.
func decompressor(r io.Reader, head []byte, lim Limits) (io.Reader, func(), error) {
	switch {
	case isGzip(head):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", noEOF(err))
		}
		return zr, func() { zr.Close() }, nil
	case isZstd(head):
		w := uint64(max(lim.MaxZstdWindow, zstd.MinWindowSize))
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(w), zstd.WithDecoderMaxMemory(w))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

// noEOF turns an EOF in the middle of a stream into ErrUnexpectedEOF, which
// says what happened: the data stops short.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// countingReader counts the bytes read through it; the count may be read
// from another goroutine (the decompressor runs on one of its own).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
