// Package script reads build scripts (configure, m4 macros, Makefiles,
// CMake, meson and shell scripts) the way a suspicious reviewer would, and
// reports the constructs that let a build run something nobody reviewed:
// the shapes of the xz-utils backdoor (CVE-2024-3094) and their relatives.
//
// The xz attack hid in a release tarball's m4/build-to-host.m4 and the
// configure generated from it: a `grep -a` over the source tree for a marker
// line inside a binary test file, a `tr` character map undoing a byte
// substitution, a decompressor chosen from the file's extension, and an
// `eval`-ed variable piped to $SHELL from an AC_CONFIG_COMMANDS hook. Its
// first stage carved bytes out of a second test file with `head -c`
// chains, mapped them back with an octal `tr` cipher, and fed the result
// through `xz -d` to /bin/sh; its second stage ran only when building a
// .deb or .rpm on x86-64 Linux with gcc and GNU ld. Each of those is a rule
// here, written for the shape rather than the names, so that the next
// attack built the same way is caught too.
//
// Nothing is executed: the scripts are lexed with a small shell word
// splitter that understands quoting, command substitution, pipelines,
// line continuations, m4 quotes and dnl comments, and the commands it
// finds are classified by name and arguments. Strings that will be run
// later (a variable holding a command line, the argument of eval or
// sh -c) are lexed again as code, a few levels deep.
//
// Real autoconf, automake, libtool, gettext and gnulib output is full of
// eval, $SHELL, tr, sed and generated variable names; the rules are
// calibrated so that none of it scores above Low (see the package tests).
// One strong signal alone is Medium at most, unless it is unambiguous on
// its own (downloaded or decoded data piped to a shell); the combination
// of several in one file is what makes High and Critical.
package script

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
)

// MaxSize bounds the script Analyze accepts. The largest real configure
// scripts are a few megabytes.
const MaxSize = 32 << 20

// Rule identifiers, stable across releases: callers key on them. Each
// comment says when a hit is Low, Medium or High on its own.
const (
	// RuleGrepBinary: grep told to treat binary files as text (-a) while
	// searching a tree or listing matching files (Medium), the way a
	// payload hidden in a binary test file is located; -a alone is Low.
	RuleGrepBinary = "grep-binary"
	// RuleTrOctalMap: a tr translation remapping at least 32 byte values
	// one to one. Medium when the map takes non-printable bytes to other
	// bytes, a substitution cipher over binary data; Low when it only
	// decodes printable text (gnulib's javacomp.m4 spells a class file so).
	RuleTrOctalMap = "tr-octal-map"
	// RuleTrSwapMap: a tr translation that permutes a few characters among
	// themselves, whitespace or control characters included (Medium),
	// undoing a swap applied to disguise a file as corrupt test data.
	RuleTrSwapMap = "tr-swap-map"
	// RuleEvalComputed: eval of nothing but a variable in the middle of a
	// pipeline. Medium when the pipeline also decompresses, decodes,
	// carves or tr-maps data, or when the variable is assigned such code
	// anywhere in the file; Low otherwise (libtool evals sed pipelines so).
	RuleEvalComputed = "eval-computed"
	// RulePipeToShell: data piped into a shell (sh, bash, $SHELL, ...)
	// that reads its program from standard input. High when eval, a tr
	// map or byte carving produce the data, Low for other commands.
	RulePipeToShell = "pipe-to-shell"
	// RuleDecompressToShell: decompressed data run as a program, through
	// a pipe, eval of a command substitution, or a file (High).
	RuleDecompressToShell = "decompress-to-shell"
	// RuleBase64ToShell: base64, hex (xxd -r) or openssl-decoded data run
	// as a program (High).
	RuleBase64ToShell = "base64-to-shell"
	// RuleDownloadToShell: downloaded data run as a program, through a
	// pipe, a file or a variable: curl | sh, curl -o f; sh f, CMake's
	// file(DOWNLOAD) then execute_process, meson run_command (High).
	RuleDownloadToShell = "download-to-shell"
	// RuleByteCarving: head -c, tail -c or dd cutting byte ranges out of
	// decompressed or transformed data, or three or more of them on one
	// line (Medium), the way a payload is carved from between junk.
	RuleByteCarving = "byte-carving"
	// RuleHighEntropyString: a long base64-like (120+ characters, Medium
	// from 400), hex (256+, Medium from 512) or escaped-byte (64+ \xHH or
	// \NNN, Medium) literal, comments included.
	RuleHighEntropyString = "high-entropy-string"
	// RuleConfigCommandsHook: an AC_CONFIG_COMMANDS hook (m4 source, or
	// the config.status "tag":C) arm configure writes) that pipes into a
	// shell or evals what its init commands built with eval (High), or
	// evals a variable (Medium).
	RuleConfigCommandsHook = "config-commands-hook"
	// RuleBuildEnvGate: checks of the packaging environment (RPM_ARCH,
	// DEB_BUILD_*, dpkg-buildpackage, debian/rules), of the build triple
	// read back from config.status or $build, or of the toolchain's
	// identity (gcc, GNU ld). Medium for every such line when the file
	// has a packaging check, a triple or toolchain check and "exit 0":
	// a payload hiding from developers and running only in distribution
	// builds. Packaging or triple checks alone are Low.
	RuleBuildEnvGate = "build-env-gate"
)

// Hit is one suspicious construct on one line.
type Hit struct {
	// Rule is one of the Rule* identifiers.
	Rule string
	// Severity is of this hit alone; Analysis.Severity combines them.
	Severity finding.Severity
	// Line is 1-based; for a construct spread over continuation lines it
	// is the line holding the command that matched.
	Line int
	// Text is the line, trimmed, with control characters and invalid
	// UTF-8 escaped, at most 300 bytes (a window around the match when the
	// line is longer).
	Text string
	// Summary is one sentence a reviewer understands.
	Summary string
}

// TrMap is one tr translation (tr SET1 SET2) found in the script, with its
// arguments as the shell would pass them: quotes removed, backslash escapes
// kept so that tr's own escapes (\t, \-, \114) read as tr reads them.
// Deletions (tr -d) are not maps and are not listed.
type TrMap struct {
	Line       int // 1-based
	Set1, Set2 string
}

// GrepPattern is the pattern of a grep run with -a (binary as text), -E
// (extended syntax, egrep, $EGREP) or -r (recursive), quotes removed: the
// facts a caller needs to test which files of a tree such a command would
// find.
type GrepPattern struct {
	Line      int // 1-based
	Pattern   string
	Extended  bool // -E, egrep, $EGREP
	Binary    bool // -a, --text, --binary-files=text
	Recursive bool // -r, -R, rgrep
}

// Analysis is what Analyze found in one script.
type Analysis struct {
	// Path is the script's path as given to Analyze.
	Path string
	// Hits are sorted by Severity, highest first, then by line and rule.
	// At most one hit per rule and line is kept.
	Hits []Hit
	// TrMaps and Greps are in the order of the script.
	TrMaps []TrMap
	Greps  []GrepPattern
	// FileRefs are the paths the script mentions that look like data
	// files or fixtures (compressed or binary extensions, paths under test
	// data directories, and any relative path on a line with a Medium or
	// higher hit), in the order first seen, without duplicates. Source
	// directory prefixes ($srcdir/, $(top_srcdir)/, @srcdir@/,
	// ${CMAKE_SOURCE_DIR}/ ...) and "./" are removed, so the paths read as
	// relative to the source tree.
	FileRefs []string
	// Score ranks scripts for review: a base for the combined severity
	// (Critical 100, High 50, Medium 20) plus, for each distinct rule, 1,
	// 5 or 10 for its strongest hit being Low, Medium or High, plus 10 for
	// each further distinct Medium-or-higher rule within the densest
	// 50-line window and 10 for each further kind of behaviour (locating,
	// transforming, executing, gating) the hits show. Several rules
	// together, close together, score far more than any one alone.
	Score int
	// Severity combines the hits: Critical when three or more distinct
	// Medium-or-higher rules include one that executes something and one
	// that locates or transforms data (grep-binary + tr map + eval or
	// decompress into a shell, as in xz); High when a hit alone is High or
	// two distinct rules are Medium or higher; otherwise the highest hit's
	// severity. It is finding.Unknown when there are no hits.
	Severity finding.Severity
}

// Limits on what one analysis collects, so that hostile input cannot make
// the result unbounded.
const (
	maxHits     = 1000
	maxTrMaps   = 1000
	maxGreps    = 1000
	maxFileRefs = 1000
	maxTextLen  = 300
	// maxUnit bounds a logical line (continuation lines joined); a longer
	// one is analysed in overlapping windows of this size.
	maxUnit     = 64 << 10
	unitOverlap = 4 << 10
	// windowLines is the span within which distinct rules count as a
	// cluster for Score.
	windowLines = 50
)

// IsBuildScript reports whether a file takes part in a build, by its name
// (configure, *.m4, Makefile*, *.am, *.mk, CMakeLists.txt, *.cmake,
// meson.build, *.sh, anything under build-aux/, and the *.in templates of
// those) or, whatever its name, by a shell interpreter line (#!/bin/sh,
// #!/usr/bin/env bash) at the start of head. path is slash separated.
func IsBuildScript(path string, head []byte) bool {
	if kindOf(path) != kindShell {
		return true
	}
	base := extract.Base(path)
	if t, ok := strings.CutSuffix(path, ".in"); ok && base != ".in" && IsBuildScript(t, nil) {
		return true // a template configure fills in: test.sh.in, libtool.in
	}
	switch base {
	case "configure", "config.status", "libtool", "autogen.sh", "bootstrap",
		"config.guess", "config.sub", "install-sh", "depcomp", "missing",
		"compile", "test-driver", "mkinstalldirs", "ltmain.sh", "ylwrap", "ar-lib":
		return true
	}
	for _, ext := range []string{".sh", ".bash", ".ksh", ".zsh", ".dash"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	if strings.HasPrefix(path, "build-aux/") || strings.Contains(path, "/build-aux/") {
		return true
	}
	return shellShebang(head)
}

// shellShebang reports whether head starts with an interpreter line naming
// a Bourne-family shell, directly or through env.
func shellShebang(head []byte) bool {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return false
	}
	line := head[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return false
	}
	prog := extract.Base(fields[0])
	if prog == "env" {
		prog = ""
		for _, f := range fields[1:] {
			if strings.HasPrefix(f, "-") || strings.Contains(f, "=") {
				continue
			}
			prog = extract.Base(f)
			break
		}
	}
	return shellNames[prog]
}

// fileKind selects the syntax layered over the shell rules.
type fileKind int

const (
	kindShell fileKind = iota
	kindM4
	kindMake
	kindCMake
	kindMeson
)

func kindOf(path string) fileKind {
	base := extract.Base(path)
	switch {
	case strings.HasSuffix(base, ".m4"), base == "configure.ac", base == "configure.in":
		return kindM4
	case base == "CMakeLists.txt", strings.HasSuffix(base, ".cmake"):
		return kindCMake
	case base == "meson.build", base == "meson_options.txt", base == "meson.options":
		return kindMeson
	case strings.HasPrefix(base, "Makefile"), strings.HasPrefix(base, "makefile"),
		strings.HasPrefix(base, "GNUmakefile"), strings.HasSuffix(base, ".mk"),
		strings.HasSuffix(base, ".mak"), strings.HasSuffix(base, ".am"):
		return kindMake
	}
	return kindShell
}

// Analyze applies the rules to one build script. It never executes
// anything. The error is an *extract.Error naming path, for a cancelled
// ctx or data larger than MaxSize; every other input, binary garbage
// included, yields an Analysis.
func Analyze(ctx context.Context, path string, data []byte) (*Analysis, error) {
	if len(data) > MaxSize {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, len(data), MaxSize)}
	}
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: path, Err: err}
	}
	a := newAnalyzer(path, data)
	if err := a.run(ctx); err != nil {
		return nil, &extract.Error{Path: path, Line: a.lineNo, Err: err}
	}
	return a.result(), nil
}

// hitKey identifies a hit for deduplication: one per rule and line.
type hitKey struct {
	rule string
	line int
}

// analyzer holds the state of one Analyze call.
type analyzer struct {
	path string
	data []byte
	kind fileKind

	lineNo int // the line being read, for errors
	hits   map[hitKey]*Hit
	cols   map[hitKey]int // where on its line each hit matched
	// strongLines holds the lines with a Medium or higher hit, where any
	// path mentioned is worth a cross-reference.
	strongLines map[int]bool
	trMaps      []TrMap
	trSeen      map[TrMap]bool
	greps       []GrepPattern
	grepSeen    map[GrepPattern]bool
	refs        []string
	refSeen     map[string]bool

	// hookLines marks lines inside the commands of an AC_CONFIG_COMMANDS
	// macro (m4 form); inStatusHook follows a config.status "tag":C) arm.
	hookLines    []lineRange // sorted, disjoint
	hookNext     int         // cursor for inM4Hook
	inStatusHook bool

	taint        taintSet
	gate         gateState
	pendingEvals []pendingEval
	synth        bool           // lexing shell text built from CMake or meson calls
	codeVarLines map[string]int // variables assigned suspicious code, and where
	lex          lexer
}

func newAnalyzer(path string, data []byte) *analyzer {
	a := &analyzer{
		path:         path,
		data:         data,
		kind:         kindOf(path),
		hits:         map[hitKey]*Hit{},
		cols:         map[hitKey]int{},
		strongLines:  map[int]bool{},
		trSeen:       map[TrMap]bool{},
		grepSeen:     map[GrepPattern]bool{},
		refSeen:      map[string]bool{},
		taint:        taintSet{},
		codeVarLines: map[string]int{},
	}
	a.lex.m4 = a.kind == kindM4
	return a
}

// addHit records a hit at line, keeping the stronger of two for the same
// rule and line. off is the byte offset of the match in the physical line
// when known (-1 otherwise), used to pick the excerpt of a long line.
func (a *analyzer) addHit(rule string, sev finding.Severity, line, off int, summary string) {
	if line < 1 {
		line = 1
	}
	k := hitKey{rule, line}
	if sev >= finding.Medium {
		a.strongLines[line] = true
	}
	if h, ok := a.hits[k]; ok {
		if sev > h.Severity {
			h.Severity = sev
			h.Summary = summary
		}
		return
	}
	if len(a.hits) >= maxHits*2 {
		return
	}
	a.hits[k] = &Hit{Rule: rule, Severity: sev, Line: line, Summary: summary}
	a.cols[k] = off
}

func (a *analyzer) addTrMap(m TrMap) {
	if len(a.trMaps) >= maxTrMaps || a.trSeen[m] {
		return
	}
	a.trSeen[m] = true
	a.trMaps = append(a.trMaps, m)
}

func (a *analyzer) addGrep(g GrepPattern) {
	if len(a.greps) >= maxGreps || a.grepSeen[g] {
		return
	}
	a.grepSeen[g] = true
	a.greps = append(a.greps, g)
}

func (a *analyzer) addRef(ref string) {
	if len(a.refs) >= maxFileRefs || a.refSeen[ref] {
		return
	}
	a.refSeen[ref] = true
	a.refs = append(a.refs, ref)
}

// Behaviour categories, for combining hits.
const (
	catLocate = 1 << iota
	catTransform
	catExecute
	catGate
)

var ruleCategory = map[string]int{
	RuleGrepBinary:         catLocate,
	RuleTrOctalMap:         catTransform,
	RuleTrSwapMap:          catTransform,
	RuleByteCarving:        catTransform,
	RuleHighEntropyString:  catTransform,
	RuleEvalComputed:       catExecute,
	RulePipeToShell:        catExecute,
	RuleDecompressToShell:  catExecute,
	RuleBase64ToShell:      catExecute,
	RuleDownloadToShell:    catExecute,
	RuleConfigCommandsHook: catExecute,
	RuleBuildEnvGate:       catGate,
}

// result sorts the hits and combines them.
func (a *analyzer) result() *Analysis {
	a.finishGate()
	a.finishEvals()
	res := &Analysis{Path: a.path, TrMaps: a.trMaps, Greps: a.greps, FileRefs: a.refs}
	for _, h := range a.hits {
		res.Hits = append(res.Hits, *h)
	}
	a.fillText(res.Hits)
	slices.SortFunc(res.Hits, func(x, y Hit) int {
		if c := cmp.Compare(y.Severity, x.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Line, y.Line); c != 0 {
			return c
		}
		return strings.Compare(x.Rule, y.Rule)
	})
	if len(res.Hits) > maxHits {
		res.Hits = res.Hits[:maxHits]
	}
	res.Severity, res.Score = combine(res.Hits)
	return res
}

// fillText sets each hit's Text from its line, in one pass over the data.
func (a *analyzer) fillText(hits []Hit) {
	want := map[int][]int{} // line -> indexes in hits
	for i, h := range hits {
		want[h.Line] = append(want[h.Line], i)
	}
	line := 0
	for pos := 0; pos <= len(a.data) && len(want) > 0; {
		end := bytes.IndexByte(a.data[pos:], '\n')
		if end < 0 {
			end = len(a.data)
		} else {
			end += pos
		}
		line++
		if idx, ok := want[line]; ok {
			phys := bytes.TrimSuffix(a.data[pos:end], []byte("\r"))
			for _, i := range idx {
				hits[i].Text = excerpt(phys, a.cols[hitKey{hits[i].Rule, line}])
			}
			delete(want, line)
		}
		pos = end + 1
	}
}

// combine computes the combined severity and score of sorted hits.
func combine(hits []Hit) (finding.Severity, int) {
	if len(hits) == 0 {
		return finding.Unknown, 0
	}
	best := map[string]finding.Severity{}
	maxSev := finding.Unknown
	for _, h := range hits {
		best[h.Rule] = max(best[h.Rule], h.Severity)
		maxSev = max(maxSev, h.Severity)
	}
	strong, cats := 0, 0
	score := 0
	for rule, sev := range best {
		switch {
		case sev >= finding.High:
			score += 10
		case sev == finding.Medium:
			score += 5
		default:
			score++
		}
		if sev >= finding.Medium {
			strong++
			cats |= ruleCategory[rule]
		}
	}
	sev := maxSev
	switch {
	case strong >= 3 && cats&catExecute != 0 && cats&(catLocate|catTransform) != 0:
		sev = finding.Critical
	case strong >= 2:
		sev = max(sev, finding.High)
	}
	if n := densestWindow(hits); n >= 2 {
		score += 10 * (n - 1)
	}
	if n := popcount(cats); n >= 2 {
		score += 10 * (n - 1)
	}
	switch sev {
	case finding.Critical:
		score += 100
	case finding.High:
		score += 50
	case finding.Medium:
		score += 20
	}
	return sev, score
}

// densestWindow returns the largest number of distinct Medium-or-higher
// rules with hits inside any windowLines-line span.
func densestWindow(hits []Hit) int {
	var strong []Hit
	for _, h := range hits {
		if h.Severity >= finding.Medium {
			strong = append(strong, h)
		}
	}
	slices.SortFunc(strong, func(x, y Hit) int { return cmp.Compare(x.Line, y.Line) })
	best := 0
	for i := range strong {
		rules := map[string]bool{}
		for j := i; j < len(strong) && strong[j].Line-strong[i].Line < windowLines; j++ {
			rules[strong[j].Rule] = true
		}
		best = max(best, len(rules))
	}
	return best
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}
