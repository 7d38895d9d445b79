package release

import (
	"bytes"
	"path"
	"strings"
)

// ignoreRule is one pattern line of a .gitignore file in git.
type ignoreRule struct {
	file    string // the .gitignore's path
	line    int
	dir     string // the .gitignore's directory, "" at the root
	pattern string // as written, for evidence
	glob    string // the pattern without its leading '/' and trailing '/'
	negate  bool
	dirOnly bool
	rooted  bool // contains a slash before its end: matched against the path from dir
}

// ignores holds every .gitignore of the tree at the ref.
type ignores struct{ rules []ignoreRule }

// maxIgnoreRules bounds the patterns read from all .gitignore files.
const maxIgnoreRules = 100_000

func (ig *ignores) add(file string, data []byte) {
	dir := path.Dir(file)
	if dir == "." {
		dir = ""
	}
	for i, raw := range bytes.Split(data, []byte{'\n'}) {
		if len(ig.rules) >= maxIgnoreRules {
			return
		}
		line := strings.TrimRight(string(bytes.TrimSuffix(raw, []byte{'\r'})), " ")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{file: file, line: i + 1, dir: dir, pattern: line}
		if strings.HasPrefix(line, "!") {
			r.negate = true
			line = line[1:]
		}
		line = strings.TrimPrefix(line, `\`)
		if strings.HasSuffix(line, "/") {
			r.dirOnly = true
			line = strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "/") {
			r.rooted = true
			line = strings.TrimPrefix(line, "/")
		}
		if line == "" {
			continue
		}
		r.glob = line
		ig.rules = append(ig.rules, r)
	}
}

// match returns the last rule deciding that p (a file) is ignored, or
// nil when it is not ignored. Directory rules match p's parents.
func (ig *ignores) match(p string) *ignoreRule {
	var hit *ignoreRule
	for i := range ig.rules {
		r := &ig.rules[i]
		rel := p
		if r.dir != "" {
			if !strings.HasPrefix(p, r.dir+"/") {
				continue
			}
			rel = p[len(r.dir)+1:]
		}
		if r.matches(rel) {
			if r.negate {
				hit = nil
			} else {
				hit = r
			}
		}
	}
	return hit
}

// matches reports whether the rule matches rel (a file path relative to
// the rule's directory) or one of its parent directories.
func (r *ignoreRule) matches(rel string) bool {
	parts := strings.Split(rel, "/")
	for n := len(parts); n >= 1; n-- {
		if r.dirOnly && n == len(parts) {
			continue // the file itself is not a directory
		}
		cand := strings.Join(parts[:n], "/")
		if r.rooted {
			if globMatch(r.glob, cand) {
				return true
			}
			continue
		}
		if globMatch(r.glob, parts[n-1]) {
			return true
		}
	}
	return false
}

// globMatch is gitignore's wildmatch for the forms projects write: path.Match
// per component, with "**" matching any number of components.
func globMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, err := path.Match(pattern, name)
		return err == nil && ok
	}
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"), 0)
}

func matchParts(pat, name []string, depth int) bool {
	if depth > 32 {
		return false
	}
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchParts(rest, name[i:], depth+1) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		ok, err := path.Match(pat[0], name[0])
		if err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// explicit reports whether the rule names the file itself rather than a
// family of files by wildcard: an ignore line written for one file is what
// hid the xz macro.
func (r *ignoreRule) explicit(p string) bool {
	return !strings.ContainsAny(r.glob, "*?[") && path.Base(r.glob) == path.Base(p)
}
