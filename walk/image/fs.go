package image

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"
)

// FS is the file system of one image: its layers applied in order. It is
// an fs.FS with Stat, ReadDir, ReadLink and Lstat. Open and Stat follow
// symbolic links, but only inside the image: an absolute target is read
// from the image root and ".." stops there, as in a chroot. Opened files
// are io.ReaderAt and io.Seeker. An FS is safe for concurrent use and
// needs no closing; its data stays readable until the Archive is closed.
type FS struct {
	t        *tree
	maxLinks int
	layers   []Layer
	problems []Problem
}

var (
	_ fs.StatFS      = (*FS)(nil)
	_ fs.ReadDirFS   = (*FS)(nil)
	_ fs.ReadLinkFS  = (*FS)(nil)
	_ io.ReaderAt    = (*File)(nil)
	_ fs.ReadDirFile = (*dir)(nil)
	_ fs.FileInfo    = fileInfo{}
	_ fs.DirEntry    = fileInfo{}
	_ io.Seeker      = (*File)(nil)
	_ fs.File        = (*File)(nil)
	_ io.ReadSeeker  = (*File)(nil)
)

var (
	errNotDir = errors.New("not a directory")
	errIsDir  = errors.New("is a directory")
)

// Layers describes the image's layers, bottom first.
func (f *FS) Layers() []Layer { return f.layers }

// Problems lists the layer entries that were skipped (device nodes, paths
// leaving the image, hard links to nothing), in layer order.
func (f *FS) Problems() []Problem { return f.problems }

func (f *FS) lookup(op, name string, follow bool) (*node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, err := f.t.resolve(name, follow, f.maxLinks)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return n, nil
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	n, err := f.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	fi := fileInfo{name: path.Base(name), n: n}
	if n.kind == kindDir {
		return &dir{fi: fi}, nil
	}
	return &File{SectionReader: io.NewSectionReader(n.data, n.off, n.size), fi: fi}, nil
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("stat", name, true)
	if err != nil {
		return nil, err
	}
	return fileInfo{name: path.Base(name), n: n}, nil
}

// Lstat implements fs.ReadLinkFS: it describes a symbolic link itself.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return fileInfo{name: path.Base(name), n: n}, nil
}

// ReadLink implements fs.ReadLinkFS: the target of a symbolic link as the
// layer wrote it.
func (f *FS) ReadLink(name string) (string, error) {
	n, err := f.lookup("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.kind != kindSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return n.target, nil
}

// ReadDir implements fs.ReadDirFS: the entries sorted by name, links not
// followed.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.lookup("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.kind != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	return entries(n), nil
}

func entries(n *node) []fs.DirEntry {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]fs.DirEntry, len(names))
	for i, name := range names {
		out[i] = fileInfo{name: name, n: n.children[name]}
	}
	return out
}

// Layer returns the index of the layer that last wrote name (a link itself,
// not its target).
func (f *FS) Layer(name string) (int, bool) {
	n, err := f.lookup("layer", name, false)
	if err != nil {
		return 0, false
	}
	return n.layer, true
}

// Version is one content a regular file had: what a layer wrote at its
// path.
type Version struct {
	// Layer is the index of the layer that wrote this content.
	Layer int
	// Info describes the file as that layer wrote it.
	Info fs.FileInfo
	n    *node
}

// Open returns a reader over this version's content.
func (v Version) Open() *io.SectionReader { return io.NewSectionReader(v.n.data, v.n.off, v.n.size) }

// Versions returns the contents the regular file at name had, newest (the
// one Open reads) first, back to the layer that created it: layers that
// rewrite a file (a package manager's database) leave one each. A
// whiteout ends the history; a file written again after one starts anew.
func (f *FS) Versions(name string) []Version {
	n, err := f.lookup("versions", name, false)
	if err != nil || n.kind != kindFile {
		return nil
	}
	var out []Version
	for v := n; v != nil; v = v.prev {
		out = append(out, Version{Layer: v.layer, Info: fileInfo{name: path.Base(name), n: v}, n: v})
	}
	return out
}

// File is a regular file of an image, opened for reading.
type File struct {
	*io.SectionReader
	fi fileInfo
}

// Stat implements fs.File.
func (f *File) Stat() (fs.FileInfo, error) { return f.fi, nil }

// Close implements fs.File; there is nothing to release.
func (f *File) Close() error { return nil }

// dir is a directory of an image, opened for listing.
type dir struct {
	fi      fileInfo
	entries []fs.DirEntry
	read    bool
	pos     int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.fi, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.fi.name, Err: errIsDir}
}

func (d *dir) ReadDir(count int) ([]fs.DirEntry, error) {
	if !d.read {
		d.entries, d.read = entries(d.fi.n), true
	}
	rest := d.entries[d.pos:]
	if count <= 0 {
		d.pos = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	count = min(count, len(rest))
	d.pos += count
	return rest[:count], nil
}

// fileInfo describes a node under a name; it is both fs.FileInfo and
// fs.DirEntry.
type fileInfo struct {
	name string
	n    *node
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.n.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.n.mode }
func (fi fileInfo) ModTime() time.Time { return time.Unix(fi.n.mtime, 0) }
func (fi fileInfo) IsDir() bool        { return fi.n.kind == kindDir }

// Sys returns the index of the layer that last wrote the file, as an int.
func (fi fileInfo) Sys() any { return fi.n.layer }

func (fi fileInfo) Type() fs.FileMode          { return fi.n.mode.Type() }
func (fi fileInfo) Info() (fs.FileInfo, error) { return fi, nil }
func (fi fileInfo) String() string             { return fs.FormatFileInfo(fi) }
