package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/sbom/cyclonedx"
	"github.com/vouchdev/vouch/sbom/spdx"
)

func newSBOMCmd(e *env, g *globals) *cobra.Command {
	var src sourceFlags
	var out outputFlags
	var specVersion, name, version string
	cmd := &cobra.Command{
		Use:   "sbom [PATH]",
		Short: "Write a CycloneDX or SPDX SBOM of PATH",
		Long: `sbom writes a software bill of materials of everything inventory finds under PATH:
CycloneDX 1.6 JSON (1.7 with --spec-version 1.7) or SPDX 2.3 JSON, with one component
per root (manifest, binary, root filesystem), the dependency relationships, hashes,
licences and tool metadata. vouch reads both back ("vouch inventory bom.cdx.json").

The creation time is now, or SOURCE_DATE_EPOCH when set, for reproducible SBOMs.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format := strings.ToLower(out.format)
			if format != "cyclonedx" && format != "spdx" {
				return usageErr("unknown format %q (want one of cyclonedx, spdx)", out.format)
			}
			if format == "spdx" && specVersion != "" && specVersion != "2.3" {
				return usageErr("--spec-version %s: SPDX output is 2.3", specVersion)
			}
			if format == "cyclonedx" && specVersion != "" && specVersion != "1.6" && specVersion != "1.7" {
				return usageErr("--spec-version %s: CycloneDX output is 1.6 or 1.7", specVersion)
			}
			created, err := creationTime(e.getenv("SOURCE_DATE_EPOCH"))
			if err != nil {
				return usageErr("%v", err)
			}
			target := targetArg(args, 0)
			res, err := walkTarget(cmd.Context(), e, g, &src, target)
			if err != nil {
				return err
			}
			if err := nothingRead(res); err != nil {
				return err
			}
			if name == "" {
				name = targetName(target)
			}
			err = out.write(e, func(w io.Writer) error {
				if format == "spdx" {
					return spdx.Encode(w, res.Graph, spdx.Options{Name: name, Version: version, ToolVersion: Version(), Timestamp: created})
				}
				spec := specVersion
				if spec == "" {
					spec = "1.6"
				}
				return cyclonedx.Encode(w, res.Graph, cyclonedx.Options{SpecVersion: spec, Name: name, Version: version,
					ToolVersion: Version(), Timestamp: created})
			})
			if err != nil {
				return err
			}
			if len(res.Errors) > 0 && !g.quiet {
				fmt.Fprintf(e.stderr, "vouch: %d files could not be read and are not in the SBOM:\n", len(res.Errors))
				for _, fe := range res.Errors {
					fmt.Fprintf(e.stderr, "  %v\n", fe)
				}
			}
			return nil
		},
	}
	src.register(cmd)
	out.register(cmd, "cyclonedx", []string{"cyclonedx", "spdx"})
	cmd.Flags().StringVar(&specVersion, "spec-version", "", "CycloneDX specification `VERSION`: 1.6 (default) or 1.7")
	cmd.Flags().StringVar(&name, "name", "", "name of the described software (default: the directory's name)")
	cmd.Flags().StringVar(&version, "version", "", "version of the described software")
	return cmd
}

// creationTime is SOURCE_DATE_EPOCH when set (reproducible builds), else now.
func creationTime(epoch string) (time.Time, error) {
	if epoch == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	n, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", epoch)
	}
	return time.Unix(n, 0).UTC(), nil
}

// targetName names what an SBOM describes: the scanned directory's name, or
// the file's.
func targetName(target string) string {
	abs, err := filepath.Abs(target)
	if err != nil {
		return filepath.Base(target)
	}
	return filepath.Base(abs)
}
