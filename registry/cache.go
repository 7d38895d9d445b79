package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// The cache is one SQLite file, registry.db (modernc.org/sqlite, no cgo),
// in WAL mode so that several vouch processes can read it while one
// writes. It is only a cache: a file that cannot be used is moved aside
// and a new one made, never an error.
//
// Tables:
//
//	meta(key, value)        schema_version
//	publish(ecosystem, name, version, status, published, fetched_at, source)
//	                        one row per canonical key (see ckey); status is
//	                        statusFound or statusNotFound; published and
//	                        fetched_at are Unix nanoseconds (published 0
//	                        when not found); source is the URL asked

// cacheSchemaVersion is the version of the cache's tables; a file with
// another version is replaced.
const cacheSchemaVersion = "1"

const cacheSchema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS publish (
	ecosystem TEXT NOT NULL,
	name TEXT NOT NULL,
	version TEXT NOT NULL,
	status INTEGER NOT NULL,
	published INTEGER NOT NULL,
	fetched_at INTEGER NOT NULL,
	source TEXT NOT NULL,
	PRIMARY KEY (ecosystem, name, version)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '` + cacheSchemaVersion + `');
`

// Row statuses.
const (
	statusFound    = 1
	statusNotFound = 2
)

// cacheFile is the name of the cache in Options.CacheDir.
const cacheFile = "registry.db"

// cache is the open cache file.
type cache struct {
	db   *sql.DB
	path string
	log  *slog.Logger
}

// cacheEntry is a row as read.
type cacheEntry struct {
	status             int
	published, fetched time.Time
	source             string
}

func (e cacheEntry) answer(ck ckey) answer {
	if e.status == statusFound {
		return answer{published: e.published, found: true, source: e.source, fromCache: true}
	}
	return answer{err: fmt.Errorf("%s: %w (cached answer of %s)", ck, ErrNotFound, e.source), source: e.source, fromCache: true}
}

// cacheRow is a row to write.
type cacheRow struct {
	key                ckey
	status             int
	published, fetched time.Time
	source             string
}

// errUnusable marks a cache file that opens but is not a cache this
// version writes.
var errUnusable = errors.New("not a vouch registry cache of this version")

// openCache opens dir/registry.db, creating it (and dir) when missing. A
// file that is not SQLite, is damaged, or has other tables is moved aside
// (see moveAside) and a new one made.
func openCache(ctx context.Context, dir string, log *slog.Logger) (*cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("registry cache: %w", err)
	}
	path := filepath.Join(dir, cacheFile)
	c, err := openCacheFile(ctx, path, log)
	if err == nil || !isCorrupt(err) {
		return c, err
	}
	if err := moveAside(path, err, log); err != nil {
		return nil, err
	}
	return openCacheFile(ctx, path, log)
}

// moveAside renames an unusable cache file to registry.db.corrupt-TIME
// (with its -wal and -shm files), keeping it for a post-mortem, and logs a
// warning: the cache is rebuilt from the registries, never a failure.
func moveAside(path string, why error, log *slog.Logger) error {
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000000000")
	if err := os.Rename(path, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("registry cache %s is unusable (%v) and cannot be moved aside: %w", path, why, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(path + suffix)
		}
	}
	log.Warn("registry cache was unusable; moved aside and started anew", "path", path, "moved_to", aside, "err", why)
	return nil
}

// isCorrupt says err means the file is damaged or not a cache.
func isCorrupt(err error) bool {
	if errors.Is(err, errUnusable) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return true
		}
	}
	return false
}

func openCacheFile(ctx context.Context, path string, log *slog.Logger) (*cache, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("registry cache %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("registry cache %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	c := &cache{db: db, path: path, log: log}
	if err := c.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry cache %s: %w", path, err)
	}
	return c, nil
}

// init creates the tables of a new file and checks those of an old one.
// It reads the first pages only (a full integrity check costs about a
// second per million rows); damage further in shows when a lookup reaches
// it, and the Client then replaces the file (see Client.cacheFailed).
func (c *cache) init(ctx context.Context) error {
	var n int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('meta', 'publish')`).Scan(&n); err != nil {
		return err
	}
	if n < 2 {
		var others int
		if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&others); err != nil {
			return err
		}
		if others > n {
			return fmt.Errorf("%w: other tables", errUnusable)
		}
		tx, err := c.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, cacheSchema); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	var v string
	err := c.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no schema version", errUnusable)
		}
		return err
	}
	if v != cacheSchemaVersion {
		return fmt.Errorf("%w: schema version %s, this vouch writes %s", errUnusable, v, cacheSchemaVersion)
	}
	return nil
}

func (c *cache) close() error { return c.db.Close() }

// lookupSQL reads the rows of a JSON array of [ecosystem, name, version]
// keys in one statement that never changes, so SQLite parses it once per
// connection and a warm run of a large project is one query. CROSS JOIN
// keeps the keys the outer loop: one primary-key seek per key.
const lookupSQL = `SELECT p.ecosystem, p.name, p.version, p.status, p.published, p.fetched_at, p.source
	FROM json_each(?1) AS k CROSS JOIN publish AS p
	ON p.ecosystem = k.value ->> 0 AND p.name = k.value ->> 1 AND p.version = k.value ->> 2`

// lookupChunk is the number of keys one query reads: a large project's
// keys are split over several connections and read at once (a warm gate
// of 2,000 components spent most of its time in this one query).
const lookupChunk = 512

// scanSQL reads every cached row of one ecosystem.
const scanSQL = `SELECT ecosystem, name, version, status, published, fetched_at, source FROM publish WHERE ecosystem = ?1`

// countSQL counts one ecosystem's cached rows (a range of the primary key).
const countSQL = `SELECT count(*) FROM publish WHERE ecosystem = ?1`

// scanMin is the number of keys of one ecosystem from which reading all
// its rows may beat one primary-key seek per key: SQLite reads a range in
// a few milliseconds where 2,000 seeks through json_each took 30.
const scanMin = 256

// lookup returns the cached rows of keys.
func (c *cache) lookup(ctx context.Context, keys []ckey) (map[ckey]cacheEntry, error) {
	out := make(map[ckey]cacheEntry, len(keys))
	// Ecosystems asked for many keys, whose cached rows are not many more,
	// are read whole and picked from in Go.
	byEco := map[string][]ckey{}
	for _, k := range keys {
		byEco[k.eco] = append(byEco[k.eco], k)
	}
	keys = keys[:0:0]
	for eco, ks := range byEco {
		var rows int
		if len(ks) < scanMin || c.db.QueryRowContext(ctx, countSQL, eco).Scan(&rows) != nil || rows > 8*len(ks) {
			keys = append(keys, ks...)
			continue
		}
		all := make(map[ckey]cacheEntry, rows)
		if err := c.query(ctx, scanSQL, []any{eco}, all); err != nil {
			return out, err
		}
		for _, k := range ks {
			if e, ok := all[k]; ok {
				out[k] = e
			}
		}
	}
	var chunks [][]ckey
	for len(keys) > 0 {
		n := min(len(keys), lookupChunk)
		chunks = append(chunks, keys[:n])
		keys = keys[n:]
	}
	parts := make([]map[ckey]cacheEntry, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), 4)))
	for i, chunk := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			triples := make([][3]string, len(chunk))
			for j, k := range chunk {
				triples[j] = [3]string{k.eco, k.name, k.version}
			}
			arg, err := json.Marshal(triples)
			if err != nil {
				errs[i] = err
				return
			}
			parts[i] = make(map[ckey]cacheEntry, len(chunk))
			errs[i] = c.query(ctx, lookupSQL, []any{string(arg)}, parts[i])
		}()
	}
	wg.Wait()
	for i, part := range parts {
		if errs[i] != nil {
			return out, errs[i]
		}
		maps.Copy(out, part)
	}
	return out, nil
}

// readEcosystem returns every cached row of eco, or nil when it has more
// than max.
func (c *cache) readEcosystem(ctx context.Context, eco string, max int) (map[ckey]cacheEntry, error) {
	var n int
	if err := c.db.QueryRowContext(ctx, countSQL, eco).Scan(&n); err != nil {
		return nil, fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	if n > max {
		return nil, nil
	}
	out := make(map[ckey]cacheEntry, n)
	if err := c.query(ctx, scanSQL, []any{eco}, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *cache) query(ctx context.Context, q string, args []any, out map[ckey]cacheEntry) error {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k ckey
		var e cacheEntry
		var pub, fetched int64
		if err := rows.Scan(&k.eco, &k.name, &k.version, &e.status, &pub, &fetched, &e.source); err != nil {
			return fmt.Errorf("registry cache %s: %w", c.path, err)
		}
		if e.status != statusFound && e.status != statusNotFound {
			continue
		}
		if e.status == statusFound {
			e.published = time.Unix(0, pub).UTC()
		}
		e.fetched = time.Unix(0, fetched)
		out[k] = e
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	return nil
}

// store writes rows in one transaction, replacing older answers.
func (c *cache) store(ctx context.Context, rows []cacheRow) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO publish (ecosystem, name, version, status, published, fetched_at, source)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ecosystem, name, version) DO UPDATE SET
			status = excluded.status, published = excluded.published,
			fetched_at = excluded.fetched_at, source = excluded.source`)
	if err != nil {
		return fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	defer st.Close()
	for _, r := range rows {
		var pub int64
		if r.status == statusFound {
			pub = r.published.UnixNano()
		}
		if _, err := st.ExecContext(ctx, r.key.eco, r.key.name, r.key.version, r.status, pub, r.fetched.UnixNano(), r.source); err != nil {
			return fmt.Errorf("registry cache %s: %w", c.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registry cache %s: %w", c.path, err)
	}
	return nil
}
