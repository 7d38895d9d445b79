package policy

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/purl"
)

// Explain returns every decision about what query names, passes included,
// in the order of Decisions: for "vouch policy explain". A query is a
// PURL (with a version: that version; without: every version), NAME@VERSION,
// NAME (every version), or the path of a file a file-level decision is
// about. Names compare case-insensitively, PyPI names as PEP 503
// normalises them; qualifiers and subpaths of components are ignored
// unless the query gives them.
func (r *Result) Explain(query string) []Decision {
	q := strings.TrimSpace(query)
	if q == "" || r == nil {
		return nil
	}
	match := explainMatcher(q)
	var out []Decision
	for _, d := range r.Decisions {
		if match(d) {
			out = append(out, d)
		}
	}
	return out
}

func explainMatcher(q string) func(Decision) bool {
	if _, ok := cutPrefixFold(q, "pkg:"); ok {
		canon, hasVersion, exact := q, false, strings.ContainsAny(q, "?#")
		if p, err := packageurl.FromString(q); err == nil {
			canon, hasVersion = p.ToString(), p.Version != ""
		}
		return func(d Decision) bool {
			if d.Component == "" {
				return false
			}
			c := d.Component
			if !exact {
				c = stripQualifiers(c)
			}
			if hasVersion || exact {
				return c == canon || c == q
			}
			return c == canon || strings.HasPrefix(c, canon+"@") || c == q || strings.HasPrefix(c, q+"@")
		}
	}
	name, version := q, ""
	if i := strings.LastIndex(q, "@"); i > 0 {
		name, version = q[:i], q[i+1:]
	}
	return func(d Decision) bool {
		if d.Component == "" {
			if d.Name == q {
				return true
			}
			for _, l := range d.Locations {
				if l.Path == q {
					return true
				}
			}
			return false
		}
		if version != "" && d.Version != version {
			return false
		}
		if strings.EqualFold(d.Name, name) {
			return true
		}
		return ecosystemBase(d.Ecosystem) == purl.PyPI && purl.NormalizePyPI(d.Name) == purl.NormalizePyPI(name)
	}
}

// stripQualifiers cuts a PURL's qualifiers and subpath.
func stripQualifiers(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}
