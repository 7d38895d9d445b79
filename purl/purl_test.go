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
		// RPM: the namespace is the vendor, from the distro qualifier when
		// there is one; the epoch is a qualifier, not part of the version.
		{RedHat, "openssl-libs", "3.0.7-27.el9", map[string]string{"arch": "x86_64", "epoch": "1", "distro": "rhel-9.4"},
			"pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1",
			Package{Ecosystem: RedHat, Name: "openssl-libs", Version: "3.0.7-27.el9",
				Qualifiers: map[string]string{"arch": "x86_64", "distro": "rhel-9.4", "epoch": "1"}}},
		{RedHat, "bash", "5.2.26-3.fc40", map[string]string{"distro": "fedora-40"}, "pkg:rpm/fedora/bash@5.2.26-3.fc40?distro=fedora-40",
			Package{Ecosystem: RedHat, Name: "bash", Version: "5.2.26-3.fc40", Qualifiers: map[string]string{"distro": "fedora-40"}}},
		{RedHat, "glibc", "2.28-236.0.1.el8", map[string]string{"distro": "ol-8.9"}, "pkg:rpm/oracle/glibc@2.28-236.0.1.el8?distro=ol-8.9",
			Package{Ecosystem: RedHat, Name: "glibc", Version: "2.28-236.0.1.el8", Qualifiers: map[string]string{"distro": "ol-8.9"}}},
		{RedHat, "xz-libs", "5.2.5-8.el9", nil, "pkg:rpm/redhat/xz-libs@5.2.5-8.el9",
			Package{Ecosystem: RedHat, Name: "xz-libs", Version: "5.2.5-8.el9"}},
		{"Rocky Linux:9", "xz-libs", "5.2.5-8.el9_0", map[string]string{"distro": "rocky-9.3"},
			"pkg:rpm/rocky/xz-libs@5.2.5-8.el9_0?distro=rocky-9.3",
			Package{Ecosystem: "Rocky Linux:9", Name: "xz-libs", Version: "5.2.5-8.el9_0", Qualifiers: map[string]string{"distro": "rocky-9.3"}}},
		{"AlmaLinux:8", "bash", "4.4.20-4.el8_6", nil, "pkg:rpm/almalinux/bash@4.4.20-4.el8_6?distro=almalinux-8",
			Package{Ecosystem: "AlmaLinux:8", Name: "bash", Version: "4.4.20-4.el8_6", Qualifiers: map[string]string{"distro": "almalinux-8"}}},
		{"openSUSE:Leap 15.5", "libzypp", "17.31.15-150400.3.49.1", map[string]string{"distro": "opensuse-leap-15.5"},
			"pkg:rpm/opensuse/libzypp@17.31.15-150400.3.49.1?distro=opensuse-leap-15.5",
			Package{Ecosystem: OpenSUSE, Name: "libzypp", Version: "17.31.15-150400.3.49.1", Qualifiers: map[string]string{"distro": "opensuse-leap-15.5"}}},
		{SUSE, "glibc", "2.31-150300.63.1", map[string]string{"distro": "sles-15.5"}, "pkg:rpm/suse/glibc@2.31-150300.63.1?distro=sles-15.5",
			Package{Ecosystem: SUSE, Name: "glibc", Version: "2.31-150300.63.1", Qualifiers: map[string]string{"distro": "sles-15.5"}}},
		{"Azure Linux:2", "curl", "8.8.0-1.cm2", map[string]string{"distro": "mariner-2.0"}, "pkg:rpm/azurelinux/curl@8.8.0-1.cm2?distro=mariner-2.0",
			Package{Ecosystem: "Azure Linux:2", Name: "curl", Version: "8.8.0-1.cm2", Qualifiers: map[string]string{"distro": "mariner-2.0"}}},
		// Docker: the registry host is the repository_url qualifier, the
		// rest namespace and name (the PURL spec's docker examples).
		{Docker, "cassandra", "latest", nil, "pkg:docker/cassandra@latest",
			Package{Ecosystem: Docker, Name: "cassandra", Version: "latest"}},
		{Docker, "smartentry/debian", "dc437cc87d10", nil, "pkg:docker/smartentry/debian@dc437cc87d10",
			Package{Ecosystem: Docker, Name: "smartentry/debian", Version: "dc437cc87d10"}},
		{Docker, "gcr.io/customer/dockerimage", "sha256:244fd47e07d10", nil,
			"pkg:docker/customer/dockerimage@sha256:244fd47e07d10?repository_url=gcr.io",
			Package{Ecosystem: Docker, Name: "customer/dockerimage", Version: "sha256:244fd47e07d10", Qualifiers: map[string]string{"repository_url": "gcr.io"}}},
		{Docker, "localhost:5000/team/tool", "1.0", nil, "pkg:docker/team/tool@1.0?repository_url=localhost:5000",
			Package{Ecosystem: Docker, Name: "team/tool", Version: "1.0", Qualifiers: map[string]string{"repository_url": "localhost:5000"}}},
		{Docker, "localhost/tool", "", nil, "pkg:docker/tool?repository_url=localhost",
			Package{Ecosystem: Docker, Name: "tool", Qualifiers: map[string]string{"repository_url": "localhost"}}},
		// One element is a Docker Hub repository whatever it looks like;
		// a registry given as a qualifier keeps the name whole.
		{Docker, "ghcr.io", "1", nil, "pkg:docker/ghcr.io@1", Package{Ecosystem: Docker, Name: "ghcr.io", Version: "1"}},
		{Docker, "y.io/b", "1", map[string]string{"repository_url": "x.io"}, "pkg:docker/y.io/b@1?repository_url=x.io",
			Package{Ecosystem: Docker, Name: "y.io/b", Version: "1", Qualifiers: map[string]string{"repository_url": "x.io"}}},
		{"openEuler:22.03-LTS-SP3", "zlib", "1.2.11-26.oe2203sp3", nil, "pkg:rpm/openeuler/zlib@1.2.11-26.oe2203sp3",
			Package{Ecosystem: OpenEuler, Name: "zlib", Version: "1.2.11-26.oe2203sp3"}},
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
	for _, s := range []string{"", "npm/ms@1", "pkg:", "pkg:npm",
		// GitHub has owners and repositories, nothing deeper or shallower.
		"pkg:github/0/0/0", "pkg:github/checkout@v4",
		// Docker image names have no empty parts.
		"pkg:docker/a%2F", "pkg:docker/a%2F%2Fb"} {
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
	f.Add("pkg:rpm/rocky/xz-libs@5.2.5-8.el9_0?arch=x86_64&distro=rocky-9.3&epoch=1")
	f.Add("pkg:docker/customer/dockerimage@sha256%3A244fd47e07d10?repository_url=gcr.io")
	f.Add("pkg:docker/ghcr.io/acme/tool@v1")
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
		// An image's registry is part of its identity.
		if p.Ecosystem == Docker && again.Qualifiers["repository_url"] != p.Qualifiers["repository_url"] {
			t.Fatalf("round trip of %q: registry %q != %q", s, again.Qualifiers["repository_url"], p.Qualifiers["repository_url"])
		}
	})
}

// TestParseDocker covers docker PURLs vouch does not write: a registry in
// the namespace moves to the qualifier, as For would put it, unless a
// qualifier names one.
func TestParseDocker(t *testing.T) {
	tests := map[string]Package{
		"pkg:docker/ghcr.io/acme/tool@v1": {Ecosystem: Docker, Name: "acme/tool", Version: "v1",
			Qualifiers: map[string]string{"repository_url": "ghcr.io"}},
		"pkg:docker/x.io/y.io/b@1?repository_url=z.io": {Ecosystem: Docker, Name: "x.io/y.io/b", Version: "1",
			Qualifiers: map[string]string{"repository_url": "z.io"}},
		"pkg:docker/library/alpine@3.19": {Ecosystem: Docker, Name: "library/alpine", Version: "3.19", Qualifiers: map[string]string{}},
	}
	for s, want := range tests {
		got, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", s, diff)
		}
		if again := For(got.Ecosystem, got.Name, got.Version, got.Qualifiers); again == s {
			continue
		} else if back, err := Parse(again); err != nil || back.Name != want.Name {
			t.Errorf("For(Parse(%q)) = %q, parses to %+v, %v", s, again, back, err)
		}
	}
}

func TestHasAdvisories(t *testing.T) {
	tests := map[string]bool{NPM: true, "Debian:12": true, Actions: true, RockyLinux + ":9": true, Docker: false, "": false}
	for eco, want := range tests {
		if got := HasAdvisories(eco); got != want {
			t.Errorf("HasAdvisories(%q) = %v, want %v", eco, got, want)
		}
	}
}
