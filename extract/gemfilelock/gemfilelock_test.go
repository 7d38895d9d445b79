package gemfilelock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// SHA-256 digests of the .gem files the fixtures were locked against
// (sha256sum of each file, see testdata/README.md).
const (
	sumMiniPortile   = "61c13a884239e77a60d270cebf70c25c4be6f10caffc14220bb495c951ee77f3"
	sumNokogiri      = "c8f8cf181201673aea0aead8a2135faf0e47ad18192fcc77fc745c3f4c43aded"
	sumNokogiriLinux = "fb191938c0aed4e7407986161bc34d220925632f2ff0a8711d4b985c9183386d"
	sumPrivateGem    = "c768b39fe398cb59b915e61bc1065bc9df215ec2d9d088ebf383d63c61b2c89e"
	sumRacc          = "c0b976d5c69b7d5a16e34031e5328be9593d4c4649d8abdf2f8d8e9799011812"
	sumRack          = "0acd2587852f3b6fd30b89b017fe1e8e17c4e569e9c4792b052c91cbf92d06a6"
	sumRackTest      = "d5aa90729afd120ba93653de37ab803f491ae1968783770b80a3c7112d509289"
	sumRspec         = "5d802c8cfdaed6ea7313ce33b54cb56d615505611fcfb4dfac28d86e3754a523"
	sumRspecCore     = "d9c1cd6ff60ae44f43c68ec7e26f3962c9a4dba271c1535af3263128e351182b"
	sumRspecSupport  = "08e7bb9424d3c69bb580dcfaeaa99a4965514cabd2c764facec388717a446071"

	mygitCommit = "1853125c6c305bd6f571a6729b5eb9383335cb4a"
	mygitPURL   = "pkg:gem/mygit@0.9.1?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Fmygit.git%40" + mygitCommit
	privatePURL = "pkg:gem/private_gem@0.4.0?repository_url=https:%2F%2Fgems.example.com%2F"
	nokoLinux   = "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux"
)

func loc(file string, line int) []inventory.Location {
	return []inventory.Location{{Path: file, Line: line}}
}

func sha256(v string) []inventory.Hash { return []inventory.Hash{extracttest.SHA256(v)} }

// shopGraph is testdata/shop (or testdata/checksums, the same lockfile
// with a CHECKSUMS section added): a gem project (`gemspec`) with a git
// gem, a path gem, a gem from a second source, nokogiri for two
// platforms, and rspec as a development dependency of the gemspec.
// hashes says whether the CHECKSUMS digests are expected; scopes whether
// the Gemfile and gemspec were read.
func shopGraph(dir string, hashes, scopes bool) extracttest.Graph {
	f := dir + "/Gemfile.lock"
	sum := func(v string) []inventory.Hash {
		if !hashes {
			return nil
		}
		return sha256(v)
	}
	dev := inventory.ScopeDev
	props := map[string]string{"bundled_with": "2.3.7", "platforms": "ruby,x86_64-linux", "ruby_version": "ruby 3.1.2p20", "scopes_from": "Gemfile"}
	if hashes {
		props["bundled_with"] = "2.5.6"
	}
	if !scopes {
		dev = inventory.ScopeRuntime
		props["scopes_from"] = "lockfile"
	}
	g := extracttest.Graph{
		Roots: []*inventory.Root{{ID: f, Kind: inventory.KindManifest, PURL: "pkg:gem/shop@0.1.0", Name: "shop", Version: "0.1.0", Properties: props}},
		Components: []*inventory.Component{
			{PURL: "pkg:gem/admin@1.2.0", Ecosystem: "RubyGems", Name: "admin", Version: "1.2.0", Direct: true, Scope: "runtime", Source: "path:" + dir + "/engines/admin", Locations: loc(f, 18)},
			{PURL: "pkg:gem/mini_portile2@2.8.5", Ecosystem: "RubyGems", Name: "mini_portile2", Version: "2.8.5", Scope: "runtime", Hashes: sum(sumMiniPortile), Locations: loc(f, 30)},
			{
				PURL: mygitPURL, Ecosystem: "RubyGems", Name: "mygit", Version: "0.9.1", Direct: true, Scope: "runtime",
				Source: "git+https://github.com/example/mygit.git@" + mygitCommit, Properties: map[string]string{"git_ref": "main"}, Locations: loc(f, 6),
			},
			{PURL: "pkg:gem/nokogiri@1.16.0", Ecosystem: "RubyGems", Name: "nokogiri", Version: "1.16.0", Direct: true, Scope: "runtime", Hashes: sum(sumNokogiri), Locations: loc(f, 31)},
			{PURL: nokoLinux, Ecosystem: "RubyGems", Name: "nokogiri", Version: "1.16.0", Direct: true, Scope: "runtime", Hashes: sum(sumNokogiriLinux), Locations: loc(f, 34)},
			{PURL: privatePURL, Ecosystem: "RubyGems", Name: "private_gem", Version: "0.4.0", Direct: true, Scope: "runtime", Hashes: sum(sumPrivateGem), Source: "https://gems.example.com/", Locations: loc(f, 24)},
			{PURL: "pkg:gem/racc@1.7.3", Ecosystem: "RubyGems", Name: "racc", Version: "1.7.3", Scope: "runtime", Hashes: sum(sumRacc), Locations: loc(f, 36)},
			// In the :test group, but the admin engine needs it at run time.
			{PURL: "pkg:gem/rack-test@2.1.0", Ecosystem: "RubyGems", Name: "rack-test", Version: "2.1.0", Direct: true, Scope: "runtime", Hashes: sum(sumRackTest), Locations: loc(f, 38)},
			{PURL: "pkg:gem/rack@3.0.8", Ecosystem: "RubyGems", Name: "rack", Version: "3.0.8", Direct: true, Scope: "runtime", Hashes: sum(sumRack), Locations: loc(f, 37)},
			{PURL: "pkg:gem/rspec-core@3.13.0", Ecosystem: "RubyGems", Name: "rspec-core", Version: "3.13.0", Scope: dev, Hashes: sum(sumRspecCore), Locations: loc(f, 43)},
			{PURL: "pkg:gem/rspec-support@3.13.1", Ecosystem: "RubyGems", Name: "rspec-support", Version: "3.13.1", Scope: dev, Hashes: sum(sumRspecSupport), Locations: loc(f, 45)},
			{PURL: "pkg:gem/rspec@3.13.0", Ecosystem: "RubyGems", Name: "rspec", Version: "3.13.0", Direct: true, Scope: dev, Hashes: sum(sumRspec), Locations: loc(f, 40)},
		},
		Edges: []inventory.Edge{
			{From: "pkg:gem/admin@1.2.0", To: "pkg:gem/rack-test@2.1.0"},
			{From: mygitPURL, To: "pkg:gem/rack@3.0.8"},
			{From: "pkg:gem/nokogiri@1.16.0", To: "pkg:gem/mini_portile2@2.8.5"},
			{From: "pkg:gem/nokogiri@1.16.0", To: "pkg:gem/racc@1.7.3"},
			{From: nokoLinux, To: "pkg:gem/racc@1.7.3"},
			{From: privatePURL, To: "pkg:gem/rack@3.0.8"},
			{From: "pkg:gem/rack-test@2.1.0", To: "pkg:gem/rack@3.0.8"},
			{From: "pkg:gem/rspec-core@3.13.0", To: "pkg:gem/rspec-support@3.13.1"},
			{From: "pkg:gem/rspec@3.13.0", To: "pkg:gem/rspec-core@3.13.0"},
			{From: "pkg:gem/rspec@3.13.0", To: "pkg:gem/rspec-support@3.13.1"},
			{From: f, To: "pkg:gem/admin@1.2.0"},
			{From: f, To: mygitPURL},
			{From: f, To: "pkg:gem/nokogiri@1.16.0"},
			{From: f, To: nokoLinux},
			{From: f, To: privatePURL},
			{From: f, To: "pkg:gem/rack-test@2.1.0"},
			{From: f, To: "pkg:gem/rack@3.0.8"},
			{From: f, To: "pkg:gem/rspec@3.13.0"},
		},
	}
	// The graph orders edges by From, and the root's id may sort either
	// side of "pkg:".
	slices.SortFunc(g.Edges, func(a, b inventory.Edge) int { return strings.Compare(a.From+" "+a.To, b.From+" "+b.To) })
	return g
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		file string
		want extracttest.Graph
	}{
		{"gemspec project with git, path, second source and platforms", "shop/Gemfile.lock", shopGraph("shop", false, true)},
		{"CHECKSUMS, no Gemfile beside it", "checksums/Gemfile.lock", shopGraph("checksums", true, false)},
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

// TestGemsRB reads gems.locked with the groups of gems.rb: blocks,
// group: and groups: options, a group other than development and test,
// and a block that is not a group.
func TestGemsRB(t *testing.T) {
	const f = "gems-rb/gems.locked"
	type row = extracttest.LineRow
	extracttest.RunSummaries(t, New(), extracttest.LineRows, []extracttest.SummaryCase[row]{{
		Name:     "gems.rb",
		Path:     f,
		WantRoot: inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"bundled_with": "2.3.7", "platforms": "x86_64-linux", "scopes_from": "gems.rb"}},
		WantRows: []row{
			{PURL: "pkg:gem/mini_portile2@2.8.5", Direct: true, Scope: "test", Line: 4},
			{PURL: nokoLinux, Direct: true, Scope: "runtime", Line: 5},
			{PURL: "pkg:gem/racc@1.7.3", Direct: true, Scope: "runtime", Line: 7},
			{PURL: "pkg:gem/rack@3.0.8", Direct: true, Scope: "runtime", Line: 8},
			{PURL: "pkg:gem/rspec-core@3.13.0", Scope: "dev", Line: 12},
			{PURL: "pkg:gem/rspec-support@3.13.1", Scope: "dev", Line: 14},
			{PURL: "pkg:gem/rspec@3.13.0", Direct: true, Scope: "dev", Line: 9},
		},
		WantEdges: []string{
			f + " -> pkg:gem/mini_portile2@2.8.5", f + " -> " + nokoLinux, f + " -> pkg:gem/racc@1.7.3",
			f + " -> pkg:gem/rack@3.0.8", f + " -> pkg:gem/rspec@3.13.0",
			nokoLinux + " -> pkg:gem/racc@1.7.3",
			"pkg:gem/rspec-core@3.13.0 -> pkg:gem/rspec-support@3.13.1",
			"pkg:gem/rspec@3.13.0 -> pkg:gem/rspec-core@3.13.0",
			"pkg:gem/rspec@3.13.0 -> pkg:gem/rspec-support@3.13.1",
		},
	}})
}

func extractData(t *testing.T, data string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), fstest.MapFS{"Gemfile.lock": {Data: []byte(strings.TrimPrefix(data, "\n"))}}, "Gemfile.lock")
}

func TestExtractShapes(t *testing.T) {
	const f = "Gemfile.lock"
	type row = extracttest.LineRow
	tests := []struct {
		name      string
		data      string
		wantRoot  inventory.Root
		wantRows  []row
		wantEdges []string
	}{
		{
			name: "old Bundler: several remotes in one GEM section, tag, plugin source",
			data: `
GIT
  remote: https://user:token@git.example.com/forks/thor.git
  revision: 0123456789abcdef0123456789abcdef01234567
  tag: v1.3.0
  specs:
    thor (1.3.0)

GEM
  remote: https://gems.example.com/
  remote: https://rubygems.org/
  specs:
    json (2.7.1-java)
    rake (13.1.0)

GEM
  remote: https://mirror.example.com/
  remote: https://other.example.com/
  specs:
    mirrored (1.0.0)
      bundler (>= 1.15)

PLUGIN SOURCE
  remote: https://plugins.example.com/
  type: s3
  specs:
    plugged (0.1.0)
      rake

PLATFORMS
  java
  ruby

DEPENDENCIES
  json
  mirrored
  plugged!
  thor!

BUNDLED WITH
   1.17.3
`,
			wantRoot: inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"bundled_with": "1.17.3", "platforms": "java,ruby", "scopes_from": "lockfile"}},
			wantRows: []row{
				{PURL: "pkg:gem/json@2.7.1?platform=java", Direct: true, Scope: "runtime", Line: 12},
				{PURL: "pkg:gem/mirrored@1.0.0?repository_url=https:%2F%2Fmirror.example.com%2F", Direct: true, Scope: "runtime", Line: 19, Source: "https://mirror.example.com/"},
				{PURL: "pkg:gem/plugged@0.1.0?repository_url=https:%2F%2Fplugins.example.com%2F", Direct: true, Scope: "runtime", Line: 26, Source: "https://plugins.example.com/", Props: map[string]string{"plugin": "s3"}},
				{PURL: "pkg:gem/rake@13.1.0", Scope: "runtime", Line: 13},
				{
					PURL: "pkg:gem/thor@1.3.0?vcs_url=git%2Bhttps:%2F%2Fgit.example.com%2Fforks%2Fthor.git%400123456789abcdef0123456789abcdef01234567", Direct: true, Scope: "runtime", Line: 6,
					Source: "git+https://git.example.com/forks/thor.git@0123456789abcdef0123456789abcdef01234567", Props: map[string]string{"git_ref": "v1.3.0"},
				},
			},
			wantEdges: []string{
				f + " -> pkg:gem/json@2.7.1?platform=java",
				f + " -> pkg:gem/mirrored@1.0.0?repository_url=https:%2F%2Fmirror.example.com%2F",
				f + " -> pkg:gem/plugged@0.1.0?repository_url=https:%2F%2Fplugins.example.com%2F",
				f + " -> pkg:gem/thor@1.3.0?vcs_url=git%2Bhttps:%2F%2Fgit.example.com%2Fforks%2Fthor.git%400123456789abcdef0123456789abcdef01234567",
				"pkg:gem/plugged@0.1.0?repository_url=https:%2F%2Fplugins.example.com%2F -> pkg:gem/rake@13.1.0",
			},
		},
		{
			name: "no DEPENDENCIES, unknown section, CRLF, a path gem out of the tree",
			data: "GEM\r\n  remote: https://rubygems.org/\r\n  specs:\r\n    a (1.0)\r\n      b (~> 1.0)\r\n    b (1.0.1)\r\n    c (2.0)\r\n      c\r\n\r\n" +
				"PATH\r\n  remote: /opt/gems/local\r\n  specs:\r\n    local (0.0.1)\r\n\r\nFUTURE SECTION\r\n  anything: at all\r\n",
			wantRoot: inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"scopes_from": "lockfile"}},
			// Nothing is declared: the gems nothing needs hang off the root.
			wantRows: []row{
				{PURL: "pkg:gem/a@1.0", Direct: true, Scope: "runtime", Line: 4},
				{PURL: "pkg:gem/b@1.0.1", Scope: "runtime", Line: 6},
				{PURL: "pkg:gem/c@2.0", Direct: true, Scope: "runtime", Line: 7},
				{PURL: "pkg:gem/local@0.0.1", Direct: true, Scope: "runtime", Line: 13, Source: "path:/opt/gems/local"},
			},
			wantEdges: []string{f + " -> pkg:gem/a@1.0", f + " -> pkg:gem/c@2.0", f + " -> pkg:gem/local@0.0.1", "pkg:gem/a@1.0 -> pkg:gem/b@1.0.1"},
		},
		{
			name: "two gemspecs in the project's own PATH: neither names the root",
			data: `
PATH
  remote: .
  specs:
    one (1.0.0)
      rack
    two (1.0.0)

GEM
  remote: https://rubygems.org/
  specs:
    rack (3.0.8)

DEPENDENCIES
  one!
  two!
`,
			wantRoot:  inventory.Root{ID: f, Kind: "manifest", Properties: map[string]string{"scopes_from": "lockfile"}},
			wantRows:  []row{{PURL: "pkg:gem/rack@3.0.8", Direct: true, Scope: "runtime", Line: 11}},
			wantEdges: []string{f + " -> pkg:gem/rack@3.0.8"},
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

// TestBadLines checks that bad lines inside sections are reported at
// their line and the rest of the file is still read.
func TestBadLines(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantMsg  string
		wantRows []extracttest.LineRow
	}{
		{
			name: "spec without a version",
			data: `
GEM
  remote: https://rubygems.org/
  specs:
    rack
    rake (13.1.0)
`,
			wantLine: 4, wantMsg: `malformed spec "rack" (want "name (version)")`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:gem/rake@13.1.0", Direct: true, Scope: "runtime", Line: 5}},
		},
		{
			name:     "dependency before any spec, tab indentation, bad option",
			data:     "GEM\n  remote: https://rubygems.org/\n  nonsense\n  specs:\n      orphan (>= 1)\n\trake (13.1.0)\n    rake (13.1.0)\n",
			wantLine: 3, wantMsg: `GEM: malformed option "nonsense" (and 2 more problems)`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:gem/rake@13.1.0", Direct: true, Scope: "runtime", Line: 7}},
		},
		{
			name: "checksum of the wrong length",
			data: `
GEM
  remote: https://rubygems.org/
  specs:
    rake (13.1.0)

CHECKSUMS
  rake (13.1.0) sha256=abc
`,
			wantLine: 7, wantMsg: `checksum of rake: sha256 digest "abc" is not 64 hex digits`,
			wantRows: []extracttest.LineRow{{PURL: "pkg:gem/rake@13.1.0", Direct: true, Scope: "runtime", Line: 4}},
		},
		{
			name:     "GEM section without a remote",
			data:     "GEM\n  specs:\n    rake (13.1.0)\n",
			wantLine: 1, wantMsg: "GEM section without a remote",
			wantRows: []extracttest.LineRow{{PURL: "pkg:gem/rake@13.1.0", Direct: true, Scope: "runtime", Line: 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractData(t, tt.data)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "Gemfile.lock", Line: tt.wantLine, Msg: tt.wantMsg})
			if g == nil {
				t.Fatal("no graph beside the error")
			}
			extracttest.CheckRows(t, g, extracttest.LineRows, tt.wantRows)
		})
	}
}

// TestChecksums checks a spec's hashes: sha512 beside sha256, an unknown
// algorithm skipped, a checksum naming no spec ignored, upper-case hex.
func TestChecksums(t *testing.T) {
	sha512 := strings.Repeat("ab", 64)
	g, err := extractData(t, `
GEM
  remote: https://rubygems.org/
  specs:
    rake (13.1.0)

CHECKSUMS
  rake (13.1.0) sha256=`+strings.ToUpper(sumRack)+`,sha512=`+sha512+`,md5=00
  missing (1.0.0) sha256=`+sumRack+`
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Hash{extracttest.SHA256(sumRack), {Algorithm: "SHA-512", Value: sha512}}
	if diff := cmp.Diff(want, g.Component("pkg:gem/rake@13.1.0").Hashes); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	shop := extracttest.ReadFile(t, "testdata/shop/Gemfile.lock")
	extracttest.RunBadInputs(t, New(), "Gemfile.lock", []extracttest.BadInput{
		{Name: "json", Data: []byte("{\n  \"GEM\": []\n}\n"), WantLine: 1, WantCol: 1, WantMsg: `line "{" is not a section header: not a Gemfile.lock`},
		{Name: "binary garbage", Data: []byte("\x7fELF\x02\x01\x01\x00\n"), WantLine: 1, WantCol: 1, WantMsg: "not a section header"},
		{Name: "merge conflict", Data: append(append([]byte(nil), shop[:100]...), "\n<<<<<<< HEAD\n"...), WantLine: 4, WantCol: 1, WantMsg: "merge conflict marker"},
		{Name: "indented line first", Data: []byte("  remote: https://rubygems.org/\nGEM\n"), WantLine: 1, WantCol: 1, WantMsg: "indented line before any section"},
		{Name: "only unknown sections", Data: []byte("HELLO\n  world\n"), WantLine: 1, WantMsg: "no GEM, GIT, PATH or DEPENDENCIES section"},
		{Name: "huge line", Data: append([]byte("GEM\n  remote: "), bytes.Repeat([]byte("x"), extract.MaxLineLength+1)...), WantLine: 2, WantMsg: "line longer than"},
	})
}

// TestTruncated checks that a lockfile cut in the middle of a spec line
// keeps what came before and reports the cut line.
func TestTruncated(t *testing.T) {
	shop := string(extracttest.ReadFile(t, "testdata/shop/Gemfile.lock"))
	cut := shop[:strings.Index(shop, "racc (1.7.3)")+len("racc (1.7")]
	g, err := extractData(t, cut)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "Gemfile.lock", Line: 36, Msg: `malformed spec "racc (1.7"`})
	if g.Component(nokoLinux) == nil || g.Component("pkg:gem/racc@1.7.3") != nil {
		t.Errorf("components %v: want nokogiri before the cut and no racc", extracttest.LineRows(g))
	}
}

// TestTooManyEdges checks that specs of one name depending on that name,
// each line an edge to every one of them, are refused past the cap.
func TestTooManyEdges(t *testing.T) {
	const n = 2100 // n*n edges, past maxEdges
	var b strings.Builder
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    a (1.0-p%d)\n      a\n", i)
	}
	extracttest.RunBadInputs(t, New(), "Gemfile.lock", []extracttest.BadInput{{
		Name: "one name, many platforms", Data: []byte(b.String()),
		// The cap is passed at the spec whose edges take the count
		// over it.
		WantLine: 4 + 2*(maxEdges/n), WantMsg: "more than 4194304 dependency edges",
	}})
}

// bigInfo reports a size past the limit, for the size check.
type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64 { return extract.DefaultMaxFileSize + 1 }

func TestTooLarge(t *testing.T) {
	in := &extract.Input{Path: "Gemfile.lock", Info: bigInfo{}, Reader: strings.NewReader("GEM\n")}
	g, err := New().Extract(context.Background(), in)
	if g != nil || !errors.Is(err, extract.ErrTooLarge) {
		t.Fatalf("Extract = %v, %v; want nil and ErrTooLarge", g, err)
	}
	extracttest.CheckErrorPath(t, err, "Gemfile.lock")
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g, err := New().Extract(ctx, extracttest.Input(t, os.DirFS("testdata"), "shop/Gemfile.lock"))
	if g != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Extract = %v, %v; want nil and context.Canceled", g, err)
	}
	extracttest.CheckErrorPath(t, err, "shop/Gemfile.lock")
}

// TestGemfileTooLarge checks that a Gemfile past the size limit is
// reported against itself and the lockfile still read, without scopes.
func TestGemfileTooLarge(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/gems-rb/gems.locked")
	fsys := fstest.MapFS{
		"gems.locked": {Data: lock},
		"gems.rb":     {Data: bytes.Repeat([]byte("# padding\n"), maxCompanionSize/10+1)},
	}
	g, err := extracttest.Extract(t, New(), fsys, "gems.locked")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "gems.rb", Msg: "input exceeds size limit"})
	if !errors.Is(e, extract.ErrTooLarge) {
		t.Errorf("error %v does not wrap ErrTooLarge", err)
	}
	if got := g.Root("gems.locked").Properties["scopes_from"]; got != "lockfile" {
		t.Errorf("scopes_from = %q, want lockfile", got)
	}
	if c := g.Component("pkg:gem/rspec@3.13.0"); c == nil || c.Scope != inventory.ScopeRuntime {
		t.Errorf("rspec = %+v, want a runtime component", c)
	}
}

func TestGemfileScopes(t *testing.T) {
	gemfile := `
source "https://rubygems.org" # "gem 'commented'"
ruby "3.3.0"

gem "rails", "~> 7.1"
gem 'pg', '>= 1.1' # gem "not-this"
gem "puma", group: :production
gem "debug", platforms: %i[mri windows], group: [:development, :test]
gem "rubocop", :group => :development, require: false
gem("capybara", groups: ["test"])
gem "sidekiq", "#{7}.0", group: :jobs

group :development, :test do
  gem "rspec-rails"
  unless ENV["NO_PRY"]
    gem "pry"
  end
  group :test do
    gem "factory_bot"
  end
  [1].each do |x|
    gem "inner"
  end
end

group(:test) do
  gem "webmock"
end

platforms :jruby do
  gem "jdbc"
end

gem "rails", group: :development
gem "rspec-rails", group: :production
gem "after"
`
	want := map[string]inventory.Scope{
		"rails": "runtime", "pg": "runtime", "puma": "runtime", "debug": "dev", "rubocop": "dev",
		"capybara": "test", "sidekiq": "runtime", "rspec-rails": "runtime", "pry": "dev",
		"factory_bot": "dev", "inner": "dev", "webmock": "test", "jdbc": "runtime", "after": "runtime",
	}
	if diff := cmp.Diff(want, gemfileScopes([]byte(gemfile))); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
}

func TestDevelopmentDependencies(t *testing.T) {
	gemspec := `
Gem::Specification.new do |spec|
  spec.add_dependency "rack"
  spec.add_development_dependency "rspec", "~> 3.13"
  spec.add_development_dependency('rake')
  # spec.add_development_dependency "commented"
  spec.add_runtime_dependency "json"
end
`
	if diff := cmp.Diff([]string{"rspec", "rake"}, developmentDependencies([]byte(gemspec))); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"Gemfile.lock":                         true,
		"app/gems.locked":                      true,
		"Gemfile":                              false,
		"gemfiles/rails_7.gemfile.lock":        false,
		"gemfile.lock":                         false,
		"vendor/bundle/ruby/3.3.0/Gemfile.lck": false,
	})
	if New().Claims("Gemfile.lock", dirInfo{}) {
		t.Error("Claims a directory named Gemfile.lock")
	}
}

type dirInfo struct{}

func (dirInfo) Name() string       { return "Gemfile.lock" }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }

// FuzzExtract offers each input as a lockfile, with a second input as the
// Gemfile beside it.
func FuzzExtract(f *testing.F) {
	f.Add(extracttest.ReadFile(f, "testdata/shop/Gemfile.lock"), extracttest.ReadFile(f, "testdata/shop/Gemfile"))
	f.Add(extracttest.ReadFile(f, "testdata/checksums/Gemfile.lock"), []byte(nil))
	f.Add(extracttest.ReadFile(f, "testdata/gems-rb/gems.locked"), extracttest.ReadFile(f, "testdata/gems-rb/gems.rb"))
	f.Fuzz(func(t *testing.T, lock, gemfile []byte) {
		fsys := fstest.MapFS{"app/Gemfile.lock": {Data: lock}, "app/Gemfile": {Data: gemfile}, "app/shop.gemspec": {Data: gemfile}}
		in := &extract.Input{Path: "app/Gemfile.lock", Root: fsys, Reader: bytes.NewReader(lock), ReaderAt: bytes.NewReader(lock)}
		g, err := New().Extract(context.Background(), in)
		if err != nil {
			extracttest.CheckErrorPath(t, err, "app/Gemfile.lock")
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
