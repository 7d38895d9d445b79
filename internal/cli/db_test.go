package cli

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// osvExport serves <ecosystem>/all.zip like OSV's bucket does, with an ETag
// and 304 answers to If-None-Match, and records the requests it saw.
type osvExport struct {
	mu       sync.Mutex
	zips     map[string][]byte
	requests []string
}

func (o *osvExport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, r.Method+" "+r.URL.Path+" if-none-match="+r.Header.Get("If-None-Match"))
	eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	data, found := o.zips[eco]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	etag := `"` + eco + `-v1"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/zip")
	w.Write(data)
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDBUpdate(t *testing.T) {
	export := &osvExport{zips: map[string][]byte{
		"Go": zipOf(t, map[string]string{
			"GO-2024-2687.json": `{"schema_version":"1.3.1","id":"GO-2024-2687","modified":"2024-04-03T21:12:01Z",
				"aliases":["CVE-2023-45288"],"summary":"HTTP/2 CONTINUATION flood in net/http",
				"affected":[{"package":{"name":"golang.org/x/net","ecosystem":"Go"},
				"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.23.0"}]}]}]}`,
		}),
	}}
	srv := httptest.NewServer(export)
	defer srv.Close()
	dbPath := filepath.Join(t.TempDir(), "advisories.db")
	t.Setenv("VOUCH_DB", dbPath)
	t.Setenv("VOUCH_DB_SOURCE", srv.URL)

	out, errOut, code := run(t, "db", "update", "--ecosystem", "Go")
	if code != 0 {
		t.Fatalf("first update: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Go: downloaded") || !strings.Contains(out, "1 records read") || !strings.Contains(out, "updated") {
		t.Errorf("first update output:\n%s", out)
	}
	out, errOut, code = run(t, "db", "update")
	if code != 0 {
		t.Fatalf("second update: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Go: unchanged since the last update") || !strings.Contains(out, "is current") {
		t.Errorf("second update output:\n%s", out)
	}
	want := []string{
		"GET /Go/all.zip if-none-match=",
		`GET /Go/all.zip if-none-match="Go-v1"`,
	}
	if strings.Join(export.requests, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(export.requests, "\n"), strings.Join(want, "\n"))
	}
	out, _, _ = run(t, "db", "status")
	if !strings.Contains(out, "Go ") || !strings.Contains(out, "1 records") {
		t.Errorf("status after update:\n%s", out)
	}

	// A mirror that does not have the ecosystem fails the update and leaves
	// the database as it was.
	_, errOut, code = run(t, "db", "update", "--ecosystem", "PyPI")
	if code != ExitUsage || !strings.Contains(errOut, "the previous database is unchanged") {
		t.Errorf("failed update: exit %d, stderr %q", code, errOut)
	}
	out, _, _ = run(t, "db", "status")
	if !strings.Contains(out, "1 records") {
		t.Errorf("status after failed update:\n%s", out)
	}
}
