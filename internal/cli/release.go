package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/release"
	"github.com/vouchdev/vouch/release/m4"
	"github.com/vouchdev/vouch/report"
)

func newReleaseCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Check that a release is what its source says it is",
	}
	cmd.AddCommand(newReleaseDiffCmd(e, g))
	return cmd
}

func newReleaseDiffCmd(e *env, g *globals) *cobra.Command {
	var out outputFlags
	var repo, ref, failOn string
	var refs []string
	var noDefaultRefs bool
	cmd := &cobra.Command{
		Use:   "diff TARBALL --git REPO --ref TAG",
		Short: "Compare a release tarball with the git tag it claims to come from, and rank what differs",
		Long: `release diff reads TARBALL (.tar, .tar.gz, .tar.bz2, .tar.xz, .tar.zst or .zip, recognised by
content) as a stream and compares every file with the tree of --ref in the local git repository
--git, without a checkout and without extracting anything. Files only the release has are not
waved through because they look generated: m4 macros are checked against upstream copies
(--m4-reference, by default the system's aclocal and gnulib directories), build scripts by their
content, the generated configure against the macros it came from, and binary test files for
hidden streams and markers; findings of one check feed the others. Nothing scanned is executed.

The findings come ranked, the one that matters first, each with evidence to check in a minute.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := report.ForRelease(out.format)
			if err != nil {
				return usageErr("--format: %v", err)
			}
			if repo == "" || ref == "" {
				return usageErr("--git REPO and --ref TAG are both required")
			}
			threshold, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			log := g.logger(e)
			dirs := refs
			if len(dirs) == 0 && !noDefaultRefs {
				dirs = m4.DefaultDirs()
			}
			var opt release.Options
			opt.Logger = log
			if len(dirs) > 0 {
				// Loaded while the tarball is read.
				opt.LoadReference = func(ctx context.Context) (*m4.Reference, error) {
					rs, err := m4.LoadReference(ctx, dirs...)
					if err != nil {
						return nil, fmt.Errorf("--m4-reference: %w", err)
					}
					log.Debug("m4 reference", "dirs", dirs, "macros", rs.Len())
					return rs, nil
				}
			} else if !g.quiet {
				fmt.Fprintln(e.stderr, "vouch: no m4 reference directory: macros are checked by content only (see --m4-reference)")
			}
			res, err := release.Compare(ctx, args[0], repo, ref, opt)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// A tarball, repository or ref that cannot be read is
				// the input's fault, named in the message.
				return inputErr(err)
			}
			doc := report.NewRelease(tool(), res)
			if err := out.write(e, func(w io.Writer) error { return write(w, doc) }); err != nil {
				return err
			}
			return failAt(e, g, res.Failing(threshold), "findings", threshold)
		},
	}
	out.register(cmd, "table", report.ReleaseFormats)
	cmd.Flags().StringVar(&repo, "git", "", "the local git `REPO` the release claims to come from")
	cmd.Flags().StringVar(&ref, "ref", "", "the `TAG` (or commit) of the release in REPO")
	cmd.Flags().StringSliceVar(&refs, "m4-reference", nil, "a `DIR` of upstream m4 macros to check shipped ones against (repeatable; default: the system's aclocal and gnulib m4 directories that exist)")
	cmd.Flags().BoolVar(&noDefaultRefs, "no-default-m4-reference", false, "do not read the system's m4 directories when --m4-reference is not given")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a finding is at or above `SEVERITY` (critical|high|medium|low)")
	return cmd
}
