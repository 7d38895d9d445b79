package jar

import (
	"archive/zip"
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// Reading nested archives is most of the extractor's cost: a WAR's jars
// are deflated, and each must be inflated whole to be read as a zip (and
// hashed). What keeps that cheap:
//   - entries are inflated by klauspost/compress's flate, 1.6 times as fast
//     as compress/flate on jars (the zip format, CRC-32 check included, is
//     still archive/zip's);
//   - a nested archive's SHA-1 is computed as it is inflated, chunk by
//     chunk while the bytes are in cache, not in a second pass;
//   - while the scan reads one nested archive, helper goroutines inflate
//     the next ones of the same parent (prefetcher), so that a single WAR
//     or EAR, one job of the walk, uses every core;
//   - the buffers of inflated archives are reused (getData).

// flateBufSize is the read buffer under each inflater: archive/zip hands
// it a section of the parent, not a buffered reader.
const flateBufSize = 32 << 10

// flatePool holds idle inflaters with their buffers.
var flatePool sync.Pool

// inflater is a pooled inflater and the buffered reader it reads from.
type inflater struct {
	br *bufio.Reader
	fr io.ReadCloser // also a kflate.Resetter
}

// flateReader is what one File.Open of a deflated entry reads: it returns
// its inflater to the pool on Close and fails after it.
type flateReader struct {
	mu  sync.Mutex
	inf *inflater
}

var errFlateClosed = errors.New("read after close")

// newFlateReader is the Deflate decompressor registered on every archive.
func newFlateReader(r io.Reader) io.ReadCloser {
	inf, _ := flatePool.Get().(*inflater)
	if inf == nil {
		br := bufio.NewReaderSize(r, flateBufSize)
		inf = &inflater{br: br, fr: kflate.NewReader(br)}
	} else {
		inf.br.Reset(r)
		inf.fr.(kflate.Resetter).Reset(inf.br, nil)
	}
	return &flateReader{inf: inf}
}

func (f *flateReader) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inf == nil {
		return 0, errFlateClosed
	}
	return f.inf.fr.Read(p)
}

func (f *flateReader) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inf == nil {
		return nil
	}
	f.inf.br.Reset(nil) // drop the parent's bytes
	flatePool.Put(f.inf)
	f.inf = nil
	return nil
}

// hashChunk is how much is inflated before it is hashed: small enough to
// be hashed from cache.
const hashChunk = 256 << 10

// readEntry decompresses f, of uncompressed size n (checked by the
// caller), with its hex SHA-1, and checks its CRC-32, which archive/zip
// verifies only when the reader reaches the end.
func readEntry(f *zip.File, n int64) ([]byte, string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, "", fmt.Errorf("open: %w", err)
	}
	defer rc.Close()
	data := getData(n)
	h := sha1.New()
	for off := 0; off < len(data); {
		end := min(off+hashChunk, len(data))
		if _, err := io.ReadFull(rc, data[off:end]); err != nil {
			if err == io.EOF && off > 0 {
				err = io.ErrUnexpectedEOF
			}
			putData(data)
			return nil, "", fmt.Errorf("decompress: %w", err)
		}
		h.Write(data[off:end])
		off = end
	}
	if m, err := rc.Read(make([]byte, 1)); m != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("longer than its recorded size")
		}
		putData(data)
		return nil, "", fmt.Errorf("decompress: %w", err)
	}
	return data, hex.EncodeToString(h.Sum(nil)), nil
}

// defaultAhead bounds the bytes the helpers of one archive hold that the
// scan has not taken yet (beyond one entry), and so the memory that
// prefetching adds per level of nesting. Entries over half of it are
// inflated when the scan reaches them, not ahead: real nested jars are a
// few MiB.
const defaultAhead = 32 << 20

// prefetcher inflates, on helper goroutines, the deflated nested archives
// of one parent in the order the scan reads them. The scan decides as
// before, in order, whether each is read (limits, budget): the helpers
// only do the inflating early. Whoever reaches an entry first claims it;
// the scan waits for one a helper holds. The helpers reserve what they
// inflate from the per-file budget, which the scan's own decisions
// ignore, so that work done ahead is bounded by the budget as the scan's
// is, and they stop at the archive count limit.
type prefetcher struct {
	s     *scan
	mu    sync.Mutex
	wake  *sync.Cond // ahead went down, or stop was set
	slots map[*zip.File]*slot
	order []*slot
	next  int   // the first slot a helper may still claim
	ahead int64 // bytes claimed by the helpers, not yet taken or released
	stop  bool
	wg    sync.WaitGroup // the helpers
}

// slot is one entry a helper may inflate.
type slot struct {
	f     *zip.File
	size  int64
	state uint8         // slotFree, slotHelper or slotScan
	taken bool          // by the scan, or released
	ready chan struct{} // closed when a helper has inflated it
	data  []byte
	sum   string
	err   error
}

const (
	slotFree uint8 = iota
	slotHelper
	slotScan
)

// prefetch starts the helpers for the nested archives files of a, or
// returns nil when there is nothing worth doing ahead.
func (s *scan) prefetch(a *archive, files []*zip.File) *prefetcher {
	if s.lim.helpers <= 0 || s.lim.ahead <= 0 || a.depth+1 > s.lim.maxDepth || s.ctx.Err() != nil {
		return nil
	}
	var order []*slot
	for _, f := range files {
		// The checks open makes before inflating, less the budget: an
		// entry the scan would not inflate is not inflated ahead.
		if f.Method != zip.Deflate || f.UncompressedSize64 > uint64(min(s.lim.ahead/2, s.lim.maxNested)) ||
			bomb(f) || extension(f.Name) == "rar" || (s.cache != nil && s.cache.probable(f)) {
			continue
		}
		size := int64(f.CompressedSize64)
		if off, err := f.DataOffset(); err != nil || size < 0 || off < 0 || off > a.size-size {
			continue
		}
		order = append(order, &slot{f: f, size: int64(f.UncompressedSize64), ready: make(chan struct{})})
	}
	if len(order) < 2 {
		return nil
	}
	p := &prefetcher{s: s, order: order, slots: make(map[*zip.File]*slot, len(order))}
	p.wake = sync.NewCond(&p.mu)
	for _, sl := range order {
		p.slots[sl.f] = sl
	}
	n := min(s.lim.helpers, len(order))
	p.wg.Add(n)
	for range n {
		go p.run()
	}
	return p
}

// maxHelpers bounds the helpers of one archive. The scan mostly waits
// for them, so there are as many as there are processors, up to this.
const maxHelpers = 4

// run is a helper: it inflates the next free entry, in order, while the
// window and the budget allow.
func (p *prefetcher) run() {
	defer p.wg.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for p.next < len(p.order) && p.order[p.next].state != slotFree {
			p.next++
		}
		if p.stop || p.next == len(p.order) || p.s.ctx.Err() != nil {
			return
		}
		sl := p.order[p.next]
		if p.ahead > 0 && p.ahead+sl.size > p.s.lim.ahead {
			p.wake.Wait()
			continue
		}
		if !p.s.reserve(sl.size) {
			return
		}
		sl.state = slotHelper
		p.ahead += sl.size
		p.mu.Unlock()
		sl.data, sl.sum, sl.err = readEntry(sl.f, sl.size)
		close(sl.ready)
		p.mu.Lock()
	}
}

// inflate returns f inflated, with its SHA-1: from a helper when one
// claimed f, else by inflating it now. The scan has spent the bytes.
func (p *prefetcher) inflate(f *zip.File, n int64) ([]byte, string, error) {
	if p == nil {
		return readEntry(f, n)
	}
	p.mu.Lock()
	sl := p.slots[f]
	mine := sl == nil || sl.state != slotHelper || sl.taken
	if sl != nil && sl.state == slotFree {
		sl.state = slotScan
	}
	p.mu.Unlock()
	if mine {
		return readEntry(f, n)
	}
	<-sl.ready
	data, sum, err := sl.data, sl.sum, sl.err
	p.settle(sl, false)
	return data, sum, err
}

// settle gives back what a helper held for sl, which the scan has taken
// or, when unread, will not read: its bytes are then free.
func (p *prefetcher) settle(sl *slot, unread bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sl.taken {
		return
	}
	if unread {
		putData(sl.data)
	}
	sl.taken, sl.data = true, nil
	p.ahead -= sl.size
	p.s.unreserve(sl.size)
	p.wake.Broadcast()
}

// release is called once the scan is done with entry f, read or not.
func (p *prefetcher) release(f *zip.File) {
	if p == nil {
		return
	}
	p.mu.Lock()
	sl := p.slots[f]
	claimed := sl != nil && sl.state == slotHelper && !sl.taken
	p.mu.Unlock()
	if claimed {
		<-sl.ready
		p.settle(sl, true)
	}
}

// close stops the helpers and waits for them.
func (p *prefetcher) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stop = true
	p.wake.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
	for _, sl := range p.order {
		if sl.state == slotHelper {
			p.settle(sl, true)
		}
	}
}

// reserve takes n bytes of the per-file budget for a helper, reporting
// false when the budget or the archive count would not let the scan read
// them.
func (s *scan) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total+s.reserved+n > s.lim.maxTotal || s.archives >= s.lim.maxArchives {
		return false
	}
	s.reserved += n
	return true
}

func (s *scan) unreserve(n int64) {
	s.mu.Lock()
	s.reserved -= n
	s.mu.Unlock()
}

// digested is the result of digestAsync.
type digested struct {
	sum string
	err error
}

// asyncDigestMin is the size from which the outer file is hashed on a
// goroutine of its own.
const asyncDigestMin = 1 << 20

// digestAsync computes the SHA-1 of the size bytes of ra, on another
// goroutine when they are many.
func (s *scan) digestAsync(ra io.ReaderAt, size int64) <-chan digested {
	c := make(chan digested, 1)
	if size < asyncDigestMin {
		sum, err := s.digest(ra, size)
		c <- digested{sum, err}
		return c
	}
	go func() {
		sum, err := s.digest(ra, size)
		c <- digested{sum, err}
	}()
	return c
}

// Inflated nested archives are held only while the scan reads them, and
// the next ones are about as large: their buffers are reused, which
// spares the zeroing and page faults of fresh memory. The pools hold
// buffers by power-of-two capacity, from 1<<minPooled up to the largest
// nested archive read.
const minPooled = 16

var dataPools [27 - minPooled + 1]sync.Pool // up to 1<<27 = 128 MiB, over defaultMaxNested

// dataClass returns the pool of buffers of at least n bytes, or -1.
func dataClass(n int64) int {
	c := max(bits.Len64(uint64(n-1)), minPooled) - minPooled
	if n <= 0 || c >= len(dataPools) {
		return -1
	}
	return c
}

// getData returns a buffer of n bytes, not zeroed.
func getData(n int64) []byte {
	c := dataClass(n)
	if c < 0 {
		return make([]byte, n)
	}
	if b, ok := dataPools[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, 1<<(c+minPooled))
}

// putData gives back a buffer from getData that nothing refers to any
// more.
func putData(b []byte) {
	n := int64(cap(b))
	if c := dataClass(n); c >= 0 && n == 1<<(c+minPooled) {
		b = b[:0]
		dataPools[c].Put(&b)
	}
}

// held records the buffers of the nested archives read, so that add can
// give them back once it is done with each nested archive.
func (s *scan) held(data []byte) { s.bufs = append(s.bufs, data) }

// giveBack returns the buffers recorded since mark.
func (s *scan) giveBack(mark int) {
	for i := mark; i < len(s.bufs); i++ {
		putData(s.bufs[i])
		s.bufs[i] = nil
	}
	s.bufs = s.bufs[:mark]
}
