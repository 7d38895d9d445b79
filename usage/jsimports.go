package usage

import (
	"bytes"
	"errors"
	"strings"
)

// maxSpecifier bounds a string literal taken as a module specifier or a
// configuration reference; real ones are well under a hundred bytes.
const maxSpecifier = 512

// maxJSNesting bounds the stack of open braces and template substitutions
// the JavaScript scanner keeps, so hostile input cannot grow it unbounded.
const maxJSNesting = 4096

// errTooDeep stops the scan of a file nested past maxJSNesting.
var errTooDeep = errors.New("braces or template substitutions nested too deep")

// jsFound is what scanning one JavaScript or TypeScript source gives.
type jsFound struct {
	// specs are the module specifiers of import declarations, export-from
	// declarations, import() and require() calls and require.resolve(),
	// exactly as written.
	specs []string
	// types are the names of `/// <reference types="x" />` directives.
	types []string
	// strs are every other plain string literal, kept only when asked
	// for (configuration files name plugins and presets in strings).
	strs []string
}

// jsTok is one token of the scanner's short history. Only what the import
// patterns need is kept: identifiers and plain strings by their bounds in
// the source, punctuators by their byte.
type jsTok struct {
	kind  byte // 0 none, 'i' identifier, 's' plain string, 'p' punctuator, 'v' other value (number, regex, template, escaped string)
	punct byte // for 'p'; '+' and '-' stand for "++" and "--" too
	incr  bool // the punctuator was "++" or "--"
	a, b  int  // bounds of an identifier or the content of a string
}

// scanJS reads JavaScript, TypeScript or JSX source and reports its import
// specifiers. It is a tokenizer, not a parser: it knows comments, string
// and template literals (with nested substitutions) and regular expression
// literals well enough that text inside them is never taken for code, and
// it recognises imports by the few token patterns that spell them. It does
// not parse JSX text: a quote there ("Don't") opens a string that a line
// break closes, so at worst the rest of that line is misread. Errors are
// never fatal to what was found before them; the only one is nesting past
// maxJSNesting.
func scanJS(src []byte, wantStrings bool) (jsFound, error) {
	var f jsFound
	var hist [6]jsTok
	push := func(t jsTok) {
		copy(hist[1:], hist[:len(hist)-1])
		hist[0] = t
	}
	ident := func(t jsTok, word string) bool {
		return t.kind == 'i' && string(src[t.a:t.b]) == word
	}
	punct := func(t jsTok, c byte) bool { return t.kind == 'p' && t.punct == c && !t.incr }
	// str handles a complete plain string: it is a specifier when the
	// tokens before it spell an import.
	str := func(a, b int) {
		if b-a > maxSpecifier {
			push(jsTok{kind: 'v'})
			return
		}
		h0, h1, h2, h3 := hist[0], hist[1], hist[2], hist[3]
		switch {
		case ident(h0, "from") && !punct(h1, '.'),
			ident(h0, "import") && !punct(h1, '.'):
			f.specs = append(f.specs, string(src[a:b]))
		case punct(h0, '(') && (ident(h1, "require") || ident(h1, "import") && !punct(h2, '.')):
			f.specs = append(f.specs, string(src[a:b]))
		case punct(h0, '(') && ident(h1, "resolve") && punct(h2, '.') && ident(h3, "require"):
			f.specs = append(f.specs, string(src[a:b]))
		default:
			if wantStrings {
				f.strs = append(f.strs, string(src[a:b]))
			}
		}
		push(jsTok{kind: 's', a: a, b: b})
	}
	var stack []byte // '{' for a brace, '`' for a template substitution
	n := len(src)
	i := 0
	if bytes.HasPrefix(src, []byte("#!")) {
		i = lineEnd(src, 0)
	}
	for i < n {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < n && src[i+1] == '/':
			end := lineEnd(src, i)
			if t := referenceTypes(src[i+2 : end]); t != "" {
				f.types = append(f.types, t)
			}
			i = end
		case c == '/' && i+1 < n && src[i+1] == '*':
			if j := bytes.Index(src[i+2:], []byte("*/")); j >= 0 {
				i += 2 + j + 2
			} else {
				i = n
			}
		case c == '\'' || c == '"':
			end, plain := scanQuoted(src, i)
			if plain {
				str(i+1, end-1)
			} else {
				push(jsTok{kind: 'v'})
			}
			i = end
		case c == '`':
			end, closed, plain := scanTemplate(src, i+1)
			if closed && plain {
				str(i+1, end-1)
			} else {
				push(jsTok{kind: 'v'})
			}
			i = end
			if !closed && i < n { // stopped at "${"
				if len(stack) >= maxJSNesting {
					return f, errTooDeep
				}
				stack = append(stack, '`')
			}
		case c == '}' && len(stack) > 0 && stack[len(stack)-1] == '`':
			stack = stack[:len(stack)-1]
			end, closed, _ := scanTemplate(src, i+1)
			push(jsTok{kind: 'v'})
			i = end
			if !closed && i < n {
				stack = append(stack, '`')
			}
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentPart(src[j]) {
				j++
			}
			push(jsTok{kind: 'i', a: i, b: j})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < n && (isIdentPart(src[j]) || src[j] == '.') {
				j++
			}
			push(jsTok{kind: 'v'})
			i = j
		case c == '/':
			if regexAllowed(hist[0], src) {
				if end, ok := scanRegex(src, i); ok {
					push(jsTok{kind: 'v'})
					i = end
					continue
				}
			}
			push(jsTok{kind: 'p', punct: '/'})
			i++
		default:
			t := jsTok{kind: 'p', punct: c}
			switch c {
			case '{':
				if len(stack) >= maxJSNesting {
					return f, errTooDeep
				}
				stack = append(stack, '{')
			case '}':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case '+', '-':
				if i+1 < n && src[i+1] == c {
					t.incr = true
					i++
				}
			}
			push(t)
			i++
		}
	}
	return f, nil
}

// lineEnd returns the index of the line break at or after i, or len(src).
func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// scanQuoted scans a '…' or "…" literal starting at i and returns the index
// just past it. plain is false when it holds an escape or ends unclosed;
// a string cannot span lines, so an unclosed one ends at the line break,
// which keeps a stray quote (an apostrophe in JSX text) from hiding more
// than its line.
func scanQuoted(src []byte, i int) (end int, plain bool) {
	q := src[i]
	plain = true
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case q:
			return j + 1, plain
		case '\\':
			plain = false
			j++
		case '\n':
			return j, false
		}
	}
	return len(src), false
}

// scanTemplate scans template text from i (just past "`" or the "}" that
// closes a substitution). It returns the index past the closing "`"
// (closed) or past "${" (not closed), or len(src). plain says the text has
// no escape.
func scanTemplate(src []byte, i int) (end int, closed, plain bool) {
	plain = true
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '`':
			return j + 1, true, plain
		case '\\':
			plain = false
			j++
		case '$':
			if j+1 < len(src) && src[j+1] == '{' {
				return j + 2, false, false
			}
		}
	}
	return len(src), false, false
}

// scanRegex scans a regular expression literal at i. It fails at a line
// break, which a regex cannot hold: the "/" was a division after all.
func scanRegex(src []byte, i int) (int, bool) {
	inClass := false
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\n', '\r':
			return 0, false
		case '\\':
			j++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if inClass {
				continue
			}
			j++
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			return j, true
		}
	}
	return 0, false
}

// regexKeywords are the keywords after which "/" starts a regex.
var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "case": true,
	"do": true, "else": true, "yield": true, "await": true,
}

// regexAllowed decides, from the token before a "/", whether it starts a
// regex (after an operator, an opening bracket or a keyword) or is a
// division (after a value, an identifier or a closing bracket) or part of
// a JSX closing tag ("</").
func regexAllowed(prev jsTok, src []byte) bool {
	switch prev.kind {
	case 0:
		return true
	case 'p':
		if prev.incr {
			return false
		}
		switch prev.punct {
		case ')', ']', '}':
			return false
		case '<':
			// "</" closes a JSX element; a regex after "<" is rare.
			return false
		}
		return true
	case 'i':
		return regexKeywords[string(src[prev.a:prev.b])]
	}
	return false
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// referenceTypes returns x of a `/// <reference types="x" />` directive,
// given the comment text after "//".
func referenceTypes(comment []byte) string {
	s := string(comment)
	if !strings.HasPrefix(s, "/") {
		return ""
	}
	s = strings.TrimSpace(s[1:])
	if !strings.HasPrefix(s, "<reference") {
		return ""
	}
	i := strings.Index(s, "types=")
	if i < 0 || i+7 > len(s) {
		return ""
	}
	q := s[i+6]
	if q != '"' && q != '\'' {
		return ""
	}
	rest := s[i+7:]
	j := strings.IndexByte(rest, q)
	if j <= 0 || j > maxSpecifier {
		return ""
	}
	return rest[:j]
}

// scriptBlocks returns the contents of the <script> elements of a Vue,
// Svelte or Astro component, plus an Astro component's "---" front matter,
// which is where such files keep their imports. HTML comments are skipped.
func scriptBlocks(src []byte) [][]byte {
	var out [][]byte
	if bytes.HasPrefix(src, []byte("---")) {
		rest := src[3:]
		if j := bytes.Index(rest, []byte("\n---")); j >= 0 {
			out = append(out, rest[:j])
		}
	}
	lower := bytes.ToLower(src)
	i := 0
	for i < len(src) {
		open := bytes.Index(lower[i:], []byte("<script"))
		comment := bytes.Index(lower[i:], []byte("<!--"))
		if open < 0 {
			break
		}
		if comment >= 0 && comment < open {
			end := bytes.Index(lower[i+comment+4:], []byte("-->"))
			if end < 0 {
				break
			}
			i += comment + 4 + end + 3
			continue
		}
		j := i + open + len("<script")
		// The tag may be <scripts> or similar; require a delimiter.
		if j < len(src) && src[j] != '>' && src[j] != ' ' && src[j] != '\t' && src[j] != '\n' && src[j] != '\r' && src[j] != '/' {
			i = j
			continue
		}
		// Find the end of the opening tag, skipping quoted attributes.
		var q byte
		for j < len(src) {
			c := src[j]
			if q != 0 {
				if c == q {
					q = 0
				}
			} else if c == '"' || c == '\'' {
				q = c
			} else if c == '>' {
				break
			}
			j++
		}
		if j >= len(src) {
			break
		}
		body := j + 1
		end := bytes.Index(lower[body:], []byte("</script"))
		if end < 0 {
			out = append(out, src[body:])
			break
		}
		out = append(out, src[body:body+end])
		i = body + end + len("</script")
	}
	return out
}
