// Package gowork reads a Go workspace file, go.work.
//
// A go.work names the modules developed together ("use" directories) and
// replacements that apply to all of them. It is one root (kind manifest);
// each used module is a direct, versionless component of ecosystem Go named
// by the "module" line of "<dir>/go.mod", read through the scanned tree,
// with Source "workspace:<dir>" (the directory as go.work writes it) and
// the line of its "use" as location. A "use" that leaves the scanned tree
// (an absolute path, or "../" past the scanned root) or whose go.mod cannot
// be read is not followed; the root lists it instead.
//
// How it combines with go.mod: the walk also finds each used module's
// go.mod, which package gomod turns into a root whose PURL (the module path,
// no version) is the PURL of the component this package adds, so a go.work
// component and the go.mod root of the same module are joined by that PURL.
// The requirements stay with the go.mod roots: this package does not
// repeat them. The workspace's "replace" directives, which the go command
// applies over those of every used go.mod, are recorded on the root; the
// go.mod roots show each module as built alone.
//
// Root properties:
//
//   - "go": the "go" directive's version.
//   - "toolchain": the "toolchain" directive's name.
//   - "replace": each replace directive as "old[@version] => new[@version]",
//     in file order, joined by "; ".
//   - "unresolved_use": the "use" directories not followed, joined by ", ".
package gowork

import (
	"context"
	"io/fs"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/gomodfile"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	// maxGoWorkSize bounds the go.work read; real ones are a few lines.
	maxGoWorkSize = 4 << 20
	// maxGoModSize bounds each used module's go.mod.
	maxGoModSize = 16 << 20
)

// Extractor reads go.work files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gowork" }

// Claims implements extract.Extractor: files named go.work.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(path) == "go.work"
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, maxGoWorkSize)
	if err != nil {
		return nil, err
	}
	f, err := modfile.ParseWork(in.Path, data, nil)
	if err != nil {
		return nil, gomodfile.Error(in.Path, "go.work", err)
	}

	g := inventory.New()
	props := map[string]string{}
	if f.Go != nil && f.Go.Version != "" {
		props["go"] = f.Go.Version
	}
	if f.Toolchain != nil && f.Toolchain.Name != "" {
		props["toolchain"] = f.Toolchain.Name
	}
	var reps []string
	for _, r := range f.Replace {
		reps = append(reps, versioned(r.Old)+" => "+versioned(r.New))
	}
	if len(reps) > 0 {
		props["replace"] = strings.Join(reps, "; ")
	}

	var unresolved []string
	for i, u := range f.Use {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Err: err}
			}
		}
		modPath := usedModule(in, u.Path)
		if modPath == "" {
			unresolved = append(unresolved, u.Path)
			continue
		}
		c := inventory.Component{
			PURL:      purl.For(purl.Go, modPath, "", nil),
			Ecosystem: purl.Go,
			Name:      modPath,
			Direct:    true,
			Scope:     inventory.ScopeRuntime,
			Source:    "workspace:" + u.Path,
			Locations: []inventory.Location{{Path: in.Path, Line: lineOf(u)}},
		}
		g.Add(c)
		g.AddEdge(in.Path, c.PURL)
	}
	if len(unresolved) > 0 {
		props["unresolved_use"] = strings.Join(unresolved, ", ")
	}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest}
	if len(props) > 0 {
		root.Properties = props
	}
	g.AddRoot(root)
	return g, nil
}

// versioned writes a module as a replace directive does.
func versioned(m module.Version) string {
	if m.Version == "" {
		return m.Path
	}
	return m.Path + "@" + m.Version
}

// usedModule returns the module path declared by dir/go.mod, dir being
// relative to the go.work, or "" when it cannot be read inside the tree.
func usedModule(in *extract.Input, dir string) string {
	data := gomodfile.ReadInTree(in, dir, maxGoModSize)
	if data == nil {
		return ""
	}
	mp := modfile.ModulePath(data)
	if module.CheckImportPath(mp) != nil {
		// Not a module path the go command would accept: a PURL made of
		// it would name nothing.
		return ""
	}
	return mp
}

// lineOf returns the line of a use directive, 0 when unknown.
func lineOf(u *modfile.Use) int {
	if u.Syntax == nil {
		return 0
	}
	return u.Syntax.Start.Line
}
