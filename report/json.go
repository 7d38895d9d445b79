package report

import (
	"encoding/json"
	"io"
)

// JSON renders documents as indented JSON, the stable machine interface.
type JSON struct{}

// Inventory implements Handler.
func (JSON) Inventory(w io.Writer, inv *Inventory) error { return writeJSON(w, inv) }

// Scan implements Handler.
func (JSON) Scan(w io.Writer, inv *Inventory) error { return writeJSON(w, inv) }

// Why implements Handler.
func (JSON) Why(w io.Writer, doc *WhyDocument) error { return writeJSON(w, doc) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
