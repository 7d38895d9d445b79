package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/policy"
)

// PolicyFormats are the formats of 'vouch policy check'.
var PolicyFormats = []string{"table", "json", "sarif", "markdown"}

// PolicyDocument is the JSON output of 'vouch policy check' (docs/json.md).
type PolicyDocument struct {
	SchemaVersion string             `json:"schema_version"`
	Tool          Tool               `json:"tool"`
	Target        string             `json:"target"`
	Policy        string             `json:"policy"`
	Pass          bool               `json:"pass"`
	Violations    []policy.Decision  `json:"violations"`
	Warnings      []policy.Decision  `json:"warnings"`
	Excepted      []policy.Decision  `json:"excepted"`
	Expired       []policy.Exception `json:"expired_exceptions"`
	Stale         []policy.Exception `json:"stale_exceptions"`
	Summary       PolicySummary      `json:"summary"`
}

// PolicySummary counts the decisions.
type PolicySummary struct {
	Decisions  int            `json:"decisions"`
	Passed     int            `json:"passed"`
	Violations int            `json:"violations"`
	Warnings   int            `json:"warnings"`
	Excepted   int            `json:"excepted"`
	ByRule     map[string]int `json:"violations_by_rule"`
}

// NewPolicy wraps an evaluation for output.
func NewPolicy(tool Tool, target, policyPath string, r *policy.Result) *PolicyDocument {
	d := &PolicyDocument{SchemaVersion: SchemaVersion, Tool: tool, Target: target, Policy: policyPath, Pass: r.Pass,
		Violations: nonNil(r.Violations), Warnings: nonNil(r.Warnings), Excepted: []policy.Decision{},
		Expired: r.Expired, Stale: r.Stale, Summary: PolicySummary{ByRule: map[string]int{}}}
	if d.Expired == nil {
		d.Expired = []policy.Exception{}
	}
	if d.Stale == nil {
		d.Stale = []policy.Exception{}
	}
	d.Summary.Decisions, d.Summary.Passed = r.OmittedPasses, r.OmittedPasses
	for _, dec := range r.Decisions {
		d.Summary.Decisions++
		switch dec.Outcome {
		case policy.Pass:
			d.Summary.Passed++
		case policy.Excepted:
			d.Summary.Excepted++
			d.Excepted = append(d.Excepted, dec)
		}
	}
	d.Summary.Violations, d.Summary.Warnings = len(d.Violations), len(d.Warnings)
	for _, v := range d.Violations {
		d.Summary.ByRule[v.Rule]++
	}
	return d
}

func nonNil(d []policy.Decision) []policy.Decision {
	if d == nil {
		return []policy.Decision{}
	}
	return d
}

// PolicyWriter writes a policy evaluation in one format.
type PolicyWriter func(w io.Writer, doc *PolicyDocument) error

// ForPolicy returns the writer of a format.
func ForPolicy(format string) (PolicyWriter, error) {
	switch format {
	case "table":
		return PolicyTable, nil
	case "json":
		return func(w io.Writer, doc *PolicyDocument) error { return writeJSON(w, doc) }, nil
	case "sarif":
		return PolicySARIF, nil
	case "markdown":
		return PolicyMarkdown, nil
	}
	return nil, fmt.Errorf("--format %q: want %s", format, strings.Join(PolicyFormats, "|"))
}

// decisionSubject names what a decision is about: the component, or the
// file for file-level rules.
func decisionSubject(d policy.Decision) string {
	switch {
	case d.Component != "":
		return d.Component
	case d.Name != "":
		return d.Name
	case len(d.Locations) > 0:
		return d.Locations[0].Path
	}
	return "-"
}

func decisionWhere(d policy.Decision) string {
	if len(d.Locations) == 0 {
		return ""
	}
	l := d.Locations[0]
	if l.Line > 0 {
		return fmt.Sprintf("%s:%d", l.Path, l.Line)
	}
	return l.Path
}

func writeDecision(b *strings.Builder, label string, d policy.Decision) {
	fmt.Fprintf(b, "%-8s %-16s %s", label, d.Rule, decisionSubject(d))
	if w := decisionWhere(d); w != "" {
		fmt.Fprintf(b, "  (%s)", w)
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "         %s\n", d.Reason)
	if x := d.Exception; x != nil {
		fmt.Fprintf(b, "         excepted until %s by %s: %s\n", x.Expires.Format("2006-01-02"), x.Owner, x.Reason)
	}
}

// PolicyTable writes violations, warnings, excepted decisions and the
// state of the exceptions, then the verdict.
func PolicyTable(w io.Writer, doc *PolicyDocument) error {
	var b strings.Builder
	for _, d := range doc.Violations {
		writeDecision(&b, "FAIL", d)
	}
	for _, d := range doc.Warnings {
		writeDecision(&b, "WARN", d)
	}
	for _, d := range doc.Excepted {
		writeDecision(&b, "EXCEPTED", d)
	}
	for _, x := range doc.Expired {
		fmt.Fprintf(&b, "EXPIRED  exception for %s %s (%s:%d) ended %s: no longer applied (owner %s)\n",
			x.Rule, x.Component, doc.Policy, x.Line, x.Expires.Format("2006-01-02"), x.Owner)
	}
	for _, x := range doc.Stale {
		fmt.Fprintf(&b, "STALE    exception for %s %s (%s:%d) matches nothing: remove it (owner %s)\n",
			x.Rule, x.Component, doc.Policy, x.Line, x.Owner)
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	verdict := "PASS"
	if !doc.Pass {
		verdict = "FAIL"
	}
	s := doc.Summary
	fmt.Fprintf(&b, "policy %s: %s — %d decisions: %d passed, %d violations%s, %d warnings, %d excepted",
		doc.Policy, verdict, s.Decisions, s.Passed, s.Violations, ruleCounts(s.ByRule), s.Warnings, s.Excepted)
	if n := len(doc.Expired); n > 0 {
		fmt.Fprintf(&b, ", %d expired exceptions", n)
	}
	if n := len(doc.Stale); n > 0 {
		fmt.Fprintf(&b, ", %d stale exceptions", n)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func ruleCounts(by map[string]int) string {
	if len(by) == 0 {
		return ""
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, by[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// PolicyMarkdown writes a summary for a pull-request comment.
func PolicyMarkdown(w io.Writer, doc *PolicyDocument) error {
	var b strings.Builder
	verdict := "✅ passed"
	if !doc.Pass {
		verdict = "❌ failed"
	}
	fmt.Fprintf(&b, "## vouch policy %s\n\n", verdict)
	s := doc.Summary
	fmt.Fprintf(&b, "`%s`: %d decisions, %d violations, %d warnings, %d excepted.\n\n", mdEscape(doc.Policy), s.Decisions, s.Violations, s.Warnings, s.Excepted)
	table := func(title string, ds []policy.Decision) {
		if len(ds) == 0 {
			return
		}
		fmt.Fprintf(&b, "### %s\n\n| rule | component | where | reason |\n| --- | --- | --- | --- |\n", title)
		for _, d := range ds {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", mdEscape(d.Rule), strings.ReplaceAll(decisionSubject(d), "`", "'"), mdEscape(decisionWhere(d)), mdEscape(d.Reason))
		}
		b.WriteString("\n")
	}
	table("Violations", doc.Violations)
	table("Warnings", doc.Warnings)
	table("Excepted", doc.Excepted)
	if len(doc.Expired)+len(doc.Stale) > 0 {
		b.WriteString("### Exceptions to review\n\n")
		for _, x := range doc.Expired {
			fmt.Fprintf(&b, "- expired %s: %s `%s` (owner %s)\n", x.Expires.Format("2006-01-02"), mdEscape(x.Rule), strings.ReplaceAll(x.Component, "`", "'"), mdEscape(x.Owner))
		}
		for _, x := range doc.Stale {
			fmt.Fprintf(&b, "- stale (matches nothing): %s `%s` (owner %s)\n", mdEscape(x.Rule), strings.ReplaceAll(x.Component, "`", "'"), mdEscape(x.Owner))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PolicySARIF writes violations (errors or warnings by severity) and
// warnings (notes) as SARIF 2.1.0, each at the manifest line of its
// component, so code scanning shows them inline.
func PolicySARIF(w io.Writer, doc *PolicyDocument) error {
	return FindingsSARIF(w, doc.Tool, doc.Target, policyFindings(doc))
}

// policyFindings are the violations and warnings as findings of kind
// policy: warnings at low severity, so code scanning shows them as notes.
func policyFindings(doc *PolicyDocument) []finding.Finding {
	var fs []finding.Finding
	add := func(d policy.Decision, warn bool) {
		f := finding.Finding{
			ID: "policy/" + d.Rule, Aliases: []string{}, Kind: finding.Policy, Severity: d.Severity,
			Summary: d.Reason, Component: d.Component, Name: d.Name, Version: d.Version, Ecosystem: d.Ecosystem,
			Locations: d.Locations, Source: "policy",
			Remediation: fmt.Sprintf("Change the component or add an exception (rule %q) with a reason, an owner and an expiry date to %s.", d.Rule, doc.Policy),
		}
		if d.Finding != "" {
			f.Evidence = []string{"advisory " + d.Finding}
		}
		if warn {
			f.Severity = finding.Low
		}
		fs = append(fs, f)
	}
	for _, d := range doc.Violations {
		add(d, false)
	}
	for _, d := range doc.Warnings {
		add(d, true)
	}
	return fs
}

// policyExplain is the JSON output of 'vouch policy explain'.
type policyExplain struct {
	SchemaVersion string            `json:"schema_version"`
	Tool          Tool              `json:"tool"`
	Policy        string            `json:"policy"`
	Query         string            `json:"query"`
	Decisions     []policy.Decision `json:"decisions"`
}

// WritePolicyExplain writes every decision about the queried component.
func WritePolicyExplain(w io.Writer, tool Tool, policyPath, query string, ds []policy.Decision) error {
	return writeJSON(w, policyExplain{SchemaVersion: SchemaVersion, Tool: tool, Policy: policyPath, Query: query, Decisions: ds})
}

// PolicyExplainTable writes every decision about a component, passes
// included, grouped by component.
func PolicyExplainTable(w io.Writer, ds []policy.Decision) error {
	var b strings.Builder
	last := ""
	for _, d := range ds {
		if s := decisionSubject(d); s != last {
			if last != "" {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s\n", s)
			last = s
		}
		fmt.Fprintf(&b, "  %-8s %-16s %s\n", strings.ToUpper(string(d.Outcome)), d.Rule, d.Reason)
		if x := d.Exception; x != nil {
			fmt.Fprintf(&b, "  %-8s %-16s excepted until %s by %s: %s\n", "", "", x.Expires.Format("2006-01-02"), x.Owner, x.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
