package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// addFiles seeds f with every testdata file matching pattern, each with
// the extra arguments.
func addFiles(f *testing.F, pattern string, extra ...any) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match %s", pattern)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]any{data}, extra...)...)
	}
}

// plausible says a parsed time could be a registry's.
func plausible(t *testing.T, what string, ts interface{ Year() int }) {
	t.Helper()
	if y := ts.Year(); y < minYear || y > maxYear {
		t.Errorf("%s: year %d accepted", what, y)
	}
}

func FuzzNPMTime(f *testing.F) {
	addFiles(f, "npm/*.json", "1.3.0")
	f.Add([]byte(`{"time":{"1.0.0":"2020-01-01T00:00:00Z"},"versions":{"1.0.0":{}}}`), "1.0.0")
	f.Add([]byte(`{"versions":{"1.0.0":{}},"time":{"1.0.0":7}}`), "1.0.0")
	f.Add([]byte(`{"time":"x","versions":[1,2]}`), "1.0.0")
	f.Add([]byte(`<html>login</html>`), "1.0.0")
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		want := []string{version, "1.0.0"}
		pk, err := parseNPMTime(context.Background(), bytes.NewReader(data), want)
		if err != nil {
			return
		}
		wanted := map[string]bool{version: true, "1.0.0": true}
		for v, ts := range pk.times {
			if !wanted[v] {
				t.Errorf("time of unwanted version %q kept", v)
			}
			plausible(t, v, ts)
		}
		for v := range pk.listed {
			if !wanted[v] {
				t.Errorf("unwanted version %q listed", v)
			}
		}
		// Only a document read to its end can have been judged whole.
		if len(pk.times) < len(wanted) && !json.Valid(data) {
			t.Errorf("invalid JSON accepted: %q", data)
		}
	})
}

func FuzzPyPI(f *testing.F) {
	addFiles(f, "pypi/*.json", "2.31.0")
	f.Add([]byte(`{"urls":[{"upload_time":"2020-01-01T00:00:00"}]}`), "1.0")
	f.Add([]byte(`{"meta":{"api-version":"1.0"},"files":[{"filename":"requests-1.0.tar.gz"}]}`), "1.0")
	f.Add([]byte(`{"meta":{"api-version":"2.0"}}`), "1.0")
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		ctx := context.Background()
		rel, err := parsePyPIJSON(ctx, bytes.NewReader(data))
		if err == nil {
			if !json.Valid(data) {
				t.Errorf("JSON API: invalid JSON accepted: %q", data)
			}
			if (rel.files > 0) == rel.earliest.IsZero() {
				t.Errorf("JSON API: %d files but earliest %v", rel.files, rel.earliest)
			}
			if rel.files > 0 {
				plausible(t, "earliest", rel.earliest)
			}
		}
		idx, err := parsePyPISimple(ctx, bytes.NewReader(data), "requests", []string{version})
		if err == nil {
			if !json.Valid(data) {
				t.Errorf("simple API: invalid JSON accepted: %q", data)
			}
			for v, ts := range idx.times {
				if v != version {
					t.Errorf("simple API: time of unwanted version %q", v)
				}
				if !idx.listed[v] {
					t.Errorf("simple API: %q has a time but is not listed", v)
				}
				plausible(t, v, ts)
			}
		}
	})
}

func FuzzCrates(f *testing.F) {
	addFiles(f, "crates/*.json", "1.0.197")
	f.Add([]byte(`{"version":{"num":"1.0.0","created_at":"2020-01-01T00:00:00+00:00"}}`), "1.0.0")
	f.Add([]byte(`{"versions":[{"num":"1.0.0","created_at":"bad"}],"meta":{"next_page":"?page=2"}}`), "1.0.0")
	f.Add([]byte(`{"dl":"https://x","api":"https://u:p@x"}`), "")
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		if v, err := parseCrateVersion(bytes.NewReader(data)); err == nil {
			if v.num == "" {
				t.Error("version without num accepted")
			}
			plausible(t, v.num, v.created)
		}
		p, err := parseCrateVersions(context.Background(), bytes.NewReader(data), []string{version})
		if err == nil {
			if !json.Valid(data) {
				t.Errorf("versions: invalid JSON accepted: %q", data)
			}
			for v, ts := range p.times {
				if v != version {
					t.Errorf("versions: time of unwanted version %q", v)
				}
				plausible(t, v, ts)
			}
		}
		if api, err := parseCratesIndexConfig(bytes.NewReader(data)); err == nil {
			u, perr := url.Parse(api)
			if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				t.Errorf("index config api %q accepted", api)
			}
		}
	})
}

func FuzzGoInfo(f *testing.F) {
	addFiles(f, "go/*.info")
	f.Add([]byte(`{"Version":"v1.0.0","Time":"2019-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"Version":"v1.0.0"}`))
	f.Add([]byte(`{"Version":1,"Time":null}`))
	f.Add([]byte(`{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z"} trailing`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseGoInfo(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Errorf("invalid JSON accepted: %q", data)
		}
		plausible(t, info.Version, info.Time)
	})
}

// FuzzConfig feeds the configuration parsers (.npmrc, pip.conf, go env
// files, cargo TOML, GOPROXY entries) the same bytes.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("registry=https://r.example/\n@corp:registry=\"https://c.example/\"\n//r.example/:_authToken=${TOKEN}\n; comment\n[section]\nx=y\n"))
	f.Add([]byte("[global]\nindex-url = https://u:p@pypi.example/simple\n  continued\n[install]\nINDEX_URL: x\n"))
	f.Add([]byte("GOPROXY=https://proxy.example,direct\nGOPRIVATE=*.corp\n# comment\n"))
	f.Add([]byte("[source.crates-io]\nreplace-with = \"m\"\n[source.m]\nregistry = \"sparse+https://m.example/\"\n"))
	f.Add([]byte(`\${A} \\${B?} ${C`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range parseNpmrc(data) {
			if e.key == "" || e.line < 1 || e.line > lines {
				t.Errorf("npmrc entry %+v (of %d lines)", e, lines)
			}
		}
		getenv := func(k string) string {
			if k == "SET" {
				return "value"
			}
			return ""
		}
		if out, missing := expandNpmEnv(string(data), getenv); len(out) > len(data)*6+16 {
			t.Errorf("expansion grew %d bytes to %d (missing %v)", len(data), len(out), missing)
		}
		for section, kv := range parsePipConf(data) {
			for k := range kv {
				if k != strings.ToLower(k) || strings.Contains(k, "_") {
					t.Errorf("pip key %q in [%s] not normalised", k, section)
				}
			}
		}
		for k := range readGoEnvFile(data) {
			if k == "" || k[0] < 'A' || k[0] > 'Z' {
				t.Errorf("go env key %q", k)
			}
		}
		var cfg cargoConfig
		_ = toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
		for _, line := range strings.Split(string(data), "\n") {
			if r := redactList(line); !strings.Contains(line, "@") && r != line {
				t.Errorf("redactList(%q) = %q changed a list without credentials", line, r)
			}
			for _, e := range strings.FieldsFunc(line, func(c rune) bool { return c == ',' || c == '|' }) {
				if u := goProxyEntry(e); u != nil {
					if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" {
						t.Errorf("GOPROXY entry %q gave scheme %q", e, u.Scheme)
					}
					jsonBase, simple := pypiBases(u, false)
					if simple == "" || strings.HasSuffix(jsonBase, "/simple") {
						t.Errorf("pypiBases(%s) = %q, %q", u, jsonBase, simple)
					}
				}
			}
		}
	})
}
