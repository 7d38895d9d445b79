// Package imagetest writes container images the way Docker and OCI tools
// save them, for the tests of walk/image and walk: docker save archives in
// the Docker 24 shape (<id>/layer.tar, repeated layers as links) and the
// Docker 25+ shape (an OCI layout inside, as moby's
// daemon/internal/image/tarexport writes it), OCI layout tars and
// directories, with multi-platform indexes. No Docker engine is needed.
package imagetest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Entry is one entry of a layer.
type Entry struct {
	Name string
	// Type is a tar type flag; zero is a regular file.
	Type byte
	Body string
	// Link is a symbolic link's target or a hard link's target path.
	Link string
	// Mode defaults to 0644 for files and 0755 for directories.
	Mode int64
}

// File returns a regular file entry.
func File(name, body string) Entry { return Entry{Name: name, Body: body} }

// Dir returns a directory entry; name ends with "/" as Docker writes it.
func Dir(name string) Entry {
	return Entry{Name: strings.TrimSuffix(name, "/") + "/", Type: tar.TypeDir}
}

// Symlink returns a symbolic link entry.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Link: target, Mode: 0o777}
}

// HardLink returns a hard link entry to an earlier path.
func HardLink(name, target string) Entry { return Entry{Name: name, Type: tar.TypeLink, Link: target} }

// Whiteout returns the entry that deletes name from the layers below.
func Whiteout(name string) Entry {
	return Entry{Name: path.Join(path.Dir(name), ".wh."+path.Base(name))}
}

// Opaque returns the entry that hides what the layers below hold in dir.
func Opaque(dir string) Entry { return Entry{Name: path.Join(dir, ".wh..wh..opq")} }

// Layer is one layer of an image.
type Layer struct {
	Entries []Entry
	// Compression of the blob in an OCI layout: "", "gzip" or "zstd".
	// docker save writes layers uncompressed whatever it says.
	Compression string
	// CreatedBy is the history line of the instruction that made it.
	CreatedBy string
}

// Tar returns the layer as an uncompressed tar, as Docker writes it.
func (l Layer) Tar() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range l.Entries {
		hdr := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Link, Mode: e.Mode,
			ModTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if hdr.Typeflag == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			panic(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.Body))
		}
	}
	tw.Close()
	return buf.Bytes()
}

// Blob returns the layer as stored in an OCI layout: compressed as
// Compression says.
func (l Layer) Blob() []byte { return Compress(l.Tar(), l.Compression) }

// Compress compresses data with "gzip" or "zstd", or returns it as is.
func Compress(data []byte, compression string) []byte {
	var buf bytes.Buffer
	switch compression {
	case "":
		return data
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			panic(err)
		}
		zw.Write(data)
		zw.Close()
	default:
		panic("imagetest: compression " + compression)
	}
	return buf.Bytes()
}

// MediaType returns the OCI media type of a layer blob.
func (l Layer) MediaType() string {
	if l.Compression == "" {
		return "application/vnd.oci.image.layer.v1.tar"
	}
	return "application/vnd.oci.image.layer.v1.tar+" + l.Compression
}

// Image is an image to write.
type Image struct {
	Layers []Layer
	// OS, Architecture and Variant are the platform; linux/amd64 when
	// empty.
	OS, Architecture, Variant string
	Labels                    map[string]string
	// Env goes into the config, where secrets are often found: readers
	// must not record it.
	Env []string
	// RepoTags are familiar references ("debian:12"), as docker save
	// writes them in manifest.json.
	RepoTags []string
	// Created is the config's creation time; a fixed date when empty.
	Created string
	// EmptyLayerInstructions are history lines of instructions that made
	// no layer (ENV, CMD), put before the layers' own.
	EmptyLayerInstructions []string
}

// Digest returns the sha256 digest of data ("sha256:<hex>").
func Digest(data []byte) string {
	s := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(s[:])
}

func hexOf(digest string) string { return strings.TrimPrefix(digest, "sha256:") }

// Config returns the image config JSON.
func (im Image) Config() []byte {
	os, arch := im.OS, im.Architecture
	if os == "" {
		os = "linux"
	}
	if arch == "" {
		arch = "amd64"
	}
	created := im.Created
	if created == "" {
		created = "2024-05-01T12:00:00Z"
	}
	type hist struct {
		Created    string `json:"created"`
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer,omitempty"`
	}
	var history []hist
	for _, h := range im.EmptyLayerInstructions {
		history = append(history, hist{Created: created, CreatedBy: h, EmptyLayer: true})
	}
	var diffIDs []string
	for _, l := range im.Layers {
		diffIDs = append(diffIDs, Digest(l.Tar()))
		history = append(history, hist{Created: created, CreatedBy: l.CreatedBy})
	}
	cfg := map[string]any{
		"architecture": arch,
		"os":           os,
		"created":      created,
		"config":       map[string]any{"Env": im.Env, "Cmd": []string{"bash"}, "Labels": im.Labels},
		"history":      history,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	if im.Variant != "" {
		cfg["variant"] = im.Variant
	}
	return mustJSON(cfg)
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// TarFile is one entry of an archive being written.
type TarFile struct {
	Name string
	Type byte // zero is a regular file
	Body []byte
	Link string
}

// Files are the entries of an archive in order; a test may change them
// (truncate a layer, replace a blob) before writing it with Tar.
type Files []TarFile

// Tar writes the archive.
func (fs Files) Tar() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range fs {
		hdr := &tar.Header{Name: f.Name, Typeflag: f.Type, Linkname: f.Link, Mode: 0o644,
			ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch f.Type {
		case 0:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(f.Body))
		case tar.TypeDir:
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			panic(err)
		}
		tw.Write(f.Body)
	}
	tw.Close()
	return buf.Bytes()
}

// Index returns the position of the entry named name, or -1.
func (fs Files) Index(name string) int {
	return slices.IndexFunc(fs, func(f TarFile) bool { return f.Name == name })
}

// sorted orders entries as docker save does: it writes a directory tree
// and tars it with filepath.WalkDir, in lexical order, directories before
// what they hold.
func sorted(files map[string]TarFile) Files {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return strings.Compare(strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/"))
	})
	out := make(Files, 0, len(names))
	for _, n := range names {
		out = append(out, files[n])
	}
	return out
}

type manifestItem struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// jsonLine encodes v as json.Encoder does: compact, with a newline.
func jsonLine(v any) []byte { return append(mustJSON(v), '\n') }

// chainIDs returns the chain IDs of an image's layers, from which Docker
// 24 derives the v1 layer IDs that name its layer directories.
func chainIDs(im Image) []string {
	var out []string
	chain := ""
	for _, l := range im.Layers {
		d := Digest(l.Tar())
		if chain == "" {
			chain = d
		} else {
			chain = Digest([]byte(chain + " " + d))
		}
		out = append(out, chain)
	}
	return out
}

// DockerArchive24 writes images as docker save does up to Docker 24: the
// config as <hex>.json, each layer in a directory named by its v1 ID with
// VERSION, json and layer.tar (a link to the first copy of a repeated
// layer), manifest.json and repositories.
func DockerArchive24(images ...Image) Files {
	files := map[string]TarFile{}
	var manifest []manifestItem
	repos := map[string]map[string]string{}
	written := map[string]string{} // diff ID → layer.tar path
	for _, im := range images {
		cfg := im.Config()
		cfgName := hexOf(Digest(cfg)) + ".json"
		files[cfgName] = TarFile{Name: cfgName, Body: cfg}
		var layers []string
		parent := ""
		for i, l := range im.Layers {
			id := hexOf(Digest([]byte(chainIDs(im)[i] + parent)))
			files[id+"/"] = TarFile{Name: id + "/", Type: tar.TypeDir}
			files[id+"/VERSION"] = TarFile{Name: id + "/VERSION", Body: []byte("1.0")}
			v1 := map[string]any{"id": id, "created": "1970-01-01T00:00:00Z", "os": "linux"}
			if parent != "" {
				v1["parent"] = parent
			}
			files[id+"/json"] = TarFile{Name: id + "/json", Body: mustJSON(v1)}
			name := id + "/layer.tar"
			diff := Digest(l.Tar())
			if first, ok := written[diff]; ok && first != name {
				files[name] = TarFile{Name: name, Type: tar.TypeSymlink, Link: "../" + first}
			} else {
				files[name] = TarFile{Name: name, Body: l.Tar()}
				written[diff] = name
			}
			layers = append(layers, name)
			parent = id
		}
		for _, t := range im.RepoTags {
			repo, tag, _ := strings.Cut(t, ":")
			if repos[repo] == nil {
				repos[repo] = map[string]string{}
			}
			repos[repo][tag] = parent
		}
		manifest = append(manifest, manifestItem{Config: cfgName, RepoTags: im.RepoTags, Layers: layers})
	}
	files["manifest.json"] = TarFile{Name: "manifest.json", Body: jsonLine(manifest)}
	if len(repos) > 0 {
		files["repositories"] = TarFile{Name: "repositories", Body: jsonLine(repos)}
	}
	return sorted(files)
}

// Descriptor points at a blob of an OCI layout.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

// Platform is a descriptor's platform.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []Descriptor `json:"manifests"`
}

// Media types written.
const (
	MediaIndex    = "application/vnd.oci.image.index.v1+json"
	MediaManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaConfig   = "application/vnd.oci.image.config.v1+json"
)

// FullName returns the normalised reference Docker derives from a
// familiar one: "debian:12" is "docker.io/library/debian:12".
func FullName(ref string) string {
	first, _, ok := strings.Cut(ref, "/")
	switch {
	case !ok:
		return "docker.io/library/" + ref
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		return "docker.io/" + ref
	}
	return ref
}

// DockerArchive25 writes images as docker save does from Docker 25 with
// the classic image store: an OCI layout (uncompressed layers named by
// their diff IDs, the v1 layer configs as blobs too, an OCI manifest per
// image) beside manifest.json and repositories.
func DockerArchive25(images ...Image) Files {
	files := map[string]TarFile{
		"blobs/":        {Name: "blobs/", Type: tar.TypeDir},
		"blobs/sha256/": {Name: "blobs/sha256/", Type: tar.TypeDir},
	}
	blob := func(data []byte) string {
		d := Digest(data)
		name := "blobs/sha256/" + hexOf(d)
		files[name] = TarFile{Name: name, Body: data}
		return d
	}
	var items []manifestItem
	var descs []Descriptor
	repos := map[string]map[string]string{}
	for _, im := range images {
		var layers []string
		var layerDescs []Descriptor
		parent := ""
		for i, l := range im.Layers {
			v1 := map[string]any{"id": hexOf(Digest([]byte(chainIDs(im)[i] + parent))), "created": "1970-01-01T00:00:00Z", "os": "linux"}
			blob(mustJSON(v1))
			d := blob(l.Tar())
			layers = append(layers, "blobs/sha256/"+hexOf(d))
			layerDescs = append(layerDescs, Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: d, Size: int64(len(l.Tar()))})
			parent = hexOf(d)
		}
		cfg := im.Config()
		cfgDigest := blob(cfg)
		m := mustJSON(manifest{SchemaVersion: 2, MediaType: MediaManifest,
			Config: Descriptor{MediaType: MediaConfig, Digest: cfgDigest, Size: int64(len(cfg))}, Layers: layerDescs})
		md := blob(m)
		desc := Descriptor{MediaType: MediaManifest, Digest: md, Size: int64(len(m))}
		for _, t := range im.RepoTags {
			repo, tag, _ := strings.Cut(t, ":")
			if repos[repo] == nil {
				repos[repo] = map[string]string{}
			}
			repos[repo][tag] = parent
			tagged := desc
			tagged.Annotations = map[string]string{
				"io.containerd.image.name":          FullName(t),
				"org.opencontainers.image.ref.name": tag,
			}
			descs = append(descs, tagged)
		}
		if len(im.RepoTags) == 0 {
			descs = append(descs, desc)
		}
		items = append(items, manifestItem{Config: "blobs/sha256/" + hexOf(cfgDigest), RepoTags: im.RepoTags, Layers: layers})
	}
	files["index.json"] = TarFile{Name: "index.json", Body: mustJSON(index{SchemaVersion: 2, MediaType: MediaIndex, Manifests: descs})}
	files["manifest.json"] = TarFile{Name: "manifest.json", Body: jsonLine(items)}
	files["oci-layout"] = TarFile{Name: "oci-layout", Body: []byte(`{"imageLayoutVersion": "1.0.0"}`)}
	if len(repos) > 0 {
		files["repositories"] = TarFile{Name: "repositories", Body: jsonLine(repos)}
	}
	return sorted(files)
}

// Layout is an OCI image layout being written.
type Layout struct {
	blobs map[string][]byte
	index []Descriptor
}

// NewLayout returns an empty layout.
func NewLayout() *Layout { return &Layout{blobs: map[string][]byte{}} }

// Blob stores data and returns its digest.
func (l *Layout) Blob(data []byte) string {
	d := Digest(data)
	l.blobs[d] = data
	return d
}

// Replace changes the content of the blob with digest d, keeping its
// name: a tampered or corrupted layout.
func (l *Layout) Replace(d string, data []byte) { l.blobs[d] = data }

// Remove deletes the blob with digest d: a platform not saved.
func (l *Layout) Remove(d string) { delete(l.blobs, d) }

// Image stores an image's layers, config and manifest and returns the
// manifest's descriptor, with the image's platform.
func (l *Layout) Image(im Image) Descriptor {
	var layers []Descriptor
	for _, ly := range im.Layers {
		b := ly.Blob()
		layers = append(layers, Descriptor{MediaType: ly.MediaType(), Digest: l.Blob(b), Size: int64(len(b))})
	}
	cfg := im.Config()
	m := mustJSON(manifest{SchemaVersion: 2, MediaType: MediaManifest,
		Config: Descriptor{MediaType: MediaConfig, Digest: l.Blob(cfg), Size: int64(len(cfg))}, Layers: layers})
	p := &Platform{OS: im.OS, Architecture: im.Architecture, Variant: im.Variant}
	if p.OS == "" {
		p.OS = "linux"
	}
	if p.Architecture == "" {
		p.Architecture = "amd64"
	}
	return Descriptor{MediaType: MediaManifest, Digest: l.Blob(m), Size: int64(len(m)), Platform: p}
}

// Index stores an image index of the given manifests and returns its
// descriptor.
func (l *Layout) Index(manifests ...Descriptor) Descriptor {
	data := mustJSON(index{SchemaVersion: 2, MediaType: MediaIndex, Manifests: manifests})
	return Descriptor{MediaType: MediaIndex, Digest: l.Blob(data), Size: int64(len(data))}
}

// Attestation stores a BuildKit attestation manifest for the manifest
// with digest of, as buildx puts it in a multi-platform index.
func (l *Layout) Attestation(of string) Descriptor {
	cfg := []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`)
	m := mustJSON(manifest{SchemaVersion: 2, MediaType: MediaManifest,
		Config: Descriptor{MediaType: MediaConfig, Digest: l.Blob(cfg), Size: int64(len(cfg))}, Layers: []Descriptor{}})
	return Descriptor{MediaType: MediaManifest, Digest: l.Blob(m), Size: int64(len(m)),
		Platform:    &Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": of}}
}

// List adds d to index.json, named ref (a tag or a whole reference, as
// org.opencontainers.image.ref.name) when ref is not empty.
func (l *Layout) List(d Descriptor, ref string) {
	if ref != "" {
		d.Annotations = map[string]string{"org.opencontainers.image.ref.name": ref}
	}
	l.index = append(l.index, d)
}

// Files returns the layout as archive entries: oci-layout, index.json,
// then blobs/sha256/<hex> by digest.
func (l *Layout) Files() Files {
	out := Files{
		{Name: "oci-layout", Body: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{Name: "index.json", Body: mustJSON(index{SchemaVersion: 2, MediaType: MediaIndex, Manifests: l.index})},
		{Name: "blobs/", Type: tar.TypeDir},
		{Name: "blobs/sha256/", Type: tar.TypeDir},
	}
	ds := make([]string, 0, len(l.blobs))
	for d := range l.blobs {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	for _, d := range ds {
		out = append(out, TarFile{Name: "blobs/sha256/" + hexOf(d), Body: l.blobs[d]})
	}
	return out
}

// WriteDir writes the layout as a directory.
func (l *Layout) WriteDir(dir string) error {
	for _, f := range l.Files() {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.Type == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Body, 0o644); err != nil {
			return fmt.Errorf("imagetest: %w", err)
		}
	}
	return nil
}

// Debian 12's os-release, as /usr/lib/os-release holds it.
const osRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`

const baseStatus = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Depends: libc6 (>= 2.14)
Description: compression library - runtime
`

const curlStatus = `
Package: curl
Status: install ok installed
Priority: optional
Section: web
Architecture: amd64
Version: 7.88.1-10+deb12u5
Depends: libc6 (>= 2.34), zlib1g (>= 1:1.1.4)
Description: command line tool for transferring data with URL syntax
`

// lock returns a package-lock.json (v3) of a project depending on the
// given packages, each "name@version".
func lock(project string, deps ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"name\": %q,\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n", project)
	fmt.Fprintf(&b, "    \"\": {\n      \"name\": %q,\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n", project)
	for i, d := range deps {
		name, version, _ := strings.Cut(d, "@")
		sep := ","
		if i == len(deps)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "        %q: \"^%s\"%s\n", name, version, sep)
	}
	b.WriteString("      }\n    }")
	for _, d := range deps {
		name, version, _ := strings.Cut(d, "@")
		fmt.Fprintf(&b, ",\n    \"node_modules/%s\": {\n      \"version\": %q,\n      \"resolved\": \"https://registry.npmjs.org/%s/-/%s-%s.tgz\"\n    }", name, version, name, name, version)
	}
	b.WriteString("\n  }\n}\n")
	return b.String()
}

// Sample is the image the tests of walk/image and walk read, three layers
// as a Dockerfile would make them:
//
//  0. a Debian 12 base: etc/os-release a link to ../usr/lib/os-release,
//     a dpkg status with base-files, libc6 and zlib1g, a legacy project
//     srv/legacy (minimist 0.0.8) and a tool in opt/tool (lodash 4.17.4);
//  1. COPY of a project app/ (left-pad 1.3.0, js-tokens 4.0.0) with a hard
//     link app/backup/package-lock.json to its lockfile;
//  2. RUN apt-get install curl, rm -r /srv/legacy/package-lock.json and a
//     fresh /opt/tool: the status rewritten with curl added, a whiteout of
//     the legacy lockfile and an opaque opt/tool holding a README.
func Sample() Image {
	return Image{
		RepoTags: []string{"example/web:1.0"},
		Labels: map[string]string{
			"org.opencontainers.image.base.name":   "docker.io/library/debian:12",
			"org.opencontainers.image.base.digest": "sha256:b37bc259c67238d814516548c17ad912f26c3eed48dd9bb1d2d89bbe4a9d3c18",
			"org.opencontainers.image.source":      "https://github.com/example/web",
		},
		Env:                    []string{"PATH=/usr/local/bin:/usr/bin:/bin", "API_TOKEN=s3cr3t"},
		EmptyLayerInstructions: []string{`/bin/sh -c #(nop)  ENV API_TOKEN=s3cr3t`},
		Layers: []Layer{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:6b1d2b5e0a4a8e3b in / ", Entries: []Entry{
				Dir("etc"), Symlink("etc/os-release", "../usr/lib/os-release"),
				Dir("usr"), Dir("usr/lib"), File("usr/lib/os-release", osRelease),
				Dir("var"), Dir("var/lib"), Dir("var/lib/dpkg"), File("var/lib/dpkg/status", baseStatus),
				Dir("srv"), Dir("srv/legacy"), File("srv/legacy/package-lock.json", lock("legacy", "minimist@0.0.8")),
				Dir("opt"), Dir("opt/tool"), File("opt/tool/package-lock.json", lock("tool", "lodash@4.17.4")),
				Dir("opt/tool/bin"), Entry{Name: "opt/tool/bin/tool", Body: "#!/bin/sh\n", Mode: 0o755},
			}},
			{CreatedBy: "COPY app /app # buildkit", Entries: []Entry{
				Dir("app"), File("app/package-lock.json", lock("web", "left-pad@1.3.0", "js-tokens@4.0.0")),
				Dir("app/backup"), HardLink("app/backup/package-lock.json", "app/package-lock.json"),
			}},
			{CreatedBy: "RUN |1 NPM_TOKEN=abc123 /bin/sh -c apt-get install -y curl && rm -r /srv/legacy/package-lock.json /opt/tool # buildkit", Entries: []Entry{
				Dir("opt/tool"), Opaque("opt/tool"), File("opt/tool/README", "rebuilt\n"),
				Whiteout("srv/legacy/package-lock.json"),
				File("var/lib/dpkg/status", baseStatus+curlStatus),
				Dir("usr/bin"), Entry{Name: "usr/bin/curl", Body: "\x7fELF curl", Mode: 0o755},
			}},
		},
	}
}
