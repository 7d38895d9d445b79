package poetrylock

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// row is the part of a component most cases assert; whole components are
// compared where digests matter.
type row = extracttest.LineRow

func TestExtract(t *testing.T) {
	testdata := os.DirFS("testdata")
	poetry2 := extracttest.ReadFile(t, "testdata/poetry-2/poetry.lock")
	// poetry2Rows are the components of poetry-2/poetry.lock, read with or
	// without the pyproject.toml beside it.
	poetry2Rows := []row{
		{PURL: "pkg:pypi/blinker@1.6.3", Scope: "runtime", Line: 3},
		{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Line: 15},
		{PURL: "pkg:pypi/charset-normalizer@3.3.0", Scope: "runtime", Line: 27},
		{PURL: "pkg:pypi/click@8.1.7", Scope: "runtime", Line: 39},
		// groups ["main", "dev"]: runtime; markers per group: no single marker.
		{PURL: "pkg:pypi/colorama@0.4.6", Scope: "runtime", Line: 54},
		{PURL: "pkg:pypi/flask@3.0.0", Direct: true, Scope: "runtime", Line: 67},
		{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Line: 90},
		{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Line: 102},
		{PURL: "pkg:pypi/itsdangerous@2.1.2", Scope: "runtime", Line: 114},
		{PURL: "pkg:pypi/jinja2@3.1.2", Scope: "runtime", Line: 126},
		{PURL: "pkg:pypi/markupsafe@2.1.3", Scope: "runtime", Line: 144},
		{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Line: 156},
		{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Line: 168},
		{PURL: "pkg:pypi/pytest@8.3.3", Direct: true, Scope: "dev", Line: 184},
		{PURL: "pkg:pypi/requests@2.31.0", Direct: true, Scope: "runtime", Line: 205},
		{PURL: "pkg:pypi/urllib3@2.0.7", Scope: "runtime", Line: 227},
		{PURL: "pkg:pypi/werkzeug@3.0.0", Scope: "runtime", Line: 244},
	}
	// poetry2Edges are the edges of poetry-2/poetry.lock read as root.
	poetry2Edges := func(root string) []string {
		return []string{
			root + " -> pkg:pypi/flask@3.0.0",
			root + " -> pkg:pypi/pytest@8.3.3",
			root + " -> pkg:pypi/requests@2.31.0",
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
			"pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2023.7.22",
			"pkg:pypi/requests@2.31.0 -> pkg:pypi/charset-normalizer@3.3.0",
			"pkg:pypi/requests@2.31.0 -> pkg:pypi/idna@3.4",
			"pkg:pypi/requests@2.31.0 -> pkg:pypi/urllib3@2.0.7",
			"pkg:pypi/werkzeug@3.0.0 -> pkg:pypi/markupsafe@2.1.3",
		}
	}
	tests := []extracttest.SummaryCase[row]{
		{
			Name: "poetry-2",
			FS:   testdata,
			Path: "poetry-2/poetry.lock",
			WantRoot: inventory.Root{
				ID: "poetry-2/poetry.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/tweetsvc@0.4.0", Name: "tweetsvc", Version: "0.4.0",
				Properties: map[string]string{"lock_version": "2.1"},
			},
			WantRows:  poetry2Rows,
			WantEdges: poetry2Edges("poetry-2/poetry.lock"),
		},
		{
			// The same lockfile with no pyproject.toml beside it: the
			// packages nothing depends on are the direct ones.
			Name: "no-pyproject",
			FS:   fstest.MapFS{"poetry.lock": {Data: poetry2}},
			Path: "poetry.lock",
			WantRoot: inventory.Root{
				ID: "poetry.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"lock_version": "2.1"},
			},
			WantRows:  poetry2Rows,
			WantEdges: poetry2Edges("poetry.lock"),
		},
		{
			// lock-version 2.0 has no groups: scopes follow from the
			// [tool.poetry] declarations. packaging is needed by pytest
			// (dev) but declared as runtime; colorama only by pytest.
			Name: "poetry-1.8",
			FS:   testdata,
			Path: "poetry-1.8/poetry.lock",
			WantRoot: inventory.Root{
				ID: "poetry-1.8/poetry.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/feedcheck@1.2.0", Name: "feedcheck", Version: "1.2.0",
				Properties: map[string]string{"lock_version": "2.0"},
			},
			WantRows: []row{
				{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Line: 3},
				{PURL: "pkg:pypi/charset-normalizer@3.3.0", Scope: "runtime", Line: 14},
				{PURL: "pkg:pypi/colorama@0.4.6", Scope: "dev", Line: 25},
				{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Line: 36},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Line: 47},
				{PURL: "pkg:pypi/packaging@24.1", Direct: true, Scope: "runtime", Line: 58},
				{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Line: 69},
				{PURL: "pkg:pypi/pytest@8.3.3", Direct: true, Scope: "dev", Line: 84},
				{PURL: "pkg:pypi/requests@2.31.0", Direct: true, Scope: "runtime", Line: 104},
				{PURL: "pkg:pypi/urllib3@2.0.7", Scope: "runtime", Line: 125},
			},
			WantEdges: []string{
				"poetry-1.8/poetry.lock -> pkg:pypi/packaging@24.1",
				"poetry-1.8/poetry.lock -> pkg:pypi/pytest@8.3.3",
				"poetry-1.8/poetry.lock -> pkg:pypi/requests@2.31.0",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/colorama@0.4.6",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/iniconfig@2.0.0",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/packaging@24.1",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/pluggy@1.5.0",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2023.7.22",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/charset-normalizer@3.3.0",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/idna@3.4",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/urllib3@2.0.7",
			},
		},
		{
			// lock-version 1.1: "category", digests in [metadata.files],
			// two numpy versions split by markers. tweepy asks for
			// requests[socks], which brings PySocks; urllib3's extras are
			// asked for by nobody and add no edges.
			Name: "poetry-1.1",
			FS:   testdata,
			Path: "poetry-1.1/poetry.lock",
			WantRoot: inventory.Root{
				ID: "poetry-1.1/poetry.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"lock_version": "1.1"},
			},
			WantRows: []row{
				{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Line: 1},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Direct: true, Scope: "dev", Line: 81},
				{PURL: "pkg:pypi/numpy@1.24.4", Direct: true, Scope: "runtime", Line: 9},
				{PURL: "pkg:pypi/numpy@1.26.4", Direct: true, Scope: "runtime", Line: 17},
				{PURL: "pkg:pypi/pysocks@1.7.1", Scope: "optional", Line: 25, Props: map[string]string{"declared_name": "PySocks"}},
				{PURL: "pkg:pypi/requests@2.31.0", Scope: "runtime", Line: 33},
				{PURL: "pkg:pypi/tweepy@4.14.0", Direct: true, Scope: "runtime", Line: 50},
				{PURL: "pkg:pypi/urllib3@2.0.7", Scope: "runtime", Line: 65},
			},
			WantEdges: []string{
				"poetry-1.1/poetry.lock -> pkg:pypi/iniconfig@2.0.0",
				"poetry-1.1/poetry.lock -> pkg:pypi/numpy@1.24.4",
				"poetry-1.1/poetry.lock -> pkg:pypi/numpy@1.26.4",
				"poetry-1.1/poetry.lock -> pkg:pypi/tweepy@4.14.0",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2023.7.22",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/pysocks@1.7.1",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/urllib3@2.0.7",
				"pkg:pypi/tweepy@4.14.0 -> pkg:pypi/requests@2.31.0",
			},
		},
		{
			Name: "sources",
			FS:   testdata,
			Path: "sources/poetry.lock",
			WantRoot: inventory.Root{
				ID: "sources/poetry.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"lock_version": "2.0"},
			},
			WantRows: []row{
				{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Line: 3},
				{PURL: "pkg:pypi/corelib@0.3.1", Direct: true, Scope: "runtime", Line: 14, Source: "../corelib"},
				{
					PURL: "pkg:pypi/en-core-web-sm@3.7.1", Direct: true, Scope: "runtime", Line: 30,
					Source: "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl",
				},
				{
					PURL: "pkg:pypi/httpx@0.27.0", Direct: true, Scope: "runtime", Line: 44,
					Source: "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6",
					Props:  map[string]string{"git_ref": "0.27.0"},
				},
				{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Line: 66},
				{
					PURL: "pkg:pypi/internal-auth@4.2.0", Direct: true, Scope: "runtime", Line: 77,
					// The deploy token in the index URL is not kept.
					Props: map[string]string{"index_url": "https://pypi.corp.example.com/simple", "index_name": "corp"},
				},
			},
			WantEdges: []string{
				"sources/poetry.lock -> pkg:pypi/corelib@0.3.1",
				"sources/poetry.lock -> pkg:pypi/en-core-web-sm@3.7.1",
				"sources/poetry.lock -> pkg:pypi/httpx@0.27.0",
				"sources/poetry.lock -> pkg:pypi/internal-auth@4.2.0",
				"pkg:pypi/corelib@0.3.1 -> pkg:pypi/certifi@2023.7.22",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/certifi@2023.7.22",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/idna@3.4",
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.LineRows, tests)
}

// TestComponents compares whole components where digests matter.
func TestComponents(t *testing.T) {
	sha := extracttest.SHA256
	tests := []extracttest.ComponentCase{
		{
			Path: "poetry-2/poetry.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/flask@3.0.0", Ecosystem: "PyPI", Name: "flask", Version: "3.0.0",
				Direct: true, Scope: "runtime",
				Hashes: []inventory.Hash{
					sha("21128f47e4e3b9d597a3e8521a329bf56909b690fcc3fa3e477725aa81367638"),
					sha("cfadcdb638b609361d29ec22360d6070a77d7463dcb3ab08d2c2f2f168845f58"),
				},
				Locations: []inventory.Location{{Path: "poetry-2/poetry.lock", Line: 67}},
			},
		},
		{
			// [metadata.files] lists both numpy versions under one name;
			// each component gets the files of its own version.
			Path: "poetry-1.1/poetry.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/numpy@1.26.4", Ecosystem: "PyPI", Name: "numpy", Version: "1.26.4",
				Direct: true, Scope: "runtime",
				Hashes: []inventory.Hash{
					sha("58d79dd9872a1c7ff3b0b4ba716762b1f394a0b83edb9ecffe5cd488748409ff"),
					sha("91dc4790a696e6addd75d28f9b6f1025d0df72eafb44194994bdbc78ea3bf54b"),
				},
				Locations: []inventory.Location{{Path: "poetry-1.1/poetry.lock", Line: 17}},
			},
		},
		{
			Path: "poetry-1.1/poetry.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/pysocks@1.7.1", Ecosystem: "PyPI", Name: "pysocks", Version: "1.7.1",
				Scope: "optional",
				Hashes: []inventory.Hash{
					sha("08e69f092cc6dbe92a0fdd16eeb9b9ffbc13cadfe5ca4c7bd92ffb078b293299"),
					sha("2725bd0a9925919b9b51739eea5f9e2bae91e83288108a9ad338b2e3a4435ee5"),
					sha("3f8804571ebe159c380ac6de37643bb4685970655d3bba243530d6558b799aa0"),
				},
				Properties: map[string]string{"declared_name": "PySocks"},
				Locations:  []inventory.Location{{Path: "poetry-1.1/poetry.lock", Line: 25}},
			},
		},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

func TestErrors(t *testing.T) {
	read := func(name string) []byte { return extracttest.ReadFile(t, "testdata/"+name) }
	tests := []extracttest.BadInput{
		{Name: "not-toml", Data: read("not-toml/poetry.lock"), WantLine: 1, WantCol: 1, WantMsg: "toml:"},
		{Name: "truncated", Data: read("truncated/poetry.lock"), WantLine: 11, WantCol: 63, WantMsg: "unterminated basic string"},
		{Name: "wrong-types", Data: read("wrong-types/poetry.lock"), WantLine: 5, WantCol: 11, WantMsg: "cannot decode TOML float into struct field"},
		{Name: "binary", Data: []byte("\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe[[package]]\n"), WantLine: 1, WantCol: 1, WantMsg: "toml:"},
		{Name: "deep-nesting", Data: []byte("x = " + strings.Repeat("[", 20000)), WantLine: 1, WantMsg: "nested more than"},
	}
	extracttest.RunBadInputs(t, New(), "app/poetry.lock", tests)
}

// TestBadEntries checks that entries the extractor cannot use are reported
// with their line while the rest of the file is still returned.
func TestBadEntries(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "bad-entries/poetry.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/poetry.lock", Line: 3})
	if want := `package with invalid name "" (and 1 more problem)`; e.Err.Error() != want {
		t.Errorf("message %q, want %q", e.Err, want)
	}
	if g == nil {
		t.Fatal("no graph beside the error")
	}
	want := []row{{PURL: "pkg:pypi/idna@3.4", Direct: true, Scope: "runtime", Line: 11}}
	extracttest.CheckRows(t, g, extracttest.LineRows, want)
	// The unreadable digest is dropped, the good one kept.
	if got := g.Component("pkg:pypi/idna@3.4").Hashes; len(got) != 1 || got[0].Value != "90b77e79eaa3eba6de819a0c442c0b4ceefc341a7a2ab77d7562bf49f425c5c2" {
		t.Errorf("hashes = %v", got)
	}
}

// TestBadPyproject checks that a broken pyproject.toml is reported against
// its own file and line while the lockfile is still read.
func TestBadPyproject(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/poetry-1.8/poetry.lock")
	pyproject := []byte("[tool.poetry]\nname = \"feedcheck\"\n[tool.poetry.dependencies\n")
	g := extracttest.CheckSiblingError(t, New(), "svc/poetry.lock", lock, "svc/pyproject.toml", pyproject, 3)
	if g == nil || g.Len() != 10 {
		t.Fatalf("graph %v, want the 10 locked packages", g)
	}
	if got := g.Roots()[0].Name; got != "" {
		t.Errorf("root name %q from a broken pyproject.toml", got)
	}
}

func TestCanceled(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/poetry-1.8/poetry.lock")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New().Extract(ctx, &extract.Input{Path: "poetry.lock", Reader: bytes.NewReader(data)})
	var e *extract.Error
	if !errors.As(err, &e) || !errors.Is(err, context.Canceled) || e.Path != "poetry.lock" {
		t.Errorf("error %v, want a canceled *extract.Error for poetry.lock", err)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"poetry.lock":          true,
		"services/poetry.lock": true,
		"poetry.lock.bak":      false,
		"Poetry.lock":          false,
		"pyproject.toml":       false,
		"uv.lock":              false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/poetry-2/poetry.lock", "testdata/poetry-1.8/poetry.lock", "testdata/poetry-1.1/poetry.lock", "testdata/sources/poetry.lock", "testdata/not-toml/poetry.lock", "testdata/truncated/poetry.lock", "testdata/wrong-types/poetry.lock", "testdata/bad-entries/poetry.lock")
	extracttest.Fuzz(f, New(), "x/poetry.lock", nil, nil)
}
