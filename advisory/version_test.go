package advisory

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// rec builds a one-package record with one range.
func rec(ecosystem, name, typ string, events ...Event) *Vulnerability {
	r := Range{Type: typ, Events: events}
	if typ == RangeGit {
		r.Repo = "https://example.com/repo"
	}
	return &Vulnerability{ID: "TEST-1", Affected: []Affected{{
		Package: Package{Ecosystem: ecosystem, Name: name},
		Ranges:  []Range{r},
	}}}
}

func intro(v string) Event { return Event{Introduced: v} }
func fixed(v string) Event { return Event{Fixed: v} }
func last(v string) Event  { return Event{LastAffected: v} }
func limit(v string) Event { return Event{Limit: v} }

const (
	commitA = "b42dd4badf803bb9fb71ac34cd9cb0c249262f2c" // the fix of PYSEC-2021-335
	commitB = "0123456789abcdef0123456789abcdef01234567"
)

type affectsCase struct {
	name      string
	ecosystem string
	pkg       string
	version   string
	want      bool
	err       string // part of the error, "" for none
}

func runAffects(t *testing.T, v *Vulnerability, tests []affectsCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Affects(tt.ecosystem, tt.pkg, tt.version)
			if got != tt.want {
				t.Errorf("Affects(%q, %q, %q) = %v, want %v (err %v)", tt.ecosystem, tt.pkg, tt.version, got, tt.want, err)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one saying %q", err, tt.err)
			case err != nil:
				var ve *VersionError
				if !errors.As(err, &ve) || ve.ID != v.ID || ve.Version != tt.version {
					t.Errorf("error %#v is not a *VersionError for %s at %q", err, v.ID, tt.version)
				}
			}
		})
	}
}

func TestAffectsGoReal(t *testing.T) {
	v, err := Parse(sharedRecord(t, "Go", "GO-2024-2687"), "GO-2024-2687.json")
	if err != nil {
		t.Fatal(err)
	}
	runAffects(t, v, []affectsCase{
		{name: "stdlib before first fix", ecosystem: "Go", pkg: "stdlib", version: "v1.21.8", want: true},
		{name: "stdlib without v", ecosystem: "Go", pkg: "stdlib", version: "1.21.8", want: true},
		{name: "stdlib first fix", ecosystem: "Go", pkg: "stdlib", version: "v1.21.9"},
		{name: "stdlib after first fix", ecosystem: "Go", pkg: "stdlib", version: "v1.21.13"},
		{name: "stdlib 1.22 prerelease", ecosystem: "Go", pkg: "stdlib", version: "v1.22.0-rc.1", want: true},
		{name: "stdlib 1.22.1", ecosystem: "Go", pkg: "stdlib", version: "v1.22.1", want: true},
		{name: "stdlib second fix", ecosystem: "Go", pkg: "stdlib", version: "v1.22.2"},
		{name: "stdlib later", ecosystem: "Go", pkg: "stdlib", version: "v1.26.0"},
		{name: "stdlib old", ecosystem: "Go", pkg: "stdlib", version: "v1.0.0", want: true},
		{name: "x/net", ecosystem: "Go", pkg: "golang.org/x/net", version: "v0.22.0", want: true},
		{name: "x/net pseudo-version", ecosystem: "Go", pkg: "golang.org/x/net", version: "v0.0.0-20240101000000-abcdefabcdef", want: true},
		{name: "x/net fixed", ecosystem: "Go", pkg: "golang.org/x/net", version: "v0.23.0"},
		{name: "other module", ecosystem: "Go", pkg: "golang.org/x/text", version: "v0.1.0"},
		{name: "other ecosystem", ecosystem: "npm", pkg: "stdlib", version: "1.0.0"},
		{name: "module paths are case-sensitive", ecosystem: "Go", pkg: "golang.org/X/net", version: "v0.22.0"},
		{name: "not semver", ecosystem: "Go", pkg: "stdlib", version: "latest", err: `GO-2024-2687: Go/stdlib@latest: version "latest" is not a semantic version`},
		{name: "four parts", ecosystem: "Go", pkg: "stdlib", version: "1.2.3.4", err: "not a semantic version"},
	})

	// Pseudo-versions in the record's own events.
	v, err = Parse(sharedRecord(t, "Go", "GO-2020-0006"), "GO-2020-0006.json")
	if err != nil {
		t.Fatal(err)
	}
	runAffects(t, v, []affectsCase{
		{name: "release before fix", ecosystem: "Go", pkg: "github.com/miekg/dns", version: "v1.0.3", want: true},
		{name: "older pseudo-version", ecosystem: "Go", pkg: "github.com/miekg/dns", version: "v1.0.4-0.20180101000000-aaaaaaaaaaaa", want: true},
		{name: "fix pseudo-version", ecosystem: "Go", pkg: "github.com/miekg/dns", version: "v1.0.4-0.20180125103619-43913f2f4fbd"},
		{name: "release after fix", ecosystem: "Go", pkg: "github.com/miekg/dns", version: "v1.0.4"},
		{name: "incompatible major", ecosystem: "Go", pkg: "github.com/miekg/dns", version: "v2.0.0+incompatible"},
	})
}

func TestAffectsPyPIReal(t *testing.T) {
	// Several ECOSYSTEM ranges, pre-releases in the events.
	v, err := Parse(sharedRecord(t, "PyPI", "PYSEC-2014-19"), "PYSEC-2014-19.json")
	if err != nil {
		t.Fatal(err)
	}
	ranges := *v
	ranges.Affected = []Affected{v.Affected[0]}
	ranges.Affected[0].Versions = nil // the ranges alone
	cases := []affectsCase{
		{name: "1.4", ecosystem: "PyPI", pkg: "django", version: "1.4", want: true},
		{name: "name as written", ecosystem: "PyPI", pkg: "Django", version: "1.4.12", want: true},
		{name: "1.4.13 fixed", ecosystem: "PyPI", pkg: "django", version: "1.4.13"},
		{name: "between ranges", ecosystem: "PyPI", pkg: "django", version: "1.4.20"},
		{name: "1.5.7", ecosystem: "PyPI", pkg: "django", version: "1.5.7", want: true},
		{name: "1.6.5 fixed", ecosystem: "PyPI", pkg: "django", version: "1.6.5"},
		{name: "before first", ecosystem: "PyPI", pkg: "django", version: "1.3.7"},
		{name: "1.7 alpha", ecosystem: "PyPI", pkg: "django", version: "1.7a2", want: true},
		{name: "1.7 beta 3", ecosystem: "PyPI", pkg: "django", version: "1.7b3", want: true},
		{name: "1.7 beta 4 fixed", ecosystem: "PyPI", pkg: "django", version: "1.7b4"},
		{name: "1.7 final", ecosystem: "PyPI", pkg: "django", version: "1.7"},
		{name: "1.4 zero-padded", ecosystem: "PyPI", pkg: "django", version: "1.4.0", want: true},
	}
	t.Run("ranges", func(t *testing.T) { runAffects(t, &ranges, cases) })
	t.Run("record", func(t *testing.T) { runAffects(t, v, cases) })

	// last_affected is inclusive.
	v, err = Parse(sharedRecord(t, "PyPI", "PYSEC-2022-42969"), "PYSEC-2022-42969.json")
	if err != nil {
		t.Fatal(err)
	}
	v.Affected[0].Versions = nil
	runAffects(t, v, []affectsCase{
		{name: "last affected", ecosystem: "PyPI", pkg: "py", version: "1.11.0", want: true},
		{name: "above last affected", ecosystem: "PyPI", pkg: "py", version: "1.11.1"},
		{name: "post release", ecosystem: "PyPI", pkg: "py", version: "1.11.0.post1"},
		{name: "old", ecosystem: "PyPI", pkg: "py", version: "0.9.0", want: true},
	})

	// GIT and ECOSYSTEM ranges together; names normalised.
	v, err = Parse(sharedRecord(t, "PyPI", "PYSEC-2021-335"), "PYSEC-2021-335.json")
	if err != nil {
		t.Fatal(err)
	}
	runAffects(t, v, []affectsCase{
		{name: "listed", ecosystem: "PyPI", pkg: "AccessControl", version: "5.1", want: true},
		{name: "in range, not listed", ecosystem: "PyPI", pkg: "ACCESSCONTROL", version: "4.2.1", want: true},
		{name: "another name after PEP 503", ecosystem: "PyPI", pkg: "access_control", version: "4.2.1"},
		{name: "fixed", ecosystem: "PyPI", pkg: "accesscontrol", version: "5.2"},
		{name: "fixed commit", ecosystem: "PyPI", pkg: "accesscontrol", version: commitA, err: "a commit cannot be ordered in a ECOSYSTEM range"},
		{name: "other commit", ecosystem: "PyPI", pkg: "accesscontrol", version: commitB, err: "git range needs repository history (https://github.com/zopefoundation/AccessControl)"},
	})
}

func TestAffectsEdges(t *testing.T) {
	tests := []struct {
		name  string
		v     *Vulnerability
		cases []affectsCase
	}{
		{
			name: "last_affected",
			v:    rec("npm", "a", RangeSemver, intro("0"), last("2.1.214")),
			cases: []affectsCase{
				{name: "equal", ecosystem: "npm", pkg: "a", version: "2.1.214", want: true},
				{name: "above", ecosystem: "npm", pkg: "a", version: "2.1.215"},
				{name: "prerelease of next", ecosystem: "npm", pkg: "a", version: "2.1.215-beta.1"},
			},
		},
		{
			name: "fixed is exclusive, introduced inclusive",
			v:    rec("npm", "a", RangeSemver, intro("1.0.0"), fixed("1.0.2")),
			cases: []affectsCase{
				{name: "below", ecosystem: "npm", pkg: "a", version: "0.9.9"},
				{name: "prerelease of introduced", ecosystem: "npm", pkg: "a", version: "1.0.0-rc.1"},
				{name: "introduced", ecosystem: "npm", pkg: "a", version: "1.0.0", want: true},
				{name: "inside", ecosystem: "npm", pkg: "a", version: "1.0.1", want: true},
				{name: "build metadata ignored", ecosystem: "npm", pkg: "a", version: "1.0.1+build.5", want: true},
				{name: "fixed", ecosystem: "npm", pkg: "a", version: "1.0.2"},
			},
		},
		{
			name: "events out of order",
			v:    rec("npm", "a", RangeSemver, fixed("1.5.0"), intro("3.0.0"), intro("1.0.0"), fixed("3.2.5")),
			cases: []affectsCase{
				{name: "first range", ecosystem: "npm", pkg: "a", version: "1.2.0", want: true},
				{name: "gap", ecosystem: "npm", pkg: "a", version: "2.0.0"},
				{name: "second range", ecosystem: "npm", pkg: "a", version: "3.2.4", want: true},
				{name: "after", ecosystem: "npm", pkg: "a", version: "3.2.5"},
			},
		},
		{
			name: "numeric not lexical order",
			v:    rec("npm", "a", RangeSemver, intro("1.2.0"), fixed("1.10.0")),
			cases: []affectsCase{
				{name: "1.9.0", ecosystem: "npm", pkg: "a", version: "1.9.0", want: true},
				{name: "1.10.0", ecosystem: "npm", pkg: "a", version: "1.10.0"},
			},
		},
		{
			name: "empty range",
			v:    rec("npm", "a", RangeSemver, intro("1.0.0"), fixed("1.0.0")),
			cases: []affectsCase{
				{name: "at the point", ecosystem: "npm", pkg: "a", version: "1.0.0"},
			},
		},
		{
			name: "limit",
			v:    rec("npm", "a", RangeSemver, intro("0"), limit("2.0.0")),
			cases: []affectsCase{
				{name: "below", ecosystem: "npm", pkg: "a", version: "1.9.9", want: true},
				{name: "at limit", ecosystem: "npm", pkg: "a", version: "2.0.0"},
				{name: "above", ecosystem: "npm", pkg: "a", version: "3.0.0"},
			},
		},
		{
			name: "infinite limit",
			v:    rec("npm", "a", RangeSemver, intro("1.0.0"), limit("*")),
			cases: []affectsCase{
				{name: "above", ecosystem: "npm", pkg: "a", version: "99.0.0", want: true},
				{name: "below introduced", ecosystem: "npm", pkg: "a", version: "0.1.0"},
			},
		},
		{
			name: "two limits",
			v:    rec("npm", "a", RangeSemver, intro("0"), limit("1.5.0"), limit("3.0.0")),
			cases: []affectsCase{
				{name: "below both", ecosystem: "npm", pkg: "a", version: "1.0.0", want: true},
				{name: "below one", ecosystem: "npm", pkg: "a", version: "2.0.0", want: true},
				{name: "above both", ecosystem: "npm", pkg: "a", version: "3.0.0"},
			},
		},
		{
			name: "all versions, unknown version",
			v:    rec("npm", "evil-pkg", RangeSemver, intro("0")),
			cases: []affectsCase{
				{name: "no version", ecosystem: "npm", pkg: "evil-pkg", version: "", want: true},
				{name: "any version", ecosystem: "npm", pkg: "evil-pkg", version: "0.0.1", want: true},
			},
		},
		{
			name: "no version against a bounded range",
			v:    rec("npm", "a", RangeSemver, intro("0"), fixed("1.0.0")),
			cases: []affectsCase{
				{name: "no version", ecosystem: "npm", pkg: "a", version: "", err: "no version to compare"},
			},
		},
		{
			name: "bad event version",
			v:    rec("npm", "a", RangeSemver, intro("0"), fixed("one.two")),
			cases: []affectsCase{
				{name: "reported", ecosystem: "npm", pkg: "a", version: "1.0.0", err: `range event: version "one.two" is not a semantic version`},
			},
		},
		{
			name: "npm ECOSYSTEM range is semver",
			v:    rec("npm", "a", RangeEcosystem, intro("0"), fixed("4.17.21")),
			cases: []affectsCase{
				{name: "affected", ecosystem: "npm", pkg: "a", version: "4.17.20", want: true},
				{name: "tag", ecosystem: "npm", pkg: "a", version: "latest", err: "not a semantic version"},
			},
		},
		{
			name: "Debian by release",
			v:    rec("Debian:12", "glibc", RangeEcosystem, intro("0"), fixed("2.36-9+deb12u4")),
			cases: []affectsCase{
				{name: "same release", ecosystem: "Debian:12", pkg: "glibc", version: "2.36-9+deb12u3", want: true},
				{name: "fixed", ecosystem: "Debian:12", pkg: "glibc", version: "2.36-9+deb12u4"},
				{name: "epoch sorts higher", ecosystem: "Debian:12", pkg: "glibc", version: "1:2.0-1"},
				{name: "tilde sorts lower", ecosystem: "Debian:12", pkg: "glibc", version: "2.36-9+deb12u4~1", want: true},
				{name: "other release", ecosystem: "Debian:11", pkg: "glibc", version: "2.31-13"},
				{name: "release unknown", ecosystem: "Debian", pkg: "glibc", version: "2.31-13", want: true},
				{name: "binary package name", ecosystem: "Debian:12", pkg: "libc6", version: "2.31-13"},
				{name: "bad epoch", ecosystem: "Debian:12", pkg: "glibc", version: "x:1.0", err: "glibc@x:1.0"},
			},
		},
		{
			name: "record for every Debian release",
			v:    rec("Debian", "openssl", RangeEcosystem, intro("0"), fixed("3.0.11-1")),
			cases: []affectsCase{
				{name: "any release", ecosystem: "Debian:12", pkg: "openssl", version: "3.0.9-1", want: true},
			},
		},
		{
			name: "Ubuntu LTS",
			v:    rec("Ubuntu:22.04:LTS", "openssl", RangeEcosystem, intro("0"), fixed("3.0.2-0ubuntu1.15")),
			cases: []affectsCase{
				{name: "without LTS marker", ecosystem: "Ubuntu:22.04", pkg: "openssl", version: "3.0.2-0ubuntu1.14", want: true},
				{name: "with LTS marker", ecosystem: "Ubuntu:22.04:LTS", pkg: "openssl", version: "3.0.2-0ubuntu1.14", want: true},
				{name: "fixed", ecosystem: "Ubuntu:22.04", pkg: "openssl", version: "3.0.2-0ubuntu1.15"},
				{name: "other release", ecosystem: "Ubuntu:24.04", pkg: "openssl", version: "3.0.2-0ubuntu1.14"},
			},
		},
		{
			name: "Ubuntu Pro",
			v:    rec("Ubuntu:Pro:18.04:LTS", "openssl", RangeEcosystem, intro("0"), fixed("1.1.1-1ubuntu2.1~18.04.23+esm1")),
			cases: []affectsCase{
				{name: "plain release", ecosystem: "Ubuntu:18.04", pkg: "openssl", version: "1.1.1-1ubuntu2.1~18.04.22"},
			},
		},
		{
			name: "Alpine",
			v:    rec("Alpine:v3.19", "openssl", RangeEcosystem, intro("0"), fixed("3.1.4-r1")),
			cases: []affectsCase{
				{name: "release", ecosystem: "Alpine:v3.19", pkg: "openssl", version: "3.1.4-r0", want: true},
				{name: "release without v", ecosystem: "Alpine:3.19", pkg: "openssl", version: "3.1.3-r0", want: true},
				{name: "fixed", ecosystem: "Alpine:v3.19", pkg: "openssl", version: "3.1.4-r1"},
				{name: "other release", ecosystem: "Alpine:v3.18", pkg: "openssl", version: "3.1.4-r0"},
			},
		},
		{
			name: "ecosystem without an ordering",
			v: &Vulnerability{ID: "TEST-2", Affected: []Affected{{
				Package:  Package{Ecosystem: "Linux", Name: "Kernel"},
				Ranges:   []Range{{Type: RangeEcosystem, Events: []Event{intro("0"), fixed("6.1.2")}}},
				Versions: []string{"6.1.1"},
			}}},
			cases: []affectsCase{
				{name: "listed", ecosystem: "Linux", pkg: "Kernel", version: "6.1.1", want: true},
				{name: "not listed", ecosystem: "Linux", pkg: "Kernel", version: "6.1.0", err: "unsupported ecosystem"},
			},
		},
		{
			name: "versions list only",
			v: &Vulnerability{ID: "TEST-3", Affected: []Affected{{
				Package:  Package{Ecosystem: "Go", Name: "example.com/m"},
				Versions: []string{"1.0.0", "v1.1.0"},
			}}},
			cases: []affectsCase{
				{name: "listed without v", ecosystem: "Go", pkg: "example.com/m", version: "v1.0.0", want: true},
				{name: "listed with v", ecosystem: "Go", pkg: "example.com/m", version: "1.1.0", want: true},
				{name: "not listed", ecosystem: "Go", pkg: "example.com/m", version: "v1.0.1"},
			},
		},
		{
			name: "GIT range",
			v:    rec("GIT", "https://example.com/repo", RangeGit, intro(commitB), fixed(commitA)),
			cases: []affectsCase{
				{name: "introducing commit", ecosystem: "GIT", pkg: "https://example.com/repo", version: commitB, want: true},
				{name: "upper-case commit", ecosystem: "GIT", pkg: "https://example.com/repo", version: strings.ToUpper(commitB), want: true},
				{name: "fixing commit", ecosystem: "GIT", pkg: "https://example.com/repo", version: commitA},
				{name: "other commit", ecosystem: "GIT", pkg: "https://example.com/repo", version: strings.Repeat("1", 40), err: "needs repository history"},
				{name: "tag", ecosystem: "GIT", pkg: "https://example.com/repo", version: "v1.0.0"},
			},
		},
		{
			name: "case-insensitive names",
			v:    rec("NuGet", "Newtonsoft.Json", RangeEcosystem, intro("0"), fixed("13.0.1")),
			cases: []affectsCase{
				{name: "lower case", ecosystem: "NuGet", pkg: "newtonsoft.json", version: "12.0.3", want: true},
			},
		},
		{
			name: "withdrawn",
			v: func() *Vulnerability {
				v := rec("npm", "a", RangeSemver, intro("0"))
				v.Withdrawn = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
				return v
			}(),
			cases: []affectsCase{
				{name: "ignored", ecosystem: "npm", pkg: "a", version: "1.0.0"},
			},
		},
		{
			name: "an evaluable entry wins over an unknown one",
			v: &Vulnerability{ID: "TEST-4", Affected: []Affected{
				{Package: Package{Ecosystem: "npm", Name: "a"}, Ranges: []Range{{Type: RangeSemver, Events: []Event{intro("0"), fixed("bad")}}}},
				{Package: Package{Ecosystem: "npm", Name: "a"}, Ranges: []Range{{Type: RangeSemver, Events: []Event{intro("0"), fixed("2.0.0")}}}},
			}},
			cases: []affectsCase{
				{name: "affected", ecosystem: "npm", pkg: "a", version: "1.0.0", want: true},
				{name: "unknown stays unknown", ecosystem: "npm", pkg: "a", version: "3.0.0", err: `version "bad"`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runAffects(t, tt.v, tt.cases) })
	}
}

func TestIsSemver(t *testing.T) {
	for s, want := range map[string]bool{
		"1.2.3": true, "v1.2.3": true, "1.22": true, "1": true, "1.2.3-rc.1": true,
		"1.2.3-0.20240101000000-abcdefabcdef": true, "2.0.0+incompatible": true, "1.0.0-x-y.z+b.1": true,
		"": false, "v": false, "1.2.3.4": false, "1..2": false, "1.2.3-": false, "1.2.3+": false,
		"1.2.3-a..b": false, "latest": false, "1.2.x": false, "1.2.3-a_b": false, "=1.2.3": false,
	} {
		if got := isSemver(s); got != want {
			t.Errorf("isSemver(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzAffects evaluates arbitrary versions and events in every ordering
// vouch uses: nothing may panic, and whatever cannot be evaluated is a
// *VersionError, never a silent false.
func FuzzAffects(f *testing.F) {
	f.Add(uint8(0), "1.2.3", "1.0.0", "2.0.0")
	f.Add(uint8(1), "v1.2.3-0.20240101000000-abcdefabcdef", "0", "1.2.4")
	f.Add(uint8(2), "1.7b3", "1.7a0", "1.7b4")
	f.Add(uint8(3), "1:2.36-9+deb12u3~1", "0", "2.36-9+deb12u4")
	f.Add(uint8(4), "3.1.4-r0", "3.1.0_rc1-r2", "3.1.4-r1")
	f.Add(uint8(5), "1.0.0.Final", "0", "1.0.0-SP1")
	f.Add(uint8(6), commitA, commitB, commitA)
	f.Add(uint8(0), "", "0", "*")
	ecosystems := []struct{ eco, typ string }{
		{"npm", RangeSemver}, {"Go", RangeSemver}, {"PyPI", RangeEcosystem}, {"Debian:12", RangeEcosystem},
		{"Alpine:v3.19", RangeEcosystem}, {"Maven", RangeEcosystem}, {"GIT", RangeGit}, {"RubyGems", RangeEcosystem},
		{"NuGet", RangeEcosystem}, {"Packagist", RangeEcosystem}, {"crates.io", RangeEcosystem}, {"Linux", RangeEcosystem},
	}
	f.Fuzz(func(t *testing.T, which uint8, version, introduced, upper string) {
		e := ecosystems[int(which)%len(ecosystems)]
		for _, v := range []*Vulnerability{
			rec(e.eco, "p", e.typ, intro(introduced), fixed(upper)),
			rec(e.eco, "p", e.typ, intro(introduced), last(upper)),
			rec(e.eco, "p", e.typ, intro(introduced), limit(upper), fixed(version)),
		} {
			if _, _, n := v.Affected[0].Ranges[0].Events[1].kindValue(); n != 1 {
				return // not a record Parse would accept
			}
			ok, err := v.Affects(e.eco, "p", version)
			if err != nil {
				var ve *VersionError
				if ok || !errors.As(err, &ve) || ve.ID != v.ID {
					t.Fatalf("Affects = %v, %v", ok, err)
				}
			}
		}
	})
}
