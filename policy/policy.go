// Package policy is vouch's gate: the vouch.yaml model, the built-in rules
// (approved software, pinning, minimum release age, licences,
// vulnerabilities, malicious packages, unused dependencies), custom rules
// written in CEL, and exceptions that expire. Evaluate turns a dependency
// graph, the findings matched against it and registry metadata into one
// decision per rule and component, each with a reason a person can act on;
// the schema is documented in docs/policy.md.
//
// The package does no network I/O: release times, unused dependencies and
// findings come in through Input, gathered by the caller (packages
// registry, usage and match). It reads only the policy file itself.
package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchdev/vouch/finding"
)

// FileNames are the names Find looks for, in order of preference.
var FileNames = []string{"vouch.yaml", ".vouch.yaml"}

// MaxPolicySize bounds the policy file; real policies are a few kilobytes.
const MaxPolicySize = 1 << 20

// Error is a problem with a policy file, at the line and column (1-based,
// 0 when unknown) where it was found.
type Error struct {
	// Path is the policy file as given to Load or Parse.
	Path string
	Line int
	Col  int
	// Msg says what is wrong, prefixed with the key's path
	// ("min_release_age.default: ...").
	Msg string
	// Err is the underlying cause when there is one (a read error).
	Err error
}

// Error formats the error as path:line:col: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the cause, so callers can test for fs.ErrNotExist.
func (e *Error) Unwrap() error { return e.Err }

// Action is what a rule does with a component that breaks it: fail the
// gate or only warn. Settings for unknown data (an unknown release time,
// no licence) may also say pass.
type Action string

// Actions.
const (
	ActionFail Action = "fail"
	ActionWarn Action = "warn"
	ActionPass Action = "pass"
)

// String returns the action's name; the zero Action (in a Policy built
// in Go rather than parsed) is fail, the safe side.
func (a Action) String() string {
	if a == "" {
		return string(ActionFail)
	}
	return string(a)
}

// outcome turns an action into the outcome of a broken rule.
func (a Action) outcome() Outcome {
	switch a {
	case ActionWarn:
		return Warn
	case ActionPass:
		return Pass
	}
	return Fail
}

// Policy is a parsed vouch.yaml. A nil section leaves its rule off; the
// malicious-package rule has no section and is always on.
type Policy struct {
	// Path is the file the policy was read from, as given to Load or Parse.
	Path string
	// Version is the schema version; only 1 exists.
	Version int

	Approved        *ApprovedRule
	Pinning         *PinningRule
	MinReleaseAge   *ReleaseAgeRule
	Licenses        *LicenseRule
	Vulnerabilities *VulnerabilityRule
	Unused          *UnusedRule
	// Rules are the custom CEL rules, in file order.
	Rules []*CustomRule
	// Exceptions are in file order; the first that matches a decision
	// applies.
	Exceptions []Exception

	exceptions []compiledException
}

// ApprovedRule is the library of approved software: which components may
// be used at all.
type ApprovedRule struct {
	// Mode is "allowlist" (only what Allow names is approved) or
	// "denylist" (everything but what Deny names is).
	Mode string
	// Allow and Deny are component patterns; a component matching Deny is
	// denied even when Allow names it too.
	Allow, Deny []*Pattern
	// Severity ranks a violation; Action says whether it fails the gate.
	Severity finding.Severity
	Action   Action
	// Line is where the section starts in the policy file.
	Line int
}

// PinningRule asks for reproducible, verifiable dependency resolution.
type PinningRule struct {
	// RequireLockfile asks for a lockfile beside every manifest.
	RequireLockfile bool
	// ExactVersions fails components declared as a range.
	ExactVersions bool
	// Integrity fails components without a recorded hash.
	Integrity bool
	// AllowUnhashedSources lets components from git, a URL or a path
	// (Component.Source) pass Integrity without a hash.
	AllowUnhashedSources bool
	// ActionsPinnedSHA fails GitHub Actions not pinned to a full commit
	// SHA and Docker images (docker:// references) without a digest.
	ActionsPinnedSHA bool
	// Ecosystems override the settings above per ecosystem.
	Ecosystems map[string]PinningOverride
	// Severity ranks a violation; Action says whether it fails the gate.
	Severity finding.Severity
	Action   Action
	// Line is where the section starts in the policy file.
	Line int
}

// PinningOverride holds the per-ecosystem pinning settings; nil fields
// keep the rule's own.
type PinningOverride struct {
	RequireLockfile      *bool
	ExactVersions        *bool
	Integrity            *bool
	AllowUnhashedSources *bool
}

// ReleaseAgeRule asks that every resolved version has been public for a
// while, so that a compromised release is found and pulled before a
// project takes it.
type ReleaseAgeRule struct {
	// Default applies to every ecosystem without its own entry; 0 for none.
	Default time.Duration
	// Ecosystems give per-ecosystem minimums; 0 turns the rule off there.
	Ecosystems map[string]time.Duration
	// OnUnknown is the outcome when a release time is unknown.
	OnUnknown Action
	// Exempt components are not checked (a project's own packages).
	Exempt []*Pattern
	// Severity ranks a violation; Action says whether it fails the gate.
	Severity finding.Severity
	Action   Action
	// Line is where the section starts in the policy file.
	Line int
}

// LicenseRule asks that every component's licence is acceptable.
type LicenseRule struct {
	// Allow, when not empty, is the only licences accepted. Entries are
	// SPDX ids, "LicenseRef-…", "ID WITH EXCEPTION" pairs, or globs.
	Allow []string
	// Deny lists licences never accepted.
	Deny []string
	// Unknown is the outcome for a component with no licence recorded,
	// and for one whose licence is not an SPDX expression.
	Unknown Action
	// Ecosystems override Unknown per ecosystem.
	Ecosystems map[string]Action
	// Severity ranks a violation; Action says whether it fails the gate.
	Severity finding.Severity
	Action   Action
	// Line is where the section starts in the policy file.
	Line int

	lists licenseLists
}

// VulnerabilityRule decides which vulnerability findings fail the gate.
type VulnerabilityRule struct {
	// FailOn is the lowest severity that fails.
	FailOn finding.Severity
	// OnlyWithFix fails only findings with a fixed version to move to.
	OnlyWithFix bool
	// MinAdvisoryAge ignores advisories younger than this, a triage window.
	MinAdvisoryAge time.Duration
	// Ignore lists advisory ids (or aliases) never failed.
	Ignore []string
	// UnknownSeverity is the outcome for a finding nobody scored, which
	// FailOn alone would let pass.
	UnknownSeverity Action
	// Action says whether a violation fails the gate.
	Action Action
	// Line is where the section starts in the policy file.
	Line int
}

// UnusedRule reports dependencies declared but never imported.
type UnusedRule struct {
	// Ignore lists components that are used without being imported
	// (plugins, type packages, CLIs run by scripts).
	Ignore []*Pattern
	// Severity ranks a violation; Action says whether it fails the gate.
	Severity finding.Severity
	Action   Action
	// Line is where the section starts in the policy file.
	Line int
}

// Exception lets one rule's failures for matching components pass until a
// date, with a reason and an owner to ask about it.
type Exception struct {
	// Rule is the rule name a decision carries ("min-release-age",
	// "custom:no-beta").
	Rule string `json:"rule"`
	// Component is a component pattern, or for file-level rules
	// (lockfile, actions-pinned on a file) a glob over the file path.
	Component string `json:"component"`
	// Finding, when set, narrows a vulnerability or malicious exception
	// to one advisory id or alias.
	Finding string `json:"finding,omitempty"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
	// Expires is the last day the exception applies (UTC).
	Expires time.Time `json:"expires"`
	// Line is where the exception starts in the policy file.
	Line int `json:"line"`
}

// compiledException is an exception with its pattern parsed.
type compiledException struct {
	pattern *Pattern // nil for a path glob
	glob    string   // lower-case path glob, for file-level rules
	invalid bool     // a hand-built exception whose pattern does not parse
}

// compileException reads an exception's component: a PURL pattern, or a
// path glob for file-level rules.
func compileException(x Exception) compiledException {
	text := strings.TrimSpace(x.Component)
	if _, ok := cutPrefixFold(text, "pkg:"); !ok {
		return compiledException{glob: strings.ToLower(text), invalid: text == ""}
	}
	pat, err := ParsePattern(text)
	if err != nil {
		return compiledException{invalid: true}
	}
	return compiledException{pattern: pat}
}

// Find looks for vouch.yaml or .vouch.yaml in start (a directory, or the
// directory of a file) and then in each parent, stopping after a
// directory holding .git (the repository's top) or at the filesystem
// root. It returns "" when there is none. The path it returns is start
// joined with the relative way up, so relative input gives a relative
// path for messages.
func Find(start string) (string, error) {
	dir := filepath.Clean(start)
	info, err := os.Stat(dir)
	if err != nil {
		return "", &Error{Path: start, Msg: "find policy: " + errMsg(err), Err: err}
	}
	if !info.IsDir() {
		dir = filepath.Dir(dir)
	}
	for {
		var found []string
		for _, name := range FileNames {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				found = append(found, p)
			}
		}
		if len(found) > 1 {
			return "", &Error{Path: found[0], Msg: fmt.Sprintf("both %s and %s exist; keep one", FileNames[0], FileNames[1])}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Join(dir, "..")
		if sameDir(dir, parent) {
			return "", nil
		}
		dir = parent
	}
}

// sameDir reports whether a and b are the same directory, which is how
// the walk up recognises the filesystem root.
func sameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return true
	}
	return aa == bb
}

// Load reads and parses the policy at path. Every error is an *Error.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: "read policy: " + errMsg(err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicySize+1))
	if err != nil {
		return nil, &Error{Path: path, Msg: "read policy: " + errMsg(err), Err: err}
	}
	return Parse(path, data)
}

// errMsg strips the path an *fs.PathError repeats.
func errMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
