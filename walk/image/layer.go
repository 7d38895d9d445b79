package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync/atomic"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/internal/tarend"
)

// Kinds of entry in a layer and of node in the merged tree.
const (
	kindFile uint8 = iota + 1
	kindDir
	kindSymlink
	kindHardLink // a layer entry only: a node copies its target
	kindWhiteout // a layer entry only: removes a lower path
	kindOpaque   // a layer entry only: hides a directory's lower content
)

// layerEntry is one entry of a layer as the index records it: the header,
// and where the data lies in the layer's data.
type layerEntry struct {
	name  string // clean path; for kindOpaque the directory ("." for the root)
	kind  uint8
	mode  fs.FileMode
	size  int64
	mtime int64
	off   int64  // offset of a regular file's data in layerIndex.data
	link  string // symlink target as written, or hard link target as a clean path
}

// layerIndex is what one pass over a layer leaves: its entries and a
// random-access reader over its uncompressed bytes (the blob itself inside
// the archive or layout, or a temporary file holding it decompressed).
type layerIndex struct {
	entries     []layerEntry
	data        io.ReaderAt
	diffID      string // digest of the uncompressed tar
	digest      string // digest of the blob as stored
	compression string // "", "gzip" or "zstd"
	size        int64  // uncompressed bytes
	problems    []Problem
	dropped     int // problems past maxProblems
	// released is set once the entries were dropped because no image
	// left to load needs them; the data stays readable.
	released bool
}

// maxProblems bounds the problems kept per layer; the rest are counted.
const maxProblems = 100

// budget is what the layers of one archive may use together.
type budget struct {
	bytes   atomic.Int64 // uncompressed bytes read
	entries atomic.Int64 // layer entries indexed
}

// ratioFloor is the uncompressed size of a layer below which its
// compression ratio is not checked: small layers of zeros or repeated
// text compress well and are harmless.
const ratioFloor = 64 << 20

// meter passes a stream through while counting it against the limits and
// checking for cancellation, so that even skipping a huge entry stops in
// time.
type meter struct {
	ctx    context.Context
	r      io.Reader
	raw    *countingReader // compressed bytes, for the ratio; nil when not compressed
	budget *budget
	lim    Limits
	n      int64
}

func (m *meter) Read(p []byte) (int, error) {
	if err := m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := m.r.Read(p)
	if n > 0 {
		m.n += int64(n)
		if m.budget.bytes.Add(int64(n)) > m.lim.MaxBytes {
			return n, fmt.Errorf("%w: more than %d bytes uncompressed", extract.ErrTooLarge, m.lim.MaxBytes)
		}
		if m.raw != nil && m.n > ratioFloor && m.n/max(m.raw.n.Load(), 1) > m.lim.MaxRatio {
			return n, fmt.Errorf("%w: compression ratio above %d (%d bytes from %d): a decompression bomb?",
				extract.ErrTooLarge, m.lim.MaxRatio, m.n, m.raw.n.Load())
		}
	}
	return n, err
}

// digester hashes with the algorithm of a digest ("sha256:…"); sha256 when
// want is empty.
func digester(want string) (hash.Hash, string, error) {
	alg, _, _ := strings.Cut(want, ":")
	switch alg {
	case "", "sha256":
		return sha256.New(), "sha256", nil
	case "sha512":
		return sha512.New(), "sha512", nil
	}
	return nil, "", fmt.Errorf("unsupported digest algorithm %q", alg)
}

func sum(alg string, h hash.Hash) string { return alg + ":" + hex.EncodeToString(h.Sum(nil)) }

// layerRef is one layer of an image as its manifest names it.
type layerRef struct {
	blob   string // path of the blob in the archive or layout
	digest string // the blob's digest when its name or descriptor gives one
	diffID string // the uncompressed digest the config records
}

// indexLayer reads one layer blob in a single pass: it decompresses it if
// it is gzip or zstd (by content, whatever the media type says) into a
// temporary file, records every entry's header and data offset, and
// verifies the blob's digest and the uncompressed diff ID. A blob that is
// the uncompressed tar is indexed in place instead, its hash running
// beside (readLayerInPlace).
func (a *Archive) indexLayer(ctx context.Context, ref layerRef) (*layerIndex, error) {
	blob, err := a.src.open(ref.blob)
	if err != nil {
		return nil, a.errorf(ref.blob, "layer: %w", err)
	}
	li, err := a.readLayer(ctx, blob, ref)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, a.errorf(ref.blob, "layer: %w", err)
	}
	return li, nil
}

func (a *Archive) readLayer(ctx context.Context, blob *io.SectionReader, ref layerRef) (*layerIndex, error) {
	bh, balg, err := digester(ref.digest)
	if err != nil {
		return nil, err
	}
	dh, dalg, err := digester(ref.diffID)
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	n, _ := blob.ReadAt(magic[:], 0)
	if !isGzip(magic[:n]) && !isZstd(magic[:n]) && dalg == balg && (ref.digest != "" || ref.diffID != "") {
		return a.readLayerInPlace(ctx, blob, ref, balg)
	}
	raw := &countingReader{r: blob}
	br := bufio.NewReaderSize(io.TeeReader(raw, bh), 64<<10)
	head, _ := br.Peek(4)
	li := &layerIndex{data: blob}
	m := &meter{ctx: ctx, r: br, budget: a.budget, lim: a.lim}
	var (
		w     *bufio.Writer
		sw    *sparseWriter
		ahead *aheadReader // the decompressor's goroutine; stopped before br or bh is used
	)
	switch {
	case isGzip(head) || isZstd(head):
		li.compression = "gzip"
		if isZstd(head) {
			li.compression = "zstd"
		}
		dec, closeDec, err := decompressor(br, head, a.lim)
		if err != nil {
			return nil, err
		}
		defer closeDec()
		tmp, err := a.tempFile()
		if err != nil {
			return nil, err
		}
		li.data = tmp
		sw = &sparseWriter{f: tmp}
		w = bufio.NewWriterSize(sw, 256<<10)
		ahead = readAhead(dec)
		defer ahead.stop() // before closeDec
		m.r = io.TeeReader(ahead, io.MultiWriter(w, dh))
		m.raw = raw
	case dalg != balg:
		m.r = io.TeeReader(br, dh)
	default:
		dh = nil // the blob is the uncompressed tar: one hash serves
	}
	tail := tarend.New(m)
	err = a.readEntries(ctx, li, tar.NewReader(tail), tail)
	if err == nil {
		// The rest of the stream is hashed too: the end-of-archive
		// marker, padding, and for a compressed blob its trailer.
		_, err = io.Copy(io.Discard, tail)
	}
	if ahead != nil {
		ahead.stop()
	}
	if err == nil && li.compression != "" {
		_, err = io.Copy(io.Discard, br)
	}
	if err == nil && w != nil {
		if err = w.Flush(); err == nil {
			err = sw.close()
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated: %w", err)
		}
		// A blob that is not what its name says is that first, whatever
		// reading it ran into.
		if ref.digest != "" && !errors.Is(err, extract.ErrTooLarge) {
			if _, derr := io.Copy(io.Discard, br); derr == nil {
				if got := sum(balg, bh); got != ref.digest {
					return nil, fmt.Errorf("%w: content is %s, expected %s (%v)", ErrDigestMismatch, got, ref.digest, err)
				}
			}
		}
		return nil, err
	}
	li.size = m.n
	li.digest = sum(balg, bh)
	li.diffID = li.digest
	if dh != nil {
		li.diffID = sum(dalg, dh)
	}
	truncated := ""
	if !tail.Ended() {
		truncated = "truncated (no end-of-archive marker): "
	}
	if ref.digest != "" && li.digest != ref.digest {
		return nil, fmt.Errorf("%w: %scontent is %s, expected %s", ErrDigestMismatch, truncated, li.digest, ref.digest)
	}
	if ref.diffID != "" && li.diffID != ref.diffID {
		return nil, fmt.Errorf("%w: %suncompressed content is %s, the config says %s", ErrDigestMismatch, truncated, li.diffID, ref.diffID)
	}
	return li, nil
}

// readEntries records the entries of one layer.
func (a *Archive) readEntries(ctx context.Context, li *layerIndex, tr *tar.Reader, tail *tarend.Reader) error {
	for i := 0; ; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return noEOF(err)
		}
		if a.budget.entries.Add(1) > a.lim.MaxEntries {
			return fmt.Errorf("%w: more than %d entries in the layers", extract.ErrTooLarge, a.lim.MaxEntries)
		}
		e, prob := entryOf(hdr, a.lim)
		if prob != nil {
			if len(li.problems) < maxProblems {
				li.problems = append(li.problems, *prob)
			} else {
				li.dropped++
			}
			continue
		}
		if e.kind == 0 {
			continue
		}
		if e.kind == kindFile {
			e.off = tail.Pos
		}
		li.entries = append(li.entries, e)
	}
}

// entryOf turns a tar header into a layer entry. An entry of no kind is
// skipped silently (the root directory, a global header, aufs metadata);
// one the image may not hold is a problem.
func entryOf(hdr *tar.Header, lim Limits) (layerEntry, *Problem) {
	name, why := layerPath(hdr.Name, lim.MaxPathLength)
	if why != "" {
		return layerEntry{}, &Problem{Err: fmt.Errorf("entry %s: %s, skipped", quote(hdr.Name), why)}
	}
	if name == "" || hdr.Typeflag == tar.TypeXGlobalHeader {
		return layerEntry{}, nil
	}
	problem := func(format string, args ...any) (layerEntry, *Problem) {
		return layerEntry{}, &Problem{Path: name, Err: fmt.Errorf(format, args...)}
	}
	dir, base := path.Dir(name), path.Base(name)
	if strings.HasPrefix(base, ".wh.") {
		switch {
		case base == ".wh..wh..opq":
			return layerEntry{name: dir, kind: kindOpaque}, nil
		case strings.HasPrefix(base, ".wh..wh."):
			return layerEntry{}, nil // aufs bookkeeping (.wh..wh.plnk)
		}
		target := base[len(".wh."):]
		if target == "" || target == "." || target == ".." {
			return problem("whiteout of %s skipped", quote(target))
		}
		return layerEntry{name: path.Join(dir, target), kind: kindWhiteout}, nil
	}
	e := layerEntry{
		name:  name,
		mode:  hdr.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky),
		mtime: hdr.ModTime.Unix(),
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
		if isSparse(hdr) {
			return problem("sparse file skipped")
		}
		e.kind, e.size = kindFile, hdr.Size
	case tar.TypeDir:
		e.kind = kindDir
	case tar.TypeSymlink:
		if hdr.Linkname == "" || len(hdr.Linkname) > lim.MaxPathLength {
			return problem("symbolic link target of %d bytes skipped", len(hdr.Linkname))
		}
		e.kind, e.link = kindSymlink, hdr.Linkname
	case tar.TypeLink:
		// Hard links name their target from the layer's root; a leading
		// slash is read as Docker reads it, from the root too.
		target, why := layerPath(strings.TrimLeft(hdr.Linkname, "/"), lim.MaxPathLength)
		if why != "" || target == "" {
			if why == "" {
				why = "names the root"
			}
			return problem("hard link to %s: %s, skipped", quote(hdr.Linkname), why)
		}
		e.kind, e.link = kindHardLink, target
	case tar.TypeChar, tar.TypeBlock:
		return layerEntry{}, &Problem{Path: name, Err: specialFile("device node")}
	case tar.TypeFifo:
		return layerEntry{}, &Problem{Path: name, Err: specialFile("named pipe")}
	case tar.TypeGNUSparse:
		return problem("sparse file skipped")
	default:
		return problem("entry of type %q skipped", hdr.Typeflag)
	}
	return e, nil
}

// ErrSpecialFile is wrapped by the problem of a device node or named pipe
// in a layer: not applied, since nothing in one is read, and harmless
// (images made from a root file system hold them in /dev).
var ErrSpecialFile = errors.New("special file skipped")

// specialFile is the problem of a special file of the kind it names.
type specialFile string

func (s specialFile) Error() string      { return string(s) + " skipped" }
func (specialFile) Is(target error) bool { return target == ErrSpecialFile }

// isSparse reports whether hdr is a sparse file, whose data is not one run
// of bytes in the stream. Image layers never hold them.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// layerPath returns a layer entry's name as a clean path relative to the
// image root ("" for the root itself), or why it is refused: an absolute
// name, a ".." element (a layer applied by Docker could not write there
// either), or a name longer than max.
func layerPath(name string, max int) (string, string) {
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	name = strings.TrimSuffix(name, "/")
	switch {
	case name == "" || name == ".":
		return "", ""
	case strings.HasPrefix(name, "/"):
		return "", "absolute path"
	case len(name) > max:
		return "", fmt.Sprintf("path longer than %d bytes", max)
	}
	for el := range strings.SplitSeq(name, "/") {
		if el == ".." {
			return "", `path with ".."`
		}
	}
	name = path.Clean(name)
	if name == "." {
		return "", ""
	}
	return name, ""
}

// quote quotes a name from the image for a message, cut to a readable
// length.
func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// sparseWriter writes a temporary file, leaving holes for blocks of zeros:
// a layer of zeros (a decompression bomb, or a sparse file as tar stores
// it) then takes no disk.
type sparseWriter struct {
	f   *os.File
	off int64
}

// sparseBlock is the unit of zeros skipped; file systems allocate in 4 KiB.
const sparseBlock = 4 << 10

var zeroBlock [sparseBlock]byte

func (w *sparseWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), sparseBlock)]
		if !bytes.Equal(chunk, zeroBlock[:len(chunk)]) {
			// Write the run of non-zero blocks at once.
			end := len(chunk)
			for end < len(p) {
				next := p[end:min(len(p), end+sparseBlock)]
				if bytes.Equal(next, zeroBlock[:len(next)]) {
					break
				}
				end += len(next)
			}
			if _, err := w.f.WriteAt(p[:end], w.off); err != nil {
				return 0, err
			}
			chunk = p[:end]
		}
		w.off += int64(len(chunk))
		p = p[len(chunk):]
	}
	return n, nil
}

// close sets the file's size, which a trailing hole leaves short.
func (w *sparseWriter) close() error { return w.f.Truncate(w.off) }
