// Package jsonstream walks a JSON document held in memory token by token,
// with the line and column of every value, for extractors whose errors and
// locations must name positions in large lockfiles without an index of
// every line.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vouchdev/vouch/extract"
)

// Stream walks a JSON document held in memory with encoding/json's
// decoder, knowing the line and column of every value it meets. Lines are
// counted forward as the decoder moves, so locating costs no memory per
// line of input.
type Stream struct {
	file      string
	extractor string
	data      []byte
	dec       *json.Decoder

	lineOff   int64 // offset up to which lines are counted
	line      int   // the line at lineOff
	lineStart int64 // where that line starts
}

// New returns a Stream over data, the content of file (as errors name it)
// read by extractor; numbers are decoded as json.Number.
func New(file, extractor string, data []byte) *Stream {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &Stream{file: file, extractor: extractor, data: data, dec: dec, line: 1}
}

// Position returns the 1-based line and column of byte offset off.
func (s *Stream) Position(off int64) (line, col int) {
	off = max(0, min(off, int64(len(s.data))))
	if off < s.lineOff {
		s.lineOff, s.line, s.lineStart = 0, 1, 0
	}
	chunk := s.data[s.lineOff:off]
	if n := bytes.Count(chunk, []byte{'\n'}); n > 0 {
		s.line += n
		s.lineStart = s.lineOff + int64(bytes.LastIndexByte(chunk, '\n')) + 1
	}
	s.lineOff = off
	return s.line, int(off-s.lineStart) + 1
}

// Next returns the offset where the next value or token starts: past the
// whitespace, "," and ":" the decoder has not consumed yet.
func (s *Stream) Next() int64 {
	off := s.dec.InputOffset()
	for off < int64(len(s.data)) {
		switch s.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

// ErrorAt returns an error located at byte offset off.
func (s *Stream) ErrorAt(off int64, format string, args ...any) *extract.Error {
	line, col := s.Position(off)
	return &extract.Error{Path: s.file, Line: line, Column: col, Extractor: s.extractor, Err: fmt.Errorf(format, args...)}
}

// Fail locates an error of the decoder: a syntax error at the byte it
// names, an input that ended too soon at its end, anything else where the
// decoder stopped.
func (s *Stream) Fail(err error) *extract.Error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off := se.Offset
		// Some syntax errors are reported just past the offending byte.
		if off > 0 && off <= int64(len(s.data)) && !isSpace(s.data[off-1]) {
			off--
		}
		return s.ErrorAt(off, "json: %w", err)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return s.ErrorAt(max(int64(len(s.data))-1, 0), "json: %w", io.ErrUnexpectedEOF)
	}
	return s.ErrorAt(s.Next(), "json: %w", err)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Token reads one token.
func (s *Stream) Token() (json.Token, error) {
	t, err := s.dec.Token()
	if err != nil {
		return nil, s.Fail(err)
	}
	return t, nil
}

// Open reads the opening delimiter of an object ('{') or array ('['),
// failing with a message naming what was expected.
func (s *Stream) Open(want json.Delim, what string) error {
	off := s.Next()
	t, err := s.Token()
	if err != nil {
		return err
	}
	if t != want {
		return s.ErrorAt(off, "%s: want %s, got %s", what, KindName(want), KindOf(t))
	}
	return nil
}

// Close reads the closing delimiter of a container whose members were all
// read.
func (s *Stream) Close() error {
	_, err := s.Token()
	return err
}

// Key reads an object key.
func (s *Stream) Key() (string, error) {
	t, err := s.Token()
	if err != nil {
		return "", err
	}
	k, _ := t.(string) // the decoder yields only strings in key position
	return k, nil
}

// Skip consumes one value of any type.
func (s *Stream) Skip() error {
	var v json.RawMessage
	if err := s.dec.Decode(&v); err != nil {
		return s.Fail(err)
	}
	return nil
}

// End checks that nothing but whitespace follows the document.
func (s *Stream) End() error {
	off := s.Next()
	if _, err := s.dec.Token(); err != io.EOF {
		return s.ErrorAt(off, "data after the top-level object")
	}
	return nil
}

// KindName names the kind of container a delimiter opens.
func KindName(d json.Delim) string {
	if d == '[' {
		return "array"
	}
	return "object"
}

// KindOf names the kind of value a token starts, for errors.
func KindOf(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "object"
		case '[':
			return "array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// More reports whether the current array or object has another element.
func (s *Stream) More() bool { return s.dec.More() }

// Decode decodes the next value into v, returning the decoder's error
// as is (Fail locates it).
func (s *Stream) Decode(v any) error { return s.dec.Decode(v) }

// File is the file the stream reads, as errors name it.
func (s *Stream) File() string { return s.file }
