package main

// Findings of vouch scan and osv-scanner, and the correctness comparison of
// bench/scan/run.sh --compare.

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// pkgVer is a package version in normalised form: ecosystem without
// release, name as normName writes it, version as normVersion does.
type pkgVer struct{ eco, name, version string }

func newPkgVer(eco, name, version string) pkgVer {
	return pkgVer{ecoBase(eco), normName(eco, name), normVersion(eco, version)}
}

func (p pkgVer) String() string { return p.eco + ":" + p.name + "@" + p.version }

// vfinding is one advisory a tool reported for one package version. ids
// holds the identifier the tool shows first and every alias it gives.
type vfinding struct {
	pkg  pkgVer
	ids  []string
	show string // the id the tool shows
	kind string // vouch: vulnerability, malicious, ...
}

// loadFindings reads a tool's JSON. pkgs is every package version the tool
// reported, findings or not (osv-scanner with --all-packages; nil for
// vouch, whose scan document has no inventory).
func loadFindings(tool, file string) (fs []vfinding, pkgs map[pkgVer]bool, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	switch tool {
	case "vouch":
		var doc struct {
			Findings *[]struct {
				ID        string   `json:"id"`
				Aliases   []string `json:"aliases"`
				Kind      string   `json:"kind"`
				Ecosystem string   `json:"ecosystem"`
				Name      string   `json:"name"`
				Version   string   `json:"version"`
			} `json:"findings"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		if doc.Findings == nil {
			return nil, nil, fmt.Errorf("%s: no findings array: not vouch scan's JSON", file)
		}
		for _, f := range *doc.Findings {
			if f.Name == "" {
				continue // about a file, not a component
			}
			ids := append([]string{f.ID}, f.Aliases...)
			fs = append(fs, vfinding{pkg: newPkgVer(f.Ecosystem, f.Name, f.Version), ids: uniqSorted(ids), show: f.ID, kind: f.Kind})
		}
		return fs, nil, nil
	case "osv-scanner":
		var doc struct {
			Results *[]struct {
				Packages []struct {
					Package struct {
						Name      string `json:"name"`
						Version   string `json:"version"`
						Ecosystem string `json:"ecosystem"`
					} `json:"package"`
					Vulnerabilities []struct {
						ID      string   `json:"id"`
						Aliases []string `json:"aliases"`
					} `json:"vulnerabilities"`
					Groups []struct {
						IDs     []string `json:"ids"`
						Aliases []string `json:"aliases"`
					} `json:"groups"`
				} `json:"packages"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		if doc.Results == nil {
			return nil, nil, fmt.Errorf("%s: no results: not osv-scanner's JSON", file)
		}
		pkgs = map[pkgVer]bool{}
		for _, r := range *doc.Results {
			for _, p := range r.Packages {
				k := newPkgVer(p.Package.Ecosystem, p.Package.Name, p.Package.Version)
				pkgs[k] = true
				aliases := map[string][]string{}
				for _, v := range p.Vulnerabilities {
					aliases[v.ID] = append(aliases[v.ID], v.Aliases...)
				}
				grouped := map[string]bool{}
				// One finding per group: osv-scanner's own unit of "one
				// vulnerability", its ids merged through aliases.
				for _, g := range p.Groups {
					ids := append(slices.Clone(g.IDs), g.Aliases...)
					for _, id := range g.IDs {
						ids = append(ids, aliases[id]...)
						grouped[id] = true
					}
					if len(g.IDs) == 0 {
						continue
					}
					fs = append(fs, vfinding{pkg: k, ids: uniqSorted(ids), show: g.IDs[0], kind: "vulnerability"})
				}
				for _, v := range p.Vulnerabilities {
					if !grouped[v.ID] {
						fs = append(fs, vfinding{pkg: k, ids: uniqSorted(append([]string{v.ID}, v.Aliases...)), show: v.ID, kind: "vulnerability"})
					}
				}
			}
		}
		return fs, pkgs, nil
	}
	return nil, nil, fmt.Errorf("unknown tool %q", tool)
}

func uniqSorted(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cluster is a set of findings on one package version whose id sets
// overlap, directly or through each other: one advisory, as both tools
// would agree it is one.
type cluster struct {
	pkg   pkgVer
	ids   []string
	by    map[string][]vfinding // tool -> its findings in the cluster
	shows []string
}

// clusters groups the findings of all tools by package version and
// overlapping ids.
func clusters(byTool map[string][]vfinding) []*cluster {
	type item struct {
		tool string
		f    vfinding
	}
	perPkg := map[pkgVer][]item{}
	for t, fs := range byTool {
		for _, f := range fs {
			perPkg[f.pkg] = append(perPkg[f.pkg], item{t, f})
		}
	}
	var out []*cluster
	for pkg, items := range perPkg {
		parent := make([]int, len(items))
		for i := range parent {
			parent[i] = i
		}
		find := func(i int) int {
			for parent[i] != i {
				parent[i] = parent[parent[i]]
				i = parent[i]
			}
			return i
		}
		owner := map[string]int{}
		for i, it := range items {
			for _, id := range it.f.ids {
				if j, ok := owner[id]; ok {
					parent[find(i)] = find(j)
				} else {
					owner[id] = i
				}
			}
		}
		groups := map[int]*cluster{}
		for i, it := range items {
			root := find(i)
			c := groups[root]
			if c == nil {
				c = &cluster{pkg: pkg, by: map[string][]vfinding{}}
				groups[root] = c
				out = append(out, c)
			}
			c.by[it.tool] = append(c.by[it.tool], it.f)
			c.ids = append(c.ids, it.f.ids...)
			c.shows = append(c.shows, it.f.show)
		}
	}
	for _, c := range out {
		c.ids = uniqSorted(c.ids)
		c.shows = uniqSorted(c.shows)
	}
	slices.SortFunc(out, func(a, b *cluster) int {
		return cmp.Or(strings.Compare(a.pkg.eco, b.pkg.eco), strings.Compare(a.pkg.name, b.pkg.name),
			strings.Compare(a.pkg.version, b.pkg.version), strings.Compare(a.ids[0], b.ids[0]))
	})
	return out
}

// findingCounts is what summarize prints for a scan: raw findings as the
// tool lists them, by ecosystem, and unique (package version, advisory).
func findingCounts(tool, file string) (raw int, byEco map[string]int, unique int, err error) {
	fs, _, err := loadFindings(tool, file)
	if err != nil {
		return 0, nil, 0, err
	}
	byEco = map[string]int{}
	for _, f := range fs {
		byEco[f.pkg.eco]++
	}
	return len(fs), byEco, len(clusters(map[string][]vfinding{tool: fs})), nil
}

// ---------------------------------------------------------------------------
// Comparison

// vouchPackages reads the package versions of a vouch inventory document.
func vouchPackages(file string) (map[pkgVer]bool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Components []struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			Version   string `json:"version"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	m := map[pkgVer]bool{}
	for _, c := range doc.Components {
		m[newPkgVer(c.Ecosystem, c.Name, c.Version)] = true
	}
	return m, nil
}

// explanation classifies one unmatched cluster from the records it names.
type explanation struct {
	category string
	facts    string
}

// explain says why one tool reported a cluster and the other did not,
// from the records in the exports: withdrawn, Go's stdlib and toolchain,
// what the schema says of the version, whether the other tool saw the
// package at all.
func explain(c *cluster, reporter, other string, db *osvDB, otherPkgs map[pkgVer]bool, otherHasPkg map[pkgVer][]string) explanation {
	var recs []*osvRecord
	seen := map[*osvRecord]bool{}
	for _, id := range c.ids {
		for _, r := range db.byID[id] {
			if !seen[r] {
				seen[r] = true
				recs = append(recs, r)
			}
		}
	}
	otherSaw := "?"
	switch {
	case otherPkgs == nil:
	case otherPkgs[c.pkg]:
		otherSaw = "listed"
	default:
		otherSaw = "not listed"
	}
	side := func(s string) string {
		switch otherSaw {
		case "listed":
			s += fmt.Sprintf("; %s lists %s", other, c.pkg.name+"@"+c.pkg.version)
			if ids := otherHasPkg[c.pkg]; len(ids) > 0 {
				s += " with other advisories: " + strings.Join(ids[:min(len(ids), 5)], ",")
				if len(ids) > 5 {
					s += ",…"
				}
			}
		case "not listed":
			s += fmt.Sprintf("; %s does not list %s", other, c.pkg.name+"@"+c.pkg.version)
		}
		return s
	}
	if len(recs) == 0 {
		cat := "no record in the exports (another source)"
		for _, id := range c.ids {
			if strings.HasPrefix(id, "VOUCH-KNOWN-") {
				cat = "vouch's embedded known compromises (no record in the exports)"
			}
		}
		return explanation{category: cat, facts: side("")}
	}
	var facts []string
	anyAffected, anyLive, anyEntry := false, false, false
	// Quirks, true while every affected entry has them: affected only
	// through a range that follows a GIT range (no versions list), and a
	// record that spells the name otherwise than PEP 503.
	gitFirst, spelling := true, true
	var detail []string
	for _, r := range recs {
		if r.Withdrawn != "" {
			facts = append(facts, fmt.Sprintf("%s withdrawn %s", r.ID, r.Withdrawn[:min(10, len(r.Withdrawn))]))
			continue
		}
		anyLive = true
		for _, a := range r.Affected {
			if ecoBase(a.Package.Ecosystem) != c.pkg.eco || normName(a.Package.Ecosystem, a.Package.Name) != c.pkg.name {
				continue
			}
			anyEntry = true
			v := judge(a.Package.Ecosystem, a, c.pkg.version)
			if v.affected() {
				anyAffected = true
				gitFirst = gitFirst && !v.inVersions && !v.inRangeFirst
				spelling = spelling && a.Package.Name != c.pkg.name
			}
			d := fmt.Sprintf("%s [%s] versions-list:%s ranges:%s", r.ID, cmp.Or(v.rangeTypes, "none"), yesNo(v.inVersions, len(a.Versions) > 0), yesNo(v.inRanges, true))
			if v.inRanges && !v.inRangeFirst {
				d += " (only in a range after a GIT range)"
			}
			if v.unreadable {
				d += " (a version the reference comparator cannot read)"
			}
			if a.Package.Name != c.pkg.name {
				d += fmt.Sprintf(" (record spells it %q)", a.Package.Name)
			}
			detail = append(detail, d)
		}
	}
	facts = append(facts, detail...)
	var cat string
	switch {
	case !anyLive:
		cat = "withdrawn record"
	case c.pkg.eco == "Go" && (c.pkg.name == "stdlib" || c.pkg.name == "toolchain"):
		cat = "Go " + c.pkg.name
	case !anyEntry:
		cat = "record does not name this package"
	case !anyAffected:
		cat = "schema says not affected"
	default:
		cat = "schema says affected"
		switch {
		case gitFirst:
			cat += " only through an ECOSYSTEM/SEMVER range listed after a GIT range, no versions list"
		case spelling:
			cat += ", the record spells the name otherwise (not PEP 503-normalised)"
		}
		if otherSaw == "not listed" {
			cat += ", " + other + " does not list the package version"
		} else if otherSaw == "listed" {
			cat += ", " + other + " lists the package version"
		}
	}
	return explanation{category: cat, facts: side(strings.Join(facts, "; "))}
}

func yesNo(b, applicable bool) string {
	switch {
	case !applicable:
		return "n/a"
	case b:
		return "yes"
	}
	return "no"
}

func scanCompareCmd(args []string) error {
	fs := flag.NewFlagSet("scancompare", flag.ContinueOnError)
	vouch := fs.String("vouch", "", "vouch scan's JSON")
	vouchInv := fs.String("vouch-inventory", "", "vouch inventory's JSON of the same input (which packages vouch saw)")
	osv := fs.String("osv-scanner", "", "osv-scanner's JSON (--all-packages)")
	limit := fs.Int("limit", 0, "examples per category (0: all)")
	title := fs.String("title", "", "heading")
	var zips multiFlag
	fs.Var(&zips, "db", "an OSV export zip the records come from (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *vouch == "" || *osv == "" {
		return errors.New("scancompare needs -vouch and -osv-scanner")
	}
	db, err := loadOSVDB(zips)
	if err != nil {
		return err
	}
	vf, _, err := loadFindings("vouch", *vouch)
	if err != nil {
		return err
	}
	of, osvPkgs, err := loadFindings("osv-scanner", *osv)
	if err != nil {
		return err
	}
	var vouchPkgs map[pkgVer]bool
	if *vouchInv != "" {
		if vouchPkgs, err = vouchPackages(*vouchInv); err != nil {
			return err
		}
	}
	return scanCompare(os.Stdout, *title, vf, of, vouchPkgs, osvPkgs, db, *limit)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func scanCompare(w io.Writer, title string, vf, of []vfinding, vouchPkgs, osvPkgs map[pkgVer]bool, db *osvDB, limit int) error {
	const V, O = "vouch", "osv-scanner"
	cs := clusters(map[string][]vfinding{V: vf, O: of})
	hasFinding := map[string]map[pkgVer][]string{V: {}, O: {}}
	for _, c := range cs {
		for t, fs := range c.by {
			hasFinding[t][c.pkg] = append(hasFinding[t][c.pkg], showsOf(fs)...)
		}
	}
	type row struct{ vouch, osv, matched, onlyV, onlyO int }
	byEco := map[string]*row{}
	get := func(e string) *row {
		if byEco[e] == nil {
			byEco[e] = &row{}
		}
		return byEco[e]
	}
	type example struct {
		c *cluster
		x explanation
	}
	cats := map[string]map[string][]example{V: {}, O: {}} // reporter -> category -> examples
	var matchedDiffID []*cluster
	for _, c := range cs {
		r := get(c.pkg.eco)
		_, inV := c.by[V]
		_, inO := c.by[O]
		if inV {
			r.vouch++
		}
		if inO {
			r.osv++
		}
		switch {
		case inV && inO:
			r.matched++
			if !slices.Equal(uniqSorted(showsOf(c.by[V])), uniqSorted(showsOf(c.by[O]))) {
				matchedDiffID = append(matchedDiffID, c)
			}
		case inV:
			r.onlyV++
			x := explain(c, V, O, db, osvPkgs, hasFinding[O])
			cats[V][x.category] = append(cats[V][x.category], example{c, x})
		default:
			r.onlyO++
			x := explain(c, O, V, db, vouchPkgs, hasFinding[V])
			cats[O][x.category] = append(cats[O][x.category], example{c, x})
		}
	}
	if title != "" {
		fmt.Fprintf(w, "## %s\n\n", title)
	}
	fmt.Fprintln(w, "Unit: one advisory on one package version (ecosystem, PEP 503 name for PyPI, version without Go's \"v\"); a vouch finding and an osv-scanner group are the same advisory when their id sets (id, aliases, group ids) overlap.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| ecosystem | vouch | osv-scanner | matched | only vouch | only osv-scanner |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	ecos := make([]string, 0, len(byEco))
	for e := range byEco {
		ecos = append(ecos, e)
	}
	slices.Sort(ecos)
	var tot row
	for _, e := range ecos {
		r := byEco[e]
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", e, r.vouch, r.osv, r.matched, r.onlyV, r.onlyO)
		tot.vouch += r.vouch
		tot.osv += r.osv
		tot.matched += r.matched
		tot.onlyV += r.onlyV
		tot.onlyO += r.onlyO
	}
	fmt.Fprintf(w, "| **all** | **%d** | **%d** | **%d** | **%d** | **%d** |\n\n", tot.vouch, tot.osv, tot.matched, tot.onlyV, tot.onlyO)
	if vouchPkgs == nil {
		fmt.Fprintln(w, "(No vouch inventory given: whether vouch saw a package is unknown.)")
		fmt.Fprintln(w)
	}
	for _, rep := range []string{O, V} {
		names := make([]string, 0, len(cats[rep]))
		for k := range cats[rep] {
			names = append(names, k)
		}
		slices.SortFunc(names, func(a, b string) int {
			return cmp.Or(cmp.Compare(len(cats[rep][b]), len(cats[rep][a])), strings.Compare(a, b))
		})
		for _, k := range names {
			ex := cats[rep][k]
			fmt.Fprintf(w, "### only %s: %s (%d)\n\n", rep, k, len(ex))
			for i, e := range ex {
				if limit > 0 && i == limit {
					fmt.Fprintf(w, "- … and %d more\n", len(ex)-limit)
					break
				}
				fmt.Fprintf(w, "- %s %s — %s\n", e.c.pkg, strings.Join(e.c.shows, ","), strings.TrimPrefix(e.x.facts, "; "))
			}
			fmt.Fprintln(w)
		}
	}
	reference(w, db, map[string][]vfinding{V: vf, O: of}, map[string]map[pkgVer]bool{V: vouchPkgs, O: osvPkgs}, limit)
	if len(matchedDiffID) > 0 {
		// Presentation only (vouch shows the CVE first, osv-scanner the
		// group's first id): a few examples are enough.
		fmt.Fprintf(w, "### matched, shown under different ids (%d)\n\n", len(matchedDiffID))
		for i, c := range matchedDiffID {
			if i == 5 {
				fmt.Fprintf(w, "- … and %d more\n", len(matchedDiffID)-limit)
				break
			}
			fmt.Fprintf(w, "- %s vouch %s, osv-scanner %s\n", c.pkg, strings.Join(uniqSorted(showsOf(c.by[V])), ","), strings.Join(uniqSorted(showsOf(c.by[O])), ","))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func showsOf(fs []vfinding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.show
	}
	return out
}

// referenceFindings evaluates every live record naming a package version
// that a tool listed, by the OSV schema alone (judge).
func referenceFindings(db *osvDB, pkgs map[pkgVer]bool) []vfinding {
	var out []vfinding
	for p := range pkgs {
		if p.version == "" {
			continue
		}
		for _, r := range db.byPkg[pkgKey{p.eco, p.name}] {
			if r.Withdrawn != "" {
				continue
			}
			for _, a := range r.Affected {
				if ecoBase(a.Package.Ecosystem) != p.eco || normName(a.Package.Ecosystem, a.Package.Name) != p.name {
					continue
				}
				if judge(a.Package.Ecosystem, a, p.version).affected() {
					out = append(out, vfinding{pkg: p, ids: uniqSorted(append([]string{r.ID}, r.Aliases...)), show: r.ID, kind: "vulnerability"})
					break
				}
			}
		}
	}
	return out
}

// reference compares each tool with the schema's verdict on the package
// versions that tool listed itself, so that an inventory difference is not
// counted as a matching one.
func reference(w io.Writer, db *osvDB, byTool map[string][]vfinding, pkgs map[string]map[pkgVer]bool, limit int) {
	const S = "schema"
	fmt.Fprintln(w, "### Each tool against the OSV schema")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The schema's verdict is benchstat-lite's own evaluation of the records (affected when the version is listed in `versions` or inside an ECOSYSTEM/SEMVER range; withdrawn records never apply; GIT ranges do not apply to versions), over the package versions the tool itself listed: a reference to explain differences, not a third matcher to trust blindly.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| tool | package versions listed | schema says affected | tool reported | agree | tool only | schema only | withdrawn records covering a listed version |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	type diff struct {
		tool, side string
		c          *cluster
		x          explanation
	}
	var diffs []diff
	for _, t := range []string{"vouch", "osv-scanner"} {
		listed := pkgs[t]
		if listed == nil {
			// vouch scan's document has no inventory: take the packages it
			// reported findings on (an undercount of what it saw).
			listed = map[pkgVer]bool{}
			for _, f := range byTool[t] {
				listed[f.pkg] = true
			}
		}
		ref := referenceFindings(db, listed)
		cs := clusters(map[string][]vfinding{t: byTool[t], S: ref})
		var agree, only, schemaOnly, nt, ns int
		for _, c := range cs {
			_, inT := c.by[t]
			_, inS := c.by[S]
			if inT {
				nt++
			}
			if inS {
				ns++
			}
			switch {
			case inT && inS:
				agree++
			case inT:
				only++
				diffs = append(diffs, diff{t, "reported", c, explain(c, t, S, db, nil, nil)})
			default:
				schemaOnly++
				diffs = append(diffs, diff{t, "missed", c, explain(c, S, t, db, nil, nil)})
			}
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", t, len(listed), ns, nt, agree, only, schemaOnly, withdrawnCovering(db, listed))
	}
	fmt.Fprintln(w)
	groups := map[string][]diff{}
	var keys []string
	for _, d := range diffs {
		k := d.tool + ": " + d.side + ", " + d.x.category
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], d)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ds := groups[k]
		fmt.Fprintf(w, "#### %s: %d\n\n", k, len(ds))
		for i, d := range ds {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "- … and %d more\n", len(ds)-limit)
				break
			}
			fmt.Fprintf(w, "- %s %s — %s\n", d.c.pkg, strings.Join(d.c.shows, ","), strings.TrimPrefix(d.x.facts, "; "))
		}
		fmt.Fprintln(w)
	}
}

// withdrawnCovering counts (package version, withdrawn record) pairs where
// the record, were it live, would apply: the probes of withdrawn handling.
func withdrawnCovering(db *osvDB, pkgs map[pkgVer]bool) int {
	n := 0
	for p := range pkgs {
		for _, r := range db.byPkg[pkgKey{p.eco, p.name}] {
			if r.Withdrawn == "" || p.version == "" {
				continue
			}
			for _, a := range r.Affected {
				if ecoBase(a.Package.Ecosystem) == p.eco && normName(a.Package.Ecosystem, a.Package.Name) == p.name &&
					judge(a.Package.Ecosystem, a, p.version).affected() {
					n++
					break
				}
			}
		}
	}
	return n
}

// vouchMatching reports whether a vouch scan document shows that advisories
// were matched: it names the database it used, or it has findings. A build
// of vouch whose scan does not match yet writes neither.
func vouchMatching(file string) (bool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	var doc struct {
		Database struct {
			Path string `json:"path"`
		} `json:"database"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return false, fmt.Errorf("%s: %w", file, err)
	}
	return doc.Database.Path != "" || len(doc.Findings) > 0, nil
}
