// Package vex reads OpenVEX documents (https://openvex.dev, specification
// v0.2.0) and applies their statements to findings: a supplier or a
// project's own security team saying that a vulnerability does not affect
// a product ("not_affected", with a justification) or is fixed in it.
//
// What a document must hold: a JSON object whose "@context" names an
// OpenVEX namespace ("https://openvex.dev/ns/v0.2.0"), and "statements",
// each with a "vulnerability" naming it ("name", "@id", "aliases"), at
// least one entry in "products" identified by a PURL ("@id" or
// "identifiers.purl", with optional "subcomponents" identified the same
// way), and a "status" of not_affected, affected, fixed or
// under_investigation. A not_affected statement must give a justification
// from the specification's list or an impact_statement: a suppression
// nobody explained is refused rather than taken. Timestamps, when given,
// are RFC 3339. Unknown fields are ignored. Errors are *extract.Error
// values naming the file and the line of the statement at fault.
//
// How statements apply (Apply): a statement covers a finding when one of
// its vulnerability's name, @id or aliases equals one of the finding's
// identifiers (case-insensitively), and one of its products or
// subcomponents names the finding's component. The scanned artifact has
// no identity a VEX product could name, so a subcomponent applies
// wherever that component is found. PURLs compare by type, namespace, name
// and subpath as the PURL specification normalises them (PyPI names as
// PEP 503 does); a product without a version covers every version, and
// one without qualifiers covers any qualifiers (each qualifier it gives
// must match). Of the statements covering a finding the latest (by its
// timestamp, else the document's; the later in the file on a tie) decides,
// as OpenVEX intends statements to be read as a timeline: not_affected and
// fixed suppress the finding, affected and under_investigation leave it.
package vex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/purl"
)

// MaxSize bounds a VEX document. Real ones are kilobytes; a few thousand
// statements about an image fit in well under a megabyte.
const MaxSize = 16 << 20

// Bounds on a document, far above real use, so a hostile file cannot make
// Apply's work grow without limit.
const (
	maxStatements = 100_000
	maxProducts   = 10_000 // products, subcomponents and aliases of one statement
)

// Status is a statement's status.
type Status string

// Statuses defined by OpenVEX.
const (
	NotAffected        Status = "not_affected"
	Affected           Status = "affected"
	Fixed              Status = "fixed"
	UnderInvestigation Status = "under_investigation"
)

// justifications are the not_affected justifications OpenVEX defines.
var justifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
}

// Document is a parsed OpenVEX document.
type Document struct {
	// Path is the file it was read from, named in suppressions.
	Path      string
	Context   string
	ID        string
	Author    string
	Timestamp time.Time
	// Statements in file order.
	Statements []Statement
}

// Statement is one VEX statement.
type Statement struct {
	// Vulnerability names the vulnerability: its name ("CVE-2023-1234"),
	// its @id (often a URL) and aliases.
	Vulnerability Vulnerability
	// Products are the PURLs the statement is about: each product's and
	// each subcomponent's.
	Products        []string
	Status          Status
	Justification   string
	ImpactStatement string
	ActionStatement string
	// Timestamp is the statement's, else the document's (zero if
	// neither has one).
	Timestamp time.Time
	// Line is where the statement starts in the file.
	Line int
}

// Vulnerability identifies the vulnerability of a statement.
type Vulnerability struct {
	Name    string
	ID      string
	Aliases []string
}

// rawStatement, rawComponent and rawProduct are the JSON shapes of a
// statement.
type rawStatement struct {
	Vulnerability struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	} `json:"vulnerability"`
	Products        []rawProduct `json:"products"`
	Status          string       `json:"status"`
	Justification   string       `json:"justification"`
	ImpactStatement string       `json:"impact_statement"`
	ActionStatement string       `json:"action_statement"`
	Timestamp       string       `json:"timestamp"`
}

type rawComponent struct {
	ID          string `json:"@id"`
	Identifiers struct {
		PURL string `json:"purl"`
	} `json:"identifiers"`
}

type rawProduct struct {
	rawComponent
	Subcomponents []rawComponent `json:"subcomponents"`
}

// purlOf returns the PURL a component is identified by, or "".
func (c rawComponent) purlOf() string {
	if c.Identifiers.PURL != "" {
		return c.Identifiers.PURL
	}
	if strings.HasPrefix(c.ID, "pkg:") {
		return c.ID
	}
	return ""
}

// Load reads the OpenVEX document at path, up to MaxSize bytes.
func Load(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
		}
		return nil, &extract.Error{Path: path, Err: err}
	}
	defer f.Close()
	data, err := extract.ReadAll(&extract.Input{Path: path, Reader: f}, MaxSize)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse reads an OpenVEX document from data; path names it in errors and
// suppressions.
func Parse(data []byte, path string) (*Document, error) {
	if len(data) > MaxSize {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, len(data), MaxSize)}
	}
	lines := extract.NewLineIndex(data)
	lineAt := func(off int64) int {
		// Skip the separator and blanks before a value.
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		l, _ := lines.Position(min(off, int64(max(len(data)-1, 0))))
		return l
	}
	fail := func(off int64, format string, args ...any) error {
		return extract.Errorf(path, lineAt(off), format, args...)
	}
	jsonErr := func(base int64, err error) error {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Inside Decode, offsets count from the value's start.
			return &extract.Error{Path: path, Line: lineAt(base + max(te.Offset-1, 0)), Err: err}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return extract.Errorf(path, lineAt(int64(len(data))), "json: unexpected end of input")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// A Decoder's syntax offsets do not count from the
			// start of the input; checking the whole input again
			// finds the same error with an offset that does.
			if err2 := json.Unmarshal(data, new(json.RawMessage)); errors.As(err2, &se) {
				err = err2
			}
		}
		return extract.JSONError(path, data, err)
	}

	doc := &Document{Path: path}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, extract.Errorf(path, 0, "not an OpenVEX document: empty file")
		}
		return nil, jsonErr(0, err)
	} else if tok != json.Delim('{') {
		return nil, fail(0, "not an OpenVEX document: want a JSON object")
	}
	var docTime string
	var contextOff, timeOff int64
	var statements []rawStatement
	var starts []int64
	sawStatements := false
	for dec.More() {
		keyOff := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(keyOff, err)
		}
		key, _ := tok.(string)
		off := dec.InputOffset()
		var dst any
		switch key {
		case "@context":
			dst, contextOff = &doc.Context, keyOff
		case "@id":
			dst = &doc.ID
		case "author":
			dst = &doc.Author
		case "timestamp":
			dst, timeOff = &docTime, keyOff
		case "statements":
			sawStatements = true
			tok, err := dec.Token()
			if err != nil {
				return nil, jsonErr(off, err)
			}
			if tok != json.Delim('[') {
				return nil, fail(off, "statements: want an array")
			}
			for dec.More() {
				start := dec.InputOffset()
				if len(statements) == maxStatements {
					return nil, fail(start, "more than %d statements", maxStatements)
				}
				var s rawStatement
				if err := dec.Decode(&s); err != nil {
					return nil, jsonErr(start, err)
				}
				statements = append(statements, s)
				starts = append(starts, start)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, jsonErr(dec.InputOffset(), err)
			}
			continue
		default:
			var skip json.RawMessage
			dst = &skip
		}
		if err := dec.Decode(dst); err != nil {
			return nil, jsonErr(off, err)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, jsonErr(dec.InputOffset(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail(dec.InputOffset(), "json: data after the document")
	}

	if !strings.Contains(doc.Context, "openvex.dev/ns") {
		return nil, fail(contextOff, "not an OpenVEX document: @context %q is not an OpenVEX namespace", doc.Context)
	}
	if !sawStatements {
		return nil, extract.Errorf(path, 1, "no statements")
	}
	if docTime != "" {
		t, err := time.Parse(time.RFC3339, docTime)
		if err != nil {
			return nil, fail(timeOff, "timestamp %q: want RFC 3339", docTime)
		}
		doc.Timestamp = t
	}
	for i, raw := range statements {
		s, err := statement(raw, doc.Timestamp)
		if err != nil {
			return nil, fail(starts[i], "statement %d: %v", i+1, err)
		}
		s.Line = lineAt(starts[i])
		doc.Statements = append(doc.Statements, s)
	}
	return doc, nil
}

// statement checks a raw statement and turns it into a Statement.
func statement(raw rawStatement, docTime time.Time) (Statement, error) {
	v := raw.Vulnerability
	s := Statement{
		Vulnerability:   Vulnerability{Name: v.Name, ID: v.ID, Aliases: v.Aliases},
		Status:          Status(raw.Status),
		Justification:   raw.Justification,
		ImpactStatement: raw.ImpactStatement,
		ActionStatement: raw.ActionStatement,
		Timestamp:       docTime,
	}
	if v.Name == "" && v.ID == "" {
		return s, errors.New("vulnerability has no name or @id")
	}
	switch s.Status {
	case NotAffected:
		if s.Justification == "" && s.ImpactStatement == "" {
			return s, errors.New("not_affected without a justification or impact_statement")
		}
	case Affected, Fixed, UnderInvestigation:
	case "":
		return s, errors.New("no status")
	default:
		return s, fmt.Errorf("unknown status %q (want not_affected, affected, fixed or under_investigation)", raw.Status)
	}
	if s.Justification != "" && !slices.Contains(justifications, s.Justification) {
		return s, fmt.Errorf("unknown justification %q", s.Justification)
	}
	if raw.Timestamp != "" {
		t, err := time.Parse(time.RFC3339, raw.Timestamp)
		if err != nil {
			return s, fmt.Errorf("timestamp %q: want RFC 3339", raw.Timestamp)
		}
		s.Timestamp = t
	}
	n := len(v.Aliases) + len(raw.Products)
	for _, p := range raw.Products {
		n += len(p.Subcomponents)
	}
	if n > maxProducts {
		return s, fmt.Errorf("more than %d products, subcomponents and aliases", maxProducts)
	}
	for i, p := range raw.Products {
		ids := []string{p.purlOf()}
		for _, c := range p.Subcomponents {
			ids = append(ids, c.purlOf())
		}
		for _, id := range ids {
			if id == "" {
				continue
			}
			if _, err := packageurl.FromString(id); err != nil {
				return s, fmt.Errorf("products[%d]: %w", i, err)
			}
			s.Products = append(s.Products, id)
		}
	}
	if len(s.Products) == 0 {
		return s, errors.New("no product identified by a PURL")
	}
	return s, nil
}

// Apply marks the findings that the document's statements say do not apply
// (see the package comment) by setting their Suppressed field, and returns
// how many it marked. The suppression carries the statement's status,
// justification and impact (else action) statement, and names the
// document and the statement's line ("vex.json:12") as its source. A
// finding already suppressed is left as it is.
func Apply(doc *Document, findings []finding.Finding) int {
	byVuln := map[string][]int{}
	for i, s := range doc.Statements {
		ids := append([]string{s.Vulnerability.Name, s.Vulnerability.ID}, s.Vulnerability.Aliases...)
		for _, id := range ids {
			if id == "" {
				continue
			}
			k := strings.ToUpper(id)
			if l := byVuln[k]; len(l) == 0 || l[len(l)-1] != i {
				byVuln[k] = append(byVuln[k], i)
			}
		}
	}
	marked := 0
	for fi := range findings {
		f := &findings[fi]
		if f.Suppressed != nil || f.Component == "" {
			continue
		}
		comp, err := packageurl.FromString(f.Component)
		if err != nil {
			continue
		}
		var cands []int
		for _, id := range append([]string{f.ID}, f.Aliases...) {
			cands = append(cands, byVuln[strings.ToUpper(id)]...)
		}
		slices.Sort(cands)
		best := -1
		for _, i := range slices.Compact(cands) {
			s := &doc.Statements[i]
			if !slices.ContainsFunc(s.Products, func(p string) bool { return covers(p, comp) }) {
				continue
			}
			// In file order, so a later statement wins a tie.
			if best < 0 || !s.Timestamp.Before(doc.Statements[best].Timestamp) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		s := doc.Statements[best]
		if s.Status != NotAffected && s.Status != Fixed {
			continue
		}
		text := s.ImpactStatement
		if text == "" {
			text = s.ActionStatement
		}
		f.Suppressed = &finding.Suppression{
			Status:        string(s.Status),
			Justification: s.Justification,
			Statement:     text,
			Source:        fmt.Sprintf("%s:%d", doc.Path, s.Line),
		}
		marked++
	}
	return marked
}

// covers reports whether a statement's product PURL names the component.
func covers(product string, comp packageurl.PackageURL) bool {
	p, err := packageurl.FromString(product)
	if err != nil || p.Type != comp.Type || p.Subpath != "" && p.Subpath != comp.Subpath {
		return false
	}
	name, compName := p.Name, comp.Name
	if p.Type == packageurl.TypePyPi {
		name, compName = purl.NormalizePyPI(name), purl.NormalizePyPI(compName)
	}
	if p.Namespace != comp.Namespace || name != compName {
		return false
	}
	if p.Version != "" && p.Version != comp.Version {
		if p.Type != packageurl.TypeGolang || strings.TrimPrefix(p.Version, "v") != strings.TrimPrefix(comp.Version, "v") {
			return false
		}
	}
	have := comp.Qualifiers.Map()
	for _, q := range p.Qualifiers {
		if have[q.Key] != q.Value {
			return false
		}
	}
	return true
}
