package cli

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/internal/schematest"
)

// gateProject copies testdata/gate into a temporary directory ("dot-"
// names become dot files) and serves npm packuments for its packages
// over loopback: fresh-pkg was published five days ago, the rest years ago.
func gateProject(t *testing.T) (dir, registry string) {
	t.Helper()
	dir = t.TempDir()
	err := filepath.WalkDir("testdata/gate", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("testdata/gate", p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		for i, s := range parts {
			parts[i] = strings.Replace(s, "dot-", ".", 1)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(strings.Join(parts, "/")))
		os.MkdirAll(filepath.Dir(out), 0o755)
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	fresh := time.Now().UTC().Add(-5 * 24 * time.Hour).Format(time.RFC3339)
	published := map[string]map[string]string{
		"chalk":     {"5.3.0": "2023-06-29T16:12:08.000Z"},
		"left-pad":  {"1.3.0": "2018-04-09T01:35:24.000Z"},
		"gpl-lib":   {"2.0.0": "2021-02-01T10:00:00.000Z"},
		"fresh-pkg": {"1.0.0": fresh},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		times, ok := published[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		doc := map[string]any{"name": name, "dist-tags": map[string]string{}, "versions": map[string]any{}, "time": map[string]string{}}
		for v, at := range times {
			doc["versions"].(map[string]any)[v] = map[string]string{"name": name, "version": v}
			doc["time"].(map[string]string)[v] = at
			doc["time"].(map[string]string)["created"] = at
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("VOUCH_DB", filepath.Join(t.TempDir(), "none.db"))
	return dir, srv.URL
}

// TestPolicyGate runs the whole gate over a project holding one violation
// of each kind, an expired and a stale exception.
func TestPolicyGate(t *testing.T) {
	dir, reg := gateProject(t)
	args := []string{"policy", "check", dir, "--registry", "npm=" + reg}

	out, errOut, code := run(t, append(args, "--format", "json")...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFindings, out, errOut)
	}
	var doc struct {
		Pass       bool `json:"pass"`
		Violations []struct {
			Rule, Name, Reason string
			Locations          []struct {
				Path string
				Line int
			}
		} `json:"violations"`
		Warnings []struct{ Rule, Name string } `json:"warnings"`
		Expired  []struct{ Rule, Component string }
		Stale    []struct{ Rule, Component string }
	}
	doc2 := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(out), &doc2); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(doc2["expired_exceptions"], &doc.Expired)
	json.Unmarshal(doc2["stale_exceptions"], &doc.Stale)
	var got []string
	where := map[string]string{}
	for _, v := range doc.Violations {
		key := v.Rule + " " + v.Name
		got = append(got, key)
		if len(v.Locations) > 0 {
			where[key] = fmt.Sprintf("%s:%d", v.Locations[0].Path, v.Locations[0].Line)
		}
	}
	slices.Sort(got)
	want := []string{
		"actions-pinned actions/checkout",
		"integrity fresh-pkg",
		"license gpl-lib",
		"lockfile svc/pyproject.toml",
		"min-release-age fresh-pkg",
		"unused left-pad",
		"unused requests", // svc declares it and imports nothing
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s\n%s", diff, out)
	}
	for key, loc := range map[string]string{
		"unused left-pad":                 "package.json:6",
		"actions-pinned actions/checkout": ".github/workflows/ci.yml:7",
		"license gpl-lib":                 "package-lock.json:31",
	} {
		if where[key] != loc {
			t.Errorf("%s at %q, want %q", key, where[key], loc)
		}
	}
	if doc.Pass {
		t.Error("pass = true")
	}
	if len(doc.Expired) != 1 || doc.Expired[0].Component != "pkg:npm/fresh-pkg" {
		t.Errorf("expired = %+v", doc.Expired)
	}
	if len(doc.Stale) != 1 || doc.Stale[0].Component != "pkg:npm/no-such-package" {
		t.Errorf("stale = %+v", doc.Stale)
	}

	t.Run("table", func(t *testing.T) {
		out, _, code := run(t, args...)
		if code != ExitFindings {
			t.Fatalf("exit %d", code)
		}
		for _, s := range []string{"FAIL     min-release-age  pkg:npm/fresh-pkg@1.0.0", "EXPIRED  exception for integrity pkg:npm/fresh-pkg",
			"STALE    exception for license pkg:npm/no-such-package", ": FAIL — "} {
			if !strings.Contains(out, s) {
				t.Errorf("table lacks %q:\n%s", s, out)
			}
		}
	})
	t.Run("sarif", func(t *testing.T) {
		out, _, _ := run(t, append(args, "--format", "sarif")...)
		if !strings.Contains(out, `"ruleId": "policy/unused"`) || !strings.Contains(out, `"startLine": 6`) {
			t.Errorf("no unused result at package.json:6:\n%s", out)
		}
		schematest.Validate(t, "sarif-2.1.0.schema.json", []byte(out))
	})
	t.Run("markdown", func(t *testing.T) {
		out, _, _ := run(t, append(args, "--format", "markdown")...)
		if !strings.HasPrefix(out, "## vouch policy ❌ failed") || !strings.Contains(out, "| min-release-age |") {
			t.Errorf("markdown:\n%s", out)
		}
	})
	t.Run("explain", func(t *testing.T) {
		out, errOut, code := run(t, "policy", "explain", "fresh-pkg", dir, "--registry", "npm="+reg)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, s := range []string{"pkg:npm/fresh-pkg@1.0.0", "FAIL     min-release-age", "FAIL     integrity", "PASS     license"} {
			if !strings.Contains(out, s) {
				t.Errorf("explain lacks %q:\n%s", s, out)
			}
		}
	})
	t.Run("offline", func(t *testing.T) {
		// The cache filled above answers; nothing is asked.
		out, _, _ := run(t, append(args, "--offline", "--registry", "npm=http://127.0.0.1:1", "--format", "json")...)
		if !strings.Contains(out, `"rule": "min-release-age"`) {
			t.Errorf("offline run lost the release times:\n%s", out)
		}
	})
	t.Run("scan applies the policy", func(t *testing.T) {
		out, errOut, code := run(t, "scan", dir, "--registry", "npm="+reg)
		if code != ExitFindings || !strings.Contains(errOut, "policy") || !strings.Contains(out, "FAIL     unused") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
		_, _, code = run(t, "scan", dir, "--no-policy")
		if code != 0 {
			t.Errorf("--no-policy: exit %d", code)
		}
	})
}

func TestPolicyInitAndErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vouch.yaml")
	if _, errOut, code := run(t, "policy", "init", "--output", path); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(path)
	for _, s := range []string{"require_lockfile: true", "60d", "version: 1"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("init policy lacks %q", s)
		}
	}
	if _, errOut, code := run(t, "policy", "init", "--output", path); code != ExitUsage || !strings.Contains(errOut, "--force") {
		t.Errorf("second init: exit %d: %s", code, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\npinning:\n  integrty: true\n"), 0o644)
	_, errOut, code := run(t, "policy", "check", dir, "--policy", bad)
	if code != ExitUsage || !strings.Contains(errOut, "bad.yaml:3:3") {
		t.Errorf("bad policy: exit %d: %s", code, errOut)
	}
	_, errOut, code = run(t, "policy", "check", t.TempDir())
	if code != ExitUsage || !strings.Contains(errOut, "vouch policy init") {
		t.Errorf("no policy: exit %d: %s", code, errOut)
	}
}
