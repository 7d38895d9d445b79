// Package walk traverses a directory tree, one file, or the file system of
// a container image once, offers each file to the extractors that claim it
// by name, runs them in parallel and merges what they find into one
// dependency graph. A file that fails is recorded with its path and the
// walk goes on.
//
// Images: a target that is a docker save archive or an OCI image layout
// (a tar, or a directory holding oci-layout and index.json; see package
// walk/image) is read as the file system its layers make, with the same
// skip and exclude rules (matched against paths inside the image) and the
// same extractors. Every root ID, location and error path found inside it
// is written "<archive>!/<path>" ("image.tar!/var/lib/dpkg/status"); an
// archive holding several images names each "<archive>!/<12 hex of its
// image ID>". Each image is a root of kind "image" whose ID is that name
// (properties: see walk/image, Image.Root). Problems of the image
// (entries skipped for leaving the image, hard links to nothing) are
// errors at their path; device nodes and named pipes are skipped
// silently, as they are in a directory. A digest mismatch, a truncated
// layer or a limit reached fails the walk: nothing is read from an image
// that is not what it says.
//
// Component properties set for what is found in an image:
//
//   - "layer": the diff ID ("sha256:…") of the layer that added the
//     component. For a file several layers wrote (an OS package database
//     each apt-get rewrites) the extractors also read its earlier
//     versions, and a component is attributed to the earliest layer from
//     which every later version still holds it, so a base image's packages
//     stay with the base layer. A component found in several files takes
//     the earliest of their layers; in several images, the first image's.
//   - "layer_index": that layer's place, "0" for the bottom one.
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
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk/image"
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
	// Image configures how an image target is read: which platform, where
	// layers are decompressed, limits. Its Workers default to Workers.
	Image image.Options
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

// tree is one file tree a walk offers to the extractors: the directory
// scanned, or the file system of one image.
type tree struct {
	fsys fs.FS // what extractors see as extract.Input.Root
	open func(name string) (readFile, error)
	// prefix is put before the paths of this tree in the results:
	// "" for a directory, "image.tar!/" for an image.
	prefix string
	img    *image.FS    // nil for a directory
	image  *image.Image // nil for a directory
	rootID string       // the image's root ID
}

// readFile is a file an extractor reads.
type readFile interface {
	io.Reader
	io.ReaderAt
	io.Closer
}

type job struct {
	index int
	path  string
	info  fs.FileInfo
	ex    []extract.Extractor
	tree  *tree
}

type outcome struct {
	index int
	graph *inventory.Graph
	errs  []*extract.Error
	tree  *tree
	// layers maps the PURL of each component found in an image to the
	// index of the layer that added it.
	layers map[string]int
}

// Walk scans target, a directory, a single file, or a container image (a
// docker save archive or an OCI image layout, as a tar or a directory). It
// returns an error only when target itself cannot be read (for an image:
// when it is not what its digests say, or is past a limit) or ctx ends;
// failures of single files are in Result.Errors.
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
	w := &walker{opt: opt, log: logger}
	res := &Result{Graph: inventory.New()}

	var (
		produce func(jobs chan<- job) error
		verify  func(context.Context) error // an image's pending digest checks
	)
	if st.IsDir() || st.Mode().IsRegular() {
		iopt := opt.Image
		if iopt.Workers == 0 {
			iopt.Workers = opt.Workers
		}
		// Layers are hashed while their files are extracted; Verify is
		// waited for below, before any result is returned.
		iopt.DeferVerify = true
		arch, err := image.Open(ctx, target, iopt)
		switch {
		case err == nil:
			defer arch.Close()
			produce = func(jobs chan<- job) error { return w.walkImages(ctx, arch, jobs, res) }
			verify = arch.Verify
		case !errors.Is(err, image.ErrNotImage):
			return nil, fmt.Errorf("walk: %w", err)
		}
	}
	if produce == nil {
		dir, single := target, ""
		if !st.IsDir() {
			dir, single = filepath.Dir(target), filepath.Base(target)
		}
		// The target itself may be a link (a user's choice); nothing below
		// it is followed.
		if dir, err = filepath.EvalSymlinks(dir); err != nil {
			return nil, fmt.Errorf("walk: %w", err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("walk: %w", err)
		}
		defer root.Close()
		t := &tree{fsys: regularFS{root}, open: func(name string) (readFile, error) {
			f, err := openRegular(root, name, false)
			if err != nil {
				return nil, unwrapPathError(err)
			}
			return f, nil
		}}
		produce = func(jobs chan<- job) error {
			if single != "" {
				return w.offerSingle(ctx, t, root, single, jobs, res)
			}
			return w.walkTree(ctx, t, dir, jobs, res)
		}
	}

	outs, extracted, err := w.run(ctx, produce)
	if verify != nil && ctx.Err() == nil {
		// An image that is not what its digests say is that first,
		// whatever else went wrong, and nothing read from it is
		// returned.
		if verr := verify(ctx); verr != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("walk: %w", verr)
		}
	}
	if err != nil {
		return nil, err
	}
	// Merge in walk order so that the result does not depend on which
	// worker finished first.
	layers := map[*tree]map[string]int{}
	for _, o := range outs {
		if o.graph != nil {
			res.Graph.Merge(o.graph)
			res.Read++
		}
		res.Errors = append(res.Errors, o.errs...)
		for p, l := range o.layers {
			if layers[o.tree] == nil {
				layers[o.tree] = map[string]int{}
			}
			if cur, ok := layers[o.tree][p]; !ok || l < cur {
				layers[o.tree][p] = l
			}
		}
	}
	for _, t := range w.images {
		setLayers(res.Graph, t.image, layers[t])
		res.Graph.AddRoot(t.image.Root(t.rootID))
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

// run extracts the files produce offers, in parallel, and returns the
// outcomes in walk order with how many there were.
func (w *walker) run(ctx context.Context, produce func(chan<- job) error) ([]outcome, int, error) {
	jobs := make(chan job)
	results := make(chan outcome)
	workers := w.opt.Workers
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
	var walkErr error
	go func() {
		defer close(jobs)
		walkErr = produce(jobs)
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
		if w.opt.Progress != nil {
			w.opt.Progress(Progress{Files: w.files(), Claimed: w.claimedCount(), Extracted: extracted})
		}
	}
	if walkErr != nil {
		return nil, 0, walkErr
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	slices.SortFunc(outs, func(a, b outcome) int { return a.index - b.index })
	return outs, extracted, nil
}

type walker struct {
	opt Options
	log *slog.Logger

	// index numbers the jobs in walk order; only the producing goroutine
	// touches it, and images.
	index  int
	images []*tree

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

func (w *walker) walkTree(ctx context.Context, t *tree, dir string, jobs chan<- job, res *Result) error {
	// Directories are listed by path, which is much cheaper than resolving
	// every name through the os.Root; links are never followed (WalkDir
	// does not descend into them and only regular files are taken), and
	// every file is opened through the os.Root, which refuses to leave it.
	return filepath.WalkDir(dir, func(osPath string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		p, rerr := filepath.Rel(dir, osPath)
		if rerr != nil {
			return rerr
		}
		return w.visit(ctx, t, filepath.ToSlash(p), d, err, jobs, res)
	})
}

// walkImages loads each image of an archive in turn and walks its file
// system.
func (w *walker) walkImages(ctx context.Context, arch *image.Archive, jobs chan<- job, res *Result) error {
	for _, im := range arch.Images {
		id := arch.Name
		if len(arch.Images) > 1 {
			id += "!/" + strings.TrimPrefix(im.ID, "sha256:")[:12]
		}
		w.log.Debug("walk: loading image", "id", id, "platform", im.Platform.String(), "layers", len(im.Layers))
		fsys, err := arch.Load(ctx, im)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("walk: %w", err)
		}
		t := &tree{fsys: fsys, prefix: id + "!/", img: fsys, image: im, rootID: id,
			open: func(name string) (readFile, error) {
				f, err := fsys.Open(name)
				if err != nil {
					return nil, unwrapPathError(err)
				}
				if rf, ok := f.(*image.File); ok {
					return rf, nil
				}
				f.Close()
				return nil, errNotRegular
			}}
		w.images = append(w.images, t)
		w.imageProblems(t, fsys.Problems(), res)
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return w.visit(ctx, t, p, d, err, jobs, res)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// maxImageProblems bounds the problems of one image recorded as errors;
// the rest are counted in one more.
const maxImageProblems = 50

// imageProblems records the entries an image's layers held that were not
// applied. Device nodes and named pipes are left out: images made from a
// root file system hold them in /dev, and a directory walk skips them too.
func (w *walker) imageProblems(t *tree, problems []image.Problem, res *Result) {
	n := 0
	for _, p := range problems {
		if errors.Is(p.Err, image.ErrSpecialFile) {
			w.log.Debug("walk: skipped", "path", t.prefix+p.Path, "err", p.Err)
			continue
		}
		n++
		if n > maxImageProblems {
			continue
		}
		where := t.rootID
		if p.Path != "" {
			where = t.prefix + p.Path
		}
		res.Errors = append(res.Errors, &extract.Error{Path: where, Err: fmt.Errorf("layer %d: %w", p.Layer, p.Err)})
	}
	if n > maxImageProblems {
		res.Errors = append(res.Errors, &extract.Error{Path: t.rootID, Err: fmt.Errorf("%d more entries skipped", n-maxImageProblems)})
	}
}

// visit handles one entry of a walk: it skips directories as the options
// say and offers a regular file to the extractors that claim it.
func (w *walker) visit(ctx context.Context, t *tree, p string, d fs.DirEntry, err error, jobs chan<- job, res *Result) error {
	if err != nil {
		if p == "." {
			return err
		}
		// An unreadable directory is recorded, the rest goes on. Only
		// this goroutine touches res until the workers are done.
		w.log.Debug("walk: unreadable", "path", t.prefix+p, "err", err)
		res.Errors = append(res.Errors, &extract.Error{Path: t.prefix + p, Err: unwrapPathError(err)})
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
		res.Manifests = append(res.Manifests, t.prefix+p)
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
	case jobs <- job{index: w.index, path: p, info: info, ex: claimers, tree: t}:
		w.index++
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (w *walker) offerSingle(ctx context.Context, t *tree, root *os.Root, name string, jobs chan<- job, res *Result) error {
	info, err := root.Lstat(name)
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
		head, err := w.head(t, name)
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
	case jobs <- job{path: name, info: info, ex: claimers, tree: t}:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (w *walker) head(t *tree, name string) ([]byte, error) {
	f, err := t.open(name)
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
	o.index, o.tree = j.index, j.tree
	g := inventory.New()
	var read []extract.Extractor
	for _, e := range j.ex {
		if ctx.Err() != nil {
			return o
		}
		f, err := j.tree.open(j.path)
		if err != nil {
			o.errs = append(o.errs, asError(j.tree.prefix, j.path, e.Name(), err))
			continue
		}
		frag, err := w.runOne(ctx, e, j.tree, j.path, j.info, f)
		f.Close()
		if err != nil {
			o.errs = append(o.errs, asError(j.tree.prefix, j.path, e.Name(), err))
		}
		if frag != nil {
			g.Merge(frag)
			read = append(read, e)
		}
	}
	if len(read) == 0 {
		return o
	}
	if j.tree.img != nil {
		o.layers = w.attribute(ctx, j, g, read)
		g = prefixed(g, j.tree.prefix)
	}
	o.graph = g
	return o
}

// runOne offers one file to one extractor.
func (w *walker) runOne(ctx context.Context, e extract.Extractor, t *tree, p string, info fs.FileInfo, f readFile) (g *inventory.Graph, err error) {
	defer func() {
		// An extractor bug must cost one file, not the scan.
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("extractor %s failed: %v", e.Name(), r)
		}
	}()
	w.log.Debug("extract", "path", t.prefix+p, "extractor", e.Name())
	return e.Extract(ctx, &extract.Input{Path: p, Root: t.fsys, Info: info, Reader: f, ReaderAt: f})
}

// attribute finds the layer that added each component of g, read from
// the file at j.path of an image: the layer that wrote the file, or for a
// file several layers wrote, the earliest one from which every version
// holds the component. Earlier versions are read by the extractors that
// read the current one; one they cannot read ends the search.
func (w *walker) attribute(ctx context.Context, j job, g *inventory.Graph, read []extract.Extractor) map[string]int {
	versions := j.tree.img.Versions(j.path)
	layer, _ := j.tree.img.Layer(j.path)
	out := make(map[string]int, g.Len())
	alive := map[string]bool{}
	for _, c := range g.Components() {
		out[c.PURL] = layer
		alive[c.PURL] = true
	}
	for i := 1; i < len(versions) && len(alive) > 0 && ctx.Err() == nil; i++ {
		v := versions[i]
		old := inventory.New()
		for _, e := range read {
			frag, err := w.runOne(ctx, e, j.tree, j.path, v.Info, nopCloser{v.Open()})
			if err != nil || frag == nil {
				w.log.Debug("walk: earlier version unread", "path", j.tree.prefix+j.path, "layer", v.Layer, "err", err)
				return out
			}
			old.Merge(frag)
		}
		for p := range alive {
			if old.Component(p) == nil {
				delete(alive, p)
				continue
			}
			out[p] = v.Layer
		}
	}
	return out
}

// nopCloser is an earlier version of a file: a section of the image with
// nothing to close.
type nopCloser struct{ *io.SectionReader }

func (nopCloser) Close() error { return nil }

// prefixed returns g with the paths of a tree inside an image written
// from the archive: root IDs, edges from roots, and locations.
func prefixed(g *inventory.Graph, prefix string) *inventory.Graph {
	out := inventory.New()
	for _, r := range g.Roots() {
		n := *r
		n.ID = prefix + r.ID
		out.AddRoot(n)
	}
	for _, c := range g.Components() {
		n := *c
		n.Locations = make([]inventory.Location, len(c.Locations))
		for i, l := range c.Locations {
			n.Locations[i] = inventory.Location{Path: prefix + l.Path, Line: l.Line}
		}
		out.Add(n)
	}
	id := func(s string) string {
		if g.Root(s) != nil || inventory.IsRoot(s) {
			return prefix + s
		}
		return s
	}
	for _, e := range g.Edges() {
		out.AddEdge(id(e.From), id(e.To))
	}
	return out
}

// setLayers records on each component found in an image the layer that
// added it, unless an earlier image did.
func setLayers(g *inventory.Graph, im *image.Image, layers map[string]int) {
	purls := make([]string, 0, len(layers))
	for p := range layers {
		purls = append(purls, p)
	}
	slices.Sort(purls)
	for _, p := range purls {
		c := g.Component(p)
		i := layers[p]
		if c == nil || i < 0 || i >= len(im.Layers) {
			continue
		}
		if _, ok := c.Properties["layer"]; ok {
			continue
		}
		if c.Properties == nil {
			c.Properties = map[string]string{}
		}
		c.Properties["layer"] = im.Layers[i].DiffID
		c.Properties["layer_index"] = strconv.Itoa(i)
	}
}

func asError(prefix, p, extractor string, err error) *extract.Error {
	var ee *extract.Error
	if errors.As(err, &ee) {
		c := *ee
		if c.Path == "" {
			c.Path = p
		}
		c.Path = prefix + c.Path
		if c.Extractor == "" {
			c.Extractor = extractor
		}
		return &c
	}
	return &extract.Error{Path: prefix + p, Extractor: extractor, Err: err}
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
