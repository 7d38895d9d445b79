package image

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/walk/image/imagetest"
)

// memSource is an archive held in memory, for the fuzz targets.
type memSource map[string][]byte

func (m memSource) open(name string) (*io.SectionReader, error) {
	b, ok := m[name]
	if !ok {
		return nil, errMissing
	}
	return io.NewSectionReader(bytes.NewReader(b), 0, int64(len(b))), nil
}

func (m memSource) has(name string) bool { _, ok := m[name]; return ok }
func (m memSource) close() error         { return nil }

// fuzzLimits keep one fuzz input cheap.
var fuzzLimits = Limits{MaxEntries: 4096, MaxBytes: 16 << 20, MaxPathLength: 256, MaxLinkDepth: 8, MaxMetadataSize: 1 << 20}

// checkFS reads every entry of fsys and checks what any layer must leave:
// valid paths, files reading exactly their size, links resolved or
// refused without leaving the tree.
func checkFS(t *testing.T, fsys *FS) {
	t.Helper()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !fs.ValidPath(p) {
			t.Fatalf("invalid path %q in the tree", p)
		}
		switch {
		case d.Type() == fs.ModeSymlink:
			if _, err := fsys.ReadLink(p); err != nil {
				t.Fatalf("ReadLink(%q): %v", p, err)
			}
			// Following may fail (a dangling link, a loop), never panic.
			if f, err := fsys.Open(p); err == nil {
				f.Close()
			}
		case d.Type().IsRegular():
			f, err := fsys.Open(p)
			if err != nil {
				t.Fatalf("Open(%q): %v", p, err)
			}
			st, _ := f.Stat()
			n, err := io.Copy(io.Discard, f)
			if err != nil || n != st.Size() {
				t.Fatalf("%s: read %d bytes of %d: %v", p, n, st.Size(), err)
			}
			f.Close()
			if _, ok := fsys.Layer(p); !ok {
				t.Fatalf("%s: no layer", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	for _, p := range fsys.Problems() {
		if p.Err == nil || p.Path != "" && !fs.ValidPath(p.Path) {
			t.Fatalf("problem %+v", p)
		}
	}
}

// layerSeeds are small layers: the fuzzer minimises every input that finds
// something new, which takes long on large ones.
func layerSeeds() [][]byte {
	small := imagetest.Layer{Entries: []imagetest.Entry{
		imagetest.File("a/b", "x"), imagetest.Symlink("l", "a"), imagetest.HardLink("h", "a/b"),
		imagetest.Whiteout("c"), imagetest.Opaque("a"),
	}}
	hostile := imagetest.Layer{Entries: []imagetest.Entry{
		imagetest.File("../x", "x"), imagetest.Symlink("a", "/../b"), imagetest.HardLink("c", "a"),
		imagetest.Symlink("b", "a/x"),
	}}
	tarData := small.Tar()
	return [][]byte{tarData, hostile.Tar(), imagetest.Compress(tarData, "gzip"), imagetest.Compress(tarData, "zstd"), tarData[:700]}
}

// FuzzLayer indexes arbitrary bytes as a layer blob (plain, gzip or zstd)
// and applies it twice over itself, then reads the whole tree.
func FuzzLayer(f *testing.F) {
	for _, s := range layerSeeds() {
		f.Add(s)
	}
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &Archive{Name: "fuzz.tar", src: memSource{"blobs/sha256/x": data}, lim: fuzzLimits.withDefaults(),
			budget: &budget{}, layers: map[string]*layerIndex{}, tempDir: tmp}
		defer a.Close()
		li, err := a.indexLayer(context.Background(), layerRef{blob: "blobs/sha256/x"})
		if err != nil {
			var ee *extract.Error
			if !errors.As(err, &ee) || ee.Path != "fuzz.tar!/blobs/sha256/x" {
				t.Fatalf("err = %#v, want an *extract.Error naming the blob", err)
			}
			return
		}
		if !strings.HasPrefix(li.diffID, "sha256:") || li.digest != li.diffID && li.compression == "" {
			t.Fatalf("digests %s %s", li.digest, li.diffID)
		}
		fsys := &FS{t: newTree(), maxLinks: a.lim.MaxLinkDepth}
		for i := range 2 {
			fsys.problems = append(fsys.problems, fsys.t.apply(li, i, a.lim.MaxLinkDepth)...)
		}
		checkFS(t, fsys)
	})
}

func metadataSeeds() [][]byte {
	sample := imagetest.Sample()
	l := imagetest.NewLayout()
	d := l.Image(sample)
	l.List(l.Index(d, l.Attestation(d.Digest)), "latest")
	var out [][]byte
	for _, f := range append(imagetest.DockerArchive25(sample), l.Files()...) {
		if bytes.HasPrefix(f.Body, []byte("{")) || bytes.HasPrefix(f.Body, []byte("[")) {
			out = append(out, f.Body)
		}
	}
	return append(out, []byte(`{"schemaVersion":2,"manifests":[{"digest":"sha256:x"}]}`), []byte(`[{"Config":"../x","Layers":[1]}]`))
}

// FuzzMetadata reads arbitrary bytes as each JSON document of an image:
// docker save's manifest.json, an index, a manifest and a config, and
// describes the image a config makes.
func FuzzMetadata(f *testing.F) {
	for _, s := range metadataSeeds() {
		f.Add(s)
	}
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &Archive{Name: "fuzz.tar"}
		check := func(err error) {
			if err == nil {
				return
			}
			if e := a.docError("doc.json", data, err); e.Path != "fuzz.tar!/doc.json" || e.Err == nil {
				t.Fatalf("docError: %#v", e)
			}
		}
		if entries, err := parseDockerManifest(data, lim); err == nil {
			for _, e := range entries {
				if cleanArchivePath(e.Config) == "" || len(e.Layers) > lim.MaxLayers {
					t.Fatalf("accepted entry %+v", e)
				}
			}
		} else {
			check(err)
		}
		if idx, err := parseIndex(data); err == nil {
			for _, d := range idx.Manifests {
				if checkDigest(d.Digest) != nil || strings.Contains(blobPath(d.Digest), "..") {
					t.Fatalf("accepted digest %q", d.Digest)
				}
			}
		} else {
			check(err)
		}
		if _, err := parseManifest(data, lim); err != nil {
			check(err)
		}
		cfg, err := parseConfig(data, lim)
		if err != nil {
			check(err)
			return
		}
		refs := make([]layerRef, len(cfg.RootFS.DiffIDs))
		for i, d := range cfg.RootFS.DiffIDs {
			refs[i] = layerRef{blob: blobPath(d), diffID: d}
		}
		im := newImage(cfg, "sha256:"+strings.Repeat("0", 64), refs, nil)
		im.RepoTags = cleanRefs([]string{cfg.Created})
		r := im.Root("fuzz.tar")
		for k, v := range r.Properties {
			if len(k) > maxLabelKey+len("label:") || len(v) > maxValueLength+len("…") {
				t.Fatalf("property %q of %d bytes", k, len(v))
			}
		}
		if len(r.Properties) > maxLabels+2*len(refs)+16 {
			t.Fatalf("%d properties", len(r.Properties))
		}
		for _, l := range im.Layers {
			redactBuildArgs(l.CreatedBy)
		}
		ParsePlatform(cfg.Architecture)
	})
}

// FuzzArchive opens arbitrary bytes as an image archive file and reads
// every image it holds.
func FuzzArchive(f *testing.F) {
	sample := imagetest.Image{RepoTags: []string{"a:1"}, Layers: []imagetest.Layer{
		{Entries: []imagetest.Entry{imagetest.File("etc/os-release", "ID=debian\n"), imagetest.Symlink("lib", "etc")}},
	}}
	l := imagetest.NewLayout()
	l.List(l.Image(sample), "1")
	for _, s := range [][]byte{imagetest.DockerArchive24(sample).Tar(), imagetest.DockerArchive25(sample).Tar(), l.Files().Tar()} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.tar")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := Open(context.Background(), p, Options{TempDir: dir, Limits: fuzzLimits, Workers: 1})
		if err != nil {
			var ee *extract.Error
			if !errors.Is(err, ErrNotImage) && (!errors.As(err, &ee) || !strings.HasPrefix(ee.Path, "fuzz.tar")) {
				t.Fatalf("err = %#v", err)
			}
			return
		}
		defer a.Close()
		for _, im := range a.Images {
			fsys, err := a.Load(context.Background(), im)
			if err != nil {
				var ee *extract.Error
				if !errors.As(err, &ee) || !strings.HasPrefix(ee.Path, "fuzz.tar!/") {
					t.Fatalf("err = %#v", err)
				}
				continue
			}
			checkFS(t, fsys)
			im.Root("fuzz.tar")
		}
	})
}
