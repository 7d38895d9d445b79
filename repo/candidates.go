package repo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/internal/gitexec"
)

// candidateEvents examines the commits that touched build, CI, contact,
// check, .gitignore or test files.
func (a *analysis) candidateEvents(ctx context.Context, cat *catFile) error {
	var diffIDs []string
	byID := map[string]*candidate{}
	blobChecks := 0
	buildRefs := a.buildReferences(cat)
	for i, c := range a.cands {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		au := a.people[c.author]
		risky := au != nil && a.risky(au, c.at)
		var build, ci []string
		need := false
		for _, ch := range c.changes {
			if risky && ch.cls&clBuild != 0 {
				build = append(build, ch.Path)
			}
			if risky && ch.cls&clCI != 0 {
				ci = append(ci, ch.Path)
			}
			if ch.cls&needsDiff != 0 {
				need = true
			}
			if ch.cls&clTestDir != 0 && ch.Status == 'A' && blobChecks < maxBlobChecks && ch.Mode != "160000" {
				blobChecks++
				_, data, err := cat.read(ch.Blob, sniffSize)
				if err != nil {
					a.log.Warn("test file unreadable", "path", ch.Path, "err", err)
					continue
				}
				if bytes.IndexByte(data, 0) >= 0 {
					a.binaryTestFile(c, au, ch.Path, risky)
				}
			}
		}
		if len(build) > 0 {
			a.emit(Event{Time: c.at, Kind: KindBuildByNewcomer, Commit: c.id, Person: disp(au), Path: build[0],
				Severity: finding.Medium, Summary: "changed the build: " + listPaths(build),
				Why: "the build decides what code is compiled in; xz's backdoor was injected by its build scripts"})
		}
		if len(ci) > 0 {
			a.emit(Event{Time: c.at, Kind: KindCIByNewcomer, Commit: c.id, Person: disp(au), Path: ci[0],
				Severity: finding.Medium, Summary: "changed CI or fuzzing configuration: " + listPaths(ci),
				Why: "CI and fuzzing catch regressions; xz's new maintainer had a fuzzing build option switched off"})
		}
		if need && len(diffIDs) < maxDiffCommits {
			diffIDs = append(diffIDs, c.id)
			byID[c.id] = c
		}
	}
	if len(diffIDs) == 0 {
		return nil
	}
	args := append([]string{"diff-tree", "--stdin", "-r", "-p", "-U5", "--root", "--no-renames",
		"--no-ext-diff", "--no-textconv", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", "--"}, diffPathspecs...)
	stdin := strings.NewReader(strings.Join(diffIDs, "\n") + "\n")
	return gitexec.Stream(ctx, a.dir, stdin, func(r *bufio.Reader) error {
		return parseDiffs(ctx, r, func(id string, f *fileDiff) {
			if c := byID[id]; c != nil {
				a.fileEvents(c, f, buildRefs)
			}
		})
	}, args...)
}

func disp(p *person) string {
	if p == nil {
		return ""
	}
	return p.display()
}

func listPaths(ps []string) string {
	if len(ps) > 5 {
		return strings.Join(ps[:5], ", ") + fmt.Sprintf(" and %d more", len(ps)-5)
	}
	return strings.Join(ps, ", ")
}

func (a *analysis) binaryTestFile(c *candidate, au *person, p string, risky bool) {
	sev := finding.Low
	why := "binary files cannot be reviewed in a diff"
	rel := a.nextRelease(c.at)
	tag := ""
	if rel != nil {
		tag = rel.Tag
		sev = finding.Medium
		why = fmt.Sprintf("added %s before release %s; xz's backdoor payload was binary test files added weeks before a release",
			humanDuration(rel.Time.Sub(c.at)), rel.Tag)
	}
	if risky {
		sev++
	}
	a.emit(Event{Time: c.at, Kind: KindBinaryTestFile, Commit: c.id, Tag: tag, Person: disp(au), Path: p,
		Severity: sev, Summary: "added binary file " + p, Why: why})
}

// buildReferences reads the build files at HEAD whose text tells which
// files the build uses.
func (a *analysis) buildReferences(cat *catFile) string {
	var b strings.Builder
	for _, f := range []string{"configure.ac", "configure.in", "Makefile.am", "CMakeLists.txt", "meson.build"} {
		typ, data, err := cat.read(a.head+":"+f, 1<<20)
		if err == nil && typ == "blob" {
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// fileDiff is one file of one commit's diff, reduced to what the
// signals read.
type fileDiff struct {
	Path    string
	Added   []string
	Removed []string
	// Check holds the hunks near a feature or hardening check.
	Check []hunk
}

type hunk struct {
	Added, Removed, Context []string
}

var checkWords = []string{
	"check_c_source_compiles", "check_c_source_runs", "check_cxx_source_compiles", "check_include_file",
	"check_symbol_exists", "check_function_exists", "check_c_compiler_flag", "ac_compile_ifelse",
	"ac_link_ifelse", "ac_run_ifelse", "ac_check_func", "ac_check_header", "ac_try_compile", "ac_try_link",
	"cc.compiles", "cc.links", "cc.has_function", "cc.has_header", "landlock", "sandbox", "seccomp", "pledge",
	"capsicum", "fstack-protector", "_fortify_source", "fcf-protection", "relro", "-z,now", "ifunc",
}

func checkWord(line string) string {
	l := strings.ToLower(line)
	for _, w := range checkWords {
		if strings.Contains(l, w) {
			return w
		}
	}
	return ""
}

// parseDiffs reads `git diff-tree --stdin -p` output, calling fn for
// each file of each commit. Hunk lengths from the "@@" headers decide
// what is content, so no content line is mistaken for a header.
func parseDiffs(ctx context.Context, r *bufio.Reader, fn func(commit string, f *fileDiff)) error {
	var (
		buf      []byte
		id       string
		cur      *fileDiff
		h        *hunk
		oldLeft  int
		newLeft  int
		inHunk   bool
		nearChck bool
	)
	endHunk := func() {
		if h != nil && cur != nil && nearChck {
			cur.Check = append(cur.Check, *h)
		}
		h, inHunk, nearChck = nil, false, false
	}
	endFile := func() {
		endHunk()
		if cur != nil && id != "" {
			fn(id, cur)
		}
		cur = nil
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := readLine(r, maxLine, buf)
		if errors.Is(err, io.EOF) {
			endFile()
			return nil
		}
		if err != nil {
			return err
		}
		buf = line
		s := string(line)
		if inHunk {
			if s == "" {
				s = " "
			}
			switch s[0] {
			case '+':
				newLeft--
				if cur != nil && len(cur.Added) < maxHunkLines {
					cur.Added = append(cur.Added, s[1:])
					h.Added = append(h.Added, s[1:])
				}
			case '-':
				oldLeft--
				if cur != nil && len(cur.Removed) < maxHunkLines {
					cur.Removed = append(cur.Removed, s[1:])
					h.Removed = append(h.Removed, s[1:])
				}
			case ' ':
				oldLeft--
				newLeft--
				if len(h.Context) < maxHunkLines {
					h.Context = append(h.Context, s[1:])
				}
			case '\\':
				continue
			default:
				endHunk()
				goto header
			}
			if !nearChck && checkWord(s) != "" {
				nearChck = true
			}
			if oldLeft <= 0 && newLeft <= 0 {
				endHunk()
			}
			continue
		}
	header:
		switch {
		case isHex(s):
			endFile()
			id = s
		case strings.HasPrefix(s, "diff --git "):
			endFile()
			p := s[len("diff --git "):]
			if i := strings.LastIndex(p, " b/"); i >= 0 {
				p = p[i+3:]
			}
			cur = &fileDiff{Path: strings.Trim(p, "\"")}
		case strings.HasPrefix(s, "@@ "):
			o, nw, ok := parseHunkHeader(s)
			if !ok || cur == nil {
				continue
			}
			h, oldLeft, newLeft, inHunk = &hunk{}, o, nw, true
			if o == 0 && nw == 0 {
				endHunk()
			}
		}
	}
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@" and returns b and d.
func parseHunkHeader(s string) (oldN, newN int, ok bool) {
	f := strings.Fields(s)
	if len(f) < 4 || f[3] != "@@" && !strings.HasPrefix(f[3], "@@") {
		return 0, 0, false
	}
	count := func(r string) (int, bool) {
		_, n, found := strings.Cut(r[1:], ",")
		if !found {
			return 1, true
		}
		v, err := strconv.Atoi(n)
		return v, err == nil && v >= 0 && v < 1<<30
	}
	if len(f[1]) < 2 || f[1][0] != '-' || len(f[2]) < 2 || f[2][0] != '+' {
		return 0, 0, false
	}
	oldN, ok1 := count(f[1])
	newN, ok2 := count(f[2])
	return oldN, newN, ok1 && ok2
}

var (
	urlRe   = regexp.MustCompile(`https?://[^\s"'<>()\[\]{},]+`)
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
)

func addresses(lines []string) map[string]bool {
	out := map[string]bool{}
	for _, l := range lines {
		for _, m := range urlRe.FindAllString(l, 20) {
			out[strings.TrimRight(m, ".;:")] = true
		}
		for _, m := range emailRe.FindAllString(l, 20) {
			out[strings.ToLower(m)] = true
		}
	}
	return out
}

func setMinus(x, y map[string]bool) []string {
	var out []string
	for k := range x {
		if !y[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// fileEvents turns one file's diff into contact, .gitignore and check
// events.
func (a *analysis) fileEvents(c *candidate, f *fileDiff, buildRefs string) {
	au := a.people[c.author]
	risky := au != nil && a.risky(au, c.at)
	cls := classify(f.Path)
	// A root commit creates the contacts; changing them is the event.
	if cls&(clContact|clContactMaybe) != 0 && !c.root {
		added := setMinus(addresses(f.Added), addresses(f.Removed))
		removed := setMinus(addresses(f.Removed), addresses(f.Added))
		changed := len(added) > 0 || len(removed) > 0
		if cls&clContact != 0 && (len(f.Added) > 0 || len(f.Removed) > 0) {
			changed = true
		}
		if changed {
			var parts []string
			if len(removed) > 0 {
				parts = append(parts, "removed "+clip(strings.Join(removed, ", "), 300))
			}
			if len(added) > 0 {
				parts = append(parts, "added "+clip(strings.Join(added, ", "), 300))
			}
			if len(parts) == 0 {
				parts = append(parts, fmt.Sprintf("%d lines added, %d removed", len(f.Added), len(f.Removed)))
			}
			sev := finding.Low
			if au != nil && au.fast {
				sev = finding.High
			} else if risky {
				sev = finding.Medium
			}
			a.emit(Event{Time: c.at, Kind: KindContactChange, Commit: c.id, Person: disp(au), Path: f.Path,
				Severity: sev, Summary: f.Path + ": " + strings.Join(parts, "; "),
				Why: "decides who receives vulnerability reports and where users look for the project; xz's contacts and pages moved to the new maintainer"})
		}
	}
	if cls&clGitignore != 0 {
		for _, l := range f.Added {
			reason, specific := hidesBuildInput(l, buildRefs)
			if reason == "" {
				continue
			}
			sev := finding.Low
			switch {
			case specific && risky:
				sev = finding.High
			case specific || risky:
				sev = finding.Medium
			}
			a.emit(Event{Time: c.at, Kind: KindGitignoreHidesBuild, Commit: c.id, Person: disp(au), Path: f.Path,
				Severity: sev, Summary: fmt.Sprintf("%s: ignores %q (%s)", f.Path, clip(strings.TrimSpace(l), 200), reason),
				Why: "a build input kept out of git is only in the release tarball, where nobody reviews it; xz's malicious build-to-host.m4 was"})
		}
	}
	if cls&clCheck != 0 {
		a.checkEvents(c, au, risky, f)
	}
}

// generated names are build outputs or autoreconf copies that projects
// routinely keep out of git.
var generated = map[string]bool{
	"configure": true, "config.h": true, "config.h.in": true, "config.status": true, "config.log": true,
	"makefile": true, "makefile.in": true, "aclocal.m4": true, "stamp-h1": true, "libtool": true,
	"ltmain.sh": true, "compile": true, "depcomp": true, "install-sh": true, "missing": true,
	"config.guess": true, "config.sub": true, "ar-lib": true, "test-driver": true, "ylwrap": true,
	"libtool.m4": true, "ltoptions.m4": true, "ltsugar.m4": true, "ltversion.m4": true, "lt~obsolete.m4": true,
	"config.rpath": true, "mkinstalldirs": true, "texinfo.tex": true, "mdate-sh": true,
}

// hidesBuildInput says why a .gitignore pattern hides a build input, and
// whether it names one file rather than a wildcard.
func hidesBuildInput(line, buildRefs string) (reason string, specific bool) {
	p := strings.TrimSpace(line)
	if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "!") {
		return "", false
	}
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	base := strings.ToLower(path.Base(p))
	dir := strings.ToLower(path.Dir(p))
	wild := strings.ContainsAny(p, "*?[")
	if generated[base] {
		return "", false
	}
	switch {
	case wild && strings.HasSuffix(base, ".m4"):
		return "autoconf macros the build includes", false
	case wild:
		return "", false
	case strings.HasSuffix(base, ".m4"):
		return "an autoconf macro file the build includes", true
	case dir == "m4" || dir == "build-aux" || strings.HasSuffix(dir, "/m4") || strings.HasSuffix(dir, "/build-aux"):
		return "a file in " + dir + "/, where the build's helpers live", true
	case len(base) >= 4 && strings.Contains(strings.ToLower(buildRefs), base):
		return "named by the build files", true
	}
	return "", false
}

func (a *analysis) checkEvents(c *candidate, au *person, risky bool, f *fileDiff) {
	for _, h := range f.Check {
		var broken, removed string
		for _, l := range h.Added {
			switch strings.TrimSpace(l) {
			case ".", ",", "`", "@", "$":
				broken = l
			}
		}
		addedWords := map[string]bool{}
		for _, l := range h.Added {
			if w := checkWord(l); w != "" {
				addedWords[w] = true
			}
		}
		for _, l := range h.Removed {
			if w := checkWord(l); w != "" && !addedWords[w] {
				removed = l
				break
			}
		}
		var sum string
		sev := finding.Low
		switch {
		case broken != "":
			sum = fmt.Sprintf("%s: added the line %q inside a feature check, which makes its test program fail to compile", f.Path, strings.TrimSpace(broken))
			sev = finding.High
		case removed != "":
			sum = fmt.Sprintf("%s: removed %q", f.Path, clip(strings.TrimSpace(removed), 200))
			if risky {
				sev = finding.High
			}
		case risky && (len(h.Added) > 0 || len(h.Removed) > 0):
			sum = fmt.Sprintf("%s: edited a feature or hardening check (%d lines added, %d removed)", f.Path, len(h.Added), len(h.Removed))
			sev = finding.Medium
		default:
			continue
		}
		a.emit(Event{Time: c.at, Kind: KindCheckWeakened, Commit: c.id, Person: disp(au), Path: f.Path,
			Severity: sev, Summary: sum,
			Why: "a check that silently fails turns a protection off; xz disabled its Landlock sandbox with one added '.'"})
		return
	}
}
