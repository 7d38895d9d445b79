package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// node is one file of the merged tree.
type node struct {
	kind     uint8 // kindFile, kindDir or kindSymlink
	mode     fs.FileMode
	size     int64
	mtime    int64
	layer    int
	data     io.ReaderAt // a file's bytes are data[off:off+size]
	off      int64
	target   string           // a symbolic link's target, as written
	children map[string]*node // a directory's entries
	// prev is the file this one replaced at the same path, when both are
	// regular files: the file's history through the layers.
	prev *node
}

// tree is the file system an image's layers make, built by applying them
// in order.
type tree struct {
	root *node
}

func newTree() *tree {
	return &tree{root: &node{kind: kindDir, mode: fs.ModeDir | 0o755, layer: -1, children: map[string]*node{}}}
}

// lookupLexical returns the node at a clean path without following links.
func (t *tree) lookupLexical(name string) *node {
	n := t.root
	if name == "." || name == "" {
		return n
	}
	for el := range strings.SplitSeq(name, "/") {
		if n.kind != kindDir {
			return nil
		}
		if n = n.children[el]; n == nil {
			return nil
		}
	}
	return n
}

// mkdirs returns the directory at a clean path, creating the missing ones
// for layer. A file or link where a directory is needed is replaced by a
// directory, as overlayfs shows a directory of an upper layer over a file
// of a lower one.
func (t *tree) mkdirs(name string, layer int) *node {
	n := t.root
	if name == "." {
		return n
	}
	for el := range strings.SplitSeq(name, "/") {
		c := n.children[el]
		if c == nil || c.kind != kindDir {
			c = &node{kind: kindDir, mode: fs.ModeDir | 0o755, layer: layer, children: map[string]*node{}}
			n.children[el] = c
		}
		n = c
	}
	return n
}

// apply lays one layer over the tree. Whiteouts and opaque directories hide
// what the layers below hold, so they are applied before the layer's own
// entries, whatever their order in the tar; the entries then go in tar
// order, a later one replacing an earlier one at the same path.
func (t *tree) apply(li *layerIndex, layer int, maxLinks int) []Problem {
	var problems []Problem
	for _, e := range li.entries {
		switch e.kind {
		case kindOpaque:
			if n := t.lookupLexical(e.name); n != nil && n.kind == kindDir {
				n.children = map[string]*node{}
			}
		case kindWhiteout:
			if parent := t.lookupLexical(path.Dir(e.name)); parent != nil && parent.kind == kindDir {
				delete(parent.children, path.Base(e.name))
			}
		}
	}
	for _, e := range li.entries {
		if e.kind == kindOpaque || e.kind == kindWhiteout {
			continue
		}
		parent := t.mkdirs(path.Dir(e.name), layer)
		base := path.Base(e.name)
		old := parent.children[base]
		n := &node{kind: e.kind, mode: e.mode, size: e.size, mtime: e.mtime, layer: layer}
		switch e.kind {
		case kindDir:
			n.mode |= fs.ModeDir
			if old != nil && old.kind == kindDir {
				// A directory entry over a directory keeps what is in it.
				old.mode, old.mtime, old.layer = n.mode, n.mtime, layer
				continue
			}
			n.children = map[string]*node{}
		case kindFile:
			n.data, n.off = li.data, e.off
		case kindSymlink:
			n.mode |= fs.ModeSymlink
			n.target = e.link
			n.size = int64(len(e.link))
		case kindHardLink:
			// The target is an earlier entry of this layer or a file of
			// the layers below: the merged tree as it is now.
			target, err := t.resolve(e.link, false, maxLinks)
			if err != nil || target.kind == kindDir {
				if err == nil {
					err = errors.New("a directory")
				}
				problems = append(problems, Problem{Path: e.name, Err: fmt.Errorf("hard link to %s: %w, skipped", quote(e.link), err)})
				continue
			}
			n.kind, n.mode, n.size = target.kind, target.mode, target.size
			n.data, n.off, n.target = target.data, target.off, target.target
		}
		if n.kind == kindFile && old != nil && old.kind == kindFile {
			n.prev = old
		}
		parent.children[base] = n
	}
	return problems
}

// errLinkLoop is the error for a path whose links go round or too deep.
var errLinkLoop = errors.New("too many levels of symbolic links")

// maxResolvedPath bounds the path still to resolve while links are
// expanded, so that links to long targets cannot grow it without end.
const maxResolvedPath = 1 << 16

// resolve returns the node at name, a slash path from the image root.
// Links in its directories are followed, and the last element's when
// follow is set: a relative target from the link's directory, an absolute
// one from the image root, ".." never above the root. Nothing leads out of
// the image. More than maxLinks links is an error.
func (t *tree) resolve(name string, follow bool, maxLinks int) (*node, error) {
	stack := []*node{t.root}
	rest := name
	links := 0
	for rest != "" {
		var el string
		el, rest, _ = strings.Cut(rest, "/")
		switch el {
		case "", ".":
			continue
		case "..":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		cur := stack[len(stack)-1]
		if cur.kind != kindDir {
			return nil, fs.ErrNotExist
		}
		c := cur.children[el]
		if c == nil {
			return nil, fs.ErrNotExist
		}
		if c.kind == kindSymlink && (rest != "" || follow) {
			if links++; links > maxLinks {
				return nil, errLinkLoop
			}
			target := c.target
			if strings.HasPrefix(target, "/") {
				stack = stack[:1]
			}
			if rest != "" {
				target += "/" + rest
			}
			if len(target) > maxResolvedPath {
				return nil, errLinkLoop
			}
			rest = target
			continue
		}
		stack = append(stack, c)
	}
	return stack[len(stack)-1], nil
}
