package vex

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
)

func TestLoad(t *testing.T) {
	got, err := Load("testdata/one-statement.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2099, 1, 10, 12, 0, 0, 0, time.UTC)
	want := &Document{
		Path:      "testdata/one-statement.json",
		Context:   "https://openvex.dev/ns/v0.2.0",
		ID:        "https://example.com/vex/web-2099-01",
		Author:    "Example Security <security@example.com>",
		Timestamp: ts,
		Statements: []Statement{{
			Vulnerability: Vulnerability{
				Name:    "CVE-2099-0100",
				ID:      "https://nvd.nist.gov/vuln/detail/CVE-2099-0100",
				Aliases: []string{"GHSA-aaaa-0100-xxxx"},
			},
			Products: []string{
				"pkg:oci/web@sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"pkg:golang/golang.org/x/text@v0.3.7",
			},
			Status:          NotAffected,
			Justification:   "vulnerable_code_not_in_execute_path",
			ImpactStatement: "web never parses Accept-Language with x/text/language.",
			Timestamp:       ts,
			Line:            8,
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"empty", "testdata/empty.json: not an OpenVEX document: empty file"},
		{"not-json", "testdata/not-json.json:1:2: json: invalid character 'h' in literal true (expecting 'r')"},
		{"truncated", "testdata/truncated.json:6: json: unexpected end of input"},
		{"missing-comma", `testdata/missing-comma.json:7:7: json: invalid character '"' after object key:value pair`},
		{"wrong-types", "testdata/wrong-types.json:12: json: cannot unmarshal number into Go struct field rawStatement.status of type string"},
		{"unknown-status", `testdata/unknown-status.json:9: statement 2: unknown status "wontfix" (want not_affected, affected, fixed or under_investigation)`},
		{"no-justification", "testdata/no-justification.json:4: statement 1: not_affected without a justification or impact_statement"},
		{"no-product", "testdata/no-product.json:4: statement 1: no product identified by a PURL"},
		{"bad-timestamp", `testdata/bad-timestamp.json:4: statement 1: timestamp "yesterday": want RFC 3339`},
		{"not-openvex", `testdata/not-openvex.json:2: not an OpenVEX document: @context "https://cyclonedx.org/schema/bom-1.5.schema.json" is not an OpenVEX namespace`},
		{"trailing-data", "testdata/trailing-data.json:2: json: data after the document"},
		{"missing", "testdata/missing.json: open: no such file or directory"},
	}
	for _, tt := range tests {
		path := filepath.Join("testdata", tt.file+".json")
		_, err := Load(path)
		var e *extract.Error
		if !errors.As(err, &e) || e.Path != path {
			t.Errorf("Load(%s) error = %v, want an *extract.Error naming the file", path, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Load(%s) error:\n got %s\nwant %s", path, err, tt.want)
		}
	}
}

// TestParseHostile feeds inputs made to exhaust a parser.
func TestParseHostile(t *testing.T) {
	head := `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [`
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"deep-nesting", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}"),
			"x.json:1:10051: json: invalid character '[' exceeded max depth"},
		{"binary-garbage", []byte("\x00\x01\x02\xff\xfe{\"a\""), "x.json:1:1: json: invalid character '\\x00' looking for beginning of value"},
		{"too-large", make([]byte, MaxSize+1), "x.json: input exceeds size limit: 16777217 bytes, limit 16777216"},
		{"too-many-statements", []byte(head + strings.Repeat("{},", maxStatements) + "{}]}"),
			"x.json:1: more than 100000 statements"},
		{"too-many-products", []byte(head + `{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [` +
			strings.Repeat(`{"@id": "pkg:npm/a"},`, maxProducts) + `{"@id": "pkg:npm/a"}]}]}`),
			"x.json:1: statement 1: more than 10000 products, subcomponents and aliases"},
		{"statements-not-array", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}`), "x.json:1: statements: want an array"},
		{"not-object", []byte(`["@context"]`), "x.json:1: not an OpenVEX document: want a JSON object"},
		{"no-statements", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0"}`), "x.json:1: no statements"},
		{"bad-purl", []byte(head + `{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"@id": "pkg:npm"}]}]}`),
			`x.json:1: statement 1: products[0]: purl is missing type or name`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.data, "x.json")
		var e *extract.Error
		if !errors.As(err, &e) || e.Path != "x.json" {
			t.Errorf("%s: error = %v, want an *extract.Error naming x.json", tt.name, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s: error:\n got %s\nwant %s", tt.name, err, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	one, err := Load("testdata/one-statement.json")
	if err != nil {
		t.Fatal(err)
	}
	timeline, err := Load("testdata/timeline.json")
	if err != nil {
		t.Fatal(err)
	}
	f := func(component, id string, aliases ...string) finding.Finding {
		return finding.Finding{ID: id, Aliases: append([]string{id}, aliases...), Component: component}
	}
	exception := &finding.Suppression{Status: "exception", Justification: "accepted until 2099-12-31", Source: "vouch.yaml"}
	tests := []struct {
		name string
		doc  *Document
		in   finding.Finding
		want *finding.Suppression
	}{
		{"subcomponent-of-product", one, f("pkg:golang/golang.org/x/text@v0.3.7", "CVE-2099-0100", "GHSA-aaaa-0100-xxxx", "GO-2099-0100"),
			&finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
				Statement: "web never parses Accept-Language with x/text/language.", Source: "testdata/one-statement.json:8"}},
		{"by-alias", one, f("pkg:golang/golang.org/x/text@v0.3.7", "GO-2099-0100", "GHSA-aaaa-0100-xxxx"),
			&finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
				Statement: "web never parses Accept-Language with x/text/language.", Source: "testdata/one-statement.json:8"}},
		{"other-version", one, f("pkg:golang/golang.org/x/text@v0.3.6", "CVE-2099-0100"), nil},
		{"other-vulnerability", one, f("pkg:golang/golang.org/x/text@v0.3.7", "CVE-2099-0101"), nil},
		{"product-without-version", timeline, f("pkg:golang/golang.org/x/text@v0.3.7", "CVE-2099-0001"),
			&finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_present", Source: "testdata/timeline.json:7"}},
		{"later-affected-wins", timeline, f("pkg:npm/left-pad@1.3.0", "CVE-2099-0002"), nil},
		{"latest-by-timestamp-not-by-order", timeline, f("pkg:npm/left-pad@1.3.0", "CVE-2099-0003"), nil},
		{"fixed-pypi-name-normalised", timeline, f("pkg:pypi/example-pkg@1.9", "CVE-2099-0004", "GHSA-dddd-0004-zzzz"),
			&finding.Suppression{Status: "fixed", Statement: "patched downstream", Source: "testdata/timeline.json:40"}},
		{"qualifier-matches", timeline, f("pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12", "CVE-2099-0005", "DEBIAN-CVE-2099-0005"),
			&finding.Suppression{Status: "not_affected", Justification: "inline_mitigations_already_exist",
				Statement: "built without the affected decoder", Source: "testdata/timeline.json:46"}},
		{"qualifier-differs", timeline, f("pkg:deb/debian/liblzma5@5.4.1-0.2?arch=arm64&distro=debian-12", "CVE-2099-0005", "DEBIAN-CVE-2099-0005"), nil},
		{"identifiers-purl", timeline, f("pkg:golang/stdlib@v1.22.1", "CVE-2099-0006"),
			&finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path", Source: "testdata/timeline.json:53"}},
		{"already-suppressed", timeline, finding.Finding{ID: "CVE-2099-0001", Aliases: []string{"CVE-2099-0001"},
			Component: "pkg:golang/golang.org/x/text@v0.3.7", Suppressed: exception}, exception},
		{"no-component", timeline, f("", "CVE-2099-0001"), nil},
	}
	for _, tt := range tests {
		fs := []finding.Finding{tt.in}
		n := Apply(tt.doc, fs)
		if diff := cmp.Diff(tt.want, fs[0].Suppressed); diff != "" {
			t.Errorf("%s: Suppressed (-want +got):\n%s", tt.name, diff)
		}
		wantN := 0
		if tt.want != nil && tt.in.Suppressed == nil {
			wantN = 1
		}
		if n != wantN {
			t.Errorf("%s: Apply = %d, want %d", tt.name, n, wantN)
		}
	}
}

// FuzzParse checks that no input makes Parse panic, that errors name the
// file, and that a document it accepts holds only what Apply relies on.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, "fuzz.json")
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || e.Path != "fuzz.json" {
				t.Fatalf("error %v is not an *extract.Error naming fuzz.json", err)
			}
			return
		}
		for i, s := range doc.Statements {
			switch s.Status {
			case NotAffected, Affected, Fixed, UnderInvestigation:
			default:
				t.Fatalf("statement %d: status %q accepted", i, s.Status)
			}
			if s.Vulnerability.Name == "" && s.Vulnerability.ID == "" || len(s.Products) == 0 || s.Line < 1 {
				t.Fatalf("statement %d accepted without a vulnerability, a product or a line: %+v", i, s)
			}
		}
		fs := []finding.Finding{{ID: "CVE-2099-0001", Aliases: []string{"CVE-2099-0001"}, Component: "pkg:npm/left-pad@1.3.0"}}
		Apply(doc, fs)
	})
}
