package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
)

// exportServer serves <ecosystem>/all.zip like OSV's bucket: ETag,
// Last-Modified, X-Goog-Hash, and 304 to a matching If-None-Match or
// If-Modified-Since.
type exportServer struct {
	t        testing.TB
	mu       sync.Mutex
	zips     map[string][]byte
	etags    map[string]string
	modified time.Time
	noETag   bool
	badHash  bool
	dieAfter int // > 0: send this many bytes of the body, then drop the connection
	requests []string
}

func newExportServer(t testing.TB) (*exportServer, *httptest.Server) {
	es := &exportServer{t: t, zips: map[string][]byte{}, etags: map[string]string{},
		modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	return es, srv
}

// publish replaces an ecosystem's export.
func (es *exportServer) publish(eco string, entries []zipFile) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			es.t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		es.t.Fatal(err)
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	es.zips[eco] = buf.Bytes()
	sum := md5.Sum(buf.Bytes())
	es.etags[eco] = fmt.Sprintf(`"%x"`, sum[:8])
	es.modified = es.modified.Add(time.Hour)
}

func (es *exportServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	es.mu.Lock()
	eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	data, found := es.zips[eco]
	etag, modified := es.etags[eco], es.modified
	es.requests = append(es.requests, fmt.Sprintf("%s %s If-None-Match=%s If-Modified-Since=%s",
		r.Method, r.URL.Path, r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")))
	noETag, badHash, dieAfter := es.noETag, es.badHash, es.dieAfter
	es.mu.Unlock()
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	lm := modified.Format(http.TimeFormat)
	if !noETag {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if r.Header.Get("If-Modified-Since") == lm {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Last-Modified", lm)
	sum := md5.Sum(data)
	if badHash {
		sum[0] ^= 0xff
	}
	w.Header().Set("X-Goog-Hash", "crc32c=AAAAAA==,md5="+base64.StdEncoding.EncodeToString(sum[:]))
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Header().Set("Content-Type", "application/zip")
	if dieAfter > 0 && dieAfter < len(data) {
		w.Write(data[:dieAfter])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops mid-body
	}
	w.Write(data)
}

func (es *exportServer) log() []string {
	es.mu.Lock()
	defer es.mu.Unlock()
	out := es.requests
	es.requests = nil
	return out
}

// dirFiles lists the names in dir, to see what an update left behind.
func dirFiles(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// queryIDs opens the database at path read-only and returns the ids of the
// records for a package.
func queryIDs(t testing.TB, path, eco, name string) []string {
	t.Helper()
	s, err := OpenWith(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vs, err := s.Query(context.Background(), eco, name)
	if err != nil {
		t.Fatal(err)
	}
	return ids(vs)
}

type updateView struct {
	Ecosystem   string
	NotModified bool
	Import      statsView
}

func updateViews(st UpdateStats) []updateView {
	var out []updateView
	for _, e := range st.Ecosystems {
		out = append(out, updateView{e.Ecosystem, e.NotModified, view(e.Import)})
	}
	return out
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	es, srv := newExportServer(t)
	es.publish("npm", []zipFile{
		{name: "GHSA-a.json", data: record("GHSA-a", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0")},
		{name: "GHSA-b.json", data: record("GHSA-b", "2024-01-01T00:00:00Z", "npm", "b", "1.0.0")},
	})
	es.publish("PyPI", []zipFile{
		{name: "PYSEC-1.json", data: record("PYSEC-1", "2024-01-01T00:00:00Z", "PyPI", "Flask", "2.0")},
		{name: "broken.json", data: "{"},
	})
	dir := filepath.Join(t.TempDir(), "cache")
	path := filepath.Join(dir, "advisories.db")

	// A local import first: updates must keep it.
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, filepath.Join("testdata", "import", "dir", "GO-2099-0001.json")); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var events []string
	opt := UpdateOptions{Source: srv.URL + "/", Ecosystems: []string{"npm", "PyPI", "npm"}, Progress: func(p Progress) {
		events = append(events, p.Stage+" "+p.Source)
	}}
	st, err := Update(ctx, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []updateView{
		{Ecosystem: "npm", Import: statsView{Read: 2, Added: 2}},
		{Ecosystem: "PyPI", Import: statsView{Read: 2, Added: 1, Malformed: 1, Errors: []string{"broken.json:1:1: not an osv record: unexpected end of JSON input"}}},
	}
	if diff := cmp.Diff(want, updateViews(st)); diff != "" {
		t.Errorf("first update (-want +got):\n%s", diff)
	}
	if !st.Swapped || st.Rebuilt || st.Ecosystems[0].URL != srv.URL+"/npm/all.zip" || st.Ecosystems[0].Bytes == 0 {
		t.Errorf("first update: %+v", st)
	}
	wantEvents := []string{"download npm", "download PyPI", "import npm", "import PyPI", "swap " + path}
	if diff := cmp.Diff(wantEvents, slices.Compact(events)); diff != "" {
		t.Errorf("progress events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"GET /npm/all.zip If-None-Match= If-Modified-Since=",
		"GET /PyPI/all.zip If-None-Match= If-Modified-Since=",
	}, es.log()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, q := range []struct{ eco, name, want string }{
		{"npm", "a", "GHSA-a"}, {"npm", "b", "GHSA-b"}, {"PyPI", "flask", "PYSEC-1"}, {"Go", "example.com/mod", "GO-2099-0001"},
	} {
		if got := queryIDs(t, path, q.eco, q.name); !slices.Equal(got, []string{q.want}) {
			t.Errorf("after the update, %s/%s has %v, want %s", q.eco, q.name, got, q.want)
		}
	}
	if diff := cmp.Diff([]string{"advisories.db", "advisories.db.lock"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files after the update (-want +got):\n%s", diff)
	}
	// A store opened before the update must not write to the replaced file.
	if _, err := s.Import(ctx, filepath.Join("testdata", "records", "minimal.json")); err == nil || !strings.Contains(err.Error(), "was replaced since it was opened") {
		t.Errorf("import through a store opened before the update: %v", err)
	}

	// Nothing changed upstream: one conditional request each, no swap.
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err = Update(ctx, path, UpdateOptions{Source: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	want = []updateView{{Ecosystem: "PyPI", NotModified: true}, {Ecosystem: "npm", NotModified: true}}
	if diff := cmp.Diff(want, updateViews(st)); diff != "" {
		t.Errorf("second update (-want +got):\n%s", diff)
	}
	es.mu.Lock()
	npmTag, pyTag := es.etags["npm"], es.etags["PyPI"]
	es.mu.Unlock()
	lm := es.modified.Format(http.TimeFormat)
	if diff := cmp.Diff([]string{
		"GET /PyPI/all.zip If-None-Match=" + pyTag + " If-Modified-Since=" + lm,
		"GET /npm/all.zip If-None-Match=" + npmTag + " If-Modified-Since=" + lm,
	}, es.log()); diff != "" {
		t.Errorf("conditional requests (-want +got):\n%s", diff)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Swapped || !os.SameFile(before, after) {
		t.Errorf("an update with nothing new replaced the file")
	}

	// A new export: records it dropped disappear, local imports stay.
	es.publish("npm", []zipFile{
		{name: "GHSA-a.json", data: strings.Replace(record("GHSA-a", "2024-02-01T00:00:00Z", "npm", "a", "1.0.0"), "summary of", "new", 1)},
		{name: "GHSA-c.json", data: record("GHSA-c", "2024-01-01T00:00:00Z", "npm", "c", "1.0.0")},
	})
	st, err = Update(ctx, path, UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}})
	if err != nil {
		t.Fatal(err)
	}
	want = []updateView{{Ecosystem: "npm", Import: statsView{Read: 2, Added: 2}}}
	if diff := cmp.Diff(want, updateViews(st)); diff != "" {
		t.Errorf("third update (-want +got):\n%s", diff)
	}
	for _, q := range []struct {
		eco, name string
		want      []string
	}{
		{"npm", "a", []string{"GHSA-a"}}, {"npm", "b", nil}, {"npm", "c", []string{"GHSA-c"}},
		{"PyPI", "flask", []string{"PYSEC-1"}}, {"Go", "example.com/mod", []string{"GO-2099-0001"}},
	} {
		if got := queryIDs(t, path, q.eco, q.name); !slices.Equal(got, q.want) {
			t.Errorf("after the new export, %s/%s has %v, want %v", q.eco, q.name, got, q.want)
		}
	}
	ro, err := OpenWith(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	status, err := ro.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, src := range status.Sources {
		srcs = append(srcs, fmt.Sprintf("%s %s etag=%t fetched=%t checked=%t records=%d", src.Source, src.URL,
			src.ETag != "", !src.Fetched.IsZero(), !src.Checked.IsZero(), src.Records))
	}
	if diff := cmp.Diff([]string{
		"PyPI " + srv.URL + "/PyPI/all.zip etag=true fetched=true checked=true records=1",
		"local testdata/import/dir/GO-2099-0001.json etag=false fetched=false checked=false records=1",
		"npm " + srv.URL + "/npm/all.zip etag=true fetched=true checked=true records=2",
	}, srcs); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	for _, e := range status.Ecosystems {
		if e.Ecosystem == "npm" && (e.Checked.IsZero() || !e.AsOf().Equal(e.Checked) || e.Age(time.Now()) > time.Minute) {
			t.Errorf("npm status %+v: want checked just now", e)
		}
	}
}

func TestUpdateLastModified(t *testing.T) {
	ctx := context.Background()
	es, srv := newExportServer(t)
	es.noETag = true
	es.publish("npm", []zipFile{{name: "GHSA-a.json", data: record("GHSA-a", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0")}})
	path := filepath.Join(t.TempDir(), "advisories.db")
	for i := range 2 {
		st, err := Update(ctx, path, UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}})
		if err != nil {
			t.Fatal(err)
		}
		if st.Ecosystems[0].NotModified != (i == 1) {
			t.Errorf("update %d: not modified = %v", i, st.Ecosystems[0].NotModified)
		}
	}
	lm := es.modified.Format(http.TimeFormat)
	if diff := cmp.Diff([]string{
		"GET /npm/all.zip If-None-Match= If-Modified-Since=",
		"GET /npm/all.zip If-None-Match= If-Modified-Since=" + lm,
	}, es.log()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestUpdateFailures checks that every way an update can fail leaves the
// old database as it was, and no files behind.
func TestUpdateFailures(t *testing.T) {
	ctx := context.Background()
	first := []zipFile{{name: "GHSA-a.json", data: record("GHSA-a", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0")}}
	var many []zipFile
	for i := range 3000 {
		id := fmt.Sprintf("GHSA-n%d", i)
		many = append(many, zipFile{name: id + ".json", data: record(id, "2024-01-01T00:00:00Z", "npm", "a", "2.0.0")})
	}
	tests := []struct {
		name string
		// setup changes the server or the options, and may return the
		// context the update runs in.
		setup func(es *exportServer, opt *UpdateOptions) context.Context
		err   string
		is    error
	}{
		{
			name:  "server dies mid-body",
			setup: func(es *exportServer, opt *UpdateOptions) context.Context { es.dieAfter = 3000; return nil },
			err:   "after 3000 bytes: unexpected EOF",
		},
		{
			name:  "md5 mismatch",
			setup: func(es *exportServer, opt *UpdateOptions) context.Context { es.badHash = true; return nil },
			err:   "MD5 does not match the X-Goog-Hash the server sent",
		},
		{
			name:  "too large",
			setup: func(es *exportServer, opt *UpdateOptions) context.Context { opt.MaxSize = 1000; return nil },
			is:    extract.ErrTooLarge,
		},
		{
			name: "not found",
			setup: func(es *exportServer, opt *UpdateOptions) context.Context {
				opt.Ecosystems = []string{"npm", "crates.io"}
				return nil
			},
			err: "/crates.io/all.zip: 404 Not Found",
		},
		{
			name: "cancelled during the import",
			setup: func(es *exportServer, opt *UpdateOptions) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				opt.BatchSize = 100
				opt.Progress = func(p Progress) {
					if p.Stage == "import" && p.Records >= 200 {
						cancel()
					}
				}
				return ctx
			},
			is: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, srv := newExportServer(t)
			es.publish("npm", first)
			dir := t.TempDir()
			path := filepath.Join(dir, "advisories.db")
			if _, err := Update(ctx, path, UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}}); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			es.publish("npm", many)
			opt := UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}}
			uctx := tt.setup(es, &opt)
			if uctx == nil {
				uctx = ctx
			}
			st, err := Update(uctx, path, opt)
			if err == nil {
				t.Fatalf("update succeeded: %+v", st)
			}
			if tt.err != "" && !strings.Contains(err.Error(), tt.err) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %q / %v", err, tt.err, tt.is)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("the failed update changed the database file")
			}
			if got := queryIDs(t, path, "npm", "a"); !slices.Equal(got, []string{"GHSA-a"}) {
				t.Errorf("after the failed update npm/a has %v", got)
			}
			if diff := cmp.Diff([]string{"advisories.db", "advisories.db.lock"}, dirFiles(t, dir)); diff != "" {
				t.Errorf("files after the failed update (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateRebuildsCorrupt(t *testing.T) {
	ctx := context.Background()
	es, srv := newExportServer(t)
	es.publish("npm", []zipFile{{name: "GHSA-a.json", data: record("GHSA-a", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0")}})
	dir := t.TempDir()
	path := filepath.Join(dir, "advisories.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("garbage ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A journal that belongs to the broken file must not reach the new one.
	if err := os.WriteFile(path+"-journal", []byte(strings.Repeat("j", 512)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of garbage: %v", err)
	}
	if _, err := Update(ctx, path, UpdateOptions{Source: srv.URL}); !errors.Is(err, ErrNoEcosystems) {
		t.Errorf("update of a corrupt file without ecosystems: %v, want ErrNoEcosystems", err)
	}
	st, err := Update(ctx, path, UpdateOptions{Source: srv.URL, Ecosystems: []string{"npm"}})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Rebuilt || !st.Swapped {
		t.Errorf("update of a corrupt file: %+v, want rebuilt and swapped", st)
	}
	if got := queryIDs(t, path, "npm", "a"); !slices.Equal(got, []string{"GHSA-a"}) {
		t.Errorf("after the rebuild npm/a has %v", got)
	}
	if diff := cmp.Diff([]string{"advisories.db", "advisories.db.lock"}, dirFiles(t, dir)); diff != "" {
		t.Errorf("files after the rebuild (-want +got):\n%s", diff)
	}
}

func TestUpdateOptionsRejected(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "advisories.db")
	tests := []struct {
		opt UpdateOptions
		err string
	}{
		{UpdateOptions{Source: "ftp://example.com", Ecosystems: []string{"npm"}}, "want an http or https URL"},
		{UpdateOptions{Source: "file:///etc", Ecosystems: []string{"npm"}}, "want an http or https URL"},
		{UpdateOptions{Source: "https://user:pw@example.com", Ecosystems: []string{"npm"}}, "without credentials"},
		{UpdateOptions{Source: "https://example.com/?x=1", Ecosystems: []string{"npm"}}, "without credentials, query or fragment"},
		{UpdateOptions{Source: "https://example.com", Ecosystems: []string{"../../etc"}}, `ecosystem "../../etc": not an OSV ecosystem name`},
		{UpdateOptions{Source: "https://example.com", Ecosystems: []string{"npm\x00"}}, "not an OSV ecosystem name"},
		{UpdateOptions{Source: "https://example.com"}, "no ecosystems to update"},
	}
	for _, tt := range tests {
		if _, err := Update(ctx, path, tt.opt); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Update(%+v) = %v, want an error saying %q", tt.opt, err, tt.err)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a rejected update created the database")
	}
}
