package pomxml

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vouchdev/vouch/extract"
)

// Limits on hostile input. Real POMs are tens of kilobytes, nest plugin
// configuration a dozen levels deep and hold a few hundred properties and
// dependencies.
const (
	// maxPOMSize bounds a POM, the scanned one and each parent or BOM
	// read for it.
	maxPOMSize = 16 << 20
	maxDepth   = 128
	// maxValue bounds the text of one element that is kept.
	maxValue = 64 << 10
	// maxEntries bounds properties, and dependencies with managed
	// dependencies, of one POM.
	maxEntries = 10000
)

// value is the trimmed text of an element, with whether it was present:
// an empty <relativePath/> is not an absent one.
type value struct {
	text string
	set  bool
}

// dependency is one <dependency> element of <dependencies> or of
// <dependencyManagement><dependencies>.
type dependency struct {
	groupID, artifactID, version, typ, classifier, scope, optional, systemPath value
	// file and line locate the element.
	file string
	line int
}

// parentRef is the <parent> element.
type parentRef struct {
	groupID, artifactID, version, relativePath value
	line                                       int
}

// pom is what a pom.xml declares, uninterpolated.
type pom struct {
	path                                    string
	groupID, artifactID, version, packaging value
	parent                                  *parentRef
	props                                   map[string]string
	deps, managed                           []dependency
	// line is that of <project>.
	line int
}

// parser streams a POM's XML, keeping only the elements the model needs.
type parser struct {
	ctx   context.Context
	path  string
	dec   *xml.Decoder
	stack []string
	// capture is the depth of the element whose text is being kept, 0
	// for none.
	capture int
	text    strings.Builder
	probs   *extract.Problems
}

func (p *parser) errorf(line int, format string, args ...any) *extract.Error {
	return &extract.Error{Path: p.path, Line: line, Extractor: "pomxml", Err: fmt.Errorf(format, args...)}
}

// syntaxError positions an error of the decoder.
func (p *parser) syntaxError(err error) *extract.Error {
	line, col := p.dec.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Line != line {
			col = 0
		}
		line = se.Line
	}
	return &extract.Error{Path: p.path, Line: line, Column: col, Extractor: "pomxml", Err: fmt.Errorf("xml: %w", err)}
}

// at reports whether the open elements are exactly path.
func (p *parser) at(path ...string) bool {
	if len(p.stack) != len(path) {
		return false
	}
	for i := range path {
		if p.stack[i] != path[i] {
			return false
		}
	}
	return true
}

// under reports whether the open elements, but the last, are path.
func (p *parser) under(path ...string) bool {
	if len(p.stack) != len(path)+1 {
		return false
	}
	for i := range path {
		if p.stack[i] != path[i] {
			return false
		}
	}
	return true
}

var (
	depsPath    = []string{"project", "dependencies", "dependency"}
	managedPath = []string{"project", "dependencyManagement", "dependencies", "dependency"}
)

// parse reads a POM. A syntax error, a document that is not a POM or one
// past the limits is an error; entries the model cannot use (a
// dependency without artifactId) are reported through probs, when not
// nil, and skipped.
func parse(ctx context.Context, path string, data []byte, probs *extract.Problems) (*pom, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &parser{ctx: ctx, path: path, dec: xml.NewDecoder(bytes.NewReader(data)), probs: probs}
	p.dec.Strict = true
	p.dec.CharsetReader = charsetReader
	m := &pom{path: path, props: map[string]string{}}
	var dep *dependency
	rootDone := false
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				line, _ := p.dec.InputPos()
				return nil, &extract.Error{Path: path, Line: line, Extractor: "pomxml", Err: err}
			}
		}
		line, _ := p.dec.InputPos()
		tok, err := p.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, p.syntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if rootDone {
				return nil, p.errorf(line, "data after the root element")
			}
			if len(p.stack) == 0 && name != "project" {
				return nil, p.errorf(line, "not a Maven POM: root element <%s>", name)
			}
			if len(p.stack) >= maxDepth {
				return nil, p.errorf(line, "xml nested deeper than %d levels", maxDepth)
			}
			p.stack = append(p.stack, name)
			switch {
			case p.at("project", "parent"):
				m.parent = &parentRef{line: line}
			case p.at(depsPath...), p.at(managedPath...):
				if len(m.deps)+len(m.managed) >= maxEntries {
					return nil, p.errorf(line, "more than %d dependencies", maxEntries)
				}
				dep = &dependency{file: path, line: line}
			case p.at("project"):
				m.line = line
			}
			if p.capture == 0 && wanted(p) {
				p.capture = len(p.stack)
				p.text.Reset()
			}
		case xml.EndElement:
			if p.capture == len(p.stack) {
				p.capture = 0
				v := value{text: strings.TrimSpace(p.text.String()), set: true}
				p.store(m, dep, v, line)
			}
			switch {
			case p.at(depsPath...):
				m.deps = p.keep(m.deps, dep)
				dep = nil
			case p.at(managedPath...):
				m.managed = p.keep(m.managed, dep)
				dep = nil
			}
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				rootDone = true
			}
		case xml.CharData:
			if len(p.stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, p.errorf(line, "not XML: text outside the root element")
			}
			if p.capture == len(p.stack) && p.capture > 0 {
				if p.text.Len()+len(t) > maxValue {
					return nil, p.errorf(line, "text of <%s> longer than %d bytes", p.stack[len(p.stack)-1], maxValue)
				}
				p.text.Write(t)
			}
		case xml.Directive:
			if bytes.Contains(t, []byte("ENTITY")) {
				return nil, p.errorf(line, "DOCTYPE declares entities; refused")
			}
		}
	}
	if !rootDone {
		line, _ := p.dec.InputPos()
		return nil, p.errorf(line, "no <project> element")
	}
	return m, nil
}

// wanted reports whether the element just opened holds text the model
// keeps.
func wanted(p *parser) bool {
	switch len(p.stack) {
	case 2:
		switch p.stack[1] {
		case "groupId", "artifactId", "version", "packaging":
			return true
		}
	case 3:
		switch {
		case p.under("project", "properties"):
			return true
		case p.under("project", "parent"):
			switch p.stack[2] {
			case "groupId", "artifactId", "version", "relativePath":
				return true
			}
		}
	case 4:
		return p.under(depsPath...)
	case 5:
		return p.under(managedPath...)
	}
	return false
}

// store keeps the text of the element that just closed.
func (p *parser) store(m *pom, dep *dependency, v value, line int) {
	name := p.stack[len(p.stack)-1]
	switch len(p.stack) {
	case 2:
		switch name {
		case "groupId":
			m.groupID = v
		case "artifactId":
			m.artifactID = v
		case "version":
			m.version = v
		case "packaging":
			m.packaging = v
		}
	case 3:
		if p.stack[1] == "properties" {
			if _, dup := m.props[name]; !dup && len(m.props) >= maxEntries {
				p.report(p.errorf(line, "more than %d properties; %s ignored", maxEntries, name))
				return
			}
			m.props[name] = v.text
			return
		}
		switch name {
		case "groupId":
			m.parent.groupID = v
		case "artifactId":
			m.parent.artifactID = v
		case "version":
			m.parent.version = v
		case "relativePath":
			m.parent.relativePath = v
		}
	default:
		if dep == nil {
			return
		}
		switch name {
		case "groupId":
			dep.groupID = v
		case "artifactId":
			dep.artifactID = v
		case "version":
			dep.version = v
		case "type":
			dep.typ = v
		case "classifier":
			dep.classifier = v
		case "scope":
			dep.scope = v
		case "optional":
			dep.optional = v
		case "systemPath":
			dep.systemPath = v
		}
	}
}

// keep appends dep to list unless it lacks what Maven requires of one.
func (p *parser) keep(list []dependency, dep *dependency) []dependency {
	if dep == nil {
		return list
	}
	if dep.groupID.text == "" || dep.artifactID.text == "" {
		p.report(p.errorf(dep.line, "dependency without groupId or artifactId"))
		return list
	}
	return append(list, *dep)
}

func (p *parser) report(e *extract.Error) {
	if p.probs != nil {
		p.probs.Add(e)
	}
}

// charsetReader decodes the single-byte encodings POMs declare besides
// UTF-8: ISO-8859-1 (which many older POMs declare), US-ASCII and
// windows-1252, read as ISO-8859-1 (they differ only in punctuation,
// never in coordinates).
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		var buf [2]byte
		utf8.EncodeRune(buf[:], rune(b))
		l.pending = append(l.pending[:0], buf[:]...)
	}
	return n, nil
}
