package policy

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// now is when every test evaluates.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const sha = "b4ffde65f46336ab88eb53be808477a3936bae11"

type copt func(*inventory.Component)

func hashed(c *inventory.Component) {
	c.Hashes = []inventory.Hash{{Algorithm: "SHA-512", Value: "00ff"}}
}
func direct(c *inventory.Component) { c.Direct = true }
func unpinned(c *inventory.Component) {
	c.Unpinned = true
	c.Version = ""
}
func lic(l ...string) copt { return func(c *inventory.Component) { c.Licenses = l } }
func src(s string) copt    { return func(c *inventory.Component) { c.Source = s } }
func at(p string, n int) copt {
	return func(c *inventory.Component) { c.Locations = []inventory.Location{{Path: p, Line: n}} }
}
func props(kv ...string) copt {
	return func(c *inventory.Component) {
		c.Properties = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Properties[kv[i]] = kv[i+1]
		}
	}
}

// comp builds a component as an extractor would, located in a lockfile.
func comp(eco, name, version string, opts ...copt) inventory.Component {
	c := inventory.Component{
		PURL: purl.For(eco, name, version, nil), Ecosystem: eco, Name: name, Version: version,
		Locations: []inventory.Location{{Path: "package-lock.json", Line: 7}},
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func graphOf(cs ...inventory.Component) *inventory.Graph {
	g := inventory.New()
	for _, c := range cs {
		g.Add(c)
	}
	return g
}

// brief is what most tests compare: the rule, the outcome, whom it is
// about (PURL, or the file's name) and the reason.
type brief struct {
	Rule    string
	Outcome Outcome
	Who     string
	Reason  string
}

func briefs(ds []Decision, rules ...string) []brief {
	var out []brief
	for _, d := range ds {
		if len(rules) > 0 && !contains(rules, d.Rule) {
			continue
		}
		who := d.Component
		if who == "" {
			who = d.Name
		}
		out = append(out, brief{d.Rule, d.Outcome, who, d.Reason})
	}
	return out
}

// evaluate parses "version: 1" followed by body and evaluates it at now.
func evaluate(t testing.TB, body string, in Input) *Result {
	t.Helper()
	p, err := Parse("vouch.yaml", []byte("version: 1\n"+body))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if in.Now.IsZero() {
		in.Now = now
	}
	r, err := p.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate() = %v", err)
	}
	return r
}

func TestApproved(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		comps  []inventory.Component
		want   []brief
	}{
		{
			name: "denylist",
			policy: `approved:
  deny:
    - pkg:npm/event-stream@3.3.6
    - "pkg:npm/lodash@<4.17.21"
    - pkg:pypi/Flask_Login
`,
			comps: []inventory.Component{
				comp(purl.NPM, "event-stream", "3.3.6"),
				comp(purl.NPM, "event-stream", "3.3.5"),
				comp(purl.NPM, "lodash", "4.17.20"),
				comp(purl.NPM, "lodash", "4.17.21"),
				comp(purl.PyPI, "flask-login", "0.6.3"),
			},
			want: []brief{
				{"denied", Pass, "pkg:npm/event-stream@3.3.5", "not on the deny list"},
				{"denied", Fail, "pkg:npm/event-stream@3.3.6", "matches deny pattern pkg:npm/event-stream@3.3.6 (vouch.yaml:4)"},
				{"denied", Fail, "pkg:npm/lodash@4.17.20", "matches deny pattern pkg:npm/lodash@<4.17.21 (vouch.yaml:5)"},
				{"denied", Pass, "pkg:npm/lodash@4.17.21", "not on the deny list"},
				{"denied", Fail, "pkg:pypi/flask-login@0.6.3", "matches deny pattern pkg:pypi/Flask_Login (vouch.yaml:6)"},
			},
		},
		{
			name: "allowlist, deny wins, warn",
			policy: `approved:
  mode: allowlist
  allow:
    - pkg:npm/@babel/*
    - "pkg:golang/github.com/spf13/*@>=v1.8.0"
    - pkg:npm/left-pad
  deny:
    - pkg:npm/left-pad@1.3.0
  action: warn
`,
			comps: []inventory.Component{
				comp(purl.NPM, "@babel/core", "7.24.0"),
				comp(purl.Go, "github.com/spf13/cobra", "v1.8.1"),
				comp(purl.Go, "github.com/spf13/pflag", "v1.0.5"),
				comp(purl.NPM, "left-pad", "1.3.0"),
				comp(purl.NPM, "left-pad", "1.2.0"),
				comp(purl.NPM, "express", "4.0.0"),
			},
			want: []brief{
				{"approved", Pass, "pkg:golang/github.com/spf13/cobra@v1.8.1", "approved by pkg:golang/github.com/spf13/*@>=v1.8.0 (vouch.yaml:6)"},
				{"approved", Warn, "pkg:golang/github.com/spf13/pflag@v1.0.5", "not on the allow list; the policy approves only listed software (mode: allowlist)"},
				{"approved", Pass, "pkg:npm/%40babel/core@7.24.0", "approved by pkg:npm/@babel/* (vouch.yaml:5)"},
				{"approved", Warn, "pkg:npm/express@4.0.0", "not on the allow list; the policy approves only listed software (mode: allowlist)"},
				{"approved", Pass, "pkg:npm/left-pad@1.2.0", "approved by pkg:npm/left-pad (vouch.yaml:7)"},
				{"denied", Warn, "pkg:npm/left-pad@1.3.0", "matches deny pattern pkg:npm/left-pad@1.3.0 (vouch.yaml:9)"},
			},
		},
		{
			name: "ranges with alternatives and ecosystem orderings",
			policy: `approved:
  deny:
    - "pkg:pypi/django@<3.2 || >=5.0a1, <5.0.3"
    - "pkg:deb/debian/openssl@<3.0.11-1~deb12u2"
    - pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1
`,
			comps: []inventory.Component{
				comp(purl.PyPI, "Django", "3.1"),
				comp(purl.PyPI, "Django", "4.2.7"),
				comp(purl.PyPI, "Django", "5.0.2"),
				comp(purl.PyPI, "Django", "5.0.3"),
				comp("Debian:12", "openssl", "3.0.11-1~deb12u1"),
				comp("Debian:12", "openssl", "3.0.11-1~deb12u2"),
				comp(purl.Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"),
			},
			want: []brief{
				{"denied", Fail, "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12", "matches deny pattern pkg:deb/debian/openssl@<3.0.11-1~deb12u2 (vouch.yaml:5)"},
				{"denied", Pass, "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12", "not on the deny list"},
				{"denied", Fail, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "matches deny pattern pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 (vouch.yaml:6)"},
				{"denied", Fail, "pkg:pypi/django@3.1", "matches deny pattern pkg:pypi/django@<3.2 || >=5.0a1, <5.0.3 (vouch.yaml:4)"},
				{"denied", Pass, "pkg:pypi/django@4.2.7", "not on the deny list"},
				{"denied", Fail, "pkg:pypi/django@5.0.2", "matches deny pattern pkg:pypi/django@<3.2 || >=5.0a1, <5.0.3 (vouch.yaml:4)"},
				{"denied", Pass, "pkg:pypi/django@5.0.3", "not on the deny list"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(t, tt.policy, Input{Graph: graphOf(tt.comps...)})
			if diff := cmp.Diff(tt.want, briefs(r.Decisions)); diff != "" {
				t.Errorf("decisions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern string
		c       inventory.Component
		want    bool
	}{
		{"pkg:npm/*", comp(purl.NPM, "@babel/core", "7.0.0"), true},
		{"pkg:npm/@babel/*", comp(purl.NPM, "@babel/core", "7.0.0"), true},
		{"pkg:npm/%40babel/core", comp(purl.NPM, "@babel/core", "7.0.0"), true},
		{"pkg:npm/@babel/*", comp(purl.NPM, "babel-core", "7.0.0"), false},
		{"pkg:npm/lodash", comp(purl.PyPI, "lodash", "1.0"), false},
		{"pkg:golang/github.com/acme/*", comp(purl.Go, "github.com/acme/tool/v2", "v2.0.0"), true},
		{"pkg:golang/github.com/acme/tool@v1.2.3", comp(purl.Go, "github.com/acme/tool", "v1.2.3"), true},
		{"pkg:golang/github.com/acme/tool@1.2.3", comp(purl.Go, "github.com/acme/tool", "v1.2.3"), true},
		{"pkg:golang/github.com/acme/tool@>=1.2.0, <2", comp(purl.Go, "github.com/acme/tool", "v1.10.0"), true},
		{"pkg:golang/github.com/acme/tool@>=1.2.0, <2", comp(purl.Go, "github.com/acme/tool", "v2.0.0"), false},
		{"pkg:npm/a@!=1.0.0", comp(purl.NPM, "a", "1.0.0"), false},
		{"pkg:npm/a@!=1.0.0", comp(purl.NPM, "a", "1.0.1"), true},
		{"pkg:npm/a@<=1.0.0", comp(purl.NPM, "a", "1.0.0"), true},
		{"pkg:npm/a@>1.0.0", comp(purl.NPM, "a", "1.0.0-rc.1"), false},
		{"pkg:npm/a@*", comp(purl.NPM, "a", "9.9.9"), true},
		{"pkg:npm/a@1.0.0", unpinnedComp(), false},
		{"pkg:npm/a", unpinnedComp(), true},
		{"pkg:pypi/zope.interface", comp(purl.PyPI, "Zope_Interface", "6.0"), true},
		{"pkg:github/actions/*", comp(purl.Actions, "actions/checkout", "v4"), true},
		{"pkg:github/Actions/Checkout@v4", comp(purl.Actions, "actions/checkout", "v4"), true},
		{"pkg:github/actions/checkout@v4", comp(purl.Actions, "actions/checkout", "v3"), false},
		{"pkg:deb/debian/curl", comp("Debian:12", "curl", "7.88.1-10"), true},
		{"pkg:npm/a@>=1.0.0", comp(purl.NPM, "a", "not-a-version"), false},
		// An image's registry is part of its name; only exact versions.
		{"pkg:docker/ghcr.io/acme/*", comp(purl.Docker, "ghcr.io/acme/tool", "1.0"), true},
		{"pkg:docker/acme/tool", comp(purl.Docker, "ghcr.io/acme/tool", "1.0"), false},
		{"pkg:docker/*acme/tool", comp(purl.Docker, "ghcr.io/acme/tool", "1.0"), true},
		{"pkg:docker/acme/tool", comp(purl.Docker, "acme/tool", "1.0"), true},
		{"pkg:docker/localhost:5000/team/tool@1.0", comp(purl.Docker, "localhost:5000/team/tool", "1.0"), true},
		{"pkg:docker/alpine@sha256:" + strings.Repeat("ab", 32), comp(purl.Docker, "alpine", "sha256:"+strings.Repeat("ab", 32)), true},
		{"pkg:docker/alpine@3.19", comp(purl.Docker, "alpine", "3.20"), false},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.pattern)
		if err != nil {
			t.Errorf("ParsePattern(%q) = %v", tt.pattern, err)
			continue
		}
		if got := p.Match(&tt.c); got != tt.want {
			t.Errorf("ParsePattern(%q).Match(%s) = %v, want %v", tt.pattern, tt.c.PURL, got, tt.want)
		}
	}
}

func unpinnedComp() inventory.Component { return comp(purl.NPM, "a", "", unpinned) }

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"a*c", "abc", true},
		{"a*c", "abcd", false},
		{"*b*", "abc", true},
		{"a**b", "ab", true},
		{"legacy/*", "legacy/app/package.json", true},
		{"legacy/*", "app/legacy/package.json", false},
		{strings.Repeat("*a", 20) + "b", strings.Repeat("a", 200), false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestPinning(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	g := graphOf(
		comp(purl.NPM, "a", "1.0.0", hashed),
		comp(purl.NPM, "b", "1.0.0"),
		comp(purl.NPM, "c", "1.0.0", src("git+https://github.com/acme/c.git#4f1b2c3")),
		comp(purl.PyPI, "flask", "", unpinned, at("requirements.txt", 3)),
		comp("Debian:12", "openssl", "3.0.11-1"),
		comp(purl.Actions, "actions/checkout", "v4", props("vcs_ref_kind", "tag")),
		comp(purl.Actions, "actions/setup-go", sha, props("vcs_ref_kind", "sha", "vcs_ref_comment", "v5.0.0")),
		comp(purl.Actions, "acme/deploy", "main", props("vcs_ref_kind", "branch")),
		comp(purl.Actions, "acme/short", "b4ffde6", props("vcs_ref_kind", "sha")),
		comp(purl.Actions, "acme/noprops", sha),
		// Images: pinned by a digest alone, whatever vcs_ref_kind says;
		// no pinned or integrity decisions.
		comp(purl.Docker, "alpine", "3.19", props("kind", "docker-image", "vcs_ref_kind", "tag")),
		comp(purl.Docker, "alpine", "latest", props("kind", "docker-image", "vcs_ref_kind", "tag")),
		comp(purl.Docker, "ghcr.io/acme/tool", "sha256:"+digest, props("kind", "docker-image", "vcs_ref_kind", "digest", "docker_tag", "1.2")),
		comp(purl.Docker, "ghcr.io/acme/short", "sha256:abab", props("kind", "docker-image", "vcs_ref_kind", "digest")),
	)
	g.AddRoot(inventory.Root{ID: "tools/go.mod", Kind: inventory.KindManifest})
	g.AddRoot(inventory.Root{ID: "svc/go.mod", Kind: inventory.KindManifest})
	g.AddEdge("svc/go.mod", purl.For(purl.Go, "golang.org/x/mod", "v0.1.0", nil))
	g.AddRoot(inventory.Root{ID: ".github/workflows/ci.yml", Kind: inventory.KindManifest})
	files := []string{
		"package.json", "package-lock.json", "web/package.json", "svc/go.mod", "tools/go.mod",
		"node_modules/x/package.json", "vendor/github.com/y/go.mod", "rust/Cargo.toml", "php/composer.json",
		"composer.lock", "legacy/Gemfile", "./py/pyproject.toml", "py/uv.lock", ".github/workflows/ci.yml",
	}

	t.Run("all on", func(t *testing.T) {
		r := evaluate(t, `pinning:
  require_lockfile: true
  exact_versions: true
  integrity: true
  actions_pinned_sha: true
`, Input{Graph: g, Files: files})
		want := []brief{
			{"lockfile", Fail, "legacy/Gemfile", "legacy/Gemfile has no lockfile beside it (Gemfile.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Pass, "package.json", "package-lock.json locks package.json"},
			{"lockfile", Fail, "php/composer.json", "php/composer.json has no lockfile beside it (composer.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Pass, "py/pyproject.toml", "py/uv.lock locks py/pyproject.toml"},
			{"lockfile", Fail, "rust/Cargo.toml", "rust/Cargo.toml has no lockfile beside it or in a parent directory (Cargo.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Fail, "svc/go.mod", "svc/go.mod has no lockfile beside it (go.sum); the policy requires a lockfile for every manifest"},
			{"lockfile", Pass, "tools/go.mod", "tools/go.mod declares no dependencies, so needs no lockfile"},
			{"lockfile", Pass, "web/package.json", "package-lock.json locks web/package.json"},
			{"actions-pinned", Fail, "pkg:docker/acme/short@sha256:abab?repository_url=ghcr.io", "docker://ghcr.io/acme/short@sha256:abab has no digest; the policy wants images pinned with @sha256:…"},
			{"actions-pinned", Pass, "pkg:docker/acme/tool@sha256:" + digest + "?repository_url=ghcr.io", "pinned by digest sha256:" + digest + " (tag 1.2)"},
			{"actions-pinned", Fail, "pkg:docker/alpine@3.19", "docker://alpine:3.19 has no digest; the policy wants images pinned with @sha256:…"},
			{"actions-pinned", Fail, "pkg:docker/alpine@latest", "docker://alpine:latest has no digest; the policy wants images pinned with @sha256:…"},
			{"actions-pinned", Fail, "pkg:github/acme/deploy@main", "uses acme/deploy@main, a branch that can be moved to other code; the policy wants a full commit SHA"},
			{"actions-pinned", Pass, "pkg:github/acme/noprops@" + sha, "pinned to commit " + sha},
			{"actions-pinned", Fail, "pkg:github/acme/short@b4ffde6", "uses acme/short@b4ffde6, an abbreviated commit; the policy wants the full commit SHA"},
			{"actions-pinned", Fail, "pkg:github/actions/checkout@v4", "uses actions/checkout@v4, a tag that can be moved to other code; the policy wants a full commit SHA"},
			{"actions-pinned", Pass, "pkg:github/actions/setup-go@" + sha, "pinned to commit " + sha + " (v5.0.0)"},
			{"pinned", Pass, "pkg:npm/a@1.0.0", "pinned at 1.0.0"},
			{"integrity", Pass, "pkg:npm/a@1.0.0", "integrity hash recorded (SHA-512)"},
			{"pinned", Pass, "pkg:npm/b@1.0.0", "pinned at 1.0.0"},
			{"integrity", Fail, "pkg:npm/b@1.0.0", "no integrity hash recorded; the policy wants one for every package"},
			{"pinned", Pass, "pkg:npm/c@1.0.0", "pinned at 1.0.0"},
			{"integrity", Fail, "pkg:npm/c@1.0.0", "comes from git+https://github.com/acme/c.git#4f1b2c3 with no hash recorded; the policy wants integrity hashes (allow_unhashed_sources is off)"},
			{"pinned", Fail, "pkg:pypi/flask", "declared as a version range, not one exact version; the policy wants exact versions"},
			{"integrity", Fail, "pkg:pypi/flask", "no integrity hash recorded; the policy wants one for every package"},
		}
		if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
			t.Errorf("decisions mismatch (-want +got):\n%s", diff)
		}
		// Violations point at the line that declares the component.
		var flask []Decision
		for _, d := range r.Violations {
			if d.Name == "flask" {
				flask = append(flask, d)
			}
		}
		wantFlask := []Decision{
			{Rule: "pinned", Outcome: Fail, Component: "pkg:pypi/flask", Name: "flask", Ecosystem: "PyPI",
				Reason:   "declared as a version range, not one exact version; the policy wants exact versions",
				Severity: finding.Medium, Locations: []inventory.Location{{Path: "requirements.txt", Line: 3}}},
			{Rule: "integrity", Outcome: Fail, Component: "pkg:pypi/flask", Name: "flask", Ecosystem: "PyPI",
				Reason:   "no integrity hash recorded; the policy wants one for every package",
				Severity: finding.Medium, Locations: []inventory.Location{{Path: "requirements.txt", Line: 3}}},
		}
		if diff := cmp.Diff(wantFlask, flask); diff != "" {
			t.Errorf("flask violations mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("overrides", func(t *testing.T) {
		r := evaluate(t, `pinning:
  require_lockfile: true
  exact_versions: true
  integrity: true
  allow_unhashed_sources: true
  ecosystems:
    debian:
      integrity: true
    npm:
      exact_versions: false
    PyPI:
      require_lockfile: false
      integrity: false
    Go:
      require_lockfile: false
  action: warn
`, Input{Graph: g, Files: files})
		want := []brief{
			{"lockfile", Warn, "legacy/Gemfile", "legacy/Gemfile has no lockfile beside it (Gemfile.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Pass, "package.json", "package-lock.json locks package.json"},
			{"lockfile", Warn, "php/composer.json", "php/composer.json has no lockfile beside it (composer.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Warn, "rust/Cargo.toml", "rust/Cargo.toml has no lockfile beside it or in a parent directory (Cargo.lock); the policy requires a lockfile for every manifest"},
			{"lockfile", Pass, "web/package.json", "package-lock.json locks web/package.json"},
			{"integrity", Warn, "pkg:deb/debian/openssl@3.0.11-1?distro=debian-12", "no integrity hash recorded; the policy wants one for every package"},
			{"integrity", Pass, "pkg:npm/a@1.0.0", "integrity hash recorded (SHA-512)"},
			{"integrity", Warn, "pkg:npm/b@1.0.0", "no integrity hash recorded; the policy wants one for every package"},
			{"integrity", Pass, "pkg:npm/c@1.0.0", "comes from git+https://github.com/acme/c.git#4f1b2c3 with no hash; the policy allows unhashed sources"},
			{"pinned", Warn, "pkg:pypi/flask", "declared as a version range, not one exact version; the policy wants exact versions"},
		}
		if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
			t.Errorf("decisions mismatch (-want +got):\n%s", diff)
		}
		if !r.Pass || len(r.Warnings) != 6 {
			t.Errorf("Pass = %v with %d warnings, want true with 6", r.Pass, len(r.Warnings))
		}
	})
}

func TestReleaseAge(t *testing.T) {
	g := graphOf(
		comp(purl.NPM, "young", "1.0.0"),
		comp(purl.NPM, "newest", "1.0.0"),
		comp(purl.NPM, "@acme/lib", "2.0.0"),
		comp(purl.NPM, "nometa", "1.0.0"),
		comp(purl.NPM, "offline", "1.0.0"),
		comp(purl.NPM, "fromgit", "1.0.0", src("git+https://github.com/acme/fromgit.git#abc")),
		comp(purl.NPM, "range", "", unpinned),
		comp(purl.Go, "golang.org/x/young", "v1.2.0"),
		comp(purl.Go, "golang.org/x/old", "v1.1.0"),
		comp(purl.CratesIO, "serde", "1.0.0"),
		comp(purl.PyPI, "requests", "2.32.0"),
		comp("Debian:12", "curl", "7.88.1-10"),
		comp(purl.Maven, "org.acme:lib", "1.0"),
	)
	published := map[string]PublishInfo{
		purl.For(purl.NPM, "young", "1.0.0", nil):              {Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Known: true},
		purl.For(purl.NPM, "newest", "1.0.0", nil):             {Time: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), Known: true},
		purl.For(purl.NPM, "@acme/lib", "2.0.0", nil):          {Time: now, Known: true},
		purl.For(purl.NPM, "offline", "1.0.0", nil):            {Err: "offline: not in the cache"},
		purl.For(purl.Go, "golang.org/x/young", "v1.2.0", nil): {Time: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Known: true},
		purl.For(purl.Go, "golang.org/x/old", "v1.1.0", nil):   {Time: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), Known: true},
		purl.For(purl.CratesIO, "serde", "1.0.0", nil):         {Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Known: true},
		purl.For(purl.Maven, "org.acme:lib", "1.0", nil):       {Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Known: true},
	}
	policy := func(onUnknown string) string {
		return `min_release_age:
  default: 60d
  ecosystems:
    npm: 60d
    Go: 7d
    PyPI: 0
  on_unknown: ` + onUnknown + `
  exempt:
    - pkg:npm/@acme/*
`
	}
	for _, tc := range []struct {
		onUnknown string
		outcome   Outcome
	}{{"fail", Fail}, {"warn", Warn}, {"pass", Pass}} {
		t.Run(tc.onUnknown, func(t *testing.T) {
			r := evaluate(t, policy(tc.onUnknown), Input{Graph: g, Published: published})
			u := tc.outcome
			want := []brief{
				{"min-release-age", Pass, "pkg:cargo/serde@1.0.0", "published 2024-01-01, 1059 days ago; the policy wants 60 days"},
				{"min-release-age", Pass, "pkg:deb/debian/curl@7.88.1-10?distro=debian-12", "no registry release times for Debian:12; release age not checked"},
				{"min-release-age", Pass, "pkg:golang/golang.org/x/old@v1.1.0", "published 2026-11-10, 15 days ago; the policy wants 7 days for Go"},
				{"min-release-age", Fail, "pkg:golang/golang.org/x/young@v1.2.0", "published 2026-11-20, 5 days ago; the policy wants 7 days for Go"},
				{"min-release-age", Fail, "pkg:maven/org.acme/lib@1.0", "published 2026-11-01, 24 days ago; the policy wants 60 days"},
				{"min-release-age", Pass, "pkg:npm/%40acme/lib@2.0.0", "exempt by pkg:npm/@acme/* (vouch.yaml:10)"},
				{"min-release-age", Pass, "pkg:npm/fromgit@1.0.0", "comes from git+https://github.com/acme/fromgit.git#abc, not a registry; release age not checked"},
				{"min-release-age", Fail, "pkg:npm/newest@1.0.0", "published 2026-11-24, 36 hours ago; the policy wants 60 days for npm"},
				{"min-release-age", u, "pkg:npm/nometa@1.0.0", "release time unknown (no registry metadata was fetched); the policy wants 60 days for npm, and on_unknown is " + tc.onUnknown},
				{"min-release-age", u, "pkg:npm/offline@1.0.0", "release time unknown (offline: not in the cache); the policy wants 60 days for npm, and on_unknown is " + tc.onUnknown},
				{"min-release-age", u, "pkg:npm/range", "release time unknown (no version was resolved); the policy wants 60 days for npm, and on_unknown is " + tc.onUnknown},
				{"min-release-age", Fail, "pkg:npm/young@1.0.0", "published 2026-11-20, 5 days ago; the policy wants 60 days for npm"},
				{"min-release-age", Pass, "pkg:pypi/requests@2.32.0", "the policy sets no minimum release age for PyPI"},
			}
			if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
				t.Errorf("decisions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		name        string
		allow, deny []string
		licenses    []string
		outcome     Outcome
		reason      string
	}{
		{"or passes if any side does", nil, []string{"Apache-2.0"}, []string{"MIT OR Apache-2.0"}, Pass,
			"acceptable licence MIT OR Apache-2.0 (under MIT)"},
		{"or fails when every side does", []string{"MIT"}, []string{"Apache-2.0"}, []string{"Apache-2.0 OR BSD-3-Clause"}, Fail,
			"licence Apache-2.0 OR BSD-3-Clause fails: Apache-2.0 is denied, BSD-3-Clause is not on the allow list"},
		{"with: licence denied", nil, []string{"GPL-2.0-only"}, []string{"GPL-2.0-only WITH Classpath-exception-2.0"}, Fail,
			"licence GPL-2.0-only is denied, with or without Classpath-exception-2.0"},
		{"with: pair allowed over denied licence", []string{"GPL-2.0-only WITH Classpath-exception-2.0"}, []string{"GPL-2.0-only"},
			[]string{"GPL-2.0-only WITH Classpath-exception-2.0"}, Pass, "acceptable licence GPL-2.0-only WITH Classpath-exception-2.0"},
		{"with: licence allowed", []string{"GPL-2.0-only"}, nil, []string{"GPL-2.0-only WITH Classpath-exception-2.0"}, Pass,
			"acceptable licence GPL-2.0-only WITH Classpath-exception-2.0"},
		{"with: pair denied", nil, []string{"GPL-2.0-only with Classpath-exception-2.0"}, []string{"GPL-2.0-only WITH Classpath-exception-2.0"}, Fail,
			"licence GPL-2.0-only WITH Classpath-exception-2.0 is denied"},
		{"(A AND B) OR C fails", []string{"MIT"}, nil, []string{"(MIT AND BSD-3-Clause) OR GPL-3.0-only"}, Fail,
			"licence (MIT AND BSD-3-Clause) OR GPL-3.0-only fails: BSD-3-Clause is not on the allow list, GPL-3.0-only is not on the allow list"},
		{"(A AND B) OR C passes", []string{"MIT", "BSD-3-Clause"}, nil, []string{"(MIT AND BSD-3-Clause) OR GPL-3.0-only"}, Pass,
			"acceptable licence (MIT AND BSD-3-Clause) OR GPL-3.0-only (under MIT AND BSD-3-Clause)"},
		{"and binds tighter than or", nil, []string{"GPL-3.0-only"}, []string{"MIT OR GPL-3.0-only AND Apache-2.0"}, Pass,
			"acceptable licence MIT OR GPL-3.0-only AND Apache-2.0 (under MIT)"},
		{"and of or", nil, []string{"GPL-3.0-only"}, []string{"Apache-2.0 AND (MIT OR GPL-3.0-only)"}, Pass,
			"acceptable licence Apache-2.0 AND (MIT OR GPL-3.0-only) (under Apache-2.0 AND MIT)"},
		{"malformed counts as unknown", nil, nil, []string{"MIT AND"}, Warn,
			`"MIT AND" is not an SPDX expression (expression ends where a licence was expected); a licence that is not an SPDX expression counts as unknown, and licenses.unknown is warn`},
		{"free text", nil, nil, []string{"see LICENSE"}, Warn,
			`"see LICENSE" is not an SPDX expression (unexpected "LICENSE" at offset 4); a licence that is not an SPDX expression counts as unknown, and licenses.unknown is warn`},
		{"slash is not an operator", nil, nil, []string{"MIT/X11"}, Warn,
			`"MIT/X11" is not an SPDX expression ("MIT/X11" at offset 0 is not a licence id); a licence that is not an SPDX expression counts as unknown, and licenses.unknown is warn`},
		{"deprecated plus", nil, []string{"GPL-2.0-or-later"}, []string{"GPL-2.0+"}, Fail, "licence GPL-2.0+ is denied"},
		{"deprecated bare", nil, []string{"GPL-2.0-only"}, []string{"GPL-2.0"}, Fail, "licence GPL-2.0 is denied"},
		{"only is not or-later", nil, []string{"GPL-2.0-only"}, []string{"GPL-2.0-or-later"}, Pass, "acceptable licence GPL-2.0-or-later"},
		{"non-GNU plus matches its base", []string{"MPL-1.1"}, nil, []string{"MPL-1.1+"}, Pass, "acceptable licence MPL-1.1+"},
		{"no licence", nil, nil, nil, Warn, "no licence recorded; licenses.unknown is warn"},
		{"NOASSERTION", nil, nil, []string{"NOASSERTION"}, Warn, "no licence recorded; licenses.unknown is warn"},
		{"LicenseRef glob", []string{"MIT", "LicenseRef-*"}, nil, []string{"LicenseRef-Acme-Internal"}, Pass, "acceptable licence LicenseRef-Acme-Internal"},
		{"glob in deny", nil, []string{"AGPL-*"}, []string{"AGPL-3.0-or-later"}, Fail, "licence AGPL-3.0-or-later is denied"},
		{"every recorded licence must pass", nil, []string{"GPL-3.0-only"}, []string{"MIT", "GPL-3.0-only"}, Fail, "licence GPL-3.0-only is denied"},
		{"lower-case operators and ids", []string{"Apache-2.0"}, nil, []string{"mit or apache-2.0"}, Pass,
			"acceptable licence mit or apache-2.0 (under apache-2.0)"},
		{"not on the allow list", []string{"MIT"}, nil, []string{"ISC"}, Fail, "licence ISC is not on the allow list"},
		{"empty lists pass anything parsable", nil, nil, []string{"WTFPL"}, Pass, "acceptable licence WTFPL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quote := func(xs []string) string {
				var q []string
				for _, x := range xs {
					q = append(q, fmt.Sprintf("%q", x))
				}
				return "[" + strings.Join(q, ", ") + "]"
			}
			policy := fmt.Sprintf("licenses:\n  allow: %s\n  deny: %s\n  unknown: warn\n", quote(tt.allow), quote(tt.deny))
			r := evaluate(t, policy, Input{Graph: graphOf(comp(purl.NPM, "x", "1.0.0", lic(tt.licenses...)))})
			want := []brief{{"license", tt.outcome, "pkg:npm/x@1.0.0", tt.reason}}
			if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
				t.Errorf("decisions mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("per-ecosystem unknown", func(t *testing.T) {
		r := evaluate(t, "licenses:\n  unknown: fail\n  ecosystems:\n    Debian:\n      unknown: pass\n", Input{Graph: graphOf(
			comp("Debian:12", "curl", "7.88.1-10"), comp(purl.NPM, "x", "1.0.0"))})
		want := []brief{
			{"license", Pass, "pkg:deb/debian/curl@7.88.1-10?distro=debian-12", "no licence recorded; licenses.unknown is pass"},
			{"license", Fail, "pkg:npm/x@1.0.0", "no licence recorded; licenses.unknown is fail"},
		}
		if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
			t.Errorf("decisions mismatch (-want +got):\n%s", diff)
		}
	})
}

// sexpr writes a parsed expression with its structure visible.
func sexpr(n *licenseNode) string {
	if n.op == "" {
		if n.with != "" {
			return "(with " + n.id + " " + n.with + ")"
		}
		return n.id
	}
	parts := []string{strings.ToLower(n.op)}
	for _, o := range n.operands {
		parts = append(parts, sexpr(o))
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func TestParseLicense(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "MIT", want: "MIT"},
		{in: "  MIT  ", want: "MIT"},
		{in: "MIT OR Apache-2.0", want: "(or MIT Apache-2.0)"},
		{in: "MIT OR Apache-2.0 AND BSD-3-Clause", want: "(or MIT (and Apache-2.0 BSD-3-Clause))"},
		{in: "MIT AND Apache-2.0 OR BSD-3-Clause", want: "(or (and MIT Apache-2.0) BSD-3-Clause)"},
		{in: "(MIT AND BSD-3-Clause) OR GPL-3.0-only", want: "(or (and MIT BSD-3-Clause) GPL-3.0-only)"},
		{in: "MIT AND (BSD-3-Clause OR GPL-3.0-only)", want: "(and MIT (or BSD-3-Clause GPL-3.0-only))"},
		{in: "A OR B OR C", want: "(or A B C)"},
		{in: "((MIT))", want: "MIT"},
		{in: "GPL-2.0-only WITH Classpath-exception-2.0", want: "(with GPL-2.0-only Classpath-exception-2.0)"},
		{in: "GPL-2.0+ WITH Bison-exception-2.2 OR MIT", want: "(or (with GPL-2.0+ Bison-exception-2.2) MIT)"},
		{in: "LicenseRef-Acme", want: "LicenseRef-Acme"},
		{in: "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", want: "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"},
		{in: "mit or apache-2.0", want: "(or mit apache-2.0)"},
		{in: "", err: "empty expression"},
		{in: "   ", err: "empty expression"},
		{in: "MIT AND", err: "expression ends where a licence was expected"},
		{in: "AND MIT", err: `unexpected "AND" at offset 0`},
		{in: "(MIT", err: `missing ")" for "(" at offset 0`},
		{in: "MIT)", err: `unexpected ")" at offset 3`},
		{in: "()", err: `unexpected ")" at offset 1`},
		{in: "MIT WITH", err: "WITH at offset 4 needs an exception id"},
		{in: "MIT WITH (X)", err: "WITH at offset 4 needs an exception id"},
		{in: "(MIT OR BSD-2-Clause) WITH X", err: "WITH at offset 22 must follow a single licence"},
		{in: "MIT WITH A WITH B", err: `unexpected "WITH" at offset 11`},
		{in: "MIT Apache-2.0", err: `unexpected "Apache-2.0" at offset 4`},
		{in: "MIT/X11", err: `"MIT/X11" at offset 0 is not a licence id`},
		{in: "DocumentRef-x:MIT", err: `"DocumentRef-x:MIT" at offset 0 is not a licence id`},
		{in: "+", err: `"+" at offset 0 is not a licence id`},
		{in: strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40), err: "parentheses nested deeper than 32"},
		{in: strings.Repeat("MIT OR ", 1000) + "MIT", err: "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		n, err := parseLicense(tt.in)
		var got, gotErr string
		if err != nil {
			gotErr = err.Error()
		} else {
			got = sexpr(n)
		}
		if got != tt.want || gotErr != tt.err {
			t.Errorf("parseLicense(%q) = %q, error %q; want %q, error %q", clip(tt.in, 40), got, gotErr, tt.want, tt.err)
		}
	}
}

func TestVulnerabilities(t *testing.T) {
	lodash := comp(purl.NPM, "lodash", "4.17.20", at("package-lock.json", 42))
	vuln := func(id string, sev finding.Severity, fixed []string, opts ...func(*finding.Finding)) finding.Finding {
		f := finding.Finding{
			ID: id, Aliases: []string{id}, Kind: finding.Vulnerability, Severity: sev, Summary: "Prototype pollution",
			Component: lodash.PURL, Ecosystem: purl.NPM, Name: "lodash", Version: "4.17.20", Fixed: fixed, Source: "osv",
		}
		for _, o := range opts {
			o(&f)
		}
		return f
	}
	alias := func(a string) func(*finding.Finding) {
		return func(f *finding.Finding) { f.Aliases = append(f.Aliases, a) }
	}
	findings := []finding.Finding{
		vuln("GHSA-0001", finding.High, []string{"4.17.21"}),
		vuln("GHSA-0002", finding.Critical, nil),
		vuln("GHSA-0003", finding.High, []string{"4.17.21"}, alias("CVE-2024-0003")),
		vuln("GHSA-0004", finding.Medium, []string{"4.17.21"}),
		vuln("GHSA-0005", finding.High, []string{"4.17.21"}, func(f *finding.Finding) {
			f.Suppressed = &finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path", Source: "vex.json"}
		}),
		vuln("GHSA-0006", finding.High, []string{"4.17.21"}),
		vuln("GHSA-0007", finding.Unknown, []string{"5.0.0"}),
		vuln("GHSA-0008", finding.Critical, []string{"4.17.21", "5.0.0"}, alias("CVE-2024-0008")),
		{ID: "VOUCH-RISK-1", Kind: finding.Risk, Severity: finding.High, Component: lodash.PURL},
	}
	in := Input{
		Graph:    graphOf(lodash),
		Findings: findings,
		AdvisoryPublished: map[string]time.Time{
			"GHSA-0006":     time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
			"CVE-2024-0008": time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		},
	}
	r := evaluate(t, `vulnerabilities:
  fail_on: high
  only_with_fix: true
  min_advisory_age: 3d
  ignore: [cve-2024-0003]
`, in)
	p := lodash.PURL
	want := []brief{
		{"vulnerability", Fail, p, "GHSA-0001 (high): Prototype pollution, fixed in 4.17.21; the policy fails on high and above with a fix available"},
		{"vulnerability", Pass, p, "GHSA-0002 (critical): Prototype pollution has no fixed version yet; the policy fails only when a fix is available"},
		{"vulnerability", Pass, p, "GHSA-0003 (high): Prototype pollution is ignored by the policy (vulnerabilities.ignore)"},
		{"vulnerability", Pass, p, "GHSA-0004 (medium): Prototype pollution is below fail_on high (fixed in 4.17.21)"},
		{"vulnerability", Pass, p, "GHSA-0005 (high): Prototype pollution is suppressed: not_affected, vulnerable_code_not_in_execute_path, per vex.json"},
		{"vulnerability", Pass, p, "GHSA-0006 (high): Prototype pollution was published 2026-11-24, 36 hours ago; the policy waits 3 days before failing on an advisory"},
		{"vulnerability", Warn, p, "GHSA-0007 (unknown): Prototype pollution has no severity score (fixed in 5.0.0); vulnerabilities.unknown_severity is warn"},
		{"vulnerability", Fail, p, "GHSA-0008 (critical): Prototype pollution, fixed in 4.17.21, 5.0.0; the policy fails on high and above with a fix available"},
	}
	if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	wantViolations := []Decision{
		{Rule: "vulnerability", Outcome: Fail, Component: p, Name: "lodash", Version: "4.17.20", Ecosystem: "npm",
			Reason:   "GHSA-0008 (critical): Prototype pollution, fixed in 4.17.21, 5.0.0; the policy fails on high and above with a fix available",
			Severity: finding.Critical, Locations: []inventory.Location{{Path: "package-lock.json", Line: 42}}, Finding: "GHSA-0008"},
		{Rule: "vulnerability", Outcome: Fail, Component: p, Name: "lodash", Version: "4.17.20", Ecosystem: "npm",
			Reason:   "GHSA-0001 (high): Prototype pollution, fixed in 4.17.21; the policy fails on high and above with a fix available",
			Severity: finding.High, Locations: []inventory.Location{{Path: "package-lock.json", Line: 42}}, Finding: "GHSA-0001"},
	}
	if diff := cmp.Diff(wantViolations, r.Violations); diff != "" {
		t.Errorf("violations mismatch (-want +got):\n%s", diff)
	}

	// Without the section, vulnerabilities are not the policy's business
	// (vouch scan --fail-on decides them).
	if r := evaluate(t, "", in); len(r.Decisions) != 0 {
		t.Errorf("no vulnerabilities section: %d decisions, want 0", len(r.Decisions))
	}
}

// TestOrphans covers findings and unused dependencies about components
// the graph does not hold, and a finding about no component: each is
// decided and merged into the order of the others.
func TestOrphans(t *testing.T) {
	mmm := comp(purl.NPM, "mmm", "1.0.0")
	aaa, zzz := purl.For(purl.NPM, "aaa", "1.0.0", nil), purl.For(purl.NPM, "zzz", "1.0.0", nil)
	in := Input{
		Graph: graphOf(mmm),
		Findings: []finding.Finding{
			{ID: "GHSA-z", Kind: finding.Vulnerability, Severity: finding.High, Component: zzz, Name: "zzz", Version: "1.0.0", Ecosystem: "npm",
				Fixed: []string{"1.0.1"}, Locations: []inventory.Location{{Path: "yarn.lock", Line: 40}}},
			{ID: "MAL-a", Kind: finding.Malicious, Severity: finding.Critical, Component: aaa, Name: "aaa"},
			{ID: "GHSA-m", Kind: finding.Vulnerability, Severity: finding.Low, Component: mmm.PURL},
			{ID: "GHSA-file", Kind: finding.Vulnerability, Severity: finding.High, Fixed: []string{"2"},
				Locations: []inventory.Location{{Path: "vendor/lib.js", Line: 1}}},
		},
		Unused: []Unused{{PURL: zzz, Name: "zzz", Ecosystem: purl.NPM, Manifest: inventory.Location{Path: "package.json", Line: 5}}},
	}
	r := evaluate(t, "vulnerabilities:\n  fail_on: high\nunused: {}\napproved: {}\n", in)
	type got struct {
		Rule, Component, Finding string
		Outcome                  Outcome
		Locations                []inventory.Location
	}
	var gots []got
	for _, d := range r.Decisions {
		gots = append(gots, got{d.Rule, d.Component, d.Finding, d.Outcome, d.Locations})
	}
	want := []got{
		{"vulnerability", "", "GHSA-file", Fail, []inventory.Location{{Path: "vendor/lib.js", Line: 1}}},
		{"malicious", aaa, "MAL-a", Fail, nil},
		{"denied", mmm.PURL, "", Pass, []inventory.Location{{Path: "package-lock.json", Line: 7}}},
		{"vulnerability", mmm.PURL, "GHSA-m", Pass, []inventory.Location{{Path: "package-lock.json", Line: 7}}},
		{"vulnerability", zzz, "GHSA-z", Fail, []inventory.Location{{Path: "yarn.lock", Line: 40}}},
		{"unused", zzz, "", Fail, []inventory.Location{{Path: "package.json", Line: 5}}},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
}

func TestMalicious(t *testing.T) {
	evil := comp(purl.NPM, "evil", "1.0.0", at("package-lock.json", 9))
	mal := func(id string, suppressed bool) finding.Finding {
		f := finding.Finding{ID: id, Aliases: []string{id}, Kind: finding.Malicious, Severity: finding.Critical,
			Summary: "Malicious code in evil (npm)", Component: evil.PURL, Ecosystem: purl.NPM, Name: "evil", Version: "1.0.0"}
		if suppressed {
			f.Suppressed = &finding.Suppression{Status: "not_affected", Source: "vex.json"}
		}
		return f
	}
	in := Input{Graph: graphOf(evil), Findings: []finding.Finding{mal("MAL-2026-1", false), mal("MAL-2026-2", true)}}

	r := evaluate(t, "", in)
	want := []brief{
		{"malicious", Fail, evil.PURL, "MAL-2026-1 (critical): Malicious code in evil (npm) marks this package as malicious; known-malicious packages are always denied"},
		{"malicious", Fail, evil.PURL, "MAL-2026-2 (critical): Malicious code in evil (npm) marks this package as malicious; known-malicious packages are always denied (a statement says not_affected, per vex.json, which the policy does not accept for malicious packages; only an exception does)"},
	}
	if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	if r.Pass || len(r.Violations) != 2 {
		t.Errorf("Pass = %v with %d violations, want false with 2", r.Pass, len(r.Violations))
	}

	// An exception for one advisory applies, and the package stays in the
	// warnings.
	r = evaluate(t, `exceptions:
  - rule: malicious
    component: pkg:npm/evil
    finding: MAL-2026-1
    reason: false positive confirmed with the registry
    owner: security@example.com
    expires: 2026-12-01
`, in)
	ex := Exception{Rule: "malicious", Component: "pkg:npm/evil", Finding: "MAL-2026-1", Reason: "false positive confirmed with the registry",
		Owner: "security@example.com", Expires: day("2026-12-01"), Line: 3}
	wantWarnings := []Decision{{
		Rule: "malicious", Outcome: Excepted, Component: evil.PURL, Name: "evil", Version: "1.0.0", Ecosystem: "npm",
		Reason:   "MAL-2026-1 (critical): Malicious code in evil (npm) marks this package as malicious; known-malicious packages are always denied",
		Severity: finding.Critical, Locations: []inventory.Location{{Path: "package-lock.json", Line: 9}}, Exception: &ex, Finding: "MAL-2026-1",
	}}
	if diff := cmp.Diff(wantWarnings, r.Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	if len(r.Violations) != 1 || r.Violations[0].Finding != "MAL-2026-2" {
		t.Errorf("violations = %v, want only MAL-2026-2", briefs(r.Violations))
	}
}

func TestUnused(t *testing.T) {
	in := Input{
		Graph: graphOf(comp(purl.NPM, "lodash", "4.17.21")),
		Unused: []Unused{
			{PURL: purl.For(purl.NPM, "lodash", "4.17.21", nil), Name: "lodash", Ecosystem: purl.NPM, Manifest: inventory.Location{Path: "package.json", Line: 12}},
			{PURL: purl.For(purl.NPM, "@types/node", "20.0.0", nil), Name: "@types/node", Ecosystem: purl.NPM, Manifest: inventory.Location{Path: "package.json", Line: 20}},
			{PURL: purl.For(purl.PyPI, "requests", "", nil), Name: "requests", Ecosystem: purl.PyPI, Manifest: inventory.Location{Path: "requirements.txt", Line: 2}},
		},
	}
	r := evaluate(t, "unused:\n  ignore: [pkg:npm/@types/*]\n", in)
	want := []Decision{
		{Rule: "unused", Outcome: Pass, Component: "pkg:npm/%40types/node@20.0.0", Name: "@types/node", Ecosystem: "npm",
			Reason: "not imported, but ignored by pkg:npm/@types/* (vouch.yaml:3)", Severity: finding.Low,
			Locations: []inventory.Location{{Path: "package.json", Line: 20}}},
		{Rule: "unused", Outcome: Fail, Component: "pkg:npm/lodash@4.17.21", Name: "lodash", Version: "4.17.21", Ecosystem: "npm",
			Reason:   "declared in package.json but never imported by the project's own source; remove it, or list it under unused.ignore if it is used another way",
			Severity: finding.Low, Locations: []inventory.Location{{Path: "package.json", Line: 12}}},
		{Rule: "unused", Outcome: Fail, Component: "pkg:pypi/requests", Name: "requests", Ecosystem: "PyPI",
			Reason:   "declared in requirements.txt but never imported by the project's own source; remove it, or list it under unused.ignore if it is used another way",
			Severity: finding.Low, Locations: []inventory.Location{{Path: "requirements.txt", Line: 2}}},
	}
	if diff := cmp.Diff(want, r.Decisions); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	r = evaluate(t, "unused:\n  action: warn\n", in)
	if got := briefs(r.Warnings); len(got) != 3 || !r.Pass {
		t.Errorf("action warn: warnings %v, pass %v; want 3 warnings and a pass", got, r.Pass)
	}
}

func TestCustomRules(t *testing.T) {
	g := graphOf(
		comp(purl.NPM, "young", "1.0.0", direct, props("channel", "beta")),
		comp(purl.NPM, "old", "2.0.0", direct, props("channel", "stable")),
		comp(purl.NPM, "indirect", "0.1.0"),
	)
	in := Input{
		Graph: g,
		Published: map[string]PublishInfo{
			purl.For(purl.NPM, "young", "1.0.0", nil): {Time: now.Add(-10 * 24 * time.Hour), Known: true},
			purl.For(purl.NPM, "old", "2.0.0", nil):   {Time: now.Add(-400 * 24 * time.Hour), Known: true},
		},
		Findings: []finding.Finding{{ID: "GHSA-1", Kind: finding.Vulnerability, Severity: finding.Critical,
			Component: purl.For(purl.NPM, "old", "2.0.0", nil), Fixed: []string{"2.0.1"}}},
	}
	r := evaluate(t, `rules:
  - name: young-direct
    expr: component.direct && component.age_days >= 0.0 && component.age_days < 30
    message: direct dependencies must be a month old
  - name: critical-fixable
    expr: findings.exists(f, f.severity == "critical" && size(f.fixed) > 0)
    severity: critical
    action: warn
  - name: beta
    expr: component.properties["channel"] == "beta"
  - name: recent
    expr: component.published > now - duration("720h")
  - name: runaway
    expr: >
      [0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b,
      [0,1,2,3,4,5,6,7,8,9].all(c, [0,1,2,3,4,5,6,7,8,9].all(d,
      [0,1,2,3,4,5,6,7,8,9].all(e, component.hashes >= 0)))))
  - name: beta-safe
    expr: '"channel" in component.properties && component.properties["channel"] == "beta"'
`, in)
	want := []brief{
		{"custom:young-direct", Pass, "pkg:npm/indirect@0.1.0", "expression is false: component.direct && component.age_days >= 0.0 && component.age_days < 30"},
		{"custom:critical-fixable", Pass, "pkg:npm/indirect@0.1.0", `expression is false: findings.exists(f, f.severity == "critical" && size(f.fixed) > 0)`},
		{"custom:beta", Fail, "pkg:npm/indirect@0.1.0", "expression failed: no such key: channel"},
		{"custom:recent", Pass, "pkg:npm/indirect@0.1.0", `expression is false: component.published > now - duration("720h")`},
		{"custom:runaway", Fail, "pkg:npm/indirect@0.1.0", "expression failed: operation cancelled: actual cost limit exceeded"},
		{"custom:beta-safe", Pass, "pkg:npm/indirect@0.1.0", `expression is false: "channel" in component.properties && component.properties["channel"] == "beta"`},
		{"custom:young-direct", Pass, "pkg:npm/old@2.0.0", "expression is false: component.direct && component.age_days >= 0.0 && component.age_days < 30"},
		{"custom:critical-fixable", Warn, "pkg:npm/old@2.0.0", `expression is true: findings.exists(f, f.severity == "critical" && size(f.fixed) > 0)`},
		{"custom:beta", Pass, "pkg:npm/old@2.0.0", `expression is false: component.properties["channel"] == "beta"`},
		{"custom:recent", Pass, "pkg:npm/old@2.0.0", `expression is false: component.published > now - duration("720h")`},
		{"custom:runaway", Fail, "pkg:npm/old@2.0.0", "expression failed: operation cancelled: actual cost limit exceeded"},
		{"custom:beta-safe", Pass, "pkg:npm/old@2.0.0", `expression is false: "channel" in component.properties && component.properties["channel"] == "beta"`},
		{"custom:young-direct", Fail, "pkg:npm/young@1.0.0", "direct dependencies must be a month old"},
		{"custom:critical-fixable", Pass, "pkg:npm/young@1.0.0", `expression is false: findings.exists(f, f.severity == "critical" && size(f.fixed) > 0)`},
		{"custom:beta", Fail, "pkg:npm/young@1.0.0", `expression is true: component.properties["channel"] == "beta"`},
		{"custom:recent", Fail, "pkg:npm/young@1.0.0", `expression is true: component.published > now - duration("720h")`},
		{"custom:runaway", Fail, "pkg:npm/young@1.0.0", "expression failed: operation cancelled: actual cost limit exceeded"},
		{"custom:beta-safe", Fail, "pkg:npm/young@1.0.0", `expression is true: "channel" in component.properties && component.properties["channel"] == "beta"`},
	}
	if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	for _, d := range r.Decisions {
		if d.Rule == "custom:critical-fixable" && d.Severity != finding.Critical || d.Rule == "custom:beta" && d.Severity != finding.Medium {
			t.Errorf("%s on %s: severity %v", d.Rule, d.Component, d.Severity)
		}
	}
}

func TestExceptions(t *testing.T) {
	in := Input{
		Graph: graphOf(comp(purl.NPM, "a", "1.0.0"), comp(purl.NPM, "b", "1.0.0"), comp(purl.NPM, "c", "1.0.0")),
		Files: []string{"legacy/app/package.json", "web/package.json"},
	}
	r := evaluate(t, `approved:
  deny: [pkg:npm/a, pkg:npm/b, pkg:npm/c]
pinning:
  require_lockfile: true
exceptions:
  - rule: denied
    component: pkg:npm/a
    reason: vetted fork
    owner: alice
    expires: 2026-12-31
  - rule: denied
    component: pkg:npm/b@1.0.0
    reason: migration in progress
    owner: bob
    expires: 2026-11-24
  - rule: denied
    component: pkg:npm/zzz
    reason: removed long ago
    owner: carol
    expires: 2026-12-01
  - rule: lockfile
    component: legacy/*
    reason: frozen application
    owner: dave
    expires: 2027-12-31
  - rule: denied
    component: "pkg:npm/c@>=1.0.0"
    reason: last day
    owner: erin
    expires: 2026-11-25
`, in)
	exA := Exception{Rule: "denied", Component: "pkg:npm/a", Reason: "vetted fork", Owner: "alice", Expires: day("2026-12-31"), Line: 7}
	exB := Exception{Rule: "denied", Component: "pkg:npm/b@1.0.0", Reason: "migration in progress", Owner: "bob", Expires: day("2026-11-24"), Line: 12}
	exZ := Exception{Rule: "denied", Component: "pkg:npm/zzz", Reason: "removed long ago", Owner: "carol", Expires: day("2026-12-01"), Line: 17}
	exL := Exception{Rule: "lockfile", Component: "legacy/*", Reason: "frozen application", Owner: "dave", Expires: day("2027-12-31"), Line: 22}
	exC := Exception{Rule: "denied", Component: "pkg:npm/c@>=1.0.0", Reason: "last day", Owner: "erin", Expires: day("2026-11-25"), Line: 27}
	type got struct {
		Rule, Who  string
		Outcome    Outcome
		Exception  *Exception
		Violations []brief
	}
	var gotDecisions []got
	for _, d := range r.Decisions {
		who := d.Component
		if who == "" {
			who = d.Name
		}
		gotDecisions = append(gotDecisions, got{Rule: d.Rule, Who: who, Outcome: d.Outcome, Exception: d.Exception})
	}
	wantDecisions := []got{
		{Rule: "lockfile", Who: "legacy/app/package.json", Outcome: Excepted, Exception: &exL},
		{Rule: "exception", Who: "lockfile legacy/*", Outcome: Warn},
		{Rule: "lockfile", Who: "web/package.json", Outcome: Fail},
		{Rule: "denied", Who: "pkg:npm/a@1.0.0", Outcome: Excepted, Exception: &exA},
		{Rule: "denied", Who: "pkg:npm/b@1.0.0", Outcome: Fail},
		{Rule: "denied", Who: "pkg:npm/c@1.0.0", Outcome: Excepted, Exception: &exC},
	}
	if diff := cmp.Diff(wantDecisions, gotDecisions); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Exception{exB}, r.Expired); diff != "" {
		t.Errorf("expired mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Exception{exZ}, r.Stale); diff != "" {
		t.Errorf("stale mismatch (-want +got):\n%s", diff)
	}
	wantWarnings := []brief{{"exception", Warn, "lockfile legacy/*",
		"the exception for lockfile on legacy/* runs until 2027-12-31, more than a year away; exceptions should be reviewed at least yearly"}}
	if diff := cmp.Diff(wantWarnings, briefs(r.Warnings)); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	if w := r.Warnings[0].Locations; len(w) != 1 || w[0] != (inventory.Location{Path: "vouch.yaml", Line: 22}) {
		t.Errorf("exception warning location = %v, want vouch.yaml:22", w)
	}
	// Denied is high by default, the lockfile rule medium.
	wantViolations := []brief{
		{"denied", Fail, "pkg:npm/b@1.0.0", "matches deny pattern pkg:npm/b (vouch.yaml:3)"},
		{"lockfile", Fail, "web/package.json", "web/package.json has no lockfile beside it or in a parent directory (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock or bun.lockb); the policy requires a lockfile for every manifest"},
	}
	if diff := cmp.Diff(wantViolations, briefs(r.Violations)); diff != "" {
		t.Errorf("violations mismatch (-want +got):\n%s", diff)
	}
	if r.Pass {
		t.Error("Pass = true with violations")
	}

	// The day after, the last-day exception has expired too.
	in.Now = now.Add(24 * time.Hour)
	r = evaluate(t, `approved:
  deny: [pkg:npm/c]
exceptions:
  - rule: denied
    component: pkg:npm/c
    reason: last day
    owner: erin
    expires: 2026-11-25
`, in)
	if len(r.Expired) != 1 || len(r.Violations) != 1 || r.Violations[0].Component != "pkg:npm/c@1.0.0" {
		t.Errorf("next day: expired %v, violations %v; want the exception expired and c failing", r.Expired, briefs(r.Violations))
	}
}

// TestEveryRuleOutcomes runs each rule on an input that breaks it three
// ways: with action fail, with action warn, and with action fail and an
// exception covering it.
func TestEveryRuleOutcomes(t *testing.T) {
	x := comp(purl.NPM, "x", "1.0.0", lic("MIT"))
	xIn := Input{Graph: graphOf(x)}
	tests := []struct {
		rule, policy, component string
		in                      Input
	}{
		{"approved", "approved:\n  mode: allowlist\n", "pkg:npm/x", xIn},
		{"denied", "approved:\n  deny: [pkg:npm/x]\n", "pkg:npm/x", xIn},
		{"lockfile", "pinning:\n  require_lockfile: true\n", "package.json", Input{Files: []string{"package.json"}}},
		{"pinned", "pinning:\n  exact_versions: true\n", "pkg:npm/x", Input{Graph: graphOf(comp(purl.NPM, "x", "", unpinned))}},
		{"integrity", "pinning:\n  integrity: true\n", "pkg:npm/x", xIn},
		{"actions-pinned", "pinning:\n  actions_pinned_sha: true\n", "pkg:github/actions/checkout",
			Input{Graph: graphOf(comp(purl.Actions, "actions/checkout", "v4", props("vcs_ref_kind", "tag")))}},
		{"actions-pinned", "pinning:\n  actions_pinned_sha: true\n", "pkg:docker/ghcr.io/acme/*",
			Input{Graph: graphOf(comp(purl.Docker, "ghcr.io/acme/tool", "1.0", props("vcs_ref_kind", "tag")))}},
		{"min-release-age", "min_release_age:\n  default: 60d\n", "pkg:npm/x",
			Input{Graph: graphOf(x), Published: map[string]PublishInfo{x.PURL: {Time: now.Add(-time.Hour), Known: true}}}},
		{"license", "licenses:\n  deny: [MIT]\n", "pkg:npm/x", xIn},
		{"vulnerability", "vulnerabilities:\n  fail_on: high\n", "pkg:npm/x",
			Input{Graph: graphOf(x), Findings: []finding.Finding{{ID: "GHSA-1", Kind: finding.Vulnerability, Severity: finding.High, Component: x.PURL}}}},
		{"unused", "unused:\n", "pkg:npm/x",
			Input{Graph: graphOf(x), Unused: []Unused{{PURL: x.PURL, Name: "x", Ecosystem: purl.NPM, Manifest: inventory.Location{Path: "package.json", Line: 4}}}}},
		{"custom:always", "rules:\n  - name: always\n    expr: component.name == 'x'\n", "pkg:npm/x", xIn},
	}
	for _, tt := range tests {
		for _, variant := range []struct {
			name, action, exception string
			want                    Outcome
		}{
			{"fail", "fail", "", Fail},
			{"warn", "warn", "", Warn},
			{"excepted", "fail", fmt.Sprintf("exceptions:\n  - {rule: %s, component: %q, reason: r, owner: o, expires: 2026-12-31}\n", tt.rule, tt.component), Excepted},
		} {
			t.Run(tt.rule+"/"+variant.name, func(t *testing.T) {
				indent := "  "
				if strings.HasPrefix(tt.policy, "rules:") {
					indent = "    "
				}
				body := tt.policy + indent + "action: " + variant.action + "\n" + variant.exception
				r := evaluate(t, body, tt.in)
				var got []Outcome
				for _, d := range r.Decisions {
					if d.Rule == tt.rule {
						got = append(got, d.Outcome)
					}
				}
				if diff := cmp.Diff([]Outcome{variant.want}, got); diff != "" {
					t.Errorf("%s outcomes mismatch (-want +got):\n%s\npolicy:\n%s", tt.rule, diff, body)
				}
				if r.Pass != (variant.want != Fail) || len(r.Stale) != 0 {
					t.Errorf("Pass = %v, stale %v", r.Pass, r.Stale)
				}
			})
		}
	}
}

func TestViolationRanking(t *testing.T) {
	g := graphOf(
		comp(purl.NPM, "a", "1.0.0", lic("GPL-3.0-only")),
		comp(purl.NPM, "b", "1.0.0", lic("GPL-3.0-only")),
	)
	in := Input{Graph: g, Findings: []finding.Finding{
		{ID: "GHSA-low", Kind: finding.Vulnerability, Severity: finding.Low, Component: purl.For(purl.NPM, "b", "1.0.0", nil), Fixed: []string{"2"}},
		{ID: "MAL-1", Kind: finding.Malicious, Severity: finding.Critical, Component: purl.For(purl.NPM, "b", "1.0.0", nil)},
	}}
	r := evaluate(t, `approved:
  deny: [pkg:npm/a]
  severity: medium
licenses:
  deny: [GPL-3.0-only]
  severity: high
pinning:
  integrity: true
  severity: low
vulnerabilities:
  fail_on: low
`, in)
	type ranked struct {
		Severity finding.Severity
		Rule     string
		Who      string
	}
	var got []ranked
	for _, d := range r.Violations {
		got = append(got, ranked{d.Severity, d.Rule, d.Component})
	}
	a, b := purl.For(purl.NPM, "a", "1.0.0", nil), purl.For(purl.NPM, "b", "1.0.0", nil)
	want := []ranked{
		{finding.Critical, "malicious", b},
		{finding.High, "license", a},
		{finding.High, "license", b},
		{finding.Medium, "denied", a},
		{finding.Low, "integrity", a},
		{finding.Low, "integrity", b},
		{finding.Low, "vulnerability", b},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violation order mismatch (-want +got):\n%s", diff)
	}
}

func TestExplain(t *testing.T) {
	g := graphOf(
		comp(purl.NPM, "lodash", "4.17.20"),
		comp(purl.NPM, "lodash", "4.17.21"),
		comp(purl.NPM, "@babel/core", "7.24.0"),
		comp(purl.PyPI, "Flask_Login", "0.6.3"),
		comp("Debian:12", "curl", "7.88.1-10"),
	)
	r := evaluate(t, `approved:
  deny: ["pkg:npm/lodash@<4.17.21"]
pinning:
  require_lockfile: true
  exact_versions: true
`, Input{Graph: g, Files: []string{"package.json"}})
	tests := []struct {
		query string
		want  []brief
	}{
		{"lodash", []brief{
			{"denied", Fail, "pkg:npm/lodash@4.17.20", "matches deny pattern pkg:npm/lodash@<4.17.21 (vouch.yaml:3)"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.20", "pinned at 4.17.20"},
			{"denied", Pass, "pkg:npm/lodash@4.17.21", "not on the deny list"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.21", "pinned at 4.17.21"},
		}},
		{"lodash@4.17.21", []brief{
			{"denied", Pass, "pkg:npm/lodash@4.17.21", "not on the deny list"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.21", "pinned at 4.17.21"},
		}},
		{"pkg:npm/lodash@4.17.20", []brief{
			{"denied", Fail, "pkg:npm/lodash@4.17.20", "matches deny pattern pkg:npm/lodash@<4.17.21 (vouch.yaml:3)"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.20", "pinned at 4.17.20"},
		}},
		{"pkg:npm/lodash", []brief{
			{"denied", Fail, "pkg:npm/lodash@4.17.20", "matches deny pattern pkg:npm/lodash@<4.17.21 (vouch.yaml:3)"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.20", "pinned at 4.17.20"},
			{"denied", Pass, "pkg:npm/lodash@4.17.21", "not on the deny list"},
			{"pinned", Pass, "pkg:npm/lodash@4.17.21", "pinned at 4.17.21"},
		}},
		{"pkg:npm/@babel/core", []brief{
			{"denied", Pass, "pkg:npm/%40babel/core@7.24.0", "not on the deny list"},
			{"pinned", Pass, "pkg:npm/%40babel/core@7.24.0", "pinned at 7.24.0"},
		}},
		{"@babel/core@7.24.0", []brief{
			{"denied", Pass, "pkg:npm/%40babel/core@7.24.0", "not on the deny list"},
			{"pinned", Pass, "pkg:npm/%40babel/core@7.24.0", "pinned at 7.24.0"},
		}},
		{"flask-login", []brief{
			{"denied", Pass, "pkg:pypi/flask-login@0.6.3", "not on the deny list"},
			{"pinned", Pass, "pkg:pypi/flask-login@0.6.3", "pinned at 0.6.3"},
		}},
		{"pkg:deb/debian/curl@7.88.1-10", []brief{
			{"denied", Pass, "pkg:deb/debian/curl@7.88.1-10?distro=debian-12", "not on the deny list"},
		}},
		{"package.json", []brief{
			{"lockfile", Fail, "package.json", "package.json has no lockfile beside it or in a parent directory (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock or bun.lockb); the policy requires a lockfile for every manifest"},
		}},
		{"lodash@9.9.9", nil},
		{"pkg:npm/lodas", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, briefs(r.Explain(tt.query))); diff != "" {
			t.Errorf("Explain(%q) mismatch (-want +got):\n%s", tt.query, diff)
		}
	}
}

// TestHandBuiltPolicy evaluates a Policy made in Go rather than parsed:
// its exceptions and licence lists are compiled on the way, and zero
// actions fail.
func TestHandBuiltPolicy(t *testing.T) {
	p := &Policy{
		Path:     "built-in",
		Version:  1,
		Licenses: &LicenseRule{Deny: []string{"GPL-3.0-only"}, Severity: finding.High},
		Exceptions: []Exception{
			{Rule: "license", Component: "pkg:npm/a", Reason: "r", Owner: "o", Expires: day("2027-01-01")},
			{Rule: "license", Component: "pkg:", Reason: "unparsable", Owner: "o", Expires: day("2027-01-01")},
		},
	}
	g := graphOf(comp(purl.NPM, "a", "1.0.0", lic("GPL-3.0-only")), comp(purl.NPM, "b", "1.0.0", lic("GPL-3.0-only")), comp(purl.NPM, "c", "1.0.0"))
	r, err := p.Evaluate(context.Background(), Input{Graph: g, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{"license", Excepted, "pkg:npm/a@1.0.0", "licence GPL-3.0-only is denied"},
		{"license", Fail, "pkg:npm/b@1.0.0", "licence GPL-3.0-only is denied"},
		{"license", Fail, "pkg:npm/c@1.0.0", "no licence recorded; licenses.unknown is fail"},
	}
	if diff := cmp.Diff(want, briefs(r.Decisions)); diff != "" {
		t.Errorf("decisions mismatch (-want +got):\n%s", diff)
	}
	if len(r.Stale) != 1 || r.Stale[0].Reason != "unparsable" {
		t.Errorf("stale = %v, want the unparsable exception", r.Stale)
	}
}

func TestEvaluateEmptyAndCancelled(t *testing.T) {
	p, err := Parse("vouch.yaml", Init())
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Evaluate(context.Background(), Input{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{Decisions: []Decision{}, Violations: []Decision{}, Warnings: []Decision{}, Expired: []Exception{}, Stale: []Exception{}, Pass: true}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("empty input mismatch (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, Input{Graph: graphOf(comp(purl.NPM, "a", "1.0.0"))}); err != context.Canceled {
		t.Errorf("Evaluate(cancelled) = %v, want context.Canceled", err)
	}
}

// largeGate returns the starting policy plus a custom rule and an allow
// list, and an input of n components with release times, licences and a
// finding for every tenth, in three ecosystems.
func largeGate(t testing.TB, n int) (*Policy, Input) {
	t.Helper()
	body := strings.Replace(string(Init()), "rules: []\n", `rules:
  - name: young-direct
    expr: component.direct && component.age_days >= 0.0 && component.age_days < 90.0
`, 1)
	p, err := Parse("vouch.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	g := inventory.New()
	published := map[string]PublishInfo{}
	var findings []finding.Finding
	var files []string
	for i := range n {
		eco, name := purl.NPM, fmt.Sprintf("@scope%d/pkg%d", i%50, i)
		if i%4 == 1 {
			eco, name = purl.Go, fmt.Sprintf("github.com/org%d/mod%d", i%50, i)
		}
		if i%4 == 2 {
			eco, name = purl.PyPI, fmt.Sprintf("dist_%d", i)
		}
		version := fmt.Sprintf("1.%d.%d", i%17, i%5)
		c := comp(eco, name, version, hashed, lic("MIT OR Apache-2.0"))
		if i%7 == 3 {
			c.Licenses = []string{"GPL-3.0-only"}
		}
		c.Direct = i%10 == 0
		g.Add(c)
		published[c.PURL] = PublishInfo{Time: now.Add(-time.Duration(i%400) * 24 * time.Hour), Known: true}
		if i%10 == 0 {
			findings = append(findings, finding.Finding{ID: fmt.Sprintf("GHSA-%04d", i), Kind: finding.Vulnerability,
				Severity: finding.Severity(i % 5), Component: c.PURL, Fixed: []string{"9.9.9"}})
		}
		if i%20 == 0 {
			files = append(files, fmt.Sprintf("app%d/package.json", i), fmt.Sprintf("app%d/package-lock.json", i))
		}
	}
	return p, Input{Graph: g, Findings: findings, Published: published, Files: files, Now: now}
}

// TestEvaluateParallelAndBrief checks that a graph large enough to be
// decided on several goroutines gets the decisions one goroutine makes,
// in the same order, and that Brief changes nothing but counting the
// passing decisions about components instead of listing them.
func TestEvaluateParallelAndBrief(t *testing.T) {
	p, in := largeGate(t, 3*parallelMin)
	prev := runtime.GOMAXPROCS(1)
	serial, err := p.Evaluate(context.Background(), in)
	runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	parallel, err := p.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(serial, parallel); diff != "" {
		t.Fatalf("parallel evaluation differs (-serial +parallel):\n%s", diff)
	}
	if len(serial.Violations) == 0 || len(serial.Decisions) < 3*parallelMin*5 {
		t.Fatalf("%d decisions, %d violations: the input should exercise every rule", len(serial.Decisions), len(serial.Violations))
	}
	in.Brief = true
	brief, err := p.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := *serial
	want.Decisions = nil
	for _, d := range serial.Decisions {
		if d.Outcome == Pass && d.Component != "" {
			want.OmittedPasses++
			continue
		}
		want.Decisions = append(want.Decisions, d)
	}
	if want.OmittedPasses < 3*parallelMin {
		t.Fatalf("only %d passing component decisions", want.OmittedPasses)
	}
	if diff := cmp.Diff(&want, brief); diff != "" {
		t.Errorf("brief evaluation differs beyond the passes it counts (-want +got):\n%s", diff)
	}
}

// BenchmarkEvaluate2000 evaluates the starting policy plus a custom rule
// and an allow list over 2,000 components with release times, licences
// and a finding for every tenth, as a gate does (Brief).
func BenchmarkEvaluate2000(b *testing.B) {
	p, in := largeGate(b, 2000)
	in.Brief = true
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := p.Evaluate(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Decisions)+r.OmittedPasses < 2000*6 {
			b.Fatalf("%d decisions, %d passes omitted", len(r.Decisions), r.OmittedPasses)
		}
	}
}
