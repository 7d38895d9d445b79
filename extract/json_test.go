package extract

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// custom decodes itself, so a type error inside it carries an offset into
// its own value rather than into the file.
type custom struct{ Inner []struct{ N int } }

func (c *custom) UnmarshalJSON(b []byte) error {
	type plain custom
	return json.Unmarshal(b, (*plain)(c))
}

func TestJSONError(t *testing.T) {
	var doc struct {
		Name  string  `json:"name"`
		Items []int   `json:"items"`
		C     *custom `json:"c"`
	}
	tests := []struct {
		name      string
		data      string
		line, col int
		msg       string
	}{
		{name: "syntax", data: "{\n  \"name\": \"x\",\n  ]\n}", line: 3, col: 3, msg: "json: invalid character ']' looking for beginning of object key string"},
		{name: "truncated", data: "{\n  \"name\": \"x\",\n", line: 3, col: 1, msg: "json: unexpected end of JSON input"},
		{name: "empty", data: "", line: 1, col: 1, msg: "json: unexpected end of JSON input"},
		{name: "binary", data: "\x00\x01", line: 1, col: 1, msg: "json: invalid character '\\x00' looking for beginning of value"},
		{name: "wrong type", data: "{\"name\": \"x\",\n\"items\": [1,\n \"two\"]}", line: 2, col: 12, // just past the value before it
			msg: "json: cannot unmarshal string into Go struct field .items of type int"},
		{name: "wrong type in custom decoder", data: "{\"name\": \"x\",\n\"c\": {\"Inner\": [{\"N\": 1},\n {\"N\": true}]}}", line: 3, col: 6,
			msg: "json: cannot unmarshal bool into Go struct field .c.Inner.N of type int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tt.data), &doc)
			if err == nil {
				t.Fatal("decoded without error")
			}
			e := JSONError("a/doc.json", []byte(tt.data), err)
			got := []any{e.Path, e.Line, e.Column, e.Err.Error()}
			if diff := cmp.Diff([]any{"a/doc.json", tt.line, tt.col, tt.msg}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if !errors.Is(e, err) {
				t.Errorf("%v does not wrap %v", e, err)
			}
		})
	}
	// An error of no known kind keeps no position, and gains the prefix.
	e := JSONError("a/doc.json", []byte("{}"), errors.New("bad spec"))
	if e.Line != 0 || e.Column != 0 || e.Error() != "a/doc.json: json: bad spec" {
		t.Errorf("other error = %v at %d:%d", e, e.Line, e.Column)
	}
}
