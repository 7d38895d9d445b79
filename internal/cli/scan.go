package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/report"
)

// scanFlags are the flags of the main job.
type scanFlags struct {
	failOn string
	paths  int
}

func newScanCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var sf scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "The main job: inventory PATH and report what in it is known to be vulnerable, malicious or compromised",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := report.ForScan(out.format)
			if err != nil {
				return usageErr("%v", err)
			}
			var failOn finding.Severity = -1
			if sf.failOn != "" {
				if failOn, err = finding.ParseSeverity(sf.failOn); err != nil {
					return usageErr("--fail-on: %v", err)
				}
			}
			target := targetArg(args, 0)
			res, err := walkTarget(cmd.Context(), e, g, &src, target)
			if err != nil {
				return err
			}
			inv := report.NewInventory(target, tool(), res)
			doc := report.NewScan(inv, res.Graph, nil, nil, report.Database{}, sf.paths)
			if err := out.write(e, func(w io.Writer) error { return write(w, doc) }); err != nil {
				return err
			}
			if err := nothingRead(res); err != nil {
				return err
			}
			if failOn >= 0 && doc.Failing(failOn) > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	src.register(cmd)
	out.register(cmd, "table", report.ScanFormats)
	cmd.Flags().StringVar(&sf.failOn, "fail-on", "", "exit 1 when a finding is at or above `SEVERITY` (critical|high|medium|low|unknown)")
	cmd.Flags().IntVar(&sf.paths, "paths", 3, "show at most `N` dependency paths per finding")
	return cmd
}
