package npmlock

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/inventory"
)

func TestSplitDescriptor(t *testing.T) {
	tests := []struct {
		in, name, rng string
	}{
		{"lodash@^4.17.21", "lodash", "^4.17.21"},
		{"@babel/core@7.24.0", "@babel/core", "7.24.0"},
		{"@babel/core", "@babel/core", ""},
		{"lodash", "lodash", ""},
		{"a@npm:b@1.0.0", "a", "npm:b@1.0.0"},
		{"@", "@", ""},
		{"", "", ""},
		{"@scope/x@", "@scope/x", ""},
	}
	for _, tt := range tests {
		name, rng := SplitDescriptor(tt.in)
		if diff := cmp.Diff([2]string{tt.name, tt.rng}, [2]string{name, rng}); diff != "" {
			t.Errorf("SplitDescriptor(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestRegistryTarball(t *testing.T) {
	tests := []struct {
		url, version, wantName string
		want                   bool
	}{
		{"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", "2.1.3", "ms", true},
		{"http://registry.npmjs.org/ms/-/ms-2.1.3.tgz#sha1", "2.1.3", "ms", true},
		{"https://registry.yarnpkg.com/@babel/core/-/core-7.24.0.tgz", "7.24.0", "@babel/core", true},
		{"https://npm.example/api/npm/remote/@babel%2fcore/-/core-7.24.0.tgz", "7.24.0", "@babel/core", true},
		{"https://npm.example/api/npm/remote/@babel%2Fcore/-/core-7.24.0.tgz?token=x", "7.24.0", "@babel/core", true},
		{"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", "2.1.2", "", false},    // other version
		{"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", "", "", false},         // no version
		{"https://registry.npmjs.org/ms/-/other-2.1.3.tgz", "2.1.3", "", false}, // file names another package
		{"https://evil.example/-/ms-2.1.3.tgz", "2.1.3", "", false},             // no name before "/-/"
		{"https://evil.example/downloads/ms-2.1.3.tgz", "2.1.3", "", false},     // no "/-/"
		{"https://npm.example", "1.0.0", "", false},                             // no path
		{"ftp://registry.npmjs.org/ms/-/ms-2.1.3.tgz", "2.1.3", "", false},      // not http(s)
		{"file:ms-2.1.3.tgz", "2.1.3", "", false},                               // not a URL
		{"https://npm.example/@a%2fb%2fc/-/c-1.0.0.tgz", "1.0.0", "", false},    // two slashes
		{"https://npm.example/@a%zz/-/a-1.0.0.tgz", "1.0.0", "", false},         // bad escape
		{"https://npm.example/@a%2f/-/-1.0.0.tgz", "1.0.0", "", false},          // empty base
	}
	for _, tt := range tests {
		name, ok := RegistryTarball(tt.url, tt.version)
		if name != tt.wantName || ok != tt.want {
			t.Errorf("RegistryTarball(%q, %q) = %q, %v, want %q, %v", tt.url, tt.version, name, ok, tt.wantName, tt.want)
		}
	}
}

func TestStripCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:token@npm.example/a/-/a-1.0.0.tgz", "https://npm.example/a/-/a-1.0.0.tgz"},
		{"https://token@npm.example/a.tgz", "https://npm.example/a.tgz"},
		{"git+https://u:p@github.com/a/b.git#abc", "git+https://github.com/a/b.git#abc"},
		{"ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"},     // bare ssh user kept
		{"git+ssh://u:secret@host/a.git", "git+ssh://host/a.git"},            // ssh password removed
		{"https://npm.example/a.tgz?x=@y", "https://npm.example/a.tgz?x=@y"}, // "@" after the host
		{"https://npm.example/@scope/a", "https://npm.example/@scope/a"},     // "@" in the path
		{"https://a@b@npm.example/x", "https://npm.example/x"},               // last "@" ends userinfo
		{"git@github.com:a/b.git", "git@github.com:a/b.git"},                 // no scheme
		{"", ""},
	}
	for _, tt := range tests {
		if got := StripCredentials(tt.in); got != tt.want {
			t.Errorf("StripCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendSRIHashes(t *testing.T) {
	sha1 := inventory.Hash{Algorithm: "SHA-1", Value: "0102030405060708090a0b0c0d0e0f1011121314"}
	tests := []struct {
		name      string
		dst       []inventory.Hash
		integrity string
		want      []inventory.Hash
	}{
		{
			name:      "sha512",
			integrity: "sha512-" + strings.Repeat("A", 86) + "==",
			want:      []inventory.Hash{{Algorithm: "SHA-512", Value: strings.Repeat("0", 128)}},
		},
		{
			name:      "several with options",
			integrity: "sha1-AQIDBAUGBwgJCgsMDQ4PEBESExQ=?opt sha256-" + strings.Repeat("A", 43) + "=",
			want:      []inventory.Hash{sha1, {Algorithm: "SHA-256", Value: strings.Repeat("0", 64)}},
		},
		{
			name:      "duplicate of dst",
			dst:       []inventory.Hash{sha1},
			integrity: "sha1-AQIDBAUGBwgJCgsMDQ4PEBESExQ= sha1-AQIDBAUGBwgJCgsMDQ4PEBESExQ=",
			want:      []inventory.Hash{sha1},
		},
		{
			name:      "skips unreadable",
			integrity: "md5-AAAAAAAAAAAAAAAAAAAAAA== sha1-AAAA sha1-!!!! nodash",
		},
		{name: "empty", integrity: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, AppendSRIHashes(tt.dst, tt.integrity)); diff != "" {
				t.Errorf("AppendSRIHashes(%q) mismatch (-want +got):\n%s", tt.integrity, diff)
			}
		})
	}
}

// FuzzHelpers checks that no input makes a helper panic, and the
// properties callers rely on: a tarball match names a package whose file
// the URL ends in, a stripped URL keeps no password, a descriptor splits
// without losing text, and decoded hashes are distinct lower-case hex.
func FuzzHelpers(f *testing.F) {
	f.Add("https://registry.npmjs.org/@babel%2fcore/-/core-7.24.0.tgz?x#y", "7.24.0")
	f.Add("https://u:p@npm.example/ms/-/ms-2.1.3.tgz", "2.1.3")
	f.Add("git+ssh://git@github.com/a/b.git#0123", "@scope/a@^1.0.0")
	f.Add("sha512-"+strings.Repeat("A", 86)+"== sha1-AQIDBAUGBwgJCgsMDQ4PEBESExQ=", "")
	f.Fuzz(func(t *testing.T, u, version string) {
		if name, ok := RegistryTarball(u, version); ok {
			base := name[strings.LastIndexByte(name, '/')+1:]
			if base == "" || version == "" || !strings.Contains(u, "/-/"+base+"-"+version+".tgz") {
				t.Errorf("RegistryTarball(%q, %q) = %q, true", u, version, name)
			}
		}
		s := StripCredentials(u)
		if StripCredentials(s) != s {
			t.Errorf("StripCredentials(%q) = %q, not stable", u, s)
		}
		if _, rest, ok := strings.Cut(s, "://"); ok {
			end := strings.IndexAny(rest, "/?#")
			if end < 0 {
				end = len(rest)
			}
			if user, _, ok := strings.Cut(rest[:end], "@"); ok && strings.Contains(user, ":") {
				t.Errorf("StripCredentials(%q) = %q, keeps a password", u, s)
			}
		}
		if name, rng := SplitDescriptor(version); name+"@"+rng != version && (rng != "" || name != version) {
			t.Errorf("SplitDescriptor(%q) = %q, %q", version, name, rng)
		}
		hs := AppendSRIHashes(nil, u)
		for i, h := range hs {
			if h.Value == "" || strings.Trim(h.Value, "0123456789abcdef") != "" || slices.Index(hs, h) != i {
				t.Errorf("AppendSRIHashes(%q) = %v", u, hs)
			}
		}
	})
}
