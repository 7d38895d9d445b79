// Package uvlock reads uv's uv.lock (version = 1, any revision; uv 0.5 and
// later).
//
// The project's own entry, the package whose source is
// { editable = "." } or { virtual = "." }, is not a component: it names the
// root (its name and version) and its dependency tables are the direct
// dependencies: "dependencies" runtime, [package.optional-dependencies]
// optional, [package.dev-dependencies] (every PEP 735 group uv locks) dev.
// Other workspace members ([manifest] members) are components, direct, with
// their path as Source; their dev-dependencies are dev edges.
//
// Every other [[package]] becomes a component and each entry of its
// "dependencies" an edge; what its [package.optional-dependencies] add is
// linked when a dependent asks for that extra ({ name = "requests",
// extra = ["socks"] }). A dependency that names a version picks that
// one of several locked versions of the name (uv's forked resolutions, such
// as numpy 1.26 for Python 3.9 and numpy 2.2 for later ones); one without
// picks every locked version of the name, which uv only leaves out when
// there is just one. Scope follows from the paths from the project: a
// package reached from a runtime dependency is runtime even when a dev
// group needs it too. A lock without a project entry or workspace members
// takes the packages nothing depends on as direct.
//
// Component properties:
//   - declared_name: the name as the lockfile spells it, when it differs
//     from the PEP 503 form.
//   - index_url: the registry a package was locked from, when it is not
//     PyPI, credentials removed.
//   - git_ref: the rev, tag or branch a git source asked for.
//   - subdirectory: where in a git repository the package lives.
//   - editable: "true" for a package installed in editable mode.
//
// Root properties: lock_version and revision (uv.lock's "version" and
// "revision"), requires_python.
package uvlock

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// pypiIndex is the registry uv records for packages from PyPI.
const pypiIndex = "https://pypi.org/simple"

// Extractor reads uv.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "uvlock" }

// Claims implements extract.Extractor: files named exactly uv.lock.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	return extract.Base(path) == "uv.lock"
}

type lockfile struct {
	Version        int    `toml:"version"`
	Revision       int    `toml:"revision"`
	RequiresPython string `toml:"requires-python"`
	Manifest       struct {
		Members []string `toml:"members"`
	} `toml:"manifest"`
	Package []lockPackage `toml:"package"`
}

type lockPackage struct {
	Name                 string                  `toml:"name"`
	Version              string                  `toml:"version"`
	Source               source                  `toml:"source"`
	Dependencies         []dependency            `toml:"dependencies"`
	OptionalDependencies map[string][]dependency `toml:"optional-dependencies"`
	DevDependencies      map[string][]dependency `toml:"dev-dependencies"`
	Sdist                *distribution           `toml:"sdist"`
	Wheels               []distribution          `toml:"wheels"`
}

type source struct {
	Registry     string `toml:"registry"`
	Git          string `toml:"git"`
	URL          string `toml:"url"`
	Path         string `toml:"path"`
	Directory    string `toml:"directory"`
	Editable     string `toml:"editable"`
	Virtual      string `toml:"virtual"`
	Subdirectory string `toml:"subdirectory"`
}

type dependency struct {
	Name    string   `toml:"name"`
	Version string   `toml:"version"`
	Extra   []string `toml:"extra"`
}

type distribution struct {
	Hash string `toml:"hash"`
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	var lf lockfile
	lines, err := pyproject.ReadLock(in, &lf)
	if err != nil {
		return nil, err
	}
	var probs extract.Problems

	root := inventory.Root{ID: in.Path, Properties: map[string]string{}}
	if lf.Version != 0 {
		root.Properties["lock_version"] = strconv.Itoa(lf.Version)
	}
	if lf.Revision != 0 {
		root.Properties["revision"] = strconv.Itoa(lf.Revision)
	}
	if lf.RequiresPython != "" {
		root.Properties["requires_python"] = lf.RequiresPython
	}
	members := map[string]bool{}
	for _, m := range lf.Manifest.Members {
		members[purl.NormalizePyPI(m)] = true
	}

	var direct []pyproject.Ref
	foundRoot := false
	pkgs := make([]pyproject.Locked, 0, len(lf.Package))
	for i, p := range lf.Package {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Err: err}
			}
		}
		line := pyproject.LineAt(lines, i)
		if !pyproject.ValidName(p.Name) {
			probs.Add(extract.Errorf(in.Path, line, "package with invalid name %q", pyproject.Clip(p.Name)))
			continue
		}
		isRoot := !foundRoot && (p.Source.Editable == "." || p.Source.Virtual == ".")
		deps, extras, err := refs(p, isRoot || members[purl.NormalizePyPI(p.Name)])
		if err != nil {
			probs.Add(extract.Errorf(in.Path, line, "package %s: %v", p.Name, err))
		}
		if isRoot {
			foundRoot = true
			root.Name, root.Version = p.Name, p.Version
			direct = append(direct, deps...)
			continue
		}
		l := pyproject.Locked{Name: p.Name, Version: p.Version, Line: line, Deps: deps}
		var dists []distribution
		if p.Sdist != nil {
			dists = append(dists, *p.Sdist)
		}
		for _, d := range append(dists, p.Wheels...) {
			if d.Hash == "" {
				continue
			}
			h, ok := pyproject.ParseHash(d.Hash)
			if !ok {
				probs.Add(extract.Errorf(in.Path, line, "package %s: unreadable hash %q", p.Name, pyproject.Clip(d.Hash)))
				continue
			}
			l.Hashes = append(l.Hashes, h)
		}
		set := func(k, v string) {
			if v != "" {
				l.Properties = pyproject.SetProperty(l.Properties, k, v)
			}
		}
		s := p.Source
		switch {
		case s.Git != "":
			repo, ref, commit, subdir := pyproject.SplitGitURL(s.Git)
			l.Source = pyproject.GitSource(repo, commit)
			set("git_ref", ref)
			set("subdirectory", subdir)
		case s.URL != "":
			l.Source = extract.RedactURL(s.URL)
			set("subdirectory", s.Subdirectory)
		case s.Editable != "":
			l.Source = s.Editable
			set("editable", "true")
		case s.Virtual != "":
			l.Source = s.Virtual
		case s.Directory != "":
			l.Source = s.Directory
		case s.Path != "":
			l.Source = s.Path
		case s.Registry != "" && s.Registry != pypiIndex:
			set("index_url", extract.RedactURL(s.Registry))
		}
		if members[purl.NormalizePyPI(p.Name)] {
			direct = append(direct, pyproject.Ref{Name: p.Name, Version: p.Version, Scope: inventory.ScopeRuntime})
		}
		pkgs = append(pkgs, l)
		for _, e := range extras {
			e.Line = line
			pkgs = append(pkgs, e)
		}
	}
	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	g, err := pyproject.Graph(ctx, in.Path, root, pkgs, direct)
	if err != nil {
		return nil, err
	}
	return g, probs.Err()
}

// refs lists a package's dependency tables as edges. For the project and
// workspace members, optional-dependencies are optional edges and
// dev-dependencies dev edges. For any other package an extra is needed
// only when a dependent asks for it, so each extra becomes an entry of its
// own (see pyproject.Locked.Extras), returned in extras.
func refs(p lockPackage, project bool) (deps []pyproject.Ref, extras []pyproject.Locked, err error) {
	var bad string
	list := func(ds []dependency, scope inventory.Scope) []pyproject.Ref {
		var out []pyproject.Ref
		for _, d := range ds {
			if !pyproject.ValidName(d.Name) {
				if bad == "" {
					bad = d.Name
				}
				continue
			}
			out = append(out, pyproject.Ref{Name: d.Name, Version: d.Version, Extras: d.Extra, Scope: scope})
		}
		return out
	}
	if project {
		deps = list(p.Dependencies, inventory.ScopeRuntime)
		for _, k := range slices.Sorted(maps.Keys(p.OptionalDependencies)) {
			deps = append(deps, list(p.OptionalDependencies[k], inventory.ScopeOptional)...)
		}
	} else {
		deps = list(p.Dependencies, "")
		for _, k := range slices.Sorted(maps.Keys(p.OptionalDependencies)) {
			extras = append(extras, pyproject.Locked{
				Name: p.Name, Version: p.Version, Extras: []string{k},
				Deps: list(p.OptionalDependencies[k], ""),
			})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.DevDependencies)) {
		deps = append(deps, list(p.DevDependencies[k], inventory.ScopeDev)...)
	}
	if bad != "" {
		err = fmt.Errorf("dependency with invalid name %q", pyproject.Clip(bad))
	}
	return deps, extras, err
}
