// Package repo reads a project's git history, offline, for the signs of a
// change of hands that preceded the xz-utils backdoor: a newcomer who
// becomes committer and then main committer within a short time, a new
// signing key at a release, moved contacts, build and CI changes by
// newcomers, weakened feature checks, .gitignore lines that hide build
// inputs, and binary "test files" added shortly before a release. It
// also measures the project's health (bus factor, signing practice,
// single-maintainer periods).
//
// The history is streamed from `git log` and `git cat-file --batch`;
// diffs are read only for the few commits a signal needs. git runs with
// the user's and system's configuration ignored and every
// repository setting that could run a program switched off; nothing is
// checked out and no signature is verified (the key named inside the
// signature packet is read, which is what a change of key needs).
//
// The report lists events, not accusations: every healthy hand-over
// produces some of the same events, and the severities say how closely
// the combination resembles the xz pattern.
package repo

import (
	"context"
	"log/slog"
	"time"

	"github.com/vouchdev/vouch/finding"
)

// Notice is the sentence every report carries.
const Notice = "This report lists events recorded in the git history, not accusations: " +
	"people are named as the history names them, and each of these events also happens " +
	"in healthy projects. Severities say how closely the combination resembles the " +
	"xz-utils takeover of 2021-2024."

// Options tunes Analyze. The zero value is usable.
type Options struct {
	// Since hides events before this time. The whole history is still
	// read: who is a newcomer depends on it.
	Since time.Time
	// NewcomerAge is how long after a person's first authored commit
	// their changes to the build, CI and checks are reported as a
	// newcomer's. Default 180 days.
	NewcomerAge time.Duration
	// ReleaseWindow is how long before a tag counts as "shortly before a
	// release" for binary test files. Default 30 days.
	ReleaseWindow time.Duration
	// Now is the time of the analysis, for "last activity"; default the
	// current time.
	Now time.Time
	// Logger receives progress and skipped-input notes; default discard.
	Logger *slog.Logger
}

// Contributor is one person as the history names them, keyed by e-mail
// address (case-insensitively; by name when there is none). Name and
// Email are those of the earliest commit.
type Contributor struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	// FirstAuthored is the author date of their first commit; zero if
	// they only ever committed others' work.
	FirstAuthored time.Time `json:"first_authored,omitzero"`
	// FirstCommitted is the commit date of the first commit they
	// committed themselves: when they had commit rights, or pushed.
	FirstCommitted time.Time `json:"first_committed,omitzero"`
	// LastSeen is the latest date they appear as author or committer.
	LastSeen time.Time `json:"last_seen,omitzero"`
	// Authored and Committed count commits in the history of HEAD and the
	// tags.
	Authored  int `json:"authored"`
	Committed int `json:"committed"`
	// Signed counts the commits they committed that carry a signature.
	Signed int `json:"signed"`
}

// Release is one tag.
type Release struct {
	Tag string `json:"tag"`
	// Commit is the tagged commit; empty if the tag names a tree or blob.
	Commit string `json:"commit"`
	// Time is the tagger date of an annotated tag, otherwise the date of
	// the tagged commit.
	Time time.Time `json:"time,omitzero"`
	// Tagger is "Name <email>" of an annotated tag's tagger.
	Tagger string `json:"tagger,omitempty"`
	// Annotated tells a tag object from a lightweight tag.
	Annotated bool `json:"annotated"`
	// Signed is true when the tag object carries an OpenPGP, SSH or X.509
	// signature; it is not verified.
	Signed bool `json:"signed"`
	// KeyID (OpenPGP 16 hex digits), Fingerprint (OpenPGP hex, or SSH
	// "SHA256:...") and Algorithm are read from the signature itself.
	KeyID       string `json:"key_id,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Algorithm   string `json:"algorithm,omitempty"`
}

// Event kinds.
const (
	KindFirstCommit         = "first-commit"
	KindCommitRights        = "commit-rights"
	KindMainCommitter       = "main-committer"
	KindSigningKeyChange    = "signing-key-change"
	KindSigningStopped      = "signing-stopped"
	KindContactChange       = "contact-change"
	KindBuildByNewcomer     = "build-change-by-newcomer"
	KindCIByNewcomer        = "ci-change-by-newcomer"
	KindCheckWeakened       = "check-weakened"
	KindGitignoreHidesBuild = "gitignore-hides-build-input"
	KindBinaryTestFile      = "binary-test-file"
	KindRelease             = "release"
)

// Event is one dated entry of the timeline.
type Event struct {
	Time time.Time `json:"time"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Commit or Tag locate the event; Path is the file concerned.
	Commit string `json:"commit,omitempty"`
	Tag    string `json:"tag,omitempty"`
	Person string `json:"person,omitempty"`
	Path   string `json:"path,omitempty"`
	// Summary says what happened; Why says why a reviewer would look.
	Summary string `json:"summary"`
	Why     string `json:"why,omitempty"`
	// Severity is Low for context (releases, first commits) and higher
	// the closer the event fits the takeover pattern.
	Severity finding.Severity `json:"severity"`
}

// Signal IDs besides the event kinds, which are also signal IDs.
const (
	SignalTakeover         = "takeover-pattern"
	SignalFastRise         = "fast-rise-to-maintainer"
	SignalBusFactor        = "low-bus-factor"
	SignalNoSignedTags     = "no-signed-tags"
	SignalStale            = "inactive"
	SignalSingleMaintainer = "single-maintainer"
)

// Signal is one raised concern with the evidence behind it, one line per
// event or measurement.
type Signal struct {
	ID       string           `json:"id"`
	Severity finding.Severity `json:"severity"`
	Summary  string           `json:"summary"`
	Evidence []string         `json:"evidence"`
}

// Health summarises the project's maintenance.
type Health struct {
	// BusFactor is how many authors made half of the commits of the year
	// before the last commit; BusFactorAuthors names them.
	BusFactor        int       `json:"bus_factor"`
	BusFactorAuthors []string  `json:"bus_factor_authors"`
	LastCommit       time.Time `json:"last_commit,omitzero"`
	Commits          int       `json:"commits"`
	// SignedCommitShare and SignedTagShare are fractions in [0, 1].
	SignedCommitShare float64 `json:"signed_commit_share"`
	SignedTagShare    float64 `json:"signed_tag_share"`
	// SingleMaintainer lists the periods of a year or more in which one
	// person committed everything.
	SingleMaintainer []Period `json:"single_maintainer_periods"`
}

// Period is a span of time attributed to one person.
type Period struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Person string    `json:"person"`
}

// Report is the result of Analyze.
type Report struct {
	// Repo is the directory analysed; Head the commit HEAD named.
	Repo string `json:"repository"`
	Head string `json:"head"`
	// Contributors in order of first appearance.
	Contributors []Contributor `json:"contributors"`
	// Releases in time order.
	Releases []Release `json:"releases"`
	// Events in time order.
	Events []Event `json:"events"`
	// Signals from the most severe.
	Signals []Signal `json:"signals"`
	Health  Health   `json:"health"`
	// Notice is the Notice constant: events, not accusations.
	Notice string `json:"notice"`
}

// Analyze reads the history of HEAD and every tag of the git repository
// at dir and reports its contributors, releases, notable events and
// signals.
func Analyze(ctx context.Context, dir string, opt Options) (*Report, error) {
	a, err := newAnalysis(dir, opt)
	if err != nil {
		return nil, err
	}
	return a.run(ctx)
}
