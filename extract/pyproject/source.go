package pyproject

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// hashAlgorithms maps the hashlib names Python tools write before ":" to
// CycloneDX names, with the hex length a digest must have.
var hashAlgorithms = map[string]struct {
	name string
	hex  int
}{
	"md5":    {"MD5", 32},
	"sha1":   {"SHA-1", 40},
	"sha256": {"SHA-256", 64},
	"sha384": {"SHA-384", 96},
	"sha512": {"SHA-512", 128},
}

// ParseHash reads a digest as pip, Poetry, PDM, Pipenv and uv write it,
// "sha256:<hex>" (pip's "--hash=" and URL fragments use "sha256=<hex>").
// It reports false for an unknown algorithm or a value that is not hex of
// the right length.
func ParseHash(s string) (inventory.Hash, bool) {
	alg, val, ok := strings.Cut(s, ":")
	if !ok {
		alg, val, ok = strings.Cut(s, "=")
	}
	if !ok {
		return inventory.Hash{}, false
	}
	a, known := hashAlgorithms[strings.ToLower(strings.TrimSpace(alg))]
	val = strings.ToLower(strings.TrimSpace(val))
	if !known || len(val) != a.hex {
		return inventory.Hash{}, false
	}
	for i := 0; i < len(val); i++ {
		if !isHex(val[i]) {
			return inventory.Hash{}, false
		}
	}
	return inventory.Hash{Algorithm: a.name, Value: val}, true
}

// UniqueHashes drops repeated digests, keeping the first of each in
// order: lockfiles list one digest per file, but entries repeated across
// groups or extras repeat them.
func UniqueHashes(hs []inventory.Hash) []inventory.Hash {
	if len(hs) < 2 {
		return hs
	}
	seen := make(map[inventory.Hash]bool, len(hs))
	out := hs[:0]
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}

// GitSource is the Source of a package built from git: the repository URL
// in pip's notation ("git+https://…") with the commit after "@" when known.
func GitSource(repo, commit string) string {
	repo = extract.RedactURL(repo)
	if !strings.HasPrefix(repo, "git+") {
		repo = "git+" + repo
	}
	if commit != "" {
		repo += "@" + commit
	}
	return repo
}

// IsCommit reports whether a git ref looks like a commit id: 7 to 40 hex
// digits with at least one letter (so "2024010" stays a tag), or exactly 40.
func IsCommit(ref string) bool {
	if len(ref) < 7 || len(ref) > 40 {
		return false
	}
	letter := false
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !isHex(c) {
			return false
		}
		letter = letter || c >= 'a'
	}
	return letter || len(ref) == 40
}

// tagVersion matches a git tag that names a release: a PEP 440 version,
// optionally prefixed with "v".
var tagVersion = regexp.MustCompile(`(?i)^v?(\d+(\.\d+)*((a|b|c|rc|alpha|beta|pre|preview)\.?\d*)?([.-]?(post|rev|r)\.?\d*)?([.-]?dev\.?\d*)?(\+[a-z0-9]+([.-][a-z0-9]+)*)?)$`)

// TagVersion returns the version a git tag names ("v2.3.3" → "2.3.3"), or
// false for a ref that is a branch or a commit.
func TagVersion(ref string) (string, bool) {
	if IsCommit(ref) {
		return "", false
	}
	m := tagVersion.FindStringSubmatch(ref)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// SplitGitURL splits a uv- or pip-style git URL into the repository, the
// ref after "@" (pip) or in "?rev=/tag=/branch=" (uv), the commit after "#"
// (uv) and a "subdirectory" from the query or fragment.
func SplitGitURL(raw string) (repo, ref, commit, subdir string) {
	raw = strings.TrimPrefix(raw, "git+")
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		frag := raw[i+1:]
		raw = raw[:i]
		for _, kv := range strings.Split(frag, "&") {
			k, v, ok := strings.Cut(kv, "=")
			switch {
			case !ok && commit == "":
				commit = k
			case k == "subdirectory":
				subdir = v
			}
		}
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		q, _ := url.ParseQuery(raw[i+1:])
		raw = raw[:i]
		for _, k := range []string{"rev", "tag", "branch"} {
			if v := q.Get(k); v != "" && ref == "" {
				ref = v
			}
		}
		if v := q.Get("subdirectory"); v != "" {
			subdir = v
		}
	}
	// pip puts the ref after the last "@" of the path, not the one of
	// user info ("git+ssh://git@github.com/o/r.git@v1").
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		hostEnd := strings.IndexByte(rest, '/')
		if hostEnd >= 0 {
			if at := strings.LastIndexByte(rest[hostEnd:], '@'); at >= 0 {
				ref = rest[hostEnd+at+1:]
				rest = rest[:hostEnd+at]
			}
		}
		raw = scheme + "://" + rest
	}
	return raw, ref, commit, subdir
}
