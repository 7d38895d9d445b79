// Package pdmlock reads PDM's pdm.lock (lock_version 4.x, PDM 2.x).
//
// Every [[package]] becomes a component. PDM writes a package once per
// requested set of extras ("requests" and, with extras = ["socks"],
// "requests[socks]"); the second entry is not a component of its own but
// says what the extra adds, linked from dependents that ask for it
// ("requests[socks]>=2"). Dependencies are PEP 508 strings ("idna<4,>=2.5",
// `colorama; sys_platform == "win32"`) whose names become edges to the
// locked packages of that name.
//
// Scope is the lockfile's own where it records one: a package in the
// "default" group is runtime; in a group that pyproject.toml lists under
// [project.optional-dependencies] it is optional; in any other group
// (tool.pdm.dev-dependencies, dependency-groups) it is dev. Older locks
// without per-package groups take the scope of the paths that reach the
// package from the project's declarations.
//
// The pyproject.toml beside the lockfile names the project (the root's name
// and version) and its direct dependencies: [project.dependencies] are
// runtime, [project.optional-dependencies] optional, [dependency-groups] and
// [tool.pdm.dev-dependencies] dev. Without it, the packages no other locked
// package depends on are taken as direct.
//
// Component properties:
//   - declared_name: the name as the lockfile spells it, when it differs
//     from the PEP 503 form.
//   - marker: the environment marker under which the package is installed.
//   - requires_python: the package's Python version constraint.
//   - git_ref: the branch or tag a git source asked for.
//   - subdirectory: where in a repository or archive the package lives.
//   - editable: "true" for a package installed in editable mode.
//
// Root properties: lock_version, the [metadata] lock_version.
package pdmlock

import (
	"context"
	"io/fs"
	"slices"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor reads pdm.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "pdmlock" }

// Claims implements extract.Extractor: files named exactly pdm.lock.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	return extract.Base(path) == "pdm.lock"
}

type lockfile struct {
	Metadata struct {
		Groups      []string `toml:"groups"`
		LockVersion string   `toml:"lock_version"`
	} `toml:"metadata"`
	Package []lockPackage `toml:"package"`
}

type lockPackage struct {
	Name           string   `toml:"name"`
	Version        string   `toml:"version"`
	RequiresPython string   `toml:"requires_python"`
	Groups         []string `toml:"groups"`
	Marker         string   `toml:"marker"`
	Extras         []string `toml:"extras"`
	Dependencies   []string `toml:"dependencies"`
	Files          []struct {
		File string `toml:"file"`
		URL  string `toml:"url"`
		Hash string `toml:"hash"`
	} `toml:"files"`
	Git          string `toml:"git"`
	Ref          string `toml:"ref"`
	Revision     string `toml:"revision"`
	Path         string `toml:"path"`
	URL          string `toml:"url"`
	Editable     bool   `toml:"editable"`
	Subdirectory string `toml:"subdirectory"`
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	var lf lockfile
	lines, err := pyproject.ReadLock(in, &lf)
	if err != nil {
		return nil, err
	}
	var probs extract.Problems

	root := inventory.Root{ID: in.Path}
	if lf.Metadata.LockVersion != "" {
		root.Properties = map[string]string{"lock_version": lf.Metadata.LockVersion}
	}
	var direct []pyproject.Ref
	optional := map[string]bool{}
	project, perr := pyproject.ReadProject(in)
	probs.AddErr(in.Path, perr)
	if project != nil {
		root.Name, root.Version = project.Name, project.Version
		for _, d := range project.Dependencies {
			direct = append(direct, pyproject.Ref{Name: d.Name, Scope: d.Scope, Extras: d.Extras})
			if d.Scope == inventory.ScopeOptional {
				optional[d.Group] = true
			}
		}
	}

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
		if p.Version == "" && p.Git == "" && p.Path == "" && p.URL == "" {
			probs.Add(extract.Errorf(in.Path, line, "package %s: no version", p.Name))
		}
		l := pyproject.Locked{Name: p.Name, Version: p.Version, Line: line, Scope: scopeOf(p.Groups, optional), Extras: p.Extras}
		for _, f := range p.Files {
			h, ok := pyproject.ParseHash(f.Hash)
			if !ok {
				probs.Add(extract.Errorf(in.Path, line, "package %s: unreadable hash %q", p.Name, pyproject.Clip(f.Hash)))
				continue
			}
			l.Hashes = append(l.Hashes, h)
		}
		set := func(k, v string) {
			if v != "" {
				l.Properties = pyproject.SetProperty(l.Properties, k, v)
			}
		}
		set("marker", p.Marker)
		set("requires_python", p.RequiresPython)
		set("subdirectory", p.Subdirectory)
		if p.Editable {
			set("editable", "true")
		}
		switch {
		case p.Git != "":
			l.Source = pyproject.GitSource(p.Git, p.Revision)
			if p.Ref != p.Revision {
				set("git_ref", p.Ref)
			}
		case p.URL != "":
			l.Source = extract.RedactURL(p.URL)
		case p.Path != "":
			l.Source = p.Path
		}
		for _, dep := range p.Dependencies {
			r, err := pyproject.ParseRequirement(dep)
			if err != nil {
				probs.Add(extract.Errorf(in.Path, line, "package %s: dependency: %v", p.Name, err))
				continue
			}
			l.Deps = append(l.Deps, pyproject.Ref{Name: r.Name, Extras: r.Extras})
		}
		pkgs = append(pkgs, l)
	}
	g, err := pyproject.Graph(ctx, in.Path, root, pkgs, direct)
	if err != nil {
		return nil, err
	}
	return g, probs.Err()
}

// scopeOf reads the scope a package's groups give it: the most run-time
// one of runtime ("default"), optional (an extra of the project) and dev
// (any other group). It is "" for a lock that records no groups.
func scopeOf(groups []string, optional map[string]bool) inventory.Scope {
	switch {
	case len(groups) == 0:
		return ""
	case slices.Contains(groups, "default"):
		return inventory.ScopeRuntime
	case slices.ContainsFunc(groups, func(g string) bool { return optional[g] }):
		return inventory.ScopeOptional
	}
	return inventory.ScopeDev
}
