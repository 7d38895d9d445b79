// Package finding holds what every analysis of vouch reports: a Finding
// with its kind, severity, the component or file it concerns, the evidence a
// person can check, and what to do about it. Matching advisories, release
// integrity, git-history risk, binary signatures, host exposure and policy
// all produce findings; reports and the policy gate consume them.
package finding

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vouchdev/vouch/inventory"
)

// Kind says what sort of problem a finding is.
type Kind string

// Kinds of finding.
const (
	Vulnerability Kind = "vulnerability" // a known vulnerability in a component
	Malicious     Kind = "malicious"     // a package published to do harm, or a compromised release
	Policy        Kind = "policy"        // a rule of vouch.yaml broken
	Integrity     Kind = "integrity"     // an artifact that is not what it claims to be
	Risk          Kind = "risk"          // a project or maintainer signal
	Exposure      Kind = "exposure"      // something reachable that should not be
)

// Severity ranks findings. Unknown is its own rank, below Low in order but
// never shown or treated as low: a finding whose severity nobody scored
// stays visible as unknown.
type Severity int

// Severities, in increasing order.
const (
	Unknown Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"unknown", "low", "medium", "high", "critical"}

// String returns the lower-case name.
func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively. "moderate" (the
// GitHub advisory word) is medium; "none" is low.
func ParseSeverity(name string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "critical":
		return Critical, nil
	case "high", "important":
		return High, nil
	case "medium", "moderate":
		return Medium, nil
	case "low", "none", "negligible":
		return Low, nil
	case "unknown", "":
		return Unknown, nil
	}
	return Unknown, fmt.Errorf("unknown severity %q (want critical, high, medium, low or unknown)", name)
}

// FromScore rates a CVSS base score as CVSS v3 and v4 do: 9.0 and above
// critical, 7.0 high, 4.0 medium, above 0 low. A score of 0 is low ("none").
func FromScore(score float64) Severity {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	default:
		return Low
	}
}

// MarshalJSON writes the name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads the name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Suppression records why a finding does not apply, from a VEX statement or
// a policy exception. A suppressed finding is still reported, marked.
type Suppression struct {
	// Status is the VEX status ("not_affected", "fixed") or "exception".
	Status string `json:"status"`
	// Justification is the VEX justification or the exception's reason.
	Justification string `json:"justification,omitempty"`
	// Statement is free text from the statement's author.
	Statement string `json:"statement,omitempty"`
	// Source names the VEX document or policy file.
	Source string `json:"source,omitempty"`
}

// Finding is one problem, about one component or one file.
type Finding struct {
	// ID is the identifier shown first: for advisories, a CVE when the
	// record or its aliases have one, else the record's own id.
	ID string `json:"id"`
	// Aliases are all identifiers of the same problem, ID included, sorted.
	Aliases  []string `json:"aliases"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Score and Vector are the CVSS base score and vector the severity was
	// computed from, when there was one.
	Score  float64 `json:"score,omitempty"`
	Vector string  `json:"vector,omitempty"`
	// Summary is one line a person reads first; Details may be longer.
	Summary string `json:"summary"`
	Details string `json:"details,omitempty"`
	// Component is the PURL of the component concerned, if any.
	Component string `json:"component,omitempty"`
	// Ecosystem, Name and Version repeat the component's, for readers
	// that do not parse PURLs.
	Ecosystem string `json:"ecosystem,omitempty"`
	Name      string `json:"name,omitempty"`
	Version   string `json:"version,omitempty"`
	// Locations are where the component or the problem was found.
	Locations []inventory.Location `json:"locations,omitempty"`
	// Evidence are facts a person can check: the matched range, a line of
	// a file, a byte offset in a binary.
	Evidence []string `json:"evidence,omitempty"`
	// Fixed lists the versions that fix the problem for this component,
	// smallest first; empty when no fix is known.
	Fixed []string `json:"fixed,omitempty"`
	// Remediation says what to do, in a sentence.
	Remediation string `json:"remediation,omitempty"`
	// Via lists the direct dependencies (PURLs) through which the
	// component is reached: the ones to bump or remove.
	Via []string `json:"via,omitempty"`
	// References are URLs to advisories, fixes and reports.
	References []string `json:"references,omitempty"`
	// Published is when the advisory was first published (the earliest of
	// the records it merges), zero when unknown: policies give teams a
	// triage window counted from it.
	Published time.Time `json:"published,omitzero"`
	// Source names where the finding came from ("osv", "known-compromises",
	// an analyzer's name).
	Source string `json:"source"`
	// Suppressed is set when a VEX statement or exception covers it.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// AtLeast reports whether f counts toward a --fail-on threshold: it is not
// suppressed and its severity is at or above min. Unknown severity counts
// only when min is Unknown.
func (f *Finding) AtLeast(min Severity) bool {
	return f.Suppressed == nil && f.Severity >= min
}
