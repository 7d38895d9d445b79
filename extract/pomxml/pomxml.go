// Package pomxml reads Maven's pom.xml: the project it describes (the
// root, named by its own groupId, artifactId and version, inherited from
// <parent> where absent) and the dependencies it declares.
//
// Maven computes a project's dependencies from its effective model, which
// needs files outside the POM: its parents and the BOMs it imports. They
// are read from the scanned tree only, never from a repository or the
// network:
//
//   - The parent is looked for where <relativePath> says (../pom.xml by
//     default; a directory means its pom.xml; an empty element means
//     nowhere), and must declare the coordinates <parent> names, as Maven
//     requires. Otherwise, and for every BOM imported (a managed
//     dependency of scope import and type pom), the POM is looked for
//     among the pom.xml files of the tree by its coordinates. That search
//     skips hidden directories, target, node_modules and src (where only
//     test projects keep POMs), stops after 200,000 entries or 20,000
//     POMs, and is done once per scanned tree.
//   - Inheritance is assembled before interpolation, as Maven does:
//     properties, dependencies and dependency management of the parents
//     apply, the child's winning, and ${...} is then replaced in the
//     child's context, so ${project.version} in a parent's
//     dependencyManagement is the child's version. Supported: properties,
//     project.* and pom.* for groupId, artifactId, version, packaging,
//     basedir and parent.groupId/artifactId/version, and the bare groupId,
//     artifactId and version of Maven 2. An imported BOM's entries are
//     interpolated in the BOM's own context; entries the project manages
//     win over imported ones, earlier imports over later ones.
//   - A dependency's version, scope and systemPath come from its
//     managed entry (matched by groupId:artifactId:type:classifier) when
//     it gives none.
//
// What cannot be resolved offline is reported, never guessed: a
// dependency whose version stays unknown (a parent or BOM not in the
// tree, an undefined property, an environment variable) is a component
// without version, Unpinned, with the reason in its "unresolved"
// property; a version range ([1.0,2.0)) or LATEST/RELEASE is Unpinned
// with the range as "specifier". Interpolation is bounded: cycles are
// detected, nesting is capped at 32, one expansion at 64 KiB, lookups at
// 100,000 per POM; parent chains and BOM imports at 16 deep.
//
// Components: every dependency of the effective model (its own and those
// its parents declare), Direct, with an edge from the root, located at the
// line of its <dependency> element, in the parent's file for an
// inherited one. Scope: test → test; provided and system (supplied by the
// runtime, not shipped) → build; otherwise optional when <optional> is
// true, else runtime. Managed dependencies that are not dependencies,
// plugins, profiles (whose activation is not known offline) and modules
// (the walk reads the module POMs itself) yield no components. A system
// dependency's systemPath is its Source.
//
// XML is read with encoding/xml, which fetches no external entities; a
// DOCTYPE declaring entities is refused; nesting is capped at 128 levels
// and kept values at 64 KiB. Besides UTF-8, ISO-8859-1 (and US-ASCII and
// windows-1252, read as such) is accepted. A syntax error refuses the
// file; a dependency without groupId or artifactId is reported at its
// line and skipped, the rest returned. Problems of a parent or BOM (not
// found, unreadable) are not errors of this file: they are reported as
// unresolved, and the walk reports the other file's own errors.
//
// Component properties:
//
//	unresolved    why the version (or a coordinate) is not known
//	specifier     the version range or LATEST/RELEASE, for an Unpinned one
//	maven_scope   the Maven scope when it is not compile or test
//	              (provided, runtime, system, import, or another)
//	type          the dependency's type when not jar (pom, test-jar, war)
//	classifier    the dependency's classifier
//	version_from  "file:line" of the managed entry that gave the version
//
// Root properties:
//
//	packaging    the project's packaging (jar when not given)
//	parent       groupId:artifactId:version of <parent>
//	parent_path  where the parent was found in the tree
//	unresolved   why the model is incomplete, "; "-separated: parents or
//	             BOMs not in the tree, the project's own version
package pomxml

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Extractor reads Maven pom.xml files. It keeps the index of the POMs of
// the tree it last scanned, for the other POMs of the same scan; use one
// per scan, as extract/list makes them.
type Extractor struct {
	cache cachedIndex
}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "pomxml" }

// Claims implements extract.Extractor: files named pom.xml, except the
// copies Maven puts in a jar's META-INF/maven, which the jar extractor
// reads with the archive.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(path) == "pom.xml" && !strings.Contains(path, "META-INF/maven/")
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, maxPOMSize)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = x.Name()
		}
		return nil, err
	}
	probs := &extract.Problems{}
	p, err := parse(ctx, in.Path, data, probs)
	if err != nil {
		return nil, err
	}
	r := newResolver(ctx, in.Root, x)
	r.poms[in.Path] = &loaded{p: p}
	m := r.buildModel(in.Path, p, nil)
	ms := r.managedOf(m, []string{in.Path})
	if r.err == nil {
		r.err = ctx.Err()
	}
	if r.err != nil {
		return nil, &extract.Error{Path: in.Path, Extractor: x.Name(), Err: r.err}
	}
	missing := capReasons(dedup(append(slices.Clone(m.missing), ms.missing...)))

	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{}}
	rootProblems := slices.Clone(missing)
	g, pg := m.interpolate(m.groupID)
	a, pa := m.interpolate(p.artifactID.text)
	v, pv := m.interpolate(m.version)
	switch {
	case a == "":
		probs.Add(&extract.Error{Path: in.Path, Line: p.line, Extractor: x.Name(), Err: errors.New("project without artifactId")})
	case pg != "" || pa != "":
		rootProblems = append(rootProblems, "project coordinates: "+first(pg, pa))
	default:
		root.Name = g + ":" + a
		if pv != "" {
			rootProblems = append(rootProblems, "project version: "+pv)
		} else {
			root.Version = v
		}
		root.PURL = purl.For(purl.Maven, root.Name, root.Version, nil)
	}
	pack, _ := m.field("packaging")
	if pk, prob := m.interpolate(pack); prob == "" {
		pack = pk
	}
	root.Properties["packaging"] = pack
	if p.parent != nil {
		// In the model's context a CI-friendly ${revision} is known.
		ref, _ := m.interpolate(r.refString(p))
		root.Properties["parent"] = ref
	}
	if m.parentPath != "" {
		root.Properties["parent_path"] = m.parentPath
	}
	if len(rootProblems) > 0 {
		root.Properties["unresolved"] = strings.Join(capReasons(dedup(rootProblems)), "; ")
	}

	graph := inventory.New()
	graph.AddRoot(root)
	seen := map[string]bool{}
	for _, d := range m.deps {
		c, key := resolve(m, ms, d, missing)
		if seen[key] {
			// Declared again, or by a parent: the child's declaration
			// is the one Maven keeps.
			continue
		}
		seen[key] = true
		graph.Add(c)
		graph.AddEdge(in.Path, c.PURL)
	}
	return graph, probs.Err()
}

// resolve makes the component of one dependency of m, returning it with
// its management key.
func resolve(m *model, ms *managedSet, d dependency, missing []string) (inventory.Component, string) {
	g, pg := m.interpolate(d.groupID.text)
	a, pa := m.interpolate(d.artifactID.text)
	typ, pt := m.interpolate(d.typ.text)
	cls, pc := m.interpolate(d.classifier.text)
	key := depKey(g, a, typ, cls)
	me, managed := ms.entries[key]
	props := map[string]string{}

	var version, pver string
	switch {
	case d.version.text != "":
		version, pver = m.interpolate(d.version.text)
	case managed:
		version, pver = me.version, me.problem
		props["version_from"] = me.file + ":" + strconv.Itoa(me.line)
	}
	scope, _ := m.interpolate(d.scope.text)
	if scope == "" && managed {
		scope = me.scope
	}
	if scope == "" {
		scope = "compile"
	}
	optional, _ := m.interpolate(d.optional.text)
	sysPath, _ := m.interpolate(d.systemPath.text)
	if sysPath == "" && managed {
		sysPath = me.systemPath
	}

	why := first(pg, pa, pt, pc, pver)
	if why == "" && version == "" {
		why = "no version and none managed"
	}
	if why != "" && len(missing) > 0 && (pver != "" || version == "") {
		why += "; it may come from: " + strings.Join(missing, "; ")
	}
	name := g + ":" + a
	c := inventory.Component{
		Ecosystem: purl.Maven,
		Name:      name,
		Direct:    true,
		Scope:     scopeOf(scope, strings.TrimSpace(optional) == "true"),
		Locations: []inventory.Location{{Path: d.file, Line: d.line}},
	}
	switch {
	case why != "":
		c.Unpinned = true
		props["unresolved"] = why
		delete(props, "version_from")
	case isRange(version):
		c.Unpinned = true
		props["specifier"] = version
	default:
		c.Version = version
	}
	switch scope {
	case "compile", "test":
	default:
		props["maven_scope"] = scope
	}
	if typ != "" && typ != "jar" {
		props["type"] = typ
	}
	if cls != "" {
		props["classifier"] = cls
	}
	if scope == "system" && sysPath != "" {
		c.Source = sysPath
	}
	if len(props) > 0 {
		c.Properties = props
	}
	c.PURL = purl.For(purl.Maven, name, c.Version, nil)
	return c, key
}

// scopeOf maps a Maven scope to the inventory's.
func scopeOf(scope string, optional bool) inventory.Scope {
	switch scope {
	case "test":
		return inventory.ScopeTest
	case "provided", "system":
		return inventory.ScopeBuild
	}
	if optional {
		return inventory.ScopeOptional
	}
	return inventory.ScopeRuntime
}

// isRange reports whether a version is a range or a meta version that
// Maven resolves against a repository at build time.
func isRange(v string) bool {
	return strings.HasPrefix(v, "[") || strings.HasPrefix(v, "(") || strings.Contains(v, ",") || v == "LATEST" || v == "RELEASE"
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// maxReasons bounds the reasons an "unresolved" property lists, which
// every unresolved dependency repeats.
const maxReasons = 8

// capReasons keeps the first maxReasons reasons and counts the others.
func capReasons(s []string) []string {
	if len(s) <= maxReasons {
		return s
	}
	return append(s[:maxReasons:maxReasons], "and "+strconv.Itoa(len(s)-maxReasons)+" more")
}

func dedup(s []string) []string {
	var out []string
	seen := make(map[string]bool, len(s))
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

var _ extract.Extractor = (*Extractor)(nil)
