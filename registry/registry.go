// Package registry answers "when was NAME@VERSION published?" for npm, Go,
// PyPI and crates.io, for the policy gate's minimum-release-age rule.
//
// Answers come from the registries the ecosystems' own tools are configured
// to use (see ResolveEndpoints): no registry host is built in. Each
// ecosystem is asked in the way that costs the fewest requests:
//
//	npm        GET {registry}/{name}            the packument's "time" object,
//	                                            one request per package name,
//	                                            stream-decoded (packuments
//	                                            reach tens of megabytes)
//	Go         GET {proxy}/{module}/@v/{v}.info "Time", one request per version
//	PyPI       GET {base}/pypi/{name}/{v}/json  earliest urls[].upload_time_iso_8601;
//	           on 404, the PEP 691 JSON simple API
//	           GET {index}/{name}/              files' "upload-time" (mirrors such
//	                                            as devpi and Artifactory often
//	                                            serve only the simple API)
//	crates.io  GET {api}/api/v1/crates/{name}/{v}      version.created_at, or
//	           GET {api}/api/v1/crates/{name}/versions  when several versions of
//	                                            one crate are wanted
//
// Answers are kept in an on-disk SQLite cache (see Options.CacheDir), so a
// warm run asks nothing and an offline run (Options.Offline) can still
// answer. A found time is kept for Options.FoundTTL, since a publish time
// does not change; "not found" is kept for Options.TTL, since the version
// may be published later. Failures (network, HTTP errors, credentials) are
// never cached.
//
// Nothing here fails a whole lookup for one bad key: every key gets its own
// Result, with Err saying why its time is unknown.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vouchdev/vouch/purl"
	"golang.org/x/mod/module"
)

// Key names one version of one package.
type Key struct {
	// Ecosystem is one of the purl package's constants: purl.NPM ("npm"),
	// purl.Go ("Go"), purl.PyPI ("PyPI") or purl.CratesIO ("crates.io").
	Ecosystem string
	// Name is the package name as the ecosystem writes it ("@babel/core",
	// "golang.org/x/mod", "Django", "serde").
	Name string
	// Version is the exact version ("7.24.0", "v0.43.0", "5.0.1", "1.0.197").
	Version string
}

// String returns "ecosystem name@version", the form errors use.
func (k Key) String() string { return k.Ecosystem + " " + k.Name + "@" + k.Version }

// Result is what is known about when one version was published.
type Result struct {
	// Published is when the registry says the version was published, in
	// UTC; zero when unknown.
	Published time.Time
	// Known says the registry answered with a time for this version.
	Known bool
	// FromCache says the answer came from the on-disk cache, not from a
	// request made now.
	FromCache bool
	// Err says why the time is unknown: ErrNotFound, ErrOffline,
	// ErrPrivate, ErrNotConfigured, ErrUnsupported, ErrInvalid, an
	// *HTTPError, a network error... It is nil when Known.
	Err error
	// Source is the URL the answer came from, without credentials (for a
	// cached answer, the URL it came from when it was fetched).
	Source string
}

// Errors a Result.Err may match with errors.Is, for callers that handle
// them differently (a policy may fail on ErrNotFound but only warn on
// ErrOffline).
var (
	// ErrNotFound: the registry does not have this package or version (or
	// it was unpublished).
	ErrNotFound = errors.New("not found in the registry")
	// ErrOffline: Options.Offline is set and the cache has no answer.
	ErrOffline = errors.New("offline and not in the cache")
	// ErrPrivate: a Go module matching GOPRIVATE or GONOPROXY, which the go
	// command itself would not ask a proxy about.
	ErrPrivate = errors.New("private module, not asked")
	// ErrNotConfigured: no registry is configured for the ecosystem (see
	// ConfigError for how to configure one).
	ErrNotConfigured = errors.New("registry not configured")
	// ErrUnsupported: the ecosystem has no client here.
	ErrUnsupported = errors.New("no registry client for this ecosystem")
	// ErrInvalid: the name or version cannot be a package of the ecosystem,
	// so it is not put in a URL.
	ErrInvalid = errors.New("invalid package name or version")
	// ErrUnauthorized: the registry refused access (HTTP 401 or 403).
	ErrUnauthorized = errors.New("registry refused access")
)

// Defaults for Options.
const (
	DefaultTTL         = 24 * time.Hour
	DefaultFoundTTL    = 7 * 24 * time.Hour
	DefaultConcurrency = 8
	DefaultTimeout     = 15 * time.Second
	// DefaultMaxBodySize bounds one response body. The largest npm
	// packuments are some tens of megabytes; bodies are streamed, so this
	// bounds time and bandwidth, not memory.
	DefaultMaxBodySize = 128 << 20
	// DefaultUserAgent identifies vouch to registries (crates.io refuses
	// requests without a User-Agent).
	DefaultUserAgent = "vouch (https://github.com/vouchdev/vouch)"
)

// Options configure a Client. The zero value works: configuration comes
// from the environment and the user's configuration files, and the cache
// lives in the user's cache directory.
type Options struct {
	// CacheDir is the directory of the cache file, registry.db. Empty means
	// os.UserCacheDir()/vouch.
	CacheDir string
	// TTL is how long a "not found" answer is kept; zero means DefaultTTL.
	TTL time.Duration
	// FoundTTL is how long a found publish time is kept (it only changes if
	// a version is unpublished and published again); zero means
	// DefaultFoundTTL. It is never shorter than TTL.
	FoundTTL time.Duration
	// Offline answers from the cache only, whatever the age of the cached
	// answer; a key the cache does not have gets ErrOffline.
	Offline bool
	// Concurrency bounds the requests in flight; zero means
	// DefaultConcurrency.
	Concurrency int
	// Timeout bounds one request, body included; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBodySize bounds one response body; zero means DefaultMaxBodySize.
	MaxBodySize int64
	// HTTPClient makes the requests; nil means a client with proxy settings
	// from the environment.
	HTTPClient *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Override maps an ecosystem ("npm", "Go", "PyPI", "crates.io"; case
	// does not matter) to a base URL given on the command line
	// (--registry npm=URL). It wins over all configuration. It must not
	// carry credentials: those belong in configuration files or the
	// environment, never in flags.
	Override map[string]string
	// Getenv reads the environment; nil means os.Getenv. Tests inject it.
	Getenv func(string) string
	// ProjectDir is the scanned project, where its .npmrc, its virtual
	// environment's pip.conf (.venv/pip.conf) and its .cargo/config.toml
	// are looked for. Empty means no project configuration.
	ProjectDir string
	// IgnoreProjectConfig reads nothing from ProjectDir. Set it when the
	// scanned tree is not trusted (a pull request from a fork): a project's
	// .npmrc can point lookups at a server that lies about ages, and
	// through ${VAR} make vouch send an environment secret there.
	IgnoreProjectConfig bool
	// HomeDir is the user's home directory; empty means os.UserHomeDir().
	HomeDir string
	// EtcDir is where system-wide configuration lives (pip's
	// /etc/pip.conf, /etc/xdg/pip/pip.conf); empty means "/etc".
	EtcDir string
	// Logger receives debug events (requests, cache use) and warnings (an
	// unusable cache); nil discards them. Credentials are never logged.
	Logger *slog.Logger
	// Now is the clock for cache ages; nil means time.Now. Tests inject it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.FoundTTL <= 0 {
		o.FoundTTL = DefaultFoundTTL
	}
	o.FoundTTL = max(o.FoundTTL, o.TTL)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.HomeDir == "" {
		o.HomeDir, _ = os.UserHomeDir()
	}
	if o.EtcDir == "" {
		o.EtcDir = "/etc"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Client looks up publish times. It is safe for concurrent use.
type Client struct {
	opt    Options
	cfg    *resolved
	http   *http.Client
	log    *slog.Logger
	now    func() time.Time
	closed chan struct{}
	once   sync.Once

	// retryDelay is the pause before the one retry of a failed request.
	retryDelay time.Duration

	cacheMu sync.Mutex
	cache   *cache // nil when the cache could not be opened

	// prefetched holds the cached answers of whole ecosystems that
	// Prefetch read; an ecosystem in prefetchedEcos is answered from it
	// alone (a key it lacks is not cached).
	prefetchMu     sync.Mutex
	prefetched     map[ckey]cacheEntry
	prefetchedEcos map[string]bool

	// The crates.io web API of a sparse-index mirror, read from its
	// config.json at the first request that needs it.
	cratesMu   sync.Mutex
	cratesDone bool
	cratesAPI  string
	cratesErr  error
}

// New resolves the endpoints (see ResolveEndpoints) and opens the cache.
// An ecosystem left unconfigured is not an error here: its keys get a
// Result.Err saying how to configure it (and the cache still answers them).
// New fails only on invalid Options (an Override that is not a URL, names
// no ecosystem, or carries credentials). A cache that cannot be opened is
// logged and the client works without one; a corrupt cache file is moved
// aside and a new one made.
func New(opt Options) (*Client, error) {
	opt = opt.withDefaults()
	cfg := resolve(opt)
	if cfg.fatal != nil {
		return nil, cfg.fatal
	}
	c := &Client{
		opt:        opt,
		cfg:        cfg,
		http:       opt.HTTPClient,
		log:        opt.Logger,
		now:        opt.Now,
		closed:     make(chan struct{}),
		retryDelay: 300 * time.Millisecond,
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	for _, n := range cfg.notes {
		c.log.Debug("registry configuration", "note", n)
	}
	dir := opt.CacheDir
	if dir == "" {
		ucd, err := os.UserCacheDir()
		if err != nil {
			c.log.Warn("registry cache disabled: no user cache directory", "err", err)
			return c, nil
		}
		dir = filepath.Join(ucd, "vouch")
	}
	cc, err := openCache(context.Background(), dir, c.log)
	if err != nil {
		c.log.Warn("registry cache disabled", "err", err)
		return c, nil
	}
	c.cache = cc
	return c, nil
}

func defaultHTTPClient() *http.Client {
	return &http.Client{CheckRedirect: keepAuthOnSameHost, Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   DefaultConcurrency * 2,
		ForceAttemptHTTP2:     true,
	}}
}

// keepAuthOnSameHost follows redirects (at most 10), sending credentials
// only to the scheme, host and port they were configured for. net/http
// alone would keep them for a subdomain, another port, or plain http.
func keepAuthOnSameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

// Endpoints returns the registry bases the client asks, without
// credentials.
func (c *Client) Endpoints() Endpoints { return c.cfg.eps.clone() }

// Notes returns where each endpoint (and each credential) came from, as
// ResolveEndpoints does, for `vouch policy explain` and --verbose output.
func (c *Client) Notes() []string { return slices.Clone(c.cfg.notes) }

// Close closes the cache. Lookups after Close answer ErrClosed.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		close(c.closed)
		c.cacheMu.Lock()
		defer c.cacheMu.Unlock()
		if c.cache != nil {
			err = c.cache.close()
			c.cache = nil
		}
	})
	return err
}

// currentCache returns the open cache, or nil.
// prefetchMax bounds the cached rows Prefetch reads of one ecosystem: a
// cache shared by many projects may hold far more answers than one scan
// asks for, and those ecosystems are left to per-key lookups.
const prefetchMax = 50_000

// Prefetch reads every cached answer of the given ecosystems into memory,
// so that PublishTimes answers their keys without a query. It is for a
// caller that knows the ecosystems before it knows the keys: a scan reads
// the cache while it walks the tree, on a core the walk of one large
// lockfile leaves idle, and a warm gate then costs map lookups. An
// ecosystem with more than prefetchMax cached rows, an unknown ecosystem
// or a cache that fails is skipped (and looked up per key later). It may
// run concurrently with PublishTimes.
func (c *Client) Prefetch(ctx context.Context, ecosystems ...string) {
	cc := c.currentCache()
	if cc == nil {
		return
	}
	for _, e := range ecosystems {
		eco, ok := canonicalEcosystem(e)
		if !ok {
			continue
		}
		c.prefetchMu.Lock()
		done := c.prefetchedEcos[eco]
		c.prefetchMu.Unlock()
		if done {
			continue
		}
		rows, err := cc.readEcosystem(ctx, eco, prefetchMax)
		if err != nil {
			c.cacheFailed(cc, "read", err)
			return
		}
		if rows == nil {
			continue // too many rows
		}
		c.prefetchMu.Lock()
		if c.prefetched == nil {
			c.prefetched, c.prefetchedEcos = rows, map[string]bool{}
		} else {
			maps.Copy(c.prefetched, rows)
		}
		c.prefetchedEcos[eco] = true
		c.prefetchMu.Unlock()
	}
}

// answerPrefetched puts into out the answer to every key whose ecosystem
// was prefetched and whose cached answer is usable (fresh, or any when
// offline), and returns the other keys. It is the warm gate's fast path:
// a key is validated only to be asked of a registry, and the cache holds
// only keys that were, so a hit needs no validation; the name is
// normalised as canonical does (PyPI's PEP 503 form) to find it.
func (c *Client) answerPrefetched(keys []Key, out map[Key]Result, now time.Time) []Key {
	c.prefetchMu.Lock()
	defer c.prefetchMu.Unlock()
	if len(c.prefetchedEcos) == 0 {
		return keys
	}
	rest := make([]Key, 0, len(keys)/8)
	var lastEco, lastCanon string
	for _, k := range keys {
		if _, seen := out[k]; seen {
			continue
		}
		if k.Ecosystem != lastEco {
			lastEco = k.Ecosystem
			lastCanon, _ = canonicalEcosystem(k.Ecosystem)
		}
		eco := lastCanon
		if !c.prefetchedEcos[eco] {
			rest = append(rest, k)
			continue
		}
		name := k.Name
		if eco == purl.PyPI {
			name = purl.NormalizePyPI(name)
		}
		ck := ckey{eco: eco, name: name, version: k.Version}
		e, ok := c.prefetched[ck]
		if !ok || !c.opt.Offline && !c.fresh(e, now) {
			rest = append(rest, k)
			continue
		}
		out[k] = e.answer(ck).result()
	}
	return rest
}

// fromPrefetched answers the keys of prefetched ecosystems (hits holds
// those cached) and returns the others for a cache lookup.
func (c *Client) fromPrefetched(keys []ckey) (hits map[ckey]cacheEntry, rest []ckey) {
	hits = make(map[ckey]cacheEntry, len(keys))
	c.prefetchMu.Lock()
	defer c.prefetchMu.Unlock()
	if len(c.prefetchedEcos) == 0 {
		return hits, keys
	}
	for _, k := range keys {
		if !c.prefetchedEcos[k.eco] {
			rest = append(rest, k)
			continue
		}
		if e, ok := c.prefetched[k]; ok {
			hits[k] = e
		}
	}
	return hits, rest
}

// notePrefetched adds answers just fetched to the prefetched ecosystems,
// which must stay whole for fromPrefetched to take a missing key as not
// cached.
func (c *Client) notePrefetched(rows []cacheRow) {
	c.prefetchMu.Lock()
	defer c.prefetchMu.Unlock()
	for _, r := range rows {
		if c.prefetchedEcos[r.key.eco] {
			c.prefetched[r.key] = cacheEntry{status: r.status, published: r.published, fetched: r.fetched, source: r.source}
		}
	}
}

func (c *Client) currentCache() *cache {
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	return c.cache
}

// cacheFailed handles a failed cache read or write: a damaged file is
// moved aside and a new one opened (once, however many lookups notice);
// anything else is logged, and the lookup goes on without the cache.
func (c *Client) cacheFailed(cc *cache, op string, err error) {
	if !isCorrupt(err) {
		c.log.Warn("registry cache "+op+" failed", "err", err)
		return
	}
	c.cacheMu.Lock()
	defer c.cacheMu.Unlock()
	if c.cache != cc {
		return // already replaced, or closed
	}
	cc.close()
	c.cache = nil
	if err := moveAside(cc.path, err, c.log); err != nil {
		c.log.Warn("registry cache disabled", "err", err)
		return
	}
	nc, err := openCacheFile(context.Background(), cc.path, c.log)
	if err != nil {
		c.log.Warn("registry cache disabled", "err", err)
		return
	}
	c.cache = nc
}

// ErrClosed is the Result.Err of lookups made after Close.
var ErrClosed = errors.New("registry client closed")

// ckey is a Key made canonical: the ecosystem constant, and the name as the
// registry identifies it (PEP 503 for PyPI). Keys that differ only in
// spelling share one request and one cache row.
type ckey struct {
	eco, name, version string
}

// canonicalEcosystem maps the accepted spellings of an ecosystem to its
// purl constant.
func canonicalEcosystem(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "npm":
		return purl.NPM, true
	case "go", "golang":
		return purl.Go, true
	case "pypi", "pip", "python":
		return purl.PyPI, true
	case "crates.io", "crates", "cargo", "crates-io":
		return purl.CratesIO, true
	}
	return "", false
}

// canonical validates k and returns its canonical form. Names and versions
// become URL path segments, so anything that could escape its segment or
// is not a name the ecosystem allows is ErrInvalid.
func canonical(k Key) (ckey, error) {
	eco, ok := canonicalEcosystem(k.Ecosystem)
	if !ok {
		return ckey{}, fmt.Errorf("%s: %w", k, ErrUnsupported)
	}
	bad := func(why string) error { return fmt.Errorf("%s: %s: %w", k, why, ErrInvalid) }
	if k.Name == "" || k.Version == "" {
		return ckey{}, bad("empty name or version")
	}
	if len(k.Name) > 512 || len(k.Version) > 256 {
		return ckey{}, bad("name or version too long")
	}
	if strings.ContainsFunc(k.Name+k.Version, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '?' || r == '#' || r == '\\' }) {
		return ckey{}, bad("control character, space, ?, # or \\ in name or version")
	}
	if strings.Contains(k.Version, "/") || k.Version == "." || k.Version == ".." {
		return ckey{}, bad("version is not one path segment")
	}
	name := k.Name
	switch eco {
	case purl.NPM:
		if err := checkNPMName(name); err != nil {
			return ckey{}, bad(err.Error())
		}
	case purl.Go:
		// The proxy protocol serves canonical semantic versions of valid
		// module paths only ("stdlib" and "1.0" are not).
		if err := module.Check(name, k.Version); err != nil {
			return ckey{}, bad(err.Error())
		}
	case purl.PyPI:
		if !validPyPIName(name) {
			return ckey{}, bad("not a PyPI distribution name")
		}
		name = purl.NormalizePyPI(name)
	case purl.CratesIO:
		if !validCrateName(name) {
			return ckey{}, bad("not a crate name")
		}
	}
	return ckey{eco: eco, name: name, version: k.Version}, nil
}

func (k ckey) String() string { return k.eco + " " + k.name + "@" + k.version }

// answer is the outcome of a lookup of one canonical key.
type answer struct {
	published time.Time
	found     bool
	err       error
	source    string
	fromCache bool
}

func (a answer) result() Result {
	r := Result{Known: a.found, FromCache: a.fromCache, Source: a.source}
	if a.found {
		r.Published = a.published.UTC()
	} else {
		r.Err = a.err
		if r.Err == nil {
			r.Err = ErrNotFound
		}
	}
	return r
}

// job is the unit of fetching: one request (or a short sequence) for some
// versions of one package.
type job struct {
	eco, name string
	versions  []string
}

// PublishTimes looks up every key and returns a Result for each (keys that
// repeat share one). Keys are first answered from the cache; the rest are
// grouped so that each package name costs one request where the registry
// returns all its versions at once (npm, crates.io) and each version costs
// one where it does not (Go, PyPI). At most Options.Concurrency requests are
// in flight. New answers are written to the cache in one transaction.
// Cancelling ctx ends the lookups; keys not answered then carry ctx's error.
func (c *Client) PublishTimes(ctx context.Context, keys []Key) map[Key]Result {
	out := make(map[Key]Result, len(keys))
	select {
	case <-c.closed:
		for _, k := range keys {
			out[k] = Result{Err: ErrClosed}
		}
		return out
	default:
	}

	now := c.now()
	keys = c.answerPrefetched(keys, out, now)

	// Canonical keys, in first-seen order, and the caller's keys of each.
	byKey := map[ckey][]Key{}
	var order []ckey
	for _, k := range keys {
		if _, seen := out[k]; seen {
			continue
		}
		out[k] = Result{} // marks k seen; replaced below
		ck, err := canonical(k)
		if err != nil {
			out[k] = Result{Err: err}
			continue
		}
		if ck.eco == purl.Go && c.cfg.goPrivate != "" && module.MatchPrefixPatterns(c.cfg.goPrivate, ck.name) {
			out[k] = Result{Err: fmt.Errorf("%s: matches GONOPROXY/GOPRIVATE %q: %w", ck, c.cfg.goPrivate, ErrPrivate)}
			continue
		}
		if _, ok := byKey[ck]; !ok {
			order = append(order, ck)
		}
		byKey[ck] = append(byKey[ck], k)
	}
	answers := make(map[ckey]answer, len(order))

	// The cache.
	hits, rest := c.fromPrefetched(order)
	if cc := c.currentCache(); cc != nil && len(rest) > 0 {
		looked, err := cc.lookup(ctx, rest)
		if err != nil {
			c.cacheFailed(cc, "read", err)
		}
		maps.Copy(hits, looked)
	}
	var misses []ckey
	for _, ck := range order {
		if e, ok := hits[ck]; ok && (c.opt.Offline || c.fresh(e, now)) {
			answers[ck] = e.answer(ck)
			continue
		}
		if c.opt.Offline {
			answers[ck] = answer{err: fmt.Errorf("%s: %w", ck, ErrOffline)}
			continue
		}
		misses = append(misses, ck)
	}

	// The registries.
	if len(misses) > 0 {
		fetched := c.fetchAll(ctx, misses)
		var store []cacheRow
		for _, ck := range misses {
			a, ok := fetched[ck]
			if !ok {
				err := ctx.Err()
				if err == nil {
					err = errors.New("not looked up")
				}
				a = answer{err: fmt.Errorf("%s: %w", ck, err)}
			}
			answers[ck] = a
			if row, ok := cacheable(ck, a, now); ok {
				store = append(store, row)
			}
		}
		c.notePrefetched(store)
		if cc := c.currentCache(); cc != nil && len(store) > 0 {
			// Answers already paid for are worth keeping even when the
			// caller has given up.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			if err := cc.store(wctx, store); err != nil {
				c.cacheFailed(cc, "write", err)
			}
			cancel()
		}
	}

	for ck, ks := range byKey {
		r := answers[ck].result()
		for _, k := range ks {
			out[k] = r
		}
	}
	return out
}

// fresh says whether a cached entry may answer without asking again.
func (c *Client) fresh(e cacheEntry, now time.Time) bool {
	ttl := c.opt.TTL
	if e.status == statusFound {
		ttl = c.opt.FoundTTL
	}
	age := now.Sub(e.fetched)
	return age >= 0 && age < ttl
}

// cacheable returns the cache row of an answer worth keeping: a time, or
// the registry saying it has no such version. Failures are not kept: the
// next run asks again.
func cacheable(ck ckey, a answer, now time.Time) (cacheRow, bool) {
	switch {
	case a.found:
		return cacheRow{key: ck, status: statusFound, published: a.published, fetched: now, source: a.source}, true
	case errors.Is(a.err, ErrNotFound):
		return cacheRow{key: ck, status: statusNotFound, fetched: now, source: a.source}, true
	}
	return cacheRow{}, false
}

// fetchAll groups the keys into jobs and runs them on Concurrency workers.
// Each worker makes one request at a time, which bounds the requests in
// flight.
func (c *Client) fetchAll(ctx context.Context, keys []ckey) map[ckey]answer {
	var jobs []job
	idx := map[[2]string]int{}
	for _, ck := range keys {
		switch ck.eco {
		case purl.Go:
			jobs = append(jobs, job{eco: ck.eco, name: ck.name, versions: []string{ck.version}})
		default:
			id := [2]string{ck.eco, ck.name}
			i, ok := idx[id]
			if !ok {
				i = len(jobs)
				idx[id] = i
				jobs = append(jobs, job{eco: ck.eco, name: ck.name})
			}
			jobs[i].versions = append(jobs[i].versions, ck.version)
		}
	}

	out := make(map[ckey]answer, len(keys))
	var mu sync.Mutex
	ch := make(chan job)
	var wg sync.WaitGroup
	for range min(c.opt.Concurrency, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				res := c.run(ctx, j)
				mu.Lock()
				for _, v := range j.versions {
					a, ok := res[v]
					if !ok {
						a = answer{err: fmt.Errorf("%s %s@%s: %w", j.eco, j.name, v, ErrNotFound)}
					}
					out[ckey{j.eco, j.name, v}] = a
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	return out
}

// run does one job, returning an answer for each of its versions.
func (c *Client) run(ctx context.Context, j job) map[string]answer {
	if err := ctx.Err(); err != nil {
		return allErr(j, err)
	}
	start := time.Now()
	var res map[string]answer
	switch j.eco {
	case purl.NPM:
		res = c.fetchNPM(ctx, j)
	case purl.Go:
		res = c.fetchGo(ctx, j)
	case purl.PyPI:
		res = c.fetchPyPI(ctx, j)
	case purl.CratesIO:
		res = c.fetchCrates(ctx, j)
	default:
		res = allErr(j, ErrUnsupported)
	}
	c.log.Debug("registry lookup", "ecosystem", j.eco, "name", j.name, "versions", len(j.versions), "duration", time.Since(start))
	return res
}

// allErr answers every version of j with err, prefixed with the key.
func allErr(j job, err error) map[string]answer {
	out := make(map[string]answer, len(j.versions))
	for _, v := range j.versions {
		out[v] = answer{err: fmt.Errorf("%s %s@%s: %w", j.eco, j.name, v, err)}
	}
	return out
}

// configErr is the error of an ecosystem without a usable endpoint.
func (c *Client) configErr(eco string) error {
	if err := c.cfg.errs[eco]; err != nil {
		return err
	}
	return &ConfigError{Ecosystem: eco, Reason: "no registry configured"}
}

// sortedKeys returns m's keys in order, for output that does not vary.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
