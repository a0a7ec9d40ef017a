package oci

import (
	"fmt"
	"path"
	"sort"
)

// Tree is the file tree an image produces: the result of applying its
// layers in order. The root directory itself is not part of the tree.
type Tree struct {
	nodes    map[string]*Entry
	children map[string]map[string]struct{}
}

// NewTree returns an empty tree.
func NewTree() *Tree {
	return &Tree{nodes: map[string]*Entry{}, children: map[string]map[string]struct{}{}}
}

// Len is the number of paths in the tree.
func (t *Tree) Len() int { return len(t.nodes) }

// Get returns the node at p.
func (t *Tree) Get(p string) (*Entry, bool) {
	e, ok := t.nodes[CleanPath(p)]
	return e, ok
}

// Paths returns every path in the tree, sorted.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.nodes))
	for p := range t.nodes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Walk calls fn for every node in path order.
func (t *Tree) Walk(fn func(e *Entry) error) error {
	for _, p := range t.Paths() {
		if err := fn(t.nodes[p]); err != nil {
			return err
		}
	}
	return nil
}

// SizeUnder is the sum of the sizes of the regular files at or below dir.
func (t *Tree) SizeUnder(dir string) int64 {
	var n int64
	for p, e := range t.nodes {
		if e.Type == Regular && under(p, dir) {
			n += e.Size
		}
	}
	return n
}

// PathsUnder lists the paths strictly below dir, sorted.
func (t *Tree) PathsUnder(dir string) []string {
	dir = CleanPath(dir)
	var out []string
	for p := range t.nodes {
		if p != dir && under(p, dir) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Apply applies a layer on top of the tree: first its whiteouts and opaque
// markers (which only hide what lower layers put there), then its entries
// in archive order.
func (t *Tree) Apply(lc *LayerContents) error {
	for _, e := range lc.Entries {
		switch e.Type {
		case Whiteout:
			t.remove(e.Path)
		case Opaque:
			t.removeChildren(e.Path)
		}
	}
	for i := range lc.Entries {
		e := lc.Entries[i]
		if e.Type == Whiteout || e.Type == Opaque {
			continue
		}
		if err := t.add(e); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tree) add(e Entry) error {
	if e.Type == Hardlink {
		target, ok := t.nodes[e.HardlinkTo]
		if !ok {
			return fmt.Errorf("%s: hard link to missing %s", e.Path, e.HardlinkTo)
		}
		if target.Type != Regular {
			return fmt.Errorf("%s: hard link to %s, which is a %s", e.Path, e.HardlinkTo, target.Type)
		}
		linkTo := e.HardlinkTo
		if target.HardlinkTo != "" {
			linkTo = target.HardlinkTo
		}
		p := e.Path
		e = *target
		e.Path = p
		e.HardlinkTo = linkTo
		if e.Xattrs != nil {
			x := make(map[string]string, len(e.Xattrs))
			for k, v := range e.Xattrs {
				x[k] = v
			}
			e.Xattrs = x
		}
	}
	t.ensureParents(e.Path)
	if old, ok := t.nodes[e.Path]; ok {
		if old.Type == Dir && e.Type == Dir {
			// A directory entry over a directory updates its metadata and
			// keeps its contents.
			n := e
			t.nodes[e.Path] = &n
			return nil
		}
		t.remove(e.Path)
	}
	n := e
	t.insert(&n)
	return nil
}

func (t *Tree) insert(e *Entry) {
	t.nodes[e.Path] = e
	parent := path.Dir(e.Path)
	c := t.children[parent]
	if c == nil {
		c = map[string]struct{}{}
		t.children[parent] = c
	}
	c[e.Path] = struct{}{}
}

// ensureParents creates the missing parent directories of p (as 0755
// root-owned directories) and replaces parents that are not directories.
func (t *Tree) ensureParents(p string) {
	parent := path.Dir(p)
	if parent == "/" {
		return
	}
	if n, ok := t.nodes[parent]; ok && n.Type == Dir {
		return
	}
	t.ensureParents(parent)
	if _, ok := t.nodes[parent]; ok {
		t.remove(parent)
	}
	t.insert(&Entry{Path: parent, Type: Dir, Mode: 0o755})
}

// remove deletes p and everything below it.
func (t *Tree) remove(p string) {
	if _, ok := t.nodes[p]; !ok {
		return
	}
	t.removeChildren(p)
	delete(t.nodes, p)
	if c := t.children[path.Dir(p)]; c != nil {
		delete(c, p)
	}
}

// removeChildren deletes everything below p, keeping p.
func (t *Tree) removeChildren(p string) {
	for c := range t.children[p] {
		t.removeChildren(c)
		delete(t.nodes, c)
	}
	delete(t.children, p)
}
