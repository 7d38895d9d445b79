package inventory

// Paths lists the dependency paths from a root to id, shortest first. Each
// path starts with a root id and ends with id. At most limit paths are
// returned; total counts every path found, and complete is false when the
// search stopped at its work budget, in which case total is a lower bound.
//
// The search walks parent edges breadth-first and never revisits a node on
// the same path, so cycles (npm allows them) end.
func (g *Graph) Paths(id string, limit int) (paths [][]string, total int, complete bool) {
	const budget = 200_000 // partial paths explored before giving up on counting
	if _, ok := g.components[id]; !ok {
		if _, ok := g.roots[id]; !ok {
			return nil, 0, true
		}
	}
	type partial struct {
		node string
		prev *partial
		n    int
	}
	on := func(p *partial, node string) bool {
		for ; p != nil; p = p.prev {
			if p.node == node {
				return true
			}
		}
		return false
	}
	queue := []*partial{{node: id, n: 1}}
	explored := 0
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if _, isRoot := g.roots[p.node]; isRoot || (len(g.in[p.node]) == 0 && IsRoot(p.node)) {
			total++
			if len(paths) < limit {
				path := make([]string, 0, p.n)
				for q := p; q != nil; q = q.prev {
					path = append(path, q.node)
				}
				paths = append(paths, path)
			}
			continue
		}
		for _, parent := range sortedKeys(g.in[p.node]) {
			if on(p, parent) {
				continue
			}
			explored++
			if explored > budget {
				return paths, total, false
			}
			queue = append(queue, &partial{node: parent, prev: p, n: p.n + 1})
		}
	}
	return paths, total, true
}

// Direct returns the direct dependencies through which id is reached: the
// first component after the root on each path. A direct component returns
// itself. The result is sorted and deduplicated; limit bounds the search as
// in Paths.
func (g *Graph) Direct(id string, limit int) []string {
	paths, _, _ := g.Paths(id, limit)
	seen := map[string]struct{}{}
	for _, p := range paths {
		if len(p) >= 2 {
			seen[p[1]] = struct{}{}
		}
	}
	return sortedKeys(seen)
}
