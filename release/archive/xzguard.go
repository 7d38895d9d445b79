package archive

import (
	"errors"
	"fmt"
	"io"
)

// maxXZBlocks caps the blocks of one xz stream: the decoder keeps a record
// per block and allocates a dictionary for each. Real files have one block,
// or one per 3 dictionary sizes when compressed in parallel.
const maxXZBlocks = 1 << 20

// xzGuard passes an xz stream through unchanged while following its framing
// (xz file format 1.0.4: stream header, blocks of LZMA2 chunks, index,
// footer, stream padding), so that each block header is seen before the
// decoder reads it. The decoder allocates whatever dictionary a block header
// declares, up to 4 GiB; the guard refuses one above maxDict. Bytes the guard
// cannot follow do not form a valid xz stream and are refused as well, so a
// stream cannot lose the guard and slip a large dictionary past it.
type xzGuard struct {
	r       io.Reader
	a       *Archive // receives a limit violation as its cause
	maxDict int64
	err     error

	state  int
	buf    [1024]byte // the header being collected
	n      int        // bytes in buf
	want   int        // bytes to collect in buf
	skip   int64      // bytes to pass in a skipping state
	check  int        // size of the check field in this stream
	data   int64      // compressed bytes of the current block so far
	blocks int        // blocks in this stream
	idx    int64      // index bytes so far
	left   uint64     // varints left to read in the index
	vval   uint64     // varint being read
	vn     uint       // its bytes so far
}

const (
	xzStreamHeader  = iota // collecting 12 bytes
	xzBlockStart           // one byte: 0 starts the index, else a block header's size
	xzBlockHeader          // collecting want bytes
	xzChunkControl         // one byte: an LZMA2 chunk's control byte
	xzChunkHeader          // collecting want bytes
	xzChunkData            // skip bytes of chunk data
	xzBlockPadding         // skip zero bytes
	xzCheck                // skip bytes of the block's check
	xzIndexCount           // varint: the number of records
	xzIndexRecords         // left varints
	xzIndexPadding         // skip zero bytes
	xzIndexCRC             // skip 4 bytes
	xzFooter               // collecting 12 bytes
	xzStreamPadding        // zero bytes, or the next stream
)

var errXZFraming = errors.New("xz: corrupt stream framing")

func newXZGuard(r io.Reader, a *Archive, maxDict int64) *xzGuard {
	return &xzGuard{r: r, a: a, maxDict: maxDict, state: xzStreamHeader, want: 12}
}

func (g *xzGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if g.state == xzChunkData && int64(n) <= g.skip {
		// The bulk of a stream: chunk data the decoder reads byte by byte.
		g.skip -= int64(n)
		g.data += int64(n)
		if g.skip == 0 {
			g.state = xzChunkControl
		}
		return n, err
	}
	k, gerr := g.feed(p[:n])
	if gerr != nil {
		g.err = gerr
		if k > 0 {
			return k, nil
		}
		return 0, gerr
	}
	return n, err
}

// feed follows p through the framing. It returns how many bytes precede a
// violation.
func (g *xzGuard) feed(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		start := i
		switch g.state {
		case xzStreamHeader, xzBlockHeader, xzChunkHeader, xzFooter:
			k := copy(g.buf[g.n:g.want], p[i:])
			g.n += k
			i += k
			if g.n == g.want {
				if err := g.collected(); err != nil {
					return start, err
				}
			}
		case xzChunkData, xzCheck, xzIndexCRC:
			k := min(int64(len(p)-i), g.skip)
			i += int(k)
			g.skip -= k
			if g.state == xzChunkData {
				g.data += k
			}
			if g.skip == 0 {
				g.skipped()
			}
		default:
			c := p[i]
			i++
			if err := g.byte(c); err != nil {
				return start, err
			}
		}
	}
	return len(p), nil
}

// skipped moves on after a skipping state.
func (g *xzGuard) skipped() {
	switch g.state {
	case xzChunkData:
		g.state = xzChunkControl
	case xzCheck:
		g.state = xzBlockStart
	case xzIndexCRC:
		g.state, g.n, g.want = xzFooter, 0, 12
	}
}

// endBlock moves past the block padding and check.
func (g *xzGuard) endBlock() {
	if pad := (4 - g.data%4) % 4; pad > 0 {
		g.state, g.skip = xzBlockPadding, pad
		return
	}
	g.startCheck()
}

func (g *xzGuard) startCheck() {
	if g.check > 0 {
		g.state, g.skip = xzCheck, int64(g.check)
		return
	}
	g.state = xzBlockStart
}

// endIndexRecords moves past the index padding.
func (g *xzGuard) endIndexRecords() {
	if pad := (4 - g.idx%4) % 4; pad > 0 {
		g.state, g.skip = xzIndexPadding, pad
		return
	}
	g.state, g.skip = xzIndexCRC, 4
}

// byte handles the single-byte states.
func (g *xzGuard) byte(c byte) error {
	switch g.state {
	case xzBlockStart:
		if c == 0 {
			g.state, g.idx, g.vval, g.vn = xzIndexCount, 1, 0, 0
			return nil
		}
		g.blocks++
		if g.blocks > maxXZBlocks {
			return g.limit(fmt.Errorf("%w: more than %d xz blocks in a stream", ErrLimit, maxXZBlocks))
		}
		g.buf[0], g.n, g.want = c, 1, (int(c)+1)*4
		g.state = xzBlockHeader
	case xzChunkControl:
		g.data++
		switch {
		case c == 0:
			g.endBlock()
		case c == 1 || c == 2:
			g.buf[0], g.n, g.want = c, 1, 3
			g.state = xzChunkHeader
		case c >= 0x80:
			g.buf[0], g.n, g.want = c, 1, 5
			if c >= 0xc0 {
				g.want = 6
			}
			g.state = xzChunkHeader
		default:
			return fmt.Errorf("xz: invalid LZMA2 chunk control byte %#x", c)
		}
	case xzBlockPadding, xzIndexPadding:
		if c != 0 {
			return errXZFraming
		}
		g.skip--
		if g.skip == 0 {
			if g.state == xzBlockPadding {
				g.startCheck()
			} else {
				g.state, g.skip = xzIndexCRC, 4
			}
		}
	case xzIndexCount, xzIndexRecords:
		g.idx++
		if g.vn >= 9 {
			return errXZFraming
		}
		g.vval |= uint64(c&0x7f) << (7 * g.vn)
		g.vn++
		if c&0x80 != 0 {
			return nil
		}
		v := g.vval
		g.vval, g.vn = 0, 0
		if g.state == xzIndexCount {
			if v != uint64(g.blocks) {
				return errXZFraming
			}
			g.left = 2 * v
			g.state = xzIndexRecords
			if g.left == 0 {
				g.endIndexRecords()
			}
			return nil
		}
		g.left--
		if g.left == 0 {
			g.endIndexRecords()
		}
	case xzStreamPadding:
		switch c {
		case 0:
		case xzMagic[0]:
			g.buf[0], g.n, g.want = c, 1, 12
			g.state = xzStreamHeader
		default:
			return errors.New("xz: data after the end of the stream")
		}
	}
	return nil
}

// collected handles a complete header in buf.
func (g *xzGuard) collected() error {
	b := g.buf[:g.want]
	switch g.state {
	case xzStreamHeader:
		if string(b[:6]) != string(xzMagic) || b[6] != 0 || b[7]&0xf0 != 0 {
			return errors.New("xz: invalid stream header")
		}
		g.check = xzCheckSize(b[7] & 0x0f)
		g.blocks = 0
		g.state = xzBlockStart
	case xzBlockHeader:
		if err := g.blockHeader(b); err != nil {
			return err
		}
		g.state, g.data = xzChunkControl, 0
	case xzChunkHeader:
		g.data += int64(g.want - 1)
		if b[0] < 0x80 {
			g.skip = int64(b[1])<<8 | int64(b[2]) + 1
		} else {
			g.skip = int64(b[3])<<8 | int64(b[4]) + 1
		}
		g.state = xzChunkData
	case xzFooter:
		if b[10] != 'Y' || b[11] != 'Z' {
			return errors.New("xz: invalid stream footer")
		}
		g.state = xzStreamPadding
	}
	return nil
}

// blockHeader checks a block's filter chain for the LZMA2 dictionary size.
func (g *xzGuard) blockHeader(h []byte) error {
	flags := h[1]
	if flags&0x3c != 0 {
		return errors.New("xz: invalid block header flags")
	}
	end := len(h) - 4 // before the CRC32
	p := 2
	varint := func() (uint64, bool) {
		var v uint64
		for k := uint(0); k < 9 && p < end; k++ {
			c := h[p]
			p++
			v |= uint64(c&0x7f) << (7 * k)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present {
			if _, ok := varint(); !ok {
				return errors.New("xz: invalid block header sizes")
			}
		}
	}
	nf := int(flags&3) + 1
	lastLZMA2 := false
	for f := 0; f < nf; f++ {
		id, ok1 := varint()
		size, ok2 := varint()
		if !ok1 || !ok2 || size > uint64(end-p) {
			return errors.New("xz: invalid filter flags")
		}
		props := h[p : p+int(size)]
		p += int(size)
		lastLZMA2 = false
		if id != 0x21 {
			continue
		}
		if size != 1 {
			return errors.New("xz: invalid LZMA2 properties")
		}
		dict, ok := lzma2DictSize(props[0])
		if !ok {
			return errors.New("xz: invalid LZMA2 dictionary size")
		}
		if dict > g.maxDict {
			return g.limit(fmt.Errorf("%w: xz dictionary of %d bytes, more than %d", ErrLimit, dict, g.maxDict))
		}
		lastLZMA2 = true
	}
	if !lastLZMA2 {
		return errors.New("xz: block does not end with an LZMA2 filter")
	}
	return nil
}

func (g *xzGuard) limit(err error) error {
	if g.a != nil && g.a.cause == nil {
		g.a.cause = err
	}
	return err
}

// lzma2DictSize decodes the LZMA2 dictionary size property.
func lzma2DictSize(b byte) (int64, bool) {
	switch {
	case b > 40:
		return 0, false
	case b == 40:
		return 1<<32 - 1, true
	}
	return int64(2|b&1) << (b/2 + 11), true
}

// xzCheckSize is the size of a block's check field for a check type.
func xzCheckSize(t byte) int {
	if t == 0 {
		return 0
	}
	return 4 << ((t - 1) / 3)
}
