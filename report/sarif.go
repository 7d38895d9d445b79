package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// SARIF types: the subset of SARIF 2.1.0 vouch writes. GitHub code scanning
// reads "security-severity" from rule properties and shows each result at
// its manifest line.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool               sarifTool                   `json:"tool"`
		OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
		Results            []sarifResult               `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name,omitempty"`
		ShortDescription sarifMessage   `json:"shortDescription"`
		FullDescription  *sarifMessage  `json:"fullDescription,omitempty"`
		HelpURI          string         `json:"helpUri,omitempty"`
		Help             *sarifMessage  `json:"help,omitempty"`
		Properties       map[string]any `json:"properties,omitempty"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifMessage       `json:"message"`
		Locations           []sarifLocation    `json:"locations,omitempty"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
		Region           *sarifRegion     `json:"region,omitempty"`
	}
	sarifArtifactLoc struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status,omitempty"`
		Justification string `json:"justification,omitempty"`
	}
)

// sarifLevel maps a severity to a SARIF level: critical and high fail a
// code-scanning check as errors, medium warns, the rest are notes.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the number GitHub ranks alerts by: the CVSS score
// when there is one, else a score inside the severity's CVSS band.
func securitySeverity(f finding.Finding) string {
	if f.Score > 0 {
		return strconv.FormatFloat(f.Score, 'f', 1, 64)
	}
	switch f.Severity {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "2.0"
	}
	return ""
}

// SARIF writes a scan as a SARIF 2.1.0 log: one rule per advisory, one
// result per affected component, located at the manifest line that
// declares it. Suppressed findings carry a SARIF suppression.
func SARIF(w io.Writer, doc *ScanDocument) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "vouch", Version: doc.Tool.Version,
			InformationURI: "https://github.com/vouchdev/vouch", Rules: []sarifRule{}}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{"SRCROOT": {URI: srcRoot(doc.Target)}},
		Results:            []sarifResult{},
	}
	ruleIndex := map[string]int{}
	for _, f := range doc.Findings {
		idx, ok := ruleIndex[f.ID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.ID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, ruleFor(f.Finding))
		} else if r := &run.Tool.Driver.Rules[idx]; securityScore(r) < securityScoreOf(f.Finding) {
			r.Properties["security-severity"] = securitySeverity(f.Finding)
		}
		res := sarifResult{
			RuleID: f.ID, RuleIndex: idx, Level: sarifLevel(f.Severity),
			Message:             sarifMessage{Text: resultText(f)},
			PartialFingerprints: map[string]string{"vouchFinding/v1": fingerprint(f.ID, f.Component)},
			Properties:          map[string]any{"purl": f.Component, "kind": string(f.Kind), "severity": f.Severity.String()},
		}
		if len(f.Fixed) > 0 {
			res.Properties["fixed"] = f.Fixed
		}
		for _, l := range f.Locations {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: l.Path, URIBaseID: "SRCROOT"}}}
			if l.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
			}
			res.Locations = append(res.Locations, loc)
			if len(res.Locations) == 10 {
				break
			}
		}
		if f.Suppressed != nil {
			just := f.Suppressed.Status
			if f.Suppressed.Justification != "" {
				just += ": " + f.Suppressed.Justification
			}
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: just}}
		}
		run.Results = append(run.Results, res)
	}
	if doc.Policy != nil {
		// The gate's violations join the scan's results as their own rules.
		run.addFindings(ruleIndex, policyFindings(doc.Policy))
	}
	return writeJSON(w, sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func ruleFor(f finding.Finding) sarifRule {
	short := f.Summary
	if short == "" {
		short = f.ID
	}
	r := sarifRule{
		ID:               f.ID,
		Name:             ruleName(f),
		ShortDescription: sarifMessage{Text: short},
		Properties:       map[string]any{"tags": []string{"security", string(f.Kind)}},
	}
	if f.Details != "" {
		r.FullDescription = &sarifMessage{Text: f.Details}
	}
	if len(f.References) > 0 {
		r.HelpURI = f.References[0]
	}
	var help strings.Builder
	fmt.Fprintf(&help, "%s (%s)", short, strings.Join(f.Aliases, ", "))
	if f.Remediation != "" {
		fmt.Fprintf(&help, "\n\n%s", f.Remediation)
	}
	r.Help = &sarifMessage{Text: help.String()}
	if s := securitySeverity(f); s != "" {
		r.Properties["security-severity"] = s
	}
	if len(f.Aliases) > 0 {
		r.Properties["aliases"] = f.Aliases
	}
	return r
}

func securityScore(r *sarifRule) float64 {
	s, _ := r.Properties["security-severity"].(string)
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func securityScoreOf(f finding.Finding) float64 {
	v, _ := strconv.ParseFloat(securitySeverity(f), 64)
	return v
}

// ruleName is a PascalCase name SARIF viewers show beside the id.
func ruleName(f finding.Finding) string {
	switch f.Kind {
	case finding.Malicious:
		return "MaliciousPackage"
	case finding.Vulnerability:
		return "VulnerableDependency"
	}
	words := strings.FieldsFunc(string(f.Kind), func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, "")
}

func resultText(f ScanFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", componentText(f.Finding), f.ID)
	if f.Summary != "" {
		fmt.Fprintf(&b, ": %s", f.Summary)
	}
	if len(f.Paths) > 0 {
		fmt.Fprintf(&b, ". Introduced by %s", strings.Join(f.Paths[0], " → "))
	}
	if f.Remediation != "" {
		fmt.Fprintf(&b, ". %s", f.Remediation)
	}
	return b.String()
}

func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

// srcRoot is the scanned directory as the absolute file URI, ending in
// "/", that SARIF wants for a base id; result paths are relative to it.
func srcRoot(target string) string {
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		abs = filepath.Dir(abs)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return strings.TrimSuffix(u.String(), "/") + "/"
}
