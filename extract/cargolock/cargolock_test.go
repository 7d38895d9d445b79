package cargolock

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// Checksums of the fixtures, as cargo wrote them: the vendored crates
// the fixtures were locked against give SHA-256("name-version") as their
// package checksum (see testdata/README.md).
const (
	sumCC          = "854aebe2eeb930a5affacf5723fc97d27fc1c20f9a6fba9509462fd3fcbddf0f"
	sumLibc        = "37fc29779165b637afe74b2938e6fd681e5234e3d88db51b3e85f745aaf89325"
	sumRand073     = "6073c4b963864b41295215babd9bd87edf1adca8d579909602ac07aa1df80329"
	sumRand085     = "859274d95726c443a76a31957b9b5ca182188dd60ac9fd3990ec32970272dd21"
	sumRandCore051 = "85f2c2de0eaccff214e83258819597031cd0885a6086aa0c7e364c3caa54e64f"
	sumRandCore064 = "ddcf7e0d49e0644458ca0431782c540ae4b00d691c472f6a8bbae751ccab14a7"
	sumSerde       = "6558b2f2e6a5a671066b915b6cb251e9cea7ddd01a6ede9838ad356cdfacd3f4"
	sumSerdeDerive = "a14d25aec6952c1970c26a38b178889a0262060cc145c0eb1e2a0ee68e481bb1"
	sumTempfile    = "3d6705df354ceb1af500972b137e78d605bdb76c09b184258724d4935454d76b"
	sumWinapi      = "1e96ec0a5f3f1eb09c80a122f71572204705a4df6b529f700193e9a04eec1d2d"
	sumInternalLog = "b4bf7ad9753ac107f4edc97dd450744e5c98e5f4e1410b18abeb3b9f93f0e1e2"

	gitdepCommit   = "63bac9d368590c733c639e98c4245240092f4505"
	randForkCommit = "ee290d43d9671d5225aa3034ae63890939632013"
	// PURLs of the packages that carry qualifiers, written out in full.
	gitdepPURL      = "pkg:cargo/gitdep@0.2.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Fgitdep%40" + gitdepCommit
	randForkPURL    = "pkg:cargo/rand@0.8.5?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Frand-fork%40" + randForkCommit
	internalLogPURL = "pkg:cargo/internal-log@2.1.0?repository_url=sparse%2Bhttps:%2F%2Fmy-registry.example%2Findex%2F"
)

func sha256(v string) []inventory.Hash { return []inventory.Hash{extracttest.SHA256(v)} }

func loc(file string, line int) []inventory.Location {
	return []inventory.Location{{Path: file, Line: line}}
}

// workspaceGraph is testdata/workspace as the extractor must read it:
// a root package with two members (crates/*), a dependency renamed
// (old_rand = { package = "rand" }) so that two versions of rand are
// locked, a target-specific one, build and dev dependencies, an optional
// one in a member and one inherited from [workspace.dependencies].
func workspaceGraph() extracttest.Graph {
	const f = "workspace/Cargo.lock"
	return extracttest.Graph{
		Roots: []*inventory.Root{{
			ID: f, Kind: inventory.KindManifest, PURL: "pkg:cargo/myapp@0.3.0", Name: "myapp", Version: "0.3.0",
			Properties: map[string]string{"lockfile_version": "4", "scopes_from": "Cargo.toml", "local_packages": "myapp-cli@0.1.0,myapp-core@0.3.0"},
		}},
		Components: []*inventory.Component{
			{PURL: "pkg:cargo/cc@1.0.98", Ecosystem: "crates.io", Name: "cc", Version: "1.0.98", Direct: true, Scope: "build", Hashes: sha256(sumCC), Locations: loc(f, 5)},
			// Declared optional by myapp-cli, but rand 0.8.5 needs it at run time.
			{PURL: "pkg:cargo/libc@0.2.155", Ecosystem: "crates.io", Name: "libc", Version: "0.2.155", Direct: true, Scope: "runtime", Hashes: sha256(sumLibc), Locations: loc(f, 11)},
			{PURL: "pkg:cargo/rand@0.7.3", Ecosystem: "crates.io", Name: "rand", Version: "0.7.3", Direct: true, Scope: "runtime", Hashes: sha256(sumRand073), Locations: loc(f, 45)},
			{PURL: "pkg:cargo/rand@0.8.5", Ecosystem: "crates.io", Name: "rand", Version: "0.8.5", Direct: true, Scope: "runtime", Hashes: sha256(sumRand085), Locations: loc(f, 54)},
			{PURL: "pkg:cargo/rand_core@0.5.1", Ecosystem: "crates.io", Name: "rand_core", Version: "0.5.1", Scope: "runtime", Hashes: sha256(sumRandCore051), Locations: loc(f, 64)},
			{PURL: "pkg:cargo/rand_core@0.6.4", Ecosystem: "crates.io", Name: "rand_core", Version: "0.6.4", Scope: "runtime", Hashes: sha256(sumRandCore064), Locations: loc(f, 70)},
			{PURL: "pkg:cargo/serde@1.0.203", Ecosystem: "crates.io", Name: "serde", Version: "1.0.203", Direct: true, Scope: "runtime", Hashes: sha256(sumSerde), Locations: loc(f, 76)},
			{PURL: "pkg:cargo/serde_derive@1.0.203", Ecosystem: "crates.io", Name: "serde_derive", Version: "1.0.203", Scope: "runtime", Hashes: sha256(sumSerdeDerive), Locations: loc(f, 85)},
			{PURL: "pkg:cargo/tempfile@3.10.1", Ecosystem: "crates.io", Name: "tempfile", Version: "3.10.1", Direct: true, Scope: "dev", Hashes: sha256(sumTempfile), Locations: loc(f, 91)},
			{PURL: "pkg:cargo/winapi@0.3.9", Ecosystem: "crates.io", Name: "winapi", Version: "0.3.9", Direct: true, Scope: "runtime", Hashes: sha256(sumWinapi), Properties: map[string]string{"target": "cfg(windows)"}, Locations: loc(f, 100)},
		},
		Edges: []inventory.Edge{
			{From: "pkg:cargo/rand@0.7.3", To: "pkg:cargo/rand_core@0.5.1"},
			{From: "pkg:cargo/rand@0.8.5", To: "pkg:cargo/libc@0.2.155"},
			{From: "pkg:cargo/rand@0.8.5", To: "pkg:cargo/rand_core@0.6.4"},
			{From: "pkg:cargo/serde@1.0.203", To: "pkg:cargo/serde_derive@1.0.203"},
			{From: "pkg:cargo/tempfile@3.10.1", To: "pkg:cargo/rand@0.8.5"},
			{From: f, To: "pkg:cargo/cc@1.0.98"},
			{From: f, To: "pkg:cargo/libc@0.2.155"},
			{From: f, To: "pkg:cargo/rand@0.7.3"},
			{From: f, To: "pkg:cargo/rand@0.8.5"},
			{From: f, To: "pkg:cargo/serde@1.0.203"},
			{From: f, To: "pkg:cargo/tempfile@3.10.1"},
			{From: f, To: "pkg:cargo/winapi@0.3.9"},
		},
	}
}

// sourcesGraph is testdata/sources-v*: one Cargo.toml locked by cargo in
// each lockfile version, with a git dependency on a branch whose name
// needs percent-encoding in version 4, a crate from another registry, a
// fork of rand from git beside crates.io's rand of the same version, and
// libc patched with a local copy. lines are the [[package]] lines of
// gitdep, internal-log, libc, rand, the rand fork and rand_core.
func sourcesGraph(version string, lines [6]int) extracttest.Graph {
	f := "sources-v" + version + "/Cargo.lock"
	return extracttest.Graph{
		Roots: []*inventory.Root{{
			ID: f, Kind: inventory.KindManifest, PURL: "pkg:cargo/srcapp@1.0.0", Name: "srcapp", Version: "1.0.0",
			Properties: map[string]string{"lockfile_version": version, "scopes_from": "Cargo.toml"},
		}},
		Components: []*inventory.Component{
			{
				PURL: gitdepPURL, Ecosystem: "crates.io", Name: "gitdep", Version: "0.2.0", Direct: true, Scope: "runtime",
				Source:     "git+https://github.com/example/gitdep@" + gitdepCommit,
				Properties: map[string]string{"git_ref": "feature/x"}, Locations: loc(f, lines[0]),
			},
			{
				PURL: internalLogPURL, Ecosystem: "crates.io", Name: "internal-log", Version: "2.1.0", Direct: true, Scope: "runtime",
				Hashes: sha256(sumInternalLog), Source: "sparse+https://my-registry.example/index/", Locations: loc(f, lines[1]),
			},
			{
				PURL: "pkg:cargo/libc@0.2.155", Ecosystem: "crates.io", Name: "libc", Version: "0.2.155", Scope: "runtime",
				Source: "path:sources-v" + version + "/forks/libc", Locations: loc(f, lines[2]),
			},
			{PURL: "pkg:cargo/rand@0.8.5", Ecosystem: "crates.io", Name: "rand", Version: "0.8.5", Direct: true, Scope: "runtime", Hashes: sha256(sumRand085), Locations: loc(f, lines[3])},
			{
				PURL: randForkPURL, Ecosystem: "crates.io", Name: "rand", Version: "0.8.5", Direct: true, Scope: "runtime",
				Source:     "git+https://github.com/example/rand-fork@" + randForkCommit,
				Properties: map[string]string{"git_ref": "v0.8.5-fork"}, Locations: loc(f, lines[4]),
			},
			{PURL: "pkg:cargo/rand_core@0.6.4", Ecosystem: "crates.io", Name: "rand_core", Version: "0.6.4", Scope: "runtime", Hashes: sha256(sumRandCore064), Locations: loc(f, lines[5])},
		},
		Edges: []inventory.Edge{
			{From: gitdepPURL, To: "pkg:cargo/libc@0.2.155"},
			{From: "pkg:cargo/rand@0.8.5", To: "pkg:cargo/libc@0.2.155"},
			{From: "pkg:cargo/rand@0.8.5", To: "pkg:cargo/rand_core@0.6.4"},
			{From: f, To: gitdepPURL},
			{From: f, To: internalLogPURL},
			{From: f, To: "pkg:cargo/rand@0.8.5"},
			{From: f, To: randForkPURL},
		},
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		file string
		want extracttest.Graph
	}{
		{"workspace with members, renames, targets, build and dev", "workspace/Cargo.lock", workspaceGraph()},
		{"version 1: full references, [metadata] checksums", "sources-v1/Cargo.lock", sourcesGraph("1", [6]int{3, 11, 16, 20, 29, 34})},
		{"version 2: short references, inline checksums", "sources-v2/Cargo.lock", sourcesGraph("2", [6]int{3, 11, 17, 21, 31, 36})},
		{"version 3", "sources-v3/Cargo.lock", sourcesGraph("3", [6]int{5, 13, 19, 23, 33, 38})},
		{"version 4: percent-encoded git query", "sources-v4/Cargo.lock", sourcesGraph("4", [6]int{5, 13, 19, 23, 33, 38})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), tt.file)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.Diff(t, tt.want, g)
			extracttest.CheckReachable(t, g)
		})
	}
}

// TestLockfileAlone reads the workspace's lockfile without its manifests:
// the members are still the project, but which of them is the root and
// which dependencies are dev, build or target-specific is unknown.
func TestLockfileAlone(t *testing.T) {
	const f = "Cargo.lock"
	fsys := fstest.MapFS{f: {Data: extracttest.ReadFile(t, "testdata/workspace/Cargo.lock")}}
	g, err := extracttest.Extract(t, New(), fsys, f)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := workspaceGraph()
	want.Roots = []*inventory.Root{{
		ID: f, Kind: inventory.KindManifest,
		Properties: map[string]string{"lockfile_version": "4", "scopes_from": "lockfile", "local_packages": "myapp-cli@0.1.0,myapp-core@0.3.0,myapp@0.3.0"},
	}}
	for _, c := range want.Components {
		c.Scope = inventory.ScopeRuntime
		c.Properties = nil
		c.Locations[0].Path = f
	}
	for i := range want.Edges {
		if want.Edges[i].From == "workspace/Cargo.lock" {
			want.Edges[i].From = f
		}
	}
	slices.SortFunc(want.Edges, func(a, b inventory.Edge) int { return cmp.Compare(a.From+" "+a.To, b.From+" "+b.To) })
	extracttest.Diff(t, want, g)
}

// lock is a hand-written lockfile for the cases cargo does not make.
func lock(s string) []byte { return []byte(strings.TrimPrefix(s, "\n")) }

func extractData(t *testing.T, data []byte) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), fstest.MapFS{"Cargo.lock": {Data: data}}, "Cargo.lock")
}

func TestExtractShapes(t *testing.T) {
	const f = "Cargo.lock"
	type row = extracttest.LineRow
	tests := []struct {
		name      string
		data      []byte
		wantRoot  inventory.Root
		wantRows  []row
		wantEdges []string
	}{
		{
			name: "the [root] table of the oldest cargo",
			data: lock(`
[root]
name = "old"
version = "0.1.0"
dependencies = [
 "libc 0.2.2 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "libc"
version = "0.2.2"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.2 (registry+https://github.com/rust-lang/crates.io-index)" = "` + sumLibc + `"
`),
			wantRoot:  inventory.Root{ID: f, Kind: "manifest", PURL: "pkg:cargo/old@0.1.0", Name: "old", Version: "0.1.0", Properties: map[string]string{"lockfile_version": "1", "scopes_from": "lockfile"}},
			wantRows:  []row{{PURL: "pkg:cargo/libc@0.2.2", Direct: true, Scope: "runtime", Line: 8}},
			wantEdges: []string{"Cargo.lock -> pkg:cargo/libc@0.2.2"},
		},
		{
			name: "version 1 path package beside a registry package of the same version",
			data: lock(`
[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "dup 1.0.0",
]

[[package]]
name = "dup"
version = "1.0.0"

[[package]]
name = "dup"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "user"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "dup 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)",
]
`),
			// Without a manifest, both local packages are the project;
			// "user" is reached by nothing and so hangs off the root.
			wantRoot: inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"lockfile_version": "2", "scopes_from": "lockfile", "local_packages": "app@0.1.0,dup@1.0.0"}},
			wantRows: []row{
				{PURL: "pkg:cargo/dup@1.0.0", Scope: "runtime", Line: 12},
				{PURL: "pkg:cargo/user@2.0.0", Direct: true, Scope: "runtime", Line: 17},
			},
			wantEdges: []string{"Cargo.lock -> pkg:cargo/user@2.0.0", "pkg:cargo/user@2.0.0 -> pkg:cargo/dup@1.0.0"},
		},
		{
			name: "credentials removed, sparse crates.io, unknown registry",
			data: lock(`
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "a",
 "b",
 "c",
]

[[package]]
name = "a"
version = "1.0.0"
source = "sparse+https://index.crates.io/"
checksum = "` + strings.ToUpper(sumCC) + `"

[[package]]
name = "b"
version = "1.0.0"
source = "git+https://user:s3cret@git.example.com/b.git?rev=abc1234#abc1234abc1234abc1234abc1234abc1234abcd"

[[package]]
name = "c"
version = "1.0.0"
source = "registry+https://token@registry.example.com/git/index"
`),
			wantRoot: inventory.Root{ID: f, Kind: "manifest", PURL: "pkg:cargo/app@0.1.0", Name: "app", Version: "0.1.0", Properties: map[string]string{"lockfile_version": "4", "scopes_from": "lockfile"}},
			wantRows: []row{
				{PURL: "pkg:cargo/a@1.0.0", Direct: true, Scope: "runtime", Line: 12},
				{
					PURL: "pkg:cargo/b@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgit.example.com%2Fb.git%40abc1234abc1234abc1234abc1234abc1234abcd", Direct: true, Scope: "runtime", Line: 18,
					Source: "git+https://git.example.com/b.git@abc1234abc1234abc1234abc1234abc1234abcd", Props: map[string]string{"git_ref": "abc1234"},
				},
				{
					PURL: "pkg:cargo/c@1.0.0?repository_url=registry%2Bhttps:%2F%2Fregistry.example.com%2Fgit%2Findex", Direct: true, Scope: "runtime", Line: 23,
					Source: "registry+https://registry.example.com/git/index",
				},
			},
			wantEdges: []string{
				"Cargo.lock -> pkg:cargo/a@1.0.0",
				"Cargo.lock -> pkg:cargo/b@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgit.example.com%2Fb.git%40abc1234abc1234abc1234abc1234abc1234abcd",
				"Cargo.lock -> pkg:cargo/c@1.0.0?repository_url=registry%2Bhttps:%2F%2Fregistry.example.com%2Fgit%2Findex",
			},
		},
		{
			name:     "empty lockfile",
			data:     lock("# This file is automatically @generated by Cargo.\nversion = 3\n"),
			wantRoot: inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"lockfile_version": "3", "scopes_from": "lockfile"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractData(t, tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckSummary(t, g, tt.wantRoot, extracttest.LineRows, tt.wantRows, tt.wantEdges)
			extracttest.CheckReachable(t, g)
		})
	}
}

// TestChecksumUpperCase checks that a checksum is kept in lower case.
func TestChecksumUpperCase(t *testing.T) {
	g, err := extractData(t, lock(`
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "`+strings.ToUpper(sumCC)+`"
`))
	if err != nil {
		t.Fatal(err)
	}
	c := g.Component("pkg:cargo/a@1.0.0")
	if c == nil {
		t.Fatal("no component a")
	}
	if diff := gocmp.Diff(sha256(sumCC), c.Hashes); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
}

// TestBadEntries checks that bad entries are reported at their line and
// the rest of the file is still read.
func TestBadEntries(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		wantLine int
		wantMsg  string
		wantRows []extracttest.LineRow
	}{
		{
			name: "ambiguous short reference",
			data: lock(`
[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "rand",
 "libc",
]

[[package]]
name = "rand"
version = "0.7.3"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "libc"
version = "0.2.155"
source = "registry+https://github.com/rust-lang/crates.io-index"
`),
			wantLine: 1, wantMsg: `dependency "rand" is ambiguous: 2 packages match`,
			wantRows: []extracttest.LineRow{
				{PURL: "pkg:cargo/libc@0.2.155", Direct: true, Scope: "runtime", Line: 19},
				{PURL: "pkg:cargo/rand@0.7.3", Direct: true, Scope: "runtime", Line: 9},
				{PURL: "pkg:cargo/rand@0.8.5", Direct: true, Scope: "runtime", Line: 14},
			},
		},
		{
			name: "reference to no package",
			data: lock(`
[[package]]
name = "app"
version = "0.1.0"

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["missing 1.0.0"]
`),
			wantLine: 5, wantMsg: `package a 1.0.0: dependency "missing 1.0.0" matches no package`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:cargo/a@1.0.0", Direct: true, Scope: "runtime", Line: 5}},
		},
		{
			name: "malformed reference",
			data: lock(`
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["b 1.0.0 registry"]
`),
			wantLine: 1, wantMsg: `malformed dependency "b 1.0.0 registry"`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:cargo/a@1.0.0", Direct: true, Scope: "runtime", Line: 1}},
		},
		{
			name: "bad checksum, missing name and version, duplicate",
			data: lock(`
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "not-hex"

[[package]]
version = "1.0.0"

[[package]]
name = "b"

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
`),
			wantLine: 1, wantMsg: `package a 1.0.0: checksum "not-hex" is not a SHA-256 (and 3 more problems)`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:cargo/a@1.0.0", Direct: true, Scope: "runtime", Line: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractData(t, tt.data)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "Cargo.lock", Line: tt.wantLine, Msg: tt.wantMsg})
			if g == nil {
				t.Fatal("no graph beside the error")
			}
			extracttest.CheckRows(t, g, extracttest.LineRows, tt.wantRows)
			extracttest.CheckGraph(t, g)
		})
	}
}

func TestErrors(t *testing.T) {
	v4 := extracttest.ReadFile(t, "testdata/sources-v4/Cargo.lock")
	extracttest.RunBadInputs(t, New(), "Cargo.lock", []extracttest.BadInput{
		{Name: "not toml", Data: []byte("{\"package\": []}\n"), WantLine: 1, WantCol: 1, WantMsg: "toml:"},
		{Name: "truncated", Data: v4[:bytes.Index(v4, []byte("63bac9d"))], WantLine: 8, WantMsg: "toml:"},
		{Name: "binary garbage", Data: []byte("\x00\x01\x02\xff\xfe[[package]]\n"), WantLine: 1, WantMsg: "toml:"},
		{Name: "name of the wrong type", Data: []byte("version = 3\n\n[[package]]\nname = 12\n"), WantLine: 4, WantCol: 8, WantMsg: "toml: package.name: want string, got integer"},
		{Name: "dependencies of the wrong type", Data: []byte("[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = \"b\"\n"), WantLine: 4, WantMsg: "toml: package.dependencies: want array, got string"},
		{Name: "version of the wrong type", Data: []byte("version = \"4\"\n"), WantLine: 1, WantCol: 11, WantMsg: "toml: version: want integer, got string"},
		{Name: "unknown version", Data: []byte("# comment\nversion = 5\n"), WantLine: 2, WantCol: 1, WantMsg: "unsupported lockfile version 5 (want 1 to 4)"},
		{Name: "deep nesting", Data: []byte("version = " + strings.Repeat("[", 20000) + "\n"), WantLine: 1, WantMsg: "nested more than"},
		{Name: "key defined twice", Data: []byte("[[package]]\nname = \"a\"\nname = \"b\"\n"), WantLine: 3, WantMsg: "already defined"},
	})
}

// bigInfo reports a size past the limit, for the size check.
type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64 { return extract.DefaultMaxFileSize + 1 }

func TestTooLarge(t *testing.T) {
	in := &extract.Input{Path: "Cargo.lock", Info: bigInfo{}, Reader: strings.NewReader("version = 4\n")}
	g, err := New().Extract(context.Background(), in)
	if g != nil || !errors.Is(err, extract.ErrTooLarge) {
		t.Fatalf("Extract = %v, %v; want nil and ErrTooLarge", g, err)
	}
	extracttest.CheckErrorPath(t, err, "Cargo.lock")
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, os.DirFS("testdata"), "workspace/Cargo.lock")
	g, err := New().Extract(ctx, in)
	if g != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Extract = %v, %v; want nil and context.Canceled", g, err)
	}
	extracttest.CheckErrorPath(t, err, "workspace/Cargo.lock")
}

// TestBrokenManifest checks that a Cargo.toml that is not TOML is reported
// against itself and the lockfile is still read, as without a manifest.
func TestBrokenManifest(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/sources-v4/Cargo.lock")
	g := extracttest.CheckSiblingError(t, New(), "app/Cargo.lock", data, "app/Cargo.toml", []byte("[package]\nname = \"srcapp\"\n[dependencies\n"), 3)
	if g == nil {
		t.Fatal("no graph beside the manifest's error")
	}
	if got := g.Root("app/Cargo.lock").Properties["scopes_from"]; got != "lockfile" {
		t.Errorf("scopes_from = %q, want lockfile", got)
	}
	// Without the manifest's [patch], the local libc is the project's.
	if c := g.Component("pkg:cargo/libc@0.2.155"); c != nil {
		t.Errorf("libc is a component: %+v", c)
	}
}

// TestManifests covers what the Cargo.toml files can say beyond the
// fixtures: exclude, member globs that match files, path dependencies
// followed out of the members, dependencies in several tables, underscore
// table names, [replace], and a member whose manifest is broken.
func TestManifests(t *testing.T) {
	const f = "ws/Cargo.lock"
	reg := "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
	fsys := fstest.MapFS{
		f: {Data: lock(`
version = 3

[[package]]
name = "a"
version = "1.0.0"
dependencies = ["x", "y", "z", "shared"]

[[package]]
name = "b"
version = "1.0.0"
dependencies = ["w", "v"]

[[package]]
name = "shared"
version = "0.1.0"
dependencies = ["u"]

[[package]]
name = "vendored"
version = "3.0.0"

[[package]]
name = "x"
version = "1.0.0"
` + reg + `
[[package]]
name = "y"
version = "1.0.0"
` + reg + `dependencies = ["vendored"]

[[package]]
name = "z"
version = "1.0.0"
` + reg + `
[[package]]
name = "w"
version = "1.0.0"
` + reg + `
[[package]]
name = "v"
version = "1.0.0"
` + reg + `
[[package]]
name = "u"
version = "1.0.0"
` + reg)},
		"ws/Cargo.toml": {Data: lock(`
[workspace]
members = ["crates/*", "missing"]
exclude = ["crates/b"]

[replace]
"vendored:3.0.0" = { path = "third_party/vendored" }
`)},
		"ws/crates/a/Cargo.toml": {Data: lock(`
[package]
name = "a"
version = "1.0.0"

[dependencies]
shared = { path = "../../../shared" }

[dev_dependencies]
x = "1"

[build-dependencies]
x = "1"
y = "1"

[target.'cfg(unix)'.dependencies]
z = { version = "1", optional = true }

[target.'cfg(windows)'.build-dependencies]
z = "1"
`)},
		"ws/crates/b/Cargo.toml": {Data: []byte("[package]\nname = \"b\"\n[dependencies]\nw = \"1\"\n")},
		"ws/crates/README.md":    {Data: []byte("not a member")},
		"shared/Cargo.toml":      {Data: []byte("[package]\nname = \"shared\"\n[dev-dependencies]\nu = \"1\"\n")},
	}
	g, err := extracttest.Extract(t, New(), fsys, f)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	root := inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{
		"lockfile_version": "3", "scopes_from": "Cargo.toml", "local_packages": "a@1.0.0,b@1.0.0,shared@0.1.0",
	}}
	type row = extracttest.LineRow
	rows := []row{
		// shared (a path dependency outside the workspace, read
		// through its path) declares u as a dev dependency.
		{PURL: "pkg:cargo/u@1.0.0", Direct: true, Scope: "dev", Line: 48},
		// b is excluded, so its manifest is not read: v and w are
		// runtime, as without a manifest.
		{PURL: "pkg:cargo/v@1.0.0", Direct: true, Scope: "runtime", Line: 43},
		{PURL: "pkg:cargo/vendored@3.0.0", Scope: "build", Line: 18, Source: "path:ws/third_party/vendored"},
		{PURL: "pkg:cargo/w@1.0.0", Direct: true, Scope: "runtime", Line: 38},
		// dev and build: build is the more run-time.
		{PURL: "pkg:cargo/x@1.0.0", Direct: true, Scope: "build", Line: 22},
		{PURL: "pkg:cargo/y@1.0.0", Direct: true, Scope: "build", Line: 27},
		{PURL: "pkg:cargo/z@1.0.0", Direct: true, Scope: "optional", Line: 33, Props: map[string]string{"target": "cfg(unix), cfg(windows)"}},
	}
	edges := []string{
		"pkg:cargo/y@1.0.0 -> pkg:cargo/vendored@3.0.0",
		f + " -> pkg:cargo/u@1.0.0", f + " -> pkg:cargo/v@1.0.0", f + " -> pkg:cargo/w@1.0.0",
		f + " -> pkg:cargo/x@1.0.0", f + " -> pkg:cargo/y@1.0.0", f + " -> pkg:cargo/z@1.0.0",
	}
	extracttest.CheckSummary(t, g, root, extracttest.LineRows, rows, edges)
}

// TestMemberManifestError checks that a broken member manifest is
// reported against itself while the others still give scopes.
func TestMemberManifestError(t *testing.T) {
	fsys := fstest.MapFS{
		"Cargo.lock": {Data: lock(`
[[package]]
name = "a"
version = "1.0.0"
dependencies = ["x"]

[[package]]
name = "b"
version = "1.0.0"
dependencies = ["x"]

[[package]]
name = "x"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
`)},
		"Cargo.toml":   {Data: []byte("[workspace]\nmembers = [\"a\", \"b\"]\n")},
		"a/Cargo.toml": {Data: []byte("[package]\nname = \"a\"\n[dev-dependencies]\nx = \"1\"\n")},
		"b/Cargo.toml": {Data: []byte("[package]\nname = \"b\"\n\n[dependencies]\nx = { version = 1 \n")},
	}
	g, err := extracttest.Extract(t, New(), fsys, "Cargo.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "b/Cargo.toml", Line: 5, Msg: "toml:"})
	if e.Column == 0 {
		t.Errorf("error %v has no column", err)
	}
	// b's manifest is unread, so its x is taken as runtime.
	extracttest.CheckRows(t, g, extracttest.LineRows, []extracttest.LineRow{{PURL: "pkg:cargo/x@1.0.0", Direct: true, Scope: "runtime", Line: 11}})
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"Cargo.lock":                   true,
		"rust/app/Cargo.lock":          true,
		"Cargo.toml":                   false,
		"cargo.lock":                   false,
		"Cargo.lock.orig":              false,
		"vendor/foo/Cargo.lock.backup": false,
	})
	if New().Claims("Cargo.lock", dirInfo{}) {
		t.Error("Claims a directory named Cargo.lock")
	}
}

type dirInfo struct{}

func (dirInfo) Name() string       { return "Cargo.lock" }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }

func TestResolve(t *testing.T) {
	e := func(name, version, source string) *entry {
		return &entry{lockPackage: lockPackage{Name: name, Version: version, Source: source}, local: source == ""}
	}
	git := "git+https://github.com/example/rand-fork?tag=v1#" + randForkCommit
	a, b, c, d := e("rand", "0.8.5", cratesIOGit), e("rand", "0.8.5", git), e("rand", "0.7.3", cratesIOGit), e("once", "1.0.0", "")
	idx := newIndex([]*entry{a, b, c, d})
	tests := []struct {
		ref     string
		want    *entry
		wantErr string
	}{
		{ref: "once", want: d},
		{ref: "once 1.0.0", want: d},
		{ref: "rand 0.7.3", want: c},
		{ref: "rand 0.8.5 (" + cratesIOGit + ")", want: a},
		{ref: "rand 0.8.5 (git+https://github.com/example/rand-fork?tag=v1)", want: b},
		{ref: "rand 0.8.5 (" + git + ")", want: b},
		{ref: "rand", wantErr: "ambiguous: 3 packages match"},
		{ref: "rand 0.8.5", wantErr: "ambiguous: 2 packages match"},
		{ref: "rand 0.9.0", wantErr: "matches no package"},
		{ref: "rand 0.8.5 (sparse+https://index.crates.io/)", wantErr: "matches no package"},
		{ref: "rand 0.8.5 ()", wantErr: "malformed"},
		{ref: "rand 0.8.5 registry+https://github.com/rust-lang/crates.io-index)", wantErr: "malformed"},
		{ref: "rand ", wantErr: "malformed"},
		{ref: "", wantErr: "malformed"},
	}
	for _, tt := range tests {
		got, err := idx.resolve(tt.ref)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("resolve(%q) error = %v, want %q", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolve(%q) = %+v, %v; want %+v", tt.ref, got, err, tt.want)
		}
	}
}

func TestSplitGit(t *testing.T) {
	tests := []struct {
		src                    string
		version                int
		repo, ref, wantCommmit string
	}{
		{"git+https://github.com/o/r?branch=a%2Fb#c0ffee", 4, "https://github.com/o/r", "a/b", "c0ffee"},
		{"git+https://github.com/o/r?branch=a%2Fb#c0ffee", 3, "https://github.com/o/r", "a%2Fb", "c0ffee"},
		{"git+https://github.com/o/r?branch=a+b#c0ffee", 3, "https://github.com/o/r", "a+b", "c0ffee"},
		{"git+https://github.com/o/r#c0ffee", 4, "https://github.com/o/r", "", "c0ffee"},
		{"git+https://github.com/o/r?rev=v1&x=y", 4, "https://github.com/o/r", "v1", ""},
		{"git+https://github.com/o/r?tag=%ZZ#c0ffee", 4, "https://github.com/o/r", "%ZZ", "c0ffee"},
	}
	for _, tt := range tests {
		repo, ref, commit := splitGit(tt.src, tt.version)
		if repo != tt.repo || ref != tt.ref || commit != tt.wantCommmit {
			t.Errorf("splitGit(%q, %d) = %q, %q, %q; want %q, %q, %q", tt.src, tt.version, repo, ref, commit, tt.repo, tt.ref, tt.wantCommmit)
		}
	}
}

// FuzzExtract offers each input as a lockfile, with a second input as the
// Cargo.toml beside it, whose members and path dependencies lead nowhere.
func FuzzExtract(f *testing.F) {
	for _, dir := range []string{"workspace", "sources-v1", "sources-v2", "sources-v3", "sources-v4"} {
		f.Add(extracttest.ReadFile(f, "testdata/"+dir+"/Cargo.lock"), extracttest.ReadFile(f, "testdata/"+dir+"/Cargo.toml"))
	}
	f.Add([]byte("[root]\nname = \"a\"\nversion = \"1\"\n"), []byte("[patch.crates-io]\na = { path = \"..\" }\n"))
	f.Fuzz(func(t *testing.T, lockData, manifest []byte) {
		fsys := fstest.MapFS{"app/Cargo.lock": {Data: lockData}, "app/Cargo.toml": {Data: manifest}}
		in := &extract.Input{Path: "app/Cargo.lock", Root: fsys, Reader: bytes.NewReader(lockData), ReaderAt: bytes.NewReader(lockData)}
		g, err := New().Extract(context.Background(), in)
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || (e.Path != "app/Cargo.lock" && e.Path != "app/Cargo.toml") {
				t.Fatalf("error %v (%T) names neither file", err, err)
			}
		}
		if g == nil {
			return
		}
		extracttest.CheckGraph(t, g)
		extracttest.CheckReachable(t, g)
		for _, c := range g.Components() {
			if c.Version == "" || len(c.Locations) != 1 {
				t.Fatalf("component %s without version or location", c.PURL)
			}
		}
	})
}
