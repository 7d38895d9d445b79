package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/vouchdev/vouch/internal/tarend"
)

// Buffer sizes: large enough that a decompressor is called for a useful
// amount of work, small enough not to matter per archive.
const (
	srcBufSize = 64 << 10
	outBufSize = 64 << 10
)

// tarState is the reading side of a tar stream.
type tarState struct {
	src    *countingReader // compressed bytes read from the caller's reader
	decomp io.Closer       // the decompressor, when it holds resources
	tail   *tarend.Reader
	tr     *tar.Reader
	buf    []byte // drainTar's buffer
}

func (t *tarState) close() error {
	if t.decomp != nil {
		return t.decomp.Close()
	}
	return nil
}

// countingReader counts the bytes read from the archive file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// meter counts the decompressed stream against the limits and checks for
// cancellation, so that even skipping a huge entry stops in time.
type meter struct {
	a *Archive
	r io.Reader
}

func (m *meter) Read(p []byte) (int, error) {
	a := m.a
	if err := a.ctx.Err(); err != nil {
		a.cause = err
		return 0, err
	}
	n, err := m.r.Read(p)
	a.raw += int64(n)
	if lerr := a.checkTotal(a.raw); lerr != nil {
		a.cause = lerr
		return n, lerr
	}
	return n, err
}

// OpenReader reads a tar archive, plain or compressed with gzip, bzip2, xz or
// zstd, from a stream; name is what errors call it. The compression is told
// by the first bytes. A zip needs random access: use OpenZip.
func OpenReader(ctx context.Context, r io.Reader, name string, lim Limits) (*Archive, error) {
	a := newArchive(ctx, name, lim)
	t := &tarState{src: &countingReader{r: r}}
	a.tar = t
	br := bufio.NewReaderSize(t.src, srcBufSize)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, a.fail(fmt.Errorf("read: %w", err))
	}
	if len(head) == 0 {
		return nil, a.fail(formatError("empty file"))
	}
	var (
		compression string
		stream      io.Reader
	)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		compression = "gzip"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, a.fail(fmt.Errorf("reading the gzip header: %w", noEOF(err)))
		}
		zr.Multistream(false)
		stream = &gzipMembers{br: br, zr: zr}
	case len(head) >= 4 && string(head[:3]) == "BZh" && '1' <= head[3] && head[3] <= '9':
		compression = "bzip2"
		stream = bzip2.NewReader(br)
	case bytes.HasPrefix(head, xzMagic):
		compression = "xz"
		xr, err := newXZReader(a, br)
		if err != nil {
			return nil, a.fail(err)
		}
		stream = xr
	case isZstd(head):
		compression = "zstd"
		zr, err := newZstdReader(a, br)
		if err != nil {
			return nil, a.fail(err)
		}
		t.decomp = zstdCloser{zr}
		stream = zr
	case isZip(head):
		return nil, a.fail(formatError("zip archives need random access (OpenZip)"))
	case isTarHeader(head):
		stream = br
	default:
		return nil, a.fail(formatError(unknownFormat(head)))
	}
	out := bufio.NewReaderSize(&meter{a: a, r: stream}, outBufSize)
	a.format = "tar"
	if compression != "" {
		a.format = "tar+" + compression
		inner, err := out.Peek(512)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, a.fail(a.streamError(err))
		}
		if !isTarHeader(inner) {
			if len(inner) == 0 {
				return nil, a.fail(formatError(compression + " data is empty, not a tar archive"))
			}
			return nil, a.fail(formatError(fmt.Sprintf("%s data does not hold a tar archive (first bytes % x)", compression, inner[:min(len(inner), 8)])))
		}
	}
	t.tail = tarend.New(out)
	t.tr = tar.NewReader(t.tail)
	if err := a.readFirst(); err != nil {
		t.close()
		return nil, err
	}
	return a, nil
}

// drainTar reads the stream past the end-of-archive marker to its end: the
// decompressor checks its trailer (CRC, sizes) only there, and data hidden
// after the marker, which tar tools never show, is measured for Trailing.
func (a *Archive) drainTar() error {
	t := a.tar
	end := t.tail.Pos
	if t.buf == nil {
		t.buf = make([]byte, 32<<10)
	}
	for {
		_, err := t.tail.Read(t.buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return a.fail(fmt.Errorf("after the end of the archive: %w", a.streamError(err)))
		}
	}
	if t.tail.LastNonZero >= end {
		a.trailing = t.tail.LastNonZero + 1 - end
	}
	return nil
}

// gzipMembers reads the members of a gzip file one after the other, as gzip
// does, and like gzip accepts zero bytes after the last one: some tools pad
// files to a block size. Anything else there is an error.
type gzipMembers struct {
	br     *bufio.Reader
	zr     *gzip.Reader
	padded bool // zero bytes seen after a member
	eof    bool
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		if g.eof {
			return 0, io.EOF
		}
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if err := g.nextMember(); err != nil {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// nextMember starts the member after the one that ended, if any.
func (g *gzipMembers) nextMember() error {
	for {
		b, err := g.br.Peek(1)
		if err == io.EOF {
			g.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case b[0] == 0:
			g.padded = true
			buf, _ := g.br.Peek(g.br.Buffered())
			k := 0
			for k < len(buf) && buf[k] == 0 {
				k++
			}
			g.br.Discard(k)
		case b[0] == 0x1f && !g.padded:
			if err := g.zr.Reset(g.br); err != nil {
				return fmt.Errorf("reading the gzip header: %w", noEOF(err))
			}
			g.zr.Multistream(false)
			return nil
		default:
			return errors.New("gzip: data after the end of the compressed stream")
		}
	}
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF: a stream that ends where a
// header or block is due is truncated.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// streamError describes a failure of the decompressed stream.
func (a *Archive) streamError(err error) error {
	err = noEOF(err)
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		return fmt.Errorf("%w: zstd window larger than %d bytes", ErrLimit, a.lim.MaxWindow)
	}
	return err
}

// nextTar reads the next tar header.
func (a *Archive) nextTar() (*Entry, io.Reader, bool, error) {
	t := a.tar
	h, err := t.tr.Next()
	if errors.Is(err, tar.ErrInsecurePath) && h != nil {
		// Only with GODEBUG=tarinsecurepath=0; the name is checked below.
		err = nil
	}
	if err == io.EOF {
		if a.cause != nil {
			return nil, nil, false, a.fail(nil)
		}
		if !t.tail.Ended() {
			return nil, nil, false, a.fail(fmt.Errorf("no end-of-archive marker (truncated?): %w", io.ErrUnexpectedEOF))
		}
		if err := a.drainTar(); err != nil {
			return nil, nil, false, err
		}
		return nil, nil, false, io.EOF
	}
	if err != nil {
		return nil, nil, false, a.fail(fmt.Errorf("reading next header: %w", a.streamError(err)))
	}
	if err := a.countEntry(); err != nil {
		return nil, nil, false, err
	}
	in := entryInfo{raw: h.Name, mode: h.FileInfo().Mode()}
	switch h.Typeflag {
	case tar.TypeXGlobalHeader:
		if c, ok := h.PAXRecords["comment"]; ok {
			a.setComment(c)
		}
		return nil, nil, true, nil
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		in.kind = Regular
		in.size = h.Size
		if h.Typeflag == tar.TypeGNUSparse || isPAXSparse(h.PAXRecords) {
			in.extra = append(in.extra, ProblemSparse)
		}
	case tar.TypeDir:
		in.kind = Dir
	case tar.TypeSymlink:
		in.kind = Symlink
		in.link = h.Linkname
	case tar.TypeLink:
		in.kind = Hardlink
		in.link = h.Linkname
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		in.kind = Other
		in.size = h.Size
	default:
		// GNU dumpdir, volume labels, multi-volume continuations and
		// unknown types: none belongs in a release, and any data they
		// carry is skipped by tar.Reader.
		in.kind = Other
		in.size = h.Size
		in.extra = append(in.extra, ProblemUnknownType)
	}
	e, drop, err := a.newEntry(in)
	if err != nil || drop {
		return nil, nil, drop, err
	}
	if e.Kind != Regular {
		return e, nil, false, nil
	}
	if e.Size > a.lim.MaxFileSize {
		a.last = e.Name
		return nil, nil, false, a.fail(fmt.Errorf("%w: size %d, more than %d", ErrLimit, e.Size, a.lim.MaxFileSize))
	}
	return e, &contentReader{a: a, r: t.tr, name: e.Name}, false, nil
}

// isPAXSparse reports the GNU sparse records of the pax formats (0.x, 1.0).
func isPAXSparse(recs map[string]string) bool {
	for k := range recs {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// isTarHeader reports whether b starts with a tar header block: a valid
// checksum (old and new formats alike), or the zero block of an empty archive.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	b = b[:512]
	zero := true
	for _, c := range b {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return true
	}
	field := strings.Trim(string(b[148:156]), " \x00")
	want, err := strconv.ParseUint(field, 8, 32)
	if err != nil {
		return false
	}
	var unsigned uint64
	var signed int64
	for i, c := range b {
		if 148 <= i && i < 156 {
			c = ' '
		}
		unsigned += uint64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || int64(want) == signed
}

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

func isZstd(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	if b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd {
		return true
	}
	// A skippable frame (0x184D2A50..5F) may lead a zstd file.
	return b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18
}

func isZip(b []byte) bool {
	return len(b) >= 4 && b[0] == 'P' && b[1] == 'K' &&
		(b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6 || b[2] == 7 && b[3] == 8)
}

// unsupported names formats recognisable by their first bytes that this
// package does not read.
var unsupported = []struct {
	magic string
	msg   string
}{
	{"LZIP", "lzip compression is not supported"},
	{"\x5d\x00\x00", "lzma compression is not supported"},
	{"\x1f\x9d", "compress (.Z) compression is not supported"},
	{"\x04\x22\x4d\x18", "lz4 compression is not supported"},
	{"\x89LZO\x00", "lzop compression is not supported"},
	{"7z\xbc\xaf\x27\x1c", "7-zip archives are not supported"},
	{"Rar!\x1a\x07", "rar archives are not supported"},
	{"!<arch>\n", "ar archives (.deb) are not supported"},
	{"\xed\xab\xee\xdb", "rpm packages are not supported"},
	{"070701", "cpio archives are not supported"},
	{"070702", "cpio archives are not supported"},
	{"070707", "cpio archives are not supported"},
	{"\xc7\x71", "cpio archives are not supported"},
	{"\x7fELF", "not an archive (ELF executable)"},
}

func unknownFormat(head []byte) string {
	for _, u := range unsupported {
		if bytes.HasPrefix(head, []byte(u.magic)) {
			return u.msg
		}
	}
	return fmt.Sprintf("not an archive (first bytes % x)", head[:min(len(head), 8)])
}

// newXZReader reads xz through a guard that refuses dictionaries above
// MaxWindow before the decoder allocates them.
func newXZReader(a *Archive, r io.Reader) (io.Reader, error) {
	g := newXZGuard(r, a, a.lim.MaxWindow)
	xr, err := xz.NewReader(g)
	if err != nil {
		if a.cause != nil {
			return nil, a.cause
		}
		return nil, fmt.Errorf("xz: %w", noEOF(err))
	}
	return xr, nil
}

// newZstdReader decodes zstd synchronously (no goroutines to leak) with the
// window capped at MaxWindow.
func newZstdReader(a *Archive, r io.Reader) (*zstd.Decoder, error) {
	w := uint64(max(a.lim.MaxWindow, zstd.MinWindowSize))
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(w),
		zstd.WithDecoderMaxMemory(w))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return d, nil
}

// zstdCloser adapts zstd.Decoder.Close, which returns nothing.
type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error {
	z.d.Close()
	return nil
}
