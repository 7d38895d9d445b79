package uvlock

import (
	"bytes"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// row is the part of a component most cases assert; whole components are
// compared where digests matter.
type row = extracttest.LineRow

// run extracts path from fsys, the scanned tree, as the walk would.
func run(t *testing.T, fsys fs.FS, path string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), fsys, path)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		wantRoot  inventory.Root
		wantRows  []row
		wantEdges []string
	}{
		{
			// The editable "." entry is the project. Its socks extra asks
			// for requests[socks], which brings pysocks as optional;
			// urllib3's socks extra is asked for by nobody.
			name: "project",
			path: "project/uv.lock",
			wantRoot: inventory.Root{
				ID: "project/uv.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/tweetsvc@0.4.0", Name: "tweetsvc", Version: "0.4.0",
				Properties: map[string]string{"lock_version": "1", "revision": "2", "requires_python": ">=3.11"},
			},
			wantRows: []row{
				{PURL: "pkg:pypi/blinker@1.6.3", Scope: "runtime", Line: 5},
				{PURL: "pkg:pypi/certifi@2024.12.14", Scope: "runtime", Line: 14},
				{PURL: "pkg:pypi/charset-normalizer@3.4.1", Scope: "runtime", Line: 23},
				{PURL: "pkg:pypi/click@8.1.7", Scope: "runtime", Line: 32},
				{PURL: "pkg:pypi/colorama@0.4.6", Scope: "runtime", Line: 44},
				{PURL: "pkg:pypi/flask@3.0.0", Direct: true, Scope: "runtime", Line: 53},
				{PURL: "pkg:pypi/idna@3.6", Scope: "runtime", Line: 69},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Line: 78},
				{PURL: "pkg:pypi/itsdangerous@2.1.2", Scope: "runtime", Line: 87},
				{PURL: "pkg:pypi/jinja2@3.1.2", Scope: "runtime", Line: 96},
				{PURL: "pkg:pypi/markupsafe@2.1.3", Scope: "runtime", Line: 108},
				{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Line: 117},
				{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Line: 126},
				{PURL: "pkg:pypi/pysocks@1.7.1", Scope: "optional", Line: 135},
				{PURL: "pkg:pypi/pytest@8.3.3", Direct: true, Scope: "dev", Line: 144},
				{PURL: "pkg:pypi/requests@2.32.3", Direct: true, Scope: "runtime", Line: 159},
				{PURL: "pkg:pypi/urllib3@2.3.0", Scope: "runtime", Line: 209},
				{PURL: "pkg:pypi/werkzeug@3.0.0", Scope: "runtime", Line: 223},
			},
			wantEdges: []string{
				"project/uv.lock -> pkg:pypi/flask@3.0.0",
				"project/uv.lock -> pkg:pypi/pytest@8.3.3",
				"project/uv.lock -> pkg:pypi/requests@2.32.3",
				"pkg:pypi/click@8.1.7 -> pkg:pypi/colorama@0.4.6",
				"pkg:pypi/flask@3.0.0 -> pkg:pypi/blinker@1.6.3",
				"pkg:pypi/flask@3.0.0 -> pkg:pypi/click@8.1.7",
				"pkg:pypi/flask@3.0.0 -> pkg:pypi/itsdangerous@2.1.2",
				"pkg:pypi/flask@3.0.0 -> pkg:pypi/jinja2@3.1.2",
				"pkg:pypi/flask@3.0.0 -> pkg:pypi/werkzeug@3.0.0",
				"pkg:pypi/jinja2@3.1.2 -> pkg:pypi/markupsafe@2.1.3",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/colorama@0.4.6",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/iniconfig@2.0.0",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/packaging@24.1",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/pluggy@1.5.0",
				"pkg:pypi/requests@2.32.3 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/requests@2.32.3 -> pkg:pypi/charset-normalizer@3.4.1",
				"pkg:pypi/requests@2.32.3 -> pkg:pypi/idna@3.6",
				"pkg:pypi/requests@2.32.3 -> pkg:pypi/pysocks@1.7.1",
				"pkg:pypi/requests@2.32.3 -> pkg:pypi/urllib3@2.3.0",
				"pkg:pypi/werkzeug@3.0.0 -> pkg:pypi/markupsafe@2.1.3",
			},
		},
		{
			// Forked resolution (uv 0.5, no revision): two numpy and two
			// scipy versions; each scipy is linked to its own numpy only.
			name: "forked",
			path: "forked/uv.lock",
			wantRoot: inventory.Root{
				ID: "forked/uv.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/analytics@0.1.0", Name: "analytics", Version: "0.1.0",
				Properties: map[string]string{"lock_version": "1", "requires_python": ">=3.9"},
			},
			wantRows: []row{
				{PURL: "pkg:pypi/numpy@2.0.2", Direct: true, Scope: "runtime", Line: 27},
				{PURL: "pkg:pypi/numpy@2.2.1", Direct: true, Scope: "runtime", Line: 39},
				{PURL: "pkg:pypi/pandas@2.2.3", Direct: true, Scope: "runtime", Line: 51},
				{PURL: "pkg:pypi/python-dateutil@2.9.0.post0", Scope: "runtime", Line: 67},
				{PURL: "pkg:pypi/pytz@2024.2", Scope: "runtime", Line: 79},
				{PURL: "pkg:pypi/scipy@1.13.1", Direct: true, Scope: "runtime", Line: 88},
				{PURL: "pkg:pypi/scipy@1.15.0", Direct: true, Scope: "runtime", Line: 103},
				{PURL: "pkg:pypi/six@1.17.0", Scope: "runtime", Line: 118},
				{PURL: "pkg:pypi/tzdata@2024.2", Scope: "runtime", Line: 127},
			},
			wantEdges: []string{
				"forked/uv.lock -> pkg:pypi/numpy@2.0.2",
				"forked/uv.lock -> pkg:pypi/numpy@2.2.1",
				"forked/uv.lock -> pkg:pypi/pandas@2.2.3",
				"forked/uv.lock -> pkg:pypi/scipy@1.13.1",
				"forked/uv.lock -> pkg:pypi/scipy@1.15.0",
				"pkg:pypi/pandas@2.2.3 -> pkg:pypi/numpy@2.0.2",
				"pkg:pypi/pandas@2.2.3 -> pkg:pypi/numpy@2.2.1",
				"pkg:pypi/pandas@2.2.3 -> pkg:pypi/python-dateutil@2.9.0.post0",
				"pkg:pypi/pandas@2.2.3 -> pkg:pypi/pytz@2024.2",
				"pkg:pypi/pandas@2.2.3 -> pkg:pypi/tzdata@2024.2",
				"pkg:pypi/python-dateutil@2.9.0.post0 -> pkg:pypi/six@1.17.0",
				"pkg:pypi/scipy@1.13.1 -> pkg:pypi/numpy@2.0.2",
				"pkg:pypi/scipy@1.15.0 -> pkg:pypi/numpy@2.2.1",
			},
		},
		{
			// A virtual workspace root: no project entry, the members are
			// the direct components; api's dev group is dev.
			name: "workspace",
			path: "workspace/uv.lock",
			wantRoot: inventory.Root{
				ID: "workspace/uv.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"lock_version": "1", "revision": "3", "requires_python": ">=3.12"},
			},
			wantRows: []row{
				{PURL: "pkg:pypi/api@0.1.0", Direct: true, Scope: "runtime", Line: 11, Source: "packages/api", Props: map[string]string{"editable": "true"}},
				{PURL: "pkg:pypi/certifi@2024.12.14", Scope: "runtime", Line: 38},
				{PURL: "pkg:pypi/corelib@0.3.1", Direct: true, Scope: "runtime", Line: 47, Source: "packages/corelib", Props: map[string]string{"editable": "true"}},
				{
					PURL: "pkg:pypi/en-core-web-sm@3.7.1", Scope: "runtime", Line: 58,
					Source: "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl",
				},
				{
					PURL: "pkg:pypi/httpx@0.27.0", Scope: "runtime", Line: 66,
					Source: "git+https://github.com/encode/httpx@326b9431c761e1ef1e00b9f760d1f654c8db48c6",
					Props:  map[string]string{"git_ref": "0.27.0"},
				},
				{PURL: "pkg:pypi/idna@3.10", Scope: "runtime", Line: 75},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Line: 84},
				{PURL: "pkg:pypi/internal-auth@4.2.0", Scope: "runtime", Line: 93, Props: map[string]string{"index_url": "https://pypi.corp.example.com/simple"}},
				{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Line: 102},
				{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Line: 111},
				{PURL: "pkg:pypi/pytest@8.3.3", Scope: "dev", Line: 120},
			},
			wantEdges: []string{
				"workspace/uv.lock -> pkg:pypi/api@0.1.0",
				"workspace/uv.lock -> pkg:pypi/corelib@0.3.1",
				"pkg:pypi/api@0.1.0 -> pkg:pypi/corelib@0.3.1",
				"pkg:pypi/api@0.1.0 -> pkg:pypi/en-core-web-sm@3.7.1",
				"pkg:pypi/api@0.1.0 -> pkg:pypi/httpx@0.27.0",
				"pkg:pypi/api@0.1.0 -> pkg:pypi/internal-auth@4.2.0",
				"pkg:pypi/api@0.1.0 -> pkg:pypi/pytest@8.3.3",
				"pkg:pypi/corelib@0.3.1 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/idna@3.10",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/iniconfig@2.0.0",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/packaging@24.1",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/pluggy@1.5.0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := run(t, os.DirFS("testdata"), tt.path)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckSummary(t, g, tt.wantRoot, extracttest.LineRows, tt.wantRows, tt.wantEdges)
		})
	}
}

func TestComponents(t *testing.T) {
	sha := func(v string) inventory.Hash { return inventory.Hash{Algorithm: "SHA-256", Value: v} }
	tests := []struct {
		path string
		want inventory.Component
	}{
		{
			// sdist first, then every wheel.
			path: "project/uv.lock",
			want: inventory.Component{
				PURL: "pkg:pypi/requests@2.32.3", Ecosystem: "PyPI", Name: "requests", Version: "2.32.3",
				Direct: true, Scope: "runtime",
				Hashes: []inventory.Hash{
					sha("55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760"),
					sha("70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"),
				},
				Locations: []inventory.Location{{Path: "project/uv.lock", Line: 159}},
			},
		},
		{
			path: "workspace/uv.lock",
			want: inventory.Component{
				PURL: "pkg:pypi/en-core-web-sm@3.7.1", Ecosystem: "PyPI", Name: "en-core-web-sm", Version: "3.7.1",
				Scope:     "runtime",
				Hashes:    []inventory.Hash{sha("ad2f5b431d724592d014cb2736fdcdc15caa35d2098bb0b878539653ec77aefb")},
				Source:    "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl",
				Locations: []inventory.Location{{Path: "workspace/uv.lock", Line: 58}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.want.PURL, func(t *testing.T) {
			g, err := run(t, os.DirFS("testdata"), tt.path)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckComponent(t, g, tt.want)
		})
	}
}

// TestNoProject strips the project entry from a lockfile: the packages
// nothing depends on become the direct ones.
func TestNoProject(t *testing.T) {
	data, err := os.ReadFile("testdata/forked/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`source = { virtual = "." }`), []byte(`source = { registry = "https://pypi.org/simple" }`), 1)
	g, err := run(t, fstest.MapFS{"uv.lock": {Data: data}}, "uv.lock")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	var direct []string
	for _, c := range g.Components() {
		if c.Direct {
			direct = append(direct, c.PURL)
		}
	}
	if diff := cmp.Diff([]string{"pkg:pypi/analytics@0.1.0"}, direct); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	if r := g.Roots()[0]; r.Name != "" {
		t.Errorf("root %+v names a project", r)
	}
}

func TestErrors(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name     string
		data     []byte
		wantLine int
		wantCol  int
		wantMsg  string
	}{
		{name: "not-toml", data: read("not-toml/uv.lock"), wantLine: 1, wantCol: 1, wantMsg: "toml:"},
		{name: "wrong-types", data: read("wrong-types/uv.lock"), wantLine: 8, wantCol: 10, wantMsg: "cannot decode TOML string into struct field"},
		{name: "truncated", data: read("project/uv.lock")[:900], wantLine: 18, wantCol: 55, wantMsg: "unterminated basic string"},
		{name: "binary", data: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), wantLine: 1, wantMsg: "toml:"},
		{name: "deep-nesting", data: []byte("version = 1\n[[package]]\nname = \"a\"\ndependencies = " + strings.Repeat("[", 50000)), wantLine: 4, wantMsg: "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := run(t, fstest.MapFS{"app/uv.lock": {Data: tt.data}}, "app/uv.lock")
			if g != nil {
				t.Errorf("graph = %v, want nil", g)
			}
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "app/uv.lock", Line: tt.wantLine, Column: tt.wantCol, Msg: tt.wantMsg})
		})
	}
}

func TestBadEntries(t *testing.T) {
	g, err := run(t, os.DirFS("testdata"), "bad-entries/uv.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/uv.lock", Line: 5})
	if want := `package app: dependency with invalid name "idna; rm -rf /" (and 1 more problem)`; e.Err.Error() != want {
		t.Errorf("message %q, want %q", e.Err, want)
	}
	want := []row{{PURL: "pkg:pypi/idna@3.10", Direct: true, Scope: "runtime", Line: 14}}
	if diff := cmp.Diff(want, extracttest.LineRows(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bad-entries/uv.lock -> pkg:pypi/idna@3.10"}, extracttest.EdgeStrings(g)); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"uv.lock":           true,
		"tools/uv.lock":     true,
		"uv.lock.json":      false,
		"main.py.lock":      false,
		"tools/poetry.lock": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/project/uv.lock", "testdata/forked/uv.lock", "testdata/workspace/uv.lock", "testdata/not-toml/uv.lock", "testdata/wrong-types/uv.lock", "testdata/bad-entries/uv.lock")
	extracttest.Fuzz(f, New(), "x/uv.lock", nil, nil)
}
