// Package gobinary reads the module information the Go linker embeds in
// every Go executable, as "go version -m" prints it, so that programs
// found on disk or in images are inventoried like the go.mod they came
// from.
//
// Claiming: Go binaries carry no telling name, so the extractor claims
// every regular file of at least 1 KiB that is executable (any x bit) or
// named "*.exe" (Windows binaries copied to Unix filesystems lose the x
// bit). Extract then checks the magic number (ELF, Mach-O thin or fat, PE)
// and returns (nil, nil) for anything else, as it does for executables
// that hold no Go build information or that the standard library's
// executable readers cannot parse: such files are simply not Go binaries.
// An executable whose build information is present but malformed is an
// error. Without a ReaderAt the file is read into memory, up to 256 MiB.
//
// What is recorded: one root (kind binary) for the file, named by the main
// module (a "(devel)" version, what builds outside a tagged VCS checkout
// get, is left empty). Each module the binary was linked with is a direct
// runtime component with an edge from the root, because a binary lists its
// modules flat, without the graph between them; replacements are applied
// as in a go.mod (a directory replacement becomes a versionless component
// with Source set to the directory), and the go.sum hash is kept as an "h1"
// hash. A component named "stdlib" at the toolchain's version, written as
// Go module versions are ("go1.22.1" becomes "v1.22.1", "go1.21rc2"
// becomes "v1.21.0-rc.2"), stands for the standard library linked in, so
// that its advisories apply; a development toolchain ("devel ...") has no
// version to match and gets no stdlib component.
//
// Root properties (each only when the binary records it):
//
//   - "go_version": the toolchain, as recorded ("go1.22.1 X:nocoverageredesign").
//   - "vcs", "vcs.revision", "vcs.time", "vcs.modified": the checkout the
//     binary was built from.
//   - "GOOS", "GOARCH", "CGO_ENABLED", "-buildmode": the target.
//
// Other build settings are left out on purpose: "-ldflags" in particular
// often carries values injected with -X, which may be credentials.
//
// Component properties:
//
//   - "replaces": the "path@version" a replace directive swapped out.
package gobinary

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	// minSize is the smallest file claimed; no executable format fits
	// a Go program in less.
	minSize = 1 << 10
	// defaultMaxInMemory bounds the copy made when the source cannot be
	// read at random offsets.
	defaultMaxInMemory = extract.DefaultMaxFileSize
)

// settings are the build settings copied to the root; see the package
// comment for why the others are not.
var settings = map[string]bool{
	"vcs": true, "vcs.revision": true, "vcs.time": true, "vcs.modified": true,
	"GOOS": true, "GOARCH": true, "CGO_ENABLED": true, "-buildmode": true,
}

// Extractor reads Go executables.
type Extractor struct {
	maxInMemory int64
}

// New returns the extractor.
func New() *Extractor { return &Extractor{maxInMemory: defaultMaxInMemory} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "gobinary" }

// Claims implements extract.Extractor: regular files of at least 1 KiB
// that are executable or named *.exe.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info == nil || !info.Mode().IsRegular() || info.Size() < minSize {
		return false
	}
	return info.Mode()&0o111 != 0 || strings.HasSuffix(strings.ToLower(extract.Base(path)), ".exe")
}

// isExecutable reports whether head starts with the magic number of an
// executable format that can carry Go build information.
func isExecutable(head []byte) bool {
	for _, m := range [][]byte{
		[]byte("\x7fELF"),
		[]byte("MZ"),
		{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, // Mach-O, big-endian
		{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe}, // Mach-O, little-endian
		{0xca, 0xfe, 0xba, 0xbe}, {0xca, 0xfe, 0xba, 0xbf}, // Mach-O universal
	} {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// notGo reports whether a buildinfo error means the file is not a Go
// executable (or not an executable it can read), rather than a Go
// executable with broken build information. The standard library does not
// export these errors, so their text is what tells them apart.
func notGo(err error) bool {
	switch err.Error() {
	case "not a Go executable", "unrecognized file format":
		return true
	}
	return false
}

// Extract implements extract.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}
	ra, err := e.readerAt(in)
	if err != nil || ra == nil {
		return nil, err
	}
	bi, err := buildinfo.Read(ra)
	if err != nil {
		if notGo(err) {
			return nil, nil
		}
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("read go build info: %w", err)}
	}
	return graphOf(in.Path, bi), nil
}

// readerAt checks the magic number and returns a ReaderAt over the whole
// file, or nil when it is no executable.
func (e *Extractor) readerAt(in *extract.Input) (io.ReaderAt, error) {
	head := make([]byte, 4)
	if in.ReaderAt != nil {
		n, _ := in.ReaderAt.ReadAt(head, 0)
		if !isExecutable(head[:n]) {
			return nil, nil
		}
		return in.ReaderAt, nil
	}
	if in.Reader == nil {
		return nil, nil
	}
	n, _ := io.ReadFull(in.Reader, head)
	if !isExecutable(head[:n]) {
		return nil, nil
	}
	max := e.maxInMemory
	if in.Info != nil && in.Info.Size() > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d for a file read into memory", extract.ErrTooLarge, in.Info.Size(), max)}
	}
	rest, err := io.ReadAll(io.LimitReader(in.Reader, max-int64(n)+1))
	if err != nil {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("read: %w", err)}
	}
	if int64(n+len(rest)) > max {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: limit %d bytes for a file read into memory", extract.ErrTooLarge, max)}
	}
	return bytes.NewReader(append(head[:n], rest...)), nil
}

// graphOf turns build information into the fragment of one binary.
func graphOf(path string, bi *buildinfo.BuildInfo) *inventory.Graph {
	g := inventory.New()
	root := inventory.Root{ID: path, Kind: inventory.KindBinary, Properties: map[string]string{}}
	if bi.Main.Path != "" {
		root.Name = bi.Main.Path
		if bi.Main.Version != "(devel)" {
			root.Version = bi.Main.Version
		}
		root.PURL = purl.For(purl.Go, root.Name, root.Version, nil)
	}
	if bi.GoVersion != "" {
		root.Properties["go_version"] = bi.GoVersion
	}
	for _, s := range bi.Settings {
		if settings[s.Key] && s.Value != "" {
			root.Properties[s.Key] = s.Value
		}
	}
	if len(root.Properties) == 0 {
		root.Properties = nil
	}
	g.AddRoot(root)

	loc := []inventory.Location{{Path: path}}
	for _, d := range bi.Deps {
		if d == nil || d.Path == "" {
			continue
		}
		c := component(d)
		c.Locations = loc
		g.Add(c)
		g.AddEdge(path, c.PURL)
	}
	if v := stdlibVersion(bi.GoVersion); v != "" {
		c := inventory.Component{
			PURL:      purl.For(purl.Go, "stdlib", v, nil),
			Ecosystem: purl.Go,
			Name:      "stdlib",
			Version:   v,
			Direct:    true,
			Scope:     inventory.ScopeRuntime,
			Locations: loc,
		}
		g.Add(c)
		g.AddEdge(path, c.PURL)
	}
	return g
}

// component builds the component of one linked module, replacement applied.
func component(d *debug.Module) inventory.Component {
	c := inventory.Component{
		Ecosystem: purl.Go,
		Name:      d.Path,
		Version:   d.Version,
		Direct:    true,
		Scope:     inventory.ScopeRuntime,
	}
	sum := d.Sum
	if r := d.Replace; r != nil {
		c.Properties = map[string]string{"replaces": d.Path + "@" + d.Version}
		sum = r.Sum
		// The linker records a directory replacement's version as "(devel)".
		if (r.Version == "" || r.Version == "(devel)") && modfile.IsDirectoryPath(r.Path) || r.Path == "" {
			c.Version = ""
			c.Source = r.Path
		} else {
			c.Name, c.Version = r.Path, r.Version
		}
	}
	if h, ok := strings.CutPrefix(sum, "h1:"); ok && h != "" {
		c.Hashes = []inventory.Hash{{Algorithm: "h1", Value: h}}
	}
	c.PURL = purl.For(purl.Go, c.Name, c.Version, nil)
	return c
}

// stdlibVersion turns a toolchain version as a binary records it into the
// module version form advisories use for the standard library: "go1.22.1
// X:nocoverageredesign" → "v1.22.1", "go1.22" → "v1.22.0", "go1.21rc2" →
// "v1.21.0-rc.2". It returns "" for versions it cannot read, such as
// development toolchains.
func stdlibVersion(goVersion string) string {
	fields := strings.Fields(goVersion)
	if len(fields) == 0 {
		return ""
	}
	v, ok := strings.CutPrefix(fields[0], "go")
	if !ok || v == "" {
		return ""
	}
	var pre string
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(v, tag); i > 0 {
			n := v[i+len(tag):]
			if n == "" || strings.Trim(n, "0123456789") != "" {
				return ""
			}
			v, pre = v[:i], "-"+tag+"."+n
			break
		}
	}
	switch strings.Count(v, ".") {
	case 1:
		v += ".0"
	case 2:
	default:
		return ""
	}
	sv := "v" + v + pre
	if !semver.IsValid(sv) {
		return ""
	}
	return sv
}
