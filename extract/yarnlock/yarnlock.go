// Package yarnlock reads yarn.lock (v1 and Berry). Placeholder: it claims nothing yet.
package yarnlock

import (
	"context"
	"io/fs"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor reads yarn.lock (v1 and Berry).
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "yarnlock" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(string, fs.FileInfo) bool { return false }

// Extract implements extract.Extractor.
func (*Extractor) Extract(context.Context, *extract.Input) (*inventory.Graph, error) { return nil, nil }

var _ extract.Extractor = (*Extractor)(nil)
