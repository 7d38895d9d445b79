package inventory

import (
	"container/heap"
	"math"
)

// pathBudget bounds the partial paths one search explores, so that a graph
// with exponentially many paths (a dense npm tree) costs bounded memory.
const pathBudget = 200_000

// Paths lists the dependency paths from a root to id, shortest first. Each
// path starts with a root id and ends with id. At most limit paths are
// returned. total counts every path from a root to id; complete is false
// when that count is a lower bound (the ancestry has cycles, or the count
// passed math.MaxInt32) or the search for the shortest paths stopped at its
// work budget.
//
// The paths are found breadth-first over parent edges, never revisiting a
// node on the same path, so cycles (npm allows them) end; the search stops
// as soon as limit paths are found. The count is a separate linear pass.
func (g *Graph) Paths(id string, limit int) (paths [][]string, total int, complete bool) {
	if _, ok := g.components[id]; !ok {
		if _, ok := g.roots[id]; !ok {
			return nil, 0, true
		}
	}
	paths, searched := g.shortestPaths(id, limit)
	total, exact := g.countPaths(id)
	if total < len(paths) {
		total = len(paths)
	}
	return paths, total, exact && searched
}

// isStart reports whether a path may start at node: a root, or a node
// nothing depends on that is not a component.
func (g *Graph) isStart(node string) bool {
	if _, isRoot := g.roots[node]; isRoot {
		return true
	}
	return len(g.in[node]) == 0 && IsRoot(node)
}

// shortestPaths returns up to limit shortest paths to id, shortest first;
// ok is false when the work budget ran out first.
//
// It is a best-first search over parent edges guided by each ancestor's
// exact distance to the nearest start node, so the first paths come out
// after a few steps even where the number of partial paths explodes.
func (g *Graph) shortestPaths(id string, limit int) (paths [][]string, ok bool) {
	if limit <= 0 {
		return nil, true
	}
	dist := g.distanceToStart(id)
	if _, reachable := dist[id]; !reachable {
		return nil, true
	}
	q := &partialQueue{}
	heap.Push(q, &partial{node: id, n: 1, f: 1 + dist[id]})
	explored := 0
	for q.Len() > 0 {
		p := heap.Pop(q).(*partial)
		if g.isStart(p.node) {
			path := make([]string, 0, p.n)
			for r := p; r != nil; r = r.prev {
				path = append(path, r.node)
			}
			paths = append(paths, path)
			if len(paths) == limit {
				return paths, true
			}
			continue
		}
		for _, parent := range sortedKeys(g.in[p.node]) {
			d, reachable := dist[parent]
			if !reachable || p.on(parent) {
				continue
			}
			explored++
			if explored > pathBudget {
				return paths, false
			}
			heap.Push(q, &partial{node: parent, prev: p, n: p.n + 1, f: p.n + 1 + d, seq: explored})
		}
	}
	return paths, true
}

// distanceToStart returns, for id and each of its ancestors from which a
// start node can be reached, the number of edges to the nearest one.
func (g *Graph) distanceToStart(id string) map[string]int {
	// Collect the ancestry, then spread distances down from its starts.
	anc := map[string]bool{id: true}
	stack := []string{id}
	var frontier []string
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if g.isStart(n) {
			frontier = append(frontier, n)
		}
		for parent := range g.in[n] {
			if !anc[parent] {
				anc[parent] = true
				stack = append(stack, parent)
			}
		}
	}
	dist := make(map[string]int, len(anc))
	for _, n := range frontier {
		dist[n] = 0
	}
	for d := 1; len(frontier) > 0; d++ {
		var next []string
		for _, n := range frontier {
			for child := range g.out[n] {
				if _, seen := dist[child]; !seen && anc[child] {
					dist[child] = d
					next = append(next, child)
				}
			}
		}
		frontier = next
	}
	return dist
}

// partial is a path being extended from the target up towards a root.
type partial struct {
	node string
	prev *partial
	n    int // nodes on the path so far
	f    int // n plus the distance left: the length of the best completion
	seq  int // push order, for a stable tie-break
}

// on reports whether node is already on the path.
func (p *partial) on(node string) bool {
	for ; p != nil; p = p.prev {
		if p.node == node {
			return true
		}
	}
	return false
}

// partialQueue orders partial paths by f; among equals, the one nearer a
// root first (so a path is finished before others of the same length are
// widened), then by when they were pushed.
type partialQueue []*partial

func (q partialQueue) Len() int { return len(q) }
func (q partialQueue) Less(i, j int) bool {
	if q[i].f != q[j].f {
		return q[i].f < q[j].f
	}
	if q[i].n != q[j].n {
		return q[i].n > q[j].n
	}
	return q[i].seq < q[j].seq
}
func (q partialQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *partialQueue) Push(x any)   { *q = append(*q, x.(*partial)) }
func (q *partialQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	*q = old[:len(old)-1]
	return p
}

// countPaths counts the paths from a start node to id by dynamic
// programming over id's ancestry: each node's count is the sum of its
// parents'. exact is false when a cycle was cut (an edge back to a node
// being counted is left out, so the result is a lower bound) or the count
// saturated.
func (g *Graph) countPaths(id string) (n int, exact bool) {
	const max = math.MaxInt32
	memo := map[string]int{}
	onStack := map[string]bool{}
	exact = true
	var count func(node string) int
	count = func(node string) int {
		if v, ok := memo[node]; ok {
			return v
		}
		if g.isStart(node) {
			memo[node] = 1
			return 1
		}
		onStack[node] = true
		sum := 0
		for parent := range g.in[node] {
			if onStack[parent] {
				exact = false
				continue
			}
			sum += count(parent)
			if sum >= max {
				sum, exact = max, false
			}
		}
		onStack[node] = false
		memo[node] = sum
		return sum
	}
	return count(id), exact
}

// Direct returns the direct dependencies through which id is reached: the
// first component after the root on each of the limit shortest paths. A
// direct component returns itself. The result is sorted and deduplicated.
func (g *Graph) Direct(id string, limit int) []string {
	paths, _ := g.shortestPaths(id, limit)
	seen := map[string]struct{}{}
	for _, p := range paths {
		if len(p) >= 2 {
			seen[p[1]] = struct{}{}
		}
	}
	return sortedKeys(seen)
}
