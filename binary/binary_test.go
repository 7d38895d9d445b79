package binary

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

const signatureHex = "f30f1efa554889f54c89ce5389fb81e7000000804883ec28488954241848894c2410"

const prologueRule = "xz-cve-2024-3094-function-signature"

// wantFinding builds the finding expected for the embedded rule id at path,
// so that the tests check structure without restating the rule's prose.
func wantFinding(t *testing.T, id, path string, evidence ...string) finding.Finding {
	t.Helper()
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.ID != id {
			continue
		}
		return finding.Finding{
			ID:          "CVE-2024-3094",
			Aliases:     []string{"CVE-2024-3094", id},
			Kind:        finding.Malicious,
			Severity:    finding.Critical,
			Summary:     r.Description,
			Locations:   []inventory.Location{{Path: path}},
			Evidence:    evidence,
			References:  r.References,
			Source:      Source,
			Remediation: "Treat the file as compromised: replace it from a trusted build and investigate how it got there.",
		}
	}
	t.Fatalf("no rule %s", id)
	return finding.Finding{}
}

func scanFile(t *testing.T, path string) ([]finding.Finding, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Scan(context.Background(), bytes.NewReader(data), int64(len(data)), filepath.Base(path))
}

func TestDefaultRules(t *testing.T) {
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, fmt.Sprintf("%s %s %s %d", r.ID, r.Severity, r.Condition, len(r.Patterns)))
	}
	want := []string{
		"xz-cve-2024-3094-function-signature critical any 1",
		"xz-cve-2024-3094-injected-code critical all 3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultRules (-want +got):\n%s", diff)
	}
	if _, err := NewScanner(rules); err != nil {
		t.Errorf("NewScanner(DefaultRules()): %v", err)
	}
	// The prologue rule must be exactly the published sequence.
	if got := strings.ReplaceAll(rules[0].Patterns[0].Hex, " ", ""); got != signatureHex {
		t.Errorf("prologue pattern = %s, want %s", got, signatureHex)
	}
}

func TestScanFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []finding.Finding
	}{
		{"planted-tiny.elf", []finding.Finding{wantFinding(t, prologueRule, "planted-tiny.elf",
			"rule xz-cve-2024-3094-function-signature pattern xc1 in section \".text\" at offset 0x78: "+signatureHex)}},
		// Without section headers the whole file is code as far as we know.
		{"no-sections.elf", []finding.Finding{wantFinding(t, prologueRule, "no-sections.elf",
			"rule xz-cve-2024-3094-function-signature pattern xc1 in section \"(file)\" at offset 0x78: "+signatureHex)}},
		// The bytes in .rodata are data, as in a signature database.
		{"data-only.elf", nil},
		// Not ELF: nothing to say, and no error either.
		{"not-elf.txt", nil},
		{"planted.c", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := scanFile(t, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Scan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"truncated.elf", "truncated.elf: malformed elf: EOF"},
		{"section-past-end.elf", "section-past-end.elf: section .text [0x7fff0000, +0x22) lies outside the file of 368 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := scanFile(t, filepath.Join("testdata", tt.file))
			if err == nil {
				t.Fatalf("Scan = %v, nil error; want %q", got, tt.want)
			}
			var xe *extract.Error
			if !errors.As(err, &xe) || xe.Path != tt.file {
				t.Errorf("error %v is not an *extract.Error naming %s", err, tt.file)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanLimits(t *testing.T) {
	_, err := Scan(context.Background(), bytes.NewReader(nil), MaxFileSize+1, "huge")
	if !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("Scan of %d bytes: got %v, want ErrTooLarge", MaxFileSize+1, err)
	}
	got, err := Scan(context.Background(), bytes.NewReader([]byte("\x7fEL")), 3, "short")
	if err != nil || got != nil {
		t.Errorf("Scan of 3 bytes = %v, %v; want nil, nil", got, err)
	}
}

func TestScanAllCondition(t *testing.T) {
	rules := []Rule{{
		ID: "two", Severity: finding.High, Condition: All,
		Patterns: []RulePattern{{ID: "a", Hex: "f3 0f 1e fa"}, {ID: "b", Hex: "de ad be ef"}},
	}, {
		ID: "either", Severity: finding.Low, Condition: Any,
		Patterns: []RulePattern{{ID: "a", Hex: "f3 0f 1e fa"}, {ID: "b", Hex: "de ad be ef"}},
	}}
	s, err := NewScanner(rules)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/planted-tiny.elf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Scan(context.Background(), bytes.NewReader(data), int64(len(data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range got {
		ids = append(ids, f.ID+": "+strings.Join(f.Evidence, "; "))
	}
	want := []string{"either: rule either pattern a in section \".text\" at offset 0x78: f30f1efa"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestNewScannerErrors(t *testing.T) {
	p := []RulePattern{{ID: "a", Hex: "aa"}}
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"no id", []Rule{{Condition: Any, Patterns: p}}, "rule without id"},
		{"duplicate", []Rule{{ID: "r", Condition: Any, Patterns: p}, {ID: "r", Condition: Any, Patterns: p}}, "rule r: duplicate id"},
		{"condition", []Rule{{ID: "r", Condition: "2 of", Patterns: p}}, `rule r: condition "2 of" (want all or any)`},
		{"no patterns", []Rule{{ID: "r", Condition: All}}, "rule r: no patterns"},
		{"pattern id", []Rule{{ID: "r", Condition: All, Patterns: []RulePattern{{ID: "a", Hex: "aa"}, {ID: "a", Hex: "bb"}}}}, `rule r: pattern 2: missing or duplicate id "a"`},
		{"bad hex", []Rule{{ID: "r", Condition: All, Patterns: []RulePattern{{ID: "a", Hex: "aa [9-1] bb"}}}}, "rule r: pattern a: malformed pattern: jump at column 4: inverted bounds 9-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewScanner(tt.rules)
			if err == nil {
				t.Fatalf("NewScanner = nil error, want %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// gccBuild compiles testdata/src into dir; the result is scanned, never run.
func gccBuild(t *testing.T, src string, args ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found; skipping the test that builds a real executable")
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(src, ".c"))
	cmd := exec.Command(gcc, append(append([]string{}, args...), "-o", out, filepath.Join("testdata", src))...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, msg)
	}
	return out
}

// symbolOffset finds the file offset of a symbol in .text from the symbol
// table, independently of the scanner.
func symbolOffset(t *testing.T, path, name string) int64 {
	t.Helper()
	f, err := elf.Open(path)
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
		if s.Name == name {
			return int64(s.Value - text.Addr + text.Offset)
		}
	}
	t.Fatalf("%s: no symbol %s", path, name)
	return 0
}

func TestScanGCC(t *testing.T) {
	for _, opt := range []string{"-O0", "-O2"} {
		t.Run("planted"+opt, func(t *testing.T) {
			bin := gccBuild(t, "planted.c", opt)
			off := symbolOffset(t, bin, "planted_sig")
			want := []finding.Finding{wantFinding(t, prologueRule, "planted",
				fmt.Sprintf("rule %s pattern xc1 in section \".text\" at offset 0x%x: %s", prologueRule, off, signatureHex))}
			got, err := scanFile(t, bin)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Scan (-want +got):\n%s", diff)
			}
		})
		t.Run("clean"+opt, func(t *testing.T) {
			got, err := scanFile(t, gccBuild(t, "clean.c", opt))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]finding.Finding(nil), got); diff != "" {
				t.Errorf("Scan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanSystemBinary(t *testing.T) {
	const path = "/bin/true"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present", path)
	}
	got, err := scanFile(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]finding.Finding(nil), got); diff != "" {
		t.Errorf("Scan(%s) (-want +got):\n%s", path, diff)
	}
}

func FuzzScan(f *testing.F) {
	for _, name := range []string{"planted-tiny.elf", "no-sections.elf", "data-only.elf", "truncated.elf", "section-past-end.elf", "not-elf.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Scan(context.Background(), bytes.NewReader(data), int64(len(data)), "fuzz.elf")
		if err != nil {
			var xe *extract.Error
			if !errors.As(err, &xe) || xe.Path != "fuzz.elf" {
				t.Fatalf("error %v is not an *extract.Error naming fuzz.elf", err)
			}
			if got != nil {
				t.Fatalf("findings %v alongside error %v", got, err)
			}
			return
		}
		if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) && got != nil {
			t.Fatalf("findings for non-ELF input: %v", got)
		}
		for _, fd := range got {
			if fd.Kind != finding.Malicious || fd.ID == "" || len(fd.Evidence) == 0 {
				t.Fatalf("incomplete finding %+v", fd)
			}
			for _, ev := range fd.Evidence {
				var rule, pat, sec string
				var off int64
				if _, err := fmt.Sscanf(ev, "rule %s pattern %s in section %q at offset 0x%x:", &rule, &pat, &sec, &off); err != nil {
					t.Fatalf("evidence %q: %v", ev, err)
				}
				if off < 0 || off >= int64(len(data)) {
					t.Fatalf("evidence %q: offset outside the %d-byte input", ev, len(data))
				}
			}
		}
	})
}
