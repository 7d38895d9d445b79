// Package archive reads a release archive (tar, compressed tar or zip) as a
// stream of entries without extracting it. Nothing is written to disk and no
// link inside the archive is followed, so comparing a release with its source
// never touches the file system beyond the archive itself.
//
// Every entry comes back with a cleaned, slash-separated Name relative to the
// release root (the leading "name-version/" directory stripped) and a Problem
// describing anything unsafe or odd about it: absolute paths, ".." escapes,
// links out of the tree, duplicates. The reader reports; the caller decides.
//
// A hostile archive costs at most what Limits allows: entries, bytes per file,
// decompressed bytes in total and per compressed byte, name lengths and the
// decompression window. Exceeding a limit is an *Error wrapping ErrLimit.
package archive

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// Limits bound what one archive may cost. Zero (or negative) fields mean
// the default of DefaultLimits.
type Limits struct {
	// MaxEntries caps the number of entries, counting the headers that are
	// not returned (the leading directory, pax global headers), and the
	// number of directories implied by entry names that are remembered.
	MaxEntries int
	// MaxFileSize caps one entry: a larger declared size is an error, and so
	// is reading more than this from one entry whatever its header says.
	MaxFileSize int64
	// MaxTotalSize caps the decompressed bytes of the whole archive,
	// including tar headers and content skipped unread.
	MaxTotalSize int64
	// MaxRatio caps decompressed bytes per compressed byte read, once more
	// than RatioFloor bytes have been decompressed: small archives of
	// zeros legitimately compress very well, bombs are large.
	MaxRatio float64
	// MaxNameLen caps the length of entry names and link targets.
	MaxNameLen int
	// MaxWindow caps the dictionary (xz) or window (zstd) a compressed
	// stream may declare, because decoders allocate it up front.
	MaxWindow int64
}

// RatioFloor is the number of decompressed bytes below which MaxRatio is not
// enforced.
const RatioFloor = 64 << 20

// DefaultLimits returns limits that no real source release comes near: a
// million entries, 4 GiB per file, 16 GiB in all, a ratio of 200 and 4096-byte
// names. MaxWindow is 128 MiB, what the zstd command accepts without --long
// and twice what xz -9 uses.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:   1_000_000,
		MaxFileSize:  4 << 30,
		MaxTotalSize: 16 << 30,
		MaxRatio:     200,
		MaxNameLen:   4096,
		MaxWindow:    128 << 20,
	}
}

// withDefaults fills zero (and negative) fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxNameLen <= 0 {
		l.MaxNameLen = d.MaxNameLen
	}
	if l.MaxWindow <= 0 {
		l.MaxWindow = d.MaxWindow
	}
	return l
}

// ErrLimit is wrapped by every error that reports a limit being exceeded, so
// callers can tell "too big for the configured limits" from "damaged".
var ErrLimit = errors.New("archive limit exceeded")

// ErrFormat is matched (errors.Is) by the error for input that is not an
// archive this package reads: unknown bytes, an empty file, lzip, 7-zip...
var ErrFormat = errors.New("unsupported archive format")

// formatError is an ErrFormat whose text is a complete message, so that the
// error reads "m.tar.lz: lzip compression is not supported".
type formatError string

func (e formatError) Error() string        { return string(e) }
func (e formatError) Is(target error) bool { return target == ErrFormat }

// Error is a failure to read an archive: damaged, truncated, unsupported or
// over a limit.
type Error struct {
	// Path names the archive as the caller named it.
	Path string
	// Offset is the number of bytes read from the archive file so far (the
	// compressed stream, including read-ahead) or, in a zip, the offset of
	// the entry's data; 0 when unknown.
	Offset int64
	// Entry is the Name of the entry being read, or of the last entry
	// returned when the failure is in the header after it (the raw name,
	// cut at 100 bytes, when the name itself is at fault); "" if none.
	Entry string
	// Err is the cause.
	Err error
}

// Error formats the error as `path: entry "name": cause`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Entry != "" {
		fmt.Fprintf(&b, ": entry %q", e.Entry)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Kind is the type of an entry.
type Kind int

// Entry kinds. Other covers devices, fifos, sockets and tar entry types this
// package does not know; none of them belongs in a source release.
const (
	Regular Kind = iota
	Dir
	Symlink
	Hardlink
	Other
)

// String returns the kind's lower-case name.
func (k Kind) String() string {
	switch k {
	case Regular:
		return "regular"
	case Dir:
		return "dir"
	case Symlink:
		return "symlink"
	case Hardlink:
		return "hardlink"
	case Other:
		return "other"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Problems reported in Entry.Problem. An entry with several problems has
// them joined with "; " in the order listed here.
const (
	ProblemAbsolute       = "absolute path"
	ProblemDotDot         = "path escapes the root with .."
	ProblemEmptyName      = "empty name"
	ProblemNotUTF8        = "name not valid UTF-8"
	ProblemControl        = "control character in name"
	ProblemBackslash      = "backslash in name" // zip only: Windows tools treat it as a separator
	ProblemOutside        = "outside the leading directory"
	ProblemThroughSymlink = "path through a symlink"
	ProblemParentNotDir   = "parent is not a directory"
	ProblemEmptyLink      = "empty link target"
	ProblemLinkEscapes    = "link target escapes the archive"
	ProblemLinkOutside    = "link target outside the leading directory"
	ProblemLinkThrough    = "link target passes through a symlink"
	ProblemLinkMissing    = "hard link to missing entry"
	ProblemLinkToDir      = "hard link to a directory"
	ProblemDuplicate      = "duplicate entry" // the Name was already used, by an entry or as a directory
	ProblemSpecial        = "special file"
	ProblemUnknownType    = "unknown entry type"
	ProblemSparse         = "sparse file"
	ProblemEncrypted      = "encrypted entry"                // zip; no content reader
	ProblemMethod         = "unsupported compression method" // zip; no content reader
	ProblemSetuid         = "setuid or setgid bit"
)

// Entry is one member of the archive.
type Entry struct {
	// Name is the slash-separated, cleaned path relative to the release
	// root: the leading directory is stripped ("xz-5.6.1/m4/x.m4" is
	// "m4/x.m4"), "./" and duplicate slashes are gone, an absolute name
	// loses its leading slashes. A name escaping with ".." keeps them.
	Name string
	// RawName is the name as stored.
	RawName string
	// Kind is the entry type.
	Kind Kind
	// Mode holds the permission bits and the fs.FileMode type bits
	// (fs.ModeDir, fs.ModeSymlink, fs.ModeDevice...).
	Mode fs.FileMode
	// Size is the declared size of the entry's data: a regular file's
	// length, 0 for other kinds unless the archive stores data with them
	// (a place to hide a payload). Reading never yields more than the
	// limits allow, whatever Size says.
	Size int64
	// Link is the target of a symlink or hard link as stored.
	Link string
	// Target is where Link points, as a Name of this archive: for a hard
	// link the entry it shares data with, for a symlink the path it
	// resolves to lexically ("." for the release root). Empty when the
	// target escapes the archive.
	Target string
	// Problem is non-empty when the entry is unsafe or odd; see the
	// Problem constants.
	Problem string
}

// Archive reads one archive. It is not safe for concurrent use.
type Archive struct {
	ctx     context.Context
	path    string
	format  string
	lim     Limits
	prefix  string
	decided bool // prefix decided
	comment string

	file io.Closer // opened by Open, closed by Close

	tar *tarState
	zip *zipState

	raw      int64 // decompressed stream bytes (tar headers included)
	trailing int64 // see Trailing
	content  int64 // content bytes returned to the caller
	entries  int   // headers seen, returned or not

	seed     maphash.Seed
	seen     map[uint64]uint8 // pathKey of a Name -> seen* bits
	implicit int              // implied directories recorded in seen

	cur     *contentReader // reader of the last entry returned
	copyBuf []byte         // WriteTo's buffer
	last    string         // Name of the last entry returned

	// The first entry is read by Open to find the leading directory.
	pending    bool
	pendEntry  *Entry
	pendReader io.Reader
	pendErr    error

	cause  error // a limit or cancellation found below a decompressor
	err    error // sticky: io.EOF or the first failure
	closed bool
}

// Bits recorded per Name in Archive.seen. The map is keyed by pathKey, not
// by the names: memory stays at a few bytes per entry whatever the names'
// length. A collision of the 64-bit keys (about 1 in 10^7 for a million
// names, not steerable by the archive since the seed is random) could at
// worst hide or invent a duplicate.
const (
	seenDir uint8 = 1 << iota
	seenRegular
	seenSymlink
	seenHardlink
	seenOther
	seenImplicit // a directory only implied by the path of another entry
)

func kindBit(k Kind) uint8 {
	switch k {
	case Dir:
		return seenDir
	case Symlink:
		return seenSymlink
	case Hardlink:
		return seenHardlink
	case Other:
		return seenOther
	}
	return seenRegular
}

func newArchive(ctx context.Context, name string, lim Limits) *Archive {
	return &Archive{
		ctx:  ctx,
		path: name,
		lim:  lim.withDefaults(),
		seed: maphash.MakeSeed(),
		seen: make(map[uint64]uint8),
	}
}

// Open opens the archive at path, telling the format by its first bytes, not
// its name. A symlink at path itself is followed (the caller named it); links
// inside the archive never are. The file is read once, front to back, except
// a zip, whose central directory is at the end.
func Open(ctx context.Context, path string, lim Limits) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: bareOSError(err)}
	}
	a, err := openFile(ctx, f, path, lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	a.file = f
	return a, nil
}

func openFile(ctx context.Context, f *os.File, path string, lim Limits) (*Archive, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: path, Err: bareOSError(err)}
	}
	if fi.IsDir() {
		return nil, &Error{Path: path, Err: formatError("is a directory")}
	}
	if fi.Mode().IsRegular() {
		var head [4]byte
		n, err := f.ReadAt(head[:], 0)
		if err != nil && err != io.EOF {
			return nil, &Error{Path: path, Err: bareOSError(err)}
		}
		if isZip(head[:n]) {
			return OpenZip(ctx, f, fi.Size(), path, lim)
		}
	}
	return OpenReader(ctx, f, path, lim)
}

// bareOSError drops the path from an *fs.PathError: Error already names it.
func bareOSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// Format names the archive format: "tar", "tar+gzip", "tar+bzip2",
// "tar+xz", "tar+zstd" or "zip".
func (a *Archive) Format() string { return a.format }

// Prefix is the leading directory stripped from entry names ("xz-5.6.1"), ""
// if the archive has none. It is known once Open returns: the first entry
// decides it, and it lives under (or is) a top-level directory.
func (a *Archive) Prefix() string { return a.prefix }

// Comment is the archive comment: a zip's, or the "comment" record of a tar
// pax global header, where git archive stores the commit id. For a tar it is
// the last such header read so far. It is cut at MaxNameLen bytes.
func (a *Archive) Comment() string { return a.comment }

func (a *Archive) setComment(s string) {
	if len(s) > a.lim.MaxNameLen {
		s = s[:a.lim.MaxNameLen]
	}
	a.comment = s
}

// Trailing is the number of bytes a tar stream holds after its
// end-of-archive marker, up to the last non-zero one: 0 for the usual zero
// padding. Tar tools never show such data, so it is a place to hide a
// payload in plain sight of a checksum. Known once Next has returned io.EOF;
// always 0 for a zip.
func (a *Archive) Trailing() int64 { return a.trailing }

// Next returns the next entry and, for a regular file, a reader of its
// content (nil for other kinds, and for a zip entry that cannot be read,
// which carries a Problem saying why). At the end it returns io.EOF. The
// reader is valid until the next call to Next; content left unread is
// skipped. Bytes read count against the limits. After an error, Next returns
// the same error again.
func (a *Archive) Next() (*Entry, io.Reader, error) {
	if a.err != nil {
		return nil, nil, a.err
	}
	if a.closed {
		return nil, nil, &Error{Path: a.path, Err: errors.New("archive is closed")}
	}
	if err := a.ctx.Err(); err != nil {
		return nil, nil, a.fail(err)
	}
	if a.pending {
		a.pending = false
		e, r, err := a.pendEntry, a.pendReader, a.pendErr
		a.pendEntry, a.pendReader, a.pendErr = nil, nil, nil
		if err != nil {
			a.err = err
		}
		a.returned(e, r)
		return e, r, err
	}
	e, r, err := a.advance()
	if err != nil {
		if a.err == nil {
			a.err = err
		}
		return nil, nil, err
	}
	a.returned(e, r)
	return e, r, nil
}

// returned records the entry handed out and invalidates the previous reader.
func (a *Archive) returned(e *Entry, r io.Reader) {
	if a.cur != nil {
		a.cur.stale = true
		a.cur = nil
	}
	if e != nil {
		a.last = e.Name
	}
	if c, ok := r.(*contentReader); ok {
		a.cur = c
	}
}

// readFirst reads the first entry ahead, so that Prefix is known when Open
// returns. An error other than io.EOF fails Open.
func (a *Archive) readFirst() error {
	e, r, err := a.advance()
	if err != nil && err != io.EOF {
		return err
	}
	a.pending = true
	a.pendEntry, a.pendReader, a.pendErr = e, r, err
	if err == io.EOF {
		a.pendEntry, a.pendReader = nil, nil
	}
	return nil
}

// advance reads entries until one to return.
func (a *Archive) advance() (*Entry, io.Reader, error) {
	if a.cur != nil {
		a.cur.stale = true
		a.cur = nil
	}
	for {
		if err := a.ctx.Err(); err != nil {
			return nil, nil, a.fail(err)
		}
		var (
			e    *Entry
			r    io.Reader
			drop bool
			err  error
		)
		if a.tar != nil {
			e, r, drop, err = a.nextTar()
		} else {
			e, r, drop, err = a.nextZip()
		}
		if err != nil {
			return nil, nil, err
		}
		if !drop {
			return e, r, nil
		}
	}
}

// countEntry counts one header against MaxEntries.
func (a *Archive) countEntry() error {
	a.entries++
	if a.entries > a.lim.MaxEntries {
		return a.fail(fmt.Errorf("%w: more than %d entries", ErrLimit, a.lim.MaxEntries))
	}
	return nil
}

// Close releases the decompressor and, for Open, the file. It is safe to call
// more than once.
func (a *Archive) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	if a.cur != nil {
		a.cur.stale = true
		a.cur = nil
	}
	var err error
	if a.tar != nil {
		err = a.tar.close()
	}
	if a.zip != nil {
		a.zip.closeEntry()
	}
	if a.file != nil {
		if cerr := a.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// compressed returns the bytes read from the archive file so far.
func (a *Archive) compressed() int64 {
	if a.tar != nil {
		return a.tar.src.n
	}
	if a.zip != nil {
		return a.zip.at.n
	}
	return 0
}

// offset is the Error.Offset for a failure now.
func (a *Archive) offset() int64 {
	if a.zip != nil {
		return a.zip.offset
	}
	return a.compressed()
}

// fail wraps err as the archive's *Error and makes it sticky. A limit or
// cancellation recorded below a decompressor replaces what the decompressor
// made of it.
func (a *Archive) fail(err error) error {
	if a.err != nil && a.err != io.EOF {
		return a.err
	}
	if a.cause != nil {
		err = a.cause
	}
	e := &Error{Path: a.path, Offset: a.offset(), Entry: a.last, Err: err}
	a.err = e
	return e
}

// checkTotal enforces MaxTotalSize and MaxRatio on n decompressed bytes.
func (a *Archive) checkTotal(n int64) error {
	if n > a.lim.MaxTotalSize {
		return fmt.Errorf("%w: more than %d bytes decompressed", ErrLimit, a.lim.MaxTotalSize)
	}
	if n > RatioFloor {
		c := max(a.compressed(), 1)
		if float64(n) > a.lim.MaxRatio*float64(c) {
			return fmt.Errorf("%w: %d bytes decompressed from %d, a ratio above %g", ErrLimit, n, c, a.lim.MaxRatio)
		}
	}
	return nil
}

// contentReader reads one entry's content, counting it against the limits.
type contentReader struct {
	a     *Archive
	r     io.Reader
	name  string
	n     int64
	stale bool
}

func (c *contentReader) Read(p []byte) (int, error) {
	a := c.a
	if c.stale {
		return 0, &Error{Path: a.path, Entry: c.name, Err: errors.New("content read after Next moved on")}
	}
	if a.err != nil && a.err != io.EOF {
		return 0, a.err
	}
	if a.closed {
		return 0, &Error{Path: a.path, Entry: c.name, Err: errors.New("archive is closed")}
	}
	if err := a.ctx.Err(); err != nil {
		a.cause = err
		return 0, a.fail(nil)
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	a.content += int64(n)
	if c.n > a.lim.MaxFileSize {
		a.cause = fmt.Errorf("%w: more than %d bytes in one entry", ErrLimit, a.lim.MaxFileSize)
		return n, a.fail(nil)
	}
	if lerr := a.checkTotal(a.content); lerr != nil {
		a.cause = lerr
		return n, a.fail(nil)
	}
	if err != nil && err != io.EOF {
		return n, a.fail(fmt.Errorf("reading content: %w", a.streamError(err)))
	}
	return n, err
}

// entryInfo is what a format reader knows of an entry before the common
// checks.
type entryInfo struct {
	raw   string
	kind  Kind
	mode  fs.FileMode
	size  int64
	link  string
	zip   bool // zip name rules: backslashes and drive letters
	extra []string
}

// newEntry applies the naming, leading-directory and safety rules common to
// all formats. drop reports an entry that is not returned: the root or the
// leading directory itself.
func (a *Archive) newEntry(in entryInfo) (e *Entry, drop bool, err error) {
	if len(in.raw) > a.lim.MaxNameLen {
		a.last = truncName(in.raw)
		return nil, false, a.fail(fmt.Errorf("%w: name of %d bytes, more than %d", ErrLimit, len(in.raw), a.lim.MaxNameLen))
	}
	if len(in.link) > a.lim.MaxNameLen {
		a.last = truncName(in.raw)
		return nil, false, a.fail(fmt.Errorf("%w: link target of %d bytes, more than %d", ErrLimit, len(in.link), a.lim.MaxNameLen))
	}
	var probs []string
	full, abs, escapes := cleanName(in.raw, in.zip)
	if abs {
		probs = append(probs, ProblemAbsolute)
	}
	if escapes {
		probs = append(probs, ProblemDotDot)
	}
	if full == "." {
		if in.kind == Dir && !abs {
			return nil, true, nil
		}
		probs = append(probs, ProblemEmptyName)
	}
	if !a.decided {
		a.decided = true
		if !abs && !escapes && full != "." {
			first, rest, nested := strings.Cut(full, "/")
			if (nested && rest != "") || in.kind == Dir {
				a.prefix = first
			}
		}
	}
	name := full
	outside := false
	if a.prefix != "" {
		switch {
		case full == a.prefix:
			if in.kind == Dir {
				return nil, true, nil
			}
			outside = true
		case strings.HasPrefix(full, a.prefix) && full[len(a.prefix)] == '/':
			name = full[len(a.prefix)+1:]
		default:
			outside = true
		}
	}
	if !utf8.ValidString(in.raw) {
		probs = append(probs, ProblemNotUTF8)
	}
	if hasControl(in.raw) {
		probs = append(probs, ProblemControl)
	}
	if in.zip && strings.IndexByte(in.raw, '\\') >= 0 {
		probs = append(probs, ProblemBackslash)
	}
	if outside && !abs && !escapes {
		probs = append(probs, ProblemOutside)
	}
	probs, key := a.checkParents(name, probs)

	e = &Entry{
		Name:    name,
		RawName: in.raw,
		Kind:    in.kind,
		Mode:    in.mode,
		Size:    in.size,
		Link:    in.link,
	}
	// Links are resolved before the entry itself is recorded, so that a
	// hard link to its own name counts as missing.
	switch in.kind {
	case Symlink:
		probs = a.resolveSymlink(e, full, in.zip, probs)
	case Hardlink:
		probs = a.resolveHardlink(e, in.zip, probs)
	}
	if m := a.seen[key]; m&^seenImplicit != 0 || (m == seenImplicit && in.kind != Dir) {
		probs = append(probs, ProblemDuplicate)
	}
	a.seen[key] |= kindBit(in.kind)

	if in.kind == Other {
		probs = append(probs, ProblemSpecial)
	}
	probs = append(probs, in.extra...)
	if in.mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
		probs = append(probs, ProblemSetuid)
	}
	e.Problem = strings.Join(probs, "; ")
	return e, false, nil
}

// truncName shortens an over-long name for an error message.
func truncName(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// cleanName returns raw cleaned and relative to the archive root, whether it
// was absolute and whether it escapes the root with "..".
func cleanName(raw string, zipRules bool) (full string, abs, escapes bool) {
	s := raw
	if zipRules && len(s) >= 2 && s[1] == ':' && isLetter(s[0]) && (len(s) == 2 || s[2] == '/' || s[2] == '\\') {
		abs = true
		s = s[2:]
	}
	if strings.HasPrefix(s, "/") {
		abs = true
	}
	if abs {
		full = strings.TrimLeft(path.Clean("/"+s), "/")
		if full == "" {
			full = "."
		}
		return full, abs, false
	}
	full = path.Clean(s)
	escapes = full == ".." || strings.HasPrefix(full, "../")
	return full, false, escapes
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// pathKey folds keyed hashes of a cleaned path's components, so that the
// keys of a name and of all its parents come in one pass over it, and a
// lexical walk can pop components: the work per name stays linear in its
// length, however deep it nests.
const keyRoot uint64 = 0x6a09e667f3bcc909

func (a *Archive) keyStep(h uint64, comp string) uint64 {
	return (h ^ maphash.String(a.seed, comp)) * 0x9e3779b97f4a7c15
}

func (a *Archive) pathKey(name string) uint64 {
	h := keyRoot
	for comp := range strings.SplitSeq(name, "/") {
		h = a.keyStep(h, comp)
	}
	return h
}

// checkParents reports a name whose parent directories are symlinks or
// files, records the parents as implied directories (up to MaxEntries of
// them, which bounds memory; past it only conflicts with implied
// directories go unreported) and returns the name's key.
func (a *Archive) checkParents(name string, probs []string) ([]string, uint64) {
	through, notDir := false, false
	h := keyRoot
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '/' {
			continue
		}
		h = a.keyStep(h, name[start:i])
		start = i + 1
		if i == len(name) {
			break
		}
		switch m := a.seen[h]; {
		case m == 0:
			if a.implicit < a.lim.MaxEntries {
				a.seen[h] = seenImplicit
				a.implicit++
			}
		case m&seenSymlink != 0:
			through = true
		case m&(seenRegular|seenHardlink|seenOther) != 0:
			notDir = true
		}
	}
	if through {
		probs = append(probs, ProblemThroughSymlink)
	}
	if notDir {
		probs = append(probs, ProblemParentNotDir)
	}
	return probs, h
}

// nameOf maps a cleaned path relative to the archive root to a Name.
func (a *Archive) nameOf(full string) string {
	if a.prefix == "" {
		return full
	}
	if full == a.prefix {
		return "."
	}
	if strings.HasPrefix(full, a.prefix) && len(full) > len(a.prefix) && full[len(a.prefix)] == '/' {
		return full[len(a.prefix)+1:]
	}
	return full
}

// inPrefix reports whether a cleaned archive path lies in the leading
// directory (always true without one).
func (a *Archive) inPrefix(full string) bool {
	if a.prefix == "" {
		return true
	}
	return full == a.prefix || strings.HasPrefix(full, a.prefix) && len(full) > len(a.prefix) && full[len(a.prefix)] == '/'
}

// resolveSymlink resolves a symlink's target lexically from the directory
// holding it (full is the entry's path from the archive root). Lexical
// resolution is wrong where it walks through another symlink ("s/.." when s
// points elsewhere), so that is reported rather than guessed at.
func (a *Archive) resolveSymlink(e *Entry, full string, zipRules bool, probs []string) []string {
	link := e.Link
	if link == "" {
		return append(probs, ProblemEmptyLink)
	}
	if link[0] == '/' || zipRules && (link[0] == '\\' || len(link) >= 2 && link[1] == ':' && isLetter(link[0])) {
		return append(probs, ProblemLinkEscapes)
	}
	// The walk keeps the components from the archive root and, for each,
	// the key of the Name it stands for: the leading directory is the
	// release root.
	type step struct {
		comp string
		key  uint64
	}
	var stack []step
	push := func(comp string) {
		if len(stack) == 0 {
			k := keyRoot
			if a.prefix == "" || comp != a.prefix {
				k = a.keyStep(k, comp)
			}
			stack = append(stack, step{comp, k})
			return
		}
		stack = append(stack, step{comp, a.keyStep(stack[len(stack)-1].key, comp)})
	}
	if dir := path.Dir(full); dir != "." {
		for comp := range strings.SplitSeq(dir, "/") {
			push(comp)
		}
	}
	through, moved := false, false
	for part := range strings.SplitSeq(link, "/") {
		if part == "" || part == "." {
			continue
		}
		if moved && len(stack) > 0 && a.seen[stack[len(stack)-1].key]&seenSymlink != 0 {
			through = true
		}
		moved = true
		if part == ".." {
			if len(stack) == 0 {
				return append(probs, ProblemLinkEscapes)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		push(part)
	}
	comps := make([]string, len(stack))
	for i, s := range stack {
		comps[i] = s.comp
	}
	cur := strings.Join(comps, "/")
	switch {
	case cur == "" && a.prefix != "":
		// The archive root, above the release root: no Name for it.
		probs = append(probs, ProblemLinkOutside)
	case cur == "":
		e.Target = "."
	default:
		if !a.inPrefix(cur) {
			probs = append(probs, ProblemLinkOutside)
		}
		e.Target = a.nameOf(cur)
	}
	if through {
		probs = append(probs, ProblemLinkThrough)
	}
	return probs
}

// resolveHardlink finds the entry a hard link names. Tar stores the target's
// full path from the archive root.
func (a *Archive) resolveHardlink(e *Entry, zipRules bool, probs []string) []string {
	if e.Link == "" {
		return append(probs, ProblemEmptyLink)
	}
	full, abs, escapes := cleanName(e.Link, zipRules)
	if abs || escapes || full == "." {
		return append(probs, ProblemLinkEscapes)
	}
	if !a.inPrefix(full) {
		probs = append(probs, ProblemLinkOutside)
	}
	e.Target = a.nameOf(full)
	switch m := a.seen[a.pathKey(e.Target)]; {
	case m&^(seenImplicit|seenDir) != 0:
	case m&seenDir != 0:
		probs = append(probs, ProblemLinkToDir)
	default:
		probs = append(probs, ProblemLinkMissing)
	}
	return probs
}

// WriteTo copies the rest of the content to w through one buffer kept by the
// archive, so that io.Copy does not allocate a buffer per entry.
func (c *contentReader) WriteTo(w io.Writer) (int64, error) {
	if c.a.copyBuf == nil {
		c.a.copyBuf = make([]byte, 32<<10)
	}
	buf := c.a.copyBuf
	var total int64
	for {
		n, err := c.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if m != n {
				return total, io.ErrShortWrite
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
