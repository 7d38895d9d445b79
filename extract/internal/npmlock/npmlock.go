// Package npmlock reads the values that npm, Yarn and pnpm lockfiles write
// alike: "name@range" descriptors, registry tarball URLs, URLs that may
// carry credentials, and Subresource Integrity strings.
//
// The three extractors share it so that a package counts as coming from a
// registry, a token is kept out of an SBOM, and an integrity value becomes
// hashes by one rule, whichever tool wrote the lockfile.
package npmlock

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/inventory"
)

// SplitDescriptor splits "name@range" ("@scope/name@range") at the "@"
// that ends the name: a scope's leading "@" is part of the name. A
// descriptor without a range is all name.
func SplitDescriptor(s string) (name, rng string) {
	from := 0
	if strings.HasPrefix(s, "@") {
		from = 1
	}
	i := strings.IndexByte(s[from:], '@')
	if i < 0 {
		return s, ""
	}
	return s[:from+i], s[from+i+1:]
}

// RegistryTarball reports whether u is a tarball a registry serves for
// version: an http(s) URL, on any host, whose path ends in
// "/<name>/-/<base>-<version>.tgz", where base is name without its scope
// (the scope may be written "@scope/" or "@scope%2f"). It returns the
// package name the path gives, which callers compare with the name they
// expect. No host is assumed, so private registries and mirrors count too.
func RegistryTarball(u, version string) (name string, ok bool) {
	if version == "" {
		return "", false
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	_, p, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(p, "/-/")
	if i < 0 {
		return "", false
	}
	file := p[i+3:]
	segs := strings.Split(p[:i], "/")
	nameSeg := segs[len(segs)-1]
	var n string
	switch {
	case len(segs) >= 2 && strings.HasPrefix(segs[len(segs)-2], "@"):
		n = segs[len(segs)-2] + "/" + nameSeg
	case strings.HasPrefix(nameSeg, "@"):
		dec, err := url.PathUnescape(nameSeg)
		if err != nil || strings.Count(dec, "/") != 1 {
			return "", false
		}
		n = dec
	default:
		n = nameSeg
	}
	base := n[strings.LastIndexByte(n, '/')+1:]
	if base == "" || file != base+"-"+version+".tgz" {
		return "", false
	}
	return n, true
}

// StripCredentials removes the user information from a URL
// ("https://user:token@host/...") so that a secret written into the
// lockfile does not travel on into an SBOM. A bare user name is kept
// where it is not a secret, as ssh's "git@".
func StripCredentials(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return u
	}
	web := scheme == "http" || scheme == "https" || strings.HasSuffix(scheme, "+http") || strings.HasSuffix(scheme, "+https")
	if !web && !strings.Contains(rest[:at], ":") {
		return u
	}
	return scheme + "://" + rest[at+1:]
}

// hashAlgorithms maps Subresource Integrity names to CycloneDX names and
// digest sizes.
var hashAlgorithms = map[string]struct {
	name string
	size int
}{
	"sha1":   {"SHA-1", 20},
	"sha256": {"SHA-256", 32},
	"sha384": {"SHA-384", 48},
	"sha512": {"SHA-512", 64},
}

// AppendSRIHashes decodes an "integrity" value and appends each hash not
// already in dst. Like npm's ssri, it skips entries it cannot read
// (unknown algorithm, bad base64, wrong length) rather than failing the
// file. It appends, rather than returns a new slice, because Yarn spreads
// one package's hashes over several fields.
func AppendSRIHashes(dst []inventory.Hash, integrity string) []inventory.Hash {
	for _, f := range strings.Fields(integrity) {
		alg, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		b64, _, _ = strings.Cut(b64, "?")
		a, ok := hashAlgorithms[alg]
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != a.size {
			continue
		}
		h := inventory.Hash{Algorithm: a.name, Value: hex.EncodeToString(raw)}
		if !slices.Contains(dst, h) {
			dst = append(dst, h)
		}
	}
	return dst
}
