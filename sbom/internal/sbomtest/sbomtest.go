// Package sbomtest holds what the tests of the CycloneDX and SPDX
// packages share: the graph every encoder must carry whole, golden files,
// and the decoders' fuzz target. It is imported only by tests.
package sbomtest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// FixedTime is the timestamp of every document the tests write.
var FixedTime = time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)

// EveryField is a graph using every field the encoders must carry: roots of
// each kind with and without names, npm scopes, Go, PyPI, Debian with
// qualifiers, Maven, h1 and SHA-512 hashes, licence ids, expressions and
// free text, located and unlocated components, properties, dev, optional,
// peer, build and test scopes, an unpinned requirement and sources.
func EveryField() *inventory.Graph {
	g := inventory.New()
	g.AddRoot(inventory.Root{ID: "web/package-lock.json", Kind: inventory.KindManifest,
		PURL: purl.For(purl.NPM, "@acme/web", "1.2.0", nil), Name: "@acme/web", Version: "1.2.0",
		Properties: map[string]string{"lockfileVersion": "3"}})
	g.AddRoot(inventory.Root{ID: "bin/server", Kind: inventory.KindBinary,
		PURL: purl.For(purl.Go, "example.com/server", "v0.3.1", nil), Name: "example.com/server", Version: "v0.3.1",
		Properties: map[string]string{"go_version": "go1.22.1"}})
	g.AddRoot(inventory.Root{ID: "var/lib/dpkg/status", Kind: inventory.KindRootFS,
		Properties: map[string]string{"distro": "debian-12"}})
	g.AddRoot(inventory.Root{ID: "requirements.txt", Kind: inventory.KindManifest})
	g.AddRoot(inventory.Root{ID: "pom.xml", Kind: inventory.KindManifest,
		PURL: purl.For(purl.Maven, "com.example:app", "1.0.0", nil), Name: "com.example:app", Version: "1.0.0"})

	babel := purl.For(purl.NPM, "@babel/core", "7.24.0", nil)
	lodash := purl.For(purl.NPM, "lodash", "4.17.21", nil)
	fsevents := purl.For(purl.NPM, "fsevents", "2.3.3", nil)
	leftpad := purl.For(purl.NPM, "left-pad", "1.3.0", nil)
	cobra := purl.For(purl.Go, "github.com/spf13/cobra", "v1.8.0", nil)
	xsys := purl.For(purl.Go, "golang.org/x/sys", "v0.18.0", nil)
	requests := purl.For(purl.PyPI, "requests", "", nil)
	pytest := purl.For(purl.PyPI, "pytest", "8.0.0", nil)
	libc := purl.For("Debian:12", "libc6", "2.36-9+deb12u4", map[string]string{"arch": "amd64"})
	lzma := purl.For("Debian:12", "liblzma5", "5.4.1-0.2", map[string]string{"arch": "amd64"})
	log4j := purl.For(purl.Maven, "org.apache.logging.log4j:log4j-core", "2.17.1", nil)

	lock := "web/package-lock.json"
	g.Add(inventory.Component{PURL: babel, Ecosystem: purl.NPM, Name: "@babel/core", Version: "7.24.0",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"MIT"},
		Hashes:     []inventory.Hash{{Algorithm: "SHA-512", Value: strings.Repeat("ab", 64)}},
		Locations:  []inventory.Location{{Path: lock, Line: 12}},
		Properties: map[string]string{"resolved": "https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz"}})
	g.Add(inventory.Component{PURL: lodash, Ecosystem: purl.NPM, Name: "lodash", Version: "4.17.21",
		Scope: inventory.ScopeDev, Licenses: []string{"MIT OR Apache-2.0"},
		Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: strings.Repeat("0f", 20)}},
		Locations: []inventory.Location{{Path: lock, Line: 40}, {Path: "other/package-lock.json", Line: 7}}})
	g.Add(inventory.Component{PURL: fsevents, Ecosystem: purl.NPM, Name: "fsevents", Version: "2.3.3",
		Direct: true, Scope: inventory.ScopeOptional, Licenses: []string{"see LICENSE file"},
		Locations: []inventory.Location{{Path: lock, Line: 60}}})
	g.Add(inventory.Component{PURL: leftpad, Ecosystem: purl.NPM, Name: "left-pad", Version: "1.3.0",
		Direct: true, Scope: inventory.ScopePeer, Source: "git+https://github.com/example/left-pad.git#5b6c2a1",
		Locations: []inventory.Location{{Path: lock, Line: 75}}})
	g.Add(inventory.Component{PURL: cobra, Ecosystem: purl.Go, Name: "github.com/spf13/cobra", Version: "v1.8.0",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"Apache-2.0"},
		Hashes: []inventory.Hash{
			{Algorithm: "SHA-256", Value: strings.Repeat("c3", 32)},
			{Algorithm: "h1", Value: "A5lFVzNT8FNeS8Bg3HxFAUxWpLphM/JkZRcAz3E6hMg="},
		},
		Locations: []inventory.Location{{Path: "bin/server"}}})
	g.Add(inventory.Component{PURL: xsys, Ecosystem: purl.Go, Name: "golang.org/x/sys", Version: "v0.18.0",
		Scope:     inventory.ScopeRuntime,
		Hashes:    []inventory.Hash{{Algorithm: "h1", Value: "kUk+ytaGRMAXR9rVMHnubK5QwC6bJyXwbuVG9zwV3Bs="}},
		Locations: []inventory.Location{{Path: "bin/server"}, {Path: "odd:7"}}})
	g.Add(inventory.Component{PURL: requests, Ecosystem: purl.PyPI, Name: "requests", Direct: true,
		Scope: inventory.ScopeRuntime, Unpinned: true, Licenses: []string{"Apache-2.0", "BSD"},
		Locations:  []inventory.Location{{Path: "requirements.txt", Line: 3}},
		Properties: map[string]string{"specifier": ">=2.31"}})
	g.Add(inventory.Component{PURL: pytest, Ecosystem: purl.PyPI, Name: "pytest", Version: "8.0.0", Direct: true,
		Scope: inventory.ScopeTest, Locations: []inventory.Location{{Path: "requirements.txt", Line: 4}}})
	g.Add(inventory.Component{PURL: libc, Ecosystem: "Debian:12", Name: "libc6", Version: "2.36-9+deb12u4",
		Direct: true, Licenses: []string{"LGPL-2.1-or-later AND GPL-2.0-or-later WITH GCC-exception-3.1"},
		Hashes:     []inventory.Hash{{Algorithm: "MD5", Value: strings.Repeat("1e", 16)}},
		Locations:  []inventory.Location{{Path: "var/lib/dpkg/status", Line: 120}},
		Properties: map[string]string{"source": "glibc", "source_version": "2.36-9+deb12u4"}})
	g.Add(inventory.Component{PURL: lzma, Ecosystem: "Debian:12", Name: "liblzma5", Version: "5.4.1-0.2",
		Direct: true, Scope: inventory.ScopeRuntime, Licenses: []string{"0BSD", "LicenseRef-public-domain"},
		Locations:  []inventory.Location{{Path: "var/lib/dpkg/status", Line: 200}},
		Properties: map[string]string{"source": "xz-utils"}})
	g.Add(inventory.Component{PURL: log4j, Ecosystem: purl.Maven, Name: "org.apache.logging.log4j:log4j-core",
		Version: "2.17.1", Direct: true, Scope: inventory.ScopeBuild, Licenses: []string{"Apache-2.0"},
		Source:    "./libs/log4j-core-2.17.1.jar",
		Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: strings.Repeat("4a", 20)}},
		Locations: []inventory.Location{{Path: "pom.xml", Line: 31}}})

	for _, e := range [][2]string{
		{lock, babel}, {lock, fsevents}, {lock, leftpad}, {babel, lodash},
		{"bin/server", cobra}, {cobra, xsys},
		{"var/lib/dpkg/status", libc}, {"var/lib/dpkg/status", lzma}, {lzma, libc},
		{"requirements.txt", requests}, {"requirements.txt", pytest},
		{"pom.xml", log4j},
	} {
		g.AddEdge(e[0], e[1])
	}
	return g
}

// Codec is one format's decoder and encoder, as the shared tests call them.
type Codec struct {
	// Decode reads a document as the file at path; max, when not 0,
	// bounds how many components (packages) it may hold.
	Decode func(r io.Reader, path string, max int) (*inventory.Graph, error)
	// Encode writes g.
	Encode func(w io.Writer, g *inventory.Graph) error
}

// DecodeFixture decodes testdata/name as the file at "sboms/"+name, and
// fails the test if it cannot.
func DecodeFixture(t testing.TB, c Codec, name string) *inventory.Graph {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := c.Decode(f, "sboms/"+name, 0)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return g
}

// Golden compares got with the content of the golden file at path,
// writing got there first when update is set.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); run with -update if the change is intended:\n%s", path, diff)
	}
}

// FuzzRoundTrip is a decoder's fuzz target, seeded with the files that
// glob matches. It checks that no input makes Decode panic or fail
// without an *extract.Error naming the file, that what it returns is a
// well-formed graph, and that the graph survives Encode and Decode
// unchanged.
func FuzzRoundTrip(f *testing.F, c Codec, glob, path string) {
	f.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		f.Fatal(err)
	}
	extracttest.AddSeeds(f, files...)
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := c.Decode(bytes.NewReader(data), path, 1000)
		if err != nil {
			extracttest.CheckErrorPath(t, err, path)
			return
		}
		checkWellFormed(t, g)
		var buf bytes.Buffer
		if err := c.Encode(&buf, g); err != nil {
			t.Fatalf("Encode of a decoded graph: %v", err)
		}
		again, err := c.Decode(&buf, path, 0)
		if err != nil {
			t.Fatalf("Decode of vouch's own output: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(g.Roots(), again.Roots()); diff != "" {
			t.Errorf("roots changed by a round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(g.Components(), again.Components()); diff != "" {
			t.Errorf("components changed by a round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(g.Edges(), again.Edges()); diff != "" {
			t.Errorf("edges changed by a round trip (-first +second):\n%s", diff)
		}
	})
}

// checkWellFormed asserts what every consumer of a graph relies on: each
// component has a PURL and a name, each root an id that is not a PURL, and
// each edge runs from a root or component to a component.
func checkWellFormed(t *testing.T, g *inventory.Graph) {
	t.Helper()
	extracttest.CheckGraph(t, g)
	for _, r := range g.Roots() {
		if r.ID == "" || !inventory.IsRoot(r.ID) {
			t.Errorf("root with bad id %q", r.ID)
		}
	}
}
