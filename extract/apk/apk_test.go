package apk

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

const installed = "lib/apk/db/installed"

// TestXZChain compares the whole fragment of a small hand-written
// database: provides, version constraints, a conflict, a dependency
// nothing meets, a cycle, and a release from etc/alpine-release of a root
// filesystem deeper in the tree.
func TestXZChain(t *testing.T) {
	const (
		path = "image/rootfs/" + installed
		musl = "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20"
		libs = "pkg:apk/alpine/xz-libs@5.6.1-r1?arch=x86_64&distro=alpine-3.20&upstream=xz"
		xz   = "pkg:apk/alpine/xz@5.6.1-r1?arch=x86_64&distro=alpine-3.20"
		cycA = "pkg:apk/alpine/cyc-a@1.0-r0?arch=noarch&distro=alpine-3.20"
		cycB = "pkg:apk/alpine/cyc-b@1.0-r0?arch=noarch&distro=alpine-3.20"
		eco  = "Alpine:v3.20"
		xzL  = "GPL-2.0-or-later AND 0BSD AND Public-Domain AND LGPL-2.1-or-later"
	)
	loc := func(line int) []inventory.Location { return []inventory.Location{{Path: path, Line: line}} }
	want := extracttest.Graph{
		Roots: []*inventory.Root{{ID: path, Kind: inventory.KindRootFS, Properties: map[string]string{"direct_from": "inferred", "distro": "alpine-3.20.3"}}},
		Components: []*inventory.Component{
			{
				// A cycle nothing else needs: its first member hangs off
				// the root.
				PURL: cycA, Ecosystem: eco, Name: "cyc-a", Version: "1.0-r0", Direct: true, Scope: "runtime",
				Hashes:     []inventory.Hash{{Algorithm: "SHA-1", Value: "0000000000000000000000000000000000000000"}},
				Properties: map[string]string{"arch": "noarch", "source": "cyc-a"},
				Locations:  loc(34),
			},
			{
				PURL: cycB, Ecosystem: eco, Name: "cyc-b", Version: "1.0-r0", Scope: "runtime",
				Properties: map[string]string{"arch": "noarch", "source": "cyc-b"},
				Locations:  loc(40),
			},
			{
				PURL: musl, Ecosystem: eco, Name: "musl", Version: "1.2.5-r0", Scope: "runtime", Licenses: []string{"MIT"},
				Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: "0de6f48cdcad92b8cf5b837f78a2d9e370703a5c"}},
				Properties: map[string]string{
					"arch": "x86_64", "source": "musl", "build_time": "2024-04-02T11:29:20Z",
					"commit": "84fda3d8dbbc3a6e2dd9d4bea2b8aabcd8a21a5b",
				},
				Locations: loc(1),
			},
			{
				PURL: libs, Ecosystem: eco, Name: "xz-libs", Version: "5.6.1-r1", Scope: "runtime", Licenses: []string{xzL},
				Hashes:     []inventory.Hash{{Algorithm: "SHA-1", Value: "839477a94e4b776b6db02d0ddb0563031ed2301b"}},
				Properties: map[string]string{"arch": "x86_64", "source": "xz", "build_time": "2024-03-27T17:20:00Z"},
				Locations:  loc(15),
			},
			{
				PURL: xz, Ecosystem: eco, Name: "xz", Version: "5.6.1-r1", Direct: true, Scope: "runtime", Licenses: []string{xzL},
				// "Q2": a SHA-256.
				Hashes:     []inventory.Hash{{Algorithm: "SHA-256", Value: "a58f974d3bc6ecac8fef7739378f60fdda294d64784feb09d3fa0597bd00b6c6"}},
				Properties: map[string]string{"arch": "x86_64", "source": "xz"},
				Locations:  loc(25),
			},
		},
		Edges: []inventory.Edge{
			{From: path, To: cycA},
			{From: path, To: xz},
			{From: cycA, To: cycB},
			{From: cycB, To: cycA}, // "cyc-a>1": the constraint is not checked
			{From: libs, To: musl},
			// so:libc.musl-x86_64.so.1 and so:liblzma.so.5 through
			// provides, xz-libs=5.6.1-r1 by name; not "!lzma", a conflict,
			// nor so:libmissing.so.1, which nothing provides.
			{From: xz, To: musl},
			{From: xz, To: libs},
		},
	}
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata/xz-chain"), path)
	if err != nil {
		t.Fatal(err)
	}
	extracttest.Diff(t, want, g)
}

// TestMinirootfs reads a real Alpine 3.14 database with its world file
// (see testdata/README.md).
func TestMinirootfs(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata/minirootfs-3.14"), installed)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	wantRoot := []*inventory.Root{{ID: installed, Kind: inventory.KindRootFS, Properties: map[string]string{"direct_from": "world", "distro": "alpine-3.14.2"}}}
	if diff := cmp.Diff(wantRoot, g.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if g.Len() != 26 {
		t.Errorf("%d components, want 26", g.Len())
	}
	// Direct: exactly what etc/apk/world names.
	var direct []string
	for _, c := range g.Components() {
		if c.Direct {
			direct = append(direct, c.Name)
		}
	}
	wantDirect := []string{
		"alpine-baselayout", "alpine-keys", "apk-tools", "boost1.75-filesystem", "boost1.75-log",
		"boost1.75-log_setup", "boost1.75-program_options", "boost1.75-system", "boost1.75-thread",
		"busybox", "libc-utils", "openrc",
	}
	if diff := cmp.Diff(wantDirect, direct); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	p := func(name, version, upstream string) string {
		s := "pkg:apk/alpine/" + name + "@" + version + "?arch=armv7&distro=alpine-3.14"
		if upstream != "" {
			s += "&upstream=" + upstream
		}
		return s
	}
	var (
		baselayout = p("alpine-baselayout", "3.2.0-r16", "")
		busybox    = p("busybox", "1.33.1-r3", "")
		openrc     = p("openrc", "0.43.3-r1", "")
		ifupdown   = p("ifupdown-ng", "0.11.3-r0", "")
		apkTools   = p("apk-tools", "2.12.6-r0", "")
		musl       = p("musl", "1.2.2-r3", "")
		libssl     = p("libssl1.1", "1.1.1k-r0", "openssl")
		sslClient  = p("ssl_client", "1.33.1-r3", "busybox")
		libretls   = p("libretls", "3.3.3-r2", "")
	)
	edges := extracttest.EdgeStrings(g)
	for _, e := range []string{
		baselayout + " -> " + busybox, // D:/bin/sh, which busybox provides
		openrc + " -> " + ifupdown,    // D:ifupdown-any, a virtual name
		apkTools + " -> " + musl,      // D:musl>=1.2
		busybox + " -> " + sslClient,  // i:busybox=1.33.1-r3 libssl1.1
		libssl + " -> " + sslClient,
		sslClient + " -> " + libretls, // D:so:libtls.so.2
	} {
		if !slices.Contains(edges, e) {
			t.Errorf("no edge %s", e)
		}
	}
	loc := func(line int) []inventory.Location { return []inventory.Location{{Path: installed, Line: line}} }
	for _, want := range []inventory.Component{
		{
			PURL: sslClient, Ecosystem: "Alpine:v3.14", Name: "ssl_client", Version: "1.33.1-r3", Scope: "runtime",
			Licenses: []string{"GPL-2.0-only"},
			Hashes:   []inventory.Hash{{Algorithm: "SHA-1", Value: "bb932bb36d772d7b9ddaf5e6ad7be5d5de165e06"}},
			Properties: map[string]string{
				"source": "busybox", "arch": "armv7", "build_time": "2021-06-29T16:21:40Z",
				"commit":     "98710256acf90e670e79f32f1f0350b830979d24",
				"maintainer": "Natanael Copa <ncopa@alpinelinux.org>",
				"install_if": "busybox=1.33.1-r3 libssl1.1",
			},
			Locations: loc(239),
		},
		{
			// Space-separated licences all apply: one entry each.
			PURL: p("musl-utils", "1.2.2-r3", "musl"), Ecosystem: "Alpine:v3.14", Name: "musl-utils", Version: "1.2.2-r3", Scope: "runtime",
			Licenses: []string{"MIT", "BSD", "GPL2+"},
			Hashes:   []inventory.Hash{{Algorithm: "SHA-1", Value: "c38a1523cde23fa438bdef77daecee165920fc4b"}},
			Properties: map[string]string{
				"source": "musl", "arch": "armv7", "build_time": "2021-05-09T14:35:27Z",
				"commit":     "1e9cba35059e3bb4635f12ee7e10dfe687df31ad",
				"maintainer": "Timo Teräs <timo.teras@iki.fi>",
			},
			Locations: loc(142),
		},
	} {
		extracttest.CheckComponent(t, g, want)
	}
	if got := g.Component(libretls).Licenses; !slices.Equal(got, []string{"ISC AND (BSD-3-Clause OR MIT)"}) {
		t.Errorf("libretls licences %q, want the expression whole", got)
	}
}

// TestBadRecords: records without a name or version, and values that
// cannot be read, are each reported; the rest is kept.
func TestBadRecords(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata/bad-records"), "installed")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "installed", Line: 1})
	if want := "package musl: checksum: not base64 (and 3 more problems)"; e.Err.Error() != want {
		t.Errorf("message %q,\nwant %q", e.Err, want)
	}
	want := []extracttest.LineRow{
		{PURL: "pkg:apk/alpine/musl@1.2.5-r0", Direct: true, Scope: "runtime", Line: 1, Props: map[string]string{"source": "musl"}},
		{PURL: "pkg:apk/alpine/zlib@1.3.1-r0", Direct: true, Scope: "runtime", Line: 12, Props: map[string]string{"source": "zlib"}},
	}
	extracttest.CheckRows(t, g, extracttest.LineRows, want)
	if got := g.Component("pkg:apk/alpine/zlib@1.3.1-r0").Hashes; !slices.Equal(got, []inventory.Hash{{Algorithm: "MD5", Value: "d41d8cd98f00b204e9800998ecf8427e"}}) {
		t.Errorf("zlib hashes %v, want its MD5", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []extracttest.BadInput{
		{Name: "dpkg-status", Data: []byte("Package: musl\nVersion: 1.2.5\n"), WantLine: 1, WantCol: 1, WantMsg: "line is not a field"},
		{Name: "binary", Data: []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), WantLine: 1, WantCol: 1, WantMsg: "line is not a field"},
		{Name: "truncated", Data: []byte("C:Q1Deb0jNytkrjPW4N/eKLZ43BwOlw=\nP:musl\nV"), WantLine: 3, WantCol: 1, WantMsg: "line is not a field"},
		{Name: "long-key", Data: []byte("P:a\nVersion:1\n"), WantLine: 2, WantCol: 1, WantMsg: "line is not a field"},
		{Name: "huge-line", Data: []byte("P:a\nT:" + strings.Repeat("x", extract.MaxLineLength+1) + "\n"), WantLine: 2, WantMsg: "line longer than"},
	}
	extracttest.RunBadInputs(t, New(), installed, tests)
}

func TestEmpty(t *testing.T) {
	g, err := extracttest.Extract(t, New(), fstest.MapFS{installed: {Data: nil}}, installed)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 0 || len(g.Roots()) != 1 {
		t.Errorf("got %d components and %d roots, want none and the database", g.Len(), len(g.Roots()))
	}
}

func TestRelease(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		eco   string
		qual  string
		dist  string
	}{
		{"os-release", fstest.MapFS{"r/etc/os-release": {Data: []byte("ID=alpine\nVERSION_ID=3.20.3\n")}}, "Alpine:v3.20", "", "alpine-3.20.3"},
		{"usr-lib", fstest.MapFS{"r/usr/lib/os-release": {Data: []byte("ID=\"alpine\"\nVERSION_ID='3.19.1'\n")}}, "Alpine:v3.19", "", "alpine-3.19.1"},
		{"edge", fstest.MapFS{"r/etc/os-release": {Data: []byte("ID=alpine\nVERSION_ID=3.21.0_alpha20240807\n")}}, "Alpine", "", "alpine-3.21.0_alpha20240807"},
		{"alpine-release", fstest.MapFS{"r/etc/alpine-release": {Data: []byte("3.18.4\n")}}, "Alpine:v3.18", "", "alpine-3.18.4"},
		{"postmarketos", fstest.MapFS{"r/etc/os-release": {Data: []byte("ID=postmarketos\nID_LIKE=alpine\nVERSION_ID=v24.06\n")}}, "Alpine", "postmarketos-v24.06", "postmarketos-v24.06"},
		{"none", fstest.MapFS{}, "Alpine", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readRelease(tt.files, "r/")
			eco, q := r.ecosystem()
			got := []string{eco, q, r.distro()}
			if diff := cmp.Diff([]string{tt.eco, tt.qual, tt.dist}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"MIT", []string{"MIT"}},
		{"MIT BSD GPL2+ MIT", []string{"MIT", "BSD", "GPL2+"}},
		{"GPL-2.0-or-later LGPL-2.1-or-later", []string{"GPL-2.0-or-later", "LGPL-2.1-or-later"}},
		{"MPL-2.0 AND MIT", []string{"MPL-2.0 AND MIT"}},
		{"GPL-2.0-only WITH Linux-syscall-note", []string{"GPL-2.0-only WITH Linux-syscall-note"}},
		{"(MIT)", []string{"(MIT)"}},
		{" ", nil},
	}
	for _, tt := range tests {
		if got := licenses(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("licenses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRootPrefix(t *testing.T) {
	tests := map[string]string{
		installed:                     "",
		"usr/" + installed:            "",
		"img/rootfs/" + installed:     "img/rootfs/",
		"img/usr/" + installed:        "img/",
		"img/myusr/" + installed:      "img/myusr/",
		"layer/1/usr/" + installed:    "layer/1/",
		"layer/usr/x/" + installed:    "layer/usr/x/",
		"a/usr/lib/" + installed:      "a/usr/lib/",
		"layer.tar!/" + installed:     "layer.tar!/",
		"layer.tar!/usr/" + installed: "layer.tar!/",
	}
	for in, want := range tests {
		if got := rootPrefix(in); got != want {
			t.Errorf("rootPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		installed:                       true,
		"usr/" + installed:              true,
		"rootfs/" + installed:           true,
		"lib/apk/db/installed.bak":      false,
		"lib/apk/db/triggers":           false,
		"mylib/apk/db/installed":        false,
		"installed":                     false,
		"var/lib/dpkg/status":           false,
		"rootfs/lib/apk/db/scripts.tar": false,
	})
}

// checkGraph asserts what every fragment promises: identities, edges
// between known nodes, every component reachable from the root, and
// Direct set on exactly the components the root depends on.
func checkGraph(t testing.TB, g *inventory.Graph) {
	t.Helper()
	extracttest.CheckGraph(t, g)
	extracttest.CheckReachable(t, g)
	for _, c := range g.Components() {
		isRoot := false
		for _, p := range g.Parents(c.PURL) {
			isRoot = isRoot || inventory.IsRoot(p)
		}
		if c.Direct != isRoot {
			t.Fatalf("component %s: Direct=%v but parents %v", c.PURL, c.Direct, g.Parents(c.PURL))
		}
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/minirootfs-3.14/"+installed, "testdata/xz-chain/image/rootfs/"+installed,
		"testdata/bad-records/installed",
	)
	fsys := fstest.MapFS{
		"etc/os-release": {Data: []byte("ID=alpine\nVERSION_ID=3.20.3\n")},
		"etc/apk/world":  {Data: []byte("busybox\nmusl>=1.2\n!vlan\nso:libz.so.1\nxz@edge\n")},
	}
	extracttest.Fuzz(f, New(), installed, fsys, checkGraph)
}
