package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/binary"
	"github.com/vouchdev/vouch/report"
)

// binaryFormats are the output formats of 'vouch binary scan'.
var binaryFormats = []string{"table", "json"}

// binaryDocument is the JSON output of 'vouch binary scan' (docs/json.md).
type binaryDocument struct {
	SchemaVersion string                `json:"schema_version"`
	Tool          report.Tool           `json:"tool"`
	Root          string                `json:"root"`
	Executables   []*binary.ChainResult `json:"executables"`
	Summary       binarySummary         `json:"summary"`
}

// binarySummary counts what the chains hold.
type binarySummary struct {
	Executables int            `json:"executables"`
	Libraries   int            `json:"libraries"`
	Missing     int            `json:"missing"`
	Findings    int            `json:"findings"`
	BySeverity  map[string]int `json:"by_severity"`
}

func newBinaryCmd(e *env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "binary",
		Short: "Look inside executables and the libraries they load for known implants",
	}
	cmd.AddCommand(newBinaryScanCmd(e, g))
	return cmd
}

func newBinaryScanCmd(e *env, g *globals) *cobra.Command {
	var out outputFlags
	var root, failOn string
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Follow each executable's shared libraries inside a root filesystem and match their code against implant signatures",
		Long: `binary scan resolves the shared libraries each executable PATH loads (DT_NEEDED, then
theirs) the way the dynamic loader would, inside the root filesystem --root: RPATH/RUNPATH,
etc/ld.so.conf, then the default directories. Nothing is executed (no ldd) and symbolic links
are followed inside the root only. Every file of the chain is matched against the embedded
signatures, starting with the xz-utils backdoor (CVE-2024-3094), which sat in liblzma and
reached sshd through libsystemd. PATH is inside the root.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(binaryFormats, out.format) {
				return usageErr("--format %q: want %s", out.format, strings.Join(binaryFormats, "|"))
			}
			threshold, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			if fi, err := os.Stat(root); err != nil {
				return inputErr(fmt.Errorf("--root: %w", err))
			} else if !fi.IsDir() {
				return inputErr(fmt.Errorf("--root %s: not a directory", root))
			}
			log := g.logger(e)
			doc := &binaryDocument{SchemaVersion: report.SchemaVersion, Tool: tool(), Root: root,
				Executables: []*binary.ChainResult{}, Summary: binarySummary{BySeverity: map[string]int{}}}
			failing := 0
			for _, p := range args {
				log.Debug("binary chain", "root", root, "path", p)
				res, err := binary.ScanChain(cmd.Context(), root, p, binary.ChainOptions{IFunc: true})
				if err != nil {
					if cmd.Context().Err() != nil {
						return cmd.Context().Err()
					}
					return inputErr(err)
				}
				doc.Executables = append(doc.Executables, res)
				doc.Summary.Executables++
				doc.Summary.Libraries += len(res.Libraries)
				doc.Summary.Missing += len(res.Missing)
				for _, f := range res.Findings() {
					doc.Summary.Findings++
					doc.Summary.BySeverity[f.Severity.String()]++
					if threshold >= 0 && f.AtLeast(threshold) {
						failing++
					}
				}
			}
			if err := out.write(e, func(w io.Writer) error {
				if out.format == "json" {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(doc)
				}
				return writeBinaryTable(w, doc)
			}); err != nil {
				return err
			}
			return failAt(e, g, failing, "findings", threshold)
		},
	}
	out.register(cmd, "table", binaryFormats)
	cmd.Flags().StringVar(&root, "root", "/", "the root filesystem `DIR` that PATHs and library searches are inside")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a finding is at or above `SEVERITY` (critical|high|medium|low|unknown)")
	return cmd
}

// chainLabel is one library as the table shows it: its DT_NEEDED name,
// and the file it resolved to when the name differs.
func chainLabel(l *binary.Library) string {
	real := l.RealPath[strings.LastIndexByte(l.RealPath, '/')+1:]
	switch {
	case real == l.Name:
		return l.Name
	case l.Version == "":
		return fmt.Sprintf("%s (%s)", l.Name, real)
	}
	return fmt.Sprintf("%s (%s, version %s)", l.Name, real, l.Version)
}

func writeBinaryTable(w io.Writer, doc *binaryDocument) error {
	var b strings.Builder
	for _, res := range doc.Executables {
		fmt.Fprintf(&b, "%s\n", res.Executable.Path)
		for i := range res.Libraries {
			l := &res.Libraries[i]
			names := res.PathTo(l.Name)
			if len(names) == 0 {
				names = []string{l.Parent, l.Name}
			}
			fmt.Fprintf(&b, "  %s", strings.Join(names[:len(names)-1], " → "))
			fmt.Fprintf(&b, " → %s\n", chainLabel(l))
			if l.Err != "" {
				fmt.Fprintf(&b, "    error: %s\n", l.Err)
			}
		}
		for _, m := range res.Missing {
			fmt.Fprintf(&b, "  missing: %s (not found in the root)\n", m)
		}
		if res.Truncated {
			fmt.Fprintf(&b, "  truncated: the depth or library bound stopped the walk\n")
		}
		libs := append([]binary.Library{res.Executable}, res.Libraries...)
		for _, l := range libs {
			for _, fn := range l.IFuncs {
				fmt.Fprintf(&b, "  ifunc in %s: %s\n", l.Name, ifuncText(fn))
			}
		}
		for _, l := range libs {
			for _, f := range l.Findings {
				fmt.Fprintf(&b, "  %s %s in %s (%s): %s\n", strings.ToUpper(f.Severity.String()), f.ID, l.Name, l.RealPath, f.Summary)
				for _, ev := range f.Evidence {
					fmt.Fprintf(&b, "    %s\n", ev)
				}
			}
		}
	}
	s := doc.Summary
	fmt.Fprintf(&b, "%d executables, %d libraries, %d missing, %d findings", s.Executables, s.Libraries, s.Missing, s.Findings)
	if s.Findings > 0 {
		var parts []string
		for _, sev := range []string{"critical", "high", "medium", "low", "unknown"} {
			if n := s.BySeverity[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// ifuncText is one IFUNC resolver as the table shows it:
// "crc64_resolve @0x16d0 (lzma_crc64) in .text, calls 0x1690".
func ifuncText(fn binary.IFunc) string {
	var b strings.Builder
	name := fn.ResolverName
	if name == "" {
		name = "resolver"
	}
	fmt.Fprintf(&b, "%s @%#x", name, fn.Resolver)
	if fn.Symbol != "" {
		fmt.Fprintf(&b, " (%s)", fn.Symbol)
	}
	if fn.Section != "" {
		fmt.Fprintf(&b, " in %s", fn.Section)
	}
	if len(fn.Calls) > 0 {
		calls := make([]string, len(fn.Calls))
		for i, c := range fn.Calls {
			calls[i] = fmt.Sprintf("%#x", c)
		}
		fmt.Fprintf(&b, ", calls %s", strings.Join(calls, ", "))
	}
	return b.String()
}
