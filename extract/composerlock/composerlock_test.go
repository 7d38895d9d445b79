package composerlock

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

type row = extracttest.LineRow

func refProp(r string) map[string]string { return map[string]string{"reference": r} }

// packagistRows are the components of testdata/packagist/composer.lock;
// direct marks those its composer.json declares.
func packagistRows(direct func(name string) bool) []row {
	rows := []row{
		{PURL: "pkg:composer/brick/math@0.12.1", Scope: "runtime", Line: 9, Props: refProp("f510c0a40911935b77b86859eb5223d58d660df1")},
		{PURL: "pkg:composer/laminas/laminas-zendframework-bridge@1.8.0", Scope: "dev", Line: 157,
			Props: map[string]string{"reference": "eb0d96c708b92177a92bc2239543d3ed523452c6", "abandoned": "true"}},
		{PURL: "pkg:composer/monolog/monolog@3.7.0", Scope: "runtime", Line: 34, Props: refProp("f4393b648b78a5408747de94fca38beb5f7e9ef8")},
		{PURL: "pkg:composer/phpstan/extension-installer@1.4.3", Scope: "dev", Line: 102,
			Props: map[string]string{"reference": "85e90b3942d06b2326fba0403ec24fe912372936", "package_type": "composer-plugin"}},
		// From Private Packagist: a registry too, so no Source.
		{PURL: "pkg:composer/phpstan/phpstan@1.12.5", Scope: "dev", Line: 182, Props: refProp("7e6c6cb7cecb0a6254009a1a8a7d54ec99812b17")},
		{PURL: "pkg:composer/psr/log@3.0.0", Scope: "runtime", Line: 76, Props: refProp("fe5ea303b0887d5caefd3d431c3e61ad47037001")},
		{PURL: "pkg:composer/roave/security-advisories@dev-latest", Scope: "dev", Line: 131,
			Props: map[string]string{"reference": "2a1e3f3d3d3b0e7e6f7c6b4a9a1c2f5e8d7b6a5c", "branch": "latest", "package_type": "metapackage"}},
	}
	for i := range rows {
		name, _, _ := strings.Cut(strings.TrimPrefix(rows[i].PURL, "pkg:composer/"), "@")
		rows[i].Direct = direct(name)
	}
	return rows
}

func TestExtract(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/packagist/composer.lock")
	declared := map[string]bool{
		"brick/math": true, "monolog/monolog": true, "roave/security-advisories": true,
		"phpstan/extension-installer": true, "laminas/laminas-zendframework-bridge": true,
	}
	// Without composer.json, what nothing requires is direct.
	unrequired := map[string]bool{
		"brick/math": true, "monolog/monolog": true, "roave/security-advisories": true,
		"phpstan/extension-installer": true, "laminas/laminas-zendframework-bridge": true,
	}
	packagistEdges := func(root string) []string {
		return []string{
			root + " -> pkg:composer/brick/math@0.12.1",
			root + " -> pkg:composer/laminas/laminas-zendframework-bridge@1.8.0",
			root + " -> pkg:composer/monolog/monolog@3.7.0",
			root + " -> pkg:composer/phpstan/extension-installer@1.4.3",
			root + " -> pkg:composer/roave/security-advisories@dev-latest",
			// php and composer-plugin-api are platform packages.
			"pkg:composer/monolog/monolog@3.7.0 -> pkg:composer/psr/log@3.0.0",
			"pkg:composer/phpstan/extension-installer@1.4.3 -> pkg:composer/phpstan/phpstan@1.12.5",
		}
	}
	tests := []extracttest.SummaryCase[row]{
		{
			// composer.json names the direct packages (one as
			// "Monolog/Monolog": names compare without case) and the root.
			Name: "packagist",
			Path: "packagist/composer.lock",
			WantRoot: inventory.Root{
				ID: "packagist/composer.lock", Kind: inventory.KindManifest,
				PURL: "pkg:composer/acme/shop", Name: "acme/shop",
				Properties: map[string]string{"direct_from": "composer.json"},
			},
			WantRows:  packagistRows(func(n string) bool { return declared[n] }),
			WantEdges: packagistEdges("packagist/composer.lock"),
		},
		{
			Name: "without-composer-json",
			FS:   fstest.MapFS{"app/composer.lock": {Data: lock}},
			Path: "app/composer.lock",
			WantRoot: inventory.Root{
				ID: "app/composer.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"direct_from": "inferred"},
			},
			WantRows:  packagistRows(func(n string) bool { return unrequired[n] }),
			WantEdges: packagistEdges("app/composer.lock"),
		},
		{
			// Written by Composer 2.5.5 from artifact, path and VCS
			// repositories: none is a registry, so each has a Source.
			Name: "local-repos",
			Path: "local-repos/composer.lock",
			WantRoot: inventory.Root{
				ID: "local-repos/composer.lock", Kind: inventory.KindManifest,
				PURL: "pkg:composer/acme/shop@1.4.0", Name: "acme/shop", Version: "1.4.0",
				Properties: map[string]string{"direct_from": "composer.json"},
			},
			WantRows: []row{
				{PURL: "pkg:composer/acme/billing@3.1.0", Direct: true, Scope: "runtime", Line: 9, Source: "packages/billing",
					Props: refProp("35266192cfa39f2dd71f30fb86b30651d0146ed7")},
				{PURL: "pkg:composer/acme/http@2.0.1", Direct: true, Scope: "runtime", Line: 28, Source: "artifacts/acme-http-2.0.1.zip"},
				{PURL: "pkg:composer/acme/log@1.2.0", Scope: "runtime", Line: 47, Source: "artifacts/acme-log-1.2.0.zip"},
				// Composer keeps a tag's "v" in the version.
				{PURL: "pkg:composer/acme/strings@v1.1.0", Direct: true, Scope: "runtime", Line: 63,
					Source: "git+/tmp/cfx/git/strings@906c05a3c8420920feca7eb9d8161061a1fcf584",
					Props:  refProp("906c05a3c8420920feca7eb9d8161061a1fcf584")},
				{PURL: "pkg:composer/acme/testkit@0.9.0", Direct: true, Scope: "dev", Line: 100, Source: "artifacts/acme-testkit-0.9.0.zip"},
				{PURL: "pkg:composer/acme/uuid@dev-main", Direct: true, Scope: "runtime", Line: 80,
					Source: "git+/tmp/cfx/git/uuid@de565bd1b17268fa114bf504167bae4e400f9edf",
					Props:  map[string]string{"reference": "de565bd1b17268fa114bf504167bae4e400f9edf", "branch": "main"}},
			},
			WantEdges: []string{
				"local-repos/composer.lock -> pkg:composer/acme/billing@3.1.0",
				"local-repos/composer.lock -> pkg:composer/acme/http@2.0.1",
				"local-repos/composer.lock -> pkg:composer/acme/strings@v1.1.0",
				"local-repos/composer.lock -> pkg:composer/acme/testkit@0.9.0",
				"local-repos/composer.lock -> pkg:composer/acme/uuid@dev-main",
				"pkg:composer/acme/billing@3.1.0 -> pkg:composer/acme/http@2.0.1",
				"pkg:composer/acme/http@2.0.1 -> pkg:composer/acme/log@1.2.0",
				"pkg:composer/acme/strings@v1.1.0 -> pkg:composer/acme/log@1.2.0",
				"pkg:composer/acme/testkit@0.9.0 -> pkg:composer/acme/log@1.2.0",
			},
		},
		{
			// Requirements met by "provide" and "replace"; a requirement
			// nothing locked meets (acme/missing) and a package requiring
			// itself give no edge.
			Name: "provide-replace",
			Path: "provide-replace/composer.lock",
			WantRoot: inventory.Root{
				ID: "provide-replace/composer.lock", Kind: inventory.KindManifest,
				Properties: map[string]string{"direct_from": "inferred"},
			},
			WantRows: []row{
				{PURL: "pkg:composer/acme/legacy@dev-master", Direct: true, Scope: "runtime", Line: 35,
					Source: "git+https://git.example.com/acme/legacy.git@master",
					Props:  map[string]string{"reference": "master", "branch": "master", "abandoned": "acme/modern"}},
				{PURL: "pkg:composer/acme/logger-user@1.0.0", Direct: true, Scope: "runtime", Line: 3},
				{PURL: "pkg:composer/acme/polyfills@2.0.0", Scope: "runtime", Line: 24},
				{PURL: "pkg:composer/monolog/monolog@3.7.0", Scope: "runtime", Line: 15},
			},
			WantEdges: []string{
				"provide-replace/composer.lock -> pkg:composer/acme/legacy@dev-master",
				"provide-replace/composer.lock -> pkg:composer/acme/logger-user@1.0.0",
				"pkg:composer/acme/logger-user@1.0.0 -> pkg:composer/acme/polyfills@2.0.0",
				"pkg:composer/acme/logger-user@1.0.0 -> pkg:composer/monolog/monolog@3.7.0",
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.LineRows, tests)
}

func TestComponents(t *testing.T) {
	loc := func(path string, line int) []inventory.Location {
		return []inventory.Location{{Path: path, Line: line}}
	}
	tests := []extracttest.ComponentCase{
		{
			// Composer's licence array is a choice: one OR expression.
			Path: "local-repos/composer.lock",
			Want: inventory.Component{
				PURL: "pkg:composer/acme/http@2.0.1", Ecosystem: "Packagist", Name: "acme/http", Version: "2.0.1",
				Direct: true, Scope: "runtime", Licenses: []string{"MIT OR Apache-2.0"},
				Hashes:    []inventory.Hash{{Algorithm: "SHA-1", Value: "d39fff9ab8d61b23f42f7859c73fff08fb184f10"}},
				Source:    "artifacts/acme-http-2.0.1.zip",
				Locations: loc("local-repos/composer.lock", 28),
			},
		},
		{
			// A branch pinned to a commit is pinned.
			Path: "local-repos/composer.lock",
			Want: inventory.Component{
				PURL: "pkg:composer/acme/uuid@dev-main", Ecosystem: "Packagist", Name: "acme/uuid", Version: "dev-main",
				Direct: true, Scope: "runtime", Licenses: []string{"MIT"},
				Source:     "git+/tmp/cfx/git/uuid@de565bd1b17268fa114bf504167bae4e400f9edf",
				Properties: map[string]string{"reference": "de565bd1b17268fa114bf504167bae4e400f9edf", "branch": "main"},
				Locations:  loc("local-repos/composer.lock", 80),
			},
		},
		{
			// A branch whose reference is a branch name is not; the
			// deploy token in its URL is not kept; an empty licence
			// array records none.
			Path: "provide-replace/composer.lock",
			Want: inventory.Component{
				PURL: "pkg:composer/acme/legacy@dev-master", Ecosystem: "Packagist", Name: "acme/legacy", Version: "dev-master",
				Direct: true, Scope: "runtime", Unpinned: true,
				Source:     "git+https://git.example.com/acme/legacy.git@master",
				Properties: map[string]string{"reference": "master", "branch": "master", "abandoned": "acme/modern"},
				Locations:  loc("provide-replace/composer.lock", 35),
			},
		},
		{
			// A compound member of the choice is parenthesised; an empty
			// one is dropped.
			Path: "provide-replace/composer.lock",
			Want: inventory.Component{
				PURL: "pkg:composer/monolog/monolog@3.7.0", Ecosystem: "Packagist", Name: "monolog/monolog", Version: "3.7.0",
				Scope: "runtime", Licenses: []string{"MIT OR (Apache-2.0 WITH LLVM-exception)"},
				Locations: loc("provide-replace/composer.lock", 15),
			},
		},
		{
			Path: "packagist/composer.lock",
			Want: inventory.Component{
				PURL: "pkg:composer/phpstan/phpstan@1.12.5", Ecosystem: "Packagist", Name: "phpstan/phpstan", Version: "1.12.5",
				Scope: "dev", Licenses: []string{"MIT"},
				Hashes:     []inventory.Hash{{Algorithm: "SHA-1", Value: "0a3f5c6b9b1e7d26e0f2d8f1c4a5b6e7f8091a2b"}},
				Properties: refProp("7e6c6cb7cecb0a6254009a1a8a7d54ec99812b17"),
				Locations:  loc("packagist/composer.lock", 182),
			},
		},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

func TestErrors(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/packagist/composer.lock")
	tests := []extracttest.BadInput{
		{Name: "not-json", Data: []byte("<!DOCTYPE html>\n<html><body>Bad Gateway</body></html>\n"), WantLine: 1, WantCol: 1, WantMsg: "invalid character '<'"},
		// Cut inside monolog's source reference.
		{Name: "truncated", Data: lock[:1500], WantLine: 40, WantCol: 48, WantMsg: "unexpected EOF"},
		{Name: "binary", Data: []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), WantLine: 1, WantCol: 1, WantMsg: "invalid character"},
		{Name: "empty", Data: nil, WantLine: 1, WantCol: 1, WantMsg: "unexpected EOF"},
		{Name: "not-object", Data: []byte("[\n  {}\n]\n"), WantLine: 1, WantCol: 1, WantMsg: "composer.lock: want object, got array"},
		{Name: "no-packages", Data: []byte("{\n  \"content-hash\": \"x\"\n}\n"), WantLine: 1, WantMsg: `no "packages": not a composer.lock`},
		{Name: "packages-object", Data: []byte("{\n  \"packages\": {}\n}\n"), WantLine: 2, WantCol: 15, WantMsg: "packages: want array, got object"},
		{Name: "trailing", Data: []byte("{\"packages\": []}\n{}\n"), WantLine: 2, WantCol: 1, WantMsg: "data after the top-level object"},
		{Name: "deep-nesting", Data: []byte("{\n\"packages\": [\n" + strings.Repeat("[", 20000)), WantLine: 3, WantMsg: "exceeded max depth"},
		{Name: "conflict-markers", Data: []byte("{\n<<<<<<< HEAD\n    \"packages\": []\n}\n"), WantLine: 2, WantCol: 1, WantMsg: "invalid character '<'"},
	}
	extracttest.RunBadInputs(t, New(), "app/composer.lock", tests)
}

// TestBadEntries: entries of the wrong shape are each reported and
// skipped, or kept without the bad field when their name was read.
func TestBadEntries(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), "bad-entries/composer.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "bad-entries/composer.lock", Line: 3, Column: 9})
	want := `packages[0]: "require": want object of strings, got array (and 3 more problems)`
	if e.Err.Error() != want {
		t.Errorf("message %q,\nwant %q", e.Err, want)
	}
	extracttest.CheckRows(t, g, extracttest.LineRows, []row{
		{PURL: "pkg:composer/brick/math@0.12.1", Direct: true, Scope: "runtime", Line: 12},
		{PURL: "pkg:composer/psr/log@3.0.0", Direct: true, Scope: "runtime", Line: 3},
	})
}

// TestBadManifest: a composer.json that is not JSON is reported against
// itself, and the lockfile is read as if it had none.
func TestBadManifest(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/packagist/composer.lock")
	manifest := []byte("{\n    \"name\": \"acme/shop\",\n    \"require\": {\n        \"brick/math\": 12\n    }\n")
	g := extracttest.CheckSiblingError(t, New(), "svc/composer.lock", lock, "svc/composer.json", manifest, 5)
	if got := g.Root("svc/composer.lock").Properties["direct_from"]; got != "inferred" {
		t.Errorf("direct_from = %q, want inferred", got)
	}
	if g.Len() != 7 {
		t.Errorf("%d components, want 7", g.Len())
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"composer.lock":          true,
		"apps/api/composer.lock": true,
		"composer.json":          false,
		"composer.lock.bak":      false,
		"Composer.lock":          false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/packagist/composer.lock", "testdata/local-repos/composer.lock",
		"testdata/provide-replace/composer.lock", "testdata/bad-entries/composer.lock",
	)
	root := fstest.MapFS{"x/composer.json": {Data: extracttest.ReadFile(f, "testdata/packagist/composer.json")}}
	extracttest.Fuzz(f, New(), "x/composer.lock", root, nil)
}
