// Package known is vouch's own dated set of documented supply-chain
// compromises (the xz-utils backdoor, hijacked npm, PyPI and RubyGems
// releases, sabotage by maintainers, a moved GitHub Actions tag), shipped
// inside the binary so that a fresh machine without an advisory database
// still recognises them.
//
// The records are OSV JSON files under data/, one per incident, written by
// the vouch maintainers from public facts. Each names the public ids of the
// incident as aliases and, in database_specific, says what kind of incident
// it was ("malicious": built to do harm from the start; "compromised": a
// legitimate package published by someone who took over an account or a
// build; "sabotage": the maintainer broke or weaponised their own package),
// when it was last reviewed, and which advisory the affected versions were
// checked against. Versions are listed exactly wherever the advisory lists
// them, so that an adjacent clean release is never reported; data/README.md
// records the incidents considered and left out, and why.
//
// Matching follows package advisory. Distribution packages are named by
// source package (Debian "xz-utils", Alpine "xz"), under an ecosystem
// without a release so that they apply to every release. Components found
// outside any package registry (an unpacked release tarball, vendored
// sources, a library identified inside a binary) are matched in the "GIT"
// ecosystem, by the upstream repository URL when it is known and otherwise
// by the upstream project name, against exact versions.
//
// The set is a floor, not a database: it is matched beside the advisory
// database, and records in both may report the same incident under
// different ids (their aliases tell them apart).
package known

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/advisory"
	"github.com/vouchdev/vouch/extract"
)

// AsOf is the date the set was last reviewed.
const AsOf = "2026-11-25"

//go:embed data/*.json
var data embed.FS

// Records returns the embedded records, parsed anew on each call so callers
// may keep or change them, sorted by id. A record that does not parse is
// left out rather than failing a scan; the package's tests parse every file
// and fail on any error, so a broken file cannot be released.
func Records() []*advisory.Vulnerability {
	recs, _ := load(data)
	return recs
}

// Index returns the records as an advisory.Index for matching beside the
// database. It is built once and shared; it is read-only.
func Index() *advisory.Index {
	indexOnce.Do(func() { index = advisory.NewIndex(Records()) })
	return index
}

var (
	indexOnce sync.Once
	index     *advisory.Index
)

// load parses every *.json file under data/ in fsys, returning the records
// that parse, sorted by id, and an error for each file that does not or
// whose id does not match its file name.
func load(fsys fs.FS) ([]*advisory.Vulnerability, []error) {
	names, err := fs.Glob(fsys, "data/*.json")
	if err != nil {
		return nil, []error{err}
	}
	var (
		recs []*advisory.Vulnerability
		errs []error
	)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, &extract.Error{Path: name, Err: err})
			continue
		}
		v, err := advisory.Parse(b, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// The file name is the id, so a record is found by its id and two
		// files cannot claim the same one unnoticed.
		if want := strings.TrimSuffix(path.Base(name), ".json"); v.ID != want {
			errs = append(errs, &extract.Error{Path: name, Err: fmt.Errorf("id %q does not match the file name", v.ID)})
			continue
		}
		recs = append(recs, v)
	}
	slices.SortFunc(recs, func(a, b *advisory.Vulnerability) int { return strings.Compare(a.ID, b.ID) })
	return recs, errs
}
