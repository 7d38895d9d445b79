// Package m4 checks the m4 macro files a release ships (m4/*.m4,
// acinclude.m4, and the copies aclocal pastes into aclocal.m4) against
// known upstream copies, and attributes lines of a generated configure
// script to the macros they came from.
//
// The xz-utils backdoor hid its first stage in m4/build-to-host.m4: a file
// named like gnulib's macro, with a serial higher than any gnulib ever
// published (so aclocal would keep it over the system copy) and a handful
// of extra shell lines. Comparing serials and normalised bodies with the
// copies installed by autoconf, automake, libtool, gettext and gnulib finds
// exactly that kind of file, while ordinary generated files match.
//
// Typical use: LoadReference(ctx, DefaultDirs()...) once; Check each
// shipped m4/*.m4 and acinclude.m4; CheckSegment each of
// Reference.Segments(aclocal.m4); then Explain the configure lines a
// content heuristic flagged, passing the release's own macro files as
// extra, to tell code some macro produced from code written into the
// script.
//
// Nothing here runs m4, autoconf or any scanned content: files are read as
// text and compared line by line after normalisation.
package m4

import (
	"bytes"
	"strings"
)

// maxSerialLen bounds a serial string so a hostile "serial 1.1.1…" line
// cannot make comparisons or reports arbitrarily large.
const maxSerialLen = 64

// maxTextLen bounds the text of a reported line.
const maxTextLen = 512

// Serial parses the "# serial N" line of an m4 file, in the forms the
// GNU projects write it: "# serial N", "#serial N", "dnl serial N",
// "# NAME serial N (pkg-x.y)" (gettext and gnulib) and "# serial N NAME"
// (libtool). N may be dotted ("12.1"); compare serials with CompareSerial.
// ok is false when the file has no serial line.
//
// Like aclocal, which decides which copy of a macro file wins by this
// number, only the first serial line before the first macro definition
// counts: aclocal ignores (and warns about) a serial after AC_DEFUN, so a
// later one is not the file's serial.
func Serial(data []byte) (serial string, ok bool) {
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		t := strings.TrimSpace(string(trimLine(line, 1024)))
		if body, isComment := commentText(t); isComment {
			if s, ok := serialFromComment(body); ok {
				return s, true
			}
			continue
		}
		if definesMacro(t) {
			return "", false
		}
	}
	return "", false
}

// trimLine cuts a line to at most max bytes, which is all Serial needs to
// look at, so that a multi-megabyte line costs nothing extra.
func trimLine(line []byte, max int) []byte {
	if len(line) > max {
		return line[:max]
	}
	return line
}

// commentText returns the text after a leading "#" or "dnl" of a trimmed
// line, and whether the line is such a comment.
func commentText(t string) (string, bool) {
	switch {
	case strings.HasPrefix(t, "#"):
		return strings.TrimLeft(t, "#"), true
	case isDnl(t):
		return t[3:], true
	}
	return "", false
}

// isDnl reports whether a trimmed line starts with the m4 builtin dnl, which
// discards the rest of the line, as opposed to a word that merely starts
// with those letters.
func isDnl(t string) bool {
	return strings.HasPrefix(t, "dnl") && (len(t) == 3 || !isIdent(t[3]))
}

// serialFromComment finds "serial N" among the first words of a comment.
func serialFromComment(text string) (string, bool) {
	fields := strings.Fields(text)
	if len(fields) > 4 {
		fields = fields[:4]
	}
	for i := 0; i < len(fields)-1 && i < 2; i++ {
		if !strings.EqualFold(fields[i], "serial") {
			continue
		}
		if s, ok := serialNumber(fields[i+1]); ok {
			return s, true
		}
		return "", false
	}
	return "", false
}

// serialNumber accepts digits and dots, optionally followed by
// punctuation ("12,"), rejecting words such as "number" or "8ltoptions".
func serialNumber(w string) (string, bool) {
	end := 0
	for end < len(w) && (w[end] == '.' || isDigit(w[end])) {
		end++
	}
	if end < len(w) && isAlnum(w[end]) {
		return "", false
	}
	s := strings.TrimRight(w[:end], ".")
	if s == "" || !isDigit(s[0]) || len(s) > maxSerialLen || strings.Contains(s, "..") {
		return "", false
	}
	return s, true
}

// definesMacro reports whether a line holds a macro definition of the kind
// aclocal stops reading serials at.
func definesMacro(t string) bool {
	for _, p := range []string{"AC_DEFUN(", "AC_DEFUN_ONCE(", "AU_DEFUN(", "AU_ALIAS("} {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// CompareSerial orders two serials as aclocal does: field by field as
// numbers, a serial with more fields being greater when the shared fields
// are equal ("1" < "1.0"), and the empty serial (none) lowest. It returns
// -1, 0 or +1. Fields that are not numbers count as 0.
func CompareSerial(a, b string) int {
	for {
		if a == "" {
			if b == "" {
				return 0
			}
			return -1
		}
		if b == "" {
			return 1
		}
		var fa, fb string
		fa, a, _ = strings.Cut(a, ".")
		fb, b, _ = strings.Cut(b, ".")
		if c := compareNumber(fa, fb); c != 0 {
			return c
		}
	}
}

// compareNumber compares two decimal fields of any length without
// converting them, so that huge hostile numbers neither overflow nor tie.
func compareNumber(a, b string) int {
	a, b = digitPrefix(a), digitPrefix(b)
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return strings.Compare(a, b)
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isIdent reports whether c can be part of a shell or m4 name.
func isIdent(c byte) bool { return isAlnum(c) || c == '_' }

// Line is one line of a file, with its 1-based number.
type Line struct {
	N    int
	Text string
}

// normLine is a line kept by normalisation, with its number in the file it
// came from.
type normLine struct {
	n    int
	text string
}

// normalise returns the lines of an m4 file that carry code, in the form
// bodies are compared in: comment lines ("#", "dnl", aclocal's "##") and
// blank lines dropped, CR removed, runs of white space collapsed to one
// space. Copyright years, authors and serial lines live in comments, so two
// copies of one macro that differ only there compare equal.
func normalise(data []byte) []normLine {
	var out []normLine
	n := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		n++
		line = trimSpace(line)
		if len(line) == 0 || line[0] == '#' || (len(line) >= 3 && line[0] == 'd' && isDnl(string(line[:min(len(line), 4)]))) {
			continue
		}
		out = append(out, normLine{n: n, text: collapse(line)})
	}
	return out
}

// isSpace reports the ASCII white space collapse folds.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// trimSpace cuts white space from both ends of a line.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// collapse trims a line and replaces each run of spaces, tabs, CRs and
// other ASCII white space by one space.
func collapse(line []byte) string {
	line = trimSpace(line)
	plain := true
	for i, c := range line {
		if isSpace(c) && (c != ' ' || isSpace(line[i+1])) {
			plain = false
			break
		}
	}
	if plain {
		// Most lines: nothing to fold, one allocation.
		return string(line)
	}
	var b strings.Builder
	b.Grow(len(line))
	space := false
	for _, c := range line {
		if isSpace(c) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// clip shortens text for a report.
func clip(s string) string {
	if len(s) <= maxTextLen {
		return s
	}
	cut := maxTextLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
