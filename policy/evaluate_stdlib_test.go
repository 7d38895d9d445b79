package policy

import (
	"context"
	"testing"
	"time"

	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// TestGoStdlib: the standard library a Go binary records has neither a
// module hash nor a proxy release time; integrity and release age pass it
// with a reason instead of failing every Go binary.
func TestGoStdlib(t *testing.T) {
	p, err := Parse("vouch.yaml", []byte("version: 1\npinning:\n  integrity: true\nmin_release_age:\n  default: 30d\n  on_unknown: fail\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := inventory.New()
	c := g.Add(inventory.Component{PURL: purl.For(purl.Go, "stdlib", "v1.26.8", nil), Ecosystem: purl.Go, Name: "stdlib", Version: "v1.26.8"})
	res, err := p.Evaluate(context.Background(), Input{Graph: g, Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pass || len(res.Violations) != 0 {
		t.Fatalf("stdlib failed the gate: %+v", res.Violations)
	}
	n := 0
	for _, d := range res.Decisions {
		if d.Component == c.PURL && (d.Rule == RuleIntegrity || d.Rule == RuleMinReleaseAge) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d integrity/release-age decisions for stdlib, want 2: %+v", n, res.Decisions)
	}
}
