package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/policy"
	"github.com/vouchdev/vouch/repo"
	"github.com/vouchdev/vouch/report"
)

// repoFormats are the output formats of 'vouch repo risk'.
var repoFormats = []string{"table", "json", "markdown"}

// repoDocument is the JSON output of 'vouch repo risk' (docs/json.md).
type repoDocument struct {
	SchemaVersion string      `json:"schema_version"`
	Tool          report.Tool `json:"tool"`
	*repo.Report
}

func newRepoCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Read a project's git history for maintainer and takeover signals",
	}
	cmd.AddCommand(newRepoRiskCmd(e, g))
	return cmd
}

func newRepoRiskCmd(e *env, g *globals) *cobra.Command {
	var out outputFlags
	var since, newcomer, failOn string
	cmd := &cobra.Command{
		Use:   "risk GITDIR",
		Short: "Timeline of who gained control of a project and what they changed, from its git history, offline",
		Long: `risk reads the history of the git repository GITDIR (streamed from git, no checkout, nothing
run) and reports the events a takeover like the xz-utils one leaves behind: a newcomer who
gains commit rights and becomes the main committer, a change of release signing key, changes
to security contacts and project addresses, newcomers editing the build system, CI or
hardening checks, .gitignore lines that hide build inputs, binary files added under test
directories shortly before a release; and the project's health (bus factor, last activity,
signed commits and tags). It is about events, not accusations: people are named as the
history names them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(repoFormats, out.format) {
				return usageErr("--format %q: want %s", out.format, strings.Join(repoFormats, "|"))
			}
			var opt repo.Options
			if since != "" {
				t, err := time.Parse("2006-01-02", since)
				if err != nil {
					return usageErr("--since %q: want YYYY-MM-DD", since)
				}
				opt.Since = t
			}
			if newcomer != "" {
				d, err := policy.ParseDuration(newcomer)
				if err != nil {
					return usageErr("--newcomer-age: %v", err)
				}
				opt.NewcomerAge = d
			}
			threshold, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			opt.Logger = g.logger(e)
			res, err := repo.Analyze(cmd.Context(), args[0], opt)
			if err != nil {
				if cmd.Context().Err() != nil {
					return cmd.Context().Err()
				}
				return inputErr(err)
			}
			doc := &repoDocument{SchemaVersion: report.SchemaVersion, Tool: tool(), Report: res}
			if err := out.write(e, func(w io.Writer) error {
				switch out.format {
				case "json":
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(doc)
				case "markdown":
					return writeRepoMarkdown(w, res)
				}
				return writeRepoTable(w, res)
			}); err != nil {
				return err
			}
			n := 0
			for _, s := range res.Signals {
				if s.Severity >= threshold {
					n++
				}
			}
			return failAt(e, g, n, "signals", threshold)
		},
	}
	out.register(cmd, "table", repoFormats)
	cmd.Flags().StringVar(&since, "since", "", "report events from `DATE` (YYYY-MM-DD) on; the whole history is still read")
	cmd.Flags().StringVar(&newcomer, "newcomer-age", "", "how long after their first commit a person counts as a newcomer (`DURATION`, e.g. 180d; default 180d)")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a signal is at or above `SEVERITY`")
	return cmd
}

func repoDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func short(id string) string {
	if len(id) > 10 {
		return id[:10]
	}
	return id
}

func writeRepoTable(w io.Writer, r *repo.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s\n%s\n\n", r.Repo, short(r.Head), r.Notice)
	if len(r.Signals) > 0 {
		b.WriteString("Signals\n")
		for _, s := range r.Signals {
			fmt.Fprintf(&b, "  %-8s %s: %s\n", strings.ToUpper(s.Severity.String()), s.ID, s.Summary)
			for _, ev := range s.Evidence {
				fmt.Fprintf(&b, "           %s\n", ev)
			}
		}
		b.WriteString("\n")
	}
	if len(r.Events) > 0 {
		b.WriteString("Timeline\n")
		for _, ev := range r.Events {
			ref := short(ev.Commit)
			if ev.Tag != "" {
				ref = ev.Tag
			}
			fmt.Fprintf(&b, "  %s  %-8s %-10s %-26s %s", repoDay(ev.Time), strings.ToUpper(ev.Severity.String()), ref, ev.Kind, ev.Person)
			if ev.Path != "" {
				fmt.Fprintf(&b, "  %s", ev.Path)
			}
			fmt.Fprintf(&b, "\n%s%s", strings.Repeat(" ", 14), ev.Summary)
			if ev.Why != "" {
				fmt.Fprintf(&b, " — %s", ev.Why)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	h := r.Health
	fmt.Fprintf(&b, "Health: %d commits, last %s; bus factor %d (%s); signed commits %.0f%%, signed tags %.0f%%\n",
		h.Commits, repoDay(h.LastCommit), h.BusFactor, strings.Join(h.BusFactorAuthors, ", "), 100*h.SignedCommitShare, 100*h.SignedTagShare)
	for _, p := range h.SingleMaintainer {
		fmt.Fprintf(&b, "  single maintainer %s to %s: %s\n", repoDay(p.From), repoDay(p.To), p.Person)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRepoMarkdown(w io.Writer, r *repo.Report) error {
	var b strings.Builder
	esc := strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'")
	fmt.Fprintf(&b, "# Project risk: `%s`\n\n_%s_\n\n", esc.Replace(r.Repo), esc.Replace(r.Notice))
	if len(r.Signals) > 0 {
		b.WriteString("| severity | signal | summary |\n| --- | --- | --- |\n")
		for _, s := range r.Signals {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Severity, esc.Replace(s.ID), esc.Replace(s.Summary))
		}
		b.WriteString("\n")
	}
	if len(r.Events) > 0 {
		b.WriteString("## Timeline\n\n| date | event | who | commit or tag | why it matters |\n| --- | --- | --- | --- | --- |\n")
		for _, ev := range r.Events {
			ref := short(ev.Commit)
			if ev.Tag != "" {
				ref = ev.Tag
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", repoDay(ev.Time), esc.Replace(ev.Kind), esc.Replace(ev.Person), esc.Replace(ref), esc.Replace(strings.TrimSpace(ev.Summary+" "+ev.Why)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
