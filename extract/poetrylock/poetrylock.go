// Package poetrylock reads Poetry's poetry.lock (lock-version 1.x written by
// Poetry 1.0–1.4, 2.0 by Poetry 1.5–1.8, 2.1 by Poetry 2.x).
//
// Every [[package]] becomes a component; [package.dependencies] become edges
// (by name: a dependency is linked to every locked version of it, which is
// one except where markers split the resolution). A dependency marked
// optional = true is linked through the [package.extras] entry that lists
// it, which counts as needed when a dependent asks for that extra
// (extras = [...]) and as optional otherwise. The pyproject.toml beside
// the lockfile, when there is one, names the project (the root's name and
// version) and its direct dependencies: [project.dependencies] and
// [tool.poetry.dependencies] (without "python") are runtime,
// [project.optional-dependencies] and optional = true are optional,
// [tool.poetry.group.*.dependencies], [tool.poetry.dev-dependencies] and
// [dependency-groups] are dev. Without it, the packages no other locked
// package depends on are taken as direct.
//
// Scope is the lockfile's own where it records one: "category" (1.x) or
// "groups" (2.x; "main" among them is runtime, any other group is dev), and
// optional = true makes a runtime package optional. Lock-version 2.0 records
// neither, and the scope then follows from the paths that reach the package
// from pyproject.toml's declarations.
//
// Component properties:
//   - declared_name: the name as the lockfile spells it, when it differs
//     from the PEP 503 form.
//   - marker: the environment marker under which the package is installed
//     (Poetry 2 "markers", when one string covers every group).
//   - git_ref: the branch or tag a git source asked for.
//   - subdirectory: where in a git repository the package lives.
//   - index_url, index_name: the non-PyPI index ([[tool.poetry.source]]) a
//     package was locked from, credentials removed.
//
// Root properties: lock_version, the [metadata] lock-version.
package poetrylock

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Extractor reads poetry.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "poetrylock" }

// Claims implements extract.Extractor: files named exactly poetry.lock.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	return extract.Base(path) == "poetry.lock"
}

type lockfile struct {
	Package  []lockPackage `toml:"package"`
	Metadata struct {
		LockVersion string `toml:"lock-version"`
		// Files holds the digests in lock-version 1.x, keyed by name.
		Files map[string][]lockFile `toml:"files"`
	} `toml:"metadata"`
}

type lockPackage struct {
	Name     string   `toml:"name"`
	Version  string   `toml:"version"`
	Category string   `toml:"category"`
	Groups   []string `toml:"groups"`
	Optional bool     `toml:"optional"`
	// Markers is a string, or a table of group → marker in Poetry 2.
	Markers any `toml:"markers"`
	// Dependencies map a name to a constraint string, a table with
	// "version", "markers", "optional", "extras", or a list of tables.
	Dependencies map[string]any `toml:"dependencies"`
	// Extras map an extra to the requirements it adds, PEP 508 strings.
	Extras map[string][]string `toml:"extras"`
	Files  []lockFile          `toml:"files"`
	Source *struct {
		Type              string `toml:"type"`
		URL               string `toml:"url"`
		Reference         string `toml:"reference"`
		ResolvedReference string `toml:"resolved_reference"`
		Subdirectory      string `toml:"subdirectory"`
	} `toml:"source"`
}

type lockFile struct {
	File string `toml:"file"`
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

	// lock-version 1.x keeps digests apart; count versions per name to
	// know when its file lists must be split by file name.
	versions := map[string]int{}
	for _, p := range lf.Package {
		versions[purl.NormalizePyPI(p.Name)]++
	}
	legacyFiles := map[string][]lockFile{}
	for name, files := range lf.Metadata.Files {
		n := purl.NormalizePyPI(name)
		legacyFiles[n] = append(legacyFiles[n], files...)
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
		if p.Version == "" {
			probs.Add(extract.Errorf(in.Path, line, "package %s: no version", p.Name))
		}
		l := pyproject.Locked{Name: p.Name, Version: p.Version, Line: line, Scope: scopeOf(p)}
		files := p.Files
		if len(files) == 0 {
			files = legacyFiles[purl.NormalizePyPI(p.Name)]
			if versions[purl.NormalizePyPI(p.Name)] > 1 {
				files = filesOfVersion(files, p.Version)
			}
		}
		for _, f := range files {
			h, ok := pyproject.ParseHash(f.Hash)
			if !ok {
				probs.Add(extract.Errorf(in.Path, line, "package %s: unreadable hash %q", p.Name, pyproject.Clip(f.Hash)))
				continue
			}
			l.Hashes = append(l.Hashes, h)
		}
		if m, ok := p.Markers.(string); ok && m != "" {
			l.Properties = pyproject.SetProperty(l.Properties, "marker", m)
		}
		if s := p.Source; s != nil {
			switch s.Type {
			case "git":
				commit := s.ResolvedReference
				if commit == "" {
					commit = s.Reference
				}
				l.Source = pyproject.GitSource(s.URL, commit)
				if s.Reference != "" && s.Reference != commit {
					l.Properties = pyproject.SetProperty(l.Properties, "git_ref", s.Reference)
				}
				if s.Subdirectory != "" {
					l.Properties = pyproject.SetProperty(l.Properties, "subdirectory", s.Subdirectory)
				}
			case "url", "file", "directory":
				l.Source = extract.RedactURL(s.URL)
				if s.Subdirectory != "" {
					l.Properties = pyproject.SetProperty(l.Properties, "subdirectory", s.Subdirectory)
				}
			default:
				// "legacy" and other index types: a registry, just not PyPI.
				if s.URL != "" {
					l.Properties = pyproject.SetProperty(l.Properties, "index_url", extract.RedactURL(s.URL))
				}
				if s.Reference != "" {
					l.Properties = pyproject.SetProperty(l.Properties, "index_name", s.Reference)
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(p.Dependencies)) {
			if !pyproject.ValidName(name) {
				probs.Add(extract.Errorf(in.Path, line, "package %s: dependency with invalid name %q", p.Name, pyproject.Clip(name)))
				continue
			}
			// Optional dependencies come in through the extras below.
			if c := pyproject.ReadPoetryConstraint(p.Dependencies[name]); !c.Optional {
				l.Deps = append(l.Deps, pyproject.Ref{Name: name, Extras: c.Extras})
			}
		}
		pkgs = append(pkgs, l)
		for _, extra := range slices.Sorted(maps.Keys(p.Extras)) {
			e := pyproject.Locked{Name: p.Name, Version: p.Version, Line: line, Extras: []string{extra}}
			for _, req := range p.Extras[extra] {
				r, err := pyproject.ParseRequirement(req)
				if err != nil {
					probs.Add(extract.Errorf(in.Path, line, "package %s: extra %s: %v", p.Name, pyproject.Clip(extra), err))
					continue
				}
				c := pyproject.ReadPoetryConstraint(p.Dependencies[r.Name])
				e.Deps = append(e.Deps, pyproject.Ref{Name: r.Name, Extras: append(c.Extras, r.Extras...)})
			}
			pkgs = append(pkgs, e)
		}
	}

	root := inventory.Root{ID: in.Path}
	if lf.Metadata.LockVersion != "" {
		root.Properties = map[string]string{"lock_version": lf.Metadata.LockVersion}
	}
	var direct []pyproject.Ref
	project, perr := pyproject.ReadProject(in)
	probs.AddErr(in.Path, perr)
	if project != nil {
		root.Name, root.Version = project.Name, project.Version
		for _, d := range project.Dependencies {
			direct = append(direct, pyproject.Ref{Name: d.Name, Scope: d.Scope, Extras: d.Extras})
		}
	}
	g, err := pyproject.Graph(ctx, in.Path, root, pkgs, direct)
	if err != nil {
		return nil, err
	}
	return g, probs.Err()
}

// scopeOf reads the scope a package entry records, or "" when it records
// none (lock-version 2.0).
func scopeOf(p lockPackage) inventory.Scope {
	var s inventory.Scope
	switch {
	case len(p.Groups) > 0:
		s = inventory.ScopeDev
		if slices.Contains(p.Groups, "main") {
			s = inventory.ScopeRuntime
		}
	case p.Category == "main":
		s = inventory.ScopeRuntime
	case p.Category != "":
		s = inventory.ScopeDev
	}
	if p.Optional && (s == inventory.ScopeRuntime || s == "") {
		s = inventory.ScopeOptional
	}
	return s
}

// filesOfVersion keeps the files of a lock-version 1.x digest list whose
// name carries version ("name-1.2.3-py3-none-any.whl", "name-1.2.3.tar.gz").
func filesOfVersion(files []lockFile, version string) []lockFile {
	var out []lockFile
	for _, f := range files {
		if strings.Contains(f.File, "-"+version+"-") || strings.Contains(f.File, "-"+version+".") {
			out = append(out, f)
		}
	}
	return out
}
