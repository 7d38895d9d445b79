package match

import (
	"cmp"
	"strings"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/advisory/cvss"
	"github.com/vouchdev/vouch/finding"
)

// rating is a record's severity and, when CVSS gave it, the base score and
// the vector it was computed from.
type rating struct {
	severity finding.Severity
	cvss     bool
	score    float64
	vector   string
}

// above orders ratings for merging: the higher severity, then one computed
// from CVSS over an ecosystem's word, then the higher score.
func (r rating) above(o rating) bool {
	b := func(x bool) int {
		if x {
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(r.severity, o.severity), cmp.Compare(b(r.cvss), b(o.cvss)), cmp.Compare(r.score, o.score)) > 0
}

// rateRecord rates a record for the target: from its CVSS vectors,
// record-level and on the entries naming the package, of the highest CVSS
// version that scores (the highest score among several of that version);
// else from the ecosystem's own words. Nothing usable leaves it unknown.
func rateRecord(v *advisory.Vulnerability, t target) rating {
	sevs := v.Severity
	words := []string{extras(v.DatabaseSpecific).Severity}
	for _, a := range v.Affected {
		if !applies(a, t) {
			continue
		}
		if len(a.Severity) > 0 {
			sevs = append(sevs[:len(sevs):len(sevs)], a.Severity...)
		}
		eco := extras(a.EcosystemSpecific)
		words = append(words, extras(a.DatabaseSpecific).Severity, eco.Severity, eco.Urgency)
	}
	var best rating
	bestMajor := 0
	for _, s := range sevs {
		if !strings.HasPrefix(s.Type, "CVSS_") {
			// "Ubuntu" and other ecosystem ratings carry a word.
			words = append(words, s.Score)
			continue
		}
		res, err := cvss.Score(s.Score)
		if err != nil {
			continue
		}
		major := 0
		if res.Version != "" {
			major = int(res.Version[0] - '0')
		}
		sev, err := finding.ParseSeverity(res.Rating)
		if err != nil || sev == finding.Unknown {
			sev = finding.FromScore(res.Score)
		}
		r := rating{severity: sev, cvss: true, score: res.Score, vector: s.Score}
		if major > bestMajor || major == bestMajor && r.score > best.score {
			best, bestMajor = r, major
		}
	}
	if best.cvss {
		return best
	}
	for _, w := range words {
		if s := severityWord(w); s > best.severity {
			best.severity = s
		}
	}
	return best
}

// severityWord reads an ecosystem's severity word: GitHub's "MODERATE",
// Debian's urgency ("unimportant", "low**"), Ubuntu's priority
// ("negligible"). Words that rate nothing ("not yet assigned",
// "untriaged", "end-of-life") are unknown.
func severityWord(w string) finding.Severity {
	w = strings.ToLower(strings.TrimRight(strings.TrimSpace(w), "*"))
	if w == "unimportant" {
		return finding.Low
	}
	s, err := finding.ParseSeverity(w)
	if err != nil {
		return finding.Unknown
	}
	return s
}
