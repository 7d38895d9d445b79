package jsonstream

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/vouchdev/vouch/extract"
)

func TestPosition(t *testing.T) {
	data := []byte("{\n  \"a\": 1,\n  \"b\": [true]\n}\n")
	s := New("f.json", "x", data)
	// Asked out of order on purpose: the count restarts when it must.
	for _, c := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {4, 2, 3}, {22, 3, 11}, {2, 2, 1}, {int64(len(data)) + 9, 5, 1}} {
		if l, col := s.Position(c.off); l != c.line || col != c.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name      string
		data      string
		run       func(s *Stream) error
		line, col int
		msg       string
	}{
		{"wrong container", "\n  [1]", func(s *Stream) error { return s.Open('{', "top level") },
			2, 3, "f.json:2:3: top level: want object, got array"},
		{"syntax", "{\n \"a\": tru }", func(s *Stream) error {
			if err := s.Open('{', "top"); err != nil {
				return err
			}
			if _, err := s.Key(); err != nil {
				return err
			}
			return s.Skip()
		}, 2, 7, "f.json:2:7: json: invalid character ' ' in literal true (expecting 'e')"},
		{"truncated", "{\"a\": [1, 2", func(s *Stream) error {
			if err := s.Open('{', "top"); err != nil {
				return err
			}
			if _, err := s.Key(); err != nil {
				return err
			}
			return s.Skip()
		}, 1, 11, "f.json:1:11: json: unexpected EOF"},
		{"trailing data", "{}\n{}", func(s *Stream) error {
			if err := s.Skip(); err != nil {
				return err
			}
			return s.End()
		}, 2, 1, "f.json:2:1: data after the top-level object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(New("f.json", "x", []byte(c.data)))
			var xe *extract.Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %v is not an *extract.Error", err)
			}
			if xe.Line != c.line || xe.Column != c.col || xe.Extractor != "x" || err.Error() != c.msg {
				t.Errorf("error %q at %d:%d by %q, want %q at %d:%d by x", err, xe.Line, xe.Column, xe.Extractor, c.msg, c.line, c.col)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for tok, want := range map[json.Token]string{json.Delim('{'): "object", json.Delim('['): "array", "s": "string",
		json.Number("1"): "number", true: "boolean", nil: "null"} {
		if got := KindOf(tok); got != want {
			t.Errorf("KindOf(%v) = %q, want %q", tok, got, want)
		}
	}
}
