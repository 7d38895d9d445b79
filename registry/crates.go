package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vouchdev/vouch/purl"
)

// crateName is a name crates.io accepts.
var crateName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

func validCrateName(n string) bool { return crateName.MatchString(n) }

// maxCratePages bounds the pages of a paginated versions list.
const maxCratePages = 50

// cratesBase returns the web API base: the configured one, or the "api"
// of the sparse index's config.json, read once per client.
func (c *Client) cratesBase(ctx context.Context) (string, error) {
	eps := c.cfg.eps
	if eps.Crates != "" {
		return eps.Crates, nil
	}
	if eps.CratesIndex == "" {
		return "", c.configErr(purl.CratesIO)
	}
	c.cratesMu.Lock()
	defer c.cratesMu.Unlock()
	if c.cratesDone {
		return c.cratesAPI, c.cratesErr
	}
	u := eps.CratesIndex + "config.json"
	var api string
	err := c.get(ctx, purl.CratesIO, u, "application/json", smallBody, func(r io.Reader) error {
		var err error
		api, err = parseCratesIndexConfig(r)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return "", err // another lookup may still succeed
		}
		err = &ConfigError{Ecosystem: purl.CratesIO, Reason: fmt.Sprintf("the sparse index gives no web API: %v", err), Hint: hints[purl.CratesIO]}
	}
	c.cratesDone, c.cratesAPI, c.cratesErr = true, api, err
	if err == nil {
		c.log.Debug("crates.io web API from the index", "index", eps.CratesIndex, "api", api)
	}
	return api, err
}

// parseCratesIndexConfig reads a registry index's config.json ({"dl":
// ..., "api": "https://host"}) for its web API base.
func parseCratesIndexConfig(r io.Reader) (string, error) {
	var cfg struct {
		API string `json:"api"`
	}
	if err := json.NewDecoder(r).Decode(&cfg); err != nil {
		return "", fmt.Errorf("index config: %w", notJSON(err))
	}
	if cfg.API == "" {
		return "", errors.New("index config has no \"api\"")
	}
	u, err := parseBase(cfg.API, false)
	if err != nil {
		return "", fmt.Errorf("index config \"api\": %w", err)
	}
	if u.User != nil {
		return "", errors.New("index config \"api\" carries credentials")
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// fetchCrates asks for one version, or for the crate's versions list when
// several of its versions are wanted.
func (c *Client) fetchCrates(ctx context.Context, j job) map[string]answer {
	base, err := c.cratesBase(ctx)
	if err != nil {
		return allErr(j, err)
	}
	crate := joinURL(base, "api", "v1", "crates", url.PathEscape(j.name))
	out := make(map[string]answer, len(j.versions))
	fail := func(v string, err error) {
		out[v] = answer{err: fmt.Errorf("crates.io %s@%s: %w", j.name, v, err)}
	}
	if len(j.versions) == 1 {
		v := j.versions[0]
		u := crate + "/" + url.PathEscape(v)
		var cv crateVersion
		err := c.get(ctx, purl.CratesIO, u, "application/json", smallBody, func(r io.Reader) error {
			var err error
			cv, err = parseCrateVersion(r)
			return err
		})
		switch {
		case err != nil:
			fail(v, err)
		case cv.num != v:
			fail(v, fmt.Errorf("%s: answered for version %.40q", u, cv.num))
		default:
			out[v] = answer{published: cv.created, found: true, source: u}
		}
		return out
	}

	list := crate + "/versions"
	times := map[string]time.Time{}
	bad := map[string]error{}
	u := list
	for page := 0; ; page++ {
		var p cratePage
		err := c.get(ctx, purl.CratesIO, u, "application/json", c.opt.MaxBodySize, func(r io.Reader) error {
			var err error
			p, err = parseCrateVersions(ctx, r, j.versions)
			return err
		})
		if err != nil {
			for _, v := range j.versions {
				if _, ok := times[v]; !ok {
					fail(v, err)
				}
			}
			break
		}
		for v, t := range p.times {
			times[v] = t
		}
		for v, e := range p.bad {
			bad[v] = e
		}
		if len(times)+len(bad) == len(j.versions) || p.next == "" || page+1 >= maxCratePages {
			break
		}
		if !strings.HasPrefix(p.next, "?") {
			break // next_page is a query on the same URL; anything else is not followed
		}
		u = list + p.next
	}
	for _, v := range j.versions {
		if _, done := out[v]; done {
			continue
		}
		switch t, ok := times[v]; {
		case ok:
			out[v] = answer{published: t, found: true, source: list}
		case bad[v] != nil:
			fail(v, fmt.Errorf("%s: %w", list, bad[v]))
		default:
			fail(v, fmt.Errorf("%s: no version %s: %w", list, v, ErrNotFound))
		}
	}
	return out
}

// crateVersion is one version as the web API describes it.
type crateVersion struct {
	num     string
	created time.Time
}

// parseCrateVersion reads /api/v1/crates/NAME/VERSION: {"version": {"num":
// "1.0.0", "created_at": "2017-04-20T06:03:12.811566+00:00", ...}}.
func parseCrateVersion(r io.Reader) (crateVersion, error) {
	var doc struct {
		Version *struct {
			Num       string `json:"num"`
			CreatedAt string `json:"created_at"`
		} `json:"version"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return crateVersion{}, fmt.Errorf("crate version: %w", notJSON(err))
	}
	if doc.Version == nil || doc.Version.Num == "" {
		return crateVersion{}, errors.New("crate version: no \"version\" object")
	}
	t, err := parseTime(doc.Version.CreatedAt)
	if err != nil {
		return crateVersion{}, fmt.Errorf("crate version created_at: %w", err)
	}
	return crateVersion{num: doc.Version.Num, created: t}, nil
}

// cratePage is what one page of a versions list says about the wanted
// versions.
type cratePage struct {
	times map[string]time.Time
	bad   map[string]error // wanted versions whose created_at does not parse
	next  string           // meta.next_page: "?per_page=...&seek=..." or ""
}

// parseCrateVersions reads /api/v1/crates/NAME/versions: {"versions":
// [{"num": ..., "created_at": ...}, ...], "meta": {"total": N,
// "next_page": null or "?..."}}, one version at a time.
func parseCrateVersions(ctx context.Context, r io.Reader, want []string) (cratePage, error) {
	p := cratePage{times: map[string]time.Time{}, bad: map[string]error{}}
	wanted := make(map[string]bool, len(want))
	for _, v := range want {
		wanted[v] = true
	}
	dec := json.NewDecoder(r)
	if err := openObject(dec); err != nil {
		return p, err
	}
	for dec.More() {
		key, err := memberKey(dec)
		if err != nil {
			return p, err
		}
		switch key {
		case "versions":
			err = eachElement(ctx, dec, func(string) error {
				var v struct {
					Num       string `json:"num"`
					CreatedAt string `json:"created_at"`
				}
				if err := dec.Decode(&v); err != nil {
					return err
				}
				if !wanted[v.Num] {
					return nil
				}
				t, err := parseTime(v.CreatedAt)
				if err != nil {
					p.bad[v.Num] = err
					return nil
				}
				p.times[v.Num] = t
				return nil
			}, false)
			if err != nil {
				return p, fmt.Errorf("\"versions\": %w", err)
			}
		case "meta":
			var meta struct {
				NextPage *string `json:"next_page"`
			}
			if err := dec.Decode(&meta); err != nil {
				return p, fmt.Errorf("\"meta\": %w", err)
			}
			if meta.NextPage != nil {
				p.next = *meta.NextPage
			}
		default:
			if err := skipValue(ctx, dec); err != nil {
				return p, fmt.Errorf("%.40q: %w", key, err)
			}
		}
	}
	return p, closeObject(dec)
}
