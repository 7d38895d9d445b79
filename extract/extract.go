// Package extract defines how a file format plugs into a scan: an Extractor
// claims files by name (or by what the walk tells of them) and turns one
// file into a fragment of the dependency graph. Extractors live one per
// format in the sub-packages of extract; extract/list registers them.
package extract

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/vouchdev/vouch/inventory"
)

// DefaultMaxFileSize bounds how much of one manifest or lockfile an extractor
// reads. The largest real lockfiles are tens of megabytes.
const DefaultMaxFileSize = 256 << 20

// MaxLineLength bounds a line in line-oriented formats; a longer line is an
// error rather than an unbounded allocation.
const MaxLineLength = 1 << 20

// Input is one file offered to an extractor.
type Input struct {
	// Path is the file's slash-separated path relative to the scanned root;
	// it is what locations and errors name.
	Path string
	// Root is the scanned tree, for companion files (go.sum beside go.mod,
	// files named by "-r" in requirements). Opening through it can never
	// leave the scanned root, whatever symlinks the tree holds.
	Root fs.FS
	// Info describes the file.
	Info fs.FileInfo
	// Reader reads the file's content.
	Reader io.Reader
	// ReaderAt reads the file at random offsets, where the source allows it
	// (nil otherwise). Binary formats need it.
	ReaderAt io.ReaderAt
}

// Extractor turns files of one format into components.
type Extractor interface {
	// Name identifies the extractor in errors and output ("packagelock").
	Name() string
	// Claims reports whether the extractor wants the file at path (slash
	// separated, relative to the scanned root) with the given info. It must
	// be cheap: it runs for every file in the tree and may not read it.
	Claims(path string, info fs.FileInfo) bool
	// Extract reads one file. The returned graph holds the roots, components
	// and edges the file declares, with locations relative to the scanned
	// root. A nil graph with a nil error means the file was not of this
	// format after all (a non-Go executable offered to the Go binary reader).
	Extract(ctx context.Context, in *Input) (*inventory.Graph, error)
}

// Error is a failure to read one file, with the position where it was found
// when the format allows.
type Error struct {
	Path      string // the file, relative to the scanned root
	Line      int    // 1-based line, 0 when unknown
	Column    int    // 1-based column, 0 when unknown
	Extractor string // the extractor that failed, when one did
	Err       error
}

// Error formats the error as path:line:column: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error for path at line (0 when unknown).
func Errorf(path string, line int, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Err: fmt.Errorf(format, args...)}
}

// ErrTooLarge is wrapped by errors for input past a size limit.
var ErrTooLarge = errors.New("input exceeds size limit")

// ReadAll reads in.Reader whole, up to max bytes, failing with ErrTooLarge
// beyond that rather than allocating without bound.
func ReadAll(in *Input, max int64) ([]byte, error) {
	if in.Info != nil && in.Info.Size() > max {
		return nil, &Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, in.Info.Size(), max)}
	}
	data, err := io.ReadAll(io.LimitReader(in.Reader, max+1))
	if err != nil {
		return nil, &Error{Path: in.Path, Err: fmt.Errorf("read: %w", err)}
	}
	if int64(len(data)) > max {
		return nil, &Error{Path: in.Path, Err: fmt.Errorf("%w: limit %d bytes", ErrTooLarge, max)}
	}
	return data, nil
}

// Lines calls fn for each line of r with its 1-based number, without the
// line ending. A line longer than MaxLineLength is an error naming path and
// line. It stops early when fn returns an error, which it returns.
func Lines(path string, r io.Reader, fn func(n int, line string) error) error {
	br := bufio.NewReaderSize(r, 8<<10)
	n := 0
	for {
		n++
		line, err := readLine(br)
		if err == io.EOF && line == "" {
			return nil
		}
		if errors.Is(err, ErrTooLarge) {
			return &Error{Path: path, Line: n, Err: fmt.Errorf("line longer than %d bytes: %w", MaxLineLength, ErrTooLarge)}
		}
		if err != nil && err != io.EOF {
			return &Error{Path: path, Line: n, Err: err}
		}
		if ferr := fn(n, line); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
	}
}

func readLine(br *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if len(buf) > 0 && err == io.EOF {
				return string(buf), io.EOF
			}
			return string(buf), err
		}
		if len(buf)+len(chunk) > MaxLineLength {
			// Drain the rest of the line so the caller could go on.
			for isPrefix {
				if _, isPrefix, err = br.ReadLine(); err != nil {
					break
				}
			}
			return "", ErrTooLarge
		}
		buf = append(buf, chunk...)
		if !isPrefix {
			return strings.TrimSuffix(string(buf), "\r"), nil
		}
	}
}

// LineIndex maps byte offsets of a file held in memory to line and column,
// for formats (JSON) whose decoders report offsets.
type LineIndex []int

// NewLineIndex records where each line of data starts.
func NewLineIndex(data []byte) LineIndex {
	idx := LineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// Position returns the 1-based line and column of offset.
func (l LineIndex) Position(offset int64) (line, col int) {
	lo, hi := 0, len(l)
	for lo < hi {
		m := (lo + hi) / 2
		if int64(l[m]) <= offset {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 1, int(offset) + 1
	}
	return lo, int(offset-int64(l[lo-1])) + 1
}

// Base returns the last element of a slash-separated path.
func Base(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Dir returns all but the last element of a slash-separated path, or "."
// for a path with none.
func Dir(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}

// Join joins a directory from Dir with a relative slash path, cleaning
// "." and ".." elements. It reports false when the result would leave the
// scanned root.
func Join(dir, rel string) (string, bool) {
	var parts []string
	if dir != "." && dir != "" {
		parts = strings.Split(dir, "/")
	}
	for _, p := range strings.Split(rel, "/") {
		switch p {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", false
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ".", true
	}
	return strings.Join(parts, "/"), true
}

// Sniffer is implemented by extractors that can recognise their format by
// content. The walk asks it only for a single file named on the command line
// whose name no extractor claims, so "vouch inventory vendor-bom.json" works.
type Sniffer interface {
	// Sniff reports whether head, the first bytes of the file (up to 4 KiB),
	// look like the extractor's format.
	Sniff(head []byte) bool
}

// ReadFile reads a companion file whole (a manifest beside its lockfile,
// os-release beside a package database) through fsys, up to max bytes. A
// file that is missing, or is not a regular file, is fs.ErrNotExist; a
// failed read or a file past max is an *Error naming path (wrapping
// ErrTooLarge for the latter); an error opening it is returned as is.
func ReadFile(fsys fs.FS, path string, max int64) ([]byte, error) {
	if fsys == nil || !fs.ValidPath(path) {
		return nil, fs.ErrNotExist
	}
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("read: %w", err)}
	}
	if int64(len(data)) > max {
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: limit %d bytes", ErrTooLarge, max)}
	}
	return data, nil
}
