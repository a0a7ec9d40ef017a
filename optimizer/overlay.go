package optimizer

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
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
		return &editedFile{editedInfo{name, int64(len(b))}, bytes.NewReader(b)}, nil
	}
	f, err := o.base.Open(name)
	if err != nil {
		return nil, err
	}
	// A directory lists what ReadDir lists: edited and new files too.
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return &overlayDir{File: f, o: o, name: name}, nil
	}
	return f, nil
}

// overlayDir is a directory of the context opened through the overlay.
type overlayDir struct {
	fs.File
	o       *overlay
	name    string
	entries []fs.DirEntry // nil until the first ReadDir
	read    bool
}

// ReadDir reads the directory as fs.ReadDirFile does, from the overlay's
// ReadDir.
func (d *overlayDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		entries, err := d.o.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = entries, true
	}
	if n <= 0 {
		rest := d.entries
		d.entries = nil
		return rest, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n:n]
	d.entries = d.entries[n:]
	return out, nil
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
		return editedInfo{name, int64(len(b))}, nil
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
	for i, e := range entries {
		seen[e.Name()] = true
		// An edited file: its entry describes the edited content.
		if f := path.Join(name, e.Name()); e.Type().IsRegular() {
			if b, ok := o.files[f]; ok {
				entries[i] = fs.FileInfoToDirEntry(editedInfo{f, int64(len(b))})
			}
		}
	}
	for f, b := range o.files {
		if path.Dir(f) != name || seen[path.Base(f)] {
			continue
		}
		entries = append(entries, fs.FileInfoToDirEntry(editedInfo{f, int64(len(b))}))
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

// editedInfo describes an edited file of the overlay: a regular file of
// mode 0644 and zero modification time.
type editedInfo struct {
	name string // the path in the context
	size int64
}

func (i editedInfo) Name() string       { return path.Base(i.name) }
func (i editedInfo) Size() int64        { return i.size }
func (i editedInfo) Mode() fs.FileMode  { return 0o644 }
func (i editedInfo) ModTime() time.Time { return time.Time{} }
func (i editedInfo) IsDir() bool        { return false }
func (i editedInfo) Sys() any           { return nil }

// editedFile is an edited file opened for reading.
type editedFile struct {
	info editedInfo
	r    *bytes.Reader
}

func (f *editedFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *editedFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *editedFile) Close() error               { return nil }

// Seek and ReadAt as fs.File implementations commonly offer them.
func (f *editedFile) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }
func (f *editedFile) ReadAt(p []byte, off int64) (int, error)   { return f.r.ReadAt(p, off) }

var (
	_ io.ReadSeeker  = (*editedFile)(nil)
	_ fs.ReadDirFile = (*overlayDir)(nil)
)
