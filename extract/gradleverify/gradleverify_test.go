package gradleverify

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/extract/gradlelock"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk"
)

const (
	buildFile = "build/gradle/verification-metadata.xml"
	sigFile   = "signatures/gradle/verification-metadata.xml"
)

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func sha256(v string) []inventory.Hash { return []inventory.Hash{{Algorithm: "SHA-256", Value: v}} }

func loc(file string, line int) []inventory.Location {
	return []inventory.Location{{Path: file, Line: line}}
}

// maven returns a component of the build fixture with the fields every
// one of them shares.
func maven(purl, name, version string, scope inventory.Scope, line int, hashes []inventory.Hash, p map[string]string) *inventory.Component {
	return &inventory.Component{PURL: purl, Ecosystem: "Maven", Name: name, Version: version, Scope: scope,
		Hashes: hashes, Properties: p, Locations: loc(buildFile, line)}
}

// TestExtractBuild reads an excerpt of a real file written by Gradle 8
// (see testdata/README.md) in a build whose cli project has a lockfile:
// the modules it locks take its scopes, the others are runtime, or build
// when they hold only metadata.
func TestExtractBuild(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), buildFile)
	if err != nil {
		t.Fatal(err)
	}
	want := extracttest.Graph{
		Roots: []*inventory.Root{{ID: buildFile, Kind: inventory.KindManifest, Properties: props(
			"verify_metadata", "true", "verify_signatures", "false", "skipped", "1",
			"scope_from", "build/cli/gradle.lockfile")}},
		Components: []*inventory.Component{
			maven("pkg:maven/ch.qos.logback/logback-classic@1.3.14", "ch.qos.logback:logback-classic", "1.3.14", "test", 17,
				sha256("f9b07a6dba4df3899381df7e597df450134e1879b1f3a757456b3cd1c8d94e2f"),
				props("artifact", "logback-classic-1.3.14.jar", "pom_sha256", "232ae1c31f05e90ae4e4bba1846492318de1519d60d2b873b43a18f6c261a3a2")),
			maven("pkg:maven/ch.qos.logback/logback-classic@1.3.16", "ch.qos.logback:logback-classic", "1.3.16", "runtime", 25,
				sha256("3f63cbc593b91670f75890ab256aa47c123a9b125185939a272c720ca1417c2c"),
				props("artifact", "logback-classic-1.3.16.jar")),
			maven("pkg:maven/ch.qos.logback/logback-parent@1.3.14", "ch.qos.logback:logback-parent", "1.3.14", "build", 30,
				sha256("796dcc4cbfd42aeb7f72432445f5364619678928242b9f3e4749d4c4e0dd9dc4"),
				props("artifact", "logback-parent-1.3.14.pom", "metadata_only", "true")),
			// Its jar is a variant named for another module: no main
			// artifact, no hashes.
			maven("pkg:maven/com.github.ajalt.clikt/clikt@5.1.0", "com.github.ajalt.clikt:clikt", "5.1.0", "runtime", 35, nil, nil),
			maven("pkg:maven/com.github.ajalt.colormath/colormath-jvm@3.6.0", "com.github.ajalt.colormath:colormath-jvm", "3.6.0", "runtime", 43,
				sha256("59f741adfe62053066782d8b1a45afd06685a4bc64b33277e54876b993ed885c"),
				props("artifact", "colormath-jvm.jar")),
			maven("pkg:maven/com.github.ben-manes.caffeine/caffeine@2.9.3", "com.github.ben-manes.caffeine:caffeine", "2.9.3", "runtime", 51,
				sha256("1e0a7bbef1dd791653143f3f05d0e489934bf5481e58a87c9e619cd46b68729b"),
				props("artifact", "caffeine-2.9.3.jar")),
			maven("pkg:maven/com.google.code.gson/gson-parent@2.11.0", "com.google.code.gson:gson-parent", "2.11.0", "build", 67,
				sha256("8acb1f3b72a6f026916ac0735bad9aab0293d527edb7b365327def13a9367b7a"),
				props("artifact", "gson-parent-2.11.0.pom", "metadata_only", "true")),
			maven("pkg:maven/com.google.code.gson/gson@2.11.0", "com.google.code.gson:gson", "2.11.0", "runtime", 59,
				sha256("57928d6e5a6edeb2abd3770a8f95ba44dce45f3b23b7a9dc2b309c581552a78b"),
				props("artifact", "gson-2.11.0.jar", "pom_sha256", "c0e547bea998888e6e25c5886a90e762272bc88b5275343dd2c05ded6ca2e360")),
			maven("pkg:maven/com.google.errorprone/error_prone_annotations@2.27.0", "com.google.errorprone:error_prone_annotations", "2.27.0", "runtime", 72,
				sha256("24c923372c58e35d0b9f16a028929bb9aedc77521867c274f2bd0735df5ba1f5"),
				props("artifact", "error_prone_annotations-2.27.0.jar")),
		},
	}
	for _, c := range want.Components {
		want.Edges = append(want.Edges, inventory.Edge{From: buildFile, To: c.PURL})
	}
	extracttest.Diff(t, want, g)
}

// TestExtractSignatures: PGP keys, several algorithms, also-trust, a
// non-jar main artifact, and bad entries reported with the rest kept.
func TestExtractSignatures(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), sigFile)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: sigFile, Line: 43,
		Msg: `sha256 of broken-0.1.jar: want 64 hexadecimal digits, got "not-a-digest" (and 1 more problem)`})
	const (
		sha1Test   = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
		sha256Test = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
		sha256Alt  = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
		sha512Test = "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff"
	)
	want := extracttest.Graph{
		Roots: []*inventory.Root{{ID: sigFile, Kind: inventory.KindManifest, Properties: props("verify_metadata", "true", "verify_signatures", "true")}},
		Components: []*inventory.Component{
			{PURL: "pkg:maven/org.example/android-lib@2.1.0", Ecosystem: "Maven", Name: "org.example:android-lib", Version: "2.1.0", Scope: "runtime",
				Hashes: sha256(sha256Test), Properties: props("artifact", "android-lib-2.1.0.aar"), Locations: loc(sigFile, 33)},
			{PURL: "pkg:maven/org.example/broken@0.1", Ecosystem: "Maven", Name: "org.example:broken", Version: "0.1", Scope: "runtime",
				Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sha1Test}}, Properties: props("artifact", "broken-0.1.jar"), Locations: loc(sigFile, 41)},
			{PURL: "pkg:maven/org.example/signed@1.0", Ecosystem: "Maven", Name: "org.example:signed", Version: "1.0", Scope: "runtime",
				Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: sha1Test}, {Algorithm: "SHA-256", Value: sha256Test}, {Algorithm: "SHA-512", Value: sha512Test}},
				Properties: props("artifact", "signed-1.0.jar", "pgp", "2222222222222222222222222222222222222222",
					"also_trusted", "sha256:"+sha256Alt, "pom_sha1", sha1Test, "pom_sha256", sha256Test),
				Locations: loc(sigFile, 12)},
		},
	}
	for _, c := range want.Components {
		want.Edges = append(want.Edges, inventory.Edge{From: sigFile, To: c.PURL})
	}
	extracttest.Diff(t, want, g)
}

func TestExtractBadInput(t *testing.T) {
	const path = "gradle/verification-metadata.xml"
	deep := "<verification-metadata>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</verification-metadata>"
	extracttest.RunBadInputs(t, New(), path, []extracttest.BadInput{
		{Name: "html error page", Data: []byte("<html>\n<body>502 Bad Gateway\n</html>\n"), WantLine: 1, WantMsg: "not Gradle verification metadata: root element <html>"},
		{Name: "mismatched tags", Data: []byte("<verification-metadata>\n<components>\n</verification-metadata>\n"), WantLine: 3, WantMsg: "element <components> closed by </verification-metadata>"},
		{Name: "not xml", Data: []byte("group:name:1.0=runtimeClasspath\n"), WantLine: 1, WantMsg: "not XML: text outside the root element"},
		{Name: "wrong root element", Data: []byte("<?xml version=\"1.0\"?>\n<project/>\n"), WantLine: 2, WantMsg: "not Gradle verification metadata: root element <project>"},
		{Name: "truncated", Data: extracttest.ReadFile(t, "testdata/build/gradle/verification-metadata.xml")[:1500], WantLine: 23, WantMsg: "unexpected EOF"},
		{Name: "binary garbage", Data: []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), WantLine: 1, WantMsg: "xml: "},
		{Name: "empty", Data: nil, WantLine: 1, WantMsg: "no <verification-metadata> element"},
		{Name: "entities", Data: []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<verification-metadata>&lol2;</verification-metadata>\n"),
			WantLine: 2, WantMsg: "DOCTYPE declares entities; refused"},
		{Name: "deep nesting", Data: []byte(deep), WantLine: 1, WantMsg: "xml nested deeper than 32 levels"},
		{Name: "two roots", Data: []byte("<verification-metadata/>\n<verification-metadata/>"), WantLine: 2, WantMsg: "data after the root element"},
		{Name: "other encoding", Data: []byte("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<verification-metadata/>"), WantLine: 1, WantMsg: `encoding "UTF-16"`},
		{Name: "huge attribute", Data: []byte("<verification-metadata>\n<components><component group=\"" + strings.Repeat("g", maxAttribute+1) + "\"/></components></verification-metadata>"),
			WantLine: 2, WantMsg: "attribute group of 65537 bytes, limit 65536"},
	})
}

func TestExtractCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, os.DirFS("testdata"), buildFile)
	_, err := New().Extract(ctx, in)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: buildFile, Line: 1, Msg: "context canceled"})
}

// TestMergeWithLockfile: merged by the walk, the lockfile entry gains the
// hashes and keeps its scope.
func TestMergeWithLockfile(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), buildFile)
	if err != nil {
		t.Fatal(err)
	}
	lock := inventory.New()
	lock.Add(inventory.Component{PURL: "pkg:maven/ch.qos.logback/logback-classic@1.3.14", Ecosystem: "Maven",
		Name: "ch.qos.logback:logback-classic", Version: "1.3.14", Scope: "test"})
	lock.Merge(g)
	c := lock.Component("pkg:maven/ch.qos.logback/logback-classic@1.3.14")
	if c.Scope != "test" || len(c.Hashes) != 1 || c.Hashes[0].Value != "f9b07a6dba4df3899381df7e597df450134e1879b1f3a757456b3cd1c8d94e2f" {
		t.Errorf("merged component %+v, want test scope and the jar's SHA-256", c)
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"gradle/verification-metadata.xml":            true,
		"app/gradle/verification-metadata.xml":        true,
		"verification-metadata.xml":                   false,
		"gradle/verification-metadata.dryrun.xml":     false,
		"app/config/verification-metadata.xml":        false,
		"app/gradle/verification-metadata.xml.backup": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/"+buildFile, "testdata/"+sigFile)
	f.Add([]byte(`<verification-metadata><components><component group="a" name="b" version="1"><artifact name="b-1.jar"><sha1 value="x"><also-trust value="y"/></sha1></artifact></component></components></verification-metadata>`))
	root := fstest.MapFS{
		"b/settings.gradle":     {Data: []byte("include 'app'\n")},
		"b/app/gradle.lockfile": {Data: []byte("ch.qos.logback:logback-classic:1.3.14=testRuntimeClasspath\n")},
	}
	extracttest.Fuzz(f, New(), "b/gradle/verification-metadata.xml", root, func(t testing.TB, g *inventory.Graph) {
		extracttest.CheckReachable(t, g)
		for _, c := range g.Components() {
			if c.Ecosystem != "Maven" || c.Version == "" || len(c.Locations) != 1 || c.Locations[0].Line < 1 {
				t.Fatalf("component %+v", c)
			}
			for _, h := range c.Hashes {
				if h.Value != strings.ToLower(h.Value) || h.Value == "" {
					t.Fatalf("hash %+v of %s", h, c.PURL)
				}
			}
		}
	})
}

// TestWalk runs the real walk over the build with the lockfile extractor
// too: the lockfile's entry and the verified component are one, with the
// lockfile's scope, the jar's hash and both locations.
func TestWalk(t *testing.T) {
	res, err := walk.Walk(context.Background(), "testdata/build", walk.Options{Extractors: []extract.Extractor{gradlelock.New(), New()}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	extracttest.CheckComponent(t, res.Graph, inventory.Component{
		PURL: "pkg:maven/ch.qos.logback/logback-classic@1.3.14", Ecosystem: "Maven", Name: "ch.qos.logback:logback-classic", Version: "1.3.14",
		Scope:  "test",
		Hashes: sha256("f9b07a6dba4df3899381df7e597df450134e1879b1f3a757456b3cd1c8d94e2f"),
		Properties: props("configurations", "testCompileClasspath,testRuntimeClasspath",
			"artifact", "logback-classic-1.3.14.jar", "pom_sha256", "232ae1c31f05e90ae4e4bba1846492318de1519d60d2b873b43a18f6c261a3a2"),
		Locations: []inventory.Location{{Path: "cli/gradle.lockfile", Line: 4}, {Path: "gradle/verification-metadata.xml", Line: 17}},
	})
}
