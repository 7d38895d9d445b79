package policy

import (
	"fmt"
	"strings"

	"github.com/vouchdev/vouch/sbom/spdx/license"
)

// maxLicenseExpression bounds the length of an SPDX expression the licence
// rule parses; anything longer is reported as unparsable rather than
// parsed, so one hostile manifest cannot make evaluation slow.
const maxLicenseExpression = 4096

// maxLicenseDepth bounds parenthesis nesting in an expression.
const maxLicenseDepth = 32

// licenseNode is a parsed SPDX licence expression. A leaf holds one licence
// (with "+" kept on the id) and an optional WITH exception; inner nodes are
// AND or OR over two or more operands.
type licenseNode struct {
	op       string // "", "AND" or "OR"
	id       string // leaf: the licence id as written, "+" included
	with     string // leaf: the exception id after WITH, if any
	operands []*licenseNode
}

// String writes the expression back in canonical spacing, with
// parentheses where an OR sits inside an AND.
func (n *licenseNode) String() string {
	if n.op == "" {
		if n.with != "" {
			return n.id + " WITH " + n.with
		}
		return n.id
	}
	parts := make([]string, len(n.operands))
	for i, o := range n.operands {
		parts[i] = o.String()
		if n.op == "AND" && o.op == "OR" {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+n.op+" ")
}

// licenseToken is a word or parenthesis of an expression, with its byte
// offset for error messages.
type licenseToken struct {
	text string
	off  int
}

// licenseParser is a recursive-descent parser for SPDX expressions with
// the precedence the specification gives: WITH binds tightest, then AND,
// then OR. Operators are accepted in any case, as package manifests
// commonly write "MIT or Apache-2.0".
type licenseParser struct {
	src  string
	toks []licenseToken
	pos  int
}

// parseLicense parses an SPDX licence expression. The error says what is
// wrong and where, for the reason of a decision.
func parseLicense(s string) (*licenseNode, error) {
	if len(s) > maxLicenseExpression {
		return nil, fmt.Errorf("longer than %d bytes", maxLicenseExpression)
	}
	p := &licenseParser{src: s, toks: tokenizeLicense(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		t := p.toks[p.pos]
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.off)
	}
	return n, nil
}

func tokenizeLicense(s string) []licenseToken {
	var toks []licenseToken
	start := -1
	flush := func(i int) {
		if start >= 0 {
			toks = append(toks, licenseToken{s[start:i], start})
			start = -1
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			flush(i)
		case '(', ')':
			flush(i)
			toks = append(toks, licenseToken{s[i : i+1], i})
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(s))
	return toks
}

func (p *licenseParser) peek() (licenseToken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return licenseToken{off: len(p.src)}, false
}

// isOp reports whether t is the operator op, in any case.
func isOp(t licenseToken, op string) bool { return strings.EqualFold(t.text, op) }

// or := and ("OR" and)*
func (p *licenseParser) or(depth int) (*licenseNode, error) {
	return p.binary(depth, "OR", p.and)
}

// and := with ("AND" with)*
func (p *licenseParser) and(depth int) (*licenseNode, error) {
	return p.binary(depth, "AND", p.with)
}

func (p *licenseParser) binary(depth int, op string, next func(int) (*licenseNode, error)) (*licenseNode, error) {
	first, err := next(depth)
	if err != nil {
		return nil, err
	}
	n := first
	for {
		t, ok := p.peek()
		if !ok || !isOp(t, op) {
			return n, nil
		}
		p.pos++
		right, err := next(depth)
		if err != nil {
			return nil, err
		}
		if n == first {
			n = &licenseNode{op: op, operands: []*licenseNode{first}}
		}
		n.operands = append(n.operands, right)
	}
}

// with := atom ("WITH" exception)?; only a single licence takes an
// exception, as the specification's grammar says.
func (p *licenseParser) with(depth int) (*licenseNode, error) {
	n, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	t, ok := p.peek()
	if !ok || !isOp(t, "WITH") {
		return n, nil
	}
	if n.op != "" || n.with != "" {
		return nil, fmt.Errorf("WITH at offset %d must follow a single licence", t.off)
	}
	p.pos++
	e, ok := p.peek()
	if !ok || e.text == "(" || e.text == ")" || isOperator(e) || !license.IDString(e.text) {
		return nil, fmt.Errorf("WITH at offset %d needs an exception id", t.off)
	}
	p.pos++
	n.with = e.text
	return n, nil
}

// atom := "(" or ")" | licence
func (p *licenseParser) atom(depth int) (*licenseNode, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("expression ends where a licence was expected")
	}
	switch {
	case t.text == "(":
		if depth >= maxLicenseDepth {
			return nil, fmt.Errorf("parentheses nested deeper than %d", maxLicenseDepth)
		}
		p.pos++
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.text != ")" {
			return nil, fmt.Errorf("missing \")\" for \"(\" at offset %d", t.off)
		}
		p.pos++
		return n, nil
	case t.text == ")" || isOperator(t):
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.off)
	}
	if !licenseID(t.text) {
		return nil, fmt.Errorf("%q at offset %d is not a licence id", clip(t.text, 40), t.off)
	}
	p.pos++
	return &licenseNode{id: t.text}, nil
}

func isOperator(t licenseToken) bool {
	return isOp(t, "AND") || isOp(t, "OR") || isOp(t, "WITH")
}

// licenseID accepts an SPDX idstring with an optional "+", a LicenseRef-
// and a DocumentRef-…:LicenseRef- reference. Ids need not be on the SPDX
// list: a policy can still name them, and an allow list rejects them.
func licenseID(s string) bool {
	if doc, ref, ok := strings.Cut(s, ":"); ok {
		d, found := strings.CutPrefix(doc, "DocumentRef-")
		r, found2 := strings.CutPrefix(ref, "LicenseRef-")
		return found && found2 && license.IDString(d) && license.IDString(r)
	}
	return license.IDString(strings.TrimSuffix(s, "+"))
}

// gnuFamilies are the licences whose bare and "+" ids SPDX deprecated in
// favour of "-only" and "-or-later"; both spellings mean the same and must
// match the same policy entries.
var gnuFamilies = map[string]bool{
	"gpl-1.0": true, "gpl-2.0": true, "gpl-3.0": true,
	"lgpl-2.0": true, "lgpl-2.1": true, "lgpl-3.0": true,
	"agpl-1.0": true, "agpl-3.0": true,
	"gfdl-1.1": true, "gfdl-1.2": true, "gfdl-1.3": true,
}

// canonicalLicense lower-cases an id and rewrites the deprecated GNU forms
// ("GPL-2.0", "GPL-2.0+") to the current ones, so "GPL-2.0" in a package
// and "GPL-2.0-only" in a policy are the same licence.
func canonicalLicense(id string) string {
	id = strings.ToLower(id)
	base, plus := strings.CutSuffix(id, "+")
	base = strings.TrimSuffix(base, "-only")
	if b, ok := strings.CutSuffix(base, "-or-later"); ok {
		base, plus = b, true
	}
	if !gnuFamilies[base] {
		return id
	}
	if plus {
		return base + "-or-later"
	}
	return base + "-only"
}

// licenseList is a compiled allow or deny list: canonical entries, each a
// licence id, a "licence WITH exception" pair, or a glob with "*".
type licenseList []string

func newLicenseList(entries []string) licenseList {
	l := make(licenseList, 0, len(entries))
	for _, e := range entries {
		l = append(l, canonicalEntry(e))
	}
	return l
}

// canonicalEntry normalises a list entry: a pair keeps both parts
// canonical and single-spaced.
func canonicalEntry(e string) string {
	fields := strings.Fields(e)
	if len(fields) == 3 && strings.EqualFold(fields[1], "WITH") {
		return canonicalLicense(fields[0]) + " with " + strings.ToLower(fields[2])
	}
	return canonicalLicense(strings.TrimSpace(e))
}

// match returns the entry that matches the canonical id, or "".
func (l licenseList) match(id string) string {
	for _, e := range l {
		if globMatch(e, id) {
			return e
		}
	}
	return ""
}

// licenseVerdict is the outcome of evaluating an expression: whether it
// passed, and the leaves that decided it (for a pass, the licences it is
// used under; for a fail, why each failing licence failed).
type licenseVerdict struct {
	pass bool
	why  []string
}

// licenseLists are the allow and deny lists of the licence rule.
type licenseLists struct {
	allow, deny licenseList
}

// eval decides an expression: an OR passes when any operand passes (the
// licensee may choose it), an AND only when every operand does.
func (ls *licenseLists) eval(n *licenseNode) licenseVerdict {
	switch n.op {
	case "OR":
		var failed []string
		for _, o := range n.operands {
			v := ls.eval(o)
			if v.pass {
				return v
			}
			failed = append(failed, v.why...)
		}
		return licenseVerdict{why: failed}
	case "AND":
		var used, failed []string
		for _, o := range n.operands {
			v := ls.eval(o)
			if v.pass {
				used = append(used, v.why...)
			} else {
				failed = append(failed, v.why...)
			}
		}
		if len(failed) > 0 {
			return licenseVerdict{why: failed}
		}
		return licenseVerdict{pass: true, why: used}
	}
	return ls.leaf(n)
}

// leaf decides one licence. A "licence WITH exception" pair named in a
// list decides first, being more specific than its licence; otherwise the
// licence alone decides, deny before allow. An exception only grants
// permissions, so allowing a licence allows it with any exception. A
// non-GNU "X+" also matches entries for X.
func (ls *licenseLists) leaf(n *licenseNode) licenseVerdict {
	id := canonicalLicense(n.id)
	if n.with != "" {
		pair := id + " with " + strings.ToLower(n.with)
		if e := ls.deny.match(pair); e != "" {
			return licenseVerdict{why: []string{n.String() + " is denied"}}
		}
		if e := ls.allow.match(pair); e != "" {
			return licenseVerdict{pass: true, why: []string{n.String()}}
		}
	}
	ids := []string{id}
	if base, ok := strings.CutSuffix(id, "+"); ok {
		ids = append(ids, base)
	}
	for _, i := range ids {
		if ls.deny.match(i) != "" {
			if n.with != "" {
				return licenseVerdict{why: []string{fmt.Sprintf("%s is denied, with or without %s", n.id, n.with)}}
			}
			return licenseVerdict{why: []string{n.id + " is denied"}}
		}
	}
	if len(ls.allow) == 0 {
		return licenseVerdict{pass: true, why: []string{n.String()}}
	}
	for _, i := range ids {
		if ls.allow.match(i) != "" {
			return licenseVerdict{pass: true, why: []string{n.String()}}
		}
	}
	return licenseVerdict{why: []string{n.id + " is not on the allow list"}}
}

// clip shortens s for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
