// Package gitexec runs the git command over repositories vouch reads but
// does not trust. A repository's own configuration can make git run
// programs (core.fsmonitor, hooks, diff.external, textconv drivers,
// signature display), and the user's and system's configuration can
// change output formats: every invocation here switches those off, so
// only git's plumbing runs, with stable output, and never a checkout.
package gitexec

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// maxStderr bounds what is kept of git's standard error for messages.
const maxStderr = 4096

// Error names the git subcommand that failed and the first line git
// printed about it.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if msg == "" {
		msg = e.Err.Error()
	}
	if len(e.Args) > 0 {
		return fmt.Sprintf("git %s: %s", e.Args[0], msg)
	}
	return "git: " + msg
}

// Unwrap returns the process error.
func (e *Error) Unwrap() error { return e.Err }

// Command builds a git invocation in dir that ignores the user's and the
// system's configuration and everything in the repository's
// configuration that could execute a program. diff.external cannot be
// unset from the command line (an empty value names a program ""): it
// only applies to the porcelain "git diff" and, with --ext-diff, to
// "git log"; callers use plumbing (log, diff-tree, ls-tree, cat-file)
// and pass --no-ext-diff --no-textconv where diffs are made.
func Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append([]string{"-C", dir,
		"-c", "core.fsmonitor=false",
		"-c", "core.hooksPath=/dev/null",
		"-c", "protocol.allow=never",
		"-c", "log.showSignature=false",
		"--no-pager", "--no-replace-objects"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_NO_REPLACE_OBJECTS=1",
		"LC_ALL=C",
	)
	return cmd
}

// Run runs git and returns its standard output.
func Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := Command(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: maxStderr}
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Args: args, Stderr: stderr.String(), Err: err}
	}
	return out, nil
}

// Stream runs git and hands its standard output to read; the process is
// killed when read fails, so a parser that stops early never leaves git
// blocked on a full pipe.
func Stream(ctx context.Context, dir string, stdin io.Reader, read func(*bufio.Reader) error, args ...string) error {
	cmd := Command(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: maxStderr}
	cmd.Stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	rerr := read(bufio.NewReaderSize(stdout, 64<<10))
	if rerr != nil {
		_ = cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if rerr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("git %s: %w", args[0], rerr)
	}
	if werr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Args: args, Stderr: stderr.String(), Err: werr}
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}
