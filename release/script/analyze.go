package script

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// seg maps a logical line's offsets back to the physical line they came
// from: bytes from off on belong to line.
type seg struct {
	off, line int
}

// unit is one logical line: physical lines joined at backslash
// continuations, after the preprocessing of the file's syntax.
type unit struct {
	text string
	segs []seg
}

// lineAt returns the physical line and the offset within it of a logical
// line offset.
func (u *unit) lineAt(off int) (line, col int) {
	if len(u.segs) == 0 {
		return 1, off
	}
	i, found := slices.BinarySearchFunc(u.segs, off, func(s seg, off int) int { return s.off - off })
	if !found {
		i--
	}
	i = max(i, 0)
	return u.segs[i].line, max(off-u.segs[i].off, 0)
}

// lineRange is an inclusive range of lines.
type lineRange struct{ from, to int }

// run reads the script line by line.
func (a *analyzer) run(ctx context.Context) error {
	switch a.kind {
	case kindM4:
		a.findM4Hooks(ctx)
	case kindCMake:
		if err := a.cmake(ctx); err != nil {
			return err
		}
	case kindMeson:
		a.meson(ctx)
	}
	data := a.data
	var buf []byte
	var segs []seg
	flush := func() {
		if len(segs) > 0 {
			a.unit(buf, segs)
		}
		buf, segs = buf[:0], segs[:0]
	}
	line := 0
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos
		}
		phys := data[pos:end]
		pos = end + 1
		line++
		a.lineNo = line
		if line&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		phys = bytes.TrimSuffix(phys, []byte("\r"))
		if len(phys) > maxUnit {
			flush()
			if err := a.longLine(ctx, line, phys); err != nil {
				return err
			}
			continue
		}
		if a.isComment(phys) {
			flush()
			a.commentLine(line, phys)
			continue
		}
		segs = append(segs, seg{off: len(buf), line: line})
		buf = a.appendPhysical(buf, phys)
		if a.kind != kindCMake && a.kind != kindMeson && continues(buf) && len(buf) < maxUnit {
			buf = buf[:len(buf)-1]
			continue
		}
		flush()
	}
	flush()
	return nil
}

// continues reports whether a line ends in an unescaped backslash.
func continues(b []byte) bool {
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// longLine analyses a line longer than maxUnit in overlapping windows, so
// that a single-line payload of any size is still read, in bounded pieces.
func (a *analyzer) longLine(ctx context.Context, line int, phys []byte) error {
	step := maxUnit - unitOverlap
	var buf []byte
	for start := 0; start < len(phys); start += step {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+maxUnit, len(phys))
		buf = append(buf[:0], phys[start:end]...)
		a.unit(buf, []seg{{off: -start, line: line}})
		if end == len(phys) {
			break
		}
	}
	return nil
}

// isComment reports whether a physical line is only a comment.
func (a *analyzer) isComment(phys []byte) bool {
	t := bytes.TrimLeft(phys, " \t")
	if len(t) == 0 {
		return false
	}
	if t[0] == '#' {
		return true
	}
	if a.kind == kindM4 && bytes.HasPrefix(t, []byte("dnl")) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
		return true
	}
	return false
}

// commentLine checks a comment for what can hide there and still be used:
// encoded payloads a later command extracts with sed or tail.
func (a *analyzer) commentLine(line int, phys []byte) {
	a.entropy(&unit{text: string(phys), segs: []seg{{0, line}}})
}

// appendPhysical appends one physical line to a logical line, applying the
// file syntax's preprocessing: m4 dnl comments and quadrigraphs, Makefile
// recipe prefixes and $$.
func (a *analyzer) appendPhysical(buf, phys []byte) []byte {
	switch a.kind {
	case kindM4:
		phys = stripDnl(phys)
		if bytes.IndexByte(phys, '@') >= 0 {
			return appendQuadrigraphs(buf, phys)
		}
	case kindMake:
		if len(buf) == 0 && len(phys) > 0 && phys[0] == '\t' {
			// A recipe line: its @ - + prefixes are make's, not the shell's.
			phys = bytes.TrimLeft(phys[1:], "@-+ \t")
		}
		if bytes.IndexByte(phys, '$') >= 0 {
			for i := 0; i < len(phys); i++ {
				switch {
				case phys[i] == '$' && i+1 < len(phys) && phys[i+1] == '$':
					buf = append(buf, '$')
					i++
				case bytes.HasPrefix(phys[i:], []byte("$(shell ")):
					buf = append(buf, "$("...)
					i += len("$(shell ") - 1
				default:
					buf = append(buf, phys[i])
				}
			}
			return buf
		}
	}
	return append(buf, phys...)
}

// stripDnl removes an m4 "dnl" comment and the rest of the line.
func stripDnl(b []byte) []byte {
	for i := 0; i+3 <= len(b); {
		j := bytes.Index(b[i:], []byte("dnl"))
		if j < 0 {
			return b
		}
		j += i
		before := j == 0 || !isNameByte(b[j-1], false)
		after := j+3 == len(b) || !isNameByte(b[j+3], false)
		if before && after {
			return b[:j]
		}
		i = j + 3
	}
	return b
}

var quadrigraphs = []struct{ from, to string }{
	{"@<:@", "["}, {"@:>@", "]"}, {"@S|@", "$"}, {"@%:@", "#"}, {"@&t@", ""}, {"@{:@", "("}, {"@:}@", ")"},
}

// appendQuadrigraphs appends phys with m4sugar's quadrigraphs (@<:@ for
// [, @S|@ for $ ...) replaced by what autoconf turns them into.
func appendQuadrigraphs(buf, phys []byte) []byte {
next:
	for i := 0; i < len(phys); i++ {
		if phys[i] == '@' {
			for _, q := range quadrigraphs {
				if bytes.HasPrefix(phys[i:], []byte(q.from)) {
					buf = append(buf, q.to...)
					i += len(q.from) - 1
					continue next
				}
			}
		}
		buf = append(buf, phys[i])
	}
	return buf
}

// unit analyses one logical line.
func (a *analyzer) unit(buf []byte, segs []seg) {
	if a.kind == kindM4 {
		m4Flatten(buf)
	}
	u := &unit{text: string(buf), segs: segs}
	hook := a.inM4Hook(segs[0].line) || a.statusHook(u.text)
	a.entropy(u)
	found := triggerMatcher.match(u.text)
	if found&matchGate != 0 {
		a.gateLine(u)
	}
	// Lines naming no command of interest are not lexed, unless an earlier
	// line left a downloaded or decoded file that ". file" could run.
	if found&matchCommand != 0 || len(a.taint) > 0 {
		a.lex.lexLine(u.text)
		a.unitRules(u, hook)
	}
	a.fileRefs(u)
	if a.inStatusHook && strings.Contains(u.text, ";;") {
		a.inStatusHook = false
	}
}

// triggers are substrings without which no command rule can match; lines
// holding none of them are not lexed at all, which keeps large configure
// scripts fast.
var triggers = []string{
	"tr", "grep", "GREP", "eval", "sh", "SHELL", "head", "tail", "dd", "curl", "CURL",
	"wget", "WGET", "fetch", "aria2c", "base", "openssl", "uudecode", "xxd", "xz", "lz",
	"gz", "zip", "bz", "zst", "7z", "tar", "brotli", "compress", "python", "PYTHON", "perl",
	"PERL", "ruby", "node", "php", "lua", "tcl", "cmake", "CMAKE",
}

// matcher reports which of two sets of substrings (bit 1: command
// triggers, bit 2: gate triggers) occur in a string, in one pass: a table
// of the first two bytes of every substring filters positions before any
// comparison.
type matcher struct {
	pairs [1 << 16]uint8
	subs  [1 << 16][]trigger
}

type trigger struct {
	text string
	bit  uint8
}

func newMatcher(sets ...[]string) *matcher {
	m := &matcher{}
	for i, set := range sets {
		bit := uint8(1) << i
		for _, t := range set {
			k := uint16(t[0])<<8 | uint16(t[1])
			m.pairs[k] |= bit
			m.subs[k] = append(m.subs[k], trigger{t, bit})
		}
	}
	return m
}

// match returns the bits of the sets with a substring in s.
func (m *matcher) match(s string) uint8 {
	var found uint8
	for i := 0; i+1 < len(s); i++ {
		k := uint16(s[i])<<8 | uint16(s[i+1])
		if m.pairs[k]&^found == 0 {
			continue
		}
		for _, t := range m.subs[k] {
			if found&t.bit == 0 && strings.HasPrefix(s[i:], t.text) {
				found |= t.bit
			}
		}
		if found == 3 {
			break
		}
	}
	return found
}

const (
	matchCommand = 1
	matchGate    = 2
)

var triggerMatcher = newMatcher(triggers, gateTriggers)

// statusHook follows config.status output hooks, which configure writes as
// arms of a case statement ("build-to-host":C) ...;;): it reports whether
// the line is inside one.
func (a *analyzer) statusHook(text string) bool {
	t := strings.TrimLeft(text, " \t")
	if strings.HasPrefix(t, "\"") {
		if end := strings.IndexByte(t[1:], '"'); end >= 0 && strings.HasPrefix(t[end+2:], ":C)") {
			a.inStatusHook = true
		}
	}
	if strings.HasPrefix(t, "esac") {
		a.inStatusHook = false
	}
	return a.inStatusHook
}

// inM4Hook reports whether line is inside the commands of an
// AC_CONFIG_COMMANDS-style macro. Lines are asked in increasing order, so
// a cursor over the sorted ranges suffices.
func (a *analyzer) inM4Hook(line int) bool {
	for a.hookNext < len(a.hookLines) && a.hookLines[a.hookNext].to < line {
		a.hookNext++
	}
	return a.hookNext < len(a.hookLines) && a.hookLines[a.hookNext].from <= line
}

// excerpt returns a line for Hit.Text: trimmed, control characters and
// invalid UTF-8 escaped, at most maxTextLen bytes, around col when the line
// is longer.
func excerpt(line []byte, col int) string {
	trimmed := bytes.TrimLeft(line, " \t\v\f\r")
	col -= len(line) - len(trimmed)
	line = bytes.TrimRight(trimmed, " \t\v\f\r")
	lead := ""
	if len(line) > maxTextLen && col > maxTextLen/3 {
		start := min(col-maxTextLen/3, len(line)-maxTextLen/2)
		start = max(start, 0)
		for start > 0 && !utf8.RuneStart(line[start]) && start > col-maxTextLen/3-4 {
			start--
		}
		line = line[start:]
		lead = "..."
	}
	var b strings.Builder
	b.WriteString(lead)
	cut := -1 // the longest prefix that leaves room for "..."
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + hex2(line[i]))
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x` + hex2(byte(r)))
		case r >= 0x80 && r < 0xa0:
			b.WriteString(`\u00` + hex2(byte(r)))
		default:
			b.Write(line[i : i+size])
		}
		i += size
		if b.Len() <= maxTextLen-3 {
			cut = b.Len()
		}
		if b.Len() > maxTextLen {
			break
		}
	}
	if b.Len() <= maxTextLen {
		return b.String()
	}
	return b.String()[:max(cut, 0)] + "..."
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
