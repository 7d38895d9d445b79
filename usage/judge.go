package usage

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// judge decides, manifest by manifest, which declarations are unused.
func (s *scan) judge(ctx context.Context, g *inventory.Graph) []Unused {
	j := &judgement{
		scan:      s,
		rd:        &reader{fsys: s.fsys},
		goMods:    map[string]bool{},
		scopes:    map[string]*evidence{},
		installed: map[string]*npmInstalled{},
		index:     indexGraph(g),
		graph:     g,
	}
	slices.SortFunc(s.manifests, func(a, b *manifest) int { return strings.Compare(a.path, b.path) })
	hasPy := false
	for _, m := range s.manifests {
		switch m.eco {
		case purl.Go:
			j.goMods[extract.Dir(m.path)] = true
		case purl.PyPI:
			hasPy = true
		}
	}
	if hasPy {
		j.venv = j.readVenvs(s.venvs)
	}
	// A requirement reached from two files ("-r requirements.txt" in
	// requirements-dev.txt) is one declaration, runtime if either says so.
	type declKey struct {
		eco, name, path string
		line            int
	}
	seen := map[declKey]*Declared{}
	var out []Unused
	for _, m := range s.manifests {
		var decls []Declared
		for _, d := range m.decls {
			k := declKey{d.Ecosystem, d.Name, d.Manifest.Path, d.Manifest.Line}
			if prev, ok := seen[k]; ok {
				prev.Dev = prev.Dev && d.Dev
				continue
			}
			decls = append(decls, d)
		}
		// Point seen at this manifest's copies so later duplicates can
		// still clear Dev on them.
		for i := range decls {
			d := &decls[i]
			seen[declKey{d.Ecosystem, d.Name, d.Manifest.Path, d.Manifest.Line}] = d
		}
		m.decls = decls
	}
	for _, m := range s.manifests {
		if ctx.Err() != nil {
			return nil
		}
		dir := scopeDir(m)
		var found []Unused
		switch m.eco {
		case purl.NPM:
			found = j.npm(m, dir, j.scope(dir, false))
		case purl.Go:
			found = j.golang(m, dir, j.scope(dir, true))
		case purl.PyPI:
			found = j.python(m, dir, j.scope(dir, false))
		}
		for _, u := range found {
			if s.ignored(u.Declared) {
				continue
			}
			u.PURL = j.purlOf(u.Declared, m.path, dir)
			out = append(out, u)
		}
	}
	return out
}

// scopeDir is the directory whose tree a manifest is judged against: its
// own, or for a requirements file kept in a directory named requirements,
// the project directory above it.
func scopeDir(m *manifest) string {
	dir := extract.Dir(m.path)
	if m.eco == purl.PyPI && strings.EqualFold(extract.Base(dir), "requirements") {
		return extract.Dir(dir)
	}
	return dir
}

// under reports whether directory p is dir or below it.
func under(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// judgement holds what judging needs across manifests.
type judgement struct {
	scan      *scan
	rd        *reader
	goMods    map[string]bool
	scopes    map[string]*evidence
	installed map[string]*npmInstalled
	venv      map[string][]string
	index     map[string][]*inventory.Component
	graph     *inventory.Graph
}

// scope returns the evidence of dir's tree; for Go, without the
// directories of nested modules.
func (j *judgement) scope(dir string, goModule bool) *evidence {
	key := fmt.Sprintf("%t\x00%s", goModule, dir)
	if e, ok := j.scopes[key]; ok {
		return e
	}
	e := newEvidence()
	for p, ev := range j.scan.dirs {
		if !under(p, dir) {
			continue
		}
		if goModule && j.goOwner(p) != dir {
			continue
		}
		e.merge(ev)
	}
	j.scopes[key] = e
	return e
}

// goOwner returns the directory of the go.mod whose module holds dir.
func (j *judgement) goOwner(dir string) string {
	for {
		if j.goMods[dir] {
			return dir
		}
		if dir == "." {
			return ""
		}
		dir = extract.Dir(dir)
	}
}

// npm judges a package.json.
func (j *judgement) npm(m *manifest, dir string, ev *evidence) []Unused {
	used := map[string]bool{}
	declared := map[string]bool{}
	for _, d := range m.decls {
		declared[d.Name] = true
		if j.npmUsed(d.Name, dir, ev, 0) {
			used[d.Name] = true
		}
	}
	// Peers of used packages are used: babel-loader needs @babel/core.
	for changed := true; changed; {
		changed = false
		for name := range used {
			if inst := j.npmInstalled(dir, name); inst != nil {
				for _, p := range inst.peers {
					if declared[p] && !used[p] {
						used[p], changed = true, true
					}
				}
			}
		}
	}
	var out []Unused
	for _, d := range m.decls {
		if used[d.Name] || d.Dev && !j.scan.opt.IncludeDev {
			continue
		}
		reason := fmt.Sprintf("no import of %q in %d JS/TS files under %s", d.Name, ev.jsFiles, dir)
		if t := typesTarget(d.Name); t != "" {
			reason = fmt.Sprintf("no import of %q (typed by %s) in %d JS/TS files under %s", t, d.Name, ev.jsFiles, dir)
		}
		out = append(out, Unused{Declared: d, Reason: reason})
	}
	return out
}

// npmUsed reports whether the evidence shows npm package name in use.
func (j *judgement) npmUsed(name, dir string, ev *evidence, depth int) bool {
	if ev.jsPkgs[name] || ev.refs[name] {
		return true
	}
	for _, a := range npmAliases(name) {
		if ev.refs[a] || ev.words[a] {
			return true
		}
	}
	for _, b := range j.npmBinsOf(dir, name) {
		if ev.words[b] {
			return true
		}
	}
	if t := typesTarget(name); t != "" && depth < 4 {
		if ev.typesRefs[t] || t == "node" && ev.nodeBuiltin || j.npmUsed(t, dir, ev, depth+1) {
			return true
		}
	}
	switch name {
	case "typescript":
		return ev.tsconfig || ev.ts
	case "react":
		return ev.jsx
	}
	return false
}

// npmInstalled is what an installed package's package.json says.
type npmInstalled struct {
	bins  []string
	peers []string
}

// npmInstalled reads node_modules/<name>/package.json where Node would
// find it from dir: in dir, then each directory above up to the root.
func (j *judgement) npmInstalled(dir, name string) *npmInstalled {
	for d := dir; ; d = extract.Dir(d) {
		p := "node_modules/" + name + "/package.json"
		if d != "." {
			p = d + "/" + p
		}
		if inst, ok := j.installed[p]; ok {
			if inst != nil {
				return inst
			}
		} else {
			inst := j.readInstalled(p, name)
			j.installed[p] = inst
			if inst != nil {
				return inst
			}
		}
		if d == "." {
			return nil
		}
	}
}

func (j *judgement) readInstalled(p, name string) *npmInstalled {
	if _, err := fs.Stat(j.rd.fsys, p); err != nil {
		return nil
	}
	data, err := j.rd.read(p)
	if err != nil {
		return nil
	}
	var pj struct {
		Bin              json.RawMessage            `json:"bin"`
		PeerDependencies map[string]json.RawMessage `json:"peerDependencies"`
	}
	if json.Unmarshal(data, &pj) != nil {
		return nil
	}
	inst := &npmInstalled{}
	var one string
	var many map[string]json.RawMessage
	if json.Unmarshal(pj.Bin, &one) == nil && one != "" {
		inst.bins = append(inst.bins, unscoped(name))
	} else if json.Unmarshal(pj.Bin, &many) == nil {
		for b := range many {
			inst.bins = append(inst.bins, b)
		}
	}
	for p := range pj.PeerDependencies {
		inst.peers = append(inst.peers, p)
	}
	slices.Sort(inst.bins)
	slices.Sort(inst.peers)
	return inst
}

func unscoped(name string) string {
	if strings.HasPrefix(name, "@") {
		if _, b, ok := strings.Cut(name, "/"); ok {
			return b
		}
	}
	return name
}

// npmBinsOf returns the commands a package may install: those its
// installed package.json lists, the table's, and for an unscoped package
// its own name.
func (j *judgement) npmBinsOf(dir, name string) []string {
	bins := slices.Clone(npmBins[name])
	if !strings.HasPrefix(name, "@") {
		bins = append(bins, name)
	}
	if inst := j.npmInstalled(dir, name); inst != nil {
		bins = append(bins, inst.bins...)
	}
	return bins
}

// golang judges a go.mod.
func (j *judgement) golang(m *manifest, dir string, ev *evidence) []Unused {
	cands := slices.Clone(m.requires)
	if m.modPath != "" {
		cands = append(cands, m.modPath)
	}
	// Longest first, so an import is credited to the innermost module.
	slices.SortFunc(cands, func(a, b string) int { return len(b) - len(a) })
	used := map[string]bool{}
	credit := func(ip string) {
		for _, c := range cands {
			if ip == c || strings.HasPrefix(ip, c+"/") {
				used[c] = true
				return
			}
		}
	}
	for ip := range ev.goImports {
		credit(ip)
	}
	for _, t := range m.tools {
		credit(t)
	}
	var out []Unused
	for _, d := range m.decls {
		if used[d.Name] {
			continue
		}
		out = append(out, Unused{Declared: d, Reason: fmt.Sprintf(
			"declared in go.mod (not // indirect) but no package of the module is imported in %d Go files under %s",
			ev.goFiles, dir)})
	}
	return out
}

// python judges a requirements file, pyproject.toml or Pipfile.
func (j *judgement) python(m *manifest, dir string, ev *evidence) []Unused {
	ev = pyScope(ev)
	var out []Unused
	for _, d := range m.decls {
		norm := purl.NormalizePyPI(d.Name)
		tool := pyDevName(norm)
		d.Dev = d.Dev || tool
		if d.Dev && !j.scan.opt.IncludeDev {
			continue
		}
		if j.pyUsed(d.Name, ev, 0) {
			continue
		}
		mods := j.venv[norm]
		if mods == nil {
			mods = pyModules[norm]
		}
		if mods == nil {
			mods = []string{strings.ReplaceAll(norm, "-", "_")}
		}
		quoted := make([]string, 0, 3)
		for _, mod := range mods[:min(len(mods), 3)] {
			quoted = append(quoted, fmt.Sprintf("%q", mod))
		}
		what := strings.Join(quoted, " or ")
		if len(mods) > 1 || !strings.EqualFold(mods[0], strings.ReplaceAll(norm, "-", "_")) {
			what += " (from " + d.Name + ")"
		}
		reason := fmt.Sprintf("no import of %s in %d Python files under %s", what, ev.pyFiles, dir)
		if tool {
			reason = fmt.Sprintf("%s is a command-line tool, and no import, [tool.%s] table, configuration file or command in a task file under %s shows it is run",
				d.Name, norm, dir)
		}
		out = append(out, Unused{Declared: d, Reason: reason})
	}
	return out
}

// pyDevName reports distributions taken as dev dependencies wherever they
// are declared: command-line tools, their plugins, type stubs.
func pyDevName(norm string) bool {
	if pyDevTools[norm] || strings.HasPrefix(norm, "types-") || strings.HasSuffix(norm, "-stubs") {
		return true
	}
	for _, p := range pyPluginHosts {
		if strings.HasPrefix(norm, p.prefix) && pyDevTools[p.host] {
			return true
		}
	}
	return false
}

// pyScope adds to a scope's evidence the modules that its database URLs
// and backend names make a framework load.
func pyScope(ev *evidence) *evidence {
	for s := range ev.pyStrs {
		if scheme := dbURLScheme(s); scheme != "" {
			base, driver, ok := strings.Cut(scheme, "+")
			if ok && driver != "" {
				addModule(&ev.pyMods, driver)
			}
			for _, m := range pyURLDrivers[base] {
				addModule(&ev.pyMods, strings.ToLower(m))
			}
		}
		for _, m := range pyStringDriversLower[s] {
			addModule(&ev.pyMods, strings.ToLower(m))
		}
	}
	return ev
}

var pyStringDriversLower = func() map[string][]string {
	m := make(map[string][]string, len(pyStringDrivers))
	for k, v := range pyStringDrivers {
		m[strings.ToLower(k)] = v
	}
	return m
}()

// addModule records module m and each of its dotted prefixes, so a set
// holds "a" and "a.b" for an import of "a.b.c": a distribution providing
// a or a.b is then found with one lookup.
func addModule(set *map[string]bool, m string) {
	for i := 0; i < len(m); i++ {
		if m[i] == '.' {
			add(set, m[:i])
		}
	}
	add(set, m)
}

// pyUsed reports whether the evidence shows distribution name in use.
func (j *judgement) pyUsed(name string, ev *evidence, depth int) bool {
	norm := purl.NormalizePyPI(name)
	mods := j.venv[norm]
	if mods == nil {
		mods = pyModuleCandidates(name)
	}
	for _, m := range mods {
		lm := strings.ToLower(m)
		if ev.pyMods[lm] || ev.pyStrs[lm] {
			return true
		}
	}
	cmds := append(slices.Clone(pyCommands[norm]), norm, strings.ToLower(name), strings.ReplaceAll(norm, "-", "_"))
	for _, c := range cmds {
		if ev.words[c] {
			return true
		}
	}
	if norm == "pytest" && ev.pyTests {
		return true
	}
	if depth >= 2 {
		return false
	}
	for _, p := range pyPluginHosts {
		if strings.HasPrefix(norm, p.prefix) && j.pyUsed(p.host, ev, depth+1) {
			return true
		}
	}
	if x, ok := strings.CutPrefix(norm, "types-"); ok && x != "" && j.pyUsed(x, ev, depth+1) {
		return true
	}
	if x, ok := strings.CutSuffix(norm, "-stubs"); ok && x != "" && j.pyUsed(x, ev, depth+1) {
		return true
	}
	return false
}

// indexGraph indexes a graph's components by ecosystem and name.
func indexGraph(g *inventory.Graph) map[string][]*inventory.Component {
	idx := map[string][]*inventory.Component{}
	if g == nil {
		return idx
	}
	for _, c := range g.Components() {
		switch c.Ecosystem {
		case purl.NPM, purl.Go, purl.PyPI:
			k := indexKey(c.Ecosystem, c.Name)
			idx[k] = append(idx[k], c)
		}
	}
	return idx
}

func indexKey(eco, name string) string {
	if eco == purl.PyPI {
		name = purl.NormalizePyPI(name)
	}
	return eco + "\x00" + name
}

// purlOf returns the PURL of the component the graph resolved a
// declaration to. With several versions of the name, it prefers one a root
// in the manifest's directory (its lockfile) or a workspace member there
// depends on, then one located in the manifest, then a direct one.
func (j *judgement) purlOf(d Declared, manifestPath, dir string) string {
	cands := j.index[indexKey(d.Ecosystem, d.Name)]
	switch len(cands) {
	case 0:
		return purl.For(d.Ecosystem, d.Name, "", nil)
	case 1:
		return cands[0].PURL
	}
	best, bestScore := cands[0], -1
	for _, c := range cands {
		score := 0
		for _, p := range j.graph.Parents(c.PURL) {
			if p == manifestPath {
				score += 8
			} else if inventory.IsRoot(p) && extract.Dir(p) == extract.Dir(manifestPath) {
				score += 4
			} else if pc := j.graph.Component(p); pc != nil && pc.Source == "workspace:"+dir {
				score += 4
			}
		}
		for _, l := range c.Locations {
			if l.Path == d.Manifest.Path {
				score += 2
				break
			}
		}
		if c.Direct {
			score++
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	return best.PURL
}
