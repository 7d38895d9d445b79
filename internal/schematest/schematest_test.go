package schematest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	tmp := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{tmp}, parts...)...)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	touch := func(parts ...string) {
		if err := os.WriteFile(filepath.Join(append([]string{tmp}, parts...)...), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("with", "repo", "pkg", "sub")
	touch("with", "repo", "go.mod")
	mk("with", "shared", "schemas")
	mk("without", "repo", "pkg")
	touch("without", "repo", "go.mod")
	mk("nomod", "a")

	tests := []struct {
		name, start, want string
		ok                bool
	}{
		{"from a nested package", filepath.Join(tmp, "with", "repo", "pkg", "sub"), filepath.Join(tmp, "with", "shared", "schemas"), true},
		{"from the repo root", filepath.Join(tmp, "with", "repo"), filepath.Join(tmp, "with", "shared", "schemas"), true},
		{"shared absent", filepath.Join(tmp, "without", "repo", "pkg"), "", false},
		{"no go.mod above", filepath.Join(tmp, "nomod", "a"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Find(tt.start)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Find(%q) = %q, %v; want %q, %v", tt.start, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestCheck compiles the real CycloneDX schemas, which refer to
// spdx.schema.json and jsf-0.82.schema.json by relative name, and checks
// that a valid document passes and each kind of broken one fails.
func TestCheck(t *testing.T) {
	dir := Dir(t)
	tests := []struct {
		name, schema, doc string
		wantErr           string // substring of the violation; empty for valid
	}{
		{"cyclonedx 1.6 valid", "cyclonedx/bom-1.6.schema.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
			"components":[{"type":"library","name":"x","licenses":[{"license":{"id":"MIT"}}]}]}`, ""},
		{"cyclonedx 1.7 valid", "cyclonedx/bom-1.7.schema.json", `{"bomFormat":"CycloneDX","specVersion":"1.7","version":1,
			"metadata":{"timestamp":"2024-05-01T10:00:00Z"}}`, ""},
		// The licence id is checked against the referenced spdx.schema.json.
		{"unknown licence id", "cyclonedx/bom-1.6.schema.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
			"components":[{"type":"library","name":"x","licenses":[{"license":{"id":"Not-A-Licence"}}]}]}`, "/components/0/licenses"},
		// Formats are asserted.
		{"bad timestamp format", "cyclonedx/bom-1.6.schema.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
			"metadata":{"timestamp":"yesterday"}}`, "/metadata/timestamp"},
		{"unknown property", "cyclonedx/bom-1.6.schema.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"extra":true}`, "extra"},
		{"spdx valid", "spdx-2.3.schema.json", `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",
			"name":"x","documentNamespace":"https://spdx.org/spdxdocs/x","creationInfo":{"created":"2024-05-01T10:00:00Z","creators":["Tool: t"]}}`, ""},
		{"spdx missing fields", "spdx-2.3.schema.json", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}`, "missing properties"},
		{"not json", "spdx-2.3.schema.json", `not json`, "not json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sch, err := Compile(dir, tt.schema)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			err = Check(sch, []byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("Check passed, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("Check error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}
