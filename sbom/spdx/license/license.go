// Package license recognises SPDX licence identifiers and licence
// expressions. SBOM writers need it to put a licence in the field the
// standard means: CycloneDX accepts license.id only for identifiers on the
// SPDX list and "expression" only for a real expression, and SPDX needs a
// valid expression in licenseDeclared. Everything else a package manifest
// says ("BSD", "see LICENSE") is free text.
package license

//go:generate go run gen.go

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
)

// MaxExpression bounds the length of an expression Valid parses; longer
// text is treated as free text rather than parsed.
const MaxExpression = 4096

// maxDepth bounds parenthesis nesting.
const maxDepth = 32

// IsID reports whether s is an SPDX licence or exception identifier spelled
// exactly as the list spells it ("MIT", not "mit"): the CycloneDX schema
// compares license.id case-sensitively.
func IsID(s string) bool {
	_, ok := slices.BinarySearch(ids, s)
	return ok
}

var lower = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[strings.ToLower(id)] = true
	}
	return m
})

// isListed matches an identifier case-insensitively, as SPDX expressions do.
func isListed(s string) bool { return lower()[strings.ToLower(s)] }

// Valid reports whether s is a well-formed SPDX licence expression: listed
// identifiers (in any case, optionally followed by "+"), LicenseRef- and
// DocumentRef-…:LicenseRef- references, combined with AND, OR, WITH and
// parentheses. A single identifier is a valid expression.
func Valid(s string) bool {
	_, ok := parse(s)
	return ok
}

// Compound reports whether s is a valid expression using at least one
// operator ("MIT OR Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0").
func Compound(s string) bool {
	p, ok := parse(s)
	return ok && p.operators > 0
}

// Refs returns the LicenseRef- references (with any DocumentRef- prefix) a
// valid expression uses, in order of first use; nil for an invalid one.
func Refs(s string) []string {
	p, ok := parse(s)
	if !ok {
		return nil
	}
	return p.refs
}

type parser struct {
	toks      []string
	pos       int
	operators int
	refs      []string
}

func parse(s string) (*parser, bool) {
	if len(s) > MaxExpression {
		return nil, false
	}
	p := &parser{toks: tokenize(s)}
	if len(p.toks) == 0 {
		return nil, false
	}
	if !p.expr(0) || p.pos != len(p.toks) {
		return nil, false
	}
	return p, true
}

func tokenize(s string) []string {
	var toks []string
	start := -1
	flush := func(i int) {
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			flush(i)
		case '(', ')':
			flush(i)
			toks = append(toks, s[i:i+1])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(s))
	return toks
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr := and ("OR" and)*
func (p *parser) expr(depth int) bool {
	if !p.and(depth) {
		return false
	}
	for p.peek() == "OR" {
		p.pos++
		p.operators++
		if !p.and(depth) {
			return false
		}
	}
	return true
}

// and := with ("AND" with)*
func (p *parser) and(depth int) bool {
	if !p.with(depth) {
		return false
	}
	for p.peek() == "AND" {
		p.pos++
		p.operators++
		if !p.with(depth) {
			return false
		}
	}
	return true
}

// with := atom ("WITH" exception)?
func (p *parser) with(depth int) bool {
	if !p.atom(depth) {
		return false
	}
	if p.peek() == "WITH" {
		p.pos++
		p.operators++
		t := p.peek()
		if !isListed(t) {
			return false
		}
		p.pos++
	}
	return true
}

// atom := "(" expr ")" | licence
func (p *parser) atom(depth int) bool {
	t := p.peek()
	switch t {
	case "":
		return false
	case "(":
		if depth >= maxDepth {
			return false
		}
		p.pos++
		if !p.expr(depth+1) || p.peek() != ")" {
			return false
		}
		p.pos++
		return true
	case ")", "AND", "OR", "WITH":
		return false
	}
	p.pos++
	if ref, ok := licenseRef(t); ok {
		if !slices.Contains(p.refs, ref) {
			p.refs = append(p.refs, ref)
		}
		return true
	}
	return isListed(strings.TrimSuffix(t, "+"))
}

// licenseRef reports whether t is "LicenseRef-x" or
// "DocumentRef-x:LicenseRef-y" with idstring parts.
func licenseRef(t string) (string, bool) {
	ref := t
	if doc, rest, ok := strings.Cut(t, ":"); ok {
		d, found := strings.CutPrefix(doc, "DocumentRef-")
		if !found || !IDString(d) {
			return "", false
		}
		ref = rest
	}
	r, found := strings.CutPrefix(ref, "LicenseRef-")
	if !found || !IDString(r) {
		return "", false
	}
	return t, true
}

// IDString reports whether s is an SPDX idstring: letters, digits, "." and
// "-", the characters of licence ids and LicenseRef- names.
func IDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Ref returns a LicenseRef- identifier for free licence text, for formats
// that can only carry expressions. Text that is already an idstring keeps
// its spelling ("LicenseRef-BSD"); other text is reduced to idstring
// characters and suffixed with a short digest of the original so that two
// texts never share a reference.
func Ref(text string) string {
	if IDString(text) {
		return "LicenseRef-" + text
	}
	var b strings.Builder
	dash := false
	for i := 0; i < len(text) && b.Len() < 64; i++ {
		c := text[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' {
			b.WriteByte(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	base := strings.TrimSuffix(b.String(), "-")
	if base == "" {
		return "LicenseRef-" + digest(text)
	}
	return "LicenseRef-" + base + "-" + digest(text)
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}
