package binary

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
)

// The xz backdoor lived in liblzma, which sshd never links: it arrived
// through libsystemd. Scanning only the executable misses it, so ScanChain
// follows DT_NEEDED the way the dynamic loader would, inside a root
// filesystem (an image, a mounted disk) and without ever running anything:
// ldd executes the loader and, with some loaders, the binary itself.

// Bounds of the dependency walk and of the files read for it.
const (
	// DefaultMaxDepth bounds how many DT_NEEDED steps the walk takes from
	// the executable; real chains are a handful deep.
	DefaultMaxDepth = 16
	// DefaultMaxLibraries bounds the libraries of one chain.
	DefaultMaxLibraries = 1024
	// maxLinkHops bounds the symbolic links followed for one path, as
	// the kernel's ELOOP limit does.
	maxLinkHops = 40
	// maxConfFiles bounds the ld.so.conf files read through include.
	maxConfFiles = 64
	// maxConfDepth bounds include nesting in ld.so.conf.
	maxConfDepth = 8
	// maxConfSize bounds one ld.so.conf file.
	maxConfSize = 1 << 20
	// maxSearchDirs bounds the ld.so.conf directories kept.
	maxSearchDirs = 256
)

// ErrLinkLoop is wrapped when resolving a path takes more than the bounded
// number of symbolic links, as a loop of links does.
var ErrLinkLoop = errors.New("too many levels of symbolic links")

// ChainOptions tune ScanChain. The zero value is usable.
type ChainOptions struct {
	// MaxDepth bounds the DT_NEEDED steps from the executable (0:
	// DefaultMaxDepth).
	MaxDepth int
	// MaxLibraries bounds the libraries visited (0: DefaultMaxLibraries).
	MaxLibraries int
	// Scanner matches the libraries; nil uses the embedded rules.
	Scanner *Scanner
	// IFunc adds the loader-time checks of ifunc.go to every file of
	// the chain: IFUNC resolvers (IFuncs) and the liblzma releases
	// known to be backdoored (BackdooredRelease).
	IFunc bool
}

// Library is one file of a chain: the executable or a shared library.
type Library struct {
	// Name is the DT_NEEDED entry that brought the library in; for the
	// executable, the base name of its path.
	Name string `json:"name"`
	// Path is where the loader would open it, relative to the root.
	Path string `json:"path,omitempty"`
	// RealPath is Path with every symbolic link resolved inside the root:
	// the file that was read. Its base name usually carries the version.
	RealPath string `json:"real_path,omitempty"`
	// Version is read from RealPath's name (liblzma.so.5.6.1 gives 5.6.1);
	// empty when the name has none.
	Version string `json:"version,omitempty"`
	// Parent is the Name of the library whose DT_NEEDED listed this one,
	// or the executable's Path for direct dependencies.
	Parent string `json:"parent,omitempty"`
	// Findings are the signature scanner's hits in the file, then, with
	// ChainOptions.IFunc, those of the loader-time checks.
	Findings []finding.Finding `json:"findings,omitempty"`
	// IFuncs are the file's IFUNC resolvers when the loader-time checks
	// had something to say about them (ChainOptions.IFunc); the
	// ordinary glibc-style use is left out to keep results readable.
	IFuncs []IFunc `json:"ifuncs,omitempty"`
	// Err says why the file could not be scanned or its dependencies not
	// read; the rest of the chain is still walked.
	Err string `json:"error,omitempty"`
}

// ChainResult is an executable with the libraries it loads, in
// breadth-first order, each once.
type ChainResult struct {
	// Executable is the file the walk started from; its Parent is empty.
	Executable Library `json:"executable"`
	// Libraries are in the order the loader would load them.
	Libraries []Library `json:"libraries"`
	// Missing are DT_NEEDED names found in no search directory.
	Missing []string `json:"missing"`
	// Truncated is set when a depth or count bound stopped the walk.
	Truncated bool `json:"truncated,omitempty"`
}

// PathTo returns how the executable reaches the library of the given
// Name: the executable's path, then each DT_NEEDED name down to name. It
// returns nil when the chain has no such library.
func (r *ChainResult) PathTo(name string) []string {
	byName := make(map[string]*Library, len(r.Libraries))
	for i := range r.Libraries {
		byName[r.Libraries[i].Name] = &r.Libraries[i]
	}
	var rev []string
	for cur := byName[name]; cur != nil && len(rev) <= len(r.Libraries); cur = byName[cur.Parent] {
		rev = append(rev, cur.Name)
		if cur.Parent == r.Executable.Path {
			out := []string{r.Executable.Path}
			for i := len(rev) - 1; i >= 0; i-- {
				out = append(out, rev[i])
			}
			return out
		}
	}
	return nil
}

// Findings returns the findings of the executable and of every library.
func (r *ChainResult) Findings() []finding.Finding {
	out := append([]finding.Finding(nil), r.Executable.Findings...)
	for _, l := range r.Libraries {
		out = append(out, l.Findings...)
	}
	return out
}

// rootFS reads files of a root filesystem. Paths are slash-separated and
// relative to the root; symbolic links are resolved by resolve, so every
// path handed to os.Root is free of links and os.Root guards the rest.
type rootFS struct {
	r *os.Root
}

func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(c rune) bool { return c == '/' })
}

// resolve returns p with every symbolic link resolved inside the root: an
// absolute target restarts at the root and ".." stops there, as they
// would after chroot. It fails after maxLinkHops links.
func (fsys rootFS) resolve(p string) (string, error) {
	var done []string
	todo := splitPath(p)
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := strings.Join(append(done, c), "/")
		fi, err := fsys.r.Lstat(filepath.FromSlash(cur))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if len(todo) > 0 && !fi.IsDir() {
				return "", &fs.PathError{Op: "resolve", Path: cur, Err: errors.New("not a directory")}
			}
			done = append(done, c)
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: ErrLinkLoop}
		}
		target, err := fsys.r.Readlink(filepath.FromSlash(cur))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = done[:0]
		}
		todo = append(splitPath(target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return strings.Join(done, "/"), nil
}

// open resolves p and opens the regular file it names, returning the
// resolved path too.
func (fsys rootFS) open(p string) (*os.File, string, error) {
	real, err := fsys.resolve(p)
	if err != nil {
		return nil, "", err
	}
	f, err := fsys.r.Open(filepath.FromSlash(real))
	if err != nil {
		return nil, "", err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, "", err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, "", &fs.PathError{Op: "open", Path: real, Err: errors.New("not a regular file")}
	}
	return f, real, nil
}

// readSmall reads a whole small file of the root, refusing large ones.
func (fsys rootFS) readSmall(p string) ([]byte, error) {
	f, _, err := fsys.open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfSize {
		return nil, fmt.Errorf("%s: %w: over %d bytes", p, extract.ErrTooLarge, maxConfSize)
	}
	return data, nil
}

// glob expands a pattern whose last element may hold wildcards, the only
// form ld.so.conf includes take in practice.
func (fsys rootFS) glob(pattern string) []string {
	dir, base := path.Split(strings.TrimPrefix(path.Clean("/"+pattern), "/"))
	if _, err := path.Match(base, ""); err != nil {
		return nil
	}
	real, err := fsys.resolve(dir)
	if err != nil {
		return nil
	}
	d, err := fsys.r.Open(filepath.FromSlash(real))
	if err != nil {
		return nil
	}
	defer d.Close()
	names, err := d.Readdirnames(4096)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(base, n); ok {
			out = append(out, path.Join(dir, n))
		}
	}
	// glob(3) sorts, so ld.so reads the files in name order.
	slices.Sort(out)
	return out
}

// ldSoConf returns the directories of etc/ld.so.conf and its includes, in
// order, without duplicates. Unreadable files are skipped, as ldconfig
// skips them.
func (fsys rootFS) ldSoConf() []string {
	var dirs []string
	seen := map[string]bool{}
	files := 0
	var read func(p string, depth int)
	read = func(p string, depth int) {
		if depth > maxConfDepth || files >= maxConfFiles {
			return
		}
		files++
		data, err := fsys.readSmall(p)
		if err != nil {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 4096), maxConfSize)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			switch fields[0] {
			case "include":
				for _, pat := range fields[1:] {
					if !strings.HasPrefix(pat, "/") {
						pat = path.Join(path.Dir("/"+p), pat)
					}
					for _, m := range fsys.glob(pat) {
						read(m, depth+1)
					}
				}
			case "hwcap":
			default:
				for _, d := range fields {
					// Old syntax "dir=TYPE" and comma-separated lists.
					for _, d := range strings.Split(d, ",") {
						d, _, _ = strings.Cut(d, "=")
						if !strings.HasPrefix(d, "/") || seen[d] || len(dirs) >= maxSearchDirs {
							continue
						}
						seen[d] = true
						dirs = append(dirs, d)
					}
				}
			}
		}
	}
	read("etc/ld.so.conf", 0)
	return dirs
}

// triplets are the Debian multiarch directories of each machine.
var triplets = map[elf.Machine]string{
	elf.EM_X86_64:  "x86_64-linux-gnu",
	elf.EM_AARCH64: "aarch64-linux-gnu",
	elf.EM_386:     "i386-linux-gnu",
}

func defaultDirs(m elf.Machine) []string {
	dirs := []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64"}
	if t, ok := triplets[m]; ok {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	return dirs
}

// object is what the walk needs from one ELF file.
type object struct {
	class   elf.Class
	machine elf.Machine
	needed  []string
	rpath   []string // DT_RUNPATH, or DT_RPATH when there is none
}

// readObject reads the dynamic section of an ELF file. debug/elf is
// hardened, but a panic in it must not end the walk.
func readObject(r io.ReaderAt, size int64) (obj *object, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("malformed elf: %v", p)
		}
	}()
	f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("malformed elf: %w", err)
	}
	obj = &object{class: f.Class, machine: f.Machine}
	if obj.needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		// A static executable has no dynamic section: nothing needed.
		if f.Section(".dynamic") == nil && dynProg(f) == nil {
			return obj, nil
		}
		return nil, fmt.Errorf("DT_NEEDED: %w", err)
	}
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	if len(runpath) == 0 {
		runpath, _ = f.DynString(elf.DT_RPATH)
	}
	for _, rp := range runpath {
		obj.rpath = append(obj.rpath, strings.Split(rp, ":")...)
	}
	return obj, nil
}

func dynProg(f *elf.File) *elf.Prog {
	for _, p := range f.Progs {
		if p.Type == elf.PT_DYNAMIC {
			return p
		}
	}
	return nil
}

// expandOrigin substitutes $ORIGIN and ${ORIGIN} with origin (a path in
// the root). Entries with other dynamic string tokens ($LIB, $PLATFORM)
// depend on the running machine and are dropped.
func expandOrigin(dir, origin string) (string, bool) {
	dir = strings.ReplaceAll(dir, "${ORIGIN}", "$ORIGIN")
	dir = strings.ReplaceAll(dir, "$ORIGIN", "/"+origin)
	if strings.Contains(dir, "$") || dir == "" {
		return "", false
	}
	return dir, true
}

// versionOf reads the version from a library's file name: what follows
// ".so." when it is made of digits and dots.
func versionOf(name string) string {
	_, v, ok := strings.Cut(path.Base(name), ".so.")
	if !ok || v == "" {
		return ""
	}
	for _, c := range v {
		if (c < '0' || c > '9') && c != '.' {
			return ""
		}
	}
	return v
}

// chainWalk holds the state of one ScanChain.
type chainWalk struct {
	fsys    rootFS
	scanner *Scanner
	ifunc   bool
	conf    []string
	confOK  bool
}

// scanFile scans and reads the dependencies of the resolved file f.
func (w *chainWalk) scanFile(ctx context.Context, f *os.File, real string) (*object, []finding.Finding, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	found, err := w.scanner.Scan(ctx, f, fi.Size(), real)
	if err != nil {
		return nil, nil, err
	}
	obj, err := readObject(f, fi.Size())
	if err != nil {
		return nil, found, &extract.Error{Path: real, Err: err}
	}
	return obj, found, nil
}

// find looks name up as the loader would for a parent object with the
// given search path, origin and target machine. It returns the opened
// file, the path it was found at and its resolved path.
func (w *chainWalk) find(parent *object, origin, name string) (*os.File, string, string) {
	var dirs []string
	if strings.Contains(name, "/") {
		// A DT_NEEDED with a slash is a path, not searched for.
		dirs = []string{""}
	} else {
		for _, d := range parent.rpath {
			if d, ok := expandOrigin(d, origin); ok {
				dirs = append(dirs, d)
			}
		}
		if !w.confOK {
			w.conf, w.confOK = w.fsys.ldSoConf(), true
		}
		dirs = append(dirs, w.conf...)
		dirs = append(dirs, defaultDirs(parent.machine)...)
	}
	for _, d := range dirs {
		p := strings.TrimPrefix(path.Clean("/"+path.Join(d, name)), "/")
		f, real, err := w.fsys.open(p)
		if err != nil {
			continue
		}
		if !compatible(f, parent) {
			// The loader skips a library built for another machine and
			// goes on searching; so does the walk.
			f.Close()
			continue
		}
		return f, p, real
	}
	return nil, "", ""
}

func compatible(f *os.File, parent *object) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var hdr [4]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil || string(hdr[:]) != elf.ELFMAG {
		return false
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return false
	}
	return ef.Class == parent.class && ef.Machine == parent.machine
}

// ScanChain resolves the shared libraries the executable exe (a path
// inside root) loads, breadth-first, and scans each with the signature
// rules. Nothing is executed. Symbolic links are followed inside root only,
// so nothing outside root is ever read. An executable that cannot be opened
// or is not ELF is an error; a library that cannot be read is recorded in
// its Err and the walk goes on.
func ScanChain(ctx context.Context, root, exe string, opt ChainOptions) (*ChainResult, error) {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = DefaultMaxDepth
	}
	if opt.MaxLibraries <= 0 {
		opt.MaxLibraries = DefaultMaxLibraries
	}
	if opt.Scanner == nil {
		s, err := defaultScanner()
		if err != nil {
			return nil, fmt.Errorf("built-in rules: %w", err)
		}
		opt.Scanner = s
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	defer r.Close()
	w := &chainWalk{fsys: rootFS{r}, scanner: opt.Scanner, ifunc: opt.IFunc}

	exePath := strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(exe)), "/")
	f, real, err := w.fsys.open(exePath)
	if err != nil {
		return nil, &extract.Error{Path: exePath, Err: err}
	}
	obj, fds, err := w.scanFile(ctx, f, real)
	exeLib := Library{Name: path.Base(exePath), Path: exePath, RealPath: real, Findings: fds}
	if err == nil && w.ifunc {
		// The signature scan read the file; a resolver table it
		// cannot read is recorded, not fatal to the walk.
		if lerr := w.loaderChecks(ctx, f, &exeLib); lerr != nil {
			exeLib.Err = lerr.Error()
		}
	}
	f.Close()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	res := &ChainResult{
		Executable: exeLib,
		Libraries:  []Library{},
		Missing:    []string{},
	}

	type item struct {
		name, parent string
		from         *object
		origin       string
		depth        int
	}
	queue := []item{}
	enqueue := func(o *object, parent, origin string, depth int) {
		for _, n := range o.needed {
			queue = append(queue, item{name: n, parent: parent, from: o, origin: origin, depth: depth})
		}
	}
	// The main program's $ORIGIN is the directory of its resolved path,
	// as the kernel reports it; a library's is where it was found.
	enqueue(obj, exePath, path.Dir(real), 1)
	seen := map[string]bool{}
	missing := map[string]bool{}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		it := queue[0]
		queue = queue[1:]
		if seen[it.name] || missing[it.name] {
			continue
		}
		if it.depth > opt.MaxDepth || len(res.Libraries) >= opt.MaxLibraries {
			res.Truncated = true
			continue
		}
		f, p, real := w.find(it.from, it.origin, it.name)
		if f == nil {
			missing[it.name] = true
			res.Missing = append(res.Missing, it.name)
			continue
		}
		seen[it.name] = true
		lib := Library{Name: it.name, Path: p, RealPath: real, Version: versionOf(real), Parent: it.parent}
		obj, fds, err := w.scanFile(ctx, f, real)
		lib.Findings = fds
		if w.ifunc {
			if lerr := w.loaderChecks(ctx, f, &lib); err == nil {
				err = lerr
			}
		}
		f.Close()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lib.Err = err.Error()
		}
		res.Libraries = append(res.Libraries, lib)
		if obj != nil {
			enqueue(obj, it.name, path.Dir(p), it.depth+1)
		}
	}
	return res, nil
}
