package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

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

// Scan implements Handler.
func (Table) Scan(w io.Writer, inv *Inventory) error {
	bw := bufio.NewWriter(w)
	writeSummary(bw, inv)
	return bw.Flush()
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
