package script

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// Taint follows data that a command downloaded, decoded or decompressed
// into a file or a variable, to a later line that runs it: the two-step
// form of "curl | sh" (curl -o x.sh; sh x.sh, CMake's file(DOWNLOAD) then
// execute_process, x=$(base64 -d ...); eval "$x").

type taintKind uint8

const (
	taintDownload taintKind = iota + 1
	taintDecode
	taintDecompress
)

type taintEntry struct {
	kind taintKind
	line int
}

// taintSet maps "file:PATH", "base:NAME" and "var:NAME" to what produced
// them.
type taintSet map[string]taintEntry

const maxTaints = 1000

func (t taintSet) add(key string, e taintEntry) {
	if len(t) < maxTaints {
		if _, ok := t[key]; !ok {
			t[key] = e
		}
	}
}

// addFile taints a path and its base name (the same file is often named
// through different directory variables).
func (t taintSet) addFile(path string, e taintEntry) {
	path = strings.TrimPrefix(path, "./")
	if path == "" || path == "-" || path == "/dev/null" || path == "/dev/stdout" || path == "/dev/stderr" {
		return
	}
	t.add("file:"+path, e)
	if base := baseName(path); strings.Contains(base, ".") && len(base) >= 3 && base != path {
		t.add("base:"+base, e)
	}
}

func (t taintSet) file(path string) (taintEntry, bool) {
	path = strings.TrimPrefix(path, "./")
	if e, ok := t["file:"+path]; ok {
		return e, true
	}
	e, ok := t["base:"+baseName(path)]
	return e, ok
}

func (f *flags) taint(line int) (taintEntry, bool) {
	switch {
	case f.download:
		return taintEntry{taintDownload, line}, true
	case f.decode:
		return taintEntry{taintDecode, line}, true
	case f.decompress:
		return taintEntry{taintDecompress, line}, true
	}
	return taintEntry{}, false
}

// taintRules records what this unit produces and reports what it runs.
func (a *analyzer) taintRules(u *unit, infos []cmdInfo, stages [][]member) {
	l := &a.lex
	// Sources: pipelines holding a producer, writing to a file.
	byPipe := make([]flags, len(stages))
	for p, ms := range stages {
		for _, m := range ms {
			if m.cmd < len(infos) {
				byPipe[p].add(&infos[m.cmd])
			}
		}
	}
	for k := range l.cmds {
		c := &l.cmds[k]
		ci := &infos[k]
		if c.pipe >= len(byPipe) {
			continue
		}
		e, ok := byPipe[c.pipe].taint(ci.line)
		if !ok {
			continue
		}
		for _, w := range l.argv(c) {
			if w.kind == wRedir && (w.op == ">" || w.op == ">>" || w.op == ">|") {
				a.taint.addFile(w.text, e)
			}
		}
		if ci.download {
			for i, w := range ci.args {
				t := w.text
				next := ""
				if i+1 < len(ci.args) {
					next = ci.args[i+1].text
				}
				switch {
				case t == "-o" || t == "--output" || t == "-O" && ci.name != "curl" || t == "--output-document" ||
					len(t) > 2 && t[0] == '-' && t[1] != '-' && (t[len(t)-1] == 'o' && ci.name == "curl" || t[len(t)-1] == 'O' && ci.name == "wget"):
					a.taint.addFile(next, e)
				case strings.HasPrefix(t, "--output-document="), strings.HasPrefix(t, "--output="):
					a.taint.addFile(t[strings.IndexByte(t, '=')+1:], e)
				}
			}
		}
		// Output captured in a variable: x=$(curl ...).
		if c.via == viaSubst && c.parent >= 0 && c.pword >= 0 && c.pword < len(l.words) {
			if w := l.words[c.pword]; w.kind == wAssign || isAssignment(w) {
				name := w.text[:strings.IndexByte(w.text, '=')]
				a.taint.add("var:"+name, e)
			}
		}
	}
	// Sinks.
	for k := range l.cmds {
		ci := &infos[k]
		if ci.name == "" {
			continue
		}
		var target string
		var e taintEntry
		found := false
		switch {
		case ci.shell && !ci.stdinShell:
			for i, w := range ci.args {
				if w.text == "-c" {
					if i+1 < len(ci.args) {
						e, target, found = a.varTaint(ci.args[i+1].text)
					}
					break
				}
				if !strings.HasPrefix(w.text, "-") {
					e, found = a.taint.file(w.text)
					target = w.text
					break
				}
			}
		case ci.name == "." || ci.name == "source" || ci.name == "include":
			if len(ci.args) > 0 {
				e, found = a.taint.file(ci.args[0].text)
				target = ci.args[0].text
			}
		case ci.eval:
			for _, w := range ci.args {
				if e, target, found = a.varTaint(w.text); found {
					break
				}
			}
		case ci.name == "cmake" || varName(ci.nameRaw) == "CMAKE_COMMAND":
			for i, w := range ci.args {
				if w.text == "-P" && i+1 < len(ci.args) {
					e, found = a.taint.file(ci.args[i+1].text)
					target = ci.args[i+1].text
				}
			}
		case (a.synth || a.kind != kindCMake && a.kind != kindMeson) &&
			(strings.Contains(ci.nameRaw, "/") || strings.Contains(ci.nameRaw, ".")):
			// A path run as a command; CMake and meson lines are not
			// commands unless they come from a call that runs programs.
			e, found = a.taint.file(ci.nameRaw)
			target = ci.nameRaw
		}
		if !found {
			continue
		}
		var rule, what string
		switch e.kind {
		case taintDownload:
			rule, what = RuleDownloadToShell, "downloaded"
		case taintDecode:
			rule, what = RuleBase64ToShell, "decoded from base64 or hex"
		default:
			rule, what = RuleDecompressToShell, "decompressed"
		}
		a.addHit(rule, finding.High, ci.line, ci.col,
			fmt.Sprintf("runs %s, which line %d %s: the build executes code that is not in the source", clip(target, 60), e.line, what))
	}
}

// varTaint reports whether s refers to a tainted variable ($x, ${x}).
func (a *analyzer) varTaint(s string) (taintEntry, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		name := varName(s[i:])
		if name == "" {
			continue
		}
		if e, ok := a.taint["var:"+name]; ok {
			return e, "$" + name, true
		}
	}
	return taintEntry{}, "", false
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
