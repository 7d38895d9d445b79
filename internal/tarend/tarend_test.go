package tarend

import (
	"bytes"
	"io"
	"testing"
)

func TestEnded(t *testing.T) {
	data := append(bytes.Repeat([]byte{'x'}, 700), make([]byte, 1024+324)...) // data ends in block 2
	for _, tt := range []struct {
		n    int
		want bool
	}{{700, false}, {1024, false}, {2047, false}, {2048, true}, {len(data), true}} {
		r := New(bytes.NewReader(data[:tt.n]))
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatal(err)
		}
		if r.Ended() != tt.want || r.Pos != int64(tt.n) || r.LastNonZero != 699 {
			t.Errorf("%d bytes: Ended %v Pos %d LastNonZero %d; want %v", tt.n, r.Ended(), r.Pos, r.LastNonZero, tt.want)
		}
	}
	if r := New(bytes.NewReader(make([]byte, 1024))); r.LastNonZero != -1 {
		t.Errorf("LastNonZero before reading = %d, want -1", r.LastNonZero)
	}
}
