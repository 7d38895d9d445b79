package rpm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
	"modernc.org/sqlite/vfs"

	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
)

// rpm's SQLite database, rpmdb.sqlite (Fedora 33+, RHEL 9, Amazon Linux
// 2023, Rocky and AlmaLinux 9): the table Packages(hnum INTEGER PRIMARY
// KEY, blob BLOB NOT NULL) holds one header per row; the other tables are
// indexes rpm rebuilds from the headers.
//
// The file is read through a read-only SQLite VFS over the extractor's
// input (modernc.org/sqlite/vfs), so it needs no path on disk, is never
// written, and no journal or WAL file beside it is created or read
// ("immutable": a WAL rpm left uncheckpointed is not seen, which only
// happens while rpm runs). A database file is code of a kind (schema, views,
// generated columns), so the Packages table is checked to be a plain table
// before it is read, and untrusted-schema functions are refused.

// sqliteName is the name the database has inside the VFS.
const sqliteName = "rpmdb.sqlite"

// readSQLite reads the package records of an rpmdb.sqlite of size bytes,
// calling emit for each, damaged ones included.
func readSQLite(ctx context.Context, ra io.ReaderAt, size int64, emit func(rpmdb.Record) error) (err error) {
	name, vfsys, err := vfs.New(singleFile{ra: ra, size: size})
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer func() {
		if cerr := vfsys.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("sqlite: %w", cerr)
		}
	}()
	q := url.Values{}
	q.Set("vfs", name)
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	q.Set("_defensive", "1")
	q.Add("_pragma", "trusted_schema(0)")
	q.Add("_pragma", "cell_size_check(1)")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+sqliteName+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	var kind, schema string
	err = db.QueryRowContext(ctx, `SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = 'Packages'`).Scan(&kind, &schema)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("sqlite: no Packages table, not an rpm database")
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if kind != "table" {
		return fmt.Errorf("sqlite: Packages is a %s, not a table", kind)
	}
	if strings.HasPrefix(strings.ToUpper(strings.Join(strings.Fields(schema), " ")), "CREATE VIRTUAL") {
		return errors.New("sqlite: Packages is a virtual table")
	}
	if err := checkColumns(ctx, db); err != nil {
		return err
	}

	rows, err := db.QueryContext(ctx, `SELECT hnum, blob FROM Packages`)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if n > rpmdb.MaxRecords {
			return fmt.Errorf("sqlite: more than %d packages", rpmdb.MaxRecords)
		}
		var hnum, blob any
		if err := rows.Scan(&hnum, &blob); err != nil {
			return fmt.Errorf("sqlite: row %d: %w", n, err)
		}
		r := rpmdb.Record{At: fmt.Sprintf("row %d", n)}
		h, ok := hnum.(int64)
		b, isBlob := blob.([]byte)
		switch {
		case !ok || h <= 0 || h > 1<<32-1:
			r.Err = fmt.Errorf("hnum %v is not a header number", hnum)
		case !isBlob:
			r.Err = fmt.Errorf("blob of package %d is a %T, not a blob", h, blob)
		default:
			r.Key, r.Blob = uint32(h), b
			r.At = fmt.Sprintf("package %d (row %d)", h, n)
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// checkColumns makes sure hnum and blob are stored columns, not generated
// ones whose expressions would run as the rows are read.
func checkColumns(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT name, hidden FROM pragma_table_xinfo('Packages')`)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if hidden != 0 {
			return fmt.Errorf("sqlite: Packages column %.40q is generated or hidden", name)
		}
		if strings.EqualFold(name, "hnum") || strings.EqualFold(name, "blob") {
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if found != 2 {
		return errors.New("sqlite: Packages has no hnum and blob columns, not an rpm database")
	}
	return nil
}

// singleFile is a file system holding the database alone, read from the
// extractor's input.
type singleFile struct {
	ra   io.ReaderAt
	size int64
}

// Open implements fs.FS. SQLite asks for the journal and WAL beside the
// database too; they do not exist.
func (s singleFile) Open(name string) (fs.File, error) {
	if name != sqliteName && name != "/"+sqliteName {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &file{SectionReader: io.NewSectionReader(s.ra, 0, s.size)}, nil
}

// file is the open database: reads and seeks on the input.
type file struct {
	*io.SectionReader
}

// Stat implements fs.File.
func (f *file) Stat() (fs.FileInfo, error) { return fileInfo{size: f.Size()}, nil }

// Close implements fs.File.
func (*file) Close() error { return nil }

// fileInfo describes the database file to SQLite, which asks for its size.
type fileInfo struct{ size int64 }

// Name implements fs.FileInfo.
func (fileInfo) Name() string { return sqliteName }

// Size implements fs.FileInfo.
func (i fileInfo) Size() int64 { return i.size }

// Mode implements fs.FileInfo.
func (fileInfo) Mode() fs.FileMode { return 0o444 }

// ModTime implements fs.FileInfo.
func (fileInfo) ModTime() time.Time { return time.Time{} }

// IsDir implements fs.FileInfo.
func (fileInfo) IsDir() bool { return false }

// Sys implements fs.FileInfo.
func (fileInfo) Sys() any { return nil }
