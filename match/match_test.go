package match

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// records parses fixtures from testdata/records by name (without ".json").
func records(t testing.TB, names ...string) []*advisory.Vulnerability {
	t.Helper()
	var out []*advisory.Vulnerability
	for _, n := range names {
		p := filepath.Join("testdata", "records", n+".json")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := advisory.Parse(data, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func index(t testing.TB, names ...string) *advisory.Index {
	t.Helper()
	return advisory.NewIndex(records(t, names...))
}

// graph builds small graphs: roots, components and edges.
type graph struct{ g *inventory.Graph }

func newGraph() *graph { return &graph{inventory.New()} }

func (b *graph) root(id string, kind inventory.Kind, props map[string]string) *graph {
	b.g.AddRoot(inventory.Root{ID: id, Kind: kind, Properties: props})
	return b
}

// comp adds a component found in file at line, with an edge from parent
// (a root id or a PURL); direct when parent is a root.
func (b *graph) comp(parent, eco, name, version, file string, line int, props map[string]string) string {
	p := purl.For(eco, name, version, nil)
	b.g.Add(inventory.Component{
		PURL: p, Ecosystem: eco, Name: name, Version: version, Direct: inventory.IsRoot(parent),
		Scope: inventory.ScopeRuntime, Properties: props, Locations: []inventory.Location{{Path: file, Line: line}},
	})
	b.g.AddEdge(parent, p)
	return p
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		graph   func() *inventory.Graph
		osv     []string // fixtures of the database index
		known   []string // fixtures of the known-compromises index
		eco     []string // Options.Ecosystems
		want    []finding.Finding
		unknown []Unknown
		skipped []Skipped
	}{
		{
			name: "go-transitive-aliases-merged",
			graph: func() *inventory.Graph {
				b := newGraph().root("go.mod", inventory.KindManifest, nil)
				web := b.comp("go.mod", purl.Go, "github.com/acme/web", "v1.0.0", "go.mod", 5, nil)
				b.comp(web, purl.Go, "golang.org/x/text", "v0.3.7", "go.mod", 9, nil)
				return b.g
			},
			osv: []string{"go-x-text", "ghsa-x-text", "withdrawn-x-text"},
			want: []finding.Finding{{
				ID:       "CVE-2099-0100",
				Aliases:  []string{"CVE-2099-0100", "GHSA-aaaa-0100-xxxx", "GO-2099-0100"},
				Kind:     finding.Vulnerability,
				Severity: finding.High,
				Score:    7.5,
				Vector:   "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
				// Records are taken in id order: the GHSA's summary, the GO record's details.
				Summary:   "golang.org/x/text/language Denial of service via crafted Accept-Language header",
				Details:   "Parsing a crafted Accept-Language header takes a long time.",
				Component: "pkg:golang/golang.org/x/text@v0.3.7",
				Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.3.7",
				Locations: []inventory.Location{{Path: "go.mod", Line: 9}},
				Evidence: []string{
					"GHSA-aaaa-0100-xxxx: introduced 0, fixed 0.3.8 (ECOSYSTEM)",
					"GO-2099-0100: introduced 0, fixed 0.3.8 (SEMVER)",
				},
				Fixed:       []string{"v0.3.8"},
				Remediation: "upgrade golang.org/x/text (via direct dependency github.com/acme/web) to >= v0.3.8",
				Via:         []string{"pkg:golang/github.com/acme/web@v1.0.0"},
				References: []string{
					"https://nvd.nist.gov/vuln/detail/CVE-2099-0100",
					"https://example.com/x-text",
					"https://go.dev/cl/100",
				},
				Source: SourceOSV,
			}},
		},
		{
			name: "pypi-records-disagree-on-fix",
			graph: func() *inventory.Graph {
				b := newGraph().root("requirements.txt", inventory.KindManifest, nil)
				b.comp("requirements.txt", purl.PyPI, "example-pkg", "1.9", "requirements.txt", 3, nil)
				return b.g
			},
			osv: []string{"pysec-example", "ghsa-example", "pysec-example-other"},
			want: []finding.Finding{
				{
					ID:        "CVE-2099-1002",
					Aliases:   []string{"CVE-2099-1002", "PYSEC-2099-2"},
					Kind:      finding.Vulnerability,
					Severity:  finding.High,
					Score:     7.5,
					Vector:    "AV:N/AC:L/Au:N/C:P/I:P/A:P",
					Summary:   "Example-Pkg 1.x leaks tokens in logs",
					Component: "pkg:pypi/example-pkg@1.9",
					Ecosystem: "PyPI", Name: "example-pkg", Version: "1.9",
					Locations:   []inventory.Location{{Path: "requirements.txt", Line: 3}},
					Evidence:    []string{"PYSEC-2099-2: introduced 1.0, last affected 1.9.9 (ECOSYSTEM)"},
					Remediation: "no fix available",
					Via:         []string{"pkg:pypi/example-pkg@1.9"},
					Source:      SourceOSV,
				},
				{
					ID:       "CVE-2099-1001",
					Aliases:  []string{"CVE-2099-1001", "GHSA-bbbb-1001-yyyy", "PYSEC-2099-1"},
					Kind:     finding.Vulnerability,
					Severity: finding.Medium,
					Summary:  "Path traversal in example-pkg",
					Details:  "Example-Pkg before 2.0.1 lets a remote attacker read files.\nMore text.",
					// The data has no CVSS: GitHub's word only.
					Component: "pkg:pypi/example-pkg@1.9",
					Ecosystem: "PyPI", Name: "example-pkg", Version: "1.9",
					Locations: []inventory.Location{{Path: "requirements.txt", Line: 3}},
					Evidence: []string{
						"GHSA-bbbb-1001-yyyy: introduced 0, fixed 2.0.2 (ECOSYSTEM)",
						"PYSEC-2099-1: introduced 0, fixed 2.0.1 (ECOSYSTEM)",
					},
					// 2.0.1 fixes it by the PYSEC record, but the GHSA
					// record says 2.0.1 is still affected.
					Fixed:       []string{"2.0.2"},
					Remediation: "upgrade example-pkg to >= 2.0.2",
					Via:         []string{"pkg:pypi/example-pkg@1.9"},
					References:  []string{"https://github.com/advisories/GHSA-bbbb-1001-yyyy", "https://example.com/pkg/security"},
					Source:      SourceOSV,
				},
			},
		},
		{
			name: "debian-source-package-and-release",
			graph: func() *inventory.Graph {
				b := newGraph().root("var/lib/dpkg/status", inventory.KindRootFS, map[string]string{"distro": "debian-12"})
				b.comp("var/lib/dpkg/status", "Debian:12", "liblzma5", "5.4.1-0.2", "var/lib/dpkg/status", 20,
					map[string]string{"source": "xz-utils", "source_version": "5.4.1-0.2"})
				b.comp("var/lib/dpkg/status", "Debian:12", "xz-utils", "5.4.1-0.2", "var/lib/dpkg/status", 40,
					map[string]string{"source": "xz-utils", "source_version": "5.4.1-0.2"})
				return b.g
			},
			osv: []string{"debian-xz"},
			want: []finding.Finding{
				{
					ID: "CVE-2099-2000", Aliases: []string{"CVE-2099-2000", "DEBIAN-CVE-2099-2000"},
					Kind: finding.Vulnerability, Severity: finding.Medium,
					Summary:   "xz-utils mishandles a crafted header.",
					Details:   "xz-utils mishandles a crafted header.",
					Component: "pkg:deb/debian/liblzma5@5.4.1-0.2?distro=debian-12",
					Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.4.1-0.2",
					Locations: []inventory.Location{{Path: "var/lib/dpkg/status", Line: 20}},
					Evidence: []string{
						"DEBIAN-CVE-2099-2000: introduced 0, fixed 5.4.1-0.2+deb12u1 (ECOSYSTEM)",
						"compared as source package xz-utils 5.4.1-0.2 in Debian:12",
					},
					// Not the Debian:11 entry's fix.
					Fixed:       []string{"5.4.1-0.2+deb12u1"},
					Remediation: "upgrade liblzma5 (source xz-utils) to >= 5.4.1-0.2+deb12u1",
					Via:         []string{"pkg:deb/debian/liblzma5@5.4.1-0.2?distro=debian-12"},
					Source:      SourceOSV,
				},
				{
					ID: "CVE-2099-2000", Aliases: []string{"CVE-2099-2000", "DEBIAN-CVE-2099-2000"},
					Kind: finding.Vulnerability, Severity: finding.Medium,
					Summary:   "xz-utils mishandles a crafted header.",
					Details:   "xz-utils mishandles a crafted header.",
					Component: "pkg:deb/debian/xz-utils@5.4.1-0.2?distro=debian-12",
					Ecosystem: "Debian:12", Name: "xz-utils", Version: "5.4.1-0.2",
					Locations:   []inventory.Location{{Path: "var/lib/dpkg/status", Line: 40}},
					Evidence:    []string{"DEBIAN-CVE-2099-2000: introduced 0, fixed 5.4.1-0.2+deb12u1 (ECOSYSTEM)"},
					Fixed:       []string{"5.4.1-0.2+deb12u1"},
					Remediation: "upgrade xz-utils to >= 5.4.1-0.2+deb12u1",
					Via:         []string{"pkg:deb/debian/xz-utils@5.4.1-0.2?distro=debian-12"},
					Source:      SourceOSV,
				},
			},
		},
		{
			name: "alpine-origin-package",
			graph: func() *inventory.Graph {
				b := newGraph().root("lib/apk/db/installed", inventory.KindRootFS, map[string]string{"distro": "alpine-3.14.2"})
				b.comp("lib/apk/db/installed", "Alpine:v3.14", "libcrypto1.1", "1.1.1k-r0", "lib/apk/db/installed", 30,
					map[string]string{"source": "openssl"})
				b.comp("lib/apk/db/installed", "Alpine:v3.14", "libssl1.1", "1.1.1l-r0", "lib/apk/db/installed", 60,
					map[string]string{"source": "openssl"})
				return b.g
			},
			osv: []string{"alpine-openssl"},
			want: []finding.Finding{
				{
					ID: "CVE-2099-3000", Aliases: []string{"ALPINE-CVE-2099-3000", "CVE-2099-3000"},
					Kind: finding.Vulnerability, Severity: finding.Unknown,
					Summary:   "openssl reads past a buffer.",
					Details:   "openssl reads past a buffer.",
					Component: "pkg:apk/alpine/libcrypto1.1@1.1.1k-r0?distro=alpine-3.14",
					Ecosystem: "Alpine:v3.14", Name: "libcrypto1.1", Version: "1.1.1k-r0",
					Locations: []inventory.Location{{Path: "lib/apk/db/installed", Line: 30}},
					Evidence: []string{
						"ALPINE-CVE-2099-3000: introduced 0, fixed 1.1.1l-r0 (ECOSYSTEM)",
						"compared as source package openssl 1.1.1k-r0 in Alpine:v3.14",
					},
					Fixed:       []string{"1.1.1l-r0"},
					Remediation: "upgrade libcrypto1.1 (source openssl) to >= 1.1.1l-r0",
					Via:         []string{"pkg:apk/alpine/libcrypto1.1@1.1.1k-r0?distro=alpine-3.14"},
					Source:      SourceOSV,
				},
			},
		},
		{
			name: "rpm-source-package",
			graph: func() *inventory.Graph {
				b := newGraph().root("var/lib/rpm/rpmdb.sqlite", inventory.KindRootFS, map[string]string{"distro": "rocky-9.3"})
				b.comp("var/lib/rpm/rpmdb.sqlite", "Rocky Linux:9", "xz-libs", "5.2.5-7.el9", "var/lib/rpm/rpmdb.sqlite", 0,
					map[string]string{"source": "xz", "source_version": "5.2.5-7.el9"})
				return b.g
			},
			osv: []string{"rocky-xz"},
			// The record names the source package, xz; the database holds
			// the binary one, xz-libs, built from it.
			want: []finding.Finding{
				{
					ID: "CVE-2099-4000", Aliases: []string{"CVE-2099-4000", "RLSA-2099:0001"},
					Kind:      finding.Vulnerability,
					Summary:   "Moderate: xz security update",
					Details:   "An update for xz is now available for Rocky Linux 9.",
					Component: "pkg:rpm/rocky/xz-libs@5.2.5-7.el9?distro=rocky-9",
					Ecosystem: "Rocky Linux:9", Name: "xz-libs", Version: "5.2.5-7.el9",
					Locations:   []inventory.Location{{Path: "var/lib/rpm/rpmdb.sqlite"}},
					Evidence:    []string{"RLSA-2099:0001: introduced 0, fixed 5.2.5-8.el9_0 (ECOSYSTEM)"},
					Fixed:       []string{"5.2.5-8.el9_0"},
					Remediation: "upgrade xz-libs to >= 5.2.5-8.el9_0",
					Via:         []string{"pkg:rpm/rocky/xz-libs@5.2.5-7.el9?distro=rocky-9"},
					Source:      SourceOSV,
				},
			},
		},
		{
			name: "malicious-and-compromised",
			graph: func() *inventory.Graph {
				b := newGraph().root("package-lock.json", inventory.KindManifest, nil).
					root("requirements.txt", inventory.KindManifest, nil)
				b.comp("package-lock.json", purl.NPM, "evil-pkg", "1.0.0", "package-lock.json", 12, nil)
				app := b.comp("package-lock.json", purl.NPM, "app-lib", "1.2.0", "package-lock.json", 20, nil)
				b.comp(app, purl.NPM, "good-lib", "2.3.4", "package-lock.json", 30, nil)
				b.g.Add(inventory.Component{PURL: "pkg:pypi/evilpy", Ecosystem: purl.PyPI, Name: "evilpy", Direct: true,
					Unpinned: true, Locations: []inventory.Location{{Path: "requirements.txt", Line: 1}}})
				b.g.AddEdge("requirements.txt", "pkg:pypi/evilpy")
				return b.g
			},
			osv:   []string{"mal-npm", "mal-pypi"},
			known: []string{"known-good-lib"},
			want: []finding.Finding{
				{
					ID: "GHSA-cccc-2099-zzzz", Aliases: []string{"GHSA-cccc-2099-zzzz", "VOUCH-KNOWN-2099-0001"},
					Kind: finding.Malicious, Severity: finding.Critical,
					Summary:   "good-lib 2.3.4 was published with a stolen token",
					Component: "pkg:npm/good-lib@2.3.4", Ecosystem: "npm", Name: "good-lib", Version: "2.3.4",
					Locations:   []inventory.Location{{Path: "package-lock.json", Line: 30}},
					Evidence:    []string{"VOUCH-KNOWN-2099-0001: introduced 2.3.4, fixed 2.3.5 (SEMVER)"},
					Fixed:       []string{"2.3.5"},
					Remediation: "remove now: good-lib@2.3.4 is a known compromised release; a safe version is 2.3.5",
					Via:         []string{"pkg:npm/app-lib@1.2.0"},
					References:  []string{"https://github.com/advisories/GHSA-cccc-2099-zzzz"},
					Source:      SourceKnown,
				},
				{
					ID: "MAL-2099-1", Aliases: []string{"MAL-2099-1"},
					Kind: finding.Malicious, Severity: finding.Critical,
					Summary:   "Malicious code in evil-pkg (npm)",
					Details:   "The package runs a credential stealer on install.",
					Component: "pkg:npm/evil-pkg@1.0.0", Ecosystem: "npm", Name: "evil-pkg", Version: "1.0.0",
					Locations:   []inventory.Location{{Path: "package-lock.json", Line: 12}},
					Evidence:    []string{"MAL-2099-1: introduced 0 (SEMVER)"},
					Remediation: "remove now: evil-pkg@1.0.0 is a known malicious release",
					Via:         []string{"pkg:npm/evil-pkg@1.0.0"},
					References:  []string{"https://example.com/evil-pkg"},
					Source:      SourceOSV,
				},
				{
					ID: "MAL-2099-2", Aliases: []string{"MAL-2099-2"},
					Kind: finding.Malicious, Severity: finding.Critical,
					Summary:   "Malicious code in evilpy (PyPI)",
					Component: "pkg:pypi/evilpy", Ecosystem: "PyPI", Name: "evilpy",
					Locations:   []inventory.Location{{Path: "requirements.txt", Line: 1}},
					Evidence:    []string{"MAL-2099-2: introduced 0 (ECOSYSTEM)"},
					Remediation: "remove now: evilpy is a known malicious package",
					Via:         []string{"pkg:pypi/evilpy"},
					Source:      SourceOSV,
				},
			},
			skipped: []Skipped{{Component: "pkg:pypi/evilpy", Ecosystem: "PyPI", Name: "evilpy", Reason: SkipUnpinned}},
		},
		{
			name: "go-mod-toolchain-stdlib",
			graph: func() *inventory.Graph {
				b := newGraph().
					root("go.mod", inventory.KindManifest, map[string]string{"go": "1.22", "toolchain": "go1.22.1"}).
					root("tools/go.mod", inventory.KindManifest, map[string]string{"go": "1.21.5"}).
					root("old/go.mod", inventory.KindManifest, map[string]string{"go": "1.21"}).
					root("custom/go.mod", inventory.KindManifest, map[string]string{"go": "1.21", "toolchain": "default"}).
					root("bin/app", inventory.KindBinary, map[string]string{"go_version": "go1.22.1"})
				b.comp("bin/app", purl.Go, "stdlib", "v1.22.1", "bin/app", 0, nil)
				return b.g
			},
			osv: []string{"go-stdlib", "go-toolchain"},
			want: []finding.Finding{
				{
					ID: "CVE-2099-0200", Aliases: []string{"CVE-2099-0200", "GO-2099-0200"},
					Kind: finding.Vulnerability, Summary: "Excessive memory use in net/http",
					Component: "pkg:golang/stdlib@v1.21.5", Ecosystem: "Go", Name: "stdlib", Version: "v1.21.5",
					Locations: []inventory.Location{{Path: "tools/go.mod"}},
					Evidence: []string{
						"GO-2099-0200: introduced 0, fixed 1.21.11 (SEMVER)",
						"standard library of Go 1.21.5 (go directive) in tools/go.mod",
					},
					Fixed:       []string{"v1.21.11", "v1.22.4"},
					Remediation: "upgrade Go (stdlib) to >= v1.21.11",
					Source:      SourceOSV,
				},
				{
					ID: "CVE-2099-0200", Aliases: []string{"CVE-2099-0200", "GO-2099-0200"},
					Kind: finding.Vulnerability, Summary: "Excessive memory use in net/http",
					Component: "pkg:golang/stdlib@v1.22.1", Ecosystem: "Go", Name: "stdlib", Version: "v1.22.1",
					Locations: []inventory.Location{{Path: "bin/app"}, {Path: "go.mod"}},
					Evidence: []string{
						"GO-2099-0200: introduced 1.22.0-0, fixed 1.22.4 (SEMVER)",
						"standard library of Go go1.22.1 (toolchain directive) in go.mod",
					},
					Fixed:       []string{"v1.22.4"},
					Remediation: "upgrade Go (stdlib) to >= v1.22.4",
					Via:         []string{"pkg:golang/stdlib@v1.22.1"},
					Source:      SourceOSV,
				},
				{
					ID: "CVE-2099-0201", Aliases: []string{"CVE-2099-0201", "GO-2099-0201"},
					Kind: finding.Vulnerability, Summary: "Code execution in go get with a crafted module",
					Component: "pkg:golang/stdlib@v1.21.5", Ecosystem: "Go", Name: "stdlib", Version: "v1.21.5",
					Locations: []inventory.Location{{Path: "tools/go.mod"}},
					Evidence: []string{
						"GO-2099-0201: introduced 0, fixed 1.22.2 (SEMVER)",
						"standard library of Go 1.21.5 (go directive) in tools/go.mod",
					},
					Fixed:       []string{"v1.22.2"},
					Remediation: "upgrade Go (stdlib) to >= v1.22.2",
					Source:      SourceOSV,
				},
				{
					ID: "CVE-2099-0201", Aliases: []string{"CVE-2099-0201", "GO-2099-0201"},
					Kind: finding.Vulnerability, Summary: "Code execution in go get with a crafted module",
					Component: "pkg:golang/stdlib@v1.22.1", Ecosystem: "Go", Name: "stdlib", Version: "v1.22.1",
					Locations: []inventory.Location{{Path: "bin/app"}, {Path: "go.mod"}},
					Evidence: []string{
						"GO-2099-0201: introduced 0, fixed 1.22.2 (SEMVER)",
						"standard library of Go go1.22.1 (toolchain directive) in go.mod",
					},
					Fixed:       []string{"v1.22.2"},
					Remediation: "upgrade Go (stdlib) to >= v1.22.2",
					Via:         []string{"pkg:golang/stdlib@v1.22.1"},
					Source:      SourceOSV,
				},
			},
		},
		{
			name: "unknown-and-skipped",
			graph: func() *inventory.Graph {
				b := newGraph().root("go.mod", inventory.KindManifest, nil).root("package-lock.json", inventory.KindManifest, nil)
				b.comp("go.mod", purl.Go, "golang.org/x/text", "master", "go.mod", 4, nil)
				b.g.Add(inventory.Component{PURL: "pkg:golang/example.com/local", Ecosystem: purl.Go, Name: "example.com/local",
					Direct: true, Source: "../local", Locations: []inventory.Location{{Path: "go.mod", Line: 6}}})
				b.g.AddEdge("go.mod", "pkg:golang/example.com/local")
				b.g.Add(inventory.Component{PURL: "pkg:generic/blob@1", Name: "blob", Version: "1"})
				// A workflow's image: no advisory source has the ecosystem.
				b.g.Add(inventory.Component{PURL: purl.For(purl.Docker, "ghcr.io/acme/tool", "1.0", nil), Ecosystem: purl.Docker,
					Name: "ghcr.io/acme/tool", Version: "1.0", Direct: true})
				b.comp("package-lock.json", purl.NPM, "left-pad", "1.3.0", "package-lock.json", 8, nil)
				return b.g
			},
			osv: []string{"go-x-text", "ghsa-x-text"},
			eco: []string{"Go", "PyPI"},
			unknown: []Unknown{
				{Component: "pkg:golang/golang.org/x/text@master", Ecosystem: "Go", Name: "golang.org/x/text", Version: "master",
					ID: "GHSA-aaaa-0100-xxxx", Source: SourceOSV, Reason: `version "master" is not a semantic version`},
				{Component: "pkg:golang/golang.org/x/text@master", Ecosystem: "Go", Name: "golang.org/x/text", Version: "master",
					ID: "GO-2099-0100", Source: SourceOSV, Reason: `version "master" is not a semantic version`},
			},
			skipped: []Skipped{
				{Component: "pkg:docker/acme/tool@1.0?repository_url=ghcr.io", Name: "ghcr.io/acme/tool", Reason: SkipNoEcosystem},
				{Component: "pkg:generic/blob@1", Name: "blob", Reason: SkipNoEcosystem},
				{Component: "pkg:golang/example.com/local", Ecosystem: "Go", Name: "example.com/local", Reason: SkipNoVersion},
				{Component: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Name: "left-pad", Reason: SkipEcosystemNotLoaded},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := Options{Ecosystems: tt.eco}
			if tt.osv != nil {
				opt.Indexes = append(opt.Indexes, Source{Name: SourceOSV, Index: index(t, tt.osv...)})
			}
			opt.Indexes = append(opt.Indexes, Source{Name: "unused"}) // nil indexes are skipped
			if tt.known != nil {
				opt.Indexes = append(opt.Indexes, Source{Name: SourceKnown, Index: index(t, tt.known...)})
			}
			got, err := Match(context.Background(), tt.graph(), opt)
			if err != nil {
				t.Fatal(err)
			}
			want := &Result{Findings: tt.want, Unknown: tt.unknown, Skipped: tt.skipped}
			for _, l := range []*[]finding.Finding{&want.Findings} {
				if *l == nil {
					*l = []finding.Finding{}
				}
			}
			if want.Unknown == nil {
				want.Unknown = []Unknown{}
			}
			if want.Skipped == nil {
				want.Skipped = []Skipped{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Match (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKnownCompromises matches against the compromises embedded in vouch,
// beside a database record of the same incident.
func TestKnownCompromises(t *testing.T) {
	b := newGraph().
		root("var/lib/dpkg/status", inventory.KindRootFS, nil).
		root("package-lock.json", inventory.KindManifest, nil)
	b.comp("var/lib/dpkg/status", purl.Debian, "liblzma5", "5.6.1-1", "var/lib/dpkg/status", 7,
		map[string]string{"source": "xz-utils", "source_version": "5.6.1-1"})
	b.comp("package-lock.json", purl.NPM, "eslint-scope", "3.7.2", "package-lock.json", 40, nil)
	b.comp("package-lock.json", purl.NPM, "eslint-config-eslint", "5.0.1", "package-lock.json", 50, nil)
	type brief struct {
		Component   string
		ID          string
		Aliases     []string
		Kind        finding.Kind
		Severity    finding.Severity
		Score       float64
		Fixed       []string
		Remediation string
		Source      string
	}
	tests := []struct {
		name string
		db   *advisory.Index
		want []brief
	}{
		{
			name: "with-database",
			db:   index(t, "debian-xz-backdoor"),
			want: []brief{
				{
					// One finding for the database's record and the
					// known one; the database's CVSS is critical too.
					Component: "pkg:deb/debian/liblzma5@5.6.1-1", ID: "CVE-2024-3094",
					Aliases: []string{"CVE-2024-3094", "DEBIAN-CVE-2024-3094", "VOUCH-KNOWN-2024-0001"},
					Kind:    finding.Malicious, Severity: finding.Critical, Score: 10,
					Fixed:       []string{"5.6.1+really5.4.5-1"},
					Remediation: "remove now: liblzma5@5.6.1-1 is a known malicious release; a safe version is 5.6.1+really5.4.5-1",
					Source:      SourceKnown,
				},
				{
					Component: "pkg:npm/eslint-scope@3.7.2", ID: "GHSA-hxxf-q3w9-4xgw",
					Aliases: []string{"GHSA-hxxf-q3w9-4xgw", "VOUCH-KNOWN-2018-0001"},
					Kind:    finding.Malicious, Severity: finding.Critical,
					Remediation: "remove now: eslint-scope@3.7.2 is a known compromised release",
					Source:      SourceKnown,
				},
			},
		},
		{
			name: "without-database",
			want: []brief{
				{
					Component: "pkg:deb/debian/liblzma5@5.6.1-1", ID: "CVE-2024-3094",
					Aliases: []string{"CVE-2024-3094", "VOUCH-KNOWN-2024-0001"},
					Kind:    finding.Malicious, Severity: finding.Critical,
					Fixed:       []string{"5.6.1+really5.4.5-1"},
					Remediation: "remove now: liblzma5@5.6.1-1 is a known malicious release; a safe version is 5.6.1+really5.4.5-1",
					Source:      SourceKnown,
				},
				{
					Component: "pkg:npm/eslint-scope@3.7.2", ID: "GHSA-hxxf-q3w9-4xgw",
					Aliases: []string{"GHSA-hxxf-q3w9-4xgw", "VOUCH-KNOWN-2018-0001"},
					Kind:    finding.Malicious, Severity: finding.Critical,
					Remediation: "remove now: eslint-scope@3.7.2 is a known compromised release",
					Source:      SourceKnown,
				},
			},
		},
	}
	for _, tt := range tests {
		res, err := Match(context.Background(), b.g, Options{Indexes: Sources(tt.db)})
		if err != nil {
			t.Fatal(err)
		}
		var got []brief
		for _, f := range res.Findings {
			got = append(got, brief{f.Component, f.ID, f.Aliases, f.Kind, f.Severity, f.Score, f.Fixed, f.Remediation, f.Source})
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: findings (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestToolchainVersion(t *testing.T) {
	tests := map[string]string{
		"go1.22.3":       "v1.22.3",
		"go1.22":         "v1.22.0",
		"go1.21rc2":      "v1.21.0-rc.2",
		"go1.21beta1":    "v1.21.0-beta.1",
		"go1.22.3-corp":  "v1.22.3",
		"go1.22.3+auto":  "v1.22.3",
		"default":        "",
		"go":             "",
		"go1":            "",
		"go1.2.3.4":      "",
		"go1.02.3":       "",
		"go1.21rc":       "",
		"devel go1.23-x": "",
		"gox.y.z":        "",
	}
	for in, want := range tests {
		if got := toolchainVersion(in); got != want {
			t.Errorf("toolchainVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEcosystems(t *testing.T) {
	b := newGraph().
		root("go.mod", inventory.KindManifest, map[string]string{"toolchain": "go1.22.1"}).
		root("var/lib/dpkg/status", inventory.KindRootFS, nil)
	b.comp("var/lib/dpkg/status", "Debian:12", "libc6", "2.36-9", "var/lib/dpkg/status", 1, nil)
	b.comp("var/lib/dpkg/status", "Ubuntu:22.04", "libc6", "2.35-0ubuntu3", "var/lib/dpkg/status", 9, nil)
	b.g.Add(inventory.Component{PURL: "pkg:generic/blob@1", Name: "blob", Version: "1"})
	// Go only through the go.mod's toolchain.
	if got, want := Ecosystems(b.g), []string{"Debian", "Go", "Ubuntu"}; !cmp.Equal(got, want) {
		t.Errorf("Ecosystems = %v, want %v", got, want)
	}
	if got := Ecosystems(inventory.New()); len(got) != 0 {
		t.Errorf("Ecosystems(empty) = %v, want none", got)
	}
}

// TestRemediationVia checks how the direct dependencies to bump are named.
func TestRemediationVia(t *testing.T) {
	b := newGraph().root("go.mod", inventory.KindManifest, nil).root("tools/go.mod", inventory.KindManifest, nil)
	var direct []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		direct = append(direct, b.comp("go.mod", purl.Go, "example.com/"+n, "v1.0.0", "go.mod", 1, nil))
	}
	for _, d := range direct {
		b.comp(d, purl.Go, "golang.org/x/text", "v0.3.7", "go.mod", 9, nil)
	}
	// Direct in one module and transitive in another: bump it itself.
	b.comp("tools/go.mod", purl.Go, "golang.org/x/text", "v0.3.6", "tools/go.mod", 3, nil)
	b.comp(direct[0], purl.Go, "golang.org/x/text", "v0.3.6", "go.mod", 10, nil)
	res, err := Match(context.Background(), b.g, Options{Indexes: []Source{{Name: SourceOSV, Index: index(t, "go-x-text")}}})
	if err != nil {
		t.Fatal(err)
	}
	type brief struct{ Component, Remediation string }
	var got []brief
	for _, f := range res.Findings {
		got = append(got, brief{f.Component, f.Remediation})
	}
	want := []brief{
		{"pkg:golang/golang.org/x/text@v0.3.6", "upgrade golang.org/x/text to >= v0.3.8"},
		{"pkg:golang/golang.org/x/text@v0.3.7", "upgrade golang.org/x/text (via direct dependencies example.com/a, example.com/b, example.com/c and 2 more) to >= v0.3.8"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("remediations (-want +got):\n%s", diff)
	}
}

func TestEvidenceRanges(t *testing.T) {
	tests := []struct {
		name    string
		version string
		ranges  []advisory.Range
		want    string
	}{
		{"second-interval", "1.3.1", []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{
			{Introduced: "0"}, {Fixed: "1.2.3"}, {Introduced: "1.3.0"}, {Fixed: "1.3.5"}}}},
			"introduced 1.3.0, fixed 1.3.5 (ECOSYSTEM)"},
		{"last-affected", "1.9", []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{
			{Introduced: "1.0"}, {LastAffected: "1.9.9"}}}},
			"introduced 1.0, last affected 1.9.9 (ECOSYSTEM)"},
		{"open-ended", "7.0", []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{{Introduced: "2.0"}}}},
			"introduced 2.0 (ECOSYSTEM)"},
		{"limit", "1.5", []advisory.Range{{Type: "ECOSYSTEM", Events: []advisory.Event{
			{Introduced: "1.0"}, {Limit: "2.0"}}}},
			"introduced 1.0, limit 2.0 (ECOSYSTEM)"},
		{"listed", "0.9", nil, "version listed"},
		{"commit", "0123456789abcdef0123456789abcdef01234567", []advisory.Range{{Type: "GIT", Repo: "https://github.com/example/pkg",
			Events: []advisory.Event{{Introduced: "0123456789abcdef0123456789abcdef01234567"}, {Fixed: "89abcdef0123456789abcdef0123456789abcdef"}}}},
			"introduced 0123456789abcdef0123456789abcdef01234567, fixed 89abcdef0123456789abcdef0123456789abcdef (GIT https://github.com/example/pkg)"},
	}
	for _, tt := range tests {
		rec := &advisory.Vulnerability{ID: "PYSEC-1", Affected: []advisory.Affected{{
			Package: advisory.Package{Ecosystem: "PyPI", Name: "example-pkg"}, Ranges: tt.ranges, Versions: []string{"0.9"},
		}}}
		ix := advisory.NewIndex([]*advisory.Vulnerability{rec})
		if ok, err := ix.Affects(rec, "PyPI", "example-pkg", tt.version); !ok {
			t.Fatalf("%s: record does not affect %s (%v)", tt.name, tt.version, err)
		}
		got := matchedRange(hit{rec: rec, ix: ix}, target{ecosystem: "PyPI", names: []string{"example-pkg"}, version: tt.version})
		if got != tt.want {
			t.Errorf("%s: matchedRange = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMatchCancelled(t *testing.T) {
	b := newGraph().root("go.mod", inventory.KindManifest, nil)
	b.comp("go.mod", purl.Go, "golang.org/x/text", "v0.3.7", "go.mod", 1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Match(ctx, b.g, Options{Indexes: []Source{{Name: SourceOSV, Index: index(t, "go-x-text")}}}); err != context.Canceled {
		t.Errorf("Match with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestPackages(t *testing.T) {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "go.mod", Kind: inventory.KindManifest, Properties: map[string]string{"toolchain": "go1.22.3"}})
	for _, c := range []inventory.Component{
		{PURL: "pkg:golang/golang.org/x/net@v0.1.0", Ecosystem: "Go", Name: "golang.org/x/net", Version: "v0.1.0"},
		{PURL: "pkg:deb/debian/liblzma5@5.6.1-1", Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.6.1-1",
			Properties: map[string]string{"source": "xz-utils", "source_version": "5.6.1-1"}},
		{PURL: "pkg:pypi/jw-util@2.2", Ecosystem: "PyPI", Name: "jw-util", Version: "2.2"},
	} {
		g.Add(c)
	}
	want := map[string][]string{
		"Debian": {"xz-utils"},
		"Go":     {"golang.org/x/net", "stdlib", "toolchain"},
		"PyPI":   {"jw-util"},
	}
	if diff := cmp.Diff(want, Packages(g)); diff != "" {
		t.Errorf("Packages (-want +got):\n%s", diff)
	}
}
