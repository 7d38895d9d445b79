package advisory

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/osv-scalibr/semantic"

	"github.com/vouchdev/vouch/purl"
)

// How a component is compared with a record (the rules Affects applies):
//
//   - Package: the ecosystems' base names must be equal ("Debian:12" has the
//     base "Debian"). When both carry a release they must name the same one,
//     with Ubuntu's ":LTS" marker and Alpine's "v" ignored ("Ubuntu:22.04"
//     matches "Ubuntu:22.04:LTS", but not "Ubuntu:Pro:22.04:LTS"). A record
//     without a release applies to every release; a component without one
//     is compared with every release, since nothing says which it runs.
//     Names compare as NormalizeName makes them.
//   - Versions: Go component versions lose their leading "v" ("v1.2.3" and
//     "1.2.3" are the same version), as OSV writes Go versions without it.
//     A version equal to one in the versions list is affected.
//   - SEMVER ranges compare as Semantic Versioning 2.0 (precedence of
//     section 11); a version that is not semver ("latest", "1.2.3.4") cannot
//     be evaluated. ECOSYSTEM ranges compare by the ecosystem's own rules
//     through osv-scalibr/semantic; for npm, Go and crates.io, whose
//     registries only take semver, the same check applies.
//   - GIT ranges need the repository's commit graph, which vouch does not
//     fetch. They decide only for a component whose version is a full
//     commit hash: equal to an introduced or last_affected commit means
//     affected, equal to a fixed or limit commit means not affected by that
//     range, any other commit cannot be evaluated. For components with
//     ordinary versions GIT ranges are ignored (the versions list and the
//     other ranges carry what OSV derived from them).
//   - A component without a version is affected only by ranges that cover
//     every version ({"introduced": "0"} alone, as malicious-package records
//     say); any other range cannot be evaluated.
//
// "Cannot be evaluated" is never reported as "not affected": Affects returns
// a *VersionError the caller reports as an unknown.

// VersionError says a record could not be evaluated for a version: the
// version or one of the record's events does not parse in the ecosystem, the
// ecosystem has no known ordering, or only commit history could tell.
type VersionError struct {
	ID        string // the record, when known
	Ecosystem string // the component's ecosystem, as given
	Name      string // the component's name, as given
	Version   string // the component's version, as given
	Err       error  // why: a parse failure, ErrNeedsHistory, ...
}

// Error names the record, the component and why it could not be evaluated.
func (e *VersionError) Error() string {
	var b strings.Builder
	if e.ID != "" {
		b.WriteString(e.ID)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s/%s@%s: %v", e.Ecosystem, e.Name, e.Version, e.Err)
	return b.String()
}

// Unwrap returns the parse or evaluation failure.
func (e *VersionError) Unwrap() error { return e.Err }

// ErrNeedsHistory is wrapped by a VersionError when a GIT range could only be
// evaluated with the repository's commit graph.
var ErrNeedsHistory = errors.New("git range needs repository history")

// EcosystemBase returns an ecosystem without its release or repository
// suffix: "Debian:12" → "Debian", "Ubuntu:Pro:18.04:LTS" → "Ubuntu".
func EcosystemBase(ecosystem string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	return base
}

// NormalizeName returns a package name in the form both sides of a match
// are compared in: PEP 503 for PyPI, lower case for ecosystems whose names
// are case-insensitive (NuGet, Packagist, GitHub Actions), unchanged
// otherwise. ecosystem may carry a release suffix.
func NormalizeName(ecosystem, name string) string {
	switch EcosystemBase(ecosystem) {
	case purl.PyPI:
		return purl.NormalizePyPI(name)
	case purl.NuGet, purl.Packagist, purl.Actions:
		return strings.ToLower(name)
	}
	return name
}

// normalizeRelease makes the release parts of two ecosystems comparable.
func normalizeRelease(base, release string) string {
	switch base {
	case purl.Ubuntu:
		return strings.TrimSuffix(release, ":LTS")
	case purl.Alpine:
		return strings.TrimPrefix(release, "v")
	}
	return release
}

// ecosystemMatches reports whether a component in ecosystem comp is in the
// ecosystem adv a record names.
func ecosystemMatches(adv, comp string) bool {
	ab, ar, _ := strings.Cut(adv, ":")
	cb, cr, _ := strings.Cut(comp, ":")
	if ab != cb {
		return false
	}
	if ar == "" || cr == "" {
		return true
	}
	return normalizeRelease(ab, ar) == normalizeRelease(cb, cr)
}

// AppliesTo reports whether the entry names the package name in ecosystem,
// by the rules described above.
func (a Affected) AppliesTo(ecosystem, name string) bool {
	if a.Package.Name == "" || !ecosystemMatches(a.Package.Ecosystem, ecosystem) {
		return false
	}
	return a.Package.Name == name || NormalizeName(ecosystem, a.Package.Name) == NormalizeName(ecosystem, name)
}

// normalizeVersion applies the per-ecosystem spelling rules to a version
// from either side.
func normalizeVersion(base, v string) string {
	if base == purl.Go && len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// isCommit reports whether v is a full SHA-1 or SHA-256 commit hash.
func isCommit(v string) bool {
	if len(v) != 40 && len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Affects reports whether the package name at version in ecosystem is
// affected by this entry. An error (a *VersionError) means the entry could
// not be evaluated for the version; it is never a silent "not affected".
func (a Affected) Affects(ecosystem, name, version string) (bool, error) {
	return a.affects(ecosystem, name, version, nil)
}

// affects is Affects with parsed versions cached in c (nil for none).
func (a Affected) affects(ecosystem, name, version string, c *versionCache) (bool, error) {
	if !a.AppliesTo(ecosystem, name) {
		return false, nil
	}
	base := EcosystemBase(ecosystem)
	verr := func(err error) *VersionError {
		return &VersionError{Ecosystem: ecosystem, Name: name, Version: version, Err: err}
	}
	if version == "" {
		return a.affectsAnyVersion(verr)
	}
	v := normalizeVersion(base, version)
	for _, lv := range a.Versions {
		if lv == version || normalizeVersion(base, lv) == v {
			return true, nil
		}
	}
	commit := isCommit(version)
	var firstErr error
	note := func(err error) {
		if firstErr == nil {
			firstErr = verr(err)
		}
	}
	var cv semantic.Version // the component version, parsed once per ordering
	var cvKind string
	for _, r := range a.Ranges {
		if r.Type == RangeGit {
			if !commit {
				continue
			}
			switch gitRange(r, version) {
			case 1:
				return true, nil
			case -1:
				note(fmt.Errorf("%w (%s)", ErrNeedsHistory, r.Repo))
			}
			continue
		}
		if commit {
			note(fmt.Errorf("a commit cannot be ordered in a %s range", r.Type))
			continue
		}
		kind, parseFn := parser(r.Type, base)
		parse := c.wrap(kind, parseFn)
		if cv == nil || cvKind != kind {
			p, err := parse(v)
			if err != nil {
				note(err)
				continue
			}
			cv, cvKind = p, kind
		}
		in, err := inRange(r, cv, parse)
		if err != nil {
			note(err)
			continue
		}
		if in {
			return true, nil
		}
	}
	if firstErr != nil {
		return false, firstErr
	}
	return false, nil
}

// affectsAnyVersion decides for a component of unknown version: only a range
// that covers every version says yes without knowing it.
func (a Affected) affectsAnyVersion(verr func(error) *VersionError) (bool, error) {
	if len(a.Ranges) == 0 && len(a.Versions) == 0 {
		return false, nil
	}
	for _, r := range a.Ranges {
		all := true
		for _, e := range r.Events {
			if e.Introduced != "0" {
				all = false
				break
			}
		}
		if all {
			return true, nil
		}
	}
	return false, verr(errors.New("no version to compare"))
}

// gitRange decides a GIT range for a commit: 1 affected, 0 not affected by
// this range, -1 unknown without history.
func gitRange(r Range, commit string) int {
	result := -1
	for _, e := range r.Events {
		switch {
		case strings.EqualFold(e.Introduced, commit), strings.EqualFold(e.LastAffected, commit):
			return 1
		case strings.EqualFold(e.Fixed, commit), strings.EqualFold(e.Limit, commit):
			result = 0
		}
	}
	return result
}

// parser returns how versions of a range are read, and a name for that way
// (versions read the same way are interchangeable in a cache).
func parser(rangeType, base string) (string, func(string) (semantic.Version, error)) {
	if rangeType == RangeSemver {
		return RangeSemver, parseSemver
	}
	switch base {
	case purl.Go, purl.NPM, purl.CratesIO:
		return RangeSemver, parseSemver
	}
	return base, func(s string) (semantic.Version, error) {
		v, err := semantic.Parse(normalizeVersion(base, s), base)
		if err != nil {
			return nil, fmt.Errorf("version %q in %s: %w", s, base, err)
		}
		return v, nil
	}
}

// versionCache remembers parsed versions, which repeat across the records
// of an index (the same fixed versions, the same component versions) and
// cost more to parse than to look up. Parsed versions are immutable, so
// sharing them is safe.
type versionCache struct {
	mu sync.RWMutex
	m  map[versionKey]parsedVersion
}

type versionKey struct{ kind, s string }

type parsedVersion struct {
	v   semantic.Version
	err error
}

// maxCachedVersions bounds the cache; past it, versions are parsed anew.
const maxCachedVersions = 1 << 20

// wrap returns parse with its results cached under kind.
func (c *versionCache) wrap(kind string, parse func(string) (semantic.Version, error)) func(string) (semantic.Version, error) {
	if c == nil {
		return parse
	}
	return func(s string) (semantic.Version, error) {
		k := versionKey{kind, s}
		c.mu.RLock()
		p, ok := c.m[k]
		c.mu.RUnlock()
		if ok {
			return p.v, p.err
		}
		v, err := parse(s)
		c.mu.Lock()
		if c.m == nil {
			c.m = map[versionKey]parsedVersion{}
		}
		if len(c.m) < maxCachedVersions {
			c.m[k] = parsedVersion{v, err}
		}
		c.mu.Unlock()
		return v, err
	}
}

// parseSemver checks s is a semantic version (with an optional "v", and the
// minor and patch parts optional as Go toolchain versions write them) before
// handing it to osv-scalibr's semver ordering, which accepts anything.
func parseSemver(s string) (semantic.Version, error) {
	if !isSemver(s) {
		return nil, fmt.Errorf("version %q is not a semantic version", s)
	}
	return semantic.ParseSemverVersion(s), nil
}

// isSemver accepts MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD] with an
// optional leading "v".
func isSemver(s string) bool {
	s = strings.TrimPrefix(s, "v")
	core, build, hasBuild := strings.Cut(s, "+")
	if hasBuild && !dotted(build) {
		return false
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !dotted(pre) {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// dotted accepts dot-separated non-empty identifiers of [0-9A-Za-z-].
func dotted(s string) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}

// event is a parsed range event.
type event struct {
	kind int // evIntroduced, ...
	zero bool
	inf  bool
	v    semantic.Version
}

const (
	evIntroduced = iota
	evLastAffected
	evFixed
	evLimit
)

// inRange is the OSV evaluation of one SEMVER or ECOSYSTEM range
// (IncludedInRanges and BeforeLimits in the schema's pseudocode): events
// sorted by version with introduced "0" first, introduced from its version
// on, fixed from its version on not, last_affected above its version not,
// and, when limits are given, only versions below one of them. Events at
// the same version keep introduced first, so introduced X, fixed X affects
// nothing.
func inRange(r Range, v semantic.Version, parse func(string) (semantic.Version, error)) (bool, error) {
	evs := make([]event, 0, len(r.Events))
	for _, e := range r.Events {
		var ev event
		var s string
		switch {
		case e.Introduced != "":
			ev.kind, s = evIntroduced, e.Introduced
			ev.zero = s == "0"
		case e.Fixed != "":
			ev.kind, s = evFixed, e.Fixed
		case e.LastAffected != "":
			ev.kind, s = evLastAffected, e.LastAffected
		case e.Limit != "":
			ev.kind, s = evLimit, e.Limit
			ev.inf = strings.Contains(s, "*")
		default:
			continue
		}
		if !ev.zero && !ev.inf {
			p, err := parse(s)
			if err != nil {
				return false, fmt.Errorf("range event: %w", err)
			}
			ev.v = p
		}
		evs = append(evs, ev)
	}
	var cmpErr error
	compare := func(a, b semantic.Version) int {
		c, err := a.Compare(b)
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c
	}

	// BeforeLimits: with limits given, only versions below one of them.
	hasLimit, below := false, false
	sweep := evs[:0]
	for _, e := range evs {
		if e.kind != evLimit {
			sweep = append(sweep, e)
			continue
		}
		hasLimit = true
		if e.inf || compare(v, e.v) < 0 {
			below = true
		}
	}
	if hasLimit && !below {
		return false, cmpErr
	}

	slices.SortStableFunc(sweep, func(a, b event) int {
		switch {
		case a.zero && b.zero:
			return 0
		case a.zero:
			return -1
		case b.zero:
			return 1
		}
		if c := compare(a.v, b.v); c != 0 {
			return c
		}
		return a.kind - b.kind
	})
	vulnerable := false
	for _, e := range sweep {
		switch e.kind {
		case evIntroduced:
			if e.zero || compare(v, e.v) >= 0 {
				vulnerable = true
			}
		case evFixed:
			if compare(v, e.v) >= 0 {
				vulnerable = false
			}
		case evLastAffected:
			if compare(v, e.v) > 0 {
				vulnerable = false
			}
		}
	}
	if cmpErr != nil {
		return false, cmpErr
	}
	return vulnerable, nil
}

// Affects reports whether the package name at version in ecosystem is
// affected by the record: by any of its entries, as Affected.Affects
// decides. Withdrawn records affect nothing. When no entry says yes and
// some could not be evaluated, the error is the first *VersionError, with
// the record's id.
func (v *Vulnerability) Affects(ecosystem, name, version string) (bool, error) {
	return v.affects(ecosystem, name, version, nil)
}

func (v *Vulnerability) affects(ecosystem, name, version string, c *versionCache) (bool, error) {
	if !v.Withdrawn.IsZero() {
		return false, nil
	}
	var firstErr error
	for _, a := range v.Affected {
		ok, err := a.affects(ecosystem, name, version, c)
		if ok {
			return true, nil
		}
		if err != nil && firstErr == nil {
			var ve *VersionError
			if errors.As(err, &ve) {
				ve.ID = v.ID
			}
			firstErr = err
		}
	}
	return false, firstErr
}
