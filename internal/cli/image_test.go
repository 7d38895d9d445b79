package cli

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/walk/image/imagetest"
)

// statusOf is a dpkg status file holding one package.
func statusOf(pkg, version, arch string) string {
	return "Package: " + pkg + "\nStatus: install ok installed\nArchitecture: " + arch +
		"\nSource: xz-utils\nVersion: " + version + "\n\n"
}

// TestImageScan scans a two-platform OCI image archive as `vouch scan`
// and `vouch why` take it: the default platform is linux/amd64,
// --platform picks another, each component names the layer that added it,
// and the embedded compromise of liblzma 5.6.1 is found inside the image.
func TestImageScan(t *testing.T) {
	l := imagetest.NewLayout()
	var ds []imagetest.Descriptor
	for _, p := range []struct{ arch, version string }{{"amd64", "5.6.1-1"}, {"arm64", "5.4.1-0.2"}} {
		im := imagetest.Image{Architecture: p.arch, RepoTags: []string{"acme/api:1.0"}, Layers: []imagetest.Layer{
			{Compression: "gzip", Entries: []imagetest.Entry{
				imagetest.File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
				imagetest.File("var/lib/dpkg/status", statusOf("liblzma5", p.version, p.arch)),
			}},
			{Entries: []imagetest.Entry{imagetest.File("app/requirements.txt", "flask==3.0.0\n")}},
		}}
		ds = append(ds, l.Image(im))
	}
	l.List(l.Index(ds...), "")
	path := filepath.Join(t.TempDir(), "api.tar")
	if err := os.WriteFile(path, l.Files().Tar(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VOUCH_DB", filepath.Join(t.TempDir(), "none.db"))

	out, errOut, code := run(t, "scan", "--fail-on", "critical", path)
	if code != ExitFindings {
		t.Fatalf("vouch scan image: exit %d, want %d: %s\n%s", code, ExitFindings, errOut, out)
	}
	for _, want := range []string{"liblzma5", "5.6.1-1", "api.tar!/var/lib/dpkg/status"} {
		if !strings.Contains(out, want) {
			t.Errorf("vouch scan image: missing %q in:\n%s", want, out)
		}
	}

	inv := inventoryOf(t, path)
	layers := map[string]string{}
	for _, c := range inv.Components {
		layers[c.Name+" "+c.Version] = c.Properties["layer_index"]
	}
	if want := map[string]string{"liblzma5 5.6.1-1": "0", "flask 3.0.0": "1"}; !maps.Equal(layers, want) {
		t.Errorf("components by layer = %v, want %v", layers, want)
	}

	// The image is a container in CycloneDX, and the SBOM reads back to
	// the same components, layer properties included.
	bom := filepath.Join(t.TempDir(), "bom.cdx.json")
	if _, errOut, code := run(t, "sbom", path, "--output", bom); code != 0 {
		t.Fatalf("vouch sbom image: exit %d: %s", code, errOut)
	}
	doc, err := os.ReadFile(bom)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"type": "container"`) {
		t.Errorf("the image root is not a CycloneDX container:\n%s", doc)
	}
	if diff := cmp.Diff(inv.Components, inventoryOf(t, bom).Components); diff != "" {
		t.Errorf("image components after an SBOM round trip (-want +got):\n%s", diff)
	}

	out, errOut, code = run(t, "inventory", "--format", "json", "--platform", "linux/arm64", path)
	if code != 0 || !strings.Contains(out, `"5.4.1-0.2"`) || strings.Contains(out, `"5.6.1-1"`) {
		t.Errorf("--platform linux/arm64: exit %d, stderr %s, want the arm64 image's liblzma5 only:\n%s", code, errOut, out)
	}
	_, errOut, code = run(t, "inventory", "--platform", "linux/s390x", path)
	if code != ExitUsage || !strings.Contains(errOut, "no image for platform linux/s390x") {
		t.Errorf("--platform linux/s390x: exit %d, stderr %q; want exit 2 naming the platform", code, errOut)
	}
}
