// Package pdmlock is a placeholder being written; it claims no file yet.
package pdmlock

import (
	"context"
	"io/fs"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor is the pdmlock extractor.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "pdmlock" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(string, fs.FileInfo) bool { return false }

// Extract implements extract.Extractor.
func (*Extractor) Extract(context.Context, *extract.Input) (*inventory.Graph, error) { return nil, nil }
