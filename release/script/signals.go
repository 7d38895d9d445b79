package script

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/finding"
)

// Build-environment gates. One alone is common enough (configure checks
// for gcc everywhere); the xz payload combined a packaging check, a build
// triple read back from config.status or a toolchain check, and "exit 0"
// to stay silent everywhere else.
type gateKind int

const (
	gatePackaging gateKind = iota // RPM_ARCH, DEB_BUILD_*, dpkg-buildpackage
	gateTriple                    // the build triple, read from config.status or $build
	gateTool                      // gcc or GNU ld identity checks
)

type gateHit struct {
	line, col int
	kind      gateKind
}

type gateState struct {
	seen [3]bool
	exit bool
	hits []gateHit
}

var (
	packagingRe = regexp.MustCompile(`\b(RPM_ARCH|RPM_PACKAGE_[A-Z]+|RPM_OS|DEB_(BUILD|HOST|TARGET)_[A-Z_]+|DEB_BUILD|DEB_HOST|dpkg-buildpackage|rpmbuild|debian/rules)\b`)
	exitZeroRe  = regexp.MustCompile(`\bexit 0\b`)
	gccRe       = regexp.MustCompile(`GNU ld|['"\s]gcc['"\s]|x\$GCC|x\$CC\b`)
)

var gateTriggers = []string{"RPM_", "DEB_", "dpkg", "rpmbuild", "debian/rules", "config.status", "x86_64", "GNU ld", "gcc", "GCC", "exit 0"}

// gateLine records the gate signals of one logical line.
func (a *analyzer) gateLine(u *unit) {
	t := u.text
	if exitZeroRe.MatchString(t) {
		a.gate.exit = true
	}
	hasGrep := strings.Contains(t, "grep") || strings.Contains(t, "GREP")
	cond := hasGrep || strings.Contains(t, "test ") || strings.Contains(t, "[ ") ||
		strings.Contains(t, "if ") || strings.Contains(t, "case ")
	if !cond {
		return
	}
	record := func(kind gateKind, off int) {
		a.gate.seen[kind] = true
		if len(a.gate.hits) < maxHits {
			line, col := u.lineAt(off)
			a.gate.hits = append(a.gate.hits, gateHit{line, col, kind})
		}
	}
	if loc := packagingRe.FindStringIndex(t); loc != nil {
		record(gatePackaging, loc[0])
	}
	triple := false
	if hasGrep && strings.Contains(t, "config.status") &&
		(strings.Contains(t, "build") || strings.Contains(t, "host") || strings.Contains(t, "x86_64")) {
		triple = true
	}
	if hasGrep && strings.Contains(t, "x86_64") && containsAnyOf(t, []string{"$build", "${build", "build_os", "$host", "${host", "host_os"}) {
		triple = true
	}
	if triple {
		record(gateTriple, max(strings.Index(t, "config.status"), strings.Index(t, "x86_64"), 0))
	}
	if loc := gccRe.FindStringIndex(t); loc != nil && (hasGrep || strings.Contains(t, "!=")) && !strings.Contains(t, "GCC=") {
		record(gateTool, loc[0])
	}
}

// finishGate turns the gate signals into hits once the whole file is seen.
func (a *analyzer) finishGate() {
	g := &a.gate
	strong := g.seen[gatePackaging] && (g.seen[gateTriple] || g.seen[gateTool]) && g.exit
	for _, h := range g.hits {
		switch {
		case strong:
			a.addHit(RuleBuildEnvGate, finding.Medium, h.line, h.col,
				"the script checks the packaging environment (RPM_ARCH, DEB_BUILD_*, dpkg-buildpackage), the build triple or the toolchain and exits quietly otherwise: code that only runs in distribution builds")
		case h.kind == gatePackaging:
			a.addHit(RuleBuildEnvGate, finding.Low, h.line, h.col, "the script checks whether it runs in a distribution package build")
		case h.kind == gateTriple:
			a.addHit(RuleBuildEnvGate, finding.Low, h.line, h.col, "the script reads the build triple back from config.status or $build")
		}
	}
}

func containsAnyOf(s string, subs []string) bool {
	for _, t := range subs {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// Entropy thresholds: random base64 carries about 6 bits a character,
// English-like identifiers and paths under 4.5; the shortest real payload
// stubs are a few hundred characters.
const (
	minEncodedRun  = 120
	mediumEncoded  = 400
	minHexRun      = 256
	mediumHex      = 512
	minEscapes     = 64
	entropyMinimum = 4.5
)

// byteClass marks base64 (1) and hex (2) bytes.
var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		b := byte(c)
		if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '=' {
			t[c] |= 1
		}
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' {
			t[c] |= 2
		}
	}
	return t
}()

func isB64(c byte) bool { return byteClass[c]&1 != 0 }

func isHex(c byte) bool { return byteClass[c]&2 != 0 }

// entropy reports long encoded literals: base64, hex, and runs of \xHH or
// \NNN escapes (printf payloads).
func (a *analyzer) entropy(u *unit) {
	s := u.text
	for i := 0; i < len(s); {
		if !isB64(s[i]) {
			if s[i] == '\\' {
				i = a.escapeRun(u, i)
				continue
			}
			i++
			continue
		}
		j := i
		class := uint8(3)
		for j < len(s) && byteClass[s[j]]&1 != 0 {
			class &= byteClass[s[j]]
			j++
		}
		n := j - i
		if n < minEncodedRun {
			i = j
			continue
		}
		hex := class&2 != 0
		switch {
		case hex && n >= minHexRun:
			sev := finding.Low
			if n >= mediumHex {
				sev = finding.Medium
			}
			line, col := u.lineAt(i)
			a.addHit(RuleHighEntropyString, sev, line, col, fmt.Sprintf("a %d-character hex string: data no reviewer can read, in a build script", n))
		case !hex && n >= minEncodedRun && mixedClasses(s[i:j]) && shannon(s[i:j]) >= entropyMinimum:
			sev := finding.Low
			if n >= mediumEncoded {
				sev = finding.Medium
			}
			line, col := u.lineAt(i)
			a.addHit(RuleHighEntropyString, sev, line, col, fmt.Sprintf("a %d-character base64-like string of high entropy: data no reviewer can read, in a build script", n))
		}
		i = j
	}
}

// escapeRun measures a run of \xHH or \NNN escapes starting at s[i] and
// returns the offset after it.
func (a *analyzer) escapeRun(u *unit, i int) int {
	s := u.text
	start, n := i, 0
	for i+3 < len(s) && s[i] == '\\' {
		switch {
		case s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]):
			i += 4
		case s[i+1] >= '0' && s[i+1] <= '3' && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7':
			i += 4
		default:
			goto done
		}
		n++
	}
done:
	if n >= minEscapes && !ascending(s[start:i]) {
		line, col := u.lineAt(start)
		a.addHit(RuleHighEntropyString, finding.Medium, line, col, fmt.Sprintf("%d escaped bytes in a row: binary data spelled out in a build script", n))
	}
	if i == start {
		return i + 1
	}
	return i
}

func mixedClasses(s string) bool {
	var up, low, dig bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		up = up || c >= 'A' && c <= 'Z'
		low = low || c >= 'a' && c <= 'z'
		dig = dig || c >= '0' && c <= '9'
	}
	return up && low && dig
}

// shannon returns the entropy of s in bits per byte.
func shannon(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// File references.

// dataExt are extensions of compressed, archived or raw data: where a
// payload hides.
var dataExt = map[string]bool{
	"xz": true, "lzma": true, "lz": true, "lz4": true, "gz": true, "tgz": true, "bz2": true,
	"tbz": true, "tbz2": true, "zst": true, "zstd": true, "7z": true, "zip": true, "rar": true,
	"tar": true, "cpio": true, "bin": true, "dat": true, "raw": true, "img": true, "iso": true,
	"z": true, "lzo": true, "br": true, "sz": true, "txz": true,
}

// buildExt are extensions of ordinary sources, not fixtures, even under a
// test data directory.
var buildExt = map[string]bool{
	"c": true, "h": true, "cc": true, "cpp": true, "cxx": true, "hpp": true, "am": true, "in": true,
	"ac": true, "m4": true, "sh": true, "mk": true, "txt": true, "cmake": true, "py": true,
	"pl": true, "md": true, "log": true, "trs": true, "o": true, "lo": true, "la": true,
}

var fixtureDirs = []string{"testdata/", "test-data/", "test_data/", "fixtures/", "fixture/", "corpus/",
	"tests/files/", "test/files/", "tests/data/", "test/data/", "tests/inputs/", "test/inputs/"}

// srcdirPrefixes name the source directory in the syntaxes handled.
var srcdirPrefixes = []string{
	"$srcdir/", "${srcdir}/", "$(srcdir)/", "$top_srcdir/", "${top_srcdir}/", "$(top_srcdir)/",
	"$ac_srcdir/", "$ac_top_srcdir/", "$abs_srcdir/", "$abs_top_srcdir/", "$(abs_srcdir)/",
	"$(abs_top_srcdir)/", "@srcdir@/", "@top_srcdir@/", "@abs_srcdir@/", "@abs_top_srcdir@/",
	"${CMAKE_SOURCE_DIR}/", "${CMAKE_CURRENT_SOURCE_DIR}/", "${PROJECT_SOURCE_DIR}/",
	"${CMAKE_CURRENT_LIST_DIR}/", "$(dirname $0)/", "$(dirname \"$0\")/",
}

func isRefSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '"', '\'', '`', ';', '|', '&', '<', '>', ',', '=', '[', ']', '\r', 0:
		return true
	}
	return false
}

// fileRefs collects the paths a logical line mentions.
func (a *analyzer) fileRefs(u *unit) {
	s := u.text
	if !strings.ContainsAny(s, "./") {
		return
	}
	for i := 0; i < len(s); {
		for i < len(s) && isRefSep(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isRefSep(s[j]) {
			j++
		}
		if j > i && j-i <= 512 {
			tok := s[i:j]
			if strings.ContainsAny(tok, "./") {
				ref, ok := normalizeRef(tok, false)
				if !ok && len(a.strongLines) > 0 {
					if line, _ := u.lineAt(i); a.strongLines[line] {
						ref, ok = normalizeRef(tok, true)
					}
				}
				if ok {
					a.addRef(ref)
				}
			}
		}
		i = j
	}
}

// normalizeRef cleans a token into a source-relative path, and reports
// whether it names a data file or fixture (or, with loose, any relative
// path: the token is on a suspicious line).
func normalizeRef(tok string, loose bool) (string, bool) {
	for len(tok) > 0 && (tok[0] == '(' || tok[0] == '{') {
		tok = tok[1:]
	}
	for len(tok) > 0 {
		last := tok[len(tok)-1]
		if last == ')' && strings.Count(tok, "(") < strings.Count(tok, ")") ||
			last == '}' && strings.Count(tok, "{") < strings.Count(tok, "}") ||
			last == ':' || last == '.' {
			tok = tok[:len(tok)-1]
			continue
		}
		break
	}
	if strings.Contains(tok, "://") {
		return "", false
	}
	for changed := true; changed; {
		changed = false
		for _, p := range srcdirPrefixes {
			if strings.HasPrefix(tok, p) {
				tok = tok[len(p):]
				changed = true
			}
		}
		for strings.HasPrefix(tok, "./") {
			tok = tok[2:]
			changed = true
		}
	}
	if tok == "" || len(tok) > 256 || tok[0] == '/' || tok[0] == '-' || tok[0] == '.' && !strings.HasPrefix(tok, "../") {
		return "", false
	}
	letter := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(isNameByte(c, false) || c == '.' || c == '/' || c == '-' || c == '+') {
			return "", false
		}
		letter = letter || isAlpha(c)
	}
	if !letter || strings.Contains(tok, "//") || strings.HasSuffix(tok, "/") {
		return "", false
	}
	base := tok
	if i := strings.LastIndexByte(tok, '/'); i >= 0 {
		base = tok[i+1:]
	}
	ext := ""
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		ext = strings.ToLower(base[i+1:])
	}
	extOK := ext != "" && strings.IndexFunc(ext, func(r rune) bool { return r >= 'a' && r <= 'z' }) >= 0
	if dataExt[ext] {
		return tok, true
	}
	if extOK && !buildExt[ext] {
		for _, d := range fixtureDirs {
			if strings.HasPrefix(tok, d) || strings.Contains(tok, "/"+d) {
				return tok, true
			}
		}
	}
	if loose && (strings.Contains(tok, "/") || extOK) {
		return tok, true
	}
	return "", false
}

// ascending reports whether a run of escapes mostly counts upwards, as a
// tr set or a table of byte values does; payloads do not.
func ascending(run string) bool {
	var vals []int
	for i := 0; i+3 < len(run); i += 4 {
		var v int
		if run[i+1] == 'x' {
			v = hexVal(run[i+2])<<4 | hexVal(run[i+3])
		} else {
			v = int(run[i+1]-'0')<<6 | int(run[i+2]-'0')<<3 | int(run[i+3]-'0')
		}
		vals = append(vals, v)
	}
	up := 0
	for i := 1; i < len(vals); i++ {
		if vals[i] > vals[i-1] {
			up++
		}
	}
	return up*10 >= (len(vals)-1)*9
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}
