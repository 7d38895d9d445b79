package cvss

import "math"

// v2Metrics are the metrics of CVSS v2 and their values, as the guide's
// vector section lists them; "ND" (Not Defined) belongs to the optional
// temporal and environmental groups.
var v2Metrics = metricSet{
	values: map[string][]string{
		// Base
		"AV": {"L", "A", "N"},
		"AC": {"H", "M", "L"},
		"Au": {"M", "S", "N"},
		"C":  {"N", "P", "C"},
		"I":  {"N", "P", "C"},
		"A":  {"N", "P", "C"},
		// Temporal
		"E":  {"U", "POC", "F", "H", "ND"},
		"RL": {"OF", "TF", "W", "U", "ND"},
		"RC": {"UC", "UR", "C", "ND"},
		// Environmental
		"CDP": {"N", "L", "LM", "MH", "H", "ND"},
		"TD":  {"N", "L", "M", "H", "ND"},
		"CR":  {"L", "M", "H", "ND"},
		"IR":  {"L", "M", "H", "ND"},
		"AR":  {"L", "M", "H", "ND"},
	},
	mandatory: []string{"AV", "AC", "Au", "C", "I", "A"},
}

// Metric weights of the guide (section 3.2.1).
var (
	v2AV  = map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}
	v2AC  = map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}
	v2Au  = map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}
	v2CIA = map[string]float64{"N": 0.0, "P": 0.275, "C": 0.660}
)

func scoreV2(vector, body string) (Result, error) {
	m, err := v2Metrics.parse(vector, "2.0", body)
	if err != nil {
		return Result{}, err
	}
	impact := 10.41 * (1 - (1-v2CIA[m["C"]])*(1-v2CIA[m["I"]])*(1-v2CIA[m["A"]]))
	exploitability := 20 * v2AV[m["AV"]] * v2AC[m["AC"]] * v2Au[m["Au"]]
	f := 1.176
	if impact == 0 {
		f = 0
	}
	score := ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f
	// round_to_1_decimal: half up; the score is never negative.
	return result("2.0", math.Round(score*10)/10), nil
}
