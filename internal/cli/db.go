package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/report"
)

// DefaultEcosystems are downloaded by "vouch db update" when neither the
// command line nor the database names any: the ecosystems vouch reads.
var DefaultEcosystems = []string{"npm", "Go", "PyPI", "Debian"}

// dbFlags locate the advisory database.
type dbFlags struct {
	path string
}

func (d *dbFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.path, "db", "", "advisory database `FILE` (default: the user cache directory, see 'vouch db status')")
}

// resolve returns the database path: --db / VOUCH_DB, else the default.
func (d *dbFlags) resolve() (string, error) {
	if d.path != "" {
		return d.path, nil
	}
	p, err := advisory.DefaultPath()
	if err != nil {
		return "", usageErr("no user cache directory (%v): give --db or VOUCH_DB", err)
	}
	return p, nil
}

func newDBCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline advisory database (OSV)",
		Long: `db manages vouch's offline copy of OSV advisories: vulnerabilities and malicious
packages. It is one SQLite file under the user cache directory (or --db / VOUCH_DB).
An update builds the new database beside the old one and swaps it in, so an interrupted
update leaves the old one usable.`,
	}
	cmd.AddCommand(newDBStatusCmd(e), newDBImportCmd(e, g), newDBUpdateCmd(e, g))
	return cmd
}

// statusDoc is the JSON document of "vouch db status".
type statusDoc struct {
	SchemaVersion string            `json:"schema_version"`
	Tool          report.Tool       `json:"tool"`
	Path          string            `json:"path"`
	Exists        bool              `json:"exists"`
	Size          int64             `json:"size"`
	Records       int               `json:"records"`
	Withdrawn     int               `json:"withdrawn"`
	Ecosystems    []statusEcosystem `json:"ecosystems"`
	Sources       []statusSource    `json:"sources"`
	Stale         bool              `json:"stale"`
	StaleAfter    string            `json:"stale_after"`
	Warnings      []string          `json:"warnings"`
}

type statusEcosystem struct {
	Ecosystem string    `json:"ecosystem"`
	Records   int       `json:"records"`
	Newest    time.Time `json:"newest_modified,omitzero"`
	AsOf      time.Time `json:"as_of,omitzero"`
	AgeDays   float64   `json:"age_days"`
}

type statusSource struct {
	Source  string    `json:"source"`
	URL     string    `json:"url,omitempty"`
	Fetched time.Time `json:"fetched,omitzero"`
	Checked time.Time `json:"checked,omitzero"`
	Records int       `json:"records"`
}

func newDBStatusCmd(e *env) *cobra.Command {
	var db dbFlags
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print where the database is, what it holds and how old it is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := strings.ToLower(out.format)
			if format != "table" && format != "json" {
				return usageErr("unknown format %q (want one of table, json)", out.format)
			}
			path, err := db.resolve()
			if err != nil {
				return err
			}
			doc, err := dbStatus(cmd.Context(), path, time.Now())
			if err != nil {
				return err
			}
			return out.write(e, func(w io.Writer) error {
				if format == "json" {
					return writeJSONDoc(w, doc)
				}
				return writeStatusTable(w, doc)
			})
		},
	}
	db.register(cmd)
	out.register(cmd, "table", []string{"table", "json"})
	return cmd
}

func dbStatus(ctx context.Context, path string, now time.Time) (*statusDoc, error) {
	doc := &statusDoc{SchemaVersion: report.SchemaVersion, Tool: tool(), Path: path,
		StaleAfter: advisory.StaleAfter.String(), Ecosystems: []statusEcosystem{}, Sources: []statusSource{}, Warnings: []string{}}
	s, err := advisory.OpenWith(ctx, path, advisory.Options{ReadOnly: true})
	if errors.Is(err, fs.ErrNotExist) {
		doc.Warnings = append(doc.Warnings, "no database yet: run 'vouch db update' (or 'vouch db import' an OSV export); known compromises are still checked")
		return doc, nil
	}
	if err != nil {
		return nil, inputErr(err)
	}
	defer s.Close()
	st, err := s.Status(ctx)
	if err != nil {
		return nil, inputErr(err)
	}
	doc.Exists, doc.Size, doc.Records, doc.Withdrawn = true, st.Size, st.Records, st.Withdrawn
	for _, eco := range st.Ecosystems {
		age := eco.Age(now)
		doc.Ecosystems = append(doc.Ecosystems, statusEcosystem{Ecosystem: eco.Ecosystem, Records: eco.Records,
			Newest: eco.Newest, AsOf: eco.AsOf(), AgeDays: ageDays(age)})
		if age > advisory.StaleAfter {
			doc.Stale = true
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("%s advisories are %d days old (older than %d): run 'vouch db update'",
				eco.Ecosystem, int(age.Hours()/24), int(advisory.StaleAfter.Hours()/24)))
		}
	}
	for _, src := range st.Sources {
		doc.Sources = append(doc.Sources, statusSource{Source: src.Source, URL: src.URL, Fetched: src.Fetched,
			Checked: src.Checked, Records: src.Records})
	}
	if len(st.Ecosystems) == 0 {
		doc.Warnings = append(doc.Warnings, "the database holds no advisories: run 'vouch db update'")
	}
	return doc, nil
}

func writeStatusTable(w io.Writer, doc *statusDoc) error {
	fmt.Fprintf(w, "database: %s\n", doc.Path)
	if doc.Exists {
		fmt.Fprintf(w, "size:     %.1f MiB, %d records (%d withdrawn)\n", float64(doc.Size)/(1<<20), doc.Records, doc.Withdrawn)
		if len(doc.Ecosystems) > 0 {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tNEWEST MODIFIED\tAS OF\tAGE (DAYS)")
			for _, e := range doc.Ecosystems {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.1f\n", e.Ecosystem, e.Records, day(e.Newest), day(e.AsOf), e.AgeDays)
			}
			tw.Flush()
		}
	}
	for _, warn := range doc.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	return nil
}

func writeJSONDoc(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func day(t time.Time) string {
	if t.IsZero() || t.Year() < 1971 {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func newDBImportCmd(e *env, g *globals) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import OSV advisories from export zips, directories of OSV JSON, or single files",
		Long: `import reads OSV records from an export zip (one record per file, as OSV publishes
them per ecosystem: <ecosystem>/all.zip), a directory of OSV JSON files, or one file, into
the database. A newer record replaces an older one with the same id. Malformed records are
counted, listed with their file names and skipped; the import goes on.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := db.resolve()
			if err != nil {
				return err
			}
			for _, src := range args {
				if _, err := os.Stat(src); err != nil {
					return inputErr(err)
				}
			}
			opt := advisory.Options{Logger: g.logger(e)}
			var stop func()
			if e.isTerminal && !g.quiet {
				opt.Progress, stop = dbProgress(e.stderr)
			}
			s, err := advisory.OpenWith(cmd.Context(), path, opt)
			if err != nil {
				return inputErr(err)
			}
			defer s.Close()
			for _, src := range args {
				st, err := s.Import(cmd.Context(), src)
				if stop != nil {
					stop()
				}
				if err != nil {
					return inputErr(fmt.Errorf("import %s: %w", src, err))
				}
				printImport(e.stdout, st)
			}
			fmt.Fprintf(e.stdout, "database: %s\n", path)
			return nil
		},
	}
	db.register(cmd)
	return cmd
}

func printImport(w io.Writer, st advisory.ImportStats) {
	fmt.Fprintf(w, "%s: %d records read in %.2fs: %d added, %d replaced, %d older kept out, %d withdrawn, %d malformed\n",
		st.Source, st.Read, st.Duration.Seconds(), st.Added, st.Replaced, st.Older, st.Withdrawn, st.Malformed)
	for _, re := range st.Errors {
		fmt.Fprintf(w, "  skipped %v\n", re)
	}
	if more := st.Malformed - len(st.Errors); more > 0 {
		fmt.Fprintf(w, "  … and %d more malformed records\n", more)
	}
}

func newDBUpdateCmd(e *env, g *globals) *cobra.Command {
	var db dbFlags
	var ecosystems []string
	var source string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the OSV exports and swap in a new database",
		Long: `update downloads <source>/<ecosystem>/all.zip for each ecosystem, with conditional
requests (an unchanged export is not downloaded again), builds a new database beside the
old one and swaps it in atomically. The source defaults to OSV's public export; set
--source or VOUCH_DB_SOURCE for a mirror. Ecosystems default to those the database already
holds, else ` + strings.Join(DefaultEcosystems, ", ") + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := db.resolve()
			if err != nil {
				return err
			}
			if source == "" {
				source = e.getenv("VOUCH_DB_SOURCE")
			}
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			opt := advisory.UpdateOptions{Source: source, Ecosystems: ecosystems, Logger: g.logger(e)}
			var stop func()
			if e.isTerminal && !g.quiet {
				opt.Progress, stop = dbProgress(e.stderr)
			}
			st, err := advisory.Update(ctx, path, opt)
			if errors.Is(err, advisory.ErrNoEcosystems) {
				opt.Ecosystems = DefaultEcosystems
				st, err = advisory.Update(ctx, path, opt)
			}
			if stop != nil {
				stop()
			}
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return err
				}
				return inputErr(fmt.Errorf("update %s: %w (the previous database is unchanged)", path, err))
			}
			for _, u := range st.Ecosystems {
				if u.NotModified {
					fmt.Fprintf(e.stdout, "%s: unchanged since the last update\n", u.Ecosystem)
					continue
				}
				fmt.Fprintf(e.stdout, "%s: downloaded %.1f MiB; ", u.Ecosystem, float64(u.Bytes)/(1<<20))
				printImport(e.stdout, u.Import)
			}
			switch {
			case st.Rebuilt:
				fmt.Fprintf(e.stdout, "database %s was unusable and has been rebuilt (%.1fs)\n", path, st.Duration.Seconds())
			case st.Swapped:
				fmt.Fprintf(e.stdout, "database %s updated (%.1fs)\n", path, st.Duration.Seconds())
			default:
				fmt.Fprintf(e.stdout, "database %s is current\n", path)
			}
			return nil
		},
	}
	db.register(cmd)
	cmd.Flags().StringSliceVar(&ecosystems, "ecosystem", nil, "download only `ECOSYSTEM` (repeatable; OSV names: npm, Go, PyPI, Debian, ...)")
	cmd.Flags().StringVar(&source, "source", "", "base `URL` of the OSV exports (a mirror); also VOUCH_DB_SOURCE")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "give up after `DURATION`")
	return cmd
}

// dbProgress draws download and import progress on a terminal.
func dbProgress(w io.Writer) (func(advisory.Progress), func()) {
	l := &statusLine{w: w}
	return func(p advisory.Progress) {
		l.draw(false, "%s: %s %d records, %.1f MiB", p.Source, p.Stage, p.Records, float64(p.Bytes)/(1<<20))
	}, l.clear
}

// ageDays is an age in days to one decimal, as status and scan show it.
func ageDays(age time.Duration) float64 { return float64(int(age.Hours()/24*10)) / 10 }
