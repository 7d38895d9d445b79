package repo

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// synthRepo writes a repository of n commits by 40 rotating authors with
// git fast-import: source edits, a build-file edit every 97 commits, a
// test file every 211 and a tag every 500.
func synthRepo(tb testing.TB, dir string, n int) {
	tb.Helper()
	if out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput(); err != nil {
		tb.Fatalf("git init: %v %s", err, out)
	}
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(in, 1<<20)
	start := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
	for i := 1; i <= n; i++ {
		at := start + int64(i)*3600
		who := i % 40
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\n", i)
		fmt.Fprintf(w, "author Dev %d <dev%d@example.org> %d +0000\n", who, who, at)
		fmt.Fprintf(w, "committer Dev %d <dev%d@example.org> %d +0000\n", who%5, who%5, at)
		data(fmt.Sprintf("change %d", i))
		if i > 1 {
			fmt.Fprintf(w, "from :%d\n", i-1)
		}
		fmt.Fprintf(w, "M 100644 inline src/f%d.c\n", i%300)
		data(fmt.Sprintf("int v%d = %d;", i%300, i))
		if i%97 == 0 {
			fmt.Fprintf(w, "M 100644 inline CMakeLists.txt\n")
			data(fmt.Sprintf("project(p C)\nset(URL \"https://p%d.example/\")\n", i%3))
		}
		if i%211 == 0 {
			fmt.Fprintf(w, "M 100644 inline tests/data/t%d.bin\n", i)
			data("\x00\x01")
		}
		if i%500 == 0 {
			fmt.Fprintf(w, "reset refs/tags/v%d\nfrom :%d\n\n", i/500, i)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("fast-import: %v %s", err, stderr.String())
	}
}

func BenchmarkAnalyze5000(b *testing.B) {
	needGit(b)
	dir := b.TempDir()
	synthRepo(b, dir, 5000)
	b.ResetTimer()
	for b.Loop() {
		r, err := Analyze(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if r.Health.Commits != 5000 {
			b.Fatalf("commits = %d", r.Health.Commits)
		}
	}
}

var bigRepo = flag.Int("bigrepo", 0, "build a synthetic repository of this many commits and analyse it once (manual run)")

// TestBigRepo is the manual 100,000-commit run:
// go test -run TestBigRepo -bigrepo 100000 ./repo
func TestBigRepo(t *testing.T) {
	if *bigRepo == 0 {
		t.Skip("set -bigrepo N")
	}
	needGit(t)
	dir := t.TempDir()
	synthRepo(t, dir, *bigRepo)
	begin := time.Now()
	r, err := Analyze(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d commits, %d events, %d signals in %v", r.Health.Commits, len(r.Events), len(r.Signals), time.Since(begin))
	if r.Health.Commits != *bigRepo {
		t.Errorf("commits = %d", r.Health.Commits)
	}
}

func FuzzParseLog(f *testing.F) {
	f.Add([]byte("commit " + strings.Repeat("a", 40) + "\ntree " + strings.Repeat("b", 40) +
		"\nauthor A <a@x> 1600000000 +0000\ncommitter A <a@x> 1600000000 +0000\n\n    msg\n\n" +
		":000000 100644 " + strings.Repeat("0", 40) + " " + strings.Repeat("c", 40) + " A\x00tests/x.bin\x00\x00"))
	f.Add([]byte("commit " + strings.Repeat("1", 40) + "\nauthor B <b@x> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n =AAAA\n -----END PGP SIGNATURE-----\n\n    m\n\x00commit x\x00:bad\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_, err := parseLog(context.Background(), bytes.NewReader(data), func(c *commit) error {
			n++
			if !isHex(c.ID) {
				t.Errorf("commit id %q", c.ID)
			}
			for _, ch := range c.Changes {
				if strings.IndexByte("AMDTUX", ch.Status) < 0 {
					t.Errorf("status %q", ch.Status)
				}
			}
			return nil
		})
		if err != nil && err != io.EOF {
			t.Errorf("parseLog: %v", err)
		}
		_ = parseDiffs(context.Background(), bufio.NewReader(bytes.NewReader(data)), func(string, *fileDiff) {})
	})
}
