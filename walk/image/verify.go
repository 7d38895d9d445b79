package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/internal/tarend"
)

// An uncompressed layer whose blob is the tar itself (docker save's
// layer.tar, an uncompressed OCI layer) is indexed in place: tar.Reader
// seeks past the file contents instead of reading them, and the blob is
// hashed on another goroutine reading its own section of the archive.
// Hashing is most of the cost of such a layer; done beside indexing and
// extraction it no longer delays them. Load waits for the hashes of the
// layers it read unless Options.DeferVerify lets it return first, in which
// case Archive.Verify must be waited for before anything read is trusted.

// verification is the pending digest check of one blob.
type verification struct {
	ref  layerRef
	alg  string
	stop context.CancelFunc // abandons the hash
	done chan struct{}
	// Set before done is closed.
	sum string // the blob's digest
	err error  // hashing stopped: cancellation or a read error
	// truncated is set by indexing, before the verification is waited
	// for: the message prefix of a mismatch when the tar had no end
	// marker.
	truncated string
}

// hashBuffer is what a hasher reads at once.
const hashBuffer = 256 << 10

// startHash hashes blob on another goroutine, until it ends, ctx ends or
// the archive is closed.
func (a *Archive) startHash(ctx context.Context, blob *io.SectionReader, ref layerRef, alg string) (*verification, error) {
	v := &verification{ref: ref, alg: alg, done: make(chan struct{})}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, errors.New("archive closed")
	}
	if a.closing == nil {
		a.closing, a.stopHashing = context.WithCancel(context.Background())
		a.hashSem = make(chan struct{}, max(a.workers, 1))
	}
	a.hashers.Add(1)
	a.mu.Unlock()
	hctx, cancel := context.WithCancel(ctx)
	v.stop = cancel
	stop := context.AfterFunc(a.closing, cancel)
	go func() {
		defer a.hashers.Done()
		defer cancel()
		defer stop()
		defer close(v.done)
		select {
		case a.hashSem <- struct{}{}:
			defer func() { <-a.hashSem }()
		case <-hctx.Done():
			v.err = hctx.Err()
			return
		}
		h, _, _ := digester(alg + ":")
		buf := make([]byte, hashBuffer)
		for off := int64(0); ; {
			hashChunk(hctx)
			if err := hctx.Err(); err != nil {
				v.err = err
				return
			}
			n, err := blob.ReadAt(buf, off)
			h.Write(buf[:n])
			off += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				v.err = err
				return
			}
		}
		v.sum = sum(alg, h)
	}()
	return v, nil
}

// hashChunk is called before each read of a hasher, before it checks
// whether it was stopped; tests slow it down.
var hashChunk = func(context.Context) {}

// wait waits for the hash and checks it against the digests ref gives.
func (v *verification) wait(ctx context.Context) error {
	select {
	case <-v.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if v.err != nil {
		return v.err
	}
	if v.ref.digest != "" && v.sum != v.ref.digest {
		return fmt.Errorf("%w: %scontent is %s, expected %s", ErrDigestMismatch, v.truncated, v.sum, v.ref.digest)
	}
	if v.ref.diffID != "" && v.sum != v.ref.diffID {
		return fmt.Errorf("%w: %suncompressed content is %s, the config says %s", ErrDigestMismatch, v.truncated, v.sum, v.ref.diffID)
	}
	return nil
}

// Verify waits for the digest checks Load left pending (see
// Options.DeferVerify) and returns the first that failed, naming its blob:
// nothing read from the archive may be reported before it returns nil.
func (a *Archive) Verify(ctx context.Context) error {
	a.mu.Lock()
	pending := a.pending
	a.mu.Unlock()
	for _, v := range pending {
		if err := v.wait(ctx); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
			}
			return a.errorf(v.ref.blob, "layer: %w", err)
		}
	}
	return nil
}

// readLayerInPlace indexes an uncompressed layer by seeking through the
// blob while another goroutine hashes it.
func (a *Archive) readLayerInPlace(ctx context.Context, blob *io.SectionReader, ref layerRef, alg string) (*layerIndex, error) {
	v, err := a.startHash(ctx, io.NewSectionReader(blob, 0, blob.Size()), ref, alg)
	if err != nil {
		return nil, err
	}
	li := &layerIndex{data: blob}
	sr := &seekReader{ctx: ctx, sr: blob, buf: make([]byte, 32<<10), budget: a.budget, lim: a.lim}
	tail := tarend.New(sr)
	err = a.readEntries(ctx, li, tar.NewReader(seekTail{tail, sr}), tail)
	if err == nil {
		// The end-of-archive marker and padding, for tail.ended.
		_, err = io.Copy(io.Discard, tail)
	}
	if err != nil {
		defer v.stop() // once the verdict below no longer needs it
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated: %w", err)
		}
		// A blob that is not what its name says is that first, whatever
		// reading it ran into.
		if ref.digest != "" && !errors.Is(err, extract.ErrTooLarge) {
			select {
			case <-v.done:
				if v.err == nil && v.sum != ref.digest {
					return nil, fmt.Errorf("%w: content is %s, expected %s (%v)", ErrDigestMismatch, v.sum, ref.digest, err)
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return nil, err
	}
	li.size = sr.n
	// What the hash must be; a layer that is not stops the walk.
	li.digest, li.diffID = ref.digest, ref.diffID
	if li.digest == "" {
		li.digest = ref.diffID
	}
	if li.diffID == "" {
		li.diffID = li.digest
	}
	if !tail.Ended() {
		v.truncated = "truncated (no end-of-archive marker): "
	}
	if !a.deferVerify {
		if err := v.wait(ctx); err != nil {
			return nil, err
		}
		return li, nil
	}
	a.mu.Lock()
	a.pending = append(a.pending, v)
	a.mu.Unlock()
	return li, nil
}

// seekReader reads a blob in place through a buffer, counting what it
// reads or skips against the limits, and skips without reading.
type seekReader struct {
	ctx    context.Context
	sr     *io.SectionReader
	buf    []byte
	r, w   int   // buf[r:w] is unread
	off    int64 // offset in sr of buf[w]
	budget *budget
	lim    Limits
	n      int64 // bytes consumed, read or skipped
}

func (s *seekReader) count(n int64) error {
	s.n += n
	if s.budget.bytes.Add(n) > s.lim.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes uncompressed", extract.ErrTooLarge, s.lim.MaxBytes)
	}
	return nil
}

func (s *seekReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	if s.r == s.w {
		n, err := s.sr.ReadAt(s.buf, s.off)
		if n == 0 {
			if err == nil {
				err = io.ErrNoProgress
			}
			return 0, err
		}
		s.r, s.w = 0, n
		s.off += int64(n)
	}
	n := copy(p, s.buf[s.r:s.w])
	s.r += n
	return n, s.count(int64(n))
}

// skip moves past n bytes, not reading those outside the buffer.
func (s *seekReader) skip(n int64) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	left := int64(s.w - s.r)
	// Only what the blob holds counts: a skip past its end is a
	// truncated layer, found by the read that follows.
	counted := min(n, max(s.sr.Size()-(s.off-left), 0))
	if n <= left {
		s.r += int(n)
	} else {
		s.off += n - left
		s.r, s.w = 0, 0
	}
	return s.count(counted)
}

// seekTail lets tar.Reader seek past contents: it tells the reader it can
// seek forward from the current position only. Skipped bytes count as
// data for the end-of-archive check.
type seekTail struct {
	*tarend.Reader
	s *seekReader
}

func (t seekTail) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || off < 0 {
		return 0, errors.New("unsupported seek")
	}
	if off == 0 {
		return t.Pos, nil
	}
	if err := t.s.skip(off); err != nil {
		return 0, err
	}
	t.Pos += off
	t.LastNonZero = t.Pos - 1
	return t.Pos, nil
}
