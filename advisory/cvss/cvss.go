// Package cvss computes the base score and qualitative rating of CVSS vector
// strings, as OSV records carry them in "severity" (types CVSS_V2, CVSS_V3
// and CVSS_V4), so that vouch can rank findings without trusting a score
// copied from elsewhere.
//
// Each version is scored exactly as FIRST specifies its Base score:
//
//   - 2.0: the base equation of the CVSS v2 guide (section 3.2.1), rounded to
//     one decimal; rated as NVD does (LOW below 4.0, MEDIUM below 7.0, HIGH).
//   - 3.0 and 3.1: the base equations of the specification (section 7.1), in
//     IEEE double arithmetic as FIRST's calculators compute them, with each
//     version's own Roundup: 3.0's is the smallest one-decimal number not
//     below the input, computed as ceil(x*10)/10, so that a float error just
//     above a tenth rounds up a whole tenth (the flaw 3.1 fixed); 3.1's is
//     the integer-based Roundup of its Appendix A. (For base scores the two
//     agree on every vector; they part in environmental scores.)
//   - 4.0: the MacroVector scoring of the specification: the equivalence
//     classes EQ1-EQ6 select a MacroVector whose score comes from FIRST's
//     lookup table, and the vector's severity distance to the MacroVector's
//     highest vectors interpolates towards the next lower MacroVectors. See
//     v4.go for the reference implementation it follows.
//
// Only Base scores are computed (for 4.0, CVSS-B): threat, temporal,
// environmental and supplemental metrics are validated when present but do
// not change the score, as if they were all "Not Defined".
//
// Parsing is strict: the prefix selects the version ("CVSS:2.0/", "CVSS:3.0/",
// "CVSS:3.1/", "CVSS:4.0/"; a v2 vector may also come bare or in
// parentheses, as NVD writes it), every mandatory base metric must appear
// exactly once, no metric may repeat, and an unknown metric or value is an
// error naming it. Metric order is not enforced: it does not change the
// score, and real records do not always follow the recommended order.
package cvss

import (
	"fmt"
	"slices"
	"strings"
)

// MaxVectorLen bounds the input Score accepts. The longest valid vector (4.0
// with every threat, environmental and supplemental metric) has 178 bytes;
// anything much longer is not a CVSS vector.
const MaxVectorLen = 512

// Result is the outcome of scoring one vector.
type Result struct {
	Version string  // "2.0", "3.0", "3.1" or "4.0"
	Score   float64 // base score, 0.0 to 10.0 with one decimal
	Rating  string  // "NONE", "LOW", "MEDIUM", "HIGH" or "CRITICAL" (2.0: LOW, MEDIUM or HIGH, as NVD rates)
}

// Error reports why a vector cannot be scored. Callers that record a bad
// severity next to an advisory keep the metric and value it names.
type Error struct {
	Vector  string // the input (only the first 64 bytes of one too long)
	Version string // the version the prefix selected, if it was recognised
	Metric  string // the metric at fault, if one is (cut to 32 bytes)
	Value   string // the value at fault, if one is (cut to 32 bytes)
	Reason  string // what is wrong, short and lowercase
}

// Error formats the error as `cvss 3.1 vector "...": metric "AV": unknown
// value "Q"`, leaving out the parts that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cvss")
	if e.Version != "" {
		b.WriteString(" " + e.Version)
	}
	fmt.Fprintf(&b, " vector %q: ", e.Vector)
	if e.Metric != "" {
		fmt.Fprintf(&b, "metric %q: ", e.Metric)
	}
	b.WriteString(e.Reason)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	return b.String()
}

// Score returns the base score and rating of a CVSS vector string.
func Score(vector string) (Result, error) {
	if len(vector) > MaxVectorLen {
		return Result{}, newError(vector, "", "", "", fmt.Sprintf("too long (%d bytes, at most %d)", len(vector), MaxVectorLen))
	}
	// NVD writes v2 vectors as "(AV:N/...)" and OSV as "AV:N/..." or with
	// the "CVSS:2.0/" prefix that later versions made the rule.
	if strings.HasPrefix(vector, "AV:") {
		return scoreV2(vector, vector)
	}
	if inner, ok := strings.CutPrefix(vector, "("); ok {
		if inner, ok := strings.CutSuffix(inner, ")"); ok {
			if body, ok := strings.CutPrefix(inner, "CVSS:2.0/"); ok {
				return scoreV2(vector, body)
			}
			if strings.HasPrefix(inner, "AV:") {
				return scoreV2(vector, inner)
			}
		}
	}
	rest, ok := strings.CutPrefix(vector, "CVSS:")
	if !ok {
		return Result{}, newError(vector, "", "", "", "no CVSS version prefix")
	}
	version, body, _ := strings.Cut(rest, "/")
	switch version {
	case "4.0":
		return scoreV4(vector, body)
	case "3.0", "3.1":
		return scoreV3(vector, version, body)
	case "2.0":
		return scoreV2(vector, body)
	}
	return Result{}, newError(vector, "", "", "CVSS:"+version, "unsupported version")
}

// newError builds an Error. What came from the input is cut, so that a
// hostile vector cannot blow up logs or reports: the vector is whole up to
// MaxVectorLen (a longer one is refused with its first 64 bytes), a metric
// or value is cut to 32 bytes.
func newError(vector, version, metric, value, reason string) *Error {
	if len(vector) > MaxVectorLen {
		vector = cut(vector, 64)
	}
	return &Error{Vector: vector, Version: version, Metric: cut(metric, 32), Value: cut(value, 32), Reason: reason}
}

func cut(s string, max int) string {
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// metricSet describes the metrics one version accepts: each metric's
// allowed values, and which metrics are mandatory (the base group).
type metricSet struct {
	values    map[string][]string
	mandatory []string
}

// parse splits the "/"-separated metrics after the prefix and checks them
// against set, returning each metric's value.
func (set *metricSet) parse(vector, version, body string) (map[string]string, error) {
	got := make(map[string]string, len(set.mandatory))
	if body == "" {
		return nil, newError(vector, version, "", "", "no metrics")
	}
	for field := range strings.SplitSeq(body, "/") {
		name, value, ok := strings.Cut(field, ":")
		switch {
		case field == "":
			return nil, newError(vector, version, "", "", "empty metric")
		case !ok:
			return nil, newError(vector, version, "", field, "metric without value")
		}
		allowed, known := set.values[name]
		if !known {
			return nil, newError(vector, version, name, "", "unknown metric")
		}
		if !slices.Contains(allowed, value) {
			return nil, newError(vector, version, name, value, "unknown value")
		}
		if _, dup := got[name]; dup {
			return nil, newError(vector, version, name, "", "repeated")
		}
		got[name] = value
	}
	for _, name := range set.mandatory {
		if _, ok := got[name]; !ok {
			return nil, newError(vector, version, name, "", "missing mandatory base metric")
		}
	}
	return got, nil
}

// rating returns the qualitative severity of a score: the scale of the v3.x
// and v4.0 specifications, or NVD's three bands for v2 (which has no
// official scale and no NONE).
func rating(version string, score float64) string {
	if version == "2.0" {
		switch {
		case score < 4.0:
			return "LOW"
		case score < 7.0:
			return "MEDIUM"
		default:
			return "HIGH"
		}
	}
	switch {
	case score == 0:
		return "NONE"
	case score < 4.0:
		return "LOW"
	case score < 7.0:
		return "MEDIUM"
	case score < 9.0:
		return "HIGH"
	default:
		return "CRITICAL"
	}
}

// result builds a Result, normalising -0 so that a zero score prints as 0.
func result(version string, score float64) Result {
	if score == 0 {
		score = 0
	}
	return Result{Version: version, Score: score, Rating: rating(version, score)}
}
