package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vouchdev/vouch/extract"
)

// readSource calls fn with the name and bytes of each OSV record in src: an
// export zip (read in place, never extracted), a directory of .json files
// (symbolic links are not followed), or one JSON file. Records past the
// per-record limit are counted in st as malformed; past the total or entry
// limits, or when fn fails, reading stops with an error.
func readSource(ctx context.Context, src string, lim Limits, st *ImportStats, fn func(name string, data []byte) error) error {
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("import %s: %w", src, err)
	}
	if fi.IsDir() {
		return readDir(ctx, src, lim, st, fn)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("import %s: not a regular file or directory", src)
	}
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("import %s: %w", src, err)
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if bytes.HasPrefix(head[:n], []byte("PK\x03\x04")) || bytes.HasPrefix(head[:n], []byte("PK\x05\x06")) {
		return readZip(ctx, f, fi.Size(), src, lim, st, fn)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("import %s: %w", src, err)
	}
	data, err := readLimited(f, fi.Size(), lim.MaxRecordSize)
	if err != nil {
		st.Read++
		st.fail(src, &extract.Error{Path: src, Err: err})
		return nil
	}
	return fn(src, data)
}

// readLimited reads a record of declared size from r, failing past max
// whatever the declaration says.
func readLimited(r io.Reader, size int64, max int64) ([]byte, error) {
	if size > max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, size, max)
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: limit %d bytes", extract.ErrTooLarge, max)
	}
	return data, nil
}

// isRecordName reports whether an entry is a record: OSV exports hold one
// ID.json per record and nothing else worth reading.
func isRecordName(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".json")
}

func readZip(ctx context.Context, r io.ReaderAt, size int64, src string, lim Limits, st *ImportStats, fn func(string, []byte) error) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("import %s: not a readable zip: %w", src, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return fmt.Errorf("import %s: %d entries, limit %d: %w", src, len(zr.File), lim.MaxEntries, extract.ErrTooLarge)
	}
	var total int64
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		if !isRecordName(zf.Name) {
			st.Ignored++
			continue
		}
		data, err := readZipEntry(zf, lim.MaxRecordSize)
		total += int64(len(data))
		if total > lim.MaxImportSize {
			return fmt.Errorf("import %s: more than %d bytes of records: %w", src, lim.MaxImportSize, extract.ErrTooLarge)
		}
		if err != nil {
			st.Read++
			st.fail(zf.Name, &extract.Error{Path: zf.Name, Err: err})
			continue
		}
		if err := fn(zf.Name, data); err != nil {
			return err
		}
	}
	return nil
}

func readZipEntry(zf *zip.File, max int64) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, zf.UncompressedSize64, max)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The declared size can lie; the limit holds whatever it says.
	return readLimited(rc, 0, max)
}

func readDir(ctx context.Context, root string, lim Limits, st *ImportStats, fn func(string, []byte) error) error {
	var total int64
	entries := 0
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("import %s: %w", root, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() || !isRecordName(path) {
			st.Ignored++
			return nil
		}
		entries++
		if entries > lim.MaxEntries {
			return fmt.Errorf("import %s: more than %d files: %w", root, lim.MaxEntries, extract.ErrTooLarge)
		}
		data, err := readFile(path, lim.MaxRecordSize)
		total += int64(len(data))
		if total > lim.MaxImportSize {
			return fmt.Errorf("import %s: more than %d bytes of records: %w", root, lim.MaxImportSize, extract.ErrTooLarge)
		}
		if err != nil {
			st.Read++
			st.fail(rel, &extract.Error{Path: rel, Err: err})
			return nil
		}
		return fn(rel, data)
	})
}

func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			return nil, u // the record error names the file already
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return readLimited(f, fi.Size(), max)
}
