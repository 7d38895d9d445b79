package release

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/release/fixture"
	"github.com/vouchdev/vouch/release/m4"
	"github.com/vouchdev/vouch/release/script"
)

// analyse runs the content checks over the kept files, then the checks
// that need several files at once.
func (c *comparison) analyse(ctx context.Context) error {
	inGit := func(p string) bool { _, ok := c.tree[p]; return ok }
	// Expected differences and generated files.
	for _, p := range c.order {
		e := c.entries[p]
		e.file.Class = Classify(p, e.binary)
		switch e.file.Status {
		case OnlyGit:
			if e.file.Class == ClassCI || strings.HasPrefix(path.Base(p), ".git") {
				e.file.Expected = true
			}
		case OnlyTarball:
			if gen := generated(p); gen != "" {
				e.file.GeneratedBy, e.file.Expected = gen, true
			} else if src := parserGenerated(p, inGit); src != "" {
				e.file.GeneratedBy, e.file.Expected = src, true
			}
			if r := c.ignores.match(p); r != nil {
				e.ignoreBy = r
			}
		}
	}

	// Build scripts kept but not yet analysed (read from git's side).
	for _, p := range c.order {
		e := c.entries[p]
		if err := c.analyseScript(ctx, e); err != nil {
			return err
		}
	}

	// m4 macros against upstream, shipped ones and the copies in aclocal.m4.
	for _, p := range c.order {
		e := c.entries[p]
		if e.data == nil || e.file.Status == OnlyGit {
			continue
		}
		switch {
		case path.Base(p) == "aclocal.m4":
			if c.opt.Reference == nil {
				continue
			}
			for _, seg := range c.opt.Reference.Segments(e.data) {
				if seg.Include != "" {
					continue // the included file is checked on its own
				}
				chk := c.opt.Reference.CheckSegment(seg)
				c.report.Summary.AnalysedMacros++
				c.macroSignal(e, chk, fmt.Sprintf("aclocal.m4 line %d: copy of %s", seg.Line, orDash(chk.Name)))
			}
		case strings.HasSuffix(p, ".m4"):
			if c.opt.Reference != nil {
				chk := c.opt.Reference.Check(path.Base(p), e.data)
				c.report.Summary.AnalysedMacros++
				c.macroSignal(e, chk, "")
			}
		}
	}

	// Test files kept for now: every build script's maps and markers are known.
	for _, p := range c.order {
		e := c.entries[p]
		if e.fixture != nil || e.data == nil || !isFixture(p, e.data) {
			continue
		}
		if err := c.analyseFixture(ctx, e, e.data); err != nil {
			return err
		}
	}

	c.crossReference(ctx, c.markerFrom)
	c.scriptSignals()
	c.configureSignals()
	c.differenceSignals(ctx)
	return nil
}

// macroSignal turns an m4 reference check into a signal on e (for a copy
// inside aclocal.m4 the check's line numbers are aclocal.m4's already).
func (c *comparison) macroSignal(e *entry, chk m4.Check, where string) {
	if chk.Severity <= finding.Low {
		return
	}
	var ev []string
	if where != "" {
		ev = append(ev, where)
	}
	if len(chk.Upstream) > 0 {
		ev = append(ev, fmt.Sprintf("%s serial %s; upstream copies have serial %s", chk.Name, orDash(chk.Serial), strings.Join(chk.Upstream, ", ")))
	}
	for i, l := range chk.Added {
		if i == 8 {
			ev = append(ev, fmt.Sprintf("… and %d more added lines", len(chk.Added)-i))
			break
		}
		ev = append(ev, fmt.Sprintf("+%d: %s", l.N, clip(l.Text, 200)))
	}
	line := 0
	if len(chk.Added) > 0 {
		line = chk.Added[0].N
	}
	e.add(signal{rule: "m4-" + string(chk.Status), severity: chk.Severity, summary: chk.Summary, line: line, evidence: ev})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// crossReference links build scripts and test files: a grep pattern that
// finds a marker inside a binary test file, a tr map that makes a test file
// decode, a hidden script (decoded from a test file) that names another
// test file, and test files no test or build file refers to.
func (c *comparison) crossReference(ctx context.Context, markerFrom map[string][]string) {
	var fixtures []string
	for _, p := range c.order {
		if c.entries[p].fixture != nil {
			fixtures = append(fixtures, p)
		}
	}
	// What scripts refer to, by base name: names counted while the files
	// streamed past, plus the kept scripts for test files only the
	// tarball has.
	refs := func(q string) bool {
		if c.mentioned[path.Base(q)] {
			return true
		}
		for _, p := range c.order {
			e := c.entries[p]
			if p != q && e.data != nil && !e.binary && (e.file.Class == ClassBuild || e.file.Class == ClassTest) &&
				bytes.Contains(e.data, []byte(path.Base(q))) {
				return true
			}
		}
		return false
	}
	for _, p := range fixtures {
		e := c.entries[p]
		res := e.fixture
		for _, s := range res.Signals {
			e.add(signal{rule: "fixture-" + s.Rule, severity: s.Severity, summary: s.Summary, evidence: s.Evidence})
		}
		for _, m := range res.Markers {
			if m.Pattern == "" {
				continue
			}
			// The build scripts whose grep finds this file.
			for _, where := range markerFrom[m.Pattern] {
				scriptPath, lineText, _ := strings.Cut(where, ":")
				line, _ := strconv.Atoi(lineText)
				ev := fmt.Sprintf("%s:%d greps binary files for %q, which matches %q at byte %d of %s",
					scriptPath, line, strings.TrimPrefix(m.Pattern, "(?m)"), m.Text, m.Offset, p)
				e.add(signal{rule: "marker-found-by-build-script", severity: finding.Critical,
					summary:  "a build script searches the source tree for a marker this binary test file carries",
					evidence: []string{ev}})
				if s := c.entries[scriptPath]; s != nil {
					s.add(signal{rule: "build-script-finds-marker", severity: finding.Critical, line: line,
						summary:  "the build searches binary files for a marker line and finds one in a test file",
						evidence: []string{ev}})
				}
			}
		}
		// A hidden script decoded out of a test file.
		for _, content := range []*fixture.Content{res.Decoded, transformed(res)} {
			if content == nil || content.Kind != "shell script" {
				continue
			}
			a, err := script.Analyze(ctx, p+" (decoded)", content.Head)
			if err != nil {
				continue
			}
			ev := hitLines(a.Hits, "decoded line ", 8)
			if len(ev) > 0 {
				e.add(signal{rule: "fixture-hides-script", severity: max(finding.High, a.Severity),
					summary: "decodes to a shell script that " + strings.ToLower(strings.TrimSuffix(a.Hits[0].Summary, ".")), evidence: ev})
			}
			for _, ref := range a.FileRefs {
				for _, q := range fixtures {
					f := c.entries[q]
					if q == p || path.Base(q) != path.Base(ref) {
						continue
					}
					f.add(signal{rule: "fixture-read-by-hidden-script", severity: finding.Critical,
						summary:  "a shell script hidden inside another test file reads this file",
						evidence: []string{fmt.Sprintf("the script decoded from %s names %s", p, ref)}})
				}
			}
		}
		if fixtureMax(e) >= finding.Medium && !refs(p) {
			e.add(signal{rule: "fixture-unreferenced", severity: finding.Low,
				summary:  "no test script or build file refers to this file",
				evidence: []string{"no build script, test script or source names " + path.Base(p)}})
		}
	}
}

func transformed(r *fixture.Result) *fixture.Content {
	if r.Transformed == nil {
		return nil
	}
	return r.Transformed.Decoded
}

func fixtureMax(e *entry) finding.Severity {
	var s finding.Severity
	for _, sig := range e.signals {
		s = max(s, sig.severity)
	}
	return s
}

// scriptSignals turns build-script heuristics into signals. A file the
// release adds, that git ignores by name, or whose macro upstream does not
// know, weighs more than the same lines in a file git holds.
func (c *comparison) scriptSignals() {
	for _, p := range c.order {
		e := c.entries[p]
		a := e.script
		if a == nil || len(a.Hits) == 0 || a.Severity <= finding.Unknown {
			continue
		}
		sev := a.Severity
		ev := hitLines(a.Hits, "", 12)
		if e.file.Status == OnlyTarball && sev >= finding.Medium {
			ev = append(ev, "the file is not in git: only the release carries these lines")
		}
		e.add(signal{rule: "build-script-heuristics", severity: sev, line: a.Hits[0].Line,
			summary: fmt.Sprintf("build script: %s", strings.TrimSuffix(a.Hits[0].Summary, ".")), evidence: ev})
	}
}

// configureSignals checks the suspicious lines of generated scripts
// against the macros they were generated from: expanded code that no
// macro explains was edited into the generated file; code a shipped
// macro explains points at that macro.
func (c *comparison) configureSignals() {
	if c.opt.Reference == nil {
		return
	}
	macros := map[string][]byte{}
	for _, p := range c.order {
		e := c.entries[p]
		if e.data != nil && strings.HasSuffix(p, ".m4") && e.file.Status != OnlyGit {
			macros[p] = e.data
		}
	}
	for _, p := range c.order {
		e := c.entries[p]
		if path.Base(p) != "configure" || e.script == nil || e.file.Status == OnlyGit {
			continue
		}
		var cand []int
		for _, h := range e.script.Hits {
			if h.Severity >= finding.Medium {
				cand = append(cand, h.Line)
			}
		}
		if len(cand) == 0 {
			continue
		}
		var explained, unexplained []string
		for _, at := range c.opt.Reference.Explain(e.data, cand, macros) {
			if len(at.Macros) == 0 {
				unexplained = append(unexplained, fmt.Sprintf("%d: %s", at.Line, clip(at.Text, 200)))
			} else {
				explained = append(explained, fmt.Sprintf("%d: from %s: %s", at.Line, strings.Join(at.Macros, ", "), clip(at.Text, 160)))
			}
		}
		if len(unexplained) > 0 {
			e.add(signal{rule: "configure-unexplained", severity: finding.High,
				summary:  "generated script holds suspicious code that no macro in the release or upstream explains",
				evidence: unexplained})
		}
		if len(explained) > 0 {
			e.add(signal{rule: "configure-expanded-from", severity: finding.Low,
				summary:  "suspicious lines of the generated script come from these macros",
				evidence: explained})
		}
	}
}

// versionLine matches lines whose change a release process makes itself.
var versionLine = regexp.MustCompile(`(?i)(version|release|date|copyright|\b\d+\.\d+(\.\d+)?\b|\b(19|20)\d\d-\d\d-\d\d\b)`)

// differenceSignals describes files that differ from git, and files that
// only the release has without a tool that would generate them.
func (c *comparison) differenceSignals(ctx context.Context) {
	for _, p := range c.order {
		e := c.entries[p]
		switch e.file.Status {
		case Different:
			c.changed(ctx, e)
		case OnlyTarball:
			if e.file.Expected || e.file.Problem != "" {
				break
			}
			sev := finding.Low
			switch e.file.Class {
			case ClassBuild, ClassSource:
				sev = finding.Medium
			case ClassTest, ClassFixture, ClassBinary:
				sev = finding.Low
			}
			e.add(signal{rule: "only-in-tarball", severity: sev,
				summary:  fmt.Sprintf("%s in the release but not in git, and no known tool generates it", e.file.Class),
				evidence: []string{fmt.Sprintf("%s: %d bytes, absent from %s", p, e.file.Size, c.report.Ref)}})
		}
		if e.ignoreBy != nil && fixtureMax(e) >= finding.Medium {
			r := e.ignoreBy
			how := "by the pattern"
			if r.explicit(p) {
				how = "by name"
			}
			e.add(signal{rule: "hidden-by-gitignore", severity: finding.Low,
				summary:  "git ignores this file, so a checkout regenerated from git never shows it",
				evidence: []string{fmt.Sprintf("%s:%d ignores it %s %q", r.file, r.line, how, r.pattern)}})
		}
	}
}

// changed diffs a file that differs from git and ranks the change by what
// kind of file it is.
func (c *comparison) changed(ctx context.Context, e *entry) {
	g := e.git
	if e.data == nil || g == nil || g.Symlink() || g.Submodule() || e.link != "" {
		if e.file.Note == "" && e.link == "" {
			e.file.Note = "content not compared line by line"
		}
		if e.link == "" && g != nil && !g.Symlink() {
			e.add(signal{rule: "changed", severity: changedSeverity(e.file.Class, false),
				summary: fmt.Sprintf("%s differs from git", e.file.Class)})
		}
		return
	}
	old, err := c.repo.Blob(ctx, g.Object, c.opt.MaxAnalyze)
	if err != nil {
		e.file.Note = err.Error()
		return
	}
	if isBinary(old) || e.binary {
		e.add(signal{rule: "changed", severity: changedSeverity(e.file.Class, false),
			summary:  fmt.Sprintf("binary %s differs from git", e.file.Class),
			evidence: []string{fmt.Sprintf("git %d bytes, tarball %d bytes", len(old), len(e.data))}})
		return
	}
	added, removed := lineDiff(old, e.data)
	e.file.Added, e.file.Removed = len(added), len(removed)
	versionOnly := true
	for _, l := range append(append([]Line(nil), added...), removed...) {
		if strings.TrimSpace(l.Text) != "" && !versionLine.MatchString(l.Text) {
			versionOnly = false
			break
		}
	}
	var ev []string
	for i, l := range removed {
		if i == 6 {
			ev = append(ev, fmt.Sprintf("… and %d more removed", len(removed)-i))
			break
		}
		ev = append(ev, fmt.Sprintf("-%d: %s", l.N, clip(l.Text, 200)))
	}
	for i, l := range added {
		if i == 10 {
			ev = append(ev, fmt.Sprintf("… and %d more added", len(added)-i))
			break
		}
		ev = append(ev, fmt.Sprintf("+%d: %s", l.N, clip(l.Text, 200)))
	}
	line := 0
	if len(added) > 0 {
		line = added[0].N
	}
	e.add(signal{rule: "changed", severity: changedSeverity(e.file.Class, versionOnly), line: line,
		summary:  fmt.Sprintf("%s differs from git: %d lines added, %d removed", e.file.Class, len(added), len(removed)),
		evidence: ev})
}

// changedSeverity ranks a change by kind of file: the build runs build
// scripts and compiles sources; nobody executes a translation.
func changedSeverity(class Class, versionOnly bool) finding.Severity {
	if versionOnly {
		return finding.Low
	}
	switch class {
	case ClassBuild, ClassSource:
		return finding.High
	case ClassTest, ClassFixture, ClassBinary, ClassConfig:
		return finding.Medium
	}
	return finding.Low
}

// finish merges each file's signals into one finding, ranks findings and
// files, and fills the summary.
func (c *comparison) finish() {
	r := c.report
	type ranked struct {
		f     finding.Finding
		score int
		class Class
	}
	var found []ranked
	for _, p := range c.order {
		e := c.entries[p]
		switch e.file.Status {
		case Identical:
			r.Summary.Identical++
		case OnlyGit:
			r.Summary.OnlyGit++
			if e.file.Expected {
				r.Summary.OnlyGitExpected++
			}
		case OnlyTarball:
			r.Summary.OnlyTarball++
			if e.file.Expected {
				r.Summary.OnlyTarballGen++
			}
		case Different:
			r.Summary.Different++
		}
		if len(e.signals) == 0 {
			if e.file.Status != Identical {
				r.Files = append(r.Files, e.file)
			}
			continue
		}
		f, score := merge(e)
		e.file.Severity = f.Severity
		r.Files = append(r.Files, e.file)
		found = append(found, ranked{f: f, score: score, class: e.file.Class})
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.f.Severity != b.f.Severity {
			return a.f.Severity > b.f.Severity
		}
		if a.class.weight() != b.class.weight() {
			return a.class.weight() > b.class.weight()
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.f.Locations[0].Path < b.f.Locations[0].Path
	})
	rank := map[string]int{}
	r.Findings = make([]finding.Finding, 0, len(found))
	for i, x := range found {
		r.Findings = append(r.Findings, x.f)
		rank[x.f.Locations[0].Path] = i
		r.Summary.Findings++
		r.Summary.BySeverity[x.f.Severity.String()]++
	}
	sort.SliceStable(r.Files, func(i, j int) bool {
		a, b := r.Files[i], r.Files[j]
		ra, oka := rank[a.Path]
		rb, okb := rank[b.Path]
		if oka != okb {
			return oka
		}
		if oka && ra != rb {
			return ra < rb
		}
		if a.Expected != b.Expected {
			return !a.Expected
		}
		return a.Path < b.Path
	})
	if r.Files == nil {
		r.Files = []File{}
	}
}

// merge folds a file's signals into one finding: the strongest signal
// names it, every signal adds evidence, and agreeing signals raise it (a
// macro upstream does not know that also greps binary files is worse than
// either alone).
func merge(e *entry) (finding.Finding, int) {
	sort.SliceStable(e.signals, func(i, j int) bool { return e.signals[i].severity > e.signals[j].severity })
	top := e.signals[0]
	sev := top.severity
	strong := 0
	rules := map[string]bool{}
	for _, s := range e.signals {
		if s.severity >= finding.Medium && !rules[s.rule] {
			strong++
			rules[s.rule] = true
		}
	}
	if strong >= 2 && sev >= finding.High && sev < finding.Critical {
		sev = finding.Critical
	} else if strong >= 2 && sev == finding.Medium {
		sev = finding.High
	}
	score := 0
	seen := map[string]bool{}
	var ev []string
	var summaries []string
	line := top.line
	for _, s := range e.signals {
		score += int(s.severity) * int(s.severity)
		if (s.severity >= finding.Medium || len(e.signals) == 1) && !seen["\x00"+s.summary] {
			seen["\x00"+s.summary] = true
			summaries = append(summaries, s.summary)
		}
		for _, x := range s.evidence {
			if len(ev) < maxEvidence && !seen[x] {
				seen[x] = true
				ev = append(ev, x)
			}
		}
		if line == 0 {
			line = s.line
		}
	}
	f := finding.Finding{
		ID:        top.rule,
		Aliases:   []string{},
		Kind:      finding.Integrity,
		Severity:  sev,
		Summary:   fmt.Sprintf("%s: %s", e.file.Path, top.summary),
		Details:   strings.Join(summaries, "\n"),
		Locations: location(e.file.Path, line),
		Evidence:  ev,
		Source:    Source,
		Remediation: "Compare the file with its upstream and with git by hand before building this release; " +
			"build from the git tag, regenerating with the project's own tools, when they disagree.",
	}
	return f, score
}

// hitLines renders heuristic hits as evidence, one line per script line
// with every rule that fired on it, at most limit lines.
func hitLines(hits []script.Hit, prefix string, limit int) []string {
	var order []int
	rules := map[int][]string{}
	text := map[int]string{}
	for _, h := range hits {
		if _, ok := rules[h.Line]; !ok {
			order = append(order, h.Line)
			text[h.Line] = h.Text
		}
		if !slices.Contains(rules[h.Line], h.Rule) {
			rules[h.Line] = append(rules[h.Line], h.Rule)
		}
	}
	var ev []string
	for i, n := range order {
		if i == limit {
			ev = append(ev, fmt.Sprintf("… and %d more lines", len(order)-i))
			break
		}
		ev = append(ev, fmt.Sprintf("%s%d: [%s] %s", prefix, n, strings.Join(rules[n], ", "), text[n]))
	}
	return ev
}

// smallFixture bounds the test files kept until the end of the stream, so
// that the build scripts read after them still apply their maps and
// markers; larger ones are analysed as they arrive, with what is known.
const smallFixture = 1 << 20

// isFixture reports whether a file is a binary test file worth analysing.
func isFixture(p string, data []byte) bool {
	return InTestDir(p) && isBinary(data)
}

// analyseScript runs the build-script heuristics on a kept file once, and
// collects the tr maps and grep patterns the test files are checked with.
func (c *comparison) analyseScript(ctx context.Context, e *entry) error {
	p := e.file.Path
	if e.script != nil || e.data == nil || e.file.Status == OnlyGit || e.binary ||
		!script.IsBuildScript(p, e.data[:min(len(e.data), 512)]) {
		return nil
	}
	a, err := script.Analyze(ctx, p, e.data)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.file.Note = err.Error()
		return nil
	}
	c.report.Summary.AnalysedScripts++
	e.script = a
	// Only the maps a heuristic flagged are tried on test files: configure
	// is full of harmless ones (tr '\040' '\012'), and each map costs a
	// pass over every test file.
	flagged := map[int]bool{}
	for _, h := range a.Hits {
		if strings.HasPrefix(h.Rule, "tr-") {
			flagged[h.Line] = true
		}
	}
	for _, t := range a.TrMaps {
		if !flagged[t.Line] {
			continue
		}
		if m, err := fixture.ParseTr(t.Set1, t.Set2); err == nil && !c.seenMap[m] && m != fixture.Identity() {
			c.seenMap[m] = true
			c.maps = append(c.maps, m)
		}
	}
	for _, g := range a.Greps {
		if g.Binary || g.Recursive {
			if re := markerPattern(g); re != nil {
				if _, dup := c.markerFrom[re.String()]; !dup {
					c.markers = append(c.markers, re)
				}
				c.markerFrom[re.String()] = append(c.markerFrom[re.String()], fmt.Sprintf("%s:%d", p, g.Line))
			}
		}
	}
	return nil
}

// analyseFixture checks one binary test file with the maps and markers
// the build scripts read so far provide.
func (c *comparison) analyseFixture(ctx context.Context, e *entry, data []byte) error {
	res, err := fixture.Analyze(ctx, e.file.Path, data, fixture.Options{Maps: c.maps, Markers: c.markers})
	if err != nil {
		return err
	}
	c.report.Summary.AnalysedFixtures++
	e.fixture = res
	return nil
}

// fileNameByte reports whether b can be part of a file name word.
func fileNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '.' || b == '_' || b == '-' || b == '+'
}

// noteMentions records which test-file names a build, test or source file
// mentions, so that the file itself need not be kept.
func (c *comparison) noteMentions(p string, data []byte) {
	if len(c.candidates) == 0 {
		return
	}
	switch Classify(p, false) {
	case ClassBuild, ClassTest, ClassSource:
	default:
		return
	}
	base := path.Base(p)
	for i := 0; i < len(data); {
		if !fileNameByte(data[i]) {
			i++
			continue
		}
		j, dot := i, false
		for j < len(data) && fileNameByte(data[j]) {
			dot = dot || data[j] == '.'
			j++
		}
		// A map lookup with string(b) does not allocate.
		if dot && c.candidates[string(data[i:j])] && string(data[i:j]) != base {
			c.mentioned[string(data[i:j])] = true
		}
		i = j
	}
}
