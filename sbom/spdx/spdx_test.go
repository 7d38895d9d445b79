package spdx

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedTime is the timestamp of every BOM the tests write.
var fixedTime = time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)

// everyField is a graph using every field the encoders must carry: roots of
// each kind with and without names, npm scopes, Go, PyPI, Debian with
// qualifiers, Maven, h1 and SHA-512 hashes, licence ids, expressions and
// free text, located and unlocated components, properties, dev, optional,
// peer, build and test scopes, an unpinned requirement and sources.
func everyField() *inventory.Graph {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "web/package-lock.json", Kind: inventory.KindManifest,
		PURL: purl.For(purl.NPM, "@acme/web", "1.2.0", nil), Name: "@acme/web", Version: "1.2.0",
		Properties: map[string]string{"lockfileVersion": "3"}})
	g.AddRoot(inventory.Root{ID: "bin/server", Kind: inventory.KindBinary,
		PURL: purl.For(purl.Go, "example.com/server", "v0.3.1", nil), Name: "example.com/server", Version: "v0.3.1",
		Properties: map[string]string{"go_version": "go1.22.1"}})
	g.AddRoot(inventory.Root{ID: "var/lib/dpkg/status", Kind: inventory.KindRootFS,
		Properties: map[string]string{"distro": "debian-12"}})
	g.AddRoot(inventory.Root{ID: "requirements.txt", Kind: inventory.KindManifest})
	g.AddRoot(inventory.Root{ID: "pom.xml", Kind: inventory.KindManifest,
		PURL: purl.For(purl.Maven, "com.example:app", "1.0.0", nil), Name: "com.example:app", Version: "1.0.0"})

	babel := purl.For(purl.NPM, "@babel/core", "7.24.0", nil)
	lodash := purl.For(purl.NPM, "lodash", "4.17.21", nil)
	fsevents := purl.For(purl.NPM, "fsevents", "2.3.3", nil)
	leftpad := purl.For(purl.NPM, "left-pad", "1.3.0", nil)
	cobra := purl.For(purl.Go, "github.com/spf13/cobra", "v1.8.0", nil)
	xsys := purl.For(purl.Go, "golang.org/x/sys", "v0.18.0", nil)
	requests := purl.For(purl.PyPI, "requests", "", nil)
	pytest := purl.For(purl.PyPI, "pytest", "8.0.0", nil)
	libc := purl.For("Debian:12", "libc6", "2.36-9+deb12u4", map[string]string{"arch": "amd64"})
	lzma := purl.For("Debian:12", "liblzma5", "5.4.1-0.2", map[string]string{"arch": "amd64"})
	log4j := purl.For(purl.Maven, "org.apache.logging.log4j:log4j-core", "2.17.1", nil)

	lock := "web/package-lock.json"
	g.Add(inventory.Component{PURL: babel, Ecosystem: purl.NPM, Name: "@babel/core", Version: "7.24.0",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"MIT"},
		Hashes:     []inventory.Hash{{Algorithm: "SHA-512", Value: strings.Repeat("ab", 64)}},
		Locations:  []inventory.Location{{Path: lock, Line: 12}},
		Properties: map[string]string{"resolved": "https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz"}})
	g.Add(inventory.Component{PURL: lodash, Ecosystem: purl.NPM, Name: "lodash", Version: "4.17.21",
		Scope: inventory.ScopeDev, Licenses: []string{"MIT OR Apache-2.0"},
		Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: strings.Repeat("0f", 20)}},
		Locations: []inventory.Location{{Path: lock, Line: 40}, {Path: "other/package-lock.json", Line: 7}}})
	g.Add(inventory.Component{PURL: fsevents, Ecosystem: purl.NPM, Name: "fsevents", Version: "2.3.3",
		Direct: true, Scope: inventory.ScopeOptional, Licenses: []string{"see LICENSE file"},
		Locations: []inventory.Location{{Path: lock, Line: 60}}})
	g.Add(inventory.Component{PURL: leftpad, Ecosystem: purl.NPM, Name: "left-pad", Version: "1.3.0",
		Direct: true, Scope: inventory.ScopePeer, Source: "git+https://github.com/example/left-pad.git#5b6c2a1",
		Locations: []inventory.Location{{Path: lock, Line: 75}}})
	g.Add(inventory.Component{PURL: cobra, Ecosystem: purl.Go, Name: "github.com/spf13/cobra", Version: "v1.8.0",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"Apache-2.0"},
		Hashes: []inventory.Hash{
			{Algorithm: "SHA-256", Value: strings.Repeat("c3", 32)},
			{Algorithm: "h1", Value: "A5lFVzNT8FNeS8Bg3HxFAUxWpLphM/JkZRcAz3E6hMg="},
		},
		Locations: []inventory.Location{{Path: "bin/server"}}})
	g.Add(inventory.Component{PURL: xsys, Ecosystem: purl.Go, Name: "golang.org/x/sys", Version: "v0.18.0",
		Scope:     inventory.ScopeRuntime,
		Hashes:    []inventory.Hash{{Algorithm: "h1", Value: "kUk+ytaGRMAXR9rVMHnubK5QwC6bJyXwbuVG9zwV3Bs="}},
		Locations: []inventory.Location{{Path: "bin/server"}, {Path: "odd:7"}}})
	g.Add(inventory.Component{PURL: requests, Ecosystem: purl.PyPI, Name: "requests", Direct: true,
		Scope: inventory.ScopeRuntime, Unpinned: true, Licenses: []string{"Apache-2.0", "BSD"},
		Locations:  []inventory.Location{{Path: "requirements.txt", Line: 3}},
		Properties: map[string]string{"specifier": ">=2.31"}})
	g.Add(inventory.Component{PURL: pytest, Ecosystem: purl.PyPI, Name: "pytest", Version: "8.0.0", Direct: true,
		Scope: inventory.ScopeTest, Locations: []inventory.Location{{Path: "requirements.txt", Line: 4}}})
	g.Add(inventory.Component{PURL: libc, Ecosystem: "Debian:12", Name: "libc6", Version: "2.36-9+deb12u4",
		Direct: true, Licenses: []string{"LGPL-2.1-or-later AND GPL-2.0-or-later WITH GCC-exception-3.1"},
		Hashes:     []inventory.Hash{{Algorithm: "MD5", Value: strings.Repeat("1e", 16)}},
		Locations:  []inventory.Location{{Path: "var/lib/dpkg/status", Line: 120}},
		Properties: map[string]string{"source": "glibc", "source_version": "2.36-9+deb12u4"}})
	g.Add(inventory.Component{PURL: lzma, Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.4.1-0.2",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"0BSD", "LicenseRef-public-domain"},
		Locations:  []inventory.Location{{Path: "var/lib/dpkg/status", Line: 200}},
		Properties: map[string]string{"source": "xz-utils"}})
	g.Add(inventory.Component{PURL: log4j, Ecosystem: purl.Maven, Name: "org.apache.logging.log4j:log4j-core",
		Version: "2.17.1", Direct: true, Scope: inventory.ScopeBuild, Licenses: []string{"Apache-2.0"},
		Source:    "./libs/log4j-core-2.17.1.jar",
		Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: strings.Repeat("4a", 20)}},
		Locations: []inventory.Location{{Path: "pom.xml", Line: 31}}})

	for _, e := range [][2]string{
		{lock, babel}, {lock, fsevents}, {lock, leftpad}, {babel, lodash},
		{"bin/server", cobra}, {cobra, xsys},
		{"var/lib/dpkg/status", libc}, {"var/lib/dpkg/status", lzma}, {lzma, libc},
		{"requirements.txt", requests}, {"requirements.txt", pytest},
		{"pom.xml", log4j},
	} {
		g.AddEdge(e[0], e[1])
	}
	return g
}

func encodeOptions() Options {
	return Options{Name: "example", Version: "1.0.0", ToolVersion: "0.1.0-test", Timestamp: fixedTime}
}

func diffGraphs(t *testing.T, want, got *inventory.Graph) {
	t.Helper()
	if diff := cmp.Diff(want.Roots(), got.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Components(), got.Components()); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Edges(), got.Edges()); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	want := everyField()
	var buf bytes.Buffer
	if err := Encode(&buf, want, encodeOptions()); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()), DecodeOptions{Path: "out/bom.spdx.json"})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	diffGraphs(t, want, got)
}

func TestSchema(t *testing.T) {
	for _, tt := range []struct {
		name string
		g    *inventory.Graph
	}{{"every field", everyField()}, {"empty graph", inventory.New()}} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, tt.g, encodeOptions()); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			schematest.Validate(t, "spdx-2.3.schema.json", buf.Bytes())
		})
	}
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, everyField(), encodeOptions()); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	golden := filepath.Join("testdata", "every-field.golden.spdx.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s differs (-want +got); run with -update if the change is intended:\n%s", golden, diff)
	}
}

func TestNamespace(t *testing.T) {
	encode := func(g *inventory.Graph, opt Options) string {
		t.Helper()
		var buf bytes.Buffer
		if err := Encode(&buf, g, opt); err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(buf.String(), `"documentNamespace": "`)
		if !ok {
			t.Fatalf("no documentNamespace")
		}
		ns, _, _ := strings.Cut(rest, `"`)
		return ns
	}
	a := encode(everyField(), encodeOptions())
	if !strings.HasPrefix(a, "https://spdx.org/spdxdocs/example@1.0.0-") {
		t.Errorf("namespace %q does not follow the spdx.org/spdxdocs convention", a)
	}
	if b := encode(everyField(), encodeOptions()); a != b {
		t.Errorf("same graph and time give namespaces %q and %q", a, b)
	}
	later := encodeOptions()
	later.Timestamp = fixedTime.Add(time.Second)
	if b := encode(everyField(), later); a == b {
		t.Errorf("a later document has the same namespace %q", a)
	}
	g := everyField()
	g.Add(inventory.Component{PURL: purl.For(purl.NPM, "extra", "1.0.0", nil), Ecosystem: purl.NPM, Name: "extra", Version: "1.0.0"})
	if b := encode(g, encodeOptions()); a == b {
		t.Errorf("a different graph has the same namespace %q", a)
	}
}

func TestEncodeNeedsTimestamp(t *testing.T) {
	err := Encode(&bytes.Buffer{}, everyField(), Options{Name: "x"})
	if err == nil || !strings.Contains(err.Error(), "timestamp is required") {
		t.Errorf("Encode without a timestamp: error %v, want one saying it is required", err)
	}
}

// graphWant is a decoded graph spelled out in full.
type graphWant struct {
	roots []*inventory.Root
	comps []*inventory.Component
	edges []inventory.Edge
}

func checkGraph(t *testing.T, want graphWant, got *inventory.Graph) {
	t.Helper()
	if diff := cmp.Diff(want.roots, got.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.comps, got.Components()); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.edges, got.Edges()); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

func TestDecodeThirdParty(t *testing.T) {
	const (
		syft    = "sboms/syft-image.spdx.json"
		trivy   = "sboms/trivy-fs.spdx.json"
		github  = "sboms/github-dependency-graph.spdx.json"
		old     = "sboms/syft-dir-2.2.spdx.json"
		libc    = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
		lzma    = "pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12&upstream=xz-utils"
		log4j   = "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"
		debug   = "pkg:npm/debug@2.6.9"
		express = "pkg:npm/express@4.19.2"
		jest    = "pkg:npm/jest@29.7.0"
		node    = "pkg:npm/%40types/node@20.12.7"
		actions = "pkg:githubactions/actions/checkout@4.%2A.%2A"
		flask   = "pkg:pypi/flask@3.0.0"
		reqs    = "pkg:pypi/requests@2.31.0"
	)
	rt := inventory.ScopeRuntime
	tests := []struct {
		file string
		want graphWant
	}{
		{
			// syft: the described image is the root's subject and
			// CONTAINS every package; DEPENDENCY_OF points from the
			// dependency; files and the file relationship are ignored;
			// checksums are lowered and named as vouch names them.
			file: "syft-image.spdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: syft, Kind: inventory.KindSBOM, Name: "debian",
					PURL:       "pkg:oci/debian@sha256%3A7b2b3c1f0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b?arch=amd64&tag=12",
					Version:    "sha256:7b2b3c1f0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b",
					Properties: map[string]string{"sbom_format": "SPDX", "sbom_spec_version": "SPDX-2.3", "sbom_tool": "syft-1.4.1"}}},
				comps: []*inventory.Component{
					{PURL: libc, Ecosystem: "Debian:12", Name: "libc6", Version: "2.36-9+deb12u4", Direct: true, Scope: rt,
						Licenses: []string{"GPL-2.0-only AND LGPL-2.1-only"}, Locations: loc(syft, 18)},
					{PURL: lzma, Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.4.1-0.2", Direct: true, Scope: rt,
						Licenses: []string{"0BSD AND LicenseRef-PD"}, Locations: loc(syft, 42)},
					{PURL: log4j, Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1", Direct: true, Scope: rt,
						Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: "779f60f3844dadc3ef597976fcb1e5127b1f343d"}},
						Locations: loc(syft, 60)},
				},
				edges: []inventory.Edge{{From: lzma, To: libc}, {From: syft, To: libc}, {From: syft, To: lzma}, {From: syft, To: log4j}},
			},
		},
		{
			// trivy: the purl-less "package-lock.json" application is
			// folded into the root, so what it CONTAINS is direct;
			// DEV_DEPENDENCY_OF gives the dev scope.
			file: "trivy-fs.spdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: trivy, Kind: inventory.KindSBOM, Name: "web",
					Properties: map[string]string{"sbom_format": "SPDX", "sbom_spec_version": "SPDX-2.3", "sbom_tool": "trivy-0.50.1"}}},
				comps: []*inventory.Component{
					{PURL: debug, Ecosystem: "npm", Name: "debug", Version: "2.6.9", Scope: rt, Licenses: []string{"MIT"}, Locations: loc(trivy, 65)},
					{PURL: express, Ecosystem: "npm", Name: "express", Version: "4.19.2", Direct: true, Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(trivy, 39)},
					{PURL: jest, Ecosystem: "npm", Name: "jest", Version: "29.7.0", Direct: true, Scope: inventory.ScopeDev,
						Licenses: []string{"MIT"}, Locations: loc(trivy, 83)},
				},
				edges: []inventory.Edge{{From: express, To: debug}, {From: trivy, To: express}, {From: trivy, To: jest}},
			},
		},
		{
			// GitHub's export: the repository is the subject and
			// DEPENDS_ON everything; licences are only concluded; an
			// unmapped PURL type keeps the package's own name.
			file: "github-dependency-graph.spdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: github, Kind: inventory.KindSBOM, Name: "acme/web", PURL: "pkg:github/acme/web",
					Properties: map[string]string{"sbom_format": "SPDX", "sbom_spec_version": "SPDX-2.3", "sbom_tool": "protobom-v0.0.13"}}},
				comps: []*inventory.Component{
					{PURL: actions, Name: "actions:actions/checkout", Version: "4.*.*", Direct: true, Scope: rt, Locations: loc(github, 64)},
					{PURL: node, Ecosystem: "npm", Name: "@types/node", Version: "20.12.7", Direct: true, Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(github, 49)},
					{PURL: express, Ecosystem: "npm", Name: "express", Version: "4.19.2", Direct: true, Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(github, 32)},
				},
				edges: []inventory.Edge{{From: github, To: actions}, {From: github, To: node}, {From: github, To: express}},
			},
		},
		{
			// SPDX 2.2 from an older syft: converted to 2.3, PACKAGE_MANAGER
			// with an underscore, a document that describes itself, no
			// relationships (every package direct), NONE as no licence.
			file: "syft-dir-2.2.spdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: old, Kind: inventory.KindSBOM, Name: "dir-app",
					Properties: map[string]string{"sbom_format": "SPDX", "sbom_spec_version": "SPDX-2.2", "sbom_tool": "syft-0.68.1"}}},
				comps: []*inventory.Component{
					{PURL: flask, Ecosystem: "PyPI", Name: "flask", Version: "3.0.0", Direct: true, Scope: rt,
						Licenses: []string{"BSD-3-Clause"}, Locations: loc(old, 37)},
					{PURL: reqs, Ecosystem: "PyPI", Name: "requests", Version: "2.31.0", Direct: true, Scope: rt,
						Licenses: []string{"Apache-2.0"}, Locations: loc(old, 20)},
				},
				edges: []inventory.Edge{{From: old, To: flask}, {From: old, To: reqs}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			g, err := Decode(f, DecodeOptions{Path: "sboms/" + tt.file})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			checkGraph(t, tt.want, g)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	many := `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[` +
		strings.Repeat(`{"SPDXID":"SPDXRef-a","name":"a","downloadLocation":"NONE"},`, 10) +
		`{"SPDXID":"SPDXRef-b","name":"b","downloadLocation":"NONE"}]}`
	tests := []struct {
		name      string
		data      string
		opt       DecodeOptions
		line, col int
		want      string
		tooLarge  bool
	}{
		{name: "truncated", data: "{\n  \"spdxVersion\": \"SPDX-2.3\",\n  \"packages\": [\n", line: 4, col: 1,
			want: "unexpected end of JSON input"},
		{name: "binary garbage", data: "\x7fELF\x02\x01", line: 1, col: 1, want: "invalid character"},
		{name: "wrong type in a package", data: "{\"spdxVersion\": \"SPDX-2.3\",\n\"packages\": [\n{\"SPDXID\": \"SPDXRef-a\",\n \"versionInfo\": 7}]}",
			line: 4, want: "cannot unmarshal number"},
		{name: "bad element id", data: "{\"spdxVersion\": \"SPDX-2.3\",\n\"packages\": [{\"SPDXID\": \"Package-a\"}]}",
			want: "failed to parse ElementID"},
		{name: "unsupported version", data: "{\n  \"spdxVersion\": \"SPDX-3.0\"}", line: 2, want: "unsupported spdxVersion SPDX-3.0"},
		{name: "not spdx", data: `{"bomFormat": "CycloneDX"}`, want: "not an spdx document"},
		{name: "json array", data: `[1]`, line: 1, want: "cannot unmarshal array"},
		{name: "too deep for json", data: strings.Repeat(`{"a":`, 20000), line: 1, want: "exceeded max depth"},
		{name: "too many packages", data: many, opt: DecodeOptions{MaxPackages: 5}, want: "more than 5 packages", tooLarge: true},
		{name: "too large", data: many, opt: DecodeOptions{MaxSize: 64}, want: "limit 64 bytes", tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.Path = "in/bad.spdx.json"
			g, err := Decode(strings.NewReader(tt.data), opt)
			if err == nil {
				t.Fatalf("Decode succeeded with %d components, want an error", g.Len())
			}
			var xe *extract.Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %T %v is not an *extract.Error", err, err)
			}
			if xe.Path != opt.Path || xe.Line != tt.line || (tt.col != 0 && xe.Column != tt.col) {
				t.Errorf("error at %s:%d:%d, want %s:%d:%d (%v)", xe.Path, xe.Line, xe.Column, opt.Path, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if errors.Is(err, extract.ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
		})
	}
}
