// Package pnpmlock reads pnpm's lockfile, pnpm-lock.yaml, in lockfile
// versions 5.x (pnpm 3 to 7), 6.x (pnpm 7.24 to 8) and 9.0 (pnpm 9 and
// later).
//
// The three layouts differ in their keys and in where dependencies are:
//   - 5.x keys packages "/name/1.0.0", with peer dependencies appended
//     after "_" ("/a/1.0.0_react@18.2.0"); 6.x keys them "/name@1.0.0",
//     peers in parentheses ("/a@1.0.0(react@18.2.0)"); 9.0 drops the "/".
//     Packages not from the registry have keys of their own
//     ("github.com/user/repo/<commit>", "file:vendor/x.tgz",
//     "name@https://...") and record "name" and "version" in the entry.
//   - Each importer (a project of the workspace, "." the root; for a
//     lockfile without "importers", the top level) lists what it declares:
//     a version reference in 5.x, {specifier, version} from 6.0 on.
//   - Up to 6.x, "packages" entries hold dependencies; 9.0 splits them into
//     "packages" (resolution, metadata) and "snapshots" (one per set of
//     peers, with dependencies).
//
// A package's identity is its name and version, peers stripped: variants
// of one package for different peers are one component, with every line it
// appears at. A dependency's reference resolves to the package entry the
// lockfile version keys it by; an alias ("my-ms: npm:ms@2.0.0") references
// the real package's key.
//
// Importers are the project's own code, not components: what any importer
// declares is direct, with an edge from the root, and a "link:" to another
// importer is the workspace depending on itself. A "link:" elsewhere is a
// component with Source "link:<dir>" and no version.
//
// Scopes: importers' "dependencies" are runtime, "optionalDependencies"
// optional, "devDependencies" dev. Versions 5.x and 6.x flag each package
// "dev: true" (only dev), "dev: false" (only production) or neither (both),
// and "optional: true"; those flags decide. Otherwise (9.0) a package takes
// the most run-time scope of any path to it from a direct dependency, a
// path being as weak as its weakest link.
//
// pnpm 10 may write its own lockfile, of the package manager it installs
// for the project ("packageManagerDependencies", from package.json's
// "packageManager" or "devEngines") and of its config dependencies
// (plugins and hooks pnpm loads before resolving anything), as a YAML
// document before the project's. Both kinds run at install time and none
// of it ships with the project, so every package of that document is a
// component of scope "build": what its importer "." declares is direct,
// with an edge from the root, and its dependencies are edges as in the
// project's document. The project's document alone gives the lockfile's
// version and the scopes of its own packages; a package both documents
// list is one component, of the more run-time scope. An environment
// document that cannot be read is reported without losing the project's.
//
// Sources: "resolution.integrity" gives the hashes. A "resolution.tarball"
// of a package pnpm's registry resolver resolved (keyed "name@version") is
// a registry download when, on any host, it has a registry's tarball path
// ("/<name>/-/<name>-<version>.tgz"), since mirrors and private registries
// are legitimate, and the Source otherwise. A package a dependency names
// by URL is keyed by that URL ("name@https://..."): the URL is the
// project's choice, not a registry's, so it is the Source whatever its
// shape. (A URL under the configured registry is resolved by pnpm as the
// registry's package, keyed "name@version", and is one.) A git resolution
// ({repo, commit}) is the Source "<repo>#<commit>", a directory
// "file:<dir>". User information in a URL (credentials) is left out of
// the Source.
//
// Properties set on components:
//
//	alias           the name an importer or package installs it under,
//	                when an "npm:" alias or a tarball URL makes it differ
//	                from the package's name
//	deprecated      the deprecation message the registry gave, as recorded
//	environment     direct components of pnpm's own document only: the
//	                sections of its importer that declare the package,
//	                comma-separated ("configDependencies",
//	                "packageManagerDependencies")
//	install_script  "true" when the lockfile records "requiresBuild: true"
//	                (versions 5.x and 6.x)
//	patch           the patch file pnpm applies ("patchedDependencies")
//	workspaces      direct components only: the importers (folders relative
//	                to the lockfile's, "." for the root) that declare the
//	                package, comma-separated
//
// Properties set on the root:
//
//	lockfile_version  the project document's lockfileVersion as written
//	                  ("5.3", "6.0", "9.0")
//	package_manager   the package managers pnpm's own document installs,
//	                  "name@version" ("pnpm@10.18.0"), comma-separated
package pnpmlock

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/npmlock"
	"github.com/vouchdev/vouch/extract/internal/yamlnode"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const extractorName = "pnpmlock"

// Limits on hostile input.
const (
	// maxNodeEstimate caps the YAML nodes estimated before the tree is
	// built (see yamlnode.Limits): it admits lockfiles of some 40 MB.
	maxNodeEstimate = 1 << 22
	// maxDepth caps YAML nesting; pnpm lockfiles nest five levels.
	maxDepth = 64
	// maxDocuments caps the YAML documents read from one file. pnpm 10
	// may write its own lockfile (of the package manager and config
	// dependencies) as a document before the project's.
	maxDocuments = 4
	// maxItems caps packages, snapshots and dependencies kept in memory.
	maxItems = 1 << 22
	// maxManifestSize caps the package.json read beside the lockfile.
	maxManifestSize = 4 << 20
)

// Extractor reads pnpm-lock.yaml files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return extractorName }

// Claims implements extract.Extractor: files named pnpm-lock.yaml. The
// copy pnpm keeps at node_modules/.pnpm/lock.yaml has another name.
func (*Extractor) Claims(p string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(p) == "pnpm-lock.yaml"
}

// pkg is an entry of "packages" (and, in 9.0, of "snapshots").
type pkg struct {
	key  string
	line int
	// lines are more places the package is written: 9.0 snapshots.
	lines         []int
	name, version string
	// registryKey is true when the key is the registry's form,
	// "name@version": pnpm's npm resolver resolved it. A package a
	// dependency names by URL is keyed by that URL.
	registryKey bool
	resolution  resolution
	// dev is -1 without a "dev" flag, else 0 or 1.
	dev           int
	optional      bool
	hasOptional   bool
	requiresBuild bool
	deprecated    string
	deps          []dep
	purl          string
}

// resolution is where a package is fetched from.
type resolution struct {
	integrity, tarball, directory, repo, commit string
}

// dep is a dependency a package or importer lists, by reference.
type dep struct {
	name, ref string
	optional  bool
}

// importer is a project of the workspace and what it declares.
type importer struct {
	dir  string
	deps []importDep
}

// importDep is one declaration of an importer.
type importDep struct {
	name, ref string
	scope     inventory.Scope
	line      int
	// section is the importer's section that declares it
	// ("dependencies", "packageManagerDependencies", ...).
	section string
}

// lockfile is one parsed YAML document: the project's, or pnpm's own
// (env).
type lockfile struct {
	version string // as written
	major   int
	// env is true for the document of pnpm's own environment, whose
	// importer declares packageManagerDependencies and configDependencies.
	env       bool
	importers []*importer
	pkgs      []*pkg
	// byKey indexes packages by key, and in 9.0 also by snapshot key.
	byKey   map[string]*pkg
	patches map[string]string // "name@version" → patch file
}

// Extract implements extract.Extractor.
func (x *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = extractorName
		}
		return nil, err
	}
	if len(data) >= 3 && string(data[:3]) == "\xef\xbb\xbf" {
		data = data[3:]
	}
	yf := yamlnode.File{Path: in.Path, Extractor: extractorName}
	tops, err := yf.Parse(data, yamlnode.Limits{MaxNodeEstimate: maxNodeEstimate, MaxDepth: maxDepth, MaxDocuments: maxDocuments})
	if err != nil {
		return nil, err
	}
	var probs extract.Problems
	main, err := mainDocument(yf, tops)
	if err != nil {
		return nil, err
	}
	p := &parser{ctx: ctx, yf: yf, probs: &probs}
	lf, err := p.lockfile(tops[main], false)
	if err != nil {
		return nil, err
	}
	// pnpm's own lockfile comes before the project's. One that cannot be
	// read is a problem, not a reason to drop the project's graph.
	var envs []*lockfile
	for _, t := range tops[:main] {
		if !isLockfile(t) {
			continue
		}
		env, err := p.lockfile(t, true)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			probs.AddErr(in.Path, err)
			continue
		}
		envs = append(envs, env)
	}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{"lockfile_version": lf.version}}
	name, version, merr := readManifest(in)
	probs.AddErr(in.Path, merr)
	if name != "" {
		root.Name, root.Version = name, version
		root.PURL = purl.For(purl.NPM, name, version, nil)
	}
	g := inventory.New()
	g.AddRoot(root)
	b := &builder{ctx: ctx, file: in.Path, lf: lf, g: g, probs: &probs}
	b.build()
	var managers []string
	for _, env := range envs {
		b := &builder{ctx: ctx, file: in.Path, lf: env, g: g, probs: &probs}
		b.build()
		for _, m := range b.managers {
			if !slices.Contains(managers, m) {
				managers = append(managers, m)
			}
		}
	}
	if len(managers) > 0 {
		slices.Sort(managers)
		g.Root(in.Path).Properties["package_manager"] = strings.Join(managers, ",")
	}
	return g, probs.Err()
}

// mainDocument picks the project's lockfile among the file's documents:
// the last one with a lockfileVersion (pnpm 10 writes its own lockfile
// first). It returns the document's index.
func mainDocument(yf yamlnode.File, tops []*yaml.Node) (int, error) {
	if len(tops) == 0 {
		return 0, &extract.Error{Path: yf.Path, Line: 1, Extractor: extractorName, Err: errors.New("empty file: not a pnpm lockfile")}
	}
	for i := len(tops) - 1; i >= 0; i-- {
		if isLockfile(tops[i]) {
			return i, nil
		}
	}
	t := tops[len(tops)-1]
	if t.Kind != yaml.MappingNode {
		return 0, yf.Errorf(t, "want a mapping, got %s: not a pnpm lockfile", yamlnode.KindName(t))
	}
	return 0, yf.Errorf(t, "no lockfileVersion: not a pnpm lockfile")
}

// isLockfile reports whether a document is a mapping with a
// lockfileVersion.
func isLockfile(t *yaml.Node) bool {
	if t.Kind != yaml.MappingNode {
		return false
	}
	for j := 0; j+1 < len(t.Content); j += 2 {
		if yamlnode.Resolve(t.Content[j]).Value == "lockfileVersion" {
			return true
		}
	}
	return false
}

// parser reads the YAML tree of a lockfile.
type parser struct {
	ctx   context.Context
	yf    yamlnode.File
	probs *extract.Problems
	items int
}

func (p *parser) count(n *yaml.Node, k int) *extract.Error {
	p.items += k
	if p.items > maxItems {
		return p.yf.Errorf(n, "more than %d packages and dependencies", maxItems)
	}
	return nil
}

// lockfile reads the top mapping. Sections of the wrong shape fail the
// file; a package entry of the wrong shape is reported and skipped.
func (p *parser) lockfile(top *yaml.Node, env bool) (*lockfile, error) {
	lf := &lockfile{env: env, byKey: map[string]*pkg{}, patches: map[string]string{}}
	var versionNode, importersNode, packagesNode, snapshotsNode, patchesNode *yaml.Node
	topLevel := &importer{dir: "."}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := yamlnode.Resolve(top.Content[i]), top.Content[i+1]
		switch k.Value {
		case "lockfileVersion":
			versionNode = v
		case "importers":
			importersNode = v
		case "packages":
			packagesNode = v
		case "snapshots":
			snapshotsNode = v
		case "patchedDependencies":
			patchesNode = v
		case "dependencies", "devDependencies", "optionalDependencies":
			if env {
				continue
			}
			if err := p.importerSection(topLevel, k.Value, v); err != nil {
				return nil, err
			}
		}
	}
	if versionNode == nil {
		return nil, p.yf.Errorf(top, "no lockfileVersion: not a pnpm lockfile")
	}
	v, err := p.yf.Scalar(versionNode, "lockfileVersion")
	if err != nil {
		return nil, err
	}
	lf.version = v
	majorText, _, _ := strings.Cut(v, ".")
	lf.major, _ = strconv.Atoi(majorText)
	switch lf.major {
	case 5, 6, 7, 9:
	default:
		return nil, p.yf.Errorf(yamlnode.Resolve(versionNode), "unsupported lockfileVersion %q (want 5.x, 6.x or 9.0)", v)
	}
	if importersNode != nil {
		m, err := p.yf.Mapping(importersNode, "importers")
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			dirNode := yamlnode.Resolve(m.Content[i])
			dir, err := p.yf.Scalar(dirNode, "importers key")
			if err != nil {
				return nil, err
			}
			imp := &importer{dir: cleanDir(dir)}
			if env && imp.dir != "." {
				continue // pnpm's environment has one importer, "."
			}
			what := "importers[" + strconv.Quote(dir) + "]"
			im, err := p.yf.Mapping(m.Content[i+1], what)
			if err != nil {
				return nil, err
			}
			for j := 0; j+1 < len(im.Content); j += 2 {
				sec := yamlnode.Resolve(im.Content[j]).Value
				if !slices.Contains(importerSections(env), sec) {
					continue
				}
				if err := p.importerSection(imp, what+"."+sec, im.Content[j+1]); err != nil {
					return nil, err
				}
			}
			lf.importers = append(lf.importers, imp)
		}
	}
	if len(topLevel.deps) > 0 || importersNode == nil {
		lf.importers = append([]*importer{topLevel}, lf.importers...)
	}
	if patchesNode != nil {
		if err := p.patchedDependencies(lf, patchesNode); err != nil {
			return nil, err
		}
	}
	if packagesNode != nil {
		m, err := p.yf.Mapping(packagesNode, "packages")
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if i%8192 == 0 {
				if err := p.ctx.Err(); err != nil {
					return nil, p.yf.Errorf(m.Content[i], "%w", err)
				}
			}
			e, perr := p.pkg(lf, m.Content[i], m.Content[i+1], false)
			if perr != nil {
				if errors.Is(perr, errTooMany) {
					return nil, perr
				}
				p.probs.Add(perr)
				continue
			}
			if _, dup := lf.byKey[e.key]; !dup {
				lf.byKey[e.key] = e
				lf.pkgs = append(lf.pkgs, e)
			}
		}
	}
	if snapshotsNode != nil {
		m, err := p.yf.Mapping(snapshotsNode, "snapshots")
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if i%8192 == 0 {
				if err := p.ctx.Err(); err != nil {
					return nil, p.yf.Errorf(m.Content[i], "%w", err)
				}
			}
			e, perr := p.pkg(lf, m.Content[i], m.Content[i+1], true)
			if perr != nil {
				if errors.Is(perr, errTooMany) {
					return nil, perr
				}
				p.probs.Add(perr)
				continue
			}
			if same := lf.byKey[e.key]; same != nil {
				// The snapshot of a package without peers: its key is the
				// package's.
				same.deps = append(same.deps, e.deps...)
				same.lines = append(same.lines, e.line)
				continue
			}
			lf.byKey[e.key] = e
			// A snapshot is its package for one set of peers: it takes
			// the package's resolution and metadata.
			if base := lf.byKey[stripPeers(e.key, lf.major)]; base != nil && base != e {
				e.name, e.version = cmp.Or(base.name, e.name), cmp.Or(base.version, e.version)
				e.resolution, e.deprecated = base.resolution, base.deprecated
				base.lines = append(base.lines, e.line)
				e.line = 0
			}
			lf.pkgs = append(lf.pkgs, e)
		}
	}
	return lf, nil
}

var errTooMany = errors.New("too many entries")

// importerSections are the sections of an importer that declare
// dependencies: the project's, or those of pnpm's environment.
func importerSections(env bool) []string {
	if env {
		return []string{"packageManagerDependencies", "configDependencies"}
	}
	return []string{"dependencies", "devDependencies", "optionalDependencies"}
}

// importerSection reads an importer's dependencies of one kind: a map of
// names to references (5.x) or to {specifier, version} (6.0 on).
func (p *parser) importerSection(imp *importer, what string, n *yaml.Node) *extract.Error {
	m, err := p.yf.Mapping(n, what)
	if err != nil {
		return err
	}
	section := what[strings.LastIndexByte(what, '.')+1:]
	s := inventory.ScopeRuntime
	switch section {
	case "devDependencies":
		s = inventory.ScopeDev
	case "optionalDependencies":
		s = inventory.ScopeOptional
	case "packageManagerDependencies", "configDependencies":
		// pnpm itself and the plugins it loads run at install time.
		s = inventory.ScopeBuild
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, err := p.yf.Scalar(m.Content[i], what+" key")
		if err != nil {
			return err
		}
		line := yamlnode.Resolve(m.Content[i]).Line
		f := what + "[" + strconv.Quote(name) + "]"
		v := yamlnode.Resolve(m.Content[i+1])
		var ref string
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if yamlnode.Resolve(v.Content[j]).Value == "version" {
					if ref, err = p.yf.Scalar(v.Content[j+1], f+".version"); err != nil {
						return err
					}
				}
			}
		} else if ref, err = p.yf.Scalar(v, f); err != nil {
			return err
		}
		if ref == "" {
			continue
		}
		if err := p.count(v, 1); err != nil {
			return err
		}
		imp.deps = append(imp.deps, importDep{name: name, ref: ref, scope: s, line: line, section: section})
	}
	return nil
}

// patchedDependencies reads "name@version" (or, from pnpm 10, "name" or
// "name@range") → {path, hash}, or → hash.
func (p *parser) patchedDependencies(lf *lockfile, n *yaml.Node) *extract.Error {
	m, err := p.yf.Mapping(n, "patchedDependencies")
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := p.yf.Scalar(m.Content[i], "patchedDependencies key")
		if err != nil {
			return err
		}
		v := yamlnode.Resolve(m.Content[i+1])
		switch v.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				if yamlnode.Resolve(v.Content[j]).Value == "path" {
					lf.patches[k] = yamlnode.Resolve(v.Content[j+1]).Value
				}
			}
		case yaml.ScalarNode:
			lf.patches[k] = "hash:" + v.Value
		}
	}
	return nil
}

// pkg reads a "packages" or "snapshots" entry.
func (p *parser) pkg(lf *lockfile, keyNode, val *yaml.Node, snapshot bool) (*pkg, *extract.Error) {
	keyNode = yamlnode.Resolve(keyNode)
	key, err := p.yf.Scalar(keyNode, "package key")
	if err != nil {
		return nil, err
	}
	section := "packages"
	if snapshot {
		section = "snapshots"
	}
	what := section + "[" + strconv.Quote(key) + "]"
	if key == "" {
		return nil, p.yf.Errorf(keyNode, "%s: empty key", what)
	}
	e := &pkg{key: key, line: keyNode.Line, dev: -1}
	e.name, e.version = parseKey(key, lf.major)
	e.registryKey = e.version != ""
	m, err := p.yf.Mapping(val, what)
	if err != nil {
		return nil, err
	}
	if err := p.count(keyNode, 1); err != nil {
		return nil, &extract.Error{Path: err.Path, Line: err.Line, Column: err.Column, Extractor: extractorName, Err: fmt.Errorf("%w: %w", errTooMany, err.Err)}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := yamlnode.Resolve(m.Content[i]).Value
		v := m.Content[i+1]
		f := what + "." + k
		var err *extract.Error
		switch k {
		case "name":
			var s string
			if s, err = p.yf.Scalar(v, f); s != "" {
				e.name = s
			}
		case "version":
			var s string
			if s, err = p.yf.Scalar(v, f); s != "" {
				e.version = s
			}
		case "resolution":
			err = p.resolution(&e.resolution, v, f)
		case "dependencies", "optionalDependencies":
			var pairs [][2]string
			pairs, err = p.yf.StringMap(v, f)
			for _, pr := range pairs {
				e.deps = append(e.deps, dep{name: pr[0], ref: pr[1], optional: k == "optionalDependencies"})
			}
			if err == nil {
				if cerr := p.count(keyNode, len(pairs)); cerr != nil {
					return nil, &extract.Error{Path: cerr.Path, Line: cerr.Line, Column: cerr.Column, Extractor: extractorName, Err: fmt.Errorf("%w: %w", errTooMany, cerr.Err)}
				}
			}
		case "dev":
			var b bool
			if b, err = boolean(p.yf, v, f); err == nil {
				e.dev = 0
				if b {
					e.dev = 1
				}
			}
		case "optional":
			e.hasOptional = true
			e.optional, err = boolean(p.yf, v, f)
		case "requiresBuild":
			e.requiresBuild, err = boolean(p.yf, v, f)
		case "deprecated":
			e.deprecated, err = p.yf.Scalar(v, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (p *parser) resolution(r *resolution, n *yaml.Node, what string) *extract.Error {
	m, err := p.yf.Mapping(n, what)
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := yamlnode.Resolve(m.Content[i]).Value
		var dst *string
		switch k {
		case "integrity":
			dst = &r.integrity
		case "tarball":
			dst = &r.tarball
		case "directory":
			dst = &r.directory
		case "repo":
			dst = &r.repo
		case "commit":
			dst = &r.commit
		default:
			continue
		}
		if *dst, err = p.yf.Scalar(m.Content[i+1], what+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// boolean reads a YAML boolean.
func boolean(yf yamlnode.File, n *yaml.Node, what string) (bool, *extract.Error) {
	n = yamlnode.Resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	return false, yf.Errorf(n, "%s: want true or false, got %s", what, yamlnode.KindName(n))
}

// cleanDir normalises an importer's folder: "." for the root.
func cleanDir(dir string) string {
	d := path.Clean(strings.TrimPrefix(dir, "./"))
	if d == "" || d == "/" {
		return "."
	}
	return d
}

// stripPeers removes the peer suffix of a key: "(...)" from 6.0 on, "_..."
// in 5.x.
func stripPeers(key string, major int) string {
	if major >= 6 {
		if i := strings.IndexByte(key, '('); i > 0 {
			return key[:i]
		}
		return key
	}
	// In 5.x the suffix follows the version: "/a/1.0.0_react@18.2.0".
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		if j := strings.IndexByte(key[i:], '_'); j > 0 {
			return key[:i+j]
		}
	}
	return key
}

// parseKey reads the name and version a package key gives. Keys of
// packages not from the registry ("github.com/user/repo/<commit>",
// "file:vendor/x.tgz") give no usable version; their entries say.
func parseKey(key string, major int) (name, version string) {
	k := stripPeers(key, major)
	if major < 9 {
		if !strings.HasPrefix(k, "/") {
			// Not a registry package: only 9.0-style "name@ref" keys
			// (which 6.x writes for some tarballs) say the name.
			n, v := splitDescriptor(k)
			if v != "" && (!strings.Contains(n, "/") || strings.HasPrefix(n, "@") && strings.Count(n, "/") == 1) {
				return n, plainVersion(v)
			}
			return "", ""
		}
		k = k[1:]
	}
	if major <= 5 {
		i := strings.LastIndexByte(k, '/')
		if i <= 0 {
			return k, ""
		}
		return k[:i], plainVersion(k[i+1:])
	}
	n, v := splitDescriptor(k)
	return n, plainVersion(v)
}

// plainVersion returns v when it is a version rather than another kind of
// reference ("file:x", a URL).
func plainVersion(v string) string {
	if v == "" || strings.ContainsAny(v, ":/") {
		return ""
	}
	return v
}

// splitDescriptor splits "name@ref" ("@scope/name@ref") at the "@" that
// ends the name; see npmlock.SplitDescriptor.
func splitDescriptor(s string) (name, ref string) { return npmlock.SplitDescriptor(s) }

// builder turns a parsed lockfile into a graph.
type builder struct {
	ctx   context.Context
	file  string
	lf    *lockfile
	g     *inventory.Graph
	probs *extract.Problems
	// managers are the "name@version" of the package managers an env
	// document declares.
	managers []string
}

// target is something an importer's declaration resolves to: a package,
// or a link component.
type target struct {
	pkg   *pkg
	purl  string
	scope inventory.Scope
	// decl is the importer that declares it, or in an env document the
	// section.
	decl  string
	alias string
}

func (b *builder) build() {
	lf := b.lf
	importerDirs := map[string]bool{}
	for _, imp := range lf.importers {
		importerDirs[imp.dir] = true
	}
	// Components of packages, merged by PURL.
	for _, e := range lf.pkgs {
		if e.name == "" {
			if e.line > 0 {
				b.probs.Add(&extract.Error{Path: b.file, Line: e.line, Extractor: extractorName, Err: fmt.Errorf("package %q: no name", e.key)})
			}
			continue
		}
		e.purl = purl.For(purl.NPM, e.name, e.version, nil)
	}
	// Direct dependencies.
	var direct []target
	for _, imp := range lf.importers {
		for _, d := range imp.deps {
			if rest, ok := strings.CutPrefix(d.ref, "link:"); ok {
				dir, _ := extract.Join(imp.dir, rest)
				if dir == "" {
					dir = path.Join(imp.dir, rest)
				}
				if importerDirs[dir] {
					continue // a workspace project: the project's own
				}
				c := inventory.Component{
					Ecosystem: purl.NPM, Name: d.name, Source: "link:" + dir, Scope: d.scope,
					Locations: []inventory.Location{{Path: b.file, Line: d.line}},
				}
				c.PURL = purl.For(purl.NPM, c.Name, "", nil)
				b.g.Add(c)
				direct = append(direct, target{purl: c.PURL, scope: d.scope, decl: b.decl(imp, d)})
				continue
			}
			e := b.resolve(d.name, d.ref)
			if d.section == "packageManagerDependencies" {
				m := d.name + "@" + d.ref
				if e != nil && e.name != "" && e.version != "" {
					m = e.name + "@" + e.version
				}
				b.managers = append(b.managers, m)
			}
			if e == nil || e.purl == "" {
				continue
			}
			t := target{pkg: e, purl: e.purl, scope: d.scope, decl: b.decl(imp, d)}
			if d.name != e.name {
				t.alias = d.name
			}
			direct = append(direct, t)
		}
	}
	// Edges between packages, resolved once.
	edges := make(map[*pkg][]*pkg, len(lf.pkgs))
	optEdge := map[[2]*pkg]bool{}
	aliases := map[*pkg]string{}
	for _, e := range lf.pkgs {
		for _, d := range e.deps {
			t := b.resolve(d.name, d.ref)
			if t == nil || t == e {
				continue
			}
			edges[e] = append(edges[e], t)
			if d.optional {
				optEdge[[2]*pkg{e, t}] = true
			}
			if d.name != t.name {
				if _, ok := aliases[t]; !ok {
					aliases[t] = d.name
				}
			}
		}
	}
	for _, t := range direct {
		if t.pkg != nil && t.alias != "" {
			if _, ok := aliases[t.pkg]; !ok {
				aliases[t.pkg] = t.alias
			}
		}
	}
	var scopes map[*pkg]inventory.Scope
	if !lf.env {
		scopes = b.scopes(direct, edges, optEdge)
	}
	best := map[string]inventory.Scope{}
	for _, e := range lf.pkgs {
		if e.purl == "" {
			continue
		}
		s := scopes[e]
		switch {
		case lf.env:
			// Everything pnpm's environment installs serves the build.
			s = inventory.ScopeBuild
		case lf.major <= 6 && (e.dev >= 0 || e.hasOptional):
			// pnpm's own flags: "dev: true" only dev, "dev: false" only
			// production, neither both.
			switch {
			case e.dev == 1:
				s = inventory.ScopeDev
			case e.optional:
				s = inventory.ScopeOptional
			default:
				s = inventory.ScopeRuntime
			}
		}
		if s == "" {
			continue
		}
		if old, ok := best[e.purl]; !ok || rank(s) < rank(old) {
			best[e.purl] = s
		}
	}
	for i, e := range lf.pkgs {
		if i%4096 == 0 && b.ctx.Err() != nil {
			b.probs.Add(&extract.Error{Path: b.file, Extractor: extractorName, Err: b.ctx.Err()})
			return
		}
		if e.purl == "" {
			continue
		}
		c := inventory.Component{
			PURL:      e.purl,
			Ecosystem: purl.NPM,
			Name:      e.name,
			Version:   e.version,
			Scope:     cmp.Or(best[e.purl], inventory.ScopeRuntime),
			Hashes:    sriHashes(e.resolution.integrity),
			Source:    source(e),
		}
		for _, l := range append([]int{e.line}, e.lines...) {
			if l > 0 {
				c.Locations = append(c.Locations, inventory.Location{Path: b.file, Line: l})
			}
		}
		setProp(&c, "alias", aliases[e])
		setProp(&c, "deprecated", e.deprecated)
		if e.requiresBuild {
			setProp(&c, "install_script", "true")
		}
		setProp(&c, "patch", b.patch(e))
		b.g.Add(c)
	}
	for _, e := range lf.pkgs {
		if e.purl == "" {
			continue
		}
		for _, t := range edges[e] {
			if t.purl != "" {
				b.g.AddEdge(e.purl, t.purl)
			}
		}
	}
	declaredBy := map[string][]string{}
	for _, t := range direct {
		b.g.AddEdge(b.file, t.purl)
		b.g.Component(t.purl).Direct = true
		if !slices.Contains(declaredBy[t.purl], t.decl) {
			declaredBy[t.purl] = append(declaredBy[t.purl], t.decl)
		}
	}
	prop := "workspaces"
	if lf.env {
		prop = "environment"
	}
	for p, decl := range declaredBy {
		slices.Sort(decl)
		c := b.g.Component(p)
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties[prop] = strings.Join(decl, ",")
	}
	for _, c := range b.g.Components() {
		slices.SortFunc(c.Locations, func(x, y inventory.Location) int { return cmp.Compare(x.Line, y.Line) })
		c.Locations = slices.Compact(c.Locations)
	}
}

// decl names what declares d for the "workspaces" property (its
// importer) or the "environment" one (its section).
func (b *builder) decl(imp *importer, d importDep) string {
	if b.lf.env {
		return d.section
	}
	return imp.dir
}

// resolve finds the entry a dependency's reference names, by the key the
// lockfile version gives it: a version ("1.0.0", with peers) is keyed under
// the dependency's name; anything else (an alias "/ms@2.0.0" or
// "ms@2.0.0", "file:...", "github.com/...") is a key itself.
func (b *builder) resolve(name, ref string) *pkg {
	var cands []string
	switch {
	case b.lf.major <= 5:
		cands = []string{"/" + name + "/" + ref, ref}
	case b.lf.major == 6:
		cands = []string{"/" + name + "@" + ref, ref}
	default:
		cands = []string{name + "@" + ref, ref}
	}
	for _, c := range cands {
		if e := b.lf.byKey[c]; e != nil {
			return e
		}
	}
	return nil
}

// patch returns the patch file patchedDependencies names for e.
func (b *builder) patch(e *pkg) string {
	if p := b.lf.patches[e.name+"@"+e.version]; p != "" {
		return p
	}
	return b.lf.patches[e.name]
}

// source says where a package comes from when it is not the registry. A
// tarball URL of a registry's shape is the registry's (a mirror's) only
// when the registry resolved the package: a URL the project names is the
// project's choice, whatever its shape.
func source(e *pkg) string {
	r := e.resolution
	switch {
	case r.repo != "":
		if r.commit != "" {
			return stripCredentials(r.repo) + "#" + r.commit
		}
		return stripCredentials(r.repo)
	case r.directory != "":
		return "file:" + r.directory
	case r.tarball != "":
		if _, ok := registryTarball(r.tarball, e.name, e.version); ok && e.registryKey {
			return ""
		}
		return stripCredentials(r.tarball)
	}
	return ""
}

// stripCredentials keeps a token in a URL out of the SBOM; see package
// npmlock.
func stripCredentials(u string) string { return npmlock.StripCredentials(u) }

// scopeLevels are the scopes a path can give, most run-time first.
var scopeLevels = []inventory.Scope{inventory.ScopeRuntime, inventory.ScopeOptional, inventory.ScopePeer, inventory.ScopeDev}

func rank(s inventory.Scope) int {
	if i := slices.Index(scopeLevels, s); i >= 0 {
		return i
	}
	return len(scopeLevels)
}

// scopes gives each package the most run-time scope of any path to it from
// a direct dependency, where a path's scope is that of its weakest link: a
// direct dependency's scope, or "optional" for an optional edge. A package
// no path reaches is left out.
func (b *builder) scopes(direct []target, edges map[*pkg][]*pkg, optEdge map[[2]*pkg]bool) map[*pkg]inventory.Scope {
	out := map[*pkg]inventory.Scope{}
	for _, level := range scopeLevels {
		lr := rank(level)
		var queue []*pkg
		for e := range out {
			queue = append(queue, e)
		}
		for _, t := range direct {
			if t.pkg == nil || rank(t.scope) > lr {
				continue
			}
			if _, done := out[t.pkg]; !done {
				out[t.pkg] = level
				queue = append(queue, t.pkg)
			}
		}
		for len(queue) > 0 {
			e := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, t := range edges[e] {
				if optEdge[[2]*pkg{e, t}] && lr < rank(inventory.ScopeOptional) {
					continue
				}
				if _, done := out[t]; !done {
					out[t] = level
					queue = append(queue, t)
				}
			}
		}
	}
	return out
}

// registryTarball reports whether u is a tarball a registry serves for
// name at version (see npmlock.RegistryTarball), and returns the package
// name the URL's path gives. An empty name matches any.
func registryTarball(u, name, version string) (string, bool) {
	n, ok := npmlock.RegistryTarball(u, version)
	if !ok || (name != "" && n != name) {
		return "", false
	}
	return n, true
}

// sriHashes decodes an "integrity" value; see npmlock.AppendSRIHashes.
func sriHashes(integrity string) []inventory.Hash { return npmlock.AppendSRIHashes(nil, integrity) }

func setProp(c *inventory.Component, k, v string) {
	if v == "" {
		return
	}
	if c.Properties == nil {
		c.Properties = map[string]string{}
	}
	c.Properties[k] = v
}

// readManifest reads the name and version of the package.json beside the
// lockfile: the root importer's, which the lockfile does not record. It
// returns empty strings when there is none; an error names the
// package.json.
func readManifest(in *extract.Input) (name, version string, err error) {
	if in.Root == nil {
		return "", "", nil
	}
	p, ok := extract.Join(extract.Dir(in.Path), "package.json")
	if !ok {
		return "", "", nil
	}
	f, err := in.Root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", "", nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return "", "", &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("read: %w", err)}
	}
	if len(data) > maxManifestSize {
		return "", "", &extract.Error{Path: p, Extractor: extractorName, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, maxManifestSize)}
	}
	if len(data) >= 3 && string(data[:3]) == "\xef\xbb\xbf" {
		data = data[3:]
	}
	var pj struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &pj); err != nil {
		var off int64
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset - 1
		case errors.As(err, &te):
			off = te.Offset - 1
		default:
			off = int64(len(data))
		}
		line, col := extract.NewLineIndex(data).Position(max(off, 0))
		return pj.Name, pj.Version, &extract.Error{Path: p, Line: line, Column: col, Extractor: extractorName, Err: fmt.Errorf("json: %w", err)}
	}
	return pj.Name, pj.Version, nil
}
