package dockerignore

import (
	"io/fs"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
)

// entry is a path of the build context.
type entry struct {
	path    string
	dir     bool
	regular bool
	size    int64
}

// contextTree is the build context as walked once per ignore file
// (buildcontext.TreeOf), in fs.WalkDir order (a directory is followed by
// everything below it), less what is below the directories that the
// ignore file excludes entirely: those are listed, not entered. It is
// shared by every Dockerfile that reads the same context and must not be
// modified.
type contextTree struct {
	entries   []entry
	index     map[string]int
	truncated bool
	view      *buildcontext.Tree
}

// treeOf returns the tree of ctx's context for the ignore file ig.
func treeOf(ctx *analysis.Context, ig *buildcontext.Ignore) *contextTree {
	return ctx.ContextFact("dockerignore.tree:"+ig.Key(), func(fs.FS) any {
		v := buildcontext.TreeOf(ctx, ig)
		t := &contextTree{entries: make([]entry, len(v.Entries)), index: v.Index(), truncated: v.Truncated, view: v}
		for i, e := range v.Entries {
			t.entries[i] = entry{path: e.Path, dir: e.Dir, regular: e.Regular, size: e.Size}
		}
		return t
	}).(*contextTree)
}

// sent returns, for each entry, whether the ignore file leaves it in.
func (t *contextTree) sent() []bool {
	out := make([]bool, len(t.entries))
	for i, e := range t.view.Entries {
		out[i] = e.Sent
	}
	return out
}

// end returns the index just after the entries below entry i.
func (t *contextTree) end(i int) int {
	prefix := t.entries[i].path + "/"
	j := i + 1
	for j < len(t.entries) && strings.HasPrefix(t.entries[j].path, prefix) {
		j++
	}
	return j
}

func (t *contextTree) has(p string) bool { return t.view.Has(p) }

// contextFiles reads files of the build context for the checks.
type contextFiles struct {
	ctx  *analysis.Context
	tree *contextTree
}

// read returns a regular file of the context (nil when missing or too big).
func (r *contextFiles) read(p string) []byte {
	p = buildcontext.Clean(p)
	if p == "" {
		return nil
	}
	return r.ctx.Memo("dockerignore.file:"+p, func() any {
		fi, err := fs.Stat(r.ctx.BuildContext, p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxFileSize {
			return []byte(nil)
		}
		b, err := fs.ReadFile(r.ctx.BuildContext, p)
		if err != nil {
			return []byte(nil)
		}
		return b
	}).([]byte)
}
