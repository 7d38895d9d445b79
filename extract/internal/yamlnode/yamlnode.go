// Package yamlnode parses YAML lockfiles into go.yaml.in/yaml/v3 node trees
// under caps that bound memory and time on hostile input, and reads typed
// values from those trees with errors positioned in the file.
//
// It is shared by the extractors of YAML lockfiles (yarn Berry, pnpm) so
// that a syntax error, an oversized file or a value of the wrong type is
// reported the same way, at the same line and column, by each of them.
package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/extract"
)

// Defaults for the zero fields of Limits. The YAML library builds a tree of
// nodes of about 200 bytes each, so a file's size alone does not bound
// memory: a file of "- a" lines costs 50 times its size.
const (
	// DefaultMaxNodeEstimate caps the estimate of a file's nodes made
	// before the tree is built. Real lockfiles estimate at about one node
	// per 10 bytes, so this admits lockfiles of some 40 MB.
	DefaultMaxNodeEstimate = 1 << 22
	// DefaultMaxDepth caps nesting; lockfiles nest four or five levels.
	DefaultMaxDepth = 64
)

// Limits bound what Parse accepts. A zero field takes its default, so no
// field can turn a cap off.
type Limits struct {
	// MaxNodeEstimate caps the nodes estimated from the bytes that can
	// start one, before the tree is built; 0 means DefaultMaxNodeEstimate.
	MaxNodeEstimate int
	// MaxDepth caps the nesting of each document as written, aliases not
	// followed; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxDocuments caps the documents read, empty ones included; 0 means
	// 1, the first document only. Documents past the cap are left
	// unparsed, so a syntax error in them goes unreported.
	MaxDocuments int
}

func (l Limits) withDefaults() Limits {
	if l.MaxNodeEstimate <= 0 {
		l.MaxNodeEstimate = DefaultMaxNodeEstimate
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = 1
	}
	return l
}

// File names the file and the extractor that every error of this package
// reports, so that errors from a shared parser still say whose they are.
type File struct {
	Path      string // the file, as in extract.Input.Path
	Extractor string // the extractor's name, as in extract.Error.Extractor
}

// estimateNodes counts the bytes that can start or separate YAML nodes:
// line breaks, flow indicators, ": ", "- " and "? ". Each node of a tree
// needs at least one of them before it, give or take a small factor, so a
// cap on the count caps the tree before the library builds it.
func estimateNodes(data []byte) int {
	n := 0
	for i, c := range data {
		switch c {
		case '\n', ',', '[', '{', ':', '*':
			n++
		case '-', '?':
			if i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n' || data[i+1] == '\t' || data[i+1] == '\r' {
				n++
			}
		}
	}
	return n
}

// Parse returns the top nodes of the first lim.MaxDocuments YAML documents
// of data, skipping empty and null ones: nil for a file without content.
// Every error is an *extract.Error naming f, at the line (and column) of
// the problem where it can be known.
func (f File) Parse(data []byte, lim Limits) (tops []*yaml.Node, err error) {
	lim = lim.withDefaults()
	if n := estimateNodes(data); n > lim.MaxNodeEstimate {
		return nil, &extract.Error{Path: f.Path, Extractor: f.Extractor, Err: fmt.Errorf("yaml: too large: about %d nodes, limit %d: %w", n, lim.MaxNodeEstimate, extract.ErrTooLarge)}
	}
	if line := conflictMarker(data); line > 0 {
		return nil, &extract.Error{Path: f.Path, Line: line, Column: 1, Extractor: f.Extractor, Err: errors.New("unresolved merge conflict marker")}
	}
	defer func() {
		// The YAML library has panicked on hostile input in the past; a
		// failure must cost this file only, with its name.
		if r := recover(); r != nil {
			tops, err = nil, &extract.Error{Path: f.Path, Extractor: f.Extractor, Err: fmt.Errorf("yaml: parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range lim.MaxDocuments {
		var doc yaml.Node
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, f.syntaxError(data, err)
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		top := doc.Content[0]
		if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
			continue
		}
		if err := f.checkDepth(top, lim.MaxDepth); err != nil {
			return nil, err
		}
		tops = append(tops, top)
	}
	return tops, nil
}

// conflictMarker returns the line of the first git merge conflict marker
// in data, or 0. The YAML library would report one as a syntax error far
// from the point, or not at all.
func conflictMarker(data []byte) int {
	line := 1
	for start := 0; start < len(data); line++ {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data) - start
		}
		l := bytes.TrimSuffix(data[start:start+end], []byte("\r"))
		if len(l) >= 7 && (l[0] == '<' || l[0] == '=' || l[0] == '>') {
			for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>"} {
				if bytes.HasPrefix(l, []byte(m)) && (len(l) == 7 || l[7] == ' ') {
					return line
				}
			}
		}
		start += end + 1
	}
	return 0
}

// checkDepth bounds the nesting of the tree as written, aliases not
// followed. Aliases are resolved one step only (see Resolve), so this
// bounds every walk of the tree.
func (f File) checkDepth(top *yaml.Node, maxDepth int) error {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{top, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > maxDepth {
			return f.Errorf(it.n, "yaml nested deeper than %d levels", maxDepth)
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, it.depth + 1})
		}
	}
	return nil
}

// Resolve follows an alias to its anchored node. Lockfile writers never
// use anchors; following one step keeps a hand-written one working without
// letting aliases multiply the work.
func Resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind != yaml.AliasNode {
		return n.Alias
	}
	return n
}

// KindName names a node's kind in errors: "mapping", "sequence", "scalar",
// "null", "alias" or "document".
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// Errorf returns an error positioned at n, for problems the caller finds
// in the tree.
func (f File) Errorf(n *yaml.Node, format string, args ...any) *extract.Error {
	return &extract.Error{Path: f.Path, Line: n.Line, Column: n.Column, Extractor: f.Extractor, Err: fmt.Errorf(format, args...)}
}

// yamlLine finds the position the YAML library writes into its messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// The YAML library's parser writes a 0-based line into its messages where
// its scanner writes a 1-based one, and both leave out line 0; its reader
// writes no line (or a stale one) for bad characters; its composer none
// for aliases.
var (
	parserProblems = []string{
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle",
	}
	readerProblems = []string{
		"control characters are not allowed", "expected low surrogate area",
		"incomplete UTF-", "input error", "invalid Unicode character",
		"invalid leading UTF-8 octet", "invalid length of a UTF-8 sequence",
		"invalid trailing UTF-8 octet", "unexpected low surrogate area",
	}
	unknownAnchor = regexp.MustCompile(`^unknown anchor '([^']*)' referenced`)
)

// yamlError is a YAML library error whose position has moved from its text
// into the extract.Error around it.
type yamlError struct {
	msg string
	err error
}

func (e *yamlError) Error() string { return e.msg }
func (e *yamlError) Unwrap() error { return e.err }

// syntaxError places err, from the YAML library, in the file.
func (f File) syntaxError(data []byte, err error) *extract.Error {
	text := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		text = text[len(m[0]):]
	} else {
		text = strings.TrimPrefix(text, "yaml: ")
	}
	e := &extract.Error{Path: f.Path, Extractor: f.Extractor, Err: &yamlError{msg: "yaml: " + text, err: err}}
	switch {
	case hasPrefix(text, readerProblems):
		e.Line, e.Column = badCharacter(data)
	case unknownAnchor.MatchString(text):
		a := unknownAnchor.FindStringSubmatch(text)[1]
		if i := bytes.Index(data, []byte("*"+a)); i >= 0 {
			e.Line, e.Column = extract.NewLineIndex(data[:i+1]).Position(int64(i))
		}
	case hasPrefix(text, parserProblems):
		e.Line = min(line+1, lastLine(data))
	case line == 0:
		e.Line = 1
	default:
		e.Line = min(line, lastLine(data))
	}
	return e
}

// lastLine is the number of the last line of data that holds anything:
// the library places the end of the stream on a line of its own.
func lastLine(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// badCharacter returns the position of the first byte YAML does not allow
// (c-printable in YAML 1.2), or 0, 0 when it finds none (UTF-16 input).
func badCharacter(data []byte) (line, col int) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd && r != utf8.RuneError) || r >= 0x10000 ||
			(r == utf8.RuneError && size == 3)
		if !ok {
			return extract.NewLineIndex(data[:i+1]).Position(int64(i))
		}
		i += size
	}
	return 0, 0
}

// Scalar returns the text of a scalar node ("" for a null), or an error
// naming what the value is for and what was found instead.
func (f File) Scalar(n *yaml.Node, what string) (string, *extract.Error) {
	n = Resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", f.Errorf(n, "%s: want a string, got %s", what, KindName(n))
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// Mapping checks that n is a mapping and returns it. A null counts as an
// empty mapping, at the null's position: lockfile writers leave a section
// with nothing in it empty.
func (f File) Mapping(n *yaml.Node, what string) (*yaml.Node, *extract.Error) {
	n = Resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, f.Errorf(n, "%s: want a mapping, got %s", what, KindName(n))
	}
	return n, nil
}

// StringMap reads a mapping of strings to strings as key, value pairs in
// file order, which a Go map would lose.
func (f File) StringMap(n *yaml.Node, what string) ([][2]string, *extract.Error) {
	m, err := f.Mapping(n, what)
	if err != nil {
		return nil, err
	}
	out := make([][2]string, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := f.Scalar(m.Content[i], what+" key")
		if err != nil {
			return nil, err
		}
		v, err := f.Scalar(m.Content[i+1], what+"["+strconv.Quote(k)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}
