package gitexec

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostileRepo is a repository whose own configuration asks git to run a
// program on status (fsmonitor) and on diff (external diff): the programs
// would leave a marker file.
func hostileRepo(t *testing.T) (dir, marker string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir = t.TempDir()
	marker = filepath.Join(t.TempDir(), "ran")
	script := filepath.Join(t.TempDir(), "evil.sh")
	os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755)
	env := append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	for _, args := range [][]string{{"init", "-q"}, {"config", "core.fsmonitor", script}, {"config", "diff.external", script}} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644)
	for _, args := range [][]string{{"add", "a.txt"}, {"-c", "core.fsmonitor=false", "commit", "-q", "-m", "one"}} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	os.Remove(marker)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("two\n"), 0o644)
	return dir, marker
}

func TestRepositoryConfigRunsNothing(t *testing.T) {
	dir, marker := hostileRepo(t)
	ctx := context.Background()
	if _, err := Run(ctx, dir, "status", "--porcelain"); err != nil {
		t.Fatal(err)
	}
	// The history is read with log -p and diff-tree, which the
	// repository's diff.external does not reach.
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644)
	out, err := Run(ctx, dir, "log", "-p", "--no-ext-diff", "--no-textconv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "+one") {
		t.Errorf("log output %q: git's own diff should have run", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a program named by the repository's configuration ran")
	}
}

func TestErrors(t *testing.T) {
	dir, _ := hostileRepo(t)
	ctx := context.Background()
	_, err := Run(ctx, dir, "rev-parse", "--verify", "no-such-ref^{commit}")
	var ge *Error
	if !errors.As(err, &ge) || !strings.HasPrefix(err.Error(), "git rev-parse: ") {
		t.Errorf("err = %v, want a *gitexec.Error naming rev-parse", err)
	}
	// A reader that stops early kills git instead of leaving it blocked.
	stop := errors.New("enough")
	err = Stream(ctx, dir, nil, func(r *bufio.Reader) error {
		_, _ = r.ReadByte()
		return stop
	}, "log", "-p")
	if !errors.Is(err, stop) || !strings.HasPrefix(err.Error(), "git log: ") {
		t.Errorf("stream err = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cctx, dir, "log"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
