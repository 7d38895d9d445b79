package main

import (
	"slices"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		eco, a, b string
		want      int
	}{
		{"PyPI", "1.0", "1.0.0", 0},
		{"PyPI", "1.0a1", "1.0", -1},
		{"PyPI", "1.0.dev1", "1.0a1", -1},
		{"PyPI", "1.0rc1", "1.0b2", 1},
		{"PyPI", "1.0.post1", "1.0", 1},
		{"PyPI", "2.0.3a7", "2.4.8", -1},
		{"PyPI", "1!0.1", "2.0", 1},
		{"PyPI", "1.10", "1.9", 1},
		{"Go", "v1.2.3", "1.2.3", 0},
		{"Go", "1.2.3-rc.1", "1.2.3", -1},
		{"Go", "0.0.0-20230101000000-abcdef123456", "0.0.1", -1},
		{"Go", "28.5.2+incompatible", "28.5.2", 0},
	} {
		got, ok := compareVersions(c.eco, c.a, c.b)
		if !ok || got != c.want {
			t.Errorf("compareVersions(%s, %s, %s) = %d, %v; want %d", c.eco, c.a, c.b, got, ok, c.want)
		}
	}
}

func TestJudge(t *testing.T) {
	a := osvAffected{
		Ranges: []osvRange{
			{Type: "GIT", Events: []map[string]string{{"introduced": "0"}, {"fixed": "abc"}}},
			{Type: "ECOSYSTEM", Events: []map[string]string{{"introduced": "4.0"}, {"fixed": "4.3"}, {"introduced": "5.0"}, {"last_affected": "5.2"}}},
		},
		Versions: []string{"4.0", "4.1"},
	}
	for v, want := range map[string]verdict{
		"3.9": {rangeTypes: "ECOSYSTEM+GIT"},
		"4.1": {inVersions: true, inRanges: true, rangeTypes: "ECOSYSTEM+GIT"},
		"4.2": {inRanges: true, rangeTypes: "ECOSYSTEM+GIT"},
		"4.3": {rangeTypes: "ECOSYSTEM+GIT"},
		"5.2": {inRanges: true, rangeTypes: "ECOSYSTEM+GIT"},
		"5.3": {rangeTypes: "ECOSYSTEM+GIT"},
	} {
		if got := judge("PyPI", a, v); got != want {
			t.Errorf("judge(%s) = %+v, want %+v", v, got, want)
		}
	}
	// The ECOSYSTEM range comes after a GIT range: inRangeFirst stays false.
	if judge("PyPI", a, "4.2").inRangeFirst {
		t.Error("inRangeFirst set for a range after a GIT range")
	}
}

func TestClusters(t *testing.T) {
	p := newPkgVer("PyPI", "Foo_Bar", "1.0")
	cs := clusters(map[string][]vfinding{
		"vouch":       {{pkg: p, ids: []string{"CVE-1", "PYSEC-1"}}, {pkg: p, ids: []string{"CVE-9"}}},
		"osv-scanner": {{pkg: newPkgVer("PyPI", "foo.bar", "1.0"), ids: []string{"GHSA-1", "PYSEC-1"}}},
	})
	if len(cs) != 2 {
		t.Fatalf("got %d clusters, want 2", len(cs))
	}
	var both []string
	for _, c := range cs {
		if len(c.by) == 2 {
			both = c.ids
		}
	}
	if !slices.Equal(both, []string{"CVE-1", "GHSA-1", "PYSEC-1"}) {
		t.Errorf("matched cluster ids = %v", both)
	}
}
