// Package composerlock reads PHP Composer's lockfile, composer.lock.
//
// Each entry of "packages" is a runtime component and each entry of
// "packages-dev" a dev one, of ecosystem Packagist, located at the line of
// the entry's opening brace. An entry's "require" names give the edges,
// each to the locked package of that name, else to the one that
// "provide"s or "replace"s it (monolog/monolog provides
// psr/log-implementation). Platform requirements (php, ext-*, lib-*,
// composer-plugin-api: names without a "/") are not packages and are
// skipped.
//
// Direct dependencies: the names in "require" and "require-dev" of the
// composer.json beside the lockfile, read through the scanned tree, which
// also gives the root its name and version. Without a readable
// composer.json, a locked package that no other locked package requires is
// taken as direct; that misses direct dependencies something else also
// needs, and the root says so in "direct_from".
//
// Where a package comes from: an entry that carries a "notification-url"
// came through a Composer repository (packagist.org, Private Packagist, a
// mirror), whose dist URL (a GitHub zipball API URL, most of the time) is
// the registry's own download and is not recorded. Any other entry came
// from a repository the project declares: a VCS repository (a fork, a
// private Git server), a path repository, an artifact directory or an
// inline "package" definition. Its Source is the VCS URL with the commit
// in pip's notation ("git+https://github.com/acme/monolog.git@<commit>",
// as SPDX's download locations write it), else the dist URL or path;
// credentials in URLs are removed.
//
// Branches: a version "dev-<branch>" or "<branch>-dev" is a branch head,
// not a release; Composer keeps the name as the version and pins the
// commit in "reference". The component keeps the version as Composer
// writes it (so its PURL is the one other tools give) and records the
// branch and commit in properties. It is pinned when the reference is a
// full commit id, since `composer install` then fetches exactly that
// code; a reference that is itself a branch name (inline "package"
// repositories write "master") is Unpinned, since every install may get
// different code. Advisories, which name releases, will not match a
// branch version; a policy can find these components by their "branch"
// property.
//
// Licences: Composer's "license" array lists licences to choose from
// (disjunctive); several are recorded as one SPDX expression joined by
// " OR ", since vouch reads several entries of Licenses as all applying.
// A "dist.shasum", when not empty, is a SHA-1 of the dist archive
// (packagist.org leaves it empty for GitHub zipballs, which are not
// byte-stable).
//
// An entry of the wrong shape (a "require" that is not an object of
// strings, a missing name) is reported with its line; it is kept without
// the bad field when its name was read, skipped otherwise. A document that
// is not JSON or not an object is refused whole.
//
// Component properties:
//
//	reference     the commit (or other VCS reference) the lock pins:
//	              "source.reference", else "dist.reference"
//	branch        for a branch version, the branch ("main" of "dev-main",
//	              "3.x" of "3.x-dev")
//	abandoned     "true", or the package the registry suggests instead,
//	              when the registry marks the package abandoned
//	package_type  the Composer package type when it is not "library"
//	              ("composer-plugin": code Composer runs while installing;
//	              "metapackage", "project", ...)
//
// Root properties:
//
//	direct_from  "composer.json" when the direct dependencies come from the
//	             composer.json beside the lockfile, "inferred" when they
//	             were guessed
package composerlock

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/jsonstream"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const name = "composerlock"

// Limits on hostile input. Real lockfiles lock at most a few thousand
// packages with names of a few dozen bytes.
const (
	// maxPackages caps the entries kept.
	maxPackages = 1 << 18
	// maxName caps a package name; Packagist's longest are under 100 bytes.
	maxName = 1 << 10
	// maxManifestSize caps the composer.json read beside the lockfile.
	maxManifestSize = 4 << 20
)

// Extractor reads composer.lock files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return name }

// Claims implements extract.Extractor: files named composer.lock.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false
	}
	return extract.Base(path) == "composer.lock"
}

// ref is a "source" or "dist" object.
type ref struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	Reference string `json:"reference"`
	Shasum    string `json:"shasum"`
}

// entry is one element of "packages" or "packages-dev", as far as it is
// read.
type entry struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Source          *ref              `json:"source"`
	Dist            *ref              `json:"dist"`
	Require         map[string]string `json:"require"`
	Provide         map[string]string `json:"provide"`
	Replace         map[string]string `json:"replace"`
	License         json.RawMessage   `json:"license"`
	NotificationURL string            `json:"notification-url"`
	Abandoned       json.RawMessage   `json:"abandoned"`
	Type            string            `json:"type"`
}

// locked is an entry with where it was found.
type locked struct {
	entry
	dev  bool
	line int
	purl string
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
	// Composer writes no byte order mark, but editors on Windows may add one.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var probs extract.Problems
	pkgs, err := parse(ctx, in.Path, data, &probs)
	if err != nil {
		return nil, err
	}
	m, merr := readManifest(in)
	probs.AddErr(in.Path, merr)

	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{"direct_from": "inferred"}}
	if m != nil {
		root.Properties["direct_from"] = "composer.json"
		root.Name, root.Version = m.Name, m.Version
		if m.Name != "" {
			root.PURL = purl.For(purl.Packagist, m.Name, m.Version, nil)
		}
	}
	g := inventory.New()
	g.AddRoot(root)

	// byName resolves a required name: the package itself first, then
	// one that provides or replaces it, in file order.
	byName := map[string]*locked{}
	provided := map[string]*locked{}
	for _, p := range pkgs {
		c := component(in.Path, p)
		p.purl = c.PURL
		g.Add(c)
		if _, ok := byName[strings.ToLower(p.Name)]; !ok {
			byName[strings.ToLower(p.Name)] = p
		}
		for _, names := range []map[string]string{p.Provide, p.Replace} {
			for _, n := range sortedKeys(names) {
				if _, ok := provided[strings.ToLower(n)]; !ok {
					provided[strings.ToLower(n)] = p
				}
			}
		}
	}
	resolve := func(n string) *locked {
		if isPlatform(n) {
			return nil
		}
		n = strings.ToLower(n)
		if p := byName[n]; p != nil {
			return p
		}
		return provided[n]
	}
	required := map[*locked]bool{}
	for i, p := range pkgs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &extract.Error{Path: in.Path, Extractor: name, Err: err}
			}
		}
		for _, n := range sortedKeys(p.Require) {
			if t := resolve(n); t != nil && t != p {
				g.AddEdge(p.purl, t.purl)
				required[t] = true
			}
		}
	}
	direct := func(p *locked) {
		g.AddEdge(in.Path, p.purl)
		g.Component(p.purl).Direct = true
	}
	if m != nil {
		for _, n := range m.declared {
			if t := resolve(n); t != nil {
				direct(t)
			}
		}
	} else {
		for _, p := range pkgs {
			if !required[p] {
				direct(p)
			}
		}
	}
	return g, probs.Err()
}

// component builds the component of one locked entry.
func component(file string, p *locked) inventory.Component {
	c := inventory.Component{
		Ecosystem: purl.Packagist,
		Name:      p.Name,
		Version:   p.Version,
		Scope:     inventory.ScopeRuntime,
		Licenses:  licenses(p.License),
		Locations: []inventory.Location{{Path: file, Line: p.line}},
	}
	if p.dev {
		c.Scope = inventory.ScopeDev
	}
	set := func(k, v string) {
		if v == "" {
			return
		}
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties[k] = v
	}
	var reference string
	switch {
	case p.Source != nil && p.Source.Reference != "":
		reference = p.Source.Reference
	case p.Dist != nil:
		reference = p.Dist.Reference
	}
	set("reference", reference)
	if b, ok := branch(p.Version); ok {
		set("branch", b)
		c.Unpinned = !isCommit(reference)
	}
	if p.Type != "" && p.Type != "library" {
		set("package_type", p.Type)
	}
	set("abandoned", abandoned(p.Abandoned))
	if p.Dist != nil {
		if h, ok := sha1Hex(p.Dist.Shasum); ok {
			c.Hashes = []inventory.Hash{{Algorithm: "SHA-1", Value: h}}
		}
	}
	if p.NotificationURL == "" {
		c.Source = origin(p.Source, p.Dist)
	}
	c.PURL = purl.For(purl.Packagist, c.Name, c.Version, nil)
	return c
}

// origin is the Source of a package that did not come from a Composer
// repository: its VCS URL at the pinned reference, else where its dist
// archive or directory is.
func origin(src, dist *ref) string {
	if dist != nil && dist.Type == "path" && dist.URL != "" {
		return dist.URL
	}
	if src != nil && src.URL != "" {
		u := extract.RedactURL(src.URL)
		switch src.Type {
		case "git", "hg", "svn", "fossil":
			if !strings.HasPrefix(u, src.Type+"+") {
				u = src.Type + "+" + u
			}
		}
		if src.Reference != "" {
			u += "@" + src.Reference
		}
		return u
	}
	if dist != nil {
		return extract.RedactURL(dist.URL)
	}
	return ""
}

// branch reports whether version names a branch, as Composer's
// VersionParser does ("dev-" prefix or "-dev" suffix), and returns it.
func branch(version string) (string, bool) {
	if b, ok := strings.CutPrefix(version, "dev-"); ok {
		return b, true
	}
	if b, ok := strings.CutSuffix(version, "-dev"); ok {
		return b, true
	}
	return "", false
}

// isCommit reports whether ref is a full Git (or Mercurial) commit id.
func isCommit(ref string) bool {
	if len(ref) != 40 && len(ref) != 64 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		if !isHex(ref[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// sha1Hex returns a dist shasum as lower-case hex when it is a SHA-1.
func sha1Hex(s string) (string, bool) {
	if len(s) != 40 {
		return "", false
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}
	return strings.ToLower(s), true
}

// isPlatform reports whether a required name is a platform package (php,
// ext-json, lib-openssl, composer-plugin-api, ...) rather than a package:
// every Composer package name has a vendor and a "/".
func isPlatform(n string) bool { return !strings.Contains(n, "/") }

// licenses reads "license": an array of identifiers to choose from, or a
// single string as older lockfiles and inline packages write it. Other
// shapes carry no licence.
func licenses(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one = strings.TrimSpace(one); one != "" {
			return []string{one}
		}
		return nil
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	var ids []string
	for _, r := range many {
		var s string
		if json.Unmarshal(r, &s) == nil && strings.TrimSpace(s) != "" && !slices.Contains(ids, strings.TrimSpace(s)) {
			ids = append(ids, strings.TrimSpace(s))
		}
	}
	switch len(ids) {
	case 0:
		return nil
	case 1:
		return ids
	}
	for i, id := range ids {
		if strings.ContainsAny(id, " ()") {
			ids[i] = "(" + id + ")"
		}
	}
	return []string{strings.Join(ids, " OR ")}
}

// abandoned reads "abandoned": true, or the name of a replacement.
func abandoned(raw json.RawMessage) string {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "true"
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// parse reads the lockfile's package lists. A document that is not a JSON
// object fails whole; an entry of the wrong shape is reported to probs and
// skipped.
func parse(ctx context.Context, file string, data []byte, probs *extract.Problems) ([]*locked, error) {
	s := jsonstream.New(file, name, data)
	if err := s.Open('{', "composer.lock"); err != nil {
		return nil, err
	}
	var out []*locked
	seen := false
	for s.More() {
		k, err := s.Key()
		if err != nil {
			return nil, err
		}
		if k != "packages" && k != "packages-dev" {
			if err := s.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		seen = true
		if err := s.Open('[', k); err != nil {
			return nil, err
		}
		for n := 0; s.More(); n++ {
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, &extract.Error{Path: file, Extractor: name, Err: err}
				}
			}
			off := s.Next()
			var e entry
			if err := s.Decode(&e); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return nil, s.Fail(err)
				}
				// The decoder fills what it can around a field of the
				// wrong type: a package whose name was read is kept
				// without that field.
				if te.Field == "" {
					probs.Add(s.ErrorAt(off, "%s[%d]: want object, got %s", k, n, te.Value))
					continue
				}
				probs.Add(s.ErrorAt(off, "%s[%d]: %q: want %s, got %s", k, n, te.Field, goType(te), te.Value))
			}
			line, _ := s.Position(off)
			if err := check(&e); err != nil {
				probs.Add(s.ErrorAt(off, "%s[%d]: %v", k, n, err))
				continue
			}
			out = append(out, &locked{entry: e, dev: k == "packages-dev", line: line})
			if len(out) > maxPackages {
				return nil, s.ErrorAt(off, "more than %d packages", maxPackages)
			}
		}
		if err := s.Close(); err != nil {
			return nil, err
		}
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	if err := s.End(); err != nil {
		return nil, err
	}
	if !seen {
		return nil, &extract.Error{Path: file, Line: 1, Extractor: name, Err: errors.New(`no "packages": not a composer.lock`)}
	}
	return out, nil
}

// goType names the JSON shape a field of entry wants, for errors.
func goType(te *json.UnmarshalTypeError) string {
	switch te.Type.Kind().String() {
	case "map":
		return "object of strings"
	case "struct", "ptr":
		return "object"
	}
	return te.Type.Kind().String()
}

// check rejects an entry that names no package.
func check(e *entry) error {
	switch {
	case e.Name == "":
		return errors.New("package without a name")
	case len(e.Name) > maxName:
		return fmt.Errorf("package name of %d bytes, limit %d", len(e.Name), maxName)
	case !strings.Contains(e.Name, "/"):
		return fmt.Errorf("package name %.60q has no vendor", e.Name)
	}
	return nil
}

// manifest is what the lockfile borrows from the composer.json beside it.
type manifest struct {
	Name, Version string
	declared      []string // require then require-dev, in file order
}

// readManifest reads the composer.json beside the lockfile. It returns nil
// when there is none; a composer.json that cannot be read is reported
// against itself, and the lockfile is read as if it were absent.
func readManifest(in *extract.Input) (*manifest, error) {
	path, ok := extract.Join(extract.Dir(in.Path), "composer.json")
	if !ok || in.Root == nil {
		return nil, nil
	}
	f, err := in.Root.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &extract.Error{Path: path, Extractor: name, Err: fmt.Errorf("open: %w", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, &extract.Error{Path: path, Extractor: name, Err: fmt.Errorf("read: %w", err)}
	}
	if len(data) > maxManifestSize {
		return nil, &extract.Error{Path: path, Extractor: name, Err: fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, maxManifestSize)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	s := jsonstream.New(path, name, data)
	if err := s.Open('{', "composer.json"); err != nil {
		return nil, err
	}
	m := &manifest{}
	for s.More() {
		k, err := s.Key()
		if err != nil {
			return nil, err
		}
		off := s.Next()
		switch k {
		case "name", "version":
			var v string
			if err := s.Decode(&v); err != nil {
				return nil, manifestError(s, off, k, err)
			}
			if k == "name" {
				m.Name = v
			} else {
				m.Version = v
			}
		case "require", "require-dev":
			if err := s.Open('{', k); err != nil {
				return nil, err
			}
			for s.More() {
				n, err := s.Key()
				if err != nil {
					return nil, err
				}
				if err := s.Skip(); err != nil {
					return nil, err
				}
				m.declared = append(m.declared, n)
			}
			if err := s.Close(); err != nil {
				return nil, err
			}
		default:
			if err := s.Skip(); err != nil {
				return nil, err
			}
		}
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	if err := s.End(); err != nil {
		return nil, err
	}
	return m, nil
}

func manifestError(s *jsonstream.Stream, off int64, key string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return s.ErrorAt(off, "%s: want string, got %s", key, te.Value)
	}
	return s.Fail(err)
}

var _ extract.Extractor = (*Extractor)(nil)
