package report

import (
	"cmp"
	"slices"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

// ScanFinding is a finding as a scan reports it: with the dependency paths
// that bring its component in.
type ScanFinding struct {
	finding.Finding
	// Paths are a few of the shortest paths from a root to the component,
	// as in "vouch why"; PathsTotal counts them all.
	Paths      [][]string `json:"paths,omitempty"`
	PathsTotal int        `json:"paths_total,omitempty"`
}

// Database describes the advisory data a scan matched against.
type Database struct {
	// Path of the store, empty when none was used.
	Path string `json:"path,omitempty"`
	// Ecosystems and their age in days, for the ones the scan needed.
	Ecosystems map[string]float64 `json:"ecosystems,omitempty"`
	// Known is the review date of the embedded known-compromise set.
	Known string `json:"known_compromises,omitempty"`
	// Warnings about the data: missing, stale.
	Warnings []string `json:"warnings"`
}

// ScanSummary counts what a scan found.
type ScanSummary struct {
	Summary
	// Findings counts unsuppressed findings by severity name.
	Findings map[string]int `json:"findings"`
	// Suppressed counts findings a VEX statement or exception covers.
	Suppressed int `json:"suppressed"`
	// Unmatched counts components that could not be checked (no version,
	// a version the ecosystem's rules cannot read).
	Unmatched int `json:"unmatched"`
}

// Unmatched is a component that could not be checked against advisories,
// and why. It is reported so that nothing is silently taken as clean.
type Unmatched struct {
	Component string `json:"component"`
	Reason    string `json:"reason"`
}

// ScanDocument is the document of "vouch scan".
type ScanDocument struct {
	SchemaVersion string        `json:"schema_version"`
	Tool          Tool          `json:"tool"`
	Target        string        `json:"target"`
	Summary       ScanSummary   `json:"summary"`
	Database      Database      `json:"database"`
	Findings      []ScanFinding `json:"findings"`
	Unmatched     []Unmatched   `json:"unmatched"`
	Errors        []FileError   `json:"errors"`
	// Policy is the gate's evaluation when a policy applied (vouch.yaml
	// found or --policy given); absent otherwise.
	Policy *PolicyDocument `json:"policy,omitempty"`
	// Inventory is the inventory the findings were drawn from; it is not
	// written in JSON (use "vouch inventory" for it) but handlers such as
	// SARIF need it.
	Inventory *Inventory `json:"-"`
}

// NewScan builds a scan document from an inventory and the findings on it.
// Findings are sorted by severity (highest first), then id, then component.
func NewScan(inv *Inventory, g *inventory.Graph, findings []finding.Finding, unmatched []Unmatched, db Database, pathLimit int) *ScanDocument {
	doc := &ScanDocument{
		SchemaVersion: SchemaVersion, Tool: inv.Tool, Target: inv.Target, Database: db,
		Findings: make([]ScanFinding, 0, len(findings)), Unmatched: unmatched, Errors: inv.Errors, Inventory: inv,
	}
	if doc.Unmatched == nil {
		doc.Unmatched = []Unmatched{}
	}
	if doc.Database.Warnings == nil {
		doc.Database.Warnings = []string{}
	}
	doc.Summary = ScanSummary{Summary: inv.Summary, Findings: map[string]int{}, Unmatched: len(doc.Unmatched)}
	for _, f := range findings {
		sf := ScanFinding{Finding: f}
		if f.Component != "" && g != nil {
			paths, total, _ := g.Paths(f.Component, pathLimit)
			sf.PathsTotal = total
			for _, p := range paths {
				labels := make([]string, len(p))
				for i, id := range p {
					labels[i] = Label(g, id)
				}
				sf.Paths = append(sf.Paths, labels)
			}
		}
		if f.Suppressed != nil {
			doc.Summary.Suppressed++
		} else {
			doc.Summary.Findings[f.Severity.String()]++
		}
		doc.Findings = append(doc.Findings, sf)
	}
	slices.SortStableFunc(doc.Findings, func(a, b ScanFinding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Component, b.Component),
		)
	})
	return doc
}

// Failing returns the unsuppressed findings at or above min, the ones that
// make "--fail-on" exit 1.
func (d *ScanDocument) Failing(min finding.Severity) int {
	n := 0
	for _, f := range d.Findings {
		if f.AtLeast(min) {
			n++
		}
	}
	return n
}
