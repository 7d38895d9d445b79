package release

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/release/m4"
)

// autoreconf runs the real autotools over the project (the test's own
// fixture, never scanned content) with extra files placed first, and
// returns what they generated: the files a `make dist` adds to git's.
func autoreconf(t *testing.T, git tree, extra tree) tree {
	t.Helper()
	for _, tool := range []string{"autoreconf", "automake", "libtoolize"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the test of real autotools output needs autoconf, automake and libtool", tool)
		}
	}
	if testing.Short() {
		t.Skip("-short: skipping autoreconf")
	}
	dir := t.TempDir()
	write := func(files tree) {
		for p, data := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(git)
	write(extra)
	cmd := exec.Command("autoreconf", "-fi")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("autoreconf -fi: %v\n%s", err, out)
	}
	gen := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		if d.IsDir() {
			if d.Name() == "autom4te.cache" {
				return filepath.SkipDir
			}
			return nil
		}
		if _, inGit := git[rel]; inGit || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		gen[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// TestAutoreconfRelease compares releases made by the real autotools of
// this machine: a clean one must stay at low against the system's own
// macros, and one whose m4/build-to-host.m4 carries the xz-utils lines
// (expanded by the real autoconf into configure) must put that macro first.
func TestAutoreconfRelease(t *testing.T) {
	f := loadFixtures(t)
	dirs := append(m4.DefaultDirs(), filepath.Join("testdata", "reference"))
	ref, err := m4.LoadReference(context.Background(), dirs...)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("clean", func(t *testing.T) {
		gen := autoreconf(t, f.git, tree{"m4/build-to-host.m4": f.malicious("../reference/build-to-host.m4")})
		if _, ok := gen["configure"]; !ok {
			t.Fatal("autoreconf made no configure")
		}
		rep := compare(t, f.git, release(f.git, gen), "tinyz-1.2.0.tar.gz", ref)
		for _, fd := range rep.Findings {
			if fd.Severity > finding.Low {
				t.Errorf("clean autoreconf release: %s above low:\n%s", fd.Locations[0].Path, dump(rep))
				break
			}
		}
		if rep.Summary.OnlyTarballGen != rep.Summary.OnlyTarball {
			t.Errorf("only-tarball files not recognised as generated: %+v\n%v", rep.Summary, rep.Files)
		}
	})
	t.Run("xz macro", func(t *testing.T) {
		corrupt := corruptFixture(t, f.malicious("stage1.sh"))
		git := f.git.clone()
		git["tests/files/bad-3-corrupt_lzma2.xz"] = corrupt
		gen := autoreconf(t, git, tree{"m4/build-to-host.m4": f.malicious("build-to-host.m4")})
		if !strings.Contains(string(gen["configure"]), "grep -aErls") {
			t.Fatal("autoconf did not expand the macro into configure")
		}
		rep := compare(t, git, release(git, gen), "tinyz-1.2.0.tar.xz", ref)
		if got := top(rep, 3); len(got) == 0 || got[0] != "critical m4/build-to-host.m4" {
			t.Fatalf("first findings = %v\n%s", got, dump(rep))
		}
		sev := map[string]finding.Severity{}
		for _, fd := range rep.Findings {
			sev[fd.Locations[0].Path] = fd.Severity
		}
		if sev["configure"] < finding.High || sev["tests/files/bad-3-corrupt_lzma2.xz"] < finding.Critical {
			t.Errorf("configure %s, fixture %s; want high and critical\n%s", sev["configure"], sev["tests/files/bad-3-corrupt_lzma2.xz"], dump(rep))
		}
	})
}
