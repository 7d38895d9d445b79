package pyproject

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in      string
		want    Requirement
		wantErr string
	}{
		{in: "requests", want: Requirement{Name: "requests"}},
		{in: "requests==2.31.0", want: Requirement{Name: "requests", Specifier: "==2.31.0"}},
		{in: " requests [socks, use-chardet-on-py3] >= 2.31 , < 3 ", want: Requirement{Name: "requests", Extras: []string{"socks", "use-chardet-on-py3"}, Specifier: ">=2.31,<3"}},
		{in: `colorama; sys_platform == "win32"`, want: Requirement{Name: "colorama", Marker: `sys_platform == "win32"`}},
		{in: `idna<4,>=2.5; python_version >= "3.8"`, want: Requirement{Name: "idna", Specifier: "<4,>=2.5", Marker: `python_version >= "3.8"`}},
		{in: "PySocks (>=1.5.6,!=1.5.7)", want: Requirement{Name: "PySocks", Specifier: ">=1.5.6,!=1.5.7"}},
		{in: `astroid (>=2,<4) ; python_version >= "3"`, want: Requirement{Name: "astroid", Specifier: ">=2,<4", Marker: `python_version >= "3"`}},
		{in: "httpcore==1.*", want: Requirement{Name: "httpcore", Specifier: "==1.*"}},
		{in: "legacy===1.0-custom", want: Requirement{Name: "legacy", Specifier: "===1.0-custom"}},
		{in: "torch==2.4.1+cpu", want: Requirement{Name: "torch", Specifier: "==2.4.1+cpu"}},
		{in: "name @ https://example.org/name-1.0.tar.gz", want: Requirement{Name: "name", URL: "https://example.org/name-1.0.tar.gz"}},
		{in: `pip @ git+https://github.com/pypa/pip.git@24.2 ; python_version >= "3.8"`, want: Requirement{Name: "pip", URL: "git+https://github.com/pypa/pip.git@24.2", Marker: `python_version >= "3.8"`}},
		{in: "", wantErr: "no distribution name"},
		{in: "==1.0", wantErr: "no distribution name"},
		{in: "-requests", wantErr: "invalid distribution name"},
		{in: "requests[socks", wantErr: "unclosed extras"},
		{in: "requests[so cks]", wantErr: `invalid extra "so cks"`},
		{in: "requests>=", wantErr: `version specifier ">=": no version`},
		{in: "requests 2.0", wantErr: "no comparison operator"},
		{in: "requests>=2.0 junk", wantErr: "unexpected ' '"},
		{in: "requests (>=2", wantErr: "unclosed version specifier"},
		{in: "requests (>=2) extra", wantErr: "after version specifier"},
		{in: "requests @ ", wantErr: "empty URL"},
		{in: "requests @ https://x y", wantErr: "after URL"},
		{in: "requests;", wantErr: "empty environment marker"},
		{in: strings.Repeat("a", MaxRequirementLength+1), wantErr: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRequirement(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseRequirement(%q) error %v, want one mentioning %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRequirement(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRequirement(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPinned(t *testing.T) {
	for spec, want := range map[string]string{
		"==2.31.0":      "2.31.0",
		"===1.0-custom": "1.0-custom",
		"==2.4.1+cpu":   "2.4.1+cpu",
		"==2.31.*":      "",
		">=2.31":        "",
		"==1,==1":       "",
		"":              "",
		"==":            "",
	} {
		got, ok := Pinned(spec)
		if got != want || ok != (want != "") {
			t.Errorf("Pinned(%q) = %q, %v; want %q", spec, got, ok, want)
		}
	}
}

func TestParseHash(t *testing.T) {
	const hex = "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"
	tests := []struct {
		in   string
		want inventory.Hash
	}{
		{"sha256:" + hex, inventory.Hash{Algorithm: "SHA-256", Value: hex}},
		{"sha256=" + hex, inventory.Hash{Algorithm: "SHA-256", Value: hex}},
		{"SHA256:" + strings.ToUpper(hex), inventory.Hash{Algorithm: "SHA-256", Value: hex}},
		{"md5:c0ffee0ddba11c0ffee0ddba11c0ffee", inventory.Hash{Algorithm: "MD5", Value: "c0ffee0ddba11c0ffee0ddba11c0ffee"}},
		{"sha1:" + hex[:40], inventory.Hash{Algorithm: "SHA-1", Value: hex[:40]}},
		{"sha384:" + hex + hex[:32], inventory.Hash{Algorithm: "SHA-384", Value: hex + hex[:32]}},
		{"sha512:" + hex + hex, inventory.Hash{Algorithm: "SHA-512", Value: hex + hex}},
		{"sha256:" + hex[:63], inventory.Hash{}},
		{"sha256:" + hex[:63] + "g", inventory.Hash{}},
		{"blake2b:" + hex, inventory.Hash{}},
		{hex, inventory.Hash{}},
	}
	for _, tt := range tests {
		got, ok := ParseHash(tt.in)
		if got != tt.want || ok != (tt.want != inventory.Hash{}) {
			t.Errorf("ParseHash(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestURLs(t *testing.T) {
	if got, want := GitSource("https://u:p@github.com/encode/httpx.git", "326b9431c761e1ef1e00b9f760d1f654c8db48c6"), "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6"; got != want {
		t.Errorf("GitSource = %q, want %q", got, want)
	}
	if got, want := GitSource("git+ssh://git@github.com/acme/x.git", ""), "git+ssh://github.com/acme/x.git"; got != want {
		t.Errorf("GitSource = %q, want %q", got, want)
	}
	tests := []struct {
		in                        string
		repo, ref, commit, subdir string
	}{
		{"https://github.com/encode/httpx?rev=0.27.0#326b9431c761e1ef1e00b9f760d1f654c8db48c6", "https://github.com/encode/httpx", "0.27.0", "326b9431c761e1ef1e00b9f760d1f654c8db48c6", ""},
		{"https://github.com/acme/mono?subdirectory=libs%2Fcore&branch=main#0d1c3b5a7e9f2d4c0d1c3b5a7e9f2d4c0d1c3b5a", "https://github.com/acme/mono", "main", "0d1c3b5a7e9f2d4c0d1c3b5a7e9f2d4c0d1c3b5a", "libs/core"},
		{"git+https://github.com/pallets/flask.git@3.0.0#egg=flask", "https://github.com/pallets/flask.git", "3.0.0", "", ""},
		{"git+ssh://git@github.com/acme/x.git@v1#subdirectory=pkg", "ssh://git@github.com/acme/x.git", "v1", "", "pkg"},
	}
	for _, tt := range tests {
		repo, ref, commit, subdir := SplitGitURL(tt.in)
		if repo != tt.repo || ref != tt.ref || commit != tt.commit || subdir != tt.subdir {
			t.Errorf("SplitGitURL(%q) = %q %q %q %q, want %q %q %q %q", tt.in, repo, ref, commit, subdir, tt.repo, tt.ref, tt.commit, tt.subdir)
		}
	}
}

func TestRefs(t *testing.T) {
	for ref, want := range map[string]bool{
		"326b9431c761e1ef1e00b9f760d1f654c8db48c6": true,
		"326b943":   true,
		"2024010":   false,
		"main":      false,
		"v1.2.3":    false,
		"deadbeefx": false,
	} {
		if got := IsCommit(ref); got != want {
			t.Errorf("IsCommit(%q) = %v, want %v", ref, got, want)
		}
	}
	for ref, want := range map[string]string{
		"v2.3.3":      "2.3.3",
		"2.3.3":       "2.3.3",
		"1.0rc1":      "1.0rc1",
		"v24.2.post1": "24.2.post1",
		"1.4.0.dev3":  "1.4.0.dev3",
		"main":        "",
		"release-1":   "",
		"326b9431c761e1ef1e00b9f760d1f654c8db48c6": "",
	} {
		got, ok := TagVersion(ref)
		if got != want || ok != (want != "") {
			t.Errorf("TagVersion(%q) = %q, %v; want %q", ref, got, ok, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		file    string
		want    *Project
		wantErr string
	}{
		{
			file: "pep621.toml",
			want: &Project{Name: "Notifier_Service", Version: "2.0.1", Dependencies: []Dependency{
				{Name: "coverage", Scope: "dev", Group: "test", Extras: []string{"toml"}},
				{Name: "flask", Scope: "runtime"},
				{Name: "mkdocs", Scope: "dev", Group: "docs"},
				{Name: "mypy", Scope: "dev", Group: "dev"},
				{Name: "psycopg", Scope: "optional", Group: "postgres", Extras: []string{"binary"}},
				{Name: "pytest", Scope: "dev", Group: "test"},
				{Name: "pywin32", Scope: "runtime"},
				// Declared twice with different extras: one entry.
				{Name: "requests", Scope: "runtime", Extras: []string{"socks", "use-chardet-on-py3"}},
				{Name: "ruff", Scope: "dev", Group: "lint"},
			}},
		},
		{
			file: "poetry.toml",
			want: &Project{Name: "feedcheck", Version: "1.2.0", Dependencies: []Dependency{
				{Name: "black", Scope: "dev", Group: "dev"},
				{Name: "corelib", Scope: "runtime"},
				{Name: "numpy", Scope: "runtime"},
				{Name: "pysocks", Scope: "optional"},
				{Name: "pytest", Scope: "dev", Group: "test"},
				{Name: "requests", Scope: "runtime", Extras: []string{"socks"}},
			}},
		},
		{
			file: "bad-requirement.toml",
			want: &Project{Name: "svc", Version: "1.0", Dependencies: []Dependency{
				{Name: "flask", Scope: "runtime"},
				{Name: "idna", Scope: "runtime"},
			}},
			wantErr: `bad-requirement.toml: project.dependencies: requirement "requests": version specifier ">=": no version`,
		},
		{
			file:    "wrong-type.toml",
			wantErr: "wrong-type.toml:3:11: toml: cannot decode TOML float into struct field",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(tt.file, data)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Parse error %v, want %q", err, tt.wantErr)
			}
			var e *extract.Error
			if err != nil && (!errors.As(err, &e) || e.Path != tt.file) {
				t.Errorf("error %v is not an *extract.Error naming %s", err, tt.file)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSibling(t *testing.T) {
	fsys := fstest.MapFS{
		"svc/poetry.lock":          {Data: []byte("")},
		"svc/pyproject.toml":       {Data: []byte("[project]\nname = \"svc\"\n")},
		"dir/pyproject.toml/x":     {Data: []byte("")},
		"big/pyproject.toml":       {Data: bytes.Repeat([]byte("#"), MaxFileSize+1)},
		"bad/pyproject.toml":       {Data: []byte("[project\n")},
		"top-level-pyproject.toml": {Data: []byte("")},
	}
	tests := []struct {
		lock     string
		wantName string
		wantErr  string
	}{
		{lock: "svc/poetry.lock", wantName: "svc"},
		{lock: "none/poetry.lock"},
		{lock: "dir/poetry.lock"},
		{lock: "big/poetry.lock", wantErr: "big/pyproject.toml: input exceeds size limit"},
		{lock: "bad/poetry.lock", wantErr: "bad/pyproject.toml:1:"},
		{lock: "poetry.lock"},
	}
	for _, tt := range tests {
		t.Run(tt.lock, func(t *testing.T) {
			p, err := ReadProject(&extract.Input{Path: tt.lock, Root: fsys})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ReadProject error %v, want %q", err, tt.wantErr)
			}
			name := ""
			if p != nil {
				name = p.Name
			}
			if name != tt.wantName {
				t.Errorf("project name %q, want %q", name, tt.wantName)
			}
		})
	}
	if p, err := ReadProject(&extract.Input{Path: "svc/poetry.lock"}); p != nil || err != nil {
		t.Errorf("ReadProject without a tree = %v, %v", p, err)
	}
}

func TestArrayTableLines(t *testing.T) {
	data := []byte(`version = 1

[[package]]
name = "a"
description = """
[[package]]
"""

  [[ package ]]  # comment
name = "b"

[[package.wheels]]
url = "x"

[["package"]]
name = "c"

[[other]]
`)
	if diff := cmp.Diff([]int{3, 9, 15}, ArrayTableLines(data, "package")); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	// A syntax error ends the scan; the headers before it count.
	if diff := cmp.Diff([]int{1}, ArrayTableLines([]byte("[[package]]\nname = \n[[package]]\n"), "package")); diff != "" {
		t.Errorf("lines after error (-want +got):\n%s", diff)
	}
	if got := LineAt([]int{3}, 1); got != 0 {
		t.Errorf("LineAt past the end = %d", got)
	}
}

func TestReadLock(t *testing.T) {
	var lf struct {
		Package []struct {
			Name string `toml:"name"`
		} `toml:"package"`
	}
	data := "version = 1\n\n[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\n"
	lines, err := ReadLock(&extract.Input{Path: "x/uv.lock", Reader: strings.NewReader(data)}, &lf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{3, 6}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if len(lf.Package) != 2 || lf.Package[1].Name != "b" {
		t.Errorf("decoded %+v", lf)
	}
	_, err = ReadLock(&extract.Input{Path: "x/uv.lock", Reader: strings.NewReader("[[package]]\nname = 1\n")}, &lf)
	var e *extract.Error
	if !errors.As(err, &e) || e.Path != "x/uv.lock" || e.Line != 2 {
		t.Errorf("error %v, want one at x/uv.lock:2", err)
	}
}

func TestScopes(t *testing.T) {
	// 0 app → 1 lib → 2 util; 3 pytest → 2 util, 4 pluggy; 5 nothing;
	// 1 ↔ 6 is a cycle; 4 has a dev edge to 7 (never runtime).
	children := map[int][]Seed{
		0: {{Node: 1}},
		1: {{Node: 2}, {Node: 6}},
		6: {{Node: 1}},
		3: {{Node: 2}, {Node: 4}},
		4: {{Node: 7, Scope: inventory.ScopeDev}},
		8: {{Node: 9, Scope: inventory.ScopeDev}},
	}
	got := Scopes(10, []Seed{
		{Node: 3, Scope: inventory.ScopeDev},
		{Node: 0, Scope: inventory.ScopeRuntime},
		{Node: 8, Scope: inventory.ScopeRuntime},
		{Node: 42, Scope: inventory.ScopeRuntime},
	}, func(n int) []Seed { return children[n] })
	want := []inventory.Scope{"runtime", "runtime", "runtime", "dev", "dev", "", "runtime", "dev", "runtime", "dev"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scopes (-want +got):\n%s", diff)
	}
}

func TestGraph(t *testing.T) {
	pkgs := []Locked{
		{Name: "App_Lib", Version: "1.0", Line: 1, Deps: []Ref{{Name: "numpy", Version: "2.2.1"}, {Name: "requests", Extras: []string{"SOCKS"}}}},
		{Name: "numpy", Version: "2.0.2", Line: 2},
		{Name: "numpy", Version: "2.2.1", Line: 3},
		{Name: "requests", Version: "2.32.3", Line: 4, Deps: []Ref{{Name: "idna"}, {Name: "ghost"}}},
		{Name: "requests", Version: "2.32.3", Line: 4, Extras: []string{"socks"}, Deps: []Ref{{Name: "pysocks"}}},
		{Name: "requests", Version: "2.32.3", Line: 4, Extras: []string{"security"}, Deps: []Ref{{Name: "cryptography"}}},
		{Name: "idna", Version: "3.10", Line: 5, Scope: inventory.ScopeDev},
		{Name: "pysocks", Version: "1.7.1", Line: 6},
		{Name: "cryptography", Version: "43.0.1", Line: 7},
		{Name: "pytest", Version: "8.3.3", Line: 8, Deps: []Ref{{Name: "numpy", Version: "9.9"}}},
	}
	summary := func(g *inventory.Graph) []string {
		var out []string
		for _, c := range g.Components() {
			out = append(out, fmt.Sprintf("%s direct=%v %s", c.PURL, c.Direct, c.Scope))
		}
		for _, e := range g.Edges() {
			out = append(out, e.From+" -> "+e.To)
		}
		return out
	}
	t.Run("declared", func(t *testing.T) {
		g, err := Graph(context.Background(), "x.lock", inventory.Root{ID: "x.lock", Name: "svc", Version: "1"}, pkgs, []Ref{
			{Name: "app-lib"},
			{Name: "pytest", Scope: inventory.ScopeDev},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"pkg:pypi/app-lib@1.0 direct=true runtime",
			// Not asked for by anything: locked, but nothing explains it.
			"pkg:pypi/cryptography@43.0.1 direct=false runtime",
			// The lockfile's own scope wins.
			"pkg:pypi/idna@3.10 direct=false dev",
			"pkg:pypi/numpy@2.0.2 direct=false dev",
			"pkg:pypi/numpy@2.2.1 direct=false runtime",
			"pkg:pypi/pysocks@1.7.1 direct=false runtime",
			"pkg:pypi/pytest@8.3.3 direct=true dev",
			"pkg:pypi/requests@2.32.3 direct=false runtime",
			"pkg:pypi/app-lib@1.0 -> pkg:pypi/numpy@2.2.1",
			"pkg:pypi/app-lib@1.0 -> pkg:pypi/requests@2.32.3",
			// A version that is not locked links every locked version.
			"pkg:pypi/pytest@8.3.3 -> pkg:pypi/numpy@2.0.2",
			"pkg:pypi/pytest@8.3.3 -> pkg:pypi/numpy@2.2.1",
			"pkg:pypi/requests@2.32.3 -> pkg:pypi/idna@3.10",
			"pkg:pypi/requests@2.32.3 -> pkg:pypi/pysocks@1.7.1",
			"x.lock -> pkg:pypi/app-lib@1.0",
			"x.lock -> pkg:pypi/pytest@8.3.3",
		}
		if diff := cmp.Diff(want, summary(g)); diff != "" {
			t.Errorf("graph (-want +got):\n%s", diff)
		}
		c := g.Component("pkg:pypi/app-lib@1.0")
		if c.Properties["declared_name"] != "App_Lib" || c.Locations[0] != (inventory.Location{Path: "x.lock", Line: 1}) {
			t.Errorf("app-lib = %+v", c)
		}
		if r := g.Root("x.lock"); r.PURL != "pkg:pypi/svc@1" || r.Kind != inventory.KindManifest {
			t.Errorf("root = %+v", r)
		}
	})
	t.Run("undeclared", func(t *testing.T) {
		g, err := Graph(context.Background(), "x.lock", inventory.Root{ID: "x.lock"}, pkgs, nil)
		if err != nil {
			t.Fatal(err)
		}
		var direct []string
		for _, c := range g.Components() {
			if c.Direct {
				direct = append(direct, c.PURL)
			}
		}
		// Nothing depends on app-lib, pytest, or on cryptography (the
		// extra that would is asked for by nobody).
		want := []string{"pkg:pypi/app-lib@1.0", "pkg:pypi/cryptography@43.0.1", "pkg:pypi/pytest@8.3.3"}
		if diff := cmp.Diff(want, direct); diff != "" {
			t.Errorf("direct (-want +got):\n%s", diff)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Graph(ctx, "x.lock", inventory.Root{ID: "x.lock"}, pkgs, nil)
		var e *extract.Error
		if !errors.As(err, &e) || e.Path != "x.lock" || !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want a canceled *extract.Error", err)
		}
	})
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{
		"requests[socks,use-chardet-on-py3]>=2.31,<3; python_version >= \"3.8\"",
		"PySocks (>=1.5.6,!=1.5.7) ; extra == \"socks\"",
		"name @ git+https://github.com/o/r.git@v1 ; os_name == \"nt\"",
		"legacy===1.0-custom",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		if !ValidName(r.Name) {
			t.Fatalf("ParseRequirement(%q) accepted invalid name %q", s, r.Name)
		}
		if r.Specifier != "" {
			if _, err := normalizeSpecifier(r.Specifier); err != nil {
				t.Fatalf("ParseRequirement(%q) specifier %q does not re-parse: %v", s, r.Specifier, err)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"pep621.toml", "poetry.toml", "bad-requirement.toml", "wrong-type.toml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("pyproject.toml", data)
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || e.Path != "pyproject.toml" {
				t.Fatalf("error %v is not an *extract.Error naming pyproject.toml", err)
			}
		}
		if p == nil {
			return
		}
		for _, d := range p.Dependencies {
			if d.Name == "" || d.Scope == "" {
				t.Fatalf("dependency %+v without name or scope", d)
			}
		}
	})
}

// TestGraphFanOut: a name locked hundreds of times links at most 256 of
// its entries from one reference, so a hostile lockfile cannot make the
// graph quadratic.
func TestGraphFanOut(t *testing.T) {
	pkgs := []Locked{{Name: "b", Version: "1", Deps: []Ref{{Name: "a"}}}}
	for i := 0; i < 1000; i++ {
		pkgs = append(pkgs, Locked{Name: "a", Version: fmt.Sprint(i), Deps: []Ref{{Name: "a"}, {Name: "b"}}})
	}
	g, err := Graph(context.Background(), "x.lock", inventory.Root{ID: "x.lock"}, pkgs, []Ref{{Name: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(g.Children("pkg:pypi/b@1")); got != 256 {
		t.Errorf("b has %d children, want 256", got)
	}
	if g.Len() != 1001 {
		t.Errorf("%d components, want 1001", g.Len())
	}
}

func TestUniqueHashes(t *testing.T) {
	a := inventory.Hash{Algorithm: "SHA-256", Value: strings.Repeat("a", 64)}
	b := inventory.Hash{Algorithm: "SHA-256", Value: strings.Repeat("b", 64)}
	c := inventory.Hash{Algorithm: "SHA-512", Value: strings.Repeat("a", 128)}
	got := UniqueHashes([]inventory.Hash{a, b, a, c, b})
	if diff := cmp.Diff([]inventory.Hash{a, b, c}, got); diff != "" {
		t.Errorf("UniqueHashes (-want +got):\n%s", diff)
	}
}
