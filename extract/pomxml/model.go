package pomxml

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/extract"
)

// Limits on resolution.
const (
	// maxParents bounds a parent chain; real ones are a few deep.
	maxParents = 16
	// maxImports bounds the nesting of BOM imports.
	maxImports = 16
	// maxInterpolationDepth bounds properties referring to properties.
	maxInterpolationDepth = 32
	// maxExpanded bounds the text one interpolation may produce.
	maxExpanded = 64 << 10
	// maxLookups bounds the property lookups of one POM's model, so that
	// properties doubling each other cost linear time, not exponential.
	maxLookups = 100000
	// maxIndexEntries bounds the directory entries visited looking for
	// POMs in the tree, and maxIndexPOMs the POMs read for it.
	maxIndexEntries = 200000
	maxIndexPOMs    = 20000
	maxIndexDepth   = 32
	// maxCandidates bounds the POMs kept for one groupId:artifactId
	// (copies of a module in test projects, archetypes, forks).
	maxCandidates = 64
	// maxLoads bounds the companion POMs read for one scanned POM.
	maxLoads = 256
)

// prunedDirs are directories the search for POMs by coordinates does not
// enter: build output, dependencies installed by other tools, and sources,
// where only test projects (src/it) keep POMs.
var prunedDirs = map[string]bool{"target": true, "node_modules": true, "src": true, "bower_components": true}

// loaded is a companion POM read from the tree.
type loaded struct {
	p   *pom
	err error
}

// resolver builds effective models of the POMs one extraction needs.
type resolver struct {
	ctx    context.Context
	fsys   fs.FS
	x      *Extractor
	poms   map[string]*loaded
	models map[string]*model
	// managedMemo holds each BOM's managed dependencies.
	managedMemo map[string]*managedSet
	loads       int
	idx         *index
	// err is set when the context ends; results are then incomplete.
	err error
}

func newResolver(ctx context.Context, fsys fs.FS, x *Extractor) *resolver {
	return &resolver{ctx: ctx, fsys: fsys, x: x, poms: map[string]*loaded{}, models: map[string]*model{}, managedMemo: map[string]*managedSet{}}
}

// load reads and parses the POM at path, once.
func (r *resolver) load(path string) *loaded {
	if l, ok := r.poms[path]; ok {
		return l
	}
	l := &loaded{}
	r.poms[path] = l
	if r.loads >= maxLoads {
		l.err = errors.New("more than " + strconv.Itoa(maxLoads) + " POMs to read")
		return l
	}
	r.loads++
	f, err := r.fsys.Open(path)
	if err != nil {
		l.err = err
		return l
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		l.err = err
		return l
	case !st.Mode().IsRegular():
		l.err = errors.New("not a regular file")
		return l
	case st.Size() > maxPOMSize:
		l.err = errors.New("larger than " + strconv.Itoa(maxPOMSize) + " bytes")
		return l
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPOMSize+1))
	if err != nil {
		l.err = err
		return l
	}
	if len(data) > maxPOMSize {
		l.err = errors.New("larger than " + strconv.Itoa(maxPOMSize) + " bytes")
		return l
	}
	l.p, l.err = parse(r.ctx, path, data, nil)
	if r.ctx.Err() != nil {
		r.err = r.ctx.Err()
	}
	return l
}

// model is a POM with what it inherits, uninterpolated: Maven assembles
// inheritance first and interpolates the result in the child's context,
// so that ${project.version} in a parent's dependencyManagement is the
// child's version.
type model struct {
	pom *pom
	// groupID and version are the POM's, else its <parent>'s.
	groupID, version string
	parentPath       string
	props            map[string]string
	// deps are the POM's dependencies, then those it inherits.
	deps []dependency
	// managed are its managed dependencies, then those it inherits.
	managed []dependency
	// missing says why the model is incomplete: a parent not in the tree.
	missing []string

	// expanded memoises interpolated properties, with the problem found.
	expanded map[string]expansion
	lookups  int
	basedir  string
}

type expansion struct {
	text, problem string
}

// coordinates writes a parent or import reference for messages.
func coordinates(g, a, v string) string {
	return g + ":" + a + ":" + v
}

// buildModel returns the model of the POM at path, which p holds.
func (r *resolver) buildModel(path string, p *pom, chain []string) *model {
	if m, ok := r.models[path]; ok {
		return m
	}
	m := &model{pom: p, props: map[string]string{}, expanded: map[string]expansion{}, basedir: extract.Dir(path)}
	r.models[path] = m
	m.groupID, m.version = p.groupID.text, p.version.text
	if p.parent != nil {
		if m.groupID == "" {
			m.groupID = p.parent.groupID.text
		}
		if m.version == "" {
			m.version = p.parent.version.text
		}
	}
	var parent *model
	if p.parent != nil {
		ppath, why := r.findParent(p)
		switch {
		case ppath == "":
			m.missing = append(m.missing, why)
		case slices.Contains(chain, ppath) || ppath == path:
			m.missing = append(m.missing, "parent "+r.refString(p)+" at "+ppath+" is its own ancestor")
		case len(chain) >= maxParents:
			m.missing = append(m.missing, "parents nested deeper than "+strconv.Itoa(maxParents))
		default:
			m.parentPath = ppath
			parent = r.buildModel(ppath, r.poms[ppath].p, append(slices.Clone(chain), path))
		}
	}
	if parent != nil {
		for k, v := range parent.props {
			m.props[k] = v
		}
		m.missing = append(m.missing, parent.missing...)
	}
	for k, v := range p.props {
		m.props[k] = v
	}
	m.deps = append(m.deps, p.deps...)
	m.managed = append(m.managed, p.managed...)
	if parent != nil {
		m.deps = append(m.deps, parent.deps...)
		m.managed = append(m.managed, parent.managed...)
	}
	return m
}

// refString writes p's <parent> reference.
func (r *resolver) refString(p *pom) string {
	return coordinates(p.parent.groupID.text, p.parent.artifactID.text, parentVersion(p))
}

// parentVersion is the version p's <parent> names, with CI-friendly
// properties (${revision}) taken from p's own properties, as Maven takes
// them from the command line.
func parentVersion(p *pom) string {
	v := p.parent.version.text
	if strings.Contains(v, "${") {
		if s, ok := expandWith(v, p.props); ok {
			return s
		}
	}
	return v
}

// expandWith interpolates s with props alone, one level deep; it reports
// false when something stays undefined.
func expandWith(s string, props map[string]string) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", false
		}
		v, ok := props[s[i+2:i+j]]
		if !ok || strings.Contains(v, "${") {
			return "", false
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// identity returns the groupId, artifactId and version a POM declares
// for itself, its parent's where it has none, with its own properties
// applied.
func identity(p *pom) (g, a, v string) {
	g, a, v = p.groupID.text, p.artifactID.text, p.version.text
	if p.parent != nil {
		if g == "" {
			g = p.parent.groupID.text
		}
		if v == "" {
			v = parentVersion(p)
		}
	}
	if strings.Contains(v, "${") {
		if s, ok := expandWith(v, p.props); ok {
			v = s
		}
	}
	return g, a, v
}

// matches reports whether q is the module g:a:v. A version still holding
// a property matches the same text, as CI-friendly builds write
// ${revision} in every module.
func matches(q *pom, g, a, v, rawV string) bool {
	qg, qa, qv := identity(q)
	if qg != g || qa != a {
		return false
	}
	return qv == v || (rawV != "" && q.version.text == rawV) || (rawV != "" && q.version.text == "" && q.parent != nil && q.parent.version.text == rawV)
}

// findParent locates p's parent: at <relativePath> (default ../pom.xml;
// a directory means its pom.xml; empty means none), as Maven does, then
// among the POMs of the tree by coordinates. It returns "" and why when
// it is not in the tree.
func (r *resolver) findParent(p *pom) (string, string) {
	ref := p.parent
	g, a, v := ref.groupID.text, ref.artifactID.text, parentVersion(p)
	desc := "parent " + coordinates(g, a, v)
	if r.fsys == nil {
		return "", desc + " not in tree"
	}
	note := ""
	rel := "../pom.xml"
	if ref.relativePath.set {
		rel = ref.relativePath.text
	}
	if rel != "" {
		if cand, ok := extract.Join(extract.Dir(p.path), strings.ReplaceAll(rel, "\\", "/")); ok && cand != "." {
			if st, err := fs.Stat(r.fsys, cand); err == nil && st.IsDir() {
				cand, _ = extract.Join(cand, "pom.xml")
			}
			if cand != p.path {
				l := r.load(cand)
				switch {
				case l.err == nil && matches(l.p, g, a, v, ref.version.text):
					return cand, ""
				case l.err == nil:
					qg, qa, qv := identity(l.p)
					note = " (" + cand + " holds " + coordinates(qg, qa, qv) + ")"
				case !isNotExist(l.err):
					note = " (" + cand + " unreadable: " + l.err.Error() + ")"
				}
			}
		}
	}
	if path := r.findByCoordinates(g, a, v, ref.version.text, p.path); path != "" {
		return path, ""
	}
	return "", desc + " not in tree" + note
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist)
}

// findByCoordinates looks for the POM of g:a:v among the POMs of the tree.
func (r *resolver) findByCoordinates(g, a, v, rawV, except string) string {
	if r.fsys == nil {
		return ""
	}
	idx := r.index()
	if idx == nil {
		return ""
	}
	for _, cand := range idx.byGA[g+":"+a] {
		if cand == except {
			continue
		}
		if l := r.load(cand); l.err == nil && matches(l.p, g, a, v, rawV) {
			return cand
		}
	}
	return ""
}

// index returns the POMs of the scanned tree by groupId:artifactId,
// building it on first use.
func (r *resolver) index() *index {
	if r.idx == nil {
		idx, err := r.x.index(r.ctx, r.fsys)
		if err != nil {
			r.err = err
			return nil
		}
		r.idx = idx
	}
	return r.idx
}

// index maps "groupId:artifactId" to the paths of the POMs declaring it.
type index struct {
	byGA map[string][]string
}

// cachedIndex is the index of one scanned tree, kept by the Extractor
// for the other POMs of the same scan.
type cachedIndex struct {
	mu   sync.Mutex
	root fs.FS
	idx  *index
}

// index returns the index of fsys, reusing the one built for the same
// tree when fsys can be compared (the walk's tree can; a map-backed one
// cannot and is indexed on each use).
func (x *Extractor) index(ctx context.Context, fsys fs.FS) (*index, error) {
	comparable := reflect.ValueOf(fsys).Comparable()
	if !comparable {
		return buildIndex(ctx, fsys)
	}
	x.cache.mu.Lock()
	defer x.cache.mu.Unlock()
	if x.cache.idx != nil && x.cache.root == fsys {
		return x.cache.idx, nil
	}
	idx, err := buildIndex(ctx, fsys)
	if err != nil {
		return nil, err
	}
	x.cache.root, x.cache.idx = fsys, idx
	return idx, nil
}

// buildIndex walks fsys for pom.xml files, reading only their own
// coordinates, within the caps.
func buildIndex(ctx context.Context, fsys fs.FS) (*index, error) {
	idx := &index{byGA: map[string][]string{}}
	entries, poms := 0, 0
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		entries++
		if entries > maxIndexEntries || poms >= maxIndexPOMs {
			return fs.SkipAll
		}
		if err != nil {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || prunedDirs[name] || strings.Count(path, "/") >= maxIndexDepth) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Name() != "pom.xml" || !d.Type().IsRegular() {
			return nil
		}
		poms++
		g, a, ok := header(ctx, fsys, path)
		if k := g + ":" + a; ok && len(idx.byGA[k]) < maxCandidates {
			idx.byGA[k] = append(idx.byGA[k], path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return idx, nil
}

// header reads the groupId (or the parent's) and artifactId of the POM at
// path.
func header(ctx context.Context, fsys fs.FS, path string) (string, string, bool) {
	f, err := fsys.Open(path)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPOMSize+1))
	if err != nil || len(data) > maxPOMSize {
		return "", "", false
	}
	p, err := parse(ctx, path, data, nil)
	if err != nil {
		return "", "", false
	}
	g, a, _ := identity(p)
	return g, a, a != ""
}

// lookup returns the value of the property name in m's context: model
// values for project.* and pom.* (and the bare groupId, artifactId,
// version Maven 2 allowed), else the properties, m's overriding its
// parents'. ok is false, with why, when it is not defined.
func (m *model) lookup(name string) (v string, ok bool, why string) {
	field := ""
	switch {
	case strings.HasPrefix(name, "project."):
		field = name[len("project."):]
	case strings.HasPrefix(name, "pom."):
		field = name[len("pom."):]
	}
	if field != "" {
		if v, ok := m.field(field); ok {
			return v, true, ""
		}
	}
	if v, ok := m.props[name]; ok {
		return v, true, ""
	}
	switch name {
	case "groupId", "artifactId", "version", "basedir":
		v, ok := m.field(name)
		if ok {
			return v, true, ""
		}
	}
	if strings.HasPrefix(name, "env.") {
		return "", false, "property " + name + " is an environment variable"
	}
	return "", false, "property " + name + " undefined"
}

// field returns a model value by its path below project.
func (m *model) field(f string) (string, bool) {
	p := m.pom
	switch f {
	case "groupId":
		return m.groupID, m.groupID != ""
	case "artifactId":
		return p.artifactID.text, p.artifactID.text != ""
	case "version":
		return m.version, m.version != ""
	case "packaging":
		if p.packaging.text == "" {
			return "jar", true
		}
		return p.packaging.text, true
	case "basedir":
		return m.basedir, true
	case "parent.groupId":
		if p.parent != nil {
			return p.parent.groupID.text, p.parent.groupID.text != ""
		}
	case "parent.artifactId":
		if p.parent != nil {
			return p.parent.artifactID.text, p.parent.artifactID.text != ""
		}
	case "parent.version":
		if p.parent != nil {
			return p.parent.version.text, p.parent.version.text != ""
		}
	}
	return "", false
}

// interpolate replaces ${name} in s from m's context. problem, when not
// empty, says why the result is incomplete (an undefined property, a
// cycle, a limit); the undefined references are then left as written.
func (m *model) interpolate(s string) (string, string) {
	return m.expand(s, nil)
}

func (m *model) expand(s string, stack []string) (string, string) {
	if !strings.Contains(s, "${") {
		return s, ""
	}
	var b strings.Builder
	problem := ""
	note := func(p string) {
		if problem == "" {
			problem = p
		}
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		name := s[i+2 : i+2+j]
		b.WriteString(s[:i])
		s = s[i+2+j+1:]
		ref := "${" + name + "}"
		m.lookups++
		switch {
		case m.lookups > maxLookups:
			note("more than " + strconv.Itoa(maxLookups) + " property lookups")
			b.WriteString(ref)
		case slices.Contains(stack, name):
			note("property cycle: " + strings.Join(append(stack[slices.Index(stack, name):], name), " -> "))
			b.WriteString(ref)
		case len(stack) >= maxInterpolationDepth:
			note("properties nested deeper than " + strconv.Itoa(maxInterpolationDepth))
			b.WriteString(ref)
		default:
			e, ok := m.expanded[name]
			if !ok {
				v, found, why := m.lookup(name)
				if !found {
					e = expansion{text: ref, problem: why}
				} else {
					e.text, e.problem = m.expand(v, append(stack, name))
				}
				// Kept whatever its problem, so that properties doubling
				// each other cost one expansion each. (A cycle is then
				// reported as seen from where it was first entered.)
				m.expanded[name] = e
			}
			if e.problem != "" {
				note(e.problem)
			}
			b.WriteString(e.text)
		}
		if b.Len() > maxExpanded {
			return "", "interpolation longer than " + strconv.Itoa(maxExpanded) + " bytes"
		}
	}
	return b.String(), problem
}

// managedEntry is a managed dependency, interpolated.
type managedEntry struct {
	version, scope, systemPath string
	// problem says why its version could not be interpolated.
	problem string
	file    string
	line    int
}

// managedSet is the dependency management of a model with its imports.
type managedSet struct {
	entries map[string]managedEntry
	// missing says what could not be imported.
	missing []string
}

// depKey is how Maven matches a dependency with its management:
// groupId:artifactId:type:classifier.
func depKey(g, a, typ, classifier string) string {
	if typ == "" {
		typ = "jar"
	}
	return g + ":" + a + ":" + typ + ":" + classifier
}

// managedOf interpolates m's managed dependencies in m's context and adds
// those of the BOMs it imports (scope import, type pom), each in its own
// context; what m declares wins over imports, and earlier imports over
// later ones.
func (r *resolver) managedOf(m *model, stack []string) *managedSet {
	ms := &managedSet{entries: map[string]managedEntry{}}
	var imports []dependency
	for _, d := range m.managed {
		g, p1 := m.interpolate(d.groupID.text)
		a, p2 := m.interpolate(d.artifactID.text)
		typ, p3 := m.interpolate(d.typ.text)
		cls, p4 := m.interpolate(d.classifier.text)
		scope, _ := m.interpolate(d.scope.text)
		if p1 != "" || p2 != "" || p3 != "" || p4 != "" {
			continue
		}
		if scope == "import" && typ == "pom" {
			imports = append(imports, d)
			continue
		}
		key := depKey(g, a, typ, cls)
		if _, ok := ms.entries[key]; ok {
			continue
		}
		v, prob := m.interpolate(d.version.text)
		sp, _ := m.interpolate(d.systemPath.text)
		ms.entries[key] = managedEntry{version: v, scope: scope, systemPath: sp, problem: prob, file: d.file, line: d.line}
	}
	for _, d := range imports {
		if r.err != nil {
			break
		}
		g, _ := m.interpolate(d.groupID.text)
		a, _ := m.interpolate(d.artifactID.text)
		v, prob := m.interpolate(d.version.text)
		desc := "bom " + coordinates(g, a, v)
		if prob != "" {
			ms.missing = append(ms.missing, desc+": "+prob)
			continue
		}
		path := r.findByCoordinates(g, a, v, d.version.text, "")
		switch {
		case path == "":
			ms.missing = append(ms.missing, desc+" not in tree")
			continue
		case slices.Contains(stack, path):
			ms.missing = append(ms.missing, desc+" at "+path+" imports itself")
			continue
		case len(stack) >= maxImports:
			ms.missing = append(ms.missing, "boms nested deeper than "+strconv.Itoa(maxImports))
			continue
		}
		bs, ok := r.managedMemo[path]
		if !ok {
			bm := r.buildModel(path, r.poms[path].p, nil)
			bs = r.managedOf(bm, append(slices.Clone(stack), path))
			for _, w := range bm.missing {
				bs.missing = append(bs.missing, desc+": "+w)
			}
			r.managedMemo[path] = bs
		}
		for k, e := range bs.entries {
			if _, ok := ms.entries[k]; !ok {
				ms.entries[k] = e
			}
		}
		ms.missing = append(ms.missing, bs.missing...)
	}
	return ms
}
