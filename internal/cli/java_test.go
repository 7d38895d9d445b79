package cli

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archiveOf returns a zip archive of the given entries, each stored or
// deflated as asked: Spring Boot stores its nested jars.
func archiveOf(t *testing.T, entries map[string][]byte, stored bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range entries {
		method := zip.Deflate
		if stored {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pomProperties(group, artifact, version string) []byte {
	return []byte("#Created by Apache Maven 3.8.7\ngroupId=" + group + "\nartifactId=" + artifact + "\nversion=" + version + "\n")
}

// TestWhyThroughArchives is the Log4j case of the seed: log4j-core
// 2.14.1 inside a Spring Boot fat jar inside a WAR is found, and "why"
// names the archives it is buried in, by artifactId alone.
func TestWhyThroughArchives(t *testing.T) {
	log4j := archiveOf(t, map[string][]byte{
		"META-INF/MANIFEST.MF": []byte("Manifest-Version: 1.0\r\nImplementation-Title: Apache Log4j Core\r\nImplementation-Version: 2.14.1\r\n\r\n"),
		"META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties": pomProperties("org.apache.logging.log4j", "log4j-core", "2.14.1"),
		"org/apache/logging/log4j/core/Logger.class":                        []byte("\xca\xfe\xba\xbe"),
	}, false)
	fat := archiveOf(t, map[string][]byte{
		"META-INF/maven/com.example/fat/pom.properties": pomProperties("com.example", "fat", "2.0.0"),
		"BOOT-INF/lib/log4j-core-2.14.1.jar":            log4j,
	}, true)
	war := archiveOf(t, map[string][]byte{
		"META-INF/maven/com.example/app/pom.properties": pomProperties("com.example", "app", "1.0.0"),
		"WEB-INF/lib/fat-2.0.0.jar":                     fat,
	}, false)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deploy", "app.war"), war, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "why", "log4j-core", dir)
	if code != 0 {
		t.Fatalf("vouch why: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"org.apache.logging.log4j:log4j-core@2.14.1 (pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1)",
		"deploy/app.war → com.example:fat@2.0.0 → org.apache.logging.log4j:log4j-core@2.14.1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("vouch why log4j-core: missing %q in:\n%s", want, out)
		}
	}
}
