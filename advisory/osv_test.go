package advisory

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/extract"
)

// sharedZip returns the path of a real OSV export shared by the project, or
// skips the test when the shared data is not there (a checkout on its own).
func sharedZip(t testing.TB, ecosystem string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "osv", ecosystem, "all.zip")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real OSV export %s not available (%v): the shared data lives in ../shared/osv beside the repository", p, err)
	}
	return p
}

// sharedRecord returns one record's bytes from a shared export.
func sharedRecord(t testing.TB, ecosystem, id string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(sharedZip(t, ecosystem))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(id + ".json")
	if err != nil {
		t.Fatalf("%s/all.zip: %v", ecosystem, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "records", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParse(t *testing.T) {
	tests := []struct {
		file string
		want *Vulnerability
	}{
		{
			file: "minimal.json",
			want: &Vulnerability{
				ID:       "OSV-2024-0001",
				Modified: mustTime("2024-05-01T10:00:00Z"),
				Affected: []Affected{{
					Package: Package{Ecosystem: "npm", Name: "left-pad"},
					Ranges:  []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "1.3.0"}}}},
				}},
			},
		},
		{
			file: "full.json",
			want: &Vulnerability{
				SchemaVersion: "1.6.0",
				ID:            "GHSA-xxxx-yyyy-zzzz",
				Modified:      mustTime("2024-06-02T03:04:05.123456Z"),
				Published:     mustTime("2024-06-01T00:00:00Z"),
				Aliases:       []string{"CVE-2024-0001"},
				Related:       []string{"GHSA-aaaa-bbbb-cccc"},
				Summary:       "Prototype pollution in example",
				Details:       "Long text.",
				Severity:      []Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
				Affected: []Affected{{
					Package: Package{Ecosystem: "PyPI", Name: "Example_Pkg", PURL: "pkg:pypi/example-pkg"},
					Ranges: []Range{
						{Type: RangeEcosystem, Events: []Event{{Introduced: "1.0"}, {Fixed: "1.4.2"}}, DatabaseSpecific: json.RawMessage(`{"source": "x"}`)},
						{Type: RangeGit, Repo: "https://github.com/example/pkg", Events: []Event{{Introduced: "0"}, {Limit: "0123456789abcdef0123456789abcdef01234567"}}},
					},
					Versions:          []string{"1.0", "1.4.1"},
					EcosystemSpecific: json.RawMessage(`{"imports": [{"path": "x"}]}`),
					DatabaseSpecific:  json.RawMessage(`{"cwe": ["CWE-1321"]}`),
				}},
				References:       []Reference{{Type: "ADVISORY", URL: "https://example.com/a"}},
				Credits:          []Credit{{Name: "Ada", Contact: []string{"mailto:ada@example.com"}, Type: "FINDER"}},
				DatabaseSpecific: json.RawMessage(`{"severity": "HIGH"}`),
			},
		},
		{
			file: "withdrawn.json",
			want: &Vulnerability{
				ID:        "OSV-8",
				Modified:  mustTime("2024-05-01T10:00:00Z"),
				Withdrawn: mustTime("2024-05-02T00:00:00Z"),
				Affected: []Affected{{
					Package: Package{Ecosystem: "npm", Name: "x"},
					Ranges:  []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}}}},
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(readFixture(t, tt.file), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file    string
		data    []byte // instead of the file, when set
		line    int
		invalid bool   // wraps ErrInvalid
		msg     string // part of the message
	}{
		{file: "truncated.json", line: 5, msg: "unexpected end of JSON input"},
		{file: "not-json.json", line: 1, msg: "invalid character 'h' in literal true"},
		{file: "binary.json", line: 1, msg: "invalid character '\\x00'"},
		{file: "wrong-types.json", line: 4, msg: "cannot unmarshal object into Go struct field Vulnerability.affected of type []advisory.Affected"},
		{file: "bad-timestamp.json", msg: `parsing time "yesterday"`},
		{file: "no-id.json", invalid: true, msg: "no id"},
		{file: "unknown-range-type.json", invalid: true, msg: `affected[0]: ranges[0]: invalid osv record: unknown range type "DATE"`},
		{file: "two-field-event.json", invalid: true, msg: "events[0]: want exactly one of introduced, fixed, last_affected, limit, got 2"},
		{file: "no-introduced.json", invalid: true, msg: "range without an introduced event"},
		{file: "git-without-repo.json", invalid: true, msg: "GIT range without repo"},
		{file: "empty.json", data: []byte(" \n"), msg: "empty file"},
		{file: "huge.json", data: make([]byte, MaxRecordSize+1), msg: "input exceeds size limit"},
		{file: "deep.json", line: 1, data: []byte(`{"id":"X-1","database_specific":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), msg: "exceeded max depth"},
		{file: "bad-id.json", data: []byte(`{"id":"../etc/passwd","modified":"2024-01-01T00:00:00Z"}`), invalid: true, msg: `unexpected character '/'`},
		{file: "control.json", data: []byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"a\u0000b"}}]}`), invalid: true, msg: "package name"},
		{file: "empty-event.json", data: []byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{}]}]}]}`), invalid: true, msg: "got 0"},
		{file: "no-name.json", data: []byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"npm"}}]}`), invalid: true, msg: "package needs ecosystem and name"},
		{file: "no-events.json", data: []byte(`{"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[]}]}]}`), invalid: true, msg: "range without events"},
		{file: "trailing.json", data: []byte(`{"id":"X-1"} {"id":"X-2"}`), line: 1, msg: "invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = readFixture(t, tt.file)
			}
			v, err := Parse(data, "dir/"+tt.file)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", v)
			}
			var e *extract.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *extract.Error", err, err)
			}
			if e.Path != "dir/"+tt.file || e.Line != tt.line {
				t.Errorf("error at %s:%d, want dir/%s:%d", e.Path, e.Line, tt.file, tt.line)
			}
			if got := errors.Is(err, ErrInvalid); got != tt.invalid {
				t.Errorf("errors.Is(ErrInvalid) = %v, want %v (%v)", got, tt.invalid, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "dir/"+tt.file) {
				t.Errorf("error %q does not name the file and say %q", err, tt.msg)
			}
		})
	}
}

// TestParseReal checks a real record field by field, and that every record
// of the shared exports passes validation: a validation stricter than real
// data would silently drop advisories.
func TestParseReal(t *testing.T) {
	got, err := Parse(sharedRecord(t, "Go", "GO-2024-2687"), "GO-2024-2687.json")
	if err != nil {
		t.Fatal(err)
	}
	want := &Vulnerability{
		SchemaVersion: "1.3.1",
		ID:            "GO-2024-2687",
		Aliases:       []string{"CVE-2023-45288", "GHSA-4v7x-pqxf-cx7m"},
		Summary:       "HTTP/2 CONTINUATION flood in net/http",
		Affected: []Affected{
			{
				Package: Package{Ecosystem: "Go", Name: "stdlib"},
				Ranges: []Range{{Type: RangeSemver, Events: []Event{
					{Introduced: "0"}, {Fixed: "1.21.9"}, {Introduced: "1.22.0-0"}, {Fixed: "1.22.2"},
				}}},
			},
			{
				Package: Package{Ecosystem: "Go", Name: "golang.org/x/net"},
				Ranges: []Range{{Type: RangeSemver, Events: []Event{
					{Introduced: "0"}, {Fixed: "0.23.0"},
				}}},
			},
		},
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(Vulnerability{}, "Details", "References", "Credits", "DatabaseSpecific"),
		cmpopts.IgnoreFields(Affected{}, "EcosystemSpecific"),
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("GO-2024-2687 (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(got.Affected[0].EcosystemSpecific), `"path": "net/http"`) {
		t.Errorf("ecosystem_specific not kept: %.100s", got.Affected[0].EcosystemSpecific)
	}

	for _, eco := range []string{"Go", "PyPI"} {
		zr, err := zip.OpenReader(sharedZip(t, eco))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(data, f.Name); err != nil {
				t.Errorf("%s/all.zip: %v", eco, err)
			}
			n++
		}
		zr.Close()
		if n < 1000 {
			t.Errorf("%s/all.zip: only %d records", eco, n)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "records", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data, "fuzz.json")
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || e.Path != "fuzz.json" {
				t.Fatalf("error %v is not an *extract.Error naming fuzz.json", err)
			}
			return
		}
		if v.ID == "" {
			t.Fatal("record without id accepted")
		}
		for _, a := range v.Affected {
			for _, r := range a.Ranges {
				if r.Type != RangeSemver && r.Type != RangeEcosystem && r.Type != RangeGit {
					t.Fatalf("range type %q accepted", r.Type)
				}
				for _, e := range r.Events {
					if _, _, n := e.kindValue(); n != 1 {
						t.Fatalf("event %+v accepted", e)
					}
				}
			}
			// Evaluation must not panic on whatever was accepted.
			for _, ver := range []string{"0", "1.0.0", "v1.2.3", "", "0123456789abcdef0123456789abcdef01234567"} {
				_, _ = a.Affects(a.Package.Ecosystem, a.Package.Name, ver)
			}
		}
		// A record that parsed survives the round trip the store makes.
		data2, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(data2, "fuzz.json"); err != nil {
			t.Fatalf("re-parse of marshalled record: %v", err)
		}
	})
}
