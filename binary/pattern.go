package binary

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits on one hex pattern. They keep matching polynomial: the set of
// positions the matcher tracks across jumps can never exceed the sum of the
// jumps' widths, and each position is checked once per segment.
const (
	// MaxPatternTokens bounds the bytes, wildcards and jumps of a pattern.
	MaxPatternTokens = 1024
	// MaxJump bounds the upper end of one [n-m] jump, as in YARA's
	// historical limit for bounded jumps.
	MaxJump = 256
	// MaxJumps bounds how many jumps one pattern holds.
	MaxJumps = 16
	// MaxHitsPerPattern bounds the hits kept for one pattern in one buffer,
	// so a file full of repetitions cannot grow the report without bound.
	MaxHitsPerPattern = 64
)

// ErrPattern is wrapped by every error about a malformed pattern.
var ErrPattern = errors.New("malformed pattern")

// segment is a run of bytes with a fixed length, some of them wildcards.
type segment struct {
	b    []byte
	lit  []bool // lit[i] is false where b[i] is a ?? wildcard
	jmin int    // the jump before this segment; 0,0 for the first
	jmax int
}

func (s *segment) matchAt(data []byte, at int) bool {
	if at < 0 || at+len(s.b) > len(data) {
		return false
	}
	for i, c := range s.b {
		if s.lit[i] && data[at+i] != c {
			return false
		}
	}
	return true
}

// Pattern is a compiled hex pattern: bytes written as two hex digits, "??"
// for any byte and "[n-m]" (or "[n]") for a jump over n to m arbitrary
// bytes. Whitespace between tokens is optional.
type Pattern struct {
	// Source is the text the pattern was compiled from.
	Source string
	segs   []segment
	// The anchor is the longest run of literal bytes, searched with
	// bytes.Index; everything else is verified around each occurrence.
	anchorSeg int
	anchorOff int // offset of the anchor within its segment
	anchor    []byte
}

// Hit is one match of a pattern: the half-open range [Start, End) of the
// scanned buffer. When jumps allow several lengths, the shortest is kept.
type Hit struct {
	Start, End int
}

// CompilePattern parses a hex pattern. It rejects odd hex digits, unknown
// characters, jumps at either end, inverted or oversized jumps, and patterns
// without a literal byte (which would need no anchor and match everywhere).
func CompilePattern(src string) (*Pattern, error) {
	p := &Pattern{Source: src}
	text := strings.TrimSpace(src)
	if text == "" {
		return nil, fmt.Errorf("%w: empty", ErrPattern)
	}
	cur := segment{}
	tokens, jumps := 0, 0
	pendingJump := false
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '[':
			end := strings.IndexByte(text[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed jump at column %d", ErrPattern, i+1)
			}
			lo, hi, err := parseJump(text[i+1 : i+end])
			if err != nil {
				return nil, fmt.Errorf("%w: jump at column %d: %v", ErrPattern, i+1, err)
			}
			if len(cur.b) == 0 && len(p.segs) == 0 {
				return nil, fmt.Errorf("%w: pattern starts with a jump", ErrPattern)
			}
			jumps++
			if jumps > MaxJumps {
				return nil, fmt.Errorf("%w: more than %d jumps", ErrPattern, MaxJumps)
			}
			if pendingJump {
				// Two jumps in a row are one jump of the summed bounds.
				cur.jmin += lo
				cur.jmax += hi
				if cur.jmax > MaxJump {
					return nil, fmt.Errorf("%w: jumps at column %d exceed %d bytes", ErrPattern, i+1, MaxJump)
				}
			} else {
				p.segs = append(p.segs, cur)
				cur = segment{jmin: lo, jmax: hi}
				pendingJump = true
			}
			i += end + 1
		case c == '?':
			if i+1 >= len(text) || text[i+1] != '?' {
				return nil, fmt.Errorf("%w: lone '?' at column %d (wildcards are whole bytes: ??)", ErrPattern, i+1)
			}
			cur.b = append(cur.b, 0)
			cur.lit = append(cur.lit, false)
			pendingJump = false
			i += 2
		default:
			if i+1 >= len(text) {
				return nil, fmt.Errorf("%w: odd hex digit at column %d", ErrPattern, i+1)
			}
			v, err := strconv.ParseUint(text[i:i+2], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("%w: bad byte %q at column %d", ErrPattern, text[i:i+2], i+1)
			}
			cur.b = append(cur.b, byte(v))
			cur.lit = append(cur.lit, true)
			pendingJump = false
			i += 2
		}
		tokens++
		if tokens > MaxPatternTokens {
			return nil, fmt.Errorf("%w: more than %d tokens", ErrPattern, MaxPatternTokens)
		}
	}
	if pendingJump {
		return nil, fmt.Errorf("%w: pattern ends with a jump", ErrPattern)
	}
	p.segs = append(p.segs, cur)

	// Pick the longest literal run as the anchor.
	best := 0
	for si, s := range p.segs {
		run := 0
		for i := range s.b {
			if !s.lit[i] {
				run = 0
				continue
			}
			run++
			if run > best {
				best = run
				p.anchorSeg, p.anchorOff = si, i+1-run
			}
		}
	}
	if best == 0 {
		return nil, fmt.Errorf("%w: no literal byte to anchor on", ErrPattern)
	}
	s := p.segs[p.anchorSeg]
	p.anchor = s.b[p.anchorOff : p.anchorOff+best]
	return p, nil
}

func parseJump(s string) (lo, hi int, err error) {
	a, b, ranged := strings.Cut(strings.TrimSpace(s), "-")
	lo, err = strconv.Atoi(strings.TrimSpace(a))
	if err != nil || lo < 0 {
		return 0, 0, fmt.Errorf("bad bound %q", a)
	}
	hi = lo
	if ranged {
		hi, err = strconv.Atoi(strings.TrimSpace(b))
		if err != nil || hi < 0 {
			return 0, 0, fmt.Errorf("bad bound %q (unbounded jumps are not supported)", b)
		}
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("inverted bounds %d-%d", lo, hi)
	}
	if hi > MaxJump {
		return 0, 0, fmt.Errorf("bound %d over the limit of %d", hi, MaxJump)
	}
	return lo, hi, nil
}

// FindAll returns the matches of p in data in order of their anchor, at
// most MaxHitsPerPattern of them. Overlapping matches are all reported.
// It stops with ctx's error when ctx is done.
func (p *Pattern) FindAll(ctx context.Context, data []byte) ([]Hit, error) {
	var hits []Hit
	seg := &p.segs[p.anchorSeg]
	for from, n := 0, 0; from < len(data); n++ {
		if n%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return hits, err
			}
		}
		i := bytes.Index(data[from:], p.anchor)
		if i < 0 {
			break
		}
		at := from + i - p.anchorOff // start of the anchor's segment
		from += i + 1
		if !seg.matchAt(data, at) {
			continue
		}
		start, ok := p.matchBack(data, at)
		if !ok {
			continue
		}
		end, ok := p.matchForward(data, at+len(seg.b))
		if !ok {
			continue
		}
		h := Hit{Start: start, End: end}
		if len(hits) > 0 && hits[len(hits)-1] == h {
			continue
		}
		hits = append(hits, h)
		if len(hits) >= MaxHitsPerPattern {
			break
		}
	}
	return hits, nil
}

// matchForward matches the segments after the anchor's, given where the
// anchor's segment ends, and returns the smallest end of a full match.
// Positions are tracked as a deduplicated set, so the cost is bounded by
// the jumps' widths rather than growing with their product.
func (p *Pattern) matchForward(data []byte, end int) (int, bool) {
	ends := []int{end}
	for si := p.anchorSeg + 1; si < len(p.segs); si++ {
		s := &p.segs[si]
		var next []int
		for _, e := range ends {
			for j := s.jmin; j <= s.jmax; j++ {
				if s.matchAt(data, e+j) {
					next = append(next, e+j+len(s.b))
				}
			}
		}
		if len(next) == 0 {
			return 0, false
		}
		slices.Sort(next)
		ends = slices.Compact(next)
	}
	return ends[0], true
}

// matchBack matches the segments before the anchor's, given where the
// anchor's segment starts, and returns the largest start of a full match.
// The two sides are independent once the anchor is fixed.
func (p *Pattern) matchBack(data []byte, start int) (int, bool) {
	starts := []int{start}
	for si := p.anchorSeg; si > 0; si-- {
		gap := &p.segs[si] // its jump separates it from the segment before
		prev := &p.segs[si-1]
		var next []int
		for _, st := range starts {
			for j := gap.jmin; j <= gap.jmax; j++ {
				at := st - j - len(prev.b)
				if prev.matchAt(data, at) {
					next = append(next, at)
				}
			}
		}
		if len(next) == 0 {
			return 0, false
		}
		slices.Sort(next)
		starts = slices.Compact(next)
	}
	return starts[len(starts)-1], true
}
