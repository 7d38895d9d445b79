package script

import (
	"context"
	"strings"
)

// CMake and meson run programs through their own calls, not a shell:
// execute_process(COMMAND a COMMAND b) pipes a into b, file(DOWNLOAD)
// fetches a file, run_command('sh', '-c', ...) runs a shell. Those calls
// are turned into equivalent shell text and given to the same rules, with
// each word mapped back to the line it came from.

// Limits on the CMake and meson readers.
const (
	maxCalls    = 100000
	maxCallArgs = 4096
)

// callArg is one argument of a CMake or meson call.
type callArg struct {
	text   string
	line   int
	quoted bool
}

// call is one CMake command invocation or meson function call.
type call struct {
	name   string // lower-cased for CMake
	line   int
	args   []callArg
	assign string // meson: the variable the result is assigned to
}

// shellBuilder assembles synthetic shell text with its line map.
type shellBuilder struct {
	b    strings.Builder
	segs []seg
}

// word appends a single-quoted word, so that the lexer reads back exactly
// its text.
func (s *shellBuilder) word(text string, line int) {
	s.segs = append(s.segs, seg{off: s.b.Len(), line: line})
	s.b.WriteString(" '")
	s.b.WriteString(strings.ReplaceAll(text, "'", `'\''`))
	s.b.WriteString("'")
}

// raw appends shell syntax (operators, assignments).
func (s *shellBuilder) raw(text string, line int) {
	s.segs = append(s.segs, seg{off: s.b.Len(), line: line})
	s.b.WriteString(" ")
	s.b.WriteString(text)
}

// synthetic lexes built shell text and runs the command rules on it.
func (a *analyzer) synthetic(s *shellBuilder) {
	if len(s.segs) == 0 {
		return
	}
	saved := a.lex.m4
	a.lex.m4 = false
	a.synth = true
	defer func() { a.synth = false }()
	u := &unit{text: s.b.String(), segs: s.segs}
	a.lex.lexLine(u.text)
	a.unitRules(u, false)
	a.lex.m4 = saved
}

// cmakeKeywords end the word list of a COMMAND in execute_process and
// add_custom_command.
var cmakeKeywords = map[string]bool{
	"COMMAND": true, "WORKING_DIRECTORY": true, "TIMEOUT": true, "RESULT_VARIABLE": true,
	"RESULTS_VARIABLE": true, "OUTPUT_VARIABLE": true, "ERROR_VARIABLE": true, "INPUT_FILE": true,
	"OUTPUT_FILE": true, "ERROR_FILE": true, "OUTPUT_QUIET": true, "ERROR_QUIET": true,
	"COMMAND_ECHO": true, "OUTPUT_STRIP_TRAILING_WHITESPACE": true, "ERROR_STRIP_TRAILING_WHITESPACE": true,
	"ENCODING": true, "ECHO_OUTPUT_VARIABLE": true, "ECHO_ERROR_VARIABLE": true, "COMMAND_ERROR_IS_FATAL": true,
	"OUTPUT": true, "DEPENDS": true, "BYPRODUCTS": true, "COMMENT": true, "VERBATIM": true,
	"USES_TERMINAL": true, "MAIN_DEPENDENCY": true, "IMPLICIT_DEPENDS": true, "DEPFILE": true,
	"JOB_POOL": true, "JOB_SERVER_AWARE": true, "COMMAND_EXPAND_LISTS": true, "APPEND": true, "SOURCES": true,
	"ALL": true, "TARGET": true, "PRE_BUILD": true, "PRE_LINK": true, "POST_BUILD": true, "ARGS": true,
	"CODEGEN": true,
}

// cmake reads CMake calls that run programs.
func (a *analyzer) cmake(ctx context.Context) error {
	calls, err := parseCMake(ctx, a.data)
	if err != nil {
		return err
	}
	for _, c := range calls {
		var s shellBuilder
		switch c.name {
		case "execute_process":
			var outVar, outFile string
			var stages [][]callArg
			in := false
			for i := 0; i < len(c.args); i++ {
				w := c.args[i]
				switch {
				case w.text == "COMMAND" && !w.quoted:
					stages = append(stages, nil)
					in = true
				case w.text == "OUTPUT_VARIABLE" && !w.quoted && i+1 < len(c.args):
					i++
					outVar = c.args[i].text
					in = false
				case w.text == "OUTPUT_FILE" && !w.quoted && i+1 < len(c.args):
					i++
					outFile = c.args[i].text
					in = false
				case cmakeKeywords[w.text] && !w.quoted:
					i = skipKeywordArgs(c.args, i)
					in = false
				case in:
					stages[len(stages)-1] = append(stages[len(stages)-1], w)
				}
			}
			if outVar != "" && isCMakeName(outVar) {
				s.raw(outVar+"=$(", c.line)
			}
			first := true
			for _, st := range stages {
				if len(st) == 0 {
					continue
				}
				if !first {
					s.raw("|", st[0].line)
				}
				first = false
				for _, w := range st {
					s.word(w.text, w.line)
				}
			}
			if outVar != "" && isCMakeName(outVar) {
				s.raw(")", c.line)
			}
			if outFile != "" {
				s.raw(">", c.line)
				s.word(outFile, c.line)
			}
		case "add_custom_command", "add_custom_target":
			in := false
			for i := 0; i < len(c.args); i++ {
				w := c.args[i]
				switch {
				case w.text == "COMMAND" && !w.quoted:
					s.raw(";", w.line)
					in = true
				case cmakeKeywords[w.text] && !w.quoted:
					in = false
				case in && !w.quoted && (w.text == "|" || w.text == "&&" || w.text == "||" || w.text == ";" || w.text == ">" || w.text == ">>" || w.text == "<"):
					// Build tools run custom commands through a shell.
					s.raw(w.text, w.line)
				case in:
					s.word(w.text, w.line)
				}
			}
		case "exec_program":
			for i, w := range c.args {
				if i > 0 && cmakeKeywords[w.text] && w.text != "ARGS" {
					break
				}
				if w.text == "ARGS" {
					continue
				}
				s.word(w.text, w.line)
			}
		case "file":
			if len(c.args) >= 3 && strings.EqualFold(c.args[0].text, "DOWNLOAD") {
				s.word("curl", c.line)
				s.word("-o", c.args[2].line)
				s.word(c.args[2].text, c.args[2].line)
				s.word(c.args[1].text, c.args[1].line)
			}
		case "include":
			if len(c.args) > 0 {
				s.word(".", c.line)
				s.word(c.args[0].text, c.args[0].line)
			}
		}
		a.synthetic(&s)
	}
	return nil
}

// skipKeywordArgs returns the index of the last argument belonging to the
// keyword at i (its value, for keywords that take one).
func skipKeywordArgs(args []callArg, i int) int {
	switch args[i].text {
	case "WORKING_DIRECTORY", "TIMEOUT", "RESULT_VARIABLE", "RESULTS_VARIABLE", "ERROR_VARIABLE",
		"INPUT_FILE", "ERROR_FILE", "COMMAND_ECHO", "ENCODING", "COMMAND_ERROR_IS_FATAL":
		return min(i+1, len(args)-1)
	}
	return i
}

func isCMakeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// parseCMake reads the calls of the CMake language that matter here.
func parseCMake(ctx context.Context, data []byte) ([]call, error) {
	s := string(data)
	line := 1
	var calls []call
	wanted := map[string]bool{"execute_process": true, "add_custom_command": true, "add_custom_target": true,
		"exec_program": true, "file": true, "include": true}
	for i := 0; i < len(s); {
		if len(calls) >= maxCalls {
			break
		}
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '#':
			if n := bracketOpen(s, i+1); n > 0 {
				end, nl := bracketClose(s, i+1+n, n-2)
				line += nl
				i = end
				continue
			}
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case isNameByte(c, true):
			j := i
			for j < len(s) && isNameByte(s[j], false) {
				j++
			}
			name := strings.ToLower(s[i:j])
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			if k >= len(s) || s[k] != '(' {
				i = j
				continue
			}
			args, end, nl := cmakeArgs(s, k+1, line)
			if wanted[name] {
				calls = append(calls, call{name: name, line: line, args: args})
			}
			line += nl
			i = end
		case c == '"':
			// A stray quoted string outside a call: skip it whole.
			end, _, nl := cmakeQuoted(s, i+1)
			line += nl
			i = end
		default:
			i++
		}
	}
	return calls, nil
}

// bracketOpen returns the length of a bracket opening "[==[" at s[i], 0
// when there is none.
func bracketOpen(s string, i int) int {
	if i >= len(s) || s[i] != '[' {
		return 0
	}
	j := i + 1
	for j < len(s) && s[j] == '=' {
		j++
	}
	if j < len(s) && s[j] == '[' {
		return j - i + 1
	}
	return 0
}

// bracketClose finds "]" + eq "=" + "]" from s[i] and returns the offset
// after it and the newlines crossed.
func bracketClose(s string, i, eq int) (int, int) {
	closer := "]" + strings.Repeat("=", eq) + "]"
	j := strings.Index(s[i:], closer)
	if j < 0 {
		return len(s), strings.Count(s[i:], "\n")
	}
	return i + j + len(closer), strings.Count(s[i:i+j], "\n")
}

// cmakeQuoted reads a quoted argument whose content starts at s[i]: it
// returns the offset after the closing quote, the text with CMake's
// escapes decoded and the newlines crossed.
func cmakeQuoted(s string, i int) (int, string, int) {
	var b strings.Builder
	nl := 0
	for i < len(s) {
		c := s[i]
		switch c {
		case '"':
			return i + 1, b.String(), nl
		case '\\':
			if i+1 >= len(s) {
				i++
				continue
			}
			switch n := s[i+1]; n {
			case '"', '\\', ';', '$', '(', ')', '#', ' ':
				b.WriteByte(n)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\n':
				nl++
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			i += 2
			continue
		case '\n':
			nl++
		}
		b.WriteByte(c)
		i++
	}
	return len(s), b.String(), nl
}

// cmakeArgs reads a call's arguments from s[i] (after the '(').
func cmakeArgs(s string, i, line int) ([]callArg, int, int) {
	var args []callArg
	depth := 1
	nl := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\n':
			nl++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			if n := bracketOpen(s, i+1); n > 0 {
				end, k := bracketClose(s, i+1+n, n-2)
				nl += k
				i = end
				continue
			}
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
			if depth == 0 {
				return args, i, nl
			}
		case c == '"':
			end, text, k := cmakeQuoted(s, i+1)
			if len(args) < maxCallArgs {
				args = append(args, callArg{text: text, line: line + nl, quoted: true})
			}
			nl += k
			i = end
		case c == '[' && bracketOpen(s, i) > 0:
			n := bracketOpen(s, i)
			start := i + n
			end, k := bracketClose(s, start, n-2)
			text := s[start:max(start, end-n)]
			if len(args) < maxCallArgs {
				args = append(args, callArg{text: strings.TrimPrefix(text, "\n"), line: line + nl, quoted: true})
			}
			nl += k
			i = end
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\"#", rune(s[j])) {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				j++
			}
			if len(args) < maxCallArgs {
				args = append(args, callArg{text: s[i:min(j, len(s))], line: line + nl})
			}
			i = j
		}
	}
	return args, len(s), nl
}

// meson reads meson calls that run programs: run_command(...) and the
// command: arrays of custom_target, run_target and generator.
func (a *analyzer) meson(ctx context.Context) {
	calls := parseMeson(ctx, string(a.data))
	programs := map[string]string{}
	for _, c := range calls {
		if c.name == "find_program" && c.assign != "" && len(c.args) > 0 {
			programs[c.assign] = c.args[0].text
			continue
		}
		if c.name != "run_command" && c.name != "command" {
			continue
		}
		var s shellBuilder
		if c.assign != "" && c.name == "run_command" {
			s.raw(c.assign+"=$(", c.line)
		}
		for _, w := range c.args {
			text := w.text
			if !w.quoted {
				if p, ok := programs[text]; ok {
					text = p
				}
			}
			s.word(text, w.line)
		}
		if c.assign != "" && c.name == "run_command" {
			s.raw(")", c.line)
		}
		a.synthetic(&s)
	}
}

// parseMeson reads meson function calls with their positional string,
// identifier and array arguments; "command:" keyword arrays become calls
// named "command".
func parseMeson(ctx context.Context, s string) []call {
	var calls []call
	line := 1
	lastIdent, lastIdentLine := "", 0
	assignTo := ""
	for i := 0; i < len(s) && len(calls) < maxCalls; {
		if i&0xffff == 0 && ctx.Err() != nil {
			return calls
		}
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
			assignTo = ""
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\'':
			end, _, nl := mesonString(s, i)
			line += nl
			i = end
		case isNameByte(c, true):
			j := i
			for j < len(s) && isNameByte(s[j], false) {
				j++
			}
			lastIdent, lastIdentLine = s[i:j], line
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			switch {
			case k < len(s) && s[k] == '=' && (k+1 >= len(s) || s[k+1] != '='):
				assignTo = lastIdent
				i = k + 1
			case k < len(s) && s[k] == '(' && (lastIdent == "run_command" || lastIdent == "find_program"):
				args, end, nl := mesonArgs(s, k+1, line, ')')
				calls = append(calls, call{name: lastIdent, line: lastIdentLine, args: args, assign: assignTo})
				line += nl
				i = end
			case k < len(s) && s[k] == ':' && lastIdent == "command":
				k++
				for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n') {
					if s[k] == '\n' {
						line++
					}
					k++
				}
				if k < len(s) && s[k] == '[' {
					args, end, nl := mesonArgs(s, k+1, line, ']')
					calls = append(calls, call{name: "command", line: lastIdentLine, args: args})
					line += nl
					i = end
				} else {
					i = k
				}
			default:
				i = j
			}
		default:
			i++
		}
	}
	return calls
}

// mesonString reads a string literal at s[i] ('...' or ”'...”') and
// returns the offset after it, its text and the newlines crossed.
func mesonString(s string, i int) (int, string, int) {
	if strings.HasPrefix(s[i:], "'''") {
		j := strings.Index(s[i+3:], "'''")
		if j < 0 {
			return len(s), s[i+3:], strings.Count(s[i+3:], "\n")
		}
		text := s[i+3 : i+3+j]
		return i + 6 + j, text, strings.Count(text, "\n")
	}
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\'':
			return j + 1, b.String(), 0
		case '\n':
			return j, b.String(), 0
		case '\\':
			if j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case '\'', '\\':
					b.WriteByte(s[j])
				default:
					b.WriteByte('\\')
					b.WriteByte(s[j])
				}
			}
		default:
			b.WriteByte(s[j])
		}
	}
	return len(s), b.String(), 0
}

// mesonArgs reads positional arguments up to the closing byte, flattening
// arrays and stopping at the first keyword argument.
func mesonArgs(s string, i, line int, closer byte) ([]callArg, int, int) {
	var args []callArg
	depth := 0
	nl := 0
	kw := false
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\n':
			nl++
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '(' || c == '[':
			depth++
			i++
		case c == ')' || c == ']':
			if depth == 0 && c == closer {
				return args, i + 1, nl
			}
			depth--
			i++
		case c == '\'':
			end, text, k := mesonString(s, i)
			if !kw && len(args) < maxCallArgs {
				args = append(args, callArg{text: text, line: line + nl, quoted: true})
			}
			nl += k
			i = end
		case isNameByte(c, true):
			j := i
			for j < len(s) && (isNameByte(s[j], false) || s[j] == '.') {
				j++
			}
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			if k < len(s) && s[k] == ':' && depth == 0 {
				kw = true
				i = k + 1
				continue
			}
			name := s[i:j]
			if strings.HasSuffix(name, ".stdout") {
				name = "${" + strings.TrimSuffix(name, ".stdout") + "}"
			}
			if !kw && len(args) < maxCallArgs {
				args = append(args, callArg{text: name, line: line + nl})
			}
			i = j
		default:
			i++
		}
	}
	return args, len(s), nl
}
