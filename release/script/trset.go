package script

import "strings"

// maxTrSet bounds an expanded tr set; [c*n] repeats could otherwise ask
// for billions of bytes.
const maxTrSet = 4096

// trElem is one byte of a tr set after escapes are decoded; literal marks
// bytes written as escapes, which never act as [ ] : = * - syntax.
type trElem struct {
	c       byte
	literal bool
}

// expandTrSet expands a tr set the way GNU tr does: backslash escapes
// (\NNN octal, \n, \t, \\, \- ...), ranges (a-z, \0-\377), classes
// ([:alpha:]), equivalence classes ([=c=]) and repeats ([c*n], [c*] which
// fills to fill bytes). ok is false for sets tr would reject.
func expandTrSet(s string, fill int) (out []byte, ok bool) {
	// First pass: decode escapes into elements, keeping [ ] : = * markers
	// distinguishable from escaped ones.
	var el []trElem
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			el = append(el, trElem{s[i], false})
			i++
			continue
		}
		if i+1 >= len(s) {
			el = append(el, trElem{'\\', true})
			i++
			continue
		}
		n := s[i+1]
		switch {
		case n >= '0' && n <= '7':
			v, j := 0, i+1
			for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' && v*8+int(s[j]-'0') <= 0377 {
				v = v*8 + int(s[j]-'0')
				j++
			}
			el = append(el, trElem{byte(v), true})
			i = j
			continue
		case n == 'a':
			el = append(el, trElem{7, true})
		case n == 'b':
			el = append(el, trElem{8, true})
		case n == 'f':
			el = append(el, trElem{12, true})
		case n == 'n':
			el = append(el, trElem{10, true})
		case n == 'r':
			el = append(el, trElem{13, true})
		case n == 't':
			el = append(el, trElem{9, true})
		case n == 'v':
			el = append(el, trElem{11, true})
		default:
			el = append(el, trElem{n, true})
		}
		i += 2
	}
	for i := 0; i < len(el); {
		if len(out) > maxTrSet {
			return nil, false
		}
		e := el[i]
		if e.c == '[' && !e.literal && i+1 < len(el) {
			// [:class:], [=c=], [c*n]
			if el[i+1].c == ':' && !el[i+1].literal {
				end := -1
				for j := i + 2; j+1 < len(el); j++ {
					if el[j].c == ':' && el[j+1].c == ']' {
						end = j
						break
					}
				}
				if end > 0 {
					var name strings.Builder
					for _, x := range el[i+2 : end] {
						name.WriteByte(x.c)
					}
					cls, known := trClass(name.String())
					if !known {
						return nil, false
					}
					out = append(out, cls...)
					i = end + 2
					continue
				}
			}
			if el[i+1].c == '=' && i+3 < len(el) && el[i+2].c != 0 && el[i+3].c == '=' && i+4 < len(el) && el[i+4].c == ']' {
				out = append(out, el[i+2].c)
				i += 5
				continue
			}
			if i+2 < len(el) && el[i+2].c == '*' && !el[i+2].literal {
				end := -1
				for j := i + 3; j < len(el) && j < i+24; j++ {
					if el[j].c == ']' && !el[j].literal {
						end = j
						break
					}
				}
				if end > 0 {
					num := 0
					octal := end > i+3 && el[i+3].c == '0'
					valid := true
					for _, x := range el[i+3 : end] {
						if x.c < '0' || x.c > '9' || octal && x.c > '7' {
							valid = false
							break
						}
						if octal {
							num = num*8 + int(x.c-'0')
						} else {
							num = num*10 + int(x.c-'0')
						}
						if num > maxTrSet {
							num = maxTrSet
						}
					}
					if valid {
						if num == 0 {
							num = max(fill-len(out)-countRest(el[end+1:]), 0)
						}
						for range min(num, maxTrSet) {
							out = append(out, el[i+1].c)
						}
						i = end + 1
						continue
					}
				}
			}
		}
		if i+2 < len(el) && el[i+1].c == '-' && !el[i+1].literal {
			lo, hi := e.c, el[i+2].c
			if hi < lo {
				return nil, false
			}
			for c := int(lo); c <= int(hi); c++ {
				out = append(out, byte(c))
			}
			i += 3
			continue
		}
		out = append(out, e.c)
		i++
	}
	return out, true
}

// countRest approximates the bytes the elements after a [c*] repeat
// produce, so the repeat fills set2 to set1's length.
func countRest(el []trElem) int {
	return len(el)
}

// trClass returns the bytes of a [:name:] class in the C locale.
func trClass(name string) ([]byte, bool) {
	var out []byte
	test := map[string]func(c byte) bool{
		"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
		"alpha":  isAlpha,
		"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
		"cntrl":  func(c byte) bool { return c < 32 || c == 127 },
		"digit":  isDigit,
		"graph":  func(c byte) bool { return c > 32 && c < 127 },
		"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
		"print":  func(c byte) bool { return c >= 32 && c < 127 },
		"punct":  func(c byte) bool { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) },
		"space":  func(c byte) bool { return c == ' ' || c >= 9 && c <= 13 },
		"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
		"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
	}[name]
	if test == nil {
		return nil, false
	}
	for c := 0; c < 256; c++ {
		if test(byte(c)) {
			out = append(out, byte(c))
		}
	}
	return out, true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type trKind int

const (
	trPlain  trKind = iota
	trCipher        // many bytes remapped one to one
	trSwap          // a few characters permuted among themselves
	// trTextCipher maps printable text to other bytes: an ASCII
	// encapsulation of binary data (gnulib's javacomp.m4 ships a Java class
	// file that way), weaker evidence than a cipher over binary data.
	trTextCipher
)

// Thresholds for tr maps: case conversion remaps 26 letters, libtool's
// newline/space maps one or two bytes; a substitution cipher over binary
// data remaps most of the byte range.
const (
	cipherMinBytes = 32
	swapMinBytes   = 2
	// cipherMinBinary non-printable input bytes make a map binary to
	// binary: nothing but hidden data needs that.
	cipherMinBinary = 16
)

// classifyTr decides what a translation from set1 to set2 does and how
// many bytes it changes.
func classifyTr(set1, set2 string, truncate bool) (trKind, int) {
	s1, ok1 := expandTrSet(set1, 0)
	if !ok1 || len(s1) == 0 {
		return trPlain, 0
	}
	s2, ok2 := expandTrSet(set2, len(s1))
	if !ok2 || len(s2) == 0 {
		return trPlain, 0
	}
	if truncate && len(s1) > len(s2) {
		s1 = s1[:len(s2)]
	}
	var m [256]int
	for i := range m {
		m[i] = i
	}
	for i, c := range s1 {
		d := s2[len(s2)-1]
		if i < len(s2) {
			d = s2[i]
		}
		m[c] = int(d)
	}
	changed := 0
	var images [256]bool
	distinct := 0
	caseOnly := true
	ctrl := false
	binary := 0 // non-printable bytes in the domain
	var from, to [256]bool
	for c := range 256 {
		d := m[c]
		if d == c {
			continue
		}
		changed++
		if !images[d] {
			images[d] = true
			distinct++
		}
		from[c], to[d] = true, true
		if !(isAlpha(byte(c)) && isAlpha(byte(d)) && (c^d) == 0x20) {
			caseOnly = false
		}
		if c < 32 || c == 127 || c == ' ' || d < 32 || d == 127 || d == ' ' {
			ctrl = true
		}
		if c < 32 || c >= 127 {
			binary++
		}
	}
	if changed == 0 || caseOnly {
		return trPlain, changed
	}
	if distinct >= cipherMinBytes && distinct*4 >= changed*3 {
		if binary >= cipherMinBinary {
			return trCipher, changed
		}
		return trTextCipher, changed
	}
	if changed >= swapMinBytes && changed < cipherMinBytes && ctrl && from == to && distinct == changed {
		return trSwap, changed
	}
	return trPlain, changed
}
