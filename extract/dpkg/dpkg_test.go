package dpkg

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// result is what a test compares: the whole fragment an extraction gives.
type result = extracttest.Graph

// sorted orders a hand-written result as a Graph returns it.
func sorted(r result) result {
	slices.SortFunc(r.Components, func(a, b *inventory.Component) int { return strings.Compare(a.PURL, b.PURL) })
	slices.SortFunc(r.Edges, func(a, b inventory.Edge) int {
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
	return r
}

// extractFile runs the extractor on path inside the fixture directory dir,
// which stands for the scanned tree.
func extractFile(t *testing.T, dir, path string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), os.DirFS(dir), path)
}

// pkgSpec describes an expected component compactly.
type pkgSpec struct {
	purl, eco, name, version, arch, source, sourceVersion string
	line                                                  int
	direct                                                bool
	licenses                                              []string
}

func (p pkgSpec) component(path string) *inventory.Component {
	props := map[string]string{"source": p.source, "source_version": p.sourceVersion}
	if p.arch != "" {
		props["arch"] = p.arch
	}
	return &inventory.Component{
		PURL: p.purl, Ecosystem: p.eco, Name: p.name, Version: p.version,
		Direct: p.direct, Scope: inventory.ScopeRuntime, Licenses: p.licenses,
		Properties: props, Locations: []inventory.Location{{Path: path, Line: p.line}},
	}
}

func components(path string, specs ...pkgSpec) []*inventory.Component {
	var out []*inventory.Component
	for _, s := range specs {
		out = append(out, s.component(path))
	}
	return out
}

const status = "var/lib/dpkg/status"

func TestExtract(t *testing.T) {
	const (
		d12       = "Debian:12"
		libc6     = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
		libgcc    = "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12"
		gccbase   = "pkg:deb/debian/gcc-12-base@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12"
		basefiles = "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12"
		mawk      = "pkg:deb/debian/mawk@1.3.4.20200120-3.1?arch=amd64&distro=debian-12"
		sshd      = "pkg:deb/debian/openssh-server@1:9.2p1-2%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=openssh"
		systemd   = "pkg:deb/debian/libsystemd0@252.22-1~deb12u1?arch=amd64&distro=debian-12&upstream=systemd"
		lzma      = "pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12&upstream=xz-utils"
		zstd      = "pkg:deb/debian/libzstd1@1.5.4%2Bdfsg2-5?arch=amd64&distro=debian-12&upstream=libzstd"
		cap2      = "pkg:deb/debian/libcap2@1:2.66-4?arch=amd64&distro=debian-12"
		ssl       = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?arch=amd64&distro=debian-12&upstream=openssl"
		debconf   = "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12"

		libc6i386  = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386&distro=debian-12&upstream=glibc"
		libgcci386 = "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=i386&distro=debian-12&upstream=gcc-12"
		wine       = "pkg:deb/debian/libwine@8.0~repack-4?arch=i386&distro=debian-12&upstream=wine"
		dhpython   = "pkg:deb/debian/dh-python@5.20230130%2Bdeb12u1?arch=all&distro=debian-12"
		python3    = "pkg:deb/debian/python3@3.11.2-1%2Bb1?arch=amd64&distro=debian-12&upstream=python3-defaults"
		cycA       = "pkg:deb/debian/cyc-a@1.0?arch=all&distro=debian-12"
		cycB       = "pkg:deb/debian/cyc-b@1.0?arch=all&distro=debian-12"
	)
	debian12 := []*inventory.Root{{ID: status, Kind: inventory.KindRootFS, Properties: map[string]string{"distro": "debian-12"}}}

	tests := []struct {
		name string
		dir  string
		path string
		want result
	}{
		{
			name: "one-package",
			dir:  "testdata/one-package",
			path: status,
			want: result{
				Roots: debian12,
				Components: components(status, pkgSpec{
					purl: "pkg:deb/debian/hello@2.10-3?arch=amd64&distro=debian-12", eco: d12,
					name: "hello", version: "2.10-3", arch: "amd64", source: "hello", sourceVersion: "2.10-3", line: 1, direct: true,
				}),
				Edges: []inventory.Edge{{From: status, To: "pkg:deb/debian/hello@2.10-3?arch=amd64&distro=debian-12"}},
			},
		},
		{
			// sshd → libsystemd0 → liblzma5: the xz-utils backdoor's path.
			name: "openssh-chain",
			dir:  "testdata/openssh-chain",
			path: status,
			want: result{
				Roots: debian12,
				Components: components(status,
					pkgSpec{purl: basefiles, eco: d12, name: "base-files", version: "12.4+deb12u5", arch: "amd64", source: "base-files", sourceVersion: "12.4+deb12u5", line: 1, direct: true},
					pkgSpec{purl: mawk, eco: d12, name: "mawk", version: "1.3.4.20200120-3.1", arch: "amd64", source: "mawk", sourceVersion: "1.3.4.20200120-3.1", line: 22},
					pkgSpec{purl: sshd, eco: d12, name: "openssh-server", version: "1:9.2p1-2+deb12u3", arch: "amd64", source: "openssh", sourceVersion: "1:9.2p1-2+deb12u3", line: 35, direct: true},
					pkgSpec{purl: systemd, eco: d12, name: "libsystemd0", version: "252.22-1~deb12u1", arch: "amd64", source: "systemd", sourceVersion: "252.22-1~deb12u1", line: 53},
					pkgSpec{purl: lzma, eco: d12, name: "liblzma5", version: "5.4.1-0.2", arch: "amd64", source: "xz-utils", sourceVersion: "5.4.1-0.2", line: 67,
						licenses: []string{"PD", "LGPL-2.1+", "PD-debian", "GPL-2+"}},
					pkgSpec{purl: zstd, eco: d12, name: "libzstd1", version: "1.5.4+dfsg2-5", arch: "amd64", source: "libzstd", sourceVersion: "1.5.4+dfsg2-5", line: 81,
						licenses: []string{"BSD-3-clause or GPL-2", "GPL-2+"}},
					pkgSpec{purl: cap2, eco: d12, name: "libcap2", version: "1:2.66-4", arch: "amd64", source: "libcap2", sourceVersion: "1:2.66-4", line: 94},
					// A binNMU: the source version differs from the package's.
					pkgSpec{purl: ssl, eco: d12, name: "libssl3", version: "3.0.11-1~deb12u2+b1", arch: "amd64", source: "openssl", sourceVersion: "3.0.11-1~deb12u2", line: 106},
					pkgSpec{purl: debconf, eco: d12, name: "debconf", version: "1.5.82", arch: "all", source: "debconf", sourceVersion: "1.5.82", line: 119},
					// libc6's copyright is not machine-readable: no licences.
					pkgSpec{purl: libc6, eco: d12, name: "libc6", version: "2.36-9+deb12u4", arch: "amd64", source: "glibc", sourceVersion: "2.36-9+deb12u4", line: 145},
					pkgSpec{purl: libgcc, eco: d12, name: "libgcc-s1", version: "12.2.0-14", arch: "amd64", source: "gcc-12", sourceVersion: "12.2.0-14", line: 160},
					pkgSpec{purl: gccbase, eco: d12, name: "gcc-12-base", version: "12.2.0-14", arch: "amd64", source: "gcc-12", sourceVersion: "12.2.0-14", line: 175},
				),
				Edges: []inventory.Edge{
					{From: status, To: basefiles},
					{From: status, To: sshd},
					{From: basefiles, To: mawk}, // Pre-Depends: awk, which mawk provides
					{From: mawk, To: libc6},
					{From: sshd, To: libc6},
					{From: sshd, To: ssl},
					{From: sshd, To: systemd},
					{From: sshd, To: debconf}, // the first of "debconf | debconf-2.0"
					{From: systemd, To: libc6},
					{From: systemd, To: cap2},
					{From: systemd, To: lzma},
					{From: systemd, To: zstd},
					{From: lzma, To: libc6},
					{From: zstd, To: libc6},
					{From: cap2, To: libc6},
					{From: ssl, To: libc6},
					{From: libc6, To: libgcc},
					{From: libgcc, To: libc6},
					{From: libgcc, To: gccbase},
				},
			},
		},
		{
			name: "multiarch",
			dir:  "testdata/multiarch",
			path: status,
			want: result{
				Roots: debian12,
				Components: components(status,
					pkgSpec{purl: libc6, eco: d12, name: "libc6", version: "2.36-9+deb12u4", arch: "amd64", source: "glibc", sourceVersion: "2.36-9+deb12u4", line: 1},
					pkgSpec{purl: libc6i386, eco: d12, name: "libc6", version: "2.36-9+deb12u4", arch: "i386", source: "glibc", sourceVersion: "2.36-9+deb12u4", line: 10},
					pkgSpec{purl: libgcc, eco: d12, name: "libgcc-s1", version: "12.2.0-14", arch: "amd64", source: "gcc-12", sourceVersion: "12.2.0-14", line: 19},
					pkgSpec{purl: libgcci386, eco: d12, name: "libgcc-s1", version: "12.2.0-14", arch: "i386", source: "gcc-12", sourceVersion: "12.2.0-14", line: 28},
					pkgSpec{purl: wine, eco: d12, name: "libwine", version: "8.0~repack-4", arch: "i386", source: "wine", sourceVersion: "8.0~repack-4", line: 37, direct: true},
					pkgSpec{purl: dhpython, eco: d12, name: "dh-python", version: "5.20230130+deb12u1", arch: "all", source: "dh-python", sourceVersion: "5.20230130+deb12u1", line: 46, direct: true},
					pkgSpec{purl: python3, eco: d12, name: "python3", version: "3.11.2-1+b1", arch: "amd64", source: "python3-defaults", sourceVersion: "3.11.2-1+b1", line: 53},
					// A cycle nothing else needs: its first member hangs off the root.
					pkgSpec{purl: cycA, eco: d12, name: "cyc-a", version: "1.0", arch: "all", source: "cyc-a", sourceVersion: "1.0", line: 61, direct: true},
					pkgSpec{purl: cycB, eco: d12, name: "cyc-b", version: "1.0", arch: "all", source: "cyc-b", sourceVersion: "1.0", line: 67},
				),
				Edges: []inventory.Edge{
					{From: status, To: wine},
					{From: status, To: dhpython},
					{From: status, To: cycA},
					{From: libc6, To: libgcc},
					{From: libc6i386, To: libgcci386},
					{From: libgcc, To: libc6},
					{From: libgcci386, To: libc6i386},
					{From: wine, To: libc6i386},
					{From: wine, To: libgcci386},
					{From: dhpython, To: python3},
					{From: dhpython, To: libc6},
					{From: cycA, To: cycB},
					{From: cycB, To: cycA},
				},
			},
		},
		{
			name: "distroless",
			dir:  "testdata/distroless",
			path: "var/lib/dpkg/status.d/libssl3",
			want: result{
				Roots: []*inventory.Root{{ID: "var/lib/dpkg/status.d/libssl3", Kind: inventory.KindRootFS, Properties: map[string]string{"distro": "debian-12"}}},
				Components: components("var/lib/dpkg/status.d/libssl3", pkgSpec{
					purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl", eco: d12,
					name: "libssl3", version: "3.0.11-1~deb12u2", arch: "amd64", source: "openssl", sourceVersion: "3.0.11-1~deb12u2", line: 1, direct: true,
				}),
				Edges: []inventory.Edge{{From: "var/lib/dpkg/status.d/libssl3", To: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"}},
			},
		},
		{
			name: "ubuntu",
			dir:  "testdata/ubuntu",
			path: status,
			want: result{
				Roots: []*inventory.Root{{ID: status, Kind: inventory.KindRootFS, Properties: map[string]string{"distro": "ubuntu-22.04"}}},
				Components: components(status, pkgSpec{
					purl: "pkg:deb/ubuntu/liblzma5@5.2.5-2ubuntu1?arch=amd64&distro=ubuntu-22.04&upstream=xz-utils", eco: "Ubuntu:22.04",
					name: "liblzma5", version: "5.2.5-2ubuntu1", arch: "amd64", source: "xz-utils", sourceVersion: "5.2.5-2ubuntu1", line: 1, direct: true,
				}),
				Edges: []inventory.Edge{{From: status, To: "pkg:deb/ubuntu/liblzma5@5.2.5-2ubuntu1?arch=amd64&distro=ubuntu-22.04&upstream=xz-utils"}},
			},
		},
		{
			// A derivative keeps its own distro qualifier, without claiming
			// a Debian release.
			name: "raspbian",
			dir:  "testdata/raspbian",
			path: status,
			want: result{
				Roots: []*inventory.Root{{ID: status, Kind: inventory.KindRootFS, Properties: map[string]string{"distro": "raspbian-12"}}},
				Components: components(status, pkgSpec{
					purl: "pkg:deb/debian/raspi-config@20231012~bookworm?arch=all&distro=raspbian-12", eco: "Debian",
					name: "raspi-config", version: "20231012~bookworm", arch: "all", source: "raspi-config", sourceVersion: "20231012~bookworm", line: 1, direct: true,
				}),
				Edges: []inventory.Edge{{From: status, To: "pkg:deb/debian/raspi-config@20231012~bookworm?arch=all&distro=raspbian-12"}},
			},
		},
		{
			// The root filesystem sits deeper in the tree and has no
			// os-release.
			name: "no-os-release",
			dir:  "testdata/no-os-release",
			path: "image/rootfs/" + status,
			want: result{
				Roots: []*inventory.Root{{ID: "image/rootfs/" + status, Kind: inventory.KindRootFS}},
				Components: components("image/rootfs/"+status, pkgSpec{
					purl: "pkg:deb/debian/busybox@1:1.35.0-4%2Bb3?arch=arm64", eco: "Debian",
					name: "busybox", version: "1:1.35.0-4+b3", arch: "arm64", source: "busybox", sourceVersion: "1:1.35.0-4+b3", line: 1, direct: true,
				}),
				Edges: []inventory.Edge{{From: "image/rootfs/" + status, To: "pkg:deb/debian/busybox@1:1.35.0-4%2Bb3?arch=arm64"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractFile(t, tt.dir, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sorted(tt.want), extracttest.Flatten(g)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestRealStatus reads the first 80 stanzas of a real Debian 12 status
// file, verbatim.
func TestRealStatus(t *testing.T) {
	dir := "testdata/real-bookworm"
	data, err := os.ReadFile(dir + "/" + status)
	if err != nil {
		t.Fatal(err)
	}
	installed := regexp.MustCompile(`(?m)^Status: \S+ ok installed$`)
	stanzas := strings.Split(strings.TrimSpace(string(data)), "\n\n")
	want := 0
	for _, s := range stanzas {
		if installed.MatchString(s) {
			want++
		}
	}
	g, err := extractFile(t, dir, status)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != want || want < 50 {
		t.Errorf("got %d components, want %d (of %d stanzas)", g.Len(), want, len(stanzas))
	}
	checkGraph(t, g)
	// A known stanza, read fully.
	c := g.Component("pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12")
	if c == nil {
		t.Fatal("adduser not found")
	}
	wantAdduser := &inventory.Component{
		PURL: "pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12", Ecosystem: "Debian:12", Name: "adduser", Version: "3.134",
		Scope:      inventory.ScopeRuntime, // dbus and others depend on it
		Properties: map[string]string{"source": "adduser", "source_version": "3.134", "arch": "all"},
		Locations:  []inventory.Location{{Path: status, Line: 1}},
	}
	if diff := cmp.Diff(wantAdduser, c); diff != "" {
		t.Errorf("adduser (-want +got)\n%s", diff)
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"var/lib/dpkg/status", true},
		{"images/web/rootfs/var/lib/dpkg/status", true},
		{"var/lib/dpkg/status.d/libssl3", true},
		{"layer/var/lib/dpkg/status.d/base-files", true},
		{"var/lib/dpkg/status.d/libssl3.md5sums", false},
		{"var/lib/dpkg/status-old", false},
		{"var/lib/dpkg/available", false},
		{"myvar/lib/dpkg/status", false},
		{"var/lib/dpkg/status.d/sub/x", false},
		{"status", false},
	}
	for _, tt := range tests {
		if got := New().Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		line    int
		message string
	}{
		{name: "not-dpkg", line: 1, message: "line is not a field (no colon)"},
		{name: "continuation-first", line: 1, message: "continuation line outside a field"},
		{name: "no-package", line: 5, message: "stanza without Package field"},
		{name: "truncated", line: 7, message: "line is not a field (no colon)"},
		{name: "no-version", line: 1, message: "package a has no Version"},
		{name: "repeated-field", line: 5, message: "field Version repeated in one stanza"},
		{name: "bad-field-name", line: 3, message: `invalid field name "bad field"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.name + "/status")
			if err != nil {
				t.Fatal(err)
			}
			_, err = New().Extract(context.Background(), &extract.Input{Path: status, Root: fstest.MapFS{}, Reader: bytes.NewReader(data)})
			checkError(t, err, tt.line, tt.message)
		})
	}
	t.Run("huge-line", func(t *testing.T) {
		data := "Package: a\nDescription: " + strings.Repeat("x", extract.MaxLineLength+10) + "\nVersion: 1\n"
		_, err := New().Extract(context.Background(), &extract.Input{Path: status, Reader: strings.NewReader(data)})
		checkError(t, err, 2, "line longer than")
	})
	t.Run("huge-field", func(t *testing.T) {
		line := " " + strings.Repeat("x", 1000) + "\n"
		data := "Package: a\nDepends: b\n" + strings.Repeat(line, maxFieldLength/len(line)+2)
		_, err := New().Extract(context.Background(), &extract.Input{Path: status, Reader: strings.NewReader(data)})
		// The field holds "b", then grows by "\n" and 1000 bytes a line
		// from line 3 on.
		checkError(t, err, 2+(maxFieldLength-1)/1001+1, `field "depends" longer than`)
	})
}

func checkError(t *testing.T, err error, line int, message string) {
	t.Helper()
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: status, Line: line, Msg: message})
}

func TestParseRelation(t *testing.T) {
	tests := []struct {
		in   string
		want relation
	}{
		{"libc6 (>= 2.34)", relation{name: "libc6"}},
		{" python3:any", relation{name: "python3", arch: "any"}},
		{"libc6:i386 (>= 2)", relation{name: "libc6", arch: "i386"}},
		{"\nfoo [amd64] <!nocheck>", relation{name: "foo"}},
		{"bar(<<1)", relation{name: "bar"}},
		{"", relation{}},
	}
	for _, tt := range tests {
		if got := parseRelation(tt.in); got != tt.want {
			t.Errorf("parseRelation(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestOSRelease(t *testing.T) {
	tests := []struct {
		name, content, eco, qualifier, distro string
	}{
		{"debian-sid", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n", "Debian", "", "debian"},
		{"quoted", "ID='ubuntu'\nVERSION_ID=\"24.04\"\n", "Ubuntu:24.04", "", "ubuntu-24.04"},
		{"mint", "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=\"21.2\"\n", "Ubuntu", "linuxmint-21.2", "linuxmint-21.2"},
		{"escaped", "ID=debian\nVERSION_ID=\"1\\\"2\"\n# comment\n", "Debian:1\"2", "", "debian-1\"2"},
		{"empty", "", "Debian", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			osr := readOSRelease(fstest.MapFS{"r/etc/os-release": {Data: []byte(tt.content)}}, "r/")
			eco, q := ecosystemOf(osr)
			got := []string{eco, q, distroOf(osr)}
			if diff := cmp.Diff([]string{tt.eco, tt.qualifier, tt.distro}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// checkGraph asserts the invariants every fragment keeps: identities,
// edges between known nodes, every component reachable from a root, and
// Direct set on exactly the components the root depends on.
func checkGraph(t testing.TB, g *inventory.Graph) {
	t.Helper()
	extracttest.CheckGraph(t, g)
	extracttest.CheckReachable(t, g)
	for _, c := range g.Components() {
		if c.Direct != slices.Contains(g.Parents(c.PURL), status) {
			t.Fatalf("component %s: Direct=%v but parents %v", c.PURL, c.Direct, g.Parents(c.PURL))
		}
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/one-package/"+status, "testdata/openssh-chain/"+status, "testdata/multiarch/"+status,
		"testdata/distroless/var/lib/dpkg/status.d/libssl3", "testdata/not-dpkg/status", "testdata/truncated/status",
		"testdata/no-package/status", "testdata/continuation-first/status",
	)
	fsys := fstest.MapFS{
		"etc/os-release":                {Data: []byte("ID=debian\nVERSION_ID=12\n")},
		"usr/share/doc/libc6/copyright": {Data: []byte("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: LGPL-2.1+\n")},
	}
	extracttest.Fuzz(f, New(), status, fsys, checkGraph)
}
