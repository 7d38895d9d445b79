package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vouchdev/vouch/extract"
)

// fakeRegistry serves canned responses by escaped request path (with
// "?query" when there is one), counting requests, the Authorization and
// User-Agent headers seen, and the requests in flight.
type fakeRegistry struct {
	srv *httptest.Server

	mu     sync.Mutex
	routes map[string]route
	hits   map[string]int
	auth   map[string][]string // path → Authorization values ("" when none)
	agents map[string]bool

	inFlight, maxInFlight atomic.Int32
	delay                 time.Duration // every answer waits this long
}

// route is one canned answer; fn, when set, answers instead.
type route struct {
	status int
	body   []byte
	fn     func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeRegistry(t testing.TB) *fakeRegistry {
	f := &fakeRegistry{routes: map[string]route{}, hits: map[string]int{}, auth: map[string][]string{}, agents: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	key := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	f.mu.Lock()
	f.hits[key]++
	hit := f.hits[key]
	f.auth[key] = append(f.auth[key], r.Header.Get("Authorization"))
	f.agents[r.Header.Get("User-Agent")] = true
	rt, ok := f.routes[key]
	delay := f.delay
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case !ok:
		http.Error(w, `{"error":"Not found"}`, http.StatusNotFound)
	case rt.fn != nil:
		rt.fn(w, r, hit)
	default:
		if rt.status != 0 && rt.status != http.StatusOK {
			http.Error(w, http.StatusText(rt.status), rt.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(rt.body)
	}
}

func (f *fakeRegistry) set(path string, rt route) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = rt
}

// file serves a testdata file at path.
func (f *fakeRegistry) file(t testing.TB, path, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f.set(path, route{body: bytes.ReplaceAll(data, []byte("API_URL"), []byte(f.srv.URL))})
}

// requests returns the paths asked and how often, and forgets them.
func (f *fakeRegistry) requests() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.hits
	f.hits = map[string]int{}
	return out
}

func (f *fakeRegistry) authSeen(path string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auth[path]
}

// env returns a Getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// clock is an injectable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// testOptions are options that read no configuration of the machine: an
// empty environment, a temporary home, cache and /etc.
func testOptions(t testing.TB) Options {
	dir := t.TempDir()
	return Options{
		CacheDir: filepath.Join(dir, "cache"),
		HomeDir:  filepath.Join(dir, "home"),
		EtcDir:   filepath.Join(dir, "etc"),
		Getenv:   env(nil),
		Timeout:  5 * time.Second,
	}
}

// allTo points every ecosystem at the fake registry: npm at /npm/, the Go
// proxy at /go, PyPI's JSON API at / (simple index /simple/), crates.io's
// web API at /.
func allTo(f *fakeRegistry) map[string]string {
	return map[string]string{
		"npm":       f.srv.URL + "/npm/",
		"Go":        f.srv.URL + "/go",
		"PyPI":      f.srv.URL + "/simple",
		"crates.io": f.srv.URL,
	}
}

func newClient(t testing.TB, opt Options) *Client {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	c.retryDelay = time.Millisecond
	t.Cleanup(func() { c.Close() })
	return c
}

// view is a Result as tests compare it: times as text, errors as their
// messages.
type view struct {
	Published string
	Known     bool
	FromCache bool
	Err       string
	Source    string
}

func views(m map[Key]Result, base string) map[string]view {
	out := map[string]view{}
	for k, r := range m {
		v := view{Known: r.Known, FromCache: r.FromCache, Source: strings.ReplaceAll(r.Source, base, "$URL")}
		if !r.Published.IsZero() {
			v.Published = r.Published.Format(time.RFC3339Nano)
		}
		if r.Err != nil {
			v.Err = strings.ReplaceAll(r.Err.Error(), base, "$URL")
		}
		out[k.String()] = v
	}
	return out
}

func found(published, source string) view {
	return view{Published: published, Known: true, Source: source}
}

// cached returns v as answered from the cache.
func (v view) cached() view {
	v.FromCache = true
	return v
}

func TestPublishTimes(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	f.file(t, "/npm/gone-pkg", "npm/unpublished.json")
	f.file(t, "/npm/timeless", "npm/no-time.json")
	f.file(t, "/go/golang.org/x/mod/@v/v0.17.0.info", "go/mod-v0.17.0.info")
	f.file(t, "/go/github.com/!azure/azure-sdk-for-go/@v/v1.2.0.info", "go/azure-v1.2.0.info")
	f.file(t, "/pypi/requests/2.31.0/json", "pypi/requests-2.31.0.json")
	f.file(t, "/simple/requests/", "pypi/simple-requests.json")
	f.file(t, "/simple/zope-interface/", "pypi/simple-legacy-names.json")
	f.file(t, "/api/v1/crates/serde/1.0.197", "crates/serde-1.0.197.json")
	f.file(t, "/api/v1/crates/tokio/versions", "crates/serde-versions-page1.json")
	f.file(t, "/api/v1/crates/tokio/versions?per_page=2&seek=MTAyMDAwMA", "crates/serde-versions-page2.json")

	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.Now = (&clock{t: t0}).Now
	c := newClient(t, opt)

	keys := []Key{
		{"npm", "left-pad", "1.3.0"},
		{"npm", "left-pad", "1.2.0"},
		{"npm", "left-pad", "9.9.9"},
		{"npm", "gone-pkg", "1.0.0"},
		{"npm", "timeless", "0.1.0"},
		{"npm", "nonexistent", "1.0.0"},
		{"Go", "golang.org/x/mod", "v0.17.0"},
		{"Go", "github.com/Azure/azure-sdk-for-go", "v1.2.0"},
		{"PyPI", "requests", "2.31.0"},
		{"PyPI", "Requests", "2.30.0"}, // not in the JSON API: the simple index has it
		{"PyPI", "zope.interface", "5.5.2"},
		{"PyPI", "zope.interface", "6.0"},
		{"PyPI", "zope.interface", "7.0"},
		{"crates.io", "serde", "1.0.197"},
		{"crates.io", "tokio", "1.0.196"},
		{"crates.io", "tokio", "0.1.0"},
		{"crates.io", "tokio", "2.0.0"},
	}
	got := views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	want := map[string]view{
		"npm left-pad@1.3.0":    found("2018-04-09T01:22:35.117Z", "$URL/npm/left-pad"),
		"npm left-pad@1.2.0":    found("2017-11-13T23:10:43.532Z", "$URL/npm/left-pad"),
		"npm left-pad@9.9.9":    {Err: "npm left-pad@9.9.9: $URL/npm/left-pad: no version 9.9.9: not found in the registry", Source: "$URL/npm/left-pad"},
		"npm gone-pkg@1.0.0":    {Err: "npm gone-pkg@1.0.0: $URL/npm/gone-pkg: the package was unpublished: not found in the registry", Source: "$URL/npm/gone-pkg"},
		"npm timeless@0.1.0":    {Err: `npm timeless@0.1.0: $URL/npm/timeless: the packument lists 0.1.0 but its "time" has no entry for it`, Source: "$URL/npm/timeless"},
		"npm nonexistent@1.0.0": {Err: "npm nonexistent@1.0.0: GET $URL/npm/nonexistent: 404 Not Found"},

		"Go golang.org/x/mod@v0.17.0":                 found("2024-04-01T18:03:37Z", "$URL/go/golang.org/x/mod/@v/v0.17.0.info"),
		"Go github.com/Azure/azure-sdk-for-go@v1.2.0": found("2023-09-12T16:20:05Z", "$URL/go/github.com/!azure/azure-sdk-for-go/@v/v1.2.0.info"),

		"PyPI requests@2.31.0":      found("2023-05-22T15:12:42.31379Z", "$URL/pypi/requests/2.31.0/json"),
		"PyPI Requests@2.30.0":      found("2023-05-03T15:37:57.813539Z", "$URL/simple/requests/"),
		"PyPI zope.interface@5.5.2": found("2022-11-17T06:21:03Z", "$URL/simple/zope-interface/"),
		"PyPI zope.interface@6.0":   found("2023-03-17T07:10:00.5Z", "$URL/simple/zope-interface/"),
		"PyPI zope.interface@7.0":   {Err: "PyPI zope-interface@7.0: GET $URL/pypi/zope-interface/7.0/json: 404 Not Found; $URL/simple/zope-interface/: no files of version 7.0: not found in the registry"},

		"crates.io serde@1.0.197": found("2024-02-20T03:19:32.567016Z", "$URL/api/v1/crates/serde/1.0.197"),
		"crates.io tokio@1.0.196": found("2024-01-26T22:56:57.218424Z", "$URL/api/v1/crates/tokio/versions"),
		"crates.io tokio@0.1.0":   found("2014-12-05T20:20:39.487502Z", "$URL/api/v1/crates/tokio/versions"),
		"crates.io tokio@2.0.0":   {Err: "crates.io tokio@2.0.0: $URL/api/v1/crates/tokio/versions: no version 2.0.0: not found in the registry"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	// One request per npm package and per crate whose versions are listed;
	// one per Go and PyPI version; the simple index once per project.
	wantReqs := map[string]int{
		"/npm/left-pad":                        1,
		"/npm/gone-pkg":                        1,
		"/npm/timeless":                        1,
		"/npm/nonexistent":                     1,
		"/go/golang.org/x/mod/@v/v0.17.0.info": 1,
		"/go/github.com/!azure/azure-sdk-for-go/@v/v1.2.0.info":    1,
		"/pypi/requests/2.31.0/json":                               1,
		"/pypi/requests/2.30.0/json":                               1,
		"/simple/requests/":                                        1,
		"/pypi/zope-interface/5.5.2/json":                          1,
		"/pypi/zope-interface/6.0/json":                            1,
		"/pypi/zope-interface/7.0/json":                            1,
		"/simple/zope-interface/":                                  1,
		"/api/v1/crates/serde/1.0.197":                             1,
		"/api/v1/crates/tokio/versions":                            1,
		"/api/v1/crates/tokio/versions?per_page=2&seek=MTAyMDAwMA": 1,
	}
	if diff := cmp.Diff(wantReqs, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{DefaultUserAgent: true}, f.agents); diff != "" {
		t.Errorf("User-Agent (-want +got):\n%s", diff)
	}

	// Asked again: the found and not-found answers come from the cache;
	// the failures (timeless has no time; nonexistent got a 404, which is
	// cached) are asked again only where nothing was kept.
	got = views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	if g := got["npm left-pad@1.3.0"]; !g.FromCache || g.Published != "2018-04-09T01:22:35.117Z" {
		t.Errorf("second lookup of left-pad@1.3.0 = %+v, want it from the cache", g)
	}
	if diff := cmp.Diff(map[string]int{"/npm/timeless": 1}, f.requests()); diff != "" {
		t.Errorf("requests of the second lookup (-want +got):\n%s", diff)
	}
}

func TestPublishTimesKeyErrors(t *testing.T) {
	f := newFakeRegistry(t)
	opt := testOptions(t)
	opt.Override = allTo(f)
	c := newClient(t, opt)
	keys := []Key{
		{"Maven", "org.example:lib", "1.0"},
		{"npm", "../../etc/passwd", "1.0.0"},
		{"npm", "@scope", "1.0.0"},
		{"npm", "left-pad", "../1.0"},
		{"npm", "left-pad", ""},
		{"Go", "stdlib", "v1.22.0"},
		{"Go", "golang.org/x/mod", "1.0"},
		{"PyPI", "has space", "1.0"},
		{"crates.io", "serde", "1.0?x=y"},
		{"crates.io", "../serde", "1.0.0"},
	}
	got := c.PublishTimes(context.Background(), keys)
	for _, k := range keys {
		r := got[k]
		wantErr := ErrInvalid
		if k.Ecosystem == "Maven" {
			wantErr = ErrUnsupported
		}
		if r.Known || !errors.Is(r.Err, wantErr) {
			t.Errorf("%v: got %+v, want an error matching %v", k, r, wantErr)
		}
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("invalid keys made requests: %v", reqs)
	}
}

func TestNPMScopesAndCredentials(t *testing.T) {
	public := newFakeRegistry(t)
	corp := newFakeRegistry(t)
	public.file(t, "/left-pad", "npm/left-pad.json")
	corp.file(t, "/npm/@corp%2fwidget", "npm/scoped.json")
	opt := testOptions(t)
	proj := filepath.Join(t.TempDir(), "proj")
	opt.ProjectDir = proj
	write(t, filepath.Join(opt.HomeDir, ".npmrc"), "registry="+public.srv.URL+"/\n")
	corpHost := strings.TrimPrefix(corp.srv.URL, "http://")
	write(t, filepath.Join(proj, ".npmrc"), "@corp:registry="+corp.srv.URL+"/npm/\n//"+corpHost+"/npm/:_authToken=${NPM_TOKEN}\n")
	opt.Getenv = env(map[string]string{"NPM_TOKEN": "s3cret-token"})
	var logs bytes.Buffer
	opt.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, opt)

	got := c.PublishTimes(context.Background(), []Key{{"npm", "@corp/widget", "2.0.1"}, {"npm", "left-pad", "1.3.0"}})
	want := map[string]view{
		"npm @corp/widget@2.0.1": found("2024-03-02T10:15:00Z", corp.srv.URL+"/npm/@corp%2fwidget"),
		"npm left-pad@1.3.0":     found("2018-04-09T01:22:35.117Z", public.srv.URL+"/left-pad"),
	}
	if diff := cmp.Diff(want, views(got, "\x00")); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Bearer s3cret-token"}, corp.authSeen("/npm/@corp%2fwidget")); diff != "" {
		t.Errorf("Authorization sent to the scope's registry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{""}, public.authSeen("/left-pad")); diff != "" {
		t.Errorf("Authorization sent to the public registry (-want +got):\n%s", diff)
	}
	if strings.Contains(logs.String(), "s3cret") || strings.Contains(strings.Join(c.Notes(), "\n"), "s3cret") {
		t.Errorf("the token was logged:\n%s", logs.String())
	}
}

func TestRedirectDropsCredentials(t *testing.T) {
	elsewhere := newFakeRegistry(t)
	elsewhere.file(t, "/left-pad", "npm/left-pad.json")
	f := newFakeRegistry(t)
	f.set("/npm/left-pad", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, elsewhere.srv.URL+"/left-pad", http.StatusFound)
	}})
	opt := testOptions(t)
	write(t, filepath.Join(opt.HomeDir, ".npmrc"), "registry="+f.srv.URL+"/npm/\n//"+strings.TrimPrefix(f.srv.URL, "http://")+"/:_authToken=tok\n")
	c := newClient(t, opt)
	k := Key{"npm", "left-pad", "1.3.0"}
	if r := c.PublishTimes(context.Background(), []Key{k})[k]; !r.Known {
		t.Fatalf("through the redirect: %v", r.Err)
	}
	if diff := cmp.Diff([]string{"Bearer tok"}, f.authSeen("/npm/left-pad")); diff != "" {
		t.Errorf("Authorization at the configured host (-want +got):\n%s", diff)
	}
	// Same IP, another port: another registry, which gets nothing.
	if diff := cmp.Diff([]string{""}, elsewhere.authSeen("/left-pad")); diff != "" {
		t.Errorf("Authorization after the redirect (-want +got):\n%s", diff)
	}
}

func TestUnauthorized(t *testing.T) {
	f := newFakeRegistry(t)
	f.set("/npm/private-pkg", route{status: http.StatusUnauthorized})
	f.set("/npm/forbidden-pkg", route{status: http.StatusForbidden})
	host := strings.TrimPrefix(f.srv.URL, "http://")
	opt := testOptions(t)
	npmrc := filepath.Join(opt.HomeDir, ".npmrc")
	write(t, npmrc, "registry="+f.srv.URL+"/npm/\n; the CI token\n//"+host+"/npm/:_authToken=\"tok-value\"\n")
	c := newClient(t, opt)
	got := c.PublishTimes(context.Background(), []Key{{"npm", "private-pkg", "1.0.0"}})
	r := got[Key{"npm", "private-pkg", "1.0.0"}]
	want := fmt.Sprintf("npm private-pkg@1.0.0: %s refused access (401 Unauthorized) to %s/npm/private-pkg with the credentials from %s:3 (_authToken)", host, f.srv.URL, npmrc)
	if r.Err == nil || r.Err.Error() != want || !errors.Is(r.Err, ErrUnauthorized) {
		t.Errorf("Err = %v\nwant %s", r.Err, want)
	}
	if n := f.requests()["/npm/private-pkg"]; n != 1 {
		t.Errorf("a 401 was asked %d times, want once (no retry)", n)
	}

	// Without credentials the message says none are configured.
	opt2 := testOptions(t)
	opt2.Override = map[string]string{"npm": f.srv.URL + "/npm/"}
	c2 := newClient(t, opt2)
	r = c2.PublishTimes(context.Background(), []Key{{"npm", "forbidden-pkg", "1.0.0"}})[Key{"npm", "forbidden-pkg", "1.0.0"}]
	want = fmt.Sprintf("npm forbidden-pkg@1.0.0: %s refused access (403 Forbidden) to %s/npm/forbidden-pkg; no credentials are configured for %s", host, f.srv.URL, host)
	if r.Err == nil || r.Err.Error() != want {
		t.Errorf("Err = %v\nwant %s", r.Err, want)
	}
	// A refusal is not cached.
	c2.PublishTimes(context.Background(), []Key{{"npm", "forbidden-pkg", "1.0.0"}})
	if n := f.requests()["/npm/forbidden-pkg"]; n != 2 {
		t.Errorf("forbidden-pkg asked %d times over two lookups, want 2 (not cached)", n)
	}
}

func TestPyPICredentialsFromIndexURL(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/pypi/requests/2.31.0/json", "pypi/requests-2.31.0.json")
	opt := testOptions(t)
	u := strings.Replace(f.srv.URL, "http://", "http://ci:pa%24%24@", 1)
	write(t, filepath.Join(opt.HomeDir, ".config", "pip", "pip.conf"), "[global]\nindex-url = "+u+"/simple\n")
	c := newClient(t, opt)
	got := views(c.PublishTimes(context.Background(), []Key{{"PyPI", "requests", "2.31.0"}}), f.srv.URL)
	want := map[string]view{"PyPI requests@2.31.0": found("2023-05-22T15:12:42.31379Z", "$URL/pypi/requests/2.31.0/json")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	// "ci:pa$$" in Basic authentication.
	if diff := cmp.Diff([]string{"Basic Y2k6cGEkJA=="}, f.authSeen("/pypi/requests/2.31.0/json")); diff != "" {
		t.Errorf("Authorization (-want +got):\n%s", diff)
	}
	if ep := c.Endpoints(); ep.PyPI != f.srv.URL || ep.PyPISimple != f.srv.URL+"/simple/" {
		t.Errorf("Endpoints() = %+v, want credentials removed", ep)
	}
}

func TestGoPrivateAndProxyList(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/go/golang.org/x/mod/@v/v0.17.0.info", "go/mod-v0.17.0.info")
	opt := testOptions(t)
	opt.Getenv = env(map[string]string{
		"GOPROXY":   "off,direct," + f.srv.URL + "/go|https://unused.invalid",
		"GOPRIVATE": "*.corp.example,github.com/acme",
	})
	c := newClient(t, opt)
	keys := []Key{
		{"Go", "golang.org/x/mod", "v0.17.0"},
		{"Go", "git.corp.example/team/lib", "v1.0.0"},
		{"Go", "github.com/acme/secret/v2", "v2.1.0"},
	}
	got := views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	want := map[string]view{
		"Go golang.org/x/mod@v0.17.0":         found("2024-04-01T18:03:37Z", "$URL/go/golang.org/x/mod/@v/v0.17.0.info"),
		"Go git.corp.example/team/lib@v1.0.0": {Err: `Go git.corp.example/team/lib@v1.0.0: matches GONOPROXY/GOPRIVATE "*.corp.example,github.com/acme": private module, not asked`},
		"Go github.com/acme/secret/v2@v2.1.0": {Err: `Go github.com/acme/secret/v2@v2.1.0: matches GONOPROXY/GOPRIVATE "*.corp.example,github.com/acme": private module, not asked`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"/go/golang.org/x/mod/@v/v0.17.0.info": 1}, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestGoFileProxy(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/go/azure-v1.2.0.info")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "github.com", "!azure", "azure-sdk-for-go", "@v", "v1.2.0.info"), string(data))
	opt := testOptions(t)
	opt.Getenv = env(map[string]string{"GOPROXY": "file://" + filepath.ToSlash(dir)})
	c := newClient(t, opt)
	got := views(c.PublishTimes(context.Background(), []Key{
		{"Go", "github.com/Azure/azure-sdk-for-go", "v1.2.0"},
		{"Go", "github.com/Azure/azure-sdk-for-go", "v1.3.0"},
	}), "file://"+filepath.ToSlash(dir))
	want := map[string]view{
		"Go github.com/Azure/azure-sdk-for-go@v1.2.0": found("2023-09-12T16:20:05Z", "$URL/github.com/!azure/azure-sdk-for-go/@v/v1.2.0.info"),
		"Go github.com/Azure/azure-sdk-for-go@v1.3.0": {Err: "Go github.com/Azure/azure-sdk-for-go@v1.3.0: $URL/github.com/!azure/azure-sdk-for-go/@v/v1.3.0.info: not found in the registry"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestCratesSparseIndexConfig(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/index/config.json", "crates/index-config.json")
	f.file(t, "/api/v1/crates/serde/1.0.197", "crates/serde-1.0.197.json")
	opt := testOptions(t)
	opt.ProjectDir = filepath.Join(t.TempDir(), "proj")
	write(t, filepath.Join(opt.ProjectDir, ".cargo", "config.toml"),
		"[source.crates-io]\nreplace-with = \"mirror\"\n\n[source.mirror]\nregistry = \"sparse+"+f.srv.URL+"/index/\"\n")
	c := newClient(t, opt)
	keys := []Key{{"crates.io", "serde", "1.0.197"}, {"crates.io", "anyhow", "1.0.80"}}
	got := views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	want := map[string]view{
		"crates.io serde@1.0.197": found("2024-02-20T03:19:32.567016Z", "$URL/api/v1/crates/serde/1.0.197"),
		"crates.io anyhow@1.0.80": {Err: "crates.io anyhow@1.0.80: GET $URL/api/v1/crates/anyhow/1.0.80: 404 Not Found"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	wantReqs := map[string]int{"/index/config.json": 1, "/api/v1/crates/serde/1.0.197": 1, "/api/v1/crates/anyhow/1.0.80": 1}
	if diff := cmp.Diff(wantReqs, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestNotConfigured(t *testing.T) {
	opt := testOptions(t)
	c := newClient(t, opt)
	keys := []Key{{"npm", "left-pad", "1.3.0"}, {"Go", "golang.org/x/mod", "v0.17.0"}, {"PyPI", "requests", "2.31.0"}, {"crates.io", "serde", "1.0.0"}}
	got := c.PublishTimes(context.Background(), keys)
	want := map[string]string{
		"npm":       "npm registry: no registry configured; " + hints["npm"],
		"Go":        "Go registry: GOPROXY is not set and no Go installation's go.env was found; " + hints["Go"],
		"PyPI":      "PyPI registry: no index-url configured; " + hints["PyPI"],
		"crates.io": "crates.io registry: no registry configured; " + hints["crates.io"],
	}
	for _, k := range keys {
		r := got[k]
		var ce *ConfigError
		if !errors.As(r.Err, &ce) || !errors.Is(r.Err, ErrNotConfigured) {
			t.Errorf("%v: Err = %v, want a *ConfigError", k, r.Err)
			continue
		}
		if !strings.HasSuffix(r.Err.Error(), want[k.Ecosystem]) {
			t.Errorf("%v: Err = %q, want it to end %q", k, r.Err, want[k.Ecosystem])
		}
	}
}

func TestOffline(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	opt := testOptions(t)
	opt.Override = allTo(f)
	clk := &clock{t: t0}
	opt.Now = clk.Now
	online := newClient(t, opt)
	online.PublishTimes(context.Background(), []Key{{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "8.0.0"}})
	online.Close()
	f.requests()

	// Offline, with nothing configured, a month later: the cache answers
	// whatever its age; what it lacks is ErrOffline.
	clk.advance(30 * 24 * time.Hour)
	off := testOptions(t)
	off.CacheDir = opt.CacheDir
	off.Offline = true
	off.Now = clk.Now
	c := newClient(t, off)
	keys := []Key{{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "8.0.0"}, {"npm", "left-pad", "1.2.0"}}
	got := views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	want := map[string]view{
		"npm left-pad@1.3.0": {Published: "2018-04-09T01:22:35.117Z", Known: true, FromCache: true, Source: "$URL/npm/left-pad"},
		"npm left-pad@8.0.0": {FromCache: true, Source: "$URL/npm/left-pad", Err: "npm left-pad@8.0.0: not found in the registry (cached answer of $URL/npm/left-pad)"},
		"npm left-pad@1.2.0": {Err: "npm left-pad@1.2.0: offline and not in the cache"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if r := f.requests(); len(r) != 0 {
		t.Errorf("offline lookups made requests: %v", r)
	}
	if !errors.Is(c.PublishTimes(context.Background(), keys[2:])[keys[2]].Err, ErrOffline) {
		t.Error("the offline miss does not match ErrOffline")
	}
}

// TestPrefetch checks that answers read ahead by Prefetch are the cache's
// answers (fresh or not by the same TTLs), that a key the prefetched
// ecosystem lacks is fetched and then answered from memory, and that an
// ecosystem with more rows than the bound is left to per-key lookups.
func TestPrefetch(t *testing.T) {
	f, opt, clk := leftPadWithTTL(t)
	fill := newClient(t, opt)
	fill.PublishTimes(context.Background(), []Key{{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "8.0.0"}})
	fill.Close()
	f.requests()

	c := newClient(t, opt)
	c.Prefetch(context.Background(), "npm", "Go", "no-such-ecosystem")
	if !c.prefetchedEcos["npm"] || !c.prefetchedEcos["Go"] || len(c.prefetched) != 2 {
		t.Fatalf("prefetched ecosystems %v, %d rows; want npm and Go, 2 rows", c.prefetchedEcos, len(c.prefetched))
	}
	steps := []struct {
		advance  time.Duration
		keys     []Key
		want     map[string]view
		requests int
	}{
		{0, []Key{{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "8.0.0"}}, map[string]view{
			"npm left-pad@1.3.0": found("2018-04-09T01:22:35.117Z", "$URL/npm/left-pad").cached(),
			"npm left-pad@8.0.0": {FromCache: true, Source: "$URL/npm/left-pad", Err: "npm left-pad@8.0.0: not found in the registry (cached answer of $URL/npm/left-pad)"},
		}, 0},
		// Not in the prefetched rows: fetched once, then held.
		{0, []Key{{"npm", "left-pad", "1.2.0"}}, map[string]view{
			"npm left-pad@1.2.0": found("2017-11-13T23:10:43.532Z", "$URL/npm/left-pad"),
		}, 1},
		{time.Minute, []Key{{"npm", "left-pad", "1.2.0"}}, map[string]view{
			"npm left-pad@1.2.0": found("2017-11-13T23:10:43.532Z", "$URL/npm/left-pad").cached(),
		}, 0},
		// Past the not-found TTL the prefetched "not found" is asked again.
		{2 * time.Hour, []Key{{"npm", "left-pad", "8.0.0"}}, map[string]view{
			"npm left-pad@8.0.0": {Source: "$URL/npm/left-pad", Err: "npm left-pad@8.0.0: $URL/npm/left-pad: no version 8.0.0: not found in the registry"},
		}, 1},
	}
	for i, s := range steps {
		clk.advance(s.advance)
		got := views(c.PublishTimes(context.Background(), s.keys), f.srv.URL)
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("step %d: results (-want +got):\n%s", i, diff)
		}
		if n := f.requests()["/npm/left-pad"]; n != s.requests {
			t.Errorf("step %d: %d requests, want %d", i, n, s.requests)
		}
	}

	rows, err := c.currentCache().readEcosystem(context.Background(), "npm", 1)
	if err != nil || rows != nil {
		t.Errorf("readEcosystem over its bound = %v, %v; want nil, nil", rows, err)
	}
}

// leftPadWithTTL returns a registry serving left-pad and options pointing
// at it with a not-found TTL of an hour, a found TTL of two days and a
// clock the test moves.
func leftPadWithTTL(t *testing.T) (*fakeRegistry, Options, *clock) {
	t.Helper()
	f := newFakeRegistry(t)
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.TTL = time.Hour
	opt.FoundTTL = 48 * time.Hour
	clk := &clock{t: t0}
	opt.Now = clk.Now
	return f, opt, clk
}

func TestCacheTTL(t *testing.T) {
	f, opt, clk := leftPadWithTTL(t)
	c := newClient(t, opt)
	keys := []Key{{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "8.0.0"}}
	// Each step: how far the clock moves, which keys the cache answers,
	// and the requests made. A refetch of either key is one packument.
	steps := []struct {
		advance   time.Duration
		fromCache [2]bool
		requests  int
	}{
		{0, [2]bool{false, false}, 1},
		{59 * time.Minute, [2]bool{true, true}, 0}, // both fresh
		{2 * time.Minute, [2]bool{true, false}, 1}, // "not found" past TTL (1h)
		{30 * time.Minute, [2]bool{true, true}, 0}, // refreshed at 1h01m
		{47 * time.Hour, [2]bool{false, false}, 1}, // found past FoundTTL (48h), not found past TTL
		{47 * time.Hour, [2]bool{true, false}, 1},  // found refreshed at 48h31m is fresh
	}
	for i, s := range steps {
		clk.advance(s.advance)
		got := c.PublishTimes(context.Background(), keys)
		fc := [2]bool{got[keys[0]].FromCache, got[keys[1]].FromCache}
		if fc != s.fromCache || !got[keys[0]].Known || !errors.Is(got[keys[1]].Err, ErrNotFound) {
			t.Errorf("step %d: from cache %v, want %v (results %+v)", i, fc, s.fromCache, got)
		}
		if n := f.requests()["/npm/left-pad"]; n != s.requests {
			t.Errorf("step %d: %d requests, want %d", i, n, s.requests)
		}
	}
}

func TestConcurrencyBound(t *testing.T) {
	f := newFakeRegistry(t)
	f.delay = 30 * time.Millisecond
	var keys []Key
	for i := range 40 {
		v := fmt.Sprintf("v1.0.%d", i)
		f.set("/go/example.com/m/@v/"+v+".info", route{body: []byte(`{"Version":"` + v + `","Time":"2024-01-01T00:00:00Z"}`)})
		keys = append(keys, Key{"Go", "example.com/m", v})
	}
	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.Concurrency = 3
	c := newClient(t, opt)
	got := c.PublishTimes(context.Background(), keys)
	for _, k := range keys {
		if !got[k].Known {
			t.Errorf("%v: %v", k, got[k].Err)
		}
	}
	if m := f.maxInFlight.Load(); m != 3 {
		t.Errorf("at most %d requests were in flight, want 3", m)
	}
}

func TestTimeoutsAndRetries(t *testing.T) {
	f := newFakeRegistry(t)
	info := []byte(`{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}`)
	// Stalls on the first request, answers the second.
	f.set("/go/example.com/slow/@v/v1.0.0.info", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			<-r.Context().Done()
			return
		}
		w.Write(info)
	}})
	// Fails once with 502, then answers.
	f.set("/go/example.com/flaky/@v/v1.0.0.info", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		w.Write(info)
	}})
	f.set("/go/example.com/down/@v/v1.0.0.info", route{status: http.StatusServiceUnavailable})
	f.set("/go/example.com/hang/@v/v1.0.0.info", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		<-r.Context().Done()
	}})
	// Sends half a document, then stalls: the body read times out.
	f.set("/go/example.com/trickle/@v/v1.0.0.info", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		w.Write(info[:10])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}})
	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.Timeout = 200 * time.Millisecond
	c := newClient(t, opt)
	keys := []Key{
		{"Go", "example.com/slow", "v1.0.0"},
		{"Go", "example.com/flaky", "v1.0.0"},
		{"Go", "example.com/down", "v1.0.0"},
		{"Go", "example.com/hang", "v1.0.0"},
		{"Go", "example.com/trickle", "v1.0.0"},
	}
	start := time.Now()
	got := views(c.PublishTimes(context.Background(), keys), f.srv.URL)
	want := map[string]view{
		"Go example.com/slow@v1.0.0":    found("2024-01-01T00:00:00Z", "$URL/go/example.com/slow/@v/v1.0.0.info"),
		"Go example.com/flaky@v1.0.0":   found("2024-01-01T00:00:00Z", "$URL/go/example.com/flaky/@v/v1.0.0.info"),
		"Go example.com/down@v1.0.0":    {Err: "Go example.com/down@v1.0.0: GET $URL/go/example.com/down/@v/v1.0.0.info: 503 Service Unavailable"},
		"Go example.com/hang@v1.0.0":    {Err: "Go example.com/hang@v1.0.0: GET $URL/go/example.com/hang/@v/v1.0.0.info: no complete answer within 200ms: context deadline exceeded"},
		"Go example.com/trickle@v1.0.0": {Err: "Go example.com/trickle@v1.0.0: GET $URL/go/example.com/trickle/@v/v1.0.0.info: no complete answer within 200ms: context deadline exceeded"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	wantReqs := map[string]int{
		"/go/example.com/slow/@v/v1.0.0.info":    2,
		"/go/example.com/flaky/@v/v1.0.0.info":   2,
		"/go/example.com/down/@v/v1.0.0.info":    2,
		"/go/example.com/hang/@v/v1.0.0.info":    2,
		"/go/example.com/trickle/@v/v1.0.0.info": 2,
	}
	if diff := cmp.Diff(wantReqs, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("lookups took %v; the timeouts did not bound them", d)
	}
}

func TestContextCancelled(t *testing.T) {
	f := newFakeRegistry(t)
	f.delay = 10 * time.Second
	opt := testOptions(t)
	opt.Override = allTo(f)
	c := newClient(t, opt)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	keys := []Key{{"npm", "a", "1.0.0"}, {"npm", "b", "1.0.0"}}
	got := c.PublishTimes(ctx, keys)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled lookups took %v", d)
	}
	for _, k := range keys {
		if r := got[k]; r.Known || !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("%v: %+v, want the context's error", k, r)
		}
	}
}

func TestDeduplication(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/pypi/requests/2.31.0/json", "pypi/requests-2.31.0.json")
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	opt := testOptions(t)
	opt.Override = allTo(f)
	c := newClient(t, opt)
	keys := []Key{
		{"PyPI", "requests", "2.31.0"}, {"PyPI", "Requests", "2.31.0"}, {"pypi", "requests", "2.31.0"},
		{"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "1.3.0"}, {"npm", "left-pad", "1.2.0"},
	}
	got := c.PublishTimes(context.Background(), keys)
	if len(got) != 5 {
		t.Errorf("%d results, want 5 (one per distinct key)", len(got))
	}
	for k, r := range got {
		if !r.Known {
			t.Errorf("%v: %v", k, r.Err)
		}
	}
	want := map[string]int{"/pypi/requests/2.31.0/json": 1, "/npm/left-pad": 1}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSharedCacheConcurrentClients(t *testing.T) {
	f := newFakeRegistry(t)
	var keys []Key
	for i := range 50 {
		v := fmt.Sprintf("v1.%d.0", i)
		f.set("/go/example.com/m/@v/"+v+".info", route{body: []byte(`{"Version":"` + v + `","Time":"2024-01-01T00:00:00Z"}`)})
		keys = append(keys, Key{"Go", "example.com/m", v})
	}
	opt := testOptions(t)
	opt.Override = allTo(f)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, opt)
			for round := range 3 {
				got := c.PublishTimes(context.Background(), keys[(i*7+round*11)%30:])
				for k, r := range got {
					if !r.Known {
						errs <- fmt.Sprintf("client %d: %v: %v", i, k, r.Err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestCorruptCacheMovedAside(t *testing.T) {
	// damageFrom overwrites a filled cache from an offset on: from the
	// second page the tables' definitions are gone (noticed at open);
	// from the sixth only the publish table's leaves (noticed at lookup).
	const page = 4096
	for _, tc := range []struct {
		name        string
		damageFrom  int  // 0: write garbage or another database instead
		atOpen      bool // the damage is noticed when the client opens
		otherSchema bool
	}{
		{name: "garbage", atOpen: true},
		{name: "other-schema-version", atOpen: true, otherSchema: true},
		{name: "damaged-schema-pages", damageFrom: page, atOpen: true},
		{name: "damaged-data-pages", damageFrom: 5 * page},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeRegistry(t)
			f.file(t, "/npm/left-pad", "npm/left-pad.json")
			opt := testOptions(t)
			opt.Override = allTo(f)
			path := filepath.Join(opt.CacheDir, cacheFile)
			var keys []Key
			for i := range 2000 {
				keys = append(keys, Key{"npm", "left-pad", fmt.Sprintf("0.0.%d", i)})
			}
			switch {
			case tc.otherSchema:
				os.MkdirAll(opt.CacheDir, 0o755)
				c, err := openCacheFile(context.Background(), path, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.db.Exec(`UPDATE meta SET value = '0' WHERE key = 'schema_version'`); err != nil {
					t.Fatal(err)
				}
				c.close()
			case tc.damageFrom > 0:
				c := newClient(t, opt)
				c.PublishTimes(context.Background(), keys)
				c.Close()
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(data) < tc.damageFrom+4*page {
					t.Fatalf("cache of %d bytes is too small to damage from %d", len(data), tc.damageFrom)
				}
				for i := tc.damageFrom; i < len(data); i++ {
					data[i] = 0xA5
				}
				write(t, path, string(data))
			default:
				write(t, path, strings.Repeat("not a database\x00\xff", 512))
			}
			var logs bytes.Buffer
			opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			c := newClient(t, opt)
			if c.currentCache() == nil {
				t.Fatalf("no cache; log:\n%s", logs.String())
			}
			warned := func() bool { return strings.Contains(logs.String(), "registry cache was unusable; moved aside") }
			if warned() != tc.atOpen {
				t.Errorf("warned at open: %v, want %v; log:\n%s", warned(), tc.atOpen, logs.String())
			}
			k := Key{"npm", "left-pad", "1.3.0"}
			got := c.PublishTimes(context.Background(), append(keys, k))
			if r := got[k]; !r.Known || r.FromCache {
				t.Fatalf("lookup after recovery: %+v", r)
			}
			if !warned() {
				t.Errorf("no warning logged:\n%s", logs.String())
			}
			if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) == 0 {
				t.Errorf("nothing moved aside in %s", opt.CacheDir)
			}
			if r := c.PublishTimes(context.Background(), []Key{k})[k]; !r.FromCache {
				t.Errorf("the new cache did not keep the answer: %+v", r)
			}
		})
	}
}

func TestCacheDirUnusable(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	opt := testOptions(t)
	opt.Override = allTo(f)
	// A file where the directory should be.
	write(t, filepath.Join(t.TempDir(), "x"), "")
	opt.CacheDir = filepath.Join(t.TempDir(), "file")
	write(t, opt.CacheDir, "not a directory")
	var logs bytes.Buffer
	opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c := newClient(t, opt)
	k := Key{"npm", "left-pad", "1.3.0"}
	if r := c.PublishTimes(context.Background(), []Key{k})[k]; !r.Known {
		t.Errorf("without a cache: %v", r.Err)
	}
	if !strings.Contains(logs.String(), "registry cache disabled") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}

func TestClosed(t *testing.T) {
	c := newClient(t, testOptions(t))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	k := Key{"npm", "left-pad", "1.3.0"}
	if r := c.PublishTimes(context.Background(), []Key{k})[k]; !errors.Is(r.Err, ErrClosed) {
		t.Errorf("after Close: %+v", r)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFakeRegistry(t)
	f.file(t, "/npm/left-pad", "npm/left-pad.json")
	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.MaxBodySize = 1000
	c := newClient(t, opt)
	k := Key{"npm", "left-pad", "1.3.0"}
	r := c.PublishTimes(context.Background(), []Key{k})[k]
	if r.Known || !errors.Is(r.Err, extract.ErrTooLarge) {
		t.Errorf("over the body limit: %+v", r)
	}
}

// bigPackument writes an npm packument of about size bytes: many versions
// of some kilobytes each, then "time" at the end as the registry orders it.
type bigPackument struct {
	versions int
	pad      string
}

func newBigPackument(size int) bigPackument {
	pad := strings.Repeat("x", 6000)
	return bigPackument{versions: size / (len(pad) + 200), pad: pad}
}

func (b bigPackument) writeTo(w func(string)) {
	// Written in pieces, so that making the document allocates little and
	// the allocations measured are the reader's.
	w(`{"_id":"big","name":"big","dist-tags":{"latest":"1.0.0"},"versions":{`)
	for i := range b.versions {
		if i > 0 {
			w(",")
		}
		n := strconv.Itoa(i)
		w(`"1.0.`)
		w(n)
		w(`":{"name":"big","version":"1.0.`)
		w(n)
		w(`","description":"`)
		w(b.pad)
		w(`","dist":{"tarball":"https://r.example/big/-/big-1.0.`)
		w(n)
		w(`.tgz","shasum":"0000000000000000000000000000000000000000"},"scripts":{"test":"x"}}`)
	}
	w(`},"time":{"created":"2020-01-01T00:00:00.000Z"`)
	for i := range b.versions {
		w(fmt.Sprintf(`,"1.0.%d":"2020-01-%02dT00:00:%02d.000Z"`, i, 1+i%28, i%60))
	}
	w(`},"readme":"big"}`)
}

func TestBigPackumentStreamed(t *testing.T) {
	const size = 20 << 20
	b := newBigPackument(size)
	f := newFakeRegistry(t)
	var sent atomic.Int64
	f.set("/npm/big", route{fn: func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		b.writeTo(func(s string) {
			n, _ := io.WriteString(w, s)
			sent.Add(int64(n))
		})
	}})
	opt := testOptions(t)
	opt.Override = allTo(f)
	opt.Timeout = 60 * time.Second
	c := newClient(t, opt)
	last := fmt.Sprintf("1.0.%d", b.versions-1)
	keys := []Key{{"npm", "big", "1.0.7"}, {"npm", "big", last}}

	runtime.GC()
	before := memStats()
	got := c.PublishTimes(context.Background(), keys)
	after := memStats()
	if sent.Load() < size*9/10 {
		t.Fatalf("sent %d bytes, want about %d", sent.Load(), size)
	}
	want := map[string]view{
		"npm big@1.0.7":   found("2020-01-08T00:00:07Z", "$URL/npm/big"),
		"npm big@" + last: found(fmt.Sprintf("2020-01-%02dT00:00:%02dZ", 1+(b.versions-1)%28, (b.versions-1)%60), "$URL/npm/big"),
	}
	if diff := cmp.Diff(want, views(got, f.srv.URL)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	// The whole document passed through; what was allocated (by client,
	// server and test together) is a fraction of it, so it was never held.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MB packument: %.1f MB allocated in total, %d versions", sent.Load()>>20, float64(alloc)/(1<<20), b.versions)
	if alloc > size/5 {
		t.Errorf("%d bytes allocated reading a %d-byte packument: not streamed", alloc, sent.Load())
	}
}

func TestParseNPMTimeAllocs(t *testing.T) {
	// Reading a packument allocates per member, not per byte: the
	// allocation count of a 4 MB document is a small multiple of its
	// versions.
	b := newBigPackument(4 << 20)
	var buf strings.Builder
	b.writeTo(func(s string) { buf.WriteString(s) })
	doc := buf.String()
	allocs := testing.AllocsPerRun(3, func() {
		pk, err := parseNPMTime(context.Background(), strings.NewReader(doc), []string{"1.0.3"})
		if err != nil || len(pk.times) != 1 {
			t.Fatalf("parse: %v %v", pk, err)
		}
	})
	t.Logf("%d versions: %.0f allocations", b.versions, allocs)
	if allocs > float64(30*b.versions) {
		t.Errorf("%.0f allocations for %d versions", allocs, b.versions)
	}
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func memStats() runtime.MemStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

// TestWarmLookupPaths reads a warm cache both ways lookup can: a project
// whose keys are most of an ecosystem's cached rows (read whole), and a
// few keys among many rows (one seek per key). Both must give every
// cached answer and nothing for a key never cached.
func TestWarmLookupPaths(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name          string
		cached, asked int
	}{
		// warmKeys spreads keys over four ecosystems.
		{"most rows asked: whole ecosystem read", 2400, 2400},
		{"few of many rows asked: seeks", 20000, 1200},
		{"under the scan minimum", 800, 800},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := testOptions(t)
			opt.Now = func() time.Time { return now }
			opt.Offline = true
			keys := warmKeys(t, opt.CacheDir, tt.cached, now)[:tt.asked]
			missing := Key{Ecosystem: keys[0].Ecosystem, Name: keys[0].Name, Version: "999.0.0"}
			c := newClient(t, opt)
			got := c.PublishTimes(context.Background(), append(slices.Clone(keys), missing))
			for _, k := range keys {
				if r := got[k]; !r.Known || !r.FromCache || r.Published.IsZero() {
					t.Fatalf("%v: %+v", k, r)
				}
			}
			if r := got[missing]; r.Known || !errors.Is(r.Err, ErrOffline) {
				t.Errorf("never cached %v: %+v", missing, r)
			}
		})
	}
}
