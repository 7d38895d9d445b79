// Package nugetlock reads NuGet's lockfile for .NET projects,
// packages.lock.json (and packages.<project>.lock.json, the name NuGet
// uses when several projects share a directory), in versions 1 and 2.
//
// The file lists, for each target framework ("net8.0") and each
// framework with a runtime identifier ("net8.0/linux-x64"), every package
// restored for it, keyed by package id, with its "type":
//
//   - Direct: a PackageReference of the project; a direct component with
//     an edge from the root.
//   - Transitive: needed by another package.
//   - CentralTransitive (Central Package Management, usually in version 2):
//     a transitive package whose version Directory.Packages.props pins;
//     not direct, with the "central" property.
//   - Project: a ProjectReference, the project's own code. It is not a
//     component. The packages it needs are restored for this project too;
//     they get an edge from the root (the project reference is the path),
//     stay non-direct, and name the project in the "via_project"
//     property.
//
// Any other type is read as Transitive.
//
// A package restored for several frameworks at one version is one
// component whose "frameworks" property lists them; at different versions
// it is one component per version. A package's "dependencies" map ids to
// version ranges ("[3.1.1, )"); each becomes an edge to the package of that
// id (ids compare without case, as NuGet's do) restored for the same
// framework, whose "resolved" version is the one in use. NuGet falls back
// from a framework with a runtime identifier to the framework alone, so
// does the lookup.
//
// "contentHash" is the base64 SHA-512 of the .nupkg, recorded as a SHA-512
// hash in hex. Scope is runtime throughout: the lockfile does not say
// which packages only build or test the project. Locations are the line of
// the package's key in each framework that lists it.
//
// The root is the lockfile; when exactly one project file (*.csproj,
// *.fsproj, *.vbproj) sits beside it, its name without the extension is
// the root's name.
//
// An entry of the wrong shape (a "dependencies" that is not an object of
// strings, no "resolved" version, an unreadable contentHash) is reported
// with its line; the entry is kept where its id and version were read.
// A document that is not a lockfile is refused whole.
//
// Component properties:
//
//	frameworks   the target frameworks that restore the package, sorted,
//	             comma-separated ("net6.0,net8.0,net8.0/linux-x64")
//	central      "true" for a CentralTransitive package
//	via_project  the project references that need the package, sorted,
//	             comma-separated
//
// Root properties:
//
//	lockfile_version  "1" or "2"
package nugetlock

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/jsonstream"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const name = "nugetlock"

// Limits on hostile input. Real lockfiles list a few frameworks and at
// most some thousands of packages per framework.
const (
	// maxEntries caps the package entries kept across frameworks.
	maxEntries = 1 << 20
	// maxID caps a package id; NuGet allows 100 characters.
	maxID = 1 << 10
	// maxDirEntries caps the directory listing read to find the project
	// file beside the lockfile.
	maxDirEntries = 1 << 12
)

// Extractor reads packages.lock.json files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return name }

// Claims implements extract.Extractor: packages.lock.json and
// packages.<project>.lock.json.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	b := extract.Base(path)
	if b == "packages.lock.json" {
		return true
	}
	mid, ok := strings.CutPrefix(b, "packages.")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ".lock.json")
	return ok && mid != ""
}

// entry is one package of one framework, as far as it is read.
type entry struct {
	Type         string            `json:"type"`
	Resolved     string            `json:"resolved"`
	ContentHash  string            `json:"contentHash"`
	Dependencies map[string]string `json:"dependencies"`
}

// restored is an entry with its id, framework and line.
type restored struct {
	entry
	id        string
	framework string
	line      int
	purl      string // "" for a project reference
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		var e *extract.Error
		if errors.As(err, &e) {
			e.Extractor = name
		}
		return nil, err
	}
	// Visual Studio may write a byte order mark.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var probs extract.Problems
	version, entries, err := parse(ctx, in.Path, data, &probs)
	if err != nil {
		return nil, err
	}

	root := inventory.Root{
		ID: in.Path, Kind: inventory.KindManifest, Name: projectName(in),
		Properties: map[string]string{"lockfile_version": version},
	}
	g := inventory.New()
	g.AddRoot(root)

	// byFramework maps a framework and a lower-case id to its entry.
	byFramework := map[string]map[string]*restored{}
	frameworks := map[string][]string{}
	for _, r := range entries {
		fw := byFramework[r.framework]
		if fw == nil {
			fw = map[string]*restored{}
			byFramework[r.framework] = fw
		}
		if _, dup := fw[strings.ToLower(r.id)]; !dup {
			fw[strings.ToLower(r.id)] = r
		}
		if r.Type == "Project" {
			continue
		}
		c := inventory.Component{
			Ecosystem: purl.NuGet,
			Name:      r.id,
			Version:   r.Resolved,
			Direct:    r.Type == "Direct",
			Scope:     inventory.ScopeRuntime,
			Locations: []inventory.Location{{Path: in.Path, Line: r.line}},
		}
		if h, err := sha512Hex(r.ContentHash); err != nil {
			e := extract.Errorf(in.Path, r.line, "%s %s: contentHash: %v", r.framework, clip(r.id), err)
			e.Extractor = name
			probs.Add(e)
		} else if h != "" {
			c.Hashes = []inventory.Hash{{Algorithm: "SHA-512", Value: h}}
		}
		if r.Type == "CentralTransitive" {
			c.Properties = map[string]string{"central": "true"}
		}
		c.PURL = purl.For(purl.NuGet, c.Name, c.Version, nil)
		r.purl = c.PURL
		g.Add(c)
		if !slices.Contains(frameworks[c.PURL], r.framework) {
			frameworks[c.PURL] = append(frameworks[c.PURL], r.framework)
		}
		if c.Direct {
			g.AddEdge(in.Path, c.PURL)
		}
	}
	// lookup finds the package a dependency id names in framework fw,
	// falling back from "net8.0/linux-x64" to "net8.0".
	lookup := func(fw, id string) *restored {
		id = strings.ToLower(id)
		if r := byFramework[fw][id]; r != nil {
			return r
		}
		if base, _, ok := strings.Cut(fw, "/"); ok {
			return byFramework[base][id]
		}
		return nil
	}
	via := map[string][]string{}
	for i, r := range entries {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Extractor: name, Err: err}
			}
		}
		for _, id := range sortedKeys(r.Dependencies) {
			t := lookup(r.framework, id)
			if t == nil || t.purl == "" {
				continue
			}
			if r.Type != "Project" {
				g.AddEdge(r.purl, t.purl)
				continue
			}
			g.AddEdge(in.Path, t.purl)
			if !slices.Contains(via[t.purl], r.id) {
				via[t.purl] = append(via[t.purl], r.id)
			}
		}
	}
	for _, c := range g.Components() {
		setProp(c, "frameworks", joinSorted(frameworks[c.PURL]))
		setProp(c, "via_project", joinSorted(via[c.PURL]))
		slices.SortFunc(c.Locations, func(a, b inventory.Location) int { return cmp.Compare(a.Line, b.Line) })
	}
	return g, probs.Err()
}

func setProp(c *inventory.Component, k, v string) {
	if v == "" {
		return
	}
	if c.Properties == nil {
		c.Properties = map[string]string{}
	}
	c.Properties[k] = v
}

func joinSorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sha512Hex decodes a base64 contentHash; "" stands for none.
func sha512Hex(b64 string) (string, error) {
	if b64 == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", errors.New("not base64")
	}
	if len(raw) != 64 {
		return "", fmt.Errorf("%d bytes, want 64 (SHA-512)", len(raw))
	}
	return hex.EncodeToString(raw), nil
}

// projectName returns the name of the one project file beside the
// lockfile, or "".
func projectName(in *extract.Input) string {
	if b := extract.Base(in.Path); b != "packages.lock.json" {
		// packages.<project>.lock.json names its project.
		return strings.TrimSuffix(strings.TrimPrefix(b, "packages."), ".lock.json")
	}
	if in.Root == nil {
		return ""
	}
	dir := extract.Dir(in.Path)
	f, err := in.Root.Open(dir)
	if err != nil {
		return ""
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return ""
	}
	list, err := rd.ReadDir(maxDirEntries)
	if err != nil && len(list) == 0 {
		return ""
	}
	found := ""
	for _, e := range list {
		n := e.Name()
		if e.IsDir() {
			continue
		}
		for _, ext := range []string{".csproj", ".fsproj", ".vbproj"} {
			if base, ok := strings.CutSuffix(n, ext); ok && base != "" {
				if found != "" {
					return "" // several projects: the lockfile's name says which
				}
				found = base
			}
		}
	}
	return found
}

// parse reads the lockfile's version and the entries of every framework,
// in file order.
func parse(ctx context.Context, file string, data []byte, probs *extract.Problems) (string, []*restored, error) {
	s := jsonstream.New(file, name, data)
	if err := s.Open('{', "packages.lock.json"); err != nil {
		return "", nil, err
	}
	version := ""
	var out []*restored
	for s.More() {
		k, err := s.Key()
		if err != nil {
			return "", nil, err
		}
		off := s.Next()
		switch k {
		case "version":
			t, err := s.Token()
			if err != nil {
				return "", nil, err
			}
			n, ok := t.(json.Number)
			if !ok {
				return "", nil, s.ErrorAt(off, "version: want number, got %s", jsonstream.KindOf(t))
			}
			if n != "1" && n != "2" {
				return "", nil, s.ErrorAt(off, "unsupported lockfile version %.20s (want 1 or 2)", n)
			}
			version = string(n)
		case "dependencies":
			if out, err = frameworks(ctx, s, probs); err != nil {
				return "", nil, err
			}
		default:
			if err := s.Skip(); err != nil {
				return "", nil, err
			}
		}
	}
	if err := s.Close(); err != nil {
		return "", nil, err
	}
	if err := s.End(); err != nil {
		return "", nil, err
	}
	if version == "" {
		return "", nil, &extract.Error{Path: file, Line: 1, Extractor: name, Err: errors.New(`no "version": not a NuGet lockfile`)}
	}
	return version, out, nil
}

// frameworks reads the "dependencies" object: frameworks, each an object
// of package ids.
func frameworks(ctx context.Context, s *jsonstream.Stream, probs *extract.Problems) ([]*restored, error) {
	if err := s.Open('{', "dependencies"); err != nil {
		return nil, err
	}
	var out []*restored
	for s.More() {
		fw, err := s.Key()
		if err != nil {
			return nil, err
		}
		if err := s.Open('{', "dependencies."+clip(fw)); err != nil {
			return nil, err
		}
		for s.More() {
			if len(out)%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, &extract.Error{Path: s.File(), Extractor: name, Err: err}
				}
			}
			keyOff := s.Next()
			id, err := s.Key()
			if err != nil {
				return nil, err
			}
			line, _ := s.Position(keyOff)
			off := s.Next()
			where := fw + " " + clip(id)
			var e entry
			if err := s.Decode(&e); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return nil, s.Fail(err)
				}
				if te.Field == "" {
					probs.Add(s.ErrorAt(off, "%s: want object, got %s", where, te.Value))
					continue
				}
				// The decoder fills what it can around the bad field.
				probs.Add(s.ErrorAt(off, "%s: %q: want %s, got %s", where, te.Field, goType(te), te.Value))
			}
			switch {
			case id == "" || len(id) > maxID:
				probs.Add(s.ErrorAt(keyOff, "%s: package id of %d bytes, want 1 to %d", fw, len(id), maxID))
				continue
			case e.Type != "Project" && e.Resolved == "":
				probs.Add(s.ErrorAt(keyOff, "%s: no resolved version", where))
				continue
			}
			out = append(out, &restored{entry: e, id: id, framework: fw, line: line})
			if len(out) > maxEntries {
				return nil, s.ErrorAt(keyOff, "more than %d packages", maxEntries)
			}
		}
		if err := s.Close(); err != nil {
			return nil, err
		}
	}
	return out, s.Close()
}

// goType names the JSON shape a field of entry wants, for errors.
func goType(te *json.UnmarshalTypeError) string {
	if te.Type.Kind().String() == "map" {
		return "object of strings"
	}
	return te.Type.Kind().String()
}

// clip shortens a key quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

var _ extract.Extractor = (*Extractor)(nil)
