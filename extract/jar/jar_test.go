package jar

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus from the archive builders")

// entry is one file of an archive a test builds.
type entry struct {
	name  string
	data  []byte
	store bool // STORED, as Spring Boot writes BOOT-INF/lib; else DEFLATED
}

// zipOf builds an archive of entries. Stored entries carry their sizes
// and CRC in the local header, as Spring Boot's repackager writes them.
func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		var (
			fw  io.Writer
			err error
		)
		if e.store {
			fw, err = w.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(e.data),
				CompressedSize64: uint64(len(e.data)), UncompressedSize64: uint64(len(e.data))})
		} else {
			fw, err = w.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		}
		if err == nil {
			_, err = fw.Write(e.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawZip is an archive of one entry written as h says, for archives
// that lie.
func rawZip(t testing.TB, h *zip.FileHeader, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return extracttest.ReadFile(t, filepath.Join("testdata", name))
}

// class stands for a compiled class: incompressible bytes behind the magic
// number, so archive sizes are predictable.
func class(n int) []byte {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	b := make([]byte, n)
	copy(b, "\xca\xfe\xba\xbe")
	for i := 4; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// log4jJar is log4j-core 2.14.1 laid out as Maven Central's jar, with
// its real descriptors.
func log4jJar(t testing.TB) []byte {
	return zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "log4j-core-2.14.1/MANIFEST.MF")},
		entry{name: "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties", data: fixture(t, "log4j-core-2.14.1/pom.properties")},
		entry{name: "org/apache/logging/log4j/core/lookup/JndiLookup.class", data: class(2048)},
	)
}

// fatJar is a Spring Boot executable jar holding lib, STORED, in BOOT-INF/lib.
func fatJar(t testing.TB, libs ...entry) []byte {
	entries := []entry{
		{name: "META-INF/MANIFEST.MF", data: fixture(t, "spring-boot-fat/MANIFEST.MF")},
		{name: "META-INF/maven/com.example/fat/pom.properties", data: fixture(t, "spring-boot-fat/pom.properties")},
		{name: "org/springframework/boot/loader/launch/JarLauncher.class", data: class(512)},
		{name: "BOOT-INF/classes/com/example/fat/FatApplication.class", data: class(256)},
	}
	return zipOf(t, append(entries, libs...)...)
}

// war is a WAR of com.example:app:1.0.0 holding more.
func war(t testing.TB, more ...entry) []byte {
	entries := []entry{
		{name: "META-INF/MANIFEST.MF", data: fixture(t, "app-war/MANIFEST.MF")},
		{name: "META-INF/maven/com.example/app/pom.properties", data: fixture(t, "app-war/pom.properties")},
		{name: "WEB-INF/web.xml", data: []byte("<web-app/>\n")},
	}
	return zipOf(t, append(entries, more...)...)
}

// manifestJar is a jar carrying only the manifest in dir.
func manifestJar(t testing.TB, dir string) []byte {
	return zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, dir+"/MANIFEST.MF")},
		entry{name: "x/Y.class", data: class(300)},
	)
}

// guiceJar is Debian's guice.jar: its manifest, and the pom.properties
// of the cglib shaded into it, none of its own.
func guiceJar(t testing.TB) []byte {
	return zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "guice/MANIFEST.MF")},
		entry{name: "META-INF/maven/cglib/cglib/pom.properties", data: fixture(t, "guice/cglib.pom.properties")},
		entry{name: "com/google/inject/Guice.class", data: class(300)},
	)
}

// shadedJar is wagon-http-shaded as Debian ships it: wagon-http with
// httpclient and commons-codec merged in, a pom.properties for each.
func shadedJar(t testing.TB) []byte {
	return zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "wagon-http-shaded/MANIFEST.MF")},
		entry{name: "META-INF/maven/commons-codec/commons-codec/pom.properties", data: fixture(t, "wagon-http-shaded/commons-codec.pom.properties")},
		entry{name: "META-INF/maven/org.apache.httpcomponents/httpclient/pom.properties", data: fixture(t, "wagon-http-shaded/httpclient.pom.properties")},
		entry{name: "META-INF/maven/org.apache.maven.wagon/wagon-http/pom.properties", data: fixture(t, "wagon-http-shaded/wagon-http.pom.properties")},
		entry{name: "org/apache/maven/wagon/providers/http/HttpWagon.class", data: class(400)},
	)
}

func sha1Of(b []byte) []inventory.Hash {
	s := sha1.Sum(b)
	return []inventory.Hash{{Algorithm: "SHA-1", Value: hex.EncodeToString(s[:])}}
}

// comp is a component as this extractor writes them.
type comp struct {
	purl, name, version string
	direct              bool
	by                  string
	guessed, shaded     bool
	groupFrom           string // "artifactId" when guessed and not set
	notRead             string
	hashes              []inventory.Hash
	loc                 string
}

func (c comp) component() *inventory.Component {
	props := map[string]string{"identified_by": c.by}
	if c.guessed {
		props["group_guessed"] = "true"
		if c.groupFrom == "" {
			c.groupFrom = "artifactId"
		}
	}
	if c.groupFrom != "" {
		props["group_from"] = c.groupFrom
	}
	if c.shaded {
		props["shaded"] = "true"
	}
	if c.notRead != "" {
		props["not_read"] = c.notRead
	}
	return &inventory.Component{
		PURL: c.purl, Ecosystem: "Maven", Name: c.name, Version: c.version,
		Direct: c.direct, Scope: inventory.ScopeRuntime, Hashes: c.hashes,
		Properties: props, Locations: []inventory.Location{{Path: c.loc}},
	}
}

func components(cs ...comp) []*inventory.Component {
	var out []*inventory.Component
	for _, c := range cs {
		out = append(out, c.component())
	}
	return out
}

func edges(pairs ...string) []inventory.Edge {
	var out []inventory.Edge
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, inventory.Edge{From: pairs[i], To: pairs[i+1]})
	}
	return out
}

const (
	appPURL   = "pkg:maven/com.example/app@1.0.0"
	fatPURL   = "pkg:maven/com.example/fat@2.0.0"
	log4jPURL = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
)

// extractBytes offers data to e as the file at path.
func extractBytes(t testing.TB, e *Extractor, path string, data []byte) (*inventory.Graph, error) {
	t.Helper()
	return extracttest.Extract(t, e, fstest.MapFS{path: {Data: data}}, path)
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"app.war":                         true,
		"lib/log4j-core-2.14.1.jar":       true,
		"deploy/shop.ear":                 true,
		"deploy/LEGACY.JAR":               true,
		"jboss/deploy/persistence.par":    true,
		"jboss/deploy/service.sar":        true,
		"jenkins/plugins/git.jpi":         true,
		"jenkins/plugins/git.hpi":         true,
		"karaf/deploy/feature.kar":        true,
		"nifi/lib/nifi-standard-nar.nar":  true,
		"liferay/osgi/marketplace/a.lpkg": true,
		"jdk/jmods/java.base.jmod":        false,
		"android/lib.aar":                 false,
		"dist/tomcat.zip":                 false,
		"backup.rar":                      false,
		"jar":                             false,
		"src/Main.java":                   false,
		"app.war.sha1":                    false,
	})
	dir := fstest.MapFS{"app.war/WEB-INF/web.xml": {Data: nil}}
	info, err := dir.Stat("app.war")
	if err != nil {
		t.Fatal(err)
	}
	if New().Claims("app.war", info) {
		t.Errorf("Claims(exploded app.war directory) = true")
	}
}

// TestFatJarInWar is the case: log4j-core 2.14.1 stored in a
// Spring Boot jar, itself compressed in a WAR, is found with the path
// through the archives in its location and in the graph.
func TestFatJarInWar(t *testing.T) {
	log4j := log4jJar(t)
	fat := fatJar(t, entry{name: "BOOT-INF/lib/log4j-core-2.14.1.jar", data: log4j, store: true})
	aop := manifestJar(t, "aopalliance")
	app := war(t,
		entry{name: "WEB-INF/lib/fat.jar", data: fat},
		entry{name: "WEB-INF/lib/aopalliance-1.0.jar", data: aop},
	)
	g, err := extractBytes(t, New(), "deploy/app.war", app)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	extracttest.Diff(t, extracttest.Graph{
		Roots: []*inventory.Root{{ID: "deploy/app.war", Kind: inventory.KindBinary,
			PURL: appPURL, Name: "com.example:app", Version: "1.0.0"}},
		Components: components(
			comp{purl: "pkg:maven/aopalliance/aopalliance@1.0", name: "aopalliance:aopalliance", version: "1.0",
				direct: true, by: "filename", guessed: true, hashes: sha1Of(aop),
				loc: "deploy/app.war!/WEB-INF/lib/aopalliance-1.0.jar"},
			comp{purl: appPURL, name: "com.example:app", version: "1.0.0", direct: true, by: "pom.properties",
				hashes: sha1Of(app), loc: "deploy/app.war"},
			comp{purl: fatPURL, name: "com.example:fat", version: "2.0.0", direct: true, by: "pom.properties",
				hashes: sha1Of(fat), loc: "deploy/app.war!/WEB-INF/lib/fat.jar"},
			comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1", by: "pom.properties",
				hashes: sha1Of(log4j), loc: "deploy/app.war!/WEB-INF/lib/fat.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar"},
		),
		Edges: edges(
			"deploy/app.war", "pkg:maven/aopalliance/aopalliance@1.0",
			"deploy/app.war", appPURL,
			"deploy/app.war", fatPURL,
			fatPURL, log4jPURL,
		),
	}, g)
	// What `vouch why log4j-core` prints.
	paths, total, complete := g.Paths(log4jPURL, 10)
	want := [][]string{{"deploy/app.war", fatPURL, log4jPURL}}
	if diff := cmp.Diff(want, paths); diff != "" || total != 1 || !complete {
		t.Errorf("paths to log4j-core (total %d, complete %v) (-want +got):\n%s", total, complete, diff)
	}
}

// TestStoredReadInPlace shows that a STORED nested jar is read through
// its parent whatever its size, while a compressed one over the in-memory
// cap is listed by name and reported as not read.
func TestStoredReadInPlace(t *testing.T) {
	log4j := log4jJar(t)
	logging := zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "commons-logging/MANIFEST.MF")},
		entry{name: "org/apache/commons/logging/Log.class", data: class(1500)},
	)
	fat := fatJar(t,
		entry{name: "BOOT-INF/lib/log4j-core-2.14.1.jar", data: log4j, store: true},
		entry{name: "BOOT-INF/lib/commons-logging-1.2.jar", data: logging},
	)
	e := New()
	e.lim.maxNested = 1024
	if len(log4j) <= 1024 || len(logging) <= 1024 {
		t.Fatalf("nested jars of %d and %d bytes do not exceed the cap", len(log4j), len(logging))
	}
	g, err := extractBytes(t, e, "fat.jar", fat)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "fat.jar",
		Msg: fmt.Sprintf("BOOT-INF/lib/commons-logging-1.2.jar: nested archive of %d bytes over the 1024-byte limit: not read", len(logging))})
	extracttest.Diff(t, extracttest.Graph{
		Roots: []*inventory.Root{{ID: "fat.jar", Kind: inventory.KindBinary, PURL: fatPURL, Name: "com.example:fat", Version: "2.0.0"}},
		Components: components(
			comp{purl: "pkg:maven/com.example/fat@2.0.0", name: "com.example:fat", version: "2.0.0", direct: true,
				by: "pom.properties", hashes: sha1Of(fat), loc: "fat.jar"},
			comp{purl: "pkg:maven/commons-logging/commons-logging@1.2", name: "commons-logging:commons-logging", version: "1.2",
				direct: true, by: "filename", guessed: true, notRead: "too_large", loc: "fat.jar!/BOOT-INF/lib/commons-logging-1.2.jar"},
			comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1", direct: true,
				by: "pom.properties", hashes: sha1Of(log4j), loc: "fat.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar"},
		),
		Edges: edges("fat.jar", fatPURL, "fat.jar", "pkg:maven/commons-logging/commons-logging@1.2", "fat.jar", log4jPURL),
	}, g)
}

func TestShaded(t *testing.T) {
	shaded := shadedJar(t)
	const (
		wagon  = "pkg:maven/org.apache.maven.wagon/wagon-http@3.5.3"
		client = "pkg:maven/org.apache.httpcomponents/httpclient@4.5.14"
		codec  = "pkg:maven/commons-codec/commons-codec@1.15"
	)
	t.Run("outer", func(t *testing.T) {
		const path = "lib/wagon-http-3.5.3-shaded.jar"
		g, err := extractBytes(t, New(), path, shaded)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		extracttest.Diff(t, extracttest.Graph{
			Roots: []*inventory.Root{{ID: path, Kind: inventory.KindBinary, PURL: wagon, Name: "org.apache.maven.wagon:wagon-http", Version: "3.5.3"}},
			Components: components(
				comp{purl: codec, name: "commons-codec:commons-codec", version: "1.15", direct: true, by: "pom.properties", shaded: true,
					loc: path + "!/META-INF/maven/commons-codec/commons-codec/pom.properties"},
				comp{purl: client, name: "org.apache.httpcomponents:httpclient", version: "4.5.14", direct: true, by: "pom.properties", shaded: true,
					loc: path + "!/META-INF/maven/org.apache.httpcomponents/httpclient/pom.properties"},
				comp{purl: wagon, name: "org.apache.maven.wagon:wagon-http", version: "3.5.3", direct: true, by: "pom.properties",
					hashes: sha1Of(shaded), loc: path},
			),
			Edges: edges(path, codec, path, client, path, wagon),
		}, g)
	})
	t.Run("nested", func(t *testing.T) {
		app := war(t, entry{name: "WEB-INF/lib/wagon-http-3.5.3-shaded.jar", data: shaded})
		g, err := extractBytes(t, New(), "app.war", app)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		extracttest.CheckRows(t, g, extracttest.LineRows, []extracttest.LineRow{
			{PURL: appPURL, Direct: true, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties"}},
			{PURL: codec, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties", "shaded": "true"}},
			{PURL: client, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties", "shaded": "true"}},
			{PURL: wagon, Direct: true, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties"}},
		})
		extracttest.CheckEdges(t, g, []string{
			"app.war -> " + appPURL, "app.war -> " + wagon, wagon + " -> " + client, wagon + " -> " + codec,
		})
	})
}

// TestIdentify covers how an archive without (a matching) pom.properties
// is named: manifest, file name, both, Bundle-SymbolicName, nothing.
func TestIdentify(t *testing.T) {
	log4jDescriptors := zipOf(t,
		entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "log4j-core-2.14.1/MANIFEST.MF")},
		entry{name: "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties", data: fixture(t, "log4j-core-2.14.1/pom.properties")},
	)
	tests := []struct {
		name string
		path string
		data []byte
		want *comp // nil: nothing identifies the archive
		also []comp
	}{
		{"manifest", "lib/bridge.jar", manifestJar(t, "jcl-over-slf4j"),
			&comp{purl: "pkg:maven/jcl-over-slf4j/jcl-over-slf4j@1.7.32", name: "jcl-over-slf4j:jcl-over-slf4j", version: "1.7.32", by: "manifest", guessed: true}, nil},
		{"manifest over file name", "lib/slf4j-bridge-9.9.jar", manifestJar(t, "jcl-over-slf4j"),
			&comp{purl: "pkg:maven/jcl-over-slf4j/jcl-over-slf4j@1.7.32", name: "jcl-over-slf4j:jcl-over-slf4j", version: "1.7.32", by: "manifest", guessed: true}, nil},
		{"file name with the manifest's version", "lib/commons-logging.jar", manifestJar(t, "commons-logging"),
			&comp{purl: "pkg:maven/commons-logging/commons-logging@1.2", name: "commons-logging:commons-logging", version: "1.2", by: "filename", guessed: true}, nil},
		{"file name", "lib/aopalliance-1.0.jar", manifestJar(t, "aopalliance"),
			&comp{purl: "pkg:maven/aopalliance/aopalliance@1.0", name: "aopalliance:aopalliance", version: "1.0", by: "filename", guessed: true}, nil},
		{"file name over Bundle-SymbolicName", "lib/commons-logging-1.2.jar", manifestJar(t, "commons-logging"),
			&comp{purl: "pkg:maven/commons-logging/commons-logging@1.2", name: "commons-logging:commons-logging", version: "1.2", by: "filename", guessed: true}, nil},
		{"Bundle-SymbolicName", "lib/Commons Logging.jar", manifestJar(t, "commons-logging"),
			&comp{purl: "pkg:maven/org.apache.commons.logging/org.apache.commons.logging@1.2", name: "org.apache.commons.logging:org.apache.commons.logging",
				version: "1.2", by: "manifest", guessed: true}, nil},
		{"pom.properties over manifest and file name", "lib/logging-9.9.jar", log4jDescriptors,
			&comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1", by: "pom.properties"}, nil},
		{"no version anywhere", "lib/aopalliance.jar", manifestJar(t, "aopalliance"),
			&comp{purl: "pkg:maven/aopalliance/aopalliance", name: "aopalliance:aopalliance", by: "filename", guessed: true}, nil},
		{"nothing", "lib/Unnamed (copy).jar", manifestJar(t, "aopalliance"), nil, nil},
		{"a lone pom.properties of another artifact", "lib/guice.jar", guiceJar(t),
			&comp{purl: "pkg:maven/com.google.inject/guice@4.2.3", name: "com.google.inject:guice", version: "4.2.3", by: "manifest", groupFrom: "known_artifact"},
			[]comp{{purl: "pkg:maven/cglib/cglib@3.2.12", name: "cglib:cglib", version: "3.2.12", direct: true, by: "pom.properties", shaded: true,
				loc: "lib/guice.jar!/META-INF/maven/cglib/cglib/pom.properties"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractBytes(t, New(), tt.path, tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			want := extracttest.Graph{Roots: []*inventory.Root{{ID: tt.path, Kind: inventory.KindBinary}}, Components: []*inventory.Component{}}
			all := tt.also
			if tt.want != nil {
				c := *tt.want
				c.direct, c.hashes, c.loc = true, sha1Of(tt.data), tt.path
				want.Roots[0].PURL, want.Roots[0].Name, want.Roots[0].Version = c.purl, c.name, c.version
				all = append(all, c)
			}
			slices.SortFunc(all, func(a, b comp) int { return strings.Compare(a.purl, b.purl) })
			for _, c := range all {
				want.Components = append(want.Components, c.component())
				want.Edges = append(want.Edges, inventory.Edge{From: tt.path, To: c.purl})
			}
			extracttest.Diff(t, want, g)
		})
	}
}

// TestGroup covers the group of an archive without pom.properties: the
// table of known artifacts, a backed Implementation-Vendor-Id, and the
// artifactId standing in, from real manifests (see testdata/README.md).
func TestGroup(t *testing.T) {
	// jar is an archive of the manifest in dir (or the text mf) and of
	// classes (and directories, ending in "/") at the given paths.
	jar := func(dir, mf string, classes ...string) []byte {
		data := []byte(mf)
		if dir != "" {
			data = fixture(t, dir+"/MANIFEST.MF")
		}
		entries := []entry{{name: "META-INF/MANIFEST.MF", data: data}}
		for _, c := range classes {
			e := entry{name: c}
			if !strings.HasSuffix(c, "/") {
				e.data = class(300)
			}
			entries = append(entries, e)
		}
		return zipOf(t, entries...)
	}
	tests := []struct {
		name string
		path string
		data []byte
		want comp
	}{
		{"table, over Bundle-SymbolicName", "lib/xercesImpl-2.12.0.jar", jar("xercesImpl", "", "org/apache/xerces/impl/XMLScanner.class"),
			comp{purl: "pkg:maven/xerces/xercesImpl@2.12.0", name: "xerces:xercesImpl", version: "2.12.0", by: "filename", groupFrom: "known_artifact"}},
		{"table, artifact from Bundle-Name", "lib/tomcat9-catalina-9.0.70.jar", jar("tomcat-catalina", "", "org/apache/catalina/Server.class"),
			comp{purl: "pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.70", name: "org.apache.tomcat:tomcat-catalina", version: "9.0.70", by: "manifest", groupFrom: "known_artifact"}},
		{"table, artifact from Implementation-Title", "lib/spring3-web-3.x.jar", jar("spring-web", "", "org/springframework/web/WebApplicationInitializer.class"),
			comp{purl: "pkg:maven/org.springframework/spring-web@4.3.30.RELEASE", name: "org.springframework:spring-web", version: "4.3.30.RELEASE", by: "manifest", groupFrom: "known_artifact"}},
		{"table, Bouncy Castle prefix", "lib/bcprov-jdk18on-1.72.jar", jar("bcprov", ""),
			comp{purl: "pkg:maven/org.bouncycastle/bcprov-jdk18on@1.72", name: "org.bouncycastle:bcprov-jdk18on", version: "1.72", by: "filename", groupFrom: "known_artifact"}},
		{"table over vendor id", "lib/spring-web-5.3.26.jar", jar("", "Implementation-Vendor-Id: org.example\r\nAutomatic-Module-Name: org.example.web\r\n"),
			comp{purl: "pkg:maven/org.springframework/spring-web@5.3.26", name: "org.springframework:spring-web", version: "5.3.26", by: "filename", groupFrom: "known_artifact"}},
		{"vendor id backed by Automatic-Module-Name", "lib/bcprov-1.72.jar", jar("bcprov", "", "org/bouncycastle/crypto/Digest.class"),
			comp{purl: "pkg:maven/org.bouncycastle/bcprov@1.72", name: "org.bouncycastle:bcprov", version: "1.72", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
		{"vendor id backed by Extension-Name", "lib/c3p0-0.9.1.2.jar", jar("c3p0", ""),
			comp{purl: "pkg:maven/com.mchange/c3p0@0.9.1.2", name: "com.mchange:c3p0", version: "0.9.1.2", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
		{"vendor id backed by a class", "lib/commons-exec-1.3.jar", jar("commons-exec", "", "META-INF/LICENSE.txt", "org/apache/commons/exec/Executor.class"),
			comp{purl: "pkg:maven/org.apache.commons/commons-exec@1.3", name: "org.apache.commons:commons-exec", version: "1.3", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
		{"vendor id backed by a class of a WAR", "exec-1.3.war", jar("commons-exec", "", "WEB-INF/classes/org/apache/commons/exec/Executor.class"),
			comp{purl: "pkg:maven/org.apache.commons/exec@1.3", name: "org.apache.commons:exec", version: "1.3", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
		{"vendor id not backed", "lib/commons-exec-1.3.jar", jar("commons-exec", "", "org/apache/Executor.class", "org/apache/commonsx/A.class", "org/apache/commons/",
			"org/apache/commons/exec/messages.properties", "META-INF/versions/9/org/apache/commons/exec/Executor.class"),
			comp{purl: "pkg:maven/commons-exec/commons-exec@1.3", name: "commons-exec:commons-exec", version: "1.3", by: "filename", guessed: true}},
		{"vendor id the artifactId", "lib/commons-io.jar", jar("commons-io", "", "org/apache/commons/io/IOUtils.class"),
			comp{purl: "pkg:maven/commons-io/commons-io@2.11.0", name: "commons-io:commons-io", version: "2.11.0", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
		{"umbrella vendor id, backed", "lib/commons-logging-1.2.jar", jar("commons-logging", "", "org/apache/commons/logging/Log.class"),
			comp{purl: "pkg:maven/commons-logging/commons-logging@1.2", name: "commons-logging:commons-logging", version: "1.2", by: "filename", guessed: true}},
		{"umbrella vendor id, not backed", "lib/servlet-api.jar", jar("servlet-api", "", "javax/servlet/Servlet.class"),
			comp{purl: "pkg:maven/servlet-api/servlet-api@4.0.1", name: "servlet-api:servlet-api", version: "4.0.1", by: "filename", guessed: true}},
		{"vendor id of one segment", "lib/tool-1.0.jar", jar("", "Implementation-Vendor-Id: acme\r\n", "acme/Tool.class"),
			comp{purl: "pkg:maven/tool/tool@1.0", name: "tool:tool", version: "1.0", by: "filename", guessed: true}},
		{"vendor id not shaped like a group", "lib/tool-1.0.jar", jar("", "Implementation-Vendor-Id: The Apache Software Foundation\r\nExtension-Name: The Apache Software Foundation\r\n"),
			comp{purl: "pkg:maven/tool/tool@1.0", name: "tool:tool", version: "1.0", by: "filename", guessed: true}},
		{"vendor id with a name that only starts like it", "lib/tool-1.0.jar", jar("", "Implementation-Vendor-Id: org.acme\r\nBundle-SymbolicName: org.acmecorp.tool;singleton:=true\r\n"),
			comp{purl: "pkg:maven/tool/tool@1.0", name: "tool:tool", version: "1.0", by: "filename", guessed: true}},
		{"vendor id, Bundle-SymbolicName with directives", "lib/tool-1.0.jar", jar("", "Implementation-Vendor-Id: org.acme\r\nBundle-SymbolicName: org.acme ; singleton:=true\r\n"),
			comp{purl: "pkg:maven/org.acme/tool@1.0", name: "org.acme:tool", version: "1.0", by: "filename", groupFrom: "Implementation-Vendor-Id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extractBytes(t, New(), tt.path, tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			c := tt.want
			c.direct, c.hashes, c.loc = true, sha1Of(tt.data), tt.path
			want := extracttest.Graph{
				Roots:      []*inventory.Root{{ID: tt.path, Kind: inventory.KindBinary, PURL: c.purl, Name: c.name, Version: c.version}},
				Components: []*inventory.Component{c.component()},
				Edges:      []inventory.Edge{{From: tt.path, To: c.purl}},
			}
			extracttest.Diff(t, want, g)
		})
	}
}

// TestNotAZip: an outer file that cannot be read as an archive is an
// error, and is still listed by its file name.
func TestNotAZip(t *testing.T) {
	valid := log4jJar(t)
	corrupt := bytes.Clone(valid)
	// Clobber every central directory header's signature.
	for i := bytes.Index(corrupt, []byte("PK\x01\x02")); i >= 0; i = bytes.Index(corrupt, []byte("PK\x01\x02")) {
		copy(corrupt[i:], "XX")
	}
	large := manyClasses(t)
	tests := []struct {
		name string
		data []byte
		lim  func(*limits)
		msg  string
	}{
		{"text", []byte("this is not a jar\n"), nil, "not a zip archive: zip: not a valid zip file"},
		{"empty", nil, nil, "not a zip archive: zip: not a valid zip file"},
		{"garbage", class(4096), nil, "not a zip archive: zip: not a valid zip file"},
		{"corrupted central directory", corrupt, nil, "not a zip archive: zip: not a valid zip file"},
		{"truncated", valid[:len(valid)/2], nil, "not a zip archive: zip: not a valid zip file"},
		{"central directory over the limit", large, func(l *limits) { l.maxDirectory = 64 << 10 }, "central directory too large: over 65536 bytes: not read"},
	}
	const path = "lib/log4j-core-2.14.1.jar"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			if tt.lim != nil {
				tt.lim(&e.lim)
			}
			g, err := extractBytes(t, e, path, tt.data)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Msg: tt.msg})
			const p = "pkg:maven/log4j-core/log4j-core@2.14.1"
			extracttest.Diff(t, extracttest.Graph{
				Roots: []*inventory.Root{{ID: path, Kind: inventory.KindBinary, PURL: p, Name: "log4j-core:log4j-core", Version: "2.14.1"}},
				Components: components(comp{purl: p, name: "log4j-core:log4j-core", version: "2.14.1", direct: true,
					by: "filename", guessed: true, hashes: sha1Of(tt.data), loc: path}),
				Edges: edges(path, p),
			}, g)
		})
	}
}

// manyClasses is a jar of 3,000 empty classes: a central directory of
// some 250 KB.
func manyClasses(t testing.TB) []byte {
	var many []entry
	for i := range 3000 {
		many = append(many, entry{name: fmt.Sprintf("org/apache/logging/log4j/core/Class%04d.class", i)})
	}
	return zipOf(t, many...)
}

// nestChain returns n1-1.0.jar holding lib/n2-2.0.jar … down to n<levels>.
func nestChain(t testing.TB, levels int) []byte {
	inner := manifestJar(t, "aopalliance")
	for i := levels - 1; i >= 1; i-- {
		inner = zipOf(t, entry{name: fmt.Sprintf("lib/n%d-%d.0.jar", i+1, i+1), data: inner})
	}
	return inner
}

// TestNestedProblems: each bad nested archive costs itself, is reported
// with its path inside the outer file, and leaves the rest read.
func TestNestedProblems(t *testing.T) {
	// A jar holding 8 MiB of zeros STORED, deflated in the WAR: the nested
	// entry compresses a thousandfold.
	bomb := zipOf(t, entry{name: "zeros.bin", data: make([]byte, 8<<20), store: true})
	manifestBomb := zipOf(t, entry{name: "META-INF/MANIFEST.MF", data: make([]byte, 8<<20)})
	log4j := log4jJar(t)
	odd := zipOf(t, entry{name: "META-INF/MANIFEST.MF",
		data: []byte("Manifest-Version: 1.0\r\nthis line has no colon\r\nImplementation-Title: odd\r\nImplementation-Version: 1.1\r\n\r\n")})
	noVersion := zipOf(t, entry{name: "META-INF/maven/com.example/nover/pom.properties", data: []byte("groupId=com.example\nartifactId=nover\n")})
	bzip := rawZip(t, &zip.FileHeader{Name: "META-INF/MANIFEST.MF", Method: 12, CompressedSize64: 3, UncompressedSize64: 3}, []byte("BZh"))
	large := manyClasses(t)
	badCRC := zipOf(t, entry{name: "lib/a.jar", data: log4j})
	// Flip the CRC in the central directory, which archive/zip checks.
	badCRC[bytes.Index(badCRC, []byte("PK\x01\x02"))+16] ^= 0xff

	tests := []struct {
		name  string
		entry entry
		outer []byte // the WAR, when not war(entry)
		lim   func(*limits)
		want  comp // the nested archive's component; loc is relative to app.war!/
		edges []string
		msg   string
	}{
		{name: "zip bomb", entry: entry{name: "WEB-INF/lib/bomb-1.0.jar", data: bomb},
			want: comp{purl: "pkg:maven/bomb/bomb@1.0", name: "bomb:bomb", version: "1.0", direct: true, by: "filename", guessed: true,
				notRead: "compression_ratio", loc: "WEB-INF/lib/bomb-1.0.jar"},
			msg: "WEB-INF/lib/bomb-1.0.jar: compression ratio over 100:1: not read"},
		{name: "manifest bomb", entry: entry{name: "WEB-INF/lib/mf-1.0.jar", data: manifestBomb},
			want: comp{purl: "pkg:maven/mf/mf@1.0", name: "mf:mf", version: "1.0", direct: true, by: "filename", guessed: true,
				hashes: sha1Of(manifestBomb), loc: "WEB-INF/lib/mf-1.0.jar"},
			msg: "WEB-INF/lib/mf-1.0.jar!/META-INF/MANIFEST.MF: compression ratio over 100:1: not read"},
		{name: "over the cap", entry: entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j},
			lim: func(l *limits) { l.maxNested = 1024 },
			want: comp{purl: "pkg:maven/log4j-core/log4j-core@2.14.1", name: "log4j-core:log4j-core", version: "2.14.1", direct: true,
				by: "filename", guessed: true, notRead: "too_large", loc: "WEB-INF/lib/log4j-core-2.14.1.jar"},
			msg: fmt.Sprintf("WEB-INF/lib/log4j-core-2.14.1.jar: nested archive of %d bytes over the 1024-byte limit: not read", len(log4j))},
		{name: "not a zip", entry: entry{name: "WEB-INF/lib/broken-2.0.jar", data: []byte("not a jar")},
			want: comp{purl: "pkg:maven/broken/broken@2.0", name: "broken:broken", version: "2.0", direct: true, by: "filename", guessed: true,
				notRead: "invalid_zip", hashes: sha1Of([]byte("not a jar")), loc: "WEB-INF/lib/broken-2.0.jar"},
			msg: "WEB-INF/lib/broken-2.0.jar: not a zip archive: zip: not a valid zip file"},
		{name: "central directory over the limit", entry: entry{name: "WEB-INF/lib/large-1.0.jar", data: large},
			lim: func(l *limits) { l.maxDirectory = 64 << 10 },
			want: comp{purl: "pkg:maven/large/large@1.0", name: "large:large", version: "1.0", direct: true, by: "filename", guessed: true,
				notRead: "too_large", hashes: sha1Of(large), loc: "WEB-INF/lib/large-1.0.jar"},
			msg: "WEB-INF/lib/large-1.0.jar: central directory too large: over 65536 bytes: not read"},
		{name: "stored and recorded past the end", outer: lyingStored(t, "\x00\x00\x00\x40", "\x00\x00\x00\x40"),
			want: comp{purl: "pkg:maven/short/short@1.0", name: "short:short", version: "1.0", direct: true, by: "filename", guessed: true,
				notRead: "invalid_zip", loc: "WEB-INF/lib/short-1.0.jar"},
			msg: "WEB-INF/lib/short-1.0.jar: entry runs past the end of its parent archive: not read"},
		{name: "stored with two sizes", outer: lyingStored(t, "", "\x00\x00\x01\x00"),
			want: comp{purl: "pkg:maven/short/short@1.0", name: "short:short", version: "1.0", direct: true, by: "filename", guessed: true,
				notRead: "invalid_zip", loc: "WEB-INF/lib/short-1.0.jar"},
			msg: "WEB-INF/lib/short-1.0.jar: stored entry whose recorded sizes differ: not read"},
		{name: "unsupported compression", entry: entry{name: "WEB-INF/lib/bz-1.0.jar", data: bzip},
			want: comp{purl: "pkg:maven/bz/bz@1.0", name: "bz:bz", version: "1.0", direct: true, by: "filename", guessed: true,
				hashes: sha1Of(bzip), loc: "WEB-INF/lib/bz-1.0.jar"},
			msg: "WEB-INF/lib/bz-1.0.jar!/META-INF/MANIFEST.MF: open: zip: unsupported compression algorithm"},
		{name: "checksum error", entry: entry{name: "WEB-INF/lib/crc-1.0.jar", data: badCRC},
			want: comp{purl: "pkg:maven/crc/crc@1.0", name: "crc:crc", version: "1.0", direct: true, by: "filename", guessed: true,
				hashes: sha1Of(badCRC), loc: "WEB-INF/lib/crc-1.0.jar"},
			edges: []string{"pkg:maven/crc/crc@1.0 -> pkg:maven/a/a"},
			msg:   "WEB-INF/lib/crc-1.0.jar!/lib/a.jar: decompress: zip: checksum error"},
		{name: "malformed manifest line", entry: entry{name: "WEB-INF/lib/odd-1.0.jar", data: odd},
			want: comp{purl: "pkg:maven/odd/odd@1.1", name: "odd:odd", version: "1.1", direct: true, by: "manifest", guessed: true,
				hashes: sha1Of(odd), loc: "WEB-INF/lib/odd-1.0.jar"},
			msg: "WEB-INF/lib/odd-1.0.jar!/META-INF/MANIFEST.MF:2: line is not an attribute"},
		{name: "pom.properties without version", entry: entry{name: "WEB-INF/lib/nover-1.0.jar", data: noVersion},
			want: comp{purl: "pkg:maven/nover/nover@1.0", name: "nover:nover", version: "1.0", direct: true, by: "filename", guessed: true,
				hashes: sha1Of(noVersion), loc: "WEB-INF/lib/nover-1.0.jar"},
			msg: "WEB-INF/lib/nover-1.0.jar!/META-INF/maven/com.example/nover/pom.properties: no valid groupId, artifactId and version"},
		{name: "read limit", entry: entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j},
			lim: func(l *limits) { l.maxTotal = 1024 },
			want: comp{purl: "pkg:maven/log4j-core/log4j-core@2.14.1", name: "log4j-core:log4j-core", version: "2.14.1", direct: true,
				by: "filename", guessed: true, notRead: "read_limit", loc: "WEB-INF/lib/log4j-core-2.14.1.jar"},
			msg: "WEB-INF/lib/log4j-core-2.14.1.jar: over the 1024-byte read limit for nested archives: not read"},
		{name: "archive count limit", entry: entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j},
			lim: func(l *limits) { l.maxArchives = 0 },
			want: comp{purl: "pkg:maven/log4j-core/log4j-core@2.14.1", name: "log4j-core:log4j-core", version: "2.14.1", direct: true,
				by: "filename", guessed: true, notRead: "read_limit", loc: "WEB-INF/lib/log4j-core-2.14.1.jar"},
			msg: "WEB-INF/lib/log4j-core-2.14.1.jar: more than 0 nested archives: not read"},
		{name: "opened entries limit", entry: entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j},
			lim: func(l *limits) { l.maxOpened = 2 }, // the WAR's own manifest and pom.properties
			want: comp{purl: "pkg:maven/log4j-core/log4j-core@2.14.1", name: "log4j-core:log4j-core", version: "2.14.1", direct: true,
				by: "filename", guessed: true, hashes: sha1Of(log4j), loc: "WEB-INF/lib/log4j-core-2.14.1.jar"},
			msg: "WEB-INF/lib/log4j-core-2.14.1.jar!/META-INF/MANIFEST.MF: more than 2 entries opened: the rest not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			if tt.lim != nil {
				tt.lim(&e.lim)
			}
			data := tt.outer
			if data == nil {
				data = war(t, tt.entry)
			}
			g, err := extractBytes(t, e, "app.war", data)
			extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "app.war", Msg: tt.msg})
			if g == nil {
				t.Fatal("no graph")
			}
			want := tt.want
			want.loc = "app.war!/" + want.loc
			extracttest.CheckComponent(t, g, *want.component())
			// The WAR itself is still read.
			extracttest.CheckComponent(t, g, *comp{purl: appPURL, name: "com.example:app", version: "1.0.0", direct: true,
				by: "pom.properties", hashes: sha1Of(data), loc: "app.war"}.component())
			extracttest.CheckEdges(t, g, append([]string{"app.war -> " + appPURL, "app.war -> " + want.purl}, tt.edges...))
		})
	}
}

// lyingStored is app.war with a STORED nested jar whose recorded sizes
// (compressed, uncompressed: 4 bytes little-endian each, "" to keep)
// are rewritten in the central directory.
func lyingStored(t testing.TB, compressed, uncompressed string) []byte {
	inner := manifestJar(t, "aopalliance")
	b := war(t, entry{name: "WEB-INF/lib/short-1.0.jar", data: inner, store: true})
	i := bytes.Index(b, []byte("PK\x01\x02"))
	for ; i >= 0; i = nextDirEntry(b, i) {
		if bytes.Contains(b[i+46:i+46+int(le16(b[i+28:]))], []byte("short-1.0.jar")) {
			copy(b[i+20:], compressed)
			copy(b[i+24:], uncompressed)
			return b
		}
	}
	t.Fatal("no directory entry for short-1.0.jar")
	return nil
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func nextDirEntry(b []byte, i int) int {
	j := bytes.Index(b[i+4:], []byte("PK\x01\x02"))
	if j < 0 {
		return -1
	}
	return i + 4 + j
}

func TestTooDeep(t *testing.T) {
	app := war(t, entry{name: "WEB-INF/lib/n1-1.0.jar", data: nestChain(t, 6)})
	g, err := extractBytes(t, New(), "app.war", app)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "app.war",
		Msg: "WEB-INF/lib/n1-1.0.jar!/lib/n2-2.0.jar!/lib/n3-3.0.jar!/lib/n4-4.0.jar!/lib/n5-5.0.jar: archive nested more than 4 levels deep: not read"})
	n := func(i int) string { return fmt.Sprintf("pkg:maven/n%d/n%d@%d.0", i, i, i) }
	extracttest.CheckEdges(t, g, []string{
		"app.war -> " + appPURL, "app.war -> " + n(1), n(1) + " -> " + n(2), n(2) + " -> " + n(3), n(3) + " -> " + n(4), n(4) + " -> " + n(5),
	})
	extracttest.CheckComponent(t, g, *comp{purl: n(5), name: "n5:n5", version: "5.0", by: "filename", guessed: true, notRead: "too_deep",
		loc: "app.war!/WEB-INF/lib/n1-1.0.jar!/lib/n2-2.0.jar!/lib/n3-3.0.jar!/lib/n4-4.0.jar!/lib/n5-5.0.jar"}.component())
}

// TestEAR: an EAR holding a WAR, a library and resource adapters, one a
// zip (read) and one a RAR file (skipped without complaint).
func TestEAR(t *testing.T) {
	log4j := log4jJar(t)
	adapter := manifestJar(t, "jcl-over-slf4j")
	ear := zipOf(t,
		entry{name: "META-INF/application.xml", data: []byte("<application/>\n")},
		entry{name: "web.war", data: war(t, entry{name: "WEB-INF/lib/fat.jar", data: fatJar(t)})},
		entry{name: "lib/log4j-core-2.14.1.jar", data: log4j},
		entry{name: "adapter.rar", data: adapter},
		entry{name: "legacy.rar", data: []byte("Rar!\x1a\x07\x01\x00 not a zip")},
		entry{name: "__MACOSX/lib/._log4j-core-2.14.1.jar", data: []byte("\x00\x05\x16\x07")},
	)
	g, err := extractBytes(t, New(), "shop.ear", ear)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	const (
		jcl  = "pkg:maven/jcl-over-slf4j/jcl-over-slf4j@1.7.32"
		shop = "pkg:maven/shop/shop" // the EAR itself, named by its file only
	)
	guessed := func(by string) map[string]string {
		return map[string]string{"identified_by": by, "group_guessed": "true", "group_from": "artifactId"}
	}
	extracttest.CheckSummary(t, g, inventory.Root{ID: "shop.ear", Kind: inventory.KindBinary, PURL: shop, Name: "shop:shop"}, extracttest.LineRows, []extracttest.LineRow{
		{PURL: appPURL, Direct: true, Scope: "runtime", Line: 0, Props: map[string]string{"identified_by": "pom.properties"}},
		{PURL: fatPURL, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties"}},
		{PURL: jcl, Direct: true, Scope: "runtime", Props: guessed("manifest")},
		{PURL: log4jPURL, Direct: true, Scope: "runtime", Props: map[string]string{"identified_by": "pom.properties"}},
		{PURL: shop, Direct: true, Scope: "runtime", Props: guessed("filename")},
	}, []string{
		"shop.ear -> " + appPURL, "shop.ear -> " + jcl, "shop.ear -> " + log4jPURL, "shop.ear -> " + shop, appPURL + " -> " + fatPURL,
	})
}

// TestPathTraversal: entry names are text; "../" in one is reported as
// written, whether or not archive/zip is told to refuse such names.
func TestPathTraversal(t *testing.T) {
	log4j := log4jJar(t)
	const name = "../../../../tmp/log4j-core-2.14.1.jar"
	app := war(t, entry{name: name, data: log4j}, entry{name: "/etc/cron.d/x-1.0.jar", data: manifestJar(t, "aopalliance")})
	for _, godebug := range []string{"", "zipinsecurepath=0"} {
		t.Run("GODEBUG="+godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", godebug)
			if _, err := zip.NewReader(bytes.NewReader(app), int64(len(app))); godebug != "" && !errors.Is(err, zip.ErrInsecurePath) {
				t.Fatalf("GODEBUG=%s: zip.NewReader error %v, want ErrInsecurePath", godebug, err)
			}
			g, err := extractBytes(t, New(), "app.war", app)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			extracttest.CheckComponent(t, g, *comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1",
				direct: true, by: "pom.properties", hashes: sha1Of(log4j), loc: "app.war!/" + name}.component())
			if c := g.Component("pkg:maven/x/x@1.0"); c == nil || c.Locations[0].Path != "app.war!//etc/cron.d/x-1.0.jar" {
				t.Errorf("x-1.0.jar: %+v", c)
			}
		})
	}
	if _, err := os.Stat("/tmp/log4j-core-2.14.1.jar"); err == nil {
		t.Errorf("/tmp/log4j-core-2.14.1.jar exists")
	}
}

// TestProblemsCounted: several problems make one error, counting the rest.
func TestProblemsCounted(t *testing.T) {
	app := war(t,
		entry{name: "WEB-INF/lib/a-1.0.jar", data: []byte("x")},
		entry{name: "WEB-INF/lib/b-1.0.jar", data: []byte("y")},
		entry{name: "WEB-INF/lib/c-1.0.jar", data: []byte("z")},
	)
	g, err := extractBytes(t, New(), "app.war", app)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "app.war",
		Msg: "WEB-INF/lib/a-1.0.jar: not a zip archive: zip: not a valid zip file (and 2 more problems)"})
	if g.Len() != 4 {
		t.Errorf("%d components, want the WAR and its three jars", g.Len())
	}
}

func TestInputs(t *testing.T) {
	log4j := log4jJar(t)
	want := []extracttest.Row{{PURL: log4jPURL, Direct: true, Scope: "runtime", Lines: []int{0}}}
	t.Run("reader only", func(t *testing.T) {
		g, err := New().Extract(context.Background(), &extract.Input{Path: "log4j.jar", Reader: bytes.NewReader(log4j)})
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		extracttest.CheckRows(t, g, extracttest.Rows, want)
	})
	t.Run("file", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "log4j.jar")
		if err := os.WriteFile(p, log4j, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		g, err := New().Extract(context.Background(), &extract.Input{Path: "log4j.jar", Reader: f, ReaderAt: f})
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		extracttest.CheckRows(t, g, extracttest.Rows, want)
		if h := g.Component(log4jPURL).Hashes; !cmp.Equal(h, sha1Of(log4j)) {
			t.Errorf("hashes %v", h)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		g, err := New().Extract(context.Background(), &extract.Input{Path: "log4j.jar"})
		if g != nil {
			t.Errorf("graph %v", g)
		}
		extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "log4j.jar", Msg: "no content to read"})
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		g, err := New().Extract(ctx, extracttest.Input(t, fstest.MapFS{"a.war": {Data: war(t)}}, "a.war"))
		if g != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("Extract = %v, %v; want no graph and context.Canceled", g, err)
		}
		extracttest.CheckErrorPath(t, err, "a.war")
	})
}

func TestOwnPom(t *testing.T) {
	p := func(group, artifact, version string) pom {
		return pom{ident: ident{group: group, artifact: artifact, version: version}}
	}
	poms := []pom{p("org.foo", "foo", "1.0"), p("org.foo", "foo-core", "1.0"), p("org.bar", "bar", "2.0")}
	tests := []struct {
		base     string
		poms     []pom
		manifest manifest
		want     int
	}{
		{"anything.jar", poms[2:], nil, 0},
		{"foo-core-1.0.jar", poms, nil, 1},
		{"foo-1.0.jar", poms, nil, 0},
		{"Foo-Core-1.0.JAR", poms, nil, 1},
		{"foo-core-1.0-shaded.jar", poms, nil, 1},
		{"foo-core.jar", poms, nil, 1},
		{"foo-core-2.0.jar", poms, nil, 1},
		{"foo-1.0-all.jar", poms, nil, 0},
		{"bar-2.0.jar", poms, nil, 2},
		{"app.jar", poms, nil, -1},
		{"app.jar", poms, manifest{"implementation-title": "bar"}, 2},
		{"app.jar", poms, manifest{"implementation-title": "baz"}, -1},
		{"foobar-1.0.jar", poms, nil, -1},
		{"x.jar", nil, nil, -1},
		{"app.jar", poms[2:], manifest{"implementation-title": "bar"}, 0},
		{"app.jar", poms[2:], manifest{"implementation-title": "Bar Application"}, 0},
		{"guice.jar", poms[2:], manifest{"bundle-name": "guice"}, -1},
		{"bar.jar", poms[2:], manifest{"bundle-name": "guice"}, 0},
	}
	for _, tt := range tests {
		if got := ownPom(tt.poms, tt.base, tt.manifest); got != tt.want {
			t.Errorf("ownPom(%d poms, %q, %v) = %d, want %d", len(tt.poms), tt.base, tt.manifest, got, tt.want)
		}
	}
}

func TestEntryKinds(t *testing.T) {
	tests := []struct {
		name          string
		pom, isNested bool
	}{
		{"META-INF/maven/org.foo/foo/pom.properties", true, false},
		{"META-INF/maven/pom.properties", false, false},
		{"META-INF/maven/org.foo/pom.properties", false, false},
		{"META-INF/maven/org.foo/foo/bar/pom.properties", false, false},
		{"META-INF/maven//foo/pom.properties", false, false},
		{"BOOT-INF/classes/META-INF/maven/org.foo/foo/pom.properties", false, false},
		{"WEB-INF/lib/a.jar", false, true},
		{"lib/A.JAR", false, true},
		{"connector.rar", false, true},
		{"deep/in/x.war", false, true},
		{"lib/a.jar/", false, false},
		{"__MACOSX/lib/._a.jar", false, false},
		{"lib/a.jar.sha1", false, false},
		{"java.base.jmod", false, false},
	}
	for _, tt := range tests {
		if got := isPomProperties(tt.name); got != tt.pom {
			t.Errorf("isPomProperties(%q) = %v", tt.name, got)
		}
		if got := nestedArchive(tt.name); got != tt.isNested {
			t.Errorf("nestedArchive(%q) = %v", tt.name, got)
		}
	}
}

func TestParseFilename(t *testing.T) {
	tests := []struct{ base, name, version string }{
		{"log4j-core-2.14.1.jar", "log4j-core", "2.14.1"},
		{"guava-31.1-jre.jar", "guava", "31.1-jre"},
		{"commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0"},
		{"bcprov-jdk15on-1.70.jar", "bcprov-jdk15on", "1.70"},
		{"netty-transport-native-epoll-4.1.77.Final-linux-x86_64.jar", "netty-transport-native-epoll", "4.1.77.Final-linux-x86_64"},
		{"jetty-util-9.4.44.v20210927.jar", "jetty-util", "9.4.44.v20210927"},
		{"scala-parser_2.13-1.0.jar", "scala-parser_2.13", "1.0"},
		{"my-app-1.0-SNAPSHOT.war", "my-app", "1.0-SNAPSHOT"},
		{"jsr305-0.1~+svn49.jar", "jsr305", "0.1~+svn49"},
		{"ROOT.war", "ROOT", ""},
		{"commons-io.jar", "commons-io", ""},
		{"app.jar.jar", "app.jar", ""},
		{"-1.0.jar", "", ""},
		{"a b-1.0.jar", "", ""},
		{"x-1.0 final.jar", "x", ""},
		{"noext", "noext", ""},
		{".jar", "", ""},
	}
	for _, tt := range tests {
		name, version := parseFilename(tt.base)
		if name != tt.name || version != tt.version {
			t.Errorf("parseFilename(%q) = %q, %q; want %q, %q", tt.base, name, version, tt.name, tt.version)
		}
	}
}

func TestParseManifest(t *testing.T) {
	long := "Implementation-Title: a-very-long-artifact-name-that-the-writer-had-to-sp\r\n lit-across-lines\r\n"
	tests := []struct {
		name string
		in   string
		want manifest
		err  string
	}{
		{"real log4j-core", string(fixture(t, "log4j-core-2.14.1/MANIFEST.MF")), manifest{
			"implementation-title": "Apache Log4j Core", "implementation-version": "2.14.1",
			"specification-title": "Apache Log4j Core", "specification-version": "2.14.1",
			"bundle-name": "Apache Log4j Core", "bundle-symbolicname": "org.apache.logging.log4j.core", "bundle-version": "2.14.1",
			"implementation-vendor-id": "org.apache", "automatic-module-name": "org.apache.logging.log4j.core",
		}, ""},
		{"continuation", long, manifest{"implementation-title": "a-very-long-artifact-name-that-the-writer-had-to-split-across-lines"}, ""},
		{"LF and CR endings", "Bundle-Name: a\nBundle-Version: 1\rImplementation-Title: b\r\n", manifest{"bundle-name": "a", "bundle-version": "1", "implementation-title": "b"}, ""},
		{"names are case-insensitive", "IMPLEMENTATION-TITLE: a\r\nimplementation-version: 2\r\n", manifest{"implementation-title": "a", "implementation-version": "2"}, ""},
		{"main section only", "Implementation-Title: a\r\n\r\nName: x/Y.class\r\nImplementation-Title: b\r\n", manifest{"implementation-title": "a"}, ""},
		{"leading blank lines", "\r\n\r\nImplementation-Title: a\r\n", manifest{"implementation-title": "a"}, ""},
		{"last line without ending", "Implementation-Title: a", manifest{"implementation-title": "a"}, ""},
		{"no space after colon", "Implementation-Title:a\r\n", manifest{"implementation-title": "a"}, ""},
		{"empty value", "Implementation-Title: \r\n", manifest{"implementation-title": ""}, ""},
		{"last duplicate wins", "Implementation-Title: a\r\nImplementation-Title: b\r\n", manifest{"implementation-title": "b"}, ""},
		{"long unkept value", "Export-Package: " + strings.Repeat("x", 5000) + "\r\n " + strings.Repeat("y", 5000) + "\r\nBundle-Name: n\r\n", manifest{"bundle-name": "n"}, ""},
		{"empty", "", manifest{}, ""},
		// The reader's 16 KiB buffer ends between CR and LF.
		{"CR LF across reads", "Bundle-Name: " + strings.Repeat("x", 16<<10-14) + "\r\nBundle-Version: 1\r\n",
			manifest{"bundle-name": strings.Repeat("x", 16<<10-14), "bundle-version": "1"}, ""},
		{"CR LF across reads, then a bad line", "Bundle-Name: " + strings.Repeat("x", 16<<10-14) + "\r\nbad\r\n",
			manifest{"bundle-name": strings.Repeat("x", 16<<10-14)}, "line 2: line is not an attribute"},
		{"continuation first", " orphan\r\nBundle-Name: n\r\n", manifest{"bundle-name": "n"}, "line 1: continuation line without an attribute"},
		{"not an attribute", "Bundle-Name: n\r\nnonsense\r\nBundle-Version: 1\r\n", manifest{"bundle-name": "n", "bundle-version": "1"}, "line 2: line is not an attribute"},
		{"bad name", "Bundle Name: n\r\n: x\r\n", manifest{}, "line 1: line is not an attribute"},
		{"binary", "\x00\x01\x02:\xff\r\n", manifest{}, "line 1: line is not an attribute"},
		{"too long", strings.Repeat("a", 200), nil, "manifest main section too long: over 100 bytes"},
		{"too long across lines", "Bundle-Name: n\r\n" + strings.Repeat(" x\r\n", 50), nil, "manifest main section too long: over 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := 1 << 20
			if strings.HasPrefix(tt.name, "too long") {
				max = 100
			}
			got, err := parseManifest(strings.NewReader(tt.in), max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("manifest (-want +got):\n%s", diff)
			}
			var msg string
			if err != nil {
				msg = err.Error()
			}
			if msg != tt.err {
				t.Errorf("error %q, want %q", msg, tt.err)
			}
		})
	}
}

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"maven", string(fixture(t, "wagon-http-shaded/commons-codec.pom.properties")),
			map[string]string{"groupId": "commons-codec", "artifactId": "commons-codec", "version": "1.15"}},
		{"separators", "groupId : g\nartifactId   a\r\nversion=1", map[string]string{"groupId": "g", "artifactId": "a", "version": "1"}},
		{"comments", "#version=0\n  ! version=0\nversion=1\n", map[string]string{"version": "1"}},
		{"continuation", "version=1.\\\n    2.\\\r\n  3\n", map[string]string{"version": "1.2.3"}},
		{"escaped backslash is no continuation", "version=1\\\\\nartifactId=a\n", map[string]string{"version": `1\`, "artifactId": "a"}},
		{"escapes", `version=\u0031.\u00322\t` + "\n" + `artifact\Id=x` + "\ngroup\\ Id=y\n", map[string]string{"version": "1.22", "artifactId": "x"}},
		{"bad unicode escape", `version=\u12`, map[string]string{"version": `\u12`}},
		{"other keys ignored", "packaging=jar\nversion=1\n", map[string]string{"version": "1"}},
		{"continued comment is a comment", "# a \\\nversion=1\n", map[string]string{"version": "1"}},
		{"trailing continuation", "version=1\\", map[string]string{"version": "1"}},
		{"empty", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseProperties([]byte(tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// seeds are the archives of the fuzz seed corpus, by file name.
func seeds(t testing.TB) map[string][]byte {
	log4j := log4jJar(t)
	return map[string][]byte{
		"war-fat-log4j": war(t, entry{name: "WEB-INF/lib/fat.jar", data: fatJar(t, entry{name: "BOOT-INF/lib/log4j-core-2.14.1.jar", data: log4j, store: true})}),
		"shaded":        shadedJar(t),
		"manifest-only": manifestJar(t, "jcl-over-slf4j"),
		"nested-chain":  nestChain(t, 3),
		"stored-nested": zipOf(t, entry{name: "lib/a-1.0.jar", data: manifestJar(t, "commons-logging"), store: true}),
		"vendor-id": zipOf(t, entry{name: "META-INF/MANIFEST.MF", data: fixture(t, "commons-exec/MANIFEST.MF")},
			entry{name: "org/apache/commons/exec/Executor.class", data: class(200)}),
	}
}

// TestSeedCorpus keeps testdata/fuzz/FuzzExtract in step with the
// builders; -update rewrites it.
func TestSeedCorpus(t *testing.T) {
	for name, data := range seeds(t) {
		path := filepath.Join("testdata", "fuzz", "FuzzExtract", name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got := string(extracttest.ReadFile(t, path)); got != want {
			t.Errorf("%s is out of date: run go test -run TestSeedCorpus -update", path)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, data := range seeds(f) {
		f.Add(data)
	}
	f.Add(log4jJar(f))
	f.Add(war(f, entry{name: "WEB-INF/lib/x-1.0.jar", data: []byte("x")}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	extracttest.Fuzz(f, New(), "deploy/app-1.0.war", nil, extracttest.CheckReachable)
}

// lfOnly rewrites every line end of b (CR LF, CR or LF) as LF.
func lfOnly(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\r' {
			out = append(out, b[i])
			continue
		}
		out = append(out, '\n')
		if i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
	}
	return out
}

func FuzzManifest(f *testing.F) {
	for _, dir := range []string{"log4j-core-2.14.1", "wagon-http-shaded", "jcl-over-slf4j", "commons-logging", "aopalliance", "spring-boot-fat",
		"xercesImpl", "tomcat-catalina", "spring-web", "bcprov", "c3p0", "commons-exec", "commons-io", "servlet-api"} {
		f.Add(fixture(f, dir+"/MANIFEST.MF"))
	}
	f.Add([]byte(" a\r\nB: c\rD:e\n\nF: g"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 4 << 10
		m, err := parseManifest(bytes.NewReader(data), max)
		var me *manifestError
		switch {
		case err == nil, errors.As(err, &me):
			if me != nil && (me.line < 1 || me.line > bytes.Count(data, []byte("\n"))+bytes.Count(data, []byte("\r"))+1) {
				t.Fatalf("error at line %d of %d bytes", me.line, len(data))
			}
			for k, v := range m {
				if !manifestKeys[k] {
					t.Fatalf("kept attribute %q", k)
				}
				if strings.ContainsAny(v, "\r\n") || v != strings.TrimSpace(v) {
					t.Fatalf("value %q of %s", v, k)
				}
			}
		case errors.Is(err, errManifestTooLong):
			if len(data) <= max {
				t.Fatalf("too long at %d bytes", len(data))
			}
			if m != nil {
				t.Fatalf("attributes with a too long manifest")
			}
		default:
			t.Fatalf("error %v", err)
		}
		// CR LF, CR and LF end lines alike.
		m2, err2 := parseManifest(bytes.NewReader(lfOnly(data)), max)
		if errors.Is(err, errManifestTooLong) || errors.Is(err2, errManifestTooLong) {
			return
		}
		if !cmp.Equal(m, m2) || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("with CR LF: %v, %v; with LF: %v, %v", m, err, m2, err2)
		}
	})
}

// TestReuse: a nested jar met again, under another parent or in another
// file of the same scan, is taken from what reading it first gave, with
// its new location; a jar whose entry records the same CRC-32, sizes and
// name but holds other bytes is read.
func TestReuse(t *testing.T) {
	log4j := log4jJar(t)
	e := New()
	ear := zipOf(t,
		entry{name: "lib/log4j-core-2.14.1.jar", data: log4j},
		entry{name: "web.war", data: war(t, entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j})},
	)
	g, err := extractBytes(t, e, "shop.ear", ear)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1", direct: true,
		by: "pom.properties", hashes: sha1Of(log4j), loc: "shop.ear!/lib/log4j-core-2.14.1.jar"}.component()
	want.Locations = append(want.Locations, inventory.Location{Path: "shop.ear!/web.war!/WEB-INF/lib/log4j-core-2.14.1.jar"})
	extracttest.CheckComponent(t, g, *want)
	extracttest.CheckEdges(t, g, []string{
		"shop.ear -> " + appPURL, "shop.ear -> " + log4jPURL, "shop.ear -> pkg:maven/shop/shop", appPURL + " -> " + log4jPURL,
	})
	// Another file of the same scan.
	g, err = extractBytes(t, e, "app.war", war(t, entry{name: "WEB-INF/lib/log4j-core-2.14.1.jar", data: log4j}))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	extracttest.CheckComponent(t, g, *comp{purl: log4jPURL, name: "org.apache.logging.log4j:log4j-core", version: "2.14.1",
		direct: true, by: "pom.properties", hashes: sha1Of(log4j), loc: "app.war!/WEB-INF/lib/log4j-core-2.14.1.jar"}.component())
	if e.cache.hits != 2 {
		t.Errorf("cache hits = %d, want 2", e.cache.hits)
	}

	// Two jars of the same length, stored, the second's entry claiming
	// the first's CRC-32 (stored nested jars are read in place, without
	// a CRC check).
	lib := func(group string) []byte {
		return zipOf(t, entry{name: "META-INF/maven/" + group + "/lib/pom.properties", store: true,
			data: []byte("groupId=" + group + "\nartifactId=lib\nversion=1.0\n")})
	}
	a, b := lib("aaa"), lib("bbb")
	if len(a) != len(b) {
		t.Fatalf("jars of %d and %d bytes, want equal", len(a), len(b))
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, x := range []struct {
		name string
		data []byte
	}{{"a/lib-1.0.jar", a}, {"b/lib-1.0.jar", b}} {
		fw, err := w.CreateRaw(&zip.FileHeader{Name: x.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(a),
			CompressedSize64: uint64(len(x.data)), UncompressedSize64: uint64(len(x.data))})
		if err == nil {
			_, err = fw.Write(x.data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	e = New()
	g, err = extractBytes(t, e, "twins.war", buf.Bytes())
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, c := range []comp{
		{purl: "pkg:maven/aaa/lib@1.0", name: "aaa:lib", version: "1.0", direct: true, by: "pom.properties", hashes: sha1Of(a), loc: "twins.war!/a/lib-1.0.jar"},
		{purl: "pkg:maven/bbb/lib@1.0", name: "bbb:lib", version: "1.0", direct: true, by: "pom.properties", hashes: sha1Of(b), loc: "twins.war!/b/lib-1.0.jar"},
	} {
		extracttest.CheckComponent(t, g, *c.component())
	}
	if e.cache.hits != 0 {
		t.Errorf("cache hits = %d, want 0", e.cache.hits)
	}
}
