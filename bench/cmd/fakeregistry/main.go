// Command fakeregistry serves release metadata over loopback for the
// policy benchmark, in one of two modes:
//
//   - -lock package-lock.json: npm packuments (GET /NAME) whose "time"
//     gives each locked version its publication date;
//   - -poetry poetry.lock: PyPI's JSON API (GET /pypi/NAME/VERSION/json,
//     NAME normalised as PEP 503 says) whose "urls" are the release's
//     sdist and wheel, with their upload times.
//
// Each locked version is published a year back, and one in ten (by a hash
// of name@version) five days back, so the minimum-release-age rule has
// work. Each response waits -delay, like a registry across a network, and
// the server counts the requests it had in flight at once.
//
// Usage:
//
//	go run ./bench/cmd/fakeregistry -lock package-lock.json -addr 127.0.0.1:0 -delay 20ms -stats FILE
//	go run ./bench/cmd/fakeregistry -poetry poetry.lock -addr 127.0.0.1:0 -delay 20ms -stats FILE
//
// It prints its base URL on the first line of standard output (for PyPI,
// the base to pass as --registry PyPI=URL) and, on SIGINT or SIGTERM,
// writes "requests N max_in_flight M" to -stats.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	lock := flag.String("lock", "", "package-lock.json whose packages are served as npm packuments")
	poetry := flag.String("poetry", "", "poetry.lock whose packages are served by a PyPI JSON API")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	delay := flag.Duration("delay", 20*time.Millisecond, "time each response waits")
	stats := flag.String("stats", "", "file written at exit with request counts")
	flag.Parse()
	var serve http.HandlerFunc
	var err error
	switch {
	case (*lock == "") == (*poetry == ""):
		err = errors.New("give exactly one of -lock and -poetry")
	case *lock != "":
		var versions map[string][]string
		if versions, err = load(*lock); err == nil {
			serve = npmHandler(versions)
		}
	default:
		var versions map[string]map[string]bool
		if versions, err = loadPoetry(*poetry); err == nil {
			serve = pypiHandler(versions)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeregistry:", err)
		os.Exit(1)
	}
	var requests, inFlight, maxInFlight atomic.Int64
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		mu.Lock()
		if n > maxInFlight.Load() {
			maxInFlight.Store(n)
		}
		mu.Unlock()
		time.Sleep(*delay)
		serve(w, r)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeregistry:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		if *stats != "" {
			if err := os.WriteFile(*stats, fmt.Appendf(nil, "requests %d max_in_flight %d\n", requests.Load(), maxInFlight.Load()), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "fakeregistry:", err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}()
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "fakeregistry:", err)
		os.Exit(1)
	}
}

// published is when name@version was released: the same scheme in both
// modes, so that the share of young releases does not depend on the
// ecosystem. The name is hashed as the lockfile writes it (npm) or
// normalised (PyPI).
func published(now time.Time, name, version string) time.Time {
	h := fnv.New32a()
	h.Write([]byte(name + "@" + version))
	if h.Sum32()%10 == 0 {
		return now.AddDate(0, 0, -5)
	}
	return now.AddDate(-1, 0, 0)
}

// npmHandler serves GET /NAME (scoped names with the slash escaped or not)
// as a packument holding only the locked versions.
func npmHandler(versions map[string][]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
		vs, ok := versions[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		now := time.Now().UTC()
		times := map[string]string{"created": now.AddDate(-3, 0, 0).Format(time.RFC3339)}
		vers := map[string]any{}
		for _, v := range vs {
			times[v] = published(now, name, v).Format(time.RFC3339)
			vers[v] = map[string]string{"name": name, "version": v}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": name, "versions": vers, "time": times})
	}
}

// pypiFile is one entry of "urls" in PyPI's JSON API, with the fields a
// client reads; upload_time is the older, zoneless UTC form.
type pypiFile struct {
	Filename    string `json:"filename"`
	PackageType string `json:"packagetype"`
	UploadTime  string `json:"upload_time"`
	UploadISO   string `json:"upload_time_iso_8601"`
}

// pypiHandler serves GET /pypi/NAME/VERSION/json for the locked versions:
// an sdist uploaded at the publication time and a wheel ten minutes later,
// so the release's time is its first file's. A name that is not
// normalised is answered too, as PyPI answers it (by a redirect).
func pypiHandler(versions map[string]map[string]bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
		if len(parts) != 4 || parts[0] != "pypi" || parts[3] != "json" {
			http.NotFound(w, r)
			return
		}
		name, err1 := url.PathUnescape(parts[1])
		version, err2 := url.PathUnescape(parts[2])
		name = normalise(name)
		if err1 != nil || err2 != nil || !versions[name][version] {
			http.NotFound(w, r)
			return
		}
		at := published(time.Now().UTC(), name, version).Truncate(time.Second)
		stem := strings.ReplaceAll(name, "-", "_") + "-" + version
		file := func(filename, kind string, t time.Time) pypiFile {
			return pypiFile{Filename: filename, PackageType: kind,
				UploadTime: t.Format("2006-01-02T15:04:05"), UploadISO: t.Format("2006-01-02T15:04:05.000000Z")}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"info": map[string]string{"name": name, "version": version, "summary": "The " + name + " package"},
			"urls": []pypiFile{
				file(stem+".tar.gz", "sdist", at),
				file(stem+"-py3-none-any.whl", "bdist_wheel", at.Add(10*time.Minute)),
			},
			"vulnerabilities": []any{},
		})
	}
}

// load reads the package names and versions of a package-lock.json (v2/v3).
func load(path string) (map[string][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lock struct {
		Packages map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string][]string{}
	for key, p := range lock.Packages {
		i := strings.LastIndex(key, "node_modules/")
		if i < 0 || p.Version == "" {
			continue
		}
		name := key[i+len("node_modules/"):]
		if p.Name != "" {
			name = p.Name
		}
		out[name] = append(out[name], p.Version)
	}
	return out, nil
}

// pep503 is the run of separators PEP 503 folds into one "-".
var pep503 = regexp.MustCompile(`[-_.]+`)

func normalise(name string) string { return pep503.ReplaceAllString(strings.ToLower(name), "-") }

// poetryKey matches a top-level `name = "..."` or `version = "..."` line
// of a [[package]] table (a file entry is indented and inline).
var poetryKey = regexp.MustCompile(`^(name|version) = "([^"]*)"$`)

// loadPoetry reads the normalised names and versions of a poetry.lock's
// [[package]] tables. It is a line reader, not a TOML parser: Poetry
// writes one key per line, and the tables that follow a package
// ([package.dependencies], [package.extras], ...) have no name or version
// keys of that form before the next [[package]].
func loadPoetry(path string) (map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[string]bool{}
	var name, version string
	in := false
	flush := func() {
		if in && name != "" && version != "" {
			n := normalise(name)
			if out[n] == nil {
				out[n] = map[string]bool{}
			}
			out[n][version] = true
		}
		name, version = "", ""
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \r")
		switch {
		case line == "[[package]]":
			flush()
			in = true
		case strings.HasPrefix(line, "["):
			flush()
			in = false
		case in:
			if m := poetryKey.FindStringSubmatch(line); m != nil {
				if m[1] == "name" && name == "" {
					name = m[2]
				} else if m[1] == "version" && version == "" {
					version = m[2]
				}
			}
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no [[package]] with a name and a version", path)
	}
	return out, nil
}
