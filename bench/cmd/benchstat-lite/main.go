// Command benchstat-lite reads what bench/inventory/run.sh and
// bench/scan/run.sh recorded and prints medians, ratios and component or
// finding counts; it also compares what the tools found, prepares an
// offline database layout for osv-scanner and synthesises the Python lock
// of the scan benchmark from the PyPI advisory export.
//
// Usage:
//
//	benchstat-lite summarize [-count components|findings] RESULTS_DIR
//	benchstat-lite count TOOL FILE
//	benchstat-lite findings TOOL FILE
//	benchstat-lite matching FILE
//	benchstat-lite compare [-limit N] [-root INPUT] -vouch FILE [-syft FILE] [-osv-scanner FILE]
//	benchstat-lite scancompare [-limit N] [-title T] -vouch FILE [-vouch-inventory FILE] -osv-scanner FILE [-db ZIP]...
//	benchstat-lite emptydb DIR
//	benchstat-lite pylock -zip PyPI/all.zip [-n 1500] [-seed 1] [-requirements F] [-poetry F] [-pyproject F] [-manifest F]
//	benchstat-lite gobench FILE
//
// RESULTS_DIR holds one directory per input, each with one directory per
// tool holding round-N.time (the output of /usr/bin/time -v), round-N.ns
// (wall time in nanoseconds measured around it), round-N.rc (exit code),
// okcodes (the exit codes that mean success), version and out.json (the
// tool's JSON output from an untimed run). An input directory may hold
// "desc", a one-line description. Inputs and tools are printed in name order,
// except that vouch comes first.
//
// It uses the standard library only: it is part of the vouch module but is
// built only by the benchmark scripts.
package main

import (
	"archive/zip"
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "summarize":
		fs := flag.NewFlagSet("summarize", flag.ExitOnError)
		what := fs.String("count", "components", "what the count column counts: components or findings")
		fs.Parse(os.Args[2:])
		if fs.NArg() != 1 || (*what != "components" && *what != "findings") {
			usage()
		}
		err = summarize(os.Stdout, fs.Arg(0), *what)
	case "count":
		if len(os.Args) != 4 {
			usage()
		}
		var cs []component
		cs, err = load(os.Args[2], os.Args[3])
		if err == nil {
			fmt.Println(len(cs))
		}
	case "findings":
		if len(os.Args) != 4 {
			usage()
		}
		var n, unique int
		n, _, unique, err = findingCounts(os.Args[2], os.Args[3])
		if err == nil {
			fmt.Println(n, unique)
		}
	case "compare":
		err = compareCmd(os.Args[2:])
	case "matching":
		if len(os.Args) != 3 {
			usage()
		}
		var ok bool
		if ok, err = vouchMatching(os.Args[2]); err == nil {
			fmt.Println(map[bool]string{true: "yes", false: "no"}[ok])
		}
	case "scancompare":
		err = scanCompareCmd(os.Args[2:])
	case "pylock":
		err = pylockCmd(os.Args[2:])
	case "gobench":
		if len(os.Args) != 3 {
			usage()
		}
		err = goBench(os.Stdout, os.Args[2])
	case "emptydb":
		if len(os.Args) != 3 {
			usage()
		}
		err = emptyDB(os.Args[2])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchstat-lite:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  benchstat-lite summarize [-count components|findings] RESULTS_DIR
  benchstat-lite count vouch|syft|osv-scanner FILE
  benchstat-lite findings vouch|osv-scanner FILE     (prints: raw unique)
  benchstat-lite matching FILE                       (yes: a vouch scan document shows matching)
  benchstat-lite compare [-limit N] [-root INPUT] -vouch FILE [-syft FILE] [-osv-scanner FILE]
  benchstat-lite scancompare [-limit N] [-title T] -vouch FILE [-vouch-inventory FILE] -osv-scanner FILE [-db ZIP]...
  benchstat-lite emptydb DIR
  benchstat-lite pylock -zip PyPI/all.zip [-n N] [-seed S] [-requirements F] [-poetry F] [-pyproject F] [-manifest F]
  benchstat-lite gobench FILE                        (go test -bench output as a table)
`)
	os.Exit(2)
}

// ---------------------------------------------------------------------------
// Timings

// run is one timed execution of a tool.
type run struct {
	wall  time.Duration
	cpu   time.Duration // user + system
	rssKB int64         // peak resident set size
	ok    bool
}

// parseTimeV reads the output of GNU time's -v.
func parseTimeV(r io.Reader) (run, error) {
	var x run
	var seen int
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, found := strings.Cut(line, ": ")
		if !found {
			continue
		}
		switch key {
		case "User time (seconds)", "System time (seconds)":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return x, fmt.Errorf("%s: %w", key, err)
			}
			x.cpu += time.Duration(f * float64(time.Second))
			seen++
		case "Maximum resident set size (kbytes)":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return x, fmt.Errorf("%s: %w", key, err)
			}
			x.rssKB = n
			seen++
		case "Elapsed (wall clock) time (h:mm:ss or m:ss)":
			d, err := parseClock(val)
			if err != nil {
				return x, fmt.Errorf("%s: %w", key, err)
			}
			x.wall = d
			seen++
		}
	}
	if err := sc.Err(); err != nil {
		return x, err
	}
	if seen < 4 {
		return x, errors.New("not the output of /usr/bin/time -v")
	}
	return x, nil
}

// parseClock reads "h:mm:ss" or "m:ss.cc".
func parseClock(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	var d float64
	for _, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, err
		}
		d = d*60 + f
	}
	return time.Duration(d * float64(time.Second)), nil
}

// toolRuns reads every round of one tool on one input.
func toolRuns(dir string) ([]run, error) {
	ok := map[int]bool{0: true}
	if b, err := os.ReadFile(filepath.Join(dir, "okcodes")); err == nil {
		ok = map[int]bool{}
		for _, f := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("%s/okcodes: %w", dir, err)
			}
			ok[n] = true
		}
	}
	names, err := filepath.Glob(filepath.Join(dir, "round-*.time"))
	if err != nil {
		return nil, err
	}
	var runs []run
	for _, name := range names {
		base := strings.TrimSuffix(name, ".time")
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		x, err := parseTimeV(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// The wall time measured around time(1) has nanosecond resolution;
		// time(1)'s own has 10 ms.
		if b, err := os.ReadFile(base + ".ns"); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
				x.wall = time.Duration(n)
			}
		}
		b, err := os.ReadFile(base + ".rc")
		if err != nil {
			return nil, err
		}
		rc, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s.rc: %w", base, err)
		}
		x.ok = ok[rc]
		runs = append(runs, x)
	}
	return runs, nil
}

// median of durations or byte counts.
func median[T ~int64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	// The lower middle plus half the gap.
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// stats are the medians over the successful rounds of a tool.
type stats struct {
	tool, version          string
	rounds, ok             int
	wall, wallMin, wallMax time.Duration
	cpu                    time.Duration
	rssKB                  int64
	components             int // -1: unknown; with -count findings, the findings
	unique                 int // findings: unique (package version, advisory)
	byEco                  map[string]int
	countErr               error
}

func toolStats(dir, tool, what string) (stats, error) {
	s := stats{tool: tool, components: -1}
	if b, err := os.ReadFile(filepath.Join(dir, "version")); err == nil {
		s.version = strings.TrimSpace(string(b))
	}
	runs, err := toolRuns(dir)
	if err != nil {
		return s, err
	}
	s.rounds = len(runs)
	var walls, cpus []time.Duration
	var rss []int64
	for _, r := range runs {
		if !r.ok {
			continue
		}
		walls = append(walls, r.wall)
		cpus = append(cpus, r.cpu)
		rss = append(rss, r.rssKB)
	}
	s.ok = len(walls)
	if s.ok > 0 {
		s.wall, s.cpu, s.rssKB = median(walls), median(cpus), median(rss)
		s.wallMin, s.wallMax = slices.Min(walls), slices.Max(walls)
	}
	out := filepath.Join(dir, "out.json")
	if _, err := os.Stat(out); err == nil && what == "findings" {
		n, byEco, unique, err := findingCounts(tool, out)
		if err != nil {
			s.countErr = err
		} else {
			s.components, s.byEco, s.unique = n, byEco, unique
		}
	} else if err == nil {
		cs, err := load(tool, out)
		if err != nil {
			s.countErr = err
		} else {
			s.components = len(cs)
			s.byEco = map[string]int{}
			for _, c := range cs {
				s.byEco[c.eco]++
			}
		}
	}
	return s, nil
}

// order puts vouch first, then the rest by name.
func order(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		if (a == "vouch") != (b == "vouch") {
			if a == "vouch" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
}

func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func summarize(w io.Writer, dir, what string) error {
	inputs, err := subdirs(dir)
	if err != nil {
		return err
	}
	slices.Sort(inputs)
	for _, in := range inputs {
		tools, err := subdirs(filepath.Join(dir, in))
		if err != nil {
			return err
		}
		if len(tools) == 0 {
			continue
		}
		order(tools)
		desc := ""
		if b, err := os.ReadFile(filepath.Join(dir, in, "desc")); err == nil {
			desc = " — " + strings.TrimSpace(string(b))
		}
		fmt.Fprintf(w, "### %s%s\n\n", in, desc)
		fmt.Fprintf(w, "| tool | wall s, median (min–max) | CPU s (user+sys) | peak RSS MiB | %s | rounds ok |\n", what)
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
		var all []stats
		for _, t := range tools {
			s, err := toolStats(filepath.Join(dir, in, t), t, what)
			if err != nil {
				return err
			}
			all = append(all, s)
			name := s.tool
			if s.version != "" {
				name += " " + s.version
			}
			comps := "–"
			switch {
			case s.countErr != nil:
				comps = "error"
			case s.components >= 0 && what == "findings" && s.unique != s.components:
				comps = fmt.Sprintf("%d (%d unique)", s.components, s.unique)
			case s.components >= 0:
				comps = strconv.Itoa(s.components)
			}
			if s.ok == 0 {
				fmt.Fprintf(w, "| %s | failed | | | %s | 0/%d |\n", name, comps, s.rounds)
				continue
			}
			fmt.Fprintf(w, "| %s | %.3f (%.3f–%.3f) | %.2f | %.1f | %s | %d/%d |\n", name,
				s.wall.Seconds(), s.wallMin.Seconds(), s.wallMax.Seconds(), s.cpu.Seconds(),
				float64(s.rssKB)/1024, comps, s.ok, s.rounds)
		}
		if len(all) > 0 && all[0].tool == "vouch" && all[0].ok > 0 {
			v := all[0]
			for _, p := range all[1:] {
				if p.ok == 0 {
					continue
				}
				fmt.Fprintf(w, "| **vouch/%s** | **%s** | **%s** | **%s** | | |\n", p.tool,
					ratio(v.wall.Seconds(), p.wall.Seconds(), 0), ratio(v.cpu.Seconds(), p.cpu.Seconds(), cpuTick),
					ratio(float64(v.rssKB), float64(p.rssKB), 0))
			}
		}
		fmt.Fprintln(w)
		for _, s := range all {
			if s.countErr != nil {
				fmt.Fprintf(w, "- %s: cannot count %s: %v\n", s.tool, what, s.countErr)
				continue
			}
			if len(s.byEco) == 0 {
				continue
			}
			ecos := make([]string, 0, len(s.byEco))
			for e := range s.byEco {
				ecos = append(ecos, e)
			}
			slices.Sort(ecos)
			parts := make([]string, len(ecos))
			for i, e := range ecos {
				parts[i] = fmt.Sprintf("%s %d", e, s.byEco[e])
			}
			if what == "findings" {
				fmt.Fprintf(w, "- %s findings by ecosystem: %s\n", s.tool, strings.Join(parts, ", "))
			} else {
				fmt.Fprintf(w, "- %s components by type: %s\n", s.tool, strings.Join(parts, ", "))
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

// cpuTick is the resolution of the CPU times time(1) prints.
const cpuTick = 0.01

// ratio formats a/b; a value below floor is not measured precisely enough to
// divide, so the ratio is given as a bound.
func ratio(a, b, floor float64) string {
	switch {
	case b == 0 || b < floor:
		return "–"
	case a < floor:
		return fmt.Sprintf("<%.2f×", floor/b)
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// ---------------------------------------------------------------------------
// Components

// component is what a tool reported, normalised so that the tools' reports
// can be compared: eco is a PURL type, name and version as that ecosystem
// writes them (Go versions without the leading "v").
type component struct {
	eco, name, version string
}

func (c component) String() string { return c.name + "@" + c.version }

func load(tool, path string) ([]component, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch tool {
	case "vouch":
		var doc struct {
			Components []struct {
				PURL      string `json:"purl"`
				Ecosystem string `json:"ecosystem"`
				Name      string `json:"name"`
				Version   string `json:"version"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		cs := make([]component, 0, len(doc.Components))
		for _, c := range doc.Components {
			if p, ok := parsePURL(c.PURL); ok {
				cs = append(cs, p)
				continue
			}
			cs = append(cs, normalize(osvType(c.Ecosystem), "", c.Name, c.Version))
		}
		return cs, nil
	case "syft":
		var doc struct {
			Artifacts *[]struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Type    string `json:"type"`
				PURL    string `json:"purl"`
			} `json:"artifacts"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Artifacts == nil {
			return nil, fmt.Errorf("%s: no artifacts: not syft's JSON", path)
		}
		cs := make([]component, 0, len(*doc.Artifacts))
		for _, a := range *doc.Artifacts {
			if p, ok := parsePURL(a.PURL); ok {
				cs = append(cs, p)
				continue
			}
			cs = append(cs, normalize(syftType(a.Type), "", a.Name, a.Version))
		}
		return cs, nil
	case "osv-scanner":
		var doc struct {
			Results *[]struct {
				Packages []struct {
					Package struct {
						Name      string `json:"name"`
						Version   string `json:"version"`
						Ecosystem string `json:"ecosystem"`
						// For OS packages Name is the source package,
						// OSPackageName the binary package.
						OSPackageName string `json:"os_package_name"`
					} `json:"package"`
				} `json:"packages"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Results == nil {
			return nil, fmt.Errorf("%s: no results: not osv-scanner's JSON", path)
		}
		var cs []component
		for _, r := range *doc.Results {
			for _, p := range r.Packages {
				name := cmp.Or(p.Package.OSPackageName, p.Package.Name)
				cs = append(cs, normalize(osvType(p.Package.Ecosystem), "", name, p.Package.Version))
			}
		}
		return cs, nil
	}
	return nil, fmt.Errorf("unknown tool %q", tool)
}

// parsePURL reads pkg:type/namespace/name@version?qualifiers#subpath.
func parsePURL(s string) (component, bool) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return component{}, false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok {
		return component{}, false
	}
	version := ""
	// The version follows the last "@" after the last "/": an unescaped "@"
	// may start an npm scope in the namespace.
	if i := strings.LastIndex(path, "@"); i > strings.LastIndex(path, "/") {
		path, version = path[:i], path[i+1:]
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if u, err := url.PathUnescape(seg); err == nil {
			segs[i] = u
		}
	}
	if u, err := url.PathUnescape(version); err == nil {
		version = u
	}
	name := segs[len(segs)-1]
	ns := strings.Join(segs[:len(segs)-1], "/")
	return normalize(strings.ToLower(typ), ns, name, version), true
}

// normalize writes a name as the ecosystem does, from a PURL's parts or
// (with an empty namespace) from a name the tool reported whole.
func normalize(typ, ns, name, version string) component {
	switch typ {
	case "golang":
		if ns != "" {
			name = ns + "/" + name
		}
		version = strings.TrimPrefix(version, "v")
	case "npm":
		if ns != "" {
			name = ns + "/" + name
		}
	case "deb", "apk", "rpm":
		// The namespace is the distribution; the name alone is the package.
	case "maven":
		if ns != "" {
			name = ns + ":" + name
		}
	case "pypi":
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
	default:
		if ns != "" {
			name = ns + "/" + name
		}
	}
	return component{eco: typ, name: name, version: version}
}

// osvType maps an OSV ecosystem name ("Debian:12") to a PURL type.
func osvType(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	switch base {
	case "Go":
		return "golang"
	case "npm":
		return "npm"
	case "Debian", "Ubuntu":
		return "deb"
	case "Alpine", "Wolfi", "Chainguard":
		return "apk"
	case "PyPI":
		return "pypi"
	case "Maven":
		return "maven"
	case "crates.io":
		return "cargo"
	case "RubyGems":
		return "gem"
	case "Packagist":
		return "composer"
	case "NuGet":
		return "nuget"
	case "Pub":
		return "pub"
	case "Hex":
		return "hex"
	case "":
		return "unknown"
	}
	return strings.ToLower(base)
}

// syftType maps a syft package type to a PURL type, for artifacts without a PURL.
func syftType(t string) string {
	switch t {
	case "go-module":
		return "golang"
	case "python":
		return "pypi"
	case "java-archive", "jenkins-plugin":
		return "maven"
	case "rust-crate":
		return "cargo"
	case "":
		return "unknown"
	}
	return t
}

// ---------------------------------------------------------------------------
// Comparison

func compareCmd(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	vouch := fs.String("vouch", "", "vouch's JSON output")
	syft := fs.String("syft", "", "syft's JSON output")
	osv := fs.String("osv-scanner", "", "osv-scanner's JSON output (--all-packages)")
	limit := fs.Int("limit", 0, "list at most this many names per ecosystem and direction (0: all)")
	root := fs.String("root", "", "the input the tools read: with it, what a peer found and vouch did not is classified by place (see where.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *vouch == "" || (*syft == "" && *osv == "") {
		return errors.New("compare needs -vouch and at least one of -syft, -osv-scanner")
	}
	if *root != "" {
		mine, roots, err := loadWhere("vouch", *vouch, *root)
		if err != nil {
			return err
		}
		for _, p := range []struct{ tool, path string }{{"syft", *syft}, {"osv-scanner", *osv}} {
			if p.path == "" {
				continue
			}
			theirs, _, err := loadWhere(p.tool, p.path, *root)
			if err != nil {
				return err
			}
			compareWhere(os.Stdout, mine, roots, p.tool, theirs, *limit)
		}
		return nil
	}
	mine, err := load("vouch", *vouch)
	if err != nil {
		return err
	}
	for _, p := range []struct{ tool, path string }{{"syft", *syft}, {"osv-scanner", *osv}} {
		if p.path == "" {
			continue
		}
		theirs, err := load(p.tool, p.path)
		if err != nil {
			return err
		}
		compare(os.Stdout, mine, p.tool, theirs, *limit)
	}
	return nil
}

func set(cs []component) map[component]bool {
	m := make(map[component]bool, len(cs))
	for _, c := range cs {
		m[c] = true
	}
	return m
}

// compare lists, per ecosystem, what the peer found that vouch did not and
// the other way round, by name@version.
func compare(w io.Writer, mine []component, peer string, theirs []component, limit int) {
	a, b := set(mine), set(theirs)
	ecos := map[string]bool{}
	for c := range a {
		ecos[c.eco] = true
	}
	for c := range b {
		ecos[c.eco] = true
	}
	names := make([]string, 0, len(ecos))
	for e := range ecos {
		names = append(names, e)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "## vouch vs %s (unique name@version per ecosystem)\n\n", peer)
	fmt.Fprintf(w, "| ecosystem | vouch | %s | both | only %s | only vouch |\n|---|---:|---:|---:|---:|---:|\n", peer, peer)
	only := func(x, y map[component]bool, eco string) []component {
		var out []component
		for c := range x {
			if c.eco == eco && !y[c] {
				out = append(out, c)
			}
		}
		slices.SortFunc(out, func(p, q component) int {
			return cmp.Or(strings.Compare(p.name, q.name), strings.Compare(p.version, q.version))
		})
		return out
	}
	count := func(x map[component]bool, eco string) int {
		n := 0
		for c := range x {
			if c.eco == eco {
				n++
			}
		}
		return n
	}
	for _, e := range names {
		na, nb := count(a, e), count(b, e)
		ob, oa := len(only(b, a, e)), len(only(a, b, e))
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", e, na, nb, nb-ob, ob, oa)
	}
	fmt.Fprintln(w)
	list := func(title string, l []component) {
		if len(l) == 0 {
			return
		}
		fmt.Fprintf(w, "### %s (%d)\n\n", title, len(l))
		for i, c := range l {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "- … and %d more\n", len(l)-limit)
				break
			}
			fmt.Fprintf(w, "- %s\n", c)
		}
		fmt.Fprintln(w)
	}
	for _, e := range names {
		list(fmt.Sprintf("%s: found by %s, not by vouch", e, peer), only(b, a, e))
		list(fmt.Sprintf("%s: found by vouch, not by %s", e, peer), only(a, b, e))
	}
}

// ---------------------------------------------------------------------------
// osv-scanner's offline database

// osvEcosystems are the ecosystems osv-scanner may look up; each gets an
// empty all.zip so that --offline matching finds the database it wants and
// nothing is downloaded.
var osvEcosystems = []string{
	"AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux", "BellSoft Hardened Containers",
	"Bioconductor", "Bitnami", "Chainguard", "CleanStart", "ConanCenter", "CRAN", "crates.io",
	"Debian", "Docker Hardened Images", "Echo", "FreeBSD", "GHC", "GIT", "GitHub Actions", "Go",
	"Hackage", "Hex", "Homebrew", "Julia", "Kubernetes", "Linux", "Mageia", "Maven", "MinimOS",
	"npm", "NuGet", "opam", "openEuler", "openSUSE", "OSS-Fuzz", "Packagist", "Photon OS", "Pub",
	"PyPI", "Red Hat", "Rocky Linux", "Root", "RubyGems", "SUSE", "SwiftURL", "TuxCare", "Ubuntu",
	"vcpkg", "VSCode", "Wolfi",
}

// emptyDB lays out DIR as osv-scanner's --local-db-path with an empty
// vulnerability database per ecosystem.
func emptyDB(dir string) error {
	for _, eco := range osvEcosystems {
		p := filepath.Join(dir, "osv-scalibr", eco, "all.zip")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := zip.NewWriter(f).Close(); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
