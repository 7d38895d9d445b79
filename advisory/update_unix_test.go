//go:build unix

package advisory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUpdateKilled runs an update in a child process (this test binary run
// again), kills it with SIGKILL in the middle of the import, and checks the
// old database is intact and the next update cleans up and succeeds.
func TestUpdateKilled(t *testing.T) {
	if os.Getenv("VOUCH_ADVISORY_CHILD") == "update" {
		updateChild()
		return
	}
	ctx := context.Background()
	es, srv := newExportServer(t)
	es.publish("npm", []zipFile{{name: "GHSA-a.json", data: record("GHSA-a", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0")}})
	dir := t.TempDir()
	path := filepath.Join(dir, "advisories.db")
	if _, err := Update(ctx, path, UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}}); err != nil {
		t.Fatal(err)
	}
	var many []zipFile
	for i := range 2000 {
		id := fmt.Sprintf("GHSA-n%d", i)
		many = append(many, zipFile{name: id + ".json", data: record(id, "2024-01-01T00:00:00Z", "npm", "n", "2.0.0")})
	}
	es.publish("npm", many)

	cmd := exec.Command(os.Args[0], "-test.run=^TestUpdateKilled$")
	cmd.Env = append(os.Environ(), "VOUCH_ADVISORY_CHILD=update", "VOUCH_ADVISORY_DB="+path, "VOUCH_ADVISORY_SOURCE="+srv.URL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "imported ") {
			// At least one batch is in the new file: kill now.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	go io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if !killed {
		t.Fatalf("the child never reached the import: %v\n%s", werr, stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed", werr)
	}

	// The old data is there, and nothing of the new.
	if got := queryIDs(t, path, "npm", "a"); !slices.Equal(got, []string{"GHSA-a"}) {
		t.Errorf("after the kill npm/a has %v", got)
	}
	if got := queryIDs(t, path, "npm", "n"); len(got) != 0 {
		t.Errorf("after the kill npm/n has %d records", len(got))
	}
	left := dirFiles(t, dir)
	t.Logf("left by the killed update: %v", left)
	if len(left) <= 2 {
		t.Errorf("the killed update left no temporary files (%v): was it killed during the import?", left)
	}
	// The next update removes what the killed one left and succeeds.
	st, err := Update(ctx, path, UpdateOptions{Source: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if st.Ecosystems[0].Import.Added != 2000 {
		t.Errorf("update after the kill: %+v", updateViews(st))
	}
	if got := queryIDs(t, path, "npm", "n"); len(got) != 2000 {
		t.Errorf("after the second update npm/n has %d records", len(got))
	}
	if diff := cmp.Diff([]string{"advisories.db", "advisories.db.lock"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files after the second update (-want +got):\n%s (left by the kill: %v)", diff, left)
	}
}

// updateChild is the child of TestUpdateKilled: an update that goes slowly
// enough to be killed during its import, saying when it is there.
func updateChild() {
	opt := UpdateOptions{
		Source:     os.Getenv("VOUCH_ADVISORY_SOURCE"),
		Ecosystems: []string{"npm"},
		BatchSize:  100,
		Progress: func(p Progress) {
			if p.Stage == "import" && p.Records > 0 {
				fmt.Printf("imported %d\n", p.Records)
				time.Sleep(200 * time.Millisecond)
			}
		},
	}
	_, err := Update(context.Background(), os.Getenv("VOUCH_ADVISORY_DB"), opt)
	fmt.Fprintln(os.Stderr, "update finished, it should have been killed:", err)
	os.Exit(3)
}
