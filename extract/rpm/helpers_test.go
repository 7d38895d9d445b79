package rpm

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdbtest"
)

// sqliteFile returns the bytes of a SQLite database made by running
// statements, each with its arguments.
func sqliteFile(t testing.TB, statements ...[]any) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statements {
		if _, err := db.Exec(s[0].(string), s[1:]...); err != nil {
			t.Fatalf("%s: %v", s[0], err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rpmSchema is the Packages table as rpm 4.18 creates it.
const rpmSchema = `CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`

// fixture returns the content of testdata/db/name, gunzipped when it ends
// in ".gz".
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return rpmdbtest.Fixture(t, filepath.Join("testdata", "db"), name)
}
