package extract

import "strings"

// RedactURL removes the user name and password from a URL so tokens
// written into lockfiles, manifests and requirements never reach output.
// Text that is not a URL with credentials is returned unchanged.
func RedactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return s
	}
	return scheme + "://" + rest[at+1:]
}
