package script

import (
	"strings"
)

// The lexer splits one logical line of shell (continuations already
// joined) into simple commands, pipelines and the commands nested in
// command substitutions or in strings that will be run later. It is not a
// shell parser: it needs only what the rules look at (command names,
// arguments with quotes removed, redirections, pipeline stages) and must
// never fail, loop or blow up on hostile input.

// Lexer limits.
const (
	// maxDepth bounds nesting: substitutions, groups and strings lexed
	// again as code.
	maxDepth = 4
	// maxCmds and maxWords bound one logical line's output: a unit of
	// maxUnit bytes holds at most maxUnit/2 words, and strings lexed again
	// add a few times that.
	maxCmds  = maxUnit / 2
	maxWords = maxUnit * 2
	// maxRelex bounds a string lexed again as code.
	maxRelex = 16 << 10
)

type wordKind uint8

const (
	wArg    wordKind = iota // an argument (the command name included)
	wAssign                 // NAME=value before the command name
	wRedir                  // the target of a redirection
)

// word is one shell word.
type word struct {
	text string // quotes removed (backslash escapes kept for tr, see scanWord)
	off  int    // offset in the logical line
	kind wordKind
	op   string // the redirection operator, for wRedir
	// quoted reports whether any part of the word was quoted.
	quoted bool
	// s0, sn delimit the word's command substitutions in lexer.spans.
	s0, sn int
}

// span is a command substitution ($(...), `...`, <(...)) inside a word, as
// offsets of its content in the text being lexed.
type span struct {
	text string
	off  int
}

// via says how a nested command relates to its parent.
type via uint8

const (
	viaNone  via = iota
	viaSubst     // its output replaces part of the parent's word
	viaCode      // it is code inside a string the parent holds or runs
)

// command is one simple command.
type command struct {
	w0, wn int // words in lexer.words
	off    int // offset of its first token in the logical line
	pipe   int // pipeline id
	stage  int // stage index within the pipeline
	parent int // index of the command holding this one, -1
	pword  int // index (in lexer.words) of the parent's word holding it
	via    via
	depth  int
}

// member puts a command in a pipeline stage; commands inside a (group)
// belong to the group's stage in the enclosing pipeline too.
type member struct {
	cmd, pipe, stage int
}

type lexer struct {
	m4 bool // trim m4 quote brackets from word edges

	words   []word
	spans   []span
	cmds    []command
	members []member
	pipes   int
	full    bool // a limit was reached; stop producing output
}

func (l *lexer) reset() {
	l.words = l.words[:0]
	l.spans = l.spans[:0]
	l.cmds = l.cmds[:0]
	l.members = l.members[:0]
	l.pipes = 0
	l.full = false
}

// lexLine lexes one logical line.
func (l *lexer) lexLine(text string) {
	l.reset()
	l.parse(text, 0, len(text), 0, -1, -1, viaNone, false)
}

// argv returns the argument words of c.
func (l *lexer) argv(c *command) []word {
	return l.words[c.w0:c.wn]
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

func isMeta(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\v', '\f', '\n', '|', '&', ';', '(', ')', '<', '>':
		return true
	}
	return false
}

// parse lexes s, whose offset 0 maps to line offset base and whose
// offsets are clamped to limit. With stopParen it stops after the ')'
// closing a group and returns how many bytes it consumed.
func (l *lexer) parse(s string, base, limit, depth, parent, pword int, v via, stopParen bool) int {
	p := parser{l: l, s: s, base: base, limit: limit, depth: depth, parent: parent, pword: pword, via: v}
	p.pipe = l.newPipe()
	p.first = len(l.cmds)
	n := p.run(stopParen)
	p.endCommand()
	p.finish()
	return n
}

func (l *lexer) newPipe() int {
	l.pipes++
	return l.pipes - 1
}

// parser is the state of one parse call.
type parser struct {
	l             *lexer
	s             string
	base, limit   int
	depth         int
	parent, pword int
	via           via

	pipe, stage int
	pipeFirst   int // index of the first command of the current pipeline
	first       int // index of the first command made by this call
	cur         int // index of the command being built, -1
}

func (p *parser) offset(i int) int {
	return min(p.base+i, p.limit)
}

// startCommand opens a command at s[i] if none is open.
func (p *parser) startCommand(i int) {
	if p.cur >= 0 || p.l.full {
		return
	}
	if len(p.l.cmds) >= maxCmds {
		p.l.full = true
		return
	}
	p.l.cmds = append(p.l.cmds, command{
		w0: len(p.l.words), wn: len(p.l.words), off: p.offset(i),
		pipe: p.pipe, stage: p.stage, parent: p.parent, pword: p.pword, via: p.via, depth: p.depth,
	})
	p.cur = len(p.l.cmds) - 1
	p.l.members = append(p.l.members, member{cmd: p.cur, pipe: p.pipe, stage: p.stage})
}

func (p *parser) endCommand() {
	if p.cur < 0 {
		return
	}
	c := &p.l.cmds[p.cur]
	c.wn = len(p.l.words)
	p.cur = -1
}

func (p *parser) endPipeline() {
	p.endCommand()
	p.pipe = p.l.newPipe()
	p.stage = 0
	p.pipeFirst = len(p.l.cmds)
}

// addWord appends w to the open command, opening one if needed.
func (p *parser) addWord(w word, at int) {
	p.startCommand(at)
	if p.cur < 0 || len(p.l.words) >= maxWords {
		p.l.full = true
		return
	}
	c := &p.l.cmds[p.cur]
	if w.kind == wArg && c.wn == len(p.l.words) {
		// Track whether any argument word came yet: an unquoted NAME=value
		// before the first argument is an assignment.
		hasArg := false
		for _, x := range p.l.words[c.w0:] {
			if x.kind == wArg {
				hasArg = true
				break
			}
		}
		if !hasArg && isAssignment(w) {
			w.kind = wAssign
		}
	}
	p.l.words = append(p.l.words, w)
	c.wn = len(p.l.words)
}

// keywords that start or end compound commands; they separate commands
// without ending the pipeline bookkeeping in a way the rules care about.
var prefixKeywords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "do": true,
	"while": true, "until": true, "!": true, "{": true, "time": true,
}
var endKeywords = map[string]bool{"fi": true, "done": true, "esac": true, "}": true}

func (p *parser) hasArgs() bool {
	if p.cur < 0 {
		return false
	}
	for _, w := range p.l.words[p.l.cmds[p.cur].w0:] {
		if w.kind == wArg {
			return true
		}
	}
	return false
}

func (p *parser) run(stopParen bool) int {
	s := p.s
	p.cur = -1
	p.pipeFirst = len(p.l.cmds)
	i := 0
	for i < len(s) && !p.l.full {
		c := s[i]
		switch {
		case isBlank(c):
			i++
		case c == '\n':
			p.endPipeline()
			i++
		case c == '#':
			// A comment: at a word start, which is where we are.
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '|':
			if i+1 < len(s) && s[i+1] == '|' {
				p.endPipeline()
				i += 2
				continue
			}
			p.endCommand()
			p.stage++
			i++
			if i < len(s) && s[i] == '&' {
				i++
			}
		case c == '&':
			if i+1 < len(s) && s[i+1] == '>' {
				i = p.redirect(i, 2)
				continue
			}
			p.endPipeline()
			i++
			if i < len(s) && s[i] == '&' {
				i++
			}
		case c == ';':
			p.endPipeline()
			i++
			for i < len(s) && (s[i] == ';' || s[i] == '&') {
				i++
			}
		case c == '(':
			if p.hasArgs() {
				// name() function definitions, m4 MACRO(: the name is a
				// command of its own.
				p.endPipeline()
			}
			p.endCommand()
			i++
			if p.depth+1 >= maxDepth {
				continue
			}
			start := len(p.l.cmds)
			n := p.l.parse(s[i:], p.offset(i), p.limit, p.depth+1, p.parent, p.pword, p.via, true)
			for k := start; k < len(p.l.cmds); k++ {
				p.l.members = append(p.l.members, member{cmd: k, pipe: p.pipe, stage: p.stage})
			}
			i += n
		case c == ')':
			if stopParen {
				return i + 1
			}
			// An unmatched ')' ends a case pattern list ("arm* | sh)"):
			// what came before in this pipeline was patterns, not commands.
			p.endCommand()
			if p.patternsOnly() {
				p.l.truncate(p.pipeFirst)
			}
			p.endPipeline()
			i++
		case c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == '(' {
				// Process substitution: a word of its own.
				end := matchParen(s, i+2)
				w := word{text: s[i:end], off: p.offset(i), kind: wArg, s0: len(p.l.spans)}
				p.l.spans = append(p.l.spans, span{text: s[i+2 : max(i+2, end-1)], off: p.offset(i + 2)})
				w.sn = len(p.l.spans)
				p.addWord(w, i)
				i = end
				continue
			}
			i = p.redirect(i, 0)
		default:
			w, end := p.scanWord(i)
			if p.cur < 0 || !p.hasArgs() {
				if prefixKeywords[w.text] && !w.quoted {
					p.endCommand()
					i = end
					continue
				}
				if endKeywords[w.text] && !w.quoted {
					p.endPipeline()
					i = end
					continue
				}
			}
			// A file descriptor number directly before a redirection.
			if end < len(s) && (s[end] == '<' || s[end] == '>') && isDigits(w.text) && !w.quoted {
				i = p.redirect(end, 0)
				continue
			}
			p.addWord(w, i)
			i = end
		}
	}
	return len(s)
}

// patternsOnly reports whether every command of the current pipeline is a
// single bare word, as the alternatives of a case pattern are.
func (p *parser) patternsOnly() bool {
	n := 0
	for k := p.pipeFirst; k < len(p.l.cmds); k++ {
		c := &p.l.cmds[k]
		if c.pipe != p.pipe {
			continue
		}
		if c.wn-c.w0 > 1 {
			return false
		}
		n++
	}
	return n > 0
}

// truncate drops the commands from index k on (case patterns).
func (l *lexer) truncate(k int) {
	if k >= len(l.cmds) {
		return
	}
	w := l.cmds[k].w0
	l.cmds = l.cmds[:k]
	if w <= len(l.words) {
		l.words = l.words[:w]
	}
	j := 0
	for _, m := range l.members {
		if m.cmd < k {
			l.members[j] = m
			j++
		}
	}
	l.members = l.members[:j]
}

// redirect reads a redirection operator at s[i] (after skip bytes already
// known to belong to it) and its target word.
func (p *parser) redirect(i, skip int) int {
	s := p.s
	j := i + skip
	for j < len(s) && (s[j] == '<' || s[j] == '>' || s[j] == '&' || s[j] == '|' || s[j] == '-') && j-i < 4 {
		j++
	}
	op := s[i:j]
	for j < len(s) && isBlank(s[j]) {
		j++
	}
	if j >= len(s) || isMeta(s[j]) {
		return j
	}
	w, end := p.scanWord(j)
	w.kind = wRedir
	w.op = op
	p.addWord(w, i)
	return end
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// isAssignment reports whether w is NAME=value with an unquoted name. In
// m4 sources names may carry quoted parts (gl_[$1]_config=...).
func isAssignment(w word) bool {
	eq := strings.IndexByte(w.text, '=')
	if eq <= 0 {
		return false
	}
	name := w.text[:eq]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isNameByte(c, i == 0) && c != '[' && c != ']' && c != '$' {
			return false
		}
	}
	return isNameByte(name[0], true)
}

// trEscape lists the bytes after a backslash that tr (and printf) read as
// an escape: outside quotes the shell would drop the backslash, but these
// appear in stored command strings (lt_SP2NL='tr \040 \012') that reach tr
// with it, so they are kept.
func trEscape(c byte) bool {
	switch c {
	case '0', '1', '2', '3', '4', '5', '6', '7', 'a', 'b', 'f', 'n', 'r', 't', 'v', '-':
		return true
	}
	return false
}

// scanWord reads one word at s[i], removing quotes. Unquoted "\x" keeps
// the backslash for tr's escapes (trEscape), drops it otherwise; inside
// double quotes the shell's rule applies (only \$ \` \" \\ and
// \newline lose it); single-quoted text is literal. $(...), `...` and
// ${...} are copied as they are, the first two recorded as spans.
func (p *parser) scanWord(i int) (word, int) {
	s := p.s
	start := i
	w := word{off: p.offset(i), kind: wArg, s0: len(p.l.spans)}
	var b strings.Builder
	plain := true // no quoting seen: the text is s[start:i]
	flush := func() {
		if plain {
			b.WriteString(s[start:i])
			plain = false
		}
	}
	for i < len(s) {
		c := s[i]
		if isMeta(c) {
			break
		}
		switch c {
		case '\\':
			flush()
			if i+1 >= len(s) {
				b.WriteByte('\\')
				i++
				continue
			}
			n := s[i+1]
			switch {
			case n == '\n':
			case n == '\\':
				b.WriteByte('\\')
			case trEscape(n):
				b.WriteByte('\\')
				b.WriteByte(n)
			default:
				b.WriteByte(n)
			}
			i += 2
		case '\'':
			flush()
			w.quoted = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				b.WriteString(s[i+1:])
				i = len(s)
				continue
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case '"':
			flush()
			w.quoted = true
			i = p.scanDouble(i+1, &b)
		case '`':
			flush()
			end := matchBacktick(s, i+1)
			p.addSpan(s[i+1:max(i+1, end-1)], i+1)
			b.WriteString(s[i:end])
			i = end
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				flush()
				end := matchParen(s, i+2)
				if i+2 >= len(s) || s[i+2] != '(' {
					// $((...)) is arithmetic, not a command.
					p.addSpan(s[i+2:max(i+2, end-1)], i+2)
				}
				b.WriteString(s[i:end])
				i = end
				continue
			}
			if i+1 < len(s) && s[i+1] == '{' {
				flush()
				end := matchBrace(s, i+2)
				b.WriteString(s[i:end])
				i = end
				continue
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				// $'...': ANSI-C quoting; its escapes are kept as written.
				flush()
				w.quoted = true
				end := strings.IndexByte(s[i+2:], '\'')
				if end < 0 {
					b.WriteString(s[i+2:])
					i = len(s)
					continue
				}
				b.WriteString(s[i+2 : i+2+end])
				i += end + 3
				continue
			}
			if !plain {
				b.WriteByte(c)
			}
			i++
		default:
			if !plain {
				b.WriteByte(c)
			}
			i++
		}
	}
	if plain {
		w.text = s[start:i]
	} else {
		w.text = b.String()
	}
	if p.l.m4 {
		w.text = trimM4Quotes(w.text)
	}
	w.sn = len(p.l.spans)
	return w, i
}

// scanDouble copies the inside of a double-quoted string starting at s[i]
// and returns the offset after its closing quote.
func (p *parser) scanDouble(i int, b *strings.Builder) int {
	s := p.s
	for i < len(s) {
		c := s[i]
		switch c {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(s) {
				b.WriteByte('\\')
				return len(s)
			}
			switch n := s[i+1]; n {
			case '$', '`', '"', '\\':
				b.WriteByte(n)
			case '\n':
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			i += 2
		case '`':
			end := matchBacktick(s, i+1)
			p.addSpan(s[i+1:max(i+1, end-1)], i+1)
			b.WriteString(s[i:end])
			i = end
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				end := matchParen(s, i+2)
				if i+2 >= len(s) || s[i+2] != '(' {
					p.addSpan(s[i+2:max(i+2, end-1)], i+2)
				}
				b.WriteString(s[i:end])
				i = end
				continue
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return len(s)
}

func (p *parser) addSpan(text string, at int) {
	if len(p.l.spans) >= maxWords {
		return
	}
	p.l.spans = append(p.l.spans, span{text: text, off: p.offset(at)})
}

// matchParen returns the offset just after the ')' matching an already
// opened '(' whose content starts at s[i], honouring quotes; len(s) when
// there is none.
func matchParen(s string, i int) int { return matchClose(s, i, '(', ')', true) }

// matchBrace returns the offset after the '}' closing ${...}. Inside
// ${...} single quotes are literal only in some shells; they are taken as
// quotes, which is the common use.
func matchBrace(s string, i int) int { return matchClose(s, i, '{', '}', false) }

// matchClose returns the offset after the close byte matching an open one
// whose content starts at s[i], skipping escapes, quoted strings and, when
// backticks is set, command substitutions; len(s) when there is none.
func matchClose(s string, i int, open, close byte, backticks bool) int {
	depth := 1
	for i < len(s) {
		switch c := s[i]; {
		case c == '\\':
			i += 2
			continue
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return len(s)
			}
			i += end + 2
			continue
		case c == '"':
			i = skipDouble(s, i+1)
			continue
		case c == '`' && backticks:
			i = matchBacktick(s, i+1)
			continue
		case c == open:
			depth++
		case c == close:
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return len(s)
}

// skipDouble returns the offset after the '"' closing a double-quoted
// string whose content starts at s[i].
func skipDouble(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		case '`':
			i = matchBacktick(s, i+1)
			continue
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				i = matchParen(s, i+2)
				continue
			}
		}
		i++
	}
	return len(s)
}

// matchBacktick returns the offset after the '`' closing a command
// substitution whose content starts at s[i].
func matchBacktick(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
			continue
		case '`':
			return i + 1
		}
		i++
	}
	return len(s)
}

// trimM4Quotes removes m4 quote brackets left unbalanced at a word's
// edges ("[eval", "$SHELL],"), which are m4 syntax around shell code, not
// part of it.
func trimM4Quotes(t string) string {
	if !strings.ContainsAny(t, "[]") {
		return t
	}
	for len(t) > 0 && t[0] == '[' && strings.Count(t, "[") > strings.Count(t, "]") {
		t = t[1:]
	}
	for len(t) > 1 && t[len(t)-1] == ',' && t[len(t)-2] == ']' {
		t = t[:len(t)-1]
	}
	for len(t) > 0 && t[len(t)-1] == ']' && strings.Count(t, "]") > strings.Count(t, "[") {
		t = t[:len(t)-1]
	}
	return t
}

// finish lexes what the commands made by this call hold: command
// substitutions, and strings that will run as code.
func (p *parser) finish() {
	l := p.l
	last := len(l.cmds)
	if p.depth+1 >= maxDepth {
		return
	}
	for k := p.first; k < last && !l.full; k++ {
		c := l.cmds[k]
		if c.depth != p.depth {
			continue // made by a nested call, which finished it
		}
		var args []word
		for _, w := range l.words[c.w0:c.wn] {
			if w.kind == wArg {
				args = append(args, w)
			}
		}
		name := ""
		if i := commandWord(args); i < len(args) {
			name = baseName(args[i].text)
		}
		prevDashC := false
		for wi := c.w0; wi < c.wn && !l.full; wi++ {
			w := l.words[wi]
			if code, ok := codeOf(w, name, prevDashC); ok {
				l.parse(code.text, code.off, w.off+max(len(w.text), 1), p.depth+1, k, wi, viaCode, false)
			} else {
				for si := w.s0; si < w.sn && si < len(l.spans); si++ {
					sp := l.spans[si]
					l.parse(sp.text, sp.off, sp.off+len(sp.text), p.depth+1, k, wi, viaSubst, false)
				}
			}
			if w.kind == wArg {
				prevDashC = w.text == "-c" && (shellNames[name] || isShellVar(name))
			}
		}
	}
}

// codeOf decides whether a word holds code to be lexed again, and returns
// that code: a quoted string with shell syntax in it that is assigned to a
// variable, handed to eval or sh -c, or holds a pipeline or command
// separator.
func codeOf(w word, name string, afterDashC bool) (span, bool) {
	if !w.quoted || w.kind == wRedir || len(w.text) > maxRelex {
		return span{}, false
	}
	text := w.text
	assign := w.kind == wAssign
	if !assign && (name == "export" || name == "readonly" || name == "local" || name == "declare" || name == "typeset") && isAssignment(w) {
		assign = true
	}
	if assign {
		eq := strings.IndexByte(text, '=')
		text = text[eq+1:]
	}
	if !strings.ContainsAny(text, " \t\n|") {
		return span{}, false
	}
	if !assign && messageCommands[name] {
		return span{}, false
	}
	switch {
	case assign, name == "eval", afterDashC:
	case hasSeparator(text):
	default:
		return span{}, false
	}
	return span{text: text, off: w.off}, true
}

// hasSeparator reports whether s holds a pipe or a command separator
// outside its command substitutions: "$(tail -c 1 f | wc -l)" is one
// value, "a | b" is code.
func hasSeparator(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|', ';':
			return true
		case '&':
			if i+1 < len(s) && s[i+1] == '&' {
				return true
			}
		case '`':
			i = matchBacktick(s, i+1) - 1
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				i = matchParen(s, i+2) - 1
			}
		}
	}
	return false
}

// messageCommands print their arguments: text with "|" in it is a usage
// message, not code.
var messageCommands = map[string]bool{
	"echo": true, "printf": true, "print": true, "$ECHO": true, "$as_echo": true, "$as_echo_n": true,
	"as_fn_error": true, "as_fn_echo": true, "func_echo": true, "func_error": true, "func_warning": true,
	"func_verbose": true, "func_fatal_error": true, "func_fatal_help": true, "message": true,
	"AC_MSG_ERROR": true, "AC_MSG_WARN": true, "AC_MSG_NOTICE": true, "AC_MSG_RESULT": true,
	"AC_MSG_CHECKING": true, "AC_MSG_FAILURE": true, "AS_ECHO": true, "AS_ECHO_N": true,
}

// baseName returns the last element of a command word's path.
func baseName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 && !strings.HasPrefix(s, "$") {
		return s[i+1:]
	}
	return s
}
