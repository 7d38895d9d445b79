package m4

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vouchdev/vouch/extract"
)

// MaxFileSize is the largest m4 file LoadReference reads; upstream macro
// files are at most a few hundred kilobytes (libtool.m4 is the largest).
const MaxFileSize = 4 << 20

// maxReferenceFiles bounds how many files one LoadReference call indexes,
// so that a directory pointed at by mistake (or a hostile tree) cannot
// exhaust memory.
const maxReferenceFiles = 50000

// maxReferenceBytes bounds the text one LoadReference call keeps; the
// default directories hold under 4 MB.
const maxReferenceBytes = 512 << 20

// maxDepth is how deep LoadReference descends below each directory given:
// aclocal directories hold files and, for automake, one "internal" folder.
const maxDepth = 2

// Reference is an index of upstream m4 files by base name ("gettext.m4").
// For every name it holds each serial seen and, for each serial, the
// normalised bodies (see Check) with a hash, so that a shipped copy can be
// matched exactly or diffed against the closest upstream body. It is
// read-only once loaded and safe for concurrent use.
type Reference struct {
	files  map[string]*refFile
	macros map[string][]string        // macro name → names of files defining it
	defs   map[string]map[string]bool // file name → macros any copy defines
	count  int                        // bodies indexed, duplicates included

	explainOnce sync.Once
	explain     *lineIndex
}

// refFile is everything known about one file name.
type refFile struct {
	serials []string // non-empty serials, ascending by CompareSerial
	bodies  []*body
}

// body is one distinct upstream copy of a file.
type body struct {
	serial string
	path   string
	lines  []normLine
	hash   [32]byte
}

// DefaultDirs returns the directories of this machine that hold upstream m4
// files, among those where Debian and most distributions install them:
// aclocal's shared directory (libtool, gettext, pkg-config and every
// library's macros), automake's versioned aclocal-X.Y, gnulib's m4 folder,
// autoconf's own macros and m4sugar (which the shell boilerplate of every
// configure comes from), libtool's m4 folder where a distribution keeps one,
// and /usr/local/share/aclocal. Only directories that exist are returned.
func DefaultDirs() []string {
	candidates := []string{"/usr/share/aclocal"}
	if m, err := filepath.Glob("/usr/share/aclocal-*"); err == nil {
		sort.Strings(m)
		candidates = append(candidates, m...)
	}
	candidates = append(candidates,
		"/usr/share/gnulib/m4",
		"/usr/share/autoconf/autoconf",
		"/usr/share/autoconf/m4sugar",
		"/usr/share/libtool/m4",
		"/usr/local/share/aclocal",
	)
	var out []string
	for _, d := range candidates {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// LoadReference indexes the *.m4 files of dirs and of their subdirectories
// (two levels down, enough for automake's aclocal-X.Y/internal). Files
// larger than MaxFileSize and files that cannot be read are skipped: a
// reference with one file missing is still useful. At most 50,000 files
// and 512 MiB are read, whatever the directories hold. A directory that does
// not exist or cannot be listed is an error naming it.
func LoadReference(ctx context.Context, dirs ...string) (*Reference, error) {
	var paths []string
	for _, d := range dirs {
		var err error
		paths, err = listM4(ctx, d, 0, paths)
		if err != nil {
			return nil, err
		}
	}
	type parsed struct {
		name string
		b    *body
		defs []string
	}
	results := make([]*parsed, len(paths))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	var total atomic.Int64
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := readCapped(paths[i])
				if err != nil || total.Add(int64(len(data))) > maxReferenceBytes {
					continue
				}
				b, defs := parseBody(paths[i], data)
				results[i] = &parsed{name: filepath.Base(paths[i]), b: b, defs: defs}
			}
		}()
	}
	for i := range paths {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Reference{files: map[string]*refFile{}, macros: map[string][]string{}, defs: map[string]map[string]bool{}}
	for _, p := range results {
		if p == nil {
			continue
		}
		r.add(p.name, p.b, p.defs)
	}
	return r, nil
}

// listM4 appends the m4 files under dir to paths.
func listM4(ctx context.Context, dir string, depth int, paths []string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if depth == 0 {
			return nil, &extract.Error{Path: dir, Err: fmt.Errorf("reference directory: %w", err)}
		}
		return paths, nil
	}
	for _, e := range entries {
		if len(paths) >= maxReferenceFiles {
			return paths, nil
		}
		p := filepath.Join(dir, e.Name())
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil {
				continue
			}
			typ = fi.Mode().Type()
		}
		switch {
		case typ.IsDir():
			if depth < maxDepth {
				paths, err = listM4(ctx, p, depth+1, paths)
				if err != nil {
					return nil, err
				}
			}
		case typ.IsRegular() && strings.HasSuffix(e.Name(), ".m4"):
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// readCapped reads a file of at most MaxFileSize bytes.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, errors.New("too large")
	}
	return data, nil
}

// parseBody normalises one upstream file and lists the macros it defines.
func parseBody(path string, data []byte) (*body, []string) {
	serial, _ := Serial(data)
	lines := normalise(data)
	return &body{serial: serial, path: path, lines: lines, hash: hashLines(lines)}, definedMacros(lines)
}

// hashLines hashes normalised lines, one per "\n"-terminated row.
func hashLines(lines []normLine) [32]byte {
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l.text)
		h.Write([]byte{'\n'})
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// add records one upstream body under name, keeping one copy of identical
// bodies with the same serial (gettext's macros are installed both in
// aclocal's directory and in gnulib's).
func (r *Reference) add(name string, b *body, defs []string) {
	r.count++
	f := r.files[name]
	if f == nil {
		f = &refFile{}
		r.files[name] = f
	}
	for _, o := range f.bodies {
		if o.serial == b.serial && o.hash == b.hash {
			return
		}
	}
	f.bodies = append(f.bodies, b)
	if b.serial != "" && !slices.Contains(f.serials, b.serial) {
		f.serials = append(f.serials, b.serial)
		slices.SortFunc(f.serials, CompareSerial)
	}
	if r.defs[name] == nil {
		r.defs[name] = map[string]bool{}
	}
	for _, m := range defs {
		r.defs[name][m] = true
		if !slices.Contains(r.macros[m], name) {
			r.macros[m] = append(r.macros[m], name)
		}
	}
}

// Len returns how many upstream files were indexed, identical copies of
// the same file in several directories counted once each.
func (r *Reference) Len() int {
	if r == nil {
		return 0
	}
	return r.count
}

// Serials returns the serials upstream has for a file name, lowest first.
// Copies without a serial line (automake's own macros carry none) are
// indexed and matched but not listed.
func (r *Reference) Serials(name string) []string {
	if r == nil || r.files[name] == nil {
		return nil
	}
	return slices.Clone(r.files[name].serials)
}

// definedMacros lists the macros a file defines at the start of a line,
// which is how every m4 file lays out its AC_DEFUN calls; it lets an
// unnamed aclocal.m4 segment be matched to the file it was copied from.
func definedMacros(lines []normLine) []string {
	var out []string
	for _, l := range lines {
		if m := macroDefined(l.text); m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// definers are the m4 and autoconf builtins that define a macro.
var definers = []string{"AC_DEFUN_ONCE(", "AC_DEFUN(", "AU_DEFUN(", "AU_ALIAS(", "m4_defun(", "m4_define(", "define("}

// macroDefined returns the name a line's leading definition defines.
func macroDefined(t string) string {
	t = strings.TrimLeft(t, "[")
	for _, d := range definers {
		if !strings.HasPrefix(t, d) {
			continue
		}
		rest := strings.TrimLeft(t[len(d):], " [")
		end := 0
		for end < len(rest) && end < 128 && (isIdent(rest[end])) {
			end++
		}
		return rest[:end]
	}
	return ""
}
