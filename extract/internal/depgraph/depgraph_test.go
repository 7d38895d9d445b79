package depgraph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCover(t *testing.T) {
	// a → b → c; d ↔ e (a cycle nothing reaches); f alone; g → a.
	nodes := []string{"a", "b", "c", "d", "e", "f", "g"}
	children := map[string][]string{"a": {"b"}, "b": {"c"}, "d": {"e"}, "e": {"d"}, "g": {"a"}}
	tests := []struct {
		name  string
		start []string
		want  map[string]bool
	}{
		{"unrequired", Unrequired(nodes, children), map[string]bool{"f": true, "g": true, "d": true}},
		{"a start already reached stays direct", []string{"g", "a"}, map[string]bool{"g": true, "a": true, "d": true, "f": true}},
		{"no start", nil, map[string]bool{"a": true, "d": true, "f": true, "g": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Cover(nodes, tt.start, children)); diff != "" {
				t.Errorf("Cover (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"d", "f", "g"}, Unrequired([]string{"d", "f", "g", "a"}, map[string][]string{"g": {"a"}})); diff != "" {
		t.Errorf("Unrequired (-want +got):\n%s", diff)
	}
}
