package cyclonedx

import (
	"bytes"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/sbom/internal/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func encodeOptions(spec string) Options {
	return Options{SpecVersion: spec, Name: "example", Version: "1.0.0", ToolVersion: "0.1.0-test", Timestamp: sbomtest.FixedTime}
}

func TestRoundTrip(t *testing.T) {
	for _, spec := range []string{"1.6", "1.7"} {
		t.Run(spec, func(t *testing.T) {
			want := sbomtest.EveryField()
			var buf bytes.Buffer
			if err := Encode(&buf, want, encodeOptions(spec)); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := Decode(bytes.NewReader(buf.Bytes()), DecodeOptions{Path: "out/bom.cdx.json"})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			extracttest.Diff(t, extracttest.Flatten(want), got)
		})
	}
}

func TestSchema(t *testing.T) {
	for _, spec := range []string{"1.6", "1.7"} {
		t.Run(spec, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, sbomtest.EveryField(), encodeOptions(spec)); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			schematest.Validate(t, "cyclonedx/bom-"+spec+".schema.json", buf.Bytes())
		})
	}
	t.Run("empty graph", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Encode(&buf, inventory.New(), Options{}); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		schematest.Validate(t, "cyclonedx/bom-1.6.schema.json", buf.Bytes())
	})
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sbomtest.EveryField(), encodeOptions("")); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	sbomtest.Golden(t, filepath.Join("testdata", "every-field.golden.cdx.json"), buf.Bytes(), *update)
}

func TestDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Encode(&a, sbomtest.EveryField(), encodeOptions("")); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&b, sbomtest.EveryField(), encodeOptions("")); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("two encodings of the same graph differ")
	}
	// A different graph gets a different serial number.
	g := sbomtest.EveryField()
	g.Add(inventory.Component{PURL: purl.For(purl.NPM, "extra", "1.0.0", nil), Ecosystem: purl.NPM, Name: "extra", Version: "1.0.0"})
	var c bytes.Buffer
	if err := Encode(&c, g, encodeOptions("")); err != nil {
		t.Fatal(err)
	}
	if serial(t, a.Bytes()) == serial(t, c.Bytes()) {
		t.Errorf("different graphs share serial number %s", serial(t, a.Bytes()))
	}
	// A given serial number is kept.
	opt := encodeOptions("")
	opt.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	var d bytes.Buffer
	if err := Encode(&d, g, opt); err != nil {
		t.Fatal(err)
	}
	if got := serial(t, d.Bytes()); got != opt.SerialNumber {
		t.Errorf("serial = %s, want %s", got, opt.SerialNumber)
	}
}

func serial(t *testing.T, bom []byte) string {
	t.Helper()
	_, rest, ok := strings.Cut(string(bom), `"serialNumber": "`)
	if !ok {
		t.Fatalf("no serialNumber in BOM")
	}
	s, _, _ := strings.Cut(rest, `"`)
	return s
}

func TestEncodeOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"spec 1.5", Options{SpecVersion: "1.5"}, `unsupported spec version "1.5"`},
		{"serial not a uuid", Options{SerialNumber: "urn:uuid:nope"}, `serial number "urn:uuid:nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, sbomtest.EveryField(), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLocationFormat(t *testing.T) {
	for _, l := range []inventory.Location{
		{Path: "a/b.json"}, {Path: "a/b.json", Line: 9}, {Path: "c:7"}, {Path: "c:7", Line: 2}, {Path: "c:"},
	} {
		if got := parseLocation(formatLocation(l)); got != l {
			t.Errorf("parseLocation(formatLocation(%v)) = %v", l, got)
		}
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
		syft     = "sboms/syft-alpine.cdx.json"
		npm      = "sboms/cyclonedx-npm.cdx.json"
		maven    = "sboms/maven.cdx.xml"
		nodeps   = "sboms/no-dependencies.cdx.json"
		trivy    = "sboms/trivy-fs.cdx.json"
		express  = "pkg:npm/express@4.19.2"
		debug269 = "pkg:npm/debug@2.6.9"
		busybox  = "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1"
		musl     = "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
		sslc     = "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox"
		alpine   = "pkg:generic/alpine@3.19.1"
		cobra    = "pkg:golang/github.com/spf13/cobra@v1.8.0"
		babel    = "pkg:npm/%40babel/core@7.24.0"
		debug    = "pkg:npm/debug@4.3.4"
		eslint   = "pkg:npm/eslint@8.57.0"
		semver   = "pkg:npm/semver@6.3.1"
		tsc      = "pkg:npm/typescript@5.4.5"
		junit    = "pkg:maven/junit/junit@4.13.2?type=jar"
		l4japi   = "pkg:maven/org.apache.logging.log4j/log4j-api@2.17.1?type=jar"
		l4jcore  = "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar"
		flask    = "pkg:pypi/flask@2.3.2"
		vendor   = "pkg:generic/vendored-lib@0.9"
	)
	rt := inventory.ScopeRuntime
	tests := []struct {
		file string
		want graphWant
	}{
		{
			// syft: the image is metadata.component and depends on
			// nothing, so nothing is direct; packages no other one
			// reaches hang off the root. The OS without a purl becomes
			// a generic component; package-id qualifiers of bom-refs do
			// not leak into PURLs; qualifiers are put in canonical order.
			file: "syft-alpine.cdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: syft, Kind: inventory.KindSBOM, Name: "alpine",
					Version:    "sha256:9cee2b382fe2412cd77d5d437d15a93da8de373813621f2e4d406e3df0cf0e7c",
					Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.6", "sbom_tool": "syft 1.4.1"}}},
				comps: []*inventory.Component{
					{PURL: busybox, Ecosystem: "Alpine:v3.19", Name: "busybox", Version: "1.36.1-r15", Scope: rt,
						Licenses: []string{"GPL-2.0-only"}, Locations: loc(syft, 28)},
					{PURL: musl, Ecosystem: "Alpine:v3.19", Name: "musl", Version: "1.2.4_git20230717-r4", Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(syft, 69)},
					{PURL: sslc, Ecosystem: "Alpine:v3.19", Name: "ssl_client", Version: "1.36.1-r15", Scope: rt,
						Licenses: []string{"GPL-2.0-only AND MIT"}, Locations: loc(syft, 96)},
					{PURL: alpine, Name: "alpine", Version: "3.19.1", Scope: rt, Locations: loc(syft, 131)},
					{PURL: cobra, Ecosystem: "Go", Name: "github.com/spf13/cobra", Version: "v1.8.0", Scope: rt,
						Hashes:    []inventory.Hash{{Algorithm: "SHA-256", Value: "0c8d3e5f7a9b1c2d4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d"}},
						Locations: loc(syft, 108)},
				},
				edges: []inventory.Edge{
					{From: busybox, To: musl}, {From: sslc, To: musl},
					{From: syft, To: busybox}, {From: syft, To: sslc}, {From: syft, To: alpine}, {From: syft, To: cobra},
				},
			},
		},
		{
			// cyclonedx-npm: group holds the scope, nested node_modules
			// are flattened, "optional" and "excluded" scopes map to
			// optional and dev, a named licence stays free text.
			file: "cyclonedx-npm.cdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: npm, Kind: inventory.KindSBOM, PURL: "pkg:npm/%40acme/web@1.2.0",
					Name: "@acme/web", Version: "1.2.0",
					Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.5", "sbom_tool": "cyclonedx-npm 1.19.3"}}},
				comps: []*inventory.Component{
					{PURL: babel, Ecosystem: "npm", Name: "@babel/core", Version: "7.24.0", Direct: true, Scope: rt,
						Licenses: []string{"MIT"}, Hashes: []inventory.Hash{{Algorithm: "SHA-512",
							Value: "ac2fd8f7fc0ca8d4fd6d3a3b1e2ec1c49f7c1c36d66b6d0c8b5a9f7f3b1d0a3a7f6c1f6b0e0b9d0f6c2ea4f9b8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8"}},
						Locations: loc(npm, 42)},
					{PURL: debug, Ecosystem: "npm", Name: "debug", Version: "4.3.4", Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(npm, 103)},
					{PURL: eslint, Ecosystem: "npm", Name: "eslint", Version: "8.57.0", Direct: true, Scope: inventory.ScopeOptional,
						Licenses: []string{"MIT"}, Locations: loc(npm, 123)},
					{PURL: semver, Ecosystem: "npm", Name: "semver", Version: "6.3.1", Scope: rt,
						Licenses: []string{"ISC"}, Locations: loc(npm, 81)},
					{PURL: tsc, Ecosystem: "npm", Name: "typescript", Version: "5.4.5", Direct: true, Scope: inventory.ScopeDev,
						Licenses: []string{"Apache License 2.0"}, Locations: loc(npm, 148)},
				},
				edges: []inventory.Edge{
					{From: babel, To: debug}, {From: babel, To: semver}, {From: eslint, To: debug},
					{From: npm, To: babel}, {From: npm, To: eslint}, {From: npm, To: tsc},
				},
			},
		},
		{
			// CycloneDX XML from the Maven plugin: legacy tools, group as
			// Maven group, upper-case hex lowered, expression licence.
			file: "maven.cdx.xml",
			want: graphWant{
				roots: []*inventory.Root{{ID: maven, Kind: inventory.KindSBOM, PURL: "pkg:maven/com.example/app@1.0.0?type=jar",
					Name: "com.example:app", Version: "1.0.0",
					Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.5", "sbom_tool": "CycloneDX Maven plugin 2.8.0"}}},
				comps: []*inventory.Component{
					{PURL: junit, Ecosystem: "Maven", Name: "junit:junit", Version: "4.13.2", Direct: true, Scope: inventory.ScopeDev,
						Licenses: []string{"EPL-1.0 OR Apache-2.0"}, Locations: loc(maven, 57)},
					{PURL: l4japi, Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-api", Version: "2.17.1", Scope: rt,
						Licenses: []string{"Apache-2.0"}, Locations: loc(maven, 45)},
					{PURL: l4jcore, Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.17.1", Direct: true, Scope: rt,
						Licenses: []string{"Apache-2.0"}, Hashes: []inventory.Hash{
							{Algorithm: "SHA-1", Value: "779f60f3844dadc3ef597976fcb1e5127b1f343d"},
							{Algorithm: "SHA-256", Value: "c967f223487980b9364e94a7c7f9a8a01fd3a63c9f5d4f7a8b1c2d3e4f5a6b7c"},
						}, Locations: loc(maven, 20)},
				},
				edges: []inventory.Edge{{From: l4jcore, To: l4japi}, {From: maven, To: junit}, {From: maven, To: l4jcore}},
			},
		},
		{
			// No metadata.component and no dependencies: every component
			// is direct; one without purl or bom-ref gets a generic PURL
			// and no line; the PyPI name is normalised.
			file: "no-dependencies.cdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: nodeps, Kind: inventory.KindSBOM,
					Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.4", "sbom_tool": "trivy 0.38.0"}}},
				comps: []*inventory.Component{
					{PURL: vendor, Name: "vendored-lib", Version: "0.9", Direct: true, Scope: rt, Locations: loc(nodeps, 0)},
					{PURL: flask, Ecosystem: "PyPI", Name: "flask", Version: "2.3.2", Direct: true, Scope: rt, Locations: loc(nodeps, 16)},
				},
				edges: []inventory.Edge{{From: nodeps, To: vendor}, {From: nodeps, To: flask}},
			},
		},
		{
			// trivy: the purl-less "package-lock.json" application that
			// groups the packages is folded into the root, so what it
			// depends on is direct; a named licence "MIT" stays as written.
			file: "trivy-fs.cdx.json",
			want: graphWant{
				roots: []*inventory.Root{{ID: trivy, Kind: inventory.KindSBOM, Name: "web",
					Properties: map[string]string{"sbom_format": "CycloneDX", "sbom_spec_version": "1.5", "sbom_tool": "trivy 0.50.1"}}},
				comps: []*inventory.Component{
					{PURL: debug269, Ecosystem: "npm", Name: "debug", Version: "2.6.9", Scope: rt, Locations: loc(trivy, 72)},
					{PURL: express, Ecosystem: "npm", Name: "express", Version: "4.19.2", Direct: true, Scope: rt,
						Licenses: []string{"MIT"}, Locations: loc(trivy, 48)},
				},
				edges: []inventory.Edge{{From: express, To: debug269}, {From: trivy, To: express}},
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
	nested := func(depth int) string {
		s := `{"type":"library","name":"leaf"}`
		for i := 0; i < depth; i++ {
			s = `{"type":"library","name":"n` + strings.Repeat("x", i%3) + `","components":[` + s + `]}`
		}
		return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + s + `]}`
	}
	many := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` +
		strings.Repeat(`{"type":"library","name":"x"},`, 10) + `{"type":"library","name":"y"}]}`
	tests := []struct {
		name      string
		data      string
		opt       DecodeOptions
		line, col int
		want      string // substring of the message
		tooLarge  bool
	}{
		{name: "truncated", data: "{\n  \"bomFormat\": \"CycloneDX\",\n  \"components\": [\n", line: 4, col: 1,
			want: "unexpected end of JSON input"},
		{name: "binary garbage", data: "\x00\x01\x02PK\x03\x04", line: 1, col: 1, want: "invalid character"},
		{name: "wrong type", data: "{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.6\",\n\"components\": [\n{\"type\": \"library\",\n \"name\": 42}]}",
			line: 5, want: "cannot unmarshal number"},
		{name: "wrong type under custom decoder", data: "{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.6\",\n\"metadata\": {\"tools\": {\"components\": [\n{\"type\": \"application\",\n  \"name\": true}]}}}",
			line: 5, want: "cannot unmarshal bool"},
		{name: "unknown spec version", data: "{\"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"9.9\"}", line: 2,
			want: "specVersion: invalid specification version"},
		{name: "not cyclonedx", data: `{"spdxVersion": "SPDX-2.3"}`, want: `not a cyclonedx bom: bomFormat ""`},
		{name: "json array", data: `[1, 2]`, line: 1, want: "cannot unmarshal array"},
		{name: "broken xml", data: "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n<component type=\"library\"><name>x</name>\n</components>",
			line: 5, want: "xml: element <component> closed by </components>"},
		{name: "xml not a bom", data: "<project><name>x</name></project>", want: "expected element type <bom>"},
		{name: "xml other namespace", data: `<bom xmlns="http://example.com/bom"></bom>`, line: 1, want: "not a cyclonedx bom"},
		{name: "deep nesting", data: nested(70), want: "components nested deeper than 64"},
		{name: "too deep for json", data: strings.Repeat("[", 20000), line: 1, want: "exceeded max depth"},
		{name: "too many components", data: many, opt: DecodeOptions{MaxComponents: 5}, want: "more than 5 components", tooLarge: true},
		{name: "too large", data: many, opt: DecodeOptions{MaxSize: 100}, want: "limit 100 bytes", tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.Path = "in/bad.cdx.json"
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
