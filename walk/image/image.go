// Package image reads container images saved to disk and presents the file
// system each runs with as an fs.FS, so that the walk offers its files to
// the extractors as it does a directory's.
//
// Sources, told apart by content, not by name:
//
//   - a docker save archive: manifest.json naming each image's config and
//     layers, in the Docker 24 shape (<config hex>.json, <id>/layer.tar,
//     repeated layers as links to the first copy) or the Docker 25+ shape
//     (an OCI layout inside: blobs/sha256/<hex>, index.json, oci-layout),
//     uncompressed or compressed with gzip or zstd as a whole;
//   - an OCI image layout as a tar (oci-layout, index.json, blobs/);
//   - an OCI image layout directory.
//
// Images: a docker save archive lists images in manifest.json, which is
// what docker load reads; an OCI layout's index.json lists manifests and
// indexes, which are followed to at most four levels of nesting. Each is
// one image, except that the platforms of one image (the manifests under
// one index entry, or docker save entries with the same tags) are one: a
// single platform is chosen among them unless Options.Platform asks for
// all (see Options.Platform). Attestation manifests are skipped, and so
// are platforms whose blobs the archive does not hold (containerd's docker
// save keeps only the platforms present locally); they are listed in
// Image.OtherPlatforms.
//
// Verification: every blob whose name or descriptor gives a digest is
// hashed while it is read and must match it (and its size, when a
// descriptor gives one); every layer's uncompressed content must match the
// diff ID its config records. A mismatch is an error naming the blob
// (ErrDigestMismatch): nothing is read from an image that is not what it
// says. An uncompressed layer is hashed on its own goroutine while it is
// indexed; with Options.DeferVerify, Load returns before that hash is
// checked and Archive.Verify gives the verdict, which the caller waits for
// before reporting anything read.
//
// Layers are read once each, when an image is loaded, in parallel: one
// pass per blob records every entry's header and where its data starts
// (seeking past the data of an uncompressed one). An uncompressed layer
// inside the archive or layout is then read in place by offset; a
// compressed one (gzip or zstd, told by content) is decompressed once into
// a temporary file as it is read, removed by Archive.Close. Nothing is
// written anywhere else and nothing from the image is executed.
//
// The file system is the layers applied in order, as overlayfs shows them:
// a whiteout ".wh.<name>" removes name from the layers below, an opaque
// marker ".wh..wh..opq" empties its directory of what the layers below put
// there (both whatever their place in the layer's tar), a later file
// replaces an earlier one, a directory of an upper layer hides a file of a
// lower one. Hard links copy their target, an earlier entry of the merged
// tree. Symbolic links are kept as links and followed only inside the
// image (see FS). Entries with absolute names or ".." elements, device
// nodes, named pipes and sparse files are skipped and recorded as
// problems (FS.Problems), as are hard links to nothing.
//
// Limits (Limits) bound the images and the layers per image, the entries
// and the uncompressed bytes of all layers, the compression ratio, path
// lengths, link depth, the size of each JSON document and of all of them
// (256 MiB, so that an index naming one manifest many times costs little).
// Runs of zeros leave holes in the temporary files, so that a layer of
// zeros (a bomb, or a huge sparse file such as /var/log/lastlog) costs
// time within the limits but no disk.
//
// Root properties of an image (Image.Root):
//
//   - "image_id": the config digest, as docker images shows it
//     ("sha256:…").
//   - "manifest_digest": the digest of the image manifest, when the archive
//     holds one (not in Docker 24's docker save).
//   - "repo_tags": the image's references, comma-separated, as the archive
//     writes them ("debian:12", or "docker.io/library/debian:12").
//   - "os", "architecture", "variant": the platform from the config.
//   - "other_platforms": the platforms of the same image that were not
//     read, comma-separated ("linux/arm64/v8,linux/arm/v7").
//   - "created": the config's creation time, as written.
//   - "base_image", "base_image_digest": the labels
//     org.opencontainers.image.base.name and .digest, which BuildKit and
//     other builders set to the image FROM named.
//   - "layers": the number of layers.
//   - "layer:<i>": the diff ID of layer i (0 is the bottom one).
//   - "created_by:<i>": the history line of the instruction that made
//     layer i, when the history accounts for every layer, with the values
//     of build arguments ("|2 TOKEN=… /bin/sh -c …") replaced by "***":
//     Docker records them there, and they are where secrets leak.
//   - "label:<key>": each label of the config, at most 256, values cut at
//     4 KiB. The environment, command and entry point are not read.
//
// The root's Name and Version are the repository and tag of its first
// reference; its PURL is pkg:oci/<name>@<manifest digest> with the
// repository_url, tag and arch qualifiers when a repository is known
// (without a version when no manifest digest is).
package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/vouchdev/vouch/extract"
)

// ErrNotImage is returned by Open for a path that is not an image archive
// or layout, which the caller reads some other way.
var ErrNotImage = errors.New("not a container image")

// ErrDigestMismatch is wrapped by the error for a blob whose content does
// not have the digest its name, descriptor or config gives.
var ErrDigestMismatch = errors.New("digest mismatch")

// Format is the shape an image was saved in.
type Format string

// Formats.
const (
	FormatDockerArchive Format = "docker-archive" // docker save (manifest.json)
	FormatOCIArchive    Format = "oci-archive"    // an OCI image layout in a tar
	FormatOCIDir        Format = "oci-dir"        // an OCI image layout directory
)

// Options configure Open.
type Options struct {
	// Platform chooses among the platforms of one image: "os/arch" or
	// "os/arch/variant" reads that one (an image without it is left out,
	// and Open fails when no image has it); "all" reads every platform.
	// Empty reads the only platform there is, else linux/amd64, else the
	// host's architecture under linux, else the first listed: a fixed
	// first choice, so that the same archive gives the same inventory on
	// any machine.
	Platform string
	// TempDir is where decompressed layers are kept while the archive is
	// open; empty means os.TempDir().
	TempDir string
	// Workers is the number of layers read at once; 0 means GOMAXPROCS.
	Workers int
	// Limits bound what an archive may cost; zero fields take the
	// defaults of DefaultLimits.
	Limits Limits
	// DeferVerify lets Load return before the digests of uncompressed
	// layers (read in place, hashed on other goroutines) are checked, so
	// that their files can be read while the hashes run. The caller must
	// then wait for Archive.Verify and discard everything read when it
	// fails.
	DeferVerify bool
}

// Limits bound the work and space an image archive may take.
type Limits struct {
	// MaxImages is the number of images read from one archive.
	MaxImages int
	// MaxLayers is the number of layers of one image (Docker allows 127).
	MaxLayers int
	// MaxEntries is the number of tar entries of all layers together
	// (each costs some 200 bytes of memory while the image is read; real
	// images have up to a few hundred thousand).
	MaxEntries int64
	// MaxBytes is the uncompressed size of all layers together, which is
	// also what the temporary files may take.
	MaxBytes int64
	// MaxRatio is the largest uncompressed-to-compressed ratio a layer may
	// reach once it has produced 64 MiB. Real layers compress by 2 to 10;
	// gzip cannot pass about 1030 (a layer of zeros, such as the huge
	// /var/log/lastlog useradd leaves for a large UID, comes close and is
	// read), zstd bombs go far beyond. Runs of zeros take no disk in the
	// temporary files, which are sparse, so a gzip bomb costs time within
	// MaxBytes, not space.
	MaxRatio int64
	// MaxPathLength is the length of one path in a layer.
	MaxPathLength int
	// MaxLinkDepth is the number of symbolic links followed to reach one
	// file, as Linux's MAXSYMLINKS.
	MaxLinkDepth int
	// MaxMetadataSize is the size of one manifest, index or config.
	MaxMetadataSize int64
	// MaxZstdWindow is the largest zstd window (decoder memory) accepted.
	MaxZstdWindow int
}

// DefaultLimits returns the limits used for zero fields of Options.Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxImages:       64,
		MaxLayers:       256,
		MaxEntries:      2 << 20,
		MaxBytes:        32 << 30,
		MaxRatio:        1024,
		MaxPathLength:   4096,
		MaxLinkDepth:    40,
		MaxMetadataSize: 8 << 20,
		MaxZstdWindow:   128 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	seti := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	seti(&l.MaxImages, d.MaxImages)
	seti(&l.MaxLayers, d.MaxLayers)
	set(&l.MaxEntries, d.MaxEntries)
	set(&l.MaxBytes, d.MaxBytes)
	set(&l.MaxRatio, d.MaxRatio)
	seti(&l.MaxPathLength, d.MaxPathLength)
	seti(&l.MaxLinkDepth, d.MaxLinkDepth)
	set(&l.MaxMetadataSize, d.MaxMetadataSize)
	seti(&l.MaxZstdWindow, d.MaxZstdWindow)
	return l
}

// Problem is a layer entry that was not applied.
type Problem struct {
	// Layer is the index of the layer holding the entry.
	Layer int
	// Path is the entry's path in the image, when it has a valid one.
	Path string
	Err  error
}

// Layer describes one layer of an image.
type Layer struct {
	// Index is the layer's place, 0 for the bottom one.
	Index int
	// DiffID is the digest of the uncompressed layer, from the config.
	DiffID string
	// Digest is the digest of the blob as stored, when the archive names
	// one (not in Docker 24's docker save).
	Digest string
	// MediaType is the descriptor's media type, when a manifest gives one.
	MediaType string
	// CreatedBy is the history line of the instruction that made the
	// layer, build argument values redacted; empty when unknown.
	CreatedBy string
	// Compression ("", "gzip" or "zstd") and Size (uncompressed bytes)
	// are known once the layer is read: set in FS.Layers.
	Compression string
	Size        int64
}

// Image is one image of an archive, as its manifest and config describe
// it. Archive.Load reads its layers.
type Image struct {
	// ID is the config digest ("sha256:…"), Docker's image ID.
	ID string
	// ManifestDigest is the digest of the image manifest, when the archive
	// holds one.
	ManifestDigest string
	// RepoTags are the image's references as the archive writes them.
	RepoTags []string
	// RefName is an OCI layout's org.opencontainers.image.ref.name when it
	// is a tag alone ("latest") rather than a reference.
	RefName  string
	Platform Platform
	// OtherPlatforms are the platforms of the same image not chosen, or
	// not in the archive.
	OtherPlatforms []Platform
	Created        string
	Labels         map[string]string
	Layers         []Layer

	refs []layerRef
}

// Archive is an open image archive or layout.
type Archive struct {
	// Name is the base name of the archive or directory; errors name the
	// files in it Name + "!/" + path.
	Name   string
	Format Format
	// Images are the images chosen, in the archive's order.
	Images []*Image

	src     source
	lim     Limits
	workers int
	budget  *budget
	tempDir string

	mu     sync.Mutex
	tmpDir string
	tmps   []*os.File
	layers map[string]*layerIndex
	// uses counts, per layer blob, the images still to load that hold
	// it: a layer's entries are dropped after its last one is built.
	uses   map[string]int
	closed bool

	// Hashers of layers read in place: closing (made with the first)
	// ends when the archive is closed, which stops them; Close waits for
	// them.
	deferVerify bool
	closing     context.Context
	stopHashing context.CancelFunc
	hashers     sync.WaitGroup
	hashSem     chan struct{}
	pending     []*verification // checks Verify waits for

	metaRead int64 // bytes of manifests, indexes and configs read
	found    int   // images found before the platform choice
}

// maxMetadataTotal bounds the bytes of all manifests, indexes and configs
// read from one archive.
const maxMetadataTotal = 256 << 20

// Open reads the archive or layout at path: the list of its files, its
// manifests and configs (verified), and chooses the images to read. It
// returns ErrNotImage when path is not an image. Layers are read by Load.
// The Archive must be closed.
func Open(ctx context.Context, path string, opt Options) (*Archive, error) {
	var want *Platform
	all := opt.Platform == "all"
	if opt.Platform != "" && !all {
		p, err := ParsePlatform(opt.Platform)
		if err != nil {
			return nil, err
		}
		want = &p
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	a := &Archive{
		Name: filepath.Base(abs), lim: opt.Limits.withDefaults(), workers: opt.Workers,
		budget: &budget{}, tempDir: opt.TempDir, layers: map[string]*layerIndex{},
		deferVerify: opt.DeferVerify,
	}
	if a.workers <= 0 {
		a.workers = runtime.GOMAXPROCS(0)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		root, err := os.OpenRoot(path)
		if err != nil {
			return nil, err
		}
		ds := &dirSource{root: root, files: map[string]*os.File{}}
		if !ds.has("oci-layout") || !ds.has("index.json") {
			ds.close()
			return nil, ErrNotImage
		}
		a.src, a.Format = ds, FormatOCIDir
	case st.Mode().IsRegular():
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		ts, err := a.openTar(ctx, f, st.Size())
		if err != nil {
			f.Close()
			a.removeTemp()
			return nil, err
		}
		a.src = ts
		switch {
		case ts.has("manifest.json"):
			a.Format = FormatDockerArchive
		case ts.has("oci-layout") && ts.has("index.json"):
			a.Format = FormatOCIArchive
		default:
			a.Close()
			return nil, ErrNotImage
		}
	default:
		return nil, ErrNotImage
	}
	if err := a.readImages(ctx, want, all); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Close releases the archive and removes its temporary files.
func (a *Archive) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	stop := a.stopHashing
	a.mu.Unlock()
	// The hashers read the source: stopped before it is closed.
	if stop != nil {
		stop()
	}
	a.hashers.Wait()
	var err error
	if a.src != nil {
		err = a.src.close()
	}
	a.removeTemp()
	return err
}

func (a *Archive) removeTemp() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, f := range a.tmps {
		f.Close()
	}
	a.tmps = nil
	if a.tmpDir != "" {
		os.RemoveAll(a.tmpDir)
		a.tmpDir = ""
	}
}

// tempFile creates a file in the archive's temporary directory, which is
// made on first use.
func (a *Archive) tempFile() (*os.File, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errors.New("archive closed")
	}
	if a.tmpDir == "" {
		dir, err := os.MkdirTemp(a.tempDir, "vouch-image-")
		if err != nil {
			return nil, err
		}
		a.tmpDir = dir
	}
	f, err := os.CreateTemp(a.tmpDir, "layer-")
	if err != nil {
		return nil, err
	}
	a.tmps = append(a.tmps, f)
	return f, nil
}

// path is how errors name a file of the archive.
func (a *Archive) path(name string) string {
	if name == "" {
		return a.Name
	}
	return a.Name + "!/" + name
}

// errorf returns an *extract.Error naming the file name of the archive
// ("" for the archive itself).
func (a *Archive) errorf(name, format string, args ...any) *extract.Error {
	return &extract.Error{Path: a.path(name), Err: fmt.Errorf(format, args...)}
}

// readBlob reads a manifest, index or config whole, within the size limit,
// and checks its digest against want when want is not empty. It returns
// the content's digest (sha256 unless want is another algorithm).
func (a *Archive) readBlob(name, want string) ([]byte, string, error) {
	r, err := a.src.open(name)
	if err != nil {
		return nil, "", a.errorf(name, "%w", err)
	}
	if r.Size() > a.lim.MaxMetadataSize {
		return nil, "", a.errorf(name, "%w: %d bytes, limit %d", extract.ErrTooLarge, r.Size(), a.lim.MaxMetadataSize)
	}
	// Indexes may name one document many times: what is read in all is
	// bounded, whatever the archive's size.
	if a.metaRead += r.Size(); a.metaRead > maxMetadataTotal {
		return nil, "", a.errorf(name, "%w: manifests, indexes and configs past %d bytes in all", extract.ErrTooLarge, maxMetadataTotal)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", a.errorf(name, "read: %w", err)
	}
	h, alg, err := digester(want)
	if err != nil {
		return nil, "", a.errorf(name, "%w", err)
	}
	h.Write(data)
	got := sum(alg, h)
	if want != "" && got != want {
		return nil, "", a.errorf(name, "%w: content is %s, expected %s", ErrDigestMismatch, got, want)
	}
	return data, got, nil
}

// Load reads the image's layers (those not read for an earlier image of
// the archive), in parallel, and applies them in order.
func (a *Archive) Load(ctx context.Context, im *Image) (*FS, error) {
	var todo []layerRef
	seen := map[string]bool{}
	a.mu.Lock()
	for _, r := range im.refs {
		if li, ok := a.layers[r.blob]; ok && li.released {
			delete(a.layers, r.blob) // loaded again: read it again
		}
		if _, ok := a.layers[r.blob]; !ok && !seen[r.blob] {
			seen[r.blob] = true
			todo = append(todo, r)
		}
	}
	a.mu.Unlock()
	errs := make([]error, len(todo))
	sem := make(chan struct{}, a.workers)
	var wg sync.WaitGroup
	for i, r := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			li, err := a.indexLayer(ctx, r)
			if err != nil {
				errs[i] = err
				return
			}
			a.mu.Lock()
			a.layers[r.blob] = li
			a.mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := newTree()
	fsys := &FS{t: t, maxLinks: a.lim.MaxLinkDepth, layers: slices.Clone(im.Layers)}
	for i, r := range im.refs {
		a.mu.Lock()
		li := a.layers[r.blob]
		a.mu.Unlock()
		if li.diffID != r.diffID {
			return nil, a.errorf(r.blob, "layer: %w: uncompressed content is %s, the config says %s", ErrDigestMismatch, li.diffID, r.diffID)
		}
		fsys.layers[i].Compression, fsys.layers[i].Size = li.compression, li.size
		for _, p := range li.problems {
			p.Layer = i
			fsys.problems = append(fsys.problems, p)
		}
		if li.dropped > 0 {
			fsys.problems = append(fsys.problems, Problem{Layer: i, Err: fmt.Errorf("%d more entries skipped", li.dropped)})
		}
		for _, p := range t.apply(li, i, a.lim.MaxLinkDepth) {
			p.Layer = i
			fsys.problems = append(fsys.problems, p)
		}
	}
	a.mu.Lock()
	for _, b := range im.blobs() {
		if a.uses[b]--; a.uses[b] <= 0 {
			a.layers[b].entries, a.layers[b].released = nil, true
		}
	}
	a.mu.Unlock()
	return fsys, nil
}
