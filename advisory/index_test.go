package advisory

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewIndex(t *testing.T) {
	rec := func(id, ecosystem, name string, versions ...string) *Vulnerability {
		return &Vulnerability{ID: id, Affected: []Affected{{
			Package:  Package{Ecosystem: ecosystem, Name: name},
			Versions: versions,
		}}}
	}
	withdrawn := rec("W-1", "npm", "left-pad", "1.0.0")
	withdrawn.Withdrawn = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	twice := rec("T-1", "npm", "left-pad", "1.0.0")
	twice.Affected = append(twice.Affected, Affected{Package: Package{Ecosystem: "npm", Name: "left-pad"}, Versions: []string{"1.0.1"}})
	ix := NewIndex([]*Vulnerability{
		rec("B-2", "Debian", "xz-utils", "5.6.1-1"),
		rec("B-1", "Debian:12", "xz-utils", "5.6.0-0.2"),
		rec("P-1", "PyPI", "Django_Foo", "1.0"),
		nil,
		withdrawn,
		twice,
		{ID: "NOPKG", Affected: []Affected{{Versions: []string{"1.0"}}}},
	})
	if got, want := ix.Len(), 5; got != want {
		t.Errorf("Len() = %d, want %d (nil and withdrawn records left out)", got, want)
	}

	tests := []struct {
		ecosystem, name, version string
		lookup                   []string // ids Lookup returns, in order
		match                    []string // ids Match returns as affected
	}{
		// Sorted by id whatever the input order; a release-less record
		// and one for Debian 12 both apply to a Debian 12 component.
		{"Debian:12", "xz-utils", "5.6.1-1", []string{"B-1", "B-2"}, []string{"B-2"}},
		{"Debian:13", "xz-utils", "5.6.0-0.2", []string{"B-1", "B-2"}, nil},
		{"Debian", "xz-utils", "5.6.0-0.2", []string{"B-1", "B-2"}, []string{"B-1"}},
		// Names are normalised as the ecosystem compares them.
		{"PyPI", "django-foo", "1.0", []string{"P-1"}, []string{"P-1"}},
		// A record naming a package twice is listed once.
		{"npm", "left-pad", "1.0.1", []string{"T-1"}, []string{"T-1"}},
		{"npm", "left-pad", "1.0.2", []string{"T-1"}, nil},
		{"npm", "right-pad", "1.0.0", nil, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.lookup, ids(ix.Lookup(tt.ecosystem, tt.name))); diff != "" {
			t.Errorf("Lookup(%s, %s) (-want +got):\n%s", tt.ecosystem, tt.name, diff)
		}
		got, unknown := ix.Match(tt.ecosystem, tt.name, tt.version)
		if len(unknown) != 0 {
			t.Errorf("Match(%s, %s, %s): unknown %v", tt.ecosystem, tt.name, tt.version, unknown)
		}
		if diff := cmp.Diff(tt.match, ids(got)); diff != "" {
			t.Errorf("Match(%s, %s, %s) (-want +got):\n%s", tt.ecosystem, tt.name, tt.version, diff)
		}
	}

	if empty := NewIndex(nil); empty.Len() != 0 || len(empty.Lookup("npm", "x")) != 0 {
		t.Errorf("NewIndex(nil): %d records", empty.Len())
	}
}
