package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/extract"
)

var testFile = File{Path: "dir/lock.yaml", Extractor: "test"}

// wantErr is what a test expects of an *extract.Error.
type wantErr struct {
	Line, Column int
	Msg          string // the wrapped error's text
	TooLarge     bool   // wraps extract.ErrTooLarge
}

// gotErr checks that err is an *extract.Error naming testFile and returns
// what wantErr compares, or nil for a nil err.
func gotErr(t *testing.T, err error) *wantErr {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *extract.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *extract.Error", err, err)
	}
	if e.Path != testFile.Path || e.Extractor != testFile.Extractor {
		t.Errorf("error names %q, %q; want %q, %q", e.Path, e.Extractor, testFile.Path, testFile.Extractor)
	}
	return &wantErr{Line: e.Line, Column: e.Column, Msg: e.Err.Error(), TooLarge: errors.Is(err, extract.ErrTooLarge)}
}

// render writes a tree compactly, in flow style, for comparison: the top
// node with its position, then its content.
func render(n *yaml.Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%d ", n.Line, n.Column)
	renderNode(&b, n)
	return b.String()
}

func renderNode(b *strings.Builder, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteString("{")
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			renderNode(b, n.Content[i])
			b.WriteString(": ")
			renderNode(b, n.Content[i+1])
		}
		b.WriteString("}")
	case yaml.SequenceNode:
		b.WriteString("[")
		for i, c := range n.Content {
			if i > 0 {
				b.WriteString(", ")
			}
			renderNode(b, c)
		}
		b.WriteString("]")
	case yaml.AliasNode:
		b.WriteString("*" + n.Value)
	default:
		b.WriteString(n.Value)
	}
}

func TestParse(t *testing.T) {
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n" }
	cases := []struct {
		name string
		data string
		lim  Limits
		want []string // rendered top nodes
		err  *wantErr
	}{
		{name: "empty", data: ""},
		{name: "only-comment", data: "# nothing\n"},
		{name: "null", data: "~\n"},
		{name: "mapping", data: "a: 1\nb: [x, y]\n", want: []string{"1:1 {a: 1, b: [x, y]}"}},
		{name: "scalar", data: "just text\n", want: []string{"1:1 just text"}},
		{name: "bom-free-indented", data: "\n\n  a: 1\n", want: []string{"3:3 {a: 1}"}},

		// Multiple documents: the zero Limits read the first only, so
		// what follows it is neither returned nor parsed.
		{name: "documents-default-first", data: "a: 1\n---\nb: 2\n", want: []string{"1:1 {a: 1}"}},
		{name: "documents-all", data: "a: 1\n---\nb: 2\n---\n---\nc: 3\n", lim: Limits{MaxDocuments: 4}, want: []string{"1:1 {a: 1}", "3:1 {b: 2}", "6:1 {c: 3}"}},
		{name: "documents-cap-counts-empty", data: "a: 1\n---\n---\nc: 3\n", lim: Limits{MaxDocuments: 2}, want: []string{"1:1 {a: 1}"}},
		{name: "documents-first-empty", data: "---\n---\nb: 2\n", lim: Limits{MaxDocuments: 1}},
		{name: "documents-first-null", data: "--- ~\n---\nb: 2\n", lim: Limits{MaxDocuments: 2}, want: []string{"3:1 {b: 2}"}},
		{name: "documents-negative-cap", data: "a: 1\n---\nb: 2\n", lim: Limits{MaxDocuments: -1}, want: []string{"1:1 {a: 1}"}},
		{name: "documents-error-past-cap", data: "a: 1\n---\nb: [\n", lim: Limits{MaxDocuments: 1}, want: []string{"1:1 {a: 1}"}},
		{name: "documents-error-within-cap", data: "a: 1\n---\nb: [\n", lim: Limits{MaxDocuments: 2},
			err: &wantErr{Line: 3, Msg: "yaml: did not find expected node content"}},
		{name: "documents-trailing-junk-first", data: "{a: 1}}\n", want: []string{"1:1 {a: 1}"}},
		{name: "documents-trailing-junk-all", data: "{a: 1}}\n", lim: Limits{MaxDocuments: 4},
			err: &wantErr{Line: 1, Msg: "yaml: did not find expected <document start>"}},

		// Syntax errors: the line (and column, where it can be found)
		// moves from the library's message into the error.
		{name: "syntax-unclosed-flow", data: "a: [1, 2\n", err: &wantErr{Line: 1, Msg: "yaml: did not find expected ',' or ']'"}},
		{name: "syntax-flow-at-eof", data: "a: [1,\n", err: &wantErr{Line: 1, Msg: "yaml: did not find expected node content"}},
		{name: "syntax-mapping-in-scalar", data: "a: b: c\n", err: &wantErr{Line: 1, Msg: "yaml: mapping values are not allowed in this context"}},
		{name: "syntax-bad-indent", data: "a: 1\n  b: 2\n", err: &wantErr{Line: 2, Msg: "yaml: mapping values are not allowed in this context"}},
		{name: "syntax-tab", data: "a:\n\tb: 1\n", err: &wantErr{Line: 2, Msg: "yaml: found character that cannot start any token"}},
		{name: "syntax-sequence-then-mapping", data: "- a\nb: c\n", err: &wantErr{Line: 2, Msg: "yaml: did not find expected '-' indicator"}},
		{name: "syntax-block-scalar-dedent", data: "a: |\n  x\n y\n", err: &wantErr{Line: 3, Msg: "yaml: did not find expected key"}},
		{name: "syntax-unterminated-quote", data: "a: 1\nb: '1\n", err: &wantErr{Line: 2, Msg: "yaml: found unexpected end of stream"}},
		{name: "syntax-bad-escape", data: "a: 1\nb: \"a\\q\"\n", err: &wantErr{Line: 2, Msg: "yaml: found unknown escape character"}},
		{name: "syntax-duplicate-directive", data: "%YAML 1.1\n%YAML 1.1\n---\na\n", err: &wantErr{Line: 2, Msg: "yaml: found duplicate %YAML directive"}},
		{name: "syntax-unknown-anchor", data: "a: 1\nb: *x\n", err: &wantErr{Line: 2, Column: 4, Msg: "yaml: unknown anchor 'x' referenced"}},
		{name: "syntax-control-character", data: "a: 1\nb: \x01\n", err: &wantErr{Line: 2, Column: 4, Msg: "yaml: control characters are not allowed"}},
		{name: "syntax-bad-utf8", data: "a: 1\nbb: x\xff\n", err: &wantErr{Line: 2, Column: 6, Msg: "yaml: invalid leading UTF-8 octet"}},
		{name: "syntax-binary", data: "\x00\x01\x02", err: &wantErr{Line: 1, Column: 1, Msg: "yaml: control characters are not allowed"}},

		// Conflict markers are reported at their line, before the
		// library would report them as a syntax error elsewhere.
		{name: "conflict-ours", data: "a: 1\n<<<<<<< HEAD\nb: 2\n", err: &wantErr{Line: 2, Column: 1, Msg: "unresolved merge conflict marker"}},
		{name: "conflict-separator", data: "=======\n", err: &wantErr{Line: 1, Column: 1, Msg: "unresolved merge conflict marker"}},
		{name: "conflict-theirs-crlf", data: "a: 1\r\n>>>>>>> branch\r\n", err: &wantErr{Line: 2, Column: 1, Msg: "unresolved merge conflict marker"}},
		{name: "conflict-marker-at-eof", data: "a: 1\n>>>>>>>", err: &wantErr{Line: 2, Column: 1, Msg: "unresolved merge conflict marker"}},
		{name: "conflict-lookalike", data: "a: 1\n=======x: 2\n", want: []string{"1:1 {a: 1, =======x: 2}"}},
		{name: "conflict-indented", data: "a: |\n  <<<<<<< not a marker\n", want: []string{"1:1 {a: <<<<<<< not a marker\n}"}},

		// Depth is counted as written, the top node at depth 1.
		{name: "depth-at-default", data: nested(DefaultMaxDepth), want: []string{"1:1 " + strings.TrimSuffix(nested(DefaultMaxDepth), "\n")}},
		{name: "depth-past-default", data: nested(DefaultMaxDepth + 1), err: &wantErr{Line: 1, Column: 65, Msg: "yaml nested deeper than 64 levels"}},
		{name: "depth-custom", data: "a:\n  b:\n    c: 1\n", lim: Limits{MaxDepth: 3}, err: &wantErr{Line: 3, Column: 8, Msg: "yaml nested deeper than 3 levels"}},
		{name: "depth-custom-fits", data: "a:\n  b: 1\n", lim: Limits{MaxDepth: 3}, want: []string{"1:1 {a: {b: 1}}"}},
		{name: "depth-second-document", data: "a: 1\n---\n[[[1]]]\n", lim: Limits{MaxDepth: 3, MaxDocuments: 2}, err: &wantErr{Line: 3, Column: 4, Msg: "yaml nested deeper than 3 levels"}},

		// The node estimate: "[1,2,3,4]\n" counts '[', three ',' and '\n'.
		{name: "nodes-at-cap", data: "[1,2,3,4]\n", lim: Limits{MaxNodeEstimate: 5}, want: []string{"1:1 [1, 2, 3, 4]"}},
		{name: "nodes-past-cap", data: "[1,2,3,4,5]\n", lim: Limits{MaxNodeEstimate: 5},
			err: &wantErr{Msg: "yaml: too large: about 6 nodes, limit 5: input exceeds size limit", TooLarge: true}},
		{name: "nodes-past-default", data: strings.Repeat("-\n", DefaultMaxNodeEstimate/2+1),
			err: &wantErr{Msg: fmt.Sprintf("yaml: too large: about %d nodes, limit %d: input exceeds size limit", DefaultMaxNodeEstimate+2, DefaultMaxNodeEstimate), TooLarge: true}},
		{name: "nodes-before-conflict", data: "<<<<<<<\n[1,2,3,4,5]\n", lim: Limits{MaxNodeEstimate: 5},
			err: &wantErr{Msg: "yaml: too large: about 7 nodes, limit 5: input exceeds size limit", TooLarge: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tops, err := testFile.Parse([]byte(tc.data), tc.lim)
			if diff := cmp.Diff(tc.err, gotErr(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var got []string
			for _, top := range tops {
				got = append(got, render(top))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSyntaxErrorUnwraps checks that a syntax error keeps the library's
// own error, position and all, for callers that look for it.
func TestSyntaxErrorUnwraps(t *testing.T) {
	_, err := testFile.Parse([]byte("a: 1\nb: c: d\n"), Limits{})
	inner := errors.Unwrap(errors.Unwrap(err))
	if inner == nil || inner.Error() != "yaml: line 2: mapping values are not allowed in this context" {
		t.Errorf("library error = %v, want the library's message with its line", inner)
	}
}

func TestEstimateNodes(t *testing.T) {
	cases := []struct {
		data string
		want int
	}{
		{"", 0},
		{"abc", 0},
		{"a: 1\n", 2},
		{"- a\n- b\n", 4},
		{"-a\n-\n-", 4},     // "-a" starts no node; a "-" before a line end or at the end does
		{"? a\n: b\n", 4},   // explicit key and value
		{"{a: [1, *x]}", 5}, // '{', ':', '[', ',', '*'
		{"a-b?c 1-2\t", 0},  // inside scalars
		{"-\t?\r", 2},       // tab and CR separate too
		{"x\r\ny\r\n", 2},   // only the '\n' of CRLF counts
		{"k: '1,2,3'\n", 4}, // quoted commas count: a safe overestimate
		{"\n\n\n\n\n\n", 6}, // empty lines
		{"::::", 4},         // every ':' counts
		{"- - - -", 4},      // nested sequences on one line
		{"---\n...\n", 3},   // document markers: the line breaks and the last '-'
		{strings.Repeat("[", 10), 10},
	}
	for _, tc := range cases {
		if got := estimateNodes([]byte(tc.data)); got != tc.want {
			t.Errorf("estimateNodes(%q) = %d, want %d", tc.data, got, tc.want)
		}
	}
}

// node parses src and follows keys from its top mapping to the node the
// test is about.
func node(t *testing.T, src string, keys ...string) *yaml.Node {
	t.Helper()
	tops, err := testFile.Parse([]byte(src), Limits{})
	if err != nil || len(tops) != 1 {
		t.Fatalf("parse %q: %v", src, err)
	}
	n := tops[0]
	for _, k := range keys {
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			t.Fatalf("no key %q in %q", k, src)
		}
		n = next
	}
	return n
}

func TestScalar(t *testing.T) {
	cases := []struct {
		name, src, key string
		want           string
		err            *wantErr
	}{
		{name: "plain", src: "v: abc\n", key: "v", want: "abc"},
		{name: "quoted", src: "v: '1.0'\n", key: "v", want: "1.0"},
		{name: "number", src: "v: 9.0\n", key: "v", want: "9.0"},
		{name: "null", src: "v:\n", key: "v", want: ""},
		{name: "tilde", src: "v: ~\n", key: "v", want: ""},
		{name: "alias", src: "a: &x abc\nv: *x\n", key: "v", want: "abc"},
		{name: "mapping", src: "v:\n  a: 1\n", key: "v", err: &wantErr{Line: 2, Column: 3, Msg: "field: want a string, got mapping"}},
		{name: "sequence", src: "v: [1]\n", key: "v", err: &wantErr{Line: 1, Column: 4, Msg: "field: want a string, got sequence"}},
		{name: "alias-to-mapping", src: "a: &x {b: 1}\nv: *x\n", key: "v", err: &wantErr{Line: 1, Column: 4, Msg: "field: want a string, got mapping"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := testFile.Scalar(node(t, tc.src, tc.key), "field")
			if diff := cmp.Diff(tc.err, gotErr(t, errOrNil(err))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got != tc.want {
				t.Errorf("Scalar = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMapping(t *testing.T) {
	cases := []struct {
		name, src, key string
		want           string // rendered
		err            *wantErr
	}{
		{name: "mapping", src: "v:\n  a: 1\n", key: "v", want: "2:3 {a: 1}"},
		{name: "flow", src: "v: {a: 1}\n", key: "v", want: "1:4 {a: 1}"},
		// A null is an empty mapping where the null is, for errors
		// about what it lacks.
		{name: "null", src: "x: 1\nv: ~\n", key: "v", want: "2:4 {}"},
		{name: "alias", src: "a: &x {b: 1}\nv: *x\n", key: "v", want: "1:4 {b: 1}"},
		{name: "scalar", src: "v: abc\n", key: "v", err: &wantErr{Line: 1, Column: 4, Msg: "field: want a mapping, got scalar"}},
		{name: "sequence", src: "v:\n  - a\n", key: "v", err: &wantErr{Line: 2, Column: 3, Msg: "field: want a mapping, got sequence"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := testFile.Mapping(node(t, tc.src, tc.key), "field")
			if diff := cmp.Diff(tc.err, gotErr(t, errOrNil(err))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			got := ""
			if m != nil {
				got = render(m)
			}
			if got != tc.want {
				t.Errorf("Mapping = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStringMap(t *testing.T) {
	cases := []struct {
		name, src string
		want      [][2]string
		err       *wantErr
	}{
		{name: "file-order", src: "v:\n  z: 1\n  a: '2'\n  m: ~\n", want: [][2]string{{"z", "1"}, {"a", "2"}, {"m", ""}}},
		{name: "duplicate-keys-kept", src: "v: {a: 1, a: 2}\n", want: [][2]string{{"a", "1"}, {"a", "2"}}},
		{name: "null", src: "v:\n", want: [][2]string{}},
		{name: "value-alias", src: "a: &x '^1.0'\nv: {b: *x}\n", want: [][2]string{{"b", "^1.0"}}},
		{name: "not-mapping", src: "v: [a, b]\n", err: &wantErr{Line: 1, Column: 4, Msg: "deps: want a mapping, got sequence"}},
		{name: "value-mapping", src: "v:\n  a: 1\n  b:\n    c: 2\n", err: &wantErr{Line: 4, Column: 5, Msg: `deps["b"]: want a string, got mapping`}},
		{name: "key-sequence", src: "v:\n  ? [a]\n  : 1\n", err: &wantErr{Line: 2, Column: 5, Msg: "deps key: want a string, got sequence"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := testFile.StringMap(node(t, tc.src, "v"), "deps")
			if diff := cmp.Diff(tc.err, gotErr(t, errOrNil(err))); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("StringMap (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	n := node(t, "a: 1\nv:  x\n", "v")
	err := testFile.Errorf(n, "bad %s: %w", "v", extract.ErrTooLarge)
	want := &wantErr{Line: 2, Column: 5, Msg: "bad v: input exceeds size limit", TooLarge: true}
	if diff := cmp.Diff(want, gotErr(t, err)); diff != "" {
		t.Errorf("Errorf (-want +got):\n%s", diff)
	}
}

func TestKindName(t *testing.T) {
	top := node(t, "m: {}\ns: []\nv: x\nn: ~\nq: 'null'\na: &x 1\nl: *x\n")
	got := map[string]string{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		got[top.Content[i].Value] = KindName(top.Content[i+1])
	}
	got["document"] = KindName(&yaml.Node{Kind: yaml.DocumentNode})
	want := map[string]string{
		"m": "mapping", "s": "sequence", "v": "scalar", "n": "null", "q": "scalar",
		"a": "scalar", "l": "alias", "document": "document",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("KindName (-want +got):\n%s", diff)
	}
}

func TestResolve(t *testing.T) {
	target := &yaml.Node{Kind: yaml.ScalarNode, Value: "t"}
	alias := &yaml.Node{Kind: yaml.AliasNode, Alias: target}
	dangling := &yaml.Node{Kind: yaml.AliasNode}
	// The library never anchors an alias, but a hand-built tree could:
	// Resolve follows one step only, so a cycle cannot loop.
	cycle := &yaml.Node{Kind: yaml.AliasNode}
	cycle.Alias = cycle
	chain := &yaml.Node{Kind: yaml.AliasNode, Alias: alias}
	cases := []struct {
		name    string
		in, out *yaml.Node
	}{
		{"nil", nil, nil},
		{"not-alias", target, target},
		{"alias", alias, target},
		{"dangling", dangling, dangling},
		{"cycle", cycle, cycle},
		{"alias-of-alias", chain, chain},
	}
	for _, tc := range cases {
		if got := Resolve(tc.in); got != tc.out {
			t.Errorf("%s: Resolve returned %p, want %p", tc.name, got, tc.out)
		}
	}
}

// errOrNil turns a nil *extract.Error into a nil error, which gotErr
// takes as "no error".
func errOrNil(err *extract.Error) error {
	if err == nil {
		return nil
	}
	return err
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb: [x, y]\n",
		"__metadata:\n  version: 8\n\"a@npm:^1.0.0\":\n  version: 1.0.0\n  dependencies:\n    b: \"npm:^2\"\n",
		"lockfileVersion: '9.0'\n---\nlockfileVersion: '9.0'\nimporters:\n  .: {}\n",
		"a: &x {b: 1}\nc: *x\nd: *y\n",
		"a: 1\n<<<<<<< HEAD\n",
		"{a: 1}}\n",
		"a: \xff\x00\n",
		"\xfe\xff\x00a\x00:\x00 \x001\x00\n",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		results := map[int][]*yaml.Node{}
		for _, docs := range []int{1, 4} {
			lim := Limits{MaxNodeEstimate: 1 << 14, MaxDepth: 16, MaxDocuments: docs}
			tops, err := testFile.Parse(data, lim)
			if err != nil {
				var e *extract.Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *extract.Error", err, err)
				}
				if e.Path != testFile.Path || e.Extractor != testFile.Extractor {
					t.Fatalf("error names %q, %q", e.Path, e.Extractor)
				}
				if e.Line < 0 || e.Line > lines || e.Column < 0 {
					t.Fatalf("error at %d:%d of %d lines: %v", e.Line, e.Column, lines, err)
				}
				if len(tops) != 0 {
					t.Fatalf("error %v with %d documents", err, len(tops))
				}
				continue
			}
			if len(tops) > docs {
				t.Fatalf("%d documents, limit %d", len(tops), docs)
			}
			for _, top := range tops {
				if top == nil || (top.Kind == yaml.ScalarNode && top.Tag == "!!null") {
					t.Fatalf("empty document returned")
				}
				if d := depth(top); d > lim.MaxDepth {
					t.Fatalf("depth %d, limit %d", d, lim.MaxDepth)
				}
				// The helpers never panic, whatever they are given.
				_, _ = testFile.Scalar(top, "top")
				_, _ = testFile.StringMap(top, "top")
				_ = KindName(Resolve(top))
			}
			results[docs] = tops
		}
		// Reading more documents never accepts less, and never changes
		// the first one read.
		if one, ok := results[1]; ok && len(one) == 1 {
			all, ok := results[4]
			if ok && (len(all) == 0 || render(all[0]) != render(one[0])) {
				t.Fatalf("first document %q, but reading four gave %d", render(one[0]), len(all))
			}
		}
		if _, ok := results[4]; ok {
			if _, ok := results[1]; !ok {
				t.Fatalf("four documents parse, the first alone does not")
			}
		}
	})
}

// depth measures a tree as written, aliases not followed.
func depth(n *yaml.Node) int {
	d := 0
	for _, c := range n.Content {
		d = max(d, depth(c))
	}
	return d + 1
}
