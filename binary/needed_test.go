package binary

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/finding"
)

// tree creates files ("content") and symbolic links ("->target") under dir.
func tree(t *testing.T, dir string, entries map[string]string) {
	t.Helper()
	for name, v := range entries {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(v, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(v), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolve(t *testing.T) {
	outside := t.TempDir()
	tree(t, outside, map[string]string{"secret": "outside"})
	root := t.TempDir()
	tree(t, root, map[string]string{
		"usr/lib/liblzma.so.5.6.1": "x",
		"usr/lib/liblzma.so.5":     "->liblzma.so.5.6.1",
		"lib":                      "->usr/lib",
		"abs":                      "->/usr/lib/liblzma.so.5",
		"escape-abs":               "->" + filepath.Join(outside, "secret"),
		"escape-rel":               "->../../../../../../../../../.." + filepath.Join(outside, "secret"),
		"dotdot":                   "->../../../usr/lib/liblzma.so.5",
		"loop-a":                   "->loop-b",
		"loop-b":                   "->loop-a",
		"self":                     "->self",
		"file/under":               "x",
	})
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fsys := rootFS{r}
	tests := []struct {
		in, want string
		err      error
	}{
		{"usr/lib/liblzma.so.5", "usr/lib/liblzma.so.5.6.1", nil},
		{"/lib/liblzma.so.5", "usr/lib/liblzma.so.5.6.1", nil},
		{"abs", "usr/lib/liblzma.so.5.6.1", nil},
		{"dotdot", "usr/lib/liblzma.so.5.6.1", nil},
		{"../../usr/./lib/liblzma.so.5", "usr/lib/liblzma.so.5.6.1", nil},
		{"", ".", nil},
		// Links out of the root are re-rooted, so they name a file
		// inside it, here one that does not exist.
		{"escape-abs", "", os.ErrNotExist},
		{"escape-rel", "", os.ErrNotExist},
		{"loop-a", "", ErrLinkLoop},
		{"self", "", ErrLinkLoop},
		{"usr/lib/missing", "", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := fsys.resolve(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("resolve(%q) error %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("resolve(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, _, err := fsys.open("escape-abs"); err == nil {
		t.Errorf("open(escape-abs) read a file outside the root")
	}
}

func TestLdSoConf(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"etc/ld.so.conf": "# comment\ninclude /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n",
		// Read in name order; relative includes start from the file's dir.
		"etc/ld.so.conf.d/b.conf":     "/opt/b/lib # trailing comment\n/usr/local/lib\n",
		"etc/ld.so.conf.d/a.conf":     "hwcap 0 nosegneg\n/opt/a/lib,/opt/a/lib64=libc5\ninclude sub/*.conf\n",
		"etc/ld.so.conf.d/sub/c.conf": "/opt/c\nrelative/ignored\n",
		"etc/ld.so.conf.d/loop.conf":  "include /etc/ld.so.conf\n",
		"etc/ld.so.conf.d/skip.txt":   "/not/included\n",
	})
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"/opt/a/lib", "/opt/a/lib64", "/opt/c", "/opt/b/lib", "/usr/local/lib"}
	if diff := cmp.Diff(want, rootFS{r}.ldSoConf()); diff != "" {
		t.Errorf("ldSoConf (-want +got):\n%s", diff)
	}
}

func TestVersionOf(t *testing.T) {
	for in, want := range map[string]string{
		"usr/lib/liblzma.so.5.6.1": "5.6.1",
		"liblzma.so.5":             "5",
		"liblzma.so":               "",
		"libfoo-2.0.so":            "",
		"libfoo.so.1.2.bak":        "",
	} {
		if got := versionOf(in); got != want {
			t.Errorf("versionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPathTo(t *testing.T) {
	r := &ChainResult{
		Executable: Library{Name: "sshd", Path: "usr/sbin/sshd"},
		Libraries: []Library{
			{Name: "libsystemd.so.0", Parent: "usr/sbin/sshd"},
			{Name: "liblzma.so.5", Parent: "libsystemd.so.0"},
			// A corrupted result with a cycle must not loop.
			{Name: "a", Parent: "b"},
			{Name: "b", Parent: "a"},
		},
	}
	tests := map[string][]string{
		"liblzma.so.5":    {"usr/sbin/sshd", "libsystemd.so.0", "liblzma.so.5"},
		"libsystemd.so.0": {"usr/sbin/sshd", "libsystemd.so.0"},
		"libc.so.6":       nil,
		"a":               nil,
	}
	for name, want := range tests {
		if diff := cmp.Diff(want, r.PathTo(name)); diff != "" {
			t.Errorf("PathTo(%s) (-want +got):\n%s", name, diff)
		}
	}
}

// Triplet is the multiarch directory of the machine gcc builds for.
func triplet(t *testing.T) string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	}
	t.Skipf("no multiarch triplet known for %s", runtime.GOARCH)
	return ""
}

func gcc(t *testing.T, args ...string) {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found; skipping the test that builds a root filesystem")
	}
	if msg, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, msg)
	}
}

// ChainRoot builds the xz attack's shape in a fake root filesystem:
// usr/sbin/sshd needs libsystemd.so.0 (lib/T, an absolute link to
// libsystemd.so.0.38.0), which needs liblzma.so.5 (usr/lib/T, a relative
// link to liblzma.so.5.6.1). lzma is where to build liblzma.so.5.6.1,
// relative to root; it is planted when planted is set.
func chainRoot(t *testing.T, root, lzma string, planted bool) {
	t.Helper()
	tr := triplet(t)
	src := func(n string) string { return filepath.Join("testdata", "chain", n) }
	at := func(p string) string {
		p = filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lzmaFile := at(lzma)
	args := []string{"-shared", "-fPIC", "-O2", "-Wl,-soname,liblzma.so.5", "-o", lzmaFile, src("lzma.c")}
	if planted {
		args = append(args, "-DPLANTED")
	}
	gcc(t, args...)
	systemd := at("lib/" + tr + "/libsystemd.so.0.38.0")
	gcc(t, "-shared", "-fPIC", "-Wl,-soname,libsystemd.so.0", "-Wl,--no-as-needed", "-o", systemd, src("systemd.c"), lzmaFile)
	gcc(t, "-Wl,--no-as-needed", "-o", at("usr/sbin/sshd"), src("sshd.c"), systemd, "-Wl,-rpath-link,"+filepath.Dir(lzmaFile))
	tree(t, root, map[string]string{"lib/" + tr + "/libsystemd.so.0": "->/lib/" + tr + "/libsystemd.so.0.38.0"})
}

func TestScanChainGCC(t *testing.T) {
	tr := triplet(t)
	lzmaDir := "usr/lib/" + tr
	tests := []struct {
		name    string
		planted bool
		// lzma is where liblzma.so.5.6.1 is built, link what
		// usr/lib/T/liblzma.so.5 points to.
		lzma, link string
		// found says liblzma.so.5 is found inside the root.
		found bool
	}{
		{name: "planted", planted: true, lzma: lzmaDir + "/liblzma.so.5.6.1", link: "liblzma.so.5.6.1", found: true},
		{name: "clean", lzma: lzmaDir + "/liblzma.so.5.6.1", link: "liblzma.so.5.6.1", found: true},
		// An absolute link out of the root is re-rooted: the planted
		// file outside is never read.
		{name: "absolute-link-outside", planted: true, lzma: "../outside/liblzma.so.5.6.1"},
		{name: "loop", planted: true, lzma: "opt/liblzma.so.5.6.1", link: "liblzma.so.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			link := tt.link
			if link == "" {
				link = filepath.Join(base, "outside", "liblzma.so.5.6.1")
			}
			chainRoot(t, root, tt.lzma, tt.planted)
			tree(t, root, map[string]string{lzmaDir + "/liblzma.so.5": "->" + link})

			got, err := ScanChain(context.Background(), root, "/usr/sbin/sshd", ChainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := &ChainResult{
				Executable: Library{Name: "sshd", Path: "usr/sbin/sshd", RealPath: "usr/sbin/sshd"},
				Libraries: []Library{{Name: "libsystemd.so.0", Path: "lib/" + tr + "/libsystemd.so.0",
					RealPath: "lib/" + tr + "/libsystemd.so.0.38.0", Version: "0.38.0", Parent: "usr/sbin/sshd"}},
				Missing: []string{"libc.so.6"},
			}
			if tt.found {
				lzma := Library{Name: "liblzma.so.5", Path: lzmaDir + "/liblzma.so.5", RealPath: lzmaDir + "/liblzma.so.5.6.1",
					Version: "5.6.1", Parent: "libsystemd.so.0"}
				if tt.planted {
					file := filepath.Join(root, filepath.FromSlash(lzma.RealPath))
					lzma.Findings = []finding.Finding{wantFinding(t, prologueRule, lzma.RealPath,
						fmt.Sprintf("rule %s pattern xc1 in section \".text\" at offset 0x%x: %s", prologueRule, symbolOffset(t, file, "planted_sig"), signatureHex))}
				}
				want.Libraries = append(want.Libraries, lzma)
			} else {
				want.Missing = append(want.Missing, "liblzma.so.5")
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ScanChain (-want +got):\n%s", diff)
			}
			if tt.found {
				wantPath := []string{"usr/sbin/sshd", "libsystemd.so.0", "liblzma.so.5"}
				if diff := cmp.Diff(wantPath, got.PathTo("liblzma.so.5")); diff != "" {
					t.Errorf("PathTo (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestScanChainSearchOrder checks that DT_RUNPATH ($ORIGIN) and
// ld.so.conf come before the default directories: a clean liblzma in
// usr/lib/T is shadowed by the planted one found first.
func TestScanChainSearchOrder(t *testing.T) {
	tr := triplet(t)
	clean := filepath.Join(t.TempDir(), "clean")
	tests := []struct {
		name, lzma string
		conf       map[string]string
	}{
		{name: "ld.so.conf", lzma: "opt/xz/lib/liblzma.so.5", conf: map[string]string{
			"etc/ld.so.conf":           "include ld.so.conf.d/*.conf\n",
			"etc/ld.so.conf.d/xz.conf": "/opt/xz/lib\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			chainRoot(t, root, tt.lzma, true)
			chainRoot(t, clean, "usr/lib/"+tr+"/liblzma.so.5", false)
			data, err := os.ReadFile(filepath.Join(clean, "usr", "lib", tr, "liblzma.so.5"))
			if err != nil {
				t.Fatal(err)
			}
			tree(t, root, tt.conf)
			tree(t, root, map[string]string{"usr/lib/" + tr + "/liblzma.so.5": string(data)})
			got, err := ScanChain(context.Background(), root, "usr/sbin/sshd", ChainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Libraries) != 2 || got.Libraries[1].Path != tt.lzma || len(got.Libraries[1].Findings) != 1 {
				t.Errorf("liblzma.so.5 resolved to %+v, want the planted %s", got.Libraries, tt.lzma)
			}
		})
	}
}

func TestScanChainErrors(t *testing.T) {
	root := t.TempDir()
	tree(t, root, map[string]string{"usr/bin/script": "#!/bin/sh\n", "loop": "->loop"})
	for _, exe := range []string{"usr/bin/script", "usr/bin/missing", "loop", "usr"} {
		if _, err := ScanChain(context.Background(), root, exe, ChainOptions{}); err == nil {
			t.Errorf("ScanChain(%s): no error", exe)
		}
	}
	if _, err := ScanChain(context.Background(), filepath.Join(root, "nope"), "x", ChainOptions{}); err == nil {
		t.Errorf("ScanChain with a missing root: no error")
	}
}
