// Package walk traverses a directory tree (or one file) once, offers each
// file to the extractors that claim it by name, runs them in parallel and
// merges what they find into one dependency graph. A file that fails is
// recorded with its path and the walk goes on.
package walk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// InstalledDirs are directories holding installed copies of packages rather
// than a project's own declarations. They are skipped unless
// Options.IncludeInstalled is set, because their lockfiles describe what is
// already resolved above them and their size dominates a walk.
var InstalledDirs = []string{"node_modules", "bower_components", "site-packages", "dist-packages", ".venv"}

// VCSDirs are version-control metadata directories, always skipped.
var VCSDirs = []string{".git", ".hg", ".svn"}

// Options configure a walk.
type Options struct {
	// Extractors to offer files to, in priority order. Required.
	Extractors []extract.Extractor
	// Exclude holds glob patterns. A pattern without "/" matches any path
	// element (".cache", "*.min.js"); one with "/" matches the path from the
	// scanned root and everything below it ("testdata/**", "services/*/vendor").
	Exclude []string
	// IncludeInstalled also walks InstalledDirs.
	IncludeInstalled bool
	// Workers is the number of files extracted at once; 0 means GOMAXPROCS.
	Workers int
	// Logger receives debug events; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called from the walking goroutine as files are
	// found and finished. It must be quick.
	Progress func(Progress)
}

// Progress is an event reporting how far a walk has come.
type Progress struct {
	Files     int // files seen so far
	Claimed   int // files handed to an extractor so far
	Extracted int // of those, finished
	Done      bool
}

// Result is what a walk found.
type Result struct {
	Graph *inventory.Graph
	// Errors are the files that failed, in path order.
	Errors []*extract.Error
	// Files counts the regular files seen; Claimed those an extractor
	// claimed; Read those from which an extractor got a graph.
	Files, Claimed, Read int
	// Manifests are the paths (slash-separated, relative, in walk order)
	// of every manifest and lockfile seen by name, whether or not an
	// extractor reads it: a policy checks that each manifest has its lockfile.
	Manifests []string
}

// manifestNames are the file names Result.Manifests records.
var manifestNames = map[string]bool{
	"package.json": true, "package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true,
	"pnpm-lock.yaml": true, "bun.lockb": true, "bun.lock": true, "pyproject.toml": true, "poetry.lock": true,
	"uv.lock": true, "pdm.lock": true, "Pipfile": true, "Pipfile.lock": true, "setup.py": true, "setup.cfg": true,
	"go.mod": true, "go.sum": true, "go.work": true, "Cargo.toml": true, "Cargo.lock": true, "Gemfile": true,
	"Gemfile.lock": true, "composer.json": true, "composer.lock": true, "pom.xml": true, "build.gradle": true,
	"build.gradle.kts": true, "gradle.lockfile": true, "packages.lock.json": true, "mix.exs": true, "mix.lock": true,
	"gems.rb": true, "gems.locked": true,
}

// isManifestName reports whether a file name is a manifest or lockfile
// (requirements*.txt included).
func isManifestName(name string) bool {
	return manifestNames[name] || strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt") ||
		strings.HasSuffix(name, ".csproj")
}

type job struct {
	index int
	path  string
	info  fs.FileInfo
	ex    []extract.Extractor
}

type outcome struct {
	index int
	graph *inventory.Graph
	errs  []*extract.Error
}

// Walk scans target, a directory or a single file. It returns an error only
// when target itself cannot be read or ctx ends; failures of single files are
// in Result.Errors.
func Walk(ctx context.Context, target string, opt Options) (*Result, error) {
	if len(opt.Extractors) == 0 {
		return nil, errors.New("walk: no extractors")
	}
	for _, p := range opt.Exclude {
		if _, err := path.Match(strings.ReplaceAll(p, "**", "*"), ""); err != nil {
			return nil, fmt.Errorf("walk: exclude pattern %q: %w", p, err)
		}
	}
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	st, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("walk: %w", err)
	}
	dir, single := target, ""
	if !st.IsDir() {
		dir, single = filepath.Dir(target), filepath.Base(target)
	}
	// The target itself may be a link (a user's choice); nothing below it is
	// followed.
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, fmt.Errorf("walk: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("walk: %w", err)
	}
	defer root.Close()

	w := &walker{opt: opt, dir: dir, root: root, fsys: regularFS{root}, log: logger}
	jobs := make(chan job)
	results := make(chan outcome)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- w.extract(ctx, j)
			}
		}()
	}

	res := &Result{Graph: inventory.New()}
	var walkErr error
	go func() {
		defer close(jobs)
		if single != "" {
			walkErr = w.offerSingle(ctx, single, jobs, res)
			return
		}
		walkErr = w.walkTree(ctx, jobs, res)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var outs []outcome
	extracted := 0
	for o := range results {
		outs = append(outs, o)
		extracted++
		if opt.Progress != nil {
			opt.Progress(Progress{Files: w.files(), Claimed: w.claimedCount(), Extracted: extracted})
		}
	}
	if walkErr != nil {
		return nil, walkErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Merge in walk order so that the result does not depend on which
	// worker finished first.
	slices.SortFunc(outs, func(a, b outcome) int { return a.index - b.index })
	for _, o := range outs {
		if o.graph != nil {
			res.Graph.Merge(o.graph)
			res.Read++
		}
		res.Errors = append(res.Errors, o.errs...)
	}
	slices.SortStableFunc(res.Errors, func(a, b *extract.Error) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	res.Files = w.files()
	res.Claimed = w.claimedCount()
	if opt.Progress != nil {
		opt.Progress(Progress{Files: res.Files, Claimed: res.Claimed, Extracted: extracted, Done: true})
	}
	return res, nil
}

type walker struct {
	opt  Options
	dir  string // the directory walked, as given
	root *os.Root
	fsys fs.FS
	log  *slog.Logger

	mu      sync.Mutex
	nFiles  int
	claimed int
}

func (w *walker) files() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nFiles
}

func (w *walker) claimedCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.claimed
}

func (w *walker) count(claimed bool) {
	w.mu.Lock()
	w.nFiles++
	if claimed {
		w.claimed++
	}
	w.mu.Unlock()
}

func (w *walker) walkTree(ctx context.Context, jobs chan<- job, res *Result) error {
	index := 0
	// Directories are listed by path, which is much cheaper than resolving
	// every name through the os.Root; links are never followed (WalkDir
	// does not descend into them and only regular files are taken), and
	// every file is opened through the os.Root, which refuses to leave it.
	return filepath.WalkDir(w.dir, func(osPath string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		p, rerr := filepath.Rel(w.dir, osPath)
		if rerr != nil {
			return rerr
		}
		p = filepath.ToSlash(p)
		if err != nil {
			if p == "." {
				return err
			}
			// An unreadable directory is recorded, the rest goes on. Only
			// this goroutine touches res until the workers are done.
			w.log.Debug("walk: unreadable", "path", p, "err", err)
			res.Errors = append(res.Errors, &extract.Error{Path: p, Err: unwrapPathError(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && w.skipDir(p, d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		// Symlinks are not followed: a link inside the tree points at a file
		// the walk reaches anyway, and one leading out must not be read.
		if !d.Type().IsRegular() {
			return nil
		}
		if w.excluded(p) {
			return nil
		}
		if isManifestName(d.Name()) {
			res.Manifests = append(res.Manifests, p)
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		var claimers []extract.Extractor
		for _, e := range w.opt.Extractors {
			if e.Claims(p, info) {
				claimers = append(claimers, e)
			}
		}
		w.count(len(claimers) > 0)
		if len(claimers) == 0 {
			return nil
		}
		select {
		case jobs <- job{index: index, path: p, info: info, ex: claimers}:
			index++
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
}

func (w *walker) offerSingle(ctx context.Context, name string, jobs chan<- job, res *Result) error {
	info, err := w.root.Lstat(name)
	if err != nil {
		return fmt.Errorf("walk: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("walk: %s: not a regular file", name)
	}
	if isManifestName(filepath.Base(name)) {
		res.Manifests = append(res.Manifests, filepath.ToSlash(name))
	}
	var claimers []extract.Extractor
	for _, e := range w.opt.Extractors {
		if e.Claims(name, info) {
			claimers = append(claimers, e)
		}
	}
	if len(claimers) == 0 {
		head, err := w.head(name)
		if err != nil {
			return fmt.Errorf("walk: %s: %w", name, err)
		}
		for _, e := range w.opt.Extractors {
			if s, ok := e.(extract.Sniffer); ok && s.Sniff(head) {
				claimers = append(claimers, e)
			}
		}
	}
	w.count(len(claimers) > 0)
	if len(claimers) == 0 {
		return nil
	}
	select {
	case jobs <- job{path: name, info: info, ex: claimers}:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (w *walker) head(name string) ([]byte, error) {
	f, err := w.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// open opens a regular file under the root.
func (w *walker) open(name string) (*os.File, error) {
	f, err := openRegular(w.root, name, false)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	return f, nil
}

// errNotRegular is returned for a FIFO, device or socket where a file was
// expected: reading one could block the scan or never end.
var errNotRegular = errors.New("not a regular file")

// openRegular opens name under root without blocking on a FIFO or device
// (which may have replaced a file since the walk saw it), and fails unless
// it is a regular file, or a directory when dirOK.
func openRegular(root *os.Root, name string, dirOK bool) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() && !(dirOK && st.IsDir()) {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
	return f, nil
}

// regularFS is the scanned tree as extractors see it (extract.Input.Root):
// names resolve inside the root only, and opening anything but a regular
// file or a directory fails instead of blocking.
type regularFS struct{ root *os.Root }

// Open implements fs.FS.
func (r regularFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return openRegular(r.root, name, true)
}

// Stat implements fs.StatFS.
func (r regularFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return r.root.Stat(name)
}

// ReadDir implements fs.ReadDirFS.
func (r regularFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(r.root.FS(), name)
}

func (w *walker) extract(ctx context.Context, j job) (o outcome) {
	o.index = j.index
	g := inventory.New()
	found := false
	for _, e := range j.ex {
		if ctx.Err() != nil {
			return o
		}
		frag, err := w.run(ctx, e, j)
		if err != nil {
			o.errs = append(o.errs, asError(j.path, e.Name(), err))
		}
		if frag != nil {
			g.Merge(frag)
			found = true
		}
	}
	if found {
		o.graph = g
	}
	return o
}

func (w *walker) run(ctx context.Context, e extract.Extractor, j job) (g *inventory.Graph, err error) {
	f, err := w.open(j.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer func() {
		// An extractor bug must cost one file, not the scan.
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("extractor %s failed: %v", e.Name(), r)
		}
	}()
	w.log.Debug("extract", "path", j.path, "extractor", e.Name())
	return e.Extract(ctx, &extract.Input{Path: j.path, Root: w.fsys, Info: j.info, Reader: f, ReaderAt: f})
}

func asError(p, extractor string, err error) *extract.Error {
	var ee *extract.Error
	if errors.As(err, &ee) {
		c := *ee
		if c.Path == "" {
			c.Path = p
		}
		if c.Extractor == "" {
			c.Extractor = extractor
		}
		return &c
	}
	return &extract.Error{Path: p, Extractor: extractor, Err: err}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (w *walker) skipDir(p, name string) bool {
	if slices.Contains(VCSDirs, name) {
		return true
	}
	if !w.opt.IncludeInstalled && slices.Contains(InstalledDirs, name) {
		return true
	}
	return w.excluded(p)
}

// excluded reports whether the slash path p matches an exclude pattern.
func (w *walker) excluded(p string) bool {
	for _, pat := range w.opt.Exclude {
		if Match(pat, p) {
			return true
		}
	}
	return false
}

// Match reports whether the slash-separated path p matches the exclude
// pattern pat. A pattern without "/" matches any single element of p. A
// pattern with "/" is anchored at the scanned root, matches p or any
// directory above it, and may use "**" for any number of elements.
func Match(pat, p string) bool {
	pat = strings.TrimPrefix(pat, "./")
	if !strings.Contains(strings.TrimSuffix(pat, "/"), "/") {
		pat = strings.TrimSuffix(pat, "/")
		for _, el := range strings.Split(p, "/") {
			if ok, _ := path.Match(pat, el); ok {
				return true
			}
		}
		return false
	}
	pats := strings.Split(strings.Trim(pat, "/"), "/")
	els := strings.Split(p, "/")
	return matchElems(pats, els)
}

// matchElems matches pattern elements against a prefix of path elements:
// a pattern that matches a directory also matches everything below it.
func matchElems(pats, els []string) bool {
	if len(pats) == 0 {
		return true
	}
	if pats[0] == "**" {
		for i := 0; i <= len(els); i++ {
			if matchElems(pats[1:], els[i:]) {
				return true
			}
		}
		return false
	}
	if len(els) == 0 {
		return false
	}
	if ok, _ := path.Match(pats[0], els[0]); !ok {
		return false
	}
	return matchElems(pats[1:], els[1:])
}
