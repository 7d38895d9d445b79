package requirements

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
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

func run(t *testing.T, fsys fs.FS, path string) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, New(), fsys, path)
}

// components returns the graph's components with locations and hashes
// kept, for exact comparison.
func components(g *inventory.Graph) []inventory.Component {
	var out []inventory.Component
	for _, c := range g.Components() {
		out = append(out, *c)
	}
	return out
}

func sha(v string) inventory.Hash { return inventory.Hash{Algorithm: "SHA-256", Value: v} }

func at(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

// pypi is a direct component as most requirements files give them.
func pypi(name, version string, scope inventory.Scope, loc []inventory.Location) inventory.Component {
	c := inventory.Component{
		PURL: "pkg:pypi/" + name, Ecosystem: "PyPI", Name: name, Version: version,
		Direct: true, Scope: scope, Locations: loc,
	}
	if version != "" {
		c.PURL += "@" + version
	}
	return c
}

func TestPipCompile(t *testing.T) {
	const path = "pip-compile/requirements.txt"
	g, err := run(t, os.DirFS("testdata"), path)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	type pkg struct {
		name, version string
		line          int
		hashes        []string
	}
	pkgs := []pkg{
		{"blinker", "1.6.3", 7, []string{"152090d27c1c5c722ee7e48504b02d76502811ce02e1523553b4cf8c8b3d3a8d", "296320d6c28b006eb5e32d4712202dbcdcbf5dc482da298c2f44881c43884aaa"}},
		{"certifi", "2023.7.22", 11, []string{"539cc1d13202e33ca466e88b2807e29f4c13049d6d87031a3c110744495cb082", "92d6037539857d8206b8f6ae472e8b77db8058fec5937a1ef3f54304089edbb9"}},
		{"charset-normalizer", "3.3.0", 15, []string{"63563193aec44bce707e0c5ca64ff69fa72ed7cf34ce6e11d5127555756fd2f6", "e46cd37076971c1040fc8c41273a8b3e2c624ce4f2be3f5dfcb7a430c1d3acc2"}},
		{"click", "8.1.7", 19, []string{"ae74fb96c20a0277a1d615f1e4d73c8414f5a98db8b799a7931d1582f3390c28", "ca9853ad459e787e2192211578cc907e7594e294c7ccc834310722b41b9ca6de"}},
		{"flask", "3.0.0", 23, []string{"21128f47e4e3b9d597a3e8521a329bf56909b690fcc3fa3e477725aa81367638", "cfadcdb638b609361d29ec22360d6070a77d7463dcb3ab08d2c2f2f168845f58"}},
		{"idna", "3.4", 27, []string{"814f528e8dead7d329833b91c5faa87d60bf71824cd12a7530b5526063d02cb4", "90b77e79eaa3eba6de819a0c442c0b4ceefc341a7a2ab77d7562bf49f425c5c2"}},
		{"itsdangerous", "2.1.2", 31, []string{"2c2349112351b88699d8d4b6b075022c0808887cb7ad10069318a8b0bc88db44", "5dbbc68b317e5e42f327f9021763545dc3fc3bfe22e6deb96aaf1fc38874156a"}},
		{"jinja2", "3.1.2", 35, []string{"31351a702a408a9e7595a8fc6150fc3f43bb6bf7e319770cbc0db9df9437e852", "6088930bfe239f0e6710546ab9c19c9ef35e29792895fed6e6e31a023a182a61"}},
		{"markupsafe", "2.1.3", 39, []string{"af598ed32d6ae86f1b747b82783958b1a4ab8f617b06fe68795c7f026abbdcad", "bfce63a9e7834b12b87c64d6b155fdd9b3b96191b6bd334bf37db7ff1fe457f2"}},
		{"requests", "2.31.0", 45, []string{"58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f", "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1"}},
		{"urllib3", "2.0.7", 49, []string{"c97dfde1f7bd43a71c8d2a58e369e9b2bf692d1334ea9f9cae55add7d0dd0f84", "fdb6d215c776278489906c2f8916e6e7d4f5a9b602ccbcfdf7f016fc8da0596e"}},
		{"werkzeug", "3.0.0", 53, []string{"3ffff4dcc32db52ef3cc94dff3000a3c2846890f3a5a51800a27b909c5e770f0", "cbb2600f7eabe51dbc0502f58be0b3e1b96b893b05695ea2b35b43d4de2d9962"}},
	}
	var want []inventory.Component
	wantEdges := []string{
		// From the "# via" annotations.
		"pkg:pypi/flask@3.0.0 -> pkg:pypi/blinker@1.6.3",
		"pkg:pypi/flask@3.0.0 -> pkg:pypi/click@8.1.7",
		"pkg:pypi/flask@3.0.0 -> pkg:pypi/itsdangerous@2.1.2",
		"pkg:pypi/flask@3.0.0 -> pkg:pypi/jinja2@3.1.2",
		"pkg:pypi/flask@3.0.0 -> pkg:pypi/werkzeug@3.0.0",
		"pkg:pypi/jinja2@3.1.2 -> pkg:pypi/markupsafe@2.1.3",
		"pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2023.7.22",
		"pkg:pypi/requests@2.31.0 -> pkg:pypi/charset-normalizer@3.3.0",
		"pkg:pypi/requests@2.31.0 -> pkg:pypi/idna@3.4",
		"pkg:pypi/requests@2.31.0 -> pkg:pypi/urllib3@2.0.7",
		"pkg:pypi/werkzeug@3.0.0 -> pkg:pypi/markupsafe@2.1.3",
	}
	for _, p := range pkgs {
		c := pypi(p.name, p.version, "runtime", at(path, p.line))
		for _, h := range p.hashes {
			c.Hashes = append(c.Hashes, sha(h))
		}
		want = append(want, c)
		wantEdges = append(wantEdges, path+" -> "+c.PURL)
	}
	slices.Sort(wantEdges)
	if diff := cmp.Diff(want, components(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantEdges, extracttest.EdgeStrings(g)); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*inventory.Root{{ID: path, Kind: inventory.KindManifest}}, g.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
}

func TestIncludes(t *testing.T) {
	base := "includes/requirements/base.txt"
	flask := func(scope inventory.Scope) inventory.Component {
		c := pypi("flask", "", scope, at(base, 1))
		c.Unpinned = true
		// The constraint is a range: the requirement stays unpinned.
		c.Properties = map[string]string{"specifier": "~=3.0", "constraint": ">=3.0.2,<3.1"}
		return c
	}
	requests := func(scope inventory.Scope) inventory.Component {
		// ">=2.31" pinned by constraints.txt.
		c := pypi("requests", "2.31.0", scope, at(base, 2))
		c.Properties = map[string]string{"extras": "socks", "constraint": "==2.31.0"}
		return c
	}
	pywin32 := func(scope inventory.Scope) inventory.Component {
		c := pypi("pywin32", "306", scope, at(base, 3))
		c.Properties = map[string]string{"marker": `sys_platform == "win32"`}
		return c
	}
	coverage := pypi("coverage", "", "dev", at("includes/requirements-dev.txt", 3))
	coverage.Unpinned = true
	coverage.Properties = map[string]string{"specifier": ">=7.4", "extras": "toml"}
	tests := []struct {
		path      string
		wantRoot  map[string]string
		want      []inventory.Component
		wantEdges []string
	}{
		{
			path: "includes/requirements.txt",
			wantRoot: map[string]string{
				"index_url":        "https://pypi.corp.example.com/simple",
				"extra_index_urls": "https://pypi.org/simple",
				"includes":         "includes/requirements/base.txt",
				"constraints":      "includes/constraints.txt",
			},
			// urllib3 is only constrained, never required: no component.
			want: []inventory.Component{
				flask("runtime"),
				pypi("gunicorn", "22.0.0", "runtime", at("includes/requirements.txt", 8)),
				pywin32("runtime"),
				requests("runtime"),
			},
			wantEdges: []string{
				"includes/requirements.txt -> pkg:pypi/flask",
				"includes/requirements.txt -> pkg:pypi/gunicorn@22.0.0",
				"includes/requirements.txt -> pkg:pypi/pywin32@306",
				"includes/requirements.txt -> pkg:pypi/requests@2.31.0",
			},
		},
		{
			// The dev file includes the production one: everything it
			// pulls in is dev from this root's point of view.
			path: "includes/requirements-dev.txt",
			wantRoot: map[string]string{
				"index_url":        "https://pypi.corp.example.com/simple",
				"extra_index_urls": "https://pypi.org/simple",
				"includes":         "includes/requirements.txt includes/requirements/base.txt",
				"constraints":      "includes/constraints.txt",
			},
			want: []inventory.Component{
				coverage,
				flask("dev"),
				pypi("gunicorn", "22.0.0", "dev", at("includes/requirements.txt", 8)),
				pypi("pytest", "8.3.3", "dev", at("includes/requirements-dev.txt", 2)),
				pywin32("dev"),
				requests("dev"),
			},
			wantEdges: []string{
				"includes/requirements-dev.txt -> pkg:pypi/coverage",
				"includes/requirements-dev.txt -> pkg:pypi/flask",
				"includes/requirements-dev.txt -> pkg:pypi/gunicorn@22.0.0",
				"includes/requirements-dev.txt -> pkg:pypi/pytest@8.3.3",
				"includes/requirements-dev.txt -> pkg:pypi/pywin32@306",
				"includes/requirements-dev.txt -> pkg:pypi/requests@2.31.0",
			},
		},
		{
			// Scanned on its own, a constraints file lists its pins.
			path: "includes/constraints.txt",
			want: func() []inventory.Component {
				flask := pypi("flask", "", "runtime", at("includes/constraints.txt", 3))
				flask.Unpinned = true
				flask.Properties = map[string]string{"specifier": ">=3.0.2,<3.1"}
				return []inventory.Component{
					flask,
					pypi("requests", "2.31.0", "runtime", at("includes/constraints.txt", 2)),
					pypi("urllib3", "2.0.7", "runtime", at("includes/constraints.txt", 4)),
				}
			}(),
			wantEdges: []string{
				"includes/constraints.txt -> pkg:pypi/flask",
				"includes/constraints.txt -> pkg:pypi/requests@2.31.0",
				"includes/constraints.txt -> pkg:pypi/urllib3@2.0.7",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			g, err := run(t, os.DirFS("testdata"), tt.path)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			wantRoot := []*inventory.Root{{ID: tt.path, Kind: inventory.KindManifest, Properties: tt.wantRoot}}
			if diff := cmp.Diff(wantRoot, g.Roots()); diff != "" {
				t.Errorf("roots (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, components(g)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEdges, extracttest.EdgeStrings(g)); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDirectReferences(t *testing.T) {
	const path = "direct-refs/requirements.txt"
	g, err := run(t, os.DirFS("testdata"), path)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	with := func(c inventory.Component, f func(*inventory.Component)) inventory.Component {
		f(&c)
		return c
	}
	want := []inventory.Component{
		with(pypi("authkit", "", "runtime", at(path, 9)), func(c *inventory.Component) {
			c.Source, c.Unpinned = "./libs/authkit", true
			c.Properties = map[string]string{"editable": "true"}
		}),
		with(pypi("corelib", "0.3.1", "runtime", at(path, 8)), func(c *inventory.Component) {
			c.Source = "./vendor/corelib-0.3.1.tar.gz"
		}),
		// "-e ." names the directory the requirements file is in.
		with(pypi("direct-refs", "", "runtime", at(path, 10)), func(c *inventory.Component) {
			c.Source, c.Unpinned = ".", true
			c.Properties = map[string]string{"editable": "true"}
		}),
		with(pypi("django", "", "runtime", at(path, 11)), func(c *inventory.Component) {
			c.Unpinned = true
			c.Properties = map[string]string{"specifier": ">=4.2,<5.0", "declared_name": "Django"}
		}),
		with(pypi("en-core-web-sm", "3.7.1", "runtime", at(path, 6)), func(c *inventory.Component) {
			c.Source = "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl"
			c.Hashes = []inventory.Hash{sha("ad2f5b431d724592d014cb2736fdcdc15caa35d2098bb0b878539653ec77aefb")}
			c.Properties = map[string]string{"declared_name": "en_core_web_sm"}
		}),
		// A release tag gives the version.
		with(pypi("flask", "3.0.0", "runtime", at(path, 2)), func(c *inventory.Component) {
			c.Source = "git+https://github.com/pallets/flask.git@3.0.0"
			c.Properties = map[string]string{"editable": "true"}
		}),
		// A commit pins without a version.
		with(pypi("httpx", "", "runtime", at(path, 3)), func(c *inventory.Component) {
			c.Source = "git+https://github.com/encode/httpx.git@326b9431c761e1ef1e00b9f760d1f654c8db48c6"
		}),
		pypi("idna", "3.4", "runtime", at(path, 14)),
		with(pypi("legacy-metrics", "1.0-custom", "runtime", at(path, 12)), func(*inventory.Component) {}),
		// A branch does not pin.
		with(pypi("mylib", "", "runtime", at(path, 4)), func(c *inventory.Component) {
			c.Source, c.Unpinned = "git+https://github.com/acme/mylib.git@main", true
		}),
		with(pypi("private-sdk", "1.4.0", "runtime", at(path, 5)), func(c *inventory.Component) {
			c.Source = "git+ssh://github.com/acme/private-sdk.git@v1.4.0"
		}),
		with(pypi("requests", "2.32.3", "runtime", at(path, 7)), func(c *inventory.Component) {
			c.Source = "https://files.pythonhosted.org/packages/f9/9b/335f9764261e915ed497fcdeb11df5dfd6f7bf257d4a6a2a686d80da4d54/requests-2.32.3-py3-none-any.whl"
		}),
		with(pypi("uvicorn", "0.30.1", "runtime", at(path, 13)), func(c *inventory.Component) {
			c.Properties = map[string]string{"extras": "standard", "marker": `python_version >= "3.9"`}
		}),
	}
	if diff := cmp.Diff(want, components(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

// TestBrokenIncludes: includes that cannot be read are reported at the
// line that names them; everything readable is kept.
func TestBrokenIncludes(t *testing.T) {
	g, err := run(t, os.DirFS("testdata"), "broken-includes/requirements.txt")
	// The first problem met is the cycle, in the innermost file.
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "broken-includes/requirements/two.txt", Line: 1})
	wantMsg := `requirements "one.txt": include cycle broken-includes/requirements/one.txt -> broken-includes/requirements/two.txt -> broken-includes/requirements/one.txt (and 5 more problems)`
	if e.Err.Error() != wantMsg {
		t.Errorf("message %q,\nwant %q", e.Err, wantMsg)
	}
	want := []inventory.Component{
		pypi("certifi", "2024.8.30", "runtime", at("broken-includes/requirements.txt", 7)),
		pypi("idna", "3.10", "runtime", at("broken-includes/requirements/two.txt", 2)),
		pypi("six", "1.16.0", "runtime", at("broken-includes/requirements/one.txt", 2)),
	}
	if diff := cmp.Diff(want, components(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

// TestIncludeErrors checks each unreadable include on its own.
func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantMsg string
	}{
		{"leaves-tree", "-r ../../etc/passwd", `requirements "../../etc/passwd": outside the scanned tree`},
		{"remote", "--requirement https://example.com/r.txt", `requirements "https://example.com/r.txt": remote files are not read`},
		{"absolute", "-c /etc/constraints.txt", `constraints "/etc/constraints.txt": absolute paths are not read`},
		{"windows-absolute", `-r C:\reqs\base.txt`, `requirements "C:\\reqs\\base.txt": absolute paths are not read`},
		{"missing", "-rmissing.txt", `requirements "missing.txt": open app/missing.txt: file does not exist`},
		{"directory", "--requirement=sub", `requirements "sub": is a directory`},
		{"self", "-r requirements.txt", `requirements "requirements.txt": include cycle app/requirements.txt -> app/requirements.txt`},
		{"no-value", "-r", `option -r needs a value`},
		{"unknown", "--upgrade-strategy eager", `unknown option "--upgrade-strategy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"app/requirements.txt": {Data: []byte("six==1.16.0\n" + tt.line + "\nidna==3.10\n")},
				"app/sub/x.txt":        {Data: []byte("certifi==2024.8.30\n")},
			}
			g, err := run(t, fsys, "app/requirements.txt")
			var e *extract.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *extract.Error", err)
			}
			if e.Path != "app/requirements.txt" || e.Line != 2 || e.Err.Error() != tt.wantMsg {
				t.Errorf("error %s:%d: %q, want app/requirements.txt:2: %q", e.Path, e.Line, e.Err, tt.wantMsg)
			}
			if g == nil || g.Len() != 2 {
				t.Errorf("graph %v, want six and idna", g)
			}
		})
	}
}

func TestIncludeLimits(t *testing.T) {
	// a0.txt includes a1.txt includes a2.txt ... : the chain stops at
	// maxDepth files.
	fsys := fstest.MapFS{}
	for i := 0; i < 20; i++ {
		fsys[name(i)] = &fstest.MapFile{Data: []byte("-r " + extract.Base(name(i+1)) + "\n")}
	}
	_, err := run(t, fsys, name(0))
	var e *extract.Error
	if !errors.As(err, &e) || e.Path != name(maxDepth-1) || !strings.Contains(err.Error(), "nested more than 10 deep") {
		t.Errorf("error %v, want nesting limit reported in %s", err, name(maxDepth-1))
	}

	// One file including many: the count stops at maxFiles.
	fsys = fstest.MapFS{}
	var b strings.Builder
	for i := 1; i < 100; i++ {
		b.WriteString("-r " + extract.Base(name(i)) + "\n")
		fsys[name(i)] = &fstest.MapFile{Data: []byte("six==1.16.0\n")}
	}
	fsys[name(0)] = &fstest.MapFile{Data: []byte(b.String())}
	_, err = run(t, fsys, name(0))
	if !errors.As(err, &e) || e.Line != maxFiles || !strings.Contains(err.Error(), "more than 64 files included (and 35 more problems)") {
		t.Errorf("error %v, want file limit at line %d", err, maxFiles)
	}
}

func name(i int) string { return "reqs/requirements-" + strings.Repeat("x", i) + ".txt" }

func TestBadLines(t *testing.T) {
	const path = "bad-lines/requirements.txt"
	g, err := run(t, os.DirFS("testdata"), path)
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Line: 1})
	if want := `requirement "requests": version specifier ">=": no version (and 4 more problems)`; e.Err.Error() != want {
		t.Errorf("message %q, want %q", e.Err, want)
	}
	certifi := pypi("certifi", "2023.7.22", "runtime", at(path, 5))
	certifi.Hashes = []inventory.Hash{sha("539cc1d13202e33ca466e88b2807e29f4c13049d6d87031a3c110744495cb082")}
	want := []inventory.Component{
		certifi,
		pypi("idna", "3.4", "runtime", at(path, 8)),
		pypi("urllib3", "2.0.7", "runtime", at(path, 4)),
	}
	if diff := cmp.Diff(want, components(g)); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		data      []byte
		wantLine  int
		wantMsg   string
		wantComps int
	}{
		// pip only takes UTF-8 text; garbage is many bad lines, each
		// reported, none fatal.
		{name: "binary", data: []byte("\x7fELF\x02\x01\x01\x00\n\x00\x00\xff\xfe\n"), wantLine: 1, wantMsg: "no distribution name"},
		{name: "huge-line", data: []byte("six==1.16.0\nrequests==" + strings.Repeat("1", extract.MaxLineLength+10) + "\nidna==3.4\n"), wantLine: 2, wantMsg: "line longer than", wantComps: 1},
		// The idna line ends the over-long continued line, so it goes
		// with it; the next line is read again.
		{name: "huge-continuation", data: []byte("six==1.16.0\n" + strings.Repeat(strings.Repeat("a", 1000)+" \\\n", 1100) + "idna==3.4\ncertifi==2024.8.30\n"), wantLine: 2, wantMsg: "continued line longer than", wantComps: 2},
		{name: "truncated-continuation", data: []byte("six==1.16.0 \\\n    --hash=sha256:"), wantLine: 1, wantMsg: `unreadable hash "sha256:"`, wantComps: 1},
		{name: "json", data: []byte(`{"default": {"six": {"version": "==1.16.0"}}}`), wantLine: 1, wantMsg: "no distribution name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := run(t, fstest.MapFS{"requirements.txt": {Data: tt.data}}, "requirements.txt")
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "requirements.txt", Line: tt.wantLine, Msg: tt.wantMsg})
			if g == nil || g.Len() != tt.wantComps {
				t.Errorf("graph %v, want %d components", g, tt.wantComps)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := strings.Repeat("six==1.16.0\n", 5000)
	g, err := New().Extract(ctx, &extract.Input{Path: "requirements.txt", Reader: strings.NewReader(data)})
	var e *extract.Error
	if g != nil || !errors.As(err, &e) || !errors.Is(err, context.Canceled) || e.Path != "requirements.txt" {
		t.Errorf("Extract = %v, %v; want a canceled *extract.Error", g, err)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"requirements.txt":             true,
		"requirements-dev.txt":         true,
		"requirements_test.txt":        true,
		"Requirements.txt":             true,
		"dev-requirements.txt":         true,
		"svc/test_requirements.txt":    true,
		"requirements/base.txt":        true,
		"app/requirements/prod.txt":    true,
		"constraints.txt":              true,
		"constraints-py312.txt":        true,
		"requirements.in":              false,
		"requirements/base.in":         false,
		"requirements/sub/x.txt":       false,
		"docs/requirements-notes.md":   false,
		"notes.txt":                    false,
		"requirements.txt/inner":       false,
		"app/my-constraints-notes.txt": false,
	})
}

func TestDevName(t *testing.T) {
	for path, want := range map[string]bool{
		"requirements.txt":          false,
		"requirements-dev.txt":      true,
		"requirements_test.txt":     true,
		"requirements/testing.txt":  true,
		"requirements/develop.txt":  true,
		"dev-requirements.txt":      true,
		"requirements.tests.txt":    true,
		"requirements-devices.txt":  false,
		"requirements-latest.txt":   false,
		"dev/requirements.txt":      false,
		"requirements/contest.txt":  false,
		"requirements/prod-dev.txt": true,
	} {
		if got := devName(path); got != want {
			t.Errorf("devName(%q) = %v, want %v", path, got, want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/pip-compile/requirements.txt", "testdata/includes/requirements.txt", "testdata/includes/requirements-dev.txt",
		"testdata/includes/constraints.txt", "testdata/direct-refs/requirements.txt", "testdata/broken-includes/requirements.txt",
		"testdata/bad-lines/requirements.txt",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "x/requirements.txt"
		// A tree with a few files, so includes are followed too.
		fsys := fstest.MapFS{
			"x/requirements.txt": {Data: data},
			"x/base.txt":         {Data: []byte("six==1.16.0\n-r requirements.txt\n")},
			"x/constraints.txt":  {Data: []byte("six==1.16.0\n")},
		}
		g, err := New().Extract(context.Background(), &extract.Input{Path: path, Root: fsys, Reader: bytes.NewReader(data)})
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Path, "x/") {
				t.Fatalf("error %v (%T) is not an *extract.Error naming a file of the tree", err, err)
			}
		}
		if g != nil {
			extracttest.CheckGraph(t, g)
		}
	})
}

// TestLineForms reads one-line files in the shapes pip accepts.
func TestLineForms(t *testing.T) {
	const h = "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"
	tests := []struct {
		name string
		text string
		want inventory.Component
	}{
		{
			name: "hash-as-separate-token",
			text: "requests==2.31.0 --hash sha256:" + h + "\n",
			want: inventory.Component{PURL: "pkg:pypi/requests@2.31.0", Version: "2.31.0", Hashes: []inventory.Hash{sha(h)}},
		},
		{
			name: "bom-and-crlf",
			text: "\ufeffrequests==2.31.0\r\n",
			want: inventory.Component{PURL: "pkg:pypi/requests@2.31.0", Version: "2.31.0"},
		},
		{
			name: "tab-comment",
			text: "requests==2.31.0\t# keep in step with the base image\n",
			want: inventory.Component{PURL: "pkg:pypi/requests@2.31.0", Version: "2.31.0"},
		},
		{
			name: "no-specifier",
			text: "requests\n",
			want: inventory.Component{PURL: "pkg:pypi/requests", Unpinned: true},
		},
		{
			name: "wildcard-is-not-a-pin",
			text: "requests==2.31.*\n",
			want: inventory.Component{PURL: "pkg:pypi/requests", Unpinned: true, Properties: map[string]string{"specifier": "==2.31.*"}},
		},
		{
			name: "compatible-release",
			text: "Requests ~= 2.31\n",
			want: inventory.Component{PURL: "pkg:pypi/requests", Unpinned: true, Properties: map[string]string{"specifier": "~=2.31", "declared_name": "Requests"}},
		},
		{
			name: "editable-egg-extras",
			text: "-e git+https://github.com/psf/requests.git@v2.32.3#egg=requests[socks]\n",
			want: inventory.Component{
				PURL: "pkg:pypi/requests@2.32.3", Version: "2.32.3", Source: "git+https://github.com/psf/requests.git@v2.32.3",
				Properties: map[string]string{"editable": "true", "extras": "socks"},
			},
		},
		{
			name: "file-url",
			text: "corelib @ file:///srv/wheels/corelib-0.3.1-py3-none-any.whl\n",
			want: inventory.Component{PURL: "pkg:pypi/corelib@0.3.1", Version: "0.3.1", Source: "file:///srv/wheels/corelib-0.3.1-py3-none-any.whl"},
		},
		{
			name: "url-with-token-and-marker",
			text: "https://ci:tok3n@pypi.corp.example.com/packages/internal_auth-4.2.0.tar.gz ; python_version >= \"3.10\"\n",
			want: inventory.Component{
				PURL: "pkg:pypi/internal-auth@4.2.0", Version: "4.2.0", Source: "https://pypi.corp.example.com/packages/internal_auth-4.2.0.tar.gz",
				Properties: map[string]string{"marker": `python_version >= "3.10"`, "declared_name": "internal_auth"},
			},
		},
		{
			name: "archive-of-another-name",
			text: "flask @ https://github.com/pallets/flask/archive/refs/tags/3.0.0.tar.gz\n",
			want: inventory.Component{PURL: "pkg:pypi/flask", Unpinned: true, Source: "https://github.com/pallets/flask/archive/refs/tags/3.0.0.tar.gz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := run(t, fstest.MapFS{"requirements.txt": {Data: []byte(tt.text)}}, "requirements.txt")
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			want := tt.want
			want.Ecosystem, want.Direct, want.Scope = "PyPI", true, "runtime"
			want.Name, _, _ = strings.Cut(strings.TrimPrefix(want.PURL, "pkg:pypi/"), "@")
			want.Locations = at("requirements.txt", 1)
			if diff := cmp.Diff([]inventory.Component{want}, components(g)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRootProperties: options collected from every file read, tokens
// removed, each list bounded.
func TestRootProperties(t *testing.T) {
	var b strings.Builder
	b.WriteString("--index-url=https://ci:tok3n@pypi.corp.example.com/simple\n--no-index\n--require-hashes\n--pre\n")
	for i := 0; i < 100; i++ {
		b.WriteString("-f ./wheels/" + strings.Repeat("w", i) + "\n")
	}
	b.WriteString("-f ./wheels/\nsix==1.16.0\n")
	g, err := run(t, fstest.MapFS{"requirements.txt": {Data: []byte(b.String())}}, "requirements.txt")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	props := g.Roots()[0].Properties
	if got := len(strings.Fields(props["find_links"])); got != maxListed {
		t.Errorf("%d find_links kept, want %d", got, maxListed)
	}
	delete(props, "find_links")
	want := map[string]string{"index_url": "https://pypi.corp.example.com/simple", "no_index": "true", "require_hashes": "true"}
	if diff := cmp.Diff(want, props); diff != "" {
		t.Errorf("root properties (-want +got):\n%s", diff)
	}
}

func TestLooksLikePath(t *testing.T) {
	for s, want := range map[string]bool{
		"./vendor/x":                         true,
		"../x":                               true,
		"/srv/x-1.0.tar.gz":                  true,
		`C:\wheels\x-1.0-py3-none-any.whl`:   true,
		"vendor/x":                           true,
		"corelib-0.3.1.tar.gz":               true,
		"corelib-0.3.1-py3-none-any.whl":     true,
		"zope.zip":                           false,
		"requests":                           false,
		"requests>=2; sys_platform == 'a/b'": false,
		"name @ https://h/x":                 false,
		"":                                   false,
	} {
		if got := looksLikePath(s); got != want {
			t.Errorf("looksLikePath(%q) = %v, want %v", s, got, want)
		}
	}
}
