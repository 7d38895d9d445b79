package registry

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A configuration case lays out files under a temporary root (home/ is
// the home directory, proj/ the project, etc/ the system directory), with
// "$ROOT" in file contents, environment values and wanted strings standing
// for the root.
type configCase struct {
	name          string
	eco           string // the ecosystem the case is about: its error lines are compared
	files         map[string]string
	env           map[string]string
	override      map[string]string
	ignoreProject bool
	want          Endpoints
	wantErr       []string // error lines of eco (and of overrides)
	wantNotes     []string // notes, when the case checks them
}

func TestResolveEndpoints(t *testing.T) {
	cases := []configCase{
		// npm
		{
			name: "npm-user-npmrc",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc": "; user config\nregistry = https://registry.npmjs.example\nfund=false\n",
			},
			want:      Endpoints{NPM: "https://registry.npmjs.example/"},
			wantNotes: []string{"npm: https://registry.npmjs.example/ (from $ROOT/home/.npmrc:2)"},
		},
		{
			name: "npm-project-over-user-env-over-project",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc": "registry=https://user.example/\n",
				"proj/.npmrc": "registry=https://project.example/npm/ # the project's mirror\n",
			},
			env:  map[string]string{"NPM_CONFIG_REGISTRY": "https://env.example/"},
			want: Endpoints{NPM: "https://env.example/"},
		},
		{
			name: "npm-project-over-user",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc": "registry=https://user.example/\n",
				"proj/.npmrc": "registry=\"https://project.example/npm/\"\n",
			},
			want: Endpoints{NPM: "https://project.example/npm/"},
		},
		{
			name: "npm-ignore-project",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc": "registry=https://user.example/\n",
				"proj/.npmrc": "registry=https://evil.example/\n@corp:registry=https://evil.example/\n",
			},
			ignoreProject: true,
			want:          Endpoints{NPM: "https://user.example/"},
		},
		{
			name: "npm-userconfig-and-globalconfig",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc":    "registry=https://ignored.example/\n",
				"other/ci.npmrc": "@corp:registry=https://npm.corp.example/api/npm/\n",
				"other/global":   "registry=https://global.example/\n@corp:registry=https://global-corp.example/\n",
			},
			env: map[string]string{"npm_config_userconfig": "$ROOT/other/ci.npmrc", "npm_config_globalconfig": "$ROOT/other/global"},
			want: Endpoints{
				NPM:       "https://global.example/",
				NPMScopes: map[string]string{"@corp": "https://npm.corp.example/api/npm/"},
			},
		},
		{
			name:  "npm-prefix-global",
			eco:   "npm",
			files: map[string]string{"other/prefix/etc/npmrc": "registry=https://prefix.example/\n"},
			env:   map[string]string{"PREFIX": "$ROOT/other/prefix"},
			want:  Endpoints{NPM: "https://prefix.example/"},
		},
		{
			name: "npm-credentials",
			eco:  "npm",
			files: map[string]string{
				"home/.npmrc": "registry=https://r.example/\n" +
					"//r.example/:_authToken=${NPM_TOKEN}\n" +
					"//basic.example/:_auth=dXNlcjpwYXNz\n" +
					"//pw.example:8443/npm/:username=bob\n//pw.example:8443/npm/:_password=aHVudGVyMg==\n" +
					"//missing.example/:_authToken=${UNSET_TOKEN}\n" +
					"[section]\n//ignored.example/:_authToken=x\n",
			},
			env:  map[string]string{"NPM_TOKEN": "abc"},
			want: Endpoints{NPM: "https://r.example/"},
			wantNotes: []string{
				"npm: credentials for //basic.example/ from $ROOT/home/.npmrc:3 (_auth)",
				"npm: credentials for //missing.example/ in $ROOT/home/.npmrc:6 (_authToken) not sent: ${UNSET_TOKEN} is not set",
				"npm: credentials for //pw.example:8443/npm/ from $ROOT/home/.npmrc:4 (username) and $ROOT/home/.npmrc:5 (_password)",
				"npm: credentials for //r.example/ from $ROOT/home/.npmrc:2 (_authToken)",
				"npm: https://r.example/ (from $ROOT/home/.npmrc:1)",
			},
		},
		{
			name:    "npm-nothing",
			eco:     "npm",
			wantErr: []string{"npm registry: no registry configured; " + hints["npm"]},
		},
		{
			name:    "npm-bad-url",
			eco:     "npm",
			files:   map[string]string{"home/.npmrc": "registry=ftp://r.example/\n"},
			wantErr: []string{`npm registry: ftp://r.example/ in $ROOT/home/.npmrc:1: URL scheme "ftp" is not http or https; ` + hints["npm"]},
		},

		// Go
		{
			name:      "go-env",
			eco:       "Go",
			env:       map[string]string{"GOPROXY": "https://proxy.corp.example/go/,direct"},
			want:      Endpoints{GoProxy: "https://proxy.corp.example/go"},
			wantNotes: []string{"Go: https://proxy.corp.example/go (from environment variable GOPROXY)"},
		},
		{
			name: "go-goenv-default-location",
			eco:  "Go",
			files: map[string]string{
				"home/.config/go/env": "GOPROXY=goproxy.example|direct\nGOPRIVATE=*.corp.example\n",
			},
			want: Endpoints{GoProxy: "https://goproxy.example", GoPrivate: "*.corp.example"},
		},
		{
			name: "go-goenv-variable-and-gonoproxy",
			eco:  "Go",
			files: map[string]string{
				"other/goenv": "GOPROXY=https://a.example\nGONOPROXY=git.corp.example\n",
			},
			env:  map[string]string{"GOENV": "$ROOT/other/goenv", "GOPRIVATE": "*.corp.example"},
			want: Endpoints{GoProxy: "https://a.example", GoPrivate: "git.corp.example"},
		},
		{
			name: "go-goroot-go-env",
			eco:  "Go",
			files: map[string]string{
				"other/goroot/go.env": "# This file contains the initial defaults for go command configuration.\nGOPROXY=https://proxy.golang.example,direct\nGOSUMDB=sum.golang.org\n",
			},
			env:       map[string]string{"GOROOT": "$ROOT/other/goroot", "GOENV": "off"},
			want:      Endpoints{GoProxy: "https://proxy.golang.example"},
			wantNotes: []string{"Go: https://proxy.golang.example (from GOPROXY in $ROOT/other/goroot/go.env, the Go installation's default)"},
		},
		{
			name: "go-goroot-from-path",
			eco:  "Go",
			files: map[string]string{
				"other/go/go.env": "GOPROXY=https://from-path.example\n",
				"other/go/bin/go": "#!/bin/sh\nexit 1\n",
			},
			env:  map[string]string{"PATH": "relative/dir:$ROOT/other/go/bin"},
			want: Endpoints{GoProxy: "https://from-path.example"},
		},
		{
			name: "go-env-over-goenv",
			eco:  "Go",
			files: map[string]string{
				"home/.config/go/env": "GOPROXY=https://file.example\n",
			},
			env:  map[string]string{"GOPROXY": "https://env.example"},
			want: Endpoints{GoProxy: "https://env.example"},
		},
		{
			name: "go-credentials-in-url",
			eco:  "Go",
			env:  map[string]string{"GOPROXY": "https://user:tok@goproxy.corp.example/mod"},
			want: Endpoints{GoProxy: "https://goproxy.corp.example/mod"},
			wantNotes: []string{
				"Go: credentials for //goproxy.corp.example/ from the URL in environment variable GOPROXY",
				"Go: https://goproxy.corp.example/mod (from environment variable GOPROXY)",
			},
		},
		{
			name:    "go-direct-only",
			eco:     "Go",
			env:     map[string]string{"GOPROXY": "direct"},
			wantErr: []string{"Go registry: GOPROXY=direct (from environment variable GOPROXY) names no proxy URL, only direct or off; " + hints["Go"]},
		},
		{
			name:    "go-no-url-redacted",
			eco:     "Go",
			env:     map[string]string{"GOPROXY": "direct,https://u:secret@/nohost|off"},
			wantErr: []string{"Go registry: GOPROXY=direct,https://u:xxxxx@/nohost|off (from environment variable GOPROXY) names no proxy URL, only direct or off; " + hints["Go"]},
		},
		{
			name:    "go-off",
			eco:     "Go",
			env:     map[string]string{"GOPROXY": "off"},
			wantErr: []string{"Go registry: GOPROXY=off (from environment variable GOPROXY) names no proxy URL, only direct or off; " + hints["Go"]},
		},
		{
			name:    "go-nothing",
			eco:     "Go",
			wantErr: []string{"Go registry: GOPROXY is not set and no Go installation's go.env was found; " + hints["Go"]},
		},

		// PyPI
		{
			name:      "pypi-env",
			eco:       "PyPI",
			env:       map[string]string{"PIP_INDEX_URL": "https://pypi.example/simple/"},
			files:     map[string]string{"home/.config/pip/pip.conf": "[global]\nindex-url = https://ignored.example/simple\n"},
			want:      Endpoints{PyPI: "https://pypi.example", PyPISimple: "https://pypi.example/simple/"},
			wantNotes: []string{`PyPI: JSON API "https://pypi.example", simple index "https://pypi.example/simple/" (from environment variable PIP_INDEX_URL)`},
		},
		{
			name: "pypi-user-over-legacy-over-etc",
			eco:  "PyPI",
			files: map[string]string{
				"etc/pip.conf":              "[global]\nindex-url = https://etc.example/simple\n",
				"home/.pip/pip.conf":        "[global]\nindex-url = https://legacy.example/simple\n",
				"home/.config/pip/pip.conf": "# user\n[global]\ntimeout = 60\nindex_url: https://artifactory.example/api/pypi/pypi-remote/simple\n",
			},
			want: Endpoints{PyPI: "https://artifactory.example/api/pypi/pypi-remote", PyPISimple: "https://artifactory.example/api/pypi/pypi-remote/simple/"},
		},
		{
			name: "pypi-install-over-global",
			eco:  "PyPI",
			files: map[string]string{
				"home/.config/pip/pip.conf": "[install]\nindex-url = https://install.example/simple\n",
				"etc/pip.conf":              "[global]\nindex-url = https://global.example/simple\n",
			},
			want: Endpoints{PyPI: "https://install.example", PyPISimple: "https://install.example/simple/"},
		},
		{
			name: "pypi-config-file-env-skips-user",
			eco:  "PyPI",
			files: map[string]string{
				"home/.config/pip/pip.conf": "[global]\nindex-url = https://user.example/simple\n",
				"other/pip.ini":             "[global]\n",
				"etc/pip.conf":              "[global]\nindex-url = https://etc.example/simple\n",
			},
			env:  map[string]string{"PIP_CONFIG_FILE": "$ROOT/other/pip.ini"},
			want: Endpoints{PyPI: "https://etc.example", PyPISimple: "https://etc.example/simple/"},
		},
		{
			name: "pypi-virtualenv",
			eco:  "PyPI",
			files: map[string]string{
				"home/.config/pip/pip.conf": "[global]\nindex-url = https://user.example/simple\n",
				"other/venv/pip.conf":       "[global]\nindex-url = https://venv.example/root/pypi/+simple/\n",
			},
			env:  map[string]string{"VIRTUAL_ENV": "$ROOT/other/venv"},
			want: Endpoints{PyPISimple: "https://venv.example/root/pypi/+simple/"},
		},
		{
			name: "pypi-project-venv",
			eco:  "PyPI",
			files: map[string]string{
				"proj/.venv/pip.conf": "[global]\nindex-url =\n    https://mirror.example/pypi\n",
			},
			want: Endpoints{PyPI: "https://mirror.example/pypi", PyPISimple: "https://mirror.example/pypi/"},
		},
		{
			name: "pypi-xdg-config-dirs",
			eco:  "PyPI",
			files: map[string]string{
				"other/xdg/pip/pip.conf": "[global]\nindex-url = https://xdg.example/simple\n",
			},
			env:  map[string]string{"XDG_CONFIG_DIRS": "$ROOT/other/xdg"},
			want: Endpoints{PyPI: "https://xdg.example", PyPISimple: "https://xdg.example/simple/"},
		},
		{
			name:    "pypi-nothing",
			eco:     "PyPI",
			wantErr: []string{"PyPI registry: no index-url configured; " + hints["PyPI"]},
		},
		{
			name:    "pypi-bad-url-redacted",
			eco:     "PyPI",
			env:     map[string]string{"PIP_INDEX_URL": "https://u:secret@/simple"},
			wantErr: []string{"PyPI registry: index URL https://u:xxxxx@/simple (environment variable PIP_INDEX_URL): URL has no host; " + hints["PyPI"]},
		},

		// crates.io
		{
			name:      "crates-env",
			eco:       "crates.io",
			env:       map[string]string{"VOUCH_REGISTRY_CRATES": "https://crates.corp.example/"},
			want:      Endpoints{Crates: "https://crates.corp.example"},
			wantNotes: []string{"crates.io: https://crates.corp.example (from environment variable VOUCH_REGISTRY_CRATES)"},
		},
		{
			name: "crates-cargo-home-sparse",
			eco:  "crates.io",
			files: map[string]string{
				"other/cargo/config.toml": "[source.crates-io]\nreplace-with = \"corp\"\n\n[source.corp]\nregistry = \"sparse+https://cargo.corp.example/index\"\n",
			},
			env:  map[string]string{"CARGO_HOME": "$ROOT/other/cargo"},
			want: Endpoints{CratesIndex: "https://cargo.corp.example/index/"},
		},
		{
			name: "crates-project-over-home-and-registries-table",
			eco:  "crates.io",
			files: map[string]string{
				"home/.cargo/config.toml":     "[source.crates-io]\nreplace-with = \"home-mirror\"\n[source.home-mirror]\nregistry = \"sparse+https://home.example/\"\n",
				"proj/sub/.cargo/config.toml": "[source.crates-io]\nreplace-with = \"artifactory\"\n[registries.artifactory]\nindex = \"sparse+https://art.example/api/cargo/crates/index/\"\n",
			},
			want: Endpoints{CratesIndex: "https://art.example/api/cargo/crates/index/"},
		},
		{
			name: "crates-git-index",
			eco:  "crates.io",
			files: map[string]string{
				"home/.cargo/config": "[source.crates-io]\nreplace-with = 'mirror'\n[source.mirror]\nregistry = 'https://git.example/crates-index.git'\n",
			},
			wantErr: []string{`crates.io registry: crates-io is replaced with "mirror" ($ROOT/home/.cargo/config), a git index; only a sparse index names its web API; ` + hints["crates.io"]},
		},
		{
			name: "crates-vendored",
			eco:  "crates.io",
			files: map[string]string{
				"proj/.cargo/config.toml": "[source.crates-io]\nreplace-with = \"vendored-sources\"\n[source.vendored-sources]\ndirectory = \"vendor\"\n",
			},
			wantErr: []string{`crates.io registry: crates-io is replaced with the vendored source "vendored-sources" ($ROOT/proj/.cargo/config.toml), which records no publish times; ` + hints["crates.io"]},
		},
		{
			name:    "crates-nothing",
			eco:     "crates.io",
			files:   map[string]string{"home/.cargo/config.toml": "[net]\ngit-fetch-with-cli = true\n"},
			wantErr: []string{"crates.io registry: no registry configured; " + hints["crates.io"]},
		},

		// Overrides
		{
			name:     "override-wins",
			eco:      "npm",
			files:    map[string]string{"home/.npmrc": "registry=https://user.example/\n@corp:registry=https://corp.example/\n"},
			override: map[string]string{"NPM": "https://flag.example/npm", "go": "https://goproxy.flag.example", "pypi": "https://pypi.flag.example", "crates": "https://crates.flag.example"},
			want: Endpoints{
				NPM:        "https://flag.example/npm/",
				NPMScopes:  map[string]string{"@corp": "https://corp.example/"},
				GoProxy:    "https://goproxy.flag.example",
				PyPI:       "https://pypi.flag.example",
				PyPISimple: "https://pypi.flag.example/simple/",
				Crates:     "https://crates.flag.example",
			},
		},
		{
			name:     "override-invalid",
			eco:      "npm",
			files:    map[string]string{"home/.npmrc": "registry=https://user.example/\n"},
			override: map[string]string{"maven": "https://x.example", "npm": "https://u:p@flag.example/"},
			want:     Endpoints{NPM: "https://user.example/"},
			wantErr: []string{
				`registry override "maven": not an ecosystem (npm, Go, PyPI, crates.io)`,
				"registry override npm=https://u:xxxxx@flag.example/: credentials do not belong in a flag: put them in the ecosystem's configuration or the environment",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "$ROOT", root) }
			for p, data := range tc.files {
				write(t, filepath.Join(root, p), sub(data))
				if strings.HasSuffix(p, "/bin/go") {
					os.Chmod(filepath.Join(root, p), 0o755)
				}
			}
			e := map[string]string{}
			for k, v := range tc.env {
				e[k] = sub(v)
			}
			opt := Options{
				Getenv:              env(e),
				HomeDir:             filepath.Join(root, "home"),
				EtcDir:              filepath.Join(root, "etc"),
				ProjectDir:          filepath.Join(root, "proj"),
				IgnoreProjectConfig: tc.ignoreProject,
				Override:            tc.override,
			}
			if tc.name == "crates-project-over-home-and-registries-table" {
				opt.ProjectDir = filepath.Join(root, "proj", "sub", "crate")
			}
			eps, notes, err := ResolveEndpoints(opt)

			// Only the case's ecosystem is compared; the others are
			// unconfigured in most cases.
			got := Endpoints{}
			switch tc.eco {
			case "npm":
				got.NPM, got.NPMScopes = eps.NPM, eps.NPMScopes
			case "Go":
				got.GoProxy, got.GoPrivate = eps.GoProxy, eps.GoPrivate
			case "PyPI":
				got.PyPI, got.PyPISimple = eps.PyPI, eps.PyPISimple
			case "crates.io":
				got.Crates, got.CratesIndex = eps.Crates, eps.CratesIndex
			}
			if tc.override != nil && tc.name == "override-wins" {
				got = eps
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("endpoints (-want +got):\n%s", diff)
			}
			var gotErr []string
			if err != nil {
				for _, line := range strings.Split(err.Error(), "\n") {
					if strings.HasPrefix(line, tc.eco+" registry:") || strings.HasPrefix(line, "registry override") {
						gotErr = append(gotErr, strings.ReplaceAll(line, root, "$ROOT"))
					}
				}
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tc.wantNotes != nil {
				var gotNotes []string
				for _, n := range notes {
					gotNotes = append(gotNotes, strings.ReplaceAll(n, root, "$ROOT"))
				}
				if diff := cmp.Diff(tc.wantNotes, gotNotes); diff != "" {
					t.Errorf("notes (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestNewRejectsBadOverride(t *testing.T) {
	opt := testOptions(t)
	opt.Override = map[string]string{"npm": "not a url"}
	if _, err := New(opt); err == nil || !strings.Contains(err.Error(), "registry override npm=not a url") {
		t.Errorf("New = %v, want the override named", err)
	}
}

func TestCredentialScope(t *testing.T) {
	r := &resolved{creds: map[string]map[string]credential{
		"npm": {
			"//r.example/":          {header: "Bearer root"},
			"//r.example/team/":     {header: "Bearer team"},
			"//r.example:8443/":     {header: "Bearer port"},
			"//other.example/deep/": {header: "Bearer deep"},
		},
		"PyPI": {"//pypi.example/": {header: "Basic pypi"}},
	}}
	cases := map[string]string{
		"https://r.example/left-pad":             "Bearer root",
		"https://r.example/team/@t%2fpkg":        "Bearer team",
		"https://r.example/teammate/pkg":         "Bearer root",
		"https://r.example:8443/pkg":             "Bearer port",
		"https://other.example/deep/pkg":         "Bearer deep",
		"https://other.example/pkg":              "",
		"https://r.example.evil.example/pkg":     "",
		"https://evil.example/r.example/pkg":     "",
		"https://evil.example//r.example/x":      "",
		"https://sub.r.example/left-pad":         "",
		"http://r.example@evil.example/left-pad": "",
		"https://pypi.example/left-pad":          "", // PyPI's credential, not npm's
	}
	for raw, want := range cases {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.credFor("npm", u)
		if got.header != want {
			t.Errorf("%s: credential %q, want %q", raw, got.header, want)
		}
	}
	for _, raw := range []string{"https://r.example/pypi/x/1.0/json", "https://pypi.example/pypi/x/1.0/json"} {
		u, _ := url.Parse(raw)
		got, _ := r.credFor("PyPI", u)
		want := map[bool]string{true: "Basic pypi", false: ""}[u.Host == "pypi.example"]
		if got.header != want {
			t.Errorf("PyPI %s: credential %q, want %q", raw, got.header, want)
		}
	}
}

func TestExpandNpmEnv(t *testing.T) {
	getenv := env(map[string]string{"A": "alpha", "EMPTY": ""})
	cases := []struct {
		in, want string
		missing  []string
	}{
		{"${A}", "alpha", nil},
		{"x${A}y${A}", "xalphayalpha", nil},
		{"${B}", "${B}", []string{"B"}},
		{"${B?}", "", nil},
		{`\${A}`, "${A}", nil},
		{`\\${A}`, `\alpha`, nil},
		{"$A", "$A", nil},
		{"${EMPTY}", "${EMPTY}", []string{"EMPTY"}},
	}
	for _, c := range cases {
		got, missing := expandNpmEnv(c.in, getenv)
		if got != c.want || !cmp.Equal(missing, c.missing) {
			t.Errorf("expandNpmEnv(%q) = %q, %v; want %q, %v", c.in, got, missing, c.want, c.missing)
		}
	}
}

func TestNPMPath(t *testing.T) {
	cases := map[string]string{
		"left-pad":        "left-pad",
		"@babel/core":     "@babel%2fcore",
		"@types/node":     "@types%2fnode",
		"JSONStream":      "JSONStream",
		"@scope/a b":      "@scope%2fa%20b",
		"@corp/widget.js": "@corp%2fwidget.js",
	}
	for in, want := range cases {
		if got := npmPath(in); got != want {
			t.Errorf("npmPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileVersion(t *testing.T) {
	cases := []struct{ file, name, want string }{
		{"requests-2.31.0-py3-none-any.whl", "requests", "2.31.0"},
		{"requests-2.31.0.tar.gz", "requests", "2.31.0"},
		{"zope.interface-5.5.2.tar.gz", "zope-interface", "5.5.2"},
		{"zope_interface-6.1-cp312-cp312-win_amd64.whl", "zope-interface", "6.1"},
		{"python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2"},
		{"python_dateutil-2.8.2-py2.py3-none-any.whl", "python-dateutil", "2.8.2"},
		{"setuptools-0.6c11-py2.7.egg", "setuptools", "0.6c11"},
		{"Django-1.0.zip", "django", "1.0"},
		{"requests-toolbelt-1.0.0.tar.gz", "requests", "toolbelt-1.0.0"}, // another project's file is not asked about: the index is per project
		{"requests-2.31.0.exe", "requests", ""},
		{"other-1.0.tar.gz", "requests", ""},
		{"requests.whl", "requests", ""},
	}
	for _, c := range cases {
		if got := fileVersion(c.file, c.name); got != c.want {
			t.Errorf("fileVersion(%q, %q) = %q, want %q", c.file, c.name, got, c.want)
		}
	}
}

func TestPEP440Matcher(t *testing.T) {
	m := newPEP440Matcher([]string{"1.0", "2.0rc1", "legacy-thing"})
	cases := map[string]string{
		"1.0":          "1.0",
		"1.0.0":        "1.0",
		"1.0.1":        "",
		"2.0c1":        "2.0rc1",
		"2.0.rc.1":     "2.0rc1",
		"LEGACY-THING": "legacy-thing",
		"other-thing":  "",
		"":             "",
	}
	for in, want := range cases {
		if got := m.find(in); got != want {
			t.Errorf("find(%q) = %q, want %q", in, got, want)
		}
	}
}
