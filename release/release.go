// Package release compares a release tarball with the git tree it claims
// to come from and ranks what differs, so that the one file that matters
// stands first among the hundreds a release legitimately adds.
//
// The design case is the xz-utils backdoor (CVE-2024-3094): the tarball
// carried about 200 files git did not, nearly all ordinary autotools
// output; one macro among them (m4/build-to-host.m4) claimed to be
// gnulib's but carried a serial no upstream had, and extracted a payload
// from two binary "test files" that sat in git. So files that look
// generated are checked, not waved through: m4 macros against upstream
// copies, build scripts by content heuristics, the generated configure
// against the macros it came from, and binary test fixtures for hidden
// streams; and the findings of one check feed the others (a build
// script's grep pattern that matches a marker inside a test file, a tr
// map that makes a "corrupt" test file decode).
//
// Nothing is extracted to disk and nothing scanned is executed: the
// tarball is read as a stream (package release/archive), git through its
// plumbing commands without a checkout.
package release

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/release/archive"
	"github.com/vouchdev/vouch/release/fixture"
	"github.com/vouchdev/vouch/release/m4"
	"github.com/vouchdev/vouch/release/script"
)

// Source is the Finding.Source of every finding of this package.
const Source = "release-diff"

// Status is how a path compares between the tarball and git.
type Status string

// Statuses.
const (
	Identical   Status = "identical"
	OnlyGit     Status = "only-git"
	OnlyTarball Status = "only-tarball"
	Different   Status = "different"
)

// Defaults of Options.
const (
	// DefaultMaxAnalyze bounds the bytes of one file kept in memory for
	// content checks; larger files are still hashed and compared.
	DefaultMaxAnalyze = 16 << 20
	// DefaultMaxRetained bounds the bytes kept for the analysis phase over
	// the whole release.
	DefaultMaxRetained = 1 << 30
	// maxEvidence bounds the evidence lines of one finding.
	maxEvidence = 32
)

// Options configure Compare. The zero value works: no m4 reference
// (macros are then checked by content only) and default limits.
type Options struct {
	// Reference holds upstream m4 macros to check shipped ones against.
	Reference *m4.Reference
	// LoadReference, when Reference is nil, loads it while the tarball is
	// read (reading ~900 macro files takes as long as a small release).
	LoadReference func(context.Context) (*m4.Reference, error)
	// Limits bound the archive; zero fields take archive's defaults.
	Limits archive.Limits
	// MaxAnalyze and MaxRetained: see the defaults.
	MaxAnalyze, MaxRetained int64
	// Logger receives debug events; nil discards them.
	Logger *slog.Logger
}

// File is one path of the comparison.
type File struct {
	Path   string `json:"path"`
	Status Status `json:"status"`
	Class  Class  `json:"class"`
	// GeneratedBy names the tool that usually writes a file found only in
	// the tarball ("automake", "gettext", ...), or the git file it is
	// generated from (parse.c from parse.y).
	GeneratedBy string `json:"generated_by,omitempty"`
	// Expected marks differences a release normally has: generated files
	// only in the tarball, CI and housekeeping files only in git.
	Expected bool `json:"expected,omitempty"`
	// Size is the tarball's size of the file, or git's when only in git.
	Size int64 `json:"size"`
	// Added and Removed count changed lines when the file differs.
	Added   int `json:"lines_added,omitempty"`
	Removed int `json:"lines_removed,omitempty"`
	// Severity is the highest finding on the file; "unknown" when none.
	Severity finding.Severity `json:"severity"`
	// Problem is what is unsafe about the archive entry, if anything.
	Problem string `json:"problem,omitempty"`
	// Note says why a check could not run (too large, unreadable).
	Note string `json:"note,omitempty"`
}

// Summary counts the comparison.
type Summary struct {
	Identical        int            `json:"identical"`
	OnlyGit          int            `json:"only_git"`
	OnlyGitExpected  int            `json:"only_git_expected"`
	OnlyTarball      int            `json:"only_tarball"`
	OnlyTarballGen   int            `json:"only_tarball_generated"`
	Different        int            `json:"different"`
	Problems         int            `json:"archive_problems"`
	Findings         int            `json:"findings"`
	BySeverity       map[string]int `json:"by_severity"`
	AnalysedScripts  int            `json:"build_scripts_checked"`
	AnalysedMacros   int            `json:"macros_checked"`
	AnalysedFixtures int            `json:"test_files_checked"`
	ReferenceMacros  int            `json:"reference_macros"`
}

// Report is the result of Compare.
type Report struct {
	Tarball string `json:"tarball"`
	Format  string `json:"format"`
	Prefix  string `json:"prefix"`
	Repo    string `json:"repository"`
	Ref     string `json:"ref"`
	Commit  string `json:"commit"`
	// Findings are ranked: severity, then the weight of the evidence,
	// then the kind of file.
	Findings []finding.Finding `json:"findings"`
	// Files lists every path that is not identical, ranked like the
	// findings, then by path.
	Files   []File  `json:"files"`
	Summary Summary `json:"summary"`
}

// Failing counts findings at or above min.
func (r *Report) Failing(min finding.Severity) int {
	n := 0
	for i := range r.Findings {
		if r.Findings[i].AtLeast(min) {
			n++
		}
	}
	return n
}

// entry is one path under comparison with whatever content was kept.
type entry struct {
	file   File
	git    *GitEntry
	data   []byte // tarball content (or git's when only in git), when kept
	binary bool
	link   string // symlink target in the tarball

	signals []signal
	// analyses kept for cross-references
	script   *script.Analysis
	fixture  *fixture.Result
	ignoreBy *ignoreRule
}

// signal is one reason to look at a file.
type signal struct {
	rule     string
	severity finding.Severity
	summary  string
	line     int
	evidence []string
}

func (e *entry) add(s signal) { e.signals = append(e.signals, s) }

// comparison holds the state of one Compare.
type comparison struct {
	opt      Options
	log      *slog.Logger
	repo     *Repo
	tree     map[string]*GitEntry
	entries  map[string]*entry
	order    []string
	ignores  ignores
	retained int64
	report   *Report

	// What build scripts give the test-file checks.
	maps       []fixture.ByteMap
	seenMap    map[fixture.ByteMap]bool
	markers    []*regexp.Regexp
	markerFrom map[string][]string // pattern → "script:line" that greps for it
	// Test-file names (from git's tree and the tarball) and those some
	// build, test or source file mentions.
	candidates, mentioned map[string]bool
}

// Compare reads the tarball at tarballPath and the tree of ref in the git
// repository at repoDir, and ranks every difference.
func Compare(ctx context.Context, tarballPath, repoDir, ref string, opt Options) (*Report, error) {
	if opt.MaxAnalyze <= 0 {
		opt.MaxAnalyze = DefaultMaxAnalyze
	}
	if opt.MaxRetained <= 0 {
		opt.MaxRetained = DefaultMaxRetained
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	repo, err := OpenRepo(ctx, repoDir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	commit, err := repo.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	tree, err := repo.Tree(ctx, commit)
	if err != nil {
		return nil, err
	}
	c := &comparison{opt: opt, log: log, repo: repo, tree: tree, entries: map[string]*entry{},
		seenMap: map[fixture.ByteMap]bool{}, markerFrom: map[string][]string{},
		candidates: map[string]bool{}, mentioned: map[string]bool{},
		report: &Report{Tarball: tarballPath, Repo: repoDir, Ref: ref, Commit: commit,
			Summary: Summary{BySeverity: map[string]int{}}}}
	type loaded struct {
		ref *m4.Reference
		err error
	}
	refc := make(chan loaded, 1)
	if opt.Reference == nil && opt.LoadReference != nil {
		go func() {
			ref, err := opt.LoadReference(ctx)
			refc <- loaded{ref, err}
		}()
	} else {
		refc <- loaded{opt.Reference, nil}
	}
	for p := range tree {
		if InTestDir(p) {
			c.candidates[path.Base(p)] = true
		}
	}
	if err := c.readIgnores(ctx); err != nil {
		return nil, err
	}
	if err := c.readTarball(ctx, tarballPath); err != nil {
		return nil, err
	}
	if err := c.readGitSide(ctx); err != nil {
		<-refc
		return nil, err
	}
	l := <-refc
	if l.err != nil {
		return nil, l.err
	}
	c.opt.Reference = l.ref
	if l.ref != nil {
		c.report.Summary.ReferenceMacros = l.ref.Len()
	}
	if err := c.analyse(ctx); err != nil {
		return nil, err
	}
	c.finish()
	sum := c.report.Summary
	c.log.Debug("release compared", "tarball", tarballPath, "commit", commit, "identical", sum.Identical,
		"only_tarball", sum.OnlyTarball, "only_git", sum.OnlyGit, "different", sum.Different,
		"findings", sum.Findings, "retained_bytes", c.retained)
	return c.report, nil
}

// readIgnores loads every .gitignore of the tree: a generated file that
// git is told to ignore by name is one nobody regenerating from git sees.
func (c *comparison) readIgnores(ctx context.Context) error {
	for p, g := range c.tree {
		if path.Base(p) != ".gitignore" || g.Symlink() || g.Submodule() {
			continue
		}
		data, err := c.repo.Blob(ctx, g.Object, 1<<20)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				continue
			}
			return err
		}
		c.ignores.add(p, data)
	}
	// Later directories' rules override earlier ones': apply parents first.
	sort.SliceStable(c.ignores.rules, func(i, j int) bool {
		return strings.Count(c.ignores.rules[i].dir, "/")+btoi(c.ignores.rules[i].dir != "") <
			strings.Count(c.ignores.rules[j].dir, "/")+btoi(c.ignores.rules[j].dir != "")
	})
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wantsContent says whether a tarball file's bytes are kept for the
// analysis phase, judged by name before reading: build scripts and test
// code (small, and read by the cross-checks at the end).
func wantsContent(p string) bool {
	switch Classify(p, false) {
	case ClassBuild, ClassTest:
		return true
	}
	return false
}

// job is one archive entry handed from the reading goroutine to the one
// that hashes and analyses it, so that decompression and the checks use
// two cores.
type job struct {
	ae   *archive.Entry
	data []byte // the content, when at most MaxAnalyze bytes (owned by the job)
	sum  string // git's blob id, when the reader hashed a larger file itself
}

// readTarball streams the archive once: this goroutine decompresses and
// reads entries, a second one hashes and checks them in archive order.
func (c *comparison) readTarball(ctx context.Context, tarballPath string) error {
	a, err := archive.Open(ctx, tarballPath, c.opt.Limits)
	if err != nil {
		return err
	}
	defer a.Close()
	c.report.Format = a.Format()
	c.report.Prefix = a.Prefix()

	// A short queue: the reader stays a few files ahead, so memory holds a
	// few files in flight, not the release.
	jobs := make(chan job, 4)
	var failed atomic.Bool
	var werr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for j := range jobs {
			if werr != nil {
				continue // drain
			}
			if werr = c.process(ctx, tarballPath, j); werr != nil {
				failed.Store(true)
			}
		}
	}()
	rerr := c.stream(ctx, tarballPath, a, jobs, &failed)
	close(jobs)
	<-done
	if werr != nil {
		return werr
	}
	return rerr
}

// stream reads the entries and their content into jobs.
func (c *comparison) stream(ctx context.Context, tarballPath string, a *archive.Archive, jobs chan<- job, failed *atomic.Bool) error {
	for !failed.Load() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ae, r, err := a.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if ae.Kind == archive.Dir && ae.Problem == "" {
			continue
		}
		j := job{ae: ae}
		if ae.Kind == archive.Regular && r != nil {
			if ae.Size <= c.opt.MaxAnalyze {
				j.data = make([]byte, ae.Size)
				if _, err := io.ReadFull(r, j.data); err != nil {
					return fmt.Errorf("%s: entry %q: %w", tarballPath, ae.Name, err)
				}
			} else {
				h := c.repo.blobHash(ae.Size)
				n, err := io.Copy(h, r)
				if err != nil {
					return err
				}
				if n != ae.Size {
					return fmt.Errorf("%s: entry %q: read %d bytes, header says %d", tarballPath, ae.Name, n, ae.Size)
				}
				j.sum = hex.EncodeToString(h.Sum(nil))
			}
		}
		jobs <- j
	}
	return nil
}

// process records one entry: its status against git, and the checks that
// can run on it alone.
func (c *comparison) process(ctx context.Context, tarballPath string, j job) error {
	ae := j.ae
	e := c.entries[ae.Name]
	if e == nil {
		e = &entry{file: File{Path: ae.Name, Status: OnlyTarball, Size: ae.Size}}
		c.entries[ae.Name] = e
		c.order = append(c.order, ae.Name)
	}
	if ae.Problem != "" {
		c.report.Summary.Problems++
		e.file.Problem = ae.Problem
		e.add(signal{rule: "archive-entry", severity: problemSeverity(ae.Problem),
			summary:  fmt.Sprintf("archive entry %q: %s", ae.RawName, ae.Problem),
			evidence: []string{strings.TrimSpace(fmt.Sprintf("%s %q %s", ae.Kind, ae.RawName, linkText(ae.Link)))}})
		if ae.Kind != archive.Regular {
			return nil
		}
	}
	switch ae.Kind {
	case archive.Symlink:
		e.link = ae.Link
		return nil
	case archive.Hardlink:
		e.link = ae.Link
		e.file.Note = "hard link to " + ae.Link
		return nil
	case archive.Regular:
	default:
		e.add(signal{rule: "archive-entry", severity: finding.Medium,
			summary:  fmt.Sprintf("archive entry %q is a %s, which a source release has no use for", ae.RawName, ae.Kind),
			evidence: []string{fmt.Sprintf("%s %q", ae.Kind, ae.RawName)}})
		return nil
	}
	data, sum := j.data, j.sum
	if sum == "" {
		h := c.repo.blobHash(int64(len(data)))
		h.Write(data)
		sum = hex.EncodeToString(h.Sum(nil))
	} else {
		e.file.Note = fmt.Sprintf("%d bytes: too large for content checks", ae.Size)
	}
	g := c.tree[ae.Name]
	e.git = g
	if g != nil && !g.Symlink() && !g.Submodule() && g.Object == sum {
		e.file.Status = Identical
	} else if g != nil {
		e.file.Status = Different
	}
	if j.sum != "" {
		return nil
	}
	e.binary = isBinary(data)
	c.noteMentions(ae.Name, data)
	fix := isFixture(ae.Name, data)
	if fix {
		c.candidates[path.Base(ae.Name)] = true
	}
	keep := c.retained+int64(len(data)) <= c.opt.MaxRetained
	switch {
	case fix && len(data) > smallFixture && e.file.Status != Different:
		// Analysed now: keeping every large test file until the end
		// would hold the release in memory.
		return c.analyseFixture(ctx, e, data)
	case e.file.Status != Identical || fix || wantsContent(ae.Name) || looksLikeScript(data):
		if !keep {
			e.file.Note = "not kept for content checks: the release's retained-bytes bound was reached"
			return nil
		}
		e.data = data
		c.retained += int64(len(data))
		return c.analyseScript(ctx, e)
	}
	return nil
}

func linkText(l string) string {
	if l == "" {
		return ""
	}
	return "→ " + l
}

// problemSeverity ranks what is wrong with an archive entry: paths that
// would land outside the extraction directory are an attack on whoever
// unpacks the release.
func problemSeverity(problem string) finding.Severity {
	switch {
	case strings.Contains(problem, archive.ProblemAbsolute), strings.Contains(problem, archive.ProblemDotDot),
		strings.Contains(problem, "escapes"), strings.Contains(problem, "through a symlink"),
		strings.Contains(problem, archive.ProblemLinkOutside):
		return finding.High
	case strings.Contains(problem, archive.ProblemDuplicate), strings.Contains(problem, archive.ProblemSetuid),
		strings.Contains(problem, archive.ProblemSpecial), strings.Contains(problem, archive.ProblemControl):
		return finding.Medium
	}
	return finding.Low
}

// readGitSide records paths only in git, compares symbolic links, and
// fetches what the analysis needs from git: the old side of changed files
// and binary test files missing from the tarball.
func (c *comparison) readGitSide(ctx context.Context) error {
	var onlyGit []string
	for p := range c.tree {
		if _, ok := c.entries[p]; !ok {
			onlyGit = append(onlyGit, p)
		}
	}
	sort.Strings(onlyGit)
	for _, p := range onlyGit {
		if err := ctx.Err(); err != nil {
			return err
		}
		g := c.tree[p]
		e := &entry{git: g, file: File{Path: p, Status: OnlyGit, Size: max(g.Size, 0)}}
		c.entries[p] = e
		c.order = append(c.order, p)
		if InTestDir(p) && !g.Symlink() && !g.Submodule() && g.Size <= c.opt.MaxAnalyze &&
			c.retained+g.Size <= c.opt.MaxRetained {
			data, err := c.repo.Blob(ctx, g.Object, c.opt.MaxAnalyze)
			if err != nil {
				return err
			}
			e.data, e.binary = data, isBinary(data)
			c.retained += int64(len(data))
		}
	}
	for _, p := range c.order {
		e := c.entries[p]
		if e.file.Status == OnlyGit || e.git == nil {
			continue
		}
		g := e.git
		switch {
		case e.link != "" && g.Symlink():
			target, err := c.repo.Blob(ctx, g.Object, 4096)
			if err != nil {
				return err
			}
			if string(target) == e.link {
				e.file.Status = Identical
			} else {
				e.file.Status = Different
				e.add(signal{rule: "changed-link", severity: finding.Medium,
					summary:  "symbolic link points elsewhere than in git",
					evidence: []string{fmt.Sprintf("git: → %s; tarball: → %s", target, e.link)}})
			}
		case e.link != "" || g.Symlink() || g.Submodule():
			e.file.Status = Different
		}
	}
	return nil
}

// looksLikeScript reports whether data starts with a shebang.
func looksLikeScript(data []byte) bool {
	return bytes.HasPrefix(data, []byte("#!"))
}

// isBinary reports whether data is not text: a NUL byte or mostly
// invalid UTF-8 in its first 8 KiB.
func isBinary(data []byte) bool {
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	if utf8.Valid(head) {
		return false
	}
	bad := 0
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	return bad*10 > len(head)
}

// markerPattern compiles a grep pattern found in a build script so it can
// be matched against test files, or nil when Go's regexp cannot express it.
func markerPattern(g script.GrepPattern) *regexp.Regexp {
	if g.Pattern == "" || len(g.Pattern) > 512 {
		return nil
	}
	p := g.Pattern
	if !g.Extended {
		// Basic regular expressions: \{ \} \( \) \| are the operators.
		r := strings.NewReplacer(`\{`, "{", `\}`, "}", `\(`, "(", `\)`, ")", `\|`, "|", `{`, `\{`, `}`, `\}`, `(`, `\(`, `)`, `\)`, `|`, `\|`)
		p = r.Replace(p)
	}
	re, err := regexp.Compile("(?m)" + p)
	if err != nil {
		return nil
	}
	if re.MatchString("") {
		return nil // matches everything: no evidence
	}
	return re
}

// location builds the finding location of a file and line.
func location(p string, line int) []inventory.Location {
	return []inventory.Location{{Path: p, Line: line}}
}
