package pyproject

import (
	"fmt"
	"strings"
)

// MaxRequirementLength bounds one requirement string; PEP 508 lines in real
// projects are a few hundred bytes even with long markers.
const MaxRequirementLength = 64 << 10

// Requirement is one PEP 508 dependency specifier, such as
// `requests[socks]>=2.31,<3; python_version >= "3.8"`.
type Requirement struct {
	// Name is the distribution name as written; compare names through
	// purl.NormalizePyPI.
	Name string
	// Extras are the requested extras as written, in order.
	Extras []string
	// Specifier is the version specifier with blanks removed
	// (">=2.31,<3"), empty when there is none.
	Specifier string
	// URL is the direct reference after "@", empty when there is none.
	URL string
	// Marker is the environment marker after ";", trimmed.
	Marker string
}

// ParseRequirement reads one PEP 508 requirement. It also accepts the
// parenthesised specifier older tools write ("PySocks (>=1.5.6,!=1.5.7)").
func ParseRequirement(s string) (Requirement, error) {
	if len(s) > MaxRequirementLength {
		return Requirement{}, fmt.Errorf("requirement longer than %d bytes", MaxRequirementLength)
	}
	s = strings.TrimSpace(s)
	var r Requirement
	n := nameLength(s)
	if n == 0 {
		return r, fmt.Errorf("requirement %q: no distribution name", Clip(s))
	}
	r.Name, s = s[:n], strings.TrimLeft(s[n:], " \t")
	if !ValidName(r.Name) {
		return r, fmt.Errorf("requirement %q: invalid distribution name", Clip(r.Name))
	}
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return r, fmt.Errorf("requirement %q: unclosed extras", Clip(r.Name))
		}
		for _, e := range strings.Split(s[1:end], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if !ValidName(e) {
				return r, fmt.Errorf("requirement %q: invalid extra %q", Clip(r.Name), Clip(e))
			}
			r.Extras = append(r.Extras, e)
		}
		s = strings.TrimLeft(s[end+1:], " \t")
	}
	var rest string
	switch {
	case strings.HasPrefix(s, "@"):
		s = strings.TrimLeft(s[1:], " \t")
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		r.URL, rest = s[:end], strings.TrimLeft(s[end:], " \t")
		if r.URL == "" {
			return r, fmt.Errorf("requirement %q: empty URL after @", Clip(r.Name))
		}
		if rest != "" && rest[0] != ';' {
			return r, fmt.Errorf("requirement %q: unexpected %q after URL", Clip(r.Name), Clip(rest))
		}
	case strings.HasPrefix(s, "("):
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return r, fmt.Errorf("requirement %q: unclosed version specifier", Clip(r.Name))
		}
		spec, err := normalizeSpecifier(s[1:end])
		if err != nil {
			return r, fmt.Errorf("requirement %q: %w", Clip(r.Name), err)
		}
		r.Specifier, rest = spec, strings.TrimLeft(s[end+1:], " \t")
		if rest != "" && rest[0] != ';' {
			return r, fmt.Errorf("requirement %q: unexpected %q after version specifier", Clip(r.Name), Clip(rest))
		}
	default:
		spec := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			spec, rest = s[:i], s[i:]
		}
		var err error
		if r.Specifier, err = normalizeSpecifier(spec); err != nil {
			return r, fmt.Errorf("requirement %q: %w", Clip(r.Name), err)
		}
	}
	if rest != "" {
		r.Marker = strings.TrimSpace(rest[1:])
		if r.Marker == "" {
			return r, fmt.Errorf("requirement %q: empty environment marker", Clip(r.Name))
		}
	}
	return r, nil
}

// operators are the PEP 440 comparison operators, longest first so that a
// prefix match picks "===" over "==".
var operators = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// normalizeSpecifier checks a comma-separated PEP 440 specifier set and
// returns it with blanks removed.
func normalizeSpecifier(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	clauses := strings.Split(s, ",")
	out := make([]string, 0, len(clauses))
	for _, c := range clauses {
		c = strings.TrimSpace(c)
		op := ""
		for _, o := range operators {
			if strings.HasPrefix(c, o) {
				op = o
				break
			}
		}
		if op == "" {
			return "", fmt.Errorf("version specifier %q: no comparison operator", Clip(c))
		}
		v := strings.TrimLeft(c[len(op):], " \t")
		if v == "" {
			return "", fmt.Errorf("version specifier %q: no version", Clip(c))
		}
		for i := 0; i < len(v); i++ {
			if !versionChar(v[i]) {
				return "", fmt.Errorf("version specifier %q: unexpected %q", Clip(c), v[i])
			}
		}
		out = append(out, op+v)
	}
	return strings.Join(out, ","), nil
}

func versionChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '*' || c == '+' || c == '-' || c == '_' || c == '!'
}

// Pinned returns the one version an "==" or "===" specifier names exactly;
// anything else (a range, a wildcard, several clauses) is not a pin.
func Pinned(spec string) (string, bool) {
	if spec == "" || strings.Contains(spec, ",") {
		return "", false
	}
	if v, ok := strings.CutPrefix(spec, "==="); ok {
		return v, v != ""
	}
	if v, ok := strings.CutPrefix(spec, "=="); ok && v != "" && !strings.Contains(v, "*") {
		return v, true
	}
	return "", false
}

// ValidName reports whether s is a distribution (or extra) name as PEP 508
// allows: letters, digits, ".", "-" and "_", starting and ending with a
// letter or digit.
func ValidName(s string) bool {
	if s == "" || len(s) > 256 || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	return nameLength(s) == len(s)
}

// nameLength is the length of the run of name characters s starts with.
func nameLength(s string) int {
	i := 0
	for i < len(s) && (isAlnum(s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '_') {
		i++
	}
	return i
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Clip shortens text quoted in an error message so a hostile line cannot
// make the message itself huge.
func Clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
