package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// JSON renders documents as indented JSON, the stable machine interface.
// Large arrays are written one element at a time, so the output of a big
// inventory is never held in memory twice.
type JSON struct{}

// Inventory implements Handler.
func (JSON) Inventory(w io.Writer, inv *Inventory) error { return writeInventory(w, inv) }

// Scan implements Handler.
func (JSON) Scan(w io.Writer, doc *ScanDocument) error {
	fields := []field{
		{key: "schema_version", value: doc.SchemaVersion},
		{key: "tool", value: doc.Tool},
		{key: "target", value: doc.Target},
		{key: "summary", value: doc.Summary},
		{key: "database", value: doc.Database},
		{key: "findings", n: len(doc.Findings), each: func(i int) any { return doc.Findings[i] }},
		{key: "unmatched", n: len(doc.Unmatched), each: func(i int) any { return doc.Unmatched[i] }},
		{key: "errors", n: len(doc.Errors), each: func(i int) any { return doc.Errors[i] }},
	}
	if doc.Policy != nil {
		fields = append(fields, field{key: "policy", value: doc.Policy})
	}
	return writeObject(w, fields)
}

// Why implements Handler.
func (JSON) Why(w io.Writer, doc *WhyDocument) error { return writeJSON(w, doc) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// field is one member of a top-level object. When each is set, the value is
// an array written element by element.
type field struct {
	key   string
	value any
	n     int
	each  func(i int) any
}

func writeInventory(w io.Writer, inv *Inventory) error {
	return writeObject(w, []field{
		{key: "schema_version", value: inv.SchemaVersion},
		{key: "tool", value: inv.Tool},
		{key: "target", value: inv.Target},
		{key: "summary", value: inv.Summary},
		{key: "roots", n: len(inv.Roots), each: func(i int) any { return inv.Roots[i] }},
		{key: "components", n: len(inv.Components), each: func(i int) any { return inv.Components[i] }},
		{key: "edges", n: len(inv.Edges), each: func(i int) any { return inv.Edges[i] }},
		{key: "errors", n: len(inv.Errors), each: func(i int) any { return inv.Errors[i] }},
	})
}

// writeObject writes fields as an object laid out exactly as writeJSON would
// lay it out.
func writeObject(w io.Writer, fields []field) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	encode := func(v any, prefix string) error {
		buf.Reset()
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return nil
	}
	bw.WriteString("{\n")
	for i, f := range fields {
		key, _ := json.Marshal(f.key)
		bw.WriteString("  ")
		bw.Write(key)
		bw.WriteString(": ")
		switch {
		case f.each == nil:
			if err := encode(f.value, "  "); err != nil {
				return err
			}
		case f.n == 0:
			bw.WriteString("[]")
		default:
			bw.WriteString("[\n")
			for j := 0; j < f.n; j++ {
				bw.WriteString("    ")
				if err := encode(f.each(j), "    "); err != nil {
					return err
				}
				if j < f.n-1 {
					bw.WriteByte(',')
				}
				bw.WriteByte('\n')
			}
			bw.WriteString("  ]")
		}
		if i < len(fields)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
