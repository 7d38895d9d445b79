package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vouchdev/vouch/extract/list"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/report"
	"github.com/vouchdev/vouch/walk"
	"github.com/vouchdev/vouch/walk/image"
)

// sourceFlags select what is walked.
type sourceFlags struct {
	exclude          []string
	includeInstalled bool
	workers          int
	platform         string
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&s.exclude, "exclude", nil, "skip paths matching `GLOB` (repeatable; without / it matches any path element)")
	cmd.Flags().BoolVar(&s.includeInstalled, "include-installed", false, "also walk installed trees (node_modules, site-packages, .venv)")
	cmd.Flags().IntVar(&s.workers, "workers", 0, "files read at once (0: one per CPU)")
	cmd.Flags().StringVar(&s.platform, "platform", "", "for a multi-platform image: read `OS/ARCH[/VARIANT]`, or all (default: linux/amd64, else the host's architecture, else the first)")
}

// outputFlags choose the format and destination.
type outputFlags struct {
	format string
	output string
}

func (o *outputFlags) register(cmd *cobra.Command, def string, formats []string) {
	cmd.Flags().StringVarP(&o.format, "format", "f", def, "output `FORMAT`: "+strings.Join(formats, "|"))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output (replaced atomically)")
}

// write renders through fn to the chosen destination. A file is written
// beside its final name and renamed, so a failure never leaves half a file.
func (o *outputFlags) write(e *env, fn func(io.Writer) error) error {
	if o.output == "" || o.output == "-" {
		return fn(e.stdout)
	}
	if o.output == os.DevNull {
		return fn(io.Discard)
	}
	dir := filepath.Dir(o.output)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(o.output)+".*")
	if err != nil {
		return inputErr(fmt.Errorf("output: %w", err))
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	if err := os.Rename(tmp.Name(), o.output); err != nil {
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	return nil
}

// walkTarget runs the walk over target with progress on a terminal.
func walkTarget(ctx context.Context, e *env, g *globals, s *sourceFlags, target string) (*walk.Result, error) {
	if _, err := os.Stat(target); err != nil {
		return nil, inputErr(err)
	}
	opt := walk.Options{
		Extractors:       list.All(),
		Exclude:          s.exclude,
		IncludeInstalled: s.includeInstalled,
		Workers:          s.workers,
		Logger:           g.logger(e),
		Image:            image.Options{Platform: s.platform},
	}
	var stop func()
	if e.isTerminal && !g.quiet {
		opt.Progress, stop = progress(e.stderr)
	}
	res, err := walk.Walk(ctx, target, opt)
	if stop != nil {
		stop()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, inputErr(err)
	}
	return res, nil
}

// nothingRead is the error of a walk that found files but could read none.
func nothingRead(res *walk.Result) error {
	if res.Read == 0 && len(res.Errors) > 0 {
		return &exitError{code: ExitUsage, err: fmt.Errorf("no file could be read (%d failed)", len(res.Errors))}
	}
	return nil
}

// statusLine redraws one line of progress on a terminal at most every
// 100 ms (always when final is true); clear removes it.
type statusLine struct {
	w     io.Writer
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func (l *statusLine) draw(final bool, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.last) < 100*time.Millisecond && !final {
		return
	}
	l.last = time.Now()
	fmt.Fprintf(l.w, "\r\033[K"+format, args...)
	l.drawn = true
}

func (l *statusLine) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drawn {
		fmt.Fprint(l.w, "\r\033[K")
		l.drawn = false
	}
}

// progress returns a walk progress callback drawing on w, and a function
// that clears it.
func progress(w io.Writer) (func(walk.Progress), func()) {
	l := &statusLine{w: w}
	return func(p walk.Progress) {
		l.draw(p.Done, "scanning: %d files, %d read of %d claimed", p.Files, p.Extracted, p.Claimed)
	}, l.clear
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func targetArg(args []string, i int) string {
	if len(args) > i {
		return args[i]
	}
	return "."
}

func newInventoryCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "inventory [PATH]",
		Short: "List every component under PATH (a tree, a lockfile, a binary or an SBOM)",
		Long: `inventory lists every component found under PATH: ecosystem, name, version, Package URL,
whether it is direct or transitive, its scope, licences, hashes and the file (and line) it
came from. PATH defaults to the current directory. The JSON form is documented in
docs/json.md.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := report.For(out.format)
			if err != nil {
				return usageErr("%v", err)
			}
			target := targetArg(args, 0)
			res, err := walkTarget(cmd.Context(), e, g, &src, target)
			if err != nil {
				return err
			}
			inv := report.NewInventory(target, tool(), res)
			if err := out.write(e, func(w io.Writer) error { return h.Inventory(w, inv) }); err != nil {
				return err
			}
			return nothingRead(res)
		},
	}
	src.register(cmd)
	out.register(cmd, "table", report.Formats)
	return cmd
}

func newWhyCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "why NAME|NAME@VERSION|PURL [PATH]",
		Short: "Print the dependency paths from a root to a component",
		Long: `why prints every path from a root (a manifest, a binary, a root filesystem) to the
components that match, shortest first, e.g.
  package-lock.json → express@4.21.2 → debug@2.6.9 → ms@2.0.0
NAME matches a component's name in any ecosystem (PyPI names as PEP 503 normalises them),
or, when no name is equal, the last element of a path-like name ("pflag" for
github.com/spf13/pflag);
NAME@VERSION narrows to one version; a Package URL with or without version matches exactly.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := report.For(out.format)
			if err != nil {
				return usageErr("%v", err)
			}
			if limit < 1 {
				return usageErr("--limit must be at least 1")
			}
			target := targetArg(args, 1)
			res, err := walkTarget(cmd.Context(), e, g, &src, target)
			if err != nil {
				return err
			}
			comps := Find(res.Graph, args[0])
			if len(comps) == 0 {
				if err := nothingRead(res); err != nil {
					return err
				}
				return &exitError{code: ExitFindings, err: fmt.Errorf("no component matches %q in %s", args[0], target)}
			}
			doc := &report.WhyDocument{SchemaVersion: report.SchemaVersion, Tool: tool(), Target: target, Query: args[0],
				Results: report.NewWhy(res.Graph, comps, limit)}
			return out.write(e, func(w io.Writer) error { return h.Why(w, doc) })
		},
	}
	src.register(cmd)
	out.register(cmd, "table", report.Formats)
	cmd.Flags().IntVar(&limit, "limit", 5, "show at most `N` paths per component (the rest are counted)")
	return cmd
}

// Find returns the components a why query names: a PURL (exact, or every
// version when the PURL has none), NAME@VERSION, or NAME.
func Find(g *inventory.Graph, q string) []*inventory.Component {
	var out []*inventory.Component
	if strings.HasPrefix(q, "pkg:") {
		if c := g.Component(q); c != nil {
			return []*inventory.Component{c}
		}
		want, err := purl.Parse(q)
		if err != nil {
			return nil
		}
		for _, c := range g.Components() {
			p, err := purl.Parse(c.PURL)
			if err != nil {
				continue
			}
			if p.Name == want.Name && purl.Type(p.Ecosystem) == purl.Type(want.Ecosystem) && (want.Version == "" || p.Version == want.Version) {
				out = append(out, c)
			}
		}
		return out
	}
	name, version := q, ""
	if i := strings.LastIndex(q, "@"); i > 0 {
		name, version = q[:i], q[i+1:]
	}
	// An exact name wins; otherwise the last path element, so "pflag"
	// finds github.com/spf13/pflag and "core" finds @babel/core, or a
	// Maven artifactId, so "log4j-core" finds
	// org.apache.logging.log4j:log4j-core.
	var suffix []*inventory.Component
	for _, c := range g.Components() {
		qn := name
		if c.Ecosystem == purl.PyPI {
			qn = purl.NormalizePyPI(name)
		}
		if version != "" && c.Version != version {
			continue
		}
		switch {
		case c.Name == qn:
			out = append(out, c)
		case strings.HasSuffix(c.Name, "/"+qn), c.Ecosystem == purl.Maven && strings.HasSuffix(c.Name, ":"+qn):
			suffix = append(suffix, c)
		}
	}
	if len(out) == 0 {
		return suffix
	}
	return out
}

func tool() report.Tool { return report.Tool{Name: "vouch", Version: Version()} }
