package yarnlock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// maxLevels caps indentation levels in a yarn classic lockfile, which
// writes three (entry, field, dependency).
const maxLevels = 16

// token is one lexical element of a yarn classic line.
type token struct {
	kind byte // 's' string, ':' colon, ',' comma
	val  string
	col  int // 1-based
}

// classicParser reads yarn classic's format: an indentation-based syntax of
// its own, where a line is "key value" or "key:" opening a block, and keys
// may be lists ("a@^1, a@~1.2:"). It follows yarn's own parser: two spaces
// per level, strings in double quotes with JSON escapes or bare, "#"
// comments, and "key: value" accepted as "key value".
type classicParser struct {
	ctx   context.Context
	path  string
	lf    *lockfile
	items int
	// open is the deepest level the next line may have: one more than the
	// level of a line that opened a block.
	open int
	// path of keys of the blocks the current line is in, by level.
	stack [maxLevels]string
	cur   *entry
}

func parseV1(ctx context.Context, path string, data []byte) (*lockfile, error) {
	p := &classicParser{ctx: ctx, path: path, lf: &lockfile{}}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		line, col := extract.NewLineIndex(data[:len(data)-len(t)+1]).Position(int64(len(data) - len(t)))
		return nil, p.errorf(line, col, "not a yarn lockfile: JSON")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := extract.NewLineIndex(data[:i+1]).Position(int64(i))
		return nil, p.errorf(line, col, "not a yarn lockfile: binary data")
	}
	err := extract.Lines(path, bytes.NewReader(data), p.line)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = extractorName
		}
		return nil, err
	}
	for _, e := range p.lf.entries {
		finishClassic(e)
	}
	return p.lf, nil
}

// registryRange reports whether a yarn classic descriptor's range is
// resolved by the registry: a semver range or a tag, or an "npm:" alias.
// Anything with a protocol or a path ("https://...", "user/repo",
// "file:../x") is not.
func registryRange(rng string) bool {
	return strings.HasPrefix(rng, "npm:") || !strings.ContainsAny(rng, ":/")
}

// finishClassic works out an entry's package name and source from its key
// and its "resolved" URL.
func finishClassic(e *entry) {
	ident, rng := splitDescriptor(e.descriptors[0])
	e.name = ident
	if spec, ok := strings.CutPrefix(rng, "npm:"); ok {
		if real, _ := splitDescriptor(spec); real != "" && real != ident {
			e.name, e.alias = real, ident
		}
	}
	res := e.resolved
	base, frag, _ := strings.Cut(res, "#")
	switch {
	case res == "":
		// Local folders carry no "resolved"; the key says where they are.
		proto, _, _ := strings.Cut(rng, ":")
		switch proto {
		case "file", "link", "portal":
			e.source = rng
		}
		if proto == "link" {
			// yarn writes "0.0.0" for a link: it never reads the folder.
			e.version = ""
		}
		return
	case isGitURL(res):
		e.source = stripCredentials(res)
		return
	}
	if n, ok := registryTarball(base, e.version); ok {
		if n != e.name {
			if e.alias == "" {
				e.alias = e.name
			}
			e.name = n
		}
		// The registry's shape names the package, but only a registry
		// range makes the URL the registry's (or a mirror's): one the
		// project wrote is its choice.
		if !slices.ContainsFunc(e.descriptors, func(d string) bool {
			_, r := splitDescriptor(d)
			return !registryRange(r)
		}) {
			base = ""
		}
	}
	e.source = stripCredentials(base)
	if isSHA1Hex(frag) {
		e.hashes = addHash(e.hashes, inventory.Hash{Algorithm: "SHA-1", Value: frag})
	}
}

func (p *classicParser) errorf(line, col int, format string, args ...any) *extract.Error {
	return &extract.Error{Path: p.path, Line: line, Column: col, Extractor: extractorName, Err: fmt.Errorf(format, args...)}
}

func (p *classicParser) count() error {
	p.items++
	if p.items > maxItems {
		return fmt.Errorf("more than %d entries and dependencies", maxItems)
	}
	return nil
}

func (p *classicParser) line(n int, s string) error {
	if n%4096 == 0 {
		if err := p.ctx.Err(); err != nil {
			return p.errorf(n, 0, "%w", err)
		}
	}
	for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>", "|||||||"} {
		if strings.HasPrefix(s, m) {
			return p.errorf(n, 1, "unresolved merge conflict marker %q", m)
		}
	}
	if !utf8.ValidString(s) {
		return p.errorf(n, 0, "invalid UTF-8")
	}
	indent := 0
	for indent < len(s) && s[indent] == ' ' {
		indent++
	}
	rest := s[indent:]
	if rest == "" || rest[0] == '#' || strings.TrimSpace(rest) == "" {
		return nil
	}
	if rest[0] == '\t' {
		return p.errorf(n, indent+1, "tab in indentation")
	}
	if indent%2 != 0 {
		return p.errorf(n, indent+1, "indentation of %d spaces, want a multiple of 2", indent)
	}
	level := indent / 2
	if level > p.open {
		return p.errorf(n, indent+1, "unexpected indentation")
	}
	if level >= maxLevels {
		return p.errorf(n, indent+1, "nested deeper than %d levels", maxLevels)
	}
	toks, err := p.tokens(n, indent, rest)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		return nil
	}
	keys, value, hasValue, opens, err := p.grammar(n, toks)
	if err != nil {
		return err
	}
	if opens {
		p.open = level + 1
	} else {
		p.open = level
	}
	p.stack[level] = keys[0]
	switch level {
	case 0:
		if !opens {
			return p.errorf(n, toks[0].col, "want an entry key ending in \":\", got %q", keys[0])
		}
		e := &entry{line: n, descriptors: keys}
		for range keys {
			if err := p.count(); err != nil {
				return p.errorf(n, 1, "%w", err)
			}
		}
		p.lf.entries = append(p.lf.entries, e)
		p.cur = e
		e.name, _ = splitDescriptor(keys[0])
	case 1:
		if !hasValue {
			return nil // a block: dependencies, optionalDependencies, ...
		}
		switch keys[0] {
		case "version":
			p.cur.version = value
		case "resolved":
			p.cur.resolved = value
		case "integrity":
			p.cur.hashes = sriHashes(p.cur.hashes, value)
		}
	case 2:
		if !hasValue {
			return nil
		}
		switch p.stack[1] {
		case "dependencies", "optionalDependencies":
			for _, k := range keys {
				if err := p.count(); err != nil {
					return p.errorf(n, 1, "%w", err)
				}
				p.cur.deps = append(p.cur.deps, dep{name: k, rng: value, optional: p.stack[1] == "optionalDependencies"})
			}
		}
	}
	return nil
}

// grammar reads a line's tokens: keys separated by commas, an optional
// colon, then an optional value. A line needs a colon or a value.
func (p *classicParser) grammar(n int, toks []token) (keys []string, value string, hasValue, opens bool, err error) {
	i := 0
	if toks[0].kind != 's' {
		return nil, "", false, false, p.errorf(n, toks[0].col, "want a key, got %q", toks[0].kind)
	}
	keys = append(keys, toks[0].val)
	i++
	for i+1 < len(toks) && toks[i].kind == ',' {
		if toks[i+1].kind != 's' {
			return nil, "", false, false, p.errorf(n, toks[i+1].col, "want a key after \",\"")
		}
		keys = append(keys, toks[i+1].val)
		i += 2
	}
	if i < len(toks) && toks[i].kind == ',' {
		return nil, "", false, false, p.errorf(n, toks[i].col, "want a key after \",\"")
	}
	colon := false
	if i < len(toks) && toks[i].kind == ':' {
		colon = true
		i++
	}
	if i < len(toks) && toks[i].kind == 's' {
		value, hasValue = toks[i].val, true
		i++
	}
	if i < len(toks) {
		return nil, "", false, false, p.errorf(n, toks[i].col, "unexpected %q", tokenText(toks[i]))
	}
	if !colon && !hasValue {
		return nil, "", false, false, p.errorf(n, toks[0].col, "%q has no value", keys[0])
	}
	return keys, value, hasValue, colon && !hasValue, nil
}

func tokenText(t token) string {
	if t.kind == 's' {
		return t.val
	}
	return string(t.kind)
}

// tokens splits the rest of a line, after its indentation, into tokens.
func (p *classicParser) tokens(n, indent int, s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		col := indent + i + 1
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			return out, nil
		case c == ':' || c == ',':
			out = append(out, token{kind: c, col: col})
			i++
		case c == '"':
			j := i + 1
			esc := false
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					esc = true
					j++
					continue
				}
				if s[j] == '"' {
					break
				}
			}
			if j >= len(s) {
				return nil, p.errorf(n, col, "unterminated string")
			}
			v := s[i+1 : j]
			if esc {
				if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
					return nil, p.errorf(n, col, "bad string: %w", err)
				}
			}
			out = append(out, token{kind: 's', val: v, col: col})
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ':' && s[j] != ',' {
				j++
			}
			out = append(out, token{kind: 's', val: s[i:j], col: col})
			i = j
		}
	}
	return out, nil
}
