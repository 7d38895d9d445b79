package cli

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/binary"
)

// fakeRoot builds usr/sbin/sshd → libsystemd.so.0 → liblzma.so.5 (a link to
// liblzma.so.5.6.1) under a temporary root from binary/testdata/chain, with
// the xz backdoor's bytes in liblzma when planted. The files are scanned,
// never run. It returns the root and liblzma's file offset of the bytes.
func fakeRoot(t *testing.T, planted bool) (string, string, int64) {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found; skipping the test that builds a root filesystem")
	}
	tr := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH]
	if tr == "" {
		t.Skipf("no multiarch triplet known for %s", runtime.GOARCH)
	}
	root := t.TempDir()
	libdir := filepath.Join(root, "usr", "lib", tr)
	for _, d := range []string{libdir, filepath.Join(root, "usr", "sbin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := func(n string) string { return filepath.Join("..", "..", "binary", "testdata", "chain", n) }
	// A clean root carries a release the backdoor never reached: the
	// file name alone makes 5.6.0 and 5.6.1 findings.
	version := "5.4.5"
	if planted {
		version = "5.6.1"
	}
	lzma := filepath.Join(libdir, "liblzma.so."+version)
	systemd := filepath.Join(libdir, "libsystemd.so.0")
	lzmaArgs := []string{"-shared", "-fPIC", "-Wl,-soname,liblzma.so.5", "-o", lzma, src("lzma.c")}
	if planted {
		lzmaArgs = append(lzmaArgs, "-DPLANTED")
	}
	for _, args := range [][]string{
		lzmaArgs,
		{"-shared", "-fPIC", "-Wl,-soname,libsystemd.so.0", "-Wl,--no-as-needed", "-o", systemd, src("systemd.c"), lzma},
		{"-Wl,--no-as-needed", "-o", filepath.Join(root, "usr", "sbin", "sshd"), src("sshd.c"), systemd, "-Wl,-rpath-link," + libdir},
	} {
		if msg, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, msg)
		}
	}
	if err := os.Symlink("liblzma.so."+version, filepath.Join(libdir, "liblzma.so.5")); err != nil {
		t.Fatal(err)
	}
	var off int64 = -1
	if planted {
		f, err := elf.Open(lzma)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		syms, err := f.Symbols()
		if err != nil {
			t.Fatal(err)
		}
		text := f.Section(".text")
		for _, s := range syms {
			if s.Name == "planted_sig" {
				off = int64(s.Value - text.Addr + text.Offset)
			}
		}
	}
	return root, tr, off
}

func TestBinaryScan(t *testing.T) {
	rules, err := binary.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	root, tr, off := fakeRoot(t, true)
	const sig = "f30f1efa554889f54c89ce5389fb81e7000000804883ec28488954241848894c2410"
	want := fmt.Sprintf(`usr/sbin/sshd
  usr/sbin/sshd → libsystemd.so.0
  usr/sbin/sshd → libsystemd.so.0 → liblzma.so.5 (liblzma.so.5.6.1, version 5.6.1)
  missing: libc.so.6 (not found in the root)
  CRITICAL CVE-2024-3094 in liblzma.so.5 (usr/lib/%[1]s/liblzma.so.5.6.1): %[2]s
    rule xz-cve-2024-3094-function-signature pattern xc1 in section ".text" at offset 0x%[3]x: %[4]s
  CRITICAL CVE-2024-3094 in liblzma.so.5 (usr/lib/%[1]s/liblzma.so.5.6.1): liblzma 5.6.0/5.6.1 (CVE-2024-3094 backdoored releases)
    file name liblzma.so.5.6.1 gives version 5.6.1
1 executables, 2 libraries, 1 missing, 2 findings (2 critical)
`, tr, rules[0].Description, off, sig)
	out, errOut, code := run(t, "binary", "scan", "--root", root, "usr/sbin/sshd")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}

	out, errOut, code = run(t, "binary", "scan", "--root", root, "--format", "json", "--fail-on", "critical", "/usr/sbin/sshd")
	if code != ExitFindings {
		t.Errorf("--fail-on critical: exit %d, want %d: %s", code, ExitFindings, errOut)
	}
	var doc binaryDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if len(doc.Executables) != 1 {
		t.Fatalf("JSON has %d executables, want 1", len(doc.Executables))
	}
	res := doc.Executables[0]
	type lib struct{ Name, RealPath, Version, Parent string }
	var got []lib
	for _, l := range res.Libraries {
		got = append(got, lib{l.Name, l.RealPath, l.Version, l.Parent})
	}
	wantLibs := []lib{
		{"libsystemd.so.0", "usr/lib/" + tr + "/libsystemd.so.0", "0", "usr/sbin/sshd"},
		{"liblzma.so.5", "usr/lib/" + tr + "/liblzma.so.5.6.1", "5.6.1", "libsystemd.so.0"},
	}
	if diff := cmp.Diff(wantLibs, got); diff != "" {
		t.Errorf("JSON libraries (-want +got):\n%s", diff)
	}
	wantSummary := binarySummary{Executables: 1, Libraries: 2, Missing: 1, Findings: 2, BySeverity: map[string]int{"critical": 2}}
	if diff := cmp.Diff(wantSummary, doc.Summary); diff != "" {
		t.Errorf("JSON summary (-want +got):\n%s", diff)
	}
	if n := len(res.Libraries[1].Findings); n != 2 {
		t.Errorf("liblzma has %d findings in JSON, want 2 (the signature and the version)", n)
	}
}

func TestBinaryScanClean(t *testing.T) {
	root, _, _ := fakeRoot(t, false)
	out, errOut, code := run(t, "binary", "scan", "--root", root, "--fail-on", "low", "usr/sbin/sshd")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "1 executables, 2 libraries, 1 missing, 0 findings\n"; len(out) < len(want) || out[len(out)-len(want):] != want {
		t.Errorf("summary line: got\n%s\nwant it to end in %q", out, want)
	}
}

func TestBinaryScanUsage(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "script"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"binary", "scan", "--root", root, "missing"},
		{"binary", "scan", "--root", root, "script"},
		{"binary", "scan", "--root", filepath.Join(root, "nope"), "script"},
		{"binary", "scan", "--root", root, "--format", "sarif", "script"},
		{"binary", "scan", "--root", root, "--fail-on", "severe", "script"},
		{"binary", "scan"},
	}
	for _, args := range tests {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitUsage, errOut)
		}
	}
}
