package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/dfopt/dfopt/analysis"
)

// contextFS is a build context directory read once for all the Dockerfiles
// of a run that share it: directory listings, file information and small
// files are kept after their first read, so that the passes of the second
// and later Dockerfiles (which walk the context, stat and read what their
// instructions copy) do not go to the disk again. It is used only when the
// run writes nothing (no -w): the files do not change under it.
//
// It is an analysis.SharedFS: what the passes learn from the context (its
// walk, what its ignore file excludes, its other Dockerfiles) is also
// computed once for all of them.
type contextFS struct {
	analysis.Facts

	dir  string
	base fs.FS

	mu      sync.Mutex
	dirs    map[string]dirResult
	stats   map[string]statResult
	lstats  map[string]statResult
	files   map[string]fileResult
	links   map[string]linkResult
	kept    int // bytes of files kept
	maxKept int
}

type (
	dirResult struct {
		entries []fs.DirEntry
		err     error
	}
	statResult struct {
		info fs.FileInfo
		err  error
	}
	fileResult struct {
		data []byte
		err  error
	}
	linkResult struct {
		target string
		err    error
	}
)

// maxContextFile is the largest file a contextFS keeps; maxContextBytes
// bounds all it keeps.
const (
	maxContextFile  = 1 << 20
	maxContextBytes = 64 << 20
)

func newContextFS(dir string) *contextFS {
	return &contextFS{
		dir: dir, base: os.DirFS(dir), maxKept: maxContextBytes,
		dirs: map[string]dirResult{}, stats: map[string]statResult{}, lstats: map[string]statResult{},
		files: map[string]fileResult{}, links: map[string]linkResult{},
	}
}

// contextFS returns the build context for a file of the run: the view of
// dir shared with the run's other files, or nil (the optimizer then reads
// the directory itself) when the run writes or there is no directory.
func (r *runner) contextFS(dir string) fs.FS {
	if r.cfg.write || dir == "" || r.ctxs == nil {
		return nil
	}
	if c := r.ctxs.get(dir); c != nil {
		return c
	}
	return nil
}

// contexts are the contextFS of a run, by directory.
type contexts struct {
	mu   sync.Mutex
	byAt map[string]*contextFS
	// byName are the same by directory as named, which the run's files
	// of a directory share: looked up without asking the system for the
	// working directory, as filepath.Abs does.
	byName map[string]*contextFS
}

// get returns the shared view of dir (nil when dir is not a directory one
// can name absolutely).
func (c *contexts) get(dir string) *contextFS {
	c.mu.Lock()
	v, ok := c.byName[dir]
	c.mu.Unlock()
	if ok {
		return v
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byAt == nil {
		c.byAt, c.byName = map[string]*contextFS{}, map[string]*contextFS{}
	}
	v, ok = c.byAt[abs]
	if !ok {
		v = newContextFS(dir)
		c.byAt[abs] = v
	}
	c.byName[dir] = v
	return v
}

// Open is not kept: a file opened is read as a stream, often in part.
func (c *contextFS) Open(name string) (fs.File, error) { return c.base.Open(name) }

func (c *contextFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	r, ok := c.dirs[name]
	c.mu.Unlock()
	if !ok {
		entries, err := fs.ReadDir(c.base, name)
		for i, e := range entries {
			entries[i] = &keptEntry{DirEntry: e}
		}
		r = dirResult{entries, err}
		c.mu.Lock()
		c.dirs[name] = r
		c.mu.Unlock()
	}
	// The caller may reorder its slice; the entries are shared.
	return slices.Clone(r.entries), r.err
}

// keptEntry is a directory entry whose Info is read once.
type keptEntry struct {
	fs.DirEntry
	once sync.Once
	info fs.FileInfo
	err  error
}

func (e *keptEntry) Info() (fs.FileInfo, error) {
	e.once.Do(func() { e.info, e.err = e.DirEntry.Info() })
	return e.info, e.err
}

func (c *contextFS) Stat(name string) (fs.FileInfo, error) {
	return c.stat(c.stats, name, func() (fs.FileInfo, error) { return fs.Stat(c.base, name) })
}

func (c *contextFS) Lstat(name string) (fs.FileInfo, error) {
	return c.stat(c.lstats, name, func() (fs.FileInfo, error) { return fs.Lstat(c.base, name) })
}

func (c *contextFS) stat(m map[string]statResult, name string, read func() (fs.FileInfo, error)) (fs.FileInfo, error) {
	c.mu.Lock()
	r, ok := m[name]
	c.mu.Unlock()
	if !ok {
		info, err := read()
		r = statResult{info, err}
		c.mu.Lock()
		m[name] = r
		c.mu.Unlock()
	}
	return r.info, r.err
}

func (c *contextFS) ReadLink(name string) (string, error) {
	c.mu.Lock()
	r, ok := c.links[name]
	c.mu.Unlock()
	if !ok {
		target, err := fs.ReadLink(c.base, name)
		r = linkResult{target, err}
		c.mu.Lock()
		c.links[name] = r
		c.mu.Unlock()
	}
	return r.target, r.err
}

func (c *contextFS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	r, ok := c.files[name]
	c.mu.Unlock()
	if ok {
		return slices.Clone(r.data), r.err
	}
	data, err := fs.ReadFile(c.base, name)
	if len(data) <= maxContextFile {
		c.mu.Lock()
		if _, ok := c.files[name]; !ok && c.kept+len(data) <= c.maxKept {
			c.files[name] = fileResult{slices.Clone(data), err}
			c.kept += len(data)
		}
		c.mu.Unlock()
	}
	return data, err
}

var _ analysis.SharedFS = (*contextFS)(nil)
