package pyproject

import "github.com/vouchdev/vouch/inventory"

// Seed starts a scope walk (node is needed under Scope) or, returned by a
// children function, is one edge: the child is needed under the parent's
// scope or Scope, whichever is less needed at run time ("" keeps the
// parent's). A workspace member's dev-dependency edges carry ScopeDev.
type Seed struct {
	// Node is an index into the caller's nodes.
	Node int
	// Scope is the scope the seed starts, or the edge imposes.
	Scope inventory.Scope
}

// scopeOrder lists scopes from the most to the least needed at run time,
// as inventory ranks them when it merges components.
var scopeOrder = []inventory.Scope{
	inventory.ScopeRuntime, inventory.ScopeOptional, inventory.ScopePeer,
	inventory.ScopeBuild, inventory.ScopeTest, inventory.ScopeDev,
}

func scopeRank(s inventory.Scope) int {
	for i, o := range scopeOrder {
		if o == s {
			return i
		}
	}
	return -1
}

// Scopes gives each of n nodes the most run-time scope under which it is
// reached from the seeds through children, or "" when no seed reaches it.
// Lockfiles without per-package groups need it: a package pulled in by a
// runtime dependency is runtime even if a dev tool needs it too. It visits
// each node once per scope at most, so it ends on cyclic graphs.
func Scopes(n int, seeds []Seed, children func(node int) []Seed) []inventory.Scope {
	out := make([]inventory.Scope, n)
	pending := make([][]int, len(scopeOrder))
	for _, s := range seeds {
		if r := scopeRank(s.Scope); r >= 0 && s.Node >= 0 && s.Node < n {
			pending[r] = append(pending[r], s.Node)
		}
	}
	for level, scope := range scopeOrder {
		queue := pending[level]
		for len(queue) > 0 {
			node := queue[0]
			queue = queue[1:]
			if out[node] != "" {
				continue
			}
			out[node] = scope
			for _, c := range children(node) {
				if c.Node < 0 || c.Node >= n || out[c.Node] != "" {
					continue
				}
				r := max(level, scopeRank(c.Scope))
				if r == level {
					queue = append(queue, c.Node)
				} else {
					pending[r] = append(pending[r], c.Node)
				}
			}
		}
	}
	return out
}
