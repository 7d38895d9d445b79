package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchdev/vouch/extract"
)

// HTTPError is a registry's answer other than success. A 404 or 410
// matches ErrNotFound; a 401 or 403 matches ErrUnauthorized and its message
// names the host and where the credentials sent came from (or that none
// were configured), since that is what a user has to fix.
type HTTPError struct {
	URL        string // the URL asked, without credentials
	StatusCode int
	Status     string // "404 Not Found"
	// Credentials says where the credentials sent came from ("/home/u/.npmrc:3
	// (_authToken)"); empty when none were sent.
	Credentials string
}

// Error describes the failure; it never contains a credential.
func (e *HTTPError) Error() string {
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		host := e.URL
		if u, err := url.Parse(e.URL); err == nil {
			host = u.Host
		}
		if e.Credentials != "" {
			return fmt.Sprintf("%s refused access (%s) to %s with the credentials from %s", host, e.Status, e.URL, e.Credentials)
		}
		return fmt.Sprintf("%s refused access (%s) to %s; no credentials are configured for %s", host, e.Status, e.URL, host)
	}
	return fmt.Sprintf("GET %s: %s", e.URL, e.Status)
}

// Is matches ErrNotFound for 404 and 410, ErrUnauthorized for 401 and 403.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	}
	return false
}

// Body limits of the small documents (Go .info, one crates.io version, a
// sparse index's config.json); the others use Options.MaxBodySize.
const smallBody = 1 << 20

// get asks for rawURL, with eco's credentials for its host, and hands the body to read, all within one request
// timeout. A 5xx or 429 answer, a timeout or a failed connection is tried
// once more; a body that read cannot parse is not. The body is cut at
// limit bytes (read then fails with extract.ErrTooLarge).
func (c *Client) get(ctx context.Context, eco, rawURL, accept string, limit int64, read func(io.Reader) error) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("GET %s: %w", rawURL, err)
	}
	if u.Scheme == "file" {
		return c.getFile(ctx, u, limit, read)
	}
	var last error
	for attempt := range 2 {
		if attempt > 0 {
			c.log.Debug("registry request failed; trying again", "url", rawURL, "err", last)
			t := time.NewTimer(c.retryDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("GET %s: %w", rawURL, ctx.Err())
			case <-t.C:
			}
		}
		retry, err := c.try(ctx, eco, u, accept, limit, read)
		if err == nil {
			return nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return last
}

// try makes one request; retry says whether another may succeed.
func (c *Client) try(ctx context.Context, eco string, u *url.URL, accept string, limit int64, read func(io.Reader) error) (retry bool, err error) {
	rctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	cred, hasCred := c.cfg.credFor(eco, u)
	if hasCred {
		req.Header.Set("Authorization", cred.header)
	}
	timedOut := func(err error) error {
		return fmt.Errorf("GET %s: no complete answer within %s: %w", u, c.opt.Timeout, err)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("GET %s: %w", u, ctx.Err())
		}
		if rctx.Err() != nil {
			return true, timedOut(rctx.Err())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	c.log.Debug("registry request", "url", u.String(), "status", resp.StatusCode, "duration", time.Since(start))
	if resp.StatusCode != http.StatusOK {
		he := &HTTPError{URL: u.String(), StatusCode: resp.StatusCode, Status: resp.Status}
		if hasCred {
			he.Credentials = cred.from
		}
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, he
	}
	if resp.ContentLength > limit {
		return false, fmt.Errorf("GET %s: body of %d bytes, limit %d: %w", u, resp.ContentLength, limit, extract.ErrTooLarge)
	}
	if err := read(&limitedReader{r: resp.Body, n: limit, limit: limit}); err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("GET %s: %w", u, ctx.Err())
		}
		if rctx.Err() != nil {
			return true, timedOut(rctx.Err())
		}
		return false, fmt.Errorf("GET %s: %w", u, err)
	}
	return false, nil
}

// getFile reads a file: URL (GOPROXY=file:///dir serves a module cache);
// a missing file is ErrNotFound, as a 404 would be.
func (c *Client) getFile(ctx context.Context, u *url.URL, limit int64, read func(io.Reader) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := filepath.FromSlash(u.Path)
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", u, ErrNotFound)
		}
		return fmt.Errorf("%s: %w", u, err)
	}
	defer f.Close()
	if err := read(&limitedReader{r: f, n: limit, limit: limit}); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

// limitedReader fails, rather than ending early, once more than limit
// bytes come: a body cut short must not parse as a shorter document.
type limitedReader struct {
	r     io.Reader
	n     int64 // bytes left
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			return 0, fmt.Errorf("body larger than %d bytes: %w", l.limit, extract.ErrTooLarge)
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// joinURL appends path segments (already escaped) to base.
func joinURL(base string, segs ...string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.Join(segs, "/")
}
