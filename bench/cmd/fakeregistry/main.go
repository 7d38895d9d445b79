// Command fakeregistry serves npm packuments over loopback for the policy
// benchmark: for every package of a package-lock.json, a packument whose
// "time" gives each locked version a publication date a year back (and
// one in ten a date five days back, so the minimum-release-age rule has
// work). Each response waits -delay, like a registry across a network,
// and the server counts the requests it had in flight at once.
//
// Usage:
//
//	go run ./bench/cmd/fakeregistry -lock package-lock.json -addr 127.0.0.1:0 -delay 20ms -stats FILE
//
// It prints its base URL on the first line of standard output and, on
// SIGINT or SIGTERM, writes "requests N max_in_flight M" to -stats.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	lock := flag.String("lock", "", "package-lock.json whose packages are served")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	delay := flag.Duration("delay", 20*time.Millisecond, "time each response waits")
	stats := flag.String("stats", "", "file written at exit with request counts")
	flag.Parse()
	versions, err := load(*lock)
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
			h := fnv.New32a()
			h.Write([]byte(name + "@" + v))
			at := now.AddDate(-1, 0, 0)
			if h.Sum32()%10 == 0 {
				at = now.AddDate(0, 0, -5)
			}
			times[v] = at.Format(time.RFC3339)
			vers[v] = map[string]string{"name": name, "version": v}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": name, "versions": vers, "time": times})
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
			os.WriteFile(*stats, fmt.Appendf(nil, "requests %d max_in_flight %d\n", requests.Load(), maxInFlight.Load()), 0o644)
		}
		os.Exit(0)
	}()
	http.Serve(ln, h)
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
