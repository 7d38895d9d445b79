package pnpmlock

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// Digests of the fixtures' "integrity" values, decoded to hex by hand
// (base64 -d | xxd -p; the hand-written fixtures' are SHA-512 of a word,
// from sha512sum) so the test does not share the code under test.
const (
	sumDebug443 = "446c305a7c10be455f6af295b76d8518bc3ec5849dcc04709b4aeee83853540dee994e6165cdbc57790ee2cb6062bcab4e52e9baf808f468a28e5b408cd6dca8"
	sumPacked   = "cfc882de07e5df1c3416bea65078ac56db86bdcf7e86674a22581cdda31d7a01c4eefe8a56f1051fe3297aa5bb87a3ee30bfe61dd940f4d196f09f99d29a8f92"
	sumSW       = "4190662f8171cdec28fbaa263e8b289bccf31367e4009befe37c368f0cf944d399b4d65e84fa7c696a93a74b59803b8f26d5d4b559bf8b07b6be25bec92644ef"
	sumWidget   = "488de9b786e56e5542751a98d65db3df4ecfc22ce85f48a74f63246a65328f0bd4ecaabfb7364f35f5a1dd933471d4182ba64f6ba49c6b9766e6710871c310b1"
	sumNative   = "b75da1369a7001dc43b6dde7ac206c9227b4ea3147cd8c026be796240c52ed1568707177c11723b9ec0b9fc85de102df5ce15f55ac5550504b345646e1996b2f"
	sumLeftPad  = "5d1720961877a7694702ee20160ef98b9a30677feeb6d219875d622a3f96d9fa9ce08bbc3afc081e40d27ed6b0e20511a34580d9f4f6a20bb04dae070a12f027"

	isPositiveTarball = "https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678"
	gitpkgSource      = "https://gitlab.com/acme/gitpkg.git#0123456789abcdef0123456789abcdef01234567"
)

type row = extracttest.Row

const (
	runtime  = inventory.ScopeRuntime
	dev      = inventory.ScopeDev
	optional = inventory.ScopeOptional
	build    = inventory.ScopeBuild
)

func root(id, name, version, lockVersion string) inventory.Root {
	r := inventory.Root{ID: id, Kind: inventory.KindManifest, Name: name, Version: version, Properties: map[string]string{"lockfile_version": lockVersion}}
	if name != "" {
		r.PURL = "pkg:npm/" + name + "@" + version
	}
	return r
}

// demoRows are the components of the demo workspace project (see
// testdata/README.md) at the given lines, one list per component.
func demoRows(msDirect bool, lines ...[]int) []row {
	return []row{
		{PURL: "pkg:npm/%40isaacs/string-locale-compare@1.1.0", Direct: true, Scope: runtime, Lines: lines[0]},
		{PURL: "pkg:npm/debug@4.4.3", Direct: true, Scope: runtime, Lines: lines[1]},
		{PURL: "pkg:npm/is-number@7.0.0", Direct: true, Scope: dev, Lines: lines[2]},
		{PURL: "pkg:npm/js-tokens@4.0.0", Scope: runtime, Lines: lines[3]},
		{PURL: "pkg:npm/loose-envify@1.4.0", Scope: runtime, Lines: lines[4]},
		{PURL: "pkg:npm/ms@2.0.0", Direct: true, Scope: runtime, Lines: lines[5]},
		// pnpm 8 and later install the util workspace's peer.
		{PURL: "pkg:npm/ms@2.1.3", Direct: msDirect, Scope: runtime, Lines: lines[6]},
		{PURL: "pkg:npm/once@1.4.0", Direct: true, Scope: runtime, Lines: lines[7]},
		{PURL: "pkg:npm/react@18.3.1", Direct: true, Scope: runtime, Lines: lines[8]},
		{PURL: "pkg:npm/use-sync-external-store@1.7.0", Direct: true, Scope: runtime, Lines: lines[9]},
		// Optional for the root, needed by once for the util workspace.
		{PURL: "pkg:npm/wrappy@1.0.2", Direct: true, Scope: runtime, Lines: lines[10]},
	}
}

func demoEdges(file string, msDirect bool) []string {
	out := []string{
		"pkg:npm/debug@4.4.3 -> pkg:npm/ms@2.1.3",
		"pkg:npm/loose-envify@1.4.0 -> pkg:npm/js-tokens@4.0.0",
		"pkg:npm/once@1.4.0 -> pkg:npm/wrappy@1.0.2",
		"pkg:npm/react@18.3.1 -> pkg:npm/loose-envify@1.4.0",
		// The peer is resolved, unlike in yarn.lock.
		"pkg:npm/use-sync-external-store@1.7.0 -> pkg:npm/react@18.3.1",
		file + " -> pkg:npm/%40isaacs/string-locale-compare@1.1.0",
		file + " -> pkg:npm/debug@4.4.3",
		file + " -> pkg:npm/is-number@7.0.0",
		file + " -> pkg:npm/ms@2.0.0",
		file + " -> pkg:npm/once@1.4.0",
		file + " -> pkg:npm/react@18.3.1",
		file + " -> pkg:npm/use-sync-external-store@1.7.0",
		file + " -> pkg:npm/wrappy@1.0.2",
	}
	if msDirect {
		out = append(out, file+" -> pkg:npm/ms@2.1.3")
	}
	return out
}

func lines(ls ...int) [][]int {
	out := make([][]int, len(ls))
	for i, l := range ls {
		out[i] = []int{l}
	}
	return out
}

func localEdges(file string) []string {
	return []string{
		"pkg:npm/hasown@2.0.4 -> pkg:npm/function-bind@1.1.2",
		"pkg:npm/is-core-module@2.18.0 -> pkg:npm/hasown@2.0.4",
		"pkg:npm/packed@1.0.0 -> pkg:npm/wrappy@1.0.2",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/is-core-module@2.18.0",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/path-parse@1.0.7",
		"pkg:npm/resolve@1.22.8 -> pkg:npm/supports-preserve-symlinks-flag@1.0.0",
		file + " -> pkg:npm/linked",
		file + " -> pkg:npm/ms@2.1.2",
		file + " -> pkg:npm/packed@1.0.0",
		file + " -> pkg:npm/resolve@1.22.8",
	}
}

// localRows are the components of the local-sources project; localdir
// differs between versions.
func localRows(localdir row, ls [][]int) []row {
	return []row{
		{PURL: "pkg:npm/function-bind@1.1.2", Scope: runtime, Lines: ls[0]},
		{PURL: "pkg:npm/hasown@2.0.4", Scope: runtime, Lines: ls[1]},
		{PURL: "pkg:npm/is-core-module@2.18.0", Scope: runtime, Lines: ls[2]},
		{PURL: "pkg:npm/linked", Direct: true, Scope: runtime, Lines: ls[3], Source: "link:linked"},
		localdir,
		// A tarball URL of the registry's shape: the registry's ms.
		{PURL: "pkg:npm/ms@2.1.2", Direct: true, Scope: runtime, Lines: ls[4]},
		{PURL: "pkg:npm/packed@1.0.0", Direct: true, Scope: runtime, Lines: ls[5], Source: "file:vendor/packed-1.0.0.tgz"},
		{PURL: "pkg:npm/path-parse@1.0.7", Scope: runtime, Lines: ls[6]},
		{PURL: "pkg:npm/resolve@1.22.8", Direct: true, Scope: runtime, Lines: ls[7]},
		{PURL: "pkg:npm/supports-preserve-symlinks-flag@1.0.0", Scope: runtime, Lines: ls[8]},
		{PURL: "pkg:npm/wrappy@1.0.2", Scope: runtime, Lines: ls[9]},
	}
}

func TestExtract(t *testing.T) {
	v5Lines := lines(35, 39, 51, 56, 60, 67, 71, 75, 81, 88, 96)
	tests := []extracttest.SummaryCase[row]{
		{
			Name:      "v5.3-workspace",
			Path:      "v5.3-workspace/pnpm-lock.yaml",
			WantRoot:  root("v5.3-workspace/pnpm-lock.yaml", "demo-app", "1.0.0", "5.3"),
			WantRows:  demoRows(false, v5Lines...),
			WantEdges: demoEdges("v5.3-workspace/pnpm-lock.yaml", false),
		},
		{
			Name:      "v5.4-workspace",
			Path:      "v5.4-workspace/pnpm-lock.yaml",
			WantRoot:  root("v5.4-workspace/pnpm-lock.yaml", "demo-app", "1.0.0", "5.4"),
			WantRows:  demoRows(false, v5Lines...),
			WantEdges: demoEdges("v5.4-workspace/pnpm-lock.yaml", false),
		},
		{
			Name:      "v6-workspace",
			Path:      "v6-workspace/pnpm-lock.yaml",
			WantRoot:  root("v6-workspace/pnpm-lock.yaml", "demo-app", "1.0.0", "6.0"),
			WantRows:  demoRows(true, lines(49, 53, 65, 70, 74, 81, 85, 89, 95, 102, 110)...),
			WantEdges: demoEdges("v6-workspace/pnpm-lock.yaml", true),
		},
		{
			// Each package at its "packages" and its "snapshots" line.
			Name:     "v9-workspace",
			Path:     "v9-workspace/pnpm-lock.yaml",
			WantRoot: root("v9-workspace/pnpm-lock.yaml", "demo-app", "1.0.0", "9.0"),
			WantRows: demoRows(true, []int{49, 95}, []int{52, 97}, []int{61, 101}, []int{65, 103}, []int{68, 105},
				[]int{72, 109}, []int{75, 111}, []int{78, 113}, []int{81, 117}, []int{85, 121}, []int{90, 125}),
			WantEdges: demoEdges("v9-workspace/pnpm-lock.yaml", true),
		},
		{
			// pnpm 6 links file: folders; no importers: the top level is
			// the root's.
			Name:     "v5.3-local",
			Path:     "v5.3-local/pnpm-lock.yaml",
			WantRoot: root("v5.3-local/pnpm-lock.yaml", "local-app", "2.0.0", "5.3"),
			WantRows: localRows(row{PURL: "pkg:npm/localdir", Direct: true, Scope: runtime, Lines: []int{12}, Source: "link:localdir"},
				lines(19, 23, 30, 11, 37, 63, 41, 45, 54, 59)),
			WantEdges: append(localEdges("v5.3-local/pnpm-lock.yaml"), "v5.3-local/pnpm-lock.yaml -> pkg:npm/localdir"),
		},
		{
			Name:     "v5.4-local",
			Path:     "v5.4-local/pnpm-lock.yaml",
			WantRoot: root("v5.4-local/pnpm-lock.yaml", "local-app", "2.0.0", "5.4"),
			WantRows: localRows(row{PURL: "pkg:npm/localdir@3.0.0", Direct: true, Scope: runtime, Lines: []int{63}, Source: "file:localdir"},
				lines(19, 23, 30, 11, 37, 71, 41, 45, 54, 59)),
			WantEdges: append(localEdges("v5.4-local/pnpm-lock.yaml"),
				"v5.4-local/pnpm-lock.yaml -> pkg:npm/localdir@3.0.0", "pkg:npm/localdir@3.0.0 -> pkg:npm/ms@2.1.2"),
		},
		{
			// pnpm 8 records no version for a folder.
			Name:     "v6-local",
			Path:     "v6-local/pnpm-lock.yaml",
			WantRoot: root("v6-local/pnpm-lock.yaml", "local-app", "2.0.0", "6.0"),
			WantRows: localRows(row{PURL: "pkg:npm/localdir", Direct: true, Scope: runtime, Lines: []int{70}, Source: "file:localdir"},
				lines(26, 30, 37, 8, 44, 77, 48, 52, 61, 66)),
			WantEdges: append(localEdges("v6-local/pnpm-lock.yaml"),
				"v6-local/pnpm-lock.yaml -> pkg:npm/localdir", "pkg:npm/localdir -> pkg:npm/ms@2.1.2"),
		},
		{
			Name:     "v9-local",
			Path:     "v9-local/pnpm-lock.yaml",
			WantRoot: root("v9-local/pnpm-lock.yaml", "local-app", "2.0.0", "9.0"),
			WantRows: localRows(row{PURL: "pkg:npm/localdir", Direct: true, Scope: runtime, Lines: []int{40, 76}, Source: "file:localdir"},
				[][]int{{29, 66}, {32, 68}, {36, 72}, {11}, {43, 80}, {46, 82}, {50, 86}, {53, 88}, {57, 94}, {61, 96}}),
			WantEdges: append(localEdges("v9-local/pnpm-lock.yaml"),
				"v9-local/pnpm-lock.yaml -> pkg:npm/localdir", "pkg:npm/localdir -> pkg:npm/ms@2.1.2"),
		},
		{
			Name:     "v5-sources",
			Path:     "v5-sources/pnpm-lock.yaml",
			WantRoot: root("v5-sources/pnpm-lock.yaml", "", "", "5.4"),
			WantRows: []row{
				// Needed by the dev tool too, but "dev: false" says it is
				// also needed in production.
				{PURL: "pkg:npm/%40acme/widget@1.0.0", Direct: true, Scope: runtime, Lines: []int{31}},
				{PURL: "pkg:npm/gitpkg@1.2.0", Direct: true, Scope: runtime, Lines: []int{78}, Source: gitpkgSource},
				// Installed by the dev tool under another name.
				{PURL: "pkg:npm/helper@1.0.0", Scope: dev, Lines: []int{61}},
				{PURL: "pkg:npm/is-positive@3.1.0", Direct: true, Scope: runtime, Lines: []int{71}, Source: isPositiveTarball},
				// A mirror's tarball: still the registry's package.
				{PURL: "pkg:npm/left-pad@1.3.0", Direct: true, Scope: runtime, Lines: []int{39}},
				{PURL: "pkg:npm/native@2.0.0", Direct: true, Scope: optional, Lines: []int{44}},
				{PURL: "pkg:npm/react@18.2.0", Direct: true, Scope: runtime, Lines: []int{50}},
				{PURL: "pkg:npm/sibling", Direct: true, Scope: runtime, Lines: []int{20}, Source: "link:../sibling"},
				{PURL: "pkg:npm/tarball-pkg@0.4.0", Direct: true, Scope: runtime, Lines: []int{65}, Source: "https://example.com/downloads/tarball-pkg.tgz"},
				{PURL: "pkg:npm/tool@1.0.0", Direct: true, Scope: dev, Lines: []int{54}},
			},
			WantEdges: []string{
				"pkg:npm/%40acme/widget@1.0.0 -> pkg:npm/react@18.2.0",
				"pkg:npm/gitpkg@1.2.0 -> pkg:npm/left-pad@1.3.0",
				"pkg:npm/tool@1.0.0 -> pkg:npm/%40acme/widget@1.0.0",
				"pkg:npm/tool@1.0.0 -> pkg:npm/helper@1.0.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/%40acme/widget@1.0.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/gitpkg@1.2.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/is-positive@3.1.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/left-pad@1.3.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/native@2.0.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/react@18.2.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/sibling",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/tarball-pkg@0.4.0",
				"v5-sources/pnpm-lock.yaml -> pkg:npm/tool@1.0.0",
			},
		},
		{
			Name:     "v6-sources",
			Path:     "v6-sources/pnpm-lock.yaml",
			WantRoot: root("v6-sources/pnpm-lock.yaml", "", "", "6.0"),
			WantRows: []row{
				// One package, two sets of peers.
				{PURL: "pkg:npm/%40acme/widget@1.0.0", Direct: true, Scope: runtime, Lines: []int{57, 65}},
				{PURL: "pkg:npm/is-positive@3.1.0", Direct: true, Scope: runtime, Lines: []int{98}, Source: isPositiveTarball},
				{PURL: "pkg:npm/left-pad@1.3.0", Direct: true, Scope: runtime, Lines: []int{73}},
				{PURL: "pkg:npm/native@2.0.0", Direct: true, Scope: optional, Lines: []int{79}},
				// A link out of the workspace, from apps/web.
				{PURL: "pkg:npm/outside", Direct: true, Scope: dev, Lines: []int{45}, Source: "link:../outside"},
				// No flags: a dev dependency of packages/shared, but the
				// runtime peer of the widget apps/web needs.
				{PURL: "pkg:npm/react@17.0.2", Direct: true, Scope: runtime, Lines: []int{85}},
				{PURL: "pkg:npm/react@18.2.0", Direct: true, Scope: runtime, Lines: []int{88}},
				{PURL: "pkg:npm/tarball-pkg@0.4.0", Direct: true, Scope: runtime, Lines: []int{92}, Source: "https://example.com/downloads/tarball-pkg.tgz"},
			},
			WantEdges: []string{
				"pkg:npm/%40acme/widget@1.0.0 -> pkg:npm/react@17.0.2",
				"pkg:npm/%40acme/widget@1.0.0 -> pkg:npm/react@18.2.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/%40acme/widget@1.0.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/is-positive@3.1.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/left-pad@1.3.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/native@2.0.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/outside",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/react@17.0.2",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/react@18.2.0",
				"v6-sources/pnpm-lock.yaml -> pkg:npm/tarball-pkg@0.4.0",
			},
		},
		{
			Name:     "v9-sources",
			Path:     "v9-sources/pnpm-lock.yaml",
			WantRoot: root("v9-sources/pnpm-lock.yaml", "", "", "9.0"),
			WantRows: []row{
				{PURL: "pkg:npm/%40acme/widget@1.0.0", Direct: true, Scope: runtime, Lines: []int{34, 75, 79}},
				{PURL: "pkg:npm/ansi-regex@5.0.1", Scope: runtime, Lines: []int{39, 83}},
				{PURL: "pkg:npm/gitpkg@1.2.0", Direct: true, Scope: runtime, Lines: []int{43, 85}, Source: gitpkgSource},
				{PURL: "pkg:npm/is-positive@3.1.0", Direct: true, Scope: runtime, Lines: []int{47, 89}, Source: isPositiveTarball},
				{PURL: "pkg:npm/native@2.0.0", Direct: true, Scope: optional, Lines: []int{52, 91}},
				{PURL: "pkg:npm/optional-helper@1.0.0", Scope: optional, Lines: []int{56, 95}},
				// Only the dev tool's peer.
				{PURL: "pkg:npm/react@17.0.2", Scope: dev, Lines: []int{59, 98}},
				{PURL: "pkg:npm/react@18.2.0", Scope: runtime, Lines: []int{62, 100}},
				{PURL: "pkg:npm/string-width@4.2.3", Direct: true, Scope: runtime, Lines: []int{65, 102}},
				{PURL: "pkg:npm/tool@1.0.0", Direct: true, Scope: dev, Lines: []int{68, 106}},
			},
			WantEdges: []string{
				"pkg:npm/%40acme/widget@1.0.0 -> pkg:npm/react@17.0.2",
				"pkg:npm/%40acme/widget@1.0.0 -> pkg:npm/react@18.2.0",
				"pkg:npm/gitpkg@1.2.0 -> pkg:npm/string-width@4.2.3",
				"pkg:npm/native@2.0.0 -> pkg:npm/optional-helper@1.0.0",
				"pkg:npm/string-width@4.2.3 -> pkg:npm/ansi-regex@5.0.1",
				"pkg:npm/tool@1.0.0 -> pkg:npm/%40acme/widget@1.0.0",
				"pkg:npm/tool@1.0.0 -> pkg:npm/ansi-regex@5.0.1",
				"pkg:npm/tool@1.0.0 -> pkg:npm/react@17.0.2",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/%40acme/widget@1.0.0",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/gitpkg@1.2.0",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/is-positive@3.1.0",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/native@2.0.0",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/string-width@4.2.3",
				"v9-sources/pnpm-lock.yaml -> pkg:npm/tool@1.0.0",
			},
		},
		{
			// pnpm 10 writes its own lockfile as a first document: the
			// package manager is a build component the root depends on.
			Name:     "v9-env-document",
			Path:     "v9-env-document/pnpm-lock.yaml",
			WantRoot: envRoot("v9-env-document/pnpm-lock.yaml", "pnpm@10.18.0"),
			WantRows: []row{
				{PURL: "pkg:npm/ms@2.1.3", Direct: true, Scope: runtime, Lines: []int{36, 41}},
				{PURL: "pkg:npm/pnpm@10.18.0", Direct: true, Scope: build, Lines: []int{15, 21}},
			},
			WantEdges: []string{
				"v9-env-document/pnpm-lock.yaml -> pkg:npm/ms@2.1.3",
				"v9-env-document/pnpm-lock.yaml -> pkg:npm/pnpm@10.18.0",
			},
		},
		{
			// A config dependency (a plugin pnpm loads) is build too; pnpm
			// is also the project's dev dependency: one component, at
			// both documents' lines, of the more run-time scope.
			Name:     "v9-env-config",
			Path:     "v9-env-config/pnpm-lock.yaml",
			WantRoot: envRoot("v9-env-config/pnpm-lock.yaml", "pnpm@10.18.0"),
			WantRows: []row{
				{PURL: "pkg:npm/%40acme/pnpm-plugin@1.0.0", Direct: true, Scope: build, Lines: []int{18, 27}},
				{PURL: "pkg:npm/ms@2.1.3", Direct: true, Scope: runtime, Lines: []int{52, 61}},
				{PURL: "pkg:npm/pnpm@10.18.0", Direct: true, Scope: build, Lines: []int{21, 29, 55, 63}},
			},
			WantEdges: []string{
				"v9-env-config/pnpm-lock.yaml -> pkg:npm/%40acme/pnpm-plugin@1.0.0",
				"v9-env-config/pnpm-lock.yaml -> pkg:npm/ms@2.1.3",
				"v9-env-config/pnpm-lock.yaml -> pkg:npm/pnpm@10.18.0",
			},
		},
		{
			// Packages a dependency names by URL: the URL is the Source
			// even on a registry's path; a registry resolution's tarball
			// on a mirror is the registry's. Credentials are dropped.
			Name:     "v9-url-tarballs",
			Path:     "v9-url-tarballs/pnpm-lock.yaml",
			WantRoot: root("v9-url-tarballs/pnpm-lock.yaml", "", "", "9.0"),
			WantRows: []row{
				{PURL: "pkg:npm/gitdep@1.0.0", Direct: true, Scope: runtime, Lines: []int{26, 43}, Source: "https://git.acme.example/acme/gitdep.git#0123456789abcdef0123456789abcdef01234567"},
				{PURL: "pkg:npm/left-pad@1.3.0", Direct: true, Scope: runtime, Lines: []int{30, 45}, Source: "https://mirror.example/left-pad/-/left-pad-1.3.0.tgz"},
				{PURL: "pkg:npm/right-pad@1.0.0", Direct: true, Scope: runtime, Lines: []int{34, 47}},
				{PURL: "pkg:npm/secret@2.0.0", Direct: true, Scope: runtime, Lines: []int{37, 49}, Source: "https://npm.acme.example/secret/-/secret-2.0.0.tgz"},
			},
			WantEdges: []string{
				"v9-url-tarballs/pnpm-lock.yaml -> pkg:npm/gitdep@1.0.0",
				"v9-url-tarballs/pnpm-lock.yaml -> pkg:npm/left-pad@1.3.0",
				"v9-url-tarballs/pnpm-lock.yaml -> pkg:npm/right-pad@1.0.0",
				"v9-url-tarballs/pnpm-lock.yaml -> pkg:npm/secret@2.0.0",
			},
		},
	}
	extracttest.RunSummaries(t, New(), extracttest.Rows, tests)
}

// envRoot is the root of a lockfile with pnpm's own document.
func envRoot(id, manager string) inventory.Root {
	r := root(id, "", "", "9.0")
	r.Properties["package_manager"] = manager
	return r
}

func loc(file string, lines ...int) []inventory.Location {
	var out []inventory.Location
	for _, l := range lines {
		out = append(out, inventory.Location{Path: file, Line: l})
	}
	return out
}

func sha512(v string) []inventory.Hash { return []inventory.Hash{{Algorithm: "SHA-512", Value: v}} }

func TestComponents(t *testing.T) {
	const (
		ws9  = "v9-workspace/pnpm-lock.yaml"
		ws5  = "v5.3-workspace/pnpm-lock.yaml"
		lc5  = "v5.3-local/pnpm-lock.yaml"
		lc9  = "v9-local/pnpm-lock.yaml"
		src5 = "v5-sources/pnpm-lock.yaml"
		src6 = "v6-sources/pnpm-lock.yaml"
		src9 = "v9-sources/pnpm-lock.yaml"
		env  = "v9-env-config/pnpm-lock.yaml"
		url9 = "v9-url-tarballs/pnpm-lock.yaml"
	)
	tests := []extracttest.ComponentCase{
		{Path: env, Want: inventory.Component{
			PURL: "pkg:npm/%40acme/pnpm-plugin@1.0.0", Ecosystem: "npm", Name: "@acme/pnpm-plugin", Version: "1.0.0", Direct: true, Scope: build,
			Hashes:     sha512("649f989b1ba6622dcc50339adc75b2e9fd8866efb9802716153a2917b3444877bb325ea985333b82db787f20caddf3e88bdfba1e3e7431bc4aefae1242b06d0d"),
			Properties: map[string]string{"environment": "configDependencies"}, Locations: loc(env, 18, 27),
		}},
		{Path: env, Want: inventory.Component{
			PURL: "pkg:npm/pnpm@10.18.0", Ecosystem: "npm", Name: "pnpm", Version: "10.18.0", Direct: true, Scope: build,
			Hashes:     sha512("9784a9fc346c7a8afdc0be84bd5dbe4ee427eb774c90f8d9feca7d5e48214c46d5f4a94f4b5c54b19deeeff2103b8c31b5c141e1b82940f45c477402bdeccf71"),
			Properties: map[string]string{"environment": "packageManagerDependencies", "workspaces": "."}, Locations: loc(env, 21, 29, 55, 63),
		}},
		{Path: url9, Want: inventory.Component{
			// The name the registry's path gives, installed as "mirrored",
			// from the URL the project chose.
			PURL: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Direct: true, Scope: runtime,
			Hashes:     sha512("3389eb908684f13e1b19377ae9f330fc8231cba794228a220a30b7fac6ecc6a62c808354072e11c97458fd973080cbd0a98343034b1c42b152d1cc802de46909"),
			Source:     "https://mirror.example/left-pad/-/left-pad-1.3.0.tgz",
			Properties: map[string]string{"alias": "mirrored", "workspaces": "."}, Locations: loc(url9, 30, 45),
		}},
		{Path: ws9, Want: inventory.Component{
			PURL: "pkg:npm/debug@4.4.3", Ecosystem: "npm", Name: "debug", Version: "4.4.3", Direct: true, Scope: runtime,
			Hashes: sha512(sumDebug443), Properties: map[string]string{"workspaces": "."}, Locations: loc(ws9, 52, 97),
		}},
		{Path: ws9, Want: inventory.Component{
			// The util workspace's peer, which pnpm 9 installs for it.
			PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: runtime,
			Hashes:     sha512("e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"),
			Properties: map[string]string{"workspaces": "packages/util"}, Locations: loc(ws9, 75, 111),
		}},
		{Path: ws5, Want: inventory.Component{
			PURL: "pkg:npm/ms@2.0.0", Ecosystem: "npm", Name: "ms", Version: "2.0.0", Direct: true, Scope: runtime,
			Hashes:     sha512("4e9a7ad0fe885090d3b8eabfe59f1c76c93326e8dfc2a7ce4e4af02308fb211212a679099d3e92c89e0f08f9c63281630bd75d85a979295218b40b7dee2c74e4"),
			Properties: map[string]string{"alias": "my-ms", "workspaces": "."}, Locations: loc(ws5, 67),
		}},
		{Path: lc5, Want: inventory.Component{
			PURL: "pkg:npm/packed@1.0.0", Ecosystem: "npm", Name: "packed", Version: "1.0.0", Direct: true, Scope: runtime,
			Hashes: sha512(sumPacked), Source: "file:vendor/packed-1.0.0.tgz",
			Properties: map[string]string{"workspaces": "."}, Locations: loc(lc5, 63),
		}},
		{Path: lc9, Want: inventory.Component{
			PURL: "pkg:npm/ms@2.1.2", Ecosystem: "npm", Name: "ms", Version: "2.1.2", Direct: true, Scope: runtime,
			Hashes:     sha512("b0690fc7e56332d980e8c5f6ee80381411442c50996784b85ea7863970afebcb53fa36f7be4fd1c9a2963f43d32b25ad98b48cd1bf9a7544c4bdbb353c4687db"),
			Properties: map[string]string{"alias": "ms-tarball", "workspaces": "."}, Locations: loc(lc9, 43, 80),
		}},
		{Path: lc9, Want: inventory.Component{
			PURL: "pkg:npm/linked", Ecosystem: "npm", Name: "linked", Direct: true, Scope: runtime, Source: "link:linked",
			Properties: map[string]string{"workspaces": "."}, Locations: loc(lc9, 11),
		}},
		{Path: src5, Want: inventory.Component{
			PURL: "pkg:npm/native@2.0.0", Ecosystem: "npm", Name: "native", Version: "2.0.0", Direct: true, Scope: optional,
			Hashes:     sha512(sumNative),
			Properties: map[string]string{"install_script": "true", "workspaces": "."}, Locations: loc(src5, 44),
		}},
		{Path: src5, Want: inventory.Component{
			PURL: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Direct: true, Scope: runtime,
			Hashes:     sha512(sumLeftPad),
			Properties: map[string]string{"deprecated": "use String.prototype.padStart()", "workspaces": "."}, Locations: loc(src5, 39),
		}},
		{Path: src5, Want: inventory.Component{
			PURL: "pkg:npm/helper@1.0.0", Ecosystem: "npm", Name: "helper", Version: "1.0.0", Scope: dev,
			Hashes:     sha512("55ca039cf82798988218f3c2d31fb19fa86c40e39fb0ae4bcd59e78c81a6f581fb2de7e297328b7f56e12b33425f1c8b82c0d9e140450efdfe54b72be57c4d93"),
			Properties: map[string]string{"alias": "tool-helper"}, Locations: loc(src5, 61),
		}},
		{Path: src6, Want: inventory.Component{
			PURL: "pkg:npm/left-pad@1.3.0", Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Direct: true, Scope: runtime,
			Hashes: sha512(sumLeftPad),
			Properties: map[string]string{
				"deprecated": "use String.prototype.padStart()",
				"patch":      "patches/left-pad@1.3.0.patch",
				"workspaces": ".",
			},
			Locations: loc(src6, 73),
		}},
		{Path: src6, Want: inventory.Component{
			PURL: "pkg:npm/%40acme/widget@1.0.0", Ecosystem: "npm", Name: "@acme/widget", Version: "1.0.0", Direct: true, Scope: runtime,
			Hashes: sha512(sumWidget), Properties: map[string]string{"workspaces": ".,apps/web"}, Locations: loc(src6, 57, 65),
		}},
		{Path: src9, Want: inventory.Component{
			PURL: "pkg:npm/string-width@4.2.3", Ecosystem: "npm", Name: "string-width", Version: "4.2.3", Direct: true, Scope: runtime,
			Hashes: sha512(sumSW), Properties: map[string]string{"alias": "string-width-cjs", "workspaces": "."}, Locations: loc(src9, 65, 102),
		}},
		{Path: src9, Want: inventory.Component{
			// A private registry's tarball, with the scope's slash escaped.
			PURL: "pkg:npm/%40acme/widget@1.0.0", Ecosystem: "npm", Name: "@acme/widget", Version: "1.0.0", Direct: true, Scope: runtime,
			Hashes: sha512(sumWidget), Properties: map[string]string{"workspaces": "."}, Locations: loc(src9, 34, 75, 79),
		}},
		{Path: src9, Want: inventory.Component{
			PURL: "pkg:npm/native@2.0.0", Ecosystem: "npm", Name: "native", Version: "2.0.0", Direct: true, Scope: optional,
			Hashes:     sha512(sumNative),
			Properties: map[string]string{"deprecated": "no longer maintained", "workspaces": "."}, Locations: loc(src9, 52, 91),
		}},
	}
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), tests)
}

func TestWithoutPackageJSON(t *testing.T) {
	const p = "v9-workspace/pnpm-lock.yaml"
	fsys := fstest.MapFS{p: {Data: extracttest.ReadFile(t, filepath.Join("testdata", p))}}
	g, err := extracttest.Extract(t, New(), fsys, p)
	if err != nil {
		t.Fatal(err)
	}
	// The lockfile says everything but the project's name.
	want := []*inventory.Root{{ID: p, Kind: inventory.KindManifest, Properties: map[string]string{"lockfile_version": "9.0"}}}
	if diff := cmp.Diff(want, g.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if g.Len() != 11 || len(extracttest.DirectPURLs(g)) != 9 {
		t.Errorf("%d components, %d direct; want 11 and 9", g.Len(), len(extracttest.DirectPURLs(g)))
	}
}

func TestBrokenPackageJSON(t *testing.T) {
	lock := extracttest.ReadFile(t, "testdata/v9-workspace/pnpm-lock.yaml")
	g := extracttest.CheckSiblingError(t, New(), "app/pnpm-lock.yaml", lock, "app/package.json", []byte("{\n  \"name\": \"demo-app\",\n  \"version\": 1\n}\n"), 3)
	if g.Len() != 11 {
		t.Errorf("%d components, want the lockfile's 11", g.Len())
	}
	if r := g.Root("app/pnpm-lock.yaml"); r.Name != "demo-app" {
		t.Errorf("root name %q, want what could be read: demo-app", r.Name)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"pnpm-lock.yaml":                  true,
		"apps/web/pnpm-lock.yaml":         true,
		"pnpm-lock.yml":                   false,
		"pnpm-workspace.yaml":             false,
		"node_modules/.pnpm/lock.yaml":    false,
		"yarn.lock":                       false,
		"pnpm-lock.yaml.orig":             false,
		"shrinkwrap.yaml":                 false,
		"vendor/x/pnpm-lock.yaml/file.js": false,
	})
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		key           string
		major         int
		name, version string
	}{
		{"/ms/2.1.3", 5, "ms", "2.1.3"},
		{"/@babel/core/7.24.0_react@18.2.0+vue@3.0.0", 5, "@babel/core", "7.24.0"},
		{"/use-sync-external-store/1.2.0_3qbagk7ji3plkz3h5ls5xvlw3m", 5, "use-sync-external-store", "1.2.0"},
		{"github.com/user/repo/0123abc", 5, "", ""},
		{"file:vendor/x.tgz", 5, "", ""},
		{"/ms@2.1.3", 6, "ms", "2.1.3"},
		{"/@babel/core@7.24.0(react@18.2.0)(vue@3.0.0)", 6, "@babel/core", "7.24.0"},
		{"/a@1.0.0(patch_hash=abc)", 6, "a", "1.0.0"},
		{"ms@2.1.3", 9, "ms", "2.1.3"},
		{"@babel/core@7.24.0(react@18.2.0)", 9, "@babel/core", "7.24.0"},
		{"x@https://example.com/x.tgz", 9, "x", ""},
		{"localdir@file:localdir", 9, "localdir", ""},
		{"", 9, "", ""},
		{"/", 5, "", ""},
		{"(", 9, "(", ""},
	}
	for _, tt := range tests {
		if n, v := parseKey(tt.key, tt.major); n != tt.name || v != tt.version {
			t.Errorf("parseKey(%q, %d) = %q, %q, want %q, %q", tt.key, tt.major, n, v, tt.name, tt.version)
		}
	}
}

func TestRegistryTarball(t *testing.T) {
	tests := []struct {
		url, name, version string
		want               bool
	}{
		{"https://registry.npmjs.org/ms/-/ms-2.1.3.tgz", "ms", "2.1.3", true},
		{"https://npm.acme.example/@acme%2fwidget/-/widget-1.0.0.tgz", "@acme/widget", "1.0.0", true},
		{"https://npm.acme.example/@acme/widget/-/widget-1.0.0.tgz", "@acme/widget", "1.0.0", true},
		{"https://mirror.example/left-pad/-/left-pad-1.3.0.tgz", "left-pad", "1.3.0", true},
		{"https://mirror.example/left-pad/-/left-pad-1.3.0.tgz", "right-pad", "1.3.0", false},
		{"https://example.com/downloads/tarball-pkg.tgz", "tarball-pkg", "0.4.0", false},
		{"https://codeload.github.com/kevva/is-positive/tar.gz/97edff6", "is-positive", "3.1.0", false},
		{"file:vendor/ms/-/ms-2.1.3.tgz", "ms", "2.1.3", false},
	}
	for _, tt := range tests {
		if _, ok := registryTarball(tt.url, tt.name, tt.version); ok != tt.want {
			t.Errorf("registryTarball(%q, %q, %q) = %v, want %v", tt.url, tt.name, tt.version, ok, tt.want)
		}
	}
}

func TestStripCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ci:tok3n@npm.acme.example/x/-/x-1.0.0.tgz", "https://npm.acme.example/x/-/x-1.0.0.tgz"},
		{"https://tok3n@npm.acme.example/x.tgz", "https://npm.acme.example/x.tgz"},
		{"git+https://ci:tok3n@git.example/a.git", "git+https://git.example/a.git"},
		{"ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"},
		{"ssh://u:pw@host/a.git", "ssh://host/a.git"},
		{"https://host/a@1.0.0.tgz", "https://host/a@1.0.0.tgz"},
		{"https://host?u=a@b", "https://host?u=a@b"},
		{"file:vendor/x.tgz", "file:vendor/x.tgz"},
	}
	for _, tt := range tests {
		if got := stripCredentials(tt.in); got != tt.want {
			t.Errorf("stripCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	v9 := extracttest.ReadFile(t, "testdata/v9-workspace/pnpm-lock.yaml")
	cut := func(data []byte, at string) []byte {
		i := bytes.Index(data, []byte(at))
		if i < 0 {
			t.Fatalf("%q not in fixture", at)
		}
		return bytes.Clone(data[:i+len(at)])
	}
	conflict := append(cut(v9, "  debug@4.4.3:\n"), "<<<<<<< HEAD\n    resolution: {integrity: sha512-x}\n=======\n"...)
	tests := []extracttest.BadInput{
		{Name: "package-lock", Data: []byte("{\n  \"name\": \"x\",\n  \"lockfileVersion\": 3\n}\n"), WantLine: 3, WantCol: 22, WantMsg: `unsupported lockfileVersion "3"`},
		{Name: "empty", Data: []byte("\n# nothing\n"), WantLine: 1, WantMsg: "empty file: not a pnpm lockfile"},
		{Name: "no-version", Data: []byte("importers:\n  .: {}\n"), WantLine: 1, WantCol: 1, WantMsg: "no lockfileVersion: not a pnpm lockfile"},
		{Name: "sequence", Data: []byte("- lockfileVersion\n"), WantLine: 1, WantCol: 1, WantMsg: "want a mapping, got sequence: not a pnpm lockfile"},
		{Name: "version-mapping", Data: []byte("lockfileVersion: {major: 9}\n"), WantLine: 1, WantCol: 18, WantMsg: "lockfileVersion: want a string, got mapping"},
		{Name: "future-version", Data: []byte("lockfileVersion: '10.0'\n"), WantLine: 1, WantCol: 18, WantMsg: `unsupported lockfileVersion "10.0"`},
		{Name: "importers-sequence", Data: []byte("lockfileVersion: '9.0'\nimporters:\n  - .\n"), WantLine: 3, WantCol: 3, WantMsg: "importers: want a mapping, got sequence"},
		{Name: "importer-scalar", Data: []byte("lockfileVersion: '9.0'\nimporters:\n  .: 7\n"), WantLine: 3, WantCol: 6, WantMsg: `importers["."]: want a mapping, got scalar`},
		{Name: "importer-dependencies", Data: []byte("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [a]\n"), WantLine: 4, WantCol: 19, WantMsg: `importers["."].dependencies: want a mapping, got sequence`},
		{Name: "importer-version", Data: []byte("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        version: [1]\n"), WantLine: 6, WantCol: 18, WantMsg: `importers["."].dependencies["a"].version: want a string, got sequence`},
		{Name: "packages-scalar", Data: []byte("lockfileVersion: '9.0'\npackages: x\n"), WantLine: 2, WantCol: 11, WantMsg: "packages: want a mapping, got scalar"},
		{Name: "snapshots-sequence", Data: []byte("lockfileVersion: '9.0'\nsnapshots: []\n"), WantLine: 2, WantCol: 12, WantMsg: "snapshots: want a mapping, got sequence"},
		{Name: "binary", Data: []byte("\x1f\x8b\x08\x00\x00\x00"), WantLine: 1, WantCol: 1, WantMsg: "yaml: control characters are not allowed"},
		{Name: "truncated", Data: cut(v9, "resolution: {integrity: sha512-RGww"), WantLine: 53, WantMsg: "yaml:"},
		{Name: "conflict-markers", Data: conflict, WantLine: 53, WantCol: 1, WantMsg: "unresolved merge conflict marker"},
		{Name: "tabs", Data: []byte("lockfileVersion: '9.0'\nimporters:\n\t.: {}\n"), WantLine: 3, WantMsg: "yaml: found character that cannot start any token"},
		{Name: "deep", Data: []byte("lockfileVersion: '9.0'\nx: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"), WantLine: 2, WantCol: 67, WantMsg: "yaml nested deeper than 64 levels"},
		{Name: "too-many-nodes", Data: []byte("lockfileVersion: '9.0'\nx: [" + strings.Repeat("1,", maxNodeEstimate) + "]\n"), WantLine: 0, WantMsg: "yaml: too large"},
		{Name: "unknown-anchor", Data: []byte("lockfileVersion: '9.0'\npackages: *p\n"), WantLine: 2, WantCol: 11, WantMsg: "yaml: unknown anchor 'p' referenced"},
	}
	extracttest.RunBadInputs(t, New(), "pnpm-lock.yaml", tests)
}

func TestBadEntries(t *testing.T) {
	// A package entry of the wrong shape is reported and skipped; the
	// others are kept.
	lock := `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      good:
        specifier: ^1.0.0
        version: 1.0.0
      bad:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  good@1.0.0:
    resolution: {integrity: sha512-x}

  bad@1.0.0:
    resolution: [sha512-x]

  flag@1.0.0:
    resolution: {integrity: sha512-x}

snapshots:

  good@1.0.0:
    dependencies:
      flag: 1.0.0

  flag@1.0.0:
    optional: maybe
`
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"pnpm-lock.yaml": {Data: []byte(lock)}}, "pnpm-lock.yaml")
	e := extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "pnpm-lock.yaml", Line: 20, Column: 17, Msg: `packages["bad@1.0.0"].resolution: want a mapping, got sequence`})
	if !strings.Contains(e.Error(), "and 1 more problem") {
		t.Errorf("error %q does not count the bad snapshot", e)
	}
	extracttest.CheckRows(t, g, extracttest.Rows, []row{
		{PURL: "pkg:npm/flag@1.0.0", Scope: runtime, Lines: []int{22}},
		{PURL: "pkg:npm/good@1.0.0", Direct: true, Scope: runtime, Lines: []int{16, 27}},
	})
}

func TestByteOrderMark(t *testing.T) {
	lock := append([]byte("\xef\xbb\xbf"), extracttest.ReadFile(t, "testdata/v6-workspace/pnpm-lock.yaml")...)
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"pnpm-lock.yaml": {Data: lock}}, "pnpm-lock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 11 {
		t.Errorf("%d components, want 11", g.Len())
	}
}

func TestCanceled(t *testing.T) {
	var b strings.Builder
	b.WriteString("lockfileVersion: '9.0'\npackages:\n")
	for i := range 10000 {
		b.WriteString("  p" + strings.Repeat("x", i%7) + "-" + itoa(i) + "@1.0.0: {}\n")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, fstest.MapFS{"pnpm-lock.yaml": {Data: []byte(b.String())}}, "pnpm-lock.yaml")
	_, err := New().Extract(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	extracttest.CheckErrorPath(t, err, "pnpm-lock.yaml")
}

func TestLarge(t *testing.T) {
	// A chain of 20,000 snapshots, each depending on the next: time and
	// memory stay linear.
	const n = 20000
	var b strings.Builder
	b.WriteString("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      p0:\n        specifier: ^1\n        version: 1.0.0\npackages:\n")
	for i := range n {
		b.WriteString("  p" + itoa(i) + "@1.0.0:\n    resolution: {integrity: sha512-x}\n")
	}
	b.WriteString("snapshots:\n")
	for i := range n {
		b.WriteString("  p" + itoa(i) + "@1.0.0:\n")
		if i+1 < n {
			b.WriteString("    dependencies:\n      p" + itoa(i+1) + ": 1.0.0\n")
		} else {
			b.WriteString("    {}\n")
		}
	}
	start := time.Now()
	g, err := extracttest.Extract(t, New(), fstest.MapFS{"pnpm-lock.yaml": {Data: []byte(b.String())}}, "pnpm-lock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != n || len(g.Edges()) != n {
		t.Errorf("%d components and %d edges, want %d of each", g.Len(), len(g.Edges()), n)
	}
	extracttest.CheckReachable(t, g)
	if d := time.Since(start); d > 20*time.Second {
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
	files, err := filepath.Glob("testdata/*/pnpm-lock.yaml")
	if err != nil {
		f.Fatal(err)
	}
	extracttest.AddSeeds(f, files...)
	f.Add([]byte("lockfileVersion: 5.4\ndependencies:\n  a: /b/1.0.0_c@2\n  l: link:../x\npackages:\n  /b/1.0.0_c@2:\n    dependencies:\n      b: 1.0.0_c@2\n    dev: true\n"))
	extracttest.Fuzz(f, timed{New()}, "fuzz/pnpm-lock.yaml", nil, nil)
}

// timed crashes the fuzzer on an input that takes too long, so the input
// is kept: a hang would otherwise stall the fuzzer silently.
type timed struct{ *Extractor }

func (x timed) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	t := time.AfterFunc(10*time.Second, func() { panic("Extract ran for 10s") })
	defer t.Stop()
	return x.Extractor.Extract(ctx, in)
}

func TestEnvDocument(t *testing.T) {
	// The project's document, after pnpm's own.
	const project = "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\npackages:\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n"
	msRow := row{PURL: "pkg:npm/ms@2.1.3", Direct: true, Scope: runtime, Lines: []int{0}}
	tests := []struct {
		name, env   string
		wantManager string
		wantRows    []row
		wantEdges   []string
		wantErr     *extracttest.ErrorWant
	}{
		{
			// What pnpm's packages need is build too, reached by edges.
			name: "transitive",
			env: "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n      '@pnpm/exe':\n        specifier: 10.18.0\n        version: 10.18.0\n" +
				"packages:\n  '@pnpm/exe@10.18.0':\n    resolution: {integrity: sha512-x}\n  '@pnpm/linux-x64@10.18.0':\n    resolution: {integrity: sha512-x}\n" +
				"snapshots:\n  '@pnpm/exe@10.18.0':\n    optionalDependencies:\n      '@pnpm/linux-x64': 10.18.0\n  '@pnpm/linux-x64@10.18.0':\n    optional: true\n",
			wantManager: "@pnpm/exe@10.18.0",
			wantRows: []row{
				{PURL: "pkg:npm/%40pnpm/exe@10.18.0", Direct: true, Scope: build, Lines: []int{10, 15}},
				{PURL: "pkg:npm/%40pnpm/linux-x64@10.18.0", Scope: build, Lines: []int{12, 18}},
			},
			wantEdges: []string{
				"pkg:npm/%40pnpm/exe@10.18.0 -> pkg:npm/%40pnpm/linux-x64@10.18.0",
				"pnpm-lock.yaml -> pkg:npm/%40pnpm/exe@10.18.0",
			},
		},
		{
			// A manager without a package entry is still the root's.
			name:        "manager-unresolved",
			env:         "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n      pnpm:\n        specifier: 10.18.0\n        version: 10.18.0\n",
			wantManager: "pnpm@10.18.0",
		},
		{
			// Only importer "." of pnpm's document counts, and only its
			// own sections.
			name: "other-sections",
			env: "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: 1.0.0\n        version: 1.0.0\n  sub:\n    configDependencies:\n      a:\n        specifier: 1.0.0\n        version: 1.0.0\n" +
				"packages:\n  a@1.0.0:\n    resolution: {integrity: sha512-x}\n",
			// Listed, so a component, but declared by nothing.
			wantRows: []row{{PURL: "pkg:npm/a@1.0.0", Scope: build, Lines: []int{15}}},
		},
		{
			// pnpm's document cannot be read: reported, the project's
			// graph kept.
			name:    "env-packages-scalar",
			env:     "---\nlockfileVersion: '9.0'\nimporters:\n  .: {}\npackages: 7\n",
			wantErr: &extracttest.ErrorWant{Path: "pnpm-lock.yaml", Line: 5, Column: 11, Msg: "packages: want a mapping, got scalar"},
		},
		{
			name:    "env-future-version",
			env:     "---\nlockfileVersion: '10.0'\nimporters:\n  .: {}\n",
			wantErr: &extracttest.ErrorWant{Path: "pnpm-lock.yaml", Line: 2, Column: 18, Msg: `unsupported lockfileVersion "10.0"`},
		},
		{
			// A document without a lockfileVersion is not pnpm's.
			name: "not-a-lockfile",
			env:  "---\nimporters:\n  .:\n    packageManagerDependencies:\n      pnpm:\n        specifier: 10.18.0\n        version: 10.18.0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.env + project
			g, err := extracttest.Extract(t, New(), fstest.MapFS{"pnpm-lock.yaml": {Data: []byte(data)}}, "pnpm-lock.yaml")
			if tt.wantErr != nil {
				extracttest.CheckError(t, err, *tt.wantErr)
			} else if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if g == nil {
				t.Fatal("no graph")
			}
			wantRoot := root("pnpm-lock.yaml", "", "", "9.0")
			if tt.wantManager != "" {
				wantRoot.Properties["package_manager"] = tt.wantManager
			}
			// The project's ms sits after pnpm's document.
			ms := msRow
			ms.Lines = []int{strings.Count(tt.env, "\n") + 10}
			wantRows := append([]row{ms}, tt.wantRows...)
			slices.SortFunc(wantRows, func(a, b row) int { return strings.Compare(a.PURL, b.PURL) })
			extracttest.CheckSummary(t, g, wantRoot, extracttest.Rows, wantRows, append([]string{"pnpm-lock.yaml -> pkg:npm/ms@2.1.3"}, tt.wantEdges...))
		})
	}
}
