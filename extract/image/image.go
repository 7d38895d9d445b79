// Package image reads container images (docker save archives and OCI layouts). Placeholder: it claims nothing yet.
package image

import (
	"context"
	"io/fs"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Extractor reads container images (docker save archives and OCI layouts).
type Extractor struct{ inner []extract.Extractor }

// New returns the extractor, which runs inner over each image it reads.
func New(inner []extract.Extractor) *Extractor { return &Extractor{inner: inner} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "image" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(string, fs.FileInfo) bool { return false }

// Extract implements extract.Extractor.
func (*Extractor) Extract(context.Context, *extract.Input) (*inventory.Graph, error) { return nil, nil }

var _ extract.Extractor = (*Extractor)(nil)
