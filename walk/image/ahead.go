package image

import "io"

// Decompressing a layer is most of what reading a compressed image costs,
// and it cannot be split: a gzip stream is one sequence. What can run
// beside it is the rest of the pass (the diff ID's hash, the temporary
// file, the tar headers): readAhead moves the decompressor to a goroutine
// of its own, a few chunks ahead of the reader.

// Chunks handed over by readAhead: enough of them that neither side waits
// on the other's jitter, small enough to stay in cache.
const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

// aheadReader reads what a goroutine reads from r, in chunks, ahead of
// its reader. It must be stopped (stop) before r, or anything r reads
// from, is used again.
type aheadReader struct {
	full chan aheadChunkRead
	free chan []byte
	quit chan struct{}
	done chan struct{}

	cur     []byte // unread part of the chunk being read
	buf     []byte // the chunk being read, to give back
	err     error  // what came with the last chunk
	stopped bool
}

type aheadChunkRead struct {
	b   []byte
	err error
}

// readAhead starts reading r on a goroutine.
func readAhead(r io.Reader) *aheadReader {
	a := &aheadReader{
		full: make(chan aheadChunkRead, aheadChunks),
		free: make(chan []byte, aheadChunks),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range aheadChunks {
		a.free <- make([]byte, aheadChunk)
	}
	go a.run(r)
	return a
}

func (a *aheadReader) run(r io.Reader) {
	defer close(a.done)
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.quit:
			return
		}
		// Fill the chunk, so that the reader takes few of them; an error
		// goes with the bytes read before it.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[n:])
			n += m
		}
		select {
		case a.full <- aheadChunkRead{buf[:n], err}:
		case <-a.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read implements io.Reader.
func (a *aheadReader) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		if a.buf != nil {
			a.free <- a.buf[:cap(a.buf)]
			a.buf = nil
		}
		c := <-a.full
		a.cur, a.buf, a.err = c.b, c.b, c.err
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// stop ends the goroutine and waits for it: r is then free to use.
func (a *aheadReader) stop() {
	if a.stopped {
		return
	}
	a.stopped = true
	close(a.quit)
	<-a.done
}
