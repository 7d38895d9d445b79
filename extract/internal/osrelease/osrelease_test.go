package osrelease

import (
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"plain", "ID=debian\nVERSION_ID=12\n", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"double-quotes", `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`, map[string]string{"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}},
		{"single-quotes", "VERSION_ID='3.19.1'", map[string]string{"VERSION_ID": "3.19.1"}},
		{"mismatched-quotes", `NAME="x'`, map[string]string{"NAME": `"x'`}},
		{"lone-quote", `NAME="`, map[string]string{"NAME": `"`}},
		{"empty-quotes", `NAME=""`, map[string]string{"NAME": ""}},
		{"escapes", `NAME="a \"b\" \\ \$c \` + "`" + `d"`, map[string]string{"NAME": `a "b" \ $c ` + "`d"}},
		{"trailing-backslash", `NAME="a\"`, map[string]string{"NAME": `a\`}},
		{"unquoted-backslash-kept", `NAME=a\b`, map[string]string{"NAME": `a\b`}},
		{"equals-in-value", `HOME_URL="https://x/?a=b"`, map[string]string{"HOME_URL": "https://x/?a=b"}},
		{"comments", "# ID=nope\n#ID=nope\nID=rocky\n  # indented\n", map[string]string{"ID": "rocky"}},
		{"blank-lines", "\n\n  \nID=alpine\n\n", map[string]string{"ID": "alpine"}},
		{"crlf", "ID=ubuntu\r\nVERSION_ID=\"24.04\"\r\n", map[string]string{"ID": "ubuntu", "VERSION_ID": "24.04"}},
		{"spaces-around", "  ID = fedora  \n", map[string]string{"ID ": "fedora"}},
		{"no-equals", "garbage\nID=x\n", map[string]string{"ID": "x"}},
		{"empty-key", "=x\n", map[string]string{}},
		{"empty-value", "VARIANT=\n", map[string]string{"VARIANT": ""}},
		{"last-wins", "ID=a\nID=b\n", map[string]string{"ID": "b"}},
		{"no-final-newline", "ID=x", map[string]string{"ID": "x"}},
		{"empty", "", map[string]string{}},
		{"binary", "\x7fELF\x02\x01\x00=\x00", map[string]string{"\x7fELF\x02\x01\x00": "\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Parse([]byte(tt.in))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestRead(t *testing.T) {
	etc := &fstest.MapFile{Data: []byte("ID=debian\nVERSION_ID=12\n")}
	usr := &fstest.MapFile{Data: []byte("ID=\"ubuntu\"\n")}
	tests := []struct {
		name   string
		files  fstest.MapFS
		prefix string
		want   map[string]string
	}{
		{"etc", fstest.MapFS{"etc/os-release": etc}, "", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"usr-lib", fstest.MapFS{"usr/lib/os-release": usr}, "", map[string]string{"ID": "ubuntu"}},
		{"etc-wins", fstest.MapFS{"etc/os-release": etc, "usr/lib/os-release": usr}, "", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"prefix", fstest.MapFS{"img/rootfs/etc/os-release": etc, "etc/os-release": usr}, "img/rootfs/", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"missing", fstest.MapFS{"etc/hostname": etc}, "", nil},
		{"missing-under-prefix", fstest.MapFS{"etc/os-release": etc}, "img/", nil},
		{"empty-file", fstest.MapFS{"etc/os-release": {Data: nil}}, "", map[string]string{}},
		{"at-cap", fstest.MapFS{"etc/os-release": {Data: []byte("ID=x\n" + strings.Repeat("#", MaxSize-5))}}, "", map[string]string{"ID": "x"}},
		{"over-cap", fstest.MapFS{"etc/os-release": {Data: []byte("ID=x\n" + strings.Repeat("#", MaxSize-4))}}, "", nil},
		{"over-cap-falls-back", fstest.MapFS{"etc/os-release": {Data: []byte(strings.Repeat("#", MaxSize+1))}, "usr/lib/os-release": usr}, "", map[string]string{"ID": "ubuntu"}},
		{"directory", fstest.MapFS{"etc/os-release/x": etc}, "", nil},
		{"directory-falls-back", fstest.MapFS{"etc/os-release/x": etc, "usr/lib/os-release": usr}, "", map[string]string{"ID": "ubuntu"}},
		{"invalid-prefix", fstest.MapFS{"etc/os-release": etc}, "../", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Read(tt.files, tt.prefix)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	t.Run("nil-root", func(t *testing.T) {
		if got := Read(nil, ""); got != nil {
			t.Errorf("Read(nil) = %v, want nil", got)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("ID=debian\nVERSION_ID=12\n"))
	f.Add([]byte("NAME=\"Rocky Linux\"\r\nID='rocky'\r\n# comment\r\n\r\n"))
	f.Add([]byte(`PRETTY_NAME="a \"b\" \\ \$c"` + "\nX=\"\\\"\n"))
	f.Add([]byte("=\n==\n#=\n\"\n'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := Parse(data)
		if m == nil {
			t.Fatal("Parse returned nil")
		}
		for k, v := range m {
			// Keys and values come from one trimmed line each, so
			// neither holds a line break nor outgrows the input.
			if k == "" || strings.HasPrefix(k, "#") || strings.Contains(k, "=") {
				t.Errorf("bad key %q", k)
			}
			if strings.ContainsRune(k, '\n') || strings.ContainsRune(v, '\n') {
				t.Errorf("line break in %q=%q", k, v)
			}
			if len(k)+len(v) > len(data) {
				t.Errorf("%q=%q is longer than the input", k, v)
			}
			if utf8.Valid(data) && !utf8.ValidString(v) {
				t.Errorf("value %q of valid UTF-8 input is not UTF-8", v)
			}
		}
		// Parsing is line by line, so appending a comment changes nothing.
		if diff := cmp.Diff(m, Parse(append(append([]byte{}, data...), "\n# end\n"...))); diff != "" {
			t.Errorf("trailing comment changed the result (-want +got)\n%s", diff)
		}
	})
}
