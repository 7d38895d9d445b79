package usage

import (
	"strings"
)

// evidence is what the files of one directory say about which packages
// the project uses. A manifest is judged against the union of the
// evidence of the directories in its scope.
type evidence struct {
	jsFiles, goFiles, pyFiles int

	// jsPkgs are the npm packages named by import specifiers.
	jsPkgs map[string]bool
	// nodeBuiltin is set when a Node.js core module is imported, which
	// is what @types/node types.
	nodeBuiltin bool
	// jsx, ts and tsconfig record JSX/TSX files, TypeScript files and a
	// tsconfig*.json: the JSX runtime (react) and the compiler
	// (typescript) are used through them without an import.
	jsx, ts, tsconfig bool
	// typesRefs are `/// <reference types="x" />` names.
	typesRefs map[string]bool

	// goImports are the import paths of Go files.
	goImports map[string]bool

	// pyMods are the modules Python files import, lower-cased;
	// pyStrs the module names and database URLs their strings hold.
	pyMods map[string]bool
	pyStrs map[string]bool
	// pyTests is set by test files (test_*.py, *_test.py, conftest.py),
	// which pytest runs without being imported.
	pyTests bool

	// words are the words of package.json scripts, configuration files
	// and task files (Makefile, CI workflows, Procfile, Dockerfile): the
	// commands a project runs and the plugins its tools load.
	words map[string]bool
	// refs are the npm package names those words spell ("ts-node" from
	// "--require ts-node/register", "react" from "plugin:react/all").
	refs map[string]bool
}

func newEvidence() *evidence { return &evidence{} }

func add(m *map[string]bool, k string) {
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[k] = true
}

func union(dst *map[string]bool, src map[string]bool) {
	for k := range src {
		add(dst, k)
	}
}

// merge adds o to e.
func (e *evidence) merge(o *evidence) {
	e.jsFiles += o.jsFiles
	e.goFiles += o.goFiles
	e.pyFiles += o.pyFiles
	union(&e.jsPkgs, o.jsPkgs)
	e.nodeBuiltin = e.nodeBuiltin || o.nodeBuiltin
	e.jsx = e.jsx || o.jsx
	e.ts = e.ts || o.ts
	e.tsconfig = e.tsconfig || o.tsconfig
	union(&e.typesRefs, o.typesRefs)
	union(&e.goImports, o.goImports)
	union(&e.pyMods, o.pyMods)
	union(&e.pyStrs, o.pyStrs)
	e.pyTests = e.pyTests || o.pyTests
	union(&e.words, o.words)
	union(&e.refs, o.refs)
}

// addSpec records a JavaScript import specifier.
func (e *evidence) addSpec(spec string) {
	if strings.HasPrefix(spec, "node:") {
		e.nodeBuiltin = true
		return
	}
	for _, part := range strings.Split(strings.TrimLeft(spec, "!-"), "!") {
		name, builtin := npmPackage(part)
		if builtin {
			e.nodeBuiltin = true
		}
		if name != "" {
			add(&e.jsPkgs, name)
		}
	}
}

// maxWord bounds one word of a task or configuration file.
const maxWord = 256

// addText splits text into shell-like words and records each (see
// addWord). "python -m x" also records module x as imported.
func (e *evidence) addText(text string) {
	prev := ""
	i := 0
	for i < len(text) {
		for i < len(text) && !isWordByte(text[i]) {
			i++
		}
		j := i
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		if j > i {
			w := text[i:j]
			if len(w) <= maxWord {
				e.addWord(w)
				if prev == "-m" && isDottedName(w) {
					addModule(&e.pyMods, strings.ToLower(w))
				}
			}
			prev = w
		}
		i = j
	}
}

// isWordByte says which bytes words are made of: enough for package
// names, scoped names, paths, "plugin:x/y" and URLs.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '@' || c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == '~' || c == ':'
}

// addWord records a word, its parts around ":" ("plugin:react/recommended",
// "tool:pytest"), its last path element ("node_modules/.bin/jest"), and the
// npm package each spells.
func (e *evidence) addWord(w string) {
	w = strings.TrimRight(w, ".:")
	if w == "" {
		return
	}
	if dbURLScheme(w) != "" {
		add(&e.pyStrs, strings.ToLower(w))
		return
	}
	forms := []string{w}
	if strings.Contains(w, ":") {
		forms = append(forms, strings.Split(w, ":")...)
	}
	for _, f := range forms {
		if f == "" {
			continue
		}
		add(&e.words, f)
		if lf := strings.ToLower(f); lf != f {
			add(&e.words, lf)
		}
		if i := strings.LastIndexByte(f, '/'); i >= 0 && i+1 < len(f) {
			add(&e.words, f[i+1:])
		}
		if name, _ := npmPackage(f); name != "" {
			add(&e.refs, name)
		}
	}
}

// addConfigString records a string literal of a configuration file.
func (e *evidence) addConfigString(s string) {
	if len(s) <= maxSpecifier {
		e.addText(s)
	}
}
