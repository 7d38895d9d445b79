package usage

import (
	"fmt"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/vouchdev/vouch/extract"
)

// tomlNode is one key's value as the walk reports it, with its line.
type tomlNode struct {
	line int
	// header is set for a [table] or [[array-of-tables]] header.
	header bool
	// str is the value of a string.
	str *string
	// elems are an array's elements, each with its own line.
	elems []tomlNode
}

// maxTOMLInline bounds how deep the walk follows inline tables.
const maxTOMLInline = 32

// walkTOML calls fn for every table header and every key of data with its
// full dotted key path (table keys, then the key's own, then those of
// inline tables it is nested in) and the line the key is on. It uses
// go-toml's parser, so a header-like line in a multi-line string is never
// taken for one, and positions are exact. data must have decoded once
// already; a syntax error stops the walk and is returned.
func walkTOML(data []byte, fn func(keys []string, n *tomlNode)) (err error) {
	defer func() {
		// The parser's AST accessors panic on malformed nodes, which
		// its own output should never hold; be safe with hostile input.
		if r := recover(); r != nil {
			err = fmt.Errorf("toml: %v", r)
		}
	}()
	var p unstable.Parser
	p.Reset(data)
	idx := extract.NewLineIndex(data)
	lineOf := func(n *unstable.Node) int {
		l, _ := idx.Position(int64(n.Raw.Offset))
		return l
	}
	keysOf := func(it unstable.Iterator, prefix []string) ([]string, int) {
		keys := append([]string(nil), prefix...)
		line := 0
		for it.Next() {
			k := it.Node()
			if line == 0 {
				line = lineOf(k)
			}
			keys = append(keys, string(k.Data))
		}
		return keys, line
	}
	var emit func(prefix []string, kv *unstable.Node, depth int)
	emit = func(prefix []string, kv *unstable.Node, depth int) {
		keys, line := keysOf(kv.Key(), prefix)
		v := kv.Value()
		n := tomlNode{line: line}
		switch v.Kind {
		case unstable.String:
			s := string(v.Data)
			n.str = &s
		case unstable.Array:
			it := v.Children()
			for it.Next() {
				c := it.Node()
				el := tomlNode{line: line}
				if c.Kind == unstable.String {
					s := string(c.Data)
					el.str = &s
					if c.Raw.Length > 0 {
						el.line = lineOf(c)
					}
				}
				n.elems = append(n.elems, el)
			}
		}
		fn(keys, &n)
		if v.Kind == unstable.InlineTable && depth < maxTOMLInline {
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					emit(keys, c, depth+1)
				}
			}
		}
	}
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var line int
			table, line = keysOf(e.Key(), nil)
			fn(table, &tomlNode{line: line, header: true})
		case unstable.KeyValue:
			emit(table, e, 0)
		}
	}
	if perr := p.Error(); perr != nil {
		return perr
	}
	return nil
}
