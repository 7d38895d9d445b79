package repo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/internal/gitexec"
)

// Bounds and thresholds.
const (
	defaultNewcomerAge   = 180 * 24 * time.Hour
	defaultReleaseWindow = 30 * 24 * time.Hour
	// riseWindow is how soon after a first commit becoming the main
	// committer counts as fast; xz's new maintainer took about 14 months.
	riseWindow = 2 * 365 * 24 * time.Hour
	year       = 365 * 24 * time.Hour
	// mainMinCommits is the fewest commits in a year for its top
	// committer to count as the main committer.
	mainMinCommits = 2
	// maxCandidates bounds the commits kept for a second look (diffs,
	// newcomer checks); the most recent are kept.
	maxCandidates = 50_000
	// maxDiffCommits bounds the commits whose diffs are read.
	maxDiffCommits = 20_000
	// maxBlobChecks bounds the added test files whose content is sniffed.
	maxBlobChecks = 5_000
	// maxTags bounds the tags read.
	maxTags = 100_000
	// maxPeople bounds distinct identities.
	maxPeople = 1_000_000
	// maxHunkLines bounds the lines kept from one diff hunk.
	maxHunkLines = 4_000
	// maxEvidence bounds the evidence lines of one signal.
	maxEvidence = 25
	// sniffSize is how much of a blob decides whether it is binary, as
	// git itself decides: a NUL byte in the first 8000 bytes.
	sniffSize = 8000
)

// class is what a path means to the signals.
type class uint16

const (
	clBuild class = 1 << iota
	clCI
	clContact      // any change is a contact change
	clContactMaybe // a change of URL or e-mail address is
	clGitignore
	clCheck
	clTestDir
)

// needsDiff is the classes whose signal is in the diff.
const needsDiff = clContact | clContactMaybe | clGitignore | clCheck

func classify(p string) class {
	lp := strings.ToLower(p)
	base := path.Base(lp)
	dir := path.Dir(lp)
	var c class
	switch base {
	case ".gitignore":
		c |= clGitignore
	case "security", "security.md", "security.txt", "security.rst", "security.markdown",
		"maintainers", "maintainers.md", "maintainers.txt", "codeowners", "authors", "authors.md", "authors.txt",
		"thanks", "contributing.md":
		c |= clContact
	case "configure.ac", "configure.in", "cmakelists.txt", "meson.build":
		c |= clBuild | clCheck | clContactMaybe
	case "makefile.am", "gnumakefile", "makefile", "meson_options.txt", "meson.options", "autogen.sh",
		"bootstrap", "bootstrap.conf", "sconstruct", "build.bazel", "workspace", "build.rs":
		c |= clBuild
	case "jenkinsfile", ".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "appveyor.yml",
		".appveyor.yml", ".cirrus.yml", ".drone.yml", "project.yaml":
		c |= clCI
	}
	if strings.HasPrefix(base, "readme") {
		c |= clContactMaybe
	}
	switch path.Ext(base) {
	case ".cmake":
		c |= clBuild | clCheck
	case ".m4":
		c |= clBuild | clCheck
	case ".mk":
		c |= clBuild
	}
	parts := strings.Split(dir, "/")
	for i, d := range parts {
		switch d {
		case "build-aux":
			c |= clBuild
		case ".circleci", ".buildkite", ".clusterfuzzlite":
			c |= clCI
		case "workflows", "actions":
			if i > 0 && parts[i-1] == ".github" {
				c |= clCI
			}
		case "test", "tests", "testdata", "testsuite", "t", "spec", "fixtures", "test-data", "test_data", "test-files":
			c |= clTestDir
		}
		if strings.Contains(d, "fuzz") {
			c |= clCI
		}
	}
	if dir == ".github" && (base == "security.md" || base == "codeowners") {
		c |= clContact
	}
	return c
}

// diffPathspecs limits diff-tree to the files classify sends to needsDiff.
var diffPathspecs = []string{
	":(glob,icase)**/.gitignore", ":(glob,icase)**/security", ":(glob,icase)**/security.*",
	":(glob,icase)**/maintainers", ":(glob,icase)**/maintainers.*", ":(glob,icase)**/codeowners",
	":(glob,icase)**/authors", ":(glob,icase)**/authors.*", ":(glob,icase)**/thanks", ":(glob,icase)**/contributing.md",
	":(glob,icase)**/configure.ac", ":(glob,icase)**/configure.in", ":(glob,icase)**/cmakelists.txt",
	":(glob,icase)**/meson.build", ":(glob,icase)**/*.cmake", ":(glob,icase)**/*.m4", ":(glob,icase)**/readme*",
}

type person struct {
	key string
	c   Contributor
	// firstAt is when the person first appears at all.
	firstAt time.Time
	// mainAt is when they first became the main committer; fast says
	// they did within riseWindow of their first commit, having joined
	// after the project started.
	mainAt time.Time
	fast   bool
}

func (p *person) display() string {
	if p.c.Email == "" {
		return p.c.Name
	}
	return p.c.Name + " <" + p.c.Email + ">"
}

type candChange struct {
	change
	cls class
}

type candidate struct {
	id        string
	at        time.Time
	author    string
	committer string
	subject   string
	root      bool
	changes   []candChange
}

type analysis struct {
	dir string
	opt Options
	log *slog.Logger

	people   map[string]*person
	quarters map[int]map[string]int // quarter -> committer key -> commits
	months   map[int]map[string]int // month -> author key -> commits
	cands    []*candidate
	dropped  int
	commits  int
	signed   int
	first    time.Time
	last     time.Time
	releases []Release
	relKeys  []string // tagger key per release
	events   []Event
	head     string
}

func newAnalysis(dir string, opt Options) (*analysis, error) {
	if opt.NewcomerAge < 0 || opt.ReleaseWindow < 0 {
		return nil, errors.New("repo: negative NewcomerAge or ReleaseWindow")
	}
	if opt.NewcomerAge == 0 {
		opt.NewcomerAge = defaultNewcomerAge
	}
	if opt.ReleaseWindow == 0 {
		opt.ReleaseWindow = defaultReleaseWindow
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	lg := opt.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if dir == "" || strings.HasPrefix(dir, "-") {
		return nil, fmt.Errorf("repo: %q is not a repository path", dir)
	}
	return &analysis{dir: dir, opt: opt, log: lg,
		people: map[string]*person{}, quarters: map[int]map[string]int{}, months: map[int]map[string]int{}}, nil
}

func (a *analysis) run(ctx context.Context) (*Report, error) {
	out, err := gitexec.Run(ctx, a.dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("repo %s: no commit at HEAD or not a git repository: %w", a.dir, err)
	}
	a.head = strings.TrimSpace(string(out))
	var malformed int
	err = gitexec.Stream(ctx, a.dir, nil, func(r *bufio.Reader) error {
		var perr error
		malformed, perr = parseLog(ctx, r, a.addCommit)
		return perr
	}, logArgs()...)
	if err != nil {
		return nil, fmt.Errorf("repo %s: reading history: %w", a.dir, err)
	}
	if malformed > 0 {
		a.log.Warn("skipped malformed log records", "repo", a.dir, "count", malformed)
	}
	if a.dropped > 0 {
		a.log.Warn("older candidate commits not examined", "repo", a.dir, "count", a.dropped)
	}
	cat, err := startCatFile(ctx, a.dir)
	if err != nil {
		return nil, fmt.Errorf("repo %s: %w", a.dir, err)
	}
	defer cat.close()
	if err := a.readTags(ctx, cat); err != nil {
		return nil, fmt.Errorf("repo %s: reading tags: %w", a.dir, err)
	}
	a.contributorEvents()
	a.releaseEvents()
	if err := a.candidateEvents(ctx, cat); err != nil {
		return nil, fmt.Errorf("repo %s: %w", a.dir, err)
	}
	return a.report(), nil
}

func personKey(name, email string) string {
	if email != "" {
		return strings.ToLower(email)
	}
	return "name:" + name
}

// see records one appearance of a person.
func (a *analysis) see(name, email string, t time.Time) *person {
	k := personKey(name, email)
	p := a.people[k]
	if p == nil {
		if len(a.people) >= maxPeople {
			k = "name:(others)"
			if p = a.people[k]; p == nil {
				p = &person{key: k, c: Contributor{Name: "(others)"}, firstAt: t}
				a.people[k] = p
			}
			return p
		}
		p = &person{key: k, c: Contributor{Name: clip(name, 200), Email: clip(email, 200)}, firstAt: t}
		a.people[k] = p
	}
	if t.Before(p.firstAt) || p.firstAt.IsZero() {
		p.firstAt = t
		p.c.Name, p.c.Email = clip(name, 200), clip(email, 200)
	}
	if t.After(p.c.LastSeen) {
		p.c.LastSeen = t
	}
	return p
}

// webFlow reports a committer identity that stands for a forge's web
// interface rather than a person.
func webFlow(email string) bool {
	return strings.EqualFold(email, "noreply@github.com")
}

func quarterOf(t time.Time) int { return t.Year()*4 + (int(t.Month())-1)/3 }
func quarterStart(q int) time.Time {
	return time.Date(q/4, time.Month(q%4*3+1), 1, 0, 0, 0, 0, time.UTC)
}
func monthOf(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func (a *analysis) addCommit(c *commit) error {
	a.commits++
	au := a.see(c.AuthorName, c.AuthorEmail, c.AuthorTime)
	au.c.Authored++
	if au.c.FirstAuthored.IsZero() || c.AuthorTime.Before(au.c.FirstAuthored) {
		au.c.FirstAuthored = c.AuthorTime
	}
	cm := au
	if !webFlow(c.CommitterEmail) {
		cm = a.see(c.CommitterName, c.CommitterEmail, c.CommitTime)
	}
	cm.c.Committed++
	if cm.c.FirstCommitted.IsZero() || c.CommitTime.Before(cm.c.FirstCommitted) {
		cm.c.FirstCommitted = c.CommitTime
	}
	if len(c.Signature) > 0 {
		a.signed++
		cm.c.Signed++
	}
	if a.first.IsZero() || c.CommitTime.Before(a.first) {
		a.first = c.CommitTime
	}
	if c.AuthorTime.Before(a.first) {
		a.first = c.AuthorTime
	}
	if c.CommitTime.After(a.last) {
		a.last = c.CommitTime
	}
	q := quarterOf(c.CommitTime)
	if a.quarters[q] == nil {
		a.quarters[q] = map[string]int{}
	}
	a.quarters[q][cm.key]++
	m := monthOf(c.CommitTime)
	if a.months[m] == nil {
		a.months[m] = map[string]int{}
	}
	a.months[m][au.key]++

	var kept []candChange
	for _, ch := range c.Changes {
		cls := classify(ch.Path)
		if cls&clTestDir != 0 && ch.Status != 'A' {
			cls &^= clTestDir
		}
		if cls == 0 || ch.Status == 'D' && cls&(needsDiff) == 0 {
			continue
		}
		kept = append(kept, candChange{change: ch, cls: cls})
	}
	if len(kept) == 0 {
		return nil
	}
	if len(a.cands) >= maxCandidates {
		a.dropped++
		return nil
	}
	a.cands = append(a.cands, &candidate{id: c.ID, at: c.CommitTime, author: au.key, committer: cm.key,
		subject: c.Subject, root: c.Parents == 0, changes: kept})
	return nil
}

// newcomer reports whether p was within NewcomerAge of their first
// commit at t.
func (a *analysis) newcomer(p *person, t time.Time) bool {
	first := p.c.FirstAuthored
	if first.IsZero() {
		first = p.firstAt
	}
	return t.Sub(first) < a.opt.NewcomerAge && first.Sub(a.first) > a.opt.NewcomerAge
}

// risky reports a person whose changes at t deserve the higher severity:
// a newcomer, or someone who rose to main committer fast.
func (a *analysis) risky(p *person, t time.Time) bool {
	return p.fast || a.newcomer(p, t)
}

func (a *analysis) emit(e Event) {
	if !a.opt.Since.IsZero() && e.Time.Before(a.opt.Since) {
		return
	}
	a.events = append(a.events, e)
}

// contributorEvents finds main committers per quarter, fast rises,
// first commits and commit rights.
func (a *analysis) contributorEvents() {
	qs := make([]int, 0, len(a.quarters))
	for q := range a.quarters {
		qs = append(qs, q)
	}
	slices.Sort(qs)
	prev := ""
	for _, q := range qs {
		// The main committer is judged over the year ending with this
		// quarter, so one busy quarter does not make one.
		counts := map[string]int{}
		for w := q - 3; w <= q; w++ {
			for k, n := range a.quarters[w] {
				counts[k] += n
			}
		}
		top, topN, second, total := "", 0, 0, 0
		for k, n := range counts {
			total += n
			if n > topN || n == topN && k < top {
				top, topN = k, n
			}
		}
		for k, n := range counts {
			if k != top && n > second {
				second = n
			}
		}
		if topN < mainMinCommits || topN == second || top == prev {
			continue
		}
		prev = top
		p := a.people[top]
		if !p.mainAt.IsZero() {
			continue
		}
		at := quarterStart(q)
		if at.Before(p.firstAt) {
			at = p.firstAt
		}
		p.mainAt = at
		first := p.c.FirstAuthored
		if first.IsZero() {
			first = p.firstAt
		}
		joinedLater := first.Sub(a.first) > a.opt.NewcomerAge
		p.fast = joinedLater && at.Sub(first) <= riseWindow
		sev := finding.Low
		why := "who commits most decides what ships"
		if p.fast {
			sev = finding.High
			why = fmt.Sprintf("first commit %s, main committer %s later: a fast rise is how the xz-utils takeover began",
				first.Format("2006-01-02"), humanDuration(at.Sub(first)))
		}
		a.emit(Event{Time: at, Kind: KindMainCommitter, Person: p.display(), Severity: sev,
			Summary: fmt.Sprintf("main committer in the year to %d-Q%d: %d of %d commits", q/4, q%4+1, topN, total), Why: why})
	}
	for _, p := range a.people {
		if p.c.FirstCommitted.IsZero() && !p.fast {
			continue
		}
		if !p.c.FirstAuthored.IsZero() {
			a.emit(Event{Time: p.c.FirstAuthored, Kind: KindFirstCommit, Person: p.display(), Severity: finding.Low,
				Summary: "first commit as author", Why: "start of this person's history in the project"})
		}
		if !p.c.FirstCommitted.IsZero() && p.c.FirstCommitted.Sub(a.first) > a.opt.NewcomerAge {
			sev := finding.Low
			if p.fast {
				sev = finding.Medium
			}
			a.emit(Event{Time: p.c.FirstCommitted, Kind: KindCommitRights, Person: p.display(), Severity: sev,
				Summary: fmt.Sprintf("first commit committed by this person (%s after their first commit)",
					humanDuration(p.c.FirstCommitted.Sub(p.firstAt))),
				Why: "commit rights: changes from here on need nobody else's hands"})
		}
	}
}

func humanDuration(d time.Duration) string {
	days := int(d.Hours() / 24)
	switch {
	case days < 60:
		return fmt.Sprintf("%d days", days)
	case days < 730:
		return fmt.Sprintf("%d months", days/30)
	}
	return fmt.Sprintf("%.1f years", float64(days)/365)
}

// readTags lists the tags and reads each annotated tag's object.
func (a *analysis) readTags(ctx context.Context, cat *catFile) error {
	type ref struct {
		name, typ, obj, peeled, peeledType string
		created                            time.Time
	}
	var refs []ref
	err := gitexec.Stream(ctx, a.dir, nil, func(r *bufio.Reader) error {
		var buf []byte
		for {
			line, err := readLine(r, maxLine, buf)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if len(refs) >= maxTags {
				continue
			}
			f := strings.Split(string(line), "\x00")
			if len(f) != 6 {
				continue
			}
			sec, _ := strconv.ParseInt(f[5], 10, 64)
			refs = append(refs, ref{name: strings.TrimPrefix(f[0], "refs/tags/"), typ: f[1], obj: f[2],
				peeled: f[3], peeledType: f[4], created: time.Unix(sec, 0).UTC()})
		}
	}, "for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(*objecttype)%00%(creatordate:unix)", "refs/tags")
	if err != nil {
		return err
	}
	for i, rf := range refs {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rel := Release{Tag: clip(rf.name, 200), Time: rf.created}
		taggerKey := ""
		switch rf.typ {
		case "commit":
			rel.Commit = rf.obj
		case "tag":
			rel.Annotated = true
			if rf.peeledType == "commit" {
				rel.Commit = rf.peeled
			}
			_, data, err := cat.read(rf.obj, 1<<20)
			if err != nil {
				a.log.Warn("tag object unreadable", "tag", rf.name, "err", err)
				break
			}
			name, email, t := tagger(data)
			if name != "" || email != "" {
				rel.Tagger = clip(name, 200) + " <" + clip(email, 200) + ">"
				taggerKey = personKey(name, email)
			}
			if !t.IsZero() {
				rel.Time = t
			}
			if block := findSignature(data); block != nil {
				rel.Signed = true
				si, err := parseSignature(block)
				if err != nil {
					a.log.Warn("tag signature unreadable", "tag", rf.name, "err", err)
				}
				rel.KeyID, rel.Fingerprint, rel.Algorithm = si.KeyID, si.Fingerprint, si.Algorithm
			}
		}
		a.releases = append(a.releases, rel)
		a.relKeys = append(a.relKeys, taggerKey)
	}
	idx := make([]int, len(a.releases))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a.releases[idx[i]].Time.Before(a.releases[idx[j]].Time) })
	rels, keys := make([]Release, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		rels[i], keys[i] = a.releases[j], a.relKeys[j]
	}
	a.releases, a.relKeys = rels, keys
	return nil
}

// tagger reads the tagger header of a tag object.
func tagger(data []byte) (name, email string, t time.Time) {
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		if len(l) == 0 {
			break
		}
		if v, ok := bytes.CutPrefix(l, []byte("tagger ")); ok {
			return parseIdent(string(v))
		}
	}
	return "", "", time.Time{}
}

func shortKey(r *Release) string {
	k := r.Fingerprint
	if k == "" {
		k = r.KeyID
	}
	return k
}

func (a *analysis) releaseEvents() {
	prevKey, prevTag := "", ""
	prevSigned := false
	for i := range a.releases {
		r := &a.releases[i]
		who := r.Tagger
		if who == "" {
			who = "(lightweight tag)"
		}
		sum := "tag " + r.Tag
		if r.Signed {
			sum += fmt.Sprintf(", signed (%s key %s)", r.Algorithm, shortKey(r))
		} else if r.Annotated {
			sum += ", not signed"
		}
		a.emit(Event{Time: r.Time, Kind: KindRelease, Tag: r.Tag, Commit: r.Commit, Person: r.Tagger,
			Severity: finding.Low, Summary: sum, Why: "a release is what users install"})
		p := a.people[a.relKeys[i]]
		risky := p != nil && a.risky(p, r.Time)
		key := shortKey(r)
		switch {
		case r.Signed && key != "" && prevKey != "" && key != prevKey:
			sev := finding.Medium
			if risky {
				sev = finding.High
			}
			a.emit(Event{Time: r.Time, Kind: KindSigningKeyChange, Tag: r.Tag, Commit: r.Commit, Person: r.Tagger,
				Severity: sev, Summary: fmt.Sprintf("signed with key %s; %s was signed with %s", key, prevTag, prevKey),
				Why: "users who check signatures must now trust a different key; xz 5.6.0 was the first release signed by the new maintainer"})
		case !r.Signed && prevSigned:
			sev := finding.Medium
			if risky {
				sev = finding.High
			}
			a.emit(Event{Time: r.Time, Kind: KindSigningStopped, Tag: r.Tag, Commit: r.Commit, Person: r.Tagger,
				Severity: sev, Summary: fmt.Sprintf("not signed; %s was", prevTag),
				Why: "a release that breaks the signing practice cannot be tied to the earlier key"})
		}
		if r.Signed {
			if key != "" {
				prevKey = key
			}
			prevTag = r.Tag
		} else {
			prevTag = r.Tag
		}
		prevSigned = r.Signed
	}
}

// nextRelease returns the first release at or after t within the
// release window.
func (a *analysis) nextRelease(t time.Time) *Release {
	i := sort.Search(len(a.releases), func(i int) bool { return !a.releases[i].Time.Before(t) })
	if i < len(a.releases) && a.releases[i].Time.Sub(t) <= a.opt.ReleaseWindow {
		return &a.releases[i]
	}
	return nil
}
