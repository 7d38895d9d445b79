// Package report renders what vouch found for people (tables) and machines
// (JSON). Each output format is one Handler; the documents they render are
// plain data whose JSON form is the stable interface described in
// docs/json.md.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/walk"
)

// SchemaVersion is the version of the JSON documents. It changes only when
// a field is removed or its meaning changes; new fields do not change it.
const SchemaVersion = "1"

// Tool names the program that wrote a document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// FileError is a file that could not be read, as documents show it.
type FileError struct {
	Path      string `json:"path"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Extractor string `json:"extractor,omitempty"`
	Message   string `json:"message"`
}

// Summary counts what an inventory holds.
type Summary struct {
	Components  int            `json:"components"`
	Direct      int            `json:"direct"`
	Transitive  int            `json:"transitive"`
	Roots       int            `json:"roots"`
	Ecosystems  map[string]int `json:"ecosystems"`
	Scopes      map[string]int `json:"scopes"`
	FilesSeen   int            `json:"files_seen"`
	FilesRead   int            `json:"files_read"`
	FilesFailed int            `json:"files_failed"`
}

// Inventory is the document of "vouch inventory" and, for now, "vouch scan".
type Inventory struct {
	SchemaVersion string                 `json:"schema_version"`
	Tool          Tool                   `json:"tool"`
	Target        string                 `json:"target"`
	Summary       Summary                `json:"summary"`
	Roots         []*inventory.Root      `json:"roots"`
	Components    []*inventory.Component `json:"components"`
	Edges         []inventory.Edge       `json:"edges"`
	Errors        []FileError            `json:"errors"`
}

// NewInventory builds the inventory document of a walk over target.
func NewInventory(target string, tool Tool, res *walk.Result) *Inventory {
	g := res.Graph
	inv := &Inventory{
		SchemaVersion: SchemaVersion,
		Tool:          tool,
		Target:        target,
		Roots:         g.Roots(),
		Components:    g.Components(),
		Edges:         g.Edges(),
		Errors:        FileErrors(res.Errors),
	}
	if inv.Edges == nil {
		inv.Edges = []inventory.Edge{}
	}
	s := &inv.Summary
	s.Components = len(inv.Components)
	s.Roots = len(inv.Roots)
	s.Ecosystems = map[string]int{}
	s.Scopes = map[string]int{}
	for _, c := range inv.Components {
		if c.Direct {
			s.Direct++
		} else {
			s.Transitive++
		}
		s.Ecosystems[c.Ecosystem]++
		s.Scopes[string(c.Scope)]++
	}
	s.FilesSeen, s.FilesRead, s.FilesFailed = res.Files, res.Read, len(res.Errors)
	return inv
}

// FileErrors converts extraction errors to their document form.
func FileErrors(errs []*extract.Error) []FileError {
	out := make([]FileError, 0, len(errs))
	for _, e := range errs {
		msg := ""
		if e.Err != nil {
			msg = e.Err.Error()
		}
		out = append(out, FileError{Path: e.Path, Line: e.Line, Column: e.Column, Extractor: e.Extractor, Message: msg})
	}
	return out
}

// Why is the answer to "why is this component here": every path from a
// root to it, shortest first.
type Why struct {
	Component *inventory.Component `json:"component"`
	// Paths are node labels from a root to the component: a root's id,
	// then name@version of each component.
	Paths [][]string `json:"paths"`
	// Total counts all paths; when Complete is false it is a lower bound.
	Total    int  `json:"total"`
	Complete bool `json:"complete"`
}

// WhyDocument is the JSON document of "vouch why".
type WhyDocument struct {
	SchemaVersion string `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Target        string `json:"target"`
	Query         string `json:"query"`
	Results       []Why  `json:"results"`
}

// NewWhy answers why for each component, with at most limit paths each.
func NewWhy(g *inventory.Graph, comps []*inventory.Component, limit int) []Why {
	out := make([]Why, 0, len(comps))
	for _, c := range comps {
		paths, total, complete := g.Paths(c.PURL, limit)
		w := Why{Component: c, Total: total, Complete: complete, Paths: make([][]string, 0, len(paths))}
		for _, p := range paths {
			labels := make([]string, len(p))
			for i, id := range p {
				labels[i] = Label(g, id)
			}
			w.Paths = append(w.Paths, labels)
		}
		out = append(out, w)
	}
	return out
}

// Label is how a graph node is shown in a path: a root by its id, a
// component as name@version.
func Label(g *inventory.Graph, id string) string {
	if c := g.Component(id); c != nil {
		return componentLabel(c)
	}
	return id
}

func componentLabel(c *inventory.Component) string {
	if c.Version == "" {
		return c.Name
	}
	return c.Name + "@" + c.Version
}

// Handler renders documents in one format.
type Handler interface {
	// Inventory writes an inventory document.
	Inventory(w io.Writer, inv *Inventory) error
	// Scan writes the findings of a scan.
	Scan(w io.Writer, doc *ScanDocument) error
	// Why writes the paths to components.
	Why(w io.Writer, doc *WhyDocument) error
}

// Formats lists the names For accepts.
var Formats = []string{"table", "json"}

// ScanFormats lists the names ForScan accepts.
var ScanFormats = []string{"table", "json", "sarif"}

// For returns the handler of a format name.
func For(format string) (Handler, error) {
	switch strings.ToLower(format) {
	case "table", "":
		return Table{}, nil
	case "json":
		return JSON{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// ScanWriter writes a scan document.
type ScanWriter func(w io.Writer, doc *ScanDocument) error

// ForScan returns the writer of a scan format name.
func ForScan(format string) (ScanWriter, error) {
	switch strings.ToLower(format) {
	case "table", "":
		return Table{}.Scan, nil
	case "json":
		return JSON{}.Scan, nil
	case "sarif":
		return SARIF, nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(ScanFormats, ", "))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
