package match

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/finding"
)

func TestRateRecord(t *testing.T) {
	const (
		v4     = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" // 9.3 critical
		v3     = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"                    // 7.5 high
		v3Crit = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"                    // 9.8 critical
		v2     = "AV:N/AC:L/Au:N/C:P/I:P/A:P"                                      // 7.5 high
	)
	sev := func(typ, score string) advisory.Severity { return advisory.Severity{Type: typ, Score: score} }
	pkg := advisory.Package{Ecosystem: "PyPI", Name: "example-pkg"}
	other := advisory.Package{Ecosystem: "PyPI", Name: "other-pkg"}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name string
		rec  advisory.Vulnerability
		want rating
	}{
		{"none", advisory.Vulnerability{}, rating{}},
		{"v3", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V3", v3)}},
			rating{finding.High, true, 7.5, v3}},
		// The newest CVSS version decides even when it scores lower.
		{"v4-over-v3", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V3", v3Crit), sev("CVSS_V4", v4)}},
			rating{finding.Critical, true, 9.3, v4}},
		{"v4-over-v2", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V2", v2), sev("CVSS_V4", v4)}},
			rating{finding.Critical, true, 9.3, v4}},
		{"unscorable-v4-falls-back-to-v3", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V4", "CVSS:4.0/AV:X"), sev("CVSS_V3", v3)}},
			rating{finding.High, true, 7.5, v3}},
		{"v2-only", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V2", v2)}},
			rating{finding.High, true, 7.5, v2}},
		{"highest-of-one-version", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V3", v3), sev("CVSS_V3", v3Crit)}},
			rating{finding.Critical, true, 9.8, v3Crit}},
		{"affected-level", advisory.Vulnerability{Affected: []advisory.Affected{{Package: pkg, Severity: []advisory.Severity{sev("CVSS_V3", v3)}}}},
			rating{finding.High, true, 7.5, v3}},
		{"other-package-ignored", advisory.Vulnerability{Affected: []advisory.Affected{{Package: other, Severity: []advisory.Severity{sev("CVSS_V3", v3)},
			DatabaseSpecific: raw(`{"severity": "CRITICAL"}`)}}}, rating{}},
		// CVSS decides over the ecosystem's word.
		{"cvss-over-word", advisory.Vulnerability{Severity: []advisory.Severity{sev("CVSS_V3", v3)}, DatabaseSpecific: raw(`{"severity": "CRITICAL"}`)},
			rating{finding.High, true, 7.5, v3}},
		{"github-moderate", advisory.Vulnerability{DatabaseSpecific: raw(`{"severity": "MODERATE"}`)}, rating{severity: finding.Medium}},
		{"debian-urgency", advisory.Vulnerability{Affected: []advisory.Affected{{Package: pkg, EcosystemSpecific: raw(`{"urgency": "unimportant"}`)}}},
			rating{severity: finding.Low}},
		{"debian-not-yet-assigned", advisory.Vulnerability{Affected: []advisory.Affected{{Package: pkg, EcosystemSpecific: raw(`{"urgency": "not yet assigned"}`)}}},
			rating{}},
		{"ubuntu-priority", advisory.Vulnerability{Severity: []advisory.Severity{sev("Ubuntu", "high")}}, rating{severity: finding.High}},
		{"affected-ecosystem-severity", advisory.Vulnerability{Affected: []advisory.Affected{{Package: pkg, EcosystemSpecific: raw(`{"severity": "low"}`)}}},
			rating{severity: finding.Low}},
		{"highest-word", advisory.Vulnerability{Severity: []advisory.Severity{sev("Ubuntu", "negligible")}, DatabaseSpecific: raw(`{"severity": "HIGH"}`)},
			rating{severity: finding.High}},
		{"odd-database-specific", advisory.Vulnerability{DatabaseSpecific: raw(`{"severity": {"level": 3}}`)}, rating{}},
	}
	target := target{ecosystem: "PyPI", names: []string{"example-pkg"}}
	for _, tt := range tests {
		got := rateRecord(&tt.rec, target)
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(rating{})); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestMergedRatings checks that merged records take the highest rating.
func TestMergedRatings(t *testing.T) {
	high := rating{severity: finding.High}
	medCVSS := rating{finding.Medium, true, 5.3, "CVSS:3.1/..."}
	highCVSS := rating{finding.High, true, 7.1, "CVSS:3.1/..."}
	highCVSS2 := rating{finding.High, true, 8.8, "CVSS:3.1/..."}
	tests := []struct {
		a, b rating
		want bool // a above b
	}{
		{high, medCVSS, true},
		{medCVSS, high, false},
		{highCVSS, high, true},
		{high, highCVSS, false},
		{highCVSS2, highCVSS, true},
		{rating{}, rating{}, false},
		{rating{severity: finding.Low}, rating{}, true},
	}
	for _, tt := range tests {
		if got := tt.a.above(tt.b); got != tt.want {
			t.Errorf("%+v above %+v = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
