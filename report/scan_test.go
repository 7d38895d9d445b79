package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/inventory"
)

func sampleScan() *ScanDocument {
	res := sampleResult()
	inv := NewInventory("tree", Tool{Name: "vouch", Version: "test"}, res)
	findings := []finding.Finding{
		{ID: "CVE-2024-0001", Aliases: []string{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"}, Kind: finding.Vulnerability,
			Severity: finding.Medium, Score: 5.3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
			Summary: "ms regular expression denial of service", Component: "pkg:npm/ms@2.0.0", Ecosystem: "npm",
			Name: "ms", Version: "2.0.0", Locations: []inventory.Location{{Path: "package-lock.json", Line: 30}},
			Fixed: []string{"2.0.1"}, Remediation: "upgrade express (via direct dependency express) so that ms >= 2.0.1",
			Via: []string{"pkg:npm/express@4.21.2"}, References: []string{"https://example.test/advisory/1"}, Source: "osv"},
		{ID: "MAL-2024-9", Aliases: []string{"MAL-2024-9"}, Kind: finding.Malicious, Severity: finding.Critical,
			Summary: "Malicious code in express", Component: "pkg:npm/express@4.21.2", Ecosystem: "npm",
			Name: "express", Version: "4.21.2", Locations: []inventory.Location{{Path: "package-lock.json", Line: 12}},
			Remediation: "remove now: express@4.21.2 is a known malicious release", Source: "known-compromises"},
		{ID: "PYSEC-2024-7", Aliases: []string{"PYSEC-2024-7"}, Kind: finding.Vulnerability, Severity: finding.High,
			Summary: "flask flaw", Component: "pkg:pypi/flask", Ecosystem: "PyPI", Name: "flask", Source: "osv",
			Suppressed: &finding.Suppression{Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path", Source: "vex.json"}},
	}
	return NewScan(inv, res.Graph, findings, []Unmatched{{Component: "pkg:pypi/flask", Reason: "unpinned: no version to compare"}},
		Database{Path: "/cache/advisories.db", Known: "2026-11-25", Warnings: []string{"PyPI advisories are 30 days old"}}, 3)
}

func TestNewScan(t *testing.T) {
	doc := sampleScan()
	var order []string
	for _, f := range doc.Findings {
		order = append(order, f.ID)
	}
	if diff := cmp.Diff([]string{"MAL-2024-9", "PYSEC-2024-7", "CVE-2024-0001"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"critical": 1, "medium": 1}, doc.Summary.Findings); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if doc.Summary.Suppressed != 1 || doc.Summary.Unmatched != 1 {
		t.Errorf("suppressed=%d unmatched=%d", doc.Summary.Suppressed, doc.Summary.Unmatched)
	}
	ms := doc.Findings[2]
	if diff := cmp.Diff([][]string{{"package-lock.json", "express@4.21.2", "ms@2.0.0"}}, ms.Paths); diff != "" || ms.PathsTotal != 1 {
		t.Errorf("paths (-want +got):\n%s total %d", diff, ms.PathsTotal)
	}
	for _, tt := range []struct {
		min  finding.Severity
		want int
	}{{finding.Critical, 1}, {finding.High, 1}, {finding.Medium, 2}, {finding.Unknown, 2}} {
		if got := doc.Failing(tt.min); got != tt.want {
			t.Errorf("Failing(%s) = %d, want %d (suppressed never counts)", tt.min, got, tt.want)
		}
	}
}

func TestScanTable(t *testing.T) {
	var b bytes.Buffer
	if err := (Table{}).Scan(&b, sampleScan()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"warning: PyPI advisories are 30 days old\n",
		"CRITICAL (1)\n  express@4.21.2 (npm)  MAL-2024-9 [malicious]\n    Malicious code in express\n    path: package-lock.json → express@4.21.2\n    fix: remove now",
		"MEDIUM (1)\n  ms@2.0.0 (npm)  CVE-2024-0001 (GHSA-aaaa-bbbb-cccc)\n    ms regular expression denial of service\n    path: package-lock.json → express@4.21.2 → ms@2.0.0\n    fix: upgrade express",
		"SUPPRESSED (1)\n  PYSEC-2024-7  flask (PyPI): not_affected (vulnerable_code_not_in_execute_path) [vex.json]\n",
		"1 components could not be checked",
		"findings: 1 critical, 1 medium, 1 suppressed\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q; got:\n%s", want, b.String())
		}
	}
}

func TestScanJSON(t *testing.T) {
	var b bytes.Buffer
	if err := (JSON{}).Scan(&b, sampleScan()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("scan JSON: %v", err)
	}
	findings := doc["findings"].([]any)
	first := findings[0].(map[string]any)
	if first["id"] != "MAL-2024-9" || first["severity"] != "critical" || first["kind"] != "malicious" {
		t.Errorf("first finding: %v", first)
	}
	if _, ok := doc["unmatched"].([]any); !ok {
		t.Errorf("unmatched missing: %v", doc["unmatched"])
	}
}

func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := SARIF(&b, sampleScan()); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, "sarif-2.1.0.schema.json", b.Bytes())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           struct{ StartLine int }
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []any `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	var got []string
	for _, r := range run.Results {
		loc := ""
		if len(r.Locations) > 0 {
			loc = r.Locations[0].PhysicalLocation.ArtifactLocation.URI + ":" + itoa(r.Locations[0].PhysicalLocation.Region.StartLine)
		}
		got = append(got, r.RuleID+" "+r.Level+" "+loc+" suppressed="+itoa(len(r.Suppressions)))
	}
	want := []string{"MAL-2024-9 error package-lock.json:12 suppressed=0", "PYSEC-2024-7 error  suppressed=1",
		"CVE-2024-0001 warning package-lock.json:30 suppressed=0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	sev := map[string]any{}
	for _, r := range run.Tool.Driver.Rules {
		sev[r.ID] = r.Properties["security-severity"]
	}
	if diff := cmp.Diff(map[string]any{"MAL-2024-9": "9.5", "PYSEC-2024-7": "8.0", "CVE-2024-0001": "5.3"}, sev); diff != "" {
		t.Errorf("security-severity (-want +got):\n%s", diff)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
