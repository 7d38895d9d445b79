package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/vouchdev/vouch/purl"
)

// checkNPMName accepts what npm could have published: "name" or
// "@scope/name", each part one path segment.
func checkNPMName(name string) error {
	if len(name) > 214 {
		return errors.New("npm names are at most 214 characters")
	}
	parts := []string{name}
	if strings.HasPrefix(name, "@") {
		scope, pkg, ok := strings.Cut(name[1:], "/")
		if !ok {
			return errors.New("scoped npm name without /")
		}
		parts = []string{scope, pkg}
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.Contains(p, "/") {
			return errors.New("not an npm package name")
		}
	}
	return nil
}

// npmPath is the URL path segment npm asks for a name: scoped names keep
// their "@" and have the "/" escaped ("@babel%2fcore"), as npm does.
func npmPath(name string) string {
	if scope, pkg, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(name, "@") {
		return "@" + url.PathEscape(scope[1:]) + "%2f" + url.PathEscape(pkg)
	}
	return url.PathEscape(name)
}

// npmRegistry returns the registry of a package: its scope's, else the
// default one.
func (c *Client) npmRegistry(name string) string {
	if strings.HasPrefix(name, "@") {
		scope, _, _ := strings.Cut(name, "/")
		if r := c.cfg.eps.NPMScopes[scope]; r != "" {
			return r
		}
	}
	return c.cfg.eps.NPM
}

// fetchNPM reads one packument for every wanted version of a package.
func (c *Client) fetchNPM(ctx context.Context, j job) map[string]answer {
	base := c.npmRegistry(j.name)
	if base == "" {
		return allErr(j, c.configErr(purl.NPM))
	}
	u := base + npmPath(j.name)
	var pk npmTimes
	err := c.get(ctx, purl.NPM, u, "application/json", c.opt.MaxBodySize, func(r io.Reader) error {
		var err error
		pk, err = parseNPMTime(ctx, r, j.versions)
		return err
	})
	if err != nil {
		return allErr(j, err)
	}
	out := make(map[string]answer, len(j.versions))
	for _, v := range j.versions {
		var a answer
		switch t, ok := pk.times[v]; {
		case ok:
			a = answer{published: t, found: true}
		case pk.bad[v] != nil:
			a.err = fmt.Errorf("%s: %w", u, pk.bad[v])
		case pk.unpublished:
			a.err = fmt.Errorf("%s: the package was unpublished: %w", u, ErrNotFound)
		case pk.listed[v]:
			a.err = fmt.Errorf("%s: the packument lists %s but its \"time\" has no entry for it", u, v)
		default:
			a.err = fmt.Errorf("%s: no version %s: %w", u, v, ErrNotFound)
		}
		a.source = u
		if a.err != nil {
			a.err = fmt.Errorf("npm %s@%s: %w", j.name, v, a.err)
		}
		out[v] = a
	}
	return out
}

// npmTimes is what a packument says about the wanted versions.
type npmTimes struct {
	times       map[string]time.Time // wanted version → publish time
	bad         map[string]error     // wanted versions whose time does not parse
	listed      map[string]bool      // wanted versions present under "versions"
	unpublished bool                 // "time" records an unpublication
}

// parseNPMTime reads an npm packument for the publish times of the wanted
// versions: its "time" object maps each version to the time it was
// published (beside "created", "modified", and "unpublished" for a package
// taken down). The "versions" object, most of a packument's bytes, is only
// scanned for which versions it lists. Reading stops once "time" has
// answered every wanted version.
func parseNPMTime(ctx context.Context, r io.Reader, want []string) (npmTimes, error) {
	pk := npmTimes{times: map[string]time.Time{}, bad: map[string]error{}, listed: map[string]bool{}}
	wanted := make(map[string]bool, len(want))
	for _, v := range want {
		wanted[v] = true
	}
	dec := json.NewDecoder(r)
	if err := openObject(dec); err != nil {
		return pk, err
	}
	for dec.More() {
		key, err := memberKey(dec)
		if err != nil {
			return pk, err
		}
		switch key {
		case "time":
			err = eachElement(ctx, dec, func(k string) error {
				if !wanted[k] && k != "unpublished" {
					var s skip
					return dec.Decode(&s)
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return err
				}
				if k == "unpublished" {
					pk.unpublished = true
					return nil
				}
				var s string
				if err := json.Unmarshal(raw, &s); err != nil {
					pk.bad[k] = fmt.Errorf("time of %s is not a string", k)
					return nil
				}
				t, err := parseTime(s)
				if err != nil {
					pk.bad[k] = fmt.Errorf("time of %s: %w", k, err)
					return nil
				}
				pk.times[k] = t
				return nil
			}, false)
			if err != nil {
				return pk, fmt.Errorf("packument \"time\": %w", err)
			}
			if len(pk.times) == len(wanted) {
				return pk, nil // the rest would change nothing
			}
		case "versions":
			err = eachElement(ctx, dec, func(k string) error {
				if wanted[k] {
					pk.listed[k] = true
				}
				var s skip
				return dec.Decode(&s)
			}, false)
			if err != nil {
				return pk, fmt.Errorf("packument \"versions\": %w", err)
			}
		default:
			if err := skipValue(ctx, dec); err != nil {
				return pk, fmt.Errorf("packument %.40q: %w", key, err)
			}
		}
	}
	return pk, closeObject(dec)
}
