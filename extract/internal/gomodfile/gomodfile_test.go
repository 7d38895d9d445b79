package gomodfile

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/extract"
)

// TestReadInTree checks which module directories are read through the
// scanned tree: relative ones inside it, in either slash style.
func TestReadInTree(t *testing.T) {
	fsys := fstest.MapFS{
		"lib/go.mod":   {Data: []byte("module example.com/lib\n")},
		"large/go.mod": {Data: []byte("module example.com/large\n// padding past the limit\n")},
	}
	in := &extract.Input{Path: "app/go.mod", Root: fsys}
	tests := []struct {
		dir  string
		want bool
	}{
		{"../lib", true},
		{`..\lib`, true},
		{"./../lib/", true},
		{"../../lib", false}, // leaves the tree
		{"/lib", false},
		{`\lib`, false},
		{`C:\lib`, false},
		{"../missing", false},
		{"", false},
		{"../large", false}, // longer than the limit
	}
	for _, tt := range tests {
		if got := ReadInTree(in, tt.dir, 32) != nil; got != tt.want {
			t.Errorf("ReadInTree(%q) read = %v, want %v", tt.dir, got, tt.want)
		}
	}
	if got := ReadInTree(&extract.Input{Path: "app/go.mod"}, "../lib", 32); got != nil {
		t.Errorf("ReadInTree without a scanned tree = %q", got)
	}
}

// TestError checks that the format is named in messages modfile gives
// without a verb, and that positions are kept.
func TestError(t *testing.T) {
	tests := []struct {
		name, kind, data string
		want             extract.Error
		msg              string
	}{
		{name: "mod", kind: "go.mod", data: "module m\nrequire a.com/x v1.0.0 }\n",
			want: extract.Error{Path: "x/go.mod", Line: 2}, msg: "parse go.mod: usage: require module/path v1.2.3"},
		{name: "work", kind: "go.work", data: "go 1.22\nrequire a.com/x v1.0.0\n",
			want: extract.Error{Path: "x/go.mod", Line: 2}, msg: "parse go.work: unknown directive: require"},
		{name: "column", kind: "go.mod", data: "module m\n  x ]\n",
			want: extract.Error{Path: "x/go.mod", Line: 2, Column: 3}, msg: "parse go.mod: unknown directive: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.kind == "go.work" {
				_, err = modfile.ParseWork("x/go.mod", []byte(tt.data), nil)
			} else {
				_, err = modfile.Parse("x/go.mod", []byte(tt.data), nil)
			}
			if err == nil {
				t.Fatal("parsed without error")
			}
			got := Error("x/go.mod", tt.kind, err)
			if diff := cmp.Diff([]any{tt.want.Path, tt.want.Line, tt.want.Column, tt.msg}, []any{got.Path, got.Line, got.Column, got.Err.Error()}); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if got := Error("go.work", "go.work", errNotModfile{}).Error(); got != "go.work: parse go.work: not a modfile error" {
		t.Errorf("other error = %q", got)
	}
}

type errNotModfile struct{}

func (errNotModfile) Error() string { return "not a modfile error" }
