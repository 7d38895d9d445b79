package extract

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestReadFile(t *testing.T) {
	fsys := fstest.MapFS{
		"a/Cargo.toml": {Data: []byte("[package]\n")},
		"a/big":        {Data: make([]byte, 11)},
		"a/dir":        {Mode: fs.ModeDir},
	}
	tests := []struct {
		path    string
		want    string
		wantErr error
	}{
		{"a/Cargo.toml", "[package]\n", nil},
		{"a/missing", "", fs.ErrNotExist},
		{"a/dir", "", fs.ErrNotExist},
		{"../escape", "", fs.ErrNotExist},
		{"a/big", "", ErrTooLarge},
	}
	for _, tt := range tests {
		data, err := ReadFile(fsys, tt.path, 10)
		if string(data) != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("ReadFile(%q) = %q, %v; want %q, %v", tt.path, data, err, tt.want, tt.wantErr)
		}
		var xe *Error
		if errors.Is(err, ErrTooLarge) && (!errors.As(err, &xe) || xe.Path != tt.path) {
			t.Errorf("ReadFile(%q): %v does not name the file", tt.path, err)
		}
	}
}
