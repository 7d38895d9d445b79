package image

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/walk/image/imagetest"
)

// TestDeferVerifySameResult: with DeferVerify, every format loads the
// same file system and layers as without, and Verify passes.
func TestDeferVerifySameResult(t *testing.T) {
	for name, p := range sampleArchives(t) {
		t.Run(name, func(t *testing.T) {
			_, want := openOne(t, p, Options{})
			a, got := openOne(t, p, Options{DeferVerify: true})
			if err := a.Verify(context.Background()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(listing(t, want), listing(t, got)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.Layers(), got.Layers()); diff != "" {
				t.Errorf("layers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeferVerifyMismatch: a tampered uncompressed layer loads, since its
// hash runs beside the reading, and Verify then fails naming the blob.
func TestDeferVerifyMismatch(t *testing.T) {
	sample := imagetest.Sample()
	layer1 := imagetest.Digest(sample.Layers[1].Tar())
	tampered := imagetest.Layer{Entries: []imagetest.Entry{imagetest.File("app/package-lock.json", "{}")}}

	d24 := imagetest.DockerArchive24(sample)
	blob := ""
	for i, f := range d24 {
		if bytes.Equal(f.Body, sample.Layers[1].Tar()) {
			d24[i].Body, blob = tampered.Tar(), f.Name
		}
	}
	l := imagetest.NewLayout()
	l.List(l.Image(sample), "")
	l.Replace(layer1, tampered.Tar())

	hex1 := strings.TrimPrefix(layer1, "sha256:")
	tests := []struct {
		name, path, blob, want string
	}{
		{"docker 24", writeArchive(t, "image.tar", d24.Tar()), "image.tar!/" + blob,
			"image.tar!/" + blob + ": layer: digest mismatch: uncompressed content is " + imagetest.Digest(tampered.Tar()) + ", the config says " + layer1},
		{"oci", writeArchive(t, "image.tar", l.Files().Tar()), "image.tar!/blobs/sha256/" + hex1,
			"image.tar!/blobs/sha256/" + hex1 + ": layer: digest mismatch: content is " + imagetest.Digest(tampered.Tar()) + ", expected " + layer1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, fsys := openOne(t, tt.path, Options{DeferVerify: true})
			if diff := cmp.Diff([]string{"app 1 dir", `app/package-lock.json 1 "{}"`}, grepListing(listing(t, fsys), "app")); diff != "" {
				t.Errorf("tampered layer read (-want +got):\n%s", diff)
			}
			err := a.Verify(context.Background())
			var ee *extract.Error
			if !errors.Is(err, ErrDigestMismatch) || !errors.As(err, &ee) || ee.Path != tt.blob || err.Error() != tt.want {
				t.Fatalf("Verify = %v, want %s", err, tt.want)
			}
			if err2 := a.Verify(context.Background()); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second Verify = %v, want the same error", err2)
			}
		})
	}
}

func grepListing(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// blockHashes makes hashers wait for their context to end, and returns
// how many have started.
func blockHashes(t *testing.T) <-chan struct{} {
	started := make(chan struct{}, 100)
	hashChunk = func(ctx context.Context) {
		started <- struct{}{}
		<-ctx.Done()
	}
	t.Cleanup(func() { hashChunk = func(context.Context) {} })
	return started
}

// waitGoroutines waits for the goroutine count to fall back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCloseStopsHashers: Close stops and waits for hashes still running,
// and Verify does not pass for what they did not check.
func TestCloseStopsHashers(t *testing.T) {
	started := blockHashes(t)
	before := runtime.NumGoroutine()
	a, err := Open(context.Background(), sampleArchives(t)["docker 24"], Options{DeferVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Load(context.Background(), a.Images[0]); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited for the hashers: none may be left. (Load's own
	// workers may still be returning from their deferred calls, so the
	// count is given a moment to settle.)
	waitGoroutines(t, before)
	err = a.Verify(context.Background())
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "/layer.tar: layer: context canceled") {
		t.Errorf("Verify after Close = %v, want the stopped check", err)
	}
}

// TestCancelStopsHashers: cancelling the context Load ran with stops the
// hashers without Close, and Verify reports the cancellation.
func TestCancelStopsHashers(t *testing.T) {
	started := blockHashes(t)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, sampleArchives(t)["oci "], Options{DeferVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Load(ctx, a.Images[0]); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if err := a.Verify(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify = %v, want canceled", err)
	}
	waitGoroutines(t, before)
}

// TestLoadWaitsWithoutDefer: without DeferVerify, Load does not return
// before the hashes of the layers it read are checked.
func TestLoadWaitsWithoutDefer(t *testing.T) {
	started := blockHashes(t)
	a, err := Open(context.Background(), sampleArchives(t)["docker 24"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := a.Load(ctx, a.Images[0])
		done <- err
	}()
	<-started
	select {
	case err := <-done:
		t.Fatalf("Load returned %v while a hash ran", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Load = %v, want canceled", err)
	}
}

// FuzzLayerInPlace indexes arbitrary bytes as an uncompressed layer both
// ways: streamed (no digest known) and in place with its digest hashed
// beside; both must find the same entries, problems and errors.
func FuzzLayerInPlace(f *testing.F) {
	for _, s := range layerSeeds() {
		f.Add(s)
	}
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if isGzip(data) || isZstd(data) {
			return
		}
		index := func(ref layerRef, deferVerify bool) (*layerIndex, error) {
			a := &Archive{Name: "fuzz.tar", src: memSource{"blobs/sha256/x": data}, lim: fuzzLimits.withDefaults(),
				budget: &budget{}, layers: map[string]*layerIndex{}, tempDir: tmp, deferVerify: deferVerify}
			defer a.Close()
			li, err := a.indexLayer(context.Background(), ref)
			if err == nil {
				err = a.Verify(context.Background())
			}
			return li, err
		}
		streamed, serr := index(layerRef{blob: "blobs/sha256/x"}, false)
		digest := imagetest.Digest(data)
		for _, deferVerify := range []bool{false, true} {
			inPlace, err := index(layerRef{blob: "blobs/sha256/x", digest: digest, diffID: digest}, deferVerify)
			if (serr == nil) != (err == nil) || serr != nil && serr.Error() != err.Error() {
				t.Fatalf("errors differ: streamed %v, in place %v", serr, err)
			}
			if serr != nil {
				continue
			}
			opt := cmp.Options{cmp.AllowUnexported(layerIndex{}, layerEntry{}), cmp.Comparer(func(a, b error) bool { return a.Error() == b.Error() }),
				cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".data" }, cmp.Ignore())}
			if diff := cmp.Diff(streamed, inPlace, opt); diff != "" {
				t.Fatalf("index (-streamed +in place):\n%s", diff)
			}
		}
	})
}
