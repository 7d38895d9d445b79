package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/policy"
	"github.com/vouchdev/vouch/registry"
	"github.com/vouchdev/vouch/report"
	"github.com/vouchdev/vouch/usage"
	"github.com/vouchdev/vouch/walk"
)

// policyFlags choose the policy and how its inputs are gathered.
type policyFlags struct {
	path       string
	offline    bool
	registries []string
	noProject  bool
	// exclude are the walk's --exclude globs, which the unused-dependency
	// search honours too.
	exclude []string

	// opened yields the registry client that startRegistry opens while
	// the tree is walked; client is it once taken.
	opened <-chan openedRegistry
	client *registry.Client
}

// openedRegistry is the outcome of opening the registry client.
type openedRegistry struct {
	client *registry.Client
	err    error
}

// startRegistry opens the registry client in the background when the
// policy needs release times, and reads the cached answers of every
// registry ecosystem into it: the cost of a warm gate is then paid while
// the tree is walked (one large lockfile keeps one core busy) instead of
// after it. closeRegistry releases it.
func (p *policyFlags) startRegistry(ctx context.Context, e *env, g *globals, pol *policy.Policy, target string) {
	if pol == nil || pol.MinReleaseAge == nil {
		return
	}
	ch := make(chan openedRegistry, 1)
	p.opened = ch
	log := g.logger(e)
	go func() {
		client, err := p.newClient(log, projectRoot(target))
		if err == nil {
			client.Prefetch(ctx, policy.RegistryEcosystems...)
		}
		ch <- openedRegistry{client, err}
	}()
}

// registry returns the client startRegistry opened.
func (p *policyFlags) registry() (*registry.Client, error) {
	if p.client != nil {
		return p.client, nil
	}
	if p.opened == nil {
		return nil, errors.New("registry: not opened")
	}
	o := <-p.opened
	p.opened = nil
	p.client = o.client
	return o.client, o.err
}

// closeRegistry closes the client startRegistry opened, if any.
func (p *policyFlags) closeRegistry() {
	if p.opened != nil {
		if o := <-p.opened; o.client != nil {
			o.client.Close()
		}
		p.opened = nil
	}
	if p.client != nil {
		p.client.Close()
		p.client = nil
	}
}

// newClient makes the registry client from the flags.
func (p *policyFlags) newClient(log *slog.Logger, root string) (*registry.Client, error) {
	override := map[string]string{}
	for _, r := range p.registries {
		eco, url, ok := strings.Cut(r, "=")
		if !ok || eco == "" || url == "" {
			return nil, usageErr("--registry %q: want ECOSYSTEM=URL", r)
		}
		override[eco] = url
	}
	client, err := registry.New(registry.Options{Offline: p.offline, Override: override, ProjectDir: root,
		IgnoreProjectConfig: p.noProject, Logger: log})
	if err != nil {
		return nil, inputErr(fmt.Errorf("registry: %w", err))
	}
	return client, nil
}

// projectRoot is the directory of target: itself, or the directory of the
// file it names.
func projectRoot(target string) string {
	if fi, err := os.Stat(target); err == nil && !fi.IsDir() {
		return filepath.Dir(target)
	}
	return target
}

func (p *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.path, "policy", "", "the policy `FILE` (default: vouch.yaml or .vouch.yaml found upward from PATH)")
	cmd.Flags().BoolVar(&p.offline, "offline", false, "take release times from the cache only; unknown ones are handled as the policy's on_unknown says")
	cmd.Flags().StringSliceVar(&p.registries, "registry", nil, "registry base URL for an ecosystem, `ECOSYSTEM=URL` (repeatable; npm, Go, PyPI, crates.io); default: the ecosystem's own configuration")
	cmd.Flags().BoolVar(&p.noProject, "ignore-project-registry-config", false, "read no registry configuration (.npmrc, pip.conf) from the scanned project: for untrusted trees such as pull requests from forks")
}

// load finds and loads the policy for target. required says whether its
// absence is an error (policy check) or means no gate (scan).
func (p *policyFlags) load(target string, required bool) (*policy.Policy, error) {
	path := p.path
	if path == "" {
		found, err := policy.Find(target)
		if err != nil {
			return nil, inputErr(err)
		}
		if found == "" {
			if required {
				return nil, inputErr(fmt.Errorf("no vouch.yaml in %s or above it: write one with 'vouch policy init', or give --policy", target))
			}
			return nil, nil
		}
		path = found
	}
	pol, err := policy.Load(path)
	if err != nil {
		return nil, inputErr(err)
	}
	return pol, nil
}

// gathered is what a policy needs beyond the graph and the findings:
// release times and unused dependencies. Gathering it does not depend on
// advisory matching, so the two run at once.
type gathered struct {
	published map[string]policy.PublishInfo
	unused    []policy.Unused
	err       error
}

// gather starts collecting release times and unused dependencies for the
// policy's rules; the channel yields the result once.
func (p *policyFlags) gather(ctx context.Context, e *env, g *globals, pol *policy.Policy, target string, res *walk.Result) <-chan gathered {
	out := make(chan gathered, 1)
	log := g.logger(e)
	root := projectRoot(target)
	go func() {
		var gt gathered
		defer func() { out <- gt }()
		if pol.MinReleaseAge != nil {
			published, notes, err := p.publishTimes(ctx, res.Graph)
			if err != nil {
				gt.err = err
				return
			}
			gt.published = published
			for _, n := range notes {
				log.Debug("registry", "note", n)
			}
		}
		if pol.Unused != nil {
			unused, errs, err := usage.Find(ctx, root, res.Graph, usage.Options{Logger: log, Exclude: p.exclude})
			if err != nil {
				gt.err = inputErr(err)
				return
			}
			for _, err := range errs {
				if !g.quiet {
					fmt.Fprintf(e.stderr, "vouch: unused dependencies: %v\n", err)
				}
			}
			for _, u := range unused {
				gt.unused = append(gt.unused, policy.Unused{PURL: u.PURL, Name: u.Name, Ecosystem: u.Ecosystem, Manifest: u.Manifest})
			}
		}
	}()
	return out
}

// evaluate runs the policy over the graph, the findings and what gather
// collected. brief leaves passing decisions without reasons (see
// policy.Input.Brief): only explain shows them.
func evaluate(ctx context.Context, pol *policy.Policy, res *walk.Result, findings []finding.Finding, pending <-chan gathered, brief bool) (*policy.Result, error) {
	gt := <-pending
	if gt.err != nil {
		return nil, gt.err
	}
	in := policy.Input{Graph: res.Graph, Findings: findings, Files: res.Manifests, Now: time.Now(),
		AdvisoryPublished: map[string]time.Time{}, Published: gt.published, Unused: gt.unused, Brief: brief}
	for _, f := range findings {
		if f.Published.IsZero() {
			continue
		}
		for _, id := range append([]string{f.ID}, f.Aliases...) {
			in.AdvisoryPublished[id] = f.Published
		}
	}
	return pol.Evaluate(ctx, in)
}

// publishTimes asks the registries (or their cache) when each resolved
// version of the graph was published.
func (p *policyFlags) publishTimes(ctx context.Context, gr *inventory.Graph) (map[string]policy.PublishInfo, []string, error) {
	// Components and their keys side by side; PublishTimes answers a
	// key asked twice once.
	comps := gr.Components()
	keys := make([]registry.Key, 0, len(comps))
	of := make([]*inventory.Component, 0, len(comps))
	for _, c := range comps {
		if c.Version == "" || !slices.Contains(policy.RegistryEcosystems, c.Ecosystem) {
			continue
		}
		keys = append(keys, registry.Key{Ecosystem: c.Ecosystem, Name: c.Name, Version: c.Version})
		of = append(of, c)
	}
	out := make(map[string]policy.PublishInfo, len(keys))
	if len(keys) == 0 {
		return out, nil, nil
	}
	client, err := p.registry()
	if err != nil {
		return nil, nil, err
	}
	results := client.PublishTimes(ctx, keys)
	for i, k := range keys {
		r := results[k]
		info := policy.PublishInfo{Time: r.Published, Known: r.Known}
		if r.Err != nil {
			info.Err = r.Err.Error()
		}
		out[of[i].PURL] = info
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return out, client.Notes(), nil
}

func newPolicyCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "The CI gate: write, check and explain vouch.yaml",
	}
	cmd.AddCommand(newPolicyInitCmd(e), newPolicyCheckCmd(e, g), newPolicyExplainCmd(e, g))
	return cmd
}

func newPolicyInitCmd(e *env) *cobra.Command {
	var force bool
	var output string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starting policy (vouch.yaml) that follows the usual advice",
		Long: `init writes a starting vouch.yaml: lockfiles required, versions pinned with integrity
hashes, GitHub Actions pinned to commits, no version younger than 60 days, known-malicious
packages denied, critical and high vulnerabilities with a fix failing the gate. Every key is
commented; docs/policy.md documents them all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "-" {
				_, err := e.stdout.Write(policy.Init())
				return err
			}
			if _, err := os.Stat(output); err == nil && !force {
				return inputErr(fmt.Errorf("%s exists: use --force to replace it", output))
			}
			o := outputFlags{output: output}
			if err := o.write(e, func(w io.Writer) error { _, err := w.Write(policy.Init()); return err }); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "vouch: wrote %s\n", output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "vouch.yaml", "write to `FILE` (- for standard output)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return cmd
}

// policyRun walks target, matches advisories and evaluates the policy:
// what check and explain share.
func policyRun(ctx context.Context, e *env, g *globals, src *sourceFlags, db *dbFlags, pf *policyFlags, target string, brief bool) (*policy.Policy, *policy.Result, *walk.Result, []finding.Finding, error) {
	pol, err := pf.load(target, true)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	dbPath, err := db.resolve()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	pf.startRegistry(ctx, e, g, pol, target)
	defer pf.closeRegistry()
	res, err := walkTarget(ctx, e, g, src, target)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := nothingRead(res); err != nil {
		return nil, nil, nil, nil, err
	}
	pf.exclude = src.exclude
	pending := pf.gather(ctx, e, g, pol, target, res)
	findings, _, _, err := matchGraph(ctx, res.Graph, dbPath, time.Now())
	if err != nil {
		<-pending
		return nil, nil, nil, nil, err
	}
	out, err := evaluate(ctx, pol, res, findings, pending, brief)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return pol, out, res, findings, nil
}

func newPolicyCheckCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var db dbFlags
	var pf policyFlags
	cmd := &cobra.Command{
		Use:   "check [PATH]",
		Short: "Evaluate the policy over PATH: exit 0 when it passes, 1 on violations",
		Long: `check inventories PATH, matches advisories, asks the registries (or their cache) when each
resolved version was published, finds declared dependencies nothing imports, and evaluates
every rule of the policy. Each violation comes with its reason and the manifest line that
declares the component. Expired exceptions stop applying and are reported; exceptions that
match nothing are reported as stale.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := report.ForPolicy(out.format)
			if err != nil {
				return usageErr("%v", err)
			}
			target := targetArg(args, 0)
			pol, res, _, _, err := policyRun(cmd.Context(), e, g, &src, &db, &pf, target, true)
			if err != nil {
				return err
			}
			doc := report.NewPolicy(tool(), target, pol.Path, res)
			if err := out.write(e, func(w io.Writer) error { return write(w, doc) }); err != nil {
				return err
			}
			if !res.Pass {
				if !g.quiet {
					fmt.Fprintf(e.stderr, "vouch: policy %s failed: %d violations\n", pol.Path, len(res.Violations))
				}
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	src.register(cmd)
	db.register(cmd)
	pf.register(cmd)
	out.register(cmd, "table", report.PolicyFormats)
	return cmd
}

func newPolicyExplainCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var db dbFlags
	var pf policyFlags
	cmd := &cobra.Command{
		Use:   "explain NAME|NAME@VERSION|PURL [PATH]",
		Short: "Show every rule that applied to a component and why it passed or failed",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out.format != "table" && out.format != "json" {
				return usageErr("--format %q: want table|json", out.format)
			}
			target := targetArg(args, 1)
			pol, res, _, _, err := policyRun(cmd.Context(), e, g, &src, &db, &pf, target, false)
			if err != nil {
				return err
			}
			decisions := res.Explain(args[0])
			if len(decisions) == 0 {
				fmt.Fprintf(e.stderr, "vouch: no component matches %q\n", args[0])
				return &exitError{code: ExitFindings}
			}
			return out.write(e, func(w io.Writer) error {
				if out.format == "json" {
					return report.WritePolicyExplain(w, tool(), pol.Path, args[0], decisions)
				}
				return report.PolicyExplainTable(w, decisions)
			})
		},
	}
	src.register(cmd)
	db.register(cmd)
	pf.register(cmd)
	out.register(cmd, "table", []string{"table", "json"})
	return cmd
}
