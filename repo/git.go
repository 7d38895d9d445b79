package repo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/gitexec"
)

// Bounds on what one hostile history can make the analysis hold.
const (
	// maxToken bounds one NUL-separated record of git log output: a
	// commit header with its message and signature. Longer records are
	// cut, not refused: a huge message must not hide the rest.
	maxToken = 1 << 20
	// maxChangesPerCommit bounds the paths kept for one commit; a commit
	// that imports a whole tree is still counted, its paths beyond this
	// are not classified.
	maxChangesPerCommit = 20_000
	// maxLine bounds one line of diff or for-each-ref output.
	maxLine = 64 << 10
)

// tokenReader splits git's -z output into NUL-terminated tokens of at
// most max bytes; the rest of a longer token is read and dropped.
type tokenReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// next returns the next token (valid until the following call) and
// io.EOF after the last one.
func (t *tokenReader) next() ([]byte, error) {
	t.buf = t.buf[:0]
	for {
		chunk, err := t.r.ReadSlice(0)
		if room := t.max - len(t.buf); room > 0 {
			if len(chunk) > room {
				t.buf = append(t.buf, chunk[:room]...)
			} else {
				t.buf = append(t.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(t.buf, []byte{0}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(t.buf) == 0 {
				return nil, io.EOF
			}
			return t.buf, nil
		default:
			return nil, err
		}
	}
}

// readLine reads one '\n'-terminated line of at most max bytes, dropping
// the rest of a longer one. It returns io.EOF only when nothing is left.
func readLine(r *bufio.Reader, max int, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		chunk, err := r.ReadSlice('\n')
		if room := max - len(buf); room > 0 {
			if len(chunk) > room {
				buf = append(buf, chunk[:room]...)
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(buf, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(buf) == 0 {
				return nil, io.EOF
			}
			return buf, nil
		default:
			return nil, err
		}
	}
}

// commit is one record of `git log --pretty=raw -z --raw`.
type commit struct {
	ID             string
	Parents        int
	AuthorName     string
	AuthorEmail    string
	AuthorTime     time.Time
	CommitterName  string
	CommitterEmail string
	CommitTime     time.Time
	// Signature is the armoured gpgsig header, when the commit has one.
	Signature []byte
	Subject   string
	Changes   []change
	// Dropped counts changes beyond maxChangesPerCommit.
	Dropped int
}

// change is one path of a commit's raw diff against its first parent.
type change struct {
	Status byte // 'A', 'M', 'D', 'T'
	Path   string
	Blob   string // new blob id; all zeros for a deletion
	Mode   string // new mode
}

// logArgs is the git log invocation parseLog reads: HEAD and every tag,
// raw commit headers (for gpgsig), raw diffs against the first parent
// (merges show none), NUL-separated, without anything that could run a
// program or rewrite names.
func logArgs() []string {
	return []string{"log", "--pretty=raw", "-z", "--raw", "--no-abbrev", "--no-renames",
		"--no-decorate", "--no-show-signature", "--no-mailmap", "--no-ext-diff", "--no-textconv",
		"--no-color", "--encoding=UTF-8", "HEAD", "--tags", "--"}
}

// parseLog reads the output of logArgs, calling fn for each commit in
// the order git prints them. The commit passed to fn is reused; fn must
// copy what it keeps. Records git would never print are skipped (their
// count is returned) rather than ending the analysis.
func parseLog(ctx context.Context, r io.Reader, fn func(*commit) error) (malformed int, err error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	tr := &tokenReader{r: br, max: maxToken}
	var cur commit
	have := false
	wantPath := false // the previous token was a raw diff meta record
	var pending change
	flush := func() error {
		if !have {
			return nil
		}
		have = false
		return fn(&cur)
	}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return malformed, ctx.Err()
		}
		tok, err := tr.next()
		if errors.Is(err, io.EOF) {
			return malformed, flush()
		}
		if err != nil {
			return malformed, err
		}
		if wantPath {
			wantPath = false
			if have {
				pending.Path = string(tok)
				if len(cur.Changes) < maxChangesPerCommit {
					cur.Changes = append(cur.Changes, pending)
				} else {
					cur.Dropped++
				}
			}
			continue
		}
		switch {
		case len(tok) == 0:
			// End of one commit's diff.
		case tok[0] == ':':
			c, ok := parseRawMeta(tok)
			if !ok || !have {
				malformed++
				continue
			}
			pending, wantPath = c, true
		case bytes.HasPrefix(tok, []byte("commit ")):
			if err := flush(); err != nil {
				return malformed, err
			}
			meta, ok := parseCommitHeader(tok, &cur)
			if !ok {
				malformed++
				continue
			}
			have = true
			if meta != nil {
				c, ok := parseRawMeta(meta)
				if !ok {
					malformed++
					continue
				}
				pending, wantPath = c, true
			}
		default:
			malformed++
		}
	}
}

// parseRawMeta reads ":<old mode> <new mode> <old id> <new id> <status>".
func parseRawMeta(tok []byte) (change, bool) {
	f := strings.Fields(string(tok[1:]))
	if len(f) != 5 || len(f[4]) == 0 {
		return change{}, false
	}
	st := f[4][0]
	switch st {
	case 'A', 'M', 'D', 'T', 'U', 'X':
	default:
		return change{}, false
	}
	return change{Status: st, Blob: f[3], Mode: f[1]}, true
}

// parseCommitHeader fills c from one "commit <id>\n<headers>\n\n<message>"
// token. When the commit has a diff, its first raw meta record shares the
// token after the message; that record is returned.
func parseCommitHeader(tok []byte, c *commit) (meta []byte, ok bool) {
	*c = commit{Changes: c.Changes[:0], Signature: c.Signature[:0]}
	lines := bytes.Split(tok, []byte{'\n'})
	first := string(lines[0])
	id := strings.TrimPrefix(first, "commit ")
	if i := strings.IndexByte(id, ' '); i >= 0 {
		id = id[:i]
	}
	if !isHex(id) {
		return nil, false
	}
	c.ID = id
	i := 1
	inSig := false
	for ; i < len(lines); i++ {
		l := lines[i]
		if len(l) == 0 {
			i++
			break
		}
		if inSig {
			if l[0] == ' ' {
				c.Signature = append(c.Signature, l[1:]...)
				c.Signature = append(c.Signature, '\n')
				continue
			}
			inSig = false
		}
		key, val, _ := bytes.Cut(l, []byte{' '})
		switch string(key) {
		case "parent":
			c.Parents++
		case "author":
			c.AuthorName, c.AuthorEmail, c.AuthorTime = parseIdent(string(val))
		case "committer":
			c.CommitterName, c.CommitterEmail, c.CommitTime = parseIdent(string(val))
		case "gpgsig", "gpgsig-sha256":
			if len(c.Signature) == 0 {
				inSig = true
				c.Signature = append(c.Signature, val...)
				c.Signature = append(c.Signature, '\n')
			}
		}
	}
	if c.AuthorTime.IsZero() && c.CommitTime.IsZero() {
		return nil, false
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		if len(l) > 0 && l[0] == ':' && i == len(lines)-1 {
			return l, true
		}
		if c.Subject == "" {
			if s := strings.TrimSpace(string(l)); s != "" {
				c.Subject = clip(s, 200)
			}
		}
	}
	return nil, true
}

// parseIdent reads "Name <email> <unix time> <zone>".
func parseIdent(s string) (name, email string, t time.Time) {
	lt := strings.LastIndexByte(s, '<')
	gt := strings.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		return strings.TrimSpace(s), "", time.Time{}
	}
	name = strings.TrimSpace(s[:lt])
	email = strings.TrimSpace(s[lt+1 : gt])
	f := strings.Fields(s[gt+1:])
	if len(f) >= 1 {
		if sec, err := strconv.ParseInt(f[0], 10, 64); err == nil && sec > -1<<40 && sec < 1<<40 {
			t = time.Unix(sec, 0).UTC()
		}
	}
	return name, email, t
}

func isHex(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// catFile reads objects through one long-running `git cat-file --batch`.
type catFile struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startCatFile(ctx context.Context, dir string) (*catFile, error) {
	cmd := gitexec.Command(ctx, dir, "cat-file", "--batch")
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
	return &catFile{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10)}, nil
}

// read returns the object's type and its first max bytes; the rest is
// discarded.
func (c *catFile) read(object string, max int64) (typ string, data []byte, err error) {
	if strings.ContainsAny(object, " \n\x00") || object == "" {
		return "", nil, fmt.Errorf("object %q: not an object name", clip(object, 80))
	}
	if _, err := fmt.Fprintf(c.in, "%s\n", object); err != nil {
		return "", nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := readLine(c.out, 1024, nil)
	if err != nil {
		return "", nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	f := strings.Fields(string(header))
	if len(f) == 2 && f[1] == "missing" {
		return "", nil, fmt.Errorf("git cat-file %s: missing", object)
	}
	if len(f) != 3 {
		return "", nil, fmt.Errorf("git cat-file %s: unexpected header %q", object, clip(string(header), 80))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return "", nil, fmt.Errorf("git cat-file %s: bad size %q", object, f[2])
	}
	keep := min(size, max)
	data = make([]byte, keep)
	if _, err := io.ReadFull(c.out, data); err != nil {
		return "", nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	if _, err := c.out.Discard(int(size-keep) + 1); err != nil {
		return "", nil, fmt.Errorf("git cat-file %s: %w", object, err)
	}
	return f[1], data, nil
}

func (c *catFile) close() {
	_ = c.in.Close()
	_ = c.cmd.Wait()
}

// clip bounds s for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
