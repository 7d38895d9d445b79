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

	"github.com/google/osv-scalibr/semantic"
	"github.com/vouchdev/vouch/purl"
)

// pypiName is a valid distribution name (PEP 508).
var pypiName = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)

func validPyPIName(n string) bool { return pypiName.MatchString(n) }

// pep691Accept asks a simple index for its JSON form (PEP 691).
const pep691Accept = "application/vnd.pypi.simple.v1+json"

// fetchPyPI asks the JSON API for each wanted version of a package, and
// the simple index (once, for all of them) for those the JSON API does not
// have: mirrors often serve only the simple API.
func (c *Client) fetchPyPI(ctx context.Context, j job) map[string]answer {
	eps := c.cfg.eps
	if eps.PyPI == "" && eps.PyPISimple == "" {
		return allErr(j, c.configErr(purl.PyPI))
	}
	out := make(map[string]answer, len(j.versions))
	var rest []string
	jsonErr := map[string]error{}
	for _, v := range j.versions {
		if eps.PyPI == "" {
			rest = append(rest, v)
			continue
		}
		u := joinURL(eps.PyPI, "pypi", url.PathEscape(j.name), url.PathEscape(v), "json")
		var rel pypiRelease
		err := c.get(ctx, purl.PyPI, u, "application/json", c.opt.MaxBodySize, func(r io.Reader) error {
			var err error
			rel, err = parsePyPIJSON(ctx, r)
			return err
		})
		switch {
		case err == nil && !rel.earliest.IsZero():
			out[v] = answer{published: rel.earliest, found: true, source: u}
		case err == nil:
			jsonErr[v] = fmt.Errorf("%s: the release has no files: %w", u, ErrNotFound)
			rest = append(rest, v)
		case errors.Is(err, ErrNotFound) && eps.PyPISimple != "":
			jsonErr[v] = err
			rest = append(rest, v)
		default:
			out[v] = answer{err: fmt.Errorf("PyPI %s@%s: %w", j.name, v, err)}
		}
	}
	if len(rest) == 0 {
		return out
	}
	fail := func(v string, err error) {
		if je := jsonErr[v]; je != nil && errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("%w; %w", je, err)
		}
		out[v] = answer{err: fmt.Errorf("PyPI %s@%s: %w", j.name, v, err)}
	}
	if eps.PyPISimple == "" {
		for _, v := range rest {
			fail(v, jsonErr[v])
		}
		return out
	}
	u := eps.PyPISimple + url.PathEscape(j.name) + "/"
	var idx pypiSimple
	err := c.get(ctx, purl.PyPI, u, pep691Accept, c.opt.MaxBodySize, func(r io.Reader) error {
		var err error
		idx, err = parsePyPISimple(ctx, r, j.name, rest)
		return err
	})
	for _, v := range rest {
		switch t, ok := idx.times[v]; {
		case err != nil:
			fail(v, err)
		case ok:
			out[v] = answer{published: t, found: true, source: u}
		case idx.listed[v]:
			fail(v, fmt.Errorf("%s: files of %s carry no upload-time (the index speaks PEP 691 before version 1.1)", u, v))
		default:
			fail(v, fmt.Errorf("%s: no files of version %s: %w", u, v, ErrNotFound))
		}
	}
	return out
}

// pypiRelease is what the JSON API says about one release.
type pypiRelease struct {
	earliest time.Time // the first upload of any of its files
	files    int
}

// parsePyPIJSON reads /pypi/NAME/VERSION/json: the release's files are in
// "urls", each with "upload_time_iso_8601" (and the older, zoneless UTC
// "upload_time"); the release was published when its first file was
// uploaded. "info", which holds the whole description, is skipped.
func parsePyPIJSON(ctx context.Context, r io.Reader) (pypiRelease, error) {
	var rel pypiRelease
	dec := json.NewDecoder(r)
	if err := openObject(dec); err != nil {
		return rel, err
	}
	for dec.More() {
		key, err := memberKey(dec)
		if err != nil {
			return rel, err
		}
		if key != "urls" {
			if err := skipValue(ctx, dec); err != nil {
				return rel, fmt.Errorf("%.40q: %w", key, err)
			}
			continue
		}
		err = eachElement(ctx, dec, func(string) error {
			var f struct {
				ISO    string `json:"upload_time_iso_8601"`
				Upload string `json:"upload_time"`
			}
			if err := dec.Decode(&f); err != nil {
				return err
			}
			s := f.ISO
			if s == "" {
				s = f.Upload
			}
			t, err := parseTime(s)
			if err != nil {
				return fmt.Errorf("file %d: %w", rel.files+1, err)
			}
			rel.files++
			if rel.earliest.IsZero() || t.Before(rel.earliest) {
				rel.earliest = t
			}
			return nil
		}, false)
		if err != nil {
			return rel, fmt.Errorf("\"urls\": %w", err)
		}
	}
	return rel, closeObject(dec)
}

// pypiSimple is what a simple index says about the wanted versions.
type pypiSimple struct {
	times  map[string]time.Time // wanted version → earliest upload-time of its files
	listed map[string]bool      // wanted versions with files
}

// parsePyPISimple reads a PEP 691 project page ({"meta": {"api-version":
// "1.1"}, "name": ..., "files": [{"filename": ..., "upload-time": ...}]})
// for the wanted versions of the project name (PEP 503 normalised). A
// file's version comes from its name (wheel, sdist or egg); versions
// compare as PEP 440 says ("1.0" is "1.0.0"). upload-time is optional
// before api-version 1.1.
func parsePyPISimple(ctx context.Context, r io.Reader, name string, want []string) (pypiSimple, error) {
	idx := pypiSimple{times: map[string]time.Time{}, listed: map[string]bool{}}
	match := newPEP440Matcher(want)
	dec := json.NewDecoder(r)
	if err := openObject(dec); err != nil {
		return idx, err
	}
	for dec.More() {
		key, err := memberKey(dec)
		if err != nil {
			return idx, err
		}
		switch key {
		case "meta":
			var meta struct {
				APIVersion string `json:"api-version"`
			}
			if err := dec.Decode(&meta); err != nil {
				return idx, fmt.Errorf("\"meta\": %w", err)
			}
			if major, _, _ := strings.Cut(meta.APIVersion, "."); major != "1" {
				return idx, fmt.Errorf("simple API version %.20q, not 1.x", meta.APIVersion)
			}
		case "files":
			err = eachElement(ctx, dec, func(string) error {
				var f struct {
					Filename   string `json:"filename"`
					UploadTime string `json:"upload-time"`
				}
				if err := dec.Decode(&f); err != nil {
					return err
				}
				v := match.find(fileVersion(f.Filename, name))
				if v == "" {
					return nil
				}
				idx.listed[v] = true
				if f.UploadTime == "" {
					return nil
				}
				t, err := parseTime(f.UploadTime)
				if err != nil {
					return fmt.Errorf("%.80q: %w", f.Filename, err)
				}
				if old, ok := idx.times[v]; !ok || t.Before(old) {
					idx.times[v] = t
				}
				return nil
			}, false)
			if err != nil {
				return idx, fmt.Errorf("\"files\": %w", err)
			}
		default:
			if err := skipValue(ctx, dec); err != nil {
				return idx, fmt.Errorf("%.40q: %w", key, err)
			}
		}
	}
	return idx, closeObject(dec)
}

// sdistSuffixes are the archive suffixes of source distributions.
var sdistSuffixes = []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tgz", ".tbz", ".tar", ".zip"}

// fileVersion returns the version of a distribution file of the project
// name (PEP 503 normalised), or "" when the file is not one of its
// distributions. Wheels and eggs are "name-version-...", with "_" for "-"
// in the name; a source distribution is "name-version.tar.gz", where older
// ones kept the name's hyphens, so each hyphen is tried as the split.
func fileVersion(filename, name string) string {
	switch {
	case strings.HasSuffix(filename, ".whl"), strings.HasSuffix(filename, ".egg"):
		parts := strings.Split(filename, "-")
		if len(parts) >= 3 && purl.NormalizePyPI(parts[0]) == name {
			return parts[1]
		}
		return ""
	}
	stem := ""
	for _, s := range sdistSuffixes {
		if strings.HasSuffix(filename, s) {
			stem = strings.TrimSuffix(filename, s)
			break
		}
	}
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && purl.NormalizePyPI(stem[:i]) == name {
			return stem[i+1:]
		}
	}
	return ""
}

// pep440Matcher finds which wanted version a file's version is, by PEP
// 440 equality, parsing each distinct version once.
type pep440Matcher struct {
	want   []string
	parsed []semantic.Version // nil where the wanted version is not PEP 440
	seen   map[string]string  // file version → wanted version ("" for none)
}

func newPEP440Matcher(want []string) *pep440Matcher {
	m := &pep440Matcher{want: want, parsed: make([]semantic.Version, len(want)), seen: map[string]string{}}
	for i, w := range want {
		if v, err := semantic.Parse(w, purl.PyPI); err == nil {
			m.parsed[i] = v
		}
	}
	return m
}

// maxSeen bounds the memo of file versions; past it versions are compared
// afresh.
const maxSeen = 10000

func (m *pep440Matcher) find(v string) string {
	if v == "" || len(v) > 128 {
		return ""
	}
	if w, ok := m.seen[v]; ok {
		return w
	}
	found := ""
	for i, w := range m.want {
		if strings.EqualFold(v, w) {
			found = w
			break
		}
		if m.parsed[i] == nil {
			continue
		}
		if cmp, err := m.parsed[i].CompareStr(v); err == nil && cmp == 0 {
			found = w
			break
		}
	}
	if len(m.seen) < maxSeen {
		m.seen[v] = found
	}
	return found
}
