package m4

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// Status is the verdict on one shipped m4 file.
type Status string

// Statuses of Check, from the most reassuring to the least known.
const (
	// Matches: the body equals an upstream body of the same serial (or,
	// for a file without a serial, of any upstream copy).
	Matches Status = "matches"
	// Older: the serial is lower than every upstream serial. The
	// reference rarely holds old bodies, so the body is diffed against the
	// closest one for information but not held against the file.
	Older Status = "older"
	// UnknownSerial: the serial is higher than every upstream serial, or
	// between upstream serials without being one of them. A serial above
	// upstream's is what makes aclocal keep a shipped copy over the
	// system's, which is why the xz backdoor used one.
	UnknownSerial Status = "unknown-serial"
	// BodyDiffers: upstream has this serial, with a different body.
	BodyDiffers Status = "body-differs"
	// NoSerial: the file has no serial line and its body matches no
	// upstream copy of the same name.
	NoSerial Status = "no-serial"
	// NotInReference: upstream has no file of this name; a project's own
	// macros are all like that, so the caller weighs the content instead.
	NotInReference Status = "not-in-reference"
)

// maxReported bounds Added and Removed.
const maxReported = 50

// maxLCSCells bounds the table of the exact line diff; past it (bodies
// that differ almost everywhere) lines are compared as multisets, which
// still finds every added line but not moved ones.
const maxLCSCells = 2 << 20

// Check is the verdict on one shipped m4 file.
type Check struct {
	// Name is the file's base name, the key upstream copies are found by.
	Name string
	// Serial is the shipped file's serial, "" when it has none.
	Serial string
	Status Status
	// Upstream lists the serials upstream has for Name, lowest first.
	Upstream []string
	// Closest is the serial of the upstream body closest to the shipped
	// one ("" for an upstream copy without serial, or when there is none),
	// and ClosestPath the file it was read from.
	Closest     string
	ClosestPath string
	// Added are normalised lines of the shipped file that the closest
	// upstream body lacks, numbered as in the shipped file; Removed are
	// lines of the upstream body the shipped file lacks, numbered as in
	// that upstream file. Each holds at most 50 lines; AddedCount and
	// RemovedCount give the totals. Comments and blank lines never
	// appear: normalisation drops them before comparing.
	Added, Removed           []Line
	AddedCount, RemovedCount int
	// Severity: unknown-serial or body-differs with added lines is High
	// (new code under a known name); unknown-serial without added lines
	// is Medium (a serial bumped for no code reason, which only serves to
	// make aclocal prefer the copy); no-serial with added lines is Medium
	// (automake's serial-less files legitimately change between automake
	// releases). Everything else is Low, body-differs with removed lines
	// only included: distributions patch macros in place (Debian's
	// libtool.m4 serial 59 has three lines upstream's lacks), so a release
	// built elsewhere differs from this machine's copy by those lines.
	Severity finding.Severity
	// Summary is one line for a person.
	Summary string
}

// Check compares a shipped m4 file with the upstream copies of the same
// base name. data may use CRLF line ends; comments, blank lines and white
// space do not count (see normalise). The line numbers of Added refer to
// data.
func (r *Reference) Check(name string, data []byte) Check {
	serial, hasSerial := Serial(data)
	lines := normalise(data)
	c := Check{Name: name, Serial: serial, Severity: finding.Low}
	var f *refFile
	if r != nil {
		f = r.files[name]
	}
	if f == nil || len(f.bodies) == 0 {
		c.Status = NotInReference
		c.Summary = fmt.Sprintf("%s%s: no upstream copy known", name, serialText(serial))
		return c
	}
	c.Upstream = append([]string(nil), f.serials...)
	h := hashLines(lines)
	sameSerial := func(b *body) bool { return b.serial == serial }
	all := func(*body) bool { return true }

	switch {
	case !hasSerial:
		if b := exact(f, h, all); b != nil {
			c.setMatch(b)
			c.Summary = fmt.Sprintf("%s: same code as upstream %s", name, upstreamText(b))
			return c
		}
		c.Status = NoSerial
		c.compare(lines, closest(f, lines, all))
		if c.AddedCount > 0 {
			c.Severity = finding.Medium
		}
	case containsSerial(f.serials, serial):
		if b := exact(f, h, sameSerial); b != nil {
			c.setMatch(b)
			c.Summary = fmt.Sprintf("%s serial %s: same code as upstream", name, serial)
			return c
		}
		c.Status = BodyDiffers
		c.compare(lines, closest(f, lines, sameSerial))
		if c.AddedCount > 0 {
			c.Severity = finding.High
		}
	case len(f.serials) > 0 && CompareSerial(serial, f.serials[0]) < 0:
		c.Status = Older
		c.compare(lines, closest(f, lines, all))
	default:
		c.Status = UnknownSerial
		c.compare(lines, closest(f, lines, all))
		c.Severity = finding.Medium
		if c.AddedCount > 0 {
			c.Severity = finding.High
		}
	}
	c.Summary = c.describe()
	return c
}

// setMatch records an exact match.
func (c *Check) setMatch(b *body) {
	c.Status = Matches
	c.Closest = b.serial
	c.ClosestPath = b.path
}

// describe writes the summary of a check that did not match.
func (c *Check) describe() string {
	var what string
	switch c.Status {
	case NoSerial:
		what = "has no serial and differs from every upstream copy"
	case BodyDiffers:
		what = "has upstream's serial but different code"
	case Older:
		what = fmt.Sprintf("is older than every upstream copy (%s)", strings.Join(c.Upstream, ", "))
	case UnknownSerial:
		if len(c.Upstream) > 0 && CompareSerial(c.Serial, c.Upstream[len(c.Upstream)-1]) > 0 {
			what = fmt.Sprintf("is higher than any upstream serial (%s)", strings.Join(c.Upstream, ", "))
		} else if len(c.Upstream) > 0 {
			what = fmt.Sprintf("is not an upstream serial (%s)", strings.Join(c.Upstream, ", "))
		} else {
			what = "has a serial where upstream has none"
		}
	}
	against := "the closest upstream copy"
	if c.Closest != "" {
		against = "upstream serial " + c.Closest
	}
	return fmt.Sprintf("%s%s %s; %d lines added, %d removed against %s",
		c.Name, serialText(c.Serial), what, c.AddedCount, c.RemovedCount, against)
}

func serialText(s string) string {
	if s == "" {
		return ""
	}
	return " serial " + s
}

func upstreamText(b *body) string {
	if b.serial == "" {
		return "(no serial)"
	}
	return "serial " + b.serial
}

func containsSerial(serials []string, s string) bool {
	for _, x := range serials {
		if x == s {
			return true
		}
	}
	return false
}

// exact returns an upstream body with the given hash among those keep
// accepts.
func exact(f *refFile, h [32]byte, keep func(*body) bool) *body {
	for _, b := range f.bodies {
		if b.hash == h && keep(b) {
			return b
		}
	}
	return nil
}

// closest returns the body keep accepts with the fewest differing lines
// (counted as multisets, which is cheap), the highest serial on ties: when
// a shipped file claims a serial upstream lacks, the newest upstream copy is
// the one it most plausibly started from.
func closest(f *refFile, lines []normLine, keep func(*body) bool) *body {
	counts := make(map[string]int, len(lines))
	for _, l := range lines {
		counts[l.text]++
	}
	var best *body
	bestDist := -1
	for _, b := range f.bodies {
		if !keep(b) {
			continue
		}
		seen := make(map[string]int, len(b.lines))
		dist := 0
		for _, l := range b.lines {
			seen[l.text]++
			if seen[l.text] > counts[l.text] {
				dist++
			}
		}
		for t, n := range counts {
			if n > seen[t] {
				dist += n - seen[t]
			}
		}
		if best == nil || dist < bestDist || (dist == bestDist && CompareSerial(b.serial, best.serial) > 0) {
			best, bestDist = b, dist
		}
	}
	return best
}

// compare fills Closest, Added and Removed against b.
func (c *Check) compare(lines []normLine, b *body) {
	if b == nil {
		return
	}
	c.Closest = b.serial
	c.ClosestPath = b.path
	added, removed := diffLines(lines, b.lines)
	c.AddedCount, c.RemovedCount = len(added), len(removed)
	for _, l := range added[:min(len(added), maxReported)] {
		c.Added = append(c.Added, Line{N: l.n, Text: clip(l.text)})
	}
	for _, l := range removed[:min(len(removed), maxReported)] {
		c.Removed = append(c.Removed, Line{N: l.n, Text: clip(l.text)})
	}
}

// diffLines returns the lines of a missing from b (added) and of b missing
// from a (removed). It strips the common head and tail, then takes a
// longest common subsequence of the middle when that is small enough and a
// multiset difference otherwise, so time and memory stay bounded on
// bodies that share nothing.
func diffLines(a, b []normLine) (added, removed []normLine) {
	for len(a) > 0 && len(b) > 0 && a[0].text == b[0].text {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1].text == b[len(b)-1].text {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) == 0 || len(b) == 0 {
		return a, b
	}
	if (len(a)+1)*(len(b)+1) <= maxLCSCells {
		return lcsDiff(a, b)
	}
	return multisetDiff(a, b)
}

// lcsDiff is the textbook dynamic programme; the caller bounds its size.
func lcsDiff(a, b []normLine) (added, removed []normLine) {
	n, m := len(a), len(b)
	w := m + 1
	// Lengths never exceed min(n, m), which the cell bound keeps far below
	// the int32 range.
	t := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i].text == b[j].text {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i].text == b[j].text:
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			added = append(added, a[i])
			i++
		default:
			removed = append(removed, b[j])
			j++
		}
	}
	added = append(added, a[i:]...)
	removed = append(removed, b[j:]...)
	return added, removed
}

// multisetDiff reports the surplus occurrences of each line on either side.
func multisetDiff(a, b []normLine) (added, removed []normLine) {
	inB := make(map[string]int, len(b))
	for _, l := range b {
		inB[l.text]++
	}
	inA := make(map[string]int, len(a))
	for _, l := range a {
		inA[l.text]++
	}
	seen := map[string]int{}
	for _, l := range a {
		seen[l.text]++
		if seen[l.text] > inB[l.text] {
			added = append(added, l)
		}
	}
	clear(seen)
	for _, l := range b {
		seen[l.text]++
		if seen[l.text] > inA[l.text] {
			removed = append(removed, l)
		}
	}
	return added, removed
}
