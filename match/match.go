// Package match turns a dependency graph and in-memory advisory indexes into
// findings: one finding per real vulnerability (or malicious release) per
// component, with its severity, the versions that fix it, the direct
// dependencies to bump, and the evidence a person can check.
//
// It does no I/O: the caller loads the indexes (advisory.Store.Load for the
// ecosystems Ecosystems names, and the embedded known compromises) and
// Match only looks records up in memory, never one SQL query per component.
//
// # How a component is compared
//
//   - Debian and Ubuntu components are compared by their source package
//     (Properties["source"]) at the source version
//     (Properties["source_version"]) in their release ("Debian:12"), since
//     those distributions' advisories name source packages.
//   - Go "stdlib" components (a binary's standard library, see gobinary)
//     are compared with the Go database's "stdlib" and "toolchain"
//     packages. Go versions keep their "v"; the advisory package drops it.
//   - A go.mod root with a "toolchain" directive ("go1.22.3"), or else a
//     "go" directive naming a full release ("1.22.3", "1.21rc2"), also gets
//     the standard-library advisories for that version, reported against a
//     synthetic stdlib component located at the go.mod. This is a choice:
//     the go.mod does not say which toolchain builds the project, but a
//     toolchain directive is what `go` itself selects, and this mirrors
//     osv-scanner v2, whose go.mod extractor (osv-scalibr's
//     extractor/filesystem/language/golang/gomod) adds a "stdlib" package
//     at the toolchain version, else the go directive's. Unlike it, a bare
//     language version ("go 1.22") adds nothing: it names no release, and
//     matching it as 1.22.0 would report every 1.22 fix as missing.
//   - PyPI names compare PEP 503-normalised; other names as written.
//   - A component without a version (unpinned, a local replacement) is
//     reported in Skipped, and is still checked against records that
//     affect every version (malicious packages are bad at any version).
//   - Withdrawn records never match (advisory.Index leaves them out and
//     advisory.Vulnerability.Affects refuses them).
//   - A record that cannot be evaluated for the version is reported in
//     Unknown, never taken as "not affected".
//
// # How records become findings
//
//   - Records that match one component and share an identifier, directly
//     or through aliases (GO-x aliases CVE-y and GHSA-z; a PYSEC and a
//     GHSA record of the same CVE), become one finding listing every
//     identifier in Aliases. Its ID is the CVE when there is one (the
//     first in sort order when there are several), else the GHSA, else
//     the first record's id.
//   - Severity comes from CVSS vectors, record-level or on the matching
//     affected entry, of the highest CVSS version present (4.0 over 3.x
//     over 2.0), scored by advisory/cvss; else from the ecosystem's own
//     rating (database_specific.severity such as GitHub's "MODERATE",
//     ecosystem_specific severity or urgency as Debian and Ubuntu write
//     them, an "Ubuntu" severity entry). Anything else stays
//     finding.Unknown, never low. Across merged records the highest wins;
//     Score and Vector are set only when that came from CVSS.
//   - A record with an id or alias starting "MAL-", with
//     database_specific.kind "malicious", "compromised" or "sabotage", or
//     from the known-compromises index makes the finding Kind
//     finding.Malicious, severity critical, and its remediation "remove
//     now", naming a safe version when a record gives a fix.
//   - Fixed lists the fix versions the merged records name (fixed events of
//     SEMVER and ECOSYSTEM ranges) above the component's version that no
//     merged record says is affected, smallest first, in the component's
//     spelling (a Go module's "v" added). The remediation names the first.
//   - Via lists the direct dependencies the component is reached through
//     (inventory.Graph.Direct over a few paths): the ones to bump.
//   - Evidence says which range matched, per record ("GO-2024-2687:
//     introduced 0, fixed 0.23.0 (SEMVER)") or that the version is listed,
//     and how the component was compared when that is not obvious.
package match

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/advisory/known"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Source names: the OSV database and the embedded list of known
// compromises. Findings carry them in finding.Finding.Source.
const (
	SourceOSV   = "osv"
	SourceKnown = "known-compromises"
)

// Source is one advisory index to match against, with the name findings
// from it carry.
type Source struct {
	// Name is SourceOSV, SourceKnown or another name for findings' Source.
	// Every record of a SourceKnown index is a compromise.
	Name  string
	Index *advisory.Index
}

// Sources returns the indexes a scan matches against: the database's (nil
// when there is none, so that the known compromises still apply) and the
// known compromises embedded in vouch.
func Sources(db *advisory.Index) []Source {
	return []Source{{Name: SourceOSV, Index: db}, {Name: SourceKnown, Index: known.Index()}}
}

// Options configure Match.
type Options struct {
	// Indexes to match against, in order (the database, then the embedded
	// known compromises, as Sources returns them); nil entries are
	// skipped. When merged records come from several, the finding names
	// the first, or for a malicious finding the first that says so.
	Indexes []Source
	// Ecosystems lists the ecosystems (base names: "npm", "Debian") the
	// database holds records for, as advisory.Store.Status reports them.
	// A component of any other ecosystem is still matched against the
	// indexes (the known compromises cover ecosystems the database may
	// lack) but is also reported in Skipped. Nil disables the check.
	Ecosystems []string
	// Logger receives a summary at debug level; nil discards.
	Logger *slog.Logger
}

// Result is what Match found.
type Result struct {
	// Findings are sorted by severity (highest first), then ID, then
	// component PURL.
	Findings []finding.Finding `json:"findings"`
	// Unknown lists the records that could not be evaluated for a
	// component's version: reported, never dropped.
	Unknown []Unknown `json:"unknown"`
	// Skipped lists the components not (fully) matched, and why.
	Skipped []Skipped `json:"skipped"`
}

// Unknown is a record that could not be evaluated for a component: its
// version or one of the record's does not parse in the ecosystem, or only
// a repository's history could tell.
type Unknown struct {
	// Component is the component's PURL.
	Component string `json:"component"`
	// Ecosystem, Name and Version are what was compared: the source
	// package and version for Debian and Ubuntu.
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	// ID is the record's id; Source the index it is from.
	ID     string `json:"id"`
	Source string `json:"source"`
	// Reason says why, for a person.
	Reason string `json:"reason"`
}

// Skip reasons, in Skipped.Reason.
const (
	// SkipUnpinned: the manifest gives a range, not a version; only
	// records affecting every version were checked.
	SkipUnpinned = "unpinned"
	// SkipNoVersion: the component has no version (a local directory,
	// a git source without one); only records affecting every version
	// were checked.
	SkipNoVersion = "no version"
	// SkipNoEcosystem: the component's type maps to no OSV ecosystem (a
	// Docker image, a PURL type vouch does not know).
	SkipNoEcosystem = "no ecosystem"
	// SkipEcosystemNotLoaded: the database holds no records of the
	// component's ecosystem (see Options.Ecosystems).
	SkipEcosystemNotLoaded = "ecosystem not in the database"
)

// Skipped is a component that was not, or not fully, compared with the
// advisories.
type Skipped struct {
	Component string `json:"component"`
	Ecosystem string `json:"ecosystem,omitempty"`
	Name      string `json:"name"`
	// Reason is one of the Skip constants.
	Reason string `json:"reason"`
}

// viaPaths bounds the dependency paths searched for a finding's Via: the
// shortest few name the direct dependencies that matter, and a component
// reached a million ways must not cost a million paths.
const viaPaths = 8

// Match compares every component of g with the indexes in opt. It fails
// only when ctx is done; records that cannot be evaluated are reported in
// Result.Unknown.
func Match(ctx context.Context, g *inventory.Graph, opt Options) (*Result, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var sources []Source
	for _, s := range opt.Indexes {
		if s.Index != nil {
			sources = append(sources, s)
		}
	}
	var loaded map[string]bool
	if opt.Ecosystems != nil {
		loaded = map[string]bool{}
		for _, e := range opt.Ecosystems {
			loaded[advisory.EcosystemBase(e)] = true
		}
	}

	// Chunks of targets go to one worker per CPU, each with its own
	// caches; targets are in PURL order, so the components of one
	// package mostly share a chunk. The graph and the indexes are only
	// read.
	ts := targets(g)
	const chunk = 128
	parts := make([]Result, (len(ts)+chunk-1)/chunk)
	var (
		next    atomic.Int64
		lookups atomic.Int64
		wg      sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(parts)) {
		wg.Go(func() {
			m := newMatcher(sources)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(parts) || ctx.Err() != nil {
					break
				}
				end := min((i+1)*chunk, len(ts))
				parts[i] = m.matchTargets(g, ts[i*chunk:end], loaded)
			}
			lookups.Add(int64(len(m.cache)))
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{Findings: []finding.Finding{}, Unknown: []Unknown{}, Skipped: []Skipped{}}
	for _, p := range parts {
		res.Findings = append(res.Findings, p.Findings...)
		res.Unknown = append(res.Unknown, p.Unknown...)
		res.Skipped = append(res.Skipped, p.Skipped...)
	}
	slices.SortFunc(res.Findings, func(a, b finding.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Component, b.Component))
	})
	slices.SortFunc(res.Unknown, func(a, b Unknown) int {
		return cmp.Or(cmp.Compare(a.Component, b.Component), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Source, b.Source))
	})
	res.Unknown = slices.Compact(res.Unknown)
	slices.SortStableFunc(res.Skipped, func(a, b Skipped) int { return cmp.Compare(a.Component, b.Component) })
	log.Debug("matched advisories", "components", g.Len(), "findings", len(res.Findings),
		"unknown", len(res.Unknown), "skipped", len(res.Skipped), "lookups", lookups.Load())
	return res, nil
}

// matchTargets matches some targets; loaded is nil when every ecosystem
// counts as loaded.
func (m *matcher) matchTargets(g *inventory.Graph, ts []target, loaded map[string]bool) Result {
	var res Result
	for _, t := range ts {
		c := t.comp
		if t.ecosystem == "" {
			res.Skipped = append(res.Skipped, Skipped{Component: c.PURL, Name: c.Name, Reason: SkipNoEcosystem})
			continue
		}
		if loaded != nil && !loaded[advisory.EcosystemBase(t.ecosystem)] {
			res.Skipped = append(res.Skipped, Skipped{Component: c.PURL, Ecosystem: c.Ecosystem, Name: c.Name, Reason: SkipEcosystemNotLoaded})
		}
		if t.version == "" {
			reason := SkipNoVersion
			if c.Unpinned {
				reason = SkipUnpinned
			}
			res.Skipped = append(res.Skipped, Skipped{Component: c.PURL, Ecosystem: c.Ecosystem, Name: c.Name, Reason: reason})
		}
		r := m.lookup(t)
		for _, u := range r.unknown {
			u.Component = c.PURL
			res.Unknown = append(res.Unknown, u)
		}
		for _, grp := range r.groups {
			res.Findings = append(res.Findings, grp.finding(g, t))
		}
	}
	return res
}

// Ecosystems returns the ecosystems (base names, sorted) whose records
// Match needs for g: the keys of Packages, for advisory.Store.Load.
func Ecosystems(g *inventory.Graph) []string {
	return slices.Sorted(maps.Keys(Packages(g)))
}

// Packages returns, per ecosystem, the package names Match looks up for g
// (a Debian component's source package, "stdlib" and "toolchain" for Go's
// standard library): what to pass to advisory.Store.LoadPackages, which
// then decodes only the records a scan can use.
func Packages(g *inventory.Graph) map[string][]string {
	seen := map[string]map[string]bool{}
	for _, t := range targets(g) {
		if t.ecosystem == "" {
			continue
		}
		eco := advisory.EcosystemBase(t.ecosystem)
		if seen[eco] == nil {
			seen[eco] = map[string]bool{}
		}
		for _, n := range t.names {
			seen[eco][n] = true
		}
	}
	out := make(map[string][]string, len(seen))
	for eco, names := range seen {
		out[eco] = slices.Sorted(maps.Keys(names))
	}
	return out
}

// target is one component as it is compared with advisories.
type target struct {
	comp      *inventory.Component // as reported; a synthetic one for a go.mod's toolchain
	ecosystem string               // the component's ecosystem, "" when it has none
	names     []string             // package names to look up
	version   string               // the version compared
	// note explains the comparison in the evidence when it is not the
	// component's own name and version.
	note string
	key  lookupKey
}

// targets lists what to compare for g: every component, and the standard
// library of each Go toolchain version the go.mod roots name. That one is
// a synthetic stdlib component located at every go.mod naming the version,
// or, when the graph already has that component (a binary built with the
// same toolchain), the graph's with the go.mod locations added.
func targets(g *inventory.Graph) []target {
	comps := g.Components()
	out := make([]target, 0, len(comps))
	at := make(map[string]int, len(comps))
	for _, c := range comps {
		at[c.PURL] = len(out)
		out = append(out, componentTarget(c))
	}
	for _, r := range g.Roots() {
		v, how := rootToolchain(r)
		if v == "" {
			continue
		}
		p := purl.For(purl.Go, "stdlib", v, nil)
		i, ok := at[p]
		if !ok {
			c := &inventory.Component{PURL: p, Ecosystem: purl.Go, Name: "stdlib", Version: v, Direct: true, Scope: inventory.ScopeRuntime}
			at[p] = len(out)
			i = len(out)
			out = append(out, componentTarget(c))
		} else if out[i].comp == g.Component(p) {
			// Never change the graph's component: copy it.
			c := *out[i].comp
			c.Locations = slices.Clone(c.Locations)
			out[i].comp = &c
		}
		t := &out[i]
		t.comp.Locations = append(t.comp.Locations, inventory.Location{Path: r.ID})
		note := fmt.Sprintf("standard library of Go %s in %s", how, r.ID)
		if t.note == "" {
			t.note = note
		} else {
			t.note += "; " + note
		}
	}
	return out
}

// componentTarget says how one component is compared.
func componentTarget(c *inventory.Component) target {
	t := target{comp: c, ecosystem: c.Ecosystem, names: []string{c.Name}, version: c.Version}
	if !purl.HasAdvisories(c.Ecosystem) {
		// Docker images: no advisory names them, so they are reported as
		// not checked (SkipNoEcosystem) and no database is asked.
		t.ecosystem = ""
	}
	if c.Unpinned {
		t.version = ""
	}
	switch advisory.EcosystemBase(c.Ecosystem) {
	case purl.Debian, purl.Ubuntu, purl.Alpine:
		// Their advisories name source packages (Alpine's "origin"),
		// which share the binary package's version unless told.
		src, ver := c.Properties["source"], c.Properties["source_version"]
		if src == "" {
			src = c.Name
		}
		if ver == "" || t.version == "" {
			ver = t.version
		}
		t.names = []string{src}
		t.version = ver
		if src != c.Name || ver != c.Version {
			t.note = fmt.Sprintf("compared as source package %s %s in %s", src, ver, c.Ecosystem)
		}
	case purl.RedHat, purl.RockyLinux, purl.AlmaLinux, purl.OpenSUSE, purl.SUSE, purl.OpenEuler, purl.Mageia,
		purl.AzureLinux, purl.PhotonOS:
		// Their advisories name binary packages (xz-libs) in some feeds
		// and source packages (xz) in others: both are asked. A binary
		// RPM's version is its source RPM's.
		if src := c.Properties["source"]; src != "" && src != c.Name {
			t.names = append(t.names, src)
		}
	case purl.Go:
		if c.Name == "stdlib" {
			t.names = []string{"stdlib", "toolchain"}
		}
	}
	t.key = lookupKey{t.ecosystem, strings.Join(t.names, "\x00"), t.version}
	return t
}

// rootToolchain returns the stdlib version (Go module spelling, "v1.22.3")
// a go.mod root's directives name, and which directive named it.
func rootToolchain(r *inventory.Root) (version, how string) {
	if r.Kind != inventory.KindManifest {
		return "", ""
	}
	if tc := r.Properties["toolchain"]; tc != "" {
		if v := toolchainVersion(tc); v != "" {
			return v, fmt.Sprintf("%s (toolchain directive)", tc)
		}
	}
	// A go directive names a release only with a patch or pre-release
	// part; "1.22" is a language version.
	if gv := r.Properties["go"]; strings.Count(gv, ".") == 2 || strings.Contains(gv, "rc") || strings.Contains(gv, "beta") {
		if v := toolchainVersion("go" + gv); v != "" {
			return v, fmt.Sprintf("%s (go directive)", gv)
		}
	}
	return "", ""
}

// toolchainVersion turns a Go toolchain name into the module version form
// the Go database's stdlib entries compare with: "go1.22.3" → "v1.22.3",
// "go1.22" → "v1.22.0", "go1.21rc2" → "v1.21.0-rc.2". A custom suffix
// ("go1.22.3-corp", "go1.22.3+auto") is dropped, as osv-scalibr does; a
// name that is not a release ("default", "devel ...") gives "".
func toolchainVersion(name string) string {
	v, ok := strings.CutPrefix(strings.TrimSpace(name), "go")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	var pre string
	for _, tag := range []string{"rc", "beta"} {
		if i := strings.Index(v, tag); i > 0 {
			n := v[i+len(tag):]
			if n == "" || strings.Trim(n, "0123456789") != "" {
				return ""
			}
			v, pre = v[:i], "-"+tag+"."+n
			break
		}
	}
	parts := strings.Split(v, ".")
	if len(parts) == 2 {
		parts = append(parts, "0")
	}
	if len(parts) != 3 {
		return ""
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" || len(p) > 1 && p[0] == '0' {
			return ""
		}
	}
	return "v" + strings.Join(parts, ".") + pre
}
