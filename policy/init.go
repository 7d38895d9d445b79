package policy

// initPolicy is the starting policy "vouch policy init" writes. It follows
// the advice vouch was built around: keep a library of approved software,
// pin every version with an integrity hash, use no version younger than 60
// days, never use a known-malicious package, fix what is critical or high
// when a fix exists, and remove what is not used.
const initPolicy = `# vouch.yaml: the policy "vouch scan" and "vouch policy check" enforce.
# Every key is documented in docs/policy.md. Each rule section takes
#   severity: critical | high | medium | low   (how a violation is ranked)
#   action:   fail | warn                      (fail the gate, or only report)
# A section left out turns its rule off. Known-malicious packages are always
# denied and need no section.
version: 1

# Approved software. "denylist" approves everything except what "deny"
# names; "allowlist" approves only what "allow" names. Entries are Package
# URL patterns: "*" matches any run of characters, and "@" adds a version
# or a range in the ecosystem's own ordering, such as
#   - pkg:npm/@babel/*
#   - "pkg:pypi/requests@>=2.31.0, <3"
#   - pkg:npm/event-stream@3.3.6
approved:
  mode: denylist
  deny: []
  severity: high
  action: fail

# Pinning: what is built must be exactly what was reviewed.
pinning:
  require_lockfile: true        # a lockfile beside every manifest
  exact_versions: true          # no version ranges left unresolved
  integrity: true               # a hash recorded for every package
  allow_unhashed_sources: false # git, URL and path dependencies need a hash too
  actions_pinned_sha: true      # GitHub Actions pinned to a full commit SHA
  severity: high
  action: fail

# Minimum release age: most malicious releases are found and pulled within
# days, so take no version younger than this. Ages come from registry
# metadata (npm, Go, PyPI, crates.io); when a release time cannot be found
# (offline, no cache) on_unknown decides: fail, warn or pass.
min_release_age:
  default: 60d
  # ecosystems:
  #   npm: 60d
  #   Go: 30d
  on_unknown: warn
  # Your own packages, released and used the same day:
  # exempt:
  #   - pkg:npm/@your-org/*
  severity: medium
  action: fail

# Licences, over SPDX expressions ("MIT OR Apache-2.0" passes when either
# side does). With an empty allow list every licence not denied passes.
licenses:
  allow: []
  deny:
    - AGPL-3.0-only
    - AGPL-3.0-or-later
  unknown: warn                 # no licence recorded, or not an SPDX expression
  severity: medium
  action: fail

# Vulnerabilities: fail on critical and high when a fixed version exists.
vulnerabilities:
  fail_on: high
  only_with_fix: true
  min_advisory_age: 0d          # e.g. 3d to give new advisories a triage window
  ignore: []                    # advisory ids, e.g. GHSA-xxxx-xxxx-xxxx
  unknown_severity: warn
  action: fail

# Unused dependencies: declared in a manifest but never imported by the
# project's own source. Packages used without an import (plugins, type
# definitions, command-line tools) go under ignore.
unused:
  ignore: []
  # ignore:
  #   - pkg:npm/@types/*
  severity: low
  action: warn

# Custom rules: CEL expressions over "component", "findings" and "now"
# (docs/policy.md); a rule is broken when its expression is true.
rules: []
# rules:
#   - name: no-prerelease
#     expr: component.direct && component.version.contains("-")
#     message: direct dependencies must be released versions
#     severity: medium
#     action: warn

# Exceptions let one rule's failures pass for matching components until a
# date. Expired exceptions stop applying and are reported; exceptions that
# match nothing are reported as stale.
exceptions: []
# exceptions:
#   - rule: min-release-age
#     component: pkg:npm/left-pad@1.3.1
#     reason: security fix we need now; reviewed the diff
#     owner: alice@example.com
#     expires: 2026-03-31
`

// Init returns a commented starting policy following vouch's defaults:
// lockfiles required, versions pinned with integrity hashes, a minimum
// release age of 60 days, known-malicious packages denied, and failures on
// critical and high vulnerabilities with a fix available.
func Init() []byte { return []byte(initPolicy) }
