package gradlelock

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
)

// row is what most cases assert of a component: its line, scope, whether
// the build script declares it, and the configurations it is locked for.
type row struct {
	PURL    string
	Direct  bool
	Scope   inventory.Scope
	Line    int
	Configs string
}

func rows(g *inventory.Graph) []row {
	var out []row
	for _, c := range g.Components() {
		r := row{PURL: c.PURL, Direct: c.Direct, Scope: c.Scope, Configs: c.Properties["configurations"]}
		if len(c.Locations) > 0 {
			r.Line = c.Locations[0].Line
		}
		out = append(out, r)
	}
	return out
}

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// edgesFrom are edges from root to each PURL.
func edgesFrom(root string, purls ...string) []string {
	var out []string
	for _, p := range purls {
		out = append(out, root+" -> "+p)
	}
	return out
}

func purls(rs []row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.PURL)
	}
	return out
}

const (
	main       = "compileClasspath,runtimeClasspath,testCompileClasspath,testRuntimeClasspath"
	runtimeAll = "runtimeClasspath,testRuntimeClasspath"
	testAll    = "testCompileClasspath,testRuntimeClasspath"
)

// singleFile is testdata/single-file/gradle.lockfile. Direct ones come
// from build.gradle.kts: guava and lombok through the version catalog,
// slf4j-api as a string, logback-classic in map notation, junit-bom
// through platform(); j2objc-annotations and opentest4j are only in
// comments, jsr305 only in a constraints block, checker-qual only forced.
var singleFile = []row{
	{PURL: "pkg:maven/ch.qos.logback/logback-classic@1.4.14", Direct: true, Scope: "runtime", Line: 4, Configs: runtimeAll},
	{PURL: "pkg:maven/ch.qos.logback/logback-core@1.4.14", Scope: "runtime", Line: 5, Configs: runtimeAll},
	{PURL: "pkg:maven/com.google.code.findbugs/jsr305@3.0.2", Scope: "runtime", Line: 6, Configs: main},
	{PURL: "pkg:maven/com.google.errorprone/error_prone_annotations@2.23.0", Scope: "runtime", Line: 7, Configs: main},
	{PURL: "pkg:maven/com.google.guava/failureaccess@1.0.2", Scope: "runtime", Line: 8, Configs: main},
	{PURL: "pkg:maven/com.google.guava/guava@33.0.0-jre", Direct: true, Scope: "runtime", Line: 9, Configs: main},
	{PURL: "pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava", Scope: "runtime", Line: 10, Configs: main},
	{PURL: "pkg:maven/com.google.j2objc/j2objc-annotations@2.8", Scope: "runtime", Line: 11, Configs: main},
	{PURL: "pkg:maven/org.apiguardian/apiguardian-api@1.1.2", Scope: "test", Line: 12, Configs: "testCompileClasspath"},
	{PURL: "pkg:maven/org.checkerframework/checker-qual@3.41.0", Scope: "runtime", Line: 13, Configs: main},
	{PURL: "pkg:maven/org.junit.jupiter/junit-jupiter-api@5.10.1", Scope: "test", Line: 14, Configs: testAll},
	{PURL: "pkg:maven/org.junit.jupiter/junit-jupiter-engine@5.10.1", Scope: "test", Line: 15, Configs: "testRuntimeClasspath"},
	{PURL: "pkg:maven/org.junit.jupiter/junit-jupiter-params@5.10.1", Scope: "test", Line: 16, Configs: testAll},
	{PURL: "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.1", Direct: true, Scope: "test", Line: 17, Configs: testAll},
	{PURL: "pkg:maven/org.junit.platform/junit-platform-commons@1.10.1", Scope: "test", Line: 18, Configs: testAll},
	{PURL: "pkg:maven/org.junit.platform/junit-platform-engine@1.10.1", Scope: "test", Line: 19, Configs: "testRuntimeClasspath"},
	{PURL: "pkg:maven/org.junit/junit-bom@5.10.1", Direct: true, Scope: "test", Line: 20, Configs: testAll},
	{PURL: "pkg:maven/org.opentest4j/opentest4j@1.3.0", Scope: "test", Line: 21, Configs: testAll},
	// compileOnly and annotationProcessor: the project does not ship it.
	{PURL: "pkg:maven/org.projectlombok/lombok@1.18.30", Direct: true, Scope: "build", Line: 22,
		Configs: "annotationProcessor,compileClasspath,testAnnotationProcessor,testCompileClasspath"},
	{PURL: "pkg:maven/org.slf4j/slf4j-api@2.0.9", Direct: true, Scope: "runtime", Line: 23, Configs: main},
}

// buildscript is testdata/single-file/buildscript-gradle.lockfile: the
// markers of the plugins applied by id and by catalog alias are direct.
var buildscript = []row{
	{PURL: "pkg:maven/com.diffplug.durian/durian-collect@1.2.0", Scope: "build", Line: 4, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.durian/durian-core@1.2.0", Scope: "build", Line: 5, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.durian/durian-io@1.2.0", Scope: "build", Line: 6, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.spotless/com.diffplug.spotless.gradle.plugin@6.23.3", Direct: true, Scope: "build", Line: 7, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.spotless/spotless-lib-extra@2.43.1", Scope: "build", Line: 8, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.spotless/spotless-lib@2.43.1", Scope: "build", Line: 9, Configs: "classpath"},
	{PURL: "pkg:maven/com.diffplug.spotless/spotless-plugin-gradle@6.23.3", Scope: "build", Line: 10, Configs: "classpath"},
	{PURL: "pkg:maven/com.github.ben-manes.versions/com.github.ben-manes.versions.gradle.plugin@0.50.0", Direct: true, Scope: "build", Line: 11, Configs: "classpath"},
	{PURL: "pkg:maven/com.github.ben-manes/gradle-versions-plugin@0.50.0", Scope: "build", Line: 12, Configs: "classpath"},
}

// legacyRows are the entries of the legacy per-configuration files, all
// with the same lines; scope and direct are set per case.
func legacyRows(scope inventory.Scope, withJUnit bool) []row {
	type e struct {
		purl   string
		direct bool
	}
	es := []e{
		{"pkg:maven/com.google.code.findbugs/jsr305@3.0.2", false},
		{"pkg:maven/com.google.errorprone/error_prone_annotations@2.2.0", false},
		{"pkg:maven/com.google.guava/failureaccess@1.0.1", false},
		{"pkg:maven/com.google.guava/guava@27.0.1-jre", true},
		{"pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava", false},
		{"pkg:maven/com.google.j2objc/j2objc-annotations@1.1", false},
		{"pkg:maven/commons-logging/commons-logging@1.2", true},
	}
	if withJUnit {
		es = append(es, e{"pkg:maven/junit/junit@4.12", true})
	}
	es = append(es,
		e{"pkg:maven/org.apache.commons/commons-lang3@3.8.1", true},
		e{"pkg:maven/org.checkerframework/checker-qual@2.5.2", false},
		e{"pkg:maven/org.codehaus.mojo/animal-sniffer-annotations@1.17", false},
	)
	if withJUnit {
		es = append(es, e{"pkg:maven/org.hamcrest/hamcrest-core@1.3", false})
	}
	var out []row
	for i, x := range es {
		out = append(out, row{PURL: x.purl, Direct: x.direct, Scope: scope, Line: 4 + i})
	}
	return out
}

func TestExtract(t *testing.T) {
	const (
		lock    = "single-file/gradle.lockfile"
		script  = "single-file/buildscript-gradle.lockfile"
		compile = "legacy/gradle/dependency-locks/compileClasspath.lockfile"
		testRT  = "legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile"
		scriptL = "legacy/gradle/dependency-locks/buildscript-classpath.lockfile"
	)
	compileRows, testRows := legacyRows("build", false), legacyRows("test", true)
	// A module on a compile classpath alone is compile-only: build. The
	// walk merges it with the runtimeClasspath file's runtime entry.
	extracttest.RunSummaries(t, New(), rows, []extracttest.SummaryCase[row]{
		{
			Name: "single file, direct from build.gradle.kts and the version catalog",
			Path: lock,
			WantRoot: inventory.Root{ID: lock, Kind: inventory.KindManifest,
				Properties: props("direct_from", "build.gradle.kts,gradle/libs.versions.toml")},
			WantRows:  singleFile,
			WantEdges: edgesFrom(lock, purls(singleFile)...),
		},
		{
			Name: "buildscript lockfile, plugins by id and catalog alias",
			Path: script,
			WantRoot: inventory.Root{ID: script, Kind: inventory.KindManifest,
				Properties: props("buildscript", "true", "direct_from", "build.gradle.kts,gradle/libs.versions.toml")},
			WantRows:  buildscript,
			WantEdges: edgesFrom(script, purls(buildscript)...),
		},
		{
			Name: "legacy compileClasspath, direct from build.gradle",
			Path: compile,
			WantRoot: inventory.Root{ID: compile, Kind: inventory.KindManifest,
				Properties: props("configuration", "compileClasspath", "direct_from", "build.gradle")},
			WantRows:  compileRows,
			WantEdges: edgesFrom(compile, purls(compileRows)...),
		},
		{
			Name: "legacy testRuntimeClasspath",
			Path: testRT,
			WantRoot: inventory.Root{ID: testRT, Kind: inventory.KindManifest,
				Properties: props("configuration", "testRuntimeClasspath", "direct_from", "build.gradle")},
			WantRows:  testRows,
			WantEdges: edgesFrom(testRT, purls(testRows)...),
		},
		{
			Name: "legacy buildscript lockfile with no entries",
			Path: scriptL,
			WantRoot: inventory.Root{ID: scriptL, Kind: inventory.KindManifest,
				Properties: props("configuration", "classpath", "buildscript", "true", "direct_from", "build.gradle")},
		},
	})
}

// TestExtractComponent compares one entry whole.
func TestExtractComponent(t *testing.T) {
	extracttest.RunComponents(t, New(), os.DirFS("testdata"), []extracttest.ComponentCase{{
		Path: "single-file/gradle.lockfile",
		Want: inventory.Component{
			PURL:       "pkg:maven/com.google.guava/guava@33.0.0-jre",
			Ecosystem:  "Maven",
			Name:       "com.google.guava:guava",
			Version:    "33.0.0-jre",
			Direct:     true,
			Scope:      "runtime",
			Properties: props("configurations", main),
			Locations:  []inventory.Location{{Path: "single-file/gradle.lockfile", Line: 9}},
		},
	}})
}

// TestExtractWithoutBuildScript: nothing says which entries are direct.
func TestExtractWithoutBuildScript(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/single-file/gradle.lockfile")
	fsys := fstest.MapFS{"svc/gradle.lockfile": {Data: data}}
	g, err := extracttest.Extract(t, New(), fsys, "svc/gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]row, len(singleFile))
	for i, r := range singleFile {
		r.Direct = false
		want[i] = r
	}
	extracttest.CheckSummary(t, g, inventory.Root{ID: "svc/gradle.lockfile", Kind: inventory.KindManifest}, rows, want,
		edgesFrom("svc/gradle.lockfile", purls(want)...))
}

func TestExtractEmptyConfigurations(t *testing.T) {
	const path = "gradle.lockfile"
	data := "# This is a Gradle generated file for dependency locking.\n" +
		"org.slf4j:slf4j-api:2.0.9=compileClasspath,runtimeClasspath\n" +
		"empty=annotationProcessor,testAnnotationProcessor\n"
	g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte(data)}}, path)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{PURL: "pkg:maven/org.slf4j/slf4j-api@2.0.9", Scope: "runtime", Line: 2, Configs: "compileClasspath,runtimeClasspath"}}
	extracttest.CheckSummary(t, g, inventory.Root{ID: path, Kind: inventory.KindManifest,
		Properties: props("empty_configurations", "annotationProcessor,testAnnotationProcessor")}, rows, want, edgesFrom(path, want[0].PURL))
}

// TestExtractRepeated: a module written twice is one component with both
// lines and the configurations of both.
func TestExtractRepeated(t *testing.T) {
	const path = "gradle.lockfile"
	data := "a:b:1=testRuntimeClasspath\nc:d:2=runtimeClasspath\na:b:1=runtimeClasspath,testRuntimeClasspath\n"
	g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte(data)}}, path)
	if err != nil {
		t.Fatal(err)
	}
	extracttest.CheckComponent(t, g, inventory.Component{
		PURL: "pkg:maven/a/b@1", Ecosystem: "Maven", Name: "a:b", Version: "1", Scope: "runtime",
		Properties: props("configurations", "testRuntimeClasspath,runtimeClasspath"),
		Locations:  []inventory.Location{{Path: path, Line: 1}, {Path: path, Line: 3}},
	})
}

// TestExtractBadLines: bad lines are reported, the others kept.
func TestExtractBadLines(t *testing.T) {
	const path = "app/gradle.lockfile"
	data := "# This is a Gradle generated file for dependency locking.\n" +
		"org.slf4j:slf4j-api=compileClasspath\n" + // no version
		"org.slf4j:slf4j-api:2.0.9=compileClasspath,runtimeClasspath\n" +
		"org.slf4j:slf4j-simple:2.0.9\n" + // no configurations
		"org.example:bad name:1.0=runtimeClasspath\n" + // a space
		"\x1f\x8b\x08\x00\xff\xfe=x\n" +
		"junit:junit:4.13.2=testRuntimeClasspath\n"
	g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte(data)}}, path)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Line: 2,
		Msg: `want group:name:version, got "org.slf4j:slf4j-api" (and 3 more problems)`})
	want := []row{
		{PURL: "pkg:maven/junit/junit@4.13.2", Scope: "test", Line: 7, Configs: "testRuntimeClasspath"},
		{PURL: "pkg:maven/org.slf4j/slf4j-api@2.0.9", Scope: "runtime", Line: 3, Configs: "compileClasspath,runtimeClasspath"},
	}
	extracttest.CheckSummary(t, g, inventory.Root{ID: path, Kind: inventory.KindManifest}, rows, want, edgesFrom(path, purls(want)...))
}

func TestExtractBadInput(t *testing.T) {
	extracttest.RunBadInputs(t, New(), "gradle.lockfile", []extracttest.BadInput{
		{Name: "huge line", Data: []byte("# header\n" + strings.Repeat("a", extract.MaxLineLength+1) + "\n"), WantLine: 2, WantMsg: "line longer than"},
	})
	// A legacy file takes no configurations after "=".
	const legacy = "gradle/dependency-locks/runtimeClasspath.lockfile"
	g, err := extracttest.Extract(t, New(), fstest.MapFS{legacy: {Data: []byte("a:b:1=runtimeClasspath\n")}}, legacy)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: legacy, Line: 1, Msg: `want group:name:version, got "a:b:1=runtimeClasspath"`})
	if g == nil || g.Len() != 0 {
		t.Errorf("graph %v, want the root alone", g)
	}
}

func TestExtractCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := strings.Repeat("a:b:1=runtimeClasspath\n", 5000)
	_, err := New().Extract(ctx, &extract.Input{Path: "gradle.lockfile", Reader: strings.NewReader(data)})
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: "gradle.lockfile", Line: 4096, Msg: "context canceled"})
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"gradle.lockfile":                                            true,
		"app/gradle.lockfile":                                        true,
		"app/buildscript-gradle.lockfile":                            true,
		"gradle/dependency-locks/compileClasspath.lockfile":          true,
		"app/gradle/dependency-locks/buildscript-classpath.lockfile": true,
		"app/dependency-locks/compileClasspath.lockfile":             false,
		"gradle/dependency-locks/.lockfile":                          false,
		"app/other.lockfile":                                         false,
		"gradle.lockfile.bak":                                        false,
		"Gemfile.lock":                                               false,
	})
}

func TestScope(t *testing.T) {
	tests := []struct {
		confs       []string
		buildscript bool
		want        inventory.Scope
	}{
		{[]string{"compileClasspath", "runtimeClasspath"}, false, "runtime"},
		{[]string{"runtimeClasspath"}, false, "runtime"},
		{[]string{"compileClasspath"}, false, "build"},
		{[]string{"testCompileClasspath", "testRuntimeClasspath"}, false, "test"},
		{[]string{"androidTestDebugRuntimeClasspath", "debugUnitTestCompileClasspath", "integrationTestRuntimeClasspath", "testFixturesRuntimeClasspath"}, false, "test"},
		{[]string{"annotationProcessor"}, false, "build"},
		{[]string{"kapt", "kspKotlin", "detekt", "jacocoAgent", "kotlinCompilerPluginClasspathMain"}, false, "build"},
		{[]string{"annotationProcessor", "testRuntimeClasspath"}, false, "build"},
		{[]string{"releaseRuntimeClasspath", "debugAnnotationProcessor"}, false, "runtime"},
		// An unknown configuration is not assumed harmless.
		{[]string{"jmhRuntime", "testRuntimeClasspath"}, false, "runtime"},
		{[]string{"latestRuntimeClasspath"}, false, "runtime"},
		{nil, false, "runtime"},
		{[]string{"testRuntimeClasspath"}, true, "build"},
	}
	for _, tt := range tests {
		if got := Scope(tt.confs, tt.buildscript); got != tt.want {
			t.Errorf("Scope(%q, %v) = %q, want %q", tt.confs, tt.buildscript, got, tt.want)
		}
	}
}

func TestDeclared(t *testing.T) {
	tests := []struct {
		name        string
		script      string
		buildscript bool
		want        []string
	}{
		{
			name: "groovy strings, map notation, interpolation, exclusions",
			script: `dependencies {
    implementation 'com.google.guava:guava:27.0.1-jre'
    implementation "org.slf4j:slf4j-api:${slf4jVersion}"
    api group: 'org.apache.commons', name: 'commons-lang3', version: '3.8.1'
    implementation('commons-logging:commons-logging:1.2') {
        exclude group: 'org.hamcrest', module: 'hamcrest-core'
        exclude module: 'x:y'
    }
    runtimeOnly 'org.postgresql:postgresql:42.7.1@jar'
    testImplementation "io.netty:netty-transport-native-epoll:4.1.100.Final:linux-x86_64"
    println "no:coordinate here"
}`,
			want: []string{"com.google.guava:guava", "commons-logging:commons-logging", "io.netty:netty-transport-native-epoll",
				"org.apache.commons:commons-lang3", "org.postgresql:postgresql", "org.slf4j:slf4j-api"},
		},
		{
			name: "kotlin named arguments, kotlin(), strings holding quotes and comment markers",
			script: `val lib = "com.squareup.okio:okio:3.7.0"
dependencies {
    implementation(lib)
    implementation(kotlin("stdlib"))
    implementation(group = "io.ktor", name = "ktor-client-core", version = "2.3.7")
    implementation("com.example:with-url:${property("x") /* not a comment */}")
    testImplementation("org.junit.jupiter:junit-jupiter:5.10.1") // "a:b:c" in a comment
    /* implementation("com.example:commented:1.0") */
    constraints { implementation("com.example:constrained:1.0") }
}
buildscript { dependencies { classpath("com.example:on-classpath:1.0") } }
plugins { id("org.example.plugin") version "1.0" }
`,
			want: []string{"com.example:with-url", "com.squareup.okio:okio", "io.ktor:ktor-client-core",
				"org.jetbrains.kotlin:kotlin-stdlib", "org.junit.jupiter:junit-jupiter"},
		},
		{
			name: "buildscript: classpath and plugin markers only",
			script: `buildscript { dependencies { classpath("com.example:on-classpath:1.0") } }
plugins {
    id("org.example.plugin") version "1.0"
    kotlin("jvm") version "1.9.22"
    java
}
dependencies { implementation("com.example:not-buildscript:1.0") }
`,
			buildscript: true,
			want: []string{"com.example:on-classpath", "org.example.plugin:org.example.plugin.gradle.plugin",
				"org.jetbrains.kotlin.jvm:org.jetbrains.kotlin.jvm.gradle.plugin"},
		},
		{
			name:   "unterminated string and comment",
			script: "dependencies {\n implementation 'a:b:1\n implementation \"c:d:2\" /* x",
			want:   []string{"a:b", "c:d"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r scriptRefs
			r.scan(lex([]byte(tt.script)), tt.buildscript)
			var got []string
			for m := range r.modules {
				got = append(got, m)
			}
			if diff := cmp.Diff(tt.want, got, cmpSorted); diff != "" {
				t.Errorf("modules (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
})

func TestIncludes(t *testing.T) {
	tests := []struct {
		settings string
		want     []string
	}{
		{`rootProject.name = "x"` + "\ninclude(\"app\", \":lib:core\")\ninclude(\n  \"tools\",\n  \"docs\"\n)\nincludeBuild(\"build-logic\")\n", []string{"app", "lib/core", "tools", "docs"}},
		{"include 'app', ':lib'\ninclude ':a',\n        ':b'\nrootProject.name = 'y'\n", []string{"app", "lib", "a", "b"}},
		{"include(\"../escape\")\n", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, includes(lex([]byte(tt.settings)))); diff != "" {
			t.Errorf("includes(%q) (-want +got):\n%s", tt.settings, diff)
		}
	}
}

func TestBuildScopes(t *testing.T) {
	lock := func(lines ...string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(strings.Join(lines, "\n") + "\n")}
	}
	fsys := fstest.MapFS{
		"b/settings.gradle.kts":                                      {Data: []byte("include(\"app\", \"lib\")\n")},
		"b/gradle.lockfile":                                          lock("a:root:1=compileClasspath,runtimeClasspath"),
		"b/app/gradle.lockfile":                                      lock("a:shared:1=testRuntimeClasspath", "a:test-only:1=testRuntimeClasspath"),
		"b/lib/gradle.lockfile":                                      lock("a:shared:1=runtimeClasspath", "a:compile-only:1=compileClasspath"),
		"b/lib/buildscript-gradle.lockfile":                          lock("a:plugin:1=classpath"),
		"b/lib/gradle/dependency-locks/annotationProcessor.lockfile": lock("a:processor:1"),
		"b/other/gradle.lockfile":                                    lock("a:not-included:1=runtimeClasspath"),
	}
	scopes, read := BuildScopes(context.Background(), fsys, "b")
	want := map[string]inventory.Scope{
		"a:root:1": "runtime", "a:shared:1": "runtime", "a:test-only:1": "test",
		"a:compile-only:1": "build", "a:plugin:1": "build", "a:processor:1": "build",
	}
	if diff := cmp.Diff(want, scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	wantRead := []string{"b/gradle.lockfile", "b/app/gradle.lockfile", "b/lib/gradle.lockfile",
		"b/lib/buildscript-gradle.lockfile", "b/lib/gradle/dependency-locks/annotationProcessor.lockfile"}
	if diff := cmp.Diff(wantRead, read); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f,
		"testdata/single-file/gradle.lockfile",
		"testdata/single-file/buildscript-gradle.lockfile",
		"testdata/legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile")
	f.Add([]byte("a:b:c=\nempty=x,,y\n=\n:::=\n"))
	extracttest.Fuzz(f, New(), "p/gradle.lockfile", fuzzRoot, func(t testing.TB, g *inventory.Graph) {
		extracttest.CheckReachable(t, g)
		for _, c := range g.Components() {
			if c.Ecosystem != "Maven" || c.Version == "" || len(c.Locations) == 0 || c.Locations[0].Line < 1 {
				t.Fatalf("component %+v", c)
			}
		}
	})
}

// fuzzRoot holds a build script beside the fuzzed lockfile, so the
// direct dependency scan runs on every input.
var fuzzRoot = fstest.MapFS{
	"p/build.gradle.kts":          {Data: readFixture("testdata/single-file/build.gradle.kts")},
	"p/gradle/libs.versions.toml": {Data: readFixture("testdata/single-file/gradle/libs.versions.toml")},
}

func readFixture(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return data
}

// FuzzScript feeds build scripts, settings scripts and version catalogs
// to the scanners that read them beside a lockfile: they must not panic
// and must stay within their bounds.
func FuzzScript(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/single-file/build.gradle.kts", "testdata/legacy/build.gradle",
		"testdata/single-file/gradle/libs.versions.toml", "testdata/single-file/settings.gradle.kts")
	f.Add([]byte("include(\"a\", \n'b'\n\"${\"x\"}\" /* "))
	f.Fuzz(func(t *testing.T, data []byte) {
		toks := lex(data)
		if len(toks) > maxTokens {
			t.Fatalf("%d tokens", len(toks))
		}
		for _, b := range []bool{false, true} {
			var r scriptRefs
			r.scan(toks, b)
		}
		if inc := includes(toks); len(inc) > maxProjects {
			t.Fatalf("%d includes", len(inc))
		}
		if c, err := parseCatalog(data); err == nil {
			c.lookup(c.libraries, []string{"a", "b"})
		}
	})
}

// TestScanCost guards the script scan against inputs whose naive scan is
// quadratic: long argument lists before many blocks, and include
// statements that never end.
func TestScanCost(t *testing.T) {
	const n = 200_000
	inputs := map[string]string{
		"parens":   strings.Repeat("(", n) + strings.Repeat(") {", n),
		"includes": "include(" + strings.Repeat(" include", n),
	}
	for name, src := range inputs {
		start := time.Now()
		toks := lex([]byte(src))
		var r scriptRefs
		r.scan(toks, false)
		includes(toks)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
	}
}
