package license

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpressions(t *testing.T) {
	tests := []struct {
		in                  string
		id, valid, compound bool
		refs                []string
	}{
		{in: "MIT", id: true, valid: true},
		{in: "mit", valid: true},
		{in: "Apache-2.0+", valid: true},
		{in: "Apache-2.0 OR MIT", valid: true, compound: true},
		{in: "GPL-2.0-only WITH Classpath-exception-2.0", valid: true, compound: true},
		{in: "(MIT OR Apache-2.0) AND BSD-3-Clause", valid: true, compound: true},
		{in: "((MIT))", valid: true},
		{in: "MIT AND LicenseRef-acme-1.0", valid: true, compound: true, refs: []string{"LicenseRef-acme-1.0"}},
		{in: "DocumentRef-other:LicenseRef-x OR LicenseRef-x", valid: true, compound: true, refs: []string{"DocumentRef-other:LicenseRef-x", "LicenseRef-x"}},
		{in: "Classpath-exception-2.0", id: true, valid: true},
		{in: "BSD"},
		{in: "MIT or Apache-2.0"},
		{in: "MIT OR"},
		{in: "(MIT"},
		{in: "MIT)"},
		{in: "MIT WITH Nonsense-exception"},
		{in: "LicenseRef-"},
		{in: "LicenseRef-a b"},
		{in: "DocumentRef-:LicenseRef-x"},
		{in: "see LICENSE file"},
		{in: ""},
		{in: strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40)},
		{in: strings.Repeat("MIT OR ", MaxExpression/7+1) + "MIT"},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			if got := IsID(tt.in); got != tt.id {
				t.Errorf("IsID = %v, want %v", got, tt.id)
			}
			if got := Valid(tt.in); got != tt.valid {
				t.Errorf("Valid = %v, want %v", got, tt.valid)
			}
			if got := Compound(tt.in); got != tt.compound {
				t.Errorf("Compound = %v, want %v", got, tt.compound)
			}
			if diff := cmp.Diff(tt.refs, Refs(tt.in)); diff != "" {
				t.Errorf("Refs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"BSD", "LicenseRef-BSD"},
		{"Public-Domain.1", "LicenseRef-Public-Domain.1"},
		{"see LICENSE file", "LicenseRef-see-LICENSE-file-" + digest("see LICENSE file")},
		{"see-LICENSE-file", "LicenseRef-see-LICENSE-file"},
		{"©®", "LicenseRef-" + digest("©®")},
	}
	for _, tt := range tests {
		got := Ref(tt.in)
		if got != tt.want {
			t.Errorf("Ref(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !Valid(got) {
			t.Errorf("Ref(%q) = %q is not a valid expression", tt.in, got)
		}
	}
}

func TestListSorted(t *testing.T) {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("ids not sorted at %q, %q", ids[i-1], ids[i])
		}
	}
	if len(ids) < 700 {
		t.Errorf("only %d identifiers", len(ids))
	}
}
