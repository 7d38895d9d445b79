package script

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/vouchdev/vouch/finding"
)

// macroLike reports whether name reads as an m4 macro (AC_INIT, AS_IF,
// m4_define, gl_BUILD_TO_HOST) rather than a shell function.
func macroLike(name []byte) bool {
	if len(name) < 2 {
		return false
	}
	if bytes.HasPrefix(name, []byte("m4_")) {
		return true
	}
	upper := false
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			upper = true
			break
		}
	}
	return upper && bytes.IndexByte(name, '_') >= 0
}

// macroBefore reports whether buf[:i] ends with a macro name that is not
// a shell expansion.
func macroBefore(buf []byte, i int) bool {
	j := i
	for j > 0 && isNameByte(buf[j-1], false) {
		j--
	}
	if j == i || !isNameByte(buf[j], true) {
		return false
	}
	if j > 0 && (buf[j-1] == '$' || buf[j-1] == '{') {
		return false
	}
	return macroLike(buf[j:i])
}

// m4Flatten rewrites, in place and byte for byte, the m4 call syntax of one
// logical line into shell separators: MACRO( , ) become ';' and the
// brackets quoting each argument become spaces, so that
//
//	AC_CONFIG_COMMANDS([tag], [eval $x | $SHELL], [x=y])
//
// lexes as the commands "AC_CONFIG_COMMANDS; tag; eval $x | $SHELL; x=y;".
// Brackets nested inside an argument ([$1], [[:alnum:]]) are left alone.
func m4Flatten(buf []byte) {
	type frame struct{ quote, paren int }
	var stack [16]frame
	n := 0
	q := 0
	for i := 0; i < len(buf); i++ {
		top := n > 0 && stack[n-1].quote == q
		switch buf[i] {
		case '[':
			if top && stack[n-1].paren == 1 {
				buf[i] = ' '
			}
			q++
		case ']':
			if q > 0 {
				q--
				if n > 0 && stack[n-1].quote == q && stack[n-1].paren == 1 {
					buf[i] = ' '
				}
			}
		case '(':
			if n < len(stack) && macroBefore(buf, i) {
				stack[n] = frame{quote: q, paren: 1}
				n++
				buf[i] = ';'
			} else if top {
				stack[n-1].paren++
			}
		case ')':
			if top {
				stack[n-1].paren--
				if stack[n-1].paren == 0 {
					buf[i] = ';'
					n--
				}
			}
		case ',':
			if top && stack[n-1].paren == 1 {
				buf[i] = ';'
			}
		}
	}
}

// hookMacros are the autoconf macros whose arguments config.status runs,
// with the index of the commands argument and of the init-commands one
// (-1 for none).
var hookMacros = []struct {
	name       string
	cmds, init int
}{
	{"AC_CONFIG_COMMANDS_PRE", 0, -1},
	{"AC_CONFIG_COMMANDS_POST", 0, -1},
	{"AC_CONFIG_COMMANDS", 1, 2},
	{"AC_OUTPUT_COMMANDS", 0, 1},
}

// maxMacroArgs bounds how far a macro's arguments are followed.
const maxMacroArgs = 64 << 10

// findM4Hooks locates the commands of AC_CONFIG_COMMANDS-style macros in
// m4 source: lines inside them are hook lines for the rules, and a hook
// that evals what its init commands set up with eval again is reported.
func (a *analyzer) findM4Hooks(ctx context.Context) {
	defer func() {
		slices.SortFunc(a.hookLines, func(x, y lineRange) int { return cmp.Compare(x.from, y.from) })
		// Merge overlaps so that the ranges' ends increase too.
		var merged []lineRange
		for _, r := range a.hookLines {
			if n := len(merged); n > 0 && r.from <= merged[n-1].to {
				merged[n-1].to = max(merged[n-1].to, r.to)
				continue
			}
			merged = append(merged, r)
		}
		a.hookLines = merged
	}()
	data := a.data
	var lc lineCounter
	for _, m := range hookMacros {
		for pos := 0; pos < len(data); {
			if ctx.Err() != nil {
				return
			}
			j := bytes.Index(data[pos:], []byte(m.name))
			if j < 0 {
				break
			}
			j += pos
			pos = j + len(m.name)
			if j > 0 && isNameByte(data[j-1], false) {
				continue
			}
			k := pos
			for k < len(data) && (data[k] == ' ' || data[k] == '\t') {
				k++
			}
			if k >= len(data) || data[k] != '(' {
				continue
			}
			if lineIsComment(data, j) {
				continue
			}
			args := m4Args(data, k+1)
			// Skip what the call encloses, which keeps offsets increasing.
			pos = max(pos, args[len(args)-1].end)
			if m.cmds >= len(args) {
				continue
			}
			body := args[m.cmds]
			at := lc.lineOf(data, j)
			from := lc.lineOf(data, body.start)
			to := lc.lineOf(data, body.end)
			a.hookLines = append(a.hookLines, lineRange{from, to})
			if len(a.hookLines) > 1000 {
				return
			}
			if m.init >= 0 && m.init < len(args) {
				init := args[m.init]
				if bytes.Contains(data[body.start:body.end], []byte("eval")) && bytes.Contains(data[init.start:init.end], []byte("eval")) {
					a.addHit(RuleConfigCommandsHook, finding.High, at, -1,
						m.name+" runs eval on a variable its init commands build with eval: config.status runs code assembled at build time")
				}
			}
		}
	}
}

// argSpan is one macro argument's byte range.
type argSpan struct{ start, end int }

// m4Args splits the arguments of a macro call whose '(' precedes
// data[i], following m4 quotes and parentheses.
func m4Args(data []byte, i int) []argSpan {
	var args []argSpan
	q, p := 0, 1
	start := i
	limit := min(len(data), i+maxMacroArgs)
	for ; i < limit; i++ {
		switch data[i] {
		case '[':
			q++
		case ']':
			if q > 0 {
				q--
			}
		case '(':
			if q == 0 {
				p++
			}
		case ')':
			if q == 0 {
				p--
				if p == 0 {
					return append(args, argSpan{start, i})
				}
			}
		case ',':
			if q == 0 && p == 1 {
				args = append(args, argSpan{start, i})
				start = i + 1
			}
		}
		if len(args) > 16 {
			break
		}
	}
	return append(args, argSpan{start, i})
}

// lineCounter turns offsets into line numbers, counting forward from the
// last offset asked so that increasing offsets cost one pass in all.
type lineCounter struct{ off, line int }

// lineOf returns the 1-based line holding data[off].
func (c *lineCounter) lineOf(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	if c.line == 0 || off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(data[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}

// lineIsComment reports whether the line holding data[off] starts, before
// off, with a comment.
func lineIsComment(data []byte, off int) bool {
	// Look back a bounded distance: a huge single line must not make each
	// occurrence cost the whole line.
	from := max(off-4096, 0)
	start := from + bytes.LastIndexByte(data[from:off], '\n') + 1
	t := bytes.TrimLeft(data[start:off], " \t")
	return bytes.HasPrefix(t, []byte("#")) || bytes.HasPrefix(t, []byte("dnl"))
}
