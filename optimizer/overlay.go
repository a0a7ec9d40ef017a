package optimizer

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"testing/fstest"
	"time"
)

// overlay is the build context as the accepted fixes leave it: the files
// they edited, over the real context. Passes of later rounds read it, so a
// fix to a context file is not proposed twice.
//
// A file's content is read from the context once and kept: every pass
// that reads it whole, the check of a fix's edits and the edits themselves
// see the same version,
// even if another program changes the file meanwhile (FileChange.Input is
// then what dfopt read, and a writer can tell that the file changed).
type overlay struct {
	base  fs.FS
	orig  map[string][]byte // content before the first edit (nil: did not exist)
	files map[string][]byte // current content of edited files
	read  map[string]readResult
}

// readResult is a file as first read from the context.
type readResult struct {
	data []byte
	err  error
}

func newOverlay(base fs.FS) *overlay {
	return &overlay{base: base, orig: map[string][]byte{}, files: map[string][]byte{}, read: map[string]readResult{}}
}

// readBase reads a file of the context, once.
func (o *overlay) readBase(name string) ([]byte, error) {
	if r, ok := o.read[name]; ok {
		return r.data, r.err
	}
	b, err := fs.ReadFile(o.base, name)
	if err == nil && b == nil {
		b = []byte{}
	}
	o.read[name] = readResult{b, err}
	return b, err
}

// content is the current content of a file, empty when it does not exist
// or is not a regular file.
func (o *overlay) content(name string) []byte {
	if b, ok := o.files[name]; ok {
		return b
	}
	b, err := o.readBase(name)
	if err != nil {
		return nil
	}
	return b
}

func (o *overlay) set(name string, b []byte) {
	if _, ok := o.files[name]; !ok {
		old, err := o.readBase(name)
		if err != nil {
			old = nil
		}
		o.orig[name] = old
	}
	o.files[name] = b
}

// changes lists the files whose content differs from the original, in
// path order.
func (o *overlay) changes() []FileChange {
	var out []FileChange
	for name, b := range o.files {
		old := o.orig[name]
		if old != nil && string(old) == string(b) {
			continue
		}
		out = append(out, FileChange{Path: name, Existed: old != nil, Input: old, Output: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (o *overlay) Open(name string) (fs.File, error) {
	if b, ok := o.files[name]; ok {
		return fstest.MapFS{name: &fstest.MapFile{Data: b, Mode: 0o644, ModTime: time.Time{}}}.Open(name)
	}
	// A directory opened here does not list new files; fs.ReadDir and
	// fs.WalkDir use ReadDir, which does.
	return o.base.Open(name)
}

// hasNewBelow reports whether an edited file lies below the directory name.
func (o *overlay) hasNewBelow(name string) bool {
	for f := range o.files {
		if name == "." || strings.HasPrefix(f, name+"/") {
			return true
		}
	}
	return false
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if b, ok := o.files[name]; ok {
		return fstest.MapFS{name: &fstest.MapFile{Data: b, Mode: 0o644}}.Stat(name)
	}
	return fs.Stat(o.base, name)
}

func (o *overlay) ReadFile(name string) ([]byte, error) {
	if b, ok := o.files[name]; ok {
		return slices.Clone(b), nil
	}
	b, err := o.readBase(name)
	return slices.Clone(b), err
}

func (o *overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.base, name)
	if err != nil && !o.hasNewBelow(name) {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name()] = true
	}
	for f, b := range o.files {
		if path.Dir(f) != name || seen[path.Base(f)] {
			continue
		}
		info, _ := fstest.MapFS{f: &fstest.MapFile{Data: b, Mode: 0o644}}.Stat(f)
		entries = append(entries, fs.FileInfoToDirEntry(info))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, nil
}

// ReadLink and Lstat pass through to the context (edited files are regular
// files), so that passes can see symbolic links.
func (o *overlay) ReadLink(name string) (string, error) {
	if _, ok := o.files[name]; ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return fs.ReadLink(o.base, name)
}

func (o *overlay) Lstat(name string) (fs.FileInfo, error) {
	if _, ok := o.files[name]; ok {
		return o.Stat(name)
	}
	return fs.Lstat(o.base, name)
}
