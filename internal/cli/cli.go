// Package cli is vouch's command line: subcommands, flags, environment
// variables and exit codes. Everything it does is in the library packages;
// this package only wires them to arguments and streams.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vouchdev/vouch/finding"
)

// Exit codes, the one place they are decided.
const (
	ExitOK       = 0 // clean
	ExitFindings = 1 // policy failed or findings at or above --fail-on
	ExitUsage    = 2 // bad usage or unreadable input
	ExitInternal = 3 // a bug or an environment failure
)

// exitError carries an exit code through cobra's error return. A nil err
// exits quietly (the output already said why, as for findings).
type exitError struct {
	code int
	err  error
}

// Error implements error.
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the error that decided the exit code.
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func inputErr(err error) error { return &exitError{code: ExitUsage, err: err} }

// version is set at link time by release builds (-X); otherwise the module
// version from the build info is used.
var version = ""

// Version returns vouch's version string.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// env is the process environment as the CLI sees it; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stderr is a terminal (for progress).
	isTerminal bool
}

// Main runs vouch with args (without the program name) and returns the exit
// code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// vouch runs in CI containers with memory limits, at a tenth of its
	// peers' CPU time: collecting twice as often costs no measurable time
	// and lowers peak memory by 5-8 % (docs/performance.md). GOGC still
	// decides when it is set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, isTerminal: isTerminal(stderr)}
	root, g := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	// Cobra skips the post-run hook when a command fails: profiles of a
	// failing run (a gate that finds violations) are written here.
	if perr := g.stopProfiles(); perr != nil && err == nil {
		err = perr
	}
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "vouch: %v\n", ee.err)
		}
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "vouch: interrupted")
		return ExitInternal
	}
	// Errors cobra returns itself are about usage: unknown commands and flags.
	fmt.Fprintf(stderr, "vouch: %v\n", err)
	if isUsage(err) {
		fmt.Fprintln(stderr, "Run 'vouch --help' for usage.")
		return ExitUsage
	}
	return ExitInternal
}

func isUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "arg(s)"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// globals are the flags every command has.
type globals struct {
	quiet      bool
	verbose    bool
	cpuprofile string
	memprofile string
	cpuFile    *os.File
}

func newRoot(e *env) (*cobra.Command, *globals) {
	g := &globals{}
	root := &cobra.Command{
		Use:   "vouch",
		Short: "Know what open source you run, whether it is known bad, and whether it is what it claims to be",
		Long: `vouch inventories every component a project or machine runs, direct and transitive,
explains why each is there, and writes and reads SBOMs. Every flag can also be set with an
environment variable VOUCH_<FLAG> (for example VOUCH_FORMAT=json, VOUCH_EXCLUDE=a,b).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd, e.getenv); err != nil {
				return err
			}
			return g.startProfiles()
		},
	}
	root.SetVersionTemplate("vouch {{.Version}}\n")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print only results: no progress, no notes")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what vouch does on stderr")
	root.PersistentFlags().StringVar(&g.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE` (for pprof)")
	root.PersistentFlags().StringVar(&g.memprofile, "memprofile", "", "write a heap profile to `FILE` at exit (for pprof)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.AddCommand(
		newInventoryCmd(e, g),
		newWhyCmd(e, g),
		newScanCmd(e, g),
		newSBOMCmd(e, g),
		newDBCmd(e, g),
		newBinaryCmd(e, g),
		newReleaseCmd(e, g),
		newPolicyCmd(e, g),
		newRepoCmd(e, g),
		newVersionCmd(e),
	)
	return root, g
}

// applyEnv sets every flag the command line left unset from VOUCH_<NAME>,
// with dashes as underscores. Repeatable flags take a comma-separated list.
func applyEnv(cmd *cobra.Command, getenv func(string) string) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		name := "VOUCH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v := getenv(name)
		if v == "" {
			return
		}
		if serr := cmd.Flags().Set(f.Name, v); serr != nil {
			err = usageErr("%s=%q: %v", name, v, serr)
		}
	})
	return err
}

func (g *globals) logger(e *env) *slog.Logger {
	if !g.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print vouch's version and how it was built",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(e.stdout, "vouch %s\n", Version())
			if bi, ok := debug.ReadBuildInfo(); ok {
				fmt.Fprintf(e.stdout, "go: %s\n", bi.GoVersion)
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
						fmt.Fprintf(e.stdout, "%s: %s\n", s.Key, s.Value)
					}
				}
			}
			return nil
		},
	}
}

// parseFailOn reads a --fail-on value: -1, below every severity, when the
// flag is not given, so that nothing fails.
func parseFailOn(s string) (finding.Severity, error) {
	if s == "" {
		return -1, nil
	}
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return -1, usageErr("--fail-on: %v", err)
	}
	return sev, nil
}

// failAt is the exit of a command whose n results (findings, signals) are
// at or above threshold: nil when there are none or no threshold was given.
func failAt(e *env, g *globals, n int, what string, threshold finding.Severity) error {
	if threshold < 0 || n == 0 {
		return nil
	}
	if !g.quiet {
		fmt.Fprintf(e.stderr, "vouch: %d %s at or above %s\n", n, what, threshold)
	}
	return &exitError{code: ExitFindings}
}
