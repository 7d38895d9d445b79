package rpmdb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdbtest"
)

// records lists what a database reader emits, written "key@at" for a
// record read and "!at: error" for a damaged one.
func records(t testing.TB, read func(context.Context, []byte, func(rpmdb.Record) error) error, data []byte) ([]string, error) {
	t.Helper()
	var out []string
	err := read(context.Background(), data, func(r rpmdb.Record) error {
		if r.Err != nil {
			out = append(out, fmt.Sprintf("!%s: %v", r.At, r.Err))
			return nil
		}
		out = append(out, fmt.Sprintf("%d@%s:%d", r.Key, r.At, len(r.Blob)))
		return nil
	})
	return out, err
}

func bdbRead(ctx context.Context, data []byte, emit func(rpmdb.Record) error) error {
	return rpmdb.ReadBDB(ctx, bytes.NewReader(data), int64(len(data)), emit)
}

func ndbRead(ctx context.Context, data []byte, emit func(rpmdb.Record) error) error {
	return rpmdb.ReadNDB(ctx, bytes.NewReader(data), int64(len(data)), emit)
}

// TestReaders checks where each reader finds the records of the fixtures,
// which db5.3_dump -da and the NDB layout confirm.
func TestReaders(t *testing.T) {
	tests := []struct {
		name string
		read func(context.Context, []byte, func(rpmdb.Record) error) error
		db   string
		want []string
	}{
		{"bdb", bdbRead, "Packages", []string{
			"2@page 1 item 3 (offset 512):1912",
			"1@page 2 item 1 (offset 1024):1904",
			"3@page 2 item 3 (offset 1024):2100",
		}},
		{"bdb-big-endian", bdbRead, "Packages-big-endian.gz", []string{
			"2@page 1 item 3 (offset 8192):1912",
			"1@page 2 item 1 (offset 16384):1904",
			"3@page 2 item 3 (offset 16384):2100",
		}},
		{"ndb", ndbRead, "Packages.db", []string{
			"1@slot 2 (offset 32):1904",
			"2@slot 3 (offset 48):1912",
			"3@slot 4 (offset 64):2100",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := records(t, tt.read, rpmdbtest.Fixture(t, fixtures, tt.db))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadersStop(t *testing.T) {
	stop := errors.New("stop")
	for name, read := range map[string]func(context.Context, []byte, func(rpmdb.Record) error) error{"bdb": bdbRead, "ndb": ndbRead} {
		db := map[string]string{"bdb": "Packages", "ndb": "Packages.db"}[name]
		n := 0
		err := read(context.Background(), rpmdbtest.Fixture(t, fixtures, db), func(rpmdb.Record) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("%s: %d records, error %v; want 1 and the emit error", name, n, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ndbRead(ctx, rpmdbtest.Fixture(t, fixtures, "Packages.db"), func(rpmdb.Record) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("ndb with a cancelled context: %v", err)
	}
}

// fuzzReader runs a database reader on arbitrary bytes: no panic, damaged
// records carry an error and no blob, good ones a blob and a key.
func fuzzReader(f *testing.F, read func(context.Context, []byte, func(rpmdb.Record) error) error) {
	f.Fuzz(func(t *testing.T, data []byte) {
		total := 0
		_ = read(context.Background(), data, func(r rpmdb.Record) error {
			if r.Err != nil {
				if r.Blob != nil {
					t.Fatalf("damaged record %s with a blob", r.At)
				}
				return nil
			}
			if r.At == "" || r.Key == 0 {
				t.Fatalf("record %+v without a place or key", r)
			}
			total += len(r.Blob)
			if total > len(data) {
				t.Fatalf("%d bytes of records from %d bytes of input", total, len(data))
			}
			_, _ = rpmdb.ParseHeader(r.Blob)
			return nil
		})
	})
}

func FuzzBDB(f *testing.F) {
	for _, name := range []string{"Packages", "Packages-checksum", "Packages-big-endian.gz"} {
		f.Add(rpmdbtest.Fixture(f, fixtures, name))
	}
	fuzzReader(f, bdbRead)
}

func FuzzNDB(f *testing.F) {
	f.Add(rpmdbtest.Fixture(f, fixtures, "Packages.db"))
	f.Add(rpmdbtest.NDBFile(map[uint32][]byte{7: rpmdbtest.PkgHeader("a", "1", "1", "noarch", "")}))
	fuzzReader(f, ndbRead)
}
