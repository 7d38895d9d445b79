package advisory

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vouchdev/vouch/extract"
)

// DefaultSource is OSV's public export, which holds <ecosystem>/all.zip for
// every ecosystem. UpdateOptions.Source points elsewhere (a mirror).
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultMaxDownload bounds one ecosystem's all.zip. The largest OSV
// exports are a few hundred megabytes.
const DefaultMaxDownload = 4 << 30

// ErrNoEcosystems is returned by Update when it is given no ecosystems and
// the database has never downloaded any.
var ErrNoEcosystems = errors.New("no ecosystems to update")

// UpdateOptions configure Update.
type UpdateOptions struct {
	// Source is the base URL the exports are under: Update fetches
	// <Source>/<ecosystem>/all.zip. Empty means DefaultSource. Only http
	// and https are accepted.
	Source string
	// Ecosystems to download (base names; "Debian:12" means "Debian").
	// Empty means those the database downloaded before.
	Ecosystems []string
	// HTTPClient makes the requests; nil means a client with connection,
	// TLS and response-header time-outs. The whole update is bounded by
	// the context.
	HTTPClient *http.Client
	// MaxSize bounds each download; zero means DefaultMaxDownload.
	MaxSize int64
	// Limits and BatchSize apply to the imports, as in Options.
	Limits    Limits
	BatchSize int
	// Logger receives debug events; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called as downloads and imports go.
	Progress func(Progress)
}

// UpdateStats reports what Update did.
type UpdateStats struct {
	Ecosystems []EcosystemUpdate
	// Swapped is true when a new database file replaced the old one
	// (false when every export was unchanged).
	Swapped bool
	// Rebuilt is true when the old file was unusable (see CorruptError)
	// and the new one was built from the downloads alone.
	Rebuilt  bool
	Duration time.Duration
}

// EcosystemUpdate reports one ecosystem's download.
type EcosystemUpdate struct {
	Ecosystem string
	URL       string
	// NotModified is true when the server answered 304 to the stored
	// ETag or Last-Modified: the stored records are current.
	NotModified bool
	Bytes       int64       // downloaded
	Import      ImportStats // zero when not modified
}

// Update downloads the ecosystems' OSV exports and replaces their records in
// the database at path, atomically.
//
// Each export is requested with the ETag and Last-Modified stored from the
// previous download, so an unchanged export costs one request. Changed
// exports are streamed to temporary files (at most MaxSize each, checked
// against the MD5 the server declares in X-Goog-Hash when it does). The
// new database is then built beside the old one: a copy of the old (VACUUM
// INTO, so ecosystems not being updated and local imports are kept) in
// which each downloaded ecosystem's previous records are dropped and its
// export imported. Only when that is complete is the file renamed over the
// old one. A failed, cancelled or killed update therefore leaves the old
// database as it was; the temporary files it leaves are removed by the
// next update. Either every requested ecosystem is updated or none is.
//
// When the old file is unusable, the new one is built from the downloads
// alone (Rebuilt). The database is always in rollback-journal mode, so no
// -wal file can outlive the swap.
func Update(ctx context.Context, path string, opt UpdateOptions) (UpdateStats, error) {
	start := time.Now()
	var stats UpdateStats
	base, err := sourceURL(opt.Source)
	if err != nil {
		return stats, err
	}
	ecosystems, err := ecosystemNames(opt.Ecosystems)
	if err != nil {
		return stats, err
	}
	if opt.MaxSize <= 0 {
		opt.MaxSize = DefaultMaxDownload
	}
	client := opt.HTTPClient
	if client == nil {
		client = defaultClient()
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	progress := func(p Progress) {
		if opt.Progress != nil {
			opt.Progress(p)
		}
	}

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return stats, fmt.Errorf("advisory database %s: %w", path, err)
	}
	unlock, err := lockFile(ctx, path)
	if err != nil {
		return stats, err
	}
	defer unlock()
	removeLeftovers(path, log)

	storeOpt := Options{Logger: log, Limits: opt.Limits, BatchSize: opt.BatchSize, Progress: opt.Progress}
	var old *Store
	var oldMeta map[string]SourceStatus
	if _, err := os.Stat(path); err == nil {
		old, err = OpenWith(ctx, path, storeOpt)
		if err == nil {
			oldMeta, err = old.sources(ctx)
			if err != nil {
				old.Close()
				old = nil
			}
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				return stats, err
			}
			log.Debug("old database unusable, rebuilding", "path", path, "error", err)
			stats.Rebuilt = true
		}
	}
	if old != nil {
		defer func() {
			if old != nil {
				old.Close()
			}
		}()
	}
	if len(ecosystems) == 0 {
		for name, m := range oldMeta {
			if name != LocalSource && m.URL != "" {
				ecosystems = append(ecosystems, name)
			}
		}
		slices.Sort(ecosystems)
	}
	if len(ecosystems) == 0 {
		return stats, fmt.Errorf("%w: name them (the database has downloaded none before)", ErrNoEcosystems)
	}

	// Download everything first: nothing changes until all succeeded.
	type fetched struct {
		eco  string
		meta SourceStatus
		file string // empty when not modified
	}
	var got []fetched
	defer func() {
		for _, f := range got {
			if f.file != "" {
				os.Remove(f.file)
			}
		}
	}()
	now := time.Now()
	for _, eco := range ecosystems {
		u := base.JoinPath(eco, "all.zip").String()
		prev := oldMeta[eco]
		if prev.URL != u {
			// Validators of another URL say nothing about this one.
			prev = SourceStatus{}
		}
		dl, err := download(ctx, client, u, prev, dir, leftoverPrefix(path)+"download-", opt.MaxSize, func(n int64) {
			progress(Progress{Source: eco, Stage: "download", Bytes: n})
		})
		if err != nil {
			return stats, err
		}
		m := SourceStatus{Source: eco, URL: u, Checked: now}
		if !dl.notModified {
			m.ETag, m.LastModified, m.Fetched = dl.etag, dl.lastModified, now
		}
		got = append(got, fetched{eco: eco, meta: m, file: dl.file})
		stats.Ecosystems = append(stats.Ecosystems, EcosystemUpdate{Ecosystem: eco, URL: u, NotModified: dl.notModified, Bytes: dl.size})
		log.Debug("download", "url", u, "not_modified", dl.notModified, "bytes", dl.size)
	}

	changed := stats.Rebuilt || old == nil
	for _, f := range got {
		if f.file != "" {
			changed = true
		}
	}
	if !changed {
		// Nothing new: record the check in place, one small transaction.
		for _, f := range got {
			if err := old.setSource(ctx, f.meta); err != nil {
				return stats, err
			}
		}
		stats.Duration = time.Since(start)
		return stats, nil
	}
	if stats.Rebuilt || old == nil {
		for _, f := range got {
			if f.file == "" {
				return stats, fmt.Errorf("update %s: server says not modified, but there is no usable database to keep it in", f.eco)
			}
		}
	}

	tmp, err := os.CreateTemp(dir, leftoverPrefix(path)+"*")
	if err != nil {
		return stats, fmt.Errorf("advisory database %s: %w", path, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)
	defer os.Remove(tmpPath + "-journal")
	if old != nil {
		// VACUUM INTO wants a file that does not exist yet.
		os.Remove(tmpPath)
		if _, err := old.db.ExecContext(ctx, `VACUUM INTO ?`, tmpPath); err != nil {
			return stats, old.corrupt(fmt.Errorf("copy: %w", err))
		}
	}
	next, err := OpenWith(ctx, tmpPath, storeOpt)
	if err != nil {
		return stats, err
	}
	defer next.Close()
	// The new file is thrown away on any failure, so it needs neither a
	// journal on disk nor syncs until it is complete.
	for _, pragma := range []string{`PRAGMA journal_mode = MEMORY`, `PRAGMA synchronous = OFF`} {
		if _, err := next.db.ExecContext(ctx, pragma); err != nil {
			return stats, next.corrupt(err)
		}
	}
	for i, f := range got {
		if f.file != "" {
			if err := next.dropSource(ctx, f.eco); err != nil {
				return stats, err
			}
			st, err := next.importFrom(ctx, f.file, f.eco)
			st.Source = f.meta.URL
			stats.Ecosystems[i].Import = st
			if err != nil {
				return stats, fmt.Errorf("update %s: %w", f.eco, err)
			}
			f.meta.Imported = time.Now()
		}
		if err := next.setSource(ctx, f.meta); err != nil {
			return stats, err
		}
	}
	if err := next.Close(); err != nil {
		return stats, fmt.Errorf("advisory database %s: %w", tmpPath, err)
	}
	if err := syncFile(tmpPath); err != nil {
		return stats, fmt.Errorf("advisory database %s: %w", tmpPath, err)
	}
	if err := ctx.Err(); err != nil {
		return stats, err
	}
	if old != nil {
		old.Close()
		old = nil
	}
	progress(Progress{Source: path, Stage: "swap"})
	// A journal left beside the old file by a crashed writer would be
	// rolled back into the new one; it belongs to the file being replaced.
	for _, suffix := range []string{"-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return stats, fmt.Errorf("advisory database %s: %w", path, err)
	}
	syncFile(dir)
	stats.Swapped = true
	stats.Duration = time.Since(start)
	return stats, nil
}

// sourceURL validates the base URL of the exports.
func sourceURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultSource
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("advisory source %q: %w", s, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("advisory source %q: want an http or https URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("advisory source %q: want a plain base URL, without credentials, query or fragment", s)
	}
	return u, nil
}

// ecosystemNames reduces names to base names, deduplicated, and rejects
// what could not be one (a name becomes a URL path segment).
func ecosystemNames(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		b := strings.TrimSpace(EcosystemBase(n))
		if b == "" || b == "." || b == ".." || len(b) > 100 || strings.ContainsAny(b, "/\\?#%") ||
			strings.IndexFunc(b, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("ecosystem %q: not an OSV ecosystem name", n)
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

func defaultClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// leftoverPrefix names the temporary files of updates of path, so the next
// update can find what a killed one left.
func leftoverPrefix(path string) string {
	return "." + filepath.Base(path) + ".update-"
}

// removeLeftovers deletes temporary files of earlier updates of path. It
// runs under the update lock, so none of them is in use.
func removeLeftovers(path string, log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), leftoverPrefix(path)+"*"))
	for _, m := range matches {
		if err := os.Remove(m); err == nil {
			log.Debug("removed leftover of an interrupted update", "file", m)
		}
	}
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// downloaded is the result of one download.
type downloaded struct {
	notModified        bool
	file               string // the body, in a temporary file
	size               int64
	etag, lastModified string
}

// download fetches url into a temporary file in dir named with prefix, conditionally on prev's
// validators, failing past max bytes or on a body that does not match the
// length or MD5 the server declares.
func download(ctx context.Context, client *http.Client, u string, prev SourceStatus, dir, prefix string, max int64, progress func(int64)) (downloaded, error) {
	var dl downloaded
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return dl, fmt.Errorf("download %s: %w", u, err)
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return dl, fmt.Errorf("download %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		dl.notModified = true
		return dl, nil
	case http.StatusOK:
	default:
		return dl, fmt.Errorf("download %s: %s", u, resp.Status)
	}
	if resp.ContentLength > max {
		return dl, fmt.Errorf("download %s: %d bytes, limit %d: %w", u, resp.ContentLength, max, extract.ErrTooLarge)
	}
	f, err := os.CreateTemp(dir, prefix+"*.zip")
	if err != nil {
		return dl, fmt.Errorf("download %s: %w", u, err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(f.Name())
		}
	}()
	wantMD5 := googMD5(resp.Header)
	var sum hash.Hash
	var w io.Writer = f
	if wantMD5 != nil {
		sum = md5.New()
		w = io.MultiWriter(f, sum)
	}
	n, err := io.Copy(w, &progressReader{r: io.LimitReader(resp.Body, max+1), fn: progress})
	if err != nil {
		return dl, fmt.Errorf("download %s: after %d bytes: %w", u, n, err)
	}
	if n > max {
		return dl, fmt.Errorf("download %s: more than %d bytes: %w", u, max, extract.ErrTooLarge)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return dl, fmt.Errorf("download %s: got %d of %d bytes", u, n, resp.ContentLength)
	}
	if sum != nil && string(sum.Sum(nil)) != string(wantMD5) {
		return dl, fmt.Errorf("download %s: MD5 does not match the X-Goog-Hash the server sent", u)
	}
	if err := f.Sync(); err != nil {
		return dl, fmt.Errorf("download %s: %w", u, err)
	}
	ok = true
	dl.file, dl.size = f.Name(), n
	dl.etag, dl.lastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return dl, nil
}

// googMD5 returns the MD5 that Google Cloud Storage declares for an object
// ("X-Goog-Hash: crc32c=...,md5=<base64>"), or nil.
func googMD5(h http.Header) []byte {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k == "md5" {
				if b, err := base64.StdEncoding.DecodeString(val); err == nil && len(b) == md5.Size {
					return b
				}
			}
		}
	}
	return nil
}

// progressReader reports the bytes read so far, at most every 4 MiB.
type progressReader struct {
	r    io.Reader
	n    int64
	last int64
	fn   func(int64)
}

// Read reads from the underlying reader and reports the running total.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.fn != nil && (p.n-p.last >= 4<<20 || err == io.EOF) {
		p.last = p.n
		p.fn(p.n)
	}
	return n, err
}
