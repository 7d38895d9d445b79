package advisory

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// The store is one SQLite file (modernc.org/sqlite, no cgo) in rollback-
// journal mode, never WAL: an update replaces the file by rename, which is
// only safe when no -wal file could belong to the old one.
//
// Tables:
//
//	meta(key, value)                      schema_version
//	vulns(id, modified, withdrawn, imported, data)
//	                                      one row per record; data is the
//	                                      record's compact JSON, deflated
//	affected(ecosystem, name, id)         index: ecosystem base name and
//	                                      NormalizeName'd package name
//	record_sources(source, id)            which import brought each record,
//	                                      so an update can replace exactly
//	                                      one ecosystem's export
//	sources(source, url, etag, last_modified, fetched, checked, imported, records)
//	                                      one row per download source
//	                                      (ecosystem) and one for local
//	                                      imports ("local")
//
// Times are stored as fixed-width UTC text (timeLayout), which sorts as
// the times do.

// SchemaVersion is the version of the store's tables; a file with another
// version is reported as needing a rebuild.
const SchemaVersion = 1

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE vulns (
	id TEXT PRIMARY KEY,
	modified TEXT NOT NULL,
	withdrawn INTEGER NOT NULL,
	imported TEXT NOT NULL,
	data BLOB NOT NULL
);
CREATE TABLE affected (
	ecosystem TEXT NOT NULL,
	name TEXT NOT NULL,
	id TEXT NOT NULL,
	PRIMARY KEY (ecosystem, name, id)
) WITHOUT ROWID;
CREATE INDEX affected_id ON affected (id);
CREATE TABLE record_sources (
	source TEXT NOT NULL,
	id TEXT NOT NULL,
	PRIMARY KEY (source, id)
) WITHOUT ROWID;
CREATE INDEX record_sources_id ON record_sources (id);
CREATE TABLE sources (
	source TEXT PRIMARY KEY,
	url TEXT NOT NULL DEFAULT '',
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	fetched TEXT NOT NULL DEFAULT '',
	checked TEXT NOT NULL DEFAULT '',
	imported TEXT NOT NULL DEFAULT '',
	records INTEGER NOT NULL DEFAULT 0
);
`

// LocalSource is the source name under which Import records what it
// brought in, beside the ecosystems Update downloads.
const LocalSource = "local"

// StaleAfter is how old data may be before `vouch db status` warns.
const StaleAfter = 7 * 24 * time.Hour

const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return time.Time{}.Format(timeLayout)
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Limits bound what one import reads.
type Limits struct {
	// MaxRecordSize bounds one record (a zip entry or a file); a larger one
	// is a per-record error. Zero means MaxRecordSize.
	MaxRecordSize int64
	// MaxImportSize bounds the decompressed bytes of one import; past it
	// the import stops with an error. Zero means DefaultMaxImportSize.
	MaxImportSize int64
	// MaxEntries bounds the entries of a zip or files of a directory.
	// Zero means DefaultMaxEntries.
	MaxEntries int
}

// Defaults for Limits. The largest OSV exports (Ubuntu, Debian) hold a few
// hundred thousand records and some gigabytes of JSON.
const (
	DefaultMaxImportSize = 32 << 30
	DefaultMaxEntries    = 5_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxRecordSize <= 0 {
		l.MaxRecordSize = MaxRecordSize
	}
	if l.MaxImportSize <= 0 {
		l.MaxImportSize = DefaultMaxImportSize
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Options configure a Store.
type Options struct {
	// ReadOnly opens an existing database without writing to it (a scan);
	// a missing file is then an error wrapping fs.ErrNotExist.
	ReadOnly bool
	// Logger receives debug events; nil discards them.
	Logger *slog.Logger
	// Limits bound imports.
	Limits Limits
	// BatchSize is how many records one import transaction holds; zero
	// means 2000.
	BatchSize int
	// Progress, when set, is called as an import goes (at its start and
	// after each committed batch), from the importing goroutine.
	Progress func(Progress)
}

// Progress is an event of a long operation, for a caller that shows it.
type Progress struct {
	Source  string // the ecosystem or the imported path
	Stage   string // "download", "import", "swap"
	Records int    // records read so far in this stage
	Bytes   int64  // bytes read so far in this stage
}

// Store is an open advisory database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	opt  Options
	log  *slog.Logger
	file os.FileInfo // the file opened, to notice an update replaced it
}

// ErrCorrupt is matched (errors.Is) by every *CorruptError.
var ErrCorrupt = errors.New("advisory database unusable")

// CorruptError says the database file cannot be used: it is not SQLite,
// it is damaged, or its tables are not the ones this version of vouch
// writes. Its message says how to rebuild it.
type CorruptError struct {
	Path string // the database file
	Err  error  // what SQLite or the check said
}

// Error says what is wrong and how to rebuild the database.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("advisory database %s is unusable (%v); remove %s or run \"vouch db update\" to rebuild it", e.Path, e.Err, e.Path)
}

// Unwrap returns the underlying failure.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// DefaultPath is where the database lives unless the caller says otherwise:
// advisories.db in vouch's directory of the user cache directory.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("advisory database path: %w", err)
	}
	return filepath.Join(dir, "vouch", "advisories.db"), nil
}

// Open opens the database at path for reading and writing, creating it
// (and its directory) when missing.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens the database at path with opt.
func OpenWith(ctx context.Context, path string, opt Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("advisory database: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("advisory database %s: %w", path, err)
	}
	if opt.ReadOnly {
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("advisory database %s: %w (run \"vouch db update\" or \"vouch db import\")", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("advisory database %s: %w", path, err)
	}
	opt.Limits = opt.Limits.withDefaults()
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(0)")
	if opt.ReadOnly {
		q.Set("mode", "ro")
		// A scan reads each record once: a small page cache is enough, and
		// it is memory the scan does not spend on its own work.
		q.Add("_pragma", "cache_size(-256)")
	} else {
		q.Add("_pragma", "journal_mode(DELETE)")
		q.Set("_txlock", "immediate")
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("advisory database %s: %w", path, err)
	}
	if opt.ReadOnly {
		db.SetMaxOpenConns(4)
	} else {
		// One writer connection: SQLite serialises writers anyway, and
		// one connection cannot deadlock against itself.
		db.SetMaxOpenConns(1)
	}
	s := &Store{db: db, path: path, opt: opt, log: log}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.file, _ = os.Stat(abs)
	return s, nil
}

// corrupt wraps err as a *CorruptError when SQLite says the file is not a
// database or is damaged; other errors get the path as prefix.
func (s *Store) corrupt(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return &CorruptError{Path: s.path, Err: err}
		}
	}
	var ce *CorruptError
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("advisory database %s: %w", s.path, err)
}

// init checks the schema version, creating the tables in an empty file.
func (s *Store) init(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
	if err != nil {
		return s.corrupt(err)
	}
	if n == 0 {
		if s.opt.ReadOnly {
			return &CorruptError{Path: s.path, Err: errors.New("empty database")}
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return s.corrupt(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return s.corrupt(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', ?)`, strconv.Itoa(SchemaVersion)); err != nil {
			return s.corrupt(err)
		}
		return s.corrupt(tx.Commit())
	}
	var v string
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || strings.Contains(err.Error(), "no such table") {
			return &CorruptError{Path: s.path, Err: errors.New("not a vouch advisory database")}
		}
		return s.corrupt(err)
	}
	if v != strconv.Itoa(SchemaVersion) {
		return &CorruptError{Path: s.path, Err: fmt.Errorf("schema version %s, this vouch reads %d", v, SchemaVersion)}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file as given to Open.
func (s *Store) Path() string { return s.path }

// RecordError is a record an import skipped, with the file (or zip entry)
// it came from.
type RecordError struct {
	File string // the file or zip entry, relative to the imported source
	Err  error  // an *extract.Error for records that did not parse
}

// Error names the file and what is wrong with the record.
func (e RecordError) Error() string {
	// Parse errors name the file already.
	if msg := e.Err.Error(); strings.HasPrefix(msg, e.File+":") {
		return msg
	}
	return e.File + ": " + e.Err.Error()
}

// maxRecordErrors bounds the errors an import keeps; all are counted.
const maxRecordErrors = 1000

// ImportStats reports what an import did.
type ImportStats struct {
	Source string // what was imported
	// Read counts the records read (JSON files or zip entries).
	Read int
	// Added, Replaced and Older count records new to the store, replacing
	// a stored record no newer, and kept out by a newer stored record.
	Added, Replaced, Older int
	// Withdrawn counts records that came in withdrawn (stored, never
	// matched).
	Withdrawn int
	// Malformed counts records skipped as unreadable; Errors holds the
	// first maxRecordErrors of them with their file names.
	Malformed int
	Errors    []RecordError
	// Ignored counts entries that are not JSON records (other files).
	Ignored int
	// Duration is the wall time of the import.
	Duration time.Duration
}

func (st *ImportStats) fail(name string, err error) {
	st.Malformed++
	if len(st.Errors) < maxRecordErrors {
		st.Errors = append(st.Errors, RecordError{File: name, Err: err})
	}
}

// Import reads OSV records from src, which is an OSV export zip, a
// directory of OSV JSON files, or one JSON file, into the store. Records
// that do not parse are counted and reported in the stats, never stopping
// the import; a stored record newer than the imported one is kept.
// Records are written in batched transactions: an import that is
// interrupted keeps the batches committed before, and running it again
// completes it.
func (s *Store) Import(ctx context.Context, src string) (ImportStats, error) {
	unlock, err := lockFile(ctx, s.path)
	if err != nil {
		return ImportStats{Source: src}, err
	}
	defer unlock()
	if fi, err := os.Stat(s.path); err != nil || s.file == nil || !os.SameFile(fi, s.file) {
		// An update swapped in a new file since Open: writing to the old
		// one would be lost.
		return ImportStats{Source: src}, fmt.Errorf("advisory database %s was replaced since it was opened; open it again", s.path)
	}
	st, err := s.importFrom(ctx, src, LocalSource)
	if err != nil {
		return st, err
	}
	err = s.setSource(ctx, SourceStatus{Source: LocalSource, URL: src, Imported: time.Now()})
	return st, err
}

// importFrom imports src, recording each record as brought by source.
func (s *Store) importFrom(ctx context.Context, src, source string) (ImportStats, error) {
	start := time.Now()
	w := s.newWriter(source)
	defer w.close()
	label := src
	if source != LocalSource {
		label = source // an update's download, whose file name means nothing
	}
	progress := func(n int) {
		if s.opt.Progress != nil {
			s.opt.Progress(Progress{Source: label, Stage: "import", Records: n})
		}
	}
	progress(0)

	// Two stages on two goroutines: reading, parsing and compressing
	// records, and writing them. Each keeps its own counts (rst, wst),
	// merged at the end.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		v    *Vulnerability
		blob []byte
	}
	items := make(chan item, 128)
	rst := ImportStats{Source: src}
	var readErr error
	go func() {
		defer close(items)
		enc, err := newEncoder()
		if err != nil {
			readErr = err
			return
		}
		readErr = readSource(ctx, src, s.opt.Limits, &rst, func(name string, data []byte) error {
			rst.Read++
			v, err := Parse(data, name)
			if err != nil {
				rst.fail(name, err)
				return nil
			}
			blob, err := enc.encode(data)
			if err != nil {
				rst.fail(name, err)
				return nil
			}
			select {
			case items <- item{v, blob}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	var wst ImportStats
	now := formatTime(start)
	written := 0
	var writeErr error
	for it := range items {
		if writeErr != nil {
			continue // drain until the reader sees the cancellation
		}
		writeErr = w.write(ctx, it.v, it.blob, now, &wst)
		written++
		if writeErr == nil && w.n >= s.opt.BatchSize {
			writeErr = w.commit(ctx)
			progress(written)
		}
		if writeErr != nil {
			cancel()
		}
	}
	if writeErr == nil {
		writeErr = w.commit(ctx)
	}
	st := rst
	st.Added, st.Replaced, st.Older, st.Withdrawn = wst.Added, wst.Replaced, wst.Older, wst.Withdrawn
	st.Duration = time.Since(start)
	s.log.Debug("import", "source", src, "read", st.Read, "added", st.Added, "replaced", st.Replaced,
		"malformed", st.Malformed, "duration", st.Duration)
	if writeErr != nil {
		return st, s.corrupt(writeErr)
	}
	return st, readErr
}

// encoder compacts and deflates records for storage, reusing its buffers.
type encoder struct {
	buf bytes.Buffer
	zw  *flate.Writer
}

func newEncoder() (*encoder, error) {
	zw, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return &encoder{zw: zw}, nil
}

// encode returns the stored form of a record's JSON.
func (e *encoder) encode(data []byte) ([]byte, error) {
	e.buf.Reset()
	if err := json.Compact(&e.buf, data); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(e.buf.Len() / 3)
	e.zw.Reset(&out)
	if _, err := e.zw.Write(e.buf.Bytes()); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// writer puts records into the store in batched transactions, through
// statements prepared once per transaction.
type writer struct {
	s      *Store
	source string
	tx     *sql.Tx
	n      int // records in the open transaction
	keys   map[indexKey]bool

	get      *sql.Stmt // the stored record's modified time
	put      *sql.Stmt // insert or replace a record
	unindex  *sql.Stmt // drop a record's index rows
	index    *sql.Stmt // add an index row
	provides *sql.Stmt // note the source that brought a record
}

func (s *Store) newWriter(source string) *writer {
	return &writer{s: s, source: source, keys: map[indexKey]bool{}}
}

func (w *writer) begin(ctx context.Context) error {
	tx, err := w.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.get, `SELECT modified FROM vulns WHERE id = ?`},
		{&w.put, `INSERT INTO vulns (id, modified, withdrawn, imported, data) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, withdrawn = excluded.withdrawn,
			imported = excluded.imported, data = excluded.data`},
		{&w.unindex, `DELETE FROM affected WHERE id = ?`},
		{&w.index, `INSERT OR IGNORE INTO affected (ecosystem, name, id) VALUES (?, ?, ?)`},
		{&w.provides, `INSERT OR IGNORE INTO record_sources (source, id) VALUES (?, ?)`},
	} {
		if *p.stmt, err = tx.PrepareContext(ctx, p.sql); err != nil {
			tx.Rollback()
			return err
		}
	}
	w.tx = tx
	return nil
}

// write writes one parsed record whose stored form is blob.
func (w *writer) write(ctx context.Context, v *Vulnerability, blob []byte, now string, st *ImportStats) error {
	if w.tx == nil {
		if err := w.begin(ctx); err != nil {
			return err
		}
	}
	w.n++
	if _, err := w.provides.ExecContext(ctx, w.source, v.ID); err != nil {
		return err
	}
	modified := formatTime(v.Modified)
	var stored string
	err := w.get.QueryRowContext(ctx, v.ID).Scan(&stored)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists && stored > modified {
		st.Older++
		return nil
	}
	withdrawn := !v.Withdrawn.IsZero()
	if _, err := w.put.ExecContext(ctx, v.ID, modified, withdrawn, now, blob); err != nil {
		return err
	}
	if exists {
		st.Replaced++
		if _, err := w.unindex.ExecContext(ctx, v.ID); err != nil {
			return err
		}
	} else {
		st.Added++
	}
	if withdrawn {
		st.Withdrawn++
		return nil
	}
	clear(w.keys)
	for _, a := range v.Affected {
		if a.Package.Name == "" {
			continue
		}
		k := keyOf(a.Package.Ecosystem, a.Package.Name)
		if w.keys[k] {
			continue
		}
		w.keys[k] = true
		if _, err := w.index.ExecContext(ctx, k.ecosystem, k.name, v.ID); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) commit(ctx context.Context) error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx, w.n = nil, 0
	return err
}

func (w *writer) close() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

var flateReaders = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

// indexRecord is how Load and LoadPackages decode a record: Details, the
// long prose no matching or finding uses, is skipped (it shadows the
// embedded field), which keeps a scan's index a good deal smaller. Get and
// Query return whole records.
type indexRecord struct {
	Vulnerability
	Details skipJSON `json:"details"`
}

// skipJSON accepts any JSON value and keeps nothing.
type skipJSON struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// decode inflates and parses a stored record: whole, or without Details
// for an index.
func decode(id string, blob []byte, whole bool) (*Vulnerability, error) {
	zr := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(blob), nil); err != nil {
		return nil, err
	}
	// Records are inflated into a pooled buffer: a scan decodes thousands,
	// and growing a fresh slice for each was most of its garbage.
	buf := inflateBuffers.Get().(*bytes.Buffer)
	defer inflateBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(zr, MaxRecordSize+1)); err != nil {
		return nil, fmt.Errorf("record %s: %w", id, err)
	}
	if buf.Len() > MaxRecordSize {
		return nil, fmt.Errorf("record %s: larger than %d bytes", id, MaxRecordSize)
	}
	var v *Vulnerability
	if whole {
		v = new(Vulnerability)
		if err := json.Unmarshal(buf.Bytes(), v); err != nil {
			return nil, fmt.Errorf("record %s: %w", id, err)
		}
	} else {
		var rec indexRecord
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("record %s: %w", id, err)
		}
		v = &rec.Vulnerability
	}
	if buf.Cap() > 1<<20 {
		// Do not keep a rare huge record's buffer alive in the pool.
		buf.Reset()
		*buf = bytes.Buffer{}
	}
	return v, nil
}

var inflateBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// indexKey is how records are found: the ecosystem's base name and the
// normalised package name.
type indexKey struct{ ecosystem, name string }

func keyOf(ecosystem, name string) indexKey {
	return indexKey{EcosystemBase(ecosystem), NormalizeName(ecosystem, name)}
}

// Get returns the record with id, withdrawn or not, or an error wrapping
// fs.ErrNotExist.
func (s *Store) Get(ctx context.Context, id string) (*Vulnerability, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM vulns WHERE id = ?`, id).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("advisory %s: %w", id, fs.ErrNotExist)
	}
	if err != nil {
		return nil, s.corrupt(err)
	}
	v, err := decode(id, blob, true)
	if err != nil {
		return nil, &CorruptError{Path: s.path, Err: err}
	}
	return v, nil
}

// Query returns the records, not withdrawn, that name the package name in
// ecosystem (by the rules of Affected.AppliesTo), sorted by id. It is for
// single look-ups; bulk matching uses Load.
func (s *Store) Query(ctx context.Context, ecosystem, name string) ([]*Vulnerability, error) {
	k := keyOf(ecosystem, name)
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.data FROM affected a JOIN vulns v ON v.id = a.id
		WHERE a.ecosystem = ? AND a.name = ? AND v.withdrawn = 0 ORDER BY v.id`, k.ecosystem, k.name)
	if err != nil {
		return nil, s.corrupt(err)
	}
	defer rows.Close()
	var out []*Vulnerability
	for rows.Next() {
		var id string
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, s.corrupt(err)
		}
		v, err := decode(id, blob, true)
		if err != nil {
			return nil, &CorruptError{Path: s.path, Err: err}
		}
		for _, a := range v.Affected {
			if a.AppliesTo(ecosystem, name) {
				out = append(out, v)
				break
			}
		}
	}
	return out, s.corrupt(rows.Err())
}

// Index holds the records of some ecosystems in memory, keyed by ecosystem
// base name and normalised package name, for matching many components
// without a database round trip each. It is read-only once loaded and safe
// for concurrent use.
type Index struct {
	byKey   map[indexKey][]*Vulnerability
	records int
	cache   versionCache
}

// Len returns how many records the index holds.
func (ix *Index) Len() int { return ix.records }

// Lookup returns the records naming the package in the ecosystem's base
// (every release of it); Match narrows them down.
func (ix *Index) Lookup(ecosystem, name string) []*Vulnerability {
	return ix.byKey[keyOf(ecosystem, name)]
}

// Match returns the records that affect the package name at version in
// ecosystem, and separately those that could not be evaluated for it (see
// Affected.Affects). Neither list is ever silently shortened.
func (ix *Index) Match(ecosystem, name, version string) (affected []*Vulnerability, unknown []*VersionError) {
	for _, v := range ix.Lookup(ecosystem, name) {
		ok, err := v.affects(ecosystem, name, version, &ix.cache)
		if ok {
			affected = append(affected, v)
			continue
		}
		var ve *VersionError
		if errors.As(err, &ve) {
			unknown = append(unknown, ve)
		}
	}
	return affected, unknown
}

// Load reads every record, not withdrawn, of the given ecosystems (base
// names or with releases: "Debian:12" loads all of Debian) into an Index,
// in one pass over the database. No ecosystems means all of them. Index
// records leave Details out (see indexRecord); Get has the whole record.
func (s *Store) Load(ctx context.Context, ecosystems []string) (*Index, error) {
	want := map[string]bool{}
	for _, e := range ecosystems {
		want[EcosystemBase(e)] = true
	}
	q := `SELECT id, data FROM vulns WHERE withdrawn = 0`
	var args []any
	if len(want) > 0 {
		marks := make([]string, 0, len(want))
		for e := range want {
			marks = append(marks, "?")
			args = append(args, e)
		}
		q += ` AND id IN (SELECT id FROM affected WHERE ecosystem IN (` + strings.Join(marks, ",") + `))`
	}
	return s.load(ctx, want, []query{{q, args}})
}

// LoadPackages is Load narrowed to the packages a scan looks up: pkgs maps
// an ecosystem (base name or with a release) to package names, and only
// the records that affect one of them are read and decoded. A scan of a
// project touches a small part of an ecosystem's records, so this costs a
// fraction of Load's time and memory; the index answers exactly as Load's
// would for those packages.
func (s *Store) LoadPackages(ctx context.Context, pkgs map[string][]string) (*Index, error) {
	want := map[string]bool{}
	wanted := map[indexKey]bool{}
	for eco, names := range pkgs {
		want[EcosystemBase(eco)] = true
		for _, n := range names {
			wanted[keyOf(eco, n)] = true
		}
	}
	if len(want) == 0 {
		return &Index{byKey: map[indexKey][]*Vulnerability{}}, nil
	}
	marks := make([]string, 0, len(want))
	var args []any
	for e := range want {
		marks = append(marks, "?")
		args = append(args, e)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ecosystem, name, id FROM affected WHERE ecosystem IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, s.corrupt(err)
	}
	idSet := map[string]bool{}
	for rows.Next() {
		var k indexKey
		var id string
		if err := rows.Scan(&k.ecosystem, &k.name, &id); err != nil {
			rows.Close()
			return nil, s.corrupt(err)
		}
		if wanted[k] {
			idSet[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, s.corrupt(err)
	}
	rows.Close()
	ids := slices.Sorted(maps.Keys(idSet))
	// SQLite bounds the host parameters of one statement; ask in chunks.
	const chunk = 500
	var qs []query
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		args := make([]any, len(part))
		for j, id := range part {
			args[j] = id
		}
		qs = append(qs, query{`SELECT id, data FROM vulns WHERE withdrawn = 0 AND id IN (` +
			strings.TrimSuffix(strings.Repeat("?,", len(part)), ",") + `)`, args})
	}
	return s.load(ctx, want, qs)
}

// query is one SQL statement with its arguments.
type query struct {
	sql  string
	args []any
}

// load decodes the (id, data) rows the queries return into an Index,
// keeping the packages of the wanted ecosystems.
func (s *Store) load(ctx context.Context, want map[string]bool, queries []query) (*Index, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Inflating and decoding the records is most of the work; it runs on
	// every CPU while this goroutine reads rows.
	type row struct {
		id   string
		blob []byte
	}
	ix := &Index{byKey: map[indexKey][]*Vulnerability{}}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	jobs := make(chan row, 256)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := map[indexKey]bool{}
			for r := range jobs {
				v, err := decode(r.id, r.blob, false)
				if err != nil {
					fail(&CorruptError{Path: s.path, Err: err})
					continue
				}
				mu.Lock()
				ix.add(v, want, keys)
				mu.Unlock()
			}
		}()
	}
	for _, q := range queries {
		if ctx.Err() != nil {
			break
		}
		rows, err := s.db.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			fail(s.corrupt(err))
			break
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.blob); err != nil {
				fail(s.corrupt(err))
				break
			}
			select {
			case jobs <- r:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
		}
		if err := rows.Err(); err != nil {
			fail(s.corrupt(err))
		}
		rows.Close()
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	// Workers finish in any order; sort for results that do not vary.
	for _, vs := range ix.byKey {
		slices.SortFunc(vs, func(a, b *Vulnerability) int { return strings.Compare(a.ID, b.ID) })
	}
	return ix, nil
}

func (ix *Index) add(v *Vulnerability, want map[string]bool, keys map[indexKey]bool) {
	clear(keys)
	for _, a := range v.Affected {
		if a.Package.Name == "" {
			continue
		}
		k := keyOf(a.Package.Ecosystem, a.Package.Name)
		if keys[k] || len(want) > 0 && !want[k.ecosystem] {
			continue
		}
		keys[k] = true
		ix.byKey[k] = append(ix.byKey[k], v)
	}
	ix.records++
}

// Status describes the database for `vouch db status`.
type Status struct {
	Path string
	Size int64 // bytes of the database file
	// Records counts records that can match; Withdrawn those that cannot.
	Records, Withdrawn int
	Ecosystems         []EcosystemStatus // by name
	Sources            []SourceStatus    // by name
}

// EcosystemStatus describes the records of one ecosystem (base name).
type EcosystemStatus struct {
	Ecosystem string
	Records   int
	// Newest is the newest "modified" time of its records; zero when the
	// records carry none (the Go database writes the zero time).
	Newest time.Time
	// Imported is when its newest record was written to the store.
	Imported time.Time
	// Checked is when an update last found the ecosystem's export current
	// (zero for ecosystems only imported from files).
	Checked time.Time
}

// AsOf returns the time the ecosystem's data is known to be current as of:
// the last successful update check, else the newest record's modification,
// else the import time.
func (e EcosystemStatus) AsOf() time.Time {
	switch {
	case !e.Checked.IsZero():
		return e.Checked
	case !e.Newest.IsZero():
		return e.Newest
	}
	return e.Imported
}

// Age returns how old the ecosystem's data is at now (see AsOf).
func (e EcosystemStatus) Age(now time.Time) time.Duration { return now.Sub(e.AsOf()) }

// SourceStatus describes where records came from: a downloaded ecosystem
// export, or LocalSource for imports of files.
type SourceStatus struct {
	Source       string
	URL          string // the export URL, or the last imported path
	ETag         string
	LastModified string
	// Fetched is when the export was last downloaded; Checked when an
	// update last confirmed it (downloaded or not modified); Imported when
	// records from it were last written.
	Fetched, Checked, Imported time.Time
	Records                    int
}

// Status reports the database's contents and freshness.
func (s *Store) Status(ctx context.Context) (Status, error) {
	st := Status{Path: s.path}
	if fi, err := os.Stat(s.path); err == nil {
		st.Size = fi.Size()
	}
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE withdrawn = 0), count(*) FILTER (WHERE withdrawn != 0) FROM vulns`).Scan(&st.Records, &st.Withdrawn)
	if err != nil {
		return st, s.corrupt(err)
	}
	srcs, err := s.sources(ctx)
	if err != nil {
		return st, err
	}
	for _, name := range slices.Sorted(maps.Keys(srcs)) {
		st.Sources = append(st.Sources, srcs[name])
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.ecosystem, count(DISTINCT a.id), max(v.modified), max(v.imported)
		FROM affected a JOIN vulns v ON v.id = a.id WHERE v.withdrawn = 0 GROUP BY a.ecosystem ORDER BY a.ecosystem`)
	if err != nil {
		return st, s.corrupt(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e EcosystemStatus
		var newest, imported string
		if err := rows.Scan(&e.Ecosystem, &e.Records, &newest, &imported); err != nil {
			return st, s.corrupt(err)
		}
		e.Newest, e.Imported = parseTime(newest), parseTime(imported)
		if m, ok := srcs[e.Ecosystem]; ok {
			e.Checked = m.Checked
		}
		st.Ecosystems = append(st.Ecosystems, e)
	}
	return st, s.corrupt(rows.Err())
}

// SourceStatus is a row of the sources table.
func (s *Store) sources(ctx context.Context) (map[string]SourceStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.source, s.url, s.etag, s.last_modified, s.fetched, s.checked, s.imported,
		(SELECT count(*) FROM record_sources r WHERE r.source = s.source) FROM sources s`)
	if err != nil {
		return nil, s.corrupt(err)
	}
	defer rows.Close()
	out := map[string]SourceStatus{}
	for rows.Next() {
		var m SourceStatus
		var fetched, checked, imported string
		if err := rows.Scan(&m.Source, &m.URL, &m.ETag, &m.LastModified, &fetched, &checked, &imported, &m.Records); err != nil {
			return nil, s.corrupt(err)
		}
		m.Fetched, m.Checked, m.Imported = parseTime(fetched), parseTime(checked), parseTime(imported)
		out[m.Source] = m
	}
	return out, s.corrupt(rows.Err())
}

// setSource writes a source's metadata; zero times and empty strings in m
// keep what is stored.
func (s *Store) setSource(ctx context.Context, m SourceStatus) error {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return formatTime(t)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sources (source, url, etag, last_modified, fetched, checked, imported)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		ON CONFLICT (source) DO UPDATE SET
			url = CASE WHEN ?2 = '' THEN url ELSE ?2 END,
			etag = CASE WHEN ?3 = '' THEN etag ELSE ?3 END,
			last_modified = CASE WHEN ?4 = '' THEN last_modified ELSE ?4 END,
			fetched = CASE WHEN ?5 = '' THEN fetched ELSE ?5 END,
			checked = CASE WHEN ?6 = '' THEN checked ELSE ?6 END,
			imported = CASE WHEN ?7 = '' THEN imported ELSE ?7 END`,
		m.Source, m.URL, m.ETag, m.LastModified, ts(m.Fetched), ts(m.Checked), ts(m.Imported))
	return s.corrupt(err)
}

// dropSource removes what source brought in, except records another source
// also brought, so that importing source's new export replaces its old one
// exactly (records it no longer has disappear).
func (s *Store) dropSource(ctx context.Context, source string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.corrupt(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`CREATE TEMP TABLE gone AS SELECT id FROM record_sources r WHERE r.source = ?1
			AND NOT EXISTS (SELECT 1 FROM record_sources o WHERE o.id = r.id AND o.source != ?1)`,
		`DELETE FROM record_sources WHERE source = ?1`,
		`DELETE FROM affected WHERE id IN (SELECT id FROM gone)`,
		`DELETE FROM vulns WHERE id IN (SELECT id FROM gone)`,
		`DROP TABLE gone`,
	} {
		var args []any
		if strings.Contains(q, "?1") {
			args = []any{source}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return s.corrupt(err)
		}
	}
	return s.corrupt(tx.Commit())
}
