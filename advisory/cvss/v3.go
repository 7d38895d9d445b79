package cvss

import "math"

// v3Metrics are the metrics of CVSS v3.0 and v3.1 (specification section 6,
// Table 15): the same in both versions.
var v3Metrics = metricSet{
	values: map[string][]string{
		// Base
		"AV": {"N", "A", "L", "P"},
		"AC": {"L", "H"},
		"PR": {"N", "L", "H"},
		"UI": {"N", "R"},
		"S":  {"U", "C"},
		"C":  {"H", "L", "N"},
		"I":  {"H", "L", "N"},
		"A":  {"H", "L", "N"},
		// Temporal
		"E":  {"X", "H", "F", "P", "U"},
		"RL": {"X", "U", "W", "T", "O"},
		"RC": {"X", "C", "R", "U"},
		// Environmental
		"CR":  {"X", "H", "M", "L"},
		"IR":  {"X", "H", "M", "L"},
		"AR":  {"X", "H", "M", "L"},
		"MAV": {"X", "N", "A", "L", "P"},
		"MAC": {"X", "L", "H"},
		"MPR": {"X", "N", "L", "H"},
		"MUI": {"X", "N", "R"},
		"MS":  {"X", "U", "C"},
		"MC":  {"X", "H", "L", "N"},
		"MI":  {"X", "H", "L", "N"},
		"MA":  {"X", "H", "L", "N"},
	},
	mandatory: []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"},
}

// Metric weights of the specification (section 7.4), identical in 3.0 and
// 3.1.
var (
	v3AV  = map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
	v3AC  = map[string]float64{"L": 0.77, "H": 0.44}
	v3PRU = map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27} // scope unchanged
	v3PRC = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}  // scope changed
	v3UI  = map[string]float64{"N": 0.85, "R": 0.62}
	v3CIA = map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
)

func scoreV3(vector, version, body string) (Result, error) {
	m, err := v3Metrics.parse(vector, version, body)
	if err != nil {
		return Result{}, err
	}
	changed := m["S"] == "C"
	pr := v3PRU[m["PR"]]
	if changed {
		pr = v3PRC[m["PR"]]
	}
	// The operations and their order are those of FIRST's calculators
	// (cvsscalc30.js, cvsscalc31.js), so that float results, and hence
	// 3.0's rounding, match theirs bit for bit.
	exploitability := 8.22 * v3AV[m["AV"]] * v3AC[m["AC"]] * pr * v3UI[m["UI"]]
	iss := 1 - ((1 - v3CIA[m["C"]]) * (1 - v3CIA[m["I"]]) * (1 - v3CIA[m["A"]]))
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	roundup := roundup31
	if version == "3.0" {
		roundup = roundup30
	}
	var score float64
	switch {
	case impact <= 0:
		score = 0
	case changed:
		score = roundup(math.Min((exploitability+impact)*1.08, 10))
	default:
		score = roundup(math.Min(exploitability+impact, 10))
	}
	return result(version, score), nil
}

// roundup30 is Roundup as CVSS v3.0 defines it ("the smallest number,
// specified to one decimal place, that is equal to or higher than its
// input") and as FIRST's v3.0 calculator computes it.
func roundup30(x float64) float64 {
	return math.Ceil(x*10) / 10
}

// roundup31 is Roundup as CVSS v3.1 defines it in Appendix A: the input is
// first rounded to five decimals, so that a float error such as
// 4.000000000000001 no longer rounds up to 4.1.
func roundup31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
