package cvss

import "math"

// The CVSS v4.0 score is a port of FIRST's reference calculator: cvss40.js
// (class CVSS40: LOOKUP_TABLE, METRIC_LEVELS, MAX_COMPOSED, MAX_SEVERITY,
// calculateScore) of the repository RedHatProductSecurity/cvss-v4-calculator,
// which FIRST publishes as its calculator, cross-checked with the Python
// translation in RedHatProductSecurity/cvss (cvss/cvss4.py, constants4.py).
// Names, tables and the order of float operations follow cvss40.js, so that
// scores agree with it to the bit before rounding. The rounding follows the
// reference's test data (tests/vectors_simple4 of the Python library, the
// same set the calculator's cvss40.test.js runs), which needs the 1e-6
// epsilon of roundToDecimalPlaces: see roundHalfUp1.

// v4Metrics are the metrics of CVSS v4.0 and their values, as the
// specification's vector string section lists them.
var v4Metrics = metricSet{
	values: map[string][]string{
		// Base
		"AV": {"N", "A", "L", "P"},
		"AC": {"L", "H"},
		"AT": {"N", "P"},
		"PR": {"N", "L", "H"},
		"UI": {"N", "P", "A"},
		"VC": {"H", "L", "N"},
		"VI": {"H", "L", "N"},
		"VA": {"H", "L", "N"},
		"SC": {"H", "L", "N"},
		"SI": {"H", "L", "N"},
		"SA": {"H", "L", "N"},
		// Threat
		"E": {"X", "A", "P", "U"},
		// Environmental
		"CR":  {"X", "H", "M", "L"},
		"IR":  {"X", "H", "M", "L"},
		"AR":  {"X", "H", "M", "L"},
		"MAV": {"X", "N", "A", "L", "P"},
		"MAC": {"X", "L", "H"},
		"MAT": {"X", "N", "P"},
		"MPR": {"X", "N", "L", "H"},
		"MUI": {"X", "N", "P", "A"},
		"MVC": {"X", "H", "L", "N"},
		"MVI": {"X", "H", "L", "N"},
		"MVA": {"X", "H", "L", "N"},
		"MSC": {"X", "H", "L", "N"},
		"MSI": {"X", "S", "H", "L", "N"},
		"MSA": {"X", "S", "H", "L", "N"},
		// Supplemental
		"S":  {"X", "N", "P"},
		"AU": {"X", "N", "Y"},
		"R":  {"X", "A", "U", "I"},
		"V":  {"X", "D", "C"},
		"RE": {"X", "L", "M", "H"},
		"U":  {"X", "Clear", "Green", "Amber", "Red"},
	},
	mandatory: []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"},
}

// v4Vector holds the effective value of each metric that scoring reads
// (getEffectiveMetricValue in cvss40.js). For a base score the threat and
// environmental metrics are "Not Defined", which the specification reads as
// the highest severity: E:A and CR/IR/AR:H; and the modified base metrics
// take their base values.
type v4Vector struct {
	AV, AC, AT, PR, UI string
	VC, VI, VA         string
	SC, SI, SA         string
	E, CR, IR, AR      string
}

func (v *v4Vector) get(metric string) string {
	switch metric {
	case "AV":
		return v.AV
	case "AC":
		return v.AC
	case "AT":
		return v.AT
	case "PR":
		return v.PR
	case "UI":
		return v.UI
	case "VC":
		return v.VC
	case "VI":
		return v.VI
	case "VA":
		return v.VA
	case "SC":
		return v.SC
	case "SI":
		return v.SI
	case "SA":
		return v.SA
	case "E":
		return v.E
	case "CR":
		return v.CR
	case "IR":
		return v.IR
	case "AR":
		return v.AR
	}
	return ""
}

func scoreV4(vector, body string) (Result, error) {
	m, err := v4Metrics.parse(vector, "4.0", body)
	if err != nil {
		return Result{}, err
	}
	v := v4Vector{
		AV: m["AV"], AC: m["AC"], AT: m["AT"], PR: m["PR"], UI: m["UI"],
		VC: m["VC"], VI: m["VI"], VA: m["VA"],
		SC: m["SC"], SI: m["SI"], SA: m["SA"],
		E: "A", CR: "H", IR: "H", AR: "H",
	}
	score := v.score()
	if math.IsNaN(score) || score < 0 || score > 10 {
		// Unreachable with the reference table; kept so that a table
		// error could never surface as a bogus severity.
		return Result{}, newError(vector, "4.0", "", "", "score out of range")
	}
	return result("4.0", score), nil
}

// macroVector returns the equivalence classes EQ1..EQ6 of the
// specification's MacroVector tables (equivalentClasses in cvss40.js).
func (v *v4Vector) macroVector() [6]int {
	var eq [6]int
	// EQ1: 0 AV:N and PR:N and UI:N; 1 (AV:N or PR:N or UI:N) and not
	// (all three) and not AV:P; 2 AV:P or not (AV:N or PR:N or UI:N).
	switch {
	case v.AV == "N" && v.PR == "N" && v.UI == "N":
		eq[0] = 0
	case (v.AV == "N" || v.PR == "N" || v.UI == "N") && v.AV != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	// EQ2: 0 AC:L and AT:N; 1 otherwise.
	if !(v.AC == "L" && v.AT == "N") {
		eq[1] = 1
	}
	// EQ3: 0 VC:H and VI:H; 1 not that and (VC:H or VI:H or VA:H); 2 none
	// high.
	switch {
	case v.VC == "H" && v.VI == "H":
		eq[2] = 0
	case v.VC == "H" || v.VI == "H" || v.VA == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	// EQ4: 0 MSI:S or MSA:S (impossible in a base score: the modified
	// metrics are not defined); 1 SC:H or SI:H or SA:H; 2 otherwise.
	if !(v.SC == "H" || v.SI == "H" || v.SA == "H") {
		eq[3] = 2
	} else {
		eq[3] = 1
	}
	// EQ5: E:A 0, E:P 1, E:U 2.
	switch v.E {
	case "P":
		eq[4] = 1
	case "U":
		eq[4] = 2
	}
	// EQ6: 0 (CR:H and VC:H) or (IR:H and VI:H) or (AR:H and VA:H); 1
	// otherwise.
	if !((v.CR == "H" && v.VC == "H") || (v.IR == "H" && v.VI == "H") || (v.AR == "H" && v.VA == "H")) {
		eq[5] = 1
	}
	return eq
}

// v4Levels is METRIC_LEVELS of cvss40.js: each value's severity level
// within its metric, in steps of 0.1, the highest severity being lowest.
var v4Levels = map[string]map[string]float64{
	"AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
	"PR": {"N": 0.0, "L": 0.1, "H": 0.2},
	"UI": {"N": 0.0, "P": 0.1, "A": 0.2},
	"AC": {"L": 0.0, "H": 0.1},
	"AT": {"N": 0.0, "P": 0.1},
	"VC": {"H": 0.0, "L": 0.1, "N": 0.2},
	"VI": {"H": 0.0, "L": 0.1, "N": 0.2},
	"VA": {"H": 0.0, "L": 0.1, "N": 0.2},
	"SC": {"H": 0.1, "L": 0.2, "N": 0.3},
	"SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
	"SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
	"CR": {"H": 0.0, "M": 0.1, "L": 0.2},
	"IR": {"H": 0.0, "M": 0.1, "L": 0.2},
	"AR": {"H": 0.0, "M": 0.1, "L": 0.2},
	"E":  {"U": 0.2, "P": 0.1, "A": 0},
}

// v4LevelOrder is the order in which cvss40.js walks METRIC_LEVELS.
var v4LevelOrder = []string{"AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR", "E"}

// v4MaxComposed is MAX_COMPOSED of cvss40.js: for each EQ and class, the
// highest severity vectors of that class, as metric=value maps in the
// reference's order. EQ3 is keyed by EQ3 then EQ6, which are scored jointly.
var (
	v4MaxEQ1 = [3][]map[string]string{
		{{"AV": "N", "PR": "N", "UI": "N"}},
		{{"AV": "A", "PR": "N", "UI": "N"}, {"AV": "N", "PR": "L", "UI": "N"}, {"AV": "N", "PR": "N", "UI": "P"}},
		{{"AV": "P", "PR": "N", "UI": "N"}, {"AV": "A", "PR": "L", "UI": "P"}},
	}
	v4MaxEQ2 = [2][]map[string]string{
		{{"AC": "L", "AT": "N"}},
		{{"AC": "H", "AT": "N"}, {"AC": "L", "AT": "P"}},
	}
	v4MaxEQ3EQ6 = [3][2][]map[string]string{
		{
			{{"VC": "H", "VI": "H", "VA": "H", "CR": "H", "IR": "H", "AR": "H"}},
			{{"VC": "H", "VI": "H", "VA": "L", "CR": "M", "IR": "M", "AR": "H"}, {"VC": "H", "VI": "H", "VA": "H", "CR": "M", "IR": "M", "AR": "M"}},
		},
		{
			{{"VC": "L", "VI": "H", "VA": "H", "CR": "H", "IR": "H", "AR": "H"}, {"VC": "H", "VI": "L", "VA": "H", "CR": "H", "IR": "H", "AR": "H"}},
			{
				{"VC": "L", "VI": "H", "VA": "L", "CR": "H", "IR": "M", "AR": "H"},
				{"VC": "L", "VI": "H", "VA": "H", "CR": "H", "IR": "M", "AR": "M"},
				{"VC": "H", "VI": "L", "VA": "H", "CR": "M", "IR": "H", "AR": "M"},
				{"VC": "H", "VI": "L", "VA": "L", "CR": "M", "IR": "H", "AR": "H"},
				{"VC": "L", "VI": "L", "VA": "H", "CR": "H", "IR": "H", "AR": "M"},
			},
		},
		{
			nil, // EQ3=2 with EQ6=0 cannot occur
			{{"VC": "L", "VI": "L", "VA": "L", "CR": "H", "IR": "H", "AR": "H"}},
		},
	}
	v4MaxEQ4 = [3][]map[string]string{
		{{"SC": "H", "SI": "S", "SA": "S"}},
		{{"SC": "H", "SI": "H", "SA": "H"}},
		{{"SC": "L", "SI": "L", "SA": "L"}},
	}
	v4MaxEQ5 = [3][]map[string]string{
		{{"E": "A"}},
		{{"E": "P"}},
		{{"E": "U"}},
	}
)

// v4MaxSeverity is MAX_SEVERITY of cvss40.js: the depth of each class, in
// steps, plus one.
var (
	v4MaxSeverityEQ1    = [3]float64{1, 4, 5}
	v4MaxSeverityEQ2    = [2]float64{1, 2}
	v4MaxSeverityEQ3EQ6 = [3][2]float64{{7, 6}, {8, 8}, {0, 10}}
	v4MaxSeverityEQ4    = [3]float64{6, 5, 4}
)

// v4LookupScore returns the score of a MacroVector, or NaN for one the
// table does not hold, as reading a missing key of LOOKUP_TABLE does in
// cvss40.js.
func v4LookupScore(eq [6]int) float64 {
	var key [6]byte
	for i, e := range eq {
		key[i] = byte('0' + e)
	}
	if s, ok := v4Lookup[string(key[:])]; ok {
		return s
	}
	return math.NaN()
}

// score is calculateScore of cvss40.js.
func (v *v4Vector) score() float64 {
	const step = 0.1
	if v.VC == "N" && v.VI == "N" && v.VA == "N" && v.SC == "N" && v.SI == "N" && v.SA == "N" {
		return 0
	}
	eq := v.macroVector()
	value := v4LookupScore(eq)
	eq1, eq2, eq3, eq4, eq5, eq6 := eq[0], eq[1], eq[2], eq[3], eq[4], eq[5]

	// The MacroVectors one step lower in each EQ; they may not exist, and
	// then that EQ takes no part in the mean below.
	next := func(d1, d2, d3, d4, d5, d6 int) float64 {
		return v4LookupScore([6]int{eq1 + d1, eq2 + d2, eq3 + d3, eq4 + d4, eq5 + d5, eq6 + d6})
	}
	scoreEQ1Next := next(1, 0, 0, 0, 0, 0)
	scoreEQ2Next := next(0, 1, 0, 0, 0, 0)
	var scoreEQ3EQ6Next float64
	switch {
	case eq3 == 1 && eq6 == 1: // 11 -> 21
		scoreEQ3EQ6Next = next(0, 0, 1, 0, 0, 0)
	case eq3 == 0 && eq6 == 1: // 01 -> 11
		scoreEQ3EQ6Next = next(0, 0, 1, 0, 0, 0)
	case eq3 == 1 && eq6 == 0: // 10 -> 11
		scoreEQ3EQ6Next = next(0, 0, 0, 0, 0, 1)
	case eq3 == 0 && eq6 == 0: // 00 -> 01 or 10: the higher (Math.max, NaN if either is)
		left, right := next(0, 0, 0, 0, 0, 1), next(0, 0, 1, 0, 0, 0)
		if math.IsNaN(left) || math.IsNaN(right) {
			scoreEQ3EQ6Next = math.NaN()
		} else {
			scoreEQ3EQ6Next = math.Max(left, right)
		}
	default: // 21 -> 32, which does not exist
		scoreEQ3EQ6Next = next(0, 0, 1, 0, 0, 1)
	}
	scoreEQ4Next := next(0, 0, 0, 1, 0, 0)
	scoreEQ5Next := next(0, 0, 0, 0, 1, 0)

	// The severity distance to the first of the MacroVector's highest
	// vectors that is at least as severe as v in every metric. If none is,
	// the reference keeps the distances to the last one tried.
	var dist map[string]float64
	for _, m1 := range v4MaxEQ1[eq1] {
		for _, m2 := range v4MaxEQ2[eq2] {
			for _, m3 := range v4MaxEQ3EQ6[eq3][eq6] {
				for _, m4 := range v4MaxEQ4[eq4] {
					for _, m5 := range v4MaxEQ5[eq5] {
						dist = v.distances(m1, m2, m3, m4, m5)
						if allNonNegative(dist) {
							goto found
						}
					}
				}
			}
		}
	}
found:
	if dist == nil {
		return math.NaN()
	}
	currentEQ1 := dist["AV"] + dist["PR"] + dist["UI"]
	currentEQ2 := dist["AC"] + dist["AT"]
	currentEQ3EQ6 := dist["VC"] + dist["VI"] + dist["VA"] + dist["CR"] + dist["IR"] + dist["AR"]
	currentEQ4 := dist["SC"] + dist["SI"] + dist["SA"]

	availableEQ1 := value - scoreEQ1Next
	availableEQ2 := value - scoreEQ2Next
	availableEQ3EQ6 := value - scoreEQ3EQ6Next
	availableEQ4 := value - scoreEQ4Next
	availableEQ5 := value - scoreEQ5Next

	maxSeverityEQ1 := v4MaxSeverityEQ1[eq1] * step
	maxSeverityEQ2 := v4MaxSeverityEQ2[eq2] * step
	maxSeverityEQ3EQ6 := v4MaxSeverityEQ3EQ6[eq3][eq6] * step
	maxSeverityEQ4 := v4MaxSeverityEQ4[eq4] * step

	var n int
	var normalizedEQ1, normalizedEQ2, normalizedEQ3EQ6, normalizedEQ4, normalizedEQ5 float64
	if !math.IsNaN(availableEQ1) {
		n++
		normalizedEQ1 = availableEQ1 * (currentEQ1 / maxSeverityEQ1)
	}
	if !math.IsNaN(availableEQ2) {
		n++
		normalizedEQ2 = availableEQ2 * (currentEQ2 / maxSeverityEQ2)
	}
	if !math.IsNaN(availableEQ3EQ6) {
		n++
		normalizedEQ3EQ6 = availableEQ3EQ6 * (currentEQ3EQ6 / maxSeverityEQ3EQ6)
	}
	if !math.IsNaN(availableEQ4) {
		n++
		normalizedEQ4 = availableEQ4 * (currentEQ4 / maxSeverityEQ4)
	}
	if !math.IsNaN(availableEQ5) {
		// EQ5 has a single level per class: its proportion is always 0,
		// but a lower class still counts in the mean.
		n++
		normalizedEQ5 = availableEQ5 * 0
	}
	var mean float64
	if n > 0 {
		mean = (normalizedEQ1 + normalizedEQ2 + normalizedEQ3EQ6 + normalizedEQ4 + normalizedEQ5) / float64(n)
	}
	return roundHalfUp1(math.Max(0, math.Min(10, value-mean)))
}

// distances is calculateSeverityDistances of cvss40.js: for each metric,
// v's level minus that of the highest vector composed of the parts m.
func (v *v4Vector) distances(parts ...map[string]string) map[string]float64 {
	d := make(map[string]float64, len(v4LevelOrder))
	for _, metric := range v4LevelOrder {
		var max string
		for _, p := range parts {
			if val, ok := p[metric]; ok {
				max = val
				break
			}
		}
		levels := v4Levels[metric]
		d[metric] = levels[v.get(metric)] - levels[max]
	}
	return d
}

func allNonNegative(d map[string]float64) bool {
	for _, x := range d {
		if !(x >= 0) {
			return false
		}
	}
	return true
}

// roundHalfUp1 is roundToDecimalPlaces(value, 1) of the reference:
// Math.round((value + EPSILON) * 10) / 10 with EPSILON 1e-6, so that a
// mean that should be exactly x.x5 but comes out of float arithmetic as
// x.x4999... still rounds up. The reference's own test vectors need the
// epsilon: CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:L/SC:N/SI:N/SA:L
// is 5.7 there, 5.6 without it. For the non-negative scores here Go's
// math.Round (halves away from zero) equals Math.round (halves up).
func roundHalfUp1(x float64) float64 {
	const epsilon = 1e-6
	return math.Round((x+epsilon)*10) / 10
}
