package m4

import (
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// maxHeaderLines is how far into a comment block SplitAclocal looks for
// the marks of a file header.
const maxHeaderLines = 40

// maxSegments bounds SplitAclocal's output on hostile input made of
// thousands of tiny "files".
const maxSegments = 10000

// Segment is one part of an aclocal.m4: a macro file aclocal copied in, an
// m4_include of a project file, or the preamble aclocal writes itself.
type Segment struct {
	// Name is the copied file's base name as its header gives it
	// ("# gettext.m4 serial 71", "# libtool.m4 - Configure libtool…",
	// "# serial 8 ltoptions.m4"), or the included file's base name. It is
	// "" when the header does not say (automake's own files, the
	// preamble); Reference.Identify names those by the macros they define.
	Name string
	// Line is the 1-based line of aclocal.m4 where the segment starts.
	Line int
	// Data is the segment's text, as it stands in aclocal.m4.
	Data []byte
	// Include is the path of an m4_include([path]) line ("m4/x.m4"); the
	// file itself is elsewhere in the release and Data holds only the
	// include line.
	Include string
	// Defines lists the macros the segment defines, in order.
	Defines []string
}

// SplitAclocal splits an aclocal.m4 into the files it is made of. aclocal
// writes a preamble, pastes each system macro file verbatim (less its "##"
// lines) followed by one blank line, and writes m4_include([dir/x.m4]) for
// the project's own files; nothing else marks where a copy starts. So a
// copy is taken to start at a comment block that follows a blank line and
// looks like a file header:
//   - it names a file ("# gettext.m4 serial 71", "# pkg.m4 - …") or holds
//     a serial line, and the current copy has code, another name, or a
//     serial already (libtool.m4's serial after its first m4_define is
//     its own);
//   - or it holds a copyright line or an Emacs "-*- Autoconf -*-" mode
//     line (automake's files), and the current copy has code and no m4
//     quote left open (gnulib's std-gnu11.m4 holds a second copyright
//     block inside m4_version_prereq([2.70], [], [ … ])).
//
// Every line of data belongs to exactly one segment, in order, so nothing
// can hide between them. Files whose header has none of these marks stay
// glued to the copy before them; Reference.Segments separates those by the
// macros they define.
func SplitAclocal(data []byte) []Segment {
	lines := splitLines(data)
	var segs []Segment
	var cur segState
	start := 0
	prevBlank := true
	preamble := len(lines) > 0 && bytes.HasPrefix(lines[0].text(data), []byte("# generated automatically by aclocal"))
	flush := func(end int) {
		if end <= start {
			return
		}
		seg := Segment{Name: cur.name, Line: start + 1, Data: data[lines[start].off:lines[end-1].end]}
		seg.Defines = definedMacros(normalise(seg.Data))
		segs = append(segs, seg)
	}
	for i := 0; i < len(lines); i++ {
		if len(segs) >= maxSegments-1 {
			// Past the bound, the rest is one last segment rather than
			// being dropped.
			break
		}
		raw := trimLine(lines[i].text(data), 4096)
		t := strings.TrimSpace(string(raw))
		if inc := includePath(t); inc != "" && cur.depth == 0 {
			flush(i)
			segs = append(segs, Segment{
				Name:    path.Base(inc),
				Line:    i + 1,
				Data:    data[lines[i].off:lines[i].end],
				Include: inc,
			})
			start, cur, prevBlank = i+1, segState{}, false
			continue
		}
		if t == "" {
			if preamble && cur.hasCode {
				// aclocal's preamble is one run of code after its
				// comment; the first copy starts after it, header or not.
				flush(i + 1)
				start, cur, preamble = i+1, segState{}, false
			}
			prevBlank = true
			continue
		}
		if _, isComment := commentText(t); isComment {
			if prevBlank || i == start {
				// Inside an open quote only a named or serial header
				// counts, so that a quote left open by a bracket
				// miscounted in shell code cannot swallow the rest.
				if h := header(lines, data, i); h.any() && (cur.depth == 0 || h.name != "" || h.serial) {
					if cur.startsAt(h) {
						flush(i)
						start, cur = i, segState{}
					}
					if cur.name == "" {
						cur.name = h.name
					}
					cur.serial = cur.serial || h.serial
				}
			}
		} else if !isComment {
			cur.hasCode = true
			if definesMacro(t) {
				cur.defun = true
			}
		}
		cur.depth, cur.literal = quoteDepth(raw, cur.depth, cur.literal)
		prevBlank = false
	}
	flush(len(lines))
	return segs
}

// segState is what SplitAclocal knows of the copy it is reading.
type segState struct {
	name    string // from the header
	serial  bool   // a serial line was seen
	hasCode bool   // a code line was seen
	defun   bool   // an AC_DEFUN (or kin) was seen
	depth   int    // m4 quote nesting at the end of the last line
	literal bool   // inside changequote(,): brackets are not quotes
}

// startsAt decides whether a header block starts a new copy.
func (s *segState) startsAt(h headerMarks) bool {
	switch {
	case h.name != "" && h.name == s.name:
		// A file that repeats its own name further down.
		return false
	case h.serial && h.name == "" && !h.copyright && !h.mode && !s.serial && !s.defun:
		// libtool.m4 writes its serial after some m4_define calls; it
		// is still the serial of the same file, as aclocal reads it.
		return false
	case h.name != "" && s.name != "":
		return true
	case h.serial && s.serial:
		return true
	case h.name != "" || h.serial:
		return s.hasCode
	}
	return s.hasCode && s.depth == 0
}

// headerMarks are the signs of a file header found in a comment block.
type headerMarks struct {
	name                    string
	serial, copyright, mode bool
}

func (h headerMarks) any() bool { return h.name != "" || h.serial || h.copyright || h.mode }

// header reads the marks of a file header in the comment block starting
// at line i.
func header(lines []lineSpan, data []byte, i int) headerMarks {
	var h headerMarks
	for j := i; j < len(lines) && j < i+maxHeaderLines; j++ {
		t := strings.TrimSpace(string(trimLine(lines[j].text(data), 4096)))
		text, isComment := commentText(t)
		if !isComment {
			break
		}
		if _, ok := serialFromComment(text); ok {
			h.serial = true
		}
		lower := strings.ToLower(text)
		h.copyright = h.copyright || strings.Contains(lower, "copyright")
		h.mode = h.mode || strings.Contains(lower, "-*-")
		if h.name == "" {
			h.name = headerName(text)
		}
	}
	return h
}

// quoteDepth follows m4's quote nesting through one line: [ opens, ]
// closes, and outside quotes "#" and "dnl" end the line. Between
// changequote(,) and the changequote that restores the quotes (literal is
// true), brackets are not quotes and are not counted. A file boundary can
// only fall where nothing is open.
func quoteDepth(line []byte, depth int, literal bool) (int, bool) {
	s := string(line)
	if strings.Contains(s, "changequote") {
		// Upstream files switch quotes off and back on whole lines at a
		// time ("changequote(,)dnl" … "changequote([,])dnl").
		return depth, !strings.Contains(s, "changequote([")
	}
	if literal {
		return depth, true
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0 && c == '#':
			return depth, false
		case depth == 0 && c == 'd' && strings.HasPrefix(s[i:], "dnl") &&
			(i == 0 || !isIdent(s[i-1])) && (i+3 == len(s) || !isIdent(s[i+3])):
			return depth, false
		}
	}
	return depth, false
}

// headerName finds a file name in a header line: the first word
// ("# pkg.m4 - Macros…") or the word after "serial N" ("# serial 8
// ltoptions.m4").
func headerName(text string) string {
	f := strings.Fields(text)
	if len(f) > 0 && isM4Name(f[0]) {
		return f[0]
	}
	if len(f) > 2 && strings.EqualFold(f[0], "serial") && isM4Name(f[2]) {
		return f[2]
	}
	return ""
}

// isM4Name accepts a plausible macro file base name.
func isM4Name(w string) bool {
	if len(w) <= 3 || len(w) > 100 || !strings.HasSuffix(w, ".m4") {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !isIdent(c) && !strings.ContainsRune("-.+~", rune(c)) {
			return false
		}
	}
	return true
}

// includePath returns the file of an "m4_include([path])" or
// "m4_sinclude([path])" line, "" for any other line.
func includePath(t string) string {
	for _, p := range []string{"m4_include(", "m4_sinclude(", "sinclude("} {
		if !strings.HasPrefix(t, p) {
			continue
		}
		rest := t[len(p):]
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return ""
		}
		arg := strings.TrimSpace(rest[:end])
		arg = strings.TrimSuffix(strings.TrimPrefix(arg, "["), "]")
		tail := strings.TrimSpace(rest[end+1:])
		if arg == "" || len(arg) > 1024 || strings.ContainsAny(arg, "[]") ||
			(tail != "" && !strings.HasPrefix(tail, "dnl") && !strings.HasPrefix(tail, "#")) {
			return ""
		}
		return arg
	}
	return ""
}

// lineSpan is one line of a byte slice: [off, end) includes the "\n".
type lineSpan struct{ off, end int }

// text returns the line without its line end.
func (l lineSpan) text(data []byte) []byte {
	b := data[l.off:l.end]
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// splitLines indexes the lines of data.
func splitLines(data []byte) []lineSpan {
	out := make([]lineSpan, 0, bytes.Count(data, []byte{'\n'})+1)
	off := 0
	for off < len(data) {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		out = append(out, lineSpan{off, end})
		off = end
	}
	return out
}

// Identify returns the upstream file name a segment was copied from: its
// own Name when the header gave one the reference knows; else the file
// defining most of the macros the segment defines, ties going to a file
// with a copy identical to the segment, then to the file defining fewest
// macros (gnulib's flexmember.m4 rather than autoconf's c.m4, which
// defines the same macro among hundreds); else the header's name, which
// may be "".
func (r *Reference) Identify(s Segment) string {
	if r == nil || (s.Name != "" && r.files[s.Name] != nil) {
		return s.Name
	}
	votes := map[string]int{}
	top := 0
	for _, m := range s.Defines {
		for _, name := range r.macros[m] {
			votes[name]++
			top = max(top, votes[name])
		}
	}
	if top == 0 {
		return s.Name
	}
	var tied []string
	for name, v := range votes {
		if v == top {
			tied = append(tied, name)
		}
	}
	sort.Strings(tied)
	if len(tied) > 1 {
		h := hashLines(normalise(s.Data))
		for _, name := range tied {
			if exact(r.files[name], h, func(*body) bool { return true }) != nil {
				return name
			}
		}
	}
	best := tied[0]
	for _, name := range tied[1:] {
		if len(r.defs[name]) < len(r.defs[best]) {
			best = name
		}
	}
	return best
}

// Segments splits an aclocal.m4 as SplitAclocal does, then cuts further
// where a copied file without a recognisable header was glued to the copy
// before it: within a segment whose file the reference knows, a macro
// definition that no upstream copy of that file has, standing after a
// blank line (and the comment block that may follow it), starts a new
// segment, named by Identify. Prefer it to SplitAclocal when a reference is
// at hand: a glued file otherwise shows up as added code in its neighbour.
func (r *Reference) Segments(data []byte) []Segment {
	var out []Segment
	for _, s := range SplitAclocal(data) {
		if r == nil || s.Include != "" {
			out = append(out, s)
			continue
		}
		out = r.refine(s, out)
	}
	return out
}

// refine appends s to out, cut where foreign macro definitions start. It
// reads the segment once: each piece is known by the upstream file its
// first known definition belongs to, and a definition no copy of that file
// has, after a blank line, starts the next piece.
func (r *Reference) refine(s Segment, out []Segment) []Segment {
	data := s.Data
	lines := splitLines(data)
	own := r.defs[r.Identify(s)]
	var cuts []int   // line indexes where pieces start
	blockStart := -1 // first line of the comment block after a blank line
	prevBlank, sawDef := false, false
	depth, literal := 0, false
	pieceStart := 0
	for i, l := range lines {
		raw := trimLine(l.text(data), 4096)
		t := collapse(raw)
		switch _, isComment := commentText(t); {
		case t == "":
			// Comment blocks separated by blank lines make one header
			// (tcl.m4's banner stands apart from its AC_DEFUN).
			prevBlank = true
			continue
		case isComment && depth == 0:
			if prevBlank && blockStart < 0 {
				blockStart = i
			}
		default:
			m := ""
			if depth == 0 {
				m = macroDefined(t)
			}
			if m != "" {
				owners := r.macros[m]
				foreign := (own != nil && !own[m]) || (own == nil && sawDef && len(owners) > 0)
				if foreign && i > pieceStart && (prevBlank || blockStart >= 0) && len(cuts) < maxSegments {
					if blockStart < 0 {
						blockStart = i
					}
					cuts = append(cuts, blockStart)
					pieceStart = blockStart
					own = nil
				}
				if own == nil && len(owners) > 0 {
					own = r.defs[r.mostSpecific(owners)]
				}
				sawDef = true
			}
			blockStart = -1
		}
		depth, literal = quoteDepth(raw, depth, literal)
		prevBlank = false
	}
	if len(cuts) == 0 {
		return append(out, s)
	}
	from := 0
	name := s.Name
	for _, c := range append(cuts, len(lines)) {
		if c <= from {
			continue
		}
		end := len(data)
		if c < len(lines) {
			end = lines[c].off
		}
		piece := Segment{Name: name, Line: s.Line + from, Data: data[lines[from].off:end]}
		piece.Defines = definedMacros(normalise(piece.Data))
		out = append(out, piece)
		from, name = c, ""
	}
	return out
}

// mostSpecific picks among files defining one macro the one defining the
// fewest, as Identify breaks ties.
func (r *Reference) mostSpecific(names []string) string {
	best := ""
	for _, n := range names {
		if best == "" || len(r.defs[n]) < len(r.defs[best]) || (len(r.defs[n]) == len(r.defs[best]) && n < best) {
			best = n
		}
	}
	return best
}

// CheckSegment checks one segment of SplitAclocal under the name Identify
// gives it, with line numbers counted in the aclocal.m4 it came from. An
// include segment is not checked here (its Status is NotInReference with
// a summary saying so): the included file is checked on its own.
func (r *Reference) CheckSegment(s Segment) Check {
	if s.Include != "" {
		return Check{Name: s.Name, Status: NotInReference, Severity: finding.Low,
			Summary: "aclocal.m4 includes " + s.Include + "; check that file itself"}
	}
	name := r.Identify(s)
	c := r.Check(name, s.Data)
	for i := range c.Added {
		c.Added[i].N += s.Line - 1
	}
	return c
}
