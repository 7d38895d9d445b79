// Package binary looks inside executables for the byte signatures of known
// implants, starting with the xz-utils backdoor (CVE-2024-3094) that was
// only ever visible in built liblzma, never in the source a reviewer read.
//
// Rules are a small YARA-like subset: hex patterns with ?? wildcard bytes
// and bounded [n-m] jumps, combined with "all" or "any". The built-in rules
// are embedded from rules/*.json. Scan reads ELF files with debug/elf and
// matches only the executable sections, so the same bytes sitting in data
// (a test vector, a signature database such as this package's own) do not
// count; a file without section headers is matched whole.
//
// Input that is not ELF (no \x7fELF magic) yields no findings and no error:
// callers offer every regular file, and the rules describe ELF code only.
// Input that claims to be ELF but cannot be read is an error naming the
// file, since a damaged or hostile executable is worth a look of its own.
package binary

import (
	"bytes"
	"context"
	"debug/elf"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

// Source is the Finding.Source of every finding of this package.
const Source = "binary-signature"

// Size limits for scanned files. liblzma's .text is about 100 KiB; the
// largest real executables are a few hundred megabytes.
const (
	// MaxFileSize bounds the file Scan accepts.
	MaxFileSize = 1 << 30
	// MaxScanBytes bounds the bytes Scan reads into memory from one file,
	// summed over its executable sections.
	MaxScanBytes = 256 << 20
	// maxEvidenceBytes bounds the hex shown for one hit.
	maxEvidenceBytes = 64
)

// Condition says how many of a rule's patterns must match.
type Condition string

// Conditions.
const (
	All Condition = "all" // every pattern somewhere in the file
	Any Condition = "any" // at least one pattern
)

// RulePattern is one named hex pattern of a rule.
type RulePattern struct {
	ID  string `json:"id"`
	Hex string `json:"hex"`
}

// Rule is one signature: what it detects, where that is documented, and the
// patterns that identify it.
type Rule struct {
	// ID names the rule in evidence ("xz-cve-2024-3094-function-signature").
	ID string `json:"id"`
	// Aliases are the identifiers of the problem (CVE ids); the first is
	// the finding's ID.
	Aliases     []string         `json:"aliases,omitempty"`
	Description string           `json:"description"`
	References  []string         `json:"references,omitempty"`
	Severity    finding.Severity `json:"severity"`
	Condition   Condition        `json:"condition"`
	Patterns    []RulePattern    `json:"patterns"`
	compiled    []*Pattern       // parallel to Patterns
}

// ruleFile is the layout of rules/*.json.
type ruleFile struct {
	Rules []Rule `json:"rules"`
}

//go:embed rules/*.json
var ruleFS embed.FS

// Scanner matches a fixed set of compiled rules. It is safe for concurrent
// use.
type Scanner struct {
	rules []Rule
}

// NewScanner compiles rules, rejecting any with a missing id, an unknown
// condition, no patterns, duplicate pattern ids or a malformed pattern.
func NewScanner(rules []Rule) (*Scanner, error) {
	s := &Scanner{}
	seen := map[string]bool{}
	for _, r := range rules {
		if r.ID == "" {
			return nil, fmt.Errorf("rule without id")
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("rule %s: duplicate id", r.ID)
		}
		seen[r.ID] = true
		if r.Condition != All && r.Condition != Any {
			return nil, fmt.Errorf("rule %s: condition %q (want all or any)", r.ID, r.Condition)
		}
		if len(r.Patterns) == 0 {
			return nil, fmt.Errorf("rule %s: no patterns", r.ID)
		}
		r.compiled = make([]*Pattern, len(r.Patterns))
		ids := map[string]bool{}
		for i, rp := range r.Patterns {
			if rp.ID == "" || ids[rp.ID] {
				return nil, fmt.Errorf("rule %s: pattern %d: missing or duplicate id %q", r.ID, i+1, rp.ID)
			}
			ids[rp.ID] = true
			p, err := CompilePattern(rp.Hex)
			if err != nil {
				return nil, fmt.Errorf("rule %s: pattern %s: %w", r.ID, rp.ID, err)
			}
			r.compiled[i] = p
		}
		s.rules = append(s.rules, r)
	}
	return s, nil
}

// DefaultRules returns the embedded rules, uncompiled, for callers that
// want to list them or extend them.
func DefaultRules() ([]Rule, error) {
	names, err := ruleFS.ReadDir("rules")
	if err != nil {
		return nil, err
	}
	var rules []Rule
	for _, n := range names {
		data, err := ruleFS.ReadFile("rules/" + n.Name())
		if err != nil {
			return nil, err
		}
		// Unknown fields are errors: a misspelt "condition" must not
		// silently turn a rule into something else.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var f ruleFile
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("rules/%s: %w", n.Name(), err)
		}
		rules = append(rules, f.Rules...)
	}
	return rules, nil
}

var defaultScanner = sync.OnceValues(func() (*Scanner, error) {
	rules, err := DefaultRules()
	if err != nil {
		return nil, err
	}
	return NewScanner(rules)
})

// Scan matches the embedded rules against the file of the given size read
// through r; path names the file in findings and errors. See the package
// documentation for what non-ELF and damaged input yield.
func Scan(ctx context.Context, r io.ReaderAt, size int64, path string) ([]finding.Finding, error) {
	s, err := defaultScanner()
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	return s.Scan(ctx, r, size, path)
}

// region is a part of the file that holds code.
type region struct {
	// name is the section's name, or "(file)" when matching the whole
	// file. It comes from the file, so evidence quotes it.
	name   string
	offset int64 // file offset of data[0]
	data   []byte
}

// hit is one pattern match located in the file.
type hit struct {
	pattern string
	region  string
	offset  int64
	bytes   []byte
}

// Scan matches the scanner's rules against one file; see the package-level
// Scan.
func (s *Scanner) Scan(ctx context.Context, r io.ReaderAt, size int64, path string) ([]finding.Finding, error) {
	if size < 0 {
		return nil, extract.Errorf(path, 0, "negative size %d", size)
	}
	if size > MaxFileSize {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, size, int64(MaxFileSize))}
	}
	var magic [4]byte
	if size < 4 {
		return nil, nil
	}
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("read: %w", err)}
	}
	if string(magic[:]) != elf.ELFMAG {
		return nil, nil
	}
	regions, err := codeRegions(r, size, path)
	if err != nil {
		return nil, err
	}

	var out []finding.Finding
	for _, rule := range s.rules {
		var hits []hit
		matched := 0
		for i, p := range rule.compiled {
			found := false
			for _, reg := range regions {
				hs, err := p.FindAll(ctx, reg.data)
				if err != nil {
					return nil, err
				}
				for _, h := range hs {
					found = true
					hits = append(hits, hit{
						pattern: rule.Patterns[i].ID,
						region:  reg.name,
						offset:  reg.offset + int64(h.Start),
						bytes:   reg.data[h.Start:h.End],
					})
				}
			}
			if found {
				matched++
			}
		}
		if matched == 0 || (rule.Condition == All && matched < len(rule.compiled)) {
			continue
		}
		out = append(out, rule.finding(path, hits))
	}
	return out, nil
}

func (r *Rule) finding(path string, hits []hit) finding.Finding {
	// Sections may overlap in a hostile file; report each place once.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].offset < hits[j].offset })
	hits = slices.CompactFunc(hits, func(a, b hit) bool { return a.offset == b.offset && a.pattern == b.pattern })
	f := finding.Finding{
		ID:          r.ID,
		Kind:        finding.Malicious,
		Severity:    r.Severity,
		Summary:     r.Description,
		Locations:   []inventory.Location{{Path: path}},
		References:  slices.Clone(r.References),
		Source:      Source,
		Remediation: "Treat the file as compromised: replace it from a trusted build and investigate how it got there.",
	}
	f.Aliases = append(slices.Clone(r.Aliases), r.ID)
	if len(r.Aliases) > 0 {
		f.ID = r.Aliases[0]
	}
	slices.Sort(f.Aliases)
	f.Aliases = slices.Compact(f.Aliases)
	for _, h := range hits {
		shown, more := h.bytes, ""
		if len(shown) > maxEvidenceBytes {
			shown, more = shown[:maxEvidenceBytes], fmt.Sprintf("... (%d bytes)", len(h.bytes))
		}
		f.Evidence = append(f.Evidence, fmt.Sprintf("rule %s pattern %s in section %q at offset 0x%x: %s%s",
			r.ID, h.pattern, h.region, h.offset, hex.EncodeToString(shown), more))
	}
	return f
}

// codeRegions reads the executable sections of the ELF file, or the whole
// file when it has no section headers (stripped of them on purpose, as
// packers do). debug/elf is hardened against malformed input, but a panic
// in it must not take the scan down, so one is turned into an error.
func codeRegions(r io.ReaderAt, size int64, path string) (regions []region, err error) {
	defer func() {
		if p := recover(); p != nil {
			regions, err = nil, extract.Errorf(path, 0, "malformed elf: %v", p)
		}
	}()
	sr := io.NewSectionReader(r, 0, size)
	f, err := elf.NewFile(sr)
	if err != nil {
		return nil, &extract.Error{Path: path, Err: fmt.Errorf("malformed elf: %w", err)}
	}
	var total int64
	read := func(name string, off, n int64) error {
		if off < 0 || n < 0 || off > size || n > size-off {
			return extract.Errorf(path, 0, "section %s [0x%x, +0x%x) lies outside the file of %d bytes", name, off, n, size)
		}
		total += n
		if total > MaxScanBytes {
			return &extract.Error{Path: path, Err: fmt.Errorf("%w: executable sections over %d bytes", extract.ErrTooLarge, MaxScanBytes)}
		}
		data := make([]byte, n)
		if got, err := r.ReadAt(data, off); err != nil && !(err == io.EOF && int64(got) == n) {
			return &extract.Error{Path: path, Err: fmt.Errorf("read section %s: %w", name, err)}
		}
		regions = append(regions, region{name: name, offset: off, data: data})
		return nil
	}
	sections := 0
	for _, sec := range f.Sections {
		if sec.Type == elf.SHT_NULL {
			continue
		}
		sections++
		if sec.Flags&elf.SHF_EXECINSTR == 0 || sec.Type == elf.SHT_NOBITS {
			continue
		}
		if sec.Flags&elf.SHF_COMPRESSED != 0 {
			// Never seen in real code sections; refusing beats missing
			// code hidden behind a compression bomb.
			return nil, extract.Errorf(path, 0, "executable section %s is compressed", sec.Name)
		}
		// Raw bytes (not sec.Data) so that offsets are file offsets.
		if err := read(sec.Name, int64(sec.Offset), int64(sec.FileSize)); err != nil {
			return nil, err
		}
	}
	if sections == 0 {
		if err := read("(file)", 0, size); err != nil {
			return nil, err
		}
	}
	return regions, nil
}
