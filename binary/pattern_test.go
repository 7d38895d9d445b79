package binary

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFindAll(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		data    string // hex
		want    []Hit
	}{
		{"literal", "aa bb cc", "00 aa bb cc 00", []Hit{{1, 4}}},
		{"no spaces", "aabbcc", "aa bb cc", []Hit{{0, 3}}},
		{"no match", "aa bb cc", "aa bb cd aa bb", nil},
		{"empty data", "aa", "", nil},
		{"wildcard", "aa ?? cc", "aa 00 cc aa ff cc aa cc", []Hit{{0, 3}, {3, 6}}},
		{"wildcard at ends", "?? aa bb ??", "11 aa bb 22", []Hit{{0, 4}}},
		{"wildcard before start of data", "?? aa bb", "aa bb 00 aa bb", []Hit{{2, 5}}},
		{"wildcard past end of data", "aa bb ??", "aa bb", nil},
		{"jump shortest", "aa [1-3] bb", "aa 00 bb 00 bb", []Hit{{0, 3}}},
		{"jump longest only", "aa [1-3] bb", "aa 00 00 00 bb", []Hit{{0, 5}}},
		{"jump too far", "aa [1-2] bb", "aa 00 00 00 bb", nil},
		{"jump too near", "aa [2-3] bb", "aa 00 bb", nil},
		{"fixed jump", "aa [2] bb", "aa 00 00 bb aa 00 bb", []Hit{{0, 4}}},
		{"zero jump", "aa [0-1] bb", "aa bb", []Hit{{0, 2}}},
		{"adjacent jumps add up", "aa [1] [1] bb", "aa 00 00 bb", []Hit{{0, 4}}},
		{"anchor after jump", "aa [0-2] bb cc dd", "aa 00 bb cc dd", []Hit{{0, 5}}},
		{"anchor before jump, backtracking", "aa bb cc [0-4] dd ?? ee", "aa bb cc dd 00 dd 00 ee", []Hit{{0, 8}}},
		{"shortest start before anchor", "aa [0-3] bb cc", "aa aa aa bb cc", []Hit{{2, 5}}},
		{"overlapping", "aa aa", "aa aa aa", []Hit{{0, 2}, {1, 3}}},
		{"overlapping with wildcard", "aa ?? aa", "aa aa aa aa", []Hit{{0, 3}, {1, 4}}},
		{
			"published prologue with jump",
			"f3 0f 1e fa 55 48 89 f5 ?? 89 ce [2-4] 89 fb",
			"00 f3 0f 1e fa 55 48 89 f5 4c 89 ce 53 90 89 fb 81",
			[]Hit{{1, 16}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompilePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.FindAll(context.Background(), unhex(t, tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindAll(%q) (-want +got):\n%s", tt.pattern, diff)
			}
		})
	}
}

func TestFindAllCapsHits(t *testing.T) {
	p, err := CompilePattern("aa")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.FindAll(context.Background(), bytes.Repeat([]byte{0xaa}, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != MaxHitsPerPattern {
		t.Errorf("got %d hits, want the cap %d", len(got), MaxHitsPerPattern)
	}
}

func TestFindAllCancelled(t *testing.T) {
	p, err := CompilePattern("aa bb ?? cc")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Enough anchor occurrences that fail verification to reach a check.
	data := bytes.Repeat([]byte{0xaa, 0xbb}, 1<<12)
	if _, err := p.FindAll(ctx, data); !errors.Is(err, context.Canceled) {
		t.Errorf("FindAll with cancelled ctx: got %v, want context.Canceled", err)
	}
}

func TestCompilePatternErrors(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
	}{
		{"", "malformed pattern: empty"},
		{"   ", "malformed pattern: empty"},
		{"aa b", "malformed pattern: odd hex digit at column 4"},
		{"aa zz", `malformed pattern: bad byte "zz" at column 4`},
		{"aa ?", "malformed pattern: lone '?' at column 4 (wildcards are whole bytes: ??)"},
		{"aa 4?", `malformed pattern: bad byte "4?" at column 4`},
		{"?? ??", "malformed pattern: no literal byte to anchor on"},
		{"[1-2] aa", "malformed pattern: pattern starts with a jump"},
		{"aa [1-2]", "malformed pattern: pattern ends with a jump"},
		{"aa [1-2 bb", "malformed pattern: unclosed jump at column 4"},
		{"aa [3-1] bb", "malformed pattern: jump at column 4: inverted bounds 3-1"},
		{"aa [1-] bb", `malformed pattern: jump at column 4: bad bound "" (unbounded jumps are not supported)`},
		{"aa [-] bb", `malformed pattern: jump at column 4: bad bound ""`},
		{"aa [x] bb", `malformed pattern: jump at column 4: bad bound "x"`},
		{"aa [0-257] bb", "malformed pattern: jump at column 4: bound 257 over the limit of 256"},
		{"aa [200] [100] bb", "malformed pattern: jumps at column 10 exceed 256 bytes"},
		{strings.Repeat("aa [1] ", 17) + "aa", "malformed pattern: more than 16 jumps"},
		{strings.Repeat("aa", MaxPatternTokens+1), "malformed pattern: more than 1024 tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := CompilePattern(tt.pattern)
			if err == nil {
				t.Fatalf("CompilePattern(%q) = nil error, want %q", tt.pattern, tt.want)
			}
			if !errors.Is(err, ErrPattern) {
				t.Errorf("error %v does not wrap ErrPattern", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("CompilePattern(%q) error (-want +got):\n%s", tt.pattern, diff)
			}
		})
	}
}

// A pattern anchored on a rare byte must not cost more than a pass over
// data full of its near-misses.
func BenchmarkFindAll(b *testing.B) {
	p, err := CompilePattern("f3 0f 1e fa 55 48 89 f5 4c 89 ce 53 89 fb 81 e7 00 00 00 80 48 83 ec 28 48 89 54 24 18 48 89 4c 24 10")
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte{0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89}, 8<<20/7)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := p.FindAll(context.Background(), data); err != nil {
			b.Fatal(err)
		}
	}
}
