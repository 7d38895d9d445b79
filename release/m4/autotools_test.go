package m4

// Tests on real output of aclocal and autoreconf. They run the GNU tools in
// a temporary directory to make the files a release would ship (the
// package itself never runs anything) and skip when the tools are absent.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/finding"
)

// needTools skips the test unless every tool is on PATH.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed; this test needs %s", tool, strings.Join(tools, ", "))
		}
	}
}

// project writes files into a fresh directory and runs a tool there.
func project(t *testing.T, files map[string]string, cmd ...string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
	c.Dir = dir
	c.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
	}
	return dir
}

func TestSplitAclocalReal(t *testing.T) {
	needTools(t, "aclocal", "autoconf")
	r := defaultReference(t)
	dir := project(t, map[string]string{
		"configure.ac": `AC_INIT([demo], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
LT_INIT
PKG_CHECK_MODULES([FOO], [foo], [], [:])
AM_GNU_GETTEXT([external])
AM_ICONV
DEMO_CHECK
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
`,
		"acinclude.m4": "AC_DEFUN([DEMO_CHECK], [demo=yes])\n",
	}, "aclocal")
	data := readFile(t, filepath.Join(dir, "aclocal.m4"))
	segs := r.Segments(data)
	joined(t, data, segs)

	var names, includes []string
	for i, s := range segs {
		switch {
		case s.Include != "":
			includes = append(includes, s.Include)
		case i == 0:
			if !strings.HasPrefix(string(s.Data), "# generated automatically by aclocal") {
				t.Errorf("first segment is not the preamble: %.80q", s.Data)
			}
		default:
			c := r.CheckSegment(s)
			names = append(names, c.Name)
			if c.Status != Matches || c.Severity != finding.Low {
				t.Errorf("segment at line %d: %s", s.Line, c.Summary)
			}
		}
	}
	if diff := cmp.Diff([]string{"acinclude.m4"}, includes); diff != "" {
		t.Errorf("includes (-want +got):\n%s", diff)
	}
	// The files aclocal copies for these macros; automake's own set
	// varies a little between releases, so only the others are pinned.
	for _, want := range []string{"pkg.m4", "gettext.m4", "iconv.m4", "libtool.m4", "ltoptions.m4", "ltsugar.m4", "ltversion.m4", "lt~obsolete.m4", "init.m4", "amversion.m4"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("no segment identified as %s among %v", want, names)
		}
	}
	t.Logf("aclocal.m4: %d segments, all matching upstream: %v", len(segs), names)
}

// calibrationProject is an ordinary autotools + libtool + gettext + gnulib
// project, the kind of release that must produce nothing above Low.
var calibrationProject = map[string]string{
	"configure.ac": `AC_INIT([demo], [1.0])
AC_CONFIG_MACRO_DIRS([m4])
AC_CONFIG_AUX_DIR([build-aux])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
LT_INIT
AM_GNU_GETTEXT([external])
AM_GNU_GETTEXT_VERSION([0.21])
PKG_CHECK_MODULES([FOO], [foo], [], [:])
gl_HOST_CPU_C_ABI
gl_VISIBILITY
AC_CONFIG_FILES([Makefile po/Makefile.in])
AC_OUTPUT
`,
	"Makefile.am":    "SUBDIRS = po\n",
	"po/POTFILES.in": "",
	"po/LINGUAS":     "",
}

func TestCalibrationAutoreconf(t *testing.T) {
	if testing.Short() {
		t.Skip("runs autoreconf")
	}
	needTools(t, "autoreconf", "autoconf", "automake", "libtoolize", "autopoint")
	r := defaultReference(t)
	files := map[string]string{}
	for k, v := range calibrationProject {
		files[k] = v
	}
	// gnulib-tool would copy this one; autoreconf does not.
	if vis, err := os.ReadFile("/usr/share/gnulib/m4/visibility.m4"); err == nil {
		files["m4/visibility.m4"] = string(vis)
	}
	dir := project(t, files, "autoreconf", "-fi")

	counts := map[Status]int{}
	check := func(where string, c Check) {
		counts[c.Status]++
		if (c.Status != Matches && c.Status != Older) || c.Severity != finding.Low {
			t.Errorf("%s: %s (%v)", where, c.Summary, c.Severity)
		}
	}
	m4files, _ := filepath.Glob(filepath.Join(dir, "m4", "*.m4"))
	if len(m4files) < 10 {
		t.Fatalf("autoreconf put only %d files in m4/", len(m4files))
	}
	for _, f := range m4files {
		check("m4/"+filepath.Base(f), r.Check(filepath.Base(f), readFile(t, f)))
	}
	data := readFile(t, filepath.Join(dir, "aclocal.m4"))
	copied := 0
	for i, s := range r.Segments(data) {
		if i == 0 || s.Include != "" {
			continue
		}
		copied++
		check("aclocal.m4:"+s.Name, r.CheckSegment(s))
	}
	t.Logf("calibration: %d files in m4/, %d copies in aclocal.m4; statuses %v", len(m4files), copied, counts)

	// The configure of the same project: lines expanded from the gnulib
	// and libtool macros it used are explained by those macros, apart
	// from autoconf's own wrapping (cache checks, result messages).
	configure := readFile(t, filepath.Join(dir, "configure"))
	var candidates []int
	for i, l := range strings.Split(string(configure), "\n") {
		if strings.Contains(l, "gl_cv_host_cpu_c_abi") || strings.Contains(l, "lt_cv_sys_global_symbol_pipe") {
			candidates = append(candidates, i+1)
		}
	}
	got := r.Explain(configure, candidates, nil)
	var unexplained []string
	for _, a := range got {
		if len(a.Macros) == 0 {
			unexplained = append(unexplained, a.Text)
		}
	}
	sort.Strings(unexplained)
	t.Logf("configure: %d of %d candidate lines unexplained: %q", len(unexplained), len(got), unexplained)
	if len(got) < 20 || len(unexplained) > len(got)/4 {
		t.Errorf("%d of %d lines unexplained, want at most a quarter", len(unexplained), len(got))
	}
}

func TestBackdooredProjectAutoreconf(t *testing.T) {
	if testing.Short() {
		t.Skip("runs autoreconf")
	}
	needTools(t, "autoreconf", "autoconf", "automake", "libtoolize")
	backdoored := readFile(t, "testdata/shipped/build-to-host-backdoored.m4")
	dir := project(t, map[string]string{
		"configure.ac": `AC_INIT([demo], [1.0])
AC_CONFIG_MACRO_DIRS([m4])
AC_CONFIG_AUX_DIR([build-aux])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
LT_INIT
gl_BUILD_TO_HOST([localedir])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
`,
		"Makefile.am":         "",
		"m4/build-to-host.m4": string(backdoored),
	}, "autoreconf", "-fi")

	r, err := LoadReference(context.Background(), append(DefaultDirs(), filepath.Join("testdata", "reference"))...)
	if err != nil {
		t.Fatal(err)
	}
	shipped := readFile(t, filepath.Join(dir, "m4", "build-to-host.m4"))
	if c := r.Check("build-to-host.m4", shipped); c.Status != UnknownSerial || c.Severity != finding.High || c.AddedCount != 19 {
		t.Errorf("m4/build-to-host.m4: %s (%v)", c.Summary, c.Severity)
	}

	configure := readFile(t, filepath.Join(dir, "configure"))
	// The lines a content heuristic would flag: the marker grep, the tr
	// map, the decompressor, the eval chain and the config.status hook.
	flag := regexp.MustCompile(`grep -aErls|gl_path_map='tr|_prefix=.echo|_config='sed|gl_config_gt="eval|"build-to-host":C\)`)
	var candidates []int
	for i, l := range strings.Split(string(configure), "\n") {
		if flag.MatchString(l) {
			candidates = append(candidates, i+1)
		}
	}
	if len(candidates) != 6 {
		t.Fatalf("found %d flagged lines in configure, want 6", len(candidates))
	}
	extra := map[string][]byte{"m4/build-to-host.m4": shipped, "configure.ac": readFile(t, filepath.Join(dir, "configure.ac"))}
	for _, tc := range []struct {
		name  string
		extra map[string][]byte
		want  []string
	}{
		{"with the shipped macro", extra, []string{"m4/build-to-host.m4"}},
		{"upstream only", nil, nil},
	} {
		got := r.Explain(configure, candidates, tc.extra)
		if len(got) != len(candidates) {
			t.Fatalf("%s: %d attributions for %d candidates", tc.name, len(got), len(candidates))
		}
		for _, a := range got {
			if diff := cmp.Diff(tc.want, a.Macros, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: configure:%d %q (-want +got):\n%s", tc.name, a.Line, a.Text, diff)
			}
		}
	}
}

// TestSegmentsOfEveryUpstreamFile pastes every installed aclocal and
// gnulib macro file into one aclocal.m4, as aclocal does, and expects
// Segments to give each file back, identified and matching upstream.
func TestSegmentsOfEveryUpstreamFile(t *testing.T) {
	r := defaultReference(t)
	var paths []string
	for _, pattern := range []string{"/usr/share/aclocal/*.m4", "/usr/share/aclocal-*/*.m4", "/usr/share/aclocal-*/internal/*.m4", "/usr/share/gnulib/m4/*.m4"} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	var buf bytes.Buffer
	buf.WriteString("# generated automatically by aclocal 1.16.5 -*- Autoconf -*-\n\nm4_ifndef([AC_AUTOCONF_VERSION],\n  [m4_copy([m4_PACKAGE_VERSION], [AC_AUTOCONF_VERSION])])dnl\n\n")
	var want []string
	seen := map[string]bool{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		name := filepath.Base(p)
		if err != nil || seen[name] || seen[string(data)] {
			continue // unreadable, or a second copy aclocal would not paste
		}
		seen[name], seen[string(data)] = true, true
		want = append(want, name)
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if !bytes.HasPrefix(l, []byte("##")) {
				buf.Write(l)
			}
		}
		buf.WriteString("\n")
	}
	if len(want) < 100 {
		t.Skipf("only %d upstream files installed", len(want))
	}
	segs := r.Segments(buf.Bytes())
	joined(t, buf.Bytes(), segs)
	var got []string
	for _, s := range segs[1:] {
		c := r.CheckSegment(s)
		got = append(got, c.Name)
		if c.Status != Matches {
			t.Errorf("segment at line %d: %s", s.Line, c.Summary)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("segment names (-want +got):\n%s", diff)
	}
}

// TestLibtoolWithoutDistributionPatch checks a libtool.m4 as upstream
// ships it against Debian's patched copy: the release differs only by the
// lines Debian added, which must not rank above Low.
func TestLibtoolWithoutDistributionPatch(t *testing.T) {
	r := defaultReference(t)
	data, err := os.ReadFile("/usr/share/aclocal/libtool.m4")
	if err != nil {
		t.Skip("no /usr/share/aclocal/libtool.m4")
	}
	const hunk = "  linux* | k*bsd*-gnu | gnu*)\n    _LT_TAGVAR(link_all_deplibs, $1)=no\n    ;;\n"
	if !bytes.Contains(data, []byte(hunk)) {
		t.Skip("libtool.m4 here does not carry Debian's link_all_deplibs patch")
	}
	upstream := bytes.Replace(data, []byte(hunk), nil, 1)
	c := r.Check("libtool.m4", upstream)
	if c.Status != BodyDiffers || c.AddedCount != 0 || c.RemovedCount != 3 || c.Severity != finding.Low {
		t.Errorf("got %s (%v)", c.Summary, c.Severity)
	}
}
