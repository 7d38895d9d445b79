package script

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// shellNames are interpreters that run a program read from standard input
// when given no script operand.
var shellNames = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ksh": true, "zsh": true, "ash": true,
	"mksh": true, "yash": true, "posh": true, "busybox": true,
}

// interpreterNames run stdin too, unless given code (-c, -e) or a script.
var interpreterNames = map[string]bool{
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true,
	"node": true, "php": true, "lua": true, "tclsh": true,
}

// isShellVar reports whether a command word is a variable that names the
// shell or an interpreter: $SHELL, ${CONFIG_SHELL-/bin/sh}, $(SHELL) in
// Makefiles, $PYTHON.
func isShellVar(s string) bool {
	v := varName(s)
	switch v {
	case "SHELL", "CONFIG_SHELL", "BASH", "as_shell", "SH", "BASH_SHELL", "PYTHON", "PERL":
		return true
	}
	return false
}

// varName returns NAME for $NAME, ${NAME...} and $(NAME), "" otherwise.
func varName(s string) string {
	if !strings.HasPrefix(s, "$") || len(s) < 2 {
		return ""
	}
	s = s[1:]
	if s[0] == '{' || s[0] == '(' {
		s = s[1:]
	}
	i := 0
	for i < len(s) && isNameByte(s[i], i == 0) {
		i++
	}
	return s[:i]
}

// isComputed reports whether a word is nothing but one parameter
// expansion ($x, ${x}, "$x", gl_[$1]-style m4 names): its value decides
// what runs.
func isComputed(s string) bool {
	if len(s) < 2 || s[0] != '$' {
		return false
	}
	if s[1] == '{' {
		return strings.IndexByte(s, '}') == len(s)-1
	}
	if s[1] == '(' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isNameByte(c, false) && c != '[' && c != ']' && c != '$' {
			return false
		}
	}
	return true
}

// cmdInfo classifies one command for the rules.
type cmdInfo struct {
	name    string // effective command name (prefixes such as env skipped)
	nameRaw string // the word as written
	nameOff int    // its offset, to tell it from arguments with the same text
	args    []word // argument words after the name
	line    int
	col     int

	stdinShell bool // a shell or interpreter reading its program from stdin
	shell      bool // a shell or interpreter at all
	eval       bool
	evalComp   bool // eval of nothing but parameter expansions
	decompress bool
	decode     bool // base64/hex decoding
	download   bool
	carve      bool
	transform  bool // a suspicious tr map
	bare       bool // a lone word without arguments (a case pattern, a builtin)
}

// commandWord returns the index in args of the word that names the
// command, skipping wrappers (env VAR=x, command, exec, nohup, ...).
func commandWord(args []word) int {
	i := 0
	for i < len(args) {
		switch args[i].text {
		case "env":
			i++
			for i < len(args) && (strings.HasPrefix(args[i].text, "-") || isAssignment(args[i])) {
				i++
			}
			continue
		case "command", "exec", "nohup", "builtin", "nice", "sudo", "time", "stdbuf":
			if args[i].text == "command" && i+1 < len(args) && (args[i+1].text == "-v" || args[i+1].text == "-V") {
				return len(args) // a lookup: "command -v curl" runs nothing
			}
			i++
			for i < len(args) && strings.HasPrefix(args[i].text, "-") {
				i++
			}
			continue
		}
		break
	}
	return i
}

// hasShortFlag reports whether an argument is a cluster of short options
// (-dc, -aErls) holding flag.
func hasShortFlag(arg string, flag byte) bool {
	if len(arg) < 2 || arg[0] != '-' || arg[1] == '-' {
		return false
	}
	for i := 1; i < len(arg); i++ {
		c := arg[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
		if c == flag {
			return true
		}
	}
	return false
}

func anyArg(args []word, pred func(string) bool) bool {
	for _, a := range args {
		if pred(a.text) {
			return true
		}
	}
	return false
}

var alwaysDecompress = map[string]bool{
	"unxz": true, "xzcat": true, "lzcat": true, "unlzma": true, "gunzip": true, "zcat": true,
	"gzcat": true, "bunzip2": true, "bzcat": true, "unzstd": true, "zstdcat": true,
	"lz4cat": true, "unlz4": true, "unlzip": true,
}

var flagDecompress = map[string]bool{
	"xz": true, "lzma": true, "gzip": true, "bzip2": true, "zstd": true, "lz4": true,
	"lzip": true, "pigz": true, "pbzip2": true, "pixz": true, "lzop": true, "brotli": true,
	"compress": true, "plzip": true, "zstdmt": true,
}

func isDecompressFlag(s string) bool {
	return hasShortFlag(s, 'd') || s == "--decompress" || s == "--uncompress"
}

// classify fills a cmdInfo for c.
func (a *analyzer) classify(u *unit, c *command) cmdInfo {
	all := a.lex.argv(c)
	var args []word
	for _, w := range all {
		if w.kind == wArg {
			args = append(args, w)
		}
	}
	var ci cmdInfo
	ci.line, ci.col = u.lineAt(c.off)
	i := commandWord(args)
	if i >= len(args) {
		return ci
	}
	ci.nameRaw = args[i].text
	ci.nameOff = args[i].off
	ci.name = baseName(ci.nameRaw)
	ci.args = args[i+1:]
	if ci.name == "busybox" && len(ci.args) > 0 {
		// busybox sh: the applet is the command.
		ci.nameRaw, ci.nameOff, ci.name = ci.args[0].text, ci.args[0].off, baseName(ci.args[0].text)
		ci.args = ci.args[1:]
	}
	ci.bare = len(ci.args) == 0 && i == 0 && !strings.HasPrefix(ci.nameRaw, "$")
	name, rest := ci.name, ci.args

	switch {
	case shellNames[name] || isShellVar(ci.nameRaw) || interpreterNames[trimVersion(name)]:
		ci.shell = true
		ci.stdinShell = readsStdin(name, ci.nameRaw, rest)
	case name == "eval":
		ci.eval = true
		ci.evalComp = len(rest) > 0
		for _, w := range rest {
			if !isComputed(w.text) {
				ci.evalComp = false
			}
		}
	case alwaysDecompress[name]:
		ci.decompress = true
	case flagDecompress[name]:
		ci.decompress = anyArg(rest, isDecompressFlag)
	case name == "tar":
		ci.decompress = anyArg(rest, func(s string) bool {
			return s == "--to-stdout" || !strings.HasPrefix(s, "--") && strings.Contains(s, "x") && strings.Contains(s, "O") && !strings.ContainsAny(s, "/.")
		})
	case name == "unzip":
		ci.decompress = anyArg(rest, func(s string) bool { return s == "-p" || s == "-c" })
	case name == "7z" || name == "7za" || name == "7zr":
		ci.decompress = anyArg(rest, func(s string) bool { return s == "-so" })
	case name == "base64" || name == "basenc" || name == "gbase64":
		ci.decode = anyArg(rest, func(s string) bool { return hasShortFlag(s, 'd') || s == "--decode" || hasShortFlag(s, 'D') })
	case name == "openssl":
		ci.decode = anyArg(rest, func(s string) bool { return s == "base64" || s == "-base64" || s == "-a" || s == "enc" }) &&
			anyArg(rest, func(s string) bool { return s == "-d" })
	case name == "uudecode" || name == "b64decode" || name == "base32":
		ci.decode = name != "base32" || anyArg(rest, func(s string) bool { return hasShortFlag(s, 'd') || s == "--decode" })
	case name == "xxd":
		ci.decode = anyArg(rest, func(s string) bool { return hasShortFlag(s, 'r') })
	case name == "curl" || name == "wget" || name == "fetch" || name == "aria2c" ||
		varName(ci.nameRaw) == "CURL" || varName(ci.nameRaw) == "WGET":
		ci.download = true
	case name == "head" || name == "tail":
		ci.carve = anyArg(rest, func(s string) bool {
			return s == "-c" || strings.HasPrefix(s, "-c") && len(s) > 2 && (s[2] >= '0' && s[2] <= '9' || s[2] == '+') || strings.HasPrefix(s, "--bytes")
		})
	case name == "dd":
		ci.carve = anyArg(rest, func(s string) bool {
			return strings.HasPrefix(s, "skip=") || strings.HasPrefix(s, "iseek=") || strings.HasPrefix(s, "count=")
		})
	case strings.HasPrefix(ci.nameRaw, "$") && isComputed(ci.nameRaw):
		// A decompressor whose name is computed ($gl_[$1]_prefix -d, where
		// the name came from a file's extension).
		ci.decompress = anyArg(rest, func(s string) bool { return s == "-d" || s == "-dc" || s == "-cd" || s == "--decompress" })
	}
	return ci
}

// trimVersion turns python3.11 into python3.
func trimVersion(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// readsStdin reports whether a shell or interpreter invocation takes its
// program from standard input: no script operand and no code option.
func readsStdin(name, raw string, args []word) bool {
	interp := interpreterNames[trimVersion(name)] || varName(raw) == "PYTHON" || varName(raw) == "PERL"
	for _, w := range args {
		t := w.text
		switch {
		case t == "-" || t == "-s" || t == "/dev/stdin":
			return true
		case t == "--":
			continue
		case strings.HasPrefix(t, "-"):
			if interp && (hasShortFlag(t, 'e') || hasShortFlag(t, 'E') || hasShortFlag(t, 'c') || hasShortFlag(t, 'm')) {
				return false
			}
			if !interp && hasShortFlag(t, 'c') {
				return false
			}
			if t == "-o" || t == "+o" {
				return false // sh -o option: an operand follows; rare enough
			}
		default:
			return false // a script file
		}
	}
	return true
}

// unitRules runs the command rules over the lexed unit.
func (a *analyzer) unitRules(u *unit, hook bool) {
	l := &a.lex
	n := len(l.cmds)
	if n == 0 {
		return
	}
	infos := make([]cmdInfo, n)
	for k := range l.cmds {
		infos[k] = a.classify(u, &l.cmds[k])
	}
	// Per-command rules.
	carves := 0
	firstCarve := -1
	for k := range l.cmds {
		ci := &infos[k]
		switch {
		case ci.name == "tr":
			a.trRule(ci)
		case isGrepName(ci.name, ci.nameRaw):
			a.grepRule(ci)
		}
		if ci.carve {
			carves++
			if firstCarve < 0 {
				firstCarve = k
			}
		}
	}

	// Pipelines: group members by pipe.
	// Pipe ids are small and dense: index by them.
	stages := make([][]member, l.pipes)
	for _, m := range l.members {
		if m.pipe < len(stages) {
			stages[m.pipe] = append(stages[m.pipe], m)
		}
	}
	for k := range l.cmds {
		ci := &infos[k]
		if !ci.evalComp {
			continue
		}
		c := &l.cmds[k]
		if hook {
			a.addHit(RuleConfigCommandsHook, finding.Medium, ci.line, ci.col,
				"a configure output hook evals a variable, so config.status runs code that is not written in the hook")
		}
		if c.stage == 0 {
			continue
		}
		// eval in the middle of a pipeline: libtool does it with sed
		// scripts; it matters when the pipeline also decompresses or
		// transforms data, or when the variable holds such code.
		var f flags
		last := true
		for _, m := range stages[min(c.pipe, len(stages)-1)] {
			if m.cmd != k {
				f.add(&infos[m.cmd])
			}
			if m.stage > c.stage {
				last = false
			}
		}
		// bzmore pipes bunzip2 into "eval $PAGER": eval at the end of a
		// pipeline shows data; in the middle it transforms it.
		if !last && (f.decompress || f.decode || f.download || f.transform || f.carve) {
			a.addHit(RuleEvalComputed, finding.Medium, ci.line, ci.col,
				fmt.Sprintf("eval of %s runs code held in a variable on data being decompressed or decoded: the transformation is assembled at build time, not written in the script", argText(ci.args)))
			continue
		}
		var vars []string
		for _, w := range ci.args {
			vars = append(vars, varName(w.text))
		}
		if len(a.pendingEvals) < maxHits {
			a.pendingEvals = append(a.pendingEvals, pendingEval{line: ci.line, col: ci.col, vars: vars, args: argText(ci.args)})
		}
		a.addHit(RuleEvalComputed, finding.Low, ci.line, ci.col,
			fmt.Sprintf("eval of %s reads piped data: the code it runs is held in a variable", argText(ci.args)))
	}
	a.codeVars(infos)
	for _, ms := range stages {
		if len(ms) < 2 {
			continue
		}
		a.pipelineRules(ms, infos, hook)
	}
	// Output of substitutions that is run: eval "$(curl ...)", sh -c "`...`".
	a.substRules(infos)

	if carves >= 3 {
		ci := &infos[firstCarve]
		a.addHit(RuleByteCarving, finding.Medium, ci.line, ci.col,
			fmt.Sprintf("%d head/tail/dd commands cut fixed byte ranges out of a stream, the way a payload is carved from between junk data", carves))
	}
	a.taintRules(u, infos, stages)
}

func argText(args []word) string {
	var parts []string
	for _, w := range args {
		parts = append(parts, w.text)
	}
	s := strings.Join(parts, " ")
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// flags summarises what a set of commands does, for a pipeline's sources.
type flags struct {
	download, decode, decompress, eval, transform, carve, other bool
}

func (f *flags) add(ci *cmdInfo) {
	f.download = f.download || ci.download
	f.decode = f.decode || ci.decode
	f.decompress = f.decompress || ci.decompress
	f.eval = f.eval || ci.eval
	f.transform = f.transform || ci.transform
	f.carve = f.carve || ci.carve
	if ci.name != "" && !ci.bare && !ci.download && !ci.decode && !ci.decompress && !ci.eval && !ci.transform && !ci.carve {
		f.other = true
	}
}

// execRule turns what feeds an execution into a hit: the rule, its
// severity, and a sentence. ok is false when nothing worth reporting fed it.
func (f *flags) execRule(what string) (rule string, sev finding.Severity, summary string, ok bool) {
	switch {
	case f.download:
		return RuleDownloadToShell, finding.High, "downloaded data is " + what + ": the build runs code fetched from the network", true
	case f.decode:
		return RuleBase64ToShell, finding.High, "base64 or hex decoded data is " + what + ": the build runs code hidden in an encoded string", true
	case f.decompress:
		return RuleDecompressToShell, finding.High, "decompressed data is " + what + ": the build runs code hidden in a compressed file", true
	case f.eval || f.transform || f.carve:
		return RulePipeToShell, finding.High, "the output of eval, tr or byte carving is " + what + ": the build runs code assembled at build time", true
	case f.other:
		return RulePipeToShell, finding.Low, "a command's output is " + what, true
	}
	return "", 0, "", false
}

// pipelineRules finds shells reading a pipeline's output and what feeds
// them, and carving or eval in the middle of decompression pipelines.
func (a *analyzer) pipelineRules(ms []member, infos []cmdInfo, hook bool) {
	var all flags
	for _, m := range ms {
		if m.cmd < len(infos) {
			all.add(&infos[m.cmd])
		}
	}
	for _, m := range ms {
		ci := &infos[m.cmd]
		if ci.carve && (all.decompress || all.transform || all.eval) {
			a.addHit(RuleByteCarving, finding.Medium, ci.line, ci.col,
				"head/tail/dd cut a byte range out of decompressed or transformed data, the way a payload is carved out of a test file")
		}
		if !ci.stdinShell || m.stage == 0 {
			continue
		}
		var f flags
		for _, src := range ms {
			if src.stage < m.stage && src.cmd < len(infos) {
				f.add(&infos[src.cmd])
			}
		}
		rule, sev, summary, ok := f.execRule("piped into " + ci.nameRaw)
		if !ok {
			continue
		}
		a.addHit(rule, sev, ci.line, ci.col, summary)
		if hook && sev >= finding.High {
			a.addHit(RuleConfigCommandsHook, finding.High, ci.line, ci.col,
				"a configure output hook (AC_CONFIG_COMMANDS) pipes generated code into a shell; config.status runs it on every build")
		}
	}
}

// substRules reports command substitutions whose output is run.
func (a *analyzer) substRules(infos []cmdInfo) {
	l := &a.lex
	type key struct{ parent, pword int }
	groups := map[key]*flags{}
	for k := range l.cmds {
		c := &l.cmds[k]
		if c.via != viaSubst || c.parent < 0 || c.parent >= len(infos) {
			continue
		}
		kk := key{c.parent, c.pword}
		f := groups[kk]
		if f == nil {
			f = &flags{}
			groups[kk] = f
		}
		f.add(&infos[k])
		// Everything in the substitution's pipeline feeds it.
		for _, m := range l.members {
			if m.pipe == c.pipe && m.cmd != k && m.cmd < len(infos) {
				f.add(&infos[m.cmd])
			}
		}
	}
	for kk, f := range groups {
		p := &infos[kk.parent]
		if !a.runsWord(p, &l.cmds[kk.parent], kk.pword) {
			continue
		}
		// Only what is clearly hidden counts: m4 sources are full of
		// `eval ...` used as values, and $(dd if=/dev/urandom count=1 ...)
		// makes random numbers.
		f.other, f.eval, f.carve = false, false, false
		rule, sev, summary, ok := f.execRule("run by " + p.name)
		if ok {
			a.addHit(rule, sev, p.line, p.col, summary)
		}
	}
}

// runsWord reports whether command c runs the text of its word at index
// wi (in lexer.words) as code.
func (a *analyzer) runsWord(ci *cmdInfo, c *command, wi int) bool {
	if wi < 0 || wi >= len(a.lex.words) {
		return false
	}
	w := a.lex.words[wi]
	if w.kind != wArg {
		return false
	}
	if w.off == ci.nameOff && w.text == ci.nameRaw {
		return true // the command name itself is the substitution's output
	}
	switch {
	case ci.eval:
		return true
	case ci.name == "." || ci.name == "source":
		return strings.HasPrefix(w.text, "<(")
	case ci.shell:
		if strings.HasPrefix(w.text, "<(") {
			return true
		}
		for i, arg := range ci.args {
			if arg.off == w.off && arg.text == w.text && i > 0 && ci.args[i-1].text == "-c" {
				return true
			}
		}
	}
	return false
}

func isGrepName(name, raw string) bool {
	switch name {
	case "grep", "egrep", "fgrep", "ggrep", "rgrep":
		return true
	}
	switch varName(raw) {
	case "GREP", "EGREP", "FGREP":
		return true
	}
	return false
}

// grepRule records grep patterns and reports binary searches of a tree.
func (a *analyzer) grepRule(ci *cmdInfo) {
	var g GrepPattern
	g.Line = ci.line
	v := varName(ci.nameRaw)
	g.Extended = ci.name == "egrep" || v == "EGREP"
	g.Recursive = ci.name == "rgrep"
	listFiles := false
	var patterns, operands []string
	explicit := false
	args := ci.args
	for i := 0; i < len(args); i++ {
		t := args[i].text
		switch {
		case t == "--":
			for _, w := range args[i+1:] {
				operands = append(operands, w.text)
			}
			i = len(args)
		case strings.HasPrefix(t, "--"):
			name, val, hasVal := strings.Cut(t[2:], "=")
			switch name {
			case "text":
				g.Binary = true
			case "binary-files":
				g.Binary = g.Binary || val == "text"
			case "recursive", "dereference-recursive":
				g.Recursive = true
			case "files-with-matches", "files-without-match":
				listFiles = true
			case "extended-regexp":
				g.Extended = true
			case "regexp":
				explicit = true
				if hasVal {
					patterns = append(patterns, val)
				} else if i+1 < len(args) {
					i++
					patterns = append(patterns, args[i].text)
				}
			case "file":
				explicit = true
				if !hasVal {
					i++
				}
			}
		case len(t) > 1 && t[0] == '-':
			for j := 1; j < len(t); j++ {
				switch t[j] {
				case 'a':
					g.Binary = true
				case 'r', 'R':
					g.Recursive = true
				case 'l', 'L':
					listFiles = true
				case 'E':
					g.Extended = true
				case 'e', 'f', 'm', 'A', 'B', 'C', 'd', 'D':
					// An option with an argument: the rest of the cluster
					// or the next word.
					val := t[j+1:]
					if val == "" && i+1 < len(args) {
						i++
						val = args[i].text
					}
					if t[j] == 'e' {
						patterns = append(patterns, val)
						explicit = true
					}
					if t[j] == 'f' {
						explicit = true
					}
					j = len(t)
				}
			}
		default:
			operands = append(operands, t)
		}
	}
	if !explicit && len(operands) > 0 {
		patterns = append(patterns, operands[0])
		operands = operands[1:]
	}
	if g.Binary || g.Extended || g.Recursive {
		for _, p := range patterns {
			gp := g
			gp.Pattern = p
			a.addGrep(gp)
		}
	}
	if !g.Binary {
		return
	}
	tree := g.Recursive
	for _, o := range operands {
		if o == "." || strings.HasSuffix(o, "/") || isSrcdir(o) {
			tree = true
		}
	}
	if tree || listFiles {
		a.addHit(RuleGrepBinary, finding.Medium, ci.line, ci.col,
			"grep -a searches files as text, binary ones included, and reports which match: the way a payload hidden in a binary test file is located")
		return
	}
	a.addHit(RuleGrepBinary, finding.Low, ci.line, ci.col, "grep -a reads binary data as text")
}

// isSrcdir reports whether s names the source directory.
func isSrcdir(s string) bool {
	s = strings.TrimSuffix(s, "/")
	switch varName(s) {
	case "srcdir", "top_srcdir", "abs_srcdir", "abs_top_srcdir", "ac_srcdir", "ac_top_srcdir", "CMAKE_SOURCE_DIR", "CMAKE_CURRENT_SOURCE_DIR", "PROJECT_SOURCE_DIR":
		return len(s) <= len(varName(s))+3
	}
	return s == "@srcdir@" || s == "@top_srcdir@"
}

// trRule records a tr translation and reports substitution ciphers and
// character swaps.
func (a *analyzer) trRule(ci *cmdInfo) {
	var ops []string
	del, trunc, complement := false, false, false
	for i, w := range ci.args {
		t := w.text
		if t == "--" {
			for _, x := range ci.args[i+1:] {
				ops = append(ops, x.text)
			}
			break
		}
		if len(ops) == 0 && len(t) > 1 && t[0] == '-' && !strings.ContainsAny(t[1:], "\\") && (hasShortFlag(t, 'd') || hasShortFlag(t, 's') || hasShortFlag(t, 'c') || hasShortFlag(t, 'C') || hasShortFlag(t, 't') || strings.HasPrefix(t, "--")) {
			del = del || hasShortFlag(t, 'd') || t == "--delete"
			trunc = trunc || hasShortFlag(t, 't') || t == "--truncate-set1"
			complement = complement || hasShortFlag(t, 'c') || hasShortFlag(t, 'C') || t == "--complement"
			continue
		}
		ops = append(ops, t)
	}
	if del || len(ops) != 2 {
		return
	}
	a.addTrMap(TrMap{Line: ci.line, Set1: ops[0], Set2: ops[1]})
	if complement {
		return
	}
	switch k, n := classifyTr(ops[0], ops[1], trunc); k {
	case trCipher:
		ci.transform = true
		a.addHit(RuleTrOctalMap, finding.Medium, ci.line, ci.col,
			fmt.Sprintf("tr remaps %d byte values one to one, a substitution cipher that only makes sense to decode binary data hidden from review", n))
	case trTextCipher:
		a.addHit(RuleTrOctalMap, finding.Low, ci.line, ci.col,
			fmt.Sprintf("tr maps %d printable characters to other bytes, decoding binary data spelled as text", n))
	case trSwap:
		ci.transform = true
		a.addHit(RuleTrSwapMap, finding.Medium, ci.line, ci.col,
			fmt.Sprintf("tr swaps %d characters, whitespace or control characters among them, with each other: the way a file is disguised as corrupt test data and restored", n))
	}
}

// pendingEval is a Low eval-computed hit that becomes Medium if one of the
// variables it evals is found, anywhere in the file, to hold code that
// decompresses, decodes or transforms data (the xz m4 defines gl_path_map
// after the line that evals it).
type pendingEval struct {
	line, col int
	vars      []string
	args      string
}

// codeVars records variables assigned code that does something a reviewer
// should see: a tr cipher, byte carving, decompression, decoding.
func (a *analyzer) codeVars(infos []cmdInfo) {
	l := &a.lex
	for k := range l.cmds {
		c := &l.cmds[k]
		if c.via != viaCode || c.pword < 0 || c.pword >= len(l.words) {
			continue
		}
		ci := &infos[k]
		if !(ci.transform || ci.carve || ci.decompress || ci.decode || ci.download) {
			continue
		}
		w := l.words[c.pword]
		eq := strings.IndexByte(w.text, '=')
		if eq <= 0 || !isAssignment(w) {
			continue
		}
		name := w.text[:eq]
		if _, ok := a.codeVarLines[name]; !ok && len(a.codeVarLines) < maxTaints {
			a.codeVarLines[name] = ci.line
		}
	}
}

// finishEvals upgrades pending evals of variables that hold such code.
func (a *analyzer) finishEvals() {
	for _, p := range a.pendingEvals {
		for _, v := range p.vars {
			if line, ok := a.codeVarLines[v]; ok {
				a.addHit(RuleEvalComputed, finding.Medium, p.line, p.col,
					fmt.Sprintf("eval of %s runs, on piped data, the code line %d stores in $%s, which decompresses or transforms data: assembled at build time, not written where it runs", p.args, line, v))
				break
			}
		}
	}
}
