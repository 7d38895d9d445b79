package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/advisory/known"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/match"
	"github.com/vouchdev/vouch/match/vex"
	"github.com/vouchdev/vouch/policy"
	"github.com/vouchdev/vouch/report"
)

// scanFlags are the flags of the main job.
type scanFlags struct {
	failOn string
	paths  int
	vex    []string
	// noPolicy skips the gate even when a vouch.yaml is found.
	noPolicy bool
}

func newScanCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var db dbFlags
	var sf scanFlags
	var pf policyFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "The main job: inventory PATH and report what in it is known to be vulnerable, malicious or compromised",
		Long: `scan inventories PATH (a tree, a lockfile, a binary or an SBOM) and matches every
component against the offline advisory database ('vouch db') and the known supply-chain
compromises embedded in vouch, which apply even with no database. Findings are grouped by
severity with their ids, the fixed version, the path that brings the component in and the
direct dependency to change. Components that could not be checked are reported, never
taken as clean.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := report.ForScan(out.format)
			if err != nil {
				return usageErr("%v", err)
			}
			failOn, err := parseFailOn(sf.failOn)
			if err != nil {
				return err
			}
			var vexDocs []*vex.Document
			for _, p := range sf.vex {
				d, err := vex.Load(p)
				if err != nil {
					return inputErr(err)
				}
				vexDocs = append(vexDocs, d)
			}
			dbPath, err := db.resolve()
			if err != nil {
				return err
			}
			target := targetArg(args, 0)
			// A bad policy stops the scan before the tree is walked.
			var pol *policy.Policy
			if !sf.noPolicy {
				if pol, err = pf.load(target, pf.path != ""); err != nil {
					return err
				}
			}
			pf.startRegistry(cmd.Context(), e, g, pol, target)
			defer pf.closeRegistry()
			res, err := walkTarget(cmd.Context(), e, g, &src, target)
			if err != nil {
				return err
			}
			inv := report.NewInventory(target, tool(), res)
			// The policy's release times and unused dependencies are
			// gathered while advisories are matched.
			var pending <-chan gathered
			if pol != nil {
				pf.exclude = src.exclude
				pending = pf.gather(cmd.Context(), e, g, pol, target, res)
			}
			findings, unmatched, dbInfo, err := matchGraph(cmd.Context(), res.Graph, dbPath, time.Now())
			if err != nil {
				if pending != nil {
					<-pending
				}
				return err
			}
			for _, d := range vexDocs {
				vex.Apply(d, findings)
			}
			// The policy is decided while the scan document is built
			// (dependency paths for every finding): both only read the
			// graph and the findings.
			type decided struct {
				res *policy.Result
				err error
			}
			var verdict chan decided
			if pol != nil {
				verdict = make(chan decided, 1)
				go func() {
					r, err := evaluate(cmd.Context(), pol, res, findings, pending, true)
					verdict <- decided{r, err}
				}()
			}
			doc := report.NewScan(inv, res.Graph, findings, unmatched, dbInfo, sf.paths)
			if pol != nil {
				d := <-verdict
				if d.err != nil {
					return d.err
				}
				doc.Policy = report.NewPolicy(tool(), target, pol.Path, d.res)
			}
			if err := out.write(e, func(w io.Writer) error { return write(w, doc) }); err != nil {
				return err
			}
			if err := nothingRead(res); err != nil {
				return err
			}
			if doc.Policy != nil && !doc.Policy.Pass {
				if !g.quiet {
					fmt.Fprintf(e.stderr, "vouch: policy %s failed: %d violations\n", doc.Policy.Policy, len(doc.Policy.Violations))
				}
				return &exitError{code: ExitFindings}
			}
			return failAt(e, g, doc.Failing(failOn), "findings", failOn)
		},
	}
	src.register(cmd)
	db.register(cmd)
	out.register(cmd, "table", report.ScanFormats)
	cmd.Flags().StringVar(&sf.failOn, "fail-on", "", "exit 1 when an unsuppressed finding is at or above `SEVERITY` (critical|high|medium|low|unknown)")
	cmd.Flags().IntVar(&sf.paths, "paths", 3, "show at most `N` dependency paths per finding")
	pf.register(cmd)
	cmd.Flags().BoolVar(&sf.noPolicy, "no-policy", false, "do not apply vouch.yaml even when one is found")
	cmd.Flags().StringSliceVar(&sf.vex, "vex", nil, "apply OpenVEX statements from `FILE` (repeatable): not_affected and fixed suppress findings")
	return cmd
}

// matchGraph matches g against the database at dbPath (when there is one)
// and the embedded known compromises.
func matchGraph(ctx context.Context, g *inventory.Graph, dbPath string, now time.Time) ([]finding.Finding, []report.Unmatched, report.Database, error) {
	info := report.Database{Known: known.AsOf, Warnings: []string{}}
	opt := match.Options{}
	var dbIndex *advisory.Index
	store, err := advisory.OpenWith(ctx, dbPath, advisory.Options{ReadOnly: true})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		info.Warnings = append(info.Warnings, "no advisory database: only the embedded known compromises were checked; run 'vouch db update' (or 'vouch db import')")
	case err != nil:
		return nil, nil, info, inputErr(err)
	default:
		defer store.Close()
		info.Path = dbPath
		st, err := store.Status(ctx)
		if err != nil {
			return nil, nil, info, inputErr(err)
		}
		// One pass over the graph says which packages, and so which
		// ecosystems, the match will look up.
		pkgs := match.Packages(g)
		wanted := slices.Sorted(maps.Keys(pkgs))
		info.Ecosystems = map[string]float64{}
		for _, eco := range st.Ecosystems {
			opt.Ecosystems = append(opt.Ecosystems, eco.Ecosystem)
			if !slices.Contains(wanted, eco.Ecosystem) {
				continue
			}
			age := eco.Age(now)
			info.Ecosystems[eco.Ecosystem] = ageDays(age)
			if age > advisory.StaleAfter {
				info.Warnings = append(info.Warnings, fmt.Sprintf("%s advisories are %d days old: run 'vouch db update'", eco.Ecosystem, int(age.Hours()/24)))
			}
		}
		if opt.Ecosystems == nil {
			opt.Ecosystems = []string{}
		}
		for _, eco := range wanted {
			if !slices.Contains(opt.Ecosystems, eco) {
				info.Warnings = append(info.Warnings, fmt.Sprintf("the database has no %s advisories: run 'vouch db update --ecosystem %s'", eco, eco))
			}
		}
		if dbIndex, err = store.LoadPackages(ctx, pkgs); err != nil {
			return nil, nil, info, inputErr(err)
		}
	}
	opt.Indexes = match.Sources(dbIndex)
	res, err := match.Match(ctx, g, opt)
	if err != nil {
		return nil, nil, info, err
	}
	var unmatched []report.Unmatched
	for _, s := range res.Skipped {
		unmatched = append(unmatched, report.Unmatched{Component: s.Component, Reason: s.Reason})
	}
	for _, u := range res.Unknown {
		unmatched = append(unmatched, report.Unmatched{Component: u.Component,
			Reason: fmt.Sprintf("%s: %s %s@%s cannot be compared: %s", u.ID, u.Ecosystem, u.Name, u.Version, u.Reason)})
	}
	return res.Findings, unmatched, info, nil
}
