package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// JSONError turns an error of decoding data, a JSON document read whole
// (json.Unmarshal), into an *Error naming path with the line and column
// where the decoder stopped. Syntax errors carry their offset; type
// errors raised inside a type with its own UnmarshalJSON carry an offset
// relative to that value, not to the file, so they are located again
// from their field path. Other errors have no position. The message is
// prefixed "json: " unless it already is.
func JSONError(path string, data []byte, err error) *Error {
	e := &Error{Path: path, Err: err}
	if !strings.HasPrefix(err.Error(), "json: ") {
		e.Err = fmt.Errorf("json: %w", err)
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset is just past the offending byte, or the length of the
		// input when it ended too soon.
		off := se.Offset
		if off > 0 && off < int64(len(data)) {
			off--
		}
		e.Line, e.Column = NewLineIndex(data).Position(off)
	case errors.As(err, &te):
		kind, _, _ := strings.Cut(te.Value, " ")
		if off, ok := locateJSON(data, te.Field, kind); ok {
			e.Line, e.Column = NewLineIndex(data).Position(off)
		}
	}
	return e
}

// locateJSON finds the first value of JSON kind ("string", "number",
// "bool", "array", "object") whose key path (object keys joined by ".",
// arrays transparent) ends with field, and returns the offset just before
// it.
func locateJSON(data []byte, field, kind string) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		obj       bool
		key       string
		expectKey bool
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].expectKey = true
		}
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key = k
				stack[n-1].expectKey = false
				continue
			}
			stack = stack[:n-1] // '}'
			valueDone()
			continue
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			stack = stack[:len(stack)-1]
			valueDone()
			continue
		}
		var keys []string
		for _, f := range stack {
			if f.obj {
				keys = append(keys, f.key)
			}
		}
		p := strings.Join(keys, ".")
		if (field == "" || p == field || strings.HasSuffix(p, "."+field)) && jsonKind(tok) == kind {
			return off, true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		default:
			valueDone()
		}
	}
}

// jsonKind names the kind of value a token starts, as
// json.UnmarshalTypeError's Value does.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case json.Delim:
		if t == '{' {
			return "object"
		}
		return "array"
	}
	return "null"
}
