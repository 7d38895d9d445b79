package archive

import (
	"archive/zip"
	"bufio"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// Zip compression methods read besides store and deflate (deflate through
// klauspost/compress/flate, about 1.3 times as fast as compress/flate).
const (
	zipBzip2 = 12
	zipZstd  = 93
	zipXZ    = 95
)

// zipState is the reading side of a zip file.
type zipState struct {
	at      *countingReaderAt
	files   []*zip.File
	offsets []int64 // data offset of each file
	i       int     // next file
	offset  int64   // data offset of the current file
	rc      io.ReadCloser
}

func (z *zipState) closeEntry() {
	if z.rc != nil {
		z.rc.Close()
		z.rc = nil
	}
}

// countingReaderAt counts the bytes read from the zip file: the ratio limit
// compares what was decompressed with what was actually read, not with the
// sizes the headers claim.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// OpenZip reads a zip file of size bytes; name is what errors call it. The
// central directory is read into memory, after its entry count is checked
// against MaxEntries. Entries whose data overlap, the trick of the
// non-recursive zip bombs, are refused before any is read. Entries come in
// central directory order.
func OpenZip(ctx context.Context, r io.ReaderAt, size int64, name string, lim Limits) (*Archive, error) {
	a := newArchive(ctx, name, lim)
	z := &zipState{at: &countingReaderAt{r: r}}
	a.zip = z
	a.format = "zip"
	if size <= 0 {
		return nil, a.fail(formatError("empty file"))
	}
	n, ok, err := countZipEntries(ctx, z.at, size, a.lim.MaxEntries)
	if err != nil {
		return nil, a.fail(err)
	}
	if ok && n > a.lim.MaxEntries {
		return nil, a.fail(fmt.Errorf("%w: more than %d entries", ErrLimit, a.lim.MaxEntries))
	}
	zr, err := zip.NewReader(z.at, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, a.fail(fmt.Errorf("reading the zip directory: %w", noEOF(err)))
	}
	if len(zr.File) > a.lim.MaxEntries {
		return nil, a.fail(fmt.Errorf("%w: more than %d entries", ErrLimit, a.lim.MaxEntries))
	}
	a.setComment(zr.Comment)
	zr.RegisterDecompressor(zip.Deflate, flate.NewReader)
	zr.RegisterDecompressor(zipBzip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	zr.RegisterDecompressor(zipZstd, func(r io.Reader) io.ReadCloser {
		d, err := newZstdReader(a, r)
		if err != nil {
			return errReader{err}
		}
		return zstdReadCloser{d}
	})
	zr.RegisterDecompressor(zipXZ, func(r io.Reader) io.ReadCloser {
		xr, err := newXZReader(a, r)
		if err != nil {
			return errReader{err}
		}
		return io.NopCloser(xr)
	})
	z.files = zr.File
	if err := a.checkZipData(size); err != nil {
		return nil, err
	}
	if err := a.readFirst(); err != nil {
		z.closeEntry()
		return nil, err
	}
	return a, nil
}

// checkZipData finds each entry's data and refuses data past the end of the
// file or shared by two entries.
func (a *Archive) checkZipData(size int64) error {
	z := a.zip
	type span struct {
		start, end int64
		i          int
	}
	spans := make([]span, len(z.files))
	z.offsets = make([]int64, len(z.files))
	for i, f := range z.files {
		if i%1024 == 0 {
			if err := a.ctx.Err(); err != nil {
				return a.fail(err)
			}
		}
		off, err := f.DataOffset()
		if err != nil {
			a.last = truncName(f.Name)
			return a.fail(fmt.Errorf("reading the local header: %w", noEOF(err)))
		}
		if f.CompressedSize64 > uint64(size) || off < 0 || off+int64(f.CompressedSize64) > size {
			a.last, z.offset = truncName(f.Name), off
			return a.fail(errors.New("data extends past the end of the file"))
		}
		z.offsets[i] = off
		spans[i] = span{off, off + int64(f.CompressedSize64), i}
	}
	slices.SortFunc(spans, func(x, y span) int {
		switch {
		case x.start < y.start:
			return -1
		case x.start > y.start:
			return 1
		}
		return 0
	})
	for k := 1; k < len(spans); k++ {
		p, c := spans[k-1], spans[k]
		if c.start < p.end || c.start == p.start {
			a.last, z.offset = truncName(z.files[c.i].Name), c.start
			return a.fail(fmt.Errorf("data overlaps entry %q (a zip bomb technique)", z.files[p.i].Name))
		}
	}
	return nil
}

// nextZip reads the next central directory entry.
func (a *Archive) nextZip() (*Entry, io.Reader, bool, error) {
	z := a.zip
	z.closeEntry()
	if z.i >= len(z.files) {
		return nil, nil, false, io.EOF
	}
	f := z.files[z.i]
	z.offset = z.offsets[z.i]
	z.i++
	if err := a.countEntry(); err != nil {
		return nil, nil, false, err
	}
	mode := f.Mode()
	in := entryInfo{raw: f.Name, mode: mode, zip: true}
	if f.UncompressedSize64 > math.MaxInt64 {
		a.last = truncName(f.Name)
		return nil, nil, false, a.fail(fmt.Errorf("%w: size %d, more than %d", ErrLimit, f.UncompressedSize64, a.lim.MaxFileSize))
	}
	encrypted := f.Flags&1 != 0
	switch {
	case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
		in.kind = Dir
		in.size = int64(f.UncompressedSize64) // data stored with a directory is never extracted
	case mode&fs.ModeSymlink != 0:
		in.kind = Symlink
		if encrypted {
			in.extra = append(in.extra, ProblemEncrypted)
			break
		}
		link, err := a.zipLink(f)
		if err != nil {
			return nil, nil, false, err
		}
		in.link = link
	case mode&(fs.ModeDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		in.kind = Other
		in.size = int64(f.UncompressedSize64)
	default:
		in.kind = Regular
		in.size = int64(f.UncompressedSize64)
		if encrypted {
			in.extra = append(in.extra, ProblemEncrypted)
		}
	}
	var rc io.ReadCloser
	if in.kind == Regular && !encrypted {
		var err error
		rc, err = f.Open()
		if errors.Is(err, zip.ErrAlgorithm) {
			in.extra = append(in.extra, ProblemMethod)
		} else if err != nil {
			a.last = truncName(f.Name)
			return nil, nil, false, a.fail(fmt.Errorf("opening: %w", noEOF(err)))
		}
	}
	e, drop, err := a.newEntry(in)
	if err != nil || drop || rc == nil {
		if rc != nil {
			rc.Close()
		}
		return e, nil, drop, err
	}
	if e.Size > a.lim.MaxFileSize {
		rc.Close()
		a.last = e.Name
		return nil, nil, false, a.fail(fmt.Errorf("%w: size %d, more than %d", ErrLimit, e.Size, a.lim.MaxFileSize))
	}
	z.rc = rc
	return e, &contentReader{a: a, r: rc, name: e.Name}, false, nil
}

// zipLink reads a zip symlink's target, stored as its content.
func (a *Archive) zipLink(f *zip.File) (string, error) {
	a.last = truncName(f.Name)
	rc, err := f.Open()
	if err != nil {
		return "", a.fail(fmt.Errorf("opening: %w", noEOF(err)))
	}
	defer rc.Close()
	c := &contentReader{a: a, r: rc, name: a.last}
	b, err := io.ReadAll(io.LimitReader(c, int64(a.lim.MaxNameLen)+1))
	if err != nil {
		return "", err
	}
	if len(b) > a.lim.MaxNameLen {
		return "", a.fail(fmt.Errorf("%w: link target of more than %d bytes", ErrLimit, a.lim.MaxNameLen))
	}
	return string(b), nil
}

// errReader fails every read, for a decompressor that could not start.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
func (e errReader) Close() error             { return nil }

// zstdReadCloser releases the decoder on Close.
type zstdReadCloser struct{ d *zstd.Decoder }

func (z zstdReadCloser) Read(p []byte) (int, error) { return z.d.Read(p) }
func (z zstdReadCloser) Close() error {
	z.d.Close()
	return nil
}

// Zip record signatures and sizes (APPNOTE 4.3).
const (
	zipDirHeaderSig = 0x02014b50
	zipDirEndSig    = 0x06054b50
	zipDir64LocSig  = 0x07064b50
	zipDir64EndSig  = 0x06064b50
	zipDirHeaderLen = 46
	zipDirEndLen    = 22
	zipDir64LocLen  = 20
	zipDir64EndLen  = 56
)

// countZipEntries counts the central directory headers archive/zip will
// read, in constant memory, stopping past max: archive/zip reads headers
// until one fails to parse, whatever count the directory end declares, and
// keeps them all. It finds the directory as archive/zip does. ok is false
// when it cannot find it, which leaves the error to archive/zip.
func countZipEntries(ctx context.Context, r io.ReaderAt, size int64, max int) (n int, ok bool, err error) {
	var buf []byte
	var endOff int64
	for i, bLen := range []int64{1024, 65 * 1024} {
		bLen = min(bLen, size)
		buf = make([]byte, bLen)
		if _, err := r.ReadAt(buf, size-bLen); err != nil && err != io.EOF {
			return 0, false, fmt.Errorf("read: %w", err)
		}
		if p := findZipDirEnd(buf); p >= 0 {
			buf = buf[p:]
			endOff = size - bLen + int64(p)
			break
		}
		if i == 1 || bLen == size {
			return 0, false, nil
		}
	}
	le := binary.LittleEndian
	records := uint64(le.Uint16(buf[10:]))
	dirSize := uint64(le.Uint32(buf[12:]))
	dirOff := uint64(le.Uint32(buf[16:]))
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		var loc [zipDir64LocLen]byte
		locOff := endOff - zipDir64LocLen
		if locOff >= 0 {
			if _, err := r.ReadAt(loc[:], locOff); err != nil {
				return 0, false, nil
			}
			if le.Uint32(loc[:]) == zipDir64LocSig && le.Uint32(loc[4:]) == 0 && le.Uint32(loc[16:]) == 1 {
				p := le.Uint64(loc[8:])
				var end [zipDir64EndLen]byte
				if p > math.MaxInt64 {
					return 0, false, nil
				}
				if _, err := r.ReadAt(end[:], int64(p)); err != nil || le.Uint32(end[:]) != zipDir64EndSig {
					return 0, false, nil
				}
				endOff = int64(p)
				records = le.Uint64(end[32:])
				dirSize = le.Uint64(end[40:])
				dirOff = le.Uint64(end[48:])
			}
		}
	}
	if records > uint64(max) {
		return max + 1, true, nil
	}
	if dirSize > math.MaxInt64 || dirOff > math.MaxInt64 {
		return 0, false, nil
	}
	base := endOff - int64(dirSize) - int64(dirOff)
	if o := base + int64(dirOff); o < 0 || o >= size {
		return 0, false, nil
	}
	if base > 0 {
		var sig [4]byte
		if _, err := r.ReadAt(sig[:], int64(dirOff)); err == nil && le.Uint32(sig[:]) == zipDirHeaderSig {
			base = 0
		}
	}
	start := base + int64(dirOff)
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 64<<10)
	var h [zipDirHeaderLen]byte
	for n <= max {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, false, err
			}
		}
		if _, err := io.ReadFull(br, h[:]); err != nil || le.Uint32(h[:]) != zipDirHeaderSig {
			break
		}
		n++
		skip := int(le.Uint16(h[28:])) + int(le.Uint16(h[30:])) + int(le.Uint16(h[32:]))
		if _, err := br.Discard(skip); err != nil {
			break
		}
	}
	return n, true, nil
}

// findZipDirEnd finds the last end-of-central-directory record in b whose
// comment fits, as archive/zip does.
func findZipDirEnd(b []byte) int {
	for i := len(b) - zipDirEndLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(b[i:]) == zipDirEndSig {
			n := int(binary.LittleEndian.Uint16(b[i+zipDirEndLen-2:]))
			if n+zipDirEndLen+i > len(b) {
				return -1
			}
			return i
		}
	}
	return -1
}
