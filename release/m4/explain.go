package m4

import (
	"index/suffixarray"
	"math"
	"slices"
	"sort"
	"strings"
)

// Wildcard bytes stand for m4 arguments in a pattern line. Control bytes
// are used because no pattern or configure line keeps them (cleanLine
// turns any into '?').
const (
	// wildName stands for an argument that is part of a name
	// (gl_[$1]_prefix, $[$1]): it matches name characters only.
	wildName = 0x01
	// wildText stands for a free-standing argument ($2 in an action): it
	// matches any text without shell plumbing (` | ; & < >), so that a
	// line with a pipe or a command substitution cannot pass for an
	// argument someone filled in.
	wildText = 0x02
)

// Bounds that keep Explain cheap on hostile or huge input.
const (
	maxExplainLine   = 512     // longer configure lines are matched exactly only
	maxPatternLine   = 512     // longer body lines are matched exactly only
	maxCellsPerLine  = 4 << 20 // automaton work per configure line
	maxOccurrences   = 20000   // occurrences of one line looked at in the exact pass
	minPatternLits   = 4       // a pattern needs this many literal bytes to count
	minPartLen       = 16      // shorter lines must match whole body lines
	maxWildPerLine   = 300     // patterns verified per configure line
	trigramThreshold = 6       // see wildCandidates
)

// Attribution is the verdict on one line of a configure script.
type Attribution struct {
	// Line is the 1-based line in configure; Text is that line with white
	// space collapsed (cut at 512 bytes).
	Line int
	Text string
	// Macros names the files (upstream base names, or the keys of
	// Explain's extra map) with a body line this line can come from: for
	// each source (the reference, extra), the files holding it literally
	// or, when none of that source does, those whose arguments can expand
	// to it. Empty means no known macro explains the line: in a generated
	// configure that is code someone wrote into it, code from a macro file
	// the caller did not pass, or autoconf's own wrapping (cache checks,
	// result messages) of a macro call.
	Macros []string
}

// Explain attributes lines of a generated configure script to the macro
// files they can come from: the reference's bodies and extra (name → file
// text: the release's own m4/*.m4, acinclude.m4 and configure.ac, whose
// lines end up in configure too).
//
// candidates are the 1-based lines to examine, typically those a content
// heuristic flagged; nil means every line, which costs about half a
// millisecond a line (seconds for a whole configure). Of those, comments,
// blank lines and bare shell keywords (fi, done, ;; …) are skipped and
// every other line gets an Attribution, in line order, with Macros empty
// when nothing explains it. The first call indexes the reference (a
// suffix array, about 150 ms and 20 MB for the default directories); the
// index is kept for later calls.
//
// A line is explained by a macro body line when, after normalisation, it
// is a part of some expansion of that body line that starts and ends at
// word boundaries (a line under 16 bytes must be a whole expansion): m4
// quotes ([ ]) and quadrigraphs are removed on both sides, white space is
// collapsed, and $1…$9, $@, $*, $# stand for any argument. An argument
// inside a name (gl_[$1]_prefix) matches name characters only; a
// free-standing one matches text without ` | ; & < > and must not fill
// more of the line than literal body text does, so that a bare "$2"
// explains nothing. A config.status command line ("tag":C) … ;;) is also
// tried without autoconf's wrapping.
func (r *Reference) Explain(configure []byte, candidates []int, extra map[string][]byte) []Attribution {
	var ref *lineIndex
	if r != nil {
		r.explainOnce.Do(func() { r.explain = r.buildIndex() })
		ref = r.explain
	}
	var ext *lineIndex
	if len(extra) > 0 {
		names := make([]string, 0, len(extra))
		for n := range extra {
			names = append(names, n)
		}
		sort.Strings(names)
		b := newIndexBuilder()
		for _, n := range names {
			b.addFile(n, normalise(extra[n]))
		}
		ext = b.finish()
	}

	lines := splitLines(configure)
	want := candidates
	if want == nil {
		want = make([]int, len(lines))
		for i := range want {
			want[i] = i + 1
		}
	} else {
		want = slices.Clone(want)
		slices.Sort(want)
		want = slices.Compact(want)
	}
	var out []Attribution
	for _, n := range want {
		if n < 1 || n > len(lines) {
			continue
		}
		raw := collapse(lines[n-1].text(configure))
		l := cleanLine(raw)
		if l == "" || strings.HasPrefix(l, "#") || boilerplate(l) {
			continue
		}
		var macros []string
		for _, try := range variants(l) {
			if ref != nil {
				macros = ref.explain(try, macros)
			}
			if ext != nil {
				macros = ext.explain(try, macros)
			}
		}
		slices.Sort(macros)
		out = append(out, Attribution{Line: n, Text: clip(raw), Macros: slices.Compact(macros)})
	}
	return out
}

// shellWords are lines of configure that carry no code of their own.
var shellWords = map[string]bool{
	"fi": true, "done": true, "esac": true, "else": true, "then": true, "do": true,
	";;": true, "{": true, "}": true, "(": true, ")": true, ";": true, ":": true,
}

// boilerplate reports whether a line is made only of shell keywords and
// punctuation ("fi", "done ;;", "} fi").
func boilerplate(l string) bool {
	for _, w := range strings.Fields(l) {
		if !shellWords[w] {
			return false
		}
	}
	return true
}

// variants returns the forms of a configure line to look up: itself and,
// for a config.status command ("tag":C) cmd ;;), the command alone.
func variants(l string) []string {
	out := []string{l}
	if !strings.HasPrefix(l, `"`) {
		return out
	}
	end := strings.IndexByte(l[1:], '"')
	if end < 0 {
		return out
	}
	tag, rest := l[1:1+end], l[2+end:]
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; !isIdent(c) && !strings.ContainsRune("./+-", rune(c)) {
			return out
		}
	}
	if len(rest) < 3 || rest[0] != ':' || !strings.ContainsRune("CFLH", rune(rest[1])) || rest[2] != ')' {
		return out
	}
	cmd := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest[3:]), ";;"))
	if cmd != "" {
		out = append(out, cmd)
	}
	return out
}

// cleanLine puts a configure line in pattern form: m4 quote brackets
// removed (they are removed from body lines too, whatever quoting level
// the body had) and control bytes replaced.
func cleanLine(s string) string {
	if !strings.ContainsAny(s, "[]\x01\x02") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '[', ']':
		case wildName, wildText:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return collapse([]byte(b.String()))
}

// quadrigraphs are autoconf's escapes for characters m4 would eat.
var quadrigraphs = strings.NewReplacer("@<:@", "[", "@:>@", "]", "@S|@", "$", "@%:@", "#", "@&t@", "", "@{:@", "(", "@:}@", ")")

// patternLine turns a normalised body line into pattern form: quadrigraphs
// decoded, quote brackets removed, m4 argument references replaced by
// wildcard bytes. It reports whether the pattern has wildcards.
func patternLine(t string) (string, bool) {
	t = quadrigraphs.Replace(t)
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '[' || c == ']' || c == wildName || c == wildText:
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if !strings.Contains(s, "$") {
		return s, false
	}
	b.Reset()
	wild := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		j := i + 1
		switch {
		case isDigit(n):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		case n == '@' || n == '*' || n == '#':
			j++
		default:
			b.WriteByte(c)
			continue
		}
		var prev byte
		if i > 0 {
			prev = s[i-1]
		}
		nameish := isIdent(prev) || prev == '$' || prev == '{' || (j < len(s) && isIdent(s[j]))
		if nameish {
			b.WriteByte(wildName)
		} else {
			b.WriteByte(wildText)
		}
		wild = true
		i = j - 1
	}
	return b.String(), wild
}

// lineIndex is a searchable set of pattern lines, each owned by a file.
type lineIndex struct {
	text   string // all pattern lines, each ended by '\n'
	sa     *suffixarray.Index
	starts []int    // offset of each line in text
	owner  []int32  // owner (index in names) of each line
	names  []string // file names
	wild   []wildPattern
	tri    map[uint32][]int32 // trigram of literal text → wild pattern ids
}

// wildPattern is a pattern line with wildcards.
type wildPattern struct {
	p     string
	owner int32
}

// indexBuilder collects pattern lines, dropping a line a file (all
// upstream copies of one name together) already has.
type indexBuilder struct {
	b        strings.Builder
	idx      *lineIndex
	seen     map[string]bool
	lastName string
	nameN    map[string]int32
}

func newIndexBuilder() *indexBuilder {
	return &indexBuilder{idx: &lineIndex{tri: map[uint32][]int32{}}, nameN: map[string]int32{}}
}

// addFile adds the lines of one file; copies of one name must be added
// one after another.
func (ib *indexBuilder) addFile(name string, lines []normLine) {
	id, ok := ib.nameN[name]
	if !ok {
		id = int32(len(ib.idx.names))
		ib.idx.names = append(ib.idx.names, name)
		ib.nameN[name] = id
	}
	if ib.seen == nil || name != ib.lastName {
		ib.seen = map[string]bool{}
		ib.lastName = name
	}
	for _, l := range lines {
		p, wild := patternLine(l.text)
		p = collapse([]byte(p))
		if p == "" || ib.seen[p] {
			continue
		}
		ib.seen[p] = true
		ib.idx.starts = append(ib.idx.starts, ib.b.Len())
		ib.idx.owner = append(ib.idx.owner, id)
		ib.b.WriteString(p)
		ib.b.WriteByte('\n')
		if wild && len(p) <= maxPatternLine && literalCount(p) >= minPatternLits {
			wid := int32(len(ib.idx.wild))
			ib.idx.wild = append(ib.idx.wild, wildPattern{p: p, owner: id})
			var last uint32 = 1 << 31
			for _, t := range trigrams(p) {
				if t == last {
					continue
				}
				last = t
				ps := ib.idx.tri[t]
				if len(ps) == 0 || ps[len(ps)-1] != wid {
					ib.idx.tri[t] = append(ps, wid)
				}
			}
		}
	}
}

func (ib *indexBuilder) finish() *lineIndex {
	ib.idx.text = ib.b.String()
	ib.idx.sa = suffixarray.New([]byte(ib.idx.text))
	return ib.idx
}

// buildIndex indexes every body of the reference, once, on first use: the
// load itself stays fast for callers that only Check.
func (r *Reference) buildIndex() *lineIndex {
	names := make([]string, 0, len(r.files))
	for n := range r.files {
		names = append(names, n)
	}
	sort.Strings(names)
	b := newIndexBuilder()
	for _, n := range names {
		for _, bd := range r.files[n].bodies {
			b.addFile(n, bd.lines)
		}
	}
	return b.finish()
}

// literalCount counts the bytes of a pattern that are not wildcards.
func literalCount(p string) int {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] != wildName && p[i] != wildText {
			n++
		}
	}
	return n
}

// trigrams lists the trigrams of literal text in s, sorted.
func trigrams(s string) []uint32 {
	var out []uint32
	for i := 0; i+3 <= len(s); i++ {
		a, b, c := s[i], s[i+1], s[i+2]
		if isWild(a) || isWild(b) || isWild(c) {
			continue
		}
		out = append(out, uint32(a)<<16|uint32(b)<<8|uint32(c))
	}
	slices.Sort(out)
	return out
}

func isWild(c byte) bool { return c == wildName || c == wildText }

// explain appends to macros the names of files with a line explaining l.
func (ix *lineIndex) explain(l string, macros []string) []string {
	found := map[int32]bool{}
	// Exact pass: l as a literal part of a pattern line.
	for _, s := range ix.sa.Lookup([]byte(l), maxOccurrences) {
		e := s + len(l)
		if len(l) < minPartLen {
			if (s > 0 && ix.text[s-1] != '\n') || ix.text[e] != '\n' {
				continue
			}
		} else if !textBoundary(ix.text, s) || !textBoundary(ix.text, e) {
			continue
		}
		line := sort.SearchInts(ix.starts, s+1) - 1
		if line >= 0 {
			found[ix.owner[line]] = true
		}
	}
	// Wildcard pass, for lines no body holds literally.
	if len(found) == 0 && len(l) <= maxExplainLine {
		var buf []int64
		cells := 0
		for _, id := range ix.wildCandidates(l) {
			w := ix.wild[id]
			if found[w.owner] {
				continue
			}
			if cells += len(w.p) * len(l); cells > maxCellsPerLine {
				// Past the budget the line stays unexplained: a
				// false "unexplained" is the safe error.
				break
			}
			var ok bool
			if ok, buf = matchWild(w.p, l, buf); ok {
				found[w.owner] = true
			}
		}
	}
	for id := range found {
		macros = append(macros, ix.names[id])
	}
	return macros
}

// textBoundary reports whether offset i of the joined pattern text is at a
// word boundary: a match must not start or end inside a name, so that
// "x=1" is not explained by "max=10".
func textBoundary(text string, i int) bool {
	if i <= 0 || i >= len(text) {
		return true
	}
	a, b := text[i-1], text[i]
	if a == '\n' || b == '\n' || isWild(a) || isWild(b) {
		return true
	}
	return !isIdent(a) || !isIdent(b)
}

// wildCandidates returns the wildcard patterns sharing enough literal
// trigrams with l to possibly explain it, best first, at most
// maxWildPerLine. Name arguments may fill most of a line, so the bound is
// loose: a quarter of l must be literal in a few runs, each run of k bytes
// carrying k-2 trigrams.
func (ix *lineIndex) wildCandidates(l string) []int32 {
	need := max(1, (len(l)+3)/4-trigramThreshold)
	counts := map[int32]int{}
	var last uint32 = 1 << 31
	for _, t := range trigrams(l) {
		if t == last {
			continue
		}
		last = t
		for _, id := range ix.tri[t] {
			counts[id]++
		}
	}
	var out []int32
	for id, c := range counts {
		if c >= need {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b int32) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return int(a - b)
	})
	if len(out) > maxWildPerLine {
		out = out[:maxWildPerLine]
	}
	return out
}

// Scores of the wildcard automaton pack two counts into one ordered
// number: the literal bytes matched minus the bytes a free-standing
// argument ($2) filled in, then the literal bytes alone. Bytes filling a
// name argument (gl_[$1]_prefix) cost nothing: a name part carries no code.
const (
	scoreUnit = 1 << 16
	dead      = math.MinInt64
)

// matchWild reports whether l is a part of some expansion of pattern p that
// starts and ends at word boundaries (or, for a short l, is a whole
// expansion), matching at least minPatternLits literal bytes and at least
// as many literal bytes as free-standing arguments fill in. It simulates
// the pattern as an automaton whose state is a position in p, keeping for
// each the best score.
func matchWild(p, l string, buf []int64) (bool, []int64) {
	m := len(p)
	whole := len(l) < minPartLen
	if cap(buf) < 2*(m+1) {
		buf = make([]int64, 2*(m+1))
	}
	cur, nxt := buf[:m+1], buf[m+1:2*(m+1)]
	for j := range cur {
		cur[j] = dead
		if j < m && (j == 0 || (!whole && patternBoundary(p, j))) {
			cur[j] = 0
		}
	}
	// States outside [lo, hi] are dead, whatever the arrays hold there.
	lo, hi := 0, m
	for i := 0; i < len(l); i++ {
		hi = skipWild(p, cur, lo, hi)
		for j := lo; j <= hi+1 && j <= m; j++ {
			nxt[j] = dead
		}
		c := l[i]
		nlo, nhi := m+1, -1
		for j := lo; j <= hi && j < m; j++ {
			v := cur[j]
			if v == dead {
				continue
			}
			next, nv := -1, int64(dead)
			switch q := p[j]; {
			case q == wildName:
				if isIdent(c) {
					next, nv = j, v
				}
			case q == wildText:
				if !strings.ContainsRune("`|;&<>", rune(c)) {
					next, nv = j, v-scoreUnit
				}
			case q == c:
				next, nv = j+1, v+scoreUnit+1
			}
			if next < 0 {
				continue
			}
			nxt[next] = max(nxt[next], nv)
			nlo, nhi = min(nlo, next), max(nhi, next)
		}
		if nhi < 0 {
			return false, buf
		}
		cur, nxt = nxt, cur
		lo, hi = nlo, nhi
	}
	hi = skipWild(p, cur, lo, hi)
	for j := lo; j <= hi; j++ {
		v := cur[j]
		if v < 0 || v%scoreUnit < minPatternLits {
			continue
		}
		if j == m || (!whole && patternBoundary(p, j)) {
			return true, buf
		}
	}
	return false, buf
}

// skipWild lets each state at a wildcard move past it without consuming
// anything (an argument may be empty), and returns the new end of the
// alive range.
func skipWild(p string, v []int64, lo, hi int) int {
	for j := lo; j <= hi && j < len(p); j++ {
		if v[j] == dead || !isWild(p[j]) {
			continue
		}
		if j+1 > hi {
			v[j+1] = dead
			hi = j + 1
		}
		v[j+1] = max(v[j+1], v[j])
	}
	return hi
}

// patternBoundary reports whether position j of a pattern (between p[j-1]
// and p[j]) is a word boundary, wildcards counting as boundaries.
func patternBoundary(p string, j int) bool {
	if j <= 0 || j >= len(p) {
		return true
	}
	a, b := p[j-1], p[j]
	if isWild(a) || isWild(b) {
		return true
	}
	return !isIdent(a) || !isIdent(b)
}
