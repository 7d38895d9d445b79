package release

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// FuzzParseTree feeds `git ls-tree -r -z -l` output: git's output is
// trusted less than git itself (a hostile repository chooses the paths).
func FuzzParseTree(f *testing.F) {
	f.Add([]byte("100644 blob 8ab686eafeb1f44702738c8b0f24f2567c36da6d      12\tREADME\x00" +
		"120000 blob 1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c       7\tlink\x00" +
		"160000 commit 0123456789abcdef0123456789abcdef01234567       -\tvendor/sub\x00"))
	f.Add([]byte("100644 blob x 1\ta\tb\x00"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := parseTree(bufio.NewReaderSize(bytes.NewReader(data), 4096))
		if err != nil {
			return
		}
		for p, e := range tree {
			if p == "" || p != e.Path || e.Size < -1 {
				t.Fatalf("bad entry %q: %+v", p, e)
			}
		}
	})
}

// FuzzIgnore parses .gitignore text and matches paths against it.
func FuzzIgnore(f *testing.F) {
	f.Add("# generated\n/configure\nbuild-aux/\n*.m4\n!keep.m4\nm4/**/x\n", "m4/build-to-host.m4")
	f.Add("[", "a")
	f.Add("**/**/**/**/**/**/**/**/**/**/**/**", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p")
	f.Fuzz(func(t *testing.T, text, p string) {
		if len(p) > 4096 {
			return
		}
		var ig ignores
		ig.add("sub/.gitignore", []byte(text))
		if r := ig.match("sub/" + p); r != nil && r.negate {
			t.Fatalf("a negated rule cannot ignore: %+v", r)
		}
	})
}

// FuzzLineDiff: applying the diff's removed and added lines to the old
// text must give the new text's line counts.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nx\nc\nd\n")
	f.Add("", "only\n")
	f.Add(strings.Repeat("x\n", 100), strings.Repeat("y\n", 100))
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 1<<16 || len(b) > 1<<16 {
			return
		}
		added, removed := lineDiff([]byte(a), []byte(b))
		la, lb := len(splitLines([]byte(a))), len(splitLines([]byte(b)))
		if la-len(removed)+len(added) != lb {
			t.Fatalf("%d lines - %d removed + %d added != %d lines", la, len(removed), len(added), lb)
		}
		for _, l := range added {
			if l.N < 1 || l.N > lb {
				t.Fatalf("added line %d out of 1..%d", l.N, lb)
			}
		}
	})
}
