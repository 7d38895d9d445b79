package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Input is everything a policy is evaluated over. The caller gathers it:
// the graph from the walk, findings from matching, release times from
// package registry, unused dependencies from package usage.
type Input struct {
	Graph *inventory.Graph
	// Findings from matching (vulnerabilities, malicious packages); other
	// kinds are visible to custom rules only.
	Findings []finding.Finding
	// Published holds release times by component PURL. A component of an
	// ecosystem registry times are fetched for (RegistryEcosystems) with
	// no entry, or an entry not Known, has an unknown age.
	Published map[string]PublishInfo
	// AdvisoryPublished holds when advisories were published, by advisory
	// id or alias, for vulnerabilities.min_advisory_age (finding.Finding
	// carries no such time). A finding with no entry counts as old enough.
	AdvisoryPublished map[string]time.Time
	// Brief counts passing decisions about components in
	// Result.OmittedPasses instead of listing them, with no reason made:
	// a gate that only counts its passes (vouch scan, vouch policy check)
	// is spared thousands of decisions nobody reads. vouch policy
	// explain, which shows them, leaves it false.
	Brief bool
	// Unused lists dependencies declared but never imported.
	Unused []Unused
	// Files is every file the walk saw, slash-separated and relative to
	// the scanned root: the lockfile rule looks for lockfiles among them.
	Files []string
	// Now is the time ages and expiries are measured at; zero means the
	// current time.
	Now time.Time
}

// PublishInfo is when one component version was released, from registry
// metadata.
type PublishInfo struct {
	Time time.Time
	// Known is false when the registry (or the offline cache) had no
	// answer; Err then says why, for the decision's reason.
	Known bool
	Err   string
}

// Unused is a dependency a manifest declares that the project's own
// source never imports.
type Unused struct {
	PURL      string
	Name      string
	Ecosystem string
	// Manifest is where it is declared.
	Manifest inventory.Location
}

// RegistryEcosystems are the ecosystems whose release times package
// registry fetches; in others (OS packages, GitHub Actions) the minimum
// release age is not checked unless Input.Published has an entry.
var RegistryEcosystems = []string{purl.NPM, purl.Go, purl.PyPI, purl.CratesIO}

// osEcosystems hold installed system packages, verified by their package
// manager and versioned by the distribution: the exact-version and
// integrity rules are for project dependencies and skip them unless the
// policy sets them for the ecosystem explicitly.
var osEcosystems = map[string]bool{purl.Debian: true, purl.Ubuntu: true, purl.Alpine: true, purl.RedHat: true,
	purl.RockyLinux: true, purl.AlmaLinux: true, purl.OpenSUSE: true, purl.SUSE: true, purl.OpenEuler: true,
	purl.Mageia: true, purl.AzureLinux: true, purl.PhotonOS: true}

// Outcome is what a rule decided for one component or file.
type Outcome string

// Outcomes.
const (
	Pass     Outcome = "pass"
	Fail     Outcome = "fail"
	Warn     Outcome = "warn"
	Excepted Outcome = "excepted" // would have failed or warned; an exception applies
)

// Decision is one rule's verdict on one component, finding or file.
type Decision struct {
	// Rule names the rule: "approved", "denied", "lockfile", "pinned",
	// "integrity", "actions-pinned", "min-release-age", "license",
	// "vulnerability", "malicious", "unused", "custom:NAME", or
	// "exception" for a warning about an exception itself.
	Rule    string  `json:"rule"`
	Outcome Outcome `json:"outcome"`
	// Component is the PURL, or "" for decisions about a file.
	Component string `json:"component,omitempty"`
	// Name, Version and Ecosystem are the component's; for a file-level
	// decision Name is the file (or docker image) and Ecosystem the one
	// the file belongs to.
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Ecosystem string `json:"ecosystem,omitempty"`
	// Reason says what the rule wants and what was found.
	Reason string `json:"reason"`
	// Severity is the violation's, from the rule's severity setting (the
	// advisory's for vulnerabilities).
	Severity finding.Severity `json:"severity"`
	// Locations are where the component is declared or locked, or the
	// file. They share storage with the graph's component: read only.
	Locations []inventory.Location `json:"locations,omitempty"`
	// Exception is the exception that applied, when Outcome is excepted.
	Exception *Exception `json:"exception,omitempty"`
	// Finding is the advisory id, for vulnerability and malicious rules.
	Finding string `json:"finding,omitempty"`
}

// Result is a policy evaluation.
type Result struct {
	// Decisions holds every decision, passes included (unless
	// Input.Brief left them out), ordered by component (file-level
	// decisions first, by path), then rule.
	Decisions []Decision `json:"decisions"`
	// OmittedPasses counts the passing decisions about components that
	// Input.Brief left out of Decisions.
	OmittedPasses int `json:"omitted_passes,omitempty"`
	// Violations are the failed decisions, most severe first, then by
	// rule and component.
	Violations []Decision `json:"violations"`
	// Warnings are decisions that warn, plus excepted malicious packages
	// (reported whatever the exception says) and exceptions that run more
	// than a year, in the order of Violations.
	Warnings []Decision `json:"warnings"`
	// Expired exceptions no longer apply; the failures they covered fail.
	Expired []Exception `json:"expired"`
	// Stale exceptions are in force but matched nothing to except.
	Stale []Exception `json:"stale"`
	// Pass is true when there are no violations.
	Pass bool `json:"pass"`
}

// item is a decision under construction, with what exception matching
// needs beside it.
type item struct {
	d       Decision
	subj    *subject // the component, nil for file-level decisions
	aliases []string // the finding's aliases
	rank    int      // rule order for sorting
}

type evaluation struct {
	p   *Policy
	in  *Input
	now time.Time
	// items are the decisions about graph components, made component by
	// component in PURL order and each component's in rule order, so the
	// result needs no global sort. files are decisions about files;
	// orphans are about components the graph does not hold (a finding or
	// unused dependency reported for one).
	items, files, orphans []item
	// parts are the component decisions in component order: items, or
	// the items of each fork that decided a part of a large graph.
	parts [][]item
	// omitted counts the passes Brief left out.
	omitted int
	ranks   map[string]int
	// exc and lists are the policy's compiled exceptions and licence
	// lists, compiled here when the Policy was built by hand.
	exc   []compiledException
	lists licenseLists
	// wants caches the minimum-age clause of reasons by ecosystem.
	wants map[string]string
	// hashReasons caches integrity reasons by hash algorithm.
	hashReasons map[string]string
	// vars are the CEL variables, refilled for each component.
	vars celVars
	// licenses caches the verdict on each licence expression: a graph
	// repeats a few dozen expressions over thousands of components.
	licenses map[string]licenseResult
}

// licenseResult is the cached verdict on one licence expression.
type licenseResult struct {
	op      string // the top operator, "" for a single licence
	verdict licenseVerdict
	err     error
}

// Evaluate applies the policy to in. It fails only when ctx is done;
// everything the rules cannot decide becomes a decision saying why. It
// does not modify p or in, so one policy may be evaluated concurrently.
func (p *Policy) Evaluate(ctx context.Context, in Input) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := &evaluation{p: p, in: &in, now: in.Now, ranks: map[string]int{}}
	if e.now.IsZero() {
		e.now = time.Now().UTC()
	}
	for i, r := range p.Rules {
		e.ranks[customPrefix+r.Name] = customRuleRankBase + i
	}
	e.ranks[RuleException] = 2 * customRuleRankBase
	e.exc = p.exceptions
	if len(e.exc) != len(p.Exceptions) {
		e.exc = make([]compiledException, len(p.Exceptions))
		for i, x := range p.Exceptions {
			e.exc[i] = compileException(x)
		}
	}
	if r := p.Licenses; r != nil {
		e.lists = r.lists
		if e.lists.allow == nil && e.lists.deny == nil {
			e.lists = licenseLists{allow: newLicenseList(r.Allow), deny: newLicenseList(r.Deny)}
		}
	}
	var comps []*inventory.Component
	if in.Graph != nil {
		comps = in.Graph.Components()
	}
	inGraph := func(p string) bool { return in.Graph != nil && in.Graph.Component(p) != nil }
	byComp := map[string][]*finding.Finding{}
	for i := range in.Findings {
		f := &in.Findings[i]
		switch {
		case f.Component == "":
			e.finding(f, &e.files)
		case inGraph(f.Component):
			byComp[f.Component] = append(byComp[f.Component], f)
		default:
			e.finding(f, &e.orphans)
		}
	}
	unusedBy := map[string][]*Unused{}
	for i := range in.Unused {
		u := &in.Unused[i]
		if inGraph(u.PURL) {
			unusedBy[u.PURL] = append(unusedBy[u.PURL], u)
		} else {
			e.unused(u, &e.orphans)
		}
	}
	e.lockfiles()
	if err := e.components(ctx, comps, byComp, unusedBy); err != nil {
		return nil, err
	}
	expired, stale := e.exceptions()
	return e.result(expired, stale), nil
}

// parallelMin is the number of components from which the per-component
// rules run on several goroutines: they are independent, and a gate of
// thousands of components otherwise spends its time on one core while
// the others idle.
const parallelMin = 512

// components decides every per-component rule into e.parts, in
// component order. Large graphs are split into contiguous parts, each
// decided by a fork of e, and the parts kept in order, so the result is
// the same as one goroutine's.
func (e *evaluation) components(ctx context.Context, comps []*inventory.Component, byComp map[string][]*finding.Finding, unusedBy map[string][]*Unused) error {
	workers := 1
	if len(comps) >= parallelMin {
		workers = min(runtime.GOMAXPROCS(0), 8, len(comps)/(parallelMin/2))
	}
	if workers <= 1 {
		e.items = slices.Grow(e.items, e.capacity(len(comps)))
		err := e.decide(ctx, comps, byComp, unusedBy)
		e.parts = [][]item{e.items}
		return err
	}
	forks := make([]*evaluation, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(comps) + workers - 1) / workers
	for i := range workers {
		part := comps[min(i*per, len(comps)):min((i+1)*per, len(comps))]
		f := e.fork(len(part))
		forks[i] = f
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.decide(ctx, part, byComp, unusedBy)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return ctx.Err()
	}
	for _, f := range forks {
		e.parts = append(e.parts, f.items)
		e.omitted += f.omitted
	}
	return nil
}

// capacity is the room for the decisions about n components: every rule's
// for each, or, when Brief drops passes, a guess at the failures.
func (e *evaluation) capacity(n int) int {
	extra := len(e.in.Findings) + len(e.in.Unused)
	if e.in.Brief {
		return n/8 + extra
	}
	return n*e.perComponent() + extra
}

// fork returns an evaluation sharing e's policy, input and compiled
// lists, with its own decisions, caches and CEL variables.
func (e *evaluation) fork(comps int) *evaluation {
	return &evaluation{p: e.p, in: e.in, now: e.now, ranks: e.ranks, exc: e.exc, lists: e.lists,
		items: make([]item, 0, e.capacity(comps))}
}

// decide appends the decisions about comps to e.items.
func (e *evaluation) decide(ctx context.Context, comps []*inventory.Component, byComp map[string][]*finding.Finding, unusedBy map[string][]*Unused) error {
	for i, c := range comps {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s := newSubject(c)
		e.approved(s)
		e.pinning(s)
		e.actionsPinned(s)
		e.releaseAge(s)
		e.license(s)
		start := len(e.items)
		for _, f := range byComp[c.PURL] {
			e.finding(f, &e.items)
		}
		if found := e.items[start:]; len(found) > 1 {
			// Rules come in rank order; only findings need sorting.
			slices.SortStableFunc(found, func(a, b item) int { return itemOrder(&a, &b) })
		}
		for _, u := range unusedBy[c.PURL] {
			e.unused(u, &e.items)
		}
		e.custom(s, byComp[c.PURL])
	}
	return nil
}

// finding decides a vulnerability or malicious finding into dst.
func (e *evaluation) finding(f *finding.Finding, dst *[]item) {
	switch f.Kind {
	case finding.Vulnerability:
		if it, ok := e.vulnerability(f); ok {
			*dst = append(*dst, it)
		}
	case finding.Malicious:
		*dst = append(*dst, e.malicious(f))
	}
}

// itemOrder is the order of Result.Decisions: by component (decisions
// about files first, by path), then rule, advisory and name.
func itemOrder(a, b *item) int {
	return cmp.Or(
		strings.Compare(a.d.Component, b.d.Component),
		filePathCompare(a.d, b.d),
		cmp.Compare(a.rank, b.rank),
		strings.Compare(a.d.Finding, b.d.Finding),
		strings.Compare(a.d.Name, b.d.Name),
	)
}

// rank orders rules: built-in rules in the order of builtinRules, custom
// rules after them in file order, exception warnings last. Built-in names
// are found without hashing, as rank runs for every decision.
func (e *evaluation) rank(rule string) int {
	if i := slices.Index(builtinRules, rule); i >= 0 {
		return i
	}
	return e.ranks[rule]
}

// perComponent estimates decisions per component, to size the slice once.
func (e *evaluation) perComponent() int {
	n := len(e.p.Rules)
	for _, on := range []bool{e.p.Approved != nil, e.p.Pinning != nil, e.p.Pinning != nil, e.p.MinReleaseAge != nil, e.p.Licenses != nil} {
		if on {
			n++
		}
	}
	return n
}

// add records a decision about a component.
func (e *evaluation) add(s *subject, rule string, out Outcome, sev finding.Severity, reason string) {
	if out == Pass && e.in.Brief {
		e.omitted++
		return
	}
	c := s.c
	e.items = append(e.items, item{
		d: Decision{
			Rule: rule, Outcome: out, Component: c.PURL, Name: c.Name, Version: c.Version,
			Ecosystem: c.Ecosystem, Reason: reason, Severity: sev, Locations: c.Locations,
		},
		subj: s,
		rank: e.rank(rule),
	})
}

// addFile records a decision about a file.
func (e *evaluation) addFile(rule, name, eco, file string, out Outcome, sev finding.Severity, reason string) {
	e.files = append(e.files, item{
		d: Decision{
			Rule: rule, Outcome: out, Name: name, Ecosystem: eco, Reason: reason, Severity: sev,
			Locations: []inventory.Location{{Path: file}},
		},
		rank: e.rank(rule),
	})
}

// lookupEcosystem finds a per-ecosystem setting: the key naming the
// ecosystem with its release ("Debian:12") first, then its base, both
// case-insensitively.
func lookupEcosystem[V any](m map[string]V, eco string) (V, bool) {
	var zero V
	if len(m) == 0 || eco == "" {
		return zero, false
	}
	base := ecosystemBase(eco)
	var baseV V
	haveBase := false
	for k, v := range m {
		if strings.EqualFold(k, eco) {
			return v, true
		}
		if strings.EqualFold(k, base) {
			baseV, haveBase = v, true
		}
	}
	return baseV, haveBase
}

// approved decides the approved-software rule: deny patterns first, then,
// in allowlist mode, the allow patterns.
func (e *evaluation) approved(s *subject) {
	r := e.p.Approved
	if r == nil {
		return
	}
	for _, pat := range r.Deny {
		if pat.match(s) {
			e.add(s, RuleDenied, r.Action.outcome(), r.Severity,
				fmt.Sprintf("matches deny pattern %s (%s)", pat.Text, e.where(pat.Line)))
			return
		}
	}
	if r.Mode != "allowlist" {
		e.add(s, RuleDenied, Pass, r.Severity, "not on the deny list")
		return
	}
	for _, pat := range r.Allow {
		if pat.match(s) {
			reason := ""
			if !e.in.Brief {
				reason = fmt.Sprintf("approved by %s (%s)", pat.Text, e.where(pat.Line))
			}
			e.add(s, RuleApproved, Pass, r.Severity, reason)
			return
		}
	}
	e.add(s, RuleApproved, r.Action.outcome(), r.Severity,
		"not on the allow list; the policy approves only listed software (mode: allowlist)")
}

// where names a policy line for reasons.
func (e *evaluation) where(line int) string {
	if line <= 0 {
		return e.p.Path
	}
	return fmt.Sprintf("%s:%d", e.p.Path, line)
}

// pinSettings are the pinning settings in force for one ecosystem.
type pinSettings struct {
	lockfile, exact, integrity, unhashed bool
}

func (r *PinningRule) settings(eco string) pinSettings {
	ps := pinSettings{r.RequireLockfile, r.ExactVersions, r.Integrity, r.AllowUnhashedSources}
	if osEcosystems[ecosystemBase(eco)] {
		ps.exact, ps.integrity = false, false
	}
	if o, ok := lookupEcosystem(r.Ecosystems, eco); ok {
		set := func(dst *bool, src *bool) {
			if src != nil {
				*dst = *src
			}
		}
		set(&ps.lockfile, o.RequireLockfile)
		set(&ps.exact, o.ExactVersions)
		set(&ps.integrity, o.Integrity)
		set(&ps.unhashed, o.AllowUnhashedSources)
	}
	return ps
}

// pinning decides the exact-version and integrity rules for a component.
// GitHub Actions are pinned by commit and Docker images by digest instead
// (actionsPinned).
func (e *evaluation) pinning(s *subject) {
	r := e.p.Pinning
	c := s.c
	if r == nil || c.Ecosystem == purl.Actions || c.Ecosystem == purl.Docker {
		return
	}
	ps := r.settings(c.Ecosystem)
	fail := r.Action.outcome()
	if ps.exact {
		switch {
		case c.Unpinned:
			e.add(s, RulePinned, fail, r.Severity, "declared as a version range, not one exact version; the policy wants exact versions")
		case c.Version == "":
			e.add(s, RulePinned, fail, r.Severity, "no version recorded; the policy wants exact versions")
		case e.in.Brief:
			e.add(s, RulePinned, Pass, r.Severity, "")
		default:
			e.add(s, RulePinned, Pass, r.Severity, "pinned at "+c.Version)
		}
	}
	if ps.integrity {
		switch {
		case goStdlib(c):
			e.add(s, RuleIntegrity, Pass, r.Severity, "the Go standard library comes with the toolchain, not from a module download: there is no module hash to record")
		case len(c.Hashes) == 1 || len(c.Hashes) == 2 && c.Hashes[0].Algorithm == c.Hashes[1].Algorithm:
			// The common case, one algorithm: its reason is made once.
			alg := c.Hashes[0].Algorithm
			reason, ok := e.hashReasons[alg]
			if !ok {
				reason = "integrity hash recorded (" + alg + ")"
				if e.hashReasons == nil {
					e.hashReasons = map[string]string{}
				}
				e.hashReasons[alg] = reason
			}
			e.add(s, RuleIntegrity, Pass, r.Severity, reason)
		case len(c.Hashes) > 0 && e.in.Brief:
			e.add(s, RuleIntegrity, Pass, r.Severity, "")
		case len(c.Hashes) > 0:
			algs := make([]string, 0, len(c.Hashes))
			for _, h := range c.Hashes {
				if !slices.Contains(algs, h.Algorithm) {
					algs = append(algs, h.Algorithm)
				}
			}
			e.add(s, RuleIntegrity, Pass, r.Severity, "integrity hash recorded ("+strings.Join(algs, ", ")+")")
		case c.Source != "" && ps.unhashed:
			e.add(s, RuleIntegrity, Pass, r.Severity, fmt.Sprintf("comes from %s with no hash; the policy allows unhashed sources", clip(c.Source, 200)))
		case c.Source != "":
			e.add(s, RuleIntegrity, fail, r.Severity, fmt.Sprintf("comes from %s with no hash recorded; the policy wants integrity hashes (allow_unhashed_sources is off)", clip(c.Source, 200)))
		default:
			e.add(s, RuleIntegrity, fail, r.Severity, "no integrity hash recorded; the policy wants one for every package")
		}
	}
}

// isFullSHA reports whether v is a full git commit id (SHA-1 or SHA-256).
func isFullSHA(v string) bool {
	if len(v) != 40 && len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// actionsPinned decides whether a GitHub Action is pinned to a full
// commit SHA, and a Docker image (a workflow's docker:// reference) to a
// digest: a tag or branch can be moved to other code by whoever controls
// the repository, as happened to tj-actions/changed-files, and an image
// tag by whoever can push to the image's repository.
func (e *evaluation) actionsPinned(s *subject) {
	r := e.p.Pinning
	c := s.c
	if r == nil || !r.ActionsPinnedSHA {
		return
	}
	switch c.Ecosystem {
	case purl.Actions:
	case purl.Docker:
		e.imagePinned(s)
		return
	default:
		return
	}
	kind := c.Properties["vcs_ref_kind"]
	if kind == "" && isFullSHA(c.Version) {
		kind = "sha"
	}
	ref := c.Name + "@" + c.Version
	switch {
	case kind == "sha" && isFullSHA(c.Version):
		reason := "pinned to commit " + c.Version
		if comment := c.Properties["vcs_ref_comment"]; comment != "" {
			reason += " (" + clip(comment, 60) + ")"
		}
		e.add(s, RuleActionsPinned, Pass, r.Severity, reason)
	case kind == "sha":
		e.add(s, RuleActionsPinned, r.Action.outcome(), r.Severity,
			fmt.Sprintf("uses %s, an abbreviated commit; the policy wants the full commit SHA", ref))
	default:
		what := "a ref"
		switch kind {
		case "tag":
			what = "a tag"
		case "branch":
			what = "a branch"
		}
		e.add(s, RuleActionsPinned, r.Action.outcome(), r.Severity,
			fmt.Sprintf("uses %s, %s that can be moved to other code; the policy wants a full commit SHA", ref, what))
	}
}

// imagePinned decides the actions-pinned rule for a Docker image: pinned
// only by a digest, whatever vcs_ref_kind says (an image may come from an
// SBOM, not extract/ghactions).
func (e *evaluation) imagePinned(s *subject) {
	r := e.p.Pinning
	c := s.c
	if isImageDigest(c.Version) {
		reason := "pinned by digest " + c.Version
		if tag := c.Properties["docker_tag"]; tag != "" {
			reason += " (tag " + clip(tag, 60) + ")"
		}
		e.add(s, RuleActionsPinned, Pass, r.Severity, reason)
		return
	}
	ref := "docker://" + c.Name
	switch {
	case strings.Contains(c.Version, ":"):
		ref += "@" + c.Version
	case c.Version != "":
		ref += ":" + c.Version
	}
	e.add(s, RuleActionsPinned, r.Action.outcome(), r.Severity,
		fmt.Sprintf("%s has no digest; the policy wants images pinned with @sha256:…", clip(ref, 200)))
}

// isImageDigest reports whether v is an image digest a registry checks:
// "sha256:" and 64 hex digits, or "sha512:" and 128.
func isImageDigest(v string) bool {
	alg, hex, _ := strings.Cut(v, ":")
	switch {
	case alg == "sha256" && len(hex) == 64, alg == "sha512" && len(hex) == 128:
	default:
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// lockSpec says which lockfiles lock a manifest. Workspace ecosystems
// (npm, pnpm, yarn, Cargo, uv) keep one lockfile at the workspace's top,
// so for them a lockfile in a parent directory counts too.
type lockSpec struct {
	eco       string
	locks     []string
	workspace bool
}

var lockSpecs = map[string]lockSpec{
	"package.json":   {purl.NPM, []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"}, true},
	"pyproject.toml": {purl.PyPI, []string{"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"}, true},
	"Pipfile":        {purl.PyPI, []string{"Pipfile.lock"}, false},
	"go.mod":         {purl.Go, []string{"go.sum"}, false},
	"Cargo.toml":     {purl.CratesIO, []string{"Cargo.lock"}, true},
	"Gemfile":        {purl.RubyGems, []string{"Gemfile.lock"}, false},
	"gems.rb":        {purl.RubyGems, []string{"gems.locked"}, false},
	"composer.json":  {purl.Packagist, []string{"composer.lock"}, false},
}

// skipDirs hold other projects' manifests (installed packages, vendored
// code, test fixtures), not the project's own.
var skipDirs = []string{"node_modules", "vendor", "testdata"}

// lockfiles decides the lockfile rule for every manifest the walk saw.
func (e *evaluation) lockfiles() {
	r := e.p.Pinning
	if r == nil {
		return
	}
	files := make(map[string]bool, len(e.in.Files))
	for _, f := range e.in.Files {
		files[strings.TrimPrefix(path.Clean(f), "./")] = true
	}
	manifests := make([]string, 0)
	for f := range files {
		if _, ok := lockSpecs[path.Base(f)]; ok {
			manifests = append(manifests, f)
		}
	}
	slices.Sort(manifests)
outer:
	for _, m := range manifests {
		for _, seg := range strings.Split(path.Dir(m), "/") {
			if slices.Contains(skipDirs, seg) {
				continue outer
			}
		}
		spec := lockSpecs[path.Base(m)]
		if !r.settings(spec.eco).lockfile {
			continue
		}
		if lock := findLock(files, m, spec); lock != "" {
			e.addFile(RuleLockfile, m, spec.eco, m, Pass, r.Severity, lock+" locks "+m)
			continue
		}
		if e.in.Graph != nil && e.in.Graph.Root(m) != nil && len(e.in.Graph.Children(m)) == 0 {
			e.addFile(RuleLockfile, m, spec.eco, m, Pass, r.Severity, m+" declares no dependencies, so needs no lockfile")
			continue
		}
		where := "beside it"
		if spec.workspace {
			where = "beside it or in a parent directory"
		}
		e.addFile(RuleLockfile, m, spec.eco, m, r.Action.outcome(), r.Severity,
			fmt.Sprintf("%s has no lockfile %s (%s); the policy requires a lockfile for every manifest", m, where, orList(spec.locks)))
	}
}

// findLock returns the lockfile that locks manifest m, or "".
func findLock(files map[string]bool, m string, spec lockSpec) string {
	dir := path.Dir(m)
	for {
		for _, l := range spec.locks {
			p := path.Join(dir, l)
			if files[p] {
				return p
			}
		}
		if !spec.workspace || dir == "." || dir == "/" || dir == "" {
			return ""
		}
		dir = path.Dir(dir)
	}
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// minimum returns the minimum age for an ecosystem and whether the
// ecosystem has its own entry.
func (r *ReleaseAgeRule) minimum(eco string) (time.Duration, bool) {
	if d, ok := lookupEcosystem(r.Ecosystems, eco); ok {
		return d, true
	}
	return r.Default, false
}

// releaseAge decides the minimum release age: a version younger than the
// minimum has not yet had the time in public in which most malicious
// releases are found and pulled.
func (e *evaluation) releaseAge(s *subject) {
	r := e.p.MinReleaseAge
	if r == nil {
		return
	}
	c := s.c
	min, own := r.minimum(c.Ecosystem)
	wants, ok := e.wants[c.Ecosystem]
	if !ok {
		wants = "the policy wants " + formatDuration(min)
		if own {
			wants += " for " + c.Ecosystem
		}
		if e.wants == nil {
			e.wants = map[string]string{}
		}
		e.wants[c.Ecosystem] = wants
	}
	if min <= 0 {
		e.add(s, RuleMinReleaseAge, Pass, r.Severity, "the policy sets no minimum release age for "+ecosystemOr(c.Ecosystem))
		return
	}
	if goStdlib(c) {
		e.add(s, RuleMinReleaseAge, Pass, r.Severity, "the Go standard library is released with the toolchain, not through the module proxy")
		return
	}
	for _, pat := range r.Exempt {
		if pat.match(s) {
			e.add(s, RuleMinReleaseAge, Pass, r.Severity, fmt.Sprintf("exempt by %s (%s)", pat.Text, e.where(pat.Line)))
			return
		}
	}
	pub, has := e.in.Published[c.PURL]
	switch {
	case has && pub.Known:
		age := e.now.Sub(pub.Time)
		if age >= min && e.in.Brief {
			e.add(s, RuleMinReleaseAge, Pass, r.Severity, "")
			return
		}
		when := "published " + pub.Time.UTC().Format("2006-01-02") + ", " + formatAge(age)
		if age < min {
			e.add(s, RuleMinReleaseAge, r.Action.outcome(), r.Severity, when+"; "+wants)
		} else {
			e.add(s, RuleMinReleaseAge, Pass, r.Severity, when+"; "+wants)
		}
	case c.Source != "":
		e.add(s, RuleMinReleaseAge, Pass, r.Severity, fmt.Sprintf("comes from %s, not a registry; release age not checked", clip(c.Source, 200)))
	case !has && !slices.Contains(RegistryEcosystems, ecosystemBase(c.Ecosystem)):
		e.add(s, RuleMinReleaseAge, Pass, r.Severity, "no registry release times for "+ecosystemOr(c.Ecosystem)+"; release age not checked")
	default:
		why := "no registry metadata was fetched"
		switch {
		case c.Version == "":
			why = "no version was resolved"
		case pub.Err != "":
			why = clip(pub.Err, 200)
		case has:
			why = "the registry does not say"
		}
		e.add(s, RuleMinReleaseAge, r.OnUnknown.outcome(), r.Severity,
			fmt.Sprintf("release time unknown (%s); %s, and on_unknown is %s", why, wants, r.OnUnknown))
	}
}

func ecosystemOr(eco string) string {
	if eco == "" {
		return "this ecosystem"
	}
	return eco
}

// formatDuration writes a policy duration the way people say it.
func formatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		return plural(int(d/day), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	}
	return d.String()
}

// formatAge writes how long ago something was published.
func formatAge(d time.Duration) string {
	switch {
	case d < 0:
		return "after the evaluation time"
	case d < time.Hour:
		return "less than an hour ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// license decides the licence rule. A component recording several
// licence expressions (from different sources) must pass each.
func (e *evaluation) license(s *subject) {
	r := e.p.Licenses
	if r == nil {
		return
	}
	c := s.c
	unknown := r.Unknown
	if a, ok := lookupEcosystem(r.Ecosystems, c.Ecosystem); ok {
		unknown = a
	}
	var exprs []string
	for _, l := range c.Licenses {
		l = strings.TrimSpace(l)
		if l == "" || strings.EqualFold(l, "NOASSERTION") || strings.EqualFold(l, "NONE") {
			continue
		}
		exprs = append(exprs, l)
	}
	if len(exprs) == 0 {
		e.add(s, RuleLicense, unknown.outcome(), r.Severity, fmt.Sprintf("no licence recorded; licenses.unknown is %s", unknown))
		return
	}
	var failed, unparsable, used []string
	for _, x := range exprs {
		res, ok := e.licenses[x]
		if !ok {
			if n, err := parseLicense(x); err != nil {
				res.err = err
			} else {
				res.op, res.verdict = n.op, e.lists.eval(n)
			}
			if e.licenses == nil {
				e.licenses = map[string]licenseResult{}
			}
			e.licenses[x] = res
		}
		v := res.verdict
		switch {
		case res.err != nil:
			unparsable = append(unparsable, fmt.Sprintf("%q is not an SPDX expression (%v)", clip(x, 80), res.err))
		case !v.pass && res.op == "":
			failed = append(failed, "licence "+strings.Join(v.why, ", "))
		case !v.pass:
			failed = append(failed, fmt.Sprintf("licence %s fails: %s", clip(x, 120), strings.Join(v.why, ", ")))
		case e.in.Brief:
			// A pass needs no reason; a later failing expression still
			// makes one.
		case res.op != "":
			used = append(used, fmt.Sprintf("%s (under %s)", clip(x, 120), strings.Join(v.why, " AND ")))
		default:
			used = append(used, clip(x, 120))
		}
	}
	switch {
	case len(failed) > 0:
		e.add(s, RuleLicense, r.Action.outcome(), r.Severity, strings.Join(failed, "; "))
	case len(unparsable) > 0:
		e.add(s, RuleLicense, unknown.outcome(), r.Severity,
			fmt.Sprintf("%s; a licence that is not an SPDX expression counts as unknown, and licenses.unknown is %s", strings.Join(unparsable, "; "), unknown))
	case e.in.Brief:
		e.add(s, RuleLicense, Pass, r.Severity, "")
	default:
		e.add(s, RuleLicense, Pass, r.Severity, "acceptable licence "+strings.Join(used, "; "))
	}
}

// custom evaluates the CEL rules for a component.
func (e *evaluation) custom(s *subject, fs []*finding.Finding) {
	if len(e.p.Rules) == 0 {
		return
	}
	c := s.c
	pub, has := e.in.Published[c.PURL]
	e.vars.set(c, pub, has, e.now, fs)
	for _, r := range e.p.Rules {
		rule := customPrefix + r.Name
		broken, err := r.eval(&e.vars)
		switch {
		case err != nil:
			e.add(s, rule, r.Action.outcome(), r.Severity, fmt.Sprintf("expression failed: %s", clip(err.Error(), 200)))
		case broken && r.Message != "":
			e.add(s, rule, r.Action.outcome(), r.Severity, r.Message)
		case broken:
			e.add(s, rule, r.Action.outcome(), r.Severity, r.reasons().broken)
		default:
			e.add(s, rule, Pass, r.Severity, r.reasons().passed)
		}
	}
}

// findingItem starts a decision about a finding, located where its
// component is.
func (e *evaluation) findingItem(f *finding.Finding, rule string) item {
	d := Decision{
		Rule: rule, Component: f.Component, Name: f.Name, Version: f.Version, Ecosystem: f.Ecosystem,
		Severity: f.Severity, Finding: f.ID, Locations: f.Locations,
	}
	var s *subject
	if e.in.Graph != nil {
		if c := e.in.Graph.Component(f.Component); c != nil {
			s = newSubject(c)
			if len(c.Locations) > 0 {
				d.Locations = c.Locations
			}
			if d.Name == "" {
				d.Name, d.Version, d.Ecosystem = c.Name, c.Version, c.Ecosystem
			}
		}
	}
	if s == nil && f.Component != "" {
		s = newSubject(&inventory.Component{PURL: f.Component, Ecosystem: f.Ecosystem, Name: f.Name, Version: f.Version})
	}
	return item{d: d, subj: s, aliases: f.Aliases, rank: e.rank(rule)}
}

// label names a finding in reasons: "GHSA-… (high): summary".
func label(f *finding.Finding) string {
	s := fmt.Sprintf("%s (%s)", f.ID, f.Severity)
	if f.Summary != "" {
		s += ": " + clip(f.Summary, 120)
	}
	return s
}

// advisoryTime returns when an advisory was published, by id or alias.
func (e *evaluation) advisoryTime(f *finding.Finding) (time.Time, bool) {
	if t, ok := e.in.AdvisoryPublished[f.ID]; ok {
		return t, true
	}
	for _, a := range f.Aliases {
		if t, ok := e.in.AdvisoryPublished[a]; ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// vulnerability decides one vulnerability finding; false when the policy
// has no vulnerabilities section.
func (e *evaluation) vulnerability(f *finding.Finding) (item, bool) {
	r := e.p.Vulnerabilities
	if r == nil {
		return item{}, false
	}
	it := e.findingItem(f, RuleVulnerability)
	d := &it.d
	d.Outcome = Pass
	fix := "no fixed version yet"
	if len(f.Fixed) > 0 {
		fix = "fixed in " + strings.Join(f.Fixed, ", ")
	}
	published, hasPublished := e.advisoryTime(f)
	switch {
	case f.Suppressed != nil:
		d.Reason = fmt.Sprintf("%s is suppressed: %s", label(f), suppression(f.Suppressed))
	case e.ignored(f):
		d.Reason = label(f) + " is ignored by the policy (vulnerabilities.ignore)"
	case r.MinAdvisoryAge > 0 && hasPublished && e.now.Sub(published) < r.MinAdvisoryAge:
		d.Reason = fmt.Sprintf("%s was published %s, %s; the policy waits %s before failing on an advisory",
			label(f), published.UTC().Format("2006-01-02"), formatAge(e.now.Sub(published)), formatDuration(r.MinAdvisoryAge))
	case f.Severity == finding.Unknown:
		d.Outcome = r.UnknownSeverity.outcome()
		d.Reason = fmt.Sprintf("%s has no severity score (%s); vulnerabilities.unknown_severity is %s", label(f), fix, r.UnknownSeverity)
	case f.Severity < r.FailOn:
		d.Reason = fmt.Sprintf("%s is below fail_on %s (%s)", label(f), r.FailOn, fix)
	case r.OnlyWithFix && len(f.Fixed) == 0:
		d.Reason = fmt.Sprintf("%s has no fixed version yet; the policy fails only when a fix is available", label(f))
	default:
		d.Outcome = r.Action.outcome()
		want := fmt.Sprintf("the policy fails on %s and above", r.FailOn)
		if r.OnlyWithFix {
			want += " with a fix available"
		}
		d.Reason = fmt.Sprintf("%s, %s; %s", label(f), fix, want)
	}
	return it, true
}

func (e *evaluation) ignored(f *finding.Finding) bool {
	for _, id := range e.p.Vulnerabilities.Ignore {
		if strings.EqualFold(id, f.ID) {
			return true
		}
		for _, a := range f.Aliases {
			if strings.EqualFold(id, a) {
				return true
			}
		}
	}
	return false
}

func suppression(s *finding.Suppression) string {
	parts := []string{s.Status}
	if s.Justification != "" {
		parts = append(parts, s.Justification)
	}
	if s.Source != "" {
		parts = append(parts, "per "+s.Source)
	}
	return strings.Join(parts, ", ")
}

// malicious denies every known-malicious package. There is no setting to
// turn it off, and a VEX statement does not excuse it: only an exception,
// reported among the warnings, does.
func (e *evaluation) malicious(f *finding.Finding) item {
	it := e.findingItem(f, RuleMalicious)
	it.d.Outcome = Fail
	it.d.Severity = finding.Critical
	reason := label(f) + " marks this package as malicious; known-malicious packages are always denied"
	if f.Suppressed != nil {
		reason += fmt.Sprintf(" (a statement says %s, which the policy does not accept for malicious packages; only an exception does)", suppression(f.Suppressed))
	}
	it.d.Reason = reason
	return it
}

// unused decides a dependency declared but not imported, into dst.
func (e *evaluation) unused(u *Unused, dst *[]item) {
	r := e.p.Unused
	if r == nil {
		return
	}
	c := &inventory.Component{PURL: u.PURL, Name: u.Name, Ecosystem: u.Ecosystem}
	if e.in.Graph != nil {
		if gc := e.in.Graph.Component(u.PURL); gc != nil {
			c = gc
		}
	}
	s := newSubject(c)
	it := item{
		d: Decision{
			Rule: RuleUnused, Component: u.PURL, Name: u.Name, Version: c.Version, Ecosystem: u.Ecosystem,
			Severity: r.Severity, Locations: []inventory.Location{u.Manifest},
		},
		subj: s,
		rank: e.rank(RuleUnused),
	}
	if it.d.Name == "" {
		it.d.Name = c.Name
	}
	it.d.Outcome = r.Action.outcome()
	it.d.Reason = fmt.Sprintf("declared in %s but never imported by the project's own source; remove it, or list it under unused.ignore if it is used another way", u.Manifest.Path)
	for _, pat := range r.Ignore {
		if pat.match(s) {
			it.d.Outcome = Pass
			it.d.Reason = fmt.Sprintf("not imported, but ignored by %s (%s)", pat.Text, e.where(pat.Line))
			break
		}
	}
	*dst = append(*dst, it)
}

// expiresAt is the instant an exception stops applying: the end of its
// expiry day, UTC.
func expiresAt(x Exception) time.Time { return x.Expires.AddDate(0, 0, 1) }

// exceptions turns failing and warning decisions that an exception in
// force matches into excepted ones, and sorts the exceptions into expired
// and stale.
func (e *evaluation) exceptions() (expired, stale []Exception) {
	exs := e.p.Exceptions
	if len(exs) == 0 {
		return nil, nil
	}
	inForce := make([]bool, len(exs))
	used := make([]bool, len(exs))
	for j, x := range exs {
		inForce[j] = e.now.Before(expiresAt(x))
	}
	for _, items := range append(append([][]item{e.files}, e.parts...), e.orphans) {
		for i := range items {
			it := &items[i]
			if it.d.Outcome != Fail && it.d.Outcome != Warn {
				continue
			}
			for j := range exs {
				if !inForce[j] || !e.exceptionMatches(j, it) {
					continue
				}
				x := exs[j]
				it.d.Outcome = Excepted
				it.d.Exception = &x
				used[j] = true
				break
			}
		}
	}
	yearOut := e.now.AddDate(1, 0, 0)
	for j, x := range exs {
		switch {
		case !inForce[j]:
			expired = append(expired, x)
		case !used[j]:
			stale = append(stale, x)
		}
		if inForce[j] && x.Expires.After(yearOut) {
			e.files = append(e.files, item{
				d: Decision{
					Rule: RuleException, Outcome: Warn, Name: x.Rule + " " + x.Component, Severity: finding.Low,
					Reason: fmt.Sprintf("the exception for %s on %s runs until %s, more than a year away; exceptions should be reviewed at least yearly",
						x.Rule, x.Component, x.Expires.Format("2006-01-02")),
					Locations: []inventory.Location{{Path: e.p.Path, Line: x.Line}},
				},
				rank: e.rank(RuleException),
			})
		}
	}
	return expired, stale
}

func (e *evaluation) exceptionMatches(j int, it *item) bool {
	x, c := e.p.Exceptions[j], e.exc[j]
	if c.invalid {
		return false
	}
	if x.Rule != it.d.Rule {
		return false
	}
	if x.Finding != "" && !strings.EqualFold(x.Finding, it.d.Finding) && !slices.ContainsFunc(it.aliases, func(a string) bool { return strings.EqualFold(a, x.Finding) }) {
		return false
	}
	if c.pattern != nil {
		return it.subj != nil && c.pattern.match(it.subj)
	}
	if it.d.Component != "" {
		return false
	}
	for _, l := range it.d.Locations {
		if globMatch(c.glob, strings.ToLower(l.Path)) {
			return true
		}
	}
	return false
}

// result sorts the decisions and splits out violations and warnings.
func (e *evaluation) result(expired, stale []Exception) *Result {
	// Component decisions are in order already; file decisions and
	// orphans are few and sorted here, then merged in.
	slices.SortStableFunc(e.files, func(a, b item) int { return itemOrder(&a, &b) })
	slices.SortStableFunc(e.orphans, func(a, b item) int { return itemOrder(&a, &b) })
	n := 0
	for _, p := range e.parts {
		n += len(p)
	}
	items := make([]*item, 0, n)
	for _, p := range e.parts {
		for i := range p {
			items = append(items, &p[i])
		}
	}
	order := make([]*item, 0, len(e.files)+len(items)+len(e.orphans))
	for i := range e.files {
		order = append(order, &e.files[i])
	}
	i, j := 0, 0
	for i < len(items) || j < len(e.orphans) {
		if j == len(e.orphans) || i < len(items) && items[i].d.Component <= e.orphans[j].d.Component {
			order = append(order, items[i])
			i++
		} else {
			order = append(order, &e.orphans[j])
			j++
		}
	}
	res := &Result{
		Decisions:  make([]Decision, len(order)),
		Violations: []Decision{},
		Warnings:   []Decision{},
		Expired:    expired,
		Stale:      stale,

		OmittedPasses: e.omitted,
	}
	var violations, warnings []*item
	for i, it := range order {
		res.Decisions[i] = it.d
		switch {
		case it.d.Outcome == Fail:
			violations = append(violations, it)
		case it.d.Outcome == Warn, it.d.Outcome == Excepted && it.d.Rule == RuleMalicious:
			warnings = append(warnings, it)
		}
	}
	ranked := func(a, b *item) int {
		return cmp.Or(
			cmp.Compare(b.d.Severity, a.d.Severity),
			cmp.Compare(a.rank, b.rank),
			strings.Compare(a.d.Component, b.d.Component),
			filePathCompare(a.d, b.d),
			strings.Compare(a.d.Finding, b.d.Finding),
			strings.Compare(a.d.Name, b.d.Name),
		)
	}
	slices.SortStableFunc(violations, ranked)
	slices.SortStableFunc(warnings, ranked)
	for _, it := range violations {
		res.Violations = append(res.Violations, it.d)
	}
	for _, it := range warnings {
		res.Warnings = append(res.Warnings, it.d)
	}
	if res.Expired == nil {
		res.Expired = []Exception{}
	}
	if res.Stale == nil {
		res.Stale = []Exception{}
	}
	res.Pass = len(res.Violations) == 0
	return res
}

// filePathCompare orders file-level decisions by their file; decisions
// about one component keep rule order whatever file each points at.
func filePathCompare(a, b Decision) int {
	if a.Component != "" || b.Component != "" {
		return 0
	}
	return strings.Compare(firstPath(a), firstPath(b))
}

func firstPath(d Decision) string {
	if len(d.Locations) == 0 {
		return ""
	}
	return d.Locations[0].Path
}

// goStdlib reports whether c is the Go standard library pseudo-component
// that Go binaries and go.mod toolchain lines carry: it has no module
// hash and no module proxy release time.
func goStdlib(c *inventory.Component) bool {
	return c.Ecosystem == purl.Go && c.Name == "stdlib"
}
