package packagelock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// Digests of the fixtures' "integrity" values, decoded to hex by hand
// (base64 -d | xxd -p) so the test does not share the code under test.
const (
	sumDebug269     = "6c2ec496b7496899cf6c03fed44a2d62fa99b1bdde725e708ba05f8ba0494d470da30a7a72fb298348d7ce74532838e6fc4ec076014155e00f54c35c286b0730"
	sumDebug441     = "29c282aa27ed049719afefbbca4a03204c126b75d6a304df34fa3dd816318d78b260456b51087668bca1c410b0c30fa17a8aed505c44258711ce8b2cb5310161"
	sumIsNumber600  = "5aed551de20b04af0a016254022499417f781a6384e39460ebfe77f1f2b08a5a14bb6d4a9dc1246063eaa1bda8499e66513ef7bcb1ab1d08cac3728c3f07c3ce"
	sumIsNumber700  = "e350a27e483a7bc4f2952a5db53a5e2d532abd20445734edb47bc4443ef8d7ea6767c00dbf4d34e0c44be3740a3c394af5c1af369e8d6566540656c65d8c719e"
	sumIsOdd301     = "090a6758fac3c263f5f923075d986d2ed26ff74ca2c957e5b86b17e62342564ae142d5374d01ec5163c6f7091d93d2e0779c8da4083d8d0128f7408169781630"
	sumMs200        = "4e9a7ad0fe885090d3b8eabfe59f1c76c93326e8dfc2a7ce4e4af02308fb211212a679099d3e92c89e0f08f9c63281630bd75d85a979295218b40b7dee2c74e4"
	sumMs213        = "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"
	sumMs213SHA1    = "574c8138ce1d2b5861f0b44579dbadd60c6615b2"
	sumOnce140      = "94d689808fb643951140191c7042874d038f697754c67659125413658d0c15402e684a9ed44f8dcaf81dcff688c8d8ba67d3333b976fd47f27e7cfc610ba77fb"
	sumWrappy102    = "9784a9fc346c7a8afdc0be84bd5dbe4ee427eb774c90f8d9feca7d5e48214c46d5f4a94f4b5c54b19deeeff2103b8c31b5c141e1b82940f45c477402bdeccf71"
	sumReact1931    = "40d85676dee7ae05565901b9f10b86b004778efdc76dee266f8bf3ef0d9cb271dabdc89926075ad423cd6a5745e9e571bfdd2e7778d45e92a51cbebd80edfccb"
	sumUseSync150   = "45be3a2387061950668da9a3a617bc2ff527bc90feb8f3ed4e436f5f999982a75b6af848e046e02162622075c9f1b73f8bd11018f461e03c04511279e760e8d0"
	sumPacked100    = "273e7835549440ae63f10fe291e06e2d8201fb038bce8cdd7fdfa9791bb9e580ef4e1e4f136e2ff4549dd15a07e34d3afe4050b1fce2855d6c98a0c3597bcb09"
	sumScopePkg100  = "6850dd56b51902003c017626f6ef2aaa913c8bdbdce19dc0735a3879760886d09b0f51bdc48000b029c2c4f65d6f034fdb529dcb15e0078c77568224e1899374"
	sumBundler310   = "a2c6b5b7e6e7fde47b1abed08236991bb4584e406c633d4951f5092eaf1301c3ba5e4bdd65b7ebc06c354089b531731160c22c242d48ff1ad7e23680bd807eb6"
	sumBundledDep   = "a0f77947750488d9e1e9a17771e79c7c91ff7b3a"
	sumRemoteTarbal = "855204b0a72e05ba3c686d059dfa8d69df34f439d4740a00314ef0b594e9a63a748859c1d40c92692ea3bf6dbe4adef2bd1284b718217024ffc729a1aec9c140"
	gitdepURL       = "git+ssh://git@github.com/vouchdev/gitdep.git#0123456789abcdef0123456789abcdef01234567"
	remoteTarball   = "https://downloads.example.com/pkgs/remote-tarball-2.0.0.tgz"
)

func sha512(v string) []inventory.Hash { return []inventory.Hash{{Algorithm: "SHA-512", Value: v}} }

// graph is an extraction result in comparable form.
type graph = extracttest.Graph

// input opens testdata/name the way the walk would, with testdata as the
// scanned root so companion files are found.
func input(t *testing.T, name string) *extract.Input {
	t.Helper()
	return extracttest.Input(t, os.DirFS("testdata"), name)
}

func extractFixture(t *testing.T, name string) (graph, error) {
	t.Helper()
	g, err := New().Extract(context.Background(), input(t, name))
	if err != nil {
		return graph{}, err
	}
	return extracttest.Flatten(g), nil
}

func loc(file string, lines ...int) []inventory.Location {
	var out []inventory.Location
	for _, l := range lines {
		out = append(out, inventory.Location{Path: file, Line: l})
	}
	return out
}

func root(file, name, version, purl string, props map[string]string) []*inventory.Root {
	return []*inventory.Root{{ID: file, Kind: inventory.KindManifest, PURL: purl, Name: name, Version: version, Properties: props}}
}

// nested is the graph of testdata/nested-v*: the same package.json locked
// by npm in each lockfile version. Version 1 records no licences and puts
// entries on other lines; everything else must come out the same.
func nested(version string, lines map[string][]int) graph {
	file := "nested-v" + version + "/package-lock.json"
	lic := func(l string) []string {
		if version == "1" {
			return nil
		}
		return []string{l}
	}
	props := map[string]string{"lockfile_version": version}
	if version == "1" {
		props["direct_from"] = "package.json"
	}
	return graph{
		Roots: root(file, "nested-app", "1.0.0", "pkg:npm/nested-app@1.0.0", props),
		Components: []*inventory.Component{
			{PURL: "pkg:npm/debug@2.6.9", Ecosystem: "npm", Name: "debug", Version: "2.6.9", Direct: true, Scope: "runtime", Licenses: lic("MIT"), Hashes: sha512(sumDebug269), Properties: map[string]string{"alias": "my-debug"}, Locations: loc(file, lines["debug"]...)},
			{PURL: "pkg:npm/is-number@6.0.0", Ecosystem: "npm", Name: "is-number", Version: "6.0.0", Scope: "optional", Licenses: lic("MIT"), Hashes: sha512(sumIsNumber600), Locations: loc(file, lines["is-number6"]...)},
			{PURL: "pkg:npm/is-number@7.0.0", Ecosystem: "npm", Name: "is-number", Version: "7.0.0", Direct: true, Scope: "dev", Licenses: lic("MIT"), Hashes: sha512(sumIsNumber700), Locations: loc(file, lines["is-number7"]...)},
			{PURL: "pkg:npm/is-odd@3.0.1", Ecosystem: "npm", Name: "is-odd", Version: "3.0.1", Direct: true, Scope: "optional", Licenses: lic("MIT"), Hashes: sha512(sumIsOdd301), Locations: loc(file, lines["is-odd"]...)},
			{PURL: "pkg:npm/ms@2.0.0", Ecosystem: "npm", Name: "ms", Version: "2.0.0", Scope: "runtime", Licenses: lic("MIT"), Hashes: sha512(sumMs200), Locations: loc(file, lines["ms2"]...)},
			{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: "runtime", Licenses: lic("MIT"), Hashes: sha512(sumMs213), Locations: loc(file, lines["ms"]...)},
			{PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: "runtime", Licenses: lic("ISC"), Hashes: sha512(sumOnce140), Locations: loc(file, lines["once"]...)},
			{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Licenses: lic("ISC"), Hashes: sha512(sumWrappy102), Locations: loc(file, lines["wrappy"]...)},
		},
		Edges: []inventory.Edge{
			{From: file, To: "pkg:npm/debug@2.6.9"},
			{From: file, To: "pkg:npm/is-number@7.0.0"},
			{From: file, To: "pkg:npm/is-odd@3.0.1"},
			{From: file, To: "pkg:npm/ms@2.1.3"},
			{From: file, To: "pkg:npm/once@1.4.0"},
			{From: "pkg:npm/debug@2.6.9", To: "pkg:npm/ms@2.0.0"},
			{From: "pkg:npm/is-odd@3.0.1", To: "pkg:npm/is-number@6.0.0"},
			{From: "pkg:npm/once@1.4.0", To: "pkg:npm/wrappy@1.0.2"},
		},
	}
}

// linesV2 are the entry lines of nested-v2 and nested-v3, whose "packages"
// sections are identical. debug and ms@2.0.0 are each installed twice:
// as debug and as its alias my-debug, each with its own nested ms.
var linesV2 = map[string][]int{
	"debug": {23, 71}, "ms2": {31, 80}, "is-number7": {36}, "is-odd": {45},
	"is-number6": {57}, "ms": {66}, "once": {85}, "wrappy": {93},
}

func TestExtract(t *testing.T) {
	const (
		scopes    = "scopes/package-lock.json"
		ws        = "workspaces/package-lock.json"
		wsV1      = "workspaces-v1/package-lock.json"
		local     = "local-deps/package-lock.json"
		localV1   = "local-deps-v1/package-lock.json"
		sources   = "sources/package-lock.json"
		sourcesV1 = "sources-v1/package-lock.json"
	)
	tests := []struct {
		name string
		file string
		want graph
	}{
		{
			name: "lockfile v1 nested dependencies, alias, package.json beside it",
			file: "nested-v1/package-lock.json",
			want: nested("1", map[string][]int{
				"debug": {7, 44}, "ms2": {14, 51}, "is-number7": {20}, "is-odd": {25},
				"is-number6": {33}, "ms": {40}, "once": {57}, "wrappy": {64},
			}),
		},
		{
			name: "lockfile v2 uses packages, not its dependencies section",
			file: "nested-v2/package-lock.json",
			want: nested("2", linesV2),
		},
		{
			name: "lockfile v3",
			file: "nested-v3/package-lock.json",
			want: nested("3", linesV2),
		},
		{
			name: "dev, devOptional, optional and peer flags",
			file: scopes,
			want: graph{
				Roots: root(scopes, "scopes-app", "0.1.0", "pkg:npm/scopes-app@0.1.0", map[string]string{"lockfile_version": "3"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/debug@4.4.1", Ecosystem: "npm", Name: "debug", Version: "4.4.1", Direct: true, Scope: "dev", Licenses: []string{"MIT"}, Hashes: sha512(sumDebug441), Locations: loc(scopes, 24)},
					{PURL: "pkg:npm/is-number@7.0.0", Ecosystem: "npm", Name: "is-number", Version: "7.0.0", Direct: true, Scope: "peer", Licenses: []string{"MIT"}, Hashes: sha512(sumIsNumber700), Locations: loc(scopes, 41)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: "dev", Licenses: []string{"MIT"}, Hashes: sha512(sumMs213), Locations: loc(scopes, 50)},
					{PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumOnce140), Locations: loc(scopes, 56)},
					{PURL: "pkg:npm/react@19.3.1", Ecosystem: "npm", Name: "react", Version: "19.3.1", Scope: "peer", Licenses: []string{"MIT"}, Hashes: sha512(sumReact1931), Locations: loc(scopes, 64)},
					{PURL: "pkg:npm/use-sync-external-store@1.5.0", Ecosystem: "npm", Name: "use-sync-external-store", Version: "1.5.0", Direct: true, Scope: "runtime", Licenses: []string{"MIT"}, Hashes: sha512(sumUseSync150), Locations: loc(scopes, 73)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumWrappy102), Locations: loc(scopes, 81)},
				},
				Edges: []inventory.Edge{
					{From: "pkg:npm/debug@4.4.1", To: "pkg:npm/ms@2.1.3"},
					{From: "pkg:npm/once@1.4.0", To: "pkg:npm/wrappy@1.0.2"},
					{From: "pkg:npm/use-sync-external-store@1.5.0", To: "pkg:npm/react@19.3.1"},
					{From: scopes, To: "pkg:npm/debug@4.4.1"},
					{From: scopes, To: "pkg:npm/is-number@7.0.0"},
					{From: scopes, To: "pkg:npm/ms@2.1.3"},
					{From: scopes, To: "pkg:npm/once@1.4.0"},
					{From: scopes, To: "pkg:npm/use-sync-external-store@1.5.0"},
				},
			},
		},
		{
			name: "workspaces: members hang off the root, their dependencies off them",
			file: ws,
			want: graph{
				Roots: root(ws, "monorepo", "2.0.0", "pkg:npm/monorepo@2.0.0", map[string]string{"lockfile_version": "3"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/%40mono/ws-b@0.3.0", Ecosystem: "npm", Name: "@mono/ws-b", Version: "0.3.0", Direct: true, Scope: "runtime", Source: "workspace:packages/ws-b", Locations: loc(ws, 17, 58)},
					{PURL: "pkg:npm/is-number@6.0.0", Ecosystem: "npm", Name: "is-number", Version: "6.0.0", Scope: "runtime", Licenses: []string{"MIT"}, Hashes: sha512(sumIsNumber600), Locations: loc(ws, 69)},
					{PURL: "pkg:npm/is-number@7.0.0", Ecosystem: "npm", Name: "is-number", Version: "7.0.0", Scope: "runtime", Licenses: []string{"MIT"}, Hashes: sha512(sumIsNumber700), Locations: loc(ws, 21)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Scope: "dev", Licenses: []string{"MIT"}, Hashes: sha512(sumMs213), Locations: loc(ws, 29)},
					{PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumOnce140), Locations: loc(ws, 35)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumWrappy102), Locations: loc(ws, 43)},
					{PURL: "pkg:npm/ws-a@1.2.0", Ecosystem: "npm", Name: "ws-a", Version: "1.2.0", Direct: true, Scope: "runtime", Source: "workspace:packages/ws-a", Locations: loc(ws, 48, 52)},
				},
				Edges: []inventory.Edge{
					// ws-b's is-number@^6 resolves to its own nested copy,
					// ws-a's is-number@^7 to the hoisted one.
					{From: "pkg:npm/%40mono/ws-b@0.3.0", To: "pkg:npm/is-number@6.0.0"},
					{From: "pkg:npm/%40mono/ws-b@0.3.0", To: "pkg:npm/ms@2.1.3"},
					{From: "pkg:npm/%40mono/ws-b@0.3.0", To: "pkg:npm/ws-a@1.2.0"},
					{From: "pkg:npm/once@1.4.0", To: "pkg:npm/wrappy@1.0.2"},
					{From: "pkg:npm/ws-a@1.2.0", To: "pkg:npm/is-number@7.0.0"},
					{From: ws, To: "pkg:npm/%40mono/ws-b@0.3.0"},
					{From: ws, To: "pkg:npm/once@1.4.0"},
					{From: ws, To: "pkg:npm/ws-a@1.2.0"},
				},
			},
		},
		{
			name: "workspaces in lockfile v1: members known from package.json, without versions",
			file: wsV1,
			want: graph{
				Roots: root(wsV1, "monorepo", "2.0.0", "pkg:npm/monorepo@2.0.0", map[string]string{"lockfile_version": "1", "direct_from": "package.json"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/%40mono/ws-b", Ecosystem: "npm", Name: "@mono/ws-b", Direct: true, Scope: "runtime", Source: "workspace:packages/ws-b", Locations: loc(wsV1, 7)},
					{PURL: "pkg:npm/is-number@6.0.0", Ecosystem: "npm", Name: "is-number", Version: "6.0.0", Scope: "runtime", Hashes: sha512(sumIsNumber600), Locations: loc(wsV1, 15)},
					{PURL: "pkg:npm/is-number@7.0.0", Ecosystem: "npm", Name: "is-number", Version: "7.0.0", Scope: "runtime", Hashes: sha512(sumIsNumber700), Locations: loc(wsV1, 21)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Scope: "dev", Hashes: sha512(sumMs213), Locations: loc(wsV1, 25)},
					{PURL: "pkg:npm/once@1.4.0", Ecosystem: "npm", Name: "once", Version: "1.4.0", Direct: true, Scope: "runtime", Hashes: sha512(sumOnce140), Locations: loc(wsV1, 30)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Hashes: sha512(sumWrappy102), Locations: loc(wsV1, 37)},
					{PURL: "pkg:npm/ws-a", Ecosystem: "npm", Name: "ws-a", Direct: true, Scope: "runtime", Source: "workspace:packages/ws-a", Locations: loc(wsV1, 41)},
				},
				Edges: []inventory.Edge{
					{From: "pkg:npm/%40mono/ws-b", To: "pkg:npm/is-number@6.0.0"},
					{From: "pkg:npm/%40mono/ws-b", To: "pkg:npm/ms@2.1.3"},
					{From: "pkg:npm/%40mono/ws-b", To: "pkg:npm/ws-a"},
					{From: "pkg:npm/once@1.4.0", To: "pkg:npm/wrappy@1.0.2"},
					{From: "pkg:npm/ws-a", To: "pkg:npm/is-number@7.0.0"},
					{From: wsV1, To: "pkg:npm/%40mono/ws-b"},
					{From: wsV1, To: "pkg:npm/once@1.4.0"},
					{From: wsV1, To: "pkg:npm/ws-a"},
				},
			},
		},
		{
			name: "file: directory link and local tarball",
			file: local,
			want: graph{
				Roots: root(local, "local-deps-app", "1.0.0", "pkg:npm/local-deps-app@1.0.0", map[string]string{"lockfile_version": "3"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/local-lib@0.0.1", Ecosystem: "npm", Name: "local-lib", Version: "0.0.1", Direct: true, Scope: "runtime", Licenses: []string{"Apache-2.0"}, Source: "file:vendor/local-lib", Locations: loc(local, 15, 37)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Scope: "runtime", Licenses: []string{"MIT"}, Hashes: sha512(sumMs213), Locations: loc(local, 19)},
					{PURL: "pkg:npm/packed@1.0.0", Ecosystem: "npm", Name: "packed", Version: "1.0.0", Direct: true, Scope: "runtime", Hashes: sha512(sumPacked100), Source: "file:vendor/packed-1.0.0.tgz", Locations: loc(local, 24)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumWrappy102), Locations: loc(local, 32)},
				},
				Edges: []inventory.Edge{
					{From: local, To: "pkg:npm/local-lib@0.0.1"},
					{From: local, To: "pkg:npm/packed@1.0.0"},
					{From: "pkg:npm/local-lib@0.0.1", To: "pkg:npm/ms@2.1.3"},
					{From: "pkg:npm/packed@1.0.0", To: "pkg:npm/wrappy@1.0.2"},
				},
			},
		},
		{
			name: "file: dependencies in lockfile v1 have no version",
			file: localV1,
			want: graph{
				Roots: root(localV1, "local-deps-app", "1.0.0", "pkg:npm/local-deps-app@1.0.0", map[string]string{"lockfile_version": "1", "direct_from": "package.json"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/local-lib", Ecosystem: "npm", Name: "local-lib", Direct: true, Scope: "runtime", Source: "file:vendor/local-lib", Locations: loc(localV1, 7)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Scope: "runtime", Hashes: sha512(sumMs213), Locations: loc(localV1, 13)},
					{PURL: "pkg:npm/packed", Ecosystem: "npm", Name: "packed", Direct: true, Scope: "runtime", Hashes: sha512(sumPacked100), Source: "file:vendor/packed-1.0.0.tgz", Locations: loc(localV1, 17)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Hashes: sha512(sumWrappy102), Locations: loc(localV1, 24)},
				},
				Edges: []inventory.Edge{
					{From: localV1, To: "pkg:npm/local-lib"},
					{From: localV1, To: "pkg:npm/packed"},
					{From: "pkg:npm/local-lib", To: "pkg:npm/ms@2.1.3"},
					{From: "pkg:npm/packed", To: "pkg:npm/wrappy@1.0.2"},
				},
			},
		},
		{
			name: "git, remote tarball, registries on other hosts, dangling link, bundled",
			file: sources,
			want: graph{
				Roots: root(sources, "sources-app", "1.0.0", "pkg:npm/sources-app@1.0.0", map[string]string{"lockfile_version": "3"}),
				Components: []*inventory.Component{
					// A registry tarball on any host is not a Source.
					{PURL: "pkg:npm/%40scope/pkg@1.0.0", Ecosystem: "npm", Name: "@scope/pkg", Version: "1.0.0", Direct: true, Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumScopePkg100), Locations: loc(sources, 19)},
					{PURL: "pkg:npm/bundled-dep@1.0.0", Ecosystem: "npm", Name: "bundled-dep", Version: "1.0.0", Scope: "runtime", Licenses: []string{"BSD-3-Clause"}, Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sumBundledDep}}, Properties: map[string]string{"bundled": "true"}, Locations: loc(sources, 38)},
					{PURL: "pkg:npm/bundler@3.1.0", Ecosystem: "npm", Name: "bundler", Version: "3.1.0", Direct: true, Scope: "runtime", Licenses: []string{"(MIT OR Apache-2.0)"}, Hashes: sha512(sumBundler310), Properties: map[string]string{"install_script": "true"}, Locations: loc(sources, 25)},
					{PURL: "pkg:npm/gitdep@1.4.2", Ecosystem: "npm", Name: "gitdep", Version: "1.4.2", Direct: true, Scope: "runtime", Licenses: []string{"MIT"}, Source: gitdepURL, Locations: loc(sources, 46)},
					{PURL: "pkg:npm/linked", Ecosystem: "npm", Name: "linked", Direct: true, Scope: "runtime", Source: "file:../linked", Locations: loc(sources, 54)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: "runtime", Licenses: []string{"MIT"}, Hashes: []inventory.Hash{{Algorithm: "SHA-512", Value: sumMs213}, {Algorithm: "SHA-1", Value: sumMs213SHA1}}, Locations: loc(sources, 58)},
					{PURL: "pkg:npm/remote-tarball@2.0.0", Ecosystem: "npm", Name: "remote-tarball", Version: "2.0.0", Direct: true, Scope: "runtime", Licenses: []string{"MIT"}, Hashes: sha512(sumRemoteTarbal), Source: remoteTarball, Locations: loc(sources, 64)},
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Licenses: []string{"ISC"}, Hashes: sha512(sumWrappy102), Locations: loc(sources, 70)},
				},
				Edges: []inventory.Edge{
					{From: "pkg:npm/bundler@3.1.0", To: "pkg:npm/bundled-dep@1.0.0"},
					{From: "pkg:npm/gitdep@1.4.2", To: "pkg:npm/wrappy@1.0.2"},
					{From: sources, To: "pkg:npm/%40scope/pkg@1.0.0"},
					{From: sources, To: "pkg:npm/bundler@3.1.0"},
					{From: sources, To: "pkg:npm/gitdep@1.4.2"},
					{From: sources, To: "pkg:npm/linked"},
					{From: sources, To: "pkg:npm/ms@2.1.3"},
					{From: sources, To: "pkg:npm/remote-tarball@2.0.0"},
				},
			},
		},
		{
			name: "git and tarball versions in lockfile v1, direct dependencies inferred",
			file: sourcesV1,
			want: graph{
				Roots: root(sourcesV1, "sources-app", "1.0.0", "pkg:npm/sources-app@1.0.0", map[string]string{"lockfile_version": "1", "direct_from": "inferred"}),
				Components: []*inventory.Component{
					{PURL: "pkg:npm/%40scope/pkg@1.0.0", Ecosystem: "npm", Name: "@scope/pkg", Version: "1.0.0", Direct: true, Scope: "runtime", Hashes: sha512(sumScopePkg100), Locations: loc(sourcesV1, 7)},
					{PURL: "pkg:npm/bundled-dep@1.0.0", Ecosystem: "npm", Name: "bundled-dep", Version: "1.0.0", Scope: "runtime", Properties: map[string]string{"bundled": "true"}, Locations: loc(sourcesV1, 20)},
					{PURL: "pkg:npm/bundler@3.1.0", Ecosystem: "npm", Name: "bundler", Version: "3.1.0", Direct: true, Scope: "runtime", Hashes: sha512(sumBundler310), Locations: loc(sourcesV1, 12)},
					{PURL: "pkg:npm/gitdep", Ecosystem: "npm", Name: "gitdep", Direct: true, Scope: "runtime", Source: gitdepURL, Locations: loc(sourcesV1, 26)},
					{PURL: "pkg:npm/linked", Ecosystem: "npm", Name: "linked", Direct: true, Scope: "runtime", Source: "file:../linked", Locations: loc(sourcesV1, 33)},
					{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: "runtime", Hashes: []inventory.Hash{{Algorithm: "SHA-512", Value: sumMs213}, {Algorithm: "SHA-1", Value: sumMs213SHA1}}, Locations: loc(sourcesV1, 36)},
					{PURL: "pkg:npm/remote-tarball", Ecosystem: "npm", Name: "remote-tarball", Direct: true, Scope: "runtime", Hashes: sha512(sumRemoteTarbal), Source: remoteTarball, Locations: loc(sourcesV1, 41)},
					// Required by gitdep, so not taken as direct.
					{PURL: "pkg:npm/wrappy@1.0.2", Ecosystem: "npm", Name: "wrappy", Version: "1.0.2", Scope: "runtime", Hashes: sha512(sumWrappy102), Locations: loc(sourcesV1, 45)},
				},
				Edges: []inventory.Edge{
					{From: "pkg:npm/bundler@3.1.0", To: "pkg:npm/bundled-dep@1.0.0"},
					{From: "pkg:npm/gitdep", To: "pkg:npm/wrappy@1.0.2"},
					{From: sourcesV1, To: "pkg:npm/%40scope/pkg@1.0.0"},
					{From: sourcesV1, To: "pkg:npm/bundler@3.1.0"},
					{From: sourcesV1, To: "pkg:npm/gitdep"},
					{From: sourcesV1, To: "pkg:npm/linked"},
					{From: sourcesV1, To: "pkg:npm/ms@2.1.3"},
					{From: sourcesV1, To: "pkg:npm/remote-tarball"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractFixture(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestMediumLockfile checks a real lockfile of an application depending on
// express (made by npm install --package-lock-only) against its own
// entries, read here with encoding/json rather than the extractor's parser.
func TestMediumLockfile(t *testing.T) {
	const file = "medium/package-lock.json"
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Link    bool   `json:"link"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for key, e := range lock.Packages {
		if key == "" || e.Link {
			continue
		}
		name := e.Name
		if name == "" {
			name = key[strings.LastIndex(key, "node_modules/")+len("node_modules/"):]
		}
		want[name+"@"+e.Version] = true
	}
	if len(want) < 50 {
		t.Fatalf("fixture has %d packages, want a medium one", len(want))
	}
	g, err := New().Extract(context.Background(), input(t, file))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range g.Components() {
		got[c.Name+"@"+c.Version] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("components mismatch (-want +got):\n%s", diff)
	}
	// In a consistent lockfile every package is reachable from the root;
	// a resolution bug leaves some unreached.
	if len(g.Roots()) != 1 {
		t.Fatalf("%d roots, want the lockfile's", len(g.Roots()))
	}
	extracttest.CheckReachable(t, g)
	if d := g.Children(file); len(d) != 1 || d[0] != "pkg:npm/express@5.1.0" {
		t.Errorf("root's children = %v, want [pkg:npm/express@5.1.0]", d)
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"package-lock.json", true},
		{"app/package-lock.json", true},
		{"npm-shrinkwrap.json", true},
		{"vendor/node_modules/foo/npm-shrinkwrap.json", true},
		{"node_modules/.package-lock.json", false},
		{"package.json", false},
		{"yarn.lock", false},
		{"package-lock.json.bak", false},
		{"my-package-lock.json", false},
	}
	for _, tt := range tests {
		if got := New().Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// badError is what a test checks of an *extract.Error.
type badError struct {
	Path      string
	Line      int
	Column    int
	Extractor string
	Msg       string
}

func TestExtractErrors(t *testing.T) {
	deepJSON := `{"lockfileVersion": 3, "packages": {"": {"x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "}}}"
	var deepV1 strings.Builder
	deepV1.WriteString("{\n\"lockfileVersion\": 1,\n\"dependencies\": {\n")
	for range 70 {
		deepV1.WriteString("\"a\": {\"version\": \"1.0.0\", \"dependencies\": {\n")
	}
	deepV1.WriteString(strings.Repeat("}}", 70) + "}}\n")
	deepPath := `{"lockfileVersion": 3, "packages": {` + "\n" + `"` + strings.Repeat("node_modules/a/", 70) + `node_modules/b": {}}}`
	huge := "{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"node_modules/x\": {\"version\": \"" + strings.Repeat("9", 100_000) + "\"}}}"
	tests := []struct {
		name    string
		fixture string // a file in testdata, or
		data    string // content given here
		want    badError
	}{
		{
			name:    "not JSON",
			fixture: "not-json/package-lock.json",
			want:    badError{Line: 1, Column: 1, Msg: "json: invalid character '<' looking for beginning of value"},
		},
		{
			name:    "binary garbage",
			fixture: "binary-garbage/package-lock.json",
			want:    badError{Line: 1, Column: 1, Msg: "json: invalid character '\\x1f' looking for beginning of value"},
		},
		{
			name:    "truncated",
			fixture: "truncated/package-lock.json",
			want:    badError{Line: 29, Column: 15, Msg: "json: unexpected EOF"},
		},
		{
			name:    "merge conflict markers",
			fixture: "conflict-markers/package-lock.json",
			want:    badError{Line: 50, Column: 1, Msg: "json: invalid character '<' looking for beginning of object key string"},
		},
		{
			name:    "packages is an array",
			fixture: "packages-array/package-lock.json",
			want:    badError{Line: 6, Column: 15, Msg: "packages: want object, got array"},
		},
		{
			name:    "version is a number",
			fixture: "version-number/package-lock.json",
			want:    badError{Line: 15, Column: 18, Msg: `packages["node_modules/ms"].version: want string, got number`},
		},
		{
			name:    "flag is a string",
			fixture: "flag-string/package-lock.json",
			want:    badError{Line: 9, Column: 14, Msg: `dependencies["ms"].dev: want boolean, got string`},
		},
		{
			name:    "unknown lockfileVersion",
			fixture: "unknown-version/package-lock.json",
			want:    badError{Line: 4, Column: 22, Msg: "unsupported lockfileVersion 4 (want 1, 2 or 3)"},
		},
		{
			name:    "no lockfileVersion",
			fixture: "no-lockfile-version/package-lock.json",
			want:    badError{Line: 1, Msg: "no lockfileVersion: not an npm lockfile"},
		},
		{
			name: "empty file",
			data: "",
			want: badError{Line: 1, Column: 1, Msg: "json: unexpected EOF"},
		},
		{
			name: "top level is an array",
			data: "[]",
			want: badError{Line: 1, Column: 1, Msg: "lockfile: want object, got array"},
		},
		{
			name: "data after the object",
			data: "{\"lockfileVersion\": 3}\n{}",
			want: badError{Line: 2, Column: 1, Msg: "data after the lockfile's object"},
		},
		{
			name: "dependency spec is not a string",
			data: "{\"lockfileVersion\": 3, \"packages\": {\n\"\": {\"dependencies\": {\"ms\": 2}}}}",
			want: badError{Line: 2, Column: 29, Msg: `packages[""].dependencies["ms"]: want string, got number`},
		},
		{
			name: "lockfileVersion is a string",
			data: `{"lockfileVersion": "3"}`,
			want: badError{Line: 1, Column: 21, Msg: "lockfileVersion: want number, got string"},
		},
		{
			name: "empty path element",
			data: "{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules//x\": {}}}",
			want: badError{Line: 2, Column: 1, Msg: `packages["node_modules//x"]: empty path element`},
		},
		{
			name: "deep JSON nesting",
			data: deepJSON,
			want: badError{Line: 1, Column: 179, Msg: "json nested deeper than 136 levels"},
		},
		{
			name: "deep v1 dependencies",
			data: deepV1.String(),
			want: badError{Line: 67, Column: 27, Msg: strings.Repeat(`dependencies["a"].`, 64) + "dependencies: dependencies nested deeper than 64 levels"},
		},
		{
			name: "deep node_modules path",
			data: deepPath,
			want: badError{Line: 2, Column: 1, Msg: `packages["` + strings.Repeat("node_modules/a/", 70) + `node_modules/b"]: node_modules nested deeper than 64 levels`},
		},
		{
			name: "huge string",
			data: huge,
			want: badError{Line: 4, Column: 31, Msg: "string of 100000 bytes, limit 65536"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &extract.Input{Path: "bad/package-lock.json", Reader: strings.NewReader(tt.data)}
			want := tt.want
			want.Path, want.Extractor = in.Path, "packagelock"
			if tt.fixture != "" {
				in = input(t, tt.fixture)
				want.Path = tt.fixture
			}
			g, err := New().Extract(context.Background(), in)
			var e *extract.Error
			if !errors.As(err, &e) {
				t.Fatalf("Extract() = %v, %v; want an *extract.Error", g, err)
			}
			got := badError{Path: e.Path, Line: e.Line, Column: e.Column, Extractor: e.Extractor, Msg: e.Err.Error()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractByteOrderMark(t *testing.T) {
	data := "\xef\xbb\xbf{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"bom\", \"dependencies\": {\"ms\": \"^2\"}},\n    \"node_modules/ms\": {\"version\": \"2.1.3\"}\n  }\n}\n"
	in := &extract.Input{Path: "bom/package-lock.json", Reader: strings.NewReader(data)}
	g, err := New().Extract(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := graph{
		Roots:      root(in.Path, "bom", "", "pkg:npm/bom", map[string]string{"lockfile_version": "3"}),
		Components: []*inventory.Component{{PURL: "pkg:npm/ms@2.1.3", Ecosystem: "npm", Name: "ms", Version: "2.1.3", Direct: true, Scope: "runtime", Locations: loc(in.Path, 5)}},
		Edges:      []inventory.Edge{{From: in.Path, To: "pkg:npm/ms@2.1.3"}},
	}
	if diff := cmp.Diff(want, extracttest.Flatten(g)); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}

func TestIsRegistryTarball(t *testing.T) {
	tests := []struct {
		resolved, name, version string
		want                    bool
	}{
		{"https://registry.example.com/ms/-/ms-2.1.3.tgz", "ms", "2.1.3", true},
		{"https://npm.example.org/@babel/core/-/core-7.24.0.tgz", "@babel/core", "7.24.0", true},
		{"https://mirror.example.net/api/npm/remote/ms/-/ms-2.1.3.tgz?token=x", "ms", "2.1.3", true},
		// The tarball of another version or package is not this one's.
		{"https://registry.example.com/ms/-/ms-2.1.2.tgz", "ms", "2.1.3", false},
		{"https://registry.example.com/ms/-/not-ms-2.1.3.tgz", "ms", "2.1.3", false},
		{"https://downloads.example.com/ms-2.1.3.tgz", "ms", "2.1.3", false},
		{"git+ssh://git@github.com/vercel/ms.git#1304f150b38027e0f8f6cbf4bf4b8c4e4cb9d5a9", "ms", "2.1.3", false},
		{"file:vendor/ms/-/ms-2.1.3.tgz", "ms", "2.1.3", false},
		{"https://registry.example.com/ms/-/ms-.tgz", "ms", "", false},
	}
	for _, tt := range tests {
		if got := isRegistryTarball(tt.resolved, tt.name, tt.version); got != tt.want {
			t.Errorf("isRegistryTarball(%q, %q, %q) = %v, want %v", tt.resolved, tt.name, tt.version, got, tt.want)
		}
	}
}

func TestMatchesWorkspace(t *testing.T) {
	tests := []struct {
		patterns []string
		dir      string
		want     bool
	}{
		{[]string{"packages/*"}, "packages/ws-a", true},
		{[]string{"./packages/*/"}, "packages/ws-a", true},
		{[]string{"packages/*"}, "packages/ws-a/sub", false},
		{[]string{"apps/web", "libs/*"}, "apps/web", true},
		{[]string{"libs/**"}, "libs/a/b", true},
		{[]string{"libs/**"}, "libs", true},
		{[]string{"libs/**"}, "other/a", false},
		{[]string{"packages/*"}, "vendor/local-lib", false},
		{[]string{"["}, "[", true}, // a bad glob still matches itself
		{nil, "packages/ws-a", false},
	}
	for _, tt := range tests {
		if got := matchesWorkspace(tt.patterns, tt.dir); got != tt.want {
			t.Errorf("matchesWorkspace(%q, %q) = %v, want %v", tt.patterns, tt.dir, got, tt.want)
		}
	}
}

func TestHashes(t *testing.T) {
	tests := []struct {
		integrity string
		want      []inventory.Hash
	}{
		{"sha1-V0yBOM4dK1hh8LRFedut1gxmFbI=", []inventory.Hash{{Algorithm: "SHA-1", Value: sumMs213SHA1}}},
		{"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", []inventory.Hash{{Algorithm: "SHA-256", Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
		// SRI options after "?" are ignored; repeats are kept once.
		{"sha1-V0yBOM4dK1hh8LRFedut1gxmFbI=?opt sha1-V0yBOM4dK1hh8LRFedut1gxmFbI=", []inventory.Hash{{Algorithm: "SHA-1", Value: sumMs213SHA1}}},
		// Unknown algorithms, bad base64 and wrong lengths are skipped, as npm's ssri does.
		{"md5-1B2M2Y8AsgTpgAmY7PhCfg== sha1-!!!! sha512-V0yBOM4dK1hh8LRFedut1gxmFbI= nodash", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, hashes(tt.integrity)); diff != "" {
			t.Errorf("hashes(%q) mismatch (-want +got):\n%s", tt.integrity, diff)
		}
	}
}

// TestExtractShapes covers the other shapes npm and older tools give to
// "license" and "workspaces", which are read rather than refused.
func TestExtractShapes(t *testing.T) {
	const data = `{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shapes", "workspaces": {"packages": ["libs/**"], "nohoist": ["x"]}},
    "libs/a/b": {"name": "b", "version": "1.0.0", "license": ["MIT", {"type": "ISC", "url": "x"}, 3, [1]]},
    "node_modules/b": {"link": true, "resolved": "libs/a/b"},
    "node_modules/c": {"version": "1.0.0", "license": null, "extraneous": true, "funding": {"url": "x"}},
    "node_modules/d": {"version": "1.0.0", "license": {"type": ["odd"]}}
  }
}`
	const file = "shapes/package-lock.json"
	g, err := New().Extract(context.Background(), &extract.Input{Path: file, Reader: strings.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	want := graph{
		Roots: root(file, "shapes", "", "pkg:npm/shapes", map[string]string{"lockfile_version": "3"}),
		Components: []*inventory.Component{
			{PURL: "pkg:npm/b@1.0.0", Ecosystem: "npm", Name: "b", Version: "1.0.0", Direct: true, Scope: "runtime", Licenses: []string{"MIT", "ISC"}, Source: "workspace:libs/a/b", Locations: loc(file, 5, 6)},
			{PURL: "pkg:npm/c@1.0.0", Ecosystem: "npm", Name: "c", Version: "1.0.0", Scope: "runtime", Locations: loc(file, 7)},
			{PURL: "pkg:npm/d@1.0.0", Ecosystem: "npm", Name: "d", Version: "1.0.0", Scope: "runtime", Locations: loc(file, 8)},
		},
		Edges: []inventory.Edge{{From: file, To: "pkg:npm/b@1.0.0"}},
	}
	if diff := cmp.Diff(want, extracttest.Flatten(g)); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}

// bigInfo claims a size past the limit without holding the bytes.
type bigInfo struct{ fs.FileInfo }

func (bigInfo) Size() int64 { return extract.DefaultMaxFileSize + 1 }

func TestExtractTooLarge(t *testing.T) {
	in := &extract.Input{Path: "huge/package-lock.json", Info: bigInfo{}, Reader: strings.NewReader("{}")}
	_, err := New().Extract(context.Background(), in)
	var e *extract.Error
	if !errors.As(err, &e) || e.Path != in.Path || e.Extractor != "packagelock" || !errors.Is(err, extract.ErrTooLarge) {
		t.Fatalf("Extract() error = %#v, want an *extract.Error for %s wrapping ErrTooLarge", err, in.Path)
	}
}

func TestExtractCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := input(t, "medium/package-lock.json")
	_, err := New().Extract(ctx, in)
	var e *extract.Error
	if !errors.As(err, &e) || e.Path != in.Path || !errors.Is(err, context.Canceled) {
		t.Fatalf("Extract() error = %v, want an *extract.Error wrapping context.Canceled", err)
	}
}

// TestExtractLarge guards the streaming parser's cost on a lockfile of the
// size big monorepos reach: 20,000 entries in a chain of dependencies.
func TestExtractLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	var b strings.Builder
	const n = 20_000
	b.WriteString("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"dependencies\": {\"p0\": \"1.0.0\"}}")
	for i := range n {
		next := ""
		if i+1 < n {
			next = `, "dependencies": {"p` + strconv.Itoa(i+1) + `": "1.0.0"}`
		}
		b.WriteString(",\n    \"node_modules/p" + strconv.Itoa(i) + "\": {\"version\": \"1.0.0\", \"integrity\": \"sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==\", \"license\": \"MIT\"" + next + "}")
	}
	b.WriteString("\n  }\n}\n")
	start := time.Now()
	g, err := New().Extract(context.Background(), &extract.Input{Path: "package-lock.json", Reader: strings.NewReader(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != n || len(g.Edges()) != n {
		t.Errorf("got %d components and %d edges, want %d of each", g.Len(), len(g.Edges()), n)
	}
	if c := g.Component("pkg:npm/p19999@1.0.0"); c == nil || c.Locations[0].Line != n+4 {
		t.Errorf("last component = %+v, want it at line %d", c, n+4)
	}
	t.Logf("%d entries in %v", n, time.Since(start))
}

func FuzzExtract(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if filepath.Base(name) == "package.json" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &extract.Input{Path: "fuzz/package-lock.json", Reader: bytes.NewReader(data)}
		// A hang would stall the fuzzer silently; crash so the input is kept.
		tm := time.AfterFunc(20*time.Second, func() { panic("Extract ran for 20s") })
		g, err := New().Extract(context.Background(), in)
		tm.Stop()
		if err != nil {
			extracttest.CheckErrorPath(t, err, in.Path)
			return
		}
		if g.Root(in.Path) == nil {
			t.Fatalf("no root %s", in.Path)
		}
		extracttest.CheckGraph(t, g)
		for _, c := range g.Components() {
			if c.Ecosystem != "npm" {
				t.Fatalf("component of ecosystem %q: %+v", c.Ecosystem, c)
			}
			for _, l := range c.Locations {
				if l.Path != in.Path || l.Line < 1 {
					t.Fatalf("bad location %+v of %s", l, c.PURL)
				}
			}
		}
	})
}
