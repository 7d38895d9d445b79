package advisory

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openTest(t testing.TB, opt Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache", "advisories.db")
	s, err := OpenWith(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// zipFile is one entry of a zip a test builds.
type zipFile struct {
	name string
	data string
	// method is zip.Store or zip.Deflate (default).
	method uint16
}

// writeZip writes entries to a zip in dir and returns its path.
func writeZip(t testing.TB, dir string, entries []zipFile) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		m := e.method
		if m == 0 {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "all.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipRaw is an entry written as is, headers included.
type zipRaw struct {
	hdr  zip.FileHeader
	data []byte
}

func writeRawZip(t testing.TB, entries []zipRaw) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateRaw(&e.hdr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// record returns a small valid record for pkg in ecosystem.
func record(id, modified, ecosystem, pkg, fixedIn string) string {
	return fmt.Sprintf(`{"id": %q, "modified": %q, "summary": "summary of %s", "affected": [{"package": {"ecosystem": %q, "name": %q},
		"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": %q}]}]}]}`,
		id, modified, id, ecosystem, pkg, fixedIn)
}

// statsView is what tests compare of ImportStats: everything but timing,
// with errors as their messages.
type statsView struct {
	Read, Added, Replaced, Older, Withdrawn, Malformed, Ignored int
	Errors                                                      []string
}

func view(st ImportStats) statsView {
	v := statsView{Read: st.Read, Added: st.Added, Replaced: st.Replaced, Older: st.Older,
		Withdrawn: st.Withdrawn, Malformed: st.Malformed, Ignored: st.Ignored}
	for _, e := range st.Errors {
		v.Errors = append(v.Errors, e.Error())
	}
	return v
}

func ids(vs []*Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func TestImportDir(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	st, err := s.Import(ctx, filepath.Join("testdata", "import", "dir"))
	if err != nil {
		t.Fatal(err)
	}
	want := statsView{
		Read: 5, Added: 3, Malformed: 2, Ignored: 1,
		Errors: []string{
			"broken.json:4:15: not an osv record: unexpected end of JSON input",
			"no-id.json: invalid osv record: no id",
		},
	}
	if diff := cmp.Diff(want, view(st)); diff != "" {
		t.Errorf("import stats (-want +got):\n%s", diff)
	}

	queries := []struct {
		ecosystem, name string
		want            []string
	}{
		{"Go", "example.com/mod", []string{"GO-2099-0001"}},
		{"Go", "example.com/other", nil},
		{"PyPI", "flask-login", []string{"PYSEC-2099-1"}},
		{"PyPI", "Flask.Login", []string{"PYSEC-2099-1"}},
		{"npm", "flask-login", nil},
		{"Debian:12", "openssl", []string{"DSA-2099-1"}},
		{"Debian:10", "openssl", nil},
		{"Debian", "openssl", []string{"DSA-2099-1"}},
		{"Ubuntu:22.04", "openssl", nil},
	}
	for _, q := range queries {
		got, err := s.Query(ctx, q.ecosystem, q.name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(q.want, ids(got)); diff != "" {
			t.Errorf("Query(%q, %q) (-want +got):\n%s", q.ecosystem, q.name, diff)
		}
	}
	got, err := s.Get(ctx, "GO-2099-0001")
	if err != nil {
		t.Fatal(err)
	}
	want1, err := Parse(readFixtureAt(t, "import/dir/GO-2099-0001.json"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want1, got); diff != "" {
		t.Errorf("stored record differs from the file (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, "GO-2099-0002"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get of a malformed record: %v, want fs.ErrNotExist", err)
	}
}

func readFixtureAt(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportZip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{Limits: Limits{MaxRecordSize: 2048}})
	big := record("OSV-2099-9", "2099-01-01T00:00:00Z", "npm", "big", "1.0.0")
	big = strings.Replace(big, "summary of", strings.Repeat("x", 3000), 1)
	src := writeZip(t, t.TempDir(), []zipFile{
		{name: "OSV-2099-1.json", data: record("OSV-2099-1", "2099-01-01T00:00:00Z", "npm", "left-pad", "1.3.0")},
		{name: "OSV-2099-2.json", data: record("OSV-2099-2", "2099-01-01T00:00:00Z", "npm", "lodash", "4.17.21"), method: zip.Store},
		{name: "bad/OSV-2099-3.json", data: `{"id": "OSV-2099-3", "affected": [{"ranges": [{"type": "DATE", "events": [{"introduced": "0"}]}]}]}`},
		{name: "OSV-2099-9.json", data: big},
		{name: "OSV-2099-4.json", data: "\x00\x01binary"},
		{name: "dir/", data: ""},
		{name: "ecosystems.txt", data: "npm\n"},
	})
	st, err := s.Import(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	want := statsView{
		Read: 5, Added: 2, Malformed: 3, Ignored: 1,
		Errors: []string{
			`bad/OSV-2099-3.json: affected[0]: ranges[0]: invalid osv record: unknown range type "DATE"`,
			"OSV-2099-9.json: input exceeds size limit: 3236 bytes, limit 2048",
			"OSV-2099-4.json:1:1: not an osv record: invalid character '\\x00' looking for beginning of value",
		},
	}
	if diff := cmp.Diff(want, view(st)); diff != "" {
		t.Errorf("import stats (-want +got):\n%s", diff)
	}
	got, err := s.Query(ctx, "npm", "lodash")
	if err != nil || len(got) != 1 || got[0].Summary != "summary of OSV-2099-2" {
		t.Errorf("Query(npm, lodash) = %v, %v", ids(got), err)
	}
}

// TestImportZipLies checks the limits hold against a zip whose headers
// lie about sizes, and that a damaged entry is one bad record.
func TestImportZipLies(t *testing.T) {
	ctx := context.Background()
	raw := func(name, data string, size uint64, crc uint32) zipRaw {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestSpeed)
		fw.Write([]byte(data))
		fw.Close()
		if crc == 0 {
			crc = crc32.ChecksumIEEE([]byte(data))
		}
		return zipRaw{hdr: zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(c.Len()), UncompressedSize64: size}, data: c.Bytes()}
	}
	good := record("A-1", "2099-01-01T00:00:00Z", "npm", "a", "1.0.0")
	big := strings.Repeat(" ", 10000) + good
	src := writeRawZip(t, []zipRaw{
		raw("A-1.json", good, uint64(len(good)), 0),
		raw("B-1.json", good, uint64(len(good)), 0xdeadbeef),
		raw("C-1.json", big, 10, 0),
		raw("D-1.json", good, 1<<40, 0),
	})
	s, _ := openTest(t, Options{Limits: Limits{MaxRecordSize: 4096}})
	st, err := s.Import(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	want := statsView{
		Read: 4, Added: 1, Malformed: 3,
		Errors: []string{
			"B-1.json: zip: checksum error",
			"C-1.json: zip: not a valid zip file",
			"D-1.json: input exceeds size limit: 1099511627776 bytes, limit 4096",
		},
	}
	if diff := cmp.Diff(want, view(st)); diff != "" {
		t.Errorf("import stats (-want +got):\n%s", diff)
	}

	// The total limit stops the import.
	s2, _ := openTest(t, Options{Limits: Limits{MaxImportSize: 100}})
	src2 := writeZip(t, t.TempDir(), []zipFile{
		{name: "A-1.json", data: record("A-1", "2099-01-01T00:00:00Z", "npm", "a", "1.0.0")},
	})
	if _, err := s2.Import(ctx, src2); err == nil || !strings.Contains(err.Error(), "more than 100 bytes of records: input exceeds size limit") {
		t.Errorf("import past the total limit: %v", err)
	}
	s3, _ := openTest(t, Options{Limits: Limits{MaxEntries: 1}})
	src3 := writeZip(t, t.TempDir(), []zipFile{{name: "A-1.json", data: "{}"}, {name: "A-2.json", data: "{}"}})
	if _, err := s3.Import(ctx, src3); err == nil || !strings.Contains(err.Error(), "2 entries, limit 1") {
		t.Errorf("import past the entry limit: %v", err)
	}
}

func TestImportOneFileAndErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	st, err := s.Import(ctx, filepath.Join("testdata", "records", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(statsView{Read: 1, Added: 1}, view(st)); diff != "" {
		t.Errorf("import stats (-want +got):\n%s", diff)
	}
	st, err = s.Import(ctx, filepath.Join("testdata", "records", "truncated.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := statsView{Read: 1, Malformed: 1, Errors: []string{
		"testdata/records/truncated.json:5:62: not an osv record: unexpected end of JSON input",
	}}
	if diff := cmp.Diff(want, view(st)); diff != "" {
		t.Errorf("import stats (-want +got):\n%s", diff)
	}
	if _, err := s.Import(ctx, filepath.Join("testdata", "missing.zip")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("import of a missing file: %v", err)
	}
	dir := t.TempDir()
	notZip := filepath.Join(dir, "all.zip")
	os.WriteFile(notZip, []byte("PK\x03\x04 but then nothing"), 0o644)
	if _, err := s.Import(ctx, notZip); err == nil || !strings.Contains(err.Error(), "not a readable zip") {
		t.Errorf("import of a broken zip: %v", err)
	}
}

func TestImportNewerWins(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	imp := func(data string) statsView {
		t.Helper()
		dir := t.TempDir()
		p := filepath.Join(dir, "r.json")
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := s.Import(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return view(st)
	}
	summary := func() string {
		v, err := s.Get(ctx, "OSV-1")
		if err != nil {
			t.Fatal(err)
		}
		return v.Summary
	}
	v2 := record("OSV-1", "2024-02-01T00:00:00Z", "npm", "a", "1.0.0")
	v1 := strings.Replace(record("OSV-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0"), "summary of", "older", 1)
	v3 := strings.Replace(record("OSV-1", "2024-03-01T00:00:00.5Z", "npm", "b", "1.0.0"), "summary of", "newer", 1)

	if diff := cmp.Diff(statsView{Read: 1, Added: 1}, imp(v2)); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(statsView{Read: 1, Older: 1}, imp(v1)); diff != "" {
		t.Errorf("older import (-want +got):\n%s", diff)
	}
	if got := summary(); got != "summary of OSV-1" {
		t.Errorf("after an older import the summary is %q", got)
	}
	if diff := cmp.Diff(statsView{Read: 1, Replaced: 1}, imp(v2)); diff != "" {
		t.Errorf("same import again (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(statsView{Read: 1, Replaced: 1}, imp(v3)); diff != "" {
		t.Errorf("newer import (-want +got):\n%s", diff)
	}
	if got := summary(); got != "newer OSV-1" {
		t.Errorf("after a newer import the summary is %q", got)
	}
	// The index follows the record: it moved from package a to b.
	for pkg, want := range map[string][]string{"a": nil, "b": {"OSV-1"}} {
		got, err := s.Query(ctx, "npm", pkg)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("Query(npm, %s) (-want +got):\n%s", pkg, diff)
		}
	}
	// Withdrawing hides it; an older copy does not bring it back.
	w := strings.Replace(v3, `"modified": "2024-03-01T00:00:00.5Z"`, `"modified": "2024-04-01T00:00:00Z", "withdrawn": "2024-04-01T00:00:00Z"`, 1)
	if diff := cmp.Diff(statsView{Read: 1, Replaced: 1, Withdrawn: 1}, imp(w)); diff != "" {
		t.Errorf("withdrawn import (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(statsView{Read: 1, Older: 1}, imp(v3)); diff != "" {
		t.Errorf("older import after withdrawal (-want +got):\n%s", diff)
	}
	if got, err := s.Query(ctx, "npm", "b"); err != nil || len(got) != 0 {
		t.Errorf("withdrawn record returned: %v, %v", ids(got), err)
	}
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 0 || st.Withdrawn != 1 || len(st.Ecosystems) != 0 {
		t.Errorf("status after withdrawal: %+v", st)
	}
}

func TestImportRealAndLoad(t *testing.T) {
	ctx := context.Background()
	goZip, pypiZip := sharedZip(t, "Go"), sharedZip(t, "PyPI")
	s, path := openTest(t, Options{})
	for _, src := range []string{goZip, pypiZip} {
		st, err := s.Import(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(src)
		if err != nil {
			t.Fatal(err)
		}
		n := len(zr.File)
		zr.Close()
		if st.Read != n || st.Added != n || st.Malformed != 0 || st.Withdrawn == 0 {
			t.Errorf("%s: %+v, want %d records read and added, none malformed, some withdrawn", src, view(st), n)
		}
		t.Logf("import %s: %d records in %v", src, st.Read, st.Duration)
	}

	status, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status.Path != path || status.Size == 0 || len(status.Ecosystems) != 2 {
		t.Fatalf("status: %+v", status)
	}
	goSt, pySt := status.Ecosystems[0], status.Ecosystems[1]
	if goSt.Ecosystem != "Go" || pySt.Ecosystem != "PyPI" || goSt.Records+pySt.Records != status.Records {
		t.Errorf("status ecosystems %+v do not add up to %d records", status.Ecosystems, status.Records)
	}
	// The Go export writes the zero time as "modified"; its age then
	// comes from the import.
	if !goSt.Newest.IsZero() || time.Since(goSt.AsOf()) > time.Hour {
		t.Errorf("Go status: %+v", goSt)
	}
	if pySt.Newest.Year() < 2024 || !pySt.AsOf().Equal(pySt.Newest) {
		t.Errorf("PyPI status: %+v", pySt)
	}
	if len(status.Sources) != 1 || status.Sources[0].Source != LocalSource || status.Sources[0].URL != pypiZip ||
		status.Sources[0].Records != status.Records+status.Withdrawn {
		t.Errorf("status sources: %+v", status.Sources)
	}

	ix, err := s.Load(ctx, []string{"Go", "PyPI"})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != status.Records {
		t.Errorf("index holds %d records, status says %d", ix.Len(), status.Records)
	}
	matches := []struct {
		ecosystem, name, version string
		want                     string // an id that must be among the matches
		wantNot                  string // an id that must not
	}{
		{"Go", "stdlib", "v1.21.8", "GO-2024-2687", ""},
		{"Go", "stdlib", "v1.22.2", "", "GO-2024-2687"},
		{"Go", "golang.org/x/net", "v0.22.0", "GO-2024-2687", ""},
		{"PyPI", "Django", "1.4.12", "PYSEC-2014-19", ""},
		{"PyPI", "django", "1.4.13", "", "PYSEC-2014-19"},
		{"PyPI", "AccessControl", "5.1", "PYSEC-2021-335", ""},
	}
	for _, m := range matches {
		got, unknown := ix.Match(m.ecosystem, m.name, m.version)
		if len(unknown) > 0 {
			t.Errorf("Match(%s, %s, %s): unknown %v", m.ecosystem, m.name, m.version, unknown)
		}
		gotIDs := ids(got)
		if m.want != "" && !slices.Contains(gotIDs, m.want) {
			t.Errorf("Match(%s, %s, %s) = %v, want %s among them", m.ecosystem, m.name, m.version, gotIDs, m.want)
		}
		if m.wantNot != "" && slices.Contains(gotIDs, m.wantNot) {
			t.Errorf("Match(%s, %s, %s) = %v, want no %s", m.ecosystem, m.name, m.version, gotIDs, m.wantNot)
		}
		// Query agrees with the index on the candidates.
		q, err := s.Query(ctx, m.ecosystem, m.name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(ix.Lookup(m.ecosystem, m.name)), ids(q), cmpSorted); diff != "" {
			t.Errorf("Query and Lookup(%s, %s) differ (-lookup +query):\n%s", m.ecosystem, m.name, diff)
		}
	}
	_, unknown := ix.Match("Go", "stdlib", "not-a-version")
	if len(unknown) == 0 || unknown[0].ID == "" {
		t.Errorf("an unparseable version gave no unknowns: %v", unknown)
	}

	only, err := s.Load(ctx, []string{"PyPI"})
	if err != nil {
		t.Fatal(err)
	}
	if only.Len() != pySt.Records || len(only.Lookup("Go", "stdlib")) != 0 || len(only.Lookup("PyPI", "django")) == 0 {
		t.Errorf("Load(PyPI) holds %d records, Go stdlib %d, django %d", only.Len(), len(only.Lookup("Go", "stdlib")), len(only.Lookup("PyPI", "django")))
	}
	// Reading the file read-only sees the same.
	ro, err := OpenWith(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	q, err := ro.Query(ctx, "Go", "stdlib")
	if err != nil || len(q) < 100 {
		t.Errorf("read-only Query(Go, stdlib): %d records, %v", len(q), err)
	}
	if _, err := ro.Import(ctx, filepath.Join("testdata", "records", "minimal.json")); err == nil {
		t.Error("import into a read-only store succeeded")
	}
}

var cmpSorted = cmp.Transformer("sorted", func(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
})

func TestOpenCorrupt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherDB := filepath.Join(dir, "other.db")
	{
		db, err := sql.Open("sqlite", otherDB)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	newer := filepath.Join(dir, "newer.db")
	{
		s, err := Open(ctx, newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	// A real database cut in half.
	full := filepath.Join(dir, "full.db")
	{
		s, err := Open(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		var entries []zipFile
		for i := range 3000 {
			id := fmt.Sprintf("OSV-%d", i)
			entries = append(entries, zipFile{name: id + ".json", data: record(id, "2024-01-01T00:00:00Z", "npm", fmt.Sprintf("p%d", i), "1.0.0")})
		}
		if _, err := s.Import(ctx, writeZip(t, t.TempDir(), entries)); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	half := write("half.db", data[:len(data)/2])
	// Garbage over the pages after the header.
	mangled := slices.Clone(data)
	for i := 4096; i < len(mangled); i++ {
		mangled[i] = byte(i * 7)
	}
	garbled := write("garbled.db", mangled)

	tests := []struct {
		name string
		path string
		msg  string
	}{
		{"not sqlite", write("text.db", []byte(strings.Repeat("not a database at all\n", 100))), "file is not a database"},
		{"other sqlite", otherDB, "not a vouch advisory database"},
		{"newer schema", newer, "schema version 99, this vouch reads 1"},
		{"truncated", half, "malformed"},
		{"garbled", garbled, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.path)
			if err == nil {
				// Damage deep in the file shows when the data is read.
				_, err = s.Load(ctx, nil)
				if err == nil {
					_, err = s.Status(ctx)
				}
				s.Close()
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.msg) || !strings.Contains(msg, `remove `+tt.path+` or run "vouch db update" to rebuild it`) {
				t.Errorf("error %q does not say %q and how to rebuild", msg, tt.msg)
			}
		})
	}

	if _, err := OpenWith(ctx, filepath.Join(dir, "missing.db"), Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open of a missing file: %v", err)
	}
}

// TestLoadPackagesAnswersAsLoad checks, on the real exports, that the
// narrowed index gives every package it was asked for exactly the records
// the full index gives, and holds nothing else.
func TestLoadPackagesAnswersAsLoad(t *testing.T) {
	ctx := context.Background()
	goZip, pypiZip := sharedZip(t, "Go"), sharedZip(t, "PyPI")
	s, _ := openTest(t, Options{})
	for _, src := range []string{goZip, pypiZip} {
		if _, err := s.Import(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.Load(ctx, []string{"Go", "PyPI"})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{
		"Go":   {"stdlib", "toolchain", "golang.org/x/net", "github.com/docker/docker", "example.com/none"},
		"PyPI": {"Django", "jw.util", "rdiffweb", "no-such-package"},
	}
	part, err := s.LoadPackages(ctx, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(vs []*Vulnerability) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.ID)
		}
		return out
	}
	total := 0
	for eco, names := range pkgs {
		for _, n := range names {
			want, got := ids(full.Lookup(eco, n)), ids(part.Lookup(eco, n))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s (-Load +LoadPackages):\n%s", eco, n, diff)
			}
			total += len(want)
		}
	}
	if total < 100 {
		t.Errorf("only %d records for the asked packages: the test asks too little", total)
	}
	if part.Len() >= full.Len()/4 {
		t.Errorf("narrowed index holds %d of %d records", part.Len(), full.Len())
	}
	if got := ids(part.Lookup("PyPI", "requests")); len(got) != 0 {
		t.Errorf("narrowed index answers for a package not asked for: %v", got)
	}
	empty, err := s.LoadPackages(ctx, nil)
	if err != nil || empty.Len() != 0 {
		t.Errorf("LoadPackages(nil) = %d records, %v", empty.Len(), err)
	}
}

// TestIndexLeavesDetailsOut checks that the index a scan loads drops the
// records' prose, which nothing matches on, while Get keeps it.
func TestIndexLeavesDetailsOut(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	dir := t.TempDir()
	rec := `{"schema_version":"1.6.0","id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z",
		"summary":"short","details":"a long explanation nobody matches on",
		"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}`
	if err := os.WriteFile(filepath.Join(dir, "GHSA-aaaa-bbbb-cccc.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, dir); err != nil {
		t.Fatal(err)
	}
	whole, err := s.Get(ctx, "GHSA-aaaa-bbbb-cccc")
	if err != nil || whole.Details != "a long explanation nobody matches on" || whole.Summary != "short" {
		t.Fatalf("Get = %+v, %v", whole, err)
	}
	for name, load := range map[string]func() (*Index, error){
		"Load":         func() (*Index, error) { return s.Load(ctx, []string{"npm"}) },
		"LoadPackages": func() (*Index, error) { return s.LoadPackages(ctx, map[string][]string{"npm": {"left-pad"}}) },
	} {
		ix, err := load()
		if err != nil {
			t.Fatal(err)
		}
		got := ix.Lookup("npm", "left-pad")
		if len(got) != 1 || got[0].Details != "" || got[0].Summary != "short" || len(got[0].Affected) != 1 {
			t.Errorf("%s: %+v", name, got)
			continue
		}
		if affected, unknown := ix.Match("npm", "left-pad", "1.2.0"); len(affected) != 1 || len(unknown) != 0 {
			t.Errorf("%s: Match = %v, %v", name, affected, unknown)
		}
	}
}
