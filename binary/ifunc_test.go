package binary

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

// The committed fixtures in testdata/ifunc are built from the sources
// there with (lzma-trampoline.so adds -DTRAMPOLINE; foreign.so is libfoo.c
// with -DFOREIGN and without -fvisibility and -soname; i386-irelative.so is
// i386.c with -m32 and without -fvisibility and -soname):
//
//	gcc -shared -fPIC -Os -fvisibility=hidden -nostdlib -s -Wl,--build-id=none \
//	  -Wl,-z,noseparate-code -Wl,-z,max-page-size=16 -Wl,-z,common-page-size=16 \
//	  -Wl,-z,norelro -Wl,--hash-style=gnu -Wl,-soname,liblzma.so.5 -o lzma-clean.so lzma.c
//
// Their addresses below were read with objdump -d and readelf --debug-dump=frames.

// fsum is the part of a finding that differs between cases; the rest is
// checked by checkFindings for every finding.
type fsum struct {
	ID       string
	Severity finding.Severity
	Summary  string // compared for the informational finding only
	Evidence []string
}

func summarize(fs []finding.Finding) []fsum {
	var out []fsum
	for _, f := range fs {
		s := fsum{ID: f.ID, Severity: f.Severity, Evidence: f.Evidence}
		if f.ID == IDResolversPresent || f.ID == IDBackdooredRelease {
			s.Summary = f.Summary
		}
		out = append(out, s)
	}
	return out
}

// checkFindings checks what every finding of the loader checks carries.
func checkFindings(t *testing.T, path string, fs []finding.Finding) {
	t.Helper()
	for _, f := range fs {
		kind := finding.Integrity
		if f.ID == IDBackdooredRelease {
			kind = finding.Malicious
		}
		if f.Kind != kind || f.Source != IFuncSource || f.Summary == "" || len(f.Evidence) == 0 ||
			!slices.Equal(f.Aliases, []string{f.ID}) || !slices.Equal(f.Locations, []inventory.Location{{Path: path}}) {
			t.Errorf("finding %s: incomplete or wrong: %+v", f.ID, f)
		}
	}
}

func lowSummary(names string) string {
	return "IFUNC resolvers present (" + names + "): the hook the CVE-2024-3094 backdoor used; compare with the distribution's build"
}

func scanIFuncs(t *testing.T, file, name string) *IFuncReport {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := IFuncs(context.Background(), bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestIFuncsFixtures(t *testing.T) {
	trampoline := "resolver of lzma_crc64 @0x7df (size 0x1a)"
	tests := []struct {
		file, name   string
		want         *IFuncReport
		wantFindings []fsum
	}{
		{
			// Inline CPUID, as xz's resolvers: informational only.
			file: "lzma-clean.so", name: "liblzma.so.5.6.1",
			want: &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{
				{Symbol: "lzma_crc64", Resolver: 0x222, Section: ".text", Size: 0x2a},
				// -Os folded crc32_resolve into a 2-byte jump.
				{Symbol: "lzma_crc32", Resolver: 0x24c, Section: ".text", Size: 0x2},
			}},
			wantFindings: []fsum{{ID: IDResolversPresent, Severity: finding.Low, Summary: lowSummary("lzma_crc32, lzma_crc64"),
				Evidence: []string{"resolver of lzma_crc64 @0x222 (size 0x2a)", "resolver of lzma_crc32 @0x24c (size 0x2)"}}},
		},
		{
			// The backdoor's shape, stripped: sizes come from .eh_frame.
			file: "lzma-trampoline.so", name: "liblzma.so.5.6.1",
			want: &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{
				{Symbol: "lzma_crc64", Resolver: 0x7df, Section: ".text", Size: 0x1a, Calls: []uint64{0x7c3}},
				{Symbol: "lzma_crc32", Resolver: 0x7f9, Section: ".text", Size: 0x1a, Calls: []uint64{0x222}},
			}},
			wantFindings: []fsum{
				{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{
					trampoline + " calls 0x7c3 (an unnamed 0x1c-byte function in section \".text\"), which calls 0x23d, into an unnamed 0x586-byte function in section \".text\": larger than a CPU-feature helper (over 256 bytes)",
				}},
				{ID: IDResolversPresent, Severity: finding.Low, Summary: lowSummary("lzma_crc32, lzma_crc64"),
					Evidence: []string{trampoline, "resolver of lzma_crc32 @0x7f9 (size 0x1a)"}},
			},
		},
		{
			// The same file under another name is only listed: the
			// call checks are liblzma's.
			file: "lzma-trampoline.so", name: "libother.so.1",
			want: &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{
				{Symbol: "lzma_crc64", Resolver: 0x7df, Section: ".text", Size: 0x1a, Calls: []uint64{0x7c3}},
				{Symbol: "lzma_crc32", Resolver: 0x7f9, Section: ".text", Size: 0x1a, Calls: []uint64{0x222}},
			}},
		},
		{
			// REL relocations keep the resolver in the GOT slot.
			file: "i386-irelative.so", name: "libpick.so",
			want: &IFuncReport{Machine: "EM_386", IFuncs: []IFunc{{Resolver: 0x164, Section: ".text", Size: 44}}},
		},
		{file: "../planted-tiny.elf", name: "planted", want: &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{}}},
		{file: "../not-elf.txt", name: "liblzma.so.5.6.1"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.name, func(t *testing.T) {
			got := scanIFuncs(t, filepath.Join("testdata", "ifunc", tt.file), tt.name)
			var fs []finding.Finding
			if got != nil {
				fs, got.Findings = got.Findings, nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IFuncs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFindings, summarize(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			checkFindings(t, tt.name, fs)
		})
	}
}

// TestIFuncsFixtureForeign reads foreign.so, libfoo.c -DFOREIGN built as
// the other fixtures: x86-64 RELA relocations and a PLT entry named by its
// GOT slot, without gcc.
func TestIFuncsFixtureForeign(t *testing.T) {
	got := scanIFuncs(t, filepath.Join("testdata", "ifunc", "foreign.so"), "libfoo.so.1")
	if len(got.IFuncs) != 41 || got.Truncated {
		t.Errorf("%d resolvers (truncated %v), want 41", len(got.IFuncs), got.Truncated)
	}
	want := []fsum{{ID: IDForeignName, Severity: finding.Medium, Evidence: []string{
		"IFUNC symbol RSA_public_decrypt (resolver @0x928) bears the name of libcrypto's interface",
		"resolver of RSA_public_decrypt @0x928 (size 0x1a) calls 0x880, the PLT entry of dlsym: the name of libc/libdl's interface",
	}}}
	if diff := cmp.Diff(want, summarize(got.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	checkFindings(t, "libfoo.so.1", got.Findings)
}

// patch returns a copy of the fixture with the 64-bit little-endian or
// 32-bit field of section sec's header at off set to v.
func patch(t *testing.T, file, sec string, off int, v uint64) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ifunc", file))
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var shoff uint64
	var entsize uint64
	if f.Class == elf.ELFCLASS64 {
		shoff, entsize = binary.LittleEndian.Uint64(data[0x28:]), uint64(binary.LittleEndian.Uint16(data[0x3a:]))
	} else {
		shoff, entsize = uint64(binary.LittleEndian.Uint32(data[0x20:])), uint64(binary.LittleEndian.Uint16(data[0x2e:]))
	}
	for i, s := range f.Sections {
		if s.Name != sec {
			continue
		}
		at := shoff + uint64(i)*entsize + uint64(off)
		if f.Class == elf.ELFCLASS64 {
			binary.LittleEndian.PutUint64(data[at:], v)
		} else {
			binary.LittleEndian.PutUint32(data[at:], uint32(v))
		}
		return data
	}
	t.Fatalf("%s: no section %s", file, sec)
	return nil
}

func TestIFuncsErrors(t *testing.T) {
	trampoline, err := os.ReadFile("testdata/ifunc/lzma-trampoline.so")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		size int64 // 0: len(data)
		want string
	}{
		{"truncated", trampoline[:200], 0, "x: malformed elf: EOF"},
		// sh_offset of .rel.plt (0x10 in an Elf32_Shdr) past the end.
		{"rel-past-end", patch(t, "i386-irelative.so", ".rel.plt", 0x10, 0x7fff0000), 0,
			"x: malformed elf: section .rel.plt [0x7fff0000, +0x8) lies outside the file of 1552 bytes"},
		{"too-large", nil, MaxFileSize + 1, "x: input exceeds size limit: 1073741825 bytes, limit 1073741824"},
		{"negative", nil, -1, "x: negative size -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := tt.size
			if size == 0 {
				size = int64(len(tt.data))
			}
			got, err := IFuncs(context.Background(), bytes.NewReader(tt.data), size, "x")
			if err == nil {
				t.Fatalf("IFuncs = %+v, nil error; want %q", got, tt.want)
			}
			var xe *extract.Error
			if !errors.As(err, &xe) || xe.Path != "x" {
				t.Errorf("error %v is not an *extract.Error naming x", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	// Short input is not ELF: nothing, no error.
	if got, err := IFuncs(context.Background(), bytes.NewReader([]byte("\x7fEL")), 3, "x"); got != nil || err != nil {
		t.Errorf("IFuncs of 3 bytes = %v, %v; want nil, nil", got, err)
	}
}

func TestIFuncsBounds(t *testing.T) {
	// A .dynsym claiming more symbols than the bound is skipped, not
	// read: the report says so. sh_size is at 0x20 in an Elf64_Shdr.
	data := patch(t, "lzma-trampoline.so", ".dynsym", 0x20, 24*(maxSymbols+1))
	got, err := IFuncs(context.Background(), bytes.NewReader(data), int64(len(data)), "liblzma.so.5")
	if err != nil {
		t.Fatal(err)
	}
	want := &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{}, Truncated: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IFuncs (-want +got):\n%s", diff)
	}
	// An .eh_frame of garbage costs the sizes, nothing else.
	data = patch(t, "lzma-trampoline.so", ".eh_frame", 0x18, 0x10) // sh_offset: into .gnu.hash
	got, err = IFuncs(context.Background(), bytes.NewReader(data), int64(len(data)), "libx.so")
	if err != nil {
		t.Fatal(err)
	}
	want = &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{
		// The symbol's own size is all that is left, and without
		// function bounds any target in code counts.
		{Symbol: "lzma_crc64", Resolver: 0x7df, Section: ".text", Size: 0x1a, Calls: []uint64{0x7c3}},
		{Symbol: "lzma_crc32", Resolver: 0x7f9, Section: ".text", Size: 0x1a, Calls: []uint64{0x222}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IFuncs with a garbage .eh_frame (-want +got):\n%s", diff)
	}
}

// sym is a function symbol of a gcc build, read independently of IFuncs.
type sym struct {
	addr, size uint64
	section    string
}

func symbolsOf(t *testing.T, file string) map[string]sym {
	t.Helper()
	f, err := elf.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sym{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && int(s.Section) < len(f.Sections) {
			out[s.Name] = sym{s.Value, s.Size, f.Sections[s.Section].Name}
		}
	}
	return out
}

// pltCall finds, with objdump, the address of the PLT entry of name that
// the file calls.
func pltCall(t *testing.T, file, name string) uint64 {
	t.Helper()
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("objdump not found; skipping the check of calls through the PLT")
	}
	out, err := exec.Command(objdump, "-d", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`call\s+([0-9a-f]+) <` + regexp.QuoteMeta(name) + `@plt>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("objdump %s: no call to %s@plt", file, name)
	}
	v, err := strconv.ParseUint(string(m[1]), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func needAMD64(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the test libraries use x86 CPUID and the call checks decode x86-64; GOARCH is %s", runtime.GOARCH)
	}
}

// buildLib compiles testdata/ifunc/src into dir/name with gcc and returns
// its path and, when strip is set, that of an unstripped twin with the
// same layout, for reading addresses.
func buildLib(t *testing.T, dir, name, src string, strip bool, args ...string) (file, ref string) {
	t.Helper()
	file = filepath.Join(dir, name)
	base := append([]string{"-shared", "-fPIC", "-O2"}, args...)
	base = append(base, filepath.Join("testdata", "ifunc", src))
	if !strip {
		gcc(t, append(base, "-o", file)...)
		return file, file
	}
	ref = filepath.Join(dir, "unstripped-"+name)
	gcc(t, append(base, "-o", ref)...)
	gcc(t, append(base, "-s", "-o", file)...)
	return file, ref
}

func TestIFuncsLzmaGCC(t *testing.T) {
	needAMD64(t)
	const high = "larger than a CPU-feature helper (over 256 bytes)"
	hidden := "-fvisibility=hidden"
	fnText := func(s sym, name string) string {
		return fmt.Sprintf("a 0x%x-byte function %s in section %q", s.size, name, s.section)
	}
	tests := []struct {
		name  string
		strip bool
		args  []string
		// calls gives crc64_resolve's expected calls; want the
		// findings other than the informational one, which every case
		// has. label is crc64_resolve's evidence label.
		calls func(s map[string]sym, file string) []uint64
		want  func(s map[string]sym, file, label string) []fsum
	}{
		{name: "inline-cpuid", args: []string{hidden}},
		{name: "builtin-cpu-supports", args: []string{hidden, "-DBUILTIN"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["__cpu_indicator_init"].addr} }},
		{name: "builtin-cpu-supports-stripped", strip: true, args: []string{hidden, "-DBUILTIN"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["__cpu_indicator_init"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				c := s["__cpu_indicator_init"]
				return []fsum{{ID: IDResolverUnverified, Severity: finding.Medium, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x outside itself, into an unnamed 0x%x-byte function in section \".text\": it executes cpuid, as a statically linked __cpu_indicator_init would, but has no symbol to confirm it",
					label, c.addr, c.size)}}}
			}},
		{name: "small-helper", args: []string{hidden, "-DHELPER"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["has_clmul"].addr} }},
		{name: "hostile", args: []string{hidden, "-DHOSTILE"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["backdoor_init"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				b := s["backdoor_init"]
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x outside itself, into %s: %s", label, b.addr, fnText(b, "backdoor_init"), high)}}}
			}},
		{name: "hostile-other-section", args: []string{hidden, "-DHOSTILE", `-DEVIL_SECTION=".lzma_evil"`},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["backdoor_init"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				b := s["backdoor_init"]
				if b.section != ".lzma_evil" {
					t.Fatalf("backdoor_init in %s, want .lzma_evil", b.section)
				}
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x outside itself, into %s: outside the resolver's section \".text\"", label, b.addr, fnText(b, "backdoor_init"))}}}
			}},
		// GNU ld merges .text.* into .text: the size still tells.
		{name: "hostile-text-evil", args: []string{hidden, "-DHOSTILE", `-DEVIL_SECTION=".text.evil"`},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["backdoor_init"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				b := s["backdoor_init"]
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x outside itself, into %s: %s", label, b.addr, fnText(b, "backdoor_init"), high)}}}
			}},
		// Exported, so called through the PLT entry the file resolves
		// to its own definition.
		{name: "hostile-through-plt", args: []string{"-DHOSTILE"},
			calls: func(_ map[string]sym, file string) []uint64 { return []uint64{pltCall(t, file, "backdoor_init")} },
			want: func(s map[string]sym, file, label string) []fsum {
				b := s["backdoor_init"]
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x outside itself, into the PLT entry of backdoor_init, defined here as a 0x%x-byte function in section \".text\": %s",
					label, pltCall(t, file, "backdoor_init"), b.size, high)}}}
			}},
		{name: "trampoline", args: []string{hidden, "-DTRAMPOLINE"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["_get_cpuid"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				g, b := s["_get_cpuid"], s["backdoor_init"]
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x (%s), which calls 0x%x, into %s: %s", label, g.addr, fnText(g, "_get_cpuid"), b.addr, fnText(b, "backdoor_init"), high)}}}
			}},
		{name: "trampoline-stripped", strip: true, args: []string{hidden, "-DTRAMPOLINE"},
			calls: func(s map[string]sym, _ string) []uint64 { return []uint64{s["_get_cpuid"].addr} },
			want: func(s map[string]sym, _, label string) []fsum {
				g, b := s["_get_cpuid"], s["backdoor_init"]
				return []fsum{{ID: IDResolverCalls, Severity: finding.High, Evidence: []string{fmt.Sprintf(
					"%s calls 0x%x (an unnamed 0x%x-byte function in section \".text\"), which calls 0x%x, into an unnamed 0x%x-byte function in section \".text\": %s",
					label, g.addr, g.size, b.addr, b.size, high)}}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, ref := buildLib(t, t.TempDir(), "liblzma.so.5.6.1", "lzma.c", tt.strip, append(tt.args, "-Wl,-soname,liblzma.so.5")...)
			s := symbolsOf(t, ref)
			r64, r32 := s["crc64_resolve"], s["crc32_resolve"]
			want := &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{
				{Symbol: "lzma_crc64", ResolverName: "crc64_resolve", Resolver: r64.addr, Section: ".text", Size: r64.size},
				{Symbol: "lzma_crc32", ResolverName: "crc32_resolve", Resolver: r32.addr, Section: ".text", Size: r32.size},
			}}
			label64 := fmt.Sprintf("crc64_resolve @0x%x (size 0x%x, IFUNC lzma_crc64)", r64.addr, r64.size)
			label32 := fmt.Sprintf("crc32_resolve @0x%x (size 0x%x, IFUNC lzma_crc32)", r32.addr, r32.size)
			names := "crc32_resolve, crc64_resolve"
			if tt.strip {
				for i := range want.IFuncs {
					want.IFuncs[i].ResolverName = ""
				}
				label64 = fmt.Sprintf("resolver of lzma_crc64 @0x%x (size 0x%x)", r64.addr, r64.size)
				label32 = fmt.Sprintf("resolver of lzma_crc32 @0x%x (size 0x%x)", r32.addr, r32.size)
				names = "lzma_crc32, lzma_crc64"
			}
			if tt.calls != nil {
				want.IFuncs[0].Calls = tt.calls(s, ref)
			}
			slices.SortFunc(want.IFuncs, func(a, b IFunc) int { return int(a.Resolver) - int(b.Resolver) })
			var wantF []fsum
			if tt.want != nil {
				wantF = tt.want(s, ref, label64)
			}
			labels := []string{label64, label32}
			if r32.addr < r64.addr {
				labels = []string{label32, label64}
			}
			wantF = append(wantF, fsum{ID: IDResolversPresent, Severity: finding.Low, Summary: lowSummary(names), Evidence: labels})

			got := scanIFuncs(t, file, "liblzma.so.5.6.1")
			fs := got.Findings
			got.Findings = nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("IFuncs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantF, summarize(fs)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			checkFindings(t, "liblzma.so.5.6.1", fs)
		})
	}
}

func TestIFuncsObjectFile(t *testing.T) {
	needAMD64(t)
	obj := filepath.Join(t.TempDir(), "lzma.o")
	gcc(t, "-c", "-fPIC", "-O2", "-DTRAMPOLINE", "-o", obj, filepath.Join("testdata", "ifunc", "lzma.c"))
	// IFUNC symbols of an object file are resolved by the linker, never
	// by ld.so: nothing to report.
	want := &IFuncReport{Machine: "EM_X86_64", IFuncs: []IFunc{}}
	if diff := cmp.Diff(want, scanIFuncs(t, obj, "liblzma.so.5.6.1")); diff != "" {
		t.Errorf("IFuncs (-want +got):\n%s", diff)
	}
}

// TestIFuncsLibraries checks the checks every library gets, and that
// glibc-style use of IFUNC stays quiet.
func TestIFuncsLibraries(t *testing.T) {
	needAMD64(t)
	tests := []struct {
		name  string // file name, which says which library it is
		args  []string
		count int // resolvers
		want  func(s map[string]sym, file string) []fsum
	}{
		{name: "libfoo.so.1", count: 40},
		// glibc's own libraries are never flagged, whatever they hold.
		{name: "libc.so.6", args: []string{"-DOUTSIDE_TEXT", "-DFOREIGN"}, count: 42},
		{name: "libm-2.31.so", args: []string{"-DOUTSIDE_TEXT", "-DFOREIGN"}, count: 42},
		{name: "libfoo.so.1", args: []string{"-DOUTSIDE_TEXT"}, count: 41,
			want: func(s map[string]sym, _ string) []fsum {
				r := s["early_resolve"]
				return []fsum{{ID: IDResolverSection, Severity: finding.Medium, Evidence: []string{fmt.Sprintf(
					"early_resolve @0x%x (size 0x%x, IFUNC foo_early) is in section \".text_resolvers\", not .text", r.addr, r.size)}}}
			}},
		{name: "libfoo.so.1", args: []string{"-DFOREIGN"}, count: 41,
			want: func(s map[string]sym, file string) []fsum {
				r := s["rsa_resolve"]
				return []fsum{{ID: IDForeignName, Severity: finding.Medium, Evidence: []string{
					fmt.Sprintf("IFUNC symbol RSA_public_decrypt (resolver @0x%x) bears the name of libcrypto's interface", r.addr),
					fmt.Sprintf("rsa_resolve @0x%x (size 0x%x, IFUNC RSA_public_decrypt) calls 0x%x, the PLT entry of dlsym: the name of libc/libdl's interface",
						r.addr, r.size, pltCall(t, file, "dlsym")),
				}}}
			}},
		// libcrypto owns RSA_*; calling dlsym from a resolver is still odd.
		{name: "libcrypto.so.3", args: []string{"-DFOREIGN"}, count: 41,
			want: func(s map[string]sym, file string) []fsum {
				r := s["rsa_resolve"]
				return []fsum{{ID: IDForeignName, Severity: finding.Medium, Evidence: []string{
					fmt.Sprintf("rsa_resolve @0x%x (size 0x%x, IFUNC RSA_public_decrypt) calls 0x%x, the PLT entry of dlsym: the name of libc/libdl's interface",
						r.addr, r.size, pltCall(t, file, "dlsym")),
				}}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name+strings.Join(tt.args, ""), func(t *testing.T) {
			file, _ := buildLib(t, t.TempDir(), tt.name, "libfoo.c", false, append(tt.args, "-ldl")...)
			got := scanIFuncs(t, file, tt.name)
			if len(got.IFuncs) != tt.count || got.Truncated {
				t.Errorf("%d resolvers (truncated %v), want %d", len(got.IFuncs), got.Truncated, tt.count)
			}
			s := symbolsOf(t, file)
			for _, in := range got.IFuncs {
				r, ok := s[in.ResolverName]
				if !ok || r.addr != in.Resolver || r.size != in.Size || in.Section != r.section {
					t.Errorf("resolver %+v does not match its symbol %+v", in, r)
				}
			}
			var want []fsum
			if tt.want != nil {
				want = tt.want(s, file)
			}
			if diff := cmp.Diff(want, summarize(got.Findings)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			checkFindings(t, tt.name, got.Findings)
		})
	}
}

// TestIFuncsSystem reads the libraries of this machine: they must parse,
// and glibc's many resolvers must yield nothing.
func TestIFuncsSystem(t *testing.T) {
	var files []string
	for _, pat := range []string{"/lib/x86_64-linux-gnu/liblzma.so.5*", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "/lib64/ld-linux-x86-64.so.2"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no x86-64 system libraries here")
	}
	seen := map[string]bool{}
	for _, file := range files {
		real, err := filepath.EvalSymlinks(file)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		t.Run(filepath.Base(real), func(t *testing.T) {
			got := scanIFuncs(t, real, real)
			calls := 0
			for _, in := range got.IFuncs {
				calls += len(in.Calls)
			}
			t.Logf("%s: %s, %d IFUNC resolvers, %d direct calls from them, %d findings, truncated %v",
				real, got.Machine, len(got.IFuncs), calls, len(got.Findings), got.Truncated)
			if got.Machine != "EM_X86_64" || got.Truncated {
				t.Errorf("machine %s, truncated %v", got.Machine, got.Truncated)
			}
			for _, f := range got.Findings {
				if f.Severity > finding.Low {
					t.Errorf("%s finding on a distribution library: %s %v", f.Severity, f.Summary, f.Evidence)
				}
			}
			if stem(filepath.Base(real)) == "libc" && (len(got.IFuncs) == 0 || len(got.Findings) > 0) {
				t.Errorf("libc: %d resolvers and %d findings; want some and none", len(got.IFuncs), len(got.Findings))
			}
		})
	}
}

func TestScanChainIFunc(t *testing.T) {
	needAMD64(t)
	tr := triplet(t)
	dir := "usr/lib/" + tr
	critical := func(v string) fsum {
		return fsum{ID: IDBackdooredRelease, Severity: finding.Critical, Summary: "liblzma 5.6.0/5.6.1 (CVE-2024-3094 backdoored releases)",
			Evidence: []string{fmt.Sprintf("file name liblzma.so.%s gives version %s", v, v)}}
	}
	tests := []struct {
		name    string
		version string
		// src is the liblzma built, from testdata/ifunc; "" keeps the
		// chain's stand-in without IFUNCs.
		src, def string
		off      bool // ChainOptions.IFunc unset
		want     []string
		ifuncs   int
	}{
		{name: "5.6.1-trampoline", version: "5.6.1", src: "lzma.c", def: "-DTRAMPOLINE",
			want: []string{IDBackdooredRelease, IDResolverCalls, IDResolversPresent}, ifuncs: 2},
		{name: "5.6.0-no-ifunc", version: "5.6.0", want: []string{IDBackdooredRelease}},
		{name: "5.4.5-clean-ifunc", version: "5.4.5", src: "lzma.c", def: "-DCLEAN", want: []string{IDResolversPresent}, ifuncs: 2},
		{name: "off", version: "5.6.1", src: "lzma.c", def: "-DTRAMPOLINE", off: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			real := dir + "/liblzma.so." + tt.version
			chainRoot(t, root, real, false)
			if tt.src != "" {
				gcc(t, "-shared", "-fPIC", "-O2", "-fvisibility=hidden", tt.def, "-Wl,-soname,liblzma.so.5",
					"-o", filepath.Join(root, filepath.FromSlash(real)), filepath.Join("testdata", "ifunc", tt.src))
			}
			tree(t, root, map[string]string{dir + "/liblzma.so.5": "->liblzma.so." + tt.version})
			got, err := ScanChain(context.Background(), root, "usr/sbin/sshd", ChainOptions{IFunc: !tt.off})
			if err != nil {
				t.Fatal(err)
			}
			want := &ChainResult{
				Executable: Library{Name: "sshd", Path: "usr/sbin/sshd", RealPath: "usr/sbin/sshd"},
				Libraries: []Library{
					{Name: "libsystemd.so.0", Path: "lib/" + tr + "/libsystemd.so.0", RealPath: "lib/" + tr + "/libsystemd.so.0.38.0", Version: "0.38.0", Parent: "usr/sbin/sshd"},
					{Name: "liblzma.so.5", Path: dir + "/liblzma.so.5", RealPath: real, Version: tt.version, Parent: "libsystemd.so.0"},
				},
				Missing: []string{"libc.so.6"},
			}
			opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Library{}, "Findings", "IFuncs")}
			if diff := cmp.Diff(want, got, opts...); diff != "" {
				t.Errorf("ScanChain (-want +got):\n%s", diff)
			}
			if len(got.Libraries) != 2 {
				return
			}
			lz := got.Libraries[1]
			var ids []string
			for _, f := range lz.Findings {
				ids = append(ids, f.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("liblzma findings (-want +got):\n%s", diff)
			}
			if len(lz.Findings) > 0 && lz.Findings[0].ID == IDBackdooredRelease {
				if diff := cmp.Diff([]fsum{critical(tt.version)}, summarize(lz.Findings[:1])); diff != "" {
					t.Errorf("release finding (-want +got):\n%s", diff)
				}
			}
			checkFindings(t, real, lz.Findings)
			if len(lz.IFuncs) != tt.ifuncs {
				t.Errorf("liblzma IFuncs = %+v, want %d", lz.IFuncs, tt.ifuncs)
			}
			if f := append(got.Executable.Findings, got.Libraries[0].Findings...); len(f) > 0 || got.Libraries[0].IFuncs != nil {
				t.Errorf("findings outside liblzma: %+v", f)
			}
		})
	}
}

func TestBackdooredRelease(t *testing.T) {
	for name, want := range map[string]string{
		"liblzma.so.5.6.1":                 "5.6.1",
		"/usr/lib/x86_64/liblzma.so.5.6.0": "5.6.0",
		"liblzma.so.5.6.2":                 "",
		"liblzma.so.5.4.5":                 "",
		"liblzma.so.5":                     "",
		"liblzma.so.5.6.1.bak":             "",
		"libfoo.so.5.6.1":                  "",
		"liblzma-5.6.1.tar.gz":             "",
	} {
		f, ok := BackdooredRelease(name)
		if got := f.Version; ok != (want != "") || got != want {
			t.Errorf("BackdooredRelease(%q) = %q, %v; want %q", name, got, ok, want)
		}
		if ok {
			checkFindings(t, name, []finding.Finding{f})
		}
	}
}

func TestEvidenceCap(t *testing.T) {
	var e evidence
	for i := range maxEvidence + 5 {
		e.add(strconv.Itoa(i))
	}
	got := e.list()
	if len(got) != maxEvidence+1 || got[0] != "0" || got[maxEvidence-1] != strconv.Itoa(maxEvidence-1) || got[maxEvidence] != "... and 5 more" {
		t.Errorf("evidence = %q", got)
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"libc.so.6":            "libc",
		"libc-2.31.so":         "libc",
		"libm.so.6":            "libm",
		"ld-linux-x86-64.so.2": "ld-linux",
		"ld-2.31.so":           "ld",
		"liblzma.so.5.6.1":     "liblzma",
		"liblzma.so":           "liblzma",
		"libgcc_s.so.1":        "libgcc_s",
		"libfoo.sox":           "libfoo.sox",
		"sshd":                 "sshd",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEHEncoded(t *testing.T) {
	tests := []struct {
		name string
		enc  byte
		data []byte
		want uint64
		ok   bool
	}{
		{"absptr", 0x00, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0x0807060504030201, true},
		{"udata2", 0x02, []byte{0x34, 0x12}, 0x1234, true},
		{"sdata2", 0x0a, []byte{0xfe, 0xff}, ^uint64(1), true},
		{"sdata4-pcrel", 0x1b, []byte{0, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff}, 0x1000 + 4 - 16, true},
		{"uleb128", 0x01, []byte{0xe5, 0x8e, 0x26}, 624485, true},
		{"sleb128", 0x09, []byte{0xc0, 0xbb, 0x78}, uint64(0xffffffffffffffff - 123455), true},
		{"udata8", 0x04, []byte{1, 0, 0, 0, 0, 0, 0, 0}, 1, true},
		{"short", 0x03, []byte{1, 2}, 0, false},
		{"datarel", 0x3b, []byte{0, 0, 0, 0}, 0, false},
		{"indirect", 0x9b, []byte{0, 0, 0, 0}, 0, false},
		{"omit", 0xff, []byte{0}, 0, false},
		{"uleb-unterminated", 0x01, []byte{0x80, 0x80}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ehParser{data: tt.data, addr: 0x1000, ptr: 8, bo: binary.LittleEndian}
			p := 0
			if tt.enc&0x70 == 0x10 {
				p = 4 // a pc-relative field not at the start of the section
			}
			got, ok := e.encoded(tt.enc, &p, len(tt.data))
			if got != tt.want || ok != tt.ok {
				t.Errorf("encoded(0x%x, % x) = 0x%x, %v; want 0x%x, %v", tt.enc, tt.data, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzIFuncs(f *testing.F) {
	for _, name := range []string{"ifunc/lzma-clean.so", "ifunc/lzma-trampoline.so", "ifunc/foreign.so", "ifunc/i386-irelative.so", "planted-tiny.elf", "no-sections.elf", "truncated.elf", "not-elf.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "liblzma.so.5.6.1"
		got, err := IFuncs(context.Background(), bytes.NewReader(data), int64(len(data)), path)
		if err != nil {
			var xe *extract.Error
			if !errors.As(err, &xe) || xe.Path != path {
				t.Fatalf("error %v is not an *extract.Error naming %s", err, path)
			}
			if got != nil {
				t.Fatalf("report %+v alongside error %v", got, err)
			}
			return
		}
		if got == nil {
			if bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
				t.Fatalf("no report and no error for ELF input")
			}
			return
		}
		if got.Machine == "" || len(got.IFuncs) > maxIFuncs {
			t.Fatalf("report %+v", got)
		}
		for i, in := range got.IFuncs {
			if i > 0 && got.IFuncs[i-1].Resolver > in.Resolver {
				t.Fatalf("resolvers out of order: %+v", got.IFuncs)
			}
			if len(in.Calls) > MaxResolverBytes/5 {
				t.Fatalf("%d calls from %+v", len(in.Calls), in)
			}
			for _, c := range in.Calls {
				if c-in.Resolver < max(in.Size, 1) {
					t.Fatalf("call 0x%x inside resolver %+v", c, in)
				}
			}
		}
		checkFindings(t, path, got.Findings)
		for i, fd := range got.Findings {
			if len(fd.Evidence) > maxEvidence+1 {
				t.Fatalf("finding %s: %d evidence lines", fd.ID, len(fd.Evidence))
			}
			if fd.Severity < finding.Low || fd.Severity > finding.High || (i > 0 && got.Findings[i-1].Severity < fd.Severity) {
				t.Fatalf("finding %s: severity %s out of range or order", fd.ID, fd.Severity)
			}
		}
	})
}
