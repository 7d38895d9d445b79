// Package depgraph holds what the readers of installed-package databases
// (dpkg, apk, rpm) do alike with the dependency graph they build: choosing
// the packages that hang off the root, so that every installed package is
// reachable from it.
package depgraph

// Unrequired returns the nodes no other node requires, in nodes' order.
func Unrequired[T comparable](nodes []T, children map[T][]T) []T {
	required := make(map[T]bool, len(nodes))
	for _, cs := range children {
		for _, c := range cs {
			required[c] = true
		}
	}
	var out []T
	for _, n := range nodes {
		if !required[n] {
			out = append(out, n)
		}
	}
	return out
}

// Cover returns the nodes that get an edge from the root: every start
// node, then, in nodes' order, the first of each group nothing reached yet
// (a cycle no start node leads to), so that every node is reachable.
func Cover[T comparable](nodes, start []T, children map[T][]T) map[T]bool {
	direct := map[T]bool{}
	reached := make(map[T]bool, len(nodes))
	visit := func(from T) {
		direct[from] = true
		if reached[from] {
			return
		}
		reached[from] = true
		stack := []T{from}
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range children[top] {
				if !reached[c] {
					reached[c] = true
					stack = append(stack, c)
				}
			}
		}
	}
	for _, n := range start {
		visit(n)
	}
	for _, n := range nodes {
		if !reached[n] {
			visit(n)
		}
	}
	return direct
}
