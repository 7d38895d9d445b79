package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The comparison of what the tools found, with where they found it: a
// component a peer lists and vouch does not is told apart as
//
//   - a root of vouch's: the project itself (a lockfile's own package, a
//     Go binary's main module, a Cargo workspace's other members), which
//     vouch records as a root, not a component; matched by name, since
//     vouch may record a root without a version that a peer invents;
//   - named otherwise: vouch lists a component at the same place (the same
//     Java archive, the same lockfile) that is the same thing by another
//     name or version: at a Java archive, any component vouch found in it
//     that the peer did not (paired one to one, same artifact or version
//     first: a jar without pom.properties is named by guesswork, and the
//     tools guess differently); in any other file, one with the same name
//     or aliased as that name (npm's "alias": "npm:real@1.0.0");
//   - a second name: at a Java archive vouch names by another of its
//     identities, both tools agreeing on that one (syft lists a jar both by
//     its pom.properties and by its manifest or file name when they differ);
//   - not found: nothing of the kind where the peer found it. These are
//     the candidates for gaps.
//
// Places are paths relative to the input, inside archives the path of the
// innermost archive with its members joined by "/"
// ("deploy/app.war/WEB-INF/lib/x.jar"): vouch writes "a.war!/b.jar", syft a
// virtual path "/a.war:b.jar", osv-scanner only the outer file, as an
// absolute path, which is taken to hold whatever vouch found inside it.

// placed is a component and the places a tool found it.
type placed struct {
	c     component
	where []string
	aka   string // vouch: the name a lockfile aliases it as ("alias" property)
}

// loadWhere reads a tool's JSON like load, with places; root is the input
// the tool was given (a directory or an image archive), which places are
// made relative to. For vouch it also returns the roots' packages.
func loadWhere(tool, path, root string) ([]placed, []component, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	root = filepath.Clean(root)
	rel := func(p string) string {
		p = strings.TrimPrefix(p, root+"/")
		return strings.TrimPrefix(p, "/")
	}
	switch tool {
	case "vouch":
		var doc struct {
			Components []struct {
				PURL      string `json:"purl"`
				Ecosystem string `json:"ecosystem"`
				Name      string `json:"name"`
				Version   string `json:"version"`
				Locations []struct {
					Path string `json:"path"`
				} `json:"locations"`
				Properties map[string]string `json:"properties"`
			} `json:"components"`
			Roots []struct {
				PURL       string            `json:"purl"`
				Name       string            `json:"name"`
				Version    string            `json:"version"`
				Properties map[string]string `json:"properties"`
			} `json:"roots"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		// In an image, vouch's places start with the archive's name.
		image := filepath.Base(root) + "!/"
		var out []placed
		for _, c := range doc.Components {
			p, ok := parsePURL(c.PURL)
			if !ok {
				p = normalize(osvType(c.Ecosystem), "", c.Name, c.Version)
			}
			x := placed{c: p, aka: c.Properties["alias"]}
			for _, l := range c.Locations {
				q := strings.TrimPrefix(l.Path, image)
				x.where = append(x.where, strings.TrimPrefix(strings.ReplaceAll(q, "!/", "/"), "/"))
			}
			out = append(out, x)
		}
		var roots []component
		for _, r := range doc.Roots {
			p, ok := parsePURL(r.PURL)
			if !ok {
				continue
			}
			roots = append(roots, p)
			// The project's other own packages (Cargo workspace members and
			// path crates), "name@version,...".
			for _, l := range strings.Split(r.Properties["local_packages"], ",") {
				if n, v, ok := strings.Cut(strings.TrimSpace(l), "@"); ok && n != "" {
					roots = append(roots, normalize(p.eco, "", n, v))
				}
			}
		}
		return out, roots, nil
	case "syft":
		var doc struct {
			Artifacts *[]struct {
				Name      string `json:"name"`
				Version   string `json:"version"`
				Type      string `json:"type"`
				PURL      string `json:"purl"`
				Locations []struct {
					Path string `json:"path"`
				} `json:"locations"`
				Metadata struct {
					VirtualPath string `json:"virtualPath"`
				} `json:"metadata"`
			} `json:"artifacts"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Artifacts == nil {
			return nil, nil, fmt.Errorf("%s: no artifacts: not syft's JSON", path)
		}
		var out []placed
		for _, a := range *doc.Artifacts {
			p, ok := parsePURL(a.PURL)
			if !ok {
				p = normalize(syftType(a.Type), "", a.Name, a.Version)
			}
			x := placed{c: p}
			if v := a.Metadata.VirtualPath; v != "" {
				x.where = []string{rel(strings.ReplaceAll(v, ":", "/"))}
			} else {
				for _, l := range a.Locations {
					x.where = append(x.where, rel(l.Path))
				}
			}
			out = append(out, x)
		}
		return out, nil, nil
	case "osv-scanner":
		var doc struct {
			Results *[]struct {
				Source struct {
					Path string `json:"path"`
				} `json:"source"`
				Packages []struct {
					Package struct {
						Name          string `json:"name"`
						Version       string `json:"version"`
						Ecosystem     string `json:"ecosystem"`
						OSPackageName string `json:"os_package_name"`
					} `json:"package"`
				} `json:"packages"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Results == nil {
			return nil, nil, fmt.Errorf("%s: no results: not osv-scanner's JSON", path)
		}
		var out []placed
		for _, r := range *doc.Results {
			for _, p := range r.Packages {
				name := cmp.Or(p.Package.OSPackageName, p.Package.Name)
				out = append(out, placed{
					c:     normalize(osvType(p.Package.Ecosystem), "", name, p.Package.Version),
					where: []string{rel(r.Source.Path)},
				})
			}
		}
		return out, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown tool %q", tool)
}

// javaArchive reports whether a place is a Java archive, which holds one
// artifact or a few (shaded), rather than a lockfile's many.
func javaArchive(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".jar", ".war", ".ear", ".par", ".sar", ".rar", ".kar", ".nar", ".hpi", ".jpi", ".aar":
		return true
	}
	return false
}

// shortName is the last element of a name: a Maven artifact ID, an npm
// name without its scope.
func shortName(name string) string {
	if i := strings.LastIndexAny(name, ":/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// sameName reports whether two names may name the same thing: the last
// element of one is an element of the other (Maven's "group:artifact"; a
// tool that guesses a jar's group may take its title for it).
func sameName(x, y string) bool {
	ex, ey := strings.FieldsFunc(x, isSep), strings.FieldsFunc(y, isSep)
	return slices.Contains(ey, shortName(x)) || slices.Contains(ex, shortName(y))
}

func isSep(r rune) bool { return r == ':' || r == '/' }

// loose is a name's last element in lower case without digits and
// punctuation: Debian renames jars after their major version
// ("tomcat9-util", "spring3-aop"), which a tool reading the file name keeps.
func loose(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, shortName(name))
}

// commonPrefix is the length of the common prefix of two strings.
func commonPrefix(x, y string) int {
	n := 0
	for n < len(x) && n < len(y) && x[n] == y[n] {
		n++
	}
	return n
}

// index gathers a tool's components by identity, with all their places.
func index(ps []placed) map[component][]string {
	m := map[component][]string{}
	for _, p := range ps {
		m[p.c] = append(m[p.c], p.where...)
	}
	for c, w := range m {
		slices.Sort(w)
		m[c] = slices.Compact(w)
	}
	return m
}

// peerOnly is a component the peer found and vouch did not, classified.
type peerOnly struct {
	c    component
	kind string // "root", "other", "missing"
	as   []component
	at   []string
}

// ecoResult is the comparison of one ecosystem.
type ecoResult struct {
	na, nb    int         // unique components of vouch and of the peer
	only      []peerOnly  // the peer's that vouch does not list, classified
	vouchOnly []component // vouch's that the peer does not list, less those paired above
}

// compareWhere is compare with the peer's extra components classified.
func compareWhere(w io.Writer, mine []placed, roots []component, peer string, theirs []placed, limit int) {
	a := index(mine)
	names, results := classify(mine, roots, theirs)
	printWhere(w, peer, a, names, results, limit)
}

// classify compares vouch's components (mine, with its roots) with a
// peer's, per ecosystem (names, sorted).
func classify(mine []placed, roots []component, theirs []placed) ([]string, map[string]*ecoResult) {
	a, b := index(mine), index(theirs)
	aka := map[component]string{}
	for _, p := range mine {
		if p.aka != "" {
			aka[p.c] = p.aka
		}
	}
	isRoot := map[component]bool{}
	rootNames := map[[2]string]bool{}
	for _, r := range roots {
		isRoot[r] = true
		rootNames[[2]string{r.eco, r.name}] = true
	}
	// Where vouch found each component.
	at := map[string][]component{}
	for c, ws := range a {
		for _, p := range ws {
			at[p] = append(at[p], c)
		}
	}
	places := make([]string, 0, len(at))
	for p := range at {
		places = append(places, p)
	}
	slices.Sort(places)
	// below returns vouch's components at p or inside it.
	below := func(p string) []component {
		var out []component
		i, _ := slices.BinarySearch(places, p)
		for ; i < len(places) && (places[i] == p || strings.HasPrefix(places[i], p+"/")); i++ {
			out = append(out, at[places[i]]...)
		}
		return out
	}

	ecos := map[string]bool{}
	for c := range a {
		ecos[c.eco] = true
	}
	for c := range b {
		ecos[c.eco] = true
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for e := range ecos {
			if !yield(e) {
				return
			}
		}
	})
	sortC := func(s []component) {
		slices.SortFunc(s, func(p, q component) int {
			return cmp.Or(strings.Compare(p.name, q.name), strings.Compare(p.version, q.version))
		})
	}

	results := map[string]*ecoResult{}
	for _, e := range names {
		r := &ecoResult{}
		results[e] = r
		var ob, oa []component
		for c := range b {
			if c.eco == e && a[c] == nil {
				ob = append(ob, c)
			}
		}
		for c := range a {
			if c.eco != e {
				continue
			}
			r.na++
			if b[c] == nil {
				oa = append(oa, c)
			}
		}
		for c := range b {
			if c.eco == e {
				r.nb++
			}
		}
		sortC(ob)
		sortC(oa)
		// Pairs of a peer's component and a vouch component at the same
		// place that may be the same thing, best first.
		isOA := map[component]bool{}
		for _, c := range oa {
			isOA[c] = true
		}
		type edge struct {
			c, v    component
			score   int
			archive bool
		}
		var edges []edge
		var rest []component
		for _, c := range ob {
			// A root vouch records without a version (a Berry workspace's
			// package.json has none) is the same project whatever version
			// the peer gives it ("0.0.0-use.local").
			if isRoot[c] || rootNames[[2]string{c.eco, c.name}] {
				r.only = append(r.only, peerOnly{c: c, kind: "root", at: b[c]})
				continue
			}
			rest = append(rest, c)
			for _, p := range b[c] {
				for _, v := range below(p) {
					// In an archive, only what vouch found and the peer did not
					// may be another name of the peer's; in a lockfile, any
					// entry of the same name (the same entry, versioned
					// otherwise) may.
					if v.eco != e || (javaArchive(p) && !isOA[v]) {
						continue
					}
					same := sameName(c.name, v.name) || (aka[v] != "" && sameName(c.name, aka[v])) ||
						(javaArchive(p) && loose(c.name) == loose(v.name))
					exact := slices.Contains(a[v], p)
					s := 0
					if same {
						s += 4
					}
					if v.version != "" && v.version == c.version {
						s += 2
					}
					if exact {
						s++
					}
					// In an archive the peer names exactly, whatever vouch
					// found there; in one that holds others (osv-scanner
					// names only the outer file), the same name or version;
					// in a lockfile, only the same name.
					if javaArchive(p) && (exact || s >= 2) || same {
						edges = append(edges, edge{c, v, s, javaArchive(p)})
					}
				}
			}
		}
		slices.SortStableFunc(edges, func(x, y edge) int {
			return cmp.Or(y.score-x.score, strings.Compare(x.c.String(), y.c.String()), strings.Compare(x.v.String(), y.v.String()))
		})
		as := map[component][]component{}
		used := map[component]bool{}
		paired := map[component]bool{}
		for _, x := range edges {
			if x.archive && (used[x.v] || len(as[x.c]) > 0) {
				continue // one artifact of an archive is one artifact
			}
			if slices.Contains(as[x.c], x.v) {
				continue
			}
			as[x.c] = append(as[x.c], x.v)
			paired[x.v] = true
			if x.archive {
				used[x.v] = true
			}
		}
		// What is left in an archive that holds others (osv-scanner names
		// only the outer file): what vouch found there and named no other
		// way, the most alike by name.
		for _, c := range rest {
			if len(as[c]) > 0 {
				continue
			}
			for _, p := range b[c] {
				if !javaArchive(p) {
					continue
				}
				best, n := component{}, -1
				for _, v := range below(p) {
					if v.eco != e || !isOA[v] || used[v] || slices.Contains(a[v], p) {
						continue
					}
					if k := commonPrefix(loose(c.name), loose(v.name)); k > n || (k == n && v.String() < best.String()) {
						best, n = v, k
					}
				}
				if n >= 0 {
					as[c] = append(as[c], best)
					used[best], paired[best] = true, true
					break
				}
			}
		}
		for _, c := range rest {
			x := peerOnly{c: c, at: b[c], kind: "missing"}
			if len(as[c]) > 0 {
				x.kind, x.as = "other", as[c]
				slices.SortFunc(x.as, func(p, q component) int { return strings.Compare(p.String(), q.String()) })
			} else {
				for _, p := range b[c] {
					if !javaArchive(p) {
						continue
					}
					for _, v := range at[p] {
						if v.eco == e {
							x.kind = "dup"
							x.as = append(x.as, v)
						}
					}
				}
			}
			r.only = append(r.only, x)
		}
		for _, c := range oa {
			if !paired[c] {
				r.vouchOnly = append(r.vouchOnly, c)
			}
		}
	}

	return names, results
}

// printWhere writes a classified comparison as Markdown; a is vouch's
// index, for the places of what only vouch found.
func printWhere(w io.Writer, peer string, a map[component][]string, names []string, results map[string]*ecoResult, limit int) {
	fmt.Fprintf(w, "## vouch vs %s (unique name@version per ecosystem)\n\n", peer)
	fmt.Fprintf(w, "Only %s: vouch's root (the project itself) / named otherwise by vouch at the same place /"+
		" a second name for an archive vouch names once / **not found by vouch**.\n\n", peer)
	fmt.Fprintf(w, "| ecosystem | vouch | %s | both | only %s: root / otherwise / second name / **not found** | only vouch |\n|---|---:|---:|---:|---:|---:|\n", peer, peer)
	for _, e := range names {
		r := results[e]
		n := map[string]int{}
		for _, x := range r.only {
			n[x.kind]++
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d: %d / %d / %d / **%d** | %d |\n", e, r.na, r.nb, r.nb-len(r.only),
			len(r.only), n["root"], n["other"], n["dup"], n["missing"], len(r.vouchOnly))
	}
	fmt.Fprintln(w)
	list := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(w, "### %s (%d)\n\n", title, len(lines))
		for i, l := range lines {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "- … and %d more\n", len(lines)-limit)
				break
			}
			fmt.Fprintf(w, "- %s\n", l)
		}
		fmt.Fprintln(w)
	}
	where := func(ps []string) string {
		if len(ps) == 0 {
			return ""
		}
		s := ps[0]
		if len(ps) > 1 {
			s += fmt.Sprintf(" (+%d)", len(ps)-1)
		}
		return " at " + s
	}
	for _, e := range names {
		r := results[e]
		var missing, other, dup, root []string
		for _, x := range r.only {
			switch x.kind {
			case "missing":
				missing = append(missing, x.c.String()+where(x.at))
			case "other":
				as := make([]string, len(x.as))
				for i, c := range x.as {
					as[i] = c.String()
				}
				other = append(other, x.c.String()+" — vouch: "+strings.Join(as, ", "))
			case "dup":
				as := make([]string, len(x.as))
				for i, c := range x.as {
					as[i] = c.String()
				}
				dup = append(dup, x.c.String()+where(x.at)+" — vouch: "+strings.Join(as, ", "))
			case "root":
				root = append(root, x.c.String())
			}
		}
		list(fmt.Sprintf("%s: found by %s, NOT FOUND by vouch", e, peer), missing)
		list(fmt.Sprintf("%s: found by %s, named otherwise by vouch at the same place", e, peer), other)
		list(fmt.Sprintf("%s: found by %s as a second name of an archive vouch names once", e, peer), dup)
		list(fmt.Sprintf("%s: found by %s, a root in vouch (the project itself)", e, peer), root)
		var vo []string
		for _, c := range r.vouchOnly {
			vo = append(vo, c.String()+where(a[c]))
		}
		list(fmt.Sprintf("%s: found by vouch, not by %s", e, peer), vo)
	}
}
