package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

// Table renders documents as aligned text for a terminal.
type Table struct{}

// Inventory implements Handler.
func (Table) Inventory(w io.Writer, inv *Inventory) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tNAME\tVERSION\tSCOPE\tDEPENDENCY\tLOCATION")
	for _, c := range inv.Components {
		version := c.Version
		if c.Unpinned {
			version = "(unpinned " + c.Properties["specifier"] + ")"
		}
		dep := "transitive"
		if c.Direct {
			dep = "direct"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Ecosystem, c.Name, version, c.Scope, dep, location(c))
	}
	tw.Flush()
	fmt.Fprintln(bw)
	writeSummary(bw, inv)
	return bw.Flush()
}

// Scan implements Handler: findings grouped by severity, each with its
// ids, the fix, the path that brings it in and what to do; then the
// inventory summary.
func (Table) Scan(w io.Writer, doc *ScanDocument) error {
	bw := bufio.NewWriter(w)
	for _, warn := range doc.Database.Warnings {
		fmt.Fprintf(bw, "warning: %s\n", warn)
	}
	if len(doc.Database.Warnings) > 0 {
		fmt.Fprintln(bw)
	}
	var cur finding.Severity = -1
	for _, f := range doc.Findings {
		if f.Suppressed != nil {
			continue
		}
		if f.Severity != cur {
			cur = f.Severity
			fmt.Fprintf(bw, "%s (%d)\n", strings.ToUpper(cur.String()), doc.Summary.Findings[cur.String()])
		}
		writeFinding(bw, f)
	}
	suppressed := 0
	for _, f := range doc.Findings {
		if f.Suppressed == nil {
			continue
		}
		if suppressed == 0 {
			fmt.Fprintf(bw, "SUPPRESSED (%d)\n", doc.Summary.Suppressed)
		}
		suppressed++
		fmt.Fprintf(bw, "  %s  %s: %s", f.ID, componentText(f.Finding), f.Suppressed.Status)
		if f.Suppressed.Justification != "" {
			fmt.Fprintf(bw, " (%s)", f.Suppressed.Justification)
		}
		if f.Suppressed.Source != "" {
			fmt.Fprintf(bw, " [%s]", f.Suppressed.Source)
		}
		fmt.Fprintln(bw)
	}
	if len(doc.Findings) == 0 {
		fmt.Fprintln(bw, "No known vulnerable, malicious or compromised components.")
	}
	fmt.Fprintln(bw)
	if n := len(doc.Unmatched); n > 0 {
		fmt.Fprintf(bw, "%d components could not be checked (see --format json \"unmatched\"), e.g. %s: %s\n",
			n, doc.Unmatched[0].Component, doc.Unmatched[0].Reason)
	}
	writeSummary(bw, doc.Inventory)
	if len(doc.Findings) > 0 {
		var parts []string
		for _, sev := range []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Unknown} {
			if n := doc.Summary.Findings[sev.String()]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		if doc.Summary.Suppressed > 0 {
			parts = append(parts, fmt.Sprintf("%d suppressed", doc.Summary.Suppressed))
		}
		fmt.Fprintf(bw, "findings: %s\n", strings.Join(parts, ", "))
	}
	if doc.Policy != nil {
		fmt.Fprintln(bw)
		if err := PolicyTable(bw, doc.Policy); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func componentText(f finding.Finding) string {
	s := f.Name
	if f.Version != "" {
		s += "@" + f.Version
	}
	if f.Ecosystem != "" {
		s += " (" + f.Ecosystem + ")"
	}
	return s
}

func writeFinding(w io.Writer, f ScanFinding) {
	ids := f.ID
	var others []string
	for _, a := range f.Aliases {
		if a != f.ID {
			others = append(others, a)
		}
	}
	if len(others) > 0 {
		ids += " (" + strings.Join(others, ", ") + ")"
	}
	kind := ""
	if f.Kind != finding.Vulnerability {
		kind = " [" + string(f.Kind) + "]"
	}
	fmt.Fprintf(w, "  %s  %s%s\n", componentText(f.Finding), ids, kind)
	if f.Summary != "" {
		fmt.Fprintf(w, "    %s\n", f.Summary)
	}
	if len(f.Paths) > 0 {
		fmt.Fprintf(w, "    path: %s", strings.Join(f.Paths[0], " → "))
		if more := f.PathsTotal - 1; more > 0 {
			fmt.Fprintf(w, " (+%d more)", more)
		}
		fmt.Fprintln(w)
	}
	if f.Remediation != "" {
		fmt.Fprintf(w, "    fix: %s\n", f.Remediation)
	} else if len(f.Fixed) > 0 {
		fmt.Fprintf(w, "    fix: upgrade to %s\n", f.Fixed[0])
	}
}

// Why implements Handler.
func (Table) Why(w io.Writer, doc *WhyDocument) error {
	bw := bufio.NewWriter(w)
	for i, r := range doc.Results {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%s (%s)\n", componentLabel(r.Component), r.Component.PURL)
		for _, p := range r.Paths {
			fmt.Fprintf(bw, "  %s\n", strings.Join(p, " → "))
		}
		if more := r.Total - len(r.Paths); more > 0 || !r.Complete {
			plus := ""
			if !r.Complete {
				plus = "+"
			}
			fmt.Fprintf(bw, "  … and %d%s more paths\n", more, plus)
		}
		if len(r.Paths) == 0 {
			fmt.Fprintln(bw, "  (no path from a root)")
		}
	}
	return bw.Flush()
}

func location(c *inventory.Component) string {
	if len(c.Locations) == 0 {
		return ""
	}
	l := c.Locations[0]
	s := l.Path
	if l.Line > 0 {
		s = fmt.Sprintf("%s:%d", l.Path, l.Line)
	}
	if n := len(c.Locations) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d)", n)
	}
	return s
}

func writeSummary(w io.Writer, inv *Inventory) {
	s := inv.Summary
	fmt.Fprintf(w, "%d components (%d direct, %d transitive) from %d roots in %s\n",
		s.Components, s.Direct, s.Transitive, s.Roots, inv.Target)
	for _, eco := range sortedKeys(s.Ecosystems) {
		fmt.Fprintf(w, "  %-14s %d\n", eco, s.Ecosystems[eco])
	}
	if len(inv.Errors) > 0 {
		fmt.Fprintf(w, "%d files could not be read:\n", len(inv.Errors))
		for _, e := range inv.Errors {
			fmt.Fprintf(w, "  %s\n", formatError(e))
		}
	}
}

func formatError(e FileError) string {
	pos := e.Path
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", pos, e.Line)
		if e.Column > 0 {
			pos = fmt.Sprintf("%s:%d", pos, e.Column)
		}
	}
	if e.Extractor != "" {
		return fmt.Sprintf("%s: %s (%s)", pos, e.Message, e.Extractor)
	}
	return fmt.Sprintf("%s: %s", pos, e.Message)
}
