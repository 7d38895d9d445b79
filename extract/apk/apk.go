// Package apk reads the Alpine package database (lib/apk/db/installed). Placeholder: it claims nothing yet.
package apk

import (
	"context"
	"io/fs"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor reads the Alpine package database (lib/apk/db/installed).
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "apk" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(string, fs.FileInfo) bool { return false }

// Extract implements extract.Extractor.
func (*Extractor) Extract(context.Context, *extract.Input) (*inventory.Graph, error) { return nil, nil }

var _ extract.Extractor = (*Extractor)(nil)
