package known

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/purl"
)

// The incidents, by id, for the tables below.
const (
	eslintScope    = "VOUCH-KNOWN-2018-0001"
	eventStream    = "VOUCH-KNOWN-2018-0002"
	restClient     = "VOUCH-KNOWN-2019-0001"
	uaParser       = "VOUCH-KNOWN-2021-0001"
	coaRC          = "VOUCH-KNOWN-2021-0002"
	colorsFaker    = "VOUCH-KNOWN-2022-0001"
	nodeIPC        = "VOUCH-KNOWN-2022-0002"
	peaceNotWar    = "VOUCH-KNOWN-2022-0003"
	ctxPyPI        = "VOUCH-KNOWN-2022-0004"
	xz             = "VOUCH-KNOWN-2024-0001"
	solana         = "VOUCH-KNOWN-2024-0002"
	ultralytics    = "VOUCH-KNOWN-2024-0003"
	tjActions      = "VOUCH-KNOWN-2025-0001"
	prettier       = "VOUCH-KNOWN-2025-0002"
	debugChalk     = "VOUCH-KNOWN-2025-0003"
	tjBadCommit    = "0e58ed8671d6b60d0890c21b07f8835ace038e67"
	someOtherSHA   = "4e0a3e5b6c2d1f0a9b8c7d6e5f4a3b2c1d0e9f8a"
	debianUnstable = "Debian:13"
)

var idPattern = regexp.MustCompile(`^VOUCH-KNOWN-(\d{4})-\d{4}$`)

// meta is the database_specific object every record carries.
type meta struct {
	Kind          string `json:"kind"`
	Reviewed      string `json:"reviewed"`
	SourceChecked string `json:"source_checked"`
}

// TestEmbedded checks the set as shipped: every file parses, its id is
// well-formed, unique and its file name, and it says what it is, when it
// was reviewed, what it was checked against and where to read more.
func TestEmbedded(t *testing.T) {
	recs, errs := load(data)
	for _, err := range errs {
		t.Errorf("embedded record: %v", err)
	}
	if len(recs) != 15 {
		t.Errorf("%d embedded records, want 15 (update this count with the set)", len(recs))
	}
	asOf, err := time.Parse(time.DateOnly, AsOf)
	if err != nil {
		t.Fatalf("AsOf %q: %v", AsOf, err)
	}
	seen := map[string]bool{}
	for _, v := range recs {
		if seen[v.ID] {
			t.Errorf("%s: duplicate id", v.ID)
		}
		seen[v.ID] = true
		m := idPattern.FindStringSubmatch(v.ID)
		if m == nil {
			t.Errorf("%s: id does not match %s", v.ID, idPattern)
			continue
		}
		if got := v.Published.Format("2006"); got != m[1] {
			t.Errorf("%s: published %s, but the id names the year %s", v.ID, v.Published.Format(time.DateOnly), m[1])
		}
		if v.Published.After(v.Modified) || v.Modified.After(asOf) {
			t.Errorf("%s: published %v, modified %v, AsOf %s: want published <= modified <= AsOf", v.ID, v.Published, v.Modified, AsOf)
		}
		if v.Summary == "" || len(v.Details) < 200 || !strings.Contains(v.Details, "What to do:") {
			t.Errorf("%s: want a summary and details that end with what to do", v.ID)
		}
		if len(v.References) == 0 {
			t.Errorf("%s: no references", v.ID)
		}
		for _, r := range v.References {
			if !strings.HasPrefix(r.URL, "https://") {
				t.Errorf("%s: reference %q is not https", v.ID, r.URL)
			}
		}
		if len(v.Affected) == 0 {
			t.Errorf("%s: affects nothing", v.ID)
		}
		// A package's purl, when given, names the same package (the
		// qualifiers say it is the source package).
		for _, a := range v.Affected {
			if a.Package.PURL == "" {
				continue
			}
			got, _, _ := strings.Cut(a.Package.PURL, "?")
			if want := purl.For(a.Package.Ecosystem, a.Package.Name, "", nil); got != want {
				t.Errorf("%s: %s/%s has purl %s, want %s", v.ID, a.Package.Ecosystem, a.Package.Name, got, want)
			}
		}
		var md meta
		if err := json.Unmarshal(v.DatabaseSpecific, &md); err != nil {
			t.Errorf("%s: database_specific: %v", v.ID, err)
			continue
		}
		if !slices.Contains([]string{"malicious", "compromised", "sabotage"}, md.Kind) {
			t.Errorf("%s: kind %q", v.ID, md.Kind)
		}
		if md.Reviewed != AsOf {
			t.Errorf("%s: reviewed %q, want AsOf %s", v.ID, md.Reviewed, AsOf)
		}
		if len(md.SourceChecked) < 20 {
			t.Errorf("%s: source_checked %q does not name an advisory", v.ID, md.SourceChecked)
		}
		for _, rel := range v.Related {
			if !idPattern.MatchString(rel) {
				t.Errorf("%s: related %q is not a record of the set", v.ID, rel)
			}
		}
	}
	for _, v := range recs {
		for _, rel := range v.Related {
			if !seen[rel] {
				t.Errorf("%s: related %s is not in the set", v.ID, rel)
			}
		}
	}
	if got := Records(); len(got) != len(recs) {
		t.Errorf("Records() returned %d records, the files hold %d", len(got), len(recs))
	}
	if got := Index().Len(); got != len(recs) {
		t.Errorf("Index() holds %d records, want %d", got, len(recs))
	}
}

// TestSchema validates every file against the OSV schema. The schema allows
// only registered id prefixes and "x_", the one it leaves for unregistered
// databases such as this set; the id is checked by TestEmbedded instead, and
// replaced by "x_<id>" here so that every other field is still validated.
func TestSchema(t *testing.T) {
	names, err := fs.Glob(data, "data/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("glob: %v, %d files", err, len(names))
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := fs.ReadFile(data, name)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			doc["id"] = "x_" + doc["id"].(string)
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			schematest.Validate(t, "osv.schema.json", out)
		})
	}
}

// match is one component and the records it must match: exactly those, no
// more (an adjacent clean version matches none).
type match struct {
	ecosystem, name, version string
	want                     []string
	unknown                  []string // records that cannot decide, by id
}

func yes(ecosystem, name, id string, versions ...string) []match {
	var out []match
	for _, v := range versions {
		out = append(out, match{ecosystem, name, v, []string{id}, nil})
	}
	return out
}

func no(ecosystem, name string, versions ...string) []match {
	var out []match
	for _, v := range versions {
		out = append(out, match{ecosystem, name, v, nil, nil})
	}
	return out
}

// matches lists, for every incident, the versions the advisory names and
// the clean versions either side of them: the release before and the fix
// after where there is one.
func matches() []match {
	var m []match
	add := func(ms ...[]match) {
		for _, x := range ms {
			m = append(m, x...)
		}
	}
	add(
		// eslint-scope: 3.7.3 republished the 3.7.1 code.
		yes("npm", "eslint-scope", eslintScope, "3.7.2"),
		no("npm", "eslint-scope", "3.7.1", "3.7.3", "4.0.0"),
		yes("npm", "eslint-config-eslint", eslintScope, "5.0.2"),
		no("npm", "eslint-config-eslint", "5.0.1", "6.0.0"),

		// event-stream: 3.3.4 is the last release by the original
		// author; flatmap-stream is malicious in every version, even
		// one not known.
		yes("npm", "event-stream", eventStream, "3.3.6"),
		no("npm", "event-stream", "3.3.4", "3.3.5", "4.0.0", "4.0.1"),
		yes("npm", "flatmap-stream", eventStream, "0.1.1", "0.1.0", ""),

		// rest-client: 1.6.14 is 1.6.9 republished, though GHSA's range
		// would include it.
		yes("RubyGems", "rest-client", restClient, "1.6.10", "1.6.11", "1.6.12", "1.6.13"),
		no("RubyGems", "rest-client", "1.6.9", "1.6.14", "1.7.0", "2.1.0"),

		yes("npm", "ua-parser-js", uaParser, "0.7.29", "0.8.0", "1.0.0"),
		no("npm", "ua-parser-js", "0.7.28", "0.7.30", "0.8.1", "1.0.1"),

		yes("npm", "coa", coaRC, "2.0.3", "2.0.4", "2.1.1", "2.1.3", "3.0.1", "3.1.3"),
		no("npm", "coa", "2.0.2", "1.0.4"),
		yes("npm", "rc", coaRC, "1.2.9", "1.3.9", "2.3.9"),
		no("npm", "rc", "1.2.8", "1.2.7"),

		yes("npm", "colors", colorsFaker, "1.4.1", "1.4.2", "1.4.44-liberty-2"),
		no("npm", "colors", "1.4.0", "1.3.3"),
		no("npm", "@colors/colors", "1.4.1", "1.5.0"),
		yes("npm", "faker", colorsFaker, "6.6.6"),
		no("npm", "faker", "5.5.3"),
		no("npm", "@faker-js/faker", "6.6.6"),

		// node-ipc: the destructive releases and the peacenotwar ones
		// are separate records; 10.1.3 dropped the destructive code.
		yes("npm", "node-ipc", nodeIPC, "10.1.1", "10.1.2"),
		no("npm", "node-ipc", "9.2.1", "10.1.0", "10.1.3", "12.0.0"),
		yes("npm", "node-ipc", peaceNotWar, "9.2.2", "11.0.0", "11.1.0"),

		// ctx: every upload of May 2022, the post-release sdist however
		// it is spelled, and 0.1.2 (see the record).
		yes("PyPI", "ctx", ctxPyPI, "0.1.2", "0.1.2.post1", "0.1.2-1", "0.1.4", "0.2", "0.2.0", "0.2.1",
			"0.2.2", "0.2.2.1", "0.2.3", "0.2.4", "0.2.5", "0.2.6"),
		yes("PyPI", "CTX", ctxPyPI, "0.2.6"),
		no("PyPI", "ctx", "0.1.1", "0.2.7", "1.0"),

		// xz, Debian: by source package, any release, DSA-5649-1's range.
		yes(debianUnstable, "xz-utils", xz, "5.5.1alpha-0.1", "5.6.0-0.1", "5.6.0-0.2", "5.6.1-1"),
		yes("Debian", "xz-utils", xz, "5.6.0-0.2"),
		no(debianUnstable, "xz-utils", "5.4.5-0.2", "5.4.5-0.3", "5.6.1+really5.4.5-1", "5.6.2-2"),
		no("Debian:12", "xz-utils", "5.4.1-0.2"),
		// The binary package name is not what the record lists: the
		// matcher looks Debian components up by their source.
		no(debianUnstable, "liblzma5", "5.6.1-1"),
		no("Ubuntu:24.04", "xz-utils", "5.6.1-1"),
		// xz, Alpine edge: rebuilt from git in 5.6.1-r2.
		yes("Alpine", "xz", xz, "5.6.0-r0", "5.6.1-r0", "5.6.1-r1"),
		no("Alpine", "xz", "5.4.6-r0", "5.6.1-r2", "5.6.2-r0"),
		no("Alpine:v3.19", "xz", "5.4.5-r0"),
		// xz, upstream: tarballs and binaries, by repository or name.
		yes("GIT", "https://github.com/tukaani-project/xz", xz, "5.6.0", "5.6.1", "v5.6.0", "v5.6.1"),
		no("GIT", "https://github.com/tukaani-project/xz", "5.4.6", "v5.4.6", "5.6.2", "v5.6.2"),
		yes("GIT", "https://git.tukaani.org/xz.git", xz, "5.6.1"),
		yes("GIT", "xz", xz, "5.6.0", "5.6.1"),
		yes("GIT", "liblzma", xz, "5.6.0", "5.6.1"),
		no("GIT", "liblzma", "5.4.5", "5.6.2"),
		no("npm", "xz", "5.6.1"),

		yes("npm", "@solana/web3.js", solana, "1.95.6", "1.95.7"),
		no("npm", "@solana/web3.js", "1.95.5", "1.95.8"),

		yes("PyPI", "ultralytics", ultralytics, "8.3.41", "8.3.42", "8.3.45", "8.3.46"),
		no("PyPI", "ultralytics", "8.3.40", "8.3.43", "8.3.44", "8.3.47"),

		// tj-actions: tags compared as versions, the malicious commit
		// exactly; names compare case-insensitively.
		yes("GitHub Actions", "tj-actions/changed-files", tjActions, "v1", "v35", "v44.5.1", "v45", "v45.0.7", "45.0.7", tjBadCommit),
		yes("GitHub Actions", "TJ-Actions/Changed-Files", tjActions, "v45"),
		no("GitHub Actions", "tj-actions/changed-files", "v46", "v46.0.1", "46.0.1"),
		[]match{{"GitHub Actions", "tj-actions/changed-files", someOtherSHA, nil, []string{tjActions}}},
		[]match{{"GitHub Actions", "tj-actions/changed-files", "main", nil, []string{tjActions}}},

		yes("npm", "eslint-config-prettier", prettier, "8.10.1", "9.1.1", "10.1.6", "10.1.7"),
		no("npm", "eslint-config-prettier", "8.10.0", "8.10.2", "9.1.0", "9.1.2", "10.1.5", "10.1.8"),
		yes("npm", "eslint-plugin-prettier", prettier, "4.2.2", "4.2.3"),
		no("npm", "eslint-plugin-prettier", "4.2.1", "5.5.3"),
		yes("npm", "synckit", prettier, "0.11.9"),
		no("npm", "synckit", "0.11.8", "0.11.11"),
		yes("npm", "@pkgr/core", prettier, "0.2.8"),
		no("npm", "@pkgr/core", "0.2.7"),
		yes("npm", "napi-postinstall", prettier, "0.3.1"),
		no("npm", "napi-postinstall", "0.3.0", "0.3.2"),
		yes("npm", "got-fetch", prettier, "5.1.11", "5.1.12"),
		no("npm", "got-fetch", "5.1.10"),
	)

	// September 2025: one bad version per package, the release before
	// it and, where the owners said so, the clean release over it.
	for _, p := range []struct{ name, bad, before, after string }{
		{"ansi-regex", "6.2.1", "6.2.0", "6.2.2"},
		{"ansi-styles", "6.2.2", "6.2.1", "6.2.3"},
		{"backslash", "0.2.1", "0.2.0", ""},
		{"chalk", "5.6.1", "5.6.0", "5.6.2"},
		{"chalk-template", "1.1.1", "1.1.0", "1.1.2"},
		{"color", "5.0.1", "5.0.0", ""},
		{"color-convert", "3.1.1", "3.1.0", ""},
		{"color-name", "2.0.1", "2.0.0", ""},
		{"color-string", "2.1.1", "2.1.0", ""},
		{"debug", "4.4.2", "4.4.1", ""},
		{"error-ex", "1.3.3", "1.3.2", ""},
		{"has-ansi", "6.0.1", "6.0.0", "6.0.2"},
		{"is-arrayish", "0.3.3", "0.3.2", ""},
		{"simple-swizzle", "0.2.3", "0.2.2", ""},
		{"slice-ansi", "7.1.1", "7.1.0", "7.1.2"},
		{"strip-ansi", "7.1.1", "7.1.0", "7.1.2"},
		{"supports-color", "10.2.1", "10.2.0", "10.2.2"},
		{"supports-hyperlinks", "4.1.1", "4.1.0", "4.1.2"},
		{"wrap-ansi", "9.0.1", "9.0.0", "9.0.2"},
	} {
		add(yes("npm", p.name, debugChalk, p.bad), no("npm", p.name, p.before))
		if p.after != "" {
			add(no("npm", p.name, p.after))
		}
	}
	return m
}

// TestMatch matches every listed component through the embedded Index, as
// a scan will.
func TestMatch(t *testing.T) {
	ix := Index()
	matched := map[string]bool{}
	for _, tt := range matches() {
		got, unknown := ix.Match(tt.ecosystem, tt.name, tt.version)
		gotIDs := ids(got)
		if diff := cmp.Diff(tt.want, gotIDs); diff != "" {
			t.Errorf("Match(%q, %q, %q) (-want +got):\n%s", tt.ecosystem, tt.name, tt.version, diff)
		}
		var unknownIDs []string
		for _, u := range unknown {
			unknownIDs = append(unknownIDs, u.ID)
		}
		if diff := cmp.Diff(tt.unknown, unknownIDs); diff != "" {
			t.Errorf("Match(%q, %q, %q) unknown (-want +got):\n%s", tt.ecosystem, tt.name, tt.version, diff)
		}
		for _, id := range gotIDs {
			matched[id] = true
		}
	}
	// Every incident is exercised.
	for _, v := range Records() {
		if !matched[v.ID] {
			t.Errorf("%s: no test case matches it", v.ID)
		}
	}
}

// TestAffectsEveryEntry checks each affected entry of each record matches
// at least one case, so a misspelt package name in one entry cannot hide
// behind the record's other entries.
func TestAffectsEveryEntry(t *testing.T) {
	cases := matches()
	for _, v := range Records() {
		for i, a := range v.Affected {
			hit := false
			for _, tt := range cases {
				if len(tt.want) == 0 {
					continue
				}
				if ok, err := a.Affects(tt.ecosystem, tt.name, tt.version); ok && err == nil {
					hit = true
					break
				}
			}
			if !hit {
				t.Errorf("%s affected[%d] (%s/%s): no test case is affected by it", v.ID, i, a.Package.Ecosystem, a.Package.Name)
			}
		}
	}
}

func TestRecordsAreCopies(t *testing.T) {
	a := Records()
	if !slices.IsSortedFunc(a, func(x, y *advisory.Vulnerability) int { return strings.Compare(x.ID, y.ID) }) {
		t.Errorf("Records() not sorted by id: %v", ids(a))
	}
	a[0].Affected = nil
	a[0].ID = "changed"
	b := Records()
	if b[0].ID == "changed" || len(b[0].Affected) == 0 {
		t.Error("a change to one Records() result shows in the next")
	}
	// The shared index is not affected either.
	got, _ := Index().Match("npm", "eslint-scope", "3.7.2")
	if diff := cmp.Diff([]string{eslintScope}, ids(got)); diff != "" {
		t.Errorf("Index after changing Records() (-want +got):\n%s", diff)
	}
}

// TestLoadErrors shows what happens to a broken file: it is reported by
// name, and the other records still load.
func TestLoadErrors(t *testing.T) {
	good, err := data.ReadFile("data/" + ultralytics + ".json")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"data/" + ultralytics + ".json":       {Data: good},
		"data/VOUCH-KNOWN-2099-0001.json":     {Data: []byte(`{"id": "VOUCH-KNOWN-2099-0001", "modified": "2099-01-01T00:00:00Z",`)},
		"data/VOUCH-KNOWN-2099-0002.json":     {Data: []byte(`{"id": "VOUCH-KNOWN-2099-0003", "modified": "2099-01-01T00:00:00Z"}`)},
		"data/VOUCH-KNOWN-2099-0004.json":     {Data: []byte(`{"id": "VOUCH-KNOWN-2099-0004", "modified": "2099-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"fixed": "1"}]}]}]}`)},
		"data/README.md":                      {Data: []byte("not a record")},
		"data/nested/VOUCH-KNOWN-2099-9.json": {Data: []byte("{}")},
	}
	recs, errs := load(fsys)
	if diff := cmp.Diff([]string{ultralytics}, ids(recs)); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	type failure struct {
		Path    string
		Line    int
		Invalid bool
	}
	var got []failure
	for _, err := range errs {
		var xe *extract.Error
		if !errors.As(err, &xe) {
			t.Errorf("%v: not an *extract.Error", err)
			continue
		}
		got = append(got, failure{xe.Path, xe.Line, errors.Is(err, advisory.ErrInvalid)})
	}
	want := []failure{
		{Path: "data/VOUCH-KNOWN-2099-0001.json", Line: 1},
		{Path: "data/VOUCH-KNOWN-2099-0002.json"},
		{Path: "data/VOUCH-KNOWN-2099-0004.json", Invalid: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%v", diff, errs)
	}
}

// TestReadme keeps the table in data/README.md in step with the files.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("data", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, AsOf) {
		t.Errorf("data/README.md does not give the review date %s", AsOf)
	}
	for _, v := range Records() {
		row := "| " + strings.TrimPrefix(v.ID, "VOUCH-KNOWN-") + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("data/README.md has no row for %s", v.ID)
		}
	}
}

func ids(vs []*advisory.Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}
