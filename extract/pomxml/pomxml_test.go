package pomxml

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/extracttest"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk"
)

// row is what the cases assert of a component: its identity, how it is
// declared, where (file:line, the parent's file for an inherited one)
// and its properties.
type row struct {
	PURL     string
	Scope    inventory.Scope
	Unpinned bool
	Source   string
	At       string
	Props    map[string]string
}

// rows projects g's components; every one of them must be direct.
func rows(g *inventory.Graph) []row {
	var out []row
	for _, c := range g.Components() {
		r := row{PURL: c.PURL, Scope: c.Scope, Unpinned: c.Unpinned, Source: c.Source, Props: c.Properties}
		var at []string
		for _, l := range c.Locations {
			at = append(at, l.Path+":"+strconv.Itoa(l.Line))
		}
		r.At = strings.Join(at, " ")
		if !c.Direct {
			r.At += " (not direct)"
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

// edges are those from root to each row's PURL.
func edges(root string, rs []row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, root+" -> "+r.PURL)
	}
	return out
}

const (
	top  = "multimodule/pom.xml"
	core = "multimodule/maven-core/pom.xml"
	mdl  = "multimodule/maven-model/pom.xml"
	mp   = "multimodule/maven-parent/pom.xml"
	bom  = "multimodule/maven-bom/pom.xml"
	boot = "spring-boot/pom.xml"
	sgl  = "single/pom.xml"

	// The grandparent of the multimodule tree is not in it, and neither
	// is the JUnit BOM its top POM imports.
	apacheMissing = "parent org.apache:apache:25 not in tree (multimodule/pom.xml holds org.apache.maven:maven:3.8.7)"
	junitMissing  = "bom org.junit:junit-bom:5.9.1 not in tree"
	bootMissing   = "parent org.springframework.boot:spring-boot-starter-parent:3.1.5 not in tree"
)

func mavenRoot(id, name, version, packaging, parent, parentPath, unresolved string) inventory.Root {
	r := inventory.Root{ID: id, Kind: inventory.KindManifest, Name: name, Version: version,
		PURL: "pkg:maven/" + strings.Replace(name, ":", "/", 1) + "@" + version, Properties: props("packaging", packaging)}
	if parent != "" {
		r.Properties["parent"] = parent
	}
	if parentPath != "" {
		r.Properties["parent_path"] = parentPath
	}
	if unresolved != "" {
		r.Properties["unresolved"] = unresolved
	}
	return r
}

// coreRows are the dependencies of maven-core: versions from its own
// properties, its parent's dependencyManagement interpolated in its
// context (${project.version}), the grandparent's management
// (org.eclipse.sisu.inject, with the parent's ${sisuVersion} 0.3.5 over
// the grandparent's 0.3.4), the imported BOM in the tree (the resolver,
// in the BOM's own context; its slf4j-api loses to the parent's own
// managed entry), a classifier in the management key (guice), a managed
// scope (mockito), optional from management ignored (logback), an
// inherited test dependency located in the parent, and one whose version
// would come from the BOM that is not in the tree.
var coreRows = []row{
	{PURL: "pkg:maven/ch.qos.logback/logback-classic@1.2.11", Scope: "runtime", At: core + ":74", Props: props("version_from", top+":77")},
	{PURL: "pkg:maven/com.google.inject/guice@4.2.2", Scope: "runtime", At: core + ":47", Props: props("classifier", "no_aop", "version_from", top+":56")},
	{PURL: "pkg:maven/commons-jxpath/commons-jxpath@1.3", Scope: "test", At: core + ":91"},
	{PURL: "pkg:maven/javax.annotation/javax.annotation-api@1.3.2", Scope: "build", At: core + ":78", Props: props("maven_scope", "provided")},
	{PURL: "pkg:maven/javax.inject/javax.inject@1", Scope: "runtime", At: core + ":52"},
	{PURL: "pkg:maven/junit/junit@4.13.2", Scope: "test", At: top + ":114"},
	{PURL: "pkg:maven/org.apache.commons/commons-lang3@3.8.1", Scope: "runtime", At: core + ":66", Props: props("version_from", top+":84")},
	{PURL: "pkg:maven/org.apache.maven.resolver/maven-resolver-api@1.6.3", Scope: "runtime", At: core + ":35", Props: props("version_from", bom+":17")},
	{PURL: "pkg:maven/org.apache.maven.resolver/maven-resolver-impl@1.6.3", Scope: "runtime", At: core + ":31", Props: props("version_from", bom+":22")},
	{PURL: "pkg:maven/org.apache.maven/maven-model@3.8.7", Scope: "runtime", At: core + ":23", Props: props("version_from", top+":40")},
	{PURL: "pkg:maven/org.apache.maven/maven-settings@3.8.7", Scope: "runtime", At: core + ":27", Props: props("version_from", top+":45")},
	{PURL: "pkg:maven/org.codehaus.plexus/plexus-classworlds@2.6.0", Scope: "runtime", At: core + ":62", Props: props("version_from", top+":67")},
	{PURL: "pkg:maven/org.codehaus.plexus/plexus-utils@3.3.1", Scope: "runtime", At: core + ":58", Props: props("version_from", top+":51")},
	{PURL: "pkg:maven/org.eclipse.sisu/org.eclipse.sisu.inject@0.3.5", Scope: "runtime", At: core + ":43", Props: props("version_from", mp+":31")},
	{PURL: "pkg:maven/org.eclipse.sisu/org.eclipse.sisu.plexus@0.3.5", Scope: "runtime", At: core + ":39", Props: props("version_from", top+":62")},
	{PURL: "pkg:maven/org.fusesource.jansi/jansi@2.4.0", Scope: "optional", At: core + ":84"},
	{PURL: "pkg:maven/org.junit.jupiter/junit-jupiter", Scope: "test", Unpinned: true, At: core + ":101",
		Props: props("unresolved", "no version and none managed; it may come from: "+apacheMissing+"; "+junitMissing)},
	{PURL: "pkg:maven/org.mockito/mockito-core@2.21.0", Scope: "test", At: core + ":97", Props: props("version_from", top+":89")},
	{PURL: "pkg:maven/org.slf4j/slf4j-api@1.7.36", Scope: "runtime", At: core + ":70", Props: props("version_from", top+":72")},
}

func TestExtract(t *testing.T) {
	modelRows := []row{
		{PURL: "pkg:maven/junit/junit@4.13.2", Scope: "test", At: top + ":114"},
		{PURL: "pkg:maven/org.codehaus.plexus/plexus-utils@3.3.1", Scope: "runtime", At: mdl + ":18", Props: props("version_from", top+":51")},
	}
	topRows := modelRows[:1]
	bootNoVersion := "no version and none managed; it may come from: " + bootMissing
	bootRows := []row{
		{PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind", Scope: "runtime", Unpinned: true, At: boot + ":30",
			Props: props("unresolved", "property jackson.version undefined; it may come from: "+bootMissing)},
		{PURL: "pkg:maven/org.postgresql/postgresql", Scope: "runtime", Unpinned: true, At: boot + ":36",
			Props: props("maven_scope", "runtime", "unresolved", bootNoVersion)},
		{PURL: "pkg:maven/org.projectlombok/lombok", Scope: "optional", Unpinned: true, At: boot + ":41", Props: props("unresolved", bootNoVersion)},
		{PURL: "pkg:maven/org.springdoc/springdoc-openapi-starter-webmvc-ui@2.2.0", Scope: "runtime", At: boot + ":25"},
		{PURL: "pkg:maven/org.springframework.boot/spring-boot-starter-test", Scope: "test", Unpinned: true, At: boot + ":46", Props: props("unresolved", bootNoVersion)},
		{PURL: "pkg:maven/org.springframework.boot/spring-boot-starter-web", Scope: "runtime", Unpinned: true, At: boot + ":21", Props: props("unresolved", bootNoVersion)},
	}
	ciRows := []row{{PURL: "pkg:maven/org.example.ci/api@1.2.0", Scope: "runtime", At: "ci-friendly/core/pom.xml:12"}}
	both := apacheMissing + "; " + junitMissing
	extracttest.RunSummaries(t, New(), rows, []extracttest.SummaryCase[row]{
		{
			Name:      "module with parent chain, properties, managed versions and a BOM in the tree",
			Path:      core,
			WantRoot:  mavenRoot(core, "org.apache.maven:maven-core", "3.8.7", "jar", "org.apache.maven:maven:3.8.7", top, both),
			WantRows:  coreRows,
			WantEdges: edges(core, coreRows),
		},
		{
			Name:      "module inheriting groupId and version",
			Path:      mdl,
			WantRoot:  mavenRoot(mdl, "org.apache.maven:maven-model", "3.8.7", "jar", "org.apache.maven:maven:3.8.7", top, both),
			WantRows:  modelRows,
			WantEdges: edges(mdl, modelRows),
		},
		{
			// relativePath names no file: the parent is found by its
			// coordinates; its own parent is not in the tree.
			Name:      "aggregator whose parent is found by coordinates",
			Path:      top,
			WantRoot:  mavenRoot(top, "org.apache.maven:maven", "3.8.7", "pom", "org.apache.maven:maven-parent:35", mp, both),
			WantRows:  topRows,
			WantEdges: edges(top, topRows),
		},
		{
			Name:     "parent not in tree, no dependencies",
			Path:     mp,
			WantRoot: mavenRoot(mp, "org.apache.maven:maven-parent", "35", "pom", "org.apache:apache:25", "", apacheMissing),
		},
		{
			Name:     "BOM",
			Path:     bom,
			WantRoot: mavenRoot(bom, "org.apache.maven:maven-bom", "3.8.7", "pom", "", "", ""),
		},
		{
			Name:      "Spring Boot parent not in tree: unresolved, never guessed",
			Path:      boot,
			WantRoot:  mavenRoot(boot, "com.example:demo", "0.0.1-SNAPSHOT", "jar", "org.springframework.boot:spring-boot-starter-parent:3.1.5", "", bootMissing),
			WantRows:  bootRows,
			WantEdges: edges(boot, bootRows),
		},
		{
			Name:      "CI-friendly ${revision} in parent and version",
			Path:      "ci-friendly/core/pom.xml",
			WantRoot:  mavenRoot("ci-friendly/core/pom.xml", "org.example.ci:core", "1.2.0", "jar", "org.example.ci:ci-parent:1.2.0", "ci-friendly/pom.xml", ""),
			WantRows:  ciRows,
			WantEdges: edges("ci-friendly/core/pom.xml", ciRows),
		},
	})
}

// TestExtractSingle reads an ISO-8859-1 POM with ranges, a system
// dependency, a test-jar, a property cycle, an environment variable and
// a dependency without artifactId, which is reported while the rest is
// kept.
func TestExtractSingle(t *testing.T) {
	g, err := extracttest.Extract(t, New(), os.DirFS("testdata"), sgl)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: sgl, Line: 61, Msg: "dependency without groupId or artifactId"})
	want := []row{
		{PURL: "pkg:maven/com.sun/tools@1.8", Scope: "build", Source: "single/lib/tools.jar", At: sgl + ":30", Props: props("maven_scope", "system")},
		{PURL: "pkg:maven/org.apache.commons/commons-lang3", Scope: "runtime", Unpinned: true, At: sgl + ":20", Props: props("specifier", "[3.12,4.0)")},
		{PURL: "pkg:maven/org.example/always-latest", Scope: "runtime", Unpinned: true, At: sgl + ":25", Props: props("specifier", "LATEST")},
		{PURL: "pkg:maven/org.example/cyclic", Scope: "runtime", Unpinned: true, At: sgl + ":45", Props: props("unresolved", "property cycle: cycle.a -> cycle.b -> cycle.a")},
		{PURL: "pkg:maven/org.example/from-env", Scope: "runtime", Unpinned: true, At: sgl + ":50", Props: props("unresolved", "property env.LIB_VERSION is an environment variable")},
		{PURL: "pkg:maven/org.example/self@1.0", Scope: "runtime", At: sgl + ":55", Props: props("maven_scope", "runtime")},
		{PURL: "pkg:maven/org.example/shared@2.1", Scope: "test", At: sgl + ":37", Props: props("type", "test-jar", "classifier", "tests")},
	}
	extracttest.CheckSummary(t, g, mavenRoot(sgl, "org.example:single", "1.0", "war", "", "", ""), rows, want, edges(sgl, want))
}

// TestExtractAlone: without the tree, nothing from the parent is known.
func TestExtractAlone(t *testing.T) {
	data := extracttest.ReadFile(t, "testdata/"+mdl)
	g, err := New().Extract(context.Background(), &extract.Input{Path: mdl, Reader: strings.NewReader(string(data))})
	if err != nil {
		t.Fatal(err)
	}
	missing := "parent org.apache.maven:maven:3.8.7 not in tree"
	want := []row{{PURL: "pkg:maven/org.codehaus.plexus/plexus-utils", Scope: "runtime", Unpinned: true, At: mdl + ":18",
		Props: props("unresolved", "no version and none managed; it may come from: "+missing)}}
	extracttest.CheckSummary(t, g, mavenRoot(mdl, "org.apache.maven:maven-model", "3.8.7", "jar", "org.apache.maven:maven:3.8.7", "", missing), rows, want, edges(mdl, want))
}

// pomText writes a small POM.
func pomText(parent, coords, body string) []byte {
	return []byte("<project>\n" + parent + coords + body + "</project>\n")
}

func TestParentAndImportLookup(t *testing.T) {
	dep := "<dependencies>\n<dependency><groupId>x</groupId><artifactId>lib</artifactId></dependency>\n</dependencies>\n"
	managed := func(v string) string {
		return "<dependencyManagement><dependencies><dependency><groupId>x</groupId><artifactId>lib</artifactId><version>" + v + "</version></dependency></dependencies></dependencyManagement>\n"
	}
	importing := func(g, a, v string) string {
		return "<dependencyManagement><dependencies><dependency><groupId>" + g + "</groupId><artifactId>" + a + "</artifactId><version>" + v +
			"</version><type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement>\n"
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		path string
		want row
		root map[string]string
	}{
		{
			name: "relativePath to a directory",
			fsys: fstest.MapFS{
				"app/pom.xml":          {Data: pomText("<parent><groupId>p</groupId><artifactId>par</artifactId><version>1</version><relativePath>../build/parent</relativePath></parent>\n", "<artifactId>app</artifactId>\n", dep)},
				"build/parent/pom.xml": {Data: pomText("", "<groupId>p</groupId><artifactId>par</artifactId><version>1</version>\n", managed("2.0"))},
			},
			path: "app/pom.xml",
			want: row{PURL: "pkg:maven/x/lib@2.0", Scope: "runtime", At: "app/pom.xml:5", Props: props("version_from", "build/parent/pom.xml:3")},
			root: props("packaging", "jar", "parent", "p:par:1", "parent_path", "build/parent/pom.xml"),
		},
		{
			name: "relativePath holding another version: not taken",
			fsys: fstest.MapFS{
				"app/pom.xml": {Data: pomText("<parent><groupId>p</groupId><artifactId>par</artifactId><version>2</version></parent>\n", "<artifactId>app</artifactId>\n", dep)},
				"pom.xml":     {Data: pomText("", "<groupId>p</groupId><artifactId>par</artifactId><version>1</version>\n", managed("2.0"))},
			},
			path: "app/pom.xml",
			want: row{PURL: "pkg:maven/x/lib", Scope: "runtime", Unpinned: true, At: "app/pom.xml:5",
				Props: props("unresolved", "no version and none managed; it may come from: parent p:par:2 not in tree (pom.xml holds p:par:1)")},
			root: props("packaging", "jar", "parent", "p:par:2", "unresolved", "parent p:par:2 not in tree (pom.xml holds p:par:1)"),
		},
		{
			name: "parents that are each other's",
			fsys: fstest.MapFS{
				"a/pom.xml": {Data: pomText("<parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>../b</relativePath></parent>\n", "<artifactId>a</artifactId>\n", dep)},
				"b/pom.xml": {Data: pomText("<parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version><relativePath>../a</relativePath></parent>\n", "<artifactId>b</artifactId>\n", managed("1"))},
			},
			path: "a/pom.xml",
			want: row{PURL: "pkg:maven/x/lib@1", Scope: "runtime", At: "a/pom.xml:5", Props: props("version_from", "b/pom.xml:4")},
			root: props("packaging", "jar", "parent", "g:b:1", "parent_path", "b/pom.xml", "unresolved", "parent g:a:1 at a/pom.xml is its own ancestor"),
		},
		{
			name: "BOM importing itself",
			fsys: fstest.MapFS{
				"pom.xml":     {Data: pomText("", "<groupId>g</groupId><artifactId>app</artifactId><version>1</version>\n", importing("g", "bom", "1")+dep)},
				"bom/pom.xml": {Data: pomText("", "<groupId>g</groupId><artifactId>bom</artifactId><version>1</version>\n", importing("g", "bom", "${project.version}"))},
			},
			path: "pom.xml",
			want: row{PURL: "pkg:maven/x/lib", Scope: "runtime", Unpinned: true, At: "pom.xml:5",
				Props: props("unresolved", "no version and none managed; it may come from: bom g:bom:1 at bom/pom.xml imports itself")},
			root: props("packaging", "jar", "unresolved", "bom g:bom:1 at bom/pom.xml imports itself"),
		},
		{
			name: "BOM version from an undefined property",
			fsys: fstest.MapFS{
				"pom.xml": {Data: pomText("", "<groupId>g</groupId><artifactId>app</artifactId><version>1</version>\n", importing("g", "bom", "${bom.version}")+dep)},
			},
			path: "pom.xml",
			want: row{PURL: "pkg:maven/x/lib", Scope: "runtime", Unpinned: true, At: "pom.xml:5",
				Props: props("unresolved", "no version and none managed; it may come from: bom g:bom:${bom.version}: property bom.version undefined")},
			root: props("packaging", "jar", "unresolved", "bom g:bom:${bom.version}: property bom.version undefined"),
		},
		{
			name: "parent unreadable",
			fsys: fstest.MapFS{
				"app/pom.xml": {Data: pomText("<parent><groupId>p</groupId><artifactId>par</artifactId><version>1</version></parent>\n", "<artifactId>app</artifactId>\n", dep)},
				"pom.xml":     {Data: []byte("<project><groupId>p</")},
			},
			path: "app/pom.xml",
			want: row{PURL: "pkg:maven/x/lib", Scope: "runtime", Unpinned: true, At: "app/pom.xml:5",
				Props: props("unresolved", "no version and none managed; it may come from: parent p:par:1 not in tree (pom.xml unreadable: pom.xml:1:22: xml: XML syntax error on line 1: unexpected EOF)")},
			root: props("packaging", "jar", "parent", "p:par:1", "unresolved", "parent p:par:1 not in tree (pom.xml unreadable: pom.xml:1:22: xml: XML syntax error on line 1: unexpected EOF)"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := extracttest.Extract(t, New(), tt.fsys, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]row{tt.want}, rows(g)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.root, g.Root(tt.path).Properties); diff != "" {
				t.Errorf("root properties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInterpolate(t *testing.T) {
	// 30 properties each doubling the next: 2^30 expansions without
	// memoisation.
	doubling := map[string]string{"p30": ""}
	for i := range 30 {
		doubling["p"+strconv.Itoa(i)] = "${p" + strconv.Itoa(i+1) + "}${p" + strconv.Itoa(i+1) + "}"
	}
	growing := map[string]string{"g20": "xxxxxxxxxxxxxxxx"}
	for i := range 20 {
		growing["g"+strconv.Itoa(i)] = "${g" + strconv.Itoa(i+1) + "}${g" + strconv.Itoa(i+1) + "}"
	}
	undefinedBelow := map[string]string{"q30": "${nope}"}
	for i := range 30 {
		undefinedBelow["q"+strconv.Itoa(i)] = "${q" + strconv.Itoa(i+1) + "}${q" + strconv.Itoa(i+1) + "}"
	}
	chain := map[string]string{"c40": "end"}
	for i := range 40 {
		chain["c"+strconv.Itoa(i)] = "${c" + strconv.Itoa(i+1) + "}"
	}
	tests := []struct {
		props       map[string]string
		in          string
		want, probl string
	}{
		{map[string]string{"a": "1", "b": "${a}.${a}"}, "v${b}-${project.artifactId}", "v1.1-art", ""},
		{nil, "${project.version}/${pom.groupId}/${version}/${project.packaging}/${project.basedir}", "2.0/grp/2.0/jar/dir", ""},
		{nil, "${project.parent.version}", "${project.parent.version}", "property project.parent.version undefined"},
		{map[string]string{"project.build.sourceEncoding": "UTF-8"}, "${project.build.sourceEncoding}", "UTF-8", ""},
		{nil, "${unclosed", "${unclosed", ""},
		{nil, "${}", "${}", "property  undefined"},
		{doubling, "${p0}", "", ""},
		{growing, "${g0}", "", "interpolation longer than 65536 bytes"},
		{undefinedBelow, "${q0}", "", "interpolation longer than 65536 bytes"},
		{undefinedBelow, "${q28}", "${nope}${nope}${nope}${nope}", "property nope undefined"},
		{chain, "${c0}", "${c32}", "properties nested deeper than 32"},
	}
	for _, tt := range tests {
		m := &model{pom: &pom{artifactID: value{text: "art", set: true}}, groupID: "grp", version: "2.0", props: tt.props,
			expanded: map[string]expansion{}, basedir: "dir"}
		if m.props == nil {
			m.props = map[string]string{}
		}
		start := time.Now()
		got, probl := m.interpolate(tt.in)
		if time.Since(start) > 2*time.Second {
			t.Errorf("interpolate(%q) took %v", tt.in, time.Since(start))
		}
		if got != tt.want || probl != tt.probl {
			t.Errorf("interpolate(%q) = %.60q, %q; want %q, %q", tt.in, got, probl, tt.want, tt.probl)
		}
	}
}

func TestExtractBadInput(t *testing.T) {
	deep := "<project>" + strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200) + "</project>"
	huge := "<project>\n<properties>\n<big>" + strings.Repeat("x", maxValue+1) + "</big></properties></project>"
	many := "<project><dependencies>\n" + strings.Repeat("<dependency><groupId>g</groupId><artifactId>a</artifactId></dependency>\n", maxEntries+1) + "</dependencies></project>"
	extracttest.RunBadInputs(t, New(), "pom.xml", []extracttest.BadInput{
		{Name: "not xml", Data: []byte("plugins {\n  id 'java'\n}\n"), WantLine: 1, WantMsg: "not XML: text outside the root element"},
		{Name: "html error page", Data: []byte("<!DOCTYPE html>\n<html><body>404</body></html>\n"), WantLine: 2, WantMsg: "not a Maven POM: root element <html>"},
		{Name: "settings.xml", Data: []byte("<?xml version=\"1.0\"?>\n<settings>\n</settings>\n"), WantLine: 2, WantMsg: "not a Maven POM: root element <settings>"},
		{Name: "truncated", Data: extracttest.ReadFile(t, "testdata/"+core)[:1200], WantLine: 37, WantCol: 35, WantMsg: "xml: XML syntax error on line 37: unexpected EOF"},
		{Name: "binary garbage", Data: []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xbd"), WantLine: 1, WantMsg: "illegal character code U+001F"},
		{Name: "invalid utf-8", Data: []byte("<project>\n<name>\xff\xfe</name></project>"), WantLine: 2, WantMsg: "invalid UTF-8"},
		{Name: "mismatched tags", Data: []byte("<project>\n<dependencies>\n</project>\n"), WantLine: 3, WantMsg: "element <dependencies> closed by </project>"},
		{Name: "entities", Data: []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE project [<!ENTITY v \"1.0\">]>\n<project><version>&v;</version></project>\n"), WantLine: 2, WantMsg: "DOCTYPE declares entities; refused"},
		{Name: "external entity reference", Data: []byte("<project>\n<version>&xxe;</version></project>"), WantLine: 2, WantMsg: "invalid character entity &xxe;"},
		{Name: "deep nesting", Data: []byte(deep), WantLine: 1, WantMsg: "xml nested deeper than 128 levels"},
		{Name: "huge value", Data: []byte(huge), WantLine: 3, WantMsg: "text of <big> longer than 65536 bytes"},
		{Name: "too many dependencies", Data: []byte(many), WantLine: 10002, WantMsg: "more than 10000 dependencies"},
		{Name: "two roots", Data: []byte("<project/>\n<project/>\n"), WantLine: 2, WantMsg: "data after the root element"},
		{Name: "empty", Data: nil, WantLine: 1, WantMsg: "no <project> element"},
		{Name: "unknown encoding", Data: []byte("<?xml version=\"1.0\" encoding=\"EBCDIC\"?>\n<project/>"), WantLine: 1, WantMsg: `unsupported encoding "EBCDIC"`},
	})
}

func TestExtractProjectWithoutArtifactID(t *testing.T) {
	const path = "pom.xml"
	g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte("<?xml version=\"1.0\"?>\n<project>\n<groupId>g</groupId>\n</project>\n")}}, path)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: path, Line: 2, Msg: "project without artifactId"})
	if diff := cmp.Diff([]*inventory.Root{{ID: path, Kind: inventory.KindManifest, Properties: props("packaging", "jar")}}, g.Roots()); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
}

func TestExtractCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := extracttest.Input(t, os.DirFS("testdata"), core)
	_, err := New().Extract(ctx, in)
	extracttest.CheckError(t, err, extracttest.ErrorWant{Path: core, Line: 1, Msg: "context canceled"})
}

// countingFS counts directory listings; it is comparable, as the walk's
// tree is, so the Extractor may keep its index.
type countingFS struct {
	fs.FS
	reads *int
}

func (c countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	*c.reads++
	return fs.ReadDir(c.FS, name)
}

// TestIndexKept: the POMs of a tree are listed once per scan, however many
// POMs need a BOM.
func TestIndexKept(t *testing.T) {
	reads := 0
	fsys := countingFS{FS: os.DirFS("testdata"), reads: &reads}
	x := New()
	if _, err := extracttest.Extract(t, x, fsys, core); err != nil {
		t.Fatal(err)
	}
	first := reads
	if first == 0 {
		t.Fatal("no directory listed")
	}
	if _, err := extracttest.Extract(t, x, fsys, mdl); err != nil {
		t.Fatal(err)
	}
	if reads != first {
		t.Errorf("%d listings after the second POM, want %d", reads, first)
	}
	other := countingFS{FS: os.DirFS("testdata"), reads: new(int)}
	if _, err := extracttest.Extract(t, x, other, mdl); err != nil {
		t.Fatal(err)
	}
	if *other.reads == 0 {
		t.Error("another tree reused the first tree's index")
	}
}

func TestClaims(t *testing.T) {
	extracttest.CheckClaims(t, New(), map[string]bool{
		"pom.xml":       true,
		"svc/a/pom.xml": true,
		"app.war!/META-INF/maven/org.x/y/pom.xml": false,
		"pom.xml.bak":  false,
		"x.pom":        false,
		"settings.xml": false,
	})
}

func FuzzExtract(f *testing.F) {
	extracttest.AddSeeds(f, "testdata/"+core, "testdata/"+top, "testdata/"+boot, "testdata/"+sgl, "testdata/ci-friendly/core/pom.xml")
	f.Add([]byte("<project><parent><relativePath>..</relativePath><artifactId>maven</artifactId><groupId>org.apache.maven</groupId><version>${x}</version></parent><properties><x>3.8.7</x></properties></project>"))
	root, err := fs.Sub(os.DirFS("testdata"), "multimodule")
	if err != nil {
		f.Fatal(err)
	}
	// The fuzzed POM sits beside maven-core, so parents and the BOM are
	// found in the tree.
	extracttest.Fuzz(f, New(), "maven-fuzz/pom.xml", root, func(t testing.TB, g *inventory.Graph) {
		extracttest.CheckReachable(t, g)
		for _, c := range g.Components() {
			if !c.Direct || c.Ecosystem != "Maven" || len(c.Locations) != 1 || c.Locations[0].Line < 1 {
				t.Fatalf("component %+v", c)
			}
			if c.Version == "" && !c.Unpinned {
				t.Fatalf("component %s has no version and is not unpinned", c.PURL)
			}
		}
	})
}

// TestExtractLarge guards the cost of a POM at the limits: thousands of
// dependencies, managed entries and BOM imports none of which is in the
// tree, so that every dependency is unresolved.
func TestExtractLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("<project><groupId>g</groupId><artifactId>big</artifactId><version>1</version>\n<properties>")
	for i := range 2000 {
		fmt.Fprintf(&b, "<p%d>${p%d}.${p%d}</p%d>", i, i+1, i+1, i)
	}
	b.WriteString("</properties>\n<dependencyManagement><dependencies>\n")
	for i := range 4000 {
		fmt.Fprintf(&b, "<dependency><groupId>b</groupId><artifactId>bom%d</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>\n", i)
	}
	b.WriteString("</dependencies></dependencyManagement>\n<dependencies>\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "<dependency><groupId>d</groupId><artifactId>a%d</artifactId><version>${p%d}</version></dependency>\n", i, i%100)
	}
	b.WriteString("</dependencies></project>\n")
	const path = "big/pom.xml"
	start := time.Now()
	g, err := extracttest.Extract(t, New(), fstest.MapFS{path: {Data: []byte(b.String())}, "other/pom.xml": {Data: []byte("<project><groupId>b</groupId><artifactId>bom1</artifactId><version>2</version></project>")}}, path)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 5000 {
		t.Errorf("%d components, want 5000", g.Len())
	}
	c := g.Component("pkg:maven/d/a0")
	if c == nil || !strings.HasSuffix(c.Properties["unresolved"], "; and 3992 more") || len(c.Properties["unresolved"]) > 1000 {
		t.Errorf("component a0 = %+v, want its reasons capped", c)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("%d dependencies in %v", g.Len(), time.Since(start))
}

// TestWalk runs the real walk over the multimodule tree: every POM is a
// root, maven-core's BOM is found through the walk's tree.
func TestWalk(t *testing.T) {
	res, err := walk.Walk(context.Background(), "testdata/multimodule", walk.Options{Extractors: []extract.Extractor{New()}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	var ids []string
	for _, r := range res.Graph.Roots() {
		ids = append(ids, r.ID)
	}
	want := []string{"maven-bom/pom.xml", "maven-core/pom.xml", "maven-model/pom.xml", "maven-parent/pom.xml", "pom.xml"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	c := res.Graph.Component("pkg:maven/org.apache.maven.resolver/maven-resolver-api@1.6.3")
	if c == nil || c.Properties["version_from"] != "maven-bom/pom.xml:17" {
		t.Errorf("maven-resolver-api = %+v, want its version from the BOM", c)
	}
	// junit is declared once, in the top POM, and inherited by two modules.
	if c := res.Graph.Component("pkg:maven/junit/junit@4.13.2"); c == nil || len(c.Locations) != 1 || c.Locations[0] != (inventory.Location{Path: "pom.xml", Line: 114}) {
		t.Errorf("junit = %+v, want one location, in the top POM", c)
	}
	if got := res.Graph.Parents("pkg:maven/junit/junit@4.13.2"); len(got) != 3 {
		t.Errorf("junit's parents %q, want the top POM and both modules", got)
	}
}
