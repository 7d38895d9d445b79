package rpm

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdbtest"
	"github.com/vouchdev/vouch/inventory"
)

// The fixtures in testdata/db hold the same three packages, installed with
// rpm 4.18 from packages built with rpmbuild (testdata/README.md):
// demo-filesystem (noarch, owns /usr/bin/demo-sh), libdemo (x86_64, built
// from the source package demo, requires demo-filesystem) and demo-app
// (x86_64, epoch 2, requires libdemo.so.1()(64bit), /usr/bin/demo-sh, a
// package not installed and a rich dependency).

// demoGraph is what each fixture gives when it is the database at path of
// a system whose os-release says eco and distro, the PURLs' namespace
// being ns.
func demoGraph(path, format, eco, ns, distro string) extracttest.Graph {
	q := ""
	if distro != "" {
		q = "&distro=" + distro
	}
	app := fmt.Sprintf("pkg:rpm/%s/demo-app@0.9-7.el9?arch=x86_64%s&epoch=2&upstream=demo-app-0.9-7.el9.src.rpm", ns, q)
	fsys := fmt.Sprintf("pkg:rpm/%s/demo-filesystem@1.0-1.el9?arch=noarch%s&upstream=demo-filesystem-1.0-1.el9.src.rpm", ns, q)
	lib := fmt.Sprintf("pkg:rpm/%s/libdemo@2.3-4.el9?arch=x86_64%s&upstream=demo-2.3-4.el9.src.rpm", ns, q)
	root := &inventory.Root{ID: path, Kind: inventory.KindRootFS, Properties: map[string]string{"format": format}}
	if distro != "" {
		root.Properties["distro"] = distro
	}
	loc := []inventory.Location{{Path: path}}
	return extracttest.Graph{
		Roots: []*inventory.Root{root},
		Components: []*inventory.Component{
			{
				PURL: app, Ecosystem: eco, Name: "demo-app", Version: "2:0.9-7.el9", Direct: true, Scope: inventory.ScopeRuntime,
				Licenses: []string{"GPL-2.0-or-later AND MIT"},
				Properties: map[string]string{
					"source": "demo-app", "source_version": "2:0.9-7.el9", "arch": "x86_64", "vendor": "Vouch Test", "size": "19",
					"sigmd5":         "7fb18b0facbb516a72a5d75eb8f758e0",
					"header_sha1":    "60dac2204c22c1aa3496c6bcdc51b5d5cdd990dd",
					"header_sha256":  "c7e7d0adc45ec019ff812aeb75d1820cf463735ccc87bb314227f5a11ba13454",
					"payload_digest": "sha256:205da715c5379c08846d9dfe2f5761709b6fdfa401de57bb171754e0882035f6",
				},
				Locations: loc,
			},
			{
				PURL: fsys, Ecosystem: eco, Name: "demo-filesystem", Version: "1.0-1.el9", Scope: inventory.ScopeRuntime,
				Licenses: []string{"LicenseRef-Public-Domain"},
				Properties: map[string]string{
					"source": "demo-filesystem", "source_version": "1.0-1.el9", "arch": "noarch", "vendor": "Vouch Test", "size": "12",
					"sigmd5":         "ed5e1ce7b4eaa11135997eb6ef261c08",
					"header_sha1":    "53e8b9d697f3f09ede29b0a33cae8d63bc9d12e4",
					"header_sha256":  "4221a2c9951a5aa3d2fb38cf99133cf0fe52cfe7270a1996f1bb38a34efe062f",
					"payload_digest": "sha256:8f14d3c10621a63b0d0459b2aca32b503d2d68c01d864236ffc8805690b851f3",
				},
				Locations: loc,
			},
			{
				// A subpackage: its source package has another name.
				PURL: lib, Ecosystem: eco, Name: "libdemo", Version: "2.3-4.el9", Scope: inventory.ScopeRuntime,
				Licenses: []string{"MIT"},
				Properties: map[string]string{
					"source": "demo", "source_version": "2.3-4.el9", "arch": "x86_64", "vendor": "Vouch Test", "size": "21",
					"sigmd5":         "9ee485fe8b065d87c397dc1c44a77ecf",
					"header_sha1":    "6f1e1d927dd3bc4501ac20c96f866e199400c5a7",
					"header_sha256":  "5424ea838716dd5d2413d9add23c2fc48ae66bb5404ea0fac2c35bea8a52e889",
					"payload_digest": "sha256:a46e79782eb7105b1d0b7ff5069dc7beb855350f05008671c7e8dbc9b04bea54",
				},
				Locations: loc,
			},
		},
		Edges: sortedEdges(
			inventory.Edge{From: app, To: fsys}, // /usr/bin/demo-sh, through the file list
			inventory.Edge{From: app, To: lib},  // libdemo.so.1()(64bit), through the provides
			inventory.Edge{From: lib, To: fsys},
			inventory.Edge{From: path, To: app},
		),
	}
}

// sortedEdges orders edges as a Graph returns them.
func sortedEdges(edges ...inventory.Edge) []inventory.Edge {
	slices.SortFunc(edges, func(a, b inventory.Edge) int {
		return cmp.Or(strings.Compare(a.From, b.From), strings.Compare(a.To, b.To))
	})
	return edges
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestExtract(t *testing.T) {
	rocky := readFile(t, "testdata/os-release/rocky-9.3")
	leap := readFile(t, "testdata/os-release/opensuse-leap-15.5")
	centos := readFile(t, "testdata/os-release/centos-7")
	amzn := readFile(t, "testdata/os-release/amzn-2")
	tests := []struct {
		name, db   string
		path       string
		osRelease  string // where the os-release goes, "" for none
		content    []byte
		format     string
		eco, ns, d string
	}{
		{
			name: "sqlite", db: "rpmdb.sqlite.gz", path: "var/lib/rpm/rpmdb.sqlite",
			osRelease: "etc/os-release", content: rocky,
			format: "sqlite", eco: "Rocky Linux:9", ns: "rocky", d: "rocky-9.3",
		},
		{
			// A root filesystem deeper in the tree, in the directory of
			// image-based systems.
			name: "ndb", db: "Packages.db", path: "image/rootfs/usr/lib/sysimage/rpm/Packages.db",
			osRelease: "image/rootfs/etc/os-release", content: leap,
			format: "ndb", eco: "openSUSE:Leap 15.5", ns: "opensuse", d: "opensuse-leap-15.5",
		},
		{
			// 512-byte pages: every header spans an overflow chain.
			name: "bdb", db: "Packages", path: "var/lib/rpm/Packages",
			osRelease: "usr/lib/os-release", content: centos,
			format: "bdb", eco: "Red Hat", ns: "centos", d: "centos-7",
		},
		{
			name: "bdb-checksum", db: "Packages-checksum", path: "var/lib/rpm/Packages",
			osRelease: "etc/os-release", content: amzn,
			format: "bdb", eco: "Red Hat", ns: "amzn", d: "amzn-2",
		},
		{
			// Written on a big-endian host's order, with 8 KiB pages: two
			// headers are inline in the hash pages.
			name: "bdb-big-endian", db: "Packages-big-endian.gz", path: "usr/share/rpm/Packages",
			format: "bdb", eco: "Red Hat", ns: "redhat",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{tt.path: {Data: fixture(t, tt.db)}}
			if tt.osRelease != "" {
				fsys[tt.osRelease] = &fstest.MapFile{Data: tt.content}
			}
			g, err := extracttest.Extract(t, New(), fsys, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			extracttest.Diff(t, demoGraph(tt.path, tt.format, tt.eco, tt.ns, tt.d), g)
			checkGraph(t, g)
		})
	}
}

// TestExtractFile offers the database as the walk does, an open file,
// and checks that reading it writes nothing: no change to the file, no
// journal, WAL or lock beside it.
func TestExtractFile(t *testing.T) {
	dir := t.TempDir()
	path := "var/lib/rpm/rpmdb.sqlite"
	full := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	data := fixture(t, "rpmdb.sqlite.gz")
	if err := os.WriteFile(full, data, 0o444); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(full, old, old); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(full)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	g, err := New().Extract(context.Background(), &extract.Input{Path: path, Root: os.DirFS(dir), Info: info, Reader: f, ReaderAt: f})
	if err != nil {
		t.Fatal(err)
	}
	extracttest.Diff(t, demoGraph(path, "sqlite", "Red Hat", "redhat", ""), g)

	entries, err := os.ReadDir(filepath.Dir(full))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := gocmp.Diff([]string{"rpmdb.sqlite"}, names); diff != "" {
		t.Errorf("database directory (-want +got):\n%s", diff)
	}
	after, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(old) || !bytes.Equal(readFile(t, full), data) {
		t.Errorf("database changed: modified %v, want %v", after.ModTime(), old)
	}
}

// TestResolve checks how requirements become edges, on a database of
// synthetic headers.
func TestResolve(t *testing.T) {
	const (
		kernel1 = "pkg:rpm/redhat/kernel-core@5.14.0-1.el9?arch=x86_64&upstream=kernel-5.14.0-1.el9.src.rpm"
		kernel2 = "pkg:rpm/redhat/kernel-core@5.14.0-2.el9?arch=x86_64&upstream=kernel-5.14.0-2.el9.src.rpm"
		kernel  = "pkg:rpm/redhat/kernel@5.14.0-2.el9?arch=x86_64&upstream=kernel-5.14.0-2.el9.src.rpm"
		glibc32 = "pkg:rpm/redhat/glibc@2.34-60.el9?arch=i686&upstream=glibc-2.34-60.el9.src.rpm"
		glibc   = "pkg:rpm/redhat/glibc@2.34-60.el9?arch=x86_64&upstream=glibc-2.34-60.el9.src.rpm"
		bash    = "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&upstream=bash-5.1.8-6.el9.src.rpm"
		tzdata  = "pkg:rpm/redhat/tzdata@2023c-1.el9?arch=noarch&upstream=tzdata-2023c-1.el9.src.rpm"
		wine    = "pkg:rpm/redhat/wine-core@8.0-1.el9?arch=i686&upstream=wine-8.0-1.el9.src.rpm"
		script  = "pkg:rpm/redhat/dnf-utils@4.3.0-5.el9?arch=noarch&upstream=dnf-plugins-core-4.3.0-5.el9.src.rpm"
		python  = "pkg:rpm/redhat/python3@3.9.16-1.el9?arch=x86_64&upstream=python3.9-3.9.16-1.el9.src.rpm"
		cycA    = "pkg:rpm/redhat/cyc-a@1-1?arch=noarch"
		cycB    = "pkg:rpm/redhat/cyc-b@1-1?arch=noarch"
		zlib    = "pkg:rpm/redhat/zlib@1.2.11-40.el9?arch=x86_64&epoch=0&upstream=zlib-1.2.11-40.el9.src.rpm"
		path    = "var/lib/rpm/Packages.db"
	)
	blobs := map[uint32][]byte{
		1: rpmdbtest.PkgHeader("kernel-core", "5.14.0", "1.el9", "x86_64", "kernel-5.14.0-1.el9.src.rpm",
			rpmdbtest.Provides([]string{"kernel-core-uname-r", "5.14.0-1.el9.x86_64"})...),
		2: rpmdbtest.PkgHeader("kernel-core", "5.14.0", "2.el9", "x86_64", "kernel-5.14.0-2.el9.src.rpm",
			rpmdbtest.Provides([]string{"kernel-core-uname-r", "5.14.0-2.el9.x86_64"})...),
		// Both kernels provide kernel-core-uname-r; the version picks.
		3: rpmdbtest.PkgHeader("kernel", "5.14.0", "2.el9", "x86_64", "kernel-5.14.0-2.el9.src.rpm",
			rpmdbtest.Requires([]string{"kernel-core-uname-r", "=", "5.14.0-2.el9.x86_64"})...),
		4: rpmdbtest.PkgHeader("glibc", "2.34", "60.el9", "i686", "glibc-2.34-60.el9.src.rpm",
			rpmdbtest.Provides([]string{"libc.so.6"})...),
		5: rpmdbtest.PkgHeader("glibc", "2.34", "60.el9", "x86_64", "glibc-2.34-60.el9.src.rpm",
			rpmdbtest.Provides([]string{"libc.so.6()(64bit)"})...),
		// glibc by name: both architectures have it, bash's is chosen.
		6: rpmdbtest.PkgHeader("bash", "5.1.8", "6.el9", "x86_64", "bash-5.1.8-6.el9.src.rpm",
			rpmdbtest.Cat(rpmdbtest.Provides([]string{"/bin/sh"}, []string{"bash", "5.1.8-6.el9"}), rpmdbtest.Requires([]string{"glibc"}, []string{"rpmlib(CompressedFileNames)", "<", "3.0.4-1"}))...),
		7: rpmdbtest.PkgHeader("tzdata", "2023c", "1.el9", "noarch", "tzdata-2023c-1.el9.src.rpm"),
		// A 32-bit package: its glibc, and the noarch tzdata.
		8: rpmdbtest.PkgHeader("wine-core", "8.0", "1.el9", "i686", "wine-8.0-1.el9.src.rpm",
			rpmdbtest.Requires([]string{"glibc"}, []string{"tzdata"}, []string{"libc.so.6"})...),
		// /bin/sh through provides, /usr/bin/python3 through the file
		// list; rich dependencies, rpmlib() and its own capability give no
		// edge, nor does what nothing installed provides.
		9: rpmdbtest.PkgHeader("dnf-utils", "4.3.0", "5.el9", "noarch", "dnf-plugins-core-4.3.0-5.el9.src.rpm",
			rpmdbtest.Cat(rpmdbtest.Provides([]string{"dnf-command(repoquery)"}), rpmdbtest.Requires(
				[]string{"/bin/sh"}, []string{"/usr/bin/python3"}, []string{"(python3-dnf if python3)"},
				[]string{"rpmlib(PayloadFilesHavePrefix)", "<", "4.0-1"}, []string{"dnf-command(repoquery)"},
				[]string{"not-installed", ">=", "1"}, []string{"/usr/bin/not-there"}))...),
		10: rpmdbtest.PkgHeader("python3", "3.9.16", "1.el9", "x86_64", "python3.9-3.9.16-1.el9.src.rpm",
			rpmdbtest.Cat(rpmdbtest.Files("/usr/bin/python3", "/usr/bin/python3.9", "/usr/lib64/python3.9/os.py"), rpmdbtest.Requires([]string{"libc.so.6()(64bit)"}))...),
		11: rpmdbtest.PkgHeader("cyc-a", "1", "1", "noarch", "", rpmdbtest.Requires([]string{"cyc-b"})...),
		12: rpmdbtest.PkgHeader("cyc-b", "1", "1", "noarch", "", rpmdbtest.Requires([]string{"cyc-a"})...),
		// Imported signing keys are not packages.
		13: rpmdbtest.PkgHeader("gpg-pubkey", "fd431d51", "4ae0493b", "", ""),
		// An explicit epoch 0 is kept, as rpm shows it; LONGSIZE wins
		// over SIZE.
		14: rpmdbtest.PkgHeader("zlib", "1.2.11", "40.el9", "x86_64", "zlib-1.2.11-40.el9.src.rpm",
			rpmdbtest.T(rpmdb.TagEpoch, rpmdb.TypeInt32, int32(0)), rpmdbtest.T(rpmdb.TagSize, rpmdb.TypeInt32, int32(1)), rpmdbtest.T(rpmdb.TagLongSize, rpmdb.TypeInt64, int64(5<<30))),
	}
	fsys := fstest.MapFS{path: {Data: rpmdbtest.NDBFile(blobs)}}
	g, err := extracttest.Extract(t, New(), fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	wantDirect := []string{cycA, kernel, kernel1, script, wine, zlib}
	slices.Sort(wantDirect)
	if diff := gocmp.Diff(wantDirect, extracttest.DirectPURLs(g)); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	extracttest.CheckEdges(t, g, []string{
		path + " -> " + kernel1,
		path + " -> " + kernel,
		path + " -> " + wine,
		path + " -> " + script,
		path + " -> " + cycA,
		path + " -> " + zlib,
		kernel + " -> " + kernel2,
		bash + " -> " + glibc,
		wine + " -> " + glibc32,
		wine + " -> " + tzdata,
		script + " -> " + bash,
		script + " -> " + python,
		python + " -> " + glibc,
		cycA + " -> " + cycB,
		cycB + " -> " + cycA,
	})
	z := g.Component(zlib)
	if z == nil {
		t.Fatal("no zlib")
	}
	got := []string{z.Version, z.Properties["source_version"], z.Properties["size"]}
	if diff := gocmp.Diff([]string{"0:1.2.11-40.el9", "0:1.2.11-40.el9", "5368709120"}, got); diff != "" {
		t.Errorf("zlib version, source version and size (-want +got):\n%s", diff)
	}
	checkGraph(t, g)
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"var/lib/rpm/rpmdb.sqlite":                        true,
		"var/lib/rpm/Packages":                            true,
		"var/lib/rpm/Packages.db":                         true,
		"usr/lib/sysimage/rpm/rpmdb.sqlite":               true,
		"usr/lib/sysimage/rpm/Packages.db":                true,
		"usr/share/rpm/Packages":                          true,
		"layers/3/rootfs/var/lib/rpm/rpmdb.sqlite":        true,
		"var/lib/rpm/Index.db":                            false,
		"var/lib/rpm/rpmdb.sqlite-wal":                    false,
		"var/lib/rpm/Name":                                false,
		"myvar/lib/rpm/Packages":                          false,
		"rpmdb.sqlite":                                    false,
		"var/lib/rpm/sub/Packages":                        false,
		"var/lib/dpkg/status":                             false,
		"home/me/src/var/lib/rpm-tools/Packages":          false,
		"usr/lib/sysimage/rpm/Packages.db.rpmsave/x":      false,
		"usr/lib/sysimage/rpm/../../../var/lib/rpm/x.txt": false,
	})
	if New().Claims("var/lib/rpm/Packages", dirInfo{}) {
		t.Error("claims a directory")
	}
}

// dirInfo describes a directory.
type dirInfo struct{ fs.FileInfo }

func (dirInfo) IsDir() bool { return true }

func TestEcosystem(t *testing.T) {
	tests := []struct {
		name, osRelease, eco, distro string
	}{
		{"rhel", "ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n", "Red Hat", "rhel-9.4"},
		{"rocky", "ID=\"rocky\"\nVERSION_ID=\"8.9\"\n", "Rocky Linux:8", "rocky-8.9"},
		{"almalinux", "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n", "AlmaLinux:9", "almalinux-9.3"},
		{"fedora", "ID=fedora\nVERSION_ID=40\n", "Red Hat", "fedora-40"},
		{"oracle", "ID=\"ol\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"8.9\"\n", "Red Hat", "ol-8.9"},
		{"amazon-2023", "ID=\"amzn\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"2023\"\n", "Red Hat", "amzn-2023"},
		{"tumbleweed", "ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\nVERSION_ID=\"20240501\"\nPRETTY_NAME=\"openSUSE Tumbleweed\"\n", "openSUSE:Tumbleweed", "opensuse-tumbleweed-20240501"},
		{"leap-micro", "ID=\"opensuse-leap-micro\"\nVERSION_ID=\"5.5\"\nPRETTY_NAME=\"openSUSE Leap Micro 5.5\"\n", "openSUSE:Leap Micro 5.5", "opensuse-leap-micro-5.5"},
		{"opensuse-no-pretty-name", "ID=opensuse-leap\nVERSION_ID=15.6\n", "openSUSE", "opensuse-leap-15.6"},
		{"sles", "ID=\"sles\"\nID_LIKE=\"suse\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\n", "SUSE", "sles-15.5"},
		{"sle-micro", "ID=\"sle-micro\"\nVERSION_ID=\"5.5\"\n", "SUSE", "sle-micro-5.5"},
		{"suse-derivative", "ID=\"geckolinux\"\nID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\n", "openSUSE", "geckolinux-15.5"},
		{"sles-derivative", "ID=\"sles-like\"\nID_LIKE=\"suse\"\n", "SUSE", "sles-like"},
		{"openeuler", "NAME=\"openEuler\"\nVERSION=\"22.03 (LTS-SP3)\"\nID=\"openEuler\"\nVERSION_ID=\"22.03\"\n", "openEuler:22.03-LTS-SP3", "openeuler-22.03"},
		{"openeuler-innovation", "VERSION=\"23.09\"\nID=\"openEuler\"\nVERSION_ID=\"23.09\"\n", "openEuler:23.09", "openeuler-23.09"},
		{"mageia", "ID=mageia\nVERSION_ID=9\n", "Mageia:9", "mageia-9"},
		{"azurelinux", "ID=azurelinux\nVERSION_ID=\"3.0\"\n", "Azure Linux:3", "azurelinux-3.0"},
		{"mariner", "ID=mariner\nVERSION_ID=\"2.0\"\n", "Azure Linux:2", "mariner-2.0"},
		{"photon", "ID=photon\nVERSION_ID=5.0\n", "Photon OS:5.0", "photon-5.0"},
		{"rhel-derivative", "ID=\"eurolinux\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"9.2\"\n", "Red Hat", "eurolinux-9.2"},
		{"rocky-without-version", "ID=rocky\n", "Rocky Linux", "rocky"},
		{"none", "", "Red Hat", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			osr := readOSRelease(fstest.MapFS{"r/etc/os-release": {Data: []byte(tt.osRelease)}}, "r/")
			got := []string{ecosystemOf(osr), distroOf(osr)}
			if diff := gocmp.Diff([]string{tt.eco, tt.distro}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestSourceOf(t *testing.T) {
	tests := []struct {
		name, version, release, src string
		want                        []string
	}{
		{"bash", "5.1.8", "9.el9", "bash-5.1.8-9.el9.src.rpm", []string{"bash", "5.1.8-9.el9"}},
		{"python3-libs", "3.9.18", "1.el9_3", "python3.9-3.9.18-1.el9_3.src.rpm", []string{"python3.9", "3.9.18-1.el9_3"}},
		{"nvidia-kmod", "1", "2", "nvidia-kmod-535-3.nosrc.rpm", []string{"nvidia-kmod", "535-3"}},
		{"self", "1", "2", "", []string{"self", "1-2"}},
		{"odd", "1", "2", "nodashes.src.rpm", []string{"odd", "1-2"}},
	}
	for _, tt := range tests {
		name, vr := sourceOf(&rpmdb.Header{Name: tt.name, Version: tt.version, Release: tt.release, SourceRPM: tt.src})
		if diff := gocmp.Diff(tt.want, []string{name, vr}); diff != "" {
			t.Errorf("sourceOf(%q) (-want +got)\n%s", tt.src, diff)
		}
	}
}

func TestSameEVR(t *testing.T) {
	tests := []struct {
		want, have string
		same       bool
	}{
		{"5.14.0-2.el9", "5.14.0-2.el9", true},
		{"0:5.14.0-2.el9", "5.14.0-2.el9", true},
		{"5.14.0", "5.14.0-2.el9", true},
		{"5.14.0-1.el9", "5.14.0-2.el9", false},
		{"1:5.14.0-2.el9", "5.14.0-2.el9", false},
		{"01:2", "1:2-3", true},
	}
	for _, tt := range tests {
		if got := sameEVR(tt.want, tt.have); got != tt.same {
			t.Errorf("sameEVR(%q, %q) = %v, want %v", tt.want, tt.have, got, tt.same)
		}
	}
}

// checkGraph asserts the invariants every fragment keeps: identities,
// edges between known nodes, every component reachable from the root, and
// Direct set on exactly the components the root depends on.
func checkGraph(t testing.TB, g *inventory.Graph) {
	t.Helper()
	extracttest.CheckGraph(t, g)
	extracttest.CheckReachable(t, g)
	roots := g.Roots()
	if len(roots) != 1 {
		t.Fatalf("%d roots, want 1", len(roots))
	}
	for _, c := range g.Components() {
		if c.Direct != slices.Contains(g.Parents(c.PURL), roots[0].ID) {
			t.Fatalf("component %s: Direct=%v but parents %v", c.PURL, c.Direct, g.Parents(c.PURL))
		}
		if !strings.HasPrefix(c.PURL, "pkg:rpm/") {
			t.Fatalf("component %s is not an rpm", c.PURL)
		}
	}
}

// bigInfo is a file too large to read.
type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64       { return extract.DefaultMaxFileSize + 1 }
func (bigInfo) Mode() fs.FileMode { return 0o644 }

func TestTooLarge(t *testing.T) {
	_, err := New().Extract(context.Background(), &extract.Input{
		Path: "var/lib/rpm/Packages", Info: bigInfo{}, Reader: strings.NewReader(""), ReaderAt: strings.NewReader(""),
	})
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "var/lib/rpm/Packages", Msg: "bytes, limit"})
	if !errors.Is(e, extract.ErrTooLarge) {
		t.Errorf("error %v does not wrap ErrTooLarge", e)
	}
}

func TestEmpty(t *testing.T) {
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"var/lib/rpm/Packages": {}}, "var/lib/rpm/Packages")
	if g != nil || err != nil {
		t.Errorf("empty file: graph %v, error %v; want neither", g, err)
	}
}

// TestBadInput covers files refused whole: no graph, an error naming the
// file and, for binary formats, the offset.
func TestBadInput(t *testing.T) {
	bdb := fixture(t, "Packages")
	ndb := fixture(t, "Packages.db")
	path := "var/lib/rpm/Packages"
	extracttest.RunBadInputs(t, New(), path, []extracttest.BadInput{
		{Name: "not-rpmdb", Data: []byte("Package: hello\nVersion: 1\n"), WantMsg: `not an rpm database: no SQLite, Berkeley DB or NDB magic (starts with "Package: hello\nV")`},
		{Name: "binary-garbage", Data: bytes.Repeat([]byte{0xff, 0x00, 0x13}, 100), WantMsg: "not an rpm database"},
		{Name: "bdb-short", Data: bdb[:40], WantMsg: "berkeley db: truncated: 40 bytes, shorter than the metadata page"},
		{Name: "bdb-btree", Data: rpmdbtest.Patch(bdb, 12, rpmdbtest.LE32(0x053162)...), WantMsg: "a btree database, not the hash database"},
		{Name: "bdb-encrypted", Data: rpmdbtest.Patch(bdb, 24, 1), WantMsg: "encrypted (algorithm 1), cannot be read"},
		{Name: "bdb-page-size", Data: rpmdbtest.Patch(bdb, 20, rpmdbtest.LE32(1000)...), WantMsg: "page size 1000 at offset 20 is not a power of two"},
		{Name: "bdb-meta-type", Data: rpmdbtest.Patch(bdb, 25, 9), WantMsg: "metadata page of type 9, want 8"},
		{Name: "ndb-short", Data: ndb[:100], WantMsg: "ndb: truncated: 100 bytes, shorter than one slot page"},
		{Name: "ndb-version", Data: rpmdbtest.Patch(ndb, 4, 1), WantMsg: "ndb: version 1, only 0 is known"},
		{Name: "ndb-slot-pages", Data: rpmdbtest.Patch(ndb, 12, 0xff, 0xff), WantMsg: "ndb: 65535 slot pages in a file of 10112 bytes"},
		{Name: "ndb-slot-magic", Data: rpmdbtest.Patch(ndb, 48, 'X'), WantMsg: "ndb: slot 3 at offset 48: bad magic"},
		{Name: "sqlite-no-packages", Data: sqliteFile(t, []any{"CREATE TABLE Other (x)"}), WantMsg: "sqlite: no Packages table, not an rpm database"},
		{Name: "sqlite-view", Data: sqliteFile(t, []any{"CREATE VIEW Packages AS SELECT 1 AS hnum, x'00' AS blob"}), WantMsg: "sqlite: Packages is a view, not a table"},
		{Name: "sqlite-generated", Data: sqliteFile(t, []any{"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB AS (zeroblob(1000000000)))"}),
			WantMsg: `sqlite: Packages column "blob" is generated or hidden`},
		{Name: "sqlite-virtual", Data: sqliteFile(t, []any{"CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob)"}), WantMsg: "sqlite: Packages is a virtual table"},
		{Name: "sqlite-columns", Data: sqliteFile(t, []any{"CREATE TABLE Packages (id INTEGER PRIMARY KEY, header BLOB)"}), WantMsg: "Packages has no hnum and blob columns"},
		{Name: "sqlite-truncated", Data: fixture(t, "rpmdb.sqlite.gz")[:8192], WantMsg: "sqlite: database disk image is malformed"},
	})
}

// TestDamaged covers databases with some records broken: the others are
// read, and the error names the first broken one.
func TestDamaged(t *testing.T) {
	const (
		app  = "pkg:rpm/redhat/demo-app@0.9-7.el9?arch=x86_64&epoch=2&upstream=demo-app-0.9-7.el9.src.rpm"
		fsys = "pkg:rpm/redhat/demo-filesystem@1.0-1.el9?arch=noarch&upstream=demo-filesystem-1.0-1.el9.src.rpm"
		lib  = "pkg:rpm/redhat/libdemo@2.3-4.el9?arch=x86_64&upstream=demo-2.3-4.el9.src.rpm"
	)
	bdb := fixture(t, "Packages")
	ndb := fixture(t, "Packages.db")
	good := rpmdbtest.PkgHeader("good", "1", "1", "noarch", "")
	goodPURL := "pkg:rpm/redhat/good@1-1?arch=noarch"
	tests := []struct {
		name    string
		data    []byte
		want    []string // direct PURLs of what is still read
		message string
	}{
		{
			// Page 4 of demo-filesystem's chain (3, 4, 5, 6) leads back to 3.
			name: "bdb-overflow-cycle", data: rpmdbtest.Patch(bdb, 4*512+16, rpmdbtest.LE32(3)...),
			want:    []string{app},
			message: "damaged record skipped at page 2 item 1 (offset 1024): overflow page 3 used twice",
		},
		{
			name: "bdb-overflow-wrong-page", data: rpmdbtest.Patch(bdb, 4*512+16, rpmdbtest.LE32(1)...),
			want:    []string{app},
			message: "damaged record skipped at page 2 item 1 (offset 1024): overflow chain reaches page 1 of type 13",
		},
		{
			name: "bdb-truncated", data: bdb[:8*512],
			want: []string{fsys},
			message: "3 damaged records skipped, the first at page 1 item 3 (offset 512): " +
				"overflow chain truncated: 486 of 1912 bytes, next page 8",
		},
		{
			// The item index of page 1 points outside the page.
			name: "bdb-bad-item", data: rpmdbtest.Patch(bdb, 512+26+6, 0xff, 0x7f),
			want:    []string{app},
			message: "damaged record skipped at page 1 item 3 (offset 512): item at 32767..497 outside the page",
		},
		{
			name: "bdb-bad-header", data: rpmdbtest.Patch(bdb, 11*512+26, 0xff),
			want:    []string{lib},
			message: "damaged record skipped at page 2 item 3 (offset 1024): bad header: 4278190142 index entries",
		},
		{
			// A byte of libdemo's header, inside its blob.
			name: "ndb-checksum", data: rpmdbtest.Patch(ndb, 4096+1920+16+100, 'X'),
			want:    []string{app},
			message: "damaged record skipped at blob of package 2 (offset 6032): blob checksum 0x8d7230d0, tail records 0x14d43078",
		},
		{
			name: "ndb-slot-outside", data: rpmdbtest.Patch(ndb, 40, rpmdbtest.LE32(1<<20)...),
			want:    []string{app},
			message: "damaged record skipped at slot 2 (offset 32): slot blocks 1048576..1048697 outside the blob area 256..632",
		},
		{
			name: "ndb-overlap",
			data: func() []byte {
				d := rpmdbtest.NDBFile(map[uint32][]byte{1: good, 2: good})
				return rpmdbtest.Patch(d, 56, rpmdbtest.LE32(256+1)...) // slot of package 2 starts inside package 1's blob
			}(),
			want:    []string{goodPURL},
			message: "damaged record skipped at slot 3 (offset 48): blocks 257..",
		},
		{
			name: "sqlite-bad-header",
			data: sqliteFile(t, []any{rpmSchema},
				[]any{"INSERT INTO Packages VALUES (1, ?)", good},
				[]any{"INSERT INTO Packages VALUES (2, ?)", []byte("\x00\x00\x00\x01\x00\x00\x00\x00garbage")}),
			want:    []string{goodPURL},
			message: "damaged record skipped at package 2 (row 2): bad header: 15 bytes, but 1 index entries and 0 data bytes make 24",
		},
		{
			name: "sqlite-types",
			data: sqliteFile(t, []any{"CREATE TABLE Packages (hnum, blob)"},
				[]any{"INSERT INTO Packages VALUES ('one', ?)", good},
				[]any{"INSERT INTO Packages VALUES (2, 'text')"},
				[]any{"INSERT INTO Packages VALUES (3, ?)", good}),
			want:    []string{goodPURL},
			message: "2 damaged records skipped, the first at row 1: hnum one is not a header number",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "var/lib/rpm/Packages"
			g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: tt.data}}, path)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Msg: tt.message})
			if g == nil {
				t.Fatal("no graph")
			}
			if diff := gocmp.Diff(tt.want, extracttest.DirectPURLs(g)); diff != "" {
				t.Errorf("direct (-want +got):\n%s", diff)
			}
			extracttest.CheckGraph(t, g)
			extracttest.CheckReachable(t, g)
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, name := range []string{"Packages", "Packages-checksum", "Packages.db", "rpmdb.sqlite.gz"} {
		f.Add(fixture(f, name))
	}
	f.Add(rpmdbtest.NDBFile(map[uint32][]byte{1: rpmdbtest.PkgHeader("a", "1", "1", "noarch", "", rpmdbtest.Requires([]string{"b"})...), 2: rpmdbtest.PkgHeader("b", "1", "1", "noarch", "")}))
	fsys := fstest.MapFS{"etc/os-release": {Data: []byte("ID=rocky\nVERSION_ID=9.3\n")}}
	extracttest.Fuzz(f, New(), "var/lib/rpm/Packages", fsys, checkGraph)
}
