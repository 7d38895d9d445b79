package nugetlock

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

type row = extracttest.Row

const (
	piper  = "piper-sharp/packages.lock.json"
	multi  = "multi-target/packages.lock.json"
	rids   = "net8.0,net8.0/linux-arm64,net8.0/win-x64,net8.0/win-x86"
	nuget  = "pkg:nuget/"
	prim6  = nuget + "Microsoft.Extensions.Primitives@6.0.0"
	prim8  = nuget + "Microsoft.Extensions.Primitives@8.0.0"
	json13 = nuget + "Newtonsoft.Json@13.0.3"
	sinks  = nuget + "Serilog.Sinks.Console@5.0.1"
	slog   = nuget + "Serilog@3.1.1"
	stj    = nuget + "System.Text.Json@8.0.5"
	bcl    = nuget + "Microsoft.Bcl.AsyncInterfaces@6.0.0"
	enc    = nuget + "System.Text.Encodings.Web@8.0.0"
)

func TestExtract(t *testing.T) {
	tests := []extracttest.SummaryCase[row]{
		{
			// A real lockfile (see testdata/README.md): one framework and
			// three runtime identifiers repeating four packages.
			Name:     "piper-sharp",
			Path:     piper,
			WantRoot: inventory.Root{ID: piper, Kind: inventory.KindManifest, Properties: map[string]string{"lockfile_version": "1"}},
			WantRows: []row{
				{PURL: nuget + "ConsoleTableExt@3.3.0", Direct: true, Scope: "runtime", Lines: []int{5}},
				{PURL: nuget + "Microsoft.NETCore.Platforms@3.1.0", Scope: "runtime", Lines: []int{24}},
				{PURL: nuget + "Microsoft.Win32.Registry@4.7.0", Scope: "runtime", Lines: []int{29, 136, 166, 196}},
				{PURL: nuget + "NAudio.Asio@2.2.1", Scope: "runtime", Lines: []int{50}},
				{PURL: nuget + "NAudio.Core@2.2.1", Scope: "runtime", Lines: []int{59}},
				{PURL: nuget + "NAudio.Midi@2.2.1", Scope: "runtime", Lines: []int{64}},
				{PURL: nuget + "NAudio.Wasapi@2.2.1", Scope: "runtime", Lines: []int{72}},
				{PURL: nuget + "NAudio.WinMM@2.2.1", Scope: "runtime", Lines: []int{80}},
				{PURL: nuget + "NAudio@2.2.1", Scope: "runtime", Lines: []int{38}},
				{PURL: nuget + "Newtonsoft.Json@13.0.1", Scope: "runtime", Lines: []int{89}},
				{PURL: nuget + "PiperSharp@1.0.5", Direct: true, Scope: "runtime", Lines: []int{11}},
				{PURL: nuget + "SharpCompress@0.36.0", Scope: "runtime", Lines: []int{94}},
				{PURL: nuget + "System.Security.AccessControl@4.7.0", Scope: "runtime", Lines: []int{102, 145, 175, 205}},
				{PURL: nuget + "System.Security.Principal.Windows@4.7.0", Scope: "runtime", Lines: []int{111, 154, 184, 214}},
				{PURL: nuget + "System.Text.Encodings.Web@8.0.0", Scope: "runtime", Lines: []int{116, 159, 189, 219}},
				{PURL: nuget + "System.Text.Json@8.0.4", Scope: "runtime", Lines: []int{121}},
				{PURL: nuget + "ZstdSharp.Port@0.7.4", Scope: "runtime", Lines: []int{129}},
			},
			WantEdges: []string{
				piper + " -> " + nuget + "ConsoleTableExt@3.3.0",
				piper + " -> " + nuget + "PiperSharp@1.0.5",
				nuget + "Microsoft.Win32.Registry@4.7.0 -> " + nuget + "System.Security.AccessControl@4.7.0",
				nuget + "Microsoft.Win32.Registry@4.7.0 -> " + nuget + "System.Security.Principal.Windows@4.7.0",
				nuget + "NAudio.Asio@2.2.1 -> " + nuget + "Microsoft.Win32.Registry@4.7.0",
				nuget + "NAudio.Asio@2.2.1 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "NAudio.Midi@2.2.1 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "NAudio.Wasapi@2.2.1 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "NAudio.WinMM@2.2.1 -> " + nuget + "Microsoft.Win32.Registry@4.7.0",
				nuget + "NAudio.WinMM@2.2.1 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "NAudio@2.2.1 -> " + nuget + "NAudio.Asio@2.2.1",
				nuget + "NAudio@2.2.1 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "NAudio@2.2.1 -> " + nuget + "NAudio.Midi@2.2.1",
				nuget + "NAudio@2.2.1 -> " + nuget + "NAudio.Wasapi@2.2.1",
				nuget + "NAudio@2.2.1 -> " + nuget + "NAudio.WinMM@2.2.1",
				nuget + "PiperSharp@1.0.5 -> " + nuget + "NAudio.Core@2.2.1",
				nuget + "PiperSharp@1.0.5 -> " + nuget + "NAudio@2.2.1",
				nuget + "PiperSharp@1.0.5 -> " + nuget + "Newtonsoft.Json@13.0.1",
				nuget + "PiperSharp@1.0.5 -> " + nuget + "SharpCompress@0.36.0",
				nuget + "PiperSharp@1.0.5 -> " + nuget + "System.Text.Json@8.0.4",
				nuget + "SharpCompress@0.36.0 -> " + nuget + "ZstdSharp.Port@0.7.4",
				nuget + "System.Security.AccessControl@4.7.0 -> " + nuget + "Microsoft.NETCore.Platforms@3.1.0",
				nuget + "System.Security.AccessControl@4.7.0 -> " + nuget + "System.Security.Principal.Windows@4.7.0",
				nuget + "System.Text.Json@8.0.4 -> " + nuget + "System.Text.Encodings.Web@8.0.0",
			},
		},
		{
			// Version 2 with central package management, two frameworks
			// and a project reference; the project file beside it names
			// the root.
			Name: "multi-target",
			Path: multi,
			WantRoot: inventory.Root{
				ID: multi, Kind: inventory.KindManifest, Name: "Acme.Web",
				Properties: map[string]string{"lockfile_version": "2"},
			},
			WantRows: []row{
				{PURL: bcl, Scope: "runtime", Lines: []int{26}},
				{PURL: prim6, Direct: true, Scope: "runtime", Lines: []int{5}},
				{PURL: prim8, Direct: true, Scope: "runtime", Lines: []int{61}},
				{PURL: json13, Direct: true, Scope: "runtime", Lines: []int{11, 67}},
				{PURL: sinks, Direct: true, Scope: "runtime", Lines: []int{17, 73}},
				{PURL: slog, Scope: "runtime", Lines: []int{38, 89}},
				{PURL: enc, Scope: "runtime", Lines: []int{54}},
				{PURL: stj, Scope: "runtime", Lines: []int{44, 95}},
			},
			WantEdges: []string{
				multi + " -> " + prim6,
				multi + " -> " + prim8,
				multi + " -> " + json13,
				multi + " -> " + sinks,
				// Through the project reference acme.core.
				multi + " -> " + slog,
				multi + " -> " + stj,
				// The range "3.1.1" resolves to the version restored.
				sinks + " -> " + slog,
				stj + " -> " + bcl,
				stj + " -> " + enc,
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.Rows, tests)
}

func TestComponents(t *testing.T) {
	sha512 := func(v string) []inventory.Hash { return []inventory.Hash{{Algorithm: "SHA-512", Value: v}} }
	locs := func(path string, lines ...int) []inventory.Location {
		var out []inventory.Location
		for _, l := range lines {
			out = append(out, inventory.Location{Path: path, Line: l})
		}
		return out
	}
	tests := []extracttest.ComponentCase{
		{Path: piper, Want: inventory.Component{
			PURL: nuget + "PiperSharp@1.0.5", Ecosystem: "NuGet", Name: "PiperSharp", Version: "1.0.5",
			Direct: true, Scope: "runtime",
			Hashes:     sha512("07199a60d21a76d4474908cf3e127f9c2d6f2983f0addf116e3c73c592849898b2b70efa4099fa7906ce21ef29e35f9f1b1a602d9c16bd517f2634de64e0db47"),
			Properties: map[string]string{"frameworks": "net8.0"},
			Locations:  locs(piper, 11),
		}},
		{Path: piper, Want: inventory.Component{
			PURL: nuget + "Microsoft.Win32.Registry@4.7.0", Ecosystem: "NuGet", Name: "Microsoft.Win32.Registry", Version: "4.7.0",
			Scope:      "runtime",
			Hashes:     sha512("292ad131be6f362d02592186d7efa277664eb3fd50851a913adfaa81b100750b868c6ac5725e003a5e3f7b118f518cf6c149d4e369ef26aa27d53dd4d243d72c"),
			Properties: map[string]string{"frameworks": rids},
			Locations:  locs(piper, 29, 136, 166, 196),
		}},
		{Path: multi, Want: inventory.Component{
			PURL: slog, Ecosystem: "NuGet", Name: "Serilog", Version: "3.1.1", Scope: "runtime",
			Hashes:     sha512("ac1a604bedf630efe9e574109924857c417c1f4b391ea349dedf2cc73e72776d8e5aa90acc02f0cde06aefbfead09fad89997c2cecea5bf40c675c72b60c503d"),
			Properties: map[string]string{"frameworks": "net6.0,net8.0", "central": "true", "via_project": "acme.core"},
			Locations:  locs(multi, 38, 89),
		}},
		{Path: multi, Want: inventory.Component{
			PURL: prim8, Ecosystem: "NuGet", Name: "Microsoft.Extensions.Primitives", Version: "8.0.0",
			Direct: true, Scope: "runtime",
			Hashes:     sha512("63a5b1f82e5915d81d0fc556248fb9eb6987a41e4ec66d03c88894e2b74289a7a398b5e50ef8ee5862dfa41a9711553404f9016c54cc31877c4c113d5c8b737a"),
			Properties: map[string]string{"frameworks": "net8.0"},
			Locations:  locs(multi, 61),
		}},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

func TestErrors(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/"+piper)
	tests := []extracttest.BadInput{
		{Name: "not-json", Data: []byte("<?xml version=\"1.0\"?>\n<packages/>\n"), WantLine: 1, WantCol: 1, WantMsg: "invalid character '<'"},
		// Cut inside the dependencies of PiperSharp.
		{Name: "truncated", Data: lock[:600], WantLine: 18, WantCol: 26, WantMsg: "unexpected EOF"},
		{Name: "binary", Data: []byte("PK\x03\x04\x14\x00\x00\x00"), WantLine: 1, WantCol: 1, WantMsg: "invalid character"},
		{Name: "empty", Data: nil, WantLine: 1, WantCol: 1, WantMsg: "unexpected EOF"},
		{Name: "not-object", Data: []byte("[1]\n"), WantLine: 1, WantCol: 1, WantMsg: "packages.lock.json: want object, got array"},
		{Name: "no-version", Data: []byte("{\n  \"dependencies\": {}\n}\n"), WantLine: 1, WantMsg: `no "version": not a NuGet lockfile`},
		{Name: "version-3", Data: []byte("{\n  \"version\": 3,\n  \"dependencies\": {}\n}\n"), WantLine: 2, WantCol: 14, WantMsg: "unsupported lockfile version 3"},
		{Name: "version-string", Data: []byte("{\n  \"version\": \"1\"\n}\n"), WantLine: 2, WantCol: 14, WantMsg: "version: want number, got string"},
		{Name: "framework-array", Data: []byte("{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net8.0\": []\n  }\n}\n"), WantLine: 4, WantCol: 15, WantMsg: "dependencies.net8.0: want object, got array"},
		{Name: "trailing", Data: []byte("{\"version\": 1}\n}\n"), WantLine: 2, WantCol: 1, WantMsg: "data after the top-level object"},
		{Name: "deep-nesting", Data: []byte("{\n\"version\": 1,\n\"dependencies\": {\"net8.0\": {\"A\": " + strings.Repeat("[", 20000)), WantLine: 3, WantMsg: "exceeded max depth"},
	}
	extracttest.RunBadInputs(t, New(), "src/App/packages.lock.json", tests)
}

// TestBadEntries: each entry of the wrong shape is reported; those whose
// id and version were read are kept.
func TestBadEntries(t *testing.T) {
	data := []byte(`{
  "version": 1,
  "dependencies": {
    "net8.0": {
      "A": {
        "type": "Direct",
        "resolved": "1.0.0",
        "dependencies": ["B"]
      },
      "B": "1.0.0",
      "C": {
        "type": "Transitive"
      },
      "D": {
        "type": "Transitive",
        "resolved": "2.0.0",
        "contentHash": "c2hvcnQ="
      },
      "E": {
        "type": "Transitive",
        "resolved": "3.0.0",
        "contentHash": "not base64!"
      }
    }
  }
}
`)
	fsys := fstest.MapFS{"packages.lock.json": {Data: data}}
	g, err := extracttest.Extract(t, New(), fsys, "packages.lock.json")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "packages.lock.json", Line: 5, Column: 12})
	want := `net8.0 A: "dependencies": want object of strings, got array (and 4 more problems)`
	if e.Err.Error() != want {
		t.Errorf("message %q,\nwant %q", e.Err, want)
	}
	fw := map[string]string{"frameworks": "net8.0"}
	extracttest.CheckRows(t, g, extracttest.LineRows, []extracttest.LineRow{
		{PURL: nuget + "A@1.0.0", Direct: true, Scope: "runtime", Line: 5, Props: fw},
		{PURL: nuget + "D@2.0.0", Scope: "runtime", Line: 14, Props: fw},
		{PURL: nuget + "E@3.0.0", Scope: "runtime", Line: 19, Props: fw},
	})
	if hs := g.Component(nuget + "D@2.0.0").Hashes; hs != nil {
		t.Errorf("hashes of a short digest: %v", hs)
	}
}

func TestProjectName(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		path string
		want string
	}{
		{"one-project", fstest.MapFS{"a/packages.lock.json": {}, "a/App.fsproj": {}, "a/README.md": {}}, "a/packages.lock.json", "App"},
		{"two-projects", fstest.MapFS{"a/packages.lock.json": {}, "a/App.csproj": {}, "a/Lib.csproj": {}}, "a/packages.lock.json", ""},
		{"named-lockfile", fstest.MapFS{"a/packages.Lib.lock.json": {}, "a/App.csproj": {}, "a/Lib.csproj": {}}, "a/packages.Lib.lock.json", "Lib"},
		{"none", fstest.MapFS{"packages.lock.json": {}}, "packages.lock.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := projectName(extracttest.Input(t, tt.fsys, tt.path)); got != tt.want {
				t.Errorf("projectName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"packages.lock.json":             true,
		"src/Web/packages.lock.json":     true,
		"src/packages.Web.lock.json":     true,
		"packages..lock.json":            false,
		"packages.config":                false,
		"package-lock.json":              false,
		"obj/project.assets.json":        false,
		"src/Web/packages.lock.json.bak": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/"+piper, "testdata/"+multi)
	root := fstest.MapFS{"x/App.csproj": {Data: []byte("<Project/>")}}
	extracttest.Fuzz(f, New(), "x/packages.lock.json", root, nil)
}
