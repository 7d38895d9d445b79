// Command imagesave writes a container image archive from directories, one
// per layer, without a container engine: the inventory benchmark's image
// input is made on a machine that has none.
//
// Usage:
//
//	go run ./bench/cmd/imagesave -docker OUT.tar [-oci OUT.tar] [-tag REPO:TAG]
//	    [-exclude PATTERN]... [-label KEY=VALUE]... [-created-by TEXT]... DIR...
//
// Each DIR becomes one layer, bottom first, holding the tree below DIR as
// it is: regular files, directories, symbolic links, and hard links within
// the layer; device nodes, pipes and sockets are left out (a base image's
// /dev is empty). A file named ".wh.<name>" is written as it is, so a layer
// directory deletes <name> from the layers below by holding an empty file
// of that name, as in the layer tars Docker writes. -exclude patterns
// (path.Match, against the slash-separated path relative to DIR, "dev/*")
// leave a path and everything below it out of every layer.
//
// -docker writes what docker save wrote up to Docker 24: <id>/VERSION,
// <id>/json and <id>/layer.tar per layer (uncompressed; <id> is the v1 ID
// chained from the parent's, as Docker derives it), <config sha256>.json
// with the layers' sha256 diff IDs, manifest.json and repositories. -oci
// writes the same image as an OCI image layout in a tar (oci-layout,
// index.json, blobs/sha256/) with gzip-compressed layers.
//
// Output is deterministic: entries in name order, every time set to
// 2026-01-01T00:00:00Z, owners kept as numeric IDs without names, no
// extended attributes. The same directories give the same bytes.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// epoch is every time written: fixed, so that the output is reproducible.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	docker := flag.String("docker", "", "write a docker save archive (Docker 24 shape) here")
	oci := flag.String("oci", "", "also write an OCI image layout tar with gzip layers here")
	tag := flag.String("tag", "acme/app:1.0", "repository:tag of the image")
	var excludes, labels, createdBy list
	flag.Var(&excludes, "exclude", "path.Match pattern of paths left out of every layer (repeatable)")
	flag.Var(&labels, "label", "KEY=VALUE label of the image config (repeatable)")
	flag.Var(&createdBy, "created-by", "history text of each layer, in order (repeatable)")
	flag.Parse()
	if *docker == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: imagesave -docker OUT.tar [-oci OUT.tar] [-tag REPO:TAG] [-exclude PATTERN]... [-label K=V]... [-created-by TEXT]... DIR...")
		os.Exit(2)
	}
	if err := run(*docker, *oci, *tag, excludes, labels, createdBy, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "imagesave:", err)
		os.Exit(1)
	}
}

// layer is one layer tar written to a temporary file.
type layer struct {
	file    string // uncompressed tar
	size    int64
	diffID  string // "sha256:<hex>" of the uncompressed tar
	entries int
	gz      string // gzip-compressed copy, for -oci
	gzSize  int64
	gzHex   string
}

func run(dockerOut, ociOut, tag string, excludes, labels, createdBy, dirs []string) error {
	repo, ver, ok := strings.Cut(tag, ":")
	if !ok || repo == "" || ver == "" {
		return fmt.Errorf("tag %q: want REPO:TAG", tag)
	}
	for _, p := range excludes {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("exclude %q: %w", p, err)
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(dockerOut), ".imagesave-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var layers []layer
	for i, d := range dirs {
		l, err := writeLayer(d, filepath.Join(work, fmt.Sprintf("layer-%d.tar", i)), excludes)
		if err != nil {
			return err
		}
		if ociOut != "" {
			if err := compress(&l); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "imagesave: layer %d from %s: %d entries, %.1f MiB, %s\n", i, d, l.entries, float64(l.size)/(1<<20), l.diffID)
		layers = append(layers, l)
	}

	cfg, err := config(layers, labels, createdBy)
	if err != nil {
		return err
	}
	if err := writeDocker(dockerOut, repo, ver, cfg, layers); err != nil {
		return err
	}
	if ociOut != "" {
		if err := writeOCI(ociOut, repo, ver, cfg, layers); err != nil {
			return err
		}
	}
	return nil
}

// writeLayer tars the tree below dir into file, in name order.
func writeLayer(dir, file string, excludes []string) (layer, error) {
	l := layer{file: file}
	f, err := os.Create(file)
	if err != nil {
		return l, err
	}
	defer f.Close()
	h := sha256.New()
	cw := &counter{w: io.MultiWriter(f, h)}
	tw := tar.NewWriter(cw)
	// Hard links: the first path of each inode within this layer.
	seen := map[[2]uint64]string{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, pat := range excludes {
			if m, _ := path.Match(pat, rel); m {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{
			Name:    rel,
			Mode:    int64(info.Mode().Perm()),
			ModTime: epoch,
			Format:  tar.FormatPAX,
		}
		if info.Mode()&fs.ModeSetuid != 0 {
			hdr.Mode |= 0o4000
		}
		if info.Mode()&fs.ModeSetgid != 0 {
			hdr.Mode |= 0o2000
		}
		if info.Mode()&fs.ModeSticky != 0 {
			hdr.Mode |= 0o1000
		}
		st, _ := info.Sys().(*syscall.Stat_t)
		if st != nil {
			hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
		}
		var body string
		switch t := info.Mode().Type(); {
		case t == fs.ModeDir:
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case t == fs.ModeSymlink:
			hdr.Typeflag = tar.TypeSymlink
			if hdr.Linkname, err = os.Readlink(p); err != nil {
				return err
			}
		case t == 0:
			if st != nil && st.Nlink > 1 {
				key := [2]uint64{uint64(st.Dev), st.Ino}
				if first, ok := seen[key]; ok {
					hdr.Typeflag = tar.TypeLink
					hdr.Linkname = first
					break
				}
				seen[key] = rel
			}
			hdr.Typeflag = tar.TypeReg
			hdr.Size = info.Size()
			body = p
		default:
			// Devices, pipes, sockets: not in a base image's layer.
			return nil
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		l.entries++
		if body == "" {
			return nil
		}
		src, err := os.Open(body)
		if err != nil {
			return err
		}
		defer src.Close()
		if _, err := io.CopyN(tw, src, hdr.Size); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	if err := tw.Close(); err != nil {
		return l, err
	}
	l.size = cw.n
	l.diffID = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return l, f.Close()
}

// compress writes the gzip copy of a layer for the OCI layout. The gzip
// header carries no name and no time, so the blob is reproducible.
func compress(l *layer) error {
	src, err := os.Open(l.file)
	if err != nil {
		return err
	}
	defer src.Close()
	l.gz = l.file + ".gz"
	dst, err := os.Create(l.gz)
	if err != nil {
		return err
	}
	defer dst.Close()
	h := sha256.New()
	cw := &counter{w: io.MultiWriter(dst, h)}
	zw, err := gzip.NewWriterLevel(cw, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, src); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	l.gzSize, l.gzHex = cw.n, hex.EncodeToString(h.Sum(nil))
	return dst.Close()
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// config is the image configuration, as Docker writes it (keys in its order
// do not matter to readers; encoding/json sorts map keys).
func config(layers []layer, labels, createdBy []string) ([]byte, error) {
	lab := map[string]string{}
	for _, kv := range labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("label %q: want KEY=VALUE", kv)
		}
		lab[k] = v
	}
	type hist struct {
		Created    string `json:"created"`
		CreatedBy  string `json:"created_by"`
		Comment    string `json:"comment,omitempty"`
		EmptyLayer bool   `json:"empty_layer,omitempty"`
	}
	created := epoch.Format(time.RFC3339)
	var hs []hist
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		diffIDs[i] = l.diffID
		by := fmt.Sprintf("/bin/sh -c #(nop) ADD layer %d in / ", i)
		if i < len(createdBy) {
			by = createdBy[i]
		}
		hs = append(hs, hist{Created: created, CreatedBy: by})
	}
	hs = append(hs, hist{Created: created, CreatedBy: `/bin/sh -c #(nop)  CMD ["/app/bin/syft"]`, EmptyLayer: true})
	doc := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      created,
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd":        []string{"/app/bin/syft"},
			"WorkingDir": "/app",
			"Labels":     lab,
		},
		"history": hs,
		"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	return json.Marshal(doc)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// archive collects the members of an output tar, written in name order.
type archive struct {
	members []member
}

type member struct {
	name string
	data []byte // or
	file string
	size int64
}

func (a *archive) bytes(name string, b []byte) {
	a.members = append(a.members, member{name: name, data: b, size: int64(len(b))})
}

func (a *archive) file(name, file string, size int64) {
	a.members = append(a.members, member{name: name, file: file, size: size})
}

// write writes the members and their parent directories in name order, as
// docker save's tar of its staging directory lists them.
func (a *archive) write(out string) (err error) {
	dirs := map[string]bool{}
	for _, m := range a.members {
		for d := path.Dir(m.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		a.members = append(a.members, member{name: d + "/"})
	}
	slices.SortFunc(a.members, func(x, y member) int { return strings.Compare(x.name, y.name) })
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	tw := tar.NewWriter(f)
	for _, m := range a.members {
		hdr := &tar.Header{Name: m.name, ModTime: epoch, Mode: 0o644, Typeflag: tar.TypeReg, Size: m.size, Format: tar.FormatPAX}
		if strings.HasSuffix(m.name, "/") {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		switch {
		case m.data != nil:
			if _, err := tw.Write(m.data); err != nil {
				return err
			}
		case m.file != "":
			src, err := os.Open(m.file)
			if err != nil {
				return err
			}
			_, err = io.CopyN(tw, src, m.size)
			src.Close()
			if err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// writeDocker writes the Docker 24 docker save shape.
func writeDocker(out, repo, tag string, cfg []byte, layers []layer) error {
	var a archive
	cfgHex := sum(cfg)
	a.bytes(cfgHex+".json", cfg)
	var parent string
	var paths []string
	for i, l := range layers {
		// Docker's v1 ID: the digest of the v1 JSON of the layer, which
		// names its diff ID and its parent's v1 ID (image/v1.CreateID).
		idDoc, err := json.Marshal(map[string]any{"created": epoch.Format(time.RFC3339), "layer_id": l.diffID, "parent": parent})
		if err != nil {
			return err
		}
		id := sum(idDoc)
		v1 := map[string]any{
			"id":               id,
			"created":          epoch.Format(time.RFC3339),
			"container_config": map[string]any{"Cmd": nil},
			"os":               "linux",
		}
		if parent != "" {
			v1["parent"] = parent
		}
		if i == len(layers)-1 {
			// The top layer's json carries the image config, as Docker's does.
			var c map[string]any
			if err := json.Unmarshal(cfg, &c); err != nil {
				return err
			}
			v1["config"], v1["architecture"] = c["config"], c["architecture"]
		}
		v1JSON, err := json.Marshal(v1)
		if err != nil {
			return err
		}
		a.bytes(id+"/VERSION", []byte("1.0"))
		a.bytes(id+"/json", v1JSON)
		a.file(id+"/layer.tar", l.file, l.size)
		paths = append(paths, id+"/layer.tar")
		parent = id
	}
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   cfgHex + ".json",
		"RepoTags": []string{repo + ":" + tag},
		"Layers":   paths,
	}})
	if err != nil {
		return err
	}
	a.bytes("manifest.json", manifest)
	repos, err := json.Marshal(map[string]map[string]string{repo: {tag: parent}})
	if err != nil {
		return err
	}
	a.bytes("repositories", append(repos, '\n'))
	return a.write(out)
}

// writeOCI writes an OCI image layout tar with gzip layers.
func writeOCI(out, repo, tag string, cfg []byte, layers []layer) error {
	if len(layers) == 0 || layers[0].gz == "" {
		return errors.New("oci: layers were not compressed")
	}
	var a archive
	type desc struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int64             `json:"size"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	cfgHex := sum(cfg)
	a.bytes("blobs/sha256/"+cfgHex, cfg)
	var ls []desc
	for _, l := range layers {
		a.file("blobs/sha256/"+l.gzHex, l.gz, l.gzSize)
		ls = append(ls, desc{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: "sha256:" + l.gzHex, Size: l.gzSize})
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: "sha256:" + cfgHex, Size: int64(len(cfg))},
		"layers":        ls,
	})
	if err != nil {
		return err
	}
	mHex := sum(manifest)
	a.bytes("blobs/sha256/"+mHex, manifest)
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []desc{{
			MediaType: "application/vnd.oci.image.manifest.v1+json",
			Digest:    "sha256:" + mHex,
			Size:      int64(len(manifest)),
			Annotations: map[string]string{
				"io.containerd.image.name":          repo + ":" + tag,
				"org.opencontainers.image.ref.name": tag,
			},
		}},
	})
	if err != nil {
		return err
	}
	a.bytes("index.json", index)
	a.bytes("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	return a.write(out)
}
