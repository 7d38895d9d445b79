package release

import (
	"bytes"
)

// Line is one line of a file with its 1-based number.
type Line struct {
	N    int    `json:"line"`
	Text string `json:"text"`
}

// maxDiffEdits bounds Myers' search; past it the diff falls back to
// comparing line multisets, which says what was added and removed
// without aligning them.
const maxDiffEdits = 500

// splitLines splits data into lines without their terminators.
func splitLines(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	lines := bytes.Split(data, []byte{'\n'})
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte{'\r'})
	}
	return lines
}

// lineDiff returns the lines of b not in a (added, numbered in b) and the
// lines of a not in b (removed, numbered in a).
func lineDiff(a, b []byte) (added, removed []Line) {
	la, lb := splitLines(a), splitLines(b)
	// Common prefix and suffix first: most changed files differ in a
	// few places.
	pre := 0
	for pre < len(la) && pre < len(lb) && bytes.Equal(la[pre], lb[pre]) {
		pre++
	}
	suf := 0
	for suf < len(la)-pre && suf < len(lb)-pre && bytes.Equal(la[len(la)-1-suf], lb[len(lb)-1-suf]) {
		suf++
	}
	ma, mb := la[pre:len(la)-suf], lb[pre:len(lb)-suf]
	ins, del, ok := myers(ma, mb)
	if !ok {
		ins, del = multisetDiff(ma, mb)
	}
	for _, i := range del {
		removed = append(removed, Line{N: pre + i + 1, Text: string(ma[i])})
	}
	for _, j := range ins {
		added = append(added, Line{N: pre + j + 1, Text: string(mb[j])})
	}
	return added, removed
}

// myers returns the indexes of b's inserted lines and a's deleted lines
// of a shortest edit script, or ok=false past maxDiffEdits.
func myers(a, b [][]byte) (ins, del []int, ok bool) {
	n, m := len(a), len(b)
	if n == 0 {
		for j := range b {
			ins = append(ins, j)
		}
		return ins, nil, true
	}
	if m == 0 {
		for i := range a {
			del = append(del, i)
		}
		return nil, del, true
	}
	max := n + m
	if max > maxDiffEdits {
		max = maxDiffEdits
	}
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	for d := 0; d <= max; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && bytes.Equal(a[x], b[y]) {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, off, n, m, d)
			}
		}
	}
	return nil, nil, false
}

func backtrack(trace [][]int, off, x, y, d int) (ins, del []int, ok bool) {
	for ; d > 0; d-- {
		v := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[off+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
		}
		if x == px {
			ins = append(ins, py)
		} else {
			del = append(del, px)
		}
		x, y = px, py
	}
	reverse(ins)
	reverse(del)
	return ins, del, true
}

func reverse(s []int) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// multisetDiff returns b's lines with no counterpart in a and a's lines
// with none in b, counting repeats.
func multisetDiff(a, b [][]byte) (ins, del []int) {
	count := map[string]int{}
	for _, l := range a {
		count[string(l)]++
	}
	for j, l := range b {
		if count[string(l)] > 0 {
			count[string(l)]--
		} else {
			ins = append(ins, j)
		}
	}
	count = map[string]int{}
	for _, l := range b {
		count[string(l)]++
	}
	for i, l := range a {
		if count[string(l)] > 0 {
			count[string(l)]--
		} else {
			del = append(del, i)
		}
	}
	return ins, del
}
