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

// contextTree is the build context as walked once per run, in fs.WalkDir order
// (a directory is followed by everything below it).
type contextTree struct {
	entries   []entry
	index     map[string]int
	truncated bool
}

func walkContext(fsys fs.FS) *contextTree {
	t := &contextTree{index: map[string]int{}}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if len(t.entries) >= maxEntries {
			t.truncated = true
			return fs.SkipAll
		}
		e := entry{path: p, dir: d.IsDir(), regular: d.Type().IsRegular()}
		if e.regular {
			if info, err := d.Info(); err == nil {
				e.size = info.Size()
			}
		}
		t.index[p] = len(t.entries)
		t.entries = append(t.entries, e)
		return nil
	})
	return t
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

func (t *contextTree) has(p string) bool { _, ok := t.index[p]; return ok }

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
