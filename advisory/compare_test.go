package advisory

import "testing"

func TestCompareVersions(t *testing.T) {
	ix := NewIndex(nil)
	tests := []struct {
		ecosystem, rangeType, a, b string
		want                       int
		wantErr                    bool
	}{
		{"Go", RangeSemver, "v0.3.7", "0.3.8", -1, false},
		{"Go", RangeEcosystem, "v1.22.1", "1.22.0-0", 1, false},
		{"Go", RangeSemver, "v1.2.3", "1.2.3", 0, false},
		{"Go", RangeSemver, "master", "1.2.3", 0, true},
		{"PyPI", RangeEcosystem, "2.0.1", "2.0.10", -1, false},
		{"PyPI", RangeEcosystem, "2021.10.0", "2021.9.0", 1, false},
		{"PyPI", RangeEcosystem, "1.0", "1.0.0", 0, false},
		{"Debian:12", RangeEcosystem, "5.4.1-0.2", "5.4.1-0.2+deb12u1", -1, false},
		{"Debian:12", RangeEcosystem, "5.6.1+really5.4.5-1", "5.6.1-1", 1, false},
		{"npm", RangeSemver, "1.0.0-beta", "1.0.0", -1, false},
		{"npm", RangeSemver, "latest", "1.0.0", 0, true},
		{"PyPI", RangeGit, "0123456789abcdef0123456789abcdef01234567", "1.0", 0, true},
	}
	for _, tt := range tests {
		// Twice: the second answer comes from the cache.
		for range 2 {
			got, err := ix.CompareVersions(tt.ecosystem, tt.rangeType, tt.a, tt.b)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("CompareVersions(%s, %s, %q, %q) = %d, %v; want %d, error %v", tt.ecosystem, tt.rangeType, tt.a, tt.b, got, err, tt.want, tt.wantErr)
			}
		}
	}
}

func TestIndexAffects(t *testing.T) {
	v := &Vulnerability{ID: "GHSA-1", Affected: []Affected{{
		Package: Package{Ecosystem: "PyPI", Name: "example-pkg"},
		Ranges:  []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "2.0.2"}}}},
	}}}
	ix := NewIndex(nil) // the record need not be in the index
	tests := []struct {
		version string
		want    bool
	}{{"2.0.1", true}, {"2.0.2", false}, {"1.0", true}, {"3", false}}
	for _, tt := range tests {
		got, err := ix.Affects(v, "PyPI", "Example_Pkg", tt.version)
		if err != nil || got != tt.want {
			t.Errorf("Affects(%q) = %v, %v; want %v", tt.version, got, err, tt.want)
		}
		if direct, _ := v.Affects("PyPI", "Example_Pkg", tt.version); direct != got {
			t.Errorf("Affects(%q) = %v, but Vulnerability.Affects says %v", tt.version, got, direct)
		}
	}
}
