package registry

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// warmKeys returns n keys spread over the four ecosystems as a large
// project's would be, and fills the cache in dir with a found answer for
// each.
func warmKeys(tb testing.TB, dir string, n int, now time.Time) []Key {
	tb.Helper()
	var keys []Key
	var rows []cacheRow
	for i := range n {
		var k Key
		switch i % 4 {
		case 0:
			k = Key{"npm", fmt.Sprintf("@scope%d/package-%d", i%50, i), fmt.Sprintf("1.%d.%d", i%17, i%5)}
		case 1:
			k = Key{"Go", fmt.Sprintf("github.com/owner%d/module%d", i%40, i), fmt.Sprintf("v0.%d.%d", i%13, i%7)}
		case 2:
			k = Key{"PyPI", fmt.Sprintf("Package_%d", i), fmt.Sprintf("2.%d.0", i%9)}
		case 3:
			k = Key{"crates.io", fmt.Sprintf("crate-%d", i), fmt.Sprintf("0.%d.%d", i%11, i%3)}
		}
		keys = append(keys, k)
		ck, err := canonical(k)
		if err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, cacheRow{key: ck, status: statusFound, published: now.Add(-time.Duration(i) * time.Hour), fetched: now, source: "https://r.example/" + ck.name})
	}
	c, err := openCache(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	defer c.close()
	if err := c.store(context.Background(), rows); err != nil {
		tb.Fatal(err)
	}
	return keys
}

// BenchmarkWarmCache2000 is a policy check of a 2,000-component project
// whose publish times are all cached: it must add little to a scan.
func BenchmarkWarmCache2000(b *testing.B) {
	opt := testOptions(b)
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	opt.Now = func() time.Time { return now }
	opt.Offline = true // any miss would be an error, never a request
	keys := warmKeys(b, opt.CacheDir, 2000, now)
	c := newClient(b, opt)
	b.ReportAllocs()
	for b.Loop() {
		got := c.PublishTimes(context.Background(), keys)
		if len(got) != len(keys) {
			b.Fatalf("%d results", len(got))
		}
		for k, r := range got {
			if !r.Known || !r.FromCache {
				b.Fatalf("%v: %+v", k, r)
			}
		}
	}
}

// BenchmarkOpenCache100k opens a cache of 100,000 answers: opening reads
// only the schema, so it stays cheap at the size years of scans reach.
func BenchmarkOpenCache100k(b *testing.B) {
	dir := b.TempDir()
	warmKeys(b, dir, 100_000, time.Now())
	b.ResetTimer()
	for b.Loop() {
		c, err := openCache(context.Background(), dir, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		c.close()
	}
}
