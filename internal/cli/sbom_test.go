package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/report"
)

// run calls Main as the command line would and returns stdout, stderr and
// the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func inventoryOf(t *testing.T, target string) *report.Inventory {
	t.Helper()
	out, errOut, code := run(t, "inventory", "--format", "json", target)
	if code != 0 {
		t.Fatalf("vouch inventory %s: exit %d: %s", target, code, errOut)
	}
	var inv report.Inventory
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatalf("inventory JSON: %v", err)
	}
	return &inv
}

// TestSBOMRoundTrip writes SBOMs of two trees and reads them back: the
// graph must be the one that produced it, PURL types and qualifiers
// included. testdata/mixed holds npm, Go, PyPI and Debian sources;
// testdata/polyglot one of each later source (Cargo, Bundler, Composer,
// NuGet, yarn, pnpm, Maven, Gradle, Alpine, RPM), copied from the
// extractors' fixtures. Where ../shared/schemas exists, each SBOM is
// validated against its schema.
func TestSBOMRoundTrip(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	trees := []struct {
		dir   string
		types map[string]int // components by PURL type
	}{
		{"testdata/mixed", map[string]int{"npm": 0, "golang": 0, "pypi": 0, "deb": 0}},
		{"testdata/polyglot", map[string]int{"cargo": 6, "gem": 12, "composer": 6, "nuget": 17, "npm": 14, "maven": 20, "apk": 5, "rpm": 3}},
	}
	for _, tree := range trees {
		t.Run(tree.dir, func(t *testing.T) { sbomRoundTrip(t, tree.dir, tree.types) })
	}
}

// sbomRoundTrip checks one tree for TestSBOMRoundTrip; types gives the
// number of components of each PURL type it must hold (0: at least one).
func sbomRoundTrip(t *testing.T, tree string, types map[string]int) {
	want := inventoryOf(t, tree)
	if len(want.Errors) > 0 {
		t.Errorf("fixture tree has errors: %v", want.Errors)
	}
	got := map[string]int{}
	for _, c := range want.Components {
		typ, _, _ := strings.Cut(strings.TrimPrefix(c.PURL, "pkg:"), "/")
		got[typ]++
	}
	for typ, n := range types {
		if got[typ] == 0 || n > 0 && got[typ] != n {
			t.Errorf("fixture tree has %d pkg:%s components, want %d (0: some): %v", got[typ], typ, n, got)
		}
	}
	tests := []struct {
		args   []string
		file   string
		schema string
	}{
		{[]string{"--format", "cyclonedx"}, "bom.cdx.json", "cyclonedx/bom-1.6.schema.json"},
		{[]string{"--format", "cyclonedx", "--spec-version", "1.7"}, "bom.cdx.json", "cyclonedx/bom-1.7.schema.json"},
		{[]string{"--format", "spdx"}, "bom.spdx.json", "spdx-2.3.schema.json"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tt.file)
			args := append([]string{"sbom", tree, "--output", out}, tt.args...)
			if _, errOut, code := run(t, args...); code != 0 {
				t.Fatalf("vouch sbom: exit %d: %s", code, errOut)
			}
			got := inventoryOf(t, out)
			if diff := cmp.Diff(want.Roots, got.Roots); diff != "" {
				t.Errorf("roots after round trip (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.Components, got.Components); diff != "" {
				t.Errorf("components after round trip (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.Edges, got.Edges); diff != "" {
				t.Errorf("edges after round trip (-want +got):\n%s", diff)
			}
			doc, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			schematest.Validate(t, tt.schema, doc)
		})
	}
}

func TestSBOMReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, format := range []string{"cyclonedx", "spdx"} {
		a, _, code := run(t, "sbom", "--format", format, "testdata/mixed")
		b, _, code2 := run(t, "sbom", "--format", format, "testdata/mixed")
		if code != 0 || code2 != 0 {
			t.Fatalf("exit %d %d", code, code2)
		}
		if a != b {
			t.Errorf("%s: two runs with SOURCE_DATE_EPOCH differ", format)
		}
		if !strings.Contains(a, "2023-11-14T22:13:20Z") {
			t.Errorf("%s: creation time is not SOURCE_DATE_EPOCH", format)
		}
	}
}

func TestSBOMUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sbom", "--format", "table", "testdata/mixed"}, `unknown format "table" (want one of cyclonedx, spdx)`},
		{[]string{"sbom", "--format", "spdx", "--spec-version", "1.7", "testdata/mixed"}, "SPDX output is 2.3"},
		{[]string{"sbom", "--spec-version", "1.3", "testdata/mixed"}, "1.3"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
