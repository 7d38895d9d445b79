package advisory

import (
	"errors"
	"fmt"
)

// CompareVersions orders versions a and b as a range of rangeType
// (RangeSemver or RangeEcosystem) in ecosystem orders them, the order
// Affects evaluates ranges in, and returns -1, 0 or 1. Versions are parsed
// through the index's cache, so callers reasoning about the records Match
// returned (which fix version is the next one up) pay for each version
// once. An error means either version does not parse in that order; GIT
// ranges have no order without the repository's history.
func (ix *Index) CompareVersions(ecosystem, rangeType, a, b string) (int, error) {
	if rangeType == RangeGit {
		return 0, errors.New("commits have no order without repository history")
	}
	base := EcosystemBase(ecosystem)
	kind, parseFn := parser(rangeType, base)
	parse := ix.cache.wrap(kind, parseFn)
	va, err := parse(normalizeVersion(base, a))
	if err != nil {
		return 0, err
	}
	vb, err := parse(normalizeVersion(base, b))
	if err != nil {
		return 0, err
	}
	c, err := va.Compare(vb)
	if err != nil {
		return 0, fmt.Errorf("compare %q with %q: %w", a, b, err)
	}
	return c, nil
}

// Affects is v.Affects with the index's version cache: for evaluating a
// record Match returned at another version (is its fix version still
// affected by a related record?) without parsing every version again.
func (ix *Index) Affects(v *Vulnerability, ecosystem, name, version string) (bool, error) {
	return v.affects(ecosystem, name, version, &ix.cache)
}
