package spdx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/extract"
)

// jsonError turns a decoding error into an *extract.Error with the line
// and column where the decoder stopped. Type errors raised inside a type
// with its own UnmarshalJSON carry an offset relative to that value, not
// to the file, so they are located again from their field path.
func jsonError(path string, data []byte, err error) error {
	e := &extract.Error{Path: path, Err: err}
	if !strings.HasPrefix(err.Error(), "json: ") {
		e.Err = fmt.Errorf("json: %w", err)
	}
	idx := extract.NewLineIndex(data)
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
		e.Line, e.Column = idx.Position(off)
	case errors.As(err, &te):
		kind, _, _ := strings.Cut(te.Value, " ")
		if off, ok := locate(data, te.Field, kind); ok {
			e.Line, e.Column = idx.Position(off)
		}
	}
	return e
}

// locate finds the first value of JSON kind ("string", "number", "bool",
// "array", "object") whose key path (object keys joined by ".", arrays
// transparent) ends with field, and returns the offset just before it.
func locate(data []byte, field, kind string) (int64, bool) {
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
		if (field == "" || p == field || strings.HasSuffix(p, "."+field)) && kindOf(tok) == kind {
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

func kindOf(tok json.Token) string {
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

// keyLines maps each string value of the given object keys to the line of
// its first occurrence, scanning the raw bytes rather than decoding again:
// it serves only to point a reader at a component in a file the decoder has
// already accepted. A key inside a string value is preceded by a backslash
// and skipped.
func keyLines(data []byte, keys ...string) map[string]int {
	idx := extract.NewLineIndex(data)
	lines := map[string]int{}
	for _, key := range keys {
		pat := []byte(`"` + key + `"`)
		for i := 0; ; {
			j := bytes.Index(data[i:], pat)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(pat)
			if at > 0 && data[at-1] == '\\' {
				continue
			}
			k := skipSpace(data, i)
			if k >= len(data) || data[k] != ':' {
				continue
			}
			k = skipSpace(data, k+1)
			if k >= len(data) || data[k] != '"' {
				continue
			}
			end, ok := stringEnd(data, k)
			if !ok {
				break
			}
			var v string
			if json.Unmarshal(data[k:end], &v) == nil {
				if _, dup := lines[v]; !dup {
					lines[v], _ = idx.Position(int64(at))
				}
			}
			i = end
		}
	}
	return lines
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the offset just past the JSON string starting at
// data[start] (a quote).
func stringEnd(data []byte, start int) (int, bool) {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// quotedLine returns the line of the first occurrence of s as a JSON
// string ("spdxVersion" as a key, an SPDXID as a value), 0 when absent.
func quotedLine(data []byte, s string) int {
	q, err := json.Marshal(s)
	if err != nil {
		return 0
	}
	i := bytes.Index(data, q)
	if i < 0 {
		return 0
	}
	line, _ := extract.NewLineIndex(data).Position(int64(i))
	return line
}
