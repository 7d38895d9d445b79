package spdx

import (
	"bytes"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/sbom/internal/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func encodeOptions() Options {
	return Options{Name: "example", Version: "1.0.0", ToolVersion: "0.1.0-test", Timestamp: sbomtest.FixedTime}
}

func TestRoundTrip(t *testing.T) {
	want := sbomtest.EveryField()
	var buf bytes.Buffer
	if err := Encode(&buf, want, encodeOptions()); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()), DecodeOptions{Path: "out/bom.spdx.json"})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	extracttest.Diff(t, extracttest.Flatten(want), got)
}

func TestSchema(t *testing.T) {
	for _, tt := range []struct {
		name string
		g    *inventory.Graph
	}{{"every field", sbomtest.EveryField()}, {"empty graph", inventory.New()}} {
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
	if err := Encode(&buf, sbomtest.EveryField(), encodeOptions()); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	sbomtest.Golden(t, filepath.Join("testdata", "every-field.golden.spdx.json"), buf.Bytes(), *update)
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
	a := encode(sbomtest.EveryField(), encodeOptions())
	if !strings.HasPrefix(a, "https://spdx.org/spdxdocs/example@1.0.0-") {
		t.Errorf("namespace %q does not follow the spdx.org/spdxdocs convention", a)
	}
	if b := encode(sbomtest.EveryField(), encodeOptions()); a != b {
		t.Errorf("same graph and time give namespaces %q and %q", a, b)
	}
	later := encodeOptions()
	later.Timestamp = sbomtest.FixedTime.Add(time.Second)
	if b := encode(sbomtest.EveryField(), later); a == b {
		t.Errorf("a later document has the same namespace %q", a)
	}
	g := sbomtest.EveryField()
	g.Add(inventory.Component{PURL: purl.For(purl.NPM, "extra", "1.0.0", nil), Ecosystem: purl.NPM, Name: "extra", Version: "1.0.0"})
	if b := encode(g, encodeOptions()); a == b {
		t.Errorf("a different graph has the same namespace %q", a)
	}
}

func TestEncodeNeedsTimestamp(t *testing.T) {
	err := Encode(&bytes.Buffer{}, sbomtest.EveryField(), Options{Name: "x"})
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
	extracttest.Diff(t, extracttest.Graph{Roots: want.roots, Components: want.comps, Edges: want.edges}, got)
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
			checkGraph(t, tt.want, sbomtest.DecodeFixture(t, codec, tt.file))
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
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: opt.Path, Line: tt.line, Column: tt.col, Msg: tt.want})
			if errors.Is(err, extract.ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
		})
	}
}
