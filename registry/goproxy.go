package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vouchdev/vouch/purl"
	"golang.org/x/mod/module"
)

// fetchGo asks the module proxy for one version's .info.
func (c *Client) fetchGo(ctx context.Context, j job) map[string]answer {
	base := c.cfg.eps.GoProxy
	if base == "" {
		return allErr(j, c.configErr(purl.Go))
	}
	out := make(map[string]answer, len(j.versions))
	for _, v := range j.versions {
		out[v] = c.fetchGoVersion(ctx, base, j.name, v)
	}
	return out
}

func (c *Client) fetchGoVersion(ctx context.Context, base, path, version string) answer {
	fail := func(err error) answer {
		return answer{err: fmt.Errorf("%s %s@%s: %w", purl.Go, path, version, err)}
	}
	// Escaping makes upper case "!x", which is how the proxy protocol
	// spells it; canonical() has checked both already.
	ep, err := module.EscapePath(path)
	if err != nil {
		return fail(fmt.Errorf("%v: %w", err, ErrInvalid))
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return fail(fmt.Errorf("%v: %w", err, ErrInvalid))
	}
	u := joinURL(base, ep, "@v", ev+".info")
	var info goInfo
	err = c.get(ctx, purl.Go, u, "application/json", smallBody, func(r io.Reader) error {
		var err error
		info, err = parseGoInfo(r)
		return err
	})
	if err != nil {
		return fail(err)
	}
	if info.Version != version {
		return fail(fmt.Errorf("%s: answered for version %q", u, info.Version))
	}
	return answer{published: info.Time, found: true, source: u}
}

// goInfo is a module proxy's $module/@v/$version.info.
type goInfo struct {
	Version string
	Time    time.Time
}

// parseGoInfo reads a .info document: {"Version": "v1.2.3", "Time":
// "2023-01-02T03:04:05Z"} (and, from newer proxies, an "Origin" that is not
// needed here).
func parseGoInfo(r io.Reader) (goInfo, error) {
	var raw struct {
		Version *string
		Time    *string
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return goInfo{}, fmt.Errorf("module info: %w", notJSON(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return goInfo{}, errors.New("module info: data after the JSON document")
	}
	if raw.Version == nil || raw.Time == nil {
		return goInfo{}, errors.New("module info without Version or Time")
	}
	t, err := parseTime(*raw.Time)
	if err != nil {
		return goInfo{}, fmt.Errorf("module info: %w", err)
	}
	return goInfo{Version: *raw.Version, Time: t}, nil
}
