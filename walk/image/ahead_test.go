package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAhead: what is read through readAhead is what the source gives,
// bytes then error, whatever the chunking.
func TestReadAhead(t *testing.T) {
	data := make([]byte, 3*aheadChunk+100)
	for i := range data {
		data[i] = byte(i * 7)
	}
	errBroken := errors.New("broken")
	tests := []struct {
		name    string
		src     func() io.Reader
		want    []byte
		wantErr error
	}{
		{name: "empty", src: func() io.Reader { return bytes.NewReader(nil) }, want: []byte{}},
		{name: "several chunks", src: func() io.Reader { return bytes.NewReader(data) }, want: data},
		{name: "one byte at a time", src: func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:1000])) }, want: data[:1000]},
		{name: "error with the last bytes", src: func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data[:aheadChunk])) },
			want: data[:aheadChunk]},
		{name: "error after a chunk and a half", src: func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:aheadChunk*3/2]), iotest.ErrReader(errBroken))
		}, want: data[:aheadChunk*3/2], wantErr: errBroken},
		{name: "truncated", src: func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(io.ErrUnexpectedEOF))
		},
			want: data[:10], wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, small := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/small_reads=%v", tt.name, small), func(t *testing.T) {
				a := readAhead(tt.src())
				defer a.stop()
				var r io.Reader = a
				if small {
					r = iotest.OneByteReader(r)
				}
				got, err := io.ReadAll(r)
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				if !bytes.Equal(got, tt.want) {
					t.Errorf("read %d bytes, not the %d written", len(got), len(tt.want))
				}
			})
		}
	}
}

// endless is a source that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

// TestReadAheadStop: stopping ends the goroutine, whether it waits for the
// reader to take a chunk or nothing was read at all.
func TestReadAheadStop(t *testing.T) {
	for _, read := range []int{0, 1, aheadChunk * (aheadChunks + 2)} {
		a := readAhead(endless{})
		if _, err := io.ReadFull(a, make([]byte, read)); err != nil {
			t.Fatal(err)
		}
		a.stop()
		a.stop()
		select {
		case <-a.done:
		default:
			t.Errorf("after reading %d bytes: goroutine still running after stop", read)
		}
	}
}
