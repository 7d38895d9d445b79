package advisory

import (
	"slices"
	"strings"
)

// NewIndex builds an Index over records held in memory, such as those
// shipped inside the binary, so they are matched exactly as records loaded
// from the database are. Nil and withdrawn records are left out, as Load
// leaves them out. The index keeps the pointers: the records must not be
// changed afterwards.
func NewIndex(records []*Vulnerability) *Index {
	ix := &Index{byKey: map[indexKey][]*Vulnerability{}}
	keys := map[indexKey]bool{}
	for _, v := range records {
		if v == nil || !v.Withdrawn.IsZero() {
			continue
		}
		ix.add(v, nil, keys)
	}
	// Same order as Load, so results do not depend on the input order.
	for _, vs := range ix.byKey {
		slices.SortFunc(vs, func(a, b *Vulnerability) int { return strings.Compare(a.ID, b.ID) })
	}
	return ix
}
