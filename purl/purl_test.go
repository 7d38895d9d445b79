package purl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestForAndParse(t *testing.T) {
	tests := []struct {
		eco, name, version string
		q                  map[string]string
		want               string
		back               Package // what Parse gives back
	}{
		{NPM, "@babel/core", "7.24.0", nil, "pkg:npm/%40babel/core@7.24.0",
			Package{Ecosystem: NPM, Name: "@babel/core", Version: "7.24.0"}},
		{NPM, "ms", "2.0.0", nil, "pkg:npm/ms@2.0.0", Package{Ecosystem: NPM, Name: "ms", Version: "2.0.0"}},
		{Go, "github.com/spf13/cobra", "v1.10.2", nil, "pkg:golang/github.com/spf13/cobra@v1.10.2",
			Package{Ecosystem: Go, Name: "github.com/spf13/cobra", Version: "v1.10.2"}},
		{Go, "stdlib", "v1.22.1", nil, "pkg:golang/stdlib@v1.22.1", Package{Ecosystem: Go, Name: "stdlib", Version: "v1.22.1"}},
		{PyPI, "Django_REST.framework", "3.15.1", nil, "pkg:pypi/django-rest-framework@3.15.1",
			Package{Ecosystem: PyPI, Name: "django-rest-framework", Version: "3.15.1"}},
		{"Debian:12", "liblzma5", "5.4.1-0.2", map[string]string{"arch": "amd64", "upstream": "xz-utils"},
			"pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12&upstream=xz-utils",
			Package{Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.4.1-0.2",
				Qualifiers: map[string]string{"arch": "amd64", "distro": "debian-12", "upstream": "xz-utils"}}},
		{"Ubuntu:22.04", "xz-utils", "5.2.5-2ubuntu1", nil, "pkg:deb/ubuntu/xz-utils@5.2.5-2ubuntu1?distro=ubuntu-22.04",
			Package{Ecosystem: "Ubuntu:22.04", Name: "xz-utils", Version: "5.2.5-2ubuntu1", Qualifiers: map[string]string{"distro": "ubuntu-22.04"}}},
		{"Alpine:v3.19", "xz-libs", "5.4.5-r0", nil, "pkg:apk/alpine/xz-libs@5.4.5-r0?distro=alpine-3.19",
			Package{Ecosystem: "Alpine:v3.19", Name: "xz-libs", Version: "5.4.5-r0", Qualifiers: map[string]string{"distro": "alpine-3.19"}}},
		{Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", nil, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
			Package{Ecosystem: Maven, Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}},
		{CratesIO, "serde", "1.0.200", nil, "pkg:cargo/serde@1.0.200", Package{Ecosystem: CratesIO, Name: "serde", Version: "1.0.200"}},
		{Actions, "Actions/Checkout", "v4", nil, "pkg:github/actions/checkout@v4",
			Package{Ecosystem: Actions, Name: "actions/checkout", Version: "v4"}},
		{Actions, "actions/cache/restore", "v4", nil, "pkg:github/actions/cache@v4#restore",
			Package{Ecosystem: Actions, Name: "actions/cache", Version: "v4", Subpath: "restore"}},
		{"Debian", "bash", "5.2.15-2+b2", nil, "pkg:deb/debian/bash@5.2.15-2%2Bb2",
			Package{Ecosystem: "Debian", Name: "bash", Version: "5.2.15-2+b2"}},
	}
	for _, tt := range tests {
		got := For(tt.eco, tt.name, tt.version, tt.q)
		if got != tt.want {
			t.Errorf("For(%q, %q, %q) = %q, want %q", tt.eco, tt.name, tt.version, got, tt.want)
			continue
		}
		back, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%q): %v", got, err)
			continue
		}
		if len(back.Qualifiers) == 0 {
			back.Qualifiers = nil
		}
		if diff := cmp.Diff(tt.back, back); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", got, diff)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "npm/ms@1", "pkg:", "pkg:npm"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", s)
		}
	}
}

func TestNormalizePyPI(t *testing.T) {
	tests := map[string]string{
		"Flask":              "flask",
		"zope.interface":     "zope-interface",
		"typing__extensions": "typing-extensions",
		"A-._b":              "a-b",
	}
	for in, want := range tests {
		if got := NormalizePyPI(in); got != want {
			t.Errorf("NormalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pkg:npm/%40babel/core@7.24.0")
	f.Add("pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12")
	f.Add("pkg:github/actions/cache@v4#restore")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if p.Ecosystem == "" {
			return
		}
		// What parses into a known ecosystem must build back to a PURL that
		// parses to the same package.
		again, err := Parse(For(p.Ecosystem, p.Name, p.Version, p.Qualifiers))
		if err != nil {
			t.Fatalf("round trip of %q: %v", s, err)
		}
		if again.Name != p.Name || again.Version != p.Version || again.Ecosystem != p.Ecosystem {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, p)
		}
	})
}
