// Package rpm reads RPM package databases. Placeholder: it claims nothing yet.
package rpm

import (
	"context"
	"io/fs"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor reads RPM package databases.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "rpm" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(string, fs.FileInfo) bool { return false }

// Extract implements extract.Extractor.
func (*Extractor) Extract(context.Context, *extract.Input) (*inventory.Graph, error) { return nil, nil }

var _ extract.Extractor = (*Extractor)(nil)
