package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vouchdev/vouch/finding"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func pat(t *testing.T, text string, line int) *Pattern {
	t.Helper()
	p, err := ParsePattern(text)
	if err != nil {
		t.Fatal(err)
	}
	p.Line = line
	return p
}

// policyOpts compares policies by what they say, not their compiled parts.
var policyOpts = cmp.Options{
	cmpopts.IgnoreUnexported(Policy{}, LicenseRule{}, CustomRule{}),
	cmp.Comparer(func(a, b *Pattern) bool {
		return a == nil && b == nil || a != nil && b != nil && a.Text == b.Text && a.Line == b.Line
	}),
}

func TestParseFull(t *testing.T) {
	got, err := Parse("vouch.yaml", readFixture(t, "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	no := false
	want := &Policy{
		Path:    "vouch.yaml",
		Version: 1,
		Approved: &ApprovedRule{
			Mode:     "allowlist",
			Allow:    []*Pattern{pat(t, "pkg:npm/@babel/*", 6), pat(t, "pkg:pypi/requests@>=2.31.0, <3", 7)},
			Deny:     []*Pattern{pat(t, "pkg:npm/event-stream@3.3.6", 9)},
			Severity: finding.Critical,
			Action:   ActionWarn,
			Line:     3,
		},
		Pinning: &PinningRule{
			RequireLockfile: true, ExactVersions: true, Integrity: true, AllowUnhashedSources: true, ActionsPinnedSHA: true,
			Ecosystems: map[string]PinningOverride{"Go": {Integrity: &no}},
			Severity:   finding.High,
			Action:     ActionFail,
			Line:       12,
		},
		MinReleaseAge: &ReleaseAgeRule{
			Default:    14 * 24 * time.Hour,
			Ecosystems: map[string]time.Duration{"npm": 60 * 24 * time.Hour, "crates.io": 36 * time.Hour},
			OnUnknown:  ActionFail,
			Exempt:     []*Pattern{pat(t, "pkg:npm/@acme/*", 29)},
			Severity:   finding.Medium,
			Action:     ActionFail,
			Line:       22,
		},
		Licenses: &LicenseRule{
			Allow:      []string{"MIT", "Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-*"},
			Deny:       []string{"AGPL-3.0-only"},
			Unknown:    ActionPass,
			Ecosystems: map[string]Action{"Debian": ActionWarn},
			Severity:   finding.Medium,
			Action:     ActionFail,
			Line:       30,
		},
		Vulnerabilities: &VulnerabilityRule{
			FailOn: finding.Critical, OnlyWithFix: true, MinAdvisoryAge: 3 * 24 * time.Hour,
			Ignore: []string{"GHSA-aaaa-bbbb-cccc"}, UnknownSeverity: ActionFail, Action: ActionWarn, Line: 36,
		},
		Unused: &UnusedRule{Ignore: []*Pattern{pat(t, "pkg:npm/@types/*", 44)}, Severity: finding.Low, Action: ActionWarn, Line: 43},
		Rules: []*CustomRule{{
			Name: "no-prerelease", Expr: `component.direct && component.version.contains("-")`,
			Message: "direct dependencies must be released versions", Severity: finding.Low, Action: ActionWarn, Line: 47,
		}},
		Exceptions: []Exception{
			{Rule: "custom:no-prerelease", Component: "pkg:npm/react@19.0.0-rc.1", Reason: "waiting for the release", Owner: "alice@example.com", Expires: day("2026-12-31"), Line: 53},
			{Rule: "lockfile", Component: "legacy/*", Reason: "legacy app, frozen", Owner: "bob", Expires: day("2026-06-30"), Line: 58},
		},
	}
	if diff := cmp.Diff(want, got, policyOpts); diff != "" {
		t.Errorf("Parse(full.yaml) mismatch (-want +got):\n%s", diff)
	}
}

func TestInitRoundTrip(t *testing.T) {
	p, err := Parse("vouch.yaml", Init())
	if err != nil {
		t.Fatalf("Parse(Init()) = %v", err)
	}
	type seed struct {
		Lockfile, Exact, Integrity, Actions, Unhashed bool
		MinAge                                        time.Duration
		OnUnknown                                     Action
		FailOn                                        finding.Severity
		OnlyWithFix                                   bool
		Mode                                          string
		UnusedAction                                  Action
		Rules, Exceptions                             int
	}
	want := seed{
		Lockfile: true, Exact: true, Integrity: true, Actions: true, Unhashed: false,
		MinAge: 60 * 24 * time.Hour, OnUnknown: ActionWarn,
		FailOn: finding.High, OnlyWithFix: true, Mode: "denylist", UnusedAction: ActionWarn,
	}
	got := seed{
		Lockfile: p.Pinning.RequireLockfile, Exact: p.Pinning.ExactVersions, Integrity: p.Pinning.Integrity,
		Actions: p.Pinning.ActionsPinnedSHA, Unhashed: p.Pinning.AllowUnhashedSources,
		MinAge: p.MinReleaseAge.Default, OnUnknown: p.MinReleaseAge.OnUnknown,
		FailOn: p.Vulnerabilities.FailOn, OnlyWithFix: p.Vulnerabilities.OnlyWithFix, Mode: p.Approved.Mode,
		UnusedAction: p.Unused.Action, Rules: len(p.Rules), Exceptions: len(p.Exceptions),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Init() policy mismatch (-want +got):\n%s", diff)
	}
	// Every commented example in the template must be valid when
	// uncommented, or the template teaches a broken policy.
	uncomment := func(block string) string {
		lines := strings.Split(block, "\n")
		for i, l := range lines {
			trimmed := strings.TrimLeft(l, " ")
			lines[i] = l[:len(l)-len(trimmed)] + strings.TrimPrefix(strings.TrimPrefix(trimmed, "#"), " ")
		}
		return strings.Join(lines, "\n")
	}
	examples := []struct{ drop, block string }{
		{"", "  # ecosystems:\n  #   npm: 60d\n  #   Go: 30d\n"},
		{"", "  # exempt:\n  #   - pkg:npm/@your-org/*\n"},
		{"  ignore: []\n", "  # ignore:\n  #   - pkg:npm/@types/*\n"},
		{"rules: []\n", "# rules:\n#   - name: no-prerelease\n#     expr: component.direct && component.version.contains(\"-\")\n#     message: direct dependencies must be released versions\n#     severity: medium\n#     action: warn\n"},
		{"exceptions: []\n", "# exceptions:\n#   - rule: min-release-age\n#     component: pkg:npm/left-pad@1.3.1\n#     reason: security fix we need now; reviewed the diff\n#     owner: alice@example.com\n#     expires: 2026-03-31\n"},
	}
	text := string(Init())
	for _, ex := range examples {
		if !strings.Contains(text, ex.drop+ex.block) {
			t.Fatalf("Init() no longer holds the example\n%s", ex.drop+ex.block)
		}
		text = strings.Replace(text, ex.drop+ex.block, uncomment(ex.block), 1)
	}
	uncommented := text
	p2, err := Parse("vouch.yaml", []byte(uncommented))
	if err != nil {
		t.Fatalf("Init() with its examples uncommented does not parse: %v\n%s", err, uncommented)
	}
	if len(p2.Rules) != 1 || len(p2.Exceptions) != 1 || len(p2.MinReleaseAge.Ecosystems) != 2 || len(p2.MinReleaseAge.Exempt) != 1 || len(p2.Unused.Ignore) != 1 {
		t.Errorf("uncommented Init(): rules %d, exceptions %d, ecosystems %d, exempt %d, unused.ignore %d; want 1, 1, 2, 1, 1",
			len(p2.Rules), len(p2.Exceptions), len(p2.MinReleaseAge.Ecosystems), len(p2.MinReleaseAge.Exempt), len(p2.Unused.Ignore))
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string // the policy, or a fixture name ending in .yaml
		want string
	}{
		{"typo-key", "typo-key.yaml", `vouch.yaml:7:3: pinning: unknown key "integrty" (did you mean "integrity"?)`},
		{"top-level typo", "version: 1\nmin_releae_age: 60d\n", `vouch.yaml:2:1: unknown key "min_releae_age" (did you mean "min_release_age"?)`},
		{"cel undeclared in block", "cel-error.yaml", `vouch.yaml:6:18: rules[0] (young-direct).expr: undefined field 'age_dayz'`},
		{"cel syntax in quotes", "cel-syntax.yaml", `vouch.yaml:4:36: rules[0] (broken).expr: Syntax error: token recognition error at: '& '`},
		{"bad expiry", "bad-exception.yaml", `vouch.yaml:7:14: exceptions[0].expires: want a date YYYY-MM-DD, found "31/12/2026"`},
		{"bad range", "bad-range.yaml", `vouch.yaml:6:7: approved.deny[1]: pattern "pkg:npm/minimist@>=one": version "one" is not a semantic version`},
		{"bad duration", "bad-duration.yaml", `vouch.yaml:3:12: min_release_age.default: invalid duration "60 days" (write a number and a unit: 60d, 2w, 36h)`},
		{"empty", "", `vouch.yaml: empty policy: write at least "version: 1" ("vouch policy init" writes a starting policy)`},
		{"comments only", "# nothing\n", `vouch.yaml: empty policy: write at least "version: 1" ("vouch policy init" writes a starting policy)`},
		{"no version", "pinning:\n  integrity: true\n", `vouch.yaml:1:1: missing "version: 1" (the policy schema version)`},
		{"version 2", "version: 2\n", `vouch.yaml:1:10: version: unsupported schema version "2" (this vouch reads version 1)`},
		{"not a mapping", "- version\n", `vouch.yaml:1:1: a policy is a mapping of keys (version, approved, pinning, ...), found a list`},
		{"syntax", "version: 1\npinning: [\n", `vouch.yaml:2: invalid YAML: did not find expected node content`},
		{"tab indent", "version: 1\npinning:\n\tintegrity: true\n", `vouch.yaml:3: invalid YAML: found character that cannot start any token`},
		{"duplicate key", "version: 1\nunused: {}\nunused: {}\n", `vouch.yaml:3:1: duplicate key "unused"`},
		{"alias", "version: 1\napproved:\n  deny: &d [pkg:npm/a]\nunused:\n  ignore: *d\n", `vouch.yaml:5:11: aliases (*d) are not supported in a policy; write the value out`},
		{"two documents", "version: 1\n---\nversion: 1\n", `vouch.yaml:2: more than one YAML document; a policy is one`},
		{"malicious settings", "version: 1\nmalicious:\n  action: warn\n", `vouch.yaml:2:1: malicious: known-malicious packages are always denied and the rule has no settings; use an exception for a false positive`},
		{"bool as string", "version: 1\nunused:\n  ignore: [yes]\n", `vouch.yaml:3:12: unused.ignore[0]: pattern "yes" does not start with "pkg:" (write pkg:TYPE/NAME, such as pkg:npm/lodash)`},
		{"string as bool", "version: 1\npinning:\n  integrity: \"yes\"\n", `vouch.yaml:3:14: pinning.integrity: want true or false, found "yes"`},
		{"list as bool", "version: 1\npinning:\n  integrity: [true]\n", `vouch.yaml:3:14: pinning.integrity: want true or false, found a list`},
		{"bad mode", "version: 1\napproved:\n  mode: strict\n", `vouch.yaml:3:9: approved.mode: want allowlist (only what is approved) or denylist (everything but what is denied), found "strict"`},
		{"allow in denylist", "version: 1\napproved:\n  allow: [pkg:npm/a]\n", `vouch.yaml:3:3: approved.allow: has no effect in denylist mode, where everything not denied is approved; set mode: allowlist`},
		{"bad action", "version: 1\nunused:\n  action: block\n", `vouch.yaml:3:11: unused.action: want fail or warn, found "block"`},
		{"pass is not an action", "version: 1\nlicenses:\n  action: pass\n", `vouch.yaml:3:11: licenses.action: want fail or warn, found "pass"`},
		{"bad on_unknown", "version: 1\nmin_release_age:\n  on_unknown: maybe\n", `vouch.yaml:3:15: min_release_age.on_unknown: want fail, warn or pass, found "maybe"`},
		{"bad severity", "version: 1\npinning:\n  severity: severe\n", `vouch.yaml:3:13: pinning.severity: unknown severity "severe" (want critical, high, medium or low)`},
		{"vulnerability severity", "version: 1\nvulnerabilities:\n  severity: high\n", `vouch.yaml:3:3: vulnerabilities: severity comes from each advisory; set the threshold with fail_on`},
		{"bad licence", "version: 1\nlicenses:\n  deny: [GPL v3]\n", `vouch.yaml:3:10: licenses.deny[0]: "GPL v3" is not an SPDX licence id (such as MIT, Apache-2.0, LicenseRef-Acme, GPL-*) or "ID WITH EXCEPTION"`},
		{"pattern without type", "version: 1\napproved:\n  deny: [pkg:lodash]\n", `vouch.yaml:3:10: approved.deny[0]: pattern "pkg:lodash" has no package type (write pkg:TYPE/NAME)`},
		{"pattern qualifiers", "version: 1\napproved:\n  deny: [\"pkg:deb/debian/curl?arch=amd64\"]\n", `vouch.yaml:3:10: approved.deny[0]: pattern "pkg:deb/debian/curl?arch=amd64": qualifiers (?…) and subpaths (#…) are not supported; write an action's path as part of the name`},
		{"range without order", "version: 1\napproved:\n  deny: [\"pkg:github/actions/checkout@<v4\"]\n", `vouch.yaml:3:10: approved.deny[0]: pattern "pkg:github/actions/checkout@<v4": pkg:github versions have no order vouch knows; give one exact version`},
		{"exception unknown rule", "version: 1\nexceptions:\n  - rule: min-releaseage\n    component: pkg:npm/a\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:3:11: exceptions[0].rule: unknown rule "min-releaseage" (did you mean "min-release-age"?)`},
		{"exception missing owner", "version: 1\nexceptions:\n  - rule: unused\n    component: pkg:npm/a\n    reason: r\n    expires: 2026-01-01\n", `vouch.yaml:3:5: exceptions[0]: missing owner (an exception needs rule, component, reason, owner and expires)`},
		{"exception empty reason", "version: 1\nexceptions:\n  - rule: unused\n    component: pkg:npm/a\n    reason: \"\"\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:5:13: exceptions[0].reason: must not be empty`},
		{"exception path for component rule", "version: 1\nexceptions:\n  - rule: unused\n    component: web/*\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:4:16: exceptions[0].component: want a component pattern such as "pkg:npm/lodash" for rule unused`},
		{"exception path for actions-pinned", "version: 1\nexceptions:\n  - rule: actions-pinned\n    component: .github/workflows/*\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:4:16: exceptions[0].component: want a component pattern such as "pkg:npm/lodash" for rule actions-pinned`},
		{"exception purl for lockfile", "version: 1\nexceptions:\n  - rule: lockfile\n    component: pkg:npm/a\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:4:16: exceptions[0].component: the lockfile rule concerns files; give a path glob such as "legacy/*/package.json"`},
		{"exception finding on wrong rule", "version: 1\nexceptions:\n  - rule: unused\n    component: pkg:npm/a\n    finding: CVE-2024-1\n    reason: r\n    owner: o\n    expires: 2026-01-01\n", `vouch.yaml:5:14: exceptions[0].finding: only vulnerability and malicious exceptions name a finding`},
		{"exception names later custom rule", "version: 1\nexceptions:\n  - rule: custom:yse\n    component: pkg:npm/a\n    reason: r\n    owner: o\n    expires: 2026-01-01\nrules:\n  - name: yes\n    expr: 'true'\n", `vouch.yaml:3:11: exceptions[0].rule: unknown rule "custom:yse" (did you mean "custom:yes"?)`},
		{"rule bad name", "version: 1\nrules:\n  - name: No Spaces\n    expr: 'true'\n", `vouch.yaml:3:11: rules[0].name: "No Spaces" must be lower-case letters, digits, '.', '_' or '-'`},
		{"rule duplicate name", "version: 1\nrules:\n  - name: a\n    expr: 'true'\n  - name: a\n    expr: 'false'\n", `vouch.yaml:5:11: rules[1].name: a rule named "a" is already defined`},
		{"rule missing expr", "version: 1\nrules:\n  - name: a\n", `vouch.yaml:3:5: rules[0] (a): missing expr`},
		{"rule not boolean", "version: 1\nrules:\n  - name: a\n    expr: component.name + 'x'\n", `vouch.yaml:4:11: rules[0] (a).expr: must be true or false, but gives string`},
		{"rule string result", "version: 1\nrules:\n  - name: a\n    expr: \"'text'\"\n", `vouch.yaml:4:11: rules[0] (a).expr: must be true or false, but gives string`},
		{"deep nesting", "version: 1\nrules: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n", `vouch.yaml:2:23: nested deeper than 16 levels`},
		{"nul byte", "version: 1\n\x00\n", `vouch.yaml:2: binary data (a NUL byte), not YAML`},
		{"not utf-8", "version: 1\nunused: {ignore: [\"\xff\"]}\n", `vouch.yaml:2: not UTF-8 text`},
		{"duration too long", "version: 1\nmin_release_age: 999999999w\n", `vouch.yaml:2:18: min_release_age: duration "999999999w" is longer than 100 years`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if strings.HasSuffix(tt.data, ".yaml") {
				data = readFixture(t, tt.data)
			}
			p, err := Parse("vouch.yaml", data)
			if err == nil {
				t.Fatalf("Parse() = %+v, want error %q", p, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error %T, want *Error", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse() error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"60d", 60 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"0", 0, false},
		{"0d", 0, false},
		{"", 0, true},
		{"60", 0, true},
		{"d", 0, true},
		{"-5d", 0, true},
		{"1.5d", 0, true},
		{"5y", 0, true},
		{"1234567890d", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// outside/vouch.yaml sits above a repository and must not be found
	// from inside it.
	write("outside/vouch.yaml", "version: 1\n")
	write("outside/repo/.git/HEAD", "ref: refs/heads/main\n")
	write("outside/repo/web/src/index.js", "")
	write("outside/repo/svc/.vouch.yaml", "version: 1\n")
	write("outside/repo/svc/cmd/main.go", "")
	write("outside/repo/both/vouch.yaml", "version: 1\n")
	write("outside/repo/both/.vouch.yaml", "version: 1\n")
	write("plain/a/b/c.txt", "")
	write("plain/vouch.yaml", "version: 1\n")

	tests := []struct {
		start, want string
		err         bool
	}{
		{"outside/repo/web/src", "", false},
		{"outside/repo/web/src/index.js", "", false},
		{"outside/repo/svc/cmd", "outside/repo/svc/.vouch.yaml", false},
		{"outside/repo/svc/cmd/main.go", "outside/repo/svc/.vouch.yaml", false},
		{"outside", "outside/vouch.yaml", false},
		{"plain/a/b", "plain/vouch.yaml", false},
		{"plain/a/b/c.txt", "plain/vouch.yaml", false},
		{"outside/repo/both", "", true},
		{"missing", "", true},
	}
	for _, tt := range tests {
		got, err := Find(filepath.Join(root, tt.start))
		if (err != nil) != tt.err {
			t.Errorf("Find(%s) error = %v, want error %v", tt.start, err, tt.err)
			continue
		}
		want := ""
		if tt.want != "" {
			want = filepath.Join(root, tt.want)
		}
		if got != want {
			t.Errorf("Find(%s) = %q, want %q", tt.start, got, want)
		}
	}

	// A relative start gives a relative answer, for short messages.
	t.Chdir(filepath.Join(root, "plain/a/b"))
	got, err := Find(".")
	if err != nil || got != filepath.Join("..", "..", "vouch.yaml") {
		t.Errorf("Find(\".\") = %q, %v; want ../../vouch.yaml", got, err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "vouch.yaml"))
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want *Error wrapping fs.ErrNotExist", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("version: 1\n#"+strings.Repeat("x", MaxPolicySize)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(big)
	if want := big + ": policy larger than 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("Load(big) = %v, want %s", err, want)
	}

	p, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "full.yaml"); p.Path != want {
		t.Errorf("Load().Path = %q, want %q", p.Path, want)
	}
}

// TestDocExamples parses every YAML example of docs/policy.md, so the
// documentation cannot teach a policy vouch refuses.
func TestDocExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "policy.md"))
	if err != nil {
		t.Skipf("docs not beside the package: %v", err)
	}
	blocks := strings.Split(string(data), "```yaml\n")[1:]
	if len(blocks) < 9 {
		t.Fatalf("found %d YAML examples in docs/policy.md, want at least 9", len(blocks))
	}
	for i, b := range blocks {
		example, _, _ := strings.Cut(b, "```")
		if !strings.HasPrefix(example, "version:") {
			example = "version: 1\n" + example
		}
		if _, err := Parse("docs/policy.md", []byte(example)); err != nil {
			t.Errorf("example %d does not parse: %v\n%s", i+1, err, example)
		}
	}
}
