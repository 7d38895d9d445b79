package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// fuzzInput is a small input with something for every rule to decide.
func fuzzInput() Input {
	g := graphOf(
		comp(purl.NPM, "@babel/core", "7.24.0", hashed, lic("MIT"), direct),
		comp(purl.NPM, "lodash", "4.17.20", lic("MIT OR Apache-2.0")),
		comp(purl.PyPI, "flask", "", unpinned, lic("see LICENSE")),
		comp(purl.Go, "github.com/spf13/cobra", "v1.8.1", src("../cobra")),
		comp("Debian:12", "curl", "7.88.1-10"),
		comp(purl.Actions, "actions/checkout", "v4", props("vcs_ref_kind", "tag")),
		comp(purl.Docker, "ghcr.io/acme/tool", "3", props("kind", "docker-image", "vcs_ref_kind", "tag")),
	)
	g.AddRoot(inventory.Root{ID: ".github/workflows/ci.yml", Kind: inventory.KindManifest})
	lodash := purl.For(purl.NPM, "lodash", "4.17.20", nil)
	return Input{
		Graph: g,
		Findings: []finding.Finding{
			{ID: "GHSA-1", Aliases: []string{"CVE-1"}, Kind: finding.Vulnerability, Severity: finding.High, Component: lodash, Fixed: []string{"4.17.21"}},
			{ID: "MAL-1", Kind: finding.Malicious, Severity: finding.Critical, Component: lodash},
		},
		Published:         map[string]PublishInfo{lodash: {Time: now.Add(-48 * time.Hour), Known: true}},
		AdvisoryPublished: map[string]time.Time{"CVE-1": now.Add(-time.Hour)},
		Unused:            []Unused{{PURL: lodash, Name: "lodash", Ecosystem: purl.NPM, Manifest: inventory.Location{Path: "package.json", Line: 3}}},
		Files:             []string{"package.json", "legacy/go.mod"},
		Now:               now,
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Init())
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	in := fuzzInput()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("vouch.yaml", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error %T %v, want *Error", err, err)
			}
			lines := lineCount(data)
			if pe.Path != "vouch.yaml" || pe.Line < 0 || pe.Line > lines || pe.Col < 0 || pe.Msg == "" {
				t.Fatalf("Parse() error %+v: bad position or message (%d lines)", pe, lines)
			}
			return
		}
		if p.Version != 1 || len(p.Exceptions) != len(p.exceptions) {
			t.Fatalf("Parse() = version %d, %d exceptions compiled as %d", p.Version, len(p.Exceptions), len(p.exceptions))
		}
		r, err := p.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatalf("Evaluate() = %v", err)
		}
		fails := 0
		for _, d := range r.Decisions {
			switch d.Outcome {
			case Pass, Warn, Excepted:
			case Fail:
				fails++
			default:
				t.Fatalf("decision %+v: outcome %q", d, d.Outcome)
			}
			if d.Rule == "" || d.Reason == "" || (d.Outcome == Excepted) != (d.Exception != nil) {
				t.Fatalf("decision %+v: missing rule, reason or exception", d)
			}
		}
		if fails != len(r.Violations) || r.Pass != (fails == 0) {
			t.Fatalf("%d failing decisions, %d violations, pass %v", fails, len(r.Violations), r.Pass)
		}
	})
}

// lineCount counts lines as YAML does: CR LF, CR, LF, NEL, LS and PS
// each end one.
func lineCount(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// flat writes an expression's structure with associative operators
// flattened, so "(A OR B) OR C" and "A OR B OR C" compare equal.
func flat(n *licenseNode) string {
	if n.op == "" {
		return sexpr(n)
	}
	var parts []string
	var collect func(*licenseNode)
	collect = func(o *licenseNode) {
		if o.op == n.op {
			for _, c := range o.operands {
				collect(c)
			}
			return
		}
		parts = append(parts, flat(o))
	}
	collect(n)
	return "(" + strings.ToLower(n.op) + " " + strings.Join(parts, " ") + ")"
}

func FuzzSPDX(f *testing.F) {
	for _, s := range []string{
		"MIT", "MIT OR Apache-2.0", "(MIT AND BSD-3-Clause) OR GPL-3.0-only",
		"GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0+", "LicenseRef-Acme",
		"DocumentRef-a:LicenseRef-b", "mit or apache-2.0", "MIT AND", "(MIT", "MIT/X11",
		"Apache-2.0 AND (MIT OR GPL-3.0-only)", "((((MIT))))", "",
	} {
		f.Add(s)
	}
	lists := []*licenseLists{
		{},
		{allow: newLicenseList([]string{"MIT", "LicenseRef-*"}), deny: newLicenseList([]string{"GPL-*"})},
		{deny: newLicenseList([]string{"GPL-2.0-only", "Apache-2.0 WITH LLVM-exception"})},
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseLicense(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parseLicense(%q): empty error", s)
			}
			return
		}
		back := n.String()
		n2, err := parseLicense(back)
		if err != nil {
			t.Fatalf("parseLicense(%q) = %s, which does not parse: %v", s, back, err)
		}
		if flat(n) != flat(n2) {
			t.Fatalf("parseLicense(%q) = %s, but its text %q parses as %s", s, flat(n), back, flat(n2))
		}
		for _, ls := range lists {
			v := ls.eval(n)
			if len(v.why) == 0 {
				t.Fatalf("eval(%q) = %+v: no reason", s, v)
			}
			if v2 := ls.eval(n2); v2.pass != v.pass {
				t.Fatalf("eval(%q) = %v but eval(%q) = %v", s, v.pass, back, v2.pass)
			}
		}
	})
}
