package gradlelock

import (
	"bytes"
	"context"
	"io/fs"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/vouchdev/vouch/extract"
)

// Limits on the companion files read to find direct dependencies.
const (
	// maxScriptSize bounds a build or settings script; real ones are a
	// few kilobytes.
	maxScriptSize = 4 << 20
	// maxTokens bounds the tokens kept of one script.
	maxTokens = 1 << 20
	// maxCatalogSize bounds gradle/libs.versions.toml.
	maxCatalogSize = 4 << 20
	// maxUp bounds the directories climbed looking for the version
	// catalog.
	maxUp = 64
)

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tPunct
	tNewline
)

// token is a lexical element of a Groovy or Kotlin build script.
type token struct {
	kind tokKind
	text string
}

// lex splits a build script into identifiers, string literals (their
// content, undecoded), punctuation and newlines, dropping comments and
// whitespace. It understands only as much of Groovy and Kotlin as telling
// code from strings and comments needs; it never fails, and stops at
// maxTokens.
func lex(src []byte) []token {
	var out []token
	emit := func(k tokKind, s string) bool {
		out = append(out, token{kind: k, text: s})
		return len(out) < maxTokens
	}
	i, n := 0, len(src)
	for i < n {
		c := src[i]
		switch {
		case c == '\n':
			if !emit(tNewline, "") {
				return out
			}
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '/' && i+1 < n && src[i+1] == '/':
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return out
			}
			// Keep the newlines a statement scan relies on.
			for range bytes.Count(src[i:i+2+end], []byte("\n")) {
				if !emit(tNewline, "") {
					return out
				}
			}
			i += 2 + end + 2
		case c == '"' || c == '\'':
			s, next := lexString(src, i)
			if !emit(tString, s) {
				return out
			}
			i = next
		case c == '_' || c == '$' || isLetter(c):
			j := i + 1
			for j < n && (src[j] == '_' || src[j] == '$' || isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			if !emit(tIdent, string(src[i:j])) {
				return out
			}
			i = j
		case isDigit(c):
			for i < n && (isDigit(src[i]) || isLetter(src[i]) || src[i] == '.' || src[i] == '_') {
				i++
			}
		default:
			if !emit(tPunct, string(c)) {
				return out
			}
			i++
		}
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// lexString reads the string literal starting at src[i] (a quote) and
// returns its content and the offset after it. Triple-quoted strings may
// span lines; a single-quoted one ends at the end of its line if not
// before. "${...}" is kept as written, braces and quotes inside it
// included.
func lexString(src []byte, i int) (string, int) {
	q := src[i]
	n := len(src)
	triple := i+2 < n && src[i+1] == q && src[i+2] == q
	start := i + 1
	if triple {
		start = i + 3
	}
	j := start
	var b strings.Builder
	for j < n {
		c := src[j]
		switch {
		case triple && c == q && j+2 < n && src[j+1] == q && src[j+2] == q:
			return b.String(), j + 3
		case !triple && c == q:
			return b.String(), j + 1
		case !triple && c == '\n':
			return b.String(), j
		case c == '\\' && j+1 < n:
			b.WriteByte(c)
			b.WriteByte(src[j+1])
			j += 2
			continue
		case q == '"' && c == '$' && j+1 < n && src[j+1] == '{':
			depth := 0
			k := j + 1
			for ; k < n; k++ {
				if src[k] == '{' {
					depth++
				} else if src[k] == '}' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if k >= n {
				k = n - 1
			}
			b.Write(src[j : k+1])
			j = k + 1
			continue
		}
		b.WriteByte(c)
		j++
	}
	return b.String(), n
}

// coordinate matches a string literal naming a module: group:name, with
// an optional version (possibly interpolated), classifier and extension.
var coordinate = regexp.MustCompile(`^([A-Za-z0-9_.\-]+):([A-Za-z0-9_.\-]+)(:[^\s:]*)?(:[^\s:]*)?(@[A-Za-z0-9]+)?$`)

// notDeclaring are calls whose string arguments name modules without
// declaring a dependency on them.
var notDeclaring = map[string]bool{
	"force": true, "exclude": true, "module": true, "substitute": true, "using": true,
	"useTarget": true, "because": true, "reject": true, "prefer": true, "strictly": true,
	"require": true, "capability": true, "requireCapability": true, "with": true,
}

// mapKeys name the parts of a module in map notation (group: "g",
// name: "a") and in exclusions (module: "a"); their values are never
// whole coordinates.
var mapKeys = map[string]bool{
	"group": true, "name": true, "module": true, "version": true, "classifier": true,
	"ext": true, "configuration": true,
}

// collapse replaces each "${...}" of a string literal by "$x", so that an
// interpolated version holding spaces or colons still reads as one part.
func collapse(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		depth, j := 0, i+1
		for ; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		b.WriteString("$x")
		if j >= len(s) {
			return b.String()
		}
		s = s[j+1:]
	}
}

// skipBlocks are blocks whose coordinates constrain resolution rather
// than declare dependencies.
var skipBlocks = map[string]bool{
	"constraints": true, "resolutionStrategy": true, "dependencySubstitution": true,
	"exclusiveContent": true, "components": true, "eachDependency": true,
}

// declared is what the build script and version catalog say the project
// declares.
type declared struct {
	// modules are "group:name" of declared dependencies (for a buildscript
	// lockfile: of the build script's classpath and plugin markers).
	modules map[string]bool
	// files are those read, relative to the project directory's build
	// root, for the root's direct_from property.
	files []string
}

// readDeclared scans the build script of the project in dir, and the
// build's version catalog when the script uses it.
func readDeclared(ctx context.Context, fsys fs.FS, dir string, buildscript bool) declared {
	d := declared{modules: map[string]bool{}}
	if fsys == nil {
		return d
	}
	var refs scriptRefs
	for _, name := range []string{"build.gradle.kts", "build.gradle"} {
		p, ok := extract.Join(dir, name)
		if !ok {
			continue
		}
		src, ok := readCompanion(fsys, p, maxScriptSize)
		if !ok {
			continue
		}
		d.files = append(d.files, name)
		refs.scan(lex(src), buildscript)
	}
	for m := range refs.modules {
		d.modules[m] = true
	}
	if len(refs.libraries)+len(refs.bundles)+len(refs.plugins) == 0 || ctx.Err() != nil {
		return d
	}
	catPath, cat := findCatalog(fsys, dir)
	if cat == nil {
		return d
	}
	d.files = append(d.files, relTo(dir, catPath))
	for _, chain := range refs.libraries {
		if m, ok := cat.lookup(cat.libraries, chain); ok {
			d.modules[m] = true
		}
	}
	for _, chain := range refs.bundles {
		for k := len(chain); k > 0; k-- {
			if libs, ok := cat.bundles[strings.Join(chain[:k], ".")]; ok {
				for _, l := range libs {
					if m, ok := cat.libraries[l]; ok {
						d.modules[m] = true
					}
				}
				break
			}
		}
	}
	for _, chain := range refs.plugins {
		if id, ok := cat.lookup(cat.plugins, chain); ok {
			d.modules[id+":"+id+".gradle.plugin"] = true
		}
	}
	return d
}

// relTo writes path relative to dir when it is below it, else as it is.
func relTo(dir, path string) string {
	if dir == "." {
		return path
	}
	if r, ok := strings.CutPrefix(path, dir+"/"); ok {
		return r
	}
	return path
}

// scriptRefs are the declarations found in a script.
type scriptRefs struct {
	modules map[string]bool
	// libraries, bundles and plugins are version catalog accessor
	// chains after "libs.", "libs.bundles." and "libs.plugins.".
	libraries, bundles, plugins [][]string
}

// scan records the declarations of tokens. For a buildscript lockfile
// only the buildscript block's dependencies and the plugins block count;
// otherwise only what is outside them.
func (r *scriptRefs) scan(toks []token, buildscript bool) {
	if r.modules == nil {
		r.modules = map[string]bool{}
	}
	// blocks are the names of the open blocks ("" for an anonymous one);
	// open counts them by name, and skipping those in skipBlocks, so that
	// asking where a token is costs the same however deep it is.
	var blocks []string
	open := map[string]int{}
	skipping := 0
	in := func(name string) bool { return open[name] > 0 }
	skipped := func() bool { return skipping > 0 }
	// opens maps each ")" to its "(", so that naming a block costs the
	// same however long its argument list.
	var parens []int
	opens := map[int]int{}
	for i, t := range toks {
		switch {
		case t.kind == tPunct && t.text == "(":
			parens = append(parens, i)
		case t.kind == tPunct && t.text == ")":
			if len(parens) > 0 {
				opens[i] = parens[len(parens)-1]
				parens = parens[:len(parens)-1]
			}
		case t.kind == tPunct && t.text == "{":
			b := blockName(toks, i, opens)
			blocks = append(blocks, b)
			open[b]++
			if skipBlocks[b] {
				skipping++
			}
			continue
		case t.kind == tPunct && t.text == "}":
			if len(blocks) > 0 {
				b := blocks[len(blocks)-1]
				blocks = blocks[:len(blocks)-1]
				open[b]--
				if skipBlocks[b] {
					skipping--
				}
			}
			continue
		}
		if skipped() {
			continue
		}
		inPlugins := in("plugins")
		inScript := in("buildscript")
		library := !inPlugins && (inScript == buildscript)
		switch t.kind {
		case tString:
			callee := calleeOf(toks, i)
			switch {
			case inPlugins && buildscript && callee == "id":
				if isPluginID(t.text) {
					r.modules[t.text+":"+t.text+".gradle.plugin"] = true
				}
			case callee == "kotlin" && isPluginID(t.text) && !strings.Contains(t.text, "."):
				if inPlugins && buildscript {
					id := "org.jetbrains.kotlin." + t.text
					r.modules[id+":"+id+".gradle.plugin"] = true
				} else if library {
					r.modules["org.jetbrains.kotlin:kotlin-"+t.text] = true
				}
			case !library:
			case keyOf(toks, i) == "group":
				if j := nextString(toks, i); j > 0 && keyOf(toks, j) == "name" {
					r.modules[t.text+":"+toks[j].text] = true
				}
			case mapKeys[keyOf(toks, i)], notDeclaring[callee]:
			default:
				if m := coordinate.FindStringSubmatch(collapse(t.text)); m != nil {
					r.modules[m[1]+":"+m[2]] = true
				}
			}
		case tIdent:
			if t.text != "libs" || (i > 0 && toks[i-1].kind == tPunct && toks[i-1].text == ".") {
				continue
			}
			chain := accessor(toks, i+1)
			if len(chain) < 1 {
				continue
			}
			switch chain[0] {
			case "plugins":
				if inPlugins && buildscript && len(chain) > 1 {
					r.plugins = append(r.plugins, chain[1:])
				}
			case "bundles":
				if library && len(chain) > 1 && !notDeclaring[calleeOf(toks, i)] {
					r.bundles = append(r.bundles, chain[1:])
				}
			case "versions":
			default:
				if library && !notDeclaring[calleeOf(toks, i)] {
					r.libraries = append(r.libraries, chain)
				}
			}
		}
	}
}

// blockName names the block whose "{" is toks[i]: the identifier before
// it, skipping one parenthesised argument list ("implementation(x) {"),
// whose "(" opens gives.
func blockName(toks []token, i int, opens map[int]int) string {
	j := i - 1
	for j >= 0 && toks[j].kind == tNewline {
		j--
	}
	if j >= 0 && toks[j].kind == tPunct && toks[j].text == ")" {
		o, ok := opens[j]
		if !ok {
			return ""
		}
		j = o - 1
	}
	if j >= 0 && toks[j].kind == tIdent {
		return toks[j].text
	}
	return ""
}

// calleeOf returns the identifier of the call a string argument toks[i]
// is given to: "implementation" for implementation("g:a:v") and
// implementation 'g:a:v', "platform" for platform("g:a:v").
func calleeOf(toks []token, i int) string {
	j := i - 1
	if j >= 0 && toks[j].kind == tPunct && toks[j].text == "(" {
		j--
	}
	if j >= 0 && toks[j].kind == tIdent {
		return toks[j].text
	}
	return ""
}

// keyOf returns the name of a named argument or map entry whose value is
// toks[i] (group: "g" in Groovy, group = "g" in Kotlin), or "".
func keyOf(toks []token, i int) string {
	if i >= 2 && toks[i-1].kind == tPunct && (toks[i-1].text == ":" || toks[i-1].text == "=") && toks[i-2].kind == tIdent {
		return toks[i-2].text
	}
	return ""
}

// nextString returns the index of the next string literal in the same
// argument list as toks[i], or -1.
func nextString(toks []token, i int) int {
	for j := i + 1; j < len(toks) && j < i+8; j++ {
		switch toks[j].kind {
		case tString:
			return j
		case tPunct:
			if toks[j].text == ")" || toks[j].text == "{" || toks[j].text == "}" {
				return -1
			}
		}
	}
	return -1
}

// accessor reads ".a.b.c" from toks[i] on, stopping before a call.
func accessor(toks []token, i int) []string {
	var out []string
	for i+1 < len(toks) && toks[i].kind == tPunct && toks[i].text == "." && toks[i+1].kind == tIdent {
		out = append(out, toks[i+1].text)
		i += 2
		if len(out) > 32 {
			break
		}
	}
	return out
}

var pluginID = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

func isPluginID(s string) bool { return s != "" && len(s) < 256 && pluginID.MatchString(s) }

// catalog is what a version catalog maps accessors to, with aliases
// normalised to their accessor form (separators "-" and "_" as ".").
type catalog struct {
	libraries map[string]string   // alias → "group:name"
	plugins   map[string]string   // alias → plugin id
	bundles   map[string][]string // alias → library aliases
}

// lookup finds the longest prefix of chain that is an alias of m, so that
// libs.guava.core.get() finds guava-core.
func (c *catalog) lookup(m map[string]string, chain []string) (string, bool) {
	for k := len(chain); k > 0; k-- {
		if v, ok := m[strings.Join(chain[:k], ".")]; ok {
			return v, true
		}
	}
	return "", false
}

func normAlias(a string) string {
	return strings.NewReplacer("-", ".", "_", ".").Replace(a)
}

// findCatalog looks for gradle/libs.versions.toml in dir and the
// directories above it, up to the first holding a settings script (the
// root of the build).
func findCatalog(fsys fs.FS, dir string) (string, *catalog) {
	for range maxUp {
		p, ok := extract.Join(dir, "gradle/libs.versions.toml")
		if !ok {
			return "", nil
		}
		if data, ok := readCompanion(fsys, p, maxCatalogSize); ok {
			c, err := parseCatalog(data)
			if err != nil {
				return "", nil
			}
			return p, c
		}
		if hasSettings(fsys, dir) || dir == "." {
			return "", nil
		}
		dir = extract.Dir(dir)
	}
	return "", nil
}

func hasSettings(fsys fs.FS, dir string) bool {
	for _, n := range []string{"settings.gradle.kts", "settings.gradle"} {
		if p, ok := extract.Join(dir, n); ok {
			if st, err := fs.Stat(fsys, p); err == nil && st.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// parseCatalog reads the [libraries], [plugins] and [bundles] of a
// version catalog. Entries of shapes it does not know are skipped.
func parseCatalog(data []byte) (*catalog, error) {
	var raw struct {
		Libraries map[string]any `toml:"libraries"`
		Plugins   map[string]any `toml:"plugins"`
		Bundles   map[string]any `toml:"bundles"`
	}
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	c := &catalog{libraries: map[string]string{}, plugins: map[string]string{}, bundles: map[string][]string{}}
	for alias, v := range raw.Libraries {
		switch v := v.(type) {
		case string:
			if m := coordinate.FindStringSubmatch(v); m != nil {
				c.libraries[normAlias(alias)] = m[1] + ":" + m[2]
			}
		case map[string]any:
			if mod, ok := v["module"].(string); ok {
				if g, a, ok := strings.Cut(mod, ":"); ok && g != "" && a != "" {
					c.libraries[normAlias(alias)] = g + ":" + a
				}
			} else if g, ok := v["group"].(string); ok {
				if a, ok := v["name"].(string); ok && g != "" && a != "" {
					c.libraries[normAlias(alias)] = g + ":" + a
				}
			}
		}
	}
	for alias, v := range raw.Plugins {
		var id string
		switch v := v.(type) {
		case string:
			id, _, _ = strings.Cut(v, ":")
		case map[string]any:
			id, _ = v["id"].(string)
		}
		if isPluginID(id) {
			c.plugins[normAlias(alias)] = id
		}
	}
	for alias, v := range raw.Bundles {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		var libs []string
		for _, l := range list {
			if s, ok := l.(string); ok {
				libs = append(libs, normAlias(s))
			}
		}
		c.bundles[normAlias(alias)] = libs
	}
	return c, nil
}

// includes returns the project directories a settings script includes
// (include("a", ":b:c") gives "a" and "b/c"), relative to its directory.
func includes(toks []token) []string {
	var out []string
	for i := 0; i < len(toks) && len(out) < maxProjects; i++ {
		if toks[i].kind != tIdent || toks[i].text != "include" {
			continue
		}
		depth, last := 0, ""
		// A statement that never ends runs to the end of the script,
		// which is then done: no token is read twice.
		end := len(toks)
		for j := i + 1; j < len(toks); j++ {
			t := toks[j]
			if t.kind == tNewline {
				if depth == 0 && last != "," && last != "(" && last != "" {
					end = j
					break
				}
				continue
			}
			if t.kind == tPunct {
				switch t.text {
				case "(":
					depth++
				case ")":
					depth--
				}
				last = t.text
				if depth <= 0 && t.text == ")" {
					end = j
					break
				}
				continue
			}
			last = t.text
			if t.kind == tString {
				p := strings.ReplaceAll(strings.Trim(t.text, ":"), ":", "/")
				if p != "" && fs.ValidPath(p) && len(out) < maxProjects {
					out = append(out, p)
				}
			} else if depth == 0 {
				end = j - 1
				break
			}
		}
		i = end
	}
	return out
}

// readCompanion reads a regular file of the scanned tree up to max bytes;
// it reports false when there is none or it is too large: a companion
// only refines what the lockfile says.
func readCompanion(fsys fs.FS, path string, max int64) ([]byte, bool) {
	data, err := extract.ReadFile(fsys, path, max)
	return data, err == nil
}
