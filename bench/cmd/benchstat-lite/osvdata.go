package main

// Reading OSV export zips (<ecosystem>/all.zip, one record per file) and
// judging by the OSV schema alone whether a version is affected. The scan
// benchmark uses it to synthesise a Python lockfile from the advisories and
// to explain where vouch and osv-scanner disagree; it is a reference for
// explanations, not a matcher anyone relies on.

import (
	"archive/zip"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// osvRecord is the part of an OSV record the benchmark reads.
type osvRecord struct {
	ID        string        `json:"id"`
	Aliases   []string      `json:"aliases"`
	Withdrawn string        `json:"withdrawn"`
	Affected  []osvAffected `json:"affected"`
	file      string        // zip it came from
}

type osvAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges   []osvRange `json:"ranges"`
	Versions []string   `json:"versions"`
	// EcosystemSpecific holds, for Go, the affected symbols ("imports").
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
}

type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

// readZip reads every *.json record of an OSV export zip.
func readOSVZip(file string) ([]*osvRecord, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var recs []*osvRecord
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || path.Ext(f.Name) != ".json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, f.Name, err)
		}
		var r osvRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, f.Name, err)
		}
		r.file = file
		recs = append(recs, &r)
	}
	slices.SortFunc(recs, func(a, b *osvRecord) int { return strings.Compare(a.ID, b.ID) })
	return recs, nil
}

// osvDB indexes records by every id and alias, and by package.
type osvDB struct {
	byID  map[string][]*osvRecord // id or alias -> records
	byPkg map[pkgKey][]*osvRecord
}

// pkgKey is a package in normalised form: ecosystem without release
// ("Go", "PyPI", "npm"), name as normName writes it.
type pkgKey struct{ eco, name string }

func loadOSVDB(files []string) (*osvDB, error) {
	db := &osvDB{byID: map[string][]*osvRecord{}, byPkg: map[pkgKey][]*osvRecord{}}
	for _, f := range files {
		recs, err := readOSVZip(f)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			db.byID[r.ID] = append(db.byID[r.ID], r)
			for _, a := range r.Aliases {
				db.byID[a] = append(db.byID[a], r)
			}
			seen := map[pkgKey]bool{}
			for _, a := range r.Affected {
				k := pkgKey{ecoBase(a.Package.Ecosystem), normName(a.Package.Ecosystem, a.Package.Name)}
				if !seen[k] {
					seen[k] = true
					db.byPkg[k] = append(db.byPkg[k], r)
				}
			}
		}
	}
	return db, nil
}

// ecoBase drops an ecosystem's release ("Debian:12" -> "Debian").
func ecoBase(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	return base
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// normName writes a package name as the ecosystem compares it: PyPI names
// PEP 503-normalised, others unchanged.
func normName(eco, name string) string {
	if ecoBase(eco) == "PyPI" {
		return strings.ToLower(pep503.ReplaceAllString(name, "-"))
	}
	return name
}

// normVersion writes a version for comparison: Go without its "v".
func normVersion(eco, v string) string {
	if ecoBase(eco) == "Go" {
		return strings.TrimPrefix(v, "v")
	}
	return v
}

// ---------------------------------------------------------------------------
// Version ordering

// compareVersions orders two versions of an ecosystem; ok is false when
// either cannot be read.
func compareVersions(eco, a, b string) (int, bool) {
	switch ecoBase(eco) {
	case "PyPI":
		x, ok1 := parsePEP440(a)
		y, ok2 := parsePEP440(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.compare(y), true
	default:
		x, ok1 := parseSemver(a)
		y, ok2 := parseSemver(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.compare(y), true
	}
}

type semver struct {
	nums [3]int
	pre  []string
}

func parseSemver(s string) (semver, bool) {
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return semver{}, false
	}
	var v semver
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return semver{}, false
		}
		v.nums[i] = n
	}
	if hasPre {
		v.pre = strings.Split(pre, ".")
	}
	return v, true
}

func (a semver) compare(b semver) int {
	for i := range a.nums {
		if c := cmp.Compare(a.nums[i], b.nums[i]); c != 0 {
			return c
		}
	}
	// A pre-release sorts before its release.
	switch {
	case a.pre == nil && b.pre == nil:
		return 0
	case a.pre == nil:
		return 1
	case b.pre == nil:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, errx := strconv.Atoi(a.pre[i])
		y, erry := strconv.Atoi(b.pre[i])
		var c int
		switch {
		case errx == nil && erry == nil:
			c = cmp.Compare(x, y)
		case errx == nil:
			c = -1
		case erry == nil:
			c = 1
		default:
			c = strings.Compare(a.pre[i], b.pre[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.pre), len(b.pre))
}

// pep440 is a PEP 440 version, enough to order the versions of the
// advisory data: epoch, release, pre-release, post-release, dev release
// (local versions are ignored).
type pep440 struct {
	epoch   int
	release []int
	pre     [2]int // phase (-3 dev-only marker not used, 0 a, 1 b, 2 rc; 3: none), number
	post    int    // -1: none
	dev     int    // -1: none
}

var pep440RE = regexp.MustCompile(`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?` +
	`(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?` +
	`(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[a-z0-9.]+)?$`)

func parsePEP440(s string) (pep440, bool) {
	m := pep440RE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return pep440{}, false
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	v := pep440{epoch: num(m[1]), pre: [2]int{3, 0}, post: -1, dev: -1}
	for _, p := range strings.Split(m[2], ".") {
		v.release = append(v.release, num(p))
	}
	for len(v.release) > 1 && v.release[len(v.release)-1] == 0 {
		v.release = v.release[:len(v.release)-1]
	}
	if m[3] != "" {
		switch m[3] {
		case "a", "alpha":
			v.pre[0] = 0
		case "b", "beta":
			v.pre[0] = 1
		default:
			v.pre[0] = 2
		}
		v.pre[1] = num(m[4])
	}
	switch {
	case m[5] != "":
		v.post = num(m[5])
	case m[6] != "":
		v.post = num(m[7])
	}
	if m[8] != "" {
		v.dev = num(m[9])
	}
	return v, true
}

func (a pep440) compare(b pep440) int {
	if c := cmp.Compare(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := slices.Compare(a.release, b.release); c != 0 {
		return c
	}
	// A dev release of a final version sorts before its pre-releases.
	pa, pb := a.pre, b.pre
	if pa[0] == 3 && a.post < 0 && a.dev >= 0 {
		pa[0] = -1
	}
	if pb[0] == 3 && b.post < 0 && b.dev >= 0 {
		pb[0] = -1
	}
	if c := cmp.Or(cmp.Compare(pa[0], pb[0]), cmp.Compare(pa[1], pb[1])); c != 0 {
		return c
	}
	if c := cmp.Compare(a.post, b.post); c != 0 {
		return c
	}
	// No dev part sorts after any dev part.
	da, db := a.dev, b.dev
	if da < 0 {
		da = 1 << 30
	}
	if db < 0 {
		db = 1 << 30
	}
	return cmp.Compare(da, db)
}

// ---------------------------------------------------------------------------
// Affectedness by the schema

// verdict is what the OSV schema alone says about one version and one
// affected entry.
type verdict struct {
	inVersions bool // listed in "versions"
	inRanges   bool // inside an ECOSYSTEM or SEMVER range
	// inRangeFirst: inside an ECOSYSTEM or SEMVER range that no range of
	// another type (GIT) precedes. osv-scalibr's local matcher (which
	// osv-scanner v2 uses offline) stops at the first range of another type.
	inRangeFirst bool
	rangeTypes   string // the entry's range types, e.g. "ECOSYSTEM+GIT"
	unreadable   bool   // a version or event the comparator could not read
}

func (v verdict) affected() bool { return v.inVersions || v.inRanges }

// judge evaluates one affected entry for a version, as the OSV schema
// defines it: affected when listed in versions or inside any ECOSYSTEM or
// SEMVER range (GIT ranges name commits and do not apply to versions).
func judge(eco string, a osvAffected, version string) verdict {
	var v verdict
	version = normVersion(eco, version)
	for _, x := range a.Versions {
		if normVersion(eco, x) == version {
			v.inVersions = true
		}
	}
	var types []string
	other := false
	for _, r := range a.Ranges {
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
		if r.Type != "ECOSYSTEM" && r.Type != "SEMVER" {
			other = true
			continue
		}
		in, ok := inRange(eco, r, version)
		if !ok {
			v.unreadable = true
		}
		if in {
			v.inRanges = true
			v.inRangeFirst = v.inRangeFirst || !other
		}
	}
	slices.Sort(types)
	v.rangeTypes = strings.Join(types, "+")
	return v
}

// inRange walks a range's events in order, as the OSV schema's evaluation
// does for sorted events: introduced opens, fixed closes (exclusive),
// last_affected closes (inclusive).
func inRange(eco string, r osvRange, version string) (bool, bool) {
	type ev struct {
		kind, v string
	}
	var evs []ev
	for _, e := range r.Events {
		for k, x := range e {
			if k == "introduced" || k == "fixed" || k == "last_affected" || k == "limit" {
				evs = append(evs, ev{k, normVersion(eco, x)})
			}
		}
	}
	ok := true
	less := func(a, b string) int {
		if a == "0" && b == "0" {
			return 0
		}
		if a == "0" {
			return -1
		}
		if b == "0" {
			return 1
		}
		c, good := compareVersions(eco, a, b)
		if !good {
			ok = false
		}
		return c
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return less(a.v, b.v) })
	affected := false
	for _, e := range evs {
		c := less(version, e.v)
		switch e.kind {
		case "introduced":
			if c >= 0 {
				affected = true
			}
		case "fixed", "limit":
			if c >= 0 {
				affected = false
			}
		case "last_affected":
			if c > 0 {
				affected = false
			}
		}
	}
	return affected, ok
}
