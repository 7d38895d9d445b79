package gemfilelock

import (
	"io/fs"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

// Limits on the Ruby files scanned beside a lockfile.
const (
	// maxCompanionSize caps a Gemfile or gemspec; real ones are a few KB.
	maxCompanionSize = 1 << 20
	// maxBlocks caps the nesting of blocks tracked; deeper blocks are
	// still matched with their "end" but add no groups.
	maxBlocks = 64
)

// readCompanion reads a Gemfile or gemspec beside the lockfile.
func readCompanion(fsys fs.FS, path string) ([]byte, error) {
	return extract.ReadFile(fsys, path, maxCompanionSize)
}

var (
	// gemLine is a `gem "name"` call, with or without parentheses.
	gemLine = regexp.MustCompile(`^gem[\s(]+["']([^"']+)["'](.*)$`)
	// groupBlock is the start of a `group :a, :b do` block.
	groupBlock = regexp.MustCompile(`^group\b(.*)\bdo\s*(?:\|[^|]*\|)?$`)
	// doBlock is the start of any other block: `platforms :jruby do`,
	// `source "..." do`, `install_if -> { ... } do`.
	doBlock = regexp.MustCompile(`\bdo\s*(?:\|[^|]*\|)?$`)
	// keywordBlock starts a block closed by "end" without "do".
	keywordBlock = regexp.MustCompile(`^(?:if|unless|case|begin|while|until|def|class|module)\b`)
	// groupOption is a gem's `group:`/`groups:` option, in either hash
	// syntax, with its value: a symbol, a string or an array of them.
	groupOption = regexp.MustCompile(`(?:\bgroups?:|:groups?\s*=>)\s*(\[[^\]]*\]|:\w+|"[^"]*"|'[^']*')`)
	// groupName is a symbol or string within a group list.
	groupName = regexp.MustCompile(`:(\w+)|"([^"]*)"|'([^']*)'`)
	// devDependency is a gemspec's add_development_dependency call.
	devDependency = regexp.MustCompile(`\.add_development_dependency[\s(]+["']([^"']+)["']`)
)

// gemfileScopes scans a Gemfile's text for the groups of each gem it
// declares and returns the scope that follows from them. It reads the
// file as text; nothing in it is evaluated.
func gemfileScopes(data []byte) map[string]inventory.Scope {
	out := map[string]inventory.Scope{}
	// blocks holds, for each open block, the groups it adds (none for
	// blocks that are not `group`).
	var blocks [][]string
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(stripComment(raw))
		if line == "" {
			continue
		}
		switch {
		case line == "end" || strings.HasPrefix(line, "end ") || strings.HasPrefix(line, "end.") || strings.HasPrefix(line, "end)"):
			if len(blocks) > 0 {
				blocks = blocks[:len(blocks)-1]
			}
		case groupBlock.MatchString(line):
			blocks = push(blocks, groupNames(groupBlock.FindStringSubmatch(line)[1]))
		case keywordBlock.MatchString(line) || doBlock.MatchString(line):
			blocks = push(blocks, nil)
		}
		m := gemLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var groups []string
		for _, b := range blocks {
			groups = append(groups, b...)
		}
		for _, opt := range groupOption.FindAllStringSubmatch(m[2], -1) {
			groups = append(groups, groupNames(opt[1])...)
		}
		s := scopeOfGroups(groups)
		if old, ok := out[m[1]]; !ok || rank(s) < rank(old) {
			out[m[1]] = s
		}
	}
	return out
}

func push(blocks [][]string, groups []string) [][]string {
	if len(blocks) >= maxBlocks {
		groups = nil
	}
	return append(blocks, groups)
}

// groupNames returns the symbols and strings of a group list.
func groupNames(s string) []string {
	var out []string
	for _, m := range groupName.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1]+m[2]+m[3])
	}
	return out
}

// scopeOfGroups maps Bundler groups to a scope: no group or any group but
// development and test is runtime (the default group, production, or a
// group an application loads on its own terms); development (with or
// without test) is dev; test alone is test.
func scopeOfGroups(groups []string) inventory.Scope {
	dev, test := false, false
	for _, g := range groups {
		switch g {
		case "development":
			dev = true
		case "test":
			test = true
		default:
			return inventory.ScopeRuntime
		}
	}
	switch {
	case dev:
		return inventory.ScopeDev
	case test:
		return inventory.ScopeTest
	}
	return inventory.ScopeRuntime
}

// developmentDependencies returns the names a gemspec declares with
// add_development_dependency.
func developmentDependencies(data []byte) []string {
	var out []string
	for _, raw := range strings.Split(string(data), "\n") {
		if m := devDependency.FindStringSubmatch(stripComment(raw)); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// stripComment removes a "#" comment that is not inside a string.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return line[:i]
		}
	}
	return line
}
