package pyproject

import (
	"errors"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/vouchdev/vouch/extract"
)

// DecodeTOML decodes data into v, turning go-toml's positioned errors into
// an *extract.Error with the line and column in path.
func DecodeTOML(path string, data []byte, v any) error {
	err := toml.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &extract.Error{Path: path, Line: line, Column: col, Err: de}
	}
	return &extract.Error{Path: path, Err: err}
}

// ReadLock reads a TOML lockfile that lists its packages as [[package]]
// tables (poetry.lock, pdm.lock, uv.lock) whole into v, and returns the
// line of each of those tables, in order (see ArrayTableLines).
func ReadLock(in *extract.Input, v any) ([]int, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		return nil, err
	}
	if err := DecodeTOML(in.Path, data, v); err != nil {
		return nil, err
	}
	return ArrayTableLines(data, "package"), nil
}

// ArrayTableLines returns the 1-based line of each `[[name]]` header in
// data, in document order, so that the n-th decoded entry of an array of
// tables can be given its line. It uses go-toml's parser rather than a text
// scan so that a header-like line inside a multi-line string is not
// counted. On a syntax error it returns the headers seen before it.
func ArrayTableLines(data []byte, name string) []int {
	var p unstable.Parser
	p.Reset(data)
	var idx extract.LineIndex
	var lines []int
	for p.NextExpression() {
		e := p.Expression()
		if e == nil || e.Kind != unstable.ArrayTable {
			continue
		}
		it := e.Key()
		if !it.Next() {
			continue
		}
		k := it.Node()
		if string(k.Data) != name || it.Next() {
			continue
		}
		if idx == nil {
			idx = extract.NewLineIndex(data)
		}
		line, _ := idx.Position(int64(k.Raw.Offset))
		lines = append(lines, line)
	}
	return lines
}

// LineAt returns lines[i], or 0 when there is no such entry, for use with
// ArrayTableLines.
func LineAt(lines []int, i int) int {
	if i < 0 || i >= len(lines) {
		return 0
	}
	return lines[i]
}
