package usage

import (
	"bytes"
	"slices"
	"strings"
)

// pyFound is what scanning one Python source gives.
type pyFound struct {
	// mods are the absolute modules imported, dotted as written; a
	// from-import adds "pkg" and "pkg.name" for each name, since "from
	// google import protobuf" imports the module google.protobuf.
	mods []string
	// strs are string literals that name a module ("rest_framework.
	// authentication.TokenAuthentication", or in a settings file
	// "corsheaders") or a database URL ("postgresql+psycopg2://…"):
	// frameworks load such modules by name.
	strs []string
}

// pyTok is one token: a name, a string, an operator byte, or the end.
type pyTok struct {
	kind  byte // 'n' name, 's' string, 'o' operator, 0 end
	op    byte
	a, b  int  // bounds of a name, or of a string's content
	plain bool // a string without escapes or f-string fields
	start bool // the token begins a statement
}

// pyLexer splits Python source into the tokens the import patterns need.
// It knows comments, line continuations, bracket nesting (a line break
// inside brackets does not end a statement) and every string form,
// prefixes and triple quotes included, so nothing inside a string or
// comment is taken for an import.
type pyLexer struct {
	src     []byte
	i       int
	depth   int
	atStart bool
	back    *pyTok
}

func (l *pyLexer) unread(t pyTok) { l.back = &t }

func (l *pyLexer) next() pyTok {
	if l.back != nil {
		t := *l.back
		l.back = nil
		return t
	}
	src, n := l.src, len(l.src)
	for l.i < n {
		c := src[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			l.i++
		case c == '\\' && l.i+1 < n && (src[l.i+1] == '\n' || src[l.i+1] == '\r'):
			l.i += 2
			if l.i < n && src[l.i-1] == '\r' && src[l.i] == '\n' {
				l.i++
			}
		case c == '\n' || c == '\r':
			l.i++
			if l.depth == 0 {
				l.atStart = true
			}
		case c == '#':
			l.i = lineEnd(src, l.i)
		case c == '"' || c == '\'':
			return l.str(l.i)
		case isPyIdentStart(c):
			j := l.i + 1
			for j < n && isPyIdentPart(src[j]) {
				j++
			}
			if j < n && (src[j] == '"' || src[j] == '\'') && stringPrefix(src[l.i:j]) {
				prefix := src[l.i:j]
				t := l.str(j)
				if bytes.ContainsAny(prefix, "fFtT") {
					t.plain = false
				}
				return t
			}
			t := pyTok{kind: 'n', a: l.i, b: j}
			l.i = j
			return l.emit(t)
		case c >= '0' && c <= '9':
			j := l.i + 1
			for j < n && (isPyIdentPart(src[j]) || src[j] == '.') {
				j++
			}
			l.i = j
			// A number is a value; it only matters as "not an import".
			return l.emit(pyTok{kind: 'o', op: '0'})
		default:
			l.i++
			switch c {
			case '(', '[', '{':
				l.depth++
			case ')', ']', '}':
				if l.depth > 0 {
					l.depth--
				}
			}
			t := l.emit(pyTok{kind: 'o', op: c})
			if (c == ';' || c == ':') && l.depth == 0 {
				l.atStart = true
			}
			return t
		}
	}
	return pyTok{}
}

// emit marks t as the start of a statement when it is, and clears the
// state for the tokens after it.
func (l *pyLexer) emit(t pyTok) pyTok {
	t.start = l.atStart
	l.atStart = false
	return t
}

// str scans a string whose opening quote is at q.
func (l *pyLexer) str(q int) pyTok {
	src, n := l.src, len(l.src)
	quote := src[q]
	triple := q+2 < n && src[q+1] == quote && src[q+2] == quote
	t := pyTok{kind: 's', plain: true}
	if triple {
		t.a = q + 3
		j := t.a
		for ; j < n; j++ {
			if src[j] == '\\' {
				t.plain = false
				j++
				continue
			}
			if src[j] == quote && j+2 < n && src[j+1] == quote && src[j+2] == quote {
				t.b = j
				l.i = j + 3
				return l.emit(t)
			}
		}
		t.b, l.i, t.plain = n, n, false
		return l.emit(t)
	}
	t.a = q + 1
	for j := t.a; j < n; j++ {
		switch src[j] {
		case quote:
			t.b = j
			l.i = j + 1
			return l.emit(t)
		case '\\':
			t.plain = false
			j++
		case '\n', '\r':
			// Unclosed: the string ends with its line.
			t.b, l.i, t.plain = j, j, false
			return l.emit(t)
		}
	}
	t.b, l.i, t.plain = n, n, false
	return l.emit(t)
}

// stringPrefix reports whether p is a string prefix (r, b, u, f, t and
// their two-letter combinations, in either case).
func stringPrefix(p []byte) bool {
	if len(p) == 0 || len(p) > 2 {
		return false
	}
	for _, c := range p {
		switch c {
		case 'r', 'R', 'b', 'B', 'u', 'U', 'f', 'F', 't', 'T':
		default:
			return false
		}
	}
	return true
}

func isPyIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isPyIdentPart(c byte) bool {
	return isPyIdentStart(c) || c >= '0' && c <= '9'
}

// maxPyDotted bounds the names of one dotted module or one import list.
const maxPyDotted = 256

// scanPy reads Python source (or Cython, whose cimport it also knows) and
// reports the absolute modules it imports: "import a.b as c, d",
// "from a.b import c", "from a import (b, c)", importlib.import_module("a")
// and __import__("a"). Relative imports name the project's own modules and
// are skipped. allStrings keeps every identifier-like string literal, not
// only dotted ones, for settings files whose plain strings name modules
// (Django's INSTALLED_APPS).
func scanPy(src []byte, allStrings bool) pyFound {
	var f pyFound
	l := &pyLexer{src: src, atStart: true}
	text := func(t pyTok) string { return string(src[t.a:t.b]) }
	isName := func(t pyTok, w string) bool { return t.kind == 'n' && string(src[t.a:t.b]) == w }
	// dotted reads "a.b.c" after its first name.
	dotted := func(first pyTok) string {
		var b strings.Builder
		b.WriteString(text(first))
		for k := 0; k < maxPyDotted; k++ {
			dot := l.next()
			if dot.kind != 'o' || dot.op != '.' {
				l.unread(dot)
				break
			}
			name := l.next()
			if name.kind != 'n' {
				l.unread(name)
				break
			}
			b.WriteByte('.')
			b.WriteString(text(name))
		}
		return b.String()
	}
	for {
		t := l.next()
		if t.kind == 0 {
			// Names outside ASCII are legal Python but no index has such a
			// module; dropping them keeps binary junk out.
			f.mods = slices.DeleteFunc(f.mods, func(m string) bool { return !isDottedName(m) })
			return f
		}
		switch {
		case t.start && (isName(t, "import") || isName(t, "cimport")):
			for k := 0; k < maxPyDotted; k++ {
				name := l.next()
				if name.kind != 'n' {
					l.unread(name)
					break
				}
				f.mods = append(f.mods, dotted(name))
				if as := l.next(); isName(as, "as") {
					if alias := l.next(); alias.kind != 'n' {
						l.unread(alias)
					}
				} else {
					l.unread(as)
				}
				if comma := l.next(); comma.kind != 'o' || comma.op != ',' {
					l.unread(comma)
					break
				}
			}
		case t.start && isName(t, "from"):
			dots := 0
			tok := l.next()
			for tok.kind == 'o' && tok.op == '.' && dots < maxPyDotted {
				dots++
				tok = l.next()
			}
			mod := ""
			if tok.kind == 'n' && !isName(tok, "import") && !isName(tok, "cimport") {
				mod = dotted(tok)
				tok = l.next()
			}
			if !isName(tok, "import") && !isName(tok, "cimport") {
				l.unread(tok)
				continue
			}
			if dots > 0 || mod == "" || mod == "__future__" {
				continue
			}
			f.mods = append(f.mods, mod)
			paren := false
			if p := l.next(); p.kind == 'o' && p.op == '(' {
				paren = true
			} else {
				l.unread(p)
			}
			for k := 0; k < maxPyDotted; k++ {
				name := l.next()
				if name.kind != 'n' {
					l.unread(name)
					break
				}
				f.mods = append(f.mods, mod+"."+text(name))
				if as := l.next(); isName(as, "as") {
					if alias := l.next(); alias.kind != 'n' {
						l.unread(alias)
					}
				} else {
					l.unread(as)
				}
				if comma := l.next(); comma.kind != 'o' || comma.op != ',' {
					l.unread(comma)
					break
				}
			}
			if paren {
				if p := l.next(); p.kind != 'o' || p.op != ')' {
					l.unread(p)
				}
			}
		case isName(t, "import_module") || isName(t, "__import__"):
			if p := l.next(); p.kind != 'o' || p.op != '(' {
				l.unread(p)
				continue
			}
			s := l.next()
			if s.kind == 's' && s.plain && isDottedName(text(s)) {
				f.mods = append(f.mods, text(s))
			} else {
				l.unread(s)
			}
		case t.kind == 's' && t.plain && t.b-t.a <= maxSpecifier:
			s := text(t)
			if isDottedName(s) && (allStrings || strings.Contains(s, ".")) || dbURLScheme(s) != "" {
				f.strs = append(f.strs, s)
			}
		}
	}
}

// isDottedName reports whether s is a dotted Python identifier path
// (ASCII only, as module names on an index are).
func isDottedName(s string) bool {
	if s == "" || len(s) > maxSpecifier {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || part[0] >= '0' && part[0] <= '9' {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

// dbURLScheme returns the "scheme" or "scheme+driver" of a database URL
// ("postgresql+psycopg2://…", "redis://…"), or "".
func dbURLScheme(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 || i > 64 {
		return ""
	}
	scheme := s[:i]
	for j := 0; j < len(scheme); j++ {
		c := scheme[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '_') {
			return ""
		}
	}
	return scheme
}
