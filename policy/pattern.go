package policy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// maxPatternLength bounds a pattern; real ones are a few dozen bytes.
const maxPatternLength = 1024

// Pattern selects components by Package URL: "pkg:TYPE/NAMESPACE/NAME"
// with "*" matching any run of characters (slashes included) in the
// namespace and name, and an optional "@VERSIONS" that is "*", one exact
// version, or comparisons (">=1.2.0, <2") joined by "," (all must hold)
// and "||" (either side may), ordered as the component's ecosystem orders
// versions. Names compare case-insensitively, and PyPI names as PEP 503
// normalises them. A Docker image's name includes its registry (the
// PURL's repository_url qualifier), as a workflow writes the image:
// pkg:docker/ghcr.io/acme/tool.
type Pattern struct {
	// Text is the pattern as written in the policy.
	Text string
	// Line is where it was written, 0 when not from a file.
	Line int

	typ   string // PURL type, lower case
	name  string // lower-case glob over "namespace/name[/subpath]"
	eco   string // the ecosystem whose ordering the bounds were parsed in
	exact string // an exact version, normalised; "" when none
	alts  [][]constraint
}

// constraint is one comparison of a version range.
type constraint struct {
	op   string // ">=", ">", "<=", "<", "=", "!="
	text string // the version, normalised
	v    semantic.Version
}

// typeEcosystems maps PURL types to the ecosystem whose version ordering
// patterns of that type use. Types absent have no ordering: only exact
// versions can be given for them.
var typeEcosystems = map[string]string{
	packageurl.TypeNPM:      purl.NPM,
	packageurl.TypeGolang:   purl.Go,
	packageurl.TypePyPi:     purl.PyPI,
	packageurl.TypeCargo:    purl.CratesIO,
	packageurl.TypeMaven:    purl.Maven,
	packageurl.TypeGem:      purl.RubyGems,
	packageurl.TypeComposer: purl.Packagist,
	packageurl.TypeNuget:    purl.NuGet,
	packageurl.TypeDebian:   purl.Debian,
	packageurl.TypeApk:      purl.Alpine,
	packageurl.TypeRPM:      purl.RedHat,
}

// ParsePattern reads a component pattern. The error says what is wrong
// without a position; the policy decoder adds one.
func ParsePattern(s string) (*Pattern, error) {
	if len(s) > maxPatternLength {
		return nil, fmt.Errorf("pattern longer than %d bytes", maxPatternLength)
	}
	rest, ok := cutPrefixFold(strings.TrimSpace(s), "pkg:")
	if !ok {
		return nil, fmt.Errorf("pattern %q does not start with \"pkg:\" (write pkg:TYPE/NAME, such as pkg:npm/lodash)", clip(s, 60))
	}
	typ, path, ok := strings.Cut(rest, "/")
	typ = strings.ToLower(typ)
	if !ok || typ == "" || !isPURLType(typ) {
		return nil, fmt.Errorf("pattern %q has no package type (write pkg:TYPE/NAME)", clip(s, 60))
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("pattern %q: qualifiers (?…) and subpaths (#…) are not supported; write an action's path as part of the name", clip(s, 60))
	}
	versions := ""
	hasVersion := false
	last := strings.LastIndex(path, "/") + 1
	if at := strings.IndexByte(path[last:], '@'); at >= 0 {
		versions = strings.TrimSpace(path[last+at+1:])
		path = path[:last+at]
		hasVersion = true
	}
	p := &Pattern{Text: s, typ: typ, eco: typeEcosystems[typ]}
	var segs []string
	for _, seg := range strings.Split(path, "/") {
		u, err := url.PathUnescape(seg)
		if err != nil || u == "" {
			return nil, fmt.Errorf("pattern %q has an empty or malformed name part", clip(s, 60))
		}
		segs = append(segs, u)
	}
	name := strings.ToLower(strings.Join(segs, "/"))
	if typ == packageurl.TypePyPi {
		name = purl.NormalizePyPI(name)
	}
	p.name = name
	if !hasVersion || versions == "*" {
		return p, nil
	}
	if versions == "" {
		return nil, fmt.Errorf("pattern %q has nothing after \"@\" (give a version, a range, or leave the @ out)", clip(s, 60))
	}
	if err := p.parseVersions(versions); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", clip(s, 60), err)
	}
	return p, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func isPURLType(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}

var operators = []string{">=", "<=", "!=", "==", ">", "<", "="}

// parseVersions reads "1.2.3" or ">=1.2.0, <2 || >=3".
func (p *Pattern) parseVersions(s string) error {
	if !strings.ContainsAny(s, "<>=!,|") {
		if strings.ContainsAny(s, " \t") {
			return fmt.Errorf("version %q has spaces (join comparisons with \",\")", s)
		}
		p.exact = normalizeVersion(p.eco, s)
		if p.eco != "" {
			if _, err := parseVersion(p.eco, p.exact); err != nil {
				return err
			}
		}
		return nil
	}
	if p.eco == "" {
		return fmt.Errorf("pkg:%s versions have no order vouch knows; give one exact version", p.typ)
	}
	for _, alt := range strings.Split(s, "||") {
		var cs []constraint
		for _, part := range strings.Split(alt, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				return fmt.Errorf("empty comparison in %q", s)
			}
			op := "="
			for _, o := range operators {
				if strings.HasPrefix(part, o) {
					op = o
					part = strings.TrimSpace(part[len(o):])
					break
				}
			}
			if op == "==" {
				op = "="
			}
			if part == "" || strings.ContainsAny(part, " \t<>=!") {
				return fmt.Errorf("comparison needs one version after %q in %q", op, s)
			}
			text := normalizeVersion(p.eco, part)
			v, err := parseVersion(p.eco, text)
			if err != nil {
				return err
			}
			cs = append(cs, constraint{op: op, text: text, v: v})
		}
		p.alts = append(p.alts, cs)
	}
	return nil
}

// normalizeVersion drops the "v" Go module versions carry, as OSV ranges
// and the semantic package expect them without it.
func normalizeVersion(eco, v string) string {
	if eco == purl.Go && len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// parseVersion parses a version in an ecosystem's ordering. The semver
// ecosystems' parser accepts anything, so their versions are checked to
// look like semantic versions first.
func parseVersion(eco, v string) (semantic.Version, error) {
	switch ecosystemBase(eco) {
	case purl.NPM, purl.Go, purl.CratesIO:
		if !looksSemver(v) {
			return nil, fmt.Errorf("version %q is not a semantic version", v)
		}
	}
	sv, err := semantic.Parse(v, ecosystemBase(eco))
	if err != nil {
		if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
			return nil, fmt.Errorf("%s versions have no order vouch knows", eco)
		}
		return nil, fmt.Errorf("version %q: %w", v, err)
	}
	return sv, nil
}

// looksSemver accepts MAJOR[.MINOR[.PATCH]][-PRE][+BUILD] with digits in
// the core.
func looksSemver(s string) bool {
	core, _, _ := strings.Cut(s, "+")
	core, _, _ = strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// ecosystemBase drops a release suffix: "Debian:12" → "Debian".
func ecosystemBase(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	return base
}

// subject is a component as patterns see it. The PURL is parsed only
// when a pattern first asks, since many policies match no patterns.
type subject struct {
	c       *inventory.Component
	split   bool
	typ     string // PURL type
	name    string // lower-case "namespace/name[/subpath]"
	version string // normalised for the ecosystem
	parsed  bool
	v       semantic.Version
}

func newSubject(c *inventory.Component) *subject { return &subject{c: c} }

// parts parses the PURL into the type and name patterns compare.
func (s *subject) parts() {
	if s.split {
		return
	}
	s.split = true
	c := s.c
	p, err := packageurl.FromString(c.PURL)
	if err != nil {
		return
	}
	s.typ = p.Type
	name := p.Name
	if p.Namespace != "" {
		name = p.Namespace + "/" + name
	}
	if p.Type == packageurl.TypeGithub && p.Subpath != "" {
		name += "/" + p.Subpath
	}
	if p.Type == packageurl.TypeDocker {
		// An image is matched by its name as written, registry first
		// (pkg:docker/ghcr.io/acme/*): the same name in another
		// registry is another image.
		if r := p.Qualifiers.Map()["repository_url"]; r != "" {
			name = r + "/" + name
		}
	}
	name = strings.ToLower(name)
	if p.Type == packageurl.TypePyPi {
		name = purl.NormalizePyPI(name)
	}
	s.name = name
	v := c.Version
	if v == "" {
		v = p.Version
	}
	s.version = normalizeVersion(ecosystemBase(c.Ecosystem), v)
}

// semver returns the subject's version parsed in its ecosystem's order,
// or nil when it does not parse.
func (s *subject) semver() semantic.Version {
	if !s.parsed {
		s.parsed = true
		if s.version != "" {
			eco := s.c.Ecosystem
			if eco == "" {
				eco = typeEcosystems[s.typ]
			}
			if v, err := parseVersion(eco, s.version); err == nil {
				s.v = v
			}
		}
	}
	return s.v
}

// Match reports whether the pattern selects the component.
func (p *Pattern) Match(c *inventory.Component) bool {
	return p.match(newSubject(c))
}

func (p *Pattern) match(s *subject) bool {
	s.parts()
	if s.typ != p.typ || !globMatch(p.name, s.name) {
		return false
	}
	if p.exact == "" && p.alts == nil {
		return true
	}
	if s.version == "" {
		return false
	}
	if p.exact != "" {
		if s.version == p.exact {
			return true
		}
		if p.eco == "" {
			return false
		}
		c, ok := compare(s, constraint{text: p.exact})
		return ok && c == 0
	}
	for _, alt := range p.alts {
		all := true
		for _, k := range alt {
			c, ok := compare(s, k)
			if !ok || !k.holds(c) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// compare orders the subject's version against a bound; ok is false when
// the two cannot be ordered (a commit hash, a version the ecosystem's
// parser rejects), which never matches a range.
func compare(s *subject, k constraint) (int, bool) {
	v := s.semver()
	if v == nil {
		return 0, false
	}
	if k.v != nil {
		if c, err := v.Compare(k.v); err == nil {
			return c, true
		}
	}
	c, err := v.CompareStr(k.text)
	if err != nil {
		return 0, false
	}
	return c, true
}

func (k constraint) holds(c int) bool {
	switch k.op {
	case ">=":
		return c >= 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	case "<":
		return c < 0
	case "!=":
		return c != 0
	}
	return c == 0
}

// globMatch reports whether s matches pattern, where "*" matches any run
// of characters. Both are compared as given (callers lower-case them). It
// runs in O(len(pattern)·len(s)) at worst, with no recursion.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			c := pattern[px]
			if c == '*' {
				nextPx, nextSx = px, sx+1
				px++
				continue
			}
			if sx < len(s) && s[sx] == c {
				px++
				sx++
				continue
			}
		}
		if nextPx >= 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
