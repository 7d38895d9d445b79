package usage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

func find(t *testing.T, root string, g *inventory.Graph, opt Options) ([]Unused, []error) {
	t.Helper()
	got, errs, err := Find(context.Background(), root, g, opt)
	if err != nil {
		t.Fatalf("Find(%s): %v", root, err)
	}
	return got, errs
}

func unused(eco, name, path string, line int, dev bool, purlStr, reason string) Unused {
	return Unused{
		Declared: Declared{Ecosystem: eco, Name: name, Manifest: inventory.Location{Path: path, Line: line}, Dev: dev},
		PURL:     purlStr,
		Reason:   reason,
	}
}

// npmGraph is what the packagelock extractor would give for the npm
// fixture: left-pad and moment resolved, moment twice (2.29.4 pulled in by
// another package), chalk absent.
func npmGraph() *inventory.Graph {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "package-lock.json", Kind: inventory.KindManifest})
	add := func(name, version string, direct bool) string {
		p := purl.For(purl.NPM, name, version, nil)
		g.Add(inventory.Component{PURL: p, Ecosystem: purl.NPM, Name: name, Version: version, Direct: direct})
		return p
	}
	g.AddEdge("package-lock.json", add("left-pad", "1.3.0", true))
	g.AddEdge("package-lock.json", add("moment", "2.30.1", true))
	legacy := add("legacy-dates", "1.0.0", false)
	g.AddEdge(legacy, add("moment", "2.29.4", false))
	g.AddEdge("package-lock.json", add("@types/uuid", "9.0.8", true))
	return g
}

func TestFindNPM(t *testing.T) {
	const reason = " in 4 JS/TS files under ."
	base := []Unused{
		unused("npm", "left-pad", "package.json", 16, false, "pkg:npm/left-pad@1.3.0", `no import of "left-pad"`+reason),
		unused("npm", "moment", "package.json", 18, false, "pkg:npm/moment@2.30.1", `no import of "moment"`+reason),
		unused("npm", "chalk", "package.json", 20, false, "pkg:npm/chalk", `no import of "chalk"`+reason),
	}
	withDev := append(append([]Unused(nil), base...),
		unused("npm", "@types/uuid", "package.json", 38, true, "pkg:npm/%40types/uuid@9.0.8", `no import of "uuid" (typed by @types/uuid)`+reason),
		unused("npm", "prettier", "package.json", 39, true, "pkg:npm/prettier", `no import of "prettier"`+reason),
	)
	tests := []struct {
		name string
		opt  Options
		want []Unused
	}{
		{"runtime", Options{}, base},
		{"with-dev", Options{IncludeDev: true}, withDev},
		{"ignore", Options{IncludeDev: true, Ignore: []string{"@types/*", "left-*"}}, []Unused{base[1], base[2], withDev[4]}},
		// Without the component, vue is imported nowhere else.
		{"exclude", Options{Exclude: []string{"components/"}}, []Unused{
			unused("npm", "left-pad", "package.json", 16, false, "pkg:npm/left-pad@1.3.0", `no import of "left-pad" in 3 JS/TS files under .`),
			unused("npm", "moment", "package.json", 18, false, "pkg:npm/moment@2.30.1", `no import of "moment" in 3 JS/TS files under .`),
			unused("npm", "chalk", "package.json", 20, false, "pkg:npm/chalk", `no import of "chalk" in 3 JS/TS files under .`),
			unused("npm", "vue", "package.json", 22, false, "pkg:npm/vue", `no import of "vue" in 3 JS/TS files under .`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := find(t, "testdata/npm", npmGraph(), tt.opt)
			if len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindGo(t *testing.T) {
	const reason = "declared in go.mod (not // indirect) but no package of the module is imported in "
	want := []Unused{
		unused("Go", "cloud.google.com/go", "go.mod", 6, false, "pkg:golang/cloud.google.com/go", reason+"3 Go files under ."),
		unused("Go", "github.com/BurntSushi/toml", "go.mod", 8, false, "pkg:golang/github.com/BurntSushi/toml", reason+"3 Go files under ."),
		unused("Go", "github.com/pkg/errors", "go.mod", 10, false, "pkg:golang/github.com/pkg/errors@v0.9.1", reason+"3 Go files under ."),
		unused("Go", "golang.org/x/mod", "go.mod", 13, false, "pkg:golang/golang.org/x/mod", reason+"3 Go files under ."),
		unused("Go", "gopkg.in/yaml.v3", "go.mod", 15, false, "pkg:golang/gopkg.in/yaml.v3", reason+"3 Go files under ."),
		unused("Go", "github.com/google/uuid", "tools/nested/go.mod", 6, false, "pkg:golang/github.com/google/uuid", reason+"1 Go files under tools/nested"),
	}
	g := inventory.New()
	g.Add(inventory.Component{PURL: "pkg:golang/github.com/pkg/errors@v0.9.1", Ecosystem: "Go", Name: "github.com/pkg/errors", Version: "v0.9.1", Direct: true})
	got, errs := find(t, "testdata/go", g, Options{})
	if len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
}

func TestFindPython(t *testing.T) {
	const where = " in 4 Python files under ."
	base := []Unused{
		unused("PyPI", "requests", "requirements.txt", 4, false, "pkg:pypi/requests", `no import of "requests"`+where),
		unused("PyPI", "beautifulsoup4", "requirements.txt", 8, false, "pkg:pypi/beautifulsoup4@4.12.3", `no import of "bs4" (from beautifulsoup4)`+where),
	}
	withDev := []Unused{
		unused("PyPI", "ruff", "requirements-dev.txt", 6, true, "pkg:pypi/ruff",
			"ruff is a command-line tool, and no import, [tool.ruff] table, configuration file or command in a task file under . shows it is run"),
		base[0], base[1],
		unused("PyPI", "black", "requirements.txt", 9, true, "pkg:pypi/black",
			"black is a command-line tool, and no import, [tool.black] table, configuration file or command in a task file under . shows it is run"),
	}
	g := inventory.New()
	g.Add(inventory.Component{PURL: "pkg:pypi/beautifulsoup4@4.12.3", Ecosystem: "PyPI", Name: "beautifulsoup4", Version: "4.12.3", Direct: true})
	for _, tt := range []struct {
		name string
		opt  Options
		want []Unused
	}{
		{"runtime", Options{}, base},
		{"with-dev", Options{IncludeDev: true}, withDev},
		{"ignore-normalised", Options{Ignore: []string{"Beautifulsoup4", "REQUESTS"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := find(t, "testdata/python", g, tt.opt)
			if len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindPoetry(t *testing.T) {
	const where = " in 2 Python files under ."
	httpx := unused("PyPI", "httpx", "pyproject.toml", 10, false, "pkg:pypi/httpx", `no import of "httpx"`+where)
	asyncio := unused("PyPI", "pytest-asyncio", "pyproject.toml", 19, true, "pkg:pypi/pytest-asyncio",
		"pytest-asyncio is a command-line tool, and no import, [tool.pytest-asyncio] table, configuration file or command in a task file under . shows it is run")
	t.Run("venv", func(t *testing.T) {
		got, errs := find(t, "testdata/poetry", nil, Options{IncludeDev: true})
		if len(errs) > 0 {
			t.Errorf("errors: %v", errs)
		}
		if diff := cmp.Diff([]Unused{httpx, asyncio}, got); diff != "" {
			t.Errorf("Find (-want +got):\n%s", diff)
		}
	})
	t.Run("no-venv", func(t *testing.T) {
		// Without the installed RECORD nothing says acme-toolkit
		// provides acmetk.
		dir := t.TempDir()
		copyTree(t, "testdata/poetry", dir, func(p string) bool { return !strings.HasPrefix(p, ".venv") })
		got, errs := find(t, dir, nil, Options{})
		if len(errs) > 0 {
			t.Errorf("errors: %v", errs)
		}
		want := []Unused{
			unused("PyPI", "acme-toolkit", "pyproject.toml", 9, false, "pkg:pypi/acme-toolkit", `no import of "acme_toolkit"`+where),
			httpx,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Find (-want +got):\n%s", diff)
		}
	})
}

func TestFindMonorepo(t *testing.T) {
	want := []Unused{
		unused("npm", "ramda", "package.json", 7, false, "pkg:npm/ramda", `no import of "ramda" in 2 JS/TS files under .`),
		// zod is imported by packages/a, axios only by packages/b.
		unused("npm", "axios", "packages/a/package.json", 6, false, "pkg:npm/axios@1.7.2", `no import of "axios" in 1 JS/TS files under packages/a`),
	}
	// The lockfile hangs each member's dependencies off the member.
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "package-lock.json", Kind: inventory.KindManifest})
	member := inventory.Component{PURL: "pkg:npm/%40acme/a@1.0.0", Ecosystem: "npm", Name: "@acme/a", Version: "1.0.0", Source: "workspace:packages/a", Direct: true}
	g.Add(member)
	g.AddEdge("package-lock.json", member.PURL)
	for _, v := range []string{"1.7.2", "0.27.2"} {
		g.Add(inventory.Component{PURL: "pkg:npm/axios@" + v, Ecosystem: "npm", Name: "axios", Version: v})
	}
	g.AddEdge(member.PURL, "pkg:npm/axios@1.7.2")
	got, errs := find(t, "testdata/monorepo", g, Options{})
	if len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opt   Options
		want  []Unused
	}{
		{
			name: "jsx-runtime-and-peers",
			files: map[string]string{
				"package.json":      `{"dependencies": {"react": "18", "react-dom": "18", "babel-loader": "9", "@babel/core": "7", "webpack": "5"}}`,
				"src/App.jsx":       "export default () => <div>hi</div>;\n",
				"src/index.js":      "import { createRoot } from 'react-dom/client';\n",
				"webpack.config.js": "module.exports = { module: { rules: [{ test: /\\.jsx?$/, use: 'babel-loader' }] } };\n",
				// Installed babel-loader says it needs @babel/core and webpack.
				"node_modules/babel-loader/package.json": `{"name": "babel-loader", "peerDependencies": {"@babel/core": "^7", "webpack": ">=5"}}`,
			},
		},
		{
			name: "testdata-manifests-are-fixtures",
			files: map[string]string{
				"testdata/old/package.json": `{"dependencies": {"left-pad": "1"}}`,
				"pkg/testdata/go.mod":       "module example.com/fixture\n\nrequire github.com/a/b v1.0.0\n",
			},
		},
		{
			name: "bin-needs-install-to-be-known",
			files: map[string]string{
				"package.json": `{"scripts": {"deploy": "acme-deploy"}, "dependencies": {"@acme/deploy-tools": "2"}}`,
			},
			want: []Unused{unused("npm", "@acme/deploy-tools", "package.json", 1, false, "pkg:npm/%40acme/deploy-tools", `no import of "@acme/deploy-tools" in 0 JS/TS files under .`)},
		},
		{
			name: "python-scopes",
			files: map[string]string{
				// A requirements/ directory is judged with the project above.
				"requirements/base.txt":     "flask\nrich\n",
				"app/main.py":               "import flask\n",
				"packages/x/pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\n  \"httpx>=0.27\",\n  \"click\",\n]\n",
				"packages/x/x/__init__.py":  "import click\n",
				"packages/y/y/__init__.py":  "import httpx\n",
				"Pipfile":                   "[packages]\nflask = \"*\"\n\n[dev-packages]\npytest = \"*\"\n",
			},
			opt: Options{IncludeDev: true},
			want: []Unused{
				unused("PyPI", "pytest", "Pipfile", 5, true, "pkg:pypi/pytest", "pytest is a command-line tool, and no import, [tool.pytest] table, configuration file or command in a task file under . shows it is run"),
				unused("PyPI", "httpx", "packages/x/pyproject.toml", 4, false, "pkg:pypi/httpx", `no import of "httpx" in 1 Python files under packages/x`),
				unused("PyPI", "rich", "requirements/base.txt", 2, false, "pkg:pypi/rich", `no import of "rich" in 3 Python files under .`),
			},
		},
		{
			name: "task-files-and-python-m",
			files: map[string]string{
				"requirements.txt":         "celery\nuvicorn\nalembic\nhttpie\n",
				"Dockerfile":               "FROM python:3.12\nCMD [\"uvicorn\", \"app:api\"]\n",
				".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n      - run: python -m celery --version\n",
				"alembic.ini":              "[alembic]\n",
			},
			want: []Unused{unused("PyPI", "httpie", "requirements.txt", 4, false, "pkg:pypi/httpie", `no import of "httpie" in 0 Python files under .`)},
		},
		{
			name: "pep621-extras",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"svc\"\ndependencies = []\n\n[project.optional-dependencies]\npostgres = [\"psycopg[binary]>=3.1\"]\ntest = [\"pytest-mock\"]\n",
			},
			want: []Unused{unused("PyPI", "psycopg", "pyproject.toml", 6, false, "pkg:pypi/psycopg", `no import of "psycopg" in 0 Python files under .`)},
		},
		{
			// A "bin" given as one string is a command named like the
			// package without its scope.
			name: "installed-bin-string",
			files: map[string]string{
				"package.json":                       `{"scripts": {"start": "serve ."}, "dependencies": {"@x/serve": "1"}}`,
				"node_modules/@x/serve/package.json": `{"name": "@x/serve", "bin": "./cli.js"}`,
			},
		},
		{
			name: "go-nested-module-prefix",
			files: map[string]string{
				"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/aws/aws-sdk-go-v2 v1.30.0\n\tgithub.com/aws/aws-sdk-go-v2/service/s3 v1.58.0\n\tgithub.com/aws/aws-sdk-go-v2/config v1.27.0\n)\n",
				"main.go": "package main\n\nimport (\n\t\"github.com/aws/aws-sdk-go-v2/service/s3\"\n\t\"github.com/aws/aws-sdk-go-v2/config\"\n)\n",
			},
			want: []Unused{unused("Go", "github.com/aws/aws-sdk-go-v2", "go.mod", 6, false, "pkg:golang/github.com/aws/aws-sdk-go-v2",
				"declared in go.mod (not // indirect) but no package of the module is imported in 1 Go files under .")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := find(t, writeTree(t, tt.files), nil, tt.opt)
			if len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
		})
	}
}

// copyTree copies the regular files of src for which keep is true.
func copyTree(t *testing.T, src, dst string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() || !keep(rel) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeTree writes files (slash paths → content) under a new directory.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		out := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// located is an error reduced to what tests compare: path, line, text.
type located struct {
	Path string
	Line int
	Msg  string
}

func locate(t *testing.T, errs []error) []located {
	t.Helper()
	var out []located
	for _, err := range errs {
		var e *extract.Error
		if !errors.As(err, &e) {
			t.Errorf("error %v is not an *extract.Error", err)
			continue
		}
		out = append(out, located{e.Path, e.Line, e.Err.Error()})
	}
	return out
}

func TestBadInput(t *testing.T) {
	deep := strings.Repeat("{", maxJSNesting+1)
	tests := []struct {
		name     string
		files    map[string]string
		want     []Unused
		wantErrs []located
	}{
		{
			name: "truncated-package-json",
			files: map[string]string{
				"package.json":        "{\n  \"dependencies\": {\n    \"left-pad\": \"1.3.0\",\n    \"lodash\": \"4",
				"requirements.txt":    "requests==2.31.0\n",
				"src/a.js":            "import 'lodash'\n",
				"src/nested/b.py":     "import os\n",
				"src/nested/deep.js":  deep,
				"src/nested/bin.js":   "\x00\xff\xfe'\x80\"`${/*",
				"other/package.json":  `{"dependencies": ["not", "an", "object"]}`,
				"other/go.mod":        "module example.com/x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\tbogus line here\n)\n",
				"py/pyproject.toml":   "[project]\nname = \"x\"\ndependencies = [\n  \"requests\",\n  \"\",\n]\n",
				"py2/pyproject.toml":  "[project\nname = 'x'\n",
				"py3/Pipfile":         "[packages]\nflask = \"*\"\n",
				"big/huge.js":         strings.Repeat("x", MaxFileSize+1),
				"nb/notebook.ipynb":   `{"cells": [{"cell_type": "code", "source": ["!pip install pandas\n", "import pandas as pd"]}]}`,
				"nb/requirements.txt": "pandas\nnumpy\n",
				"nb/bad.ipynb":        `{"cells": [`,
				"gobad/go.mod":        "module example.com/g\n\nrequire github.com/c/d v1.0.0\n",
				"gobad/x.go":          "package x\n\nimport (\n\t\"github.com/c/d\"\n\t\"github.com/e/f\n",
			},
			want: []Unused{
				// The lines before the truncation are read.
				unused("PyPI", "numpy", "nb/requirements.txt", 2, false, "pkg:pypi/numpy", `no import of "numpy" in 2 Python files under nb`),
				unused("npm", "left-pad", "package.json", 3, false, "pkg:npm/left-pad", `no import of "left-pad" in 3 JS/TS files under .`),
				unused("PyPI", "requests", "py/pyproject.toml", 4, false, "pkg:pypi/requests", `no import of "requests" in 0 Python files under py`),
				unused("PyPI", "flask", "py3/Pipfile", 2, false, "pkg:pypi/flask", `no import of "flask" in 0 Python files under py3`),
				unused("PyPI", "requests", "requirements.txt", 1, false, "pkg:pypi/requests", `no import of "requests" in 3 Python files under .`),
			},
			wantErrs: []located{
				{"big/huge.js", 0, "input exceeds size limit: 4194305 bytes, limit 4194304"},
				{"gobad/x.go", 5, "go: string literal not terminated"},
				{"nb/bad.ipynb", 1, "json: unexpected end of JSON input"},
				{"other/go.mod", 5, "go.mod: usage: require module/path v1.2.3"},
				{"other/package.json", 1, "package.json: dependencies: want an object"},
				{"package.json", 4, "json: unexpected end of input"},
				{"py/pyproject.toml", 5, `requirement "": no distribution name`},
				{"py2/pyproject.toml", 1, "toml: expected ']' to close table name"},
				{"src/nested/deep.js", 0, errTooDeep.Error()},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			got, errs := find(t, dir, nil, Options{})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrs, locate(t, errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSymlinkNotFollowed(t *testing.T) {
	outside := writeTree(t, map[string]string{"evil.js": "require('left-pad')\n", "lib/x.js": "require('left-pad')\n"})
	dir := writeTree(t, map[string]string{"package.json": `{"dependencies": {"left-pad": "1"}}`})
	for _, link := range []struct{ target, name string }{
		{filepath.Join(outside, "evil.js"), "evil.js"},
		{filepath.Join(outside, "lib"), "lib"},
		{"../" + filepath.Base(outside) + "/evil.js", "rel.js"},
	} {
		if err := os.Symlink(link.target, filepath.Join(dir, link.name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	got, errs := find(t, dir, nil, Options{})
	want := []Unused{unused("npm", "left-pad", "package.json", 1, false, "pkg:npm/left-pad", `no import of "left-pad" in 0 JS/TS files under .`)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find (-want +got):\n%s", diff)
	}
	if len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
}

func TestLimitsAndOptions(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.js": "", "b.js": "", "c.js": "", "package.json": "{}"})
	if _, _, err := Find(context.Background(), dir, nil, Options{MaxFiles: 3}); !errors.Is(err, ErrTooManyFiles) {
		t.Errorf("MaxFiles 3 over 4 files: got %v, want ErrTooManyFiles", err)
	}
	if _, _, err := Find(context.Background(), dir, nil, Options{MaxFiles: 4}); err != nil {
		t.Errorf("MaxFiles 4 over 4 files: %v", err)
	}
	if _, _, err := Find(context.Background(), dir, nil, Options{Ignore: []string{"[x"}}); err == nil || !strings.Contains(err.Error(), `pattern "[x"`) {
		t.Errorf("bad pattern: got %v", err)
	}
	if _, _, err := Find(context.Background(), filepath.Join(dir, "missing"), nil, Options{}); err == nil {
		t.Error("missing root: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Find(ctx, dir, nil, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestGoBuildIgnore(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"//go:build ignore\n\npackage main\n", true},
		{"// Copyright\n\n//go:build ignore && linux\n\npackage main\n", true},
		{"//go:build !ignore\n\npackage main\n", false},
		{"//go:build tools\n\npackage tools\n", false},
		{"//go:build !linux\n\npackage x\n", false},
		{"// +build ignore\n\npackage main\n", true},
		{"package main\n\n//go:build ignore\n", false},
	}
	for _, tt := range tests {
		if got := goIgnored([]byte(tt.src)); got != tt.want {
			t.Errorf("goIgnored(%q) = %t, want %t", tt.src, got, tt.want)
		}
	}
}

func TestRecordModules(t *testing.T) {
	record := strings.Join([]string{
		"google/protobuf/__init__.py,sha256=x,1",
		"google/protobuf/message.py,sha256=x,1",
		"google/protobuf/internal/__init__.py,sha256=x,1",
		"six.py,sha256=x,1",
		"_yaml.cpython-312-x86_64-linux-gnu.so,sha256=x,1",
		`"odd,name/__init__.py",sha256=x,1`,
		"protobuf-4.25.3.dist-info/RECORD,,",
		"../../../bin/protoc-gen,sha256=x,1",
		"__pycache__/six.cpython-312.pyc,,",
	}, "\n")
	want := []string{"google.protobuf", "six", "_yaml"}
	if diff := cmp.Diff(want, recordModules(record)); diff != "" {
		t.Errorf("recordModules (-want +got):\n%s", diff)
	}
}

func TestPyModuleTable(t *testing.T) {
	// The table must hold at least 40 real mismatches, none of which
	// its generic rule would have found.
	n := 0
	for dist, mods := range pyModules {
		if dist != purl.NormalizePyPI(dist) {
			t.Errorf("table key %q is not normalised", dist)
		}
		generic := strings.ReplaceAll(dist, "-", "_")
		if len(mods) > 0 && !strings.EqualFold(mods[0], generic) {
			n++
		}
	}
	if n < 40 {
		t.Errorf("%d mismatched names in the table, want at least 40", n)
	}
	tests := []struct {
		name string
		want []string
	}{
		{"PyYAML", []string{"yaml", "_yaml", "pyyaml"}},
		{"google-cloud-storage", []string{"google_cloud_storage", "google.cloud.storage"}},
		{"azure-storage-blob", []string{"azure_storage_blob", "azure.storage.blob"}},
		{"zope.interface", []string{"zope_interface", "zope.interface"}},
		{"python-magic", []string{"magic", "python_magic"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, pyModuleCandidates(tt.name)); diff != "" {
			t.Errorf("pyModuleCandidates(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestNPMNames(t *testing.T) {
	tests := []struct {
		spec    string
		name    string
		builtin bool
	}{
		{"lodash", "lodash", false},
		{"lodash/fp", "lodash", false},
		{"@mui/material/Button", "@mui/material", false},
		{"@mui", "", false},
		{"@/components/x", "", false},
		{"~/utils", "", false},
		{"./local", "", false},
		{"/abs", "", false},
		{"#internal/x", "", false},
		{"node:fs", "", true},
		{"fs/promises", "fs", true},
		{"virtual:pwa-register", "", false},
		{"https://esm.sh/react", "", false},
		{"raw-loader?esModule=false", "raw-loader", false},
		{"has space", "", false},
	}
	for _, tt := range tests {
		name, builtin := npmPackage(tt.spec)
		if name != tt.name || builtin != tt.builtin {
			t.Errorf("npmPackage(%q) = %q, %t; want %q, %t", tt.spec, name, builtin, tt.name, tt.builtin)
		}
	}
	ev := newEvidence()
	for _, spec := range []string{"!!style-loader!css-loader!./a.css", "node:fs", "lodash/fp"} {
		ev.addSpec(spec)
	}
	if diff := cmp.Diff(map[string]bool{"style-loader": true, "css-loader": true, "lodash": true}, ev.jsPkgs); diff != "" || !ev.nodeBuiltin {
		t.Errorf("addSpec: builtin %t, packages (-want +got):\n%s", ev.nodeBuiltin, diff)
	}
	aliases := map[string][]string{
		"eslint-plugin-react":              {"react"},
		"eslint-config-airbnb":             {"airbnb"},
		"@typescript-eslint/eslint-plugin": {"@typescript-eslint"},
		"@babel/preset-env":                {"@babel/env"},
		"jest-environment-jsdom":           {"jsdom"},
		"@vue/eslint-config-typescript":    {"@vue/typescript"},
		"lodash":                           nil,
	}
	for name, want := range aliases {
		if diff := cmp.Diff(want, npmAliases(name)); diff != "" {
			t.Errorf("npmAliases(%q) (-want +got):\n%s", name, diff)
		}
	}
	types := map[string]string{"@types/lodash": "lodash", "@types/babel__core": "@babel/core", "lodash": "", "@types/": ""}
	for name, want := range types {
		if got := typesTarget(name); got != want {
			t.Errorf("typesTarget(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestScanJS(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		specs []string
		types []string
	}{
		{"forms", `
import a from 'a';
import * as b from "b";
import { c1, c2 as c3 } from 'c'
import 'd';
import type { E } from 'e';
export { f } from 'f';
export * from 'g';
const h = require('h');
const i = await import('i');
const j = require.resolve('j');
import k = require('k');
const l = import(/* webpackChunkName: "l" */ 'l');
const m = require(` + "`m`" + `);
`, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"}, nil},
		{"comments-and-strings", `
// import a from 'a'
/* require('b') */
const s = "import c from 'c'";
const t = 'require("d")';
const u = ` + "`import e from 'e' ${x} require('f')`" + `;
const v = ` + "`${require('g')}`" + `;
`, []string{"g"}, nil},
		{"regex-and-division", `
const r = /from 'a'/g;
const q = x / 2 / require('b').n;
if (/'/.test(s)) require('c');
const w = a++ / 2; require('d');
const y = (1) / 2; import('e');
`, []string{"b", "c", "d", "e"}, nil},
		{"members-are-not-imports", `
obj.import('a');
foo.from('b');
const from = 'c';
`, nil, nil},
		{"reference-types", `/// <reference types="node" />
/// <reference path="./x.d.ts" />
/// <reference types='vite/client' />
`, nil, []string{"node", "vite/client"}},
		{"unclosed-string-ends-at-line", "const a = 'it\nimport b from 'b'\n", []string{"b"}, nil},
		{"hashbang", "#!/usr/bin/env node\nrequire('a')\n", []string{"a"}, nil},
		// An apostrophe in JSX text opens a string, but only to the end
		// of its line; "</" is a closing tag, not a regex.
		{"jsx", "const A = () => <a href=\"/x\">it's</a>;\nconst b = require('b');\nconst C = <p>hi</p>; const c = require('c'); // d/e\n", []string{"b", "c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := scanJS([]byte(tt.src), false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.specs, f.specs); diff != "" {
				t.Errorf("specs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.types, f.types); diff != "" {
				t.Errorf("types (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScriptBlocks(t *testing.T) {
	src := `---
import Layout from '../layouts/Layout.astro';
---
<!-- <script>require('no')</script> -->
<script lang="ts" data-x=">">import a from 'a'</script>
<scripts>not a script</scripts>
<SCRIPT>import b from 'b'</SCRIPT>
<script context="module">import c from 'c'`
	var got []string
	for _, b := range scriptBlocks([]byte(src)) {
		f, _ := scanJS(b, false)
		got = append(got, f.specs...)
	}
	want := []string{"../layouts/Layout.astro", "a", "b", "c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("script blocks (-want +got):\n%s", diff)
	}
}

func TestScanPy(t *testing.T) {
	tests := []struct {
		name string
		src  string
		all  bool
		mods []string
		strs []string
	}{
		{"forms", `
import a
import b.c as d, e
from f.g import h, i as j
from k import (
    l,
    m,
)
from . import n
from .o import p
from __future__ import annotations
if TYPE_CHECKING: import q
x = 1; import r
mod = importlib.import_module("s.t")
u = __import__('u')
cimport v
from w cimport z
`, false, []string{"a", "b.c", "e", "f.g", "f.g.h", "f.g.i", "k", "k.l", "k.m", "q", "r", "s.t", "u", "v", "w", "w.z"}, nil},
		{"strings-and-comments", `
# import a
"""
import b
"""
s = 'import c'
t = r"from d import e"
u = f"{x} import g"
v = b'import h'
w = '''
from i import j'''
def f():
    yield from k
    raise X from l
print("import m"); import n
`, false, []string{"n"}, nil},
		{"continuation", "from a \\\n    import b\nimport \\\n  c\n", false, []string{"a", "a.b", "c"}, nil},
		{"settings-strings", `INSTALLED_APPS = ["corsheaders", "rest_framework.authtoken", "not a module"]
DB = "postgresql+psycopg2://u@h/db"
`, true, nil, []string{"corsheaders", "rest_framework.authtoken", "postgresql+psycopg2://u@h/db"}},
		{"plain-strings-kept-only-dotted", `X = ["corsheaders", "a.b"]`, false, nil, []string{"a.b"}},
		{"unclosed", "s = 'abc\nimport a\n", false, []string{"a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := scanPy([]byte(tt.src), tt.all)
			if diff := cmp.Diff(tt.mods, f.mods); diff != "" {
				t.Errorf("mods (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.strs, f.strs); diff != "" {
				t.Errorf("strs (-want +got):\n%s", diff)
			}
		})
	}
}

// checkSpecs asserts what every scan result must satisfy: each specifier
// and string is text of the source, bounded in length.
func checkFound(t *testing.T, src []byte, what string, items []string) {
	t.Helper()
	for _, s := range items {
		if len(s) > maxSpecifier {
			t.Fatalf("%s %q longer than %d", what, s[:40], maxSpecifier)
		}
		if !strings.Contains(string(src), s) {
			t.Fatalf("%s %q is not in the source", what, s)
		}
	}
}

func FuzzJSImports(f *testing.F) {
	for _, p := range []string{"testdata/npm/src/server.ts", "testdata/npm/src/handler.js", "testdata/npm/jest.config.js", "testdata/npm/tsconfig.json", "testdata/monorepo/packages/b/src/index.js"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("const t = `a${`b${require('c')}`}d`; /re[/]x/.test(s) / 2"))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, strs := range []bool{false, true} {
			got, err := scanJS(src, strs)
			if err != nil && !errors.Is(err, errTooDeep) {
				t.Fatalf("unexpected error %v", err)
			}
			checkFound(t, src, "specifier", got.specs)
			checkFound(t, src, "types", got.types)
			checkFound(t, src, "string", got.strs)
			if !strs && len(got.strs) > 0 {
				t.Fatalf("strings kept without being asked for")
			}
			again, _ := scanJS(src, strs)
			if diff := cmp.Diff(got, again, cmp.AllowUnexported(jsFound{})); diff != "" {
				t.Fatalf("not deterministic:\n%s", diff)
			}
			// Anything commented out imports nothing.
			if !strings.Contains(string(src), "*/") {
				commented, _ := scanJS(append([]byte("/*"), src...), strs)
				if len(commented.specs) > 0 {
					t.Fatalf("specifiers %q inside a block comment", commented.specs)
				}
			}
		}
		for _, b := range scriptBlocks(src) {
			if _, err := scanJS(b, false); err != nil && !errors.Is(err, errTooDeep) {
				t.Fatalf("script block: %v", err)
			}
		}
	})
}

func FuzzPyImports(f *testing.F) {
	for _, p := range []string{"testdata/python/app/main.py", "testdata/python/shop/settings.py", "testdata/poetry/src/inventory_api/__init__.py"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("from a import (b,\n c as d)\nimport e.f as g, h\nx = f'''{y}'''\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		got := scanPy(src, true)
		for _, m := range got.mods {
			if !isDottedName(m) {
				t.Fatalf("module %q is not a dotted name", m)
			}
			// Each dotted part is an identifier of the source.
			for _, part := range strings.Split(m, ".") {
				if !strings.Contains(string(src), part) {
					t.Fatalf("module part %q is not in the source", part)
				}
			}
		}
		checkFound(t, src, "string", got.strs)
		// A comment imports nothing.
		if !strings.ContainsAny(string(src), "\n\r") {
			if c := scanPy(append([]byte("#"), src...), true); len(c.mods) > 0 || len(c.strs) > 0 {
				t.Fatalf("found %q %q in a comment", c.mods, c.strs)
			}
		}
	})
}

// jsProject writes a generated project of n JavaScript and TypeScript
// files importing from a pool of 50 dependencies, half of them unused.
func jsProject(b testing.TB, n int) string {
	files := map[string]string{}
	var deps []string
	for i := range 50 {
		deps = append(deps, fmt.Sprintf("\"dep-%02d\": \"^1.0.%d\"", i, i))
	}
	files["package.json"] = "{\n  \"name\": \"big\",\n  \"dependencies\": {\n    " + strings.Join(deps, ",\n    ") + "\n  }\n}\n"
	for i := range n {
		var src strings.Builder
		fmt.Fprintf(&src, "// Module %d of the generated project.\n", i)
		fmt.Fprintf(&src, "import { a%d } from 'dep-%02d/sub';\n", i, i%25)
		fmt.Fprintf(&src, "import helper from '../shared/helper%d';\n", i%7)
		fmt.Fprintf(&src, "const util = require('dep-%02d');\n", (i+3)%25)
		src.WriteString("/* A block comment mentioning require('dep-49') that must not count. */\n")
		for k := range 30 {
			fmt.Fprintf(&src, "export function f%d(x) { return `value ${x / %d}` + util.g(x, /re+/g) + 'str'; }\n", k, k+1)
		}
		ext := ".js"
		if i%3 == 0 {
			ext = ".ts"
		}
		files[fmt.Sprintf("src/m%03d/file%d%s", i/50, i, ext)] = src.String()
	}
	return writeTree(b, files)
}

func TestGeneratedProject(t *testing.T) {
	dir := jsProject(t, 200)
	got, errs := find(t, dir, nil, Options{})
	if len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
	if len(got) != 25 || got[0].Name != "dep-25" || got[24].Name != "dep-49" {
		t.Errorf("got %d unused (%v), want dep-25…dep-49", len(got), got)
	}
}

func BenchmarkFindJS(b *testing.B) {
	dir := jsProject(b, 5000)
	b.ResetTimer()
	for b.Loop() {
		got, _, err := Find(context.Background(), dir, nil, Options{})
		if err != nil || len(got) != 25 {
			b.Fatalf("Find: %d unused, %v", len(got), err)
		}
	}
}

// FuzzManifests feeds the manifest readers hostile bytes: they must not
// panic, must locate their errors in the file, and must only declare
// named dependencies located in it.
func FuzzManifests(f *testing.F) {
	for _, p := range []string{"testdata/npm/package.json", "testdata/poetry/pyproject.toml", "testdata/go/go.mod", "testdata/monorepo/package.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[packages]\nflask = {version = \"*\", extras = [\"x\"]}\n[dev-packages]\npytest = \"*\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(name string, m *manifest, err error) {
			if err != nil {
				var e *extract.Error
				if !errors.As(err, &e) || e.Path != name {
					t.Fatalf("%s: error %v is not an *extract.Error naming the file", name, err)
				}
			}
			if m == nil {
				return
			}
			for _, d := range m.decls {
				if d.Name == "" || d.Manifest.Path != name || d.Manifest.Line < 1 {
					t.Fatalf("%s: bad declaration %+v", name, d)
				}
			}
		}
		m, err := readPackageJSON("package.json", data, newEvidence())
		check("package.json", m, err)
		m, err = readPythonTOML("pyproject.toml", data, false, newEvidence())
		check("pyproject.toml", m, err)
		m, err = readPythonTOML("Pipfile", data, true, newEvidence())
		check("Pipfile", m, err)
		m, err = readGoMod("go.mod", data)
		check("go.mod", m, err)
	})
}
