// Package tarend tells a complete tar stream from one cut off between two
// entries, which archive/tar reads as complete: a real archive ends with
// two zero blocks after its last data. Release tarballs and image layers
// both check it.
package tarend

import "io"

// Reader sits between a stream and tar.Reader, counting what the reader
// consumed (so the data of the entry just read starts at Pos) and where
// the last non-zero byte was.
type Reader struct {
	r io.Reader
	// Pos is the number of bytes consumed; a seeking wrapper that skips
	// bytes adds them.
	Pos int64
	// LastNonZero is the offset of the last non-zero byte consumed, -1
	// before any.
	LastNonZero int64
}

// New returns a Reader over r.
func New(r io.Reader) *Reader { return &Reader{r: r, LastNonZero: -1} }

// Read implements io.Reader.
func (t *Reader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := n - 1; i >= 0; i-- {
		if p[i] != 0 {
			t.LastNonZero = t.Pos + int64(i)
			break
		}
	}
	t.Pos += int64(n)
	return n, err
}

// Ended reports whether the stream consumed so far ends with the two zero
// blocks of an end-of-archive marker after the last data.
func (t *Reader) Ended() bool {
	end := int64(0)
	if t.LastNonZero >= 0 {
		end = (t.LastNonZero/512 + 1) * 512
	}
	return t.Pos-end >= 1024
}
