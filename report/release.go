package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/release"
)

// ReleaseDocument is the JSON output of 'vouch release diff' (docs/json.md).
type ReleaseDocument struct {
	SchemaVersion string `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	*release.Report
}

// NewRelease wraps a comparison for output.
func NewRelease(tool Tool, r *release.Report) *ReleaseDocument {
	return &ReleaseDocument{SchemaVersion: SchemaVersion, Tool: tool, Report: r}
}

// ReleaseWriter writes a release comparison in one format.
type ReleaseWriter func(w io.Writer, doc *ReleaseDocument) error

// ReleaseFormats are the formats of 'vouch release diff'.
var ReleaseFormats = []string{"table", "json", "sarif", "markdown"}

// ForRelease returns the writer of a format.
func ForRelease(format string) (ReleaseWriter, error) {
	switch format {
	case "table":
		return ReleaseTable, nil
	case "json":
		return func(w io.Writer, doc *ReleaseDocument) error { return writeJSON(w, doc) }, nil
	case "sarif":
		return ReleaseSARIF, nil
	case "markdown":
		return ReleaseMarkdown, nil
	}
	return nil, fmt.Errorf("format %q: want %s", format, strings.Join(ReleaseFormats, "|"))
}

// maxTableFiles bounds the unranked differences the table lists.
const maxTableFiles = 30

// ReleaseTable writes the ranked findings with their evidence, then the
// differences no check found anything in, collapsed by kind.
func ReleaseTable(w io.Writer, doc *ReleaseDocument) error {
	var b strings.Builder
	r := doc.Report
	fmt.Fprintf(&b, "%s (%s) against %s at %s (%s)\n\n", r.Tarball, r.Format, r.Repo, r.Ref, shortID(r.Commit))
	for _, f := range r.Findings {
		loc := f.Locations[0]
		where := loc.Path
		if loc.Line > 0 {
			where = fmt.Sprintf("%s:%d", loc.Path, loc.Line)
		}
		fmt.Fprintf(&b, "%-8s %s  [%s]\n", strings.ToUpper(f.Severity.String()), where, f.ID)
		fmt.Fprintf(&b, "  %s\n", strings.TrimPrefix(f.Summary, loc.Path+": "))
		for _, line := range strings.Split(f.Details, "\n")[1:] {
			if line != "" {
				fmt.Fprintf(&b, "  also: %s\n", line)
			}
		}
		for _, ev := range f.Evidence {
			fmt.Fprintf(&b, "    %s\n", ev)
		}
		b.WriteString("\n")
	}
	// Differences without findings: unexpected ones by name, expected
	// ones counted by the tool that generates them.
	var unexpected []release.File
	gen := map[string]int{}
	for _, f := range r.Files {
		if f.Severity != finding.Unknown {
			continue
		}
		switch {
		case f.Status == release.OnlyTarball && f.Expected:
			gen[f.GeneratedBy]++
		case f.Status == release.OnlyGit && f.Expected:
		default:
			unexpected = append(unexpected, f)
		}
	}
	if len(unexpected) > 0 {
		fmt.Fprintf(&b, "Other differences:\n")
		for i, f := range unexpected {
			if i == maxTableFiles {
				fmt.Fprintf(&b, "  … and %d more (--format json lists them all)\n", len(unexpected)-i)
				break
			}
			fmt.Fprintf(&b, "  %-12s %s (%s)\n", f.Status, f.Path, f.Class)
		}
		b.WriteString("\n")
	}
	s := r.Summary
	fmt.Fprintf(&b, "%d identical, %d only in the tarball (%d generated", s.Identical, s.OnlyTarball, s.OnlyTarballGen)
	if len(gen) > 0 {
		keys := make([]string, 0, len(gen))
		for k := range gen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, gen[k]))
		}
		fmt.Fprintf(&b, ": %s", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "), %d only in git (%d expected), %d different", s.OnlyGit, s.OnlyGitExpected, s.Different)
	if s.Problems > 0 {
		fmt.Fprintf(&b, ", %d unsafe archive entries", s.Problems)
	}
	fmt.Fprintf(&b, "\nchecked %d build scripts, %d macros (against %d upstream), %d test files\n",
		s.AnalysedScripts, s.AnalysedMacros, s.ReferenceMacros, s.AnalysedFixtures)
	fmt.Fprintf(&b, "%d findings%s\n", s.Findings, severityCounts(s.BySeverity))
	_, err := io.WriteString(w, b.String())
	return err
}

func severityCounts(by map[string]int) string {
	var parts []string
	for _, sev := range []string{"critical", "high", "medium", "low", "unknown"} {
		if n := by[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ReleaseMarkdown writes the comparison for a pull request comment or a
// review ticket: findings as sections with their evidence in code blocks.
func ReleaseMarkdown(w io.Writer, doc *ReleaseDocument) error {
	var b strings.Builder
	r := doc.Report
	fmt.Fprintf(&b, "# Release review: `%s`\n\n", mdEscape(r.Tarball))
	fmt.Fprintf(&b, "Compared with `%s` at `%s` (`%s`) of `%s`.\n\n", mdEscape(r.Ref), mdEscape(r.Ref), shortID(r.Commit), mdEscape(r.Repo))
	s := r.Summary
	fmt.Fprintf(&b, "| identical | only in tarball | of which generated | only in git | different | findings |\n")
	fmt.Fprintf(&b, "| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d |\n\n", s.Identical, s.OnlyTarball, s.OnlyTarballGen, s.OnlyGit, s.Different, s.Findings)
	for i, f := range r.Findings {
		loc := f.Locations[0]
		fmt.Fprintf(&b, "## %d. %s `%s`", i+1, strings.ToUpper(f.Severity.String()), mdEscape(loc.Path))
		if loc.Line > 0 {
			fmt.Fprintf(&b, " line %d", loc.Line)
		}
		fmt.Fprintf(&b, "\n\n%s\n\n", mdEscape(strings.TrimPrefix(f.Summary, loc.Path+": ")))
		for _, line := range strings.Split(f.Details, "\n")[1:] {
			if line != "" {
				fmt.Fprintf(&b, "- %s\n", mdEscape(line))
			}
		}
		if len(f.Evidence) > 0 {
			b.WriteString("\n```text\n")
			for _, ev := range f.Evidence {
				b.WriteString(strings.ReplaceAll(ev, "```", "'''"))
				b.WriteString("\n")
			}
			b.WriteString("```\n")
		}
		b.WriteString("\n")
	}
	if len(r.Findings) == 0 {
		b.WriteString("No findings.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps text from a hostile tarball from turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "<", "&lt;", ">", "&gt;",
		"[", "\\[", "]", "\\]", "|", "\\|", "\n", " ", "\r", " ")
	return r.Replace(s)
}

// ReleaseSARIF writes the findings as SARIF 2.1.0, located in the
// repository's tree so code scanning shows them on the files.
func ReleaseSARIF(w io.Writer, doc *ReleaseDocument) error {
	return FindingsSARIF(w, doc.Tool, doc.Repo, doc.Findings)
}

// FindingsSARIF writes findings located at paths relative to root as a
// SARIF 2.1.0 log: one rule per finding id, one result per finding.
func FindingsSARIF(w io.Writer, tool Tool, root string, findings []finding.Finding) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "vouch", Version: tool.Version,
			InformationURI: "https://github.com/vouchdev/vouch", Rules: []sarifRule{}}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{"SRCROOT": {URI: srcRoot(root)}},
		Results:            []sarifResult{},
	}
	run.addFindings(map[string]int{}, findings)
	return writeJSON(w, sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

// addFindings adds a rule per new finding id (ruleIndex maps ids to rule
// indexes already in the run) and a result per finding.
func (run *sarifRun) addFindings(ruleIndex map[string]int, findings []finding.Finding) {
	for _, f := range findings {
		idx, ok := ruleIndex[f.ID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.ID] = idx
			rule := ruleFor(f)
			rule.ShortDescription = sarifMessage{Text: f.ID}
			rule.FullDescription = nil
			rule.Help = &sarifMessage{Text: f.Remediation}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
		} else if r := &run.Tool.Driver.Rules[idx]; securityScore(r) < securityScoreOf(f) {
			r.Properties["security-severity"] = securitySeverity(f)
		}
		text := f.Summary
		if len(f.Evidence) > 0 {
			text += "\n" + strings.Join(f.Evidence[:min(len(f.Evidence), 8)], "\n")
		}
		path := ""
		if len(f.Locations) > 0 {
			path = f.Locations[0].Path
		}
		res := sarifResult{
			RuleID: f.ID, RuleIndex: idx, Level: sarifLevel(f.Severity),
			Message:             sarifMessage{Text: text},
			PartialFingerprints: map[string]string{"vouchFinding/v1": fingerprint(f.ID, path)},
			Properties:          map[string]any{"kind": string(f.Kind), "severity": f.Severity.String()},
		}
		for _, l := range f.Locations {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: l.Path, URIBaseID: "SRCROOT"}}}
			if l.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
			}
			res.Locations = append(res.Locations, loc)
		}
		run.Results = append(run.Results, res)
	}
}
