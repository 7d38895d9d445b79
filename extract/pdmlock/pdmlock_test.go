package pdmlock

import (
	"os"
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

func TestExtract(t *testing.T) {
	tests := []extracttest.SummaryCase[row]{
		{
			// Per-package groups: "socks" is an extra of the project
			// (optional), "test" a dev group. requests is locked twice,
			// plain and with extras = ["socks"]: one component, and the
			// second entry's pysocks is an edge from it.
			Name: "pdm-2",
			Path: "pdm-2/pdm.lock",
			WantRoot: inventory.Root{
				ID: "pdm-2/pdm.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/notifier@2.0.1", Name: "notifier", Version: "2.0.1",
				Properties: map[string]string{"lock_version": "4.5.0"},
			},
			WantRows: []row{
				{PURL: "pkg:pypi/blinker@1.6.3", Scope: "runtime", Lines: []int{13}},
				{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Lines: []int{24}},
				{PURL: "pkg:pypi/charset-normalizer@3.3.0", Scope: "runtime", Lines: []int{35}},
				{PURL: "pkg:pypi/click@8.1.7", Scope: "runtime", Lines: []int{46}},
				{PURL: "pkg:pypi/colorama@0.4.6", Scope: "runtime", Lines: []int{60}},
				{PURL: "pkg:pypi/flask@3.0.0", Direct: true, Scope: "runtime", Lines: []int{72}},
				{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Lines: []int{90}},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Lines: []int{101}},
				{PURL: "pkg:pypi/itsdangerous@2.1.2", Scope: "runtime", Lines: []int{112}},
				{PURL: "pkg:pypi/jinja2@3.1.2", Scope: "runtime", Lines: []int{123}},
				{PURL: "pkg:pypi/markupsafe@2.1.3", Scope: "runtime", Lines: []int{137}},
				{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Lines: []int{148}},
				{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Lines: []int{159}},
				{PURL: "pkg:pypi/pysocks@1.7.1", Scope: "optional", Lines: []int{170}},
				{PURL: "pkg:pypi/pytest@8.3.3", Direct: true, Scope: "dev", Lines: []int{181}},
				{PURL: "pkg:pypi/requests@2.31.0", Direct: true, Scope: "runtime", Lines: []int{198}},
				{PURL: "pkg:pypi/urllib3@2.0.7", Scope: "runtime", Lines: []int{231}},
				{PURL: "pkg:pypi/werkzeug@3.0.0", Scope: "runtime", Lines: []int{242}},
			},
			WantEdges: []string{
				"pdm-2/pdm.lock -> pkg:pypi/flask@3.0.0",
				"pdm-2/pdm.lock -> pkg:pypi/pytest@8.3.3",
				"pdm-2/pdm.lock -> pkg:pypi/requests@2.31.0",
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
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/pysocks@1.7.1",
				"pkg:pypi/requests@2.31.0 -> pkg:pypi/urllib3@2.0.7",
				"pkg:pypi/werkzeug@3.0.0 -> pkg:pypi/markupsafe@2.1.3",
			},
		},
		{
			// lock_version 4.2 records no groups: scopes follow from
			// pyproject.toml ([dependency-groups] dev = pytest). pytest's
			// colorama dependency is not locked and links nowhere.
			Name: "pdm-old",
			Path: "pdm-old/pdm.lock",
			WantRoot: inventory.Root{
				ID: "pdm-old/pdm.lock", Kind: inventory.KindManifest,
				PURL: "pkg:pypi/ingest@0.9.0", Name: "ingest", Version: "0.9.0",
				Properties: map[string]string{"lock_version": "4.2"},
			},
			WantRows: []row{
				{PURL: "pkg:pypi/anyio@4.8.0", Scope: "runtime", Lines: []int{11}},
				{PURL: "pkg:pypi/certifi@2024.12.14", Scope: "runtime", Lines: []int{25}},
				{PURL: "pkg:pypi/corelib@0.3.1", Direct: true, Scope: "runtime", Lines: []int{35}, Source: "../corelib"},
				{PURL: "pkg:pypi/h11@0.14.0", Scope: "runtime", Lines: []int{45}},
				{PURL: "pkg:pypi/httpcore@1.0.5", Scope: "runtime", Lines: []int{55}},
				{
					PURL: "pkg:pypi/httpx@0.27.0", Direct: true, Scope: "runtime", Lines: []int{69},
					Source: "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6",
				},
				{PURL: "pkg:pypi/idna@3.4", Scope: "runtime", Lines: []int{85}},
				{PURL: "pkg:pypi/iniconfig@2.0.0", Scope: "dev", Lines: []int{95}},
				{PURL: "pkg:pypi/packaging@24.1", Scope: "dev", Lines: []int{105}},
				{PURL: "pkg:pypi/pluggy@1.5.0", Scope: "dev", Lines: []int{115}},
				{PURL: "pkg:pypi/pytest@8.3.3", Direct: true, Scope: "dev", Lines: []int{125}},
				{PURL: "pkg:pypi/sniffio@1.3.1", Scope: "runtime", Lines: []int{141}},
			},
			WantEdges: []string{
				"pdm-old/pdm.lock -> pkg:pypi/corelib@0.3.1",
				"pdm-old/pdm.lock -> pkg:pypi/httpx@0.27.0",
				"pdm-old/pdm.lock -> pkg:pypi/pytest@8.3.3",
				"pkg:pypi/anyio@4.8.0 -> pkg:pypi/idna@3.4",
				"pkg:pypi/anyio@4.8.0 -> pkg:pypi/sniffio@1.3.1",
				"pkg:pypi/corelib@0.3.1 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/httpcore@1.0.5 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/httpcore@1.0.5 -> pkg:pypi/h11@0.14.0",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/anyio@4.8.0",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/certifi@2024.12.14",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/httpcore@1.0.5",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/idna@3.4",
				"pkg:pypi/httpx@0.27.0 -> pkg:pypi/sniffio@1.3.1",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/iniconfig@2.0.0",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/packaging@24.1",
				"pkg:pypi/pytest@8.3.3 -> pkg:pypi/pluggy@1.5.0",
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.Rows, tests)
}

func TestComponents(t *testing.T) {
	sha := extracttest.SHA256
	tests := []extracttest.ComponentCase{
		{
			Path: "pdm-2/pdm.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/colorama@0.4.6", Ecosystem: "PyPI", Name: "colorama", Version: "0.4.6",
				Scope: "runtime",
				Hashes: []inventory.Hash{
					sha("4f1d9991f5acc0ca119f9d443620b77f9d6b33703e51011c16baf57afb285fc6"),
					sha("08695f5cb7ed6e0531a20572697297273c47b8cae5a63ffc6d6ed5c201be6e44"),
				},
				Properties: map[string]string{
					"marker":          `platform_system == "Windows" or sys_platform == "win32"`,
					"requires_python": "!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*,!=3.5.*,!=3.6.*,>=2.7",
				},
				Locations: []inventory.Location{{Path: "pdm-2/pdm.lock", Line: 60}},
			},
		},
		{
			// The extras entry adds no component, location or digest.
			Path: "pdm-2/pdm.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/requests@2.31.0", Ecosystem: "PyPI", Name: "requests", Version: "2.31.0",
				Direct: true, Scope: "runtime",
				Hashes: []inventory.Hash{
					sha("58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"),
					sha("942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1"),
				},
				Properties: map[string]string{"requires_python": ">=3.7"},
				Locations:  []inventory.Location{{Path: "pdm-2/pdm.lock", Line: 198}},
			},
		},
		{
			Path: "pdm-old/pdm.lock",
			Want: inventory.Component{
				PURL: "pkg:pypi/httpx@0.27.0", Ecosystem: "PyPI", Name: "httpx", Version: "0.27.0",
				Direct: true, Scope: "runtime",
				Source:     "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6",
				Properties: map[string]string{"requires_python": ">=3.8", "git_ref": "0.27.0"},
				Locations:  []inventory.Location{{Path: "pdm-old/pdm.lock", Line: 69}},
			},
		},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

// TestNoPyproject reads pdm-2's lockfile alone: no project name, and the
// packages nothing depends on are direct: flask, pytest, requests, and
// pysocks, since no locked package asks for requests[socks] (the project
// did). With no pyproject.toml to say "socks" is an extra, its group reads
// as dev.
func TestNoPyproject(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/pdm-2/pdm.lock")
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"pdm.lock": {Data: data}}, "pdm.lock")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	direct := extracttest.DirectPURLs(g)
	want := []string{"pkg:pypi/flask@3.0.0", "pkg:pypi/pysocks@1.7.1", "pkg:pypi/pytest@8.3.3", "pkg:pypi/requests@2.31.0"}
	if diff := cmp.Diff(want, direct); diff != "" {
		t.Errorf("direct (-want +got):\n%s", diff)
	}
	if got := g.Component("pkg:pypi/pysocks@1.7.1").Scope; got != inventory.ScopeDev {
		t.Errorf("pysocks scope %q, want dev", got)
	}
	if r := g.Roots()[0]; r.Name != "" || r.PURL != "" {
		t.Errorf("root %+v names a project", r)
	}
}

func TestErrors(t *testing.T) {
	read := func(name string) []byte { return extracttest.ReadFile(t, "testdata/"+name) }
	tests := []extracttest.BadInput{
		{Name: "not-toml", Data: read("not-toml/pdm.lock"), WantLine: 1, WantCol: 6, WantMsg: "toml:"},
		{Name: "wrong-types", Data: read("wrong-types/pdm.lock"), WantLine: 16, WantCol: 16, WantMsg: "cannot decode TOML string into struct field"},
		{Name: "truncated", Data: read("pdm-2/pdm.lock")[:700], WantLine: 21, WantCol: 82, WantMsg: "unterminated basic string"},
		{Name: "binary", Data: []byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xed, 0xc1}, WantLine: 1, WantMsg: "toml:"},
		{Name: "deep-nesting", Data: []byte("[[package]]\nname = \"a\"\nx = " + strings.Repeat("{a = ", 20000)), WantLine: 3, WantMsg: "nested more than"},
	}
	extracttest.RunBadInputs(t, New(), "app/pdm.lock", tests)
}

// TestBadEntries: a dependency that is not PEP 508, a digest that is not
// one, a name that is not a name. Each is reported, the rest is kept.
func TestBadEntries(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "bad-entries/pdm.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/pdm.lock", Line: 10})
	if want := `package requests: dependency: requirement "idna": version specifier ">=2.5 garbage": unexpected ' ' (and 2 more problems)`; e.Err.Error() != want {
		t.Errorf("message %q,\nwant %q", e.Err, want)
	}
	want := []row{
		{PURL: "pkg:pypi/certifi@2023.7.22", Scope: "runtime", Lines: []int{24}},
		{PURL: "pkg:pypi/requests@2.31.0", Direct: true, Scope: "runtime", Lines: []int{10}},
	}
	extracttest.CheckRows(t, g, extracttest.Rows, want)
	extracttest.CheckEdges(t, g, []string{
		"bad-entries/pdm.lock -> pkg:pypi/requests@2.31.0",
		"pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2023.7.22",
	})
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"pdm.lock":            true,
		"backend/pdm.lock":    true,
		"pdm.lock.orig":       false,
		"pdm.toml":            false,
		"backend/poetry.lock": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/pdm-2/pdm.lock", "testdata/pdm-old/pdm.lock", "testdata/not-toml/pdm.lock",
		"testdata/wrong-types/pdm.lock", "testdata/bad-entries/pdm.lock")
	extracttest.Fuzz(f, New(), "x/pdm.lock", nil, nil)
}
