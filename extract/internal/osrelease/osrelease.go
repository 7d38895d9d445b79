// Package osrelease reads os-release(5), the file through which a root
// filesystem names its distribution, for the OS package extractors (dpkg,
// apk, rpm) that turn ID and VERSION_ID into an OSV ecosystem and a
// "distro" qualifier. It lives in one place so that they quote, cap and
// fall back alike.
package osrelease

import (
	"io/fs"
	"strings"

	"github.com/vouchdev/vouch/extract"
)

// MaxSize bounds the os-release read: real ones are well under a
// kilobyte, and a scanned image may hold anything at that path.
const MaxSize = 64 << 10

// paths are where os-release(5) says to look, in order: etc/os-release
// overrides the vendor's usr/lib/os-release.
var paths = [...]string{"etc/os-release", "usr/lib/os-release"}

// Read returns the fields of the first of etc/os-release and
// usr/lib/os-release found under
// prefix in root (prefix is "" or ends in "/"). It returns nil when there
// is none, or when the one found is not a regular file or is longer than
// MaxSize, so callers can tell a missing file from one without a field;
// the scan goes on either way, since the distribution only refines PURLs.
func Read(root fs.FS, prefix string) map[string]string {
	for _, name := range paths {
		if data := readBounded(root, prefix+name, MaxSize); data != nil {
			return Parse(data)
		}
	}
	return nil
}

// Parse returns the KEY=value assignments of an os-release file. It
// follows the subset of shell syntax os-release(5) allows: blank lines
// and lines starting with "#" are skipped, as are lines without "="; a
// value wholly in single or double quotes loses them and has each
// backslash escape replaced by the character escaped; CRLF line ends are
// accepted. A later assignment of a key wins, as it would in a shell.
// Parse never fails: a malformed line only loses that line.
func Parse(data []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || k == "" || strings.HasPrefix(k, "#") {
			continue
		}
		m[k] = unquote(strings.TrimSpace(v))
	}
	return m
}

// unquote removes the shell quoting os-release allows around values.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
		if v != "" && strings.ContainsRune(v, '\\') {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}

// readBounded reads name from root whole, or returns nil when it is
// missing, not a regular file, or longer than max.
func readBounded(root fs.FS, name string, max int64) []byte {
	data, err := extract.ReadFile(root, name, max)
	if err != nil {
		return nil
	}
	return data
}
