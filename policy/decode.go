package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/sbom/spdx/license"
)

const (
	// maxNodes bounds the YAML nodes of a policy; real ones have hundreds.
	maxNodes = 100_000
	// maxDepth bounds nesting; the schema is four levels deep.
	maxDepth = 16
	// maxScalar bounds one value (a long CEL expression fits easily).
	maxScalar = 16 << 10
	// maxDuration bounds durations so arithmetic on them cannot overflow.
	maxDuration = 100 * 365 * 24 * time.Hour
	// maxListItems bounds a list (patterns, licences, exceptions): each
	// entry is tried against every component.
	maxListItems = 10_000
	// maxRules bounds custom rules, each evaluated for every component.
	maxRules = 100
)

// decoder turns the YAML node tree into a Policy, with positions for
// every error. Unknown keys are errors: a misspelt rule must not be a rule
// silently off.
type decoder struct {
	path string
	data []byte
	p    *Policy
}

// Parse reads a policy from data; path names it in errors and becomes
// Policy.Path. Every error is an *Error with the line and column of the
// offending key or value.
func Parse(path string, data []byte) (p *Policy, err error) {
	defer func() {
		// The YAML parser is not ours; a panic on some input must still
		// be an error naming the file, not a crash of the gate.
		if r := recover(); r != nil {
			p, err = nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read policy: %v", r)}
		}
	}()
	d := &decoder{path: path, data: data}
	return d.parse()
}

func (d *decoder) errAt(n *yaml.Node, format string, args ...any) *Error {
	e := &Error{Path: d.path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns a YAML parser error ("yaml: line 3: did not find expected
// key") into an *Error with the line.
func (d *decoder) syntax(err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Path: d.path, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{Path: d.path, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

const emptyPolicy = `empty policy: write at least "version: 1" ("vouch policy init" writes a starting policy)`

func (d *decoder) parse() (*Policy, error) {
	if len(d.data) > MaxPolicySize {
		return nil, &Error{Path: d.path, Msg: fmt.Sprintf("policy larger than %d bytes", MaxPolicySize)}
	}
	if i := bytes.IndexByte(d.data, 0); i >= 0 {
		return nil, &Error{Path: d.path, Line: bytes.Count(d.data[:i], []byte("\n")) + 1, Msg: "binary data (a NUL byte), not YAML"}
	}
	if !utf8.Valid(d.data) {
		line := 1
		for i := 0; i < len(d.data); {
			r, n := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			i += n
		}
		return nil, &Error{Path: d.path, Line: line, Msg: "not UTF-8 text"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(d.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Path: d.path, Msg: emptyPolicy}
		}
		return nil, d.syntax(err)
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		return nil, &Error{Path: d.path, Line: more.Line, Msg: "more than one YAML document; a policy is one"}
	case !errors.Is(err, io.EOF):
		return nil, d.syntax(err)
	}
	if err := d.check(&doc); err != nil {
		return nil, err
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{Path: d.path, Msg: emptyPolicy}
		}
		root = root.Content[0]
	}
	if isNull(root) {
		return nil, &Error{Path: d.path, Msg: emptyPolicy}
	}
	return d.policy(root)
}

// check walks the tree once, refusing aliases (a policy has no need of
// them, and they are how small YAML expands without bound), excessive
// nesting, node counts and scalar lengths.
func (d *decoder) check(root *yaml.Node) error {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{root, 0}}
	count := 0
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		if count > maxNodes {
			return d.errAt(it.n, "policy has more than %d YAML nodes", maxNodes)
		}
		if it.depth > maxDepth {
			return d.errAt(it.n, "nested deeper than %d levels", maxDepth)
		}
		switch it.n.Kind {
		case yaml.AliasNode:
			return d.errAt(it.n, "aliases (*%s) are not supported in a policy; write the value out", clip(it.n.Value, 40))
		case yaml.ScalarNode:
			if len(it.n.Value) > maxScalar {
				return d.errAt(it.n, "value longer than %d bytes", maxScalar)
			}
		}
		for i := len(it.n.Content) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.Content[i], it.depth + 1})
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// field is one key of a mapping with its value.
type field struct {
	name     string
	key, val *yaml.Node
}

// mapping returns the keys of a mapping in document order, refusing
// duplicates and keys not in allowed. A null value (a section with
// nothing under it) is an empty mapping. where prefixes messages.
func (d *decoder) mapping(n *yaml.Node, where string, allowed ...string) ([]field, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errAt(n, "%swant a mapping of keys, found %s", prefix(where), describe(n))
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, d.errAt(k, "%skeys must be plain names", prefix(where))
		}
		if seen[k.Value] {
			return nil, d.errAt(k, "%sduplicate key %q", prefix(where), k.Value)
		}
		seen[k.Value] = true
		if allowed != nil && !contains(allowed, k.Value) {
			return nil, d.errAt(k, "%sunknown key %q%s", prefix(where), clip(k.Value, 60), suggest(k.Value, allowed))
		}
		out = append(out, field{name: k.Value, key: k, val: v})
	}
	return out, nil
}

func prefix(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest names the allowed key nearest to a misspelt one.
func suggest(key string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(key, a); d < bestD {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance, for short key names only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describe names a node's kind for "want X, found Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return fmt.Sprintf("%q", clip(n.Value, 40))
	}
	return "something else"
}

// str reads a string scalar. Numbers and dates are strings here too (a
// licence "0BSD", a date "2026-01-31"); booleans and null are not, as
// they are almost always a mistake in a string field.
func (d *decoder) str(n *yaml.Node, where string) (string, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.Tag {
		case "!!str", "!!int", "!!float", "!!timestamp":
			return n.Value, nil
		}
	}
	return "", d.errAt(n, "%swant a string, found %s", prefix(where), describe(n))
}

func (d *decoder) boolean(n *yaml.Node, where string) (bool, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return b, nil
		}
	}
	return false, d.errAt(n, "%swant true or false, found %s", prefix(where), describe(n))
}

// strList reads a list of strings; null is an empty list.
func (d *decoder) strList(n *yaml.Node, where string) ([]string, []*yaml.Node, error) {
	if isNull(n) {
		return nil, nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nil, d.errAt(n, "%swant a list, found %s", prefix(where), describe(n))
	}
	if len(n.Content) > maxListItems {
		return nil, nil, d.errAt(n, "%smore than %d entries", prefix(where), maxListItems)
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		s, err := d.str(item, fmt.Sprintf("%s[%d]", where, i))
		if err != nil {
			return nil, nil, err
		}
		out = append(out, s)
	}
	return out, n.Content, nil
}

// patterns reads a list of component patterns.
func (d *decoder) patterns(n *yaml.Node, where string) ([]*Pattern, error) {
	list, nodes, err := d.strList(n, where)
	if err != nil {
		return nil, err
	}
	out := make([]*Pattern, 0, len(list))
	for i, s := range list {
		p, err := ParsePattern(s)
		if err != nil {
			return nil, d.errAt(nodes[i], "%s[%d]: %v", where, i, err)
		}
		p.Line = nodes[i].Line
		out = append(out, p)
	}
	return out, nil
}

func (d *decoder) severity(n *yaml.Node, where string) (finding.Severity, error) {
	s, err := d.str(n, where)
	if err != nil {
		return 0, err
	}
	switch strings.ToLower(s) {
	case "critical", "high", "medium", "low":
		sev, _ := finding.ParseSeverity(s)
		return sev, nil
	}
	return 0, d.errAt(n, "%sunknown severity %q (want critical, high, medium or low)", prefix(where), clip(s, 40))
}

// action reads fail|warn, or fail|warn|pass for settings about unknown data.
func (d *decoder) action(n *yaml.Node, where string, allowPass bool) (Action, error) {
	s, err := d.str(n, where)
	if err != nil {
		return "", err
	}
	switch a := Action(strings.ToLower(s)); a {
	case ActionFail, ActionWarn:
		return a, nil
	case ActionPass:
		if allowPass {
			return a, nil
		}
	}
	if allowPass {
		return "", d.errAt(n, "%swant fail, warn or pass, found %q", prefix(where), clip(s, 40))
	}
	return "", d.errAt(n, "%swant fail or warn, found %q", prefix(where), clip(s, 40))
}

func (d *decoder) duration(n *yaml.Node, where string) (time.Duration, error) {
	s, err := d.str(n, where)
	if err != nil {
		return 0, err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return 0, d.errAt(n, "%s%v", prefix(where), err)
	}
	return v, nil
}

// ParseDuration reads a policy duration: "0", or numbers with units w
// (weeks), d (days), h, m and s, run together ("60d", "2w", "36h",
// "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("invalid duration %q (write a number and a unit: 60d, 2w, 36h)", clip(s, 40))
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(s) {
			return 0, bad
		}
		n, _ := strconv.Atoi(s[:i])
		var unit time.Duration
		switch s[i] {
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		default:
			return 0, bad
		}
		total += time.Duration(n) * unit
		if total > maxDuration {
			return 0, fmt.Errorf("duration %q is longer than 100 years", clip(s, 40))
		}
		s = s[i+1:]
	}
	return total, nil
}

var topKeys = []string{"version", "approved", "pinning", "min_release_age", "licenses", "vulnerabilities", "unused", "rules", "exceptions"}

func (d *decoder) policy(root *yaml.Node) (*Policy, error) {
	if root.Kind != yaml.MappingNode {
		return nil, d.errAt(root, "a policy is a mapping of keys (version, approved, pinning, ...), found %s", describe(root))
	}
	// "malicious" gets its own message: it is a rule, but not a setting.
	allowed := append(append([]string{}, topKeys...), "malicious")
	fields, err := d.mapping(root, "", allowed...)
	if err != nil {
		return nil, err
	}
	p := &Policy{Path: d.path}
	d.p = p
	var exceptions *yaml.Node
	haveVersion := false
	for _, f := range fields {
		var err error
		switch f.name {
		case "version":
			haveVersion = true
			if f.val.Kind != yaml.ScalarNode || f.val.Tag != "!!int" || f.val.Value != "1" {
				err = d.errAt(f.val, "version: unsupported schema version %q (this vouch reads version 1)", clip(f.val.Value, 40))
			}
			p.Version = 1
		case "malicious":
			err = d.errAt(f.key, "malicious: known-malicious packages are always denied and the rule has no settings; use an exception for a false positive")
		case "approved":
			p.Approved, err = d.approved(f)
		case "pinning":
			p.Pinning, err = d.pinning(f)
		case "min_release_age":
			p.MinReleaseAge, err = d.releaseAge(f)
		case "licenses":
			p.Licenses, err = d.licenses(f)
		case "vulnerabilities":
			p.Vulnerabilities, err = d.vulnerabilities(f)
		case "unused":
			p.Unused, err = d.unused(f)
		case "rules":
			p.Rules, err = d.rules(f)
		case "exceptions":
			exceptions = f.val
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveVersion {
		return nil, &Error{Path: d.path, Line: root.Line, Col: root.Column, Msg: `missing "version: 1" (the policy schema version)`}
	}
	if exceptions != nil {
		// Exceptions name custom rules, which may come later in the file.
		if err := d.exceptions(exceptions); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// common reads the severity and action every rule section has.
func (d *decoder) common(f field, where string, sev *finding.Severity, act *Action) error {
	var err error
	switch f.name {
	case "severity":
		*sev, err = d.severity(f.val, join(where, "severity"))
	case "action":
		*act, err = d.action(f.val, join(where, "action"), false)
	}
	return err
}

func (d *decoder) approved(top field) (*ApprovedRule, error) {
	const where = "approved"
	fields, err := d.mapping(top.val, where, "mode", "allow", "deny", "severity", "action")
	if err != nil {
		return nil, err
	}
	r := &ApprovedRule{Mode: "denylist", Severity: finding.High, Action: ActionFail, Line: top.key.Line}
	var allowNode *yaml.Node
	for _, f := range fields {
		switch f.name {
		case "mode":
			var s string
			if s, err = d.str(f.val, where+".mode"); err == nil {
				r.Mode = s
				if s != "allowlist" && s != "denylist" {
					err = d.errAt(f.val, "approved.mode: want allowlist (only what is approved) or denylist (everything but what is denied), found %q", clip(s, 40))
				}
			}
		case "allow":
			allowNode = f.key
			r.Allow, err = d.patterns(f.val, where+".allow")
		case "deny":
			r.Deny, err = d.patterns(f.val, where+".deny")
		default:
			err = d.common(f, where, &r.Severity, &r.Action)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Mode == "denylist" && len(r.Allow) > 0 {
		return nil, d.errAt(allowNode, "approved.allow: has no effect in denylist mode, where everything not denied is approved; set mode: allowlist")
	}
	return r, nil
}

var pinningSettings = []string{"require_lockfile", "exact_versions", "integrity", "allow_unhashed_sources"}

func (d *decoder) pinning(top field) (*PinningRule, error) {
	const where = "pinning"
	fields, err := d.mapping(top.val, where, append(pinningSettings, "actions_pinned_sha", "ecosystems", "severity", "action")...)
	if err != nil {
		return nil, err
	}
	r := &PinningRule{Severity: finding.Medium, Action: ActionFail, Line: top.key.Line}
	for _, f := range fields {
		w := join(where, f.name)
		switch f.name {
		case "require_lockfile":
			r.RequireLockfile, err = d.boolean(f.val, w)
		case "exact_versions":
			r.ExactVersions, err = d.boolean(f.val, w)
		case "integrity":
			r.Integrity, err = d.boolean(f.val, w)
		case "allow_unhashed_sources":
			r.AllowUnhashedSources, err = d.boolean(f.val, w)
		case "actions_pinned_sha":
			r.ActionsPinnedSHA, err = d.boolean(f.val, w)
		case "ecosystems":
			r.Ecosystems, err = d.pinningEcosystems(f.val, w)
		default:
			err = d.common(f, where, &r.Severity, &r.Action)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (d *decoder) pinningEcosystems(n *yaml.Node, where string) (map[string]PinningOverride, error) {
	ecos, err := d.mapping(n, where)
	if err != nil {
		return nil, err
	}
	out := map[string]PinningOverride{}
	for _, e := range ecos {
		w := join(where, e.name)
		if err := d.ecosystemName(e, where); err != nil {
			return nil, err
		}
		fields, err := d.mapping(e.val, w, pinningSettings...)
		if err != nil {
			return nil, err
		}
		var o PinningOverride
		for _, f := range fields {
			b, err := d.boolean(f.val, join(w, f.name))
			if err != nil {
				return nil, err
			}
			switch f.name {
			case "require_lockfile":
				o.RequireLockfile = &b
			case "exact_versions":
				o.ExactVersions = &b
			case "integrity":
				o.Integrity = &b
			case "allow_unhashed_sources":
				o.AllowUnhashedSources = &b
			}
		}
		out[e.name] = o
	}
	return out, nil
}

// ecosystemName checks a per-ecosystem key, compared case-insensitively
// with a component's ecosystem (with or without its release).
func (d *decoder) ecosystemName(e field, where string) error {
	if strings.TrimSpace(e.name) == "" || len(e.name) > 64 {
		return d.errAt(e.key, "%sinvalid ecosystem name %q", prefix(where), clip(e.name, 40))
	}
	return nil
}

func (d *decoder) releaseAge(top field) (*ReleaseAgeRule, error) {
	const where = "min_release_age"
	r := &ReleaseAgeRule{OnUnknown: ActionWarn, Severity: finding.Medium, Action: ActionFail, Line: top.key.Line}
	if top.val.Kind == yaml.ScalarNode && !isNull(top.val) {
		// The short form "min_release_age: 60d".
		v, err := d.duration(top.val, where)
		if err != nil {
			return nil, err
		}
		r.Default = v
		return r, nil
	}
	fields, err := d.mapping(top.val, where, "default", "ecosystems", "on_unknown", "exempt", "severity", "action")
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		w := join(where, f.name)
		switch f.name {
		case "default":
			r.Default, err = d.duration(f.val, w)
		case "ecosystems":
			var ecos []field
			if ecos, err = d.mapping(f.val, w); err != nil {
				return nil, err
			}
			r.Ecosystems = map[string]time.Duration{}
			for _, e := range ecos {
				if err := d.ecosystemName(e, w); err != nil {
					return nil, err
				}
				v, err := d.duration(e.val, join(w, e.name))
				if err != nil {
					return nil, err
				}
				r.Ecosystems[e.name] = v
			}
		case "on_unknown":
			r.OnUnknown, err = d.action(f.val, w, true)
		case "exempt":
			r.Exempt, err = d.patterns(f.val, w)
		default:
			err = d.common(f, where, &r.Severity, &r.Action)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (d *decoder) licenses(top field) (*LicenseRule, error) {
	const where = "licenses"
	fields, err := d.mapping(top.val, where, "allow", "deny", "unknown", "ecosystems", "severity", "action")
	if err != nil {
		return nil, err
	}
	r := &LicenseRule{Unknown: ActionWarn, Severity: finding.Medium, Action: ActionFail, Line: top.key.Line}
	for _, f := range fields {
		w := join(where, f.name)
		switch f.name {
		case "allow":
			r.Allow, err = d.licenseList(f.val, w)
		case "deny":
			r.Deny, err = d.licenseList(f.val, w)
		case "unknown":
			r.Unknown, err = d.action(f.val, w, true)
		case "ecosystems":
			var ecos []field
			if ecos, err = d.mapping(f.val, w); err != nil {
				return nil, err
			}
			r.Ecosystems = map[string]Action{}
			for _, e := range ecos {
				if err := d.ecosystemName(e, w); err != nil {
					return nil, err
				}
				ew := join(w, e.name)
				sub, err := d.mapping(e.val, ew, "unknown")
				if err != nil {
					return nil, err
				}
				for _, s := range sub {
					a, err := d.action(s.val, join(ew, s.name), true)
					if err != nil {
						return nil, err
					}
					r.Ecosystems[e.name] = a
				}
			}
		default:
			err = d.common(f, where, &r.Severity, &r.Action)
		}
		if err != nil {
			return nil, err
		}
	}
	r.lists = licenseLists{allow: newLicenseList(r.Allow), deny: newLicenseList(r.Deny)}
	return r, nil
}

// licenseList reads licence ids, "ID WITH EXCEPTION" pairs and globs.
func (d *decoder) licenseList(n *yaml.Node, where string) ([]string, error) {
	list, nodes, err := d.strList(n, where)
	if err != nil {
		return nil, err
	}
	for i, s := range list {
		if !validLicenseEntry(s) {
			return nil, d.errAt(nodes[i], "%s[%d]: %q is not an SPDX licence id (such as MIT, Apache-2.0, LicenseRef-Acme, GPL-*) or \"ID WITH EXCEPTION\"", where, i, clip(s, 60))
		}
	}
	return list, nil
}

func validLicenseEntry(s string) bool {
	fields := strings.Fields(strings.ReplaceAll(s, "*", "x"))
	switch {
	case len(fields) == 1:
		return licenseID(fields[0])
	case len(fields) == 3 && strings.EqualFold(fields[1], "WITH"):
		return licenseID(fields[0]) && license.IDString(fields[2])
	}
	return false
}

func (d *decoder) vulnerabilities(top field) (*VulnerabilityRule, error) {
	const where = "vulnerabilities"
	keys := []string{"fail_on", "only_with_fix", "min_advisory_age", "ignore", "unknown_severity", "action"}
	if top.val.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.val.Content); i += 2 {
			if k := top.val.Content[i]; k.Value == "severity" {
				return nil, d.errAt(k, "vulnerabilities: severity comes from each advisory; set the threshold with fail_on")
			}
		}
	}
	fields, err := d.mapping(top.val, where, keys...)
	if err != nil {
		return nil, err
	}
	r := &VulnerabilityRule{FailOn: finding.Low, UnknownSeverity: ActionWarn, Action: ActionFail, Line: top.key.Line}
	for _, f := range fields {
		w := join(where, f.name)
		switch f.name {
		case "fail_on":
			var s string
			if s, err = d.str(f.val, w); err == nil {
				switch strings.ToLower(s) {
				case "critical", "high", "medium", "low":
					r.FailOn, _ = finding.ParseSeverity(s)
				default:
					err = d.errAt(f.val, "%s: unknown severity %q (want critical, high, medium or low)", w, clip(s, 40))
				}
			}
		case "only_with_fix":
			r.OnlyWithFix, err = d.boolean(f.val, w)
		case "min_advisory_age":
			r.MinAdvisoryAge, err = d.duration(f.val, w)
		case "ignore":
			r.Ignore, _, err = d.strList(f.val, w)
		case "unknown_severity":
			r.UnknownSeverity, err = d.action(f.val, w, true)
		case "action":
			r.Action, err = d.action(f.val, w, false)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (d *decoder) unused(top field) (*UnusedRule, error) {
	const where = "unused"
	fields, err := d.mapping(top.val, where, "ignore", "severity", "action")
	if err != nil {
		return nil, err
	}
	r := &UnusedRule{Severity: finding.Low, Action: ActionFail, Line: top.key.Line}
	for _, f := range fields {
		switch f.name {
		case "ignore":
			r.Ignore, err = d.patterns(f.val, where+".ignore")
		default:
			err = d.common(f, where, &r.Severity, &r.Action)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (d *decoder) rules(top field) ([]*CustomRule, error) {
	const where = "rules"
	if isNull(top.val) {
		return nil, nil
	}
	if top.val.Kind != yaml.SequenceNode {
		return nil, d.errAt(top.val, "rules: want a list of rules, found %s", describe(top.val))
	}
	if len(top.val.Content) > maxRules {
		return nil, d.errAt(top.val, "rules: more than %d rules", maxRules)
	}
	var out []*CustomRule
	seen := map[string]bool{}
	for i, item := range top.val.Content {
		w := fmt.Sprintf("%s[%d]", where, i)
		fields, err := d.mapping(item, w, "name", "expr", "message", "severity", "action")
		if err != nil {
			return nil, err
		}
		r := &CustomRule{Severity: finding.Medium, Action: ActionFail, Line: item.Line}
		var exprNode *yaml.Node
		for _, f := range fields {
			switch f.name {
			case "name":
				if r.Name, err = d.str(f.val, join(w, "name")); err == nil && !ruleName.MatchString(r.Name) {
					err = d.errAt(f.val, "%s.name: %q must be lower-case letters, digits, '.', '_' or '-'", w, clip(r.Name, 40))
				}
				if err == nil && seen[r.Name] {
					err = d.errAt(f.val, "%s.name: a rule named %q is already defined", w, r.Name)
				}
				seen[r.Name] = true
			case "expr":
				exprNode = f.val
				r.Expr, err = d.str(f.val, join(w, "expr"))
			case "message":
				r.Message, err = d.str(f.val, join(w, "message"))
			default:
				err = d.common(f, w, &r.Severity, &r.Action)
			}
			if err != nil {
				return nil, err
			}
		}
		if r.Name == "" {
			return nil, d.errAt(item, "%s: missing name", w)
		}
		if exprNode == nil || strings.TrimSpace(r.Expr) == "" {
			return nil, d.errAt(item, "%s (%s): missing expr", w, r.Name)
		}
		if err := d.compileRule(r, exprNode, w); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// fileRules are the rules with decisions about files rather than
// components (a manifest without a lockfile); their exceptions may name a
// path glob instead of a pattern. A workflow's docker:// images are
// components (pkg:docker/...), so actions-pinned takes patterns only.
var fileRules = map[string]bool{RuleLockfile: true}

func (d *decoder) exceptions(n *yaml.Node) error {
	const where = "exceptions"
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return d.errAt(n, "exceptions: want a list, found %s", describe(n))
	}
	if len(n.Content) > maxListItems {
		return d.errAt(n, "exceptions: more than %d entries", maxListItems)
	}
	p := d.p
	for i, item := range n.Content {
		w := fmt.Sprintf("%s[%d]", where, i)
		fields, err := d.mapping(item, w, "rule", "component", "finding", "reason", "owner", "expires")
		if err != nil {
			return err
		}
		e := Exception{Line: item.Line}
		nodes := map[string]*yaml.Node{}
		for _, f := range fields {
			nodes[f.name] = f.val
			fw := join(w, f.name)
			switch f.name {
			case "rule":
				if e.Rule, err = d.str(f.val, fw); err == nil && !p.knownRule(e.Rule) {
					err = d.errAt(f.val, "%s: unknown rule %q%s", fw, clip(e.Rule, 40), suggest(e.Rule, p.ruleNames()))
				}
			case "component":
				e.Component, err = d.str(f.val, fw)
			case "finding":
				e.Finding, err = d.str(f.val, fw)
			case "reason":
				e.Reason, err = d.str(f.val, fw)
			case "owner":
				e.Owner, err = d.str(f.val, fw)
			case "expires":
				var s string
				if s, err = d.str(f.val, fw); err == nil {
					var t time.Time
					if t, err = time.Parse("2006-01-02", s); err != nil {
						err = d.errAt(f.val, "%s: want a date YYYY-MM-DD, found %q", fw, clip(s, 40))
					}
					e.Expires = t
				}
			}
			if err != nil {
				return err
			}
		}
		for _, req := range []string{"rule", "component", "reason", "owner", "expires"} {
			v, ok := nodes[req]
			if !ok {
				return d.errAt(item, "%s: missing %s (an exception needs rule, component, reason, owner and expires)", w, req)
			}
			if s, _ := d.str(v, ""); strings.TrimSpace(s) == "" {
				return d.errAt(v, "%s.%s: must not be empty", w, req)
			}
		}
		if e.Finding != "" && e.Rule != "vulnerability" && e.Rule != "malicious" {
			return d.errAt(nodes["finding"], "%s.finding: only vulnerability and malicious exceptions name a finding", w)
		}
		isPURL := strings.HasPrefix(strings.ToLower(strings.TrimSpace(e.Component)), "pkg:")
		switch {
		case isPURL && e.Rule == RuleLockfile:
			return d.errAt(nodes["component"], "%s.component: the lockfile rule concerns files; give a path glob such as \"legacy/*/package.json\"", w)
		case !isPURL && !fileRules[e.Rule]:
			return d.errAt(nodes["component"], "%s.component: want a component pattern such as \"pkg:npm/lodash\" for rule %s", w, e.Rule)
		case isPURL:
			if _, err := ParsePattern(e.Component); err != nil {
				return d.errAt(nodes["component"], "%s.component: %v", w, err)
			}
		}
		c := compileException(e)
		p.Exceptions = append(p.Exceptions, e)
		p.exceptions = append(p.exceptions, c)
	}
	return nil
}

// Rule names, in the order decisions about one component are listed.
const (
	RuleApproved       = "approved"
	RuleDenied         = "denied"
	RuleLockfile       = "lockfile"
	RulePinned         = "pinned"
	RuleIntegrity      = "integrity"
	RuleActionsPinned  = "actions-pinned"
	RuleMinReleaseAge  = "min-release-age"
	RuleLicense        = "license"
	RuleVulnerability  = "vulnerability"
	RuleMalicious      = "malicious"
	RuleUnused         = "unused"
	RuleException      = "exception"
	customPrefix       = "custom:"
	customRuleRankBase = 100
)

var builtinRules = []string{
	RuleApproved, RuleDenied, RuleLockfile, RulePinned, RuleIntegrity, RuleActionsPinned,
	RuleMinReleaseAge, RuleLicense, RuleVulnerability, RuleMalicious, RuleUnused,
}

// ruleNames lists every rule an exception may name in this policy.
func (p *Policy) ruleNames() []string {
	names := append([]string{}, builtinRules...)
	for _, r := range p.Rules {
		names = append(names, customPrefix+r.Name)
	}
	return names
}

func (p *Policy) knownRule(name string) bool { return contains(p.ruleNames(), name) }
