package ghactions

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
	"github.com/vouchdev/vouch/walk"
)

// row is the part of a component most cases assert, its properties
// included; components used more than once are compared whole.
type row = extracttest.LineRow

const (
	ci         = "workflow/.github/workflows/ci.yml"
	composite  = "workflow/.github/actions/report/action.yml"
	setupGoSHA = "0aaccfd150d50ccaeb58ebd88d36e91967a5f35b"
	sharedSHA  = "b4ffde65f46336ab88eb53be808477a3936bae11"
	uploadSHA  = "65c4c4a1ddee5b72f698fdd19549f0f0fb45cf08"
	checkSHA   = "11bd71901bbe5b1630ceea73d27597364c9af683"
	hadolintD  = "sha256:fff5f5cf1f2d1a4b1aa2b08e44bd5e6b2a3c6ba1d3ab6b6f1e1c4a5e0a7a9b3c"
	alpineD    = "sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b"
	images     = "docker-refs/.github/workflows/images.yml"
)

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestExtract(t *testing.T) {
	tests := []extracttest.SummaryCase[row]{
		{
			// checkout@v4 in two jobs is one component; codeql-action's
			// init and analyze are two (the subpath tells them apart);
			// the local action and the local reusable workflow are no
			// components; the docker:// steps are, the registry in the
			// PURL's repository_url.
			Name: "workflow",
			Path: ci,
			WantRoot: inventory.Root{
				ID: ci, Kind: inventory.KindManifest, Name: "CI",
				Properties: props("type", "workflow"),
			},
			WantRows: []row{
				{PURL: "pkg:docker/hadolint/hadolint@" + hadolintD + "?repository_url=ghcr.io", Direct: true, Scope: "build", Line: 49,
					Props: props("kind", "docker-image", "vcs_ref_kind", "digest", "workflow_job", "lint")},
				{PURL: "pkg:docker/koalaman/shellcheck@v0.10.0", Direct: true, Scope: "build", Line: 46,
					Props: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "lint")},
				{PURL: "pkg:github/actions/checkout@v4", Direct: true, Scope: "build", Line: 24,
					Props: props("kind", "action", "vcs_ref_kind", "tag", "workflow_job", "test,lint")},
				{PURL: "pkg:github/actions/setup-go@" + setupGoSHA, Direct: true, Scope: "build", Line: 26,
					Props: props("kind", "action", "vcs_ref_kind", "sha", "vcs_ref_comment", "v5.4.0", "workflow_job", "test")},
				{PURL: "pkg:github/github/codeql-action@v3.28.0#analyze", Direct: true, Scope: "build", Line: 44,
					Props: props("kind", "action", "path", "analyze", "vcs_ref_kind", "tag", "workflow_job", "lint")},
				{PURL: "pkg:github/github/codeql-action@v3.28.0#init", Direct: true, Scope: "build", Line: 41,
					Props: props("kind", "action", "path", "init", "vcs_ref_kind", "tag", "workflow_job", "lint")},
				{PURL: "pkg:github/golangci/golangci-lint-action@main", Direct: true, Scope: "build", Line: 40,
					Props: props("kind", "action", "vcs_ref_kind", "branch", "workflow_job", "lint")},
				{PURL: "pkg:github/octo-org/shared-workflows@" + sharedSHA + "#.github/workflows/release.yml", Direct: true, Scope: "build", Line: 54,
					Props: props("kind", "reusable-workflow", "path", ".github/workflows/release.yml", "vcs_ref_kind", "sha", "vcs_ref_comment", "v1.2.0", "workflow_job", "release")},
				{PURL: "pkg:github/tj-actions/changed-files@v45", Direct: true, Scope: "build", Line: 38,
					Props: props("kind", "action", "vcs_ref_kind", "tag", "workflow_job", "lint")},
			},
			WantEdges: []string{
				ci + " -> pkg:docker/hadolint/hadolint@" + hadolintD + "?repository_url=ghcr.io",
				ci + " -> pkg:docker/koalaman/shellcheck@v0.10.0",
				ci + " -> pkg:github/actions/checkout@v4",
				ci + " -> pkg:github/actions/setup-go@" + setupGoSHA,
				ci + " -> pkg:github/github/codeql-action@v3.28.0#analyze",
				ci + " -> pkg:github/github/codeql-action@v3.28.0#init",
				ci + " -> pkg:github/golangci/golangci-lint-action@main",
				ci + " -> pkg:github/octo-org/shared-workflows@" + sharedSHA + "#.github/workflows/release.yml",
				ci + " -> pkg:github/tj-actions/changed-files@v45",
			},
		},
		{
			// A composite action's nested steps; ./scripts/notify is
			// local. No job, so no workflow_job.
			Name: "composite",
			Path: composite,
			WantRoot: inventory.Root{
				ID: composite, Kind: inventory.KindManifest, Name: "Report",
				Properties: props("type", "action", "using", "composite"),
			},
			WantRows: []row{
				{PURL: "pkg:github/actions/github-script@v7", Direct: true, Scope: "build", Line: 17,
					Props: props("kind", "action", "vcs_ref_kind", "tag")},
				{PURL: "pkg:github/actions/upload-artifact@" + uploadSHA, Direct: true, Scope: "build", Line: 10,
					Props: props("kind", "action", "vcs_ref_kind", "sha", "vcs_ref_comment", "v4.6.0")},
			},
			WantEdges: []string{
				composite + " -> pkg:github/actions/github-script@v7",
				composite + " -> pkg:github/actions/upload-artifact@" + uploadSHA,
			},
		},
		{
			// A Docker action: its image is a component at the line of
			// runs.image, with no job.
			Name: "docker-action",
			Path: "docker-action/action.yml",
			WantRoot: inventory.Root{
				ID: "docker-action/action.yml", Kind: inventory.KindManifest, Name: "Lint Dockerfiles",
				Properties: props("type", "action", "using", "docker"),
			},
			WantRows: []row{
				{PURL: "pkg:docker/hadolint/hadolint@v2.12.0", Direct: true, Scope: "build", Line: 5,
					Props: props("kind", "docker-image", "vcs_ref_kind", "tag")},
			},
			WantEdges: []string{"docker-action/action.yml -> pkg:docker/hadolint/hadolint@v2.12.0"},
		},
		{
			// Image references: no tag is "latest"; a digest is the
			// version, the tag beside it a property; one image by digest
			// in two jobs, with and without the tag, is one component;
			// Docker Hub written out is another name than the short one.
			Name: "docker-refs",
			Path: images,
			WantRoot: inventory.Root{
				ID: images, Kind: inventory.KindManifest, Name: "Images",
				Properties: props("type", "workflow"),
			},
			WantRows: []row{
				{PURL: "pkg:docker/alpine@latest", Direct: true, Scope: "build", Line: 7,
					Props: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "build")},
				{PURL: "pkg:docker/alpine@" + alpineD, Direct: true, Scope: "build", Line: 8,
					Props: props("kind", "docker-image", "vcs_ref_kind", "digest", "docker_tag", "3.19", "vcs_ref_comment", "3.19 as of 2024-06", "workflow_job", "build,test")},
				{PURL: "pkg:docker/library/alpine@3.19?repository_url=docker.io", Direct: true, Scope: "build", Line: 10,
					Props: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "build")},
				{PURL: "pkg:docker/team/tool@1.0?repository_url=localhost:5000", Direct: true, Scope: "build", Line: 9,
					Props: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "build")},
			},
			WantEdges: []string{
				images + " -> pkg:docker/alpine@latest",
				images + " -> pkg:docker/alpine@" + alpineD,
				images + " -> pkg:docker/library/alpine@3.19?repository_url=docker.io",
				images + " -> pkg:docker/team/tool@1.0?repository_url=localhost:5000",
			},
		},
		{
			// One anchored step list used by two jobs: each reference
			// once, at the line it is written, with both jobs.
			Name: "anchors",
			Path: "anchors/.github/workflows/matrix.yaml",
			WantRoot: inventory.Root{
				ID: "anchors/.github/workflows/matrix.yaml", Kind: inventory.KindManifest, Name: "Cross-platform",
				Properties: props("type", "workflow"),
			},
			WantRows: []row{
				{PURL: "pkg:github/actions/cache@v4#restore", Direct: true, Scope: "build", Line: 9,
					Props: props("kind", "action", "path", "restore", "vcs_ref_kind", "tag", "workflow_job", "linux,windows")},
				{PURL: "pkg:github/actions/checkout@" + checkSHA, Direct: true, Scope: "build", Line: 8,
					Props: props("kind", "action", "vcs_ref_kind", "sha", "vcs_ref_comment", "v4.2.2", "workflow_job", "linux,windows")},
			},
			WantEdges: []string{
				"anchors/.github/workflows/matrix.yaml -> pkg:github/actions/cache@v4#restore",
				"anchors/.github/workflows/matrix.yaml -> pkg:github/actions/checkout@" + checkSHA,
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.LineRows, tests)
}

func TestComponents(t *testing.T) {
	tests := []extracttest.ComponentCase{
		{
			// Used by two jobs: both lines, both job ids.
			Path: ci,
			Want: inventory.Component{
				PURL: "pkg:github/actions/checkout@v4", Ecosystem: "GitHub Actions", Name: "actions/checkout", Version: "v4",
				Direct: true, Scope: "build",
				Properties: props("kind", "action", "vcs_ref_kind", "tag", "workflow_job", "test,lint"),
				Locations:  []inventory.Location{{Path: ci, Line: 24}, {Path: ci, Line: 37}},
			},
		},
		{
			// Name is the repository, as OSV names the package.
			Path: ci,
			Want: inventory.Component{
				PURL: "pkg:github/octo-org/shared-workflows@" + sharedSHA + "#.github/workflows/release.yml", Ecosystem: "GitHub Actions",
				Name: "octo-org/shared-workflows", Version: sharedSHA,
				Direct: true, Scope: "build",
				Properties: props("kind", "reusable-workflow", "path", ".github/workflows/release.yml", "vcs_ref_kind", "sha", "vcs_ref_comment", "v1.2.0", "workflow_job", "release"),
				Locations:  []inventory.Location{{Path: ci, Line: 54}},
			},
		},
		{
			Path: ci,
			Want: inventory.Component{
				PURL: "pkg:github/github/codeql-action@v3.28.0#init", Ecosystem: "GitHub Actions",
				Name: "github/codeql-action", Version: "v3.28.0",
				Direct: true, Scope: "build",
				Properties: props("kind", "action", "path", "init", "vcs_ref_kind", "tag", "workflow_job", "lint"),
				Locations:  []inventory.Location{{Path: ci, Line: 41}},
			},
		},
		{
			// Name is the image as written, registry included; the PURL
			// keeps the registry as a qualifier.
			Path: ci,
			Want: inventory.Component{
				PURL: "pkg:docker/hadolint/hadolint@" + hadolintD + "?repository_url=ghcr.io", Ecosystem: "Docker",
				Name: "ghcr.io/hadolint/hadolint", Version: hadolintD,
				Direct: true, Scope: "build",
				Properties: props("kind", "docker-image", "vcs_ref_kind", "digest", "workflow_job", "lint"),
				Locations:  []inventory.Location{{Path: ci, Line: 49}},
			},
		},
		{
			// Three lines, two jobs, the tag from the first.
			Path: images,
			Want: inventory.Component{
				PURL: "pkg:docker/alpine@" + alpineD, Ecosystem: "Docker", Name: "alpine", Version: alpineD,
				Direct: true, Scope: "build",
				Properties: props("kind", "docker-image", "vcs_ref_kind", "digest", "docker_tag", "3.19", "vcs_ref_comment", "3.19 as of 2024-06", "workflow_job", "build,test"),
				Locations:  []inventory.Location{{Path: images, Line: 8}, {Path: images, Line: 14}, {Path: images, Line: 15}},
			},
		},
		{
			// No tag: Docker pulls "latest", a tag that moves, not a range.
			Path: images,
			Want: inventory.Component{
				PURL: "pkg:docker/alpine@latest", Ecosystem: "Docker", Name: "alpine", Version: "latest",
				Direct: true, Scope: "build",
				Properties: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "build"),
				Locations:  []inventory.Location{{Path: images, Line: 7}},
			},
		},
		{
			Path: images,
			Want: inventory.Component{
				PURL: "pkg:docker/team/tool@1.0?repository_url=localhost:5000", Ecosystem: "Docker",
				Name: "localhost:5000/team/tool", Version: "1.0",
				Direct: true, Scope: "build",
				Properties: props("kind", "docker-image", "vcs_ref_kind", "tag", "workflow_job", "build"),
				Locations:  []inventory.Location{{Path: images, Line: 9}},
			},
		},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

// TestNotThisFormat offers YAML files that are not workflows or actions:
// no graph and no error.
func TestNotThisFormat(t *testing.T) {
	tests := []struct {
		name, path, data string
	}{
		{"no jobs", ".github/workflows/config.yml", string(extracttest.ReadFile(t, "testdata/no-jobs/.github/workflows/config.yml"))},
		{"empty workflow", ".github/workflows/ci.yml", ""},
		{"only a comment", ".github/workflows/ci.yml", "# nothing yet\n"},
		{"action without runs", "tools/action.yml", "name: x\nsteps:\n  - uses: a/b@v1\n"},
		{"action as a list", "tools/action.yaml", "- a\n- b\n"},
		{"sniffed, neither", "ci.yml", "services: {}\n"},
		{"sniffed list", "ci.yml", "- jobs\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extracttest.Extract(t, New(), fstest.MapFS{tt.path: {Data: []byte(tt.data)}}, tt.path)
			if g != nil || err != nil {
				t.Errorf("Extract = %v, %v; want nil, nil", g, err)
			}
		})
	}
}

func TestBadEntries(t *testing.T) {
	path := "bad-entries/.github/workflows/bad.yml"
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), path)
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Line: 7, Column: 15})
	if want := `uses "actions/checkout": no @ref (and 6 more problems)`; e.Err.Error() != want {
		t.Errorf("message %q, want %q", e.Err, want)
	}
	want := []row{{PURL: "pkg:github/actions/setup-node@v4.1.0", Direct: true, Scope: "build", Line: 11,
		Props: props("kind", "action", "vcs_ref_kind", "tag", "workflow_job", "build")}}
	extracttest.CheckRows(t, g, extracttest.LineRows, want)
	extracttest.CheckEdges(t, g, []string{path + " -> pkg:github/actions/setup-node@v4.1.0"})
}

// TestBadUses offers one bad entry at a time: each is reported at its
// position, and the rest of the file still counts.
func TestBadUses(t *testing.T) {
	tests := []struct {
		name, step string // step is line 5, below "steps:"
		col        int
		msg        string
	}{
		{"no ref", "      - uses: actions/checkout", 15, `uses "actions/checkout": no @ref`},
		{"empty ref", "      - uses: actions/checkout@", 15, `uses "actions/checkout@": empty ref`},
		{"expression", "      - uses: ${{ matrix.action }}", 15, "expressions are not allowed"},
		{"no repo", "      - uses: checkout@v4", 15, "want owner/repo"},
		{"bad owner", "      - uses: a b/c@v1", 15, `invalid owner or repository "a b"`},
		{"dot repo", "      - uses: a/..@v1", 15, `invalid owner or repository ".."`},
		{"bad path", "      - uses: a/b/../c@v1", 15, `invalid path "../c"`},
		{"empty path element", "      - uses: a/b//c@v1", 15, `invalid path "/c"`},
		{"bad ref", "      - uses: a/b@v1..v2", 15, `invalid ref "v1..v2"`},
		{"ref with space", "      - uses: 'a/b@v1 x'", 15, `invalid ref "v1 x"`},
		{"long ref", "      - uses: a/b@" + strings.Repeat("x", 300), 15, "ref longer than 255 bytes"},
		{"sequence", "      - uses: [a/b@v1]", 15, "uses: a sequence, want a string"},
		{"empty", "      - uses:", 14, "uses \"\": no @ref"},
		{"step is a string", "      - run make", 9, "job build: step: a scalar, want a mapping"},
		{"steps is a mapping", "        a: b", 9, "job build: steps: a mapping, want a sequence"},
		{"docker without image", "      - uses: docker://", 15, `invalid docker image "docker://": no image`},
		{"docker with comma", "      - uses: docker://a,b", 15, `invalid docker image "docker://a,b": invalid name "a,b" (lower-case letters, digits and separators)`},
		{"docker upper case", "      - uses: docker://Alpine:3", 15, `invalid docker image "docker://Alpine:3": invalid name "Alpine"`},
		{"docker empty tag", "      - uses: 'docker://alpine:'", 15, `invalid docker image "docker://alpine:": invalid tag ""`},
		{"docker bad tag", "      - uses: docker://alpine:.3", 15, `invalid docker image "docker://alpine:.3": invalid tag ".3"`},
		{"docker short digest", "      - uses: docker://alpine@sha256:abc", 15, `invalid docker image "docker://alpine@sha256:abc": digest "sha256:abc" is not sha256:<64 hex> or sha512:<128 hex>`},
		{"docker two digests", "      - uses: docker://alpine@sha256:" + strings.Repeat("a", 64) + "@sha256:" + strings.Repeat("a", 64), 15, `is not sha256:<64 hex>`},
		{"docker bad registry", "      - uses: docker://a_b.io/tool:1", 15, `invalid docker image "docker://a_b.io/tool:1": invalid registry "a_b.io"`},
		{"docker empty element", "      - uses: docker://ghcr.io//tool", 15, `invalid docker image "docker://ghcr.io//tool": invalid name`},
		{"docker expression", "      - uses: docker://${{ matrix.image }}", 15, `invalid docker image "docker://${{ matrix.image }}": expressions are not allowed`},
		{"docker long name", "      - uses: docker://" + strings.Repeat("a", 300), 15, "name longer than 255 bytes"},
	}
	const path = ".github/workflows/ci.yml"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "on: push\njobs:\n  build:\n    steps:\n" + tt.step + "\n  other:\n    steps:\n      - uses: a/b@v1\n"
			g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte(data)}}, path)
			e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Line: 5, Column: tt.col, Msg: tt.msg})
			if strings.Contains(e.Err.Error(), "more problem") {
				t.Errorf("message %q counts other problems", e.Err)
			}
			if diff := cmp.Diff([]string{"pkg:github/a/b@v1"}, extracttest.DirectPURLs(g)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
		})
	}
}

// TestShapes covers documents whose parts have the wrong type: the root
// is still returned, with an error at the part.
func TestShapes(t *testing.T) {
	tests := []struct {
		name, path, data string
		line, col        int
		msg              string
	}{
		{"jobs is a list", ".github/workflows/ci.yml", "on: push\njobs:\n  - build\n", 3, 3, "jobs: a sequence, want a mapping"},
		{"job is a string", ".github/workflows/ci.yml", "on: push\njobs:\n  build: yes\n", 3, 10, "job build: a scalar, want a mapping"},
		{"runs is a string", "action.yml", "name: x\nruns: node20\n", 2, 7, "runs: a scalar, want a mapping"},
		{"image is a list", "action.yml", "name: x\nruns:\n  using: docker\n  image: [a]\n", 4, 10, "runs.image: a sequence, want a string"},
		{"image is invalid", "action.yml", "name: x\nruns:\n  using: docker\n  image: docker://A\n", 4, 10, `invalid docker image "docker://A": invalid name "A"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extracttest.Extract(t, New(), fstest.MapFS{tt.path: {Data: []byte(tt.data)}}, tt.path)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: tt.path, Line: tt.line, Column: tt.col, Msg: tt.msg})
			if g == nil || len(g.Roots()) != 1 || g.Len() != 0 {
				t.Errorf("graph %v, want the root alone", g)
			}
		})
	}
}

// aliasAmplifier is a small workflow whose jobs all alias one job with a
// long step list: 2,000 jobs × 60 steps to visit from 20 kB.
func aliasAmplifier() []byte {
	var b bytes.Buffer
	b.WriteString("x: &j {steps: [")
	for i := range 60 {
		fmt.Fprintf(&b, "{uses: a/b@v%d},", i)
	}
	b.WriteString("]}\njobs:\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  j%d: *j\n", i)
	}
	return b.Bytes()
}

// billionLaughs nests aliases nine deep, ten wide, beside the steps.
func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString("env:\n  l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	b.WriteString("jobs:\n  j:\n    env: *l9\n    steps: *l9\n")
	return []byte(b.String())
}

func TestErrors(t *testing.T) {
	ciData := extracttest.ReadFile(t, "testdata/"+ci)
	deep := func(n int) []byte {
		return []byte("on: push\njobs:\n  a:\n    with: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n")
	}
	tests := []extracttest.BadInput{
		{Name: "binary", Data: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), WantLine: 1, WantCol: 3, WantMsg: "yaml: control characters are not allowed"},
		{Name: "not-yaml", Data: []byte("jobs: {build: [}\n"), WantLine: 1, WantMsg: "yaml: did not find expected node content"},
		{Name: "first-line", Data: []byte("jobs: {build: [}\n"), WantLine: 1, WantMsg: "yaml: did not find expected node content"},
		// The library names the start of the mapping it was parsing, not
		// the line that broke it.
		{Name: "block-indentation", Data: []byte("on: push\njobs:\n  a:\n    steps: []\n   b: {}\n"), WantLine: 3, WantMsg: "yaml: did not find expected key"},
		{Name: "mapping-in-scalar", Data: []byte("on: push\n\njobs: a: b\n"), WantLine: 3, WantMsg: "yaml: mapping values are not allowed in this context"},
		{Name: "control-character", Data: []byte("on: push\njobs:\n  a: x\x01y\n"), WantLine: 3, WantCol: 7, WantMsg: "yaml: control characters are not allowed"},
		{Name: "invalid-utf8", Data: []byte("on: push\nname: \xff\n"), WantLine: 2, WantCol: 7, WantMsg: "yaml: invalid leading UTF-8 octet"},
		{Name: "unknown-anchor", Data: []byte("on: push\njobs: *x\n"), WantLine: 0, WantMsg: "yaml: unknown anchor 'x' referenced"},
		{Name: "scalar", Data: []byte("just some text\n"), WantLine: 1, WantCol: 1, WantMsg: "workflow is a scalar, want a mapping"},
		{Name: "sequence", Data: []byte("- on: push\n"), WantLine: 1, WantCol: 1, WantMsg: "workflow is a sequence, want a mapping"},
		{Name: "tabs", Data: []byte("on: push\njobs:\n\tbuild:\n\t\truns-on: x\n"), WantLine: 3, WantMsg: "yaml: found character that cannot start any token"},
		{Name: "truncated", Data: ciData[:bytes.Index(ciData, []byte("macos"))], WantLine: 18, WantMsg: "yaml: did not find expected node content"},
		{Name: "unterminated-quote", Data: []byte("on: push\njobs:\n  a:\n    name: 'x\n"), WantLine: 4, WantMsg: "yaml: found unexpected end of stream"},
		{Name: "alias-amplifier", Data: aliasAmplifier(), WantLine: 1, WantMsg: "aliases expand to more than 100000 nodes"},
		{Name: "deep-nesting", Data: deep(200), WantLine: 4, WantCol: 108, WantMsg: "nested more than 100 levels"},
		{Name: "deeper-than-parser", Data: deep(20000), WantLine: 4, WantMsg: "yaml: exceeded max depth of 10000"},
		{Name: "many-nodes", Data: []byte("on: push\njobs:\n  a:\n    with: [" + strings.Repeat("1,", maxNodes) + "1]\n"), WantLine: 4, WantMsg: "more than 100000 YAML nodes"},
		{Name: "huge-line", Data: []byte("name: " + strings.Repeat("a", maxFileSize) + "\n"), WantLine: 0, WantMsg: "input exceeds size limit"},
	}
	extracttest.RunBadInputs(t, New(), ".github/workflows/ci.yml", tests)
}

// TestBillionLaughs checks that aliases the extractor has no reason to
// follow cost nothing: the nine-level bomb under env is never expanded,
// and the one used as steps is read one level deep.
func TestBillionLaughs(t *testing.T) {
	start := time.Now()
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"x/action.yml": {Data: nil}, ".github/workflows/ci.yml": {Data: billionLaughs()}}, ".github/workflows/ci.yml")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: ".github/workflows/ci.yml", Line: 10, Column: 7, Msg: "job j: step: a sequence, want a mapping (and 9 more problems)"})
	if g == nil || g.Len() != 0 {
		t.Errorf("graph %v, want the root alone", g)
	}
}

func TestRefKind(t *testing.T) {
	tests := map[string]string{
		"v4":                        "tag",
		"v4.1.1":                    "tag",
		"4.1.1":                     "tag",
		"v1.0.0-rc.1":               "tag",
		"v2+build.5":                "tag",
		"main":                      "branch",
		"master":                    "branch",
		"release/v1":                "branch",
		"latest":                    "branch",
		"fix-v4":                    "branch",
		setupGoSHA:                  "sha",
		strings.ToUpper(setupGoSHA): "sha",
		strings.Repeat("ab", 32):    "sha", // SHA-256 repositories
		setupGoSHA[:39]:             "branch",
		setupGoSHA[:7]:              "branch", // GitHub needs the full id
	}
	for ref, want := range tests {
		if got := refKind(ref); got != want {
			t.Errorf("refKind(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		".github/workflows/ci.yml":              true,
		".github/workflows/release.yaml":        true,
		".github/workflows/action.yml":          true,
		"sub/project/.github/workflows/ci.yml":  true,
		".github/workflows/nested/ci.yml":       false,
		".github/workflows/README.md":           false,
		".github/workflows/ci.yml.orig":         false,
		".github/dependabot.yml":                false,
		"github/workflows/ci.yml":               false,
		"x.github/workflows/ci.yml":             false,
		"action.yml":                            true,
		"action.yaml":                           true,
		".github/actions/setup/action.yml":      true,
		"actions/action.yml.bak":                false,
		"my-action.yml":                         false,
		"ci.yml":                                false,
		".github/workflows/ci.YML":              false,
		".github/workflows/templates/ci.yml":    false,
		"docs/examples/.github/workflows/a.yml": true,
	})
}

// TestSniff covers a workflow or action named on the command line, whose
// name no extractor claims: recognised by content and read by its keys.
func TestSniff(t *testing.T) {
	ciData := extracttest.ReadFile(t, "testdata/"+ci)
	actionData := extracttest.ReadFile(t, "testdata/"+composite)
	sniffs := map[string]bool{
		"ci":       true,
		"action":   true,
		"circleci": false,
		"gitlab":   false,
		"compose":  false,
	}
	heads := map[string][]byte{
		"ci":       ciData,
		"action":   actionData,
		"circleci": []byte("version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/go:1.22\n    steps:\n      - checkout\nworkflows:\n  main:\n    jobs: [build]\n"),
		"gitlab":   []byte("stages: [test]\ntest:\n  script: go test ./...\n  rules:\n    - if: $CI\n"),
		"compose":  []byte("services:\n  web:\n    image: nginx:1.27\n"),
	}
	for name, want := range sniffs {
		if got := New().Sniff(heads[name]); got != want {
			t.Errorf("Sniff(%s) = %v, want %v", name, got, want)
		}
	}
	fsys := fstest.MapFS{"ci.yml": {Data: ciData}, "report.yml": {Data: actionData}}
	for path, want := range map[string]int{"ci.yml": 9, "report.yml": 2} {
		g, err := extracttest.Extract(t, New(), fsys, path)
		if err != nil || g == nil || g.Len() != want {
			t.Errorf("Extract(%s) = %v, %v; want %d components", path, g, err, want)
			continue
		}
		if typ := g.Roots()[0].Properties["type"]; typ != map[string]string{"ci.yml": "workflow", "report.yml": "action"}[path] {
			t.Errorf("Extract(%s): type %q", path, typ)
		}
	}
}

// TestWalk checks that the walk reaches .github (only VCS and installed
// package directories are skipped) and offers both kinds of file.
func TestWalk(t *testing.T) {
	res, err := walk.Walk(context.Background(), "testdata/workflow", walk.Options{Extractors: []extract.Extractor{New()}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, r := range res.Graph.Roots() {
		roots = append(roots, r.ID)
	}
	want := []string{".github/actions/report/action.yml", ".github/workflows/ci.yml"}
	if diff := cmp.Diff(want, roots); diff != "" || len(res.Errors) != 0 {
		t.Errorf("roots (-want +got):\n%s\nerrors: %v", diff, res.Errors)
	}
	if res.Graph.Len() != 11 {
		t.Errorf("%d components, want 11", res.Graph.Len())
	}
}

// TestCancel stops at a cancelled context.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, os.DirFS("testdata"), ci)
	if g, err := New().Extract(ctx, in); g != nil || err != context.Canceled {
		t.Errorf("Extract = %v, %v; want nil, context.Canceled", g, err)
	}
}

// fuzzPaths are the kinds of file each fuzz input is read as.
var fuzzPaths = []string{".github/workflows/x.yml", "x/action.yml", "sniffed.yml"}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/"+ci, "testdata/"+composite, "testdata/docker-action/action.yml",
		"testdata/anchors/.github/workflows/matrix.yaml", "testdata/bad-entries/.github/workflows/bad.yml",
		"testdata/no-jobs/.github/workflows/config.yml", "testdata/"+images)
	f.Add(billionLaughs())
	f.Fuzz(func(t *testing.T, data []byte) {
		New().Sniff(data)
		for _, path := range fuzzPaths {
			in := &extract.Input{Path: path, Reader: bytes.NewReader(data), ReaderAt: bytes.NewReader(data)}
			g, err := New().Extract(context.Background(), in)
			if err != nil {
				extracttest.CheckErrorPath(t, err, path)
			}
			if g == nil {
				continue
			}
			extracttest.CheckGraph(t, g)
			extracttest.CheckReachable(t, g)
			if r := g.Roots(); len(r) != 1 || r[0].ID != path {
				t.Fatalf("roots %v, want %s alone", r, path)
			}
			for _, c := range g.Components() {
				if c.Ecosystem != "GitHub Actions" && c.Ecosystem != "Docker" || !c.Direct || c.Version == "" || len(c.Locations) == 0 {
					t.Fatalf("component %+v", c)
				}
				if c.Ecosystem == purl.Docker && purl.For(purl.Docker, c.Name, c.Version, nil) != c.PURL {
					t.Fatalf("image %s@%s has PURL %s", c.Name, c.Version, c.PURL)
				}
			}
		}
	})
}
