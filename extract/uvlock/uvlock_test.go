package uvlock

import (
	"bytes"
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

func TestExtract(t *testing.T) {
	tests := []extracttest.SummaryCase[row]{
		{
			// The editable "." entry is the project. Its socks extra asks
			// for requests[socks], which brings pysocks as optional;
			// urllib3's socks extra is asked for by nobody.
			Name: "project",
			Path: "project/uv.lock",
			WantRoot: inventory.Root{
				ID: "project/uv.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/tweetsvc@0.4.0", Name: "tweetsvc", Version: "0.4.0",
				Properties: map[string]string{"lock_version": "1", "revision": "2", "requires_python": ">=3.11"},
			},
			WantRows: []row{
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
			WantEdges: []string{
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
			Name: "forked",
			Path: "forked/uv.lock",
			WantRoot: inventory.Root{
				ID: "forked/uv.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/analytics@0.1.0", Name: "analytics", Version: "0.1.0",
				Properties: map[string]string{"lock_version": "1", "requires_python": ">=3.9"},
			},
			WantRows: []row{
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
			WantEdges: []string{
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
			Name: "workspace",
			Path: "workspace/uv.lock",
			WantRoot: inventory.Root{
				ID: "workspace/uv.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"lock_version": "1", "revision": "3", "requires_python": ">=3.12"},
			},
			WantRows: []row{
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
			WantEdges: []string{
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
	extracttest.RunSummaries(t, New(), extracttest.LineRows, tests)
}

func TestComponents(t *testing.T) {
	sha := extracttest.SHA256
	tests := []extracttest.ComponentCase{
		{
			// sdist first, then every wheel.
			Path: "project/uv.lock",
			Want: inventory.Component{
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
			Path: "workspace/uv.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/en-core-web-sm@3.7.1", Ecosystem: "PyPI", Name: "en-core-web-sm", Version: "3.7.1",
				Scope:     "runtime",
				Hashes:    []inventory.Hash{sha("ad2f5b431d724592d014cb2736fdcdc15caa35d2098bb0b878539653ec77aefb")},
				Source:    "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl",
				Locations: []inventory.Location{{Path: "workspace/uv.lock", Line: 58}},
			},
		},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

// TestNoProject strips the project entry from a lockfile: the packages
// nothing depends on become the direct ones.
func TestNoProject(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/forked/uv.lock")
	data = bytes.Replace(data, []byte(`source = { virtual = "." }`), []byte(`source = { registry = "https://pypi.org/simple" }`), 1)
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"uv.lock": {Data: data}}, "uv.lock")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	direct := extracttest.DirectPURLs(g)
	if diff := cmp.Diff([]string{"pkg:pypi/analytics@0.1.0"}, direct); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	if r := g.Roots()[0]; r.Name != "" {
		t.Errorf("root %+v names a project", r)
	}
}

func TestErrors(t *testing.T) {
	read := func(name string) []byte { return extracttest.ReadFile(t, "testdata/"+name) }
	tests := []extracttest.BadInput{
		{Name: "not-toml", Data: read("not-toml/uv.lock"), WantLine: 1, WantCol: 1, WantMsg: "toml:"},
		{Name: "wrong-types", Data: read("wrong-types/uv.lock"), WantLine: 8, WantCol: 10, WantMsg: "cannot decode TOML string into struct field"},
		{Name: "truncated", Data: read("project/uv.lock")[:900], WantLine: 18, WantCol: 55, WantMsg: "unterminated basic string"},
		{Name: "binary", Data: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), WantLine: 1, WantMsg: "toml:"},
		{Name: "deep-nesting", Data: []byte("version = 1\n[[package]]\nname = \"a\"\ndependencies = " + strings.Repeat("[", 50000)), WantLine: 4, WantMsg: "nested more than"},
	}
	extracttest.RunBadInputs(t, New(), "app/uv.lock", tests)
}

func TestBadEntries(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "bad-entries/uv.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/uv.lock", Line: 5})
	if want := `package app: dependency with invalid name "idna; rm -rf /" (and 1 more problem)`; e.Err.Error() != want {
		t.Errorf("message %q, want %q", e.Err, want)
	}
	want := []row{{PURL: "pkg:pypi/idna@3.10", Direct: true, Scope: "runtime", Line: 14}}
	extracttest.CheckRows(t, g, extracttest.LineRows, want)
	extracttest.CheckEdges(t, g, []string{"bad-entries/uv.lock -> pkg:pypi/idna@3.10"})
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
