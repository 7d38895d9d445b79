package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestClassify checks how what a peer found and vouch did not is told
// apart, from the tools' JSON as they write it.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		name        string
		root        string // the input, relative to the test's directory
		peer, vouch string // JSON documents
		want        []string
	}{
		{
			name:  "jar named by guesswork",
			root:  "in",
			vouch: `{"components":[{"purl":"pkg:maven/bcprov/bcprov@1.72","locations":[{"path":"lib/bcprov-1.72.jar"}]}]}`,
			peer:  `{"artifacts":[{"name":"bcprov","version":"1.72","purl":"pkg:maven/org.bouncycastle/bcprov@1.72","metadata":{"virtualPath":"/lib/bcprov-1.72.jar"}}]}`,
			want:  []string{"maven other org.bouncycastle:bcprov@1.72 = bcprov:bcprov@1.72", "maven vouch-only 0"},
		},
		{
			name: "second name of a jar",
			root: "in",
			vouch: `{"components":[{"purl":"pkg:maven/org.eclipse.jetty/jetty-http@9.4.57","locations":[{"path":"lib/jetty9-http.jar"}]},
				{"purl":"pkg:maven/org.example/other@1.0","locations":[{"path":"lib/other.jar"}]}]}`,
			peer: `{"artifacts":[{"purl":"pkg:maven/org.eclipse.jetty/jetty-http@9.4.57","metadata":{"virtualPath":"/lib/jetty9-http.jar"}},
				{"purl":"pkg:maven/org.eclipse.jetty.http/http@9.4.57","metadata":{"virtualPath":"/lib/jetty9-http.jar"}},
				{"purl":"pkg:maven/org.example/other@1.0","metadata":{"virtualPath":"/lib/other.jar"}}]}`,
			want: []string{"maven dup org.eclipse.jetty.http:http@9.4.57 = org.eclipse.jetty:jetty-http@9.4.57", "maven vouch-only 0"},
		},
		{
			name: "roots, with or without a version, and Cargo's local packages",
			root: "in",
			vouch: `{"components":[],"roots":[{"purl":"pkg:npm/app"},
				{"purl":"pkg:cargo/myapp@0.3.0","properties":{"local_packages":"myapp-cli@0.1.0,myapp-core@0.3.0"}}]}`,
			peer: `{"artifacts":[{"purl":"pkg:npm/app@0.0.0-use.local","locations":[{"path":"/yarn.lock"}]},
				{"purl":"pkg:cargo/myapp-cli@0.1.0","locations":[{"path":"/Cargo.lock"}]}]}`,
			want: []string{"cargo root myapp-cli@0.1.0", "npm root app@0.0.0-use.local"},
		},
		{
			name:  "an alias in a lockfile, and a real miss beside it",
			root:  "in",
			vouch: `{"components":[{"purl":"pkg:npm/left-pad@1.3.0","properties":{"alias":"mirrored"},"locations":[{"path":"yarn.lock","line":92}]}]}`,
			peer: `{"artifacts":[{"purl":"pkg:npm/mirrored@1.3.0","locations":[{"path":"/yarn.lock"}]},
				{"purl":"pkg:npm/pnpm@10.18.0","locations":[{"path":"/yarn.lock"}]}]}`,
			want: []string{"npm other mirrored@1.3.0 = left-pad@1.3.0", "npm missing pnpm@10.18.0", "npm vouch-only 0"},
		},
		{
			name:  "places inside an image archive",
			root:  "img/docker.tar",
			vouch: `{"components":[{"purl":"pkg:maven/spring-aop/spring-aop@4.3.30","locations":[{"path":"docker.tar!/app/a.war!/WEB-INF/lib/spring3-aop-3.x.jar"}]}]}`,
			peer:  `{"artifacts":[{"purl":"pkg:maven/spring3-aop/spring3-aop@3.x","metadata":{"virtualPath":"/app/a.war:WEB-INF/lib/spring3-aop-3.x.jar"}}]}`,
			want:  []string{"maven other spring3-aop:spring3-aop@3.x = spring-aop:spring-aop@4.3.30", "maven vouch-only 0"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, c.root)
			mine, roots, err := loadWhere("vouch", write(t, dir, "vouch.json", c.vouch), root)
			if err != nil {
				t.Fatal(err)
			}
			theirs, _, err := loadWhere("syft", write(t, dir, "syft.json", c.peer), root)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, summary(classify(mine, roots, theirs))); diff != "" {
				t.Errorf("classify (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClassifyOSVScanner checks that osv-scanner's places, the outer file
// as an absolute path, are taken to hold what vouch found inside them.
func TestClassifyOSVScanner(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "f-java")
	mine, roots, err := loadWhere("vouch", write(t, dir, "vouch.json",
		`{"components":[{"purl":"pkg:maven/spring-aop/spring-aop@4.3.30","locations":[{"path":"deploy/a.war!/WEB-INF/lib/spring3-aop-3.x.jar"}]},
		{"purl":"pkg:maven/xercesImpl/xercesImpl@2.12.0","locations":[{"path":"deploy/a.war!/WEB-INF/lib/xercesImpl-2.12.0.jar"}]}]}`), root)
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := loadWhere("osv-scanner", write(t, dir, "osv.json",
		`{"results":[{"source":{"path":"`+root+`/deploy/a.war"},"packages":[
		{"package":{"name":"spring-aop:spring3-aop","version":"3.x","ecosystem":"Maven"}},
		{"package":{"name":"org.apache.xerces:xercesImpl","version":"2.12.0","ecosystem":"Maven"}}]}]}`), root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"maven other org.apache.xerces:xercesImpl@2.12.0 = xercesImpl:xercesImpl@2.12.0",
		"maven other spring-aop:spring3-aop@3.x = spring-aop:spring-aop@4.3.30",
		"maven vouch-only 0",
	}
	if diff := cmp.Diff(want, summary(classify(mine, roots, theirs))); diff != "" {
		t.Errorf("classify (-want +got):\n%s", diff)
	}
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// summary writes a classification as lines: "eco kind peer = vouch, ..."
// per peer-only component, and "eco vouch-only N" when anything of the
// ecosystem was not a root.
func summary(names []string, rs map[string]*ecoResult) []string {
	var out []string
	for _, e := range names {
		r := rs[e]
		roots := 0
		for _, x := range r.only {
			l := e + " " + x.kind + " " + x.c.String()
			if x.kind == "root" {
				roots++
			}
			if len(x.as) > 0 {
				var as []string
				for _, c := range x.as {
					as = append(as, c.String())
				}
				l += " = " + strings.Join(as, ", ")
			}
			out = append(out, l)
		}
		if roots < len(r.only) || len(r.vouchOnly) > 0 {
			out = append(out, e+" vouch-only "+strconv.Itoa(len(r.vouchOnly)))
		}
	}
	return out
}
