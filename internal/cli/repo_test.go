package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// smallRepo is a one-maintainer project with a binary test file added
// just before a tag: enough for every output of 'vouch repo risk'.
func smallRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(date string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=Lasse", "GIT_AUTHOR_EMAIL=lasse@example.org", "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME=Lasse", "GIT_COMMITTER_EMAIL=lasse@example.org", "GIT_COMMITTER_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(p string, data []byte) {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), data, 0o644)
	}
	git("2020-01-01T10:00:00Z", "init", "-q", "-b", "main")
	write("src/lib.c", []byte("int f(void) { return 1; }\n"))
	git("2020-01-01T10:00:00Z", "add", "-A")
	git("2020-01-01T10:00:00Z", "commit", "-q", "-m", "first")
	write("tests/files/good-1.xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46})
	git("2024-02-20T10:00:00Z", "add", "-A")
	git("2024-02-20T10:00:00Z", "commit", "-q", "-m", "tests: add a test file")
	git("2024-02-24T10:00:00Z", "tag", "-a", "v1.0", "-m", "v1.0")
	return dir
}

func TestRepoRisk(t *testing.T) {
	dir := smallRepo(t)
	out, errOut, code := run(t, "repo", "risk", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		SchemaVersion string `json:"schema_version"`
		Head          string
		Notice        string
		Releases      []struct {
			Tag    string
			Signed bool
		}
		Events []struct {
			Kind, Path string
		}
		Signals []struct {
			ID       string
			Severity string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.SchemaVersion == "" || len(doc.Head) != 40 || !strings.Contains(doc.Notice, "not accusations") {
		t.Errorf("document: %+v", doc)
	}
	if len(doc.Releases) != 1 || doc.Releases[0].Tag != "v1.0" || doc.Releases[0].Signed {
		t.Errorf("releases: %+v", doc.Releases)
	}
	found := false
	for _, e := range doc.Events {
		if e.Path == "tests/files/good-1.xz" {
			found = true
		}
	}
	if !found {
		t.Errorf("no event for the binary test file added before v1.0:\n%s", out)
	}

	table, _, code := run(t, "repo", "risk", dir)
	if code != 0 || !strings.Contains(table, "Timeline") || !strings.Contains(table, "Health: 2 commits") {
		t.Errorf("table (exit %d):\n%s", code, table)
	}
	md, _, _ := run(t, "repo", "risk", dir, "--format", "markdown")
	if !strings.HasPrefix(md, "# Project risk: `") || !strings.Contains(md, "## Timeline") {
		t.Errorf("markdown:\n%s", md)
	}
	if _, errOut, code := run(t, "repo", "risk", dir, "--fail-on", "low"); code != ExitFindings || !strings.Contains(errOut, "signals at or above low") {
		t.Errorf("--fail-on low: exit %d: %s", code, errOut)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"repo", "risk", dir, "--since", "last year"}, "--since"},
		{[]string{"repo", "risk", dir, "--newcomer-age", "soon"}, "--newcomer-age"},
		{[]string{"repo", "risk", t.TempDir()}, "not a git repository"},
	} {
		if _, errOut, code := run(t, tt.args...); code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d: %s", tt.args, code, errOut)
		}
	}
}
