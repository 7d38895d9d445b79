package yarnlock

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// Digests of the fixtures' "integrity" values and "#" fragments, decoded to
// hex by hand (base64 -d | xxd -p) so the test does not share the code
// under test.
const (
	sumDebug443     = "446c305a7c10be455f6af295b76d8518bc3ec5849dcc04709b4aeee83853540dee994e6165cdbc57790ee2cb6062bcab4e52e9baf808f468a28e5b408cd6dca8"
	sumDebug443SHA1 = "c6ae432d9bd9662582fce08709b038c58e9e3d6a"
	sumMs200        = "4e9a7ad0fe885090d3b8eabfe59f1c76c93326e8dfc2a7ce4e4af02308fb211212a679099d3e92c89e0f08f9c63281630bd75d85a979295218b40b7dee2c74e4"
	sumMs200SHA1    = "5608aeadfc00be6c2901df5f9861788de0d597c8"
	sumPrivate      = "9d9f1d99d6a2e8488d0c330269f0a15d1f56bd4b309c840ff678fc6a32f15e2cf6efaf76e4d5471e7af9f88a12014a7ae6f91fa2e08fc622493920a555290c93"
	sumPrivateSHA1  = "e80721793c24ae14edfca9b26ad406a9815cd3ff"
	sumEncodedSHA1  = "a5645bb67778c147a3b366da521477d254f5c4e8"
	sumTarballSHA1  = "e10f6e70661d167ef514ab6e6d98607438c6a8c6"
	sumPackedSHA1   = "b68f5afd4cb1644994596e2c14d87d9f14ee1416"
)

type row = extracttest.Row

const (
	runtime  = inventory.ScopeRuntime
	dev      = inventory.ScopeDev
	optional = inventory.ScopeOptional
	peer     = inventory.ScopePeer
)

func manifestRoot(id, name, version string, props map[string]string) inventory.Root {
	r := inventory.Root{ID: id, Kind: inventory.KindManifest, Name: name, Version: version, Properties: props}
	if name != "" {
		r.PURL = "pkg:npm/" + strings.ReplaceAll(name, "@", "%40")
		if version != "" {
			r.PURL += "@" + version
		}
	}
	return r
}

// demoRows are the components of the demo workspace project (see
// testdata/README.md), at the lines of the Berry lockfiles, which yarn 3
// and 4 lay out alike.
var demoBerryRows = []row{
	{PURL: "pkg:npm/%40isaacs/string-locale-compare@1.1.0", Direct: true, Scope: runtime, Lines: []int{18}},
	{PURL: "pkg:npm/debug@4.4.3", Direct: true, Scope: runtime, Lines: []int{25}},
	{PURL: "pkg:npm/is-number@7.0.0", Direct: true, Scope: dev, Lines: []int{55}},
	{PURL: "pkg:npm/js-tokens@4.0.0", Scope: runtime, Lines: []int{62}},
	{PURL: "pkg:npm/loose-envify@1.4.0", Scope: runtime, Lines: []int{69}},
	{PURL: "pkg:npm/ms@2.0.0", Direct: true, Scope: runtime, Lines: []int{87}},
	{PURL: "pkg:npm/ms@2.1.3", Scope: runtime, Lines: []int{80}},
	{PURL: "pkg:npm/once@1.4.0", Direct: true, Scope: runtime, Lines: []int{94}},
	{PURL: "pkg:npm/react@18.3.1", Direct: true, Scope: runtime, Lines: []int{103}},
	{PURL: "pkg:npm/use-sync-external-store@1.7.0", Direct: true, Scope: runtime, Lines: []int{112}},
	// Optional for the root, but needed by once, which the util
	// workspace needs.
	{PURL: "pkg:npm/wrappy@1.0.2", Direct: true, Scope: runtime, Lines: []int{121}},
}

func demoEdges(file string) []string {
	return []string{
		"pkg:npm/debug@4.4.3 -> pkg:npm/ms@2.1.3",
		"pkg:npm/loose-envify@1.4.0 -> pkg:npm/js-tokens@4.0.0",
		"pkg:npm/once@1.4.0 -> pkg:npm/wrappy@1.0.2",
		"pkg:npm/react@18.3.1 -> pkg:npm/loose-envify@1.4.0",
		file + " -> pkg:npm/%40isaacs/string-locale-compare@1.1.0",
		file + " -> pkg:npm/debug@4.4.3",
		file + " -> pkg:npm/is-number@7.0.0",
		file + " -> pkg:npm/ms@2.0.0",
		file + " -> pkg:npm/once@1.4.0",
		file + " -> pkg:npm/react@18.3.1",
		file + " -> pkg:npm/use-sync-external-store@1.7.0",
		file + " -> pkg:npm/wrappy@1.0.2",
	}
}

func localEdges(file string) []string {
	return []string{
		"pkg:npm/hasown@2.0.4 -> pkg:npm/function-bind@1.1.2",
		"pkg:npm/is-core-module@2.18.0 -> pkg:npm/hasown@2.0.4",
		"pkg:npm/localdir@3.0.0 -> pkg:npm/ms@2.1.3",
		"pkg:npm/packed@1.0.0 -> pkg:npm/wrappy@1.0.2",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/is-core-module@2.18.0",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/path-parse@1.0.7",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/supports-preserve-symlinks-flag@1.0.0",
		file + " -> pkg:npm/linked",
		file + " -> pkg:npm/localdir@3.0.0",
		file + " -> pkg:npm/ms@2.1.2",
		file + " -> pkg:npm/packed@1.0.0",
		file + " -> pkg:npm/resolve@1.22.8",
	}
}

func TestExtract(t *testing.T) {
	classic := map[string]string{"direct_from": "package.json", "lockfile_version": "1"}
	berry := func(v, key string) map[string]string {
		return map[string]string{"cache_key": key, "direct_from": "lockfile", "lockfile_version": v}
	}
	tests := []extracttest.SummaryCase[row]{
		{
			Name:     "v1-workspace",
			Path:     "v1-workspace/yarn.lock",
			WantRoot: manifestRoot("v1-workspace/yarn.lock", "demo-app", "1.0.0", classic),
			WantRows: []row{
				{PURL: "pkg:npm/%40isaacs/string-locale-compare@1.1.0", Direct: true, Scope: runtime, Lines: []int{5}},
				{PURL: "pkg:npm/debug@4.4.3", Direct: true, Scope: runtime, Lines: []int{10}},
				{PURL: "pkg:npm/is-number@7.0.0", Direct: true, Scope: dev, Lines: []int{17}},
				{PURL: "pkg:npm/js-tokens@4.0.0", Scope: runtime, Lines: []int{22}},
				{PURL: "pkg:npm/loose-envify@1.4.0", Scope: runtime, Lines: []int{27}},
				{PURL: "pkg:npm/ms@2.0.0", Direct: true, Scope: runtime, Lines: []int{39}},
				{PURL: "pkg:npm/ms@2.1.3", Scope: runtime, Lines: []int{34}},
				{PURL: "pkg:npm/once@1.4.0", Direct: true, Scope: runtime, Lines: []int{44}},
				{PURL: "pkg:npm/react@18.3.1", Direct: true, Scope: runtime, Lines: []int{51}},
				{PURL: "pkg:npm/use-sync-external-store@1.7.0", Direct: true, Scope: runtime, Lines: []int{58}},
				{PURL: "pkg:npm/wrappy@1.0.2", Direct: true, Scope: runtime, Lines: []int{63}},
			},
			WantEdges: demoEdges("v1-workspace/yarn.lock"),
		},
		{
			Name:      "berry-workspace",
			Path:      "berry-workspace/yarn.lock",
			WantRoot:  manifestRoot("berry-workspace/yarn.lock", "demo-app", "1.0.0", berry("10", "10c0")),
			WantRows:  demoBerryRows,
			WantEdges: demoEdges("berry-workspace/yarn.lock"),
		},
		{
			Name:      "berry3-workspace",
			Path:      "berry3-workspace/yarn.lock",
			WantRoot:  manifestRoot("berry3-workspace/yarn.lock", "demo-app", "1.0.0", berry("6", "8")),
			WantRows:  demoBerryRows,
			WantEdges: demoEdges("berry3-workspace/yarn.lock"),
		},
		{
			Name:     "v1-local",
			Path:     "v1-local/yarn.lock",
			WantRoot: manifestRoot("v1-local/yarn.lock", "local-app", "2.0.0", classic),
			WantRows: []row{
				{PURL: "pkg:npm/function-bind@1.1.2", Scope: runtime, Lines: []int{5}},
				{PURL: "pkg:npm/hasown@2.0.4", Scope: runtime, Lines: []int{10}},
				{PURL: "pkg:npm/is-core-module@2.18.0", Scope: runtime, Lines: []int{17}},
				{PURL: "pkg:npm/linked", Direct: true, Scope: runtime, Lines: []int{24}, Source: "link:./linked"},
				{PURL: "pkg:npm/localdir@3.0.0", Direct: true, Scope: runtime, Lines: []int{28}, Source: "file:./localdir"},
				// A tarball URL the project wrote: the path names ms, but
				// the URL is the project's choice, not a registry's.
				{PURL: "pkg:npm/ms@2.1.2", Direct: true, Scope: runtime, Lines: []int{33}, Source: "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"},
				{PURL: "pkg:npm/ms@2.1.3", Scope: runtime, Lines: []int{37}},
				{PURL: "pkg:npm/packed@1.0.0", Direct: true, Scope: runtime, Lines: []int{42}, Source: "file:./vendor/packed-1.0.0.tgz"},
				{PURL: "pkg:npm/path-parse@1.0.7", Scope: runtime, Lines: []int{48}},
				{PURL: "pkg:npm/resolve@1.22.8", Direct: true, Scope: runtime, Lines: []int{53}},
				{PURL: "pkg:npm/supports-preserve-symlinks-flag@1.0.0", Scope: runtime, Lines: []int{62}},
				{PURL: "pkg:npm/wrappy@1.0.2", Scope: runtime, Lines: []int{67}},
			},
			WantEdges: localEdges("v1-local/yarn.lock"),
		},
		{
			Name:     "berry-local",
			Path:     "berry-local/yarn.lock",
			WantRoot: manifestRoot("berry-local/yarn.lock", "local-app", "2.0.0", berry("10", "10c0")),
			WantRows: []row{
				{PURL: "pkg:npm/function-bind@1.1.2", Scope: runtime, Lines: []int{8}},
				{PURL: "pkg:npm/hasown@2.0.4", Scope: runtime, Lines: []int{15}},
				{PURL: "pkg:npm/is-core-module@2.18.0", Scope: runtime, Lines: []int{24}},
				{PURL: "pkg:npm/linked", Direct: true, Scope: runtime, Lines: []int{33}, Source: "link:./linked"},
				{PURL: "pkg:npm/localdir@3.0.0", Direct: true, Scope: runtime, Lines: []int{52}, Source: "file:./localdir"},
				{PURL: "pkg:npm/ms@2.1.2", Direct: true, Scope: runtime, Lines: []int{61}, Source: "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz"},
				{PURL: "pkg:npm/ms@2.1.3", Scope: runtime, Lines: []int{68}},
				{PURL: "pkg:npm/packed@1.0.0", Direct: true, Scope: runtime, Lines: []int{75}, Source: "file:./vendor/packed-1.0.0.tgz"},
				{PURL: "pkg:npm/path-parse@1.0.7", Scope: runtime, Lines: []int{84}},
				{PURL: "pkg:npm/portaled", Direct: true, Scope: runtime, Lines: []int{91}, Source: "portal:./portaled"},
				// The registry's resolve and its builtin-patched twin.
				{PURL: "pkg:npm/resolve@1.22.8", Direct: true, Scope: runtime, Lines: []int{99, 112}},
				{PURL: "pkg:npm/supports-preserve-symlinks-flag@1.0.0", Scope: runtime, Lines: []int{125}},
				{PURL: "pkg:npm/wrappy@1.0.2", Scope: runtime, Lines: []int{132}},
			},
			WantEdges: append(localEdges("berry-local/yarn.lock"),
				"berry-local/yarn.lock -> pkg:npm/portaled",
				"pkg:npm/portaled -> pkg:npm/ms@2.1.3"),
		},
		{
			// No package.json: the entries nothing depends on are direct.
			Name:     "v1-sources",
			Path:     "v1-sources/yarn.lock",
			WantRoot: manifestRoot("v1-sources/yarn.lock", "", "", map[string]string{"direct_from": "inferred", "lockfile_version": "1"}),
			WantRows: []row{
				// A private registry that escapes the scope's slash.
				{PURL: "pkg:npm/%40acme/encoded@2.0.0", Scope: runtime, Lines: []int{5}},
				// Only an optional dependency needs it.
				{PURL: "pkg:npm/%40acme/private@1.0.0", Scope: optional, Lines: []int{10}},
				{PURL: "pkg:npm/escaped@1.0.0", Scope: runtime, Lines: []int{15}},
				// Named like a registry tarball, but not at a registry's path.
				{PURL: "pkg:npm/fake@1.0.0", Scope: runtime, Lines: []int{19}, Source: "https://evil.example/downloads/fake-1.0.0.tgz"},
				{PURL: "pkg:npm/gh-short@0.1.0", Direct: true, Scope: runtime, Lines: []int{23}, Source: "https://codeload.github.com/user/gh-short/tar.gz/1041179cbdda366fd7b0347f09255f775170e103"},
				{PURL: "pkg:npm/has-optional@1.0.0", Direct: true, Scope: runtime, Lines: []int{27}},
				{PURL: "pkg:npm/is-positive@3.1.0", Direct: true, Scope: runtime, Lines: []int{36}, Source: "git+https://github.com/kevva/is-positive.git#97edff6f525f192a3f83cea1944765f769ae2678"},
				// A mirror on another host: still the registry's package.
				{PURL: "pkg:npm/left-pad@1.3.0", Scope: runtime, Lines: []int{42}},
				{PURL: "pkg:npm/tarball-pkg@0.4.0", Direct: true, Scope: runtime, Lines: []int{46}, Source: "https://example.com/downloads/tarball-pkg.tgz"},
			},
			WantEdges: []string{
				"pkg:npm/has-optional@1.0.0 -> pkg:npm/%40acme/encoded@2.0.0",
				"pkg:npm/has-optional@1.0.0 -> pkg:npm/%40acme/private@1.0.0",
				"pkg:npm/has-optional@1.0.0 -> pkg:npm/escaped@1.0.0",
				"pkg:npm/is-positive@3.1.0 -> pkg:npm/left-pad@1.3.0",
				"pkg:npm/tarball-pkg@0.4.0 -> pkg:npm/fake@1.0.0",
				"v1-sources/yarn.lock -> pkg:npm/gh-short@0.1.0",
				"v1-sources/yarn.lock -> pkg:npm/has-optional@1.0.0",
				"v1-sources/yarn.lock -> pkg:npm/is-positive@3.1.0",
				"v1-sources/yarn.lock -> pkg:npm/tarball-pkg@0.4.0",
			},
		},
		{
			Name:     "berry-sources",
			Path:     "berry-sources/yarn.lock",
			WantRoot: manifestRoot("berry-sources/yarn.lock", "app", "", berry("8", "10c0")),
			WantRows: []row{
				{PURL: "pkg:npm/chokidar@3.6.0", Direct: true, Scope: runtime, Lines: []int{23}},
				{PURL: "pkg:npm/execpkg@0.0.0", Direct: true, Scope: runtime, Lines: []int{35}, Source: "exec:./gen.js"},
				// Optional through chokidar's dependenciesMeta; the registry's
				// package and its builtin-patched twin.
				{PURL: "pkg:npm/fsevents@2.3.3", Scope: optional, Lines: []int{41, 49}},
				{PURL: "pkg:npm/gh-short@0.1.0", Direct: true, Scope: runtime, Lines: []int{56}, Source: "https://github.com/user/gh-short.git#commit=1041179cbdda366fd7b0347f09255f775170e103"},
				{PURL: "pkg:npm/is-positive@3.1.0", Direct: true, Scope: runtime, Lines: []int{62}, Source: "https://github.com/kevva/is-positive.git#commit=97edff6f525f192a3f83cea1944765f769ae2678"},
				// A URL of a registry's shape that the project wrote.
				{PURL: "pkg:npm/left-pad@1.3.0", Direct: true, Scope: runtime, Lines: []int{92}, Source: "https://mirror.example/left-pad/-/left-pad-1.3.0.tgz"},
				{PURL: "pkg:npm/lodash@4.17.21", Direct: true, Scope: runtime, Lines: []int{78, 85}},
				// Declared by the packages/lib workspace.
				{PURL: "pkg:npm/once@1.4.0", Direct: true, Scope: runtime, Lines: []int{98}},
				{PURL: "pkg:npm/tarball-pkg@0.4.0", Direct: true, Scope: runtime, Lines: []int{106}, Source: "https://example.com/downloads/tarball-pkg.tgz"},
				{PURL: "pkg:npm/wrappy@1.0.2", Scope: runtime, Lines: []int{112}},
			},
			WantEdges: []string{
				"berry-sources/yarn.lock -> pkg:npm/chokidar@3.6.0",
				"berry-sources/yarn.lock -> pkg:npm/execpkg@0.0.0",
				"berry-sources/yarn.lock -> pkg:npm/gh-short@0.1.0",
				"berry-sources/yarn.lock -> pkg:npm/is-positive@3.1.0",
				"berry-sources/yarn.lock -> pkg:npm/left-pad@1.3.0",
				"berry-sources/yarn.lock -> pkg:npm/lodash@4.17.21",
				"berry-sources/yarn.lock -> pkg:npm/once@1.4.0",
				"berry-sources/yarn.lock -> pkg:npm/tarball-pkg@0.4.0",
				"pkg:npm/chokidar@3.6.0 -> pkg:npm/fsevents@2.3.3",
				"pkg:npm/once@1.4.0 -> pkg:npm/wrappy@1.0.2",
			},
		},
		{
			// Dependencies written as URLs are the project's choice, even
			// on a registry's path (which still names the package); a
			// semver range resolved on a mirror is the registry's.
			// Credentials are dropped.
			Name:     "v1-url-tarballs",
			Path:     "v1-url-tarballs/yarn.lock",
			WantRoot: manifestRoot("v1-url-tarballs/yarn.lock", "url-app", "1.0.0", classic),
			WantRows: []row{
				{PURL: "pkg:npm/gitdep@1.0.0", Direct: true, Scope: runtime, Lines: []int{5}, Source: "git+https://git.acme.example/acme/gitdep.git#0123456789abcdef0123456789abcdef01234567"},
				{PURL: "pkg:npm/left-pad@1.3.0", Direct: true, Scope: runtime, Lines: []int{9}, Source: "https://mirror.example/left-pad/-/left-pad-1.3.0.tgz"},
				{PURL: "pkg:npm/right-pad@1.0.0", Direct: true, Scope: runtime, Lines: []int{13}},
				{PURL: "pkg:npm/secret@2.0.0", Direct: true, Scope: runtime, Lines: []int{17}, Source: "https://npm.acme.example/secret/-/secret-2.0.0.tgz"},
			},
			WantEdges: []string{
				"v1-url-tarballs/yarn.lock -> pkg:npm/gitdep@1.0.0",
				"v1-url-tarballs/yarn.lock -> pkg:npm/left-pad@1.3.0",
				"v1-url-tarballs/yarn.lock -> pkg:npm/right-pad@1.0.0",
				"v1-url-tarballs/yarn.lock -> pkg:npm/secret@2.0.0",
			},
		},
		{
			// "npm:" resolutions whose tarball the registry's metadata put
			// elsewhere: on a registry's path a mirror, else the Source.
			Name:     "berry-url-tarballs",
			Path:     "berry-url-tarballs/yarn.lock",
			WantRoot: manifestRoot("berry-url-tarballs/yarn.lock", "url-app", "", berry("8", "10c0")),
			WantRows: []row{
				{PURL: "pkg:npm/archived@1.0.0", Direct: true, Scope: runtime, Lines: []int{8}, Source: "https://cdn.acme.example/downloads/archived.tgz"},
				{PURL: "pkg:npm/right-pad@1.0.0", Direct: true, Scope: runtime, Lines: []int{15}},
				{PURL: "pkg:npm/secret@2.0.0", Direct: true, Scope: runtime, Lines: []int{22}, Source: "https://npm.acme.example/secret/-/secret-2.0.0.tgz"},
			},
			WantEdges: []string{
				"berry-url-tarballs/yarn.lock -> pkg:npm/archived@1.0.0",
				"berry-url-tarballs/yarn.lock -> pkg:npm/right-pad@1.0.0",
				"berry-url-tarballs/yarn.lock -> pkg:npm/secret@2.0.0",
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.Rows, tests)
}

func loc(file string, lines ...int) []inventory.Location {
	var out []inventory.Location
	for _, l := range lines {
		out = append(out, inventory.Location{Path: file, Line: l})
	}
	return out
}

func TestComponents(t *testing.T) {
	const (
		v1    = "v1-workspace/yarn.lock"
		b4    = "berry-workspace/yarn.lock"
		src   = "v1-sources/yarn.lock"
		bsrc  = "berry-sources/yarn.lock"
		local = "v1-local/yarn.lock"
		blc   = "berry-local/yarn.lock"
	)
	tests := []extracttest.ComponentCase{
		{Path: v1, Want: inventory.Component{
			PURL: "pkg:npm/debug@4.4.3", Ecosystem: "npm", Name: "debug", Version: "4.4.3", Direct: true, Scope: runtime,
			Hashes:     []inventory.Hash{{Algorithm: "SHA-512", Value: sumDebug443}, {Algorithm: "SHA-1", Value: sumDebug443SHA1}},
			Properties: map[string]string{"workspaces": "."}, Locations: loc(v1, 10),
		}},
		{Path: v1, Want: inventory.Component{
			PURL: "pkg:npm/ms@2.0.0", Ecosystem: "npm", Name: "ms", Version: "2.0.0", Direct: true, Scope: runtime,
			Hashes:     []inventory.Hash{{Algorithm: "SHA-512", Value: sumMs200}, {Algorithm: "SHA-1", Value: sumMs200SHA1}},
			Properties: map[string]string{"alias": "my-ms", "workspaces": "."}, Locations: loc(v1, 39),
		}},
		{Path: v1, Want: inventory.Component{
			PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: runtime,
			Hashes: []inventory.Hash{
				{Algorithm: "SHA-512", Value: "94d689808fb643951140191c7042874d038f697754c67659125413658d0c15402e684a9ed44f8dcaf81dcff688c8d8ba67d3333b976fd47f27e7cfc610ba77fb"},
				{Algorithm: "SHA-1", Value: "583b1aa775961d4b113ac17d9c50baef9dd76bd1"},
			},
			Properties: map[string]string{"workspaces": "packages/util"}, Locations: loc(v1, 44),
		}},
		{Path: b4, Want: inventory.Component{
			PURL: "pkg:npm/ms@2.0.0", Ecosystem: "npm", Name: "ms", Version: "2.0.0", Direct: true, Scope: runtime,
			Properties: map[string]string{
				"alias":      "my-ms",
				"checksum":   "10c0/f8fda810b39fd7255bbdc451c46286e549794fcc700dc9cd1d25658bbc4dc2563a5de6fe7c60f798a16a60c6ceb53f033cb353f493f0cf63e5199b702943159d",
				"workspaces": ".",
			},
			Locations: loc(b4, 87),
		}},
		{Path: src, Want: inventory.Component{
			PURL: "pkg:npm/%40acme/private@1.0.0", Ecosystem: "npm", Name: "@acme/private", Version: "1.0.0", Scope: optional,
			// The fragment's SHA-1 and the integrity's are the same digest.
			Hashes:    []inventory.Hash{{Algorithm: "SHA-512", Value: sumPrivate}, {Algorithm: "SHA-1", Value: sumPrivateSHA1}},
			Locations: loc(src, 10),
		}},
		{Path: src, Want: inventory.Component{
			PURL: "pkg:npm/%40acme/encoded@2.0.0", Ecosystem: "npm", Name: "@acme/encoded", Version: "2.0.0", Scope: runtime,
			Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sumEncodedSHA1}}, Locations: loc(src, 5),
		}},
		{Path: src, Want: inventory.Component{
			PURL: "pkg:npm/tarball-pkg@0.4.0", Ecosystem: "npm", Name: "tarball-pkg", Version: "0.4.0", Direct: true, Scope: runtime,
			Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sumTarballSHA1}}, Source: "https://example.com/downloads/tarball-pkg.tgz",
			Locations: loc(src, 46),
		}},
		{Path: src, Want: inventory.Component{
			// A git commit is not a digest of anything.
			PURL: "pkg:npm/is-positive@3.1.0", Ecosystem: "npm", Name: "is-positive", Version: "3.1.0", Direct: true, Scope: runtime,
			Source: "git+https://github.com/kevva/is-positive.git#97edff6f525f192a3f83cea1944765f769ae2678", Locations: loc(src, 36),
		}},
		{Path: local, Want: inventory.Component{
			PURL: "pkg:npm/packed@1.0.0", Ecosystem: "npm", Name: "packed", Version: "1.0.0", Direct: true, Scope: runtime,
			Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sumPackedSHA1}}, Source: "file:./vendor/packed-1.0.0.tgz",
			Properties: map[string]string{"workspaces": "."}, Locations: loc(local, 42),
		}},
		{Path: local, Want: inventory.Component{
			PURL: "pkg:npm/ms@2.1.2", Ecosystem: "npm", Name: "ms", Version: "2.1.2", Direct: true, Scope: runtime,
			Hashes:     []inventory.Hash{{Algorithm: "SHA-1", Value: "d09d1f357b443f493382a8eb3ccd183872ae6009"}},
			Source:     "https://registry.npmjs.org/ms/-/ms-2.1.2.tgz",
			Properties: map[string]string{"alias": "ms-tarball", "workspaces": "."}, Locations: loc(local, 33),
		}},
		{Path: blc, Want: inventory.Component{
			PURL: "pkg:npm/resolve@1.22.8", Ecosystem: "npm", Name: "resolve", Version: "1.22.8", Direct: true, Scope: runtime,
			Properties: map[string]string{
				"checksum":   "10c0/07e179f4375e1fd072cfb72ad66d78547f86e6196c4014b31cb0b8bb1db5f7ca871f922d08da0fbc05b94e9fd42206f819648fa3b5b873ebbc8e1dc68fec433a",
				"patch":      "optional!builtin<compat/resolve>",
				"workspaces": ".",
			},
			Locations: loc(blc, 99, 112),
		}},
		{Path: bsrc, Want: inventory.Component{
			PURL: "pkg:npm/lodash@4.17.21", Ecosystem: "npm", Name: "lodash", Version: "4.17.21", Direct: true, Scope: runtime,
			Properties: map[string]string{
				"checksum":   "10c0/d8cbea072bb08655bb4c989da418994b073a608dffa608b09ac04b43a791b12aeae7cd7ad919aa4c925f33b48490b5cfe6c1f71d827956071dae2e7bb3a6b74c",
				"patch":      "~/.yarn/patches/lodash-npm-4.17.21-6382451519.patch",
				"workspaces": ".",
			},
			Locations: loc(bsrc, 78, 85),
		}},
		{Path: bsrc, Want: inventory.Component{
			PURL: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Direct: true, Scope: runtime,
			Source:     "https://mirror.example/left-pad/-/left-pad-1.3.0.tgz",
			Properties: map[string]string{"alias": "mirrored", "workspaces": "."}, Locations: loc(bsrc, 92),
		}},
		{Path: bsrc, Want: inventory.Component{
			PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: runtime,
			Properties: map[string]string{"workspaces": "packages/lib"}, Locations: loc(bsrc, 98),
		}},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

// lockOnly is the tree holding only the lockfile at path of testdata, so
// no package.json is found.
func lockOnly(t *testing.T, path string) fstest.MapFS {
	return fstest.MapFS{path: {Data: extracttest.ReadFile(t, filepath.Join("testdata", path))}}
}

func TestWithoutPackageJSON(t *testing.T) {
	scopes := func(g *inventory.Graph) map[string]inventory.Scope {
		out := map[string]inventory.Scope{}
		for _, c := range g.Components() {
			out[c.PURL] = c.Scope
		}
		return out
	}
	t.Run("v1", func(t *testing.T) {
		const p = "v1-workspace/yarn.lock"
		g, err := extracttest.Extract(t, New(), lockOnly(t, p), p)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Root(p).Properties["direct_from"]; got != "inferred" {
			t.Errorf("direct_from = %q, want inferred", got)
		}
		// ms@2.1.3, wrappy, loose-envify and js-tokens are needed by other
		// entries; wrappy, also a direct dependency, is missed.
		want := []string{
			"pkg:npm/%40isaacs/string-locale-compare@1.1.0", "pkg:npm/debug@4.4.3", "pkg:npm/is-number@7.0.0",
			"pkg:npm/ms@2.0.0", "pkg:npm/once@1.4.0", "pkg:npm/react@18.3.1", "pkg:npm/use-sync-external-store@1.7.0",
		}
		if diff := cmp.Diff(want, extracttest.DirectPURLs(g)); diff != "" {
			t.Errorf("direct (-want +got):\n%s", diff)
		}
		if got := scopes(g)["pkg:npm/is-number@7.0.0"]; got != runtime {
			t.Errorf("is-number scope = %q, want runtime: nothing says it is dev", got)
		}
	})
	t.Run("berry", func(t *testing.T) {
		const p = "berry-workspace/yarn.lock"
		g, err := extracttest.Extract(t, New(), lockOnly(t, p), p)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range demoBerryRows {
			if r.Direct {
				want = append(want, r.PURL)
			}
		}
		if diff := cmp.Diff(want, extracttest.DirectPURLs(g)); diff != "" {
			t.Errorf("direct (-want +got):\n%s", diff)
		}
		// The workspace entry merges dev and runtime dependencies; only
		// dependenciesMeta's optional flag survives.
		got := scopes(g)
		if got["pkg:npm/is-number@7.0.0"] != runtime || got["pkg:npm/wrappy@1.0.2"] != runtime {
			t.Errorf("scopes = %v, want is-number and wrappy runtime", got)
		}
		if r := g.Root(p); r.Name != "demo-app" || r.PURL != "pkg:npm/demo-app" {
			t.Errorf("root = %+v, want demo-app from the workspace entry", r)
		}
	})
}

func TestOptionalWorkspaceDependency(t *testing.T) {
	// In Berry, a root's optional dependency is only marked in
	// dependenciesMeta; nothing else needs it here.
	lock := `__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    fsevents: "npm:^2.3.0"
  dependenciesMeta:
    fsevents:
      optional: true
  languageName: unknown
  linkType: soft

"fsevents@npm:^2.3.0":
  version: 2.3.3
  resolution: "fsevents@npm:2.3.3"
  languageName: node
  linkType: hard
`
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: []byte(lock)}}, "yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckRows(t, g, extracttest.Rows, []row{{PURL: "pkg:npm/fsevents@2.3.3", Direct: true, Scope: optional, Lines: []int{16}}})
}

func TestScopes(t *testing.T) {
	// One package.json declares each kind; the lockfile chains them so
	// that each transitive package's scope is decided by its best path.
	pkg := `{
  "name": "scopes",
  "dependencies": {"run": "^1.0.0"},
  "optionalDependencies": {"opt": "^1.0.0"},
  "peerDependencies": {"peer": "^1.0.0"},
  "devDependencies": {"tool": "^1.0.0", "run": "^1.0.0"}
}
`
	lock := `# yarn lockfile v1


opt@^1.0.0:
  version "1.0.0"
  dependencies:
    opt-child "^1.0.0"

opt-child@^1.0.0:
  version "1.0.0"

peer@^1.0.0:
  version "1.0.0"
  dependencies:
    shared "^1.0.0"

run@^1.0.0:
  version "1.0.0"
  optionalDependencies:
    run-optional "^1.0.0"

run-optional@^1.0.0:
  version "1.0.0"

shared@^1.0.0:
  version "1.0.0"

tool@^1.0.0:
  version "1.0.0"
  dependencies:
    opt-child "^1.0.0"
    shared "^1.0.0"
    tool-child "^1.0.0"

tool-child@^1.0.0:
  version "1.0.0"
`
	fsys := fstest.MapFS{"app/yarn.lock": {Data: []byte(lock)}, "app/package.json": {Data: []byte(pkg)}}
	g, err := extracttest.Extract(t, New(), fsys, "app/yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckRows(t, g, extracttest.Rows, []row{
		{PURL: "pkg:npm/opt-child@1.0.0", Scope: optional, Lines: []int{9}},
		{PURL: "pkg:npm/opt@1.0.0", Direct: true, Scope: optional, Lines: []int{4}},
		{PURL: "pkg:npm/peer@1.0.0", Direct: true, Scope: peer, Lines: []int{12}},
		// Needed by a peer and by a dev tool: the peer path wins.
		{PURL: "pkg:npm/run-optional@1.0.0", Scope: optional, Lines: []int{22}},
		{PURL: "pkg:npm/run@1.0.0", Direct: true, Scope: runtime, Lines: []int{17}},
		{PURL: "pkg:npm/shared@1.0.0", Scope: peer, Lines: []int{25}},
		{PURL: "pkg:npm/tool-child@1.0.0", Scope: dev, Lines: []int{35}},
		{PURL: "pkg:npm/tool@1.0.0", Direct: true, Scope: dev, Lines: []int{28}},
	})
}

func TestWorkspaceGlobs(t *testing.T) {
	lock := `# yarn lockfile v1


a@^1.0.0:
  version "1.0.0"

b@^1.0.0:
  version "1.0.0"

c@^1.0.0:
  version "1.0.0"

d@^1.0.0:
  version "1.0.0"
`
	fsys := fstest.MapFS{
		"yarn.lock":                                {Data: []byte(lock)},
		"package.json":                             {Data: []byte(`{"name": "mono", "workspaces": {"packages": ["packages/**", "!packages/skipped", "tools/*"]}}`)},
		"packages/one/package.json":                {Data: []byte(`{"dependencies": {"a": "^1.0.0"}}`)},
		"packages/group/two/package.json":          {Data: []byte(`{"devDependencies": {"b": "^1.0.0"}}`)},
		"packages/skipped/package.json":            {Data: []byte(`{"dependencies": {"c": "^1.0.0"}}`)},
		"packages/one/node_modules/x/package.json": {Data: []byte(`{"dependencies": {"c": "^1.0.0"}}`)},
		"tools/lint/package.json":                  {Data: []byte(`{"dependencies": {"d": "^1.0.0"}}`)},
		"tools/lint/deeper/package.json":           {Data: []byte(`{"dependencies": {"c": "^1.0.0"}}`)},
	}
	g, err := extracttest.Extract(t, New(), fsys, "yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckRows(t, g, extracttest.LineRows, []extracttest.LineRow{
		{PURL: "pkg:npm/a@1.0.0", Direct: true, Scope: runtime, Line: 4, Props: map[string]string{"workspaces": "packages/one"}},
		{PURL: "pkg:npm/b@1.0.0", Direct: true, Scope: dev, Line: 7, Props: map[string]string{"workspaces": "packages/group/two"}},
		{PURL: "pkg:npm/c@1.0.0", Scope: runtime, Line: 10},
		{PURL: "pkg:npm/d@1.0.0", Direct: true, Scope: runtime, Line: 13, Props: map[string]string{"workspaces": "tools/lint"}},
	})
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, dir string
		want         bool
	}{
		{"packages/*", "packages/a", true},
		{"packages/*", "packages/a/b", false},
		{"packages/**", "packages/a/b", true},
		{"packages/**", "packages", true},
		{"**/lib", "x/y/lib", true},
		{"apps/*/web", "apps/shop/web", true},
		{"apps/*/web", "apps/shop/api", false},
		{"packages/[", "packages/[", false}, // a bad pattern matches nothing
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.dir); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.dir, got, tt.want)
		}
	}
}

func TestRegistryTarball(t *testing.T) {
	tests := []struct {
		url, version, wantName string
		want                   bool
	}{
		{"https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz", "2.1.3", "ms", true},
		{"https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz#abc", "7.24.0", "@babel/core", true},
		{"https://npm.example/api/npm/remote/@babel%2fcore/-/core-7.24.0.tgz", "7.24.0", "@babel/core", true},
		{"https://npm.example/api/npm/remote/@babel%2Fcore/-/core-7.24.0.tgz?token=x", "7.24.0", "@babel/core", true},
		{"http://mirror.internal:8080/left-pad/-/left-pad-1.3.0.tgz", "1.3.0", "left-pad", true},
		{"https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz", "2.1.2", "", false},    // another version
		{"https://evil.example/-/ms-2.1.3.tgz", "2.1.3", "", false},               // no name before "/-/"
		{"https://evil.example/downloads/ms-2.1.3.tgz", "2.1.3", "", false},       // no "/-/"
		{"https://registry.yarnpkg.com/other/-/ms-2.1.3.tgz", "2.1.3", "", false}, // file of another name
		{"file:./vendor/ms/-/ms-2.1.3.tgz", "2.1.3", "", false},                   // not a download
		{"git+https://github.com/x/ms/-/ms-2.1.3.tgz", "2.1.3", "", false},        // not http
		{"https://registry.yarnpkg.com/ms/-/ms-.tgz", "", "", false},              // no version
		{"https://npm.example/@a%2fb%2fc/-/c-1.0.0.tgz", "1.0.0", "", false},      // two slashes
	}
	for _, tt := range tests {
		name, ok := registryTarball(tt.url, tt.version)
		if name != tt.wantName || ok != tt.want {
			t.Errorf("registryTarball(%q, %q) = %q, %v, want %q, %v", tt.url, tt.version, name, ok, tt.wantName, tt.want)
		}
	}
}

func TestStripCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ci:tok3n@npm.acme.example/x/-/x-1.0.0.tgz", "https://npm.acme.example/x/-/x-1.0.0.tgz"},
		{"https://tok3n@npm.acme.example/x.tgz", "https://npm.acme.example/x.tgz"},          // a token as the user
		{"git+https://ci:tok3n@git.example/a.git#abc", "git+https://git.example/a.git#abc"}, // git over https
		{"ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"},                    // ssh's user is no secret
		{"git+ssh://u:pw@host/a.git", "git+ssh://host/a.git"},                               // a password is
		{"https://host/a@1.0.0.tgz", "https://host/a@1.0.0.tgz"},                            // "@" in the path
		{"https://host/x.tgz#u:p@x", "https://host/x.tgz#u:p@x"},                            // "@" in the fragment
		{"https://u:p@host", "https://host"},
		{"git@github.com:a/b.git", "git@github.com:a/b.git"},
		{"file:./x", "file:./x"},
	}
	for _, tt := range tests {
		if got := stripCredentials(tt.in); got != tt.want {
			t.Errorf("stripCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegistryRange(t *testing.T) {
	tests := []struct {
		rng  string
		want bool
	}{
		{"^1.0.0", true},
		{">=1.0.0 <2", true},
		{"latest", true},
		{"", true},
		{"npm:left-pad@^1.3.0", true},
		{"npm:@scope/x@1", true},
		{"https://mirror.example/left-pad/-/left-pad-1.3.0.tgz", false},
		{"user/repo", false},
		{"github:user/repo", false},
		{"file:../x", false},
	}
	for _, tt := range tests {
		if got := registryRange(tt.rng); got != tt.want {
			t.Errorf("registryRange(%q) = %v, want %v", tt.rng, got, tt.want)
		}
	}
}

func TestArchiveURL(t *testing.T) {
	tests := []struct{ ref, want string }{
		{"npm:1.0.0::__archiveUrl=https%3A%2F%2Fcdn.example%2Fa.tgz", "https://cdn.example/a.tgz"},
		{"npm:1.0.0::hash=abc&__archiveUrl=https%3A%2F%2Fcdn.example%2Fa.tgz", "https://cdn.example/a.tgz"},
		{"npm:1.0.0", ""},
		{"npm:1.0.0::hash=abc", ""},
		{"npm:1.0.0::__archiveUrl=%zz", ""},
	}
	for _, tt := range tests {
		if got := archiveURL(tt.ref); got != tt.want {
			t.Errorf("archiveURL(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestSplitDescriptor(t *testing.T) {
	tests := []struct{ in, name, rng string }{
		{"ms@^2.1.3", "ms", "^2.1.3"},
		{"@babel/core@npm:^7.0.0", "@babel/core", "npm:^7.0.0"},
		{"my-ms@npm:ms@2.0.0", "my-ms", "npm:ms@2.0.0"},
		{"@scope/only", "@scope/only", ""},
		{"@", "@", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if n, r := splitDescriptor(tt.in); n != tt.name || r != tt.rng {
			t.Errorf("splitDescriptor(%q) = %q, %q, want %q, %q", tt.in, n, r, tt.name, tt.rng)
		}
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"yarn.lock":              true,
		"app/yarn.lock":          true,
		"yarn.lock.bak":          false,
		"package-lock.json":      false,
		"app/.yarnrc.yml":        false,
		"pnpm-lock.yaml":         false,
		"app/yarn.lock/inner.go": false,
	})
}

func TestBadInput(t *testing.T) {
	workspace := extracttest.ReadFile(t, "testdata/v1-workspace/yarn.lock")
	berry := extracttest.ReadFile(t, "testdata/berry-workspace/yarn.lock")
	cut := func(data []byte, at string) []byte {
		i := bytes.Index(data, []byte(at))
		if i < 0 {
			t.Fatalf("%q not in fixture", at)
		}
		return bytes.Clone(data[:i+len(at)])
	}
	deep := func(n int) []byte {
		var b strings.Builder
		for i := range n {
			b.WriteString(strings.Repeat("  ", i) + "k:\n")
		}
		return []byte(b.String())
	}
	tests := []extracttest.BadInput{
		{Name: "json", Data: []byte("\n  {\"lockfileVersion\": 3}\n"), WantLine: 2, WantCol: 3, WantMsg: "not a yarn lockfile: JSON"},
		{Name: "binary", Data: []byte("\x1f\x8b\x08\x00\x00\x00"), WantLine: 1, WantCol: 4, WantMsg: "binary data"},
		{Name: "truncated", Data: cut(workspace, `resolved "https://registry.yarnpkg.com/de`), WantLine: 12, WantCol: 12, WantMsg: "unterminated string"},
		{Name: "odd-indentation", Data: []byte("a@^1:\n   version \"1\"\n"), WantLine: 2, WantCol: 4, WantMsg: "indentation of 3 spaces"},
		{Name: "tab-indentation", Data: []byte("a@^1:\n\tversion \"1\"\n"), WantLine: 2, WantCol: 1, WantMsg: "tab in indentation"},
		{Name: "unexpected-indentation", Data: []byte("a@^1:\n  version \"1\"\n    x \"y\"\n"), WantLine: 3, WantCol: 5, WantMsg: "unexpected indentation"},
		{Name: "value-at-top", Data: []byte("# yarn lockfile v1\na@^1 \"1.0.0\"\n"), WantLine: 2, WantCol: 1, WantMsg: "want an entry key"},
		{Name: "no-value", Data: []byte("a@^1:\n  version\n"), WantLine: 2, WantCol: 3, WantMsg: `"version" has no value`},
		{Name: "dangling-comma", Data: []byte("a@^1, :\n"), WantLine: 1, WantCol: 7, WantMsg: `want a key after ","`},
		{Name: "extra-token", Data: []byte("a@^1:\n  version \"1\" \"2\"\n"), WantLine: 2, WantCol: 15, WantMsg: `unexpected "2"`},
		{Name: "leading-colon", Data: []byte(": x\n"), WantLine: 1, WantCol: 1, WantMsg: "want a key"},
		{Name: "bad-escape", Data: []byte("\"a\\q@^1\":\n"), WantLine: 1, WantCol: 1, WantMsg: "bad string"},
		{Name: "invalid-utf8", Data: []byte("a@^1:\n  version \"\xff\"\n"), WantLine: 2, WantMsg: "invalid UTF-8"},
		{Name: "conflict-markers", Data: append(cut(workspace, "ms@^2.1.3:\n"), "<<<<<<< HEAD\n"...), WantLine: 35, WantCol: 1, WantMsg: "unresolved merge conflict"},
		{Name: "deep-nesting", Data: deep(20), WantLine: 17, WantCol: 33, WantMsg: "nested deeper than 16 levels"},
		{Name: "huge-line", Data: []byte("a@^1:\n  version \"" + strings.Repeat("9", extract.MaxLineLength) + "\"\n"), WantLine: 2, WantMsg: "line longer than"},
		{Name: "berry-truncated", Data: cut(berry, `resolution: "debug@np`), WantLine: 27, WantMsg: "yaml: found unexpected end of stream"},
		{Name: "berry-bad-yaml", Data: []byte("__metadata:\n  version: 8\n\"a@npm:1\": {version: [}\n"), WantLine: 3, WantMsg: "yaml: did not find expected node content"},
		{Name: "berry-control-character", Data: []byte("__metadata:\n  version: 8\n\"a@npm:1\":\n  version: 1\x01\n"), WantLine: 4, WantCol: 13, WantMsg: "yaml: control characters are not allowed"},
		{Name: "berry-conflict-markers", Data: []byte("__metadata:\n  version: 8\n\n<<<<<<< HEAD\n\"a@npm:1\":\n  version: 1.0.0\n=======\n"), WantLine: 4, WantCol: 1, WantMsg: "unresolved merge conflict marker"},
		{Name: "berry-unknown-anchor", Data: []byte("__metadata:\n  version: 8\n\"a@npm:1\": *entry\n"), WantLine: 3, WantCol: 12, WantMsg: "yaml: unknown anchor 'entry' referenced"},
		{Name: "berry-deep", Data: []byte("__metadata:\n  version: 8\nx: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"), WantLine: 3, WantCol: 67, WantMsg: "yaml nested deeper than 64 levels"},
		{Name: "berry-too-many-nodes", Data: []byte("__metadata:\n  version: 8\nx: [" + strings.Repeat("1,", maxNodeEstimate) + "]\n"), WantLine: 0, WantMsg: "yaml: too large"},
	}
	extracttest.RunBadInputs(t, New(), "yarn.lock", tests)
}

func TestBerryBadEntries(t *testing.T) {
	// Entries of the wrong shape are reported and skipped; the others
	// are kept. Without workspace entries or a package.json, what nothing
	// depends on is direct.
	lock := `__metadata:
  version: 8
  cacheKey: 10c0

"good@npm:^1.0.0":
  version: 1.0.0
  resolution: "good@npm:1.0.0"
  dependencies:
    bad-deps: "npm:^1.0.0"

"scalar@npm:^1.0.0": 3

"bad-deps@npm:^1.0.0":
  version: 1.0.0
  resolution: "bad-deps@npm:1.0.0"
  dependencies:
    - a

"bad-version@npm:^1.0.0":
  version: {major: 1}
`
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: []byte(lock)}}, "yarn.lock")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "yarn.lock", Line: 11, Column: 22, Msg: `entry "scalar@npm:^1.0.0": want a mapping, got scalar`})
	if !strings.Contains(e.Error(), "and 2 more problems") {
		t.Errorf("error %q does not count the other two entries", e)
	}
	if g == nil {
		t.Fatal("no graph")
	}
	extracttest.CheckRows(t, g, extracttest.Rows, []row{{PURL: "pkg:npm/good@1.0.0", Direct: true, Scope: runtime, Lines: []int{5}}})
}

func TestBerryBadEntryMessages(t *testing.T) {
	tests := []struct {
		name, entry string
		want        extracttest.ErrorWant
	}{
		{"deps-sequence", "  dependencies:\n    - a\n", extracttest.ErrorWant{Line: 7, Column: 5, Msg: `entry "x@npm:1".dependencies: want a mapping, got sequence`}},
		{"version-mapping", "  version: {major: 1}\n", extracttest.ErrorWant{Line: 6, Column: 12, Msg: `entry "x@npm:1".version: want a string, got mapping`}},
		{"dep-range-mapping", "  dependencies:\n    a: {b: c}\n", extracttest.ErrorWant{Line: 7, Column: 8, Msg: `entry "x@npm:1".dependencies["a"]: want a string, got mapping`}},
		{"meta-scalar", "  dependenciesMeta:\n    a: yes\n", extracttest.ErrorWant{Line: 7, Column: 8, Msg: `entry "x@npm:1".dependenciesMeta["a"]: want a mapping, got scalar`}},
		{"metadata-version", "", extracttest.ErrorWant{Line: 2, Column: 12, Msg: "__metadata.version: want a string, got sequence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock := "__metadata:\n  version: 8\n\n\"x@npm:1\":\n  resolution: \"x@npm:1.0.0\"\n" + tt.entry
			if tt.entry == "" {
				lock = "__metadata:\n  version: [8]\n"
			}
			_, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: []byte(lock)}}, "yarn.lock")
			tt.want.Path = "yarn.lock"
			extracttest.CheckError(t, err, tt.want)
		})
	}
}

func TestBrokenPackageJSON(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/v1-workspace/yarn.lock")
	t.Run("syntax", func(t *testing.T) {
		g := extracttest.CheckSiblingError(t, New(), "app/yarn.lock", lock, "app/package.json", []byte("{\n  \"name\": \"demo-app\",\n  \"dependencies\": {\n    \"debug\" \"^4.3.4\"\n"), 4)
		// Without a readable package.json, direct dependencies are guessed.
		if got := g.Root("app/yarn.lock").Properties["direct_from"]; got != "inferred" {
			t.Errorf("direct_from = %q, want inferred", got)
		}
		if g.Len() != 11 {
			t.Errorf("%d components, want the lockfile's 11", g.Len())
		}
	})
	t.Run("wrong-type", func(t *testing.T) {
		pkg := "{\n  \"name\": \"demo-app\",\n  \"devDependencies\": [\"is-number\"],\n  \"dependencies\": {\"debug\": \"^4.3.4\"}\n}\n"
		g := extracttest.CheckSiblingError(t, New(), "app/yarn.lock", lock, "app/package.json", []byte(pkg), 3)
		// The rest of the file is still read.
		want := []string{"pkg:npm/debug@4.4.3"}
		if diff := cmp.Diff(want, extracttest.DirectPURLs(g)); diff != "" {
			t.Errorf("direct (-want +got):\n%s", diff)
		}
	})
	t.Run("workspace", func(t *testing.T) {
		fsys := fstest.MapFS{
			"yarn.lock":                  {Data: lock},
			"package.json":               {Data: extracttest.ReadFile(t, "testdata/v1-workspace/package.json")},
			"packages/util/package.json": {Data: []byte("{\"dependencies\": {\"once\": \"^1.4.0\"},\n\"name\": 7}\n")},
		}
		g, err := extracttest.Extract(t, New(), fsys, "yarn.lock")
		extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "packages/util/package.json", Line: 2, Msg: "name: want string"})
		// The workspace's dependencies are still read.
		if c := g.Component("pkg:npm/once@1.4.0"); c == nil || !c.Direct {
			t.Errorf("once = %+v, want direct", c)
		}
	})
}

func TestByteOrderMark(t *testing.T) {
	lock := append([]byte("\xef\xbb\xbf"), extracttest.ReadFile(t, "testdata/berry-workspace/yarn.lock")...)
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: lock}}, "yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != len(demoBerryRows) {
		t.Errorf("%d components, want %d", g.Len(), len(demoBerryRows))
	}
}

func TestEmpty(t *testing.T) {
	for _, data := range []string{"", "# yarn lockfile v1\n\n\n", "__metadata:\n  version: 8\n  cacheKey: 10c0\n"} {
		g, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: []byte(data)}}, "yarn.lock")
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if g.Len() != 0 || len(g.Roots()) != 1 {
			t.Errorf("%q: %d components, %d roots; want none and one", data, g.Len(), len(g.Roots()))
		}
	}
}

func TestCanceled(t *testing.T) {
	var b strings.Builder
	b.WriteString("# yarn lockfile v1\n\n")
	for i := range 10000 {
		b.WriteString("p" + strings.Repeat("x", i%7) + "@^1.0.0:\n  version \"1.0.0\"\n\n")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, fstest.MapFS{"yarn.lock": {Data: []byte(b.String())}}, "yarn.lock")
	_, err := New().Extract(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	extracttest.CheckErrorPath(t, err, "yarn.lock")
}

func TestLarge(t *testing.T) {
	// A chain of 20,000 entries, each depending on the next: time and
	// memory stay linear.
	const n = 20000
	var b strings.Builder
	b.WriteString("# yarn lockfile v1\n\n")
	for i := range n {
		b.WriteString("p" + itoa(i) + "@^1.0.0:\n  version \"1.0.0\"\n")
		if i+1 < n {
			b.WriteString("  dependencies:\n    p" + itoa(i+1) + " \"^1.0.0\"\n")
		}
		b.WriteString("\n")
	}
	start := time.Now()
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"yarn.lock": {Data: []byte(b.String())}}, "yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != n || len(g.Edges()) != n {
		t.Errorf("%d components and %d edges, want %d of each", g.Len(), len(g.Edges()), n)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func FuzzExtract(f *testing.F) {
	files, err := filepath.Glob("testdata/*/yarn.lock")
	if err != nil {
		f.Fatal(err)
	}
	extracttest.AddSeeds(f, files...)
	f.Add([]byte("a@^1, \"b@npm:c@2\":\n  version \"1\"\n  dependencies:\n    b \"npm:c@2\"\n"))
	f.Add([]byte("__metadata:\n  version: 8\n\"x@patch:x@npm%3A1#p::version=1\":\n  version: 1\n  resolution: \"x@patch:x@patch%3Ax@npm%253A1%23q#p\"\n"))
	root := fstest.MapFS{"fuzz/package.json": {Data: []byte(`{"name": "f", "dependencies": {"a": "^1", "b": "npm:c@2"}, "workspaces": ["*"]}`)}}
	extracttest.Fuzz(f, timed{New()}, "fuzz/yarn.lock", root, nil)
}

// timed crashes the fuzzer on an input that takes too long, so the input
// is kept: a hang would otherwise stall the fuzzer silently.
type timed struct{ *Extractor }

func (x timed) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	t := time.AfterFunc(10*time.Second, func() { panic("Extract ran for 10s") })
	defer t.Stop()
	return x.Extractor.Extract(ctx, in)
}
