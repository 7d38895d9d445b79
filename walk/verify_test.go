package walk

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk/image"
	"github.com/vouchdev/vouch/walk/image/imagetest"
)

// counting counts the files it extracts, and runs hook on each.
type counting struct {
	deps
	n    *atomic.Int64
	hook func()
}

func (c counting) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	c.n.Add(1)
	if c.hook != nil {
		c.hook()
	}
	return c.deps.Extract(ctx, in)
}

// TestWalkImageDeferredMismatch: the uncompressed layers of docker save
// archives are hashed while their files are extracted; a layer that is
// not what the config says still fails the walk, naming the blob, and
// nothing extracted from it is returned.
func TestWalkImageDeferredMismatch(t *testing.T) {
	im := imagetest.Image{Layers: []imagetest.Layer{
		{Entries: []imagetest.Entry{imagetest.File("base.deps", "base@1\n")}},
		{Entries: []imagetest.Entry{imagetest.File("app.deps", "app@1\n")}},
	}}
	layer1 := im.Layers[1].Tar()
	tampered := bytes.Replace(layer1, []byte("app@1"), []byte("app@2"), 1)
	for _, tt := range []struct {
		name  string
		files imagetest.Files
	}{
		{"docker 24", imagetest.DockerArchive24(im)},
		{"docker 25", imagetest.DockerArchive25(im)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			blob := ""
			for i, f := range tt.files {
				if bytes.Equal(f.Body, layer1) {
					tt.files[i].Body, blob = tampered, f.Name
				}
			}
			var n atomic.Int64
			res, err := Walk(context.Background(), writeImage(t, "image.tar", tt.files.Tar()),
				Options{Extractors: []extract.Extractor{counting{n: &n}}})
			want := "walk: image.tar!/" + blob + ": layer: digest mismatch: "
			var ee *extract.Error
			if res != nil || !errors.Is(err, image.ErrDigestMismatch) || !errors.As(err, &ee) ||
				ee.Path != "image.tar!/"+blob || !strings.HasPrefix(err.Error(), want) ||
				!strings.Contains(err.Error(), imagetest.Digest(tampered)) {
				t.Fatalf("Walk = %v, %v; want no result and an error starting %q", res, err, want)
			}
			// Both files were extracted before the check failed: the
			// hash did not hold the walk up.
			if got := n.Load(); got != 2 {
				t.Errorf("%d files extracted, want 2", got)
			}
		})
	}
}

// TestWalkImageCancelNoLeak: cancelling a walk of an image while its
// layers are hashed leaves no goroutine behind.
func TestWalkImageCancelNoLeak(t *testing.T) {
	big := imagetest.File("big.bin", strings.Repeat("vouch!", 8<<20/6))
	im := imagetest.Image{Layers: []imagetest.Layer{
		{Entries: []imagetest.Entry{big, imagetest.File("a.deps", "a@1\n")}},
		{Entries: []imagetest.Entry{imagetest.File("b.deps", "b@1\n")}},
	}}
	p := writeImage(t, "image.tar", imagetest.DockerArchive24(im).Tar())
	before := runtime.NumGoroutine()
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		var n atomic.Int64
		res, err := Walk(ctx, p, Options{Extractors: []extract.Extractor{counting{n: &n, hook: cancel}}})
		cancel()
		if res != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("Walk = %v, %v; want canceled", res, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
