package match

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// matcher holds the indexes and what was already looked up: many components
// compare the same way (Debian binary packages of one source, the same
// module in several go.mod files), and their findings differ only in the
// component's own fields.
//
// A matcher belongs to one goroutine.
type matcher struct {
	sources []Source
	cache   map[lookupKey]*lookupResult
	// atFix remembers whether a record affects the package at one of
	// the fix versions: the answer is the same for every component of
	// the package below that version.
	atFix map[fixKey]bool
}

type fixKey struct {
	rec *advisory.Vulnerability
	lookupKey
}

func newMatcher(sources []Source) *matcher {
	return &matcher{sources: sources, cache: map[lookupKey]*lookupResult{}, atFix: map[fixKey]bool{}}
}

// lookupKey identifies a comparison: the ecosystem, the package names
// joined by NUL, and the version.
type lookupKey struct{ ecosystem, names, version string }

// lookupResult is what one comparison found: the merged record groups and
// the records that could not be evaluated (Component left empty).
type lookupResult struct {
	groups  []*group
	unknown []Unknown
}

// hit is a record that affects the compared package, with its index.
type hit struct {
	rec    *advisory.Vulnerability
	source string
	ix     *advisory.Index
}

// group is one vulnerability as several records may describe it, with
// everything about its finding that does not depend on the component.
type group struct {
	id         string
	aliases    []string
	kind       finding.Kind
	compromise string // "malicious", "compromised" or "sabotaged" for Kind Malicious
	rating     rating
	summary    string
	details    string
	evidence   []string
	fixed      []string // as the records write them, smallest first
	references []string
	published  time.Time // earliest record publication
	source     string
}

func (m *matcher) lookup(t target) *lookupResult {
	if r, ok := m.cache[t.key]; ok {
		return r
	}
	r := &lookupResult{}
	m.cache[t.key] = r
	var hits []hit
	matched := map[string]bool{} // source + "\x00" + id
	type unk struct {
		u   Unknown
		key string
	}
	var unknown []unk
	for _, s := range m.sources {
		for _, name := range t.names {
			affected, notEvaluated := s.Index.Match(t.ecosystem, name, t.version)
			for _, v := range affected {
				k := s.Name + "\x00" + v.ID
				if !matched[k] {
					matched[k] = true
					hits = append(hits, hit{rec: v, source: s.Name, ix: s.Index})
				}
			}
			if t.version == "" {
				// Without a version every ordinary range is
				// unknown; Skipped already says so once.
				continue
			}
			for _, ve := range notEvaluated {
				unknown = append(unknown, unk{
					u:   Unknown{Ecosystem: t.ecosystem, Name: name, Version: t.version, ID: ve.ID, Source: s.Name, Reason: ve.Err.Error()},
					key: s.Name + "\x00" + ve.ID,
				})
			}
		}
	}
	for _, u := range unknown {
		// A record can name stdlib and toolchain both; one entry
		// matching is enough, and one unknown entry is enough.
		if !matched[u.key] {
			matched[u.key] = true
			r.unknown = append(r.unknown, u.u)
		}
	}
	for _, hs := range mergeAliases(hits) {
		r.groups = append(r.groups, m.newGroup(hs, t))
	}
	return r
}

// mergeAliases partitions hits into groups of records that share an id,
// directly or through their aliases, keeping the hits' order within and
// between groups.
func mergeAliases(hits []hit) [][]hit {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[rb] = ra
		}
	}
	for _, h := range hits {
		find(h.rec.ID)
		for _, a := range h.rec.Aliases {
			union(h.rec.ID, a)
		}
	}
	var order []string
	groups := map[string][]hit{}
	for _, h := range hits {
		root := find(h.rec.ID)
		if _, ok := groups[root]; !ok {
			order = append(order, root)
		}
		groups[root] = append(groups[root], h)
	}
	out := make([][]hit, 0, len(order))
	for _, root := range order {
		out = append(out, groups[root])
	}
	return out
}

// recordExtras are the database_specific and ecosystem_specific fields
// match reads: a compromise's kind, and an ecosystem's severity word
// (GitHub's "severity", Debian's "urgency").
type recordExtras struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Urgency  string `json:"urgency"`
}

// extras reads a database_specific or ecosystem_specific object, ignoring
// anything that is not one: those fields are free-form.
func extras(raw json.RawMessage) recordExtras {
	var e recordExtras
	// Most objects hold none of the fields (the Go database's hold a URL
	// and symbol lists); skip decoding those.
	if len(raw) > 0 && raw[0] == '{' && (bytes.Contains(raw, []byte(`"kind"`)) ||
		bytes.Contains(raw, []byte(`"severity"`)) || bytes.Contains(raw, []byte(`"urgency"`))) {
		_ = json.Unmarshal(raw, &e)
	}
	return e
}

func (m *matcher) newGroup(hits []hit, t target) *group {
	g := &group{kind: finding.Vulnerability, source: hits[0].source}
	ids := map[string]bool{}
	for _, h := range hits {
		ids[h.rec.ID] = true
		for _, a := range h.rec.Aliases {
			ids[a] = true
		}
	}
	for id := range ids {
		g.aliases = append(g.aliases, id)
	}
	slices.Sort(g.aliases)
	g.id = hits[0].rec.ID
	for _, prefix := range []string{"CVE-", "GHSA-"} {
		if i := slices.IndexFunc(g.aliases, func(s string) bool { return strings.HasPrefix(s, prefix) }); i >= 0 {
			g.id = g.aliases[i]
			break
		}
	}

	for _, h := range hits {
		if c := compromise(h); c != "" && (g.compromise == "" || c == "malicious" && g.compromise != c) {
			if g.compromise == "" {
				// The finding is named after the index that
				// knows the release is bad.
				g.source = h.source
			}
			g.kind, g.compromise = finding.Malicious, c
		}
		r := rateRecord(h.rec, t)
		if r.above(g.rating) {
			g.rating = r
		}
		if g.summary == "" {
			g.summary = h.rec.Summary
		}
		if p := h.rec.Published; !p.IsZero() && (g.published.IsZero() || p.Before(g.published)) {
			g.published = p
		}
		if g.details == "" {
			g.details = h.rec.Details
		}
		// The same record from two indexes is one piece of evidence.
		if ev := h.rec.ID + ": " + matchedRange(h, t); !slices.Contains(g.evidence, ev) {
			g.evidence = append(g.evidence, ev)
		}
	}
	if g.summary == "" {
		g.summary = firstLine(g.details)
	}
	if g.kind == finding.Malicious {
		if !g.rating.cvss || g.rating.severity != finding.Critical {
			g.rating = rating{}
		}
		g.rating.severity = finding.Critical
	}
	g.fixed = m.fixedVersions(hits, t)
	g.references = references(hits)
	return g
}

// compromise says whether a record reports a release that does harm, and
// in which word: "malicious" (built to do harm), "compromised" (published
// by someone who took over an account or a build) or "sabotaged" (harmed
// by its own maintainer), from database_specific.kind as the known
// compromises write it; any other record of the known-compromises index is
// "compromised", and a MAL- record (the OpenSSF malicious-packages ids) is
// "malicious".
func compromise(h hit) string {
	switch k := strings.ToLower(extras(h.rec.DatabaseSpecific).Kind); k {
	case "malicious", "compromised":
		return k
	case "sabotage", "sabotaged":
		return "sabotaged"
	}
	if strings.HasPrefix(h.rec.ID, "MAL-") || slices.ContainsFunc(h.rec.Aliases, func(a string) bool { return strings.HasPrefix(a, "MAL-") }) {
		return "malicious"
	}
	if h.source == SourceKnown {
		return "compromised"
	}
	return ""
}

// maxSummary bounds a summary drawn from a record's details.
const maxSummary = 200

// firstLine returns the first line of s, cut to maxSummary bytes on a rune
// boundary.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) <= maxSummary {
		return s
	}
	cut := maxSummary
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxReferences bounds the references of a finding: the advisory pages
// first, then the others, a few in all.
const maxReferences = 6

func references(hits []hit) []string {
	var out []string
	seen := map[string]bool{}
	for _, advisories := range []bool{true, false} {
		for _, h := range hits {
			for _, r := range h.rec.References {
				if (r.Type == "ADVISORY") != advisories || r.URL == "" || seen[r.URL] || len(out) == maxReferences {
					continue
				}
				seen[r.URL] = true
				out = append(out, r.URL)
			}
		}
	}
	return out
}

// applies reports whether an affected entry names one of the target's
// packages.
func applies(a advisory.Affected, t target) bool {
	for _, n := range t.names {
		if a.AppliesTo(t.ecosystem, n) {
			return true
		}
	}
	return false
}

// affectsAt reports whether the record of a hit affects one of the
// target's packages at version.
func (m *matcher) affectsAt(h hit, t target, version string) bool {
	k := fixKey{h.rec, lookupKey{t.ecosystem, t.key.names, version}}
	if ok, seen := m.atFix[k]; seen {
		return ok
	}
	ok := false
	for _, n := range t.names {
		if a, _ := h.ix.Affects(h.rec, t.ecosystem, n, version); a {
			ok = true
			break
		}
	}
	m.atFix[k] = ok
	return ok
}

// matchedRange describes what made the record match: the part of a range
// holding the version ("introduced 0, fixed 1.2.3 (ECOSYSTEM)"), else
// "version listed".
func matchedRange(h hit, t target) string {
	for _, a := range h.rec.Affected {
		if !applies(a, t) {
			continue
		}
		for _, r := range a.Ranges {
			for _, seg := range segments(r) {
				if holds(h.ix, a, seg, t) {
					return describeRange(seg)
				}
			}
		}
	}
	return "version listed"
}

// holds reports whether a segment of a range (see segments) holds the
// target's version. It only picks the evidence; whether the record matches
// is the advisory package's decision.
func holds(ix *advisory.Index, a advisory.Affected, seg advisory.Range, t target) bool {
	if t.version == "" || seg.Type == advisory.RangeGit {
		// Rare: let the advisory package evaluate the one segment.
		probe := advisory.Affected{Package: a.Package, Ranges: []advisory.Range{seg}}
		for _, n := range t.names {
			if ok, _ := probe.Affects(t.ecosystem, n, t.version); ok {
				return true
			}
		}
		return false
	}
	compare := func(b string) (int, bool) {
		c, err := ix.CompareVersions(t.ecosystem, seg.Type, t.version, b)
		return c, err == nil
	}
	hasLimit, belowLimit := false, false
	for _, e := range seg.Events {
		switch {
		case e.Introduced != "" && e.Introduced != "0":
			if c, ok := compare(e.Introduced); !ok || c < 0 {
				return false
			}
		case e.Fixed != "":
			if c, ok := compare(e.Fixed); !ok || c >= 0 {
				return false
			}
		case e.LastAffected != "":
			if c, ok := compare(e.LastAffected); !ok || c > 0 {
				return false
			}
		case e.Limit != "":
			hasLimit = true
			if c, ok := compare(e.Limit); strings.Contains(e.Limit, "*") || ok && c < 0 {
				belowLimit = true
			}
		}
	}
	return !hasLimit || belowLimit
}

// segments splits a range into its affected intervals as written: each
// introduced event with the fixed or last_affected event after it, and
// every limit event of the range, so that evidence names the one interval
// that matched rather than a whole history.
func segments(r advisory.Range) []advisory.Range {
	var limits []advisory.Event
	for _, e := range r.Events {
		if e.Limit != "" {
			limits = append(limits, e)
		}
	}
	var out []advisory.Range
	for i, e := range r.Events {
		if e.Introduced == "" {
			continue
		}
		seg := advisory.Range{Type: r.Type, Repo: r.Repo, Events: []advisory.Event{e}}
		for _, next := range r.Events[i+1:] {
			if next.Introduced != "" {
				break
			}
			if next.Fixed != "" || next.LastAffected != "" {
				seg.Events = append(seg.Events, next)
				break
			}
		}
		seg.Events = append(seg.Events, limits...)
		out = append(out, seg)
	}
	return out
}

// describeRange writes a range's events as a person reads them.
func describeRange(r advisory.Range) string {
	parts := make([]string, 0, len(r.Events))
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			parts = append(parts, "introduced "+e.Introduced)
		case e.Fixed != "":
			parts = append(parts, "fixed "+e.Fixed)
		case e.LastAffected != "":
			parts = append(parts, "last affected "+e.LastAffected)
		case e.Limit != "":
			parts = append(parts, "limit "+e.Limit)
		}
	}
	kind := r.Type
	if r.Type == advisory.RangeGit {
		kind += " " + r.Repo
	}
	return strings.Join(parts, ", ") + " (" + kind + ")"
}

// fixedVersions returns the fix versions the records name (fixed events of
// SEMVER and ECOSYSTEM ranges of the entries naming the package) that are
// above the target's version and that no record says is affected, smallest
// first. Without a version nothing can be above it.
func (m *matcher) fixedVersions(hits []hit, t target) []string {
	if t.version == "" {
		return nil
	}
	type candidate struct {
		version, rangeType string
		ix                 *advisory.Index
	}
	var cands []candidate
	seen := map[string]bool{}
	for _, h := range hits {
		for _, a := range h.rec.Affected {
			if !applies(a, t) {
				continue
			}
			for _, r := range a.Ranges {
				if r.Type == advisory.RangeGit {
					continue
				}
				for _, e := range r.Events {
					if e.Fixed == "" || seen[e.Fixed] {
						continue
					}
					seen[e.Fixed] = true
					if c, err := h.ix.CompareVersions(t.ecosystem, r.Type, t.version, e.Fixed); err != nil || c >= 0 {
						continue
					}
					if slices.ContainsFunc(hits, func(o hit) bool { return m.affectsAt(o, t, e.Fixed) }) {
						continue
					}
					cands = append(cands, candidate{e.Fixed, r.Type, h.ix})
				}
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c, err := a.ix.CompareVersions(t.ecosystem, a.rangeType, a.version, b.version); err == nil && c != 0 {
			return c
		}
		return cmp.Compare(a.version, b.version)
	})
	out := make([]string, 0, len(cands))
	for _, c := range cands {
		out = append(out, c.version)
	}
	return out
}

// finding builds the finding of the group for the target's component.
func (grp *group) finding(g *inventory.Graph, t target) finding.Finding {
	c := t.comp
	f := finding.Finding{
		ID:         grp.id,
		Aliases:    slices.Clone(grp.aliases),
		Kind:       grp.kind,
		Severity:   grp.rating.severity,
		Score:      grp.rating.score,
		Vector:     grp.rating.vector,
		Summary:    grp.summary,
		Details:    grp.details,
		Component:  c.PURL,
		Ecosystem:  c.Ecosystem,
		Name:       c.Name,
		Version:    c.Version,
		Locations:  slices.Clone(c.Locations),
		Evidence:   slices.Clone(grp.evidence),
		References: slices.Clone(grp.references),
		Published:  grp.published,
		Source:     grp.source,
	}
	if t.note != "" {
		f.Evidence = append(f.Evidence, t.note)
	}
	for _, v := range grp.fixed {
		f.Fixed = append(f.Fixed, spellLike(c, v))
	}
	if g.Component(c.PURL) != nil {
		f.Via = g.Direct(c.PURL, viaPaths)
	}
	f.Remediation = remediation(g, t, grp, f)
	return f
}

// spellLike writes a fix version as the component's version is written: Go
// module versions carry a "v" the Go database leaves out.
func spellLike(c *inventory.Component, v string) string {
	if advisory.EcosystemBase(c.Ecosystem) == purl.Go && strings.HasPrefix(c.Version, "v") && !strings.HasPrefix(v, "v") {
		return "v" + v
	}
	return v
}

// remediation says what to do, in a sentence.
func remediation(g *inventory.Graph, t target, grp *group, f finding.Finding) string {
	c := t.comp
	subject := c.Name
	if advisory.EcosystemBase(c.Ecosystem) == purl.Go && c.Name == "stdlib" {
		subject = "Go (stdlib)"
	} else if len(t.names) == 1 && t.names[0] != c.Name {
		subject += " (source " + t.names[0] + ")"
	}
	if grp.kind == finding.Malicious {
		s := "remove now: " + c.Name
		if c.Version != "" {
			s += "@" + c.Version + " is a known " + grp.compromise + " release"
		} else {
			s += " is a known " + grp.compromise + " package"
		}
		if len(f.Fixed) > 0 {
			s += "; a safe version is " + f.Fixed[0]
		}
		return s
	}
	if len(f.Fixed) == 0 {
		return "no fix available"
	}
	var via []string
	for _, d := range f.Via {
		if d == c.PURL {
			continue
		}
		name := d
		if dc := g.Component(d); dc != nil {
			name = dc.Name
		}
		via = append(via, name)
	}
	if c.Direct || len(via) == 0 {
		return "upgrade " + subject + " to >= " + f.Fixed[0]
	}
	const show = 3
	list := strings.Join(via[:min(len(via), show)], ", ")
	if len(via) > show {
		list += " and " + strconv.Itoa(len(via)-show) + " more"
	}
	word := "dependency"
	if len(via) > 1 {
		word = "dependencies"
	}
	return "upgrade " + subject + " (via direct " + word + " " + list + ") to >= " + f.Fixed[0]
}
