package pipfilelock

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// row is the part of a component most cases assert; whole components are
// compared where digests and properties matter.
type row = extracttest.Row

// pipenvRows are the components of testdata/pipenv/Pipfile.lock; direct
// marks what its Pipfile declares.
func pipenvRows(direct func(name string) bool) []row {
	rs := []row{
		{PURL: "pkg:pypi/blinker@1.6.3", Scope: "runtime", Lines: []int{24}},
		{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Lines: []int{33}},
		{PURL: "pkg:pypi/charset-normalizer@3.3.0", Scope: "runtime", Lines: []int{42}},
		// In "default" and in the "docs" category.
		{PURL: "pkg:pypi/click@8.1.7", Scope: "runtime", Lines: []int{51, 198}},
		{PURL: "pkg:pypi/corelib", Scope: "runtime", Lines: []int{60}, Source: "../corelib"},
		{PURL: "pkg:pypi/flask@3.0.0", Scope: "runtime", Lines: []int{64}},
		{PURL: "pkg:pypi/httpx", Scope: "runtime", Lines: []int{73}, Source: "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6"},
		{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Lines: []int{77}},
		{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Lines: []int{161}},
		{PURL: "pkg:pypi/internal-auth@4.2.0", Scope: "runtime", Lines: []int{86}},
		{PURL: "pkg:pypi/itsdangerous@2.1.2", Scope: "runtime", Lines: []int{93}},
		{PURL: "pkg:pypi/jinja2@3.1.2", Scope: "runtime", Lines: []int{102}},
		{PURL: "pkg:pypi/markupsafe@2.1.3", Scope: "runtime", Lines: []int{111}},
		{PURL: "pkg:pypi/mkdocs@1.6.1", Scope: "dev", Lines: []int{207}},
		{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Lines: []int{170}},
		{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Lines: []int{179}},
		{PURL: "pkg:pypi/pysocks@1.7.1", Scope: "runtime", Lines: []int{120}},
		{PURL: "pkg:pypi/pytest@8.3.3", Scope: "dev", Lines: []int{188}},
		{PURL: "pkg:pypi/requests@2.31.0", Scope: "runtime", Lines: []int{129}},
		{PURL: "pkg:pypi/urllib3@2.0.7", Scope: "runtime", Lines: []int{141}},
		{PURL: "pkg:pypi/werkzeug@3.0.0", Scope: "runtime", Lines: []int{150}},
	}
	for i := range rs {
		name, _, _ := strings.Cut(strings.TrimPrefix(rs[i].PURL, "pkg:pypi/"), "@")
		rs[i].Direct = direct(name)
	}
	return rs
}

func TestExtract(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/pipenv/Pipfile.lock")
	declared := map[string]bool{"flask": true, "requests": true, "internal-auth": true, "httpx": true, "corelib": true, "pytest": true, "mkdocs": true}
	all := pipenvRows(func(string) bool { return true })
	var allEdges []string
	for _, r := range all {
		allEdges = append(allEdges, "Pipfile.lock -> "+r.PURL)
	}
	slices.Sort(allEdges)
	tests := []extracttest.SummaryCase[row]{
		{
			// The Pipfile names the direct packages: only they are
			// linked from the root.
			Name: "with-pipfile",
			FS:   os.DirFS("testdata"),
			Path: "pipenv/Pipfile.lock",
			WantRoot: inventory.Root{
				ID: "pipenv/Pipfile.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"pipfile_spec": "6", "requires_python": "3.11"},
			},
			WantRows: pipenvRows(func(n string) bool { return declared[n] }),
			WantEdges: []string{
				"pipenv/Pipfile.lock -> pkg:pypi/corelib",
				"pipenv/Pipfile.lock -> pkg:pypi/flask@3.0.0",
				"pipenv/Pipfile.lock -> pkg:pypi/httpx",
				"pipenv/Pipfile.lock -> pkg:pypi/internal-auth@4.2.0",
				"pipenv/Pipfile.lock -> pkg:pypi/mkdocs@1.6.1",
				"pipenv/Pipfile.lock -> pkg:pypi/pytest@8.3.3",
				"pipenv/Pipfile.lock -> pkg:pypi/requests@2.31.0",
			},
		},
		{
			Name: "without-pipfile",
			FS:   fstest.MapFS{"Pipfile.lock": {Data: lock}},
			Path: "Pipfile.lock",
			WantRoot: inventory.Root{
				ID: "Pipfile.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"pipfile_spec": "6", "requires_python": "3.11"},
			},
			WantRows:  all,
			WantEdges: allEdges,
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.Rows, tests)
}

func TestComponents(t *testing.T) {
	sha := extracttest.SHA256
	loc := func(line int) []inventory.Location {
		return []inventory.Location{{Path: "pipenv/Pipfile.lock", Line: line}}
	}
	tests := []inventory.Component{
		{
			PURL: "pkg:pypi/requests@2.31.0", Ecosystem: "PyPI", Name: "requests", Version: "2.31.0",
			Direct: true, Scope: "runtime",
			Hashes: []inventory.Hash{
				sha("58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"),
				sha("942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1"),
			},
			Properties: map[string]string{"marker": "python_version >= '3.7'", "extras": "socks"},
			Locations:  loc(129),
		},
		{
			// From the Pipfile's "corp" source; its deploy token is not kept.
			PURL: "pkg:pypi/internal-auth@4.2.0", Ecosystem: "PyPI", Name: "internal-auth", Version: "4.2.0",
			Direct: true, Scope: "runtime",
			Hashes:     []inventory.Hash{sha("3bed2cb3a3acf7b6a8ef408420cc682d5520e26976d354254f528c965612054f")},
			Properties: map[string]string{"index_name": "corp", "index_url": "https://pypi.corp.example.com/simple"},
			Locations:  loc(86),
		},
		{
			PURL: "pkg:pypi/corelib", Ecosystem: "PyPI", Name: "corelib",
			Direct: true, Scope: "runtime", Source: "../corelib", Unpinned: true,
			Properties: map[string]string{"editable": "true"},
			Locations:  loc(60),
		},
		{
			// Pinned to a commit: no version, but not a range either.
			PURL: "pkg:pypi/httpx", Ecosystem: "PyPI", Name: "httpx",
			Direct: true, Scope: "runtime",
			Source:    "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6",
			Locations: loc(73),
		},
	}
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "pipenv/Pipfile.lock")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, want := range tests {
		extracttest.CheckComponent(t, g, want)
	}
}

func TestErrors(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/pipenv/Pipfile.lock")
	pipfile := extracttest.ReadFile(t, "testdata/pipenv/Pipfile")
	tests := []extracttest.BadInput{
		{Name: "not-json", Data: pipfile, WantLine: 1, WantCol: 1, WantMsg: `expected "{", found "["`},
		{Name: "truncated", Data: lock[:1000], WantLine: 34, WantCol: 11, WantMsg: "unexpected end of JSON input"},
		{Name: "not-object", Data: []byte("[\n  {}\n]\n"), WantLine: 1, WantCol: 1, WantMsg: `expected "{"`},
		{Name: "trailing", Data: []byte("{}\n{}\n"), WantLine: 2, WantMsg: "data after the top-level object"},
		{Name: "binary", Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), WantLine: 1, WantCol: 1, WantMsg: "invalid character"},
		{Name: "deep-nesting", Data: []byte("{\n\"default\": {\n\"a\": " + strings.Repeat("[", 20000)), WantLine: 3, WantMsg: "exceeded max depth"},
		{Name: "empty", Data: nil, WantLine: 1, WantCol: 1, WantMsg: "unexpected end of JSON input"},
	}
	extracttest.RunBadInputs(t, New(), "app/Pipfile.lock", tests)
}

// TestBadEntries: a version of the wrong type, a digest that is not one, a
// key that is not a name, a category that is not an object. Each is
// reported; the good entries are kept.
func TestBadEntries(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "bad-entries/Pipfile.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/Pipfile.lock", Line: 19})
	if want := "package idna: json: cannot unmarshal number into Go struct field entry.version of type string (and 3 more problems)"; e.Err.Error() != want {
		t.Errorf("message %q,\nwant %q", e.Err, want)
	}
	want := []row{{PURL: "pkg:pypi/requests@2.31.0", Direct: true, Scope: "runtime", Lines: []int{27}}}
	extracttest.CheckRows(t, g, extracttest.Rows, want)
	if got := g.Component("pkg:pypi/requests@2.31.0").Hashes; len(got) != 1 {
		t.Errorf("hashes %v, want the one readable digest", got)
	}
}

// TestBadPipfile: a Pipfile that is not TOML is reported against itself,
// and every entry counts as direct, as with no Pipfile.
func TestBadPipfile(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/pipenv/Pipfile.lock")
	pipfile := []byte("[packages]\nflask = \"==3.0.0\"\nrequests = {version = \"*\"\n")
	g := extracttest.CheckSiblingError(t, New(), "svc/Pipfile.lock", lock, "svc/Pipfile", pipfile, 3)
	if diff := cmp.Diff(pipenvRows(func(string) bool { return true }), extracttest.Rows(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"Pipfile.lock":     true,
		"web/Pipfile.lock": true,
		"Pipfile":          false,
		"pipfile.lock":     false,
		"Pipfile.lock.bak": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/pipenv/Pipfile.lock", "testdata/bad-entries/Pipfile.lock", "testdata/pipenv/Pipfile")
	extracttest.Fuzz(f, New(), "x/Pipfile.lock", nil, nil)
}
