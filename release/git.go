package release

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/internal/gitexec"
)

// maxTreeEntries bounds the paths read from one git tree; the Linux
// kernel has about 90,000.
const maxTreeEntries = 2_000_000

// GitEntry is one path of the tree at the compared ref.
type GitEntry struct {
	Path string
	// Mode is git's octal mode: "100644", "100755", "120000" (symlink),
	// "160000" (submodule commit).
	Mode string
	// Object is the blob (or commit, for a submodule) id in hex.
	Object string
	// Size is the blob size; -1 for submodules.
	Size int64
}

// Symlink reports whether the entry is a symbolic link.
func (e *GitEntry) Symlink() bool { return e.Mode == "120000" }

// Submodule reports whether the entry is a gitlink.
func (e *GitEntry) Submodule() bool { return e.Mode == "160000" }

// Repo reads one local git repository through the git command, never
// touching its work tree: only plumbing commands (rev-parse, ls-tree,
// cat-file) run, with configuration that could make git run a program
// (fsmonitor, hooks) switched off.
type Repo struct {
	dir    string
	format string // "sha1" or "sha256"

	cat    *exec.Cmd
	catIn  io.WriteCloser
	catOut *bufio.Reader
}

// OpenRepo checks that dir is a git repository git can read.
func OpenRepo(ctx context.Context, dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("reading %s needs the git command: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("git repository: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("git repository %s: not a directory", dir)
	}
	out, err := gitexec.Run(ctx, dir, "rev-parse", "--show-object-format")
	if err != nil {
		return nil, fmt.Errorf("%s: not a git repository git can read: %w", dir, err)
	}
	format := strings.TrimSpace(string(out))
	if format == "" || format == "--show-object-format" {
		format = "sha1" // git before 2.29
	}
	if format != "sha1" && format != "sha256" {
		return nil, fmt.Errorf("%s: object format %q is not supported", dir, format)
	}
	return &Repo{dir: dir, format: format}, nil
}

// Resolve turns ref (a tag, branch or commit) into a commit id.
// Refs that look like options are refused: they would reach git's
// command line.
func (r *Repo) Resolve(ctx context.Context, ref string) (string, error) {
	if ref == "" || strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, "\x00\n") {
		return "", fmt.Errorf("ref %q: not a valid git ref", ref)
	}
	out, err := gitexec.Run(ctx, r.dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("ref %q: not found in %s", ref, r.dir)
	}
	return strings.TrimSpace(string(out)), nil
}

// Tree lists every path of commit's tree, recursively, with blob sizes.
func (r *Repo) Tree(ctx context.Context, commit string) (map[string]*GitEntry, error) {
	cmd := gitexec.Command(ctx, r.dir, "ls-tree", "-r", "-z", "-l", "--full-tree", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git ls-tree: %w", err)
	}
	tree, perr := parseTree(bufio.NewReaderSize(stdout, 64<<10))
	if perr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if perr != nil {
		return nil, fmt.Errorf("git ls-tree %s: %w", commit, perr)
	}
	if werr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &gitexec.Error{Args: []string{"ls-tree", commit}, Stderr: stderr.String(), Err: werr}
	}
	return tree, nil
}

// parseTree reads `git ls-tree -r -z -l` output:
// "<mode> SP <type> SP <object> SP+ <size> TAB <path> NUL".
func parseTree(r *bufio.Reader) (map[string]*GitEntry, error) {
	tree := map[string]*GitEntry{}
	for n := 1; ; n++ {
		rec, err := r.ReadSlice(0)
		if err == io.EOF && len(rec) == 0 {
			return tree, nil
		}
		if err == bufio.ErrBufferFull {
			return nil, fmt.Errorf("record %d: longer than %d bytes", n, r.Size())
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		rec = bytes.TrimSuffix(rec, []byte{0})
		e, perr := parseTreeRecord(string(rec))
		if perr != nil {
			return nil, fmt.Errorf("record %d: %w", n, perr)
		}
		if len(tree) >= maxTreeEntries {
			return nil, fmt.Errorf("more than %d paths", maxTreeEntries)
		}
		tree[e.Path] = e
		if err == io.EOF {
			return tree, nil
		}
	}
}

func parseTreeRecord(rec string) (*GitEntry, error) {
	meta, path, ok := strings.Cut(rec, "\t")
	if !ok || path == "" {
		return nil, fmt.Errorf("no path in %q", clip(rec, 80))
	}
	f := strings.Fields(meta)
	if len(f) != 4 {
		return nil, fmt.Errorf("want mode, type, object and size in %q", clip(meta, 80))
	}
	e := &GitEntry{Path: path, Mode: f[0], Object: f[2], Size: -1}
	if f[3] != "-" {
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad size %q", f[3])
		}
		e.Size = size
	}
	return e, nil
}

// blobHash returns a hash computing git's object id of a blob of size
// bytes: the hash of "blob <size>\x00" followed by the content.
func (r *Repo) blobHash(size int64) hash.Hash {
	var h hash.Hash
	if r.format == "sha256" {
		h = sha256.New()
	} else {
		h = sha1.New()
	}
	fmt.Fprintf(h, "blob %d\x00", size)
	return h
}

// errTooLarge is returned by Blob for blobs over the caller's limit.
var errTooLarge = errors.New("blob larger than the limit")

// Blob reads one blob through a long-running `git cat-file --batch`,
// up to max bytes.
func (r *Repo) Blob(ctx context.Context, object string, max int64) ([]byte, error) {
	if r.cat == nil {
		cmd := gitexec.Command(ctx, r.dir, "cat-file", "--batch")
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		r.cat, r.catIn, r.catOut = cmd, in, bufio.NewReaderSize(out, 64<<10)
	}
	if _, err := fmt.Fprintf(r.catIn, "%s\n", object); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := r.catOut.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	f := strings.Fields(header)
	if len(f) == 2 && f[1] == "missing" {
		return nil, fmt.Errorf("git cat-file %s: missing", object)
	}
	if len(f) != 3 {
		return nil, fmt.Errorf("git cat-file %s: unexpected header %q", object, clip(header, 80))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("git cat-file %s: bad size %q", object, f[2])
	}
	if size > max {
		if _, err := r.catOut.Discard(int(size) + 1); err != nil {
			return nil, fmt.Errorf("git cat-file %s: %w", object, err)
		}
		return nil, fmt.Errorf("%s: %d bytes: %w", object, size, errTooLarge)
	}
	buf := make([]byte, size+1)
	if _, err := io.ReadFull(r.catOut, buf); err != nil {
		return nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	return buf[:size], nil
}

// Close stops the cat-file process, if one runs.
func (r *Repo) Close() error {
	if r.cat == nil {
		return nil
	}
	_ = r.catIn.Close()
	err := r.cat.Wait()
	r.cat = nil
	return err
}

// clip bounds s for error messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
