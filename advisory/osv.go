// Package advisory is vouch's offline OSV database: the OSV record types,
// the evaluation of affected version ranges, and a SQLite store that imports
// OSV exports (zips, directories, single files), updates them from a mirror
// with an atomic swap, and answers queries by package without a network.
//
// Field names follow the OSV schema (https://ossf.github.io/osv-schema/);
// records are parsed leniently where the schema leaves room (unknown fields
// are ignored) and strictly where a mistake would change what a record
// means (range types, event shapes).
package advisory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vouchdev/vouch/extract"
)

// Range types defined by the OSV schema.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Bounds on one record. They are far above what real OSV data holds (the
// largest records are tens of kilobytes) and exist so a hostile file cannot
// make the import or a later evaluation allocate or loop without limit.
const (
	// MaxRecordSize bounds the bytes of one OSV JSON record.
	MaxRecordSize = 16 << 20
	maxIDLen      = 256
	maxNameLen    = 4096 // ecosystems, package names, versions, aliases
	maxAffected   = 10000
	maxRanges     = 1000
	maxEvents     = 10000
	maxVersions   = 200000
	maxListLen    = 100000 // aliases, related, upstream, references, credits, severity
)

// Vulnerability is one OSV record. Fields carry the schema's names and
// meanings (https://ossf.github.io/osv-schema/); the comments say only what
// vouch relies on.
type Vulnerability struct {
	SchemaVersion string `json:"schema_version,omitempty"`
	ID            string `json:"id"`
	// Modified orders versions of the same record: on import a newer
	// record replaces an older one. Some exports (the Go database) write
	// the zero time here.
	Modified  time.Time `json:"modified"`
	Published time.Time `json:"published,omitzero"`
	// Withdrawn is set when the record no longer applies; the store keeps
	// such records so that an older copy cannot come back, but never
	// returns them from queries.
	Withdrawn        time.Time       `json:"withdrawn,omitzero"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a scored severity, such as a CVSS vector.
type Severity struct {
	Type  string `json:"type"`  // "CVSS_V3", "CVSS_V4", "Ubuntu", ...
	Score string `json:"score"` // the vector or rating as the type defines it
}

// Affected is one package a record affects and the versions it affects.
type Affected struct {
	Package  Package    `json:"package,omitzero"`
	Severity []Severity `json:"severity,omitempty"`
	Ranges   []Range    `json:"ranges,omitempty"`
	// Versions enumerates affected versions; a version listed here is
	// affected whatever the ranges say.
	Versions []string `json:"versions,omitempty"`
	// EcosystemSpecific and DatabaseSpecific are kept as written (the Go
	// database puts symbol lists here), for consumers that know them.
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package names a package in an ecosystem.
type Package struct {
	// Ecosystem is the OSV ecosystem, possibly with a release or
	// repository suffix ("Debian:12", "Ubuntu:22.04:LTS").
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is a set of affected versions described by events.
type Range struct {
	Type string `json:"type"` // RangeSemver, RangeEcosystem or RangeGit
	// Repo is the repository a GIT range's commits belong to.
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one point of a range's timeline; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`    // first affected; "0" before every version
	Fixed        string `json:"fixed,omitempty"`         // first not affected again
	LastAffected string `json:"last_affected,omitempty"` // last affected, inclusive
	Limit        string `json:"limit,omitempty"`         // versions at or past every limit are not affected; "*" is none
}

// Reference is a link to more information.
type Reference struct {
	Type string `json:"type"` // "ADVISORY", "FIX", "WEB", ...
	URL  string `json:"url"`
}

// Credit names someone credited for the record.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"` // URLs
	Type    string   `json:"type,omitempty"`    // "FINDER", "REPORTER", ...
}

// ErrInvalid is wrapped by Parse errors for records that are well-formed
// JSON but break the OSV schema in a way that matters for matching.
var ErrInvalid = errors.New("invalid osv record")

// Parse reads one OSV record. name is the file (or zip entry) the record
// came from; errors are *extract.Error values naming it, with the line for
// JSON errors. Unknown fields are ignored so newer schema versions load.
func Parse(data []byte, name string) (*Vulnerability, error) {
	if len(data) > MaxRecordSize {
		return nil, &extract.Error{Path: name, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, len(data), MaxRecordSize)}
	}
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, jsonError(data, name, err)
	}
	if err := v.validate(); err != nil {
		return nil, &extract.Error{Path: name, Err: err}
	}
	return &v, nil
}

// jsonError turns a decoding error into an *extract.Error with the line
// where the decoder stopped, when it says.
func jsonError(data []byte, name string, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	e := &extract.Error{Path: name, Err: fmt.Errorf("not an osv record: %w", err)}
	trimmed := bytes.TrimRightFunc(data, unicode.IsSpace)
	switch {
	case len(trimmed) == 0:
		e.Err = errors.New("not an osv record: empty file")
	case off >= 0:
		// The decoder's offset counts the bytes read, the culprit
		// included. A truncated record fails at the end of input; point
		// at the last byte with text rather than past it.
		off = min(off, int64(len(trimmed))) - 1
		e.Line, e.Column = extract.NewLineIndex(data).Position(max(off, 0))
	}
	return e
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func (v *Vulnerability) validate() error {
	if v.ID == "" {
		return invalid("no id")
	}
	if err := checkID(v.ID); err != nil {
		return err
	}
	for _, l := range []struct {
		what string
		n    int
	}{
		{"aliases", len(v.Aliases)}, {"related", len(v.Related)}, {"upstream", len(v.Upstream)},
		{"severity", len(v.Severity)}, {"references", len(v.References)}, {"credits", len(v.Credits)},
	} {
		if l.n > maxListLen {
			return invalid("%s: %d entries, limit %d", l.what, l.n, maxListLen)
		}
	}
	for _, s := range [][]string{v.Aliases, v.Related, v.Upstream} {
		for _, a := range s {
			if err := checkString("alias", a, maxIDLen); err != nil {
				return err
			}
		}
	}
	if len(v.Affected) > maxAffected {
		return invalid("affected: %d entries, limit %d", len(v.Affected), maxAffected)
	}
	for i := range v.Affected {
		if err := v.Affected[i].validate(); err != nil {
			return fmt.Errorf("affected[%d]: %w", i, err)
		}
	}
	return nil
}

// checkID accepts what OSV databases use as identifiers (printable, no
// spaces or path separators), since ids end up in file names and output.
func checkID(id string) error {
	if len(id) > maxIDLen {
		return invalid("id longer than %d bytes", maxIDLen)
	}
	for _, r := range id {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '/' || r == '\\' {
			return invalid("id %q: unexpected character %q", id, r)
		}
	}
	return nil
}

// checkString rejects control characters and overlong values in the short
// strings matching compares (names, versions), which no real record has.
func checkString(what, s string, max int) error {
	if len(s) > max {
		return invalid("%s longer than %d bytes", what, max)
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return invalid("%s %q: control or invalid character", what, s)
		}
	}
	return nil
}

func (a *Affected) validate() error {
	if a.Package != (Package{}) {
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			return invalid("package needs ecosystem and name")
		}
		if err := checkString("ecosystem", a.Package.Ecosystem, maxNameLen); err != nil {
			return err
		}
		if err := checkString("package name", a.Package.Name, maxNameLen); err != nil {
			return err
		}
	}
	if len(a.Ranges) > maxRanges {
		return invalid("ranges: %d entries, limit %d", len(a.Ranges), maxRanges)
	}
	if len(a.Versions) > maxVersions {
		return invalid("versions: %d entries, limit %d", len(a.Versions), maxVersions)
	}
	for _, ver := range a.Versions {
		if err := checkString("version", ver, maxNameLen); err != nil {
			return err
		}
	}
	for i := range a.Ranges {
		if err := a.Ranges[i].validate(); err != nil {
			return fmt.Errorf("ranges[%d]: %w", i, err)
		}
	}
	return nil
}

func (r *Range) validate() error {
	switch r.Type {
	case RangeSemver, RangeEcosystem:
	case RangeGit:
		if r.Repo == "" {
			return invalid("GIT range without repo")
		}
	case "":
		return invalid("range without type")
	default:
		return invalid("unknown range type %q", r.Type)
	}
	if len(r.Events) == 0 {
		return invalid("range without events")
	}
	if len(r.Events) > maxEvents {
		return invalid("events: %d entries, limit %d", len(r.Events), maxEvents)
	}
	introduced := false
	for i, e := range r.Events {
		kind, val, n := e.kindValue()
		if n != 1 {
			return invalid("events[%d]: want exactly one of introduced, fixed, last_affected, limit, got %d", i, n)
		}
		if err := checkString(kind, val, maxNameLen); err != nil {
			return fmt.Errorf("events[%d]: %w", i, err)
		}
		if strings.TrimSpace(val) != val {
			return invalid("events[%d]: %s %q has surrounding space", i, kind, val)
		}
		if kind == "introduced" {
			introduced = true
		}
	}
	if !introduced {
		return invalid("range without an introduced event")
	}
	return nil
}

// kindValue returns the event's kind, its value and how many fields are
// set (1 for a well-formed event).
func (e Event) kindValue() (kind, value string, n int) {
	for _, f := range []struct{ k, v string }{
		{"introduced", e.Introduced}, {"fixed", e.Fixed},
		{"last_affected", e.LastAffected}, {"limit", e.Limit},
	} {
		if f.v != "" {
			if n == 0 {
				kind, value = f.k, f.v
			}
			n++
		}
	}
	return kind, value, n
}
