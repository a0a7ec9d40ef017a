// Package buildcontext is the build context as the builder sends it: the
// files of the context directory less those its ignore file excludes, with
// the ignore file chosen as BuildKit chooses it (NAME.dockerignore next to
// a Dockerfile NAME, else .dockerignore) and matched with BuildKit's own
// patternmatcher.
package buildcontext

import (
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/analysis"
)

// View is the build context as the builder sends it: the files of
// ctx.BuildContext less those its ignore file excludes.
type View struct {
	// FS is the whole context, ignored files included.
	FS fs.FS
	// Ignore is the ignore file in effect.
	Ignore *Ignore
}

// Of returns the view of the context, or nil when the pass has no context
// or the builder would refuse its ignore file (it cannot be read, or does
// not parse).
func Of(ctx *analysis.Context) *View {
	ig := IgnoreOf(ctx)
	if ig == nil || ig.Err != nil {
		return nil
	}
	return &View{FS: ctx.BuildContext, Ignore: ig}
}

// IgnoreFileNames lists the ignore files the builder looks for, in order of
// preference, as context paths: NAME.dockerignore next to the Dockerfile
// (when the Dockerfile is inside the context directory, or, with no
// directory known, at the context root), then .dockerignore.
func IgnoreFileNames(ctx *analysis.Context) []string {
	switch base := path.Base(strings.ReplaceAll(ctx.Doc.Name, "\\", "/")); base {
	case "", ".", "/", "-", "<stdin>":
		return []string{".dockerignore"}
	}
	if sp := SelfPath(ctx); sp != "" {
		return []string{sp + ".dockerignore", ".dockerignore"}
	}
	// The Dockerfile is outside the context: its own ignore file is not a
	// context path.
	return []string{".dockerignore"}
}

// Clean makes a context path relative to the context root as the builder
// reads it: ".." does not leave the root, and the root itself is "".
func Clean(p string) string {
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

// Ignored reports whether the ignore file excludes a path (slash-separated,
// relative to the context root): the builder does not send what is below
// an excluded directory unless an exception brings it back.
func (v *View) Ignored(p string) bool { return v.Ignore.Excluded(p) }

// Stat returns a path's info when the builder sends it.
func (v *View) Stat(p string) (fs.FileInfo, bool) {
	p = Clean(p)
	if p == "" {
		p = "."
	}
	if v.Ignored(p) {
		return nil, false
	}
	fi, err := fs.Stat(v.FS, p)
	if err != nil {
		return nil, false
	}
	return fi, true
}

// ReadFile returns a regular file's content when the builder sends it.
func (v *View) ReadFile(p string) ([]byte, bool) {
	fi, ok := v.Stat(p)
	if !ok || !fi.Mode().IsRegular() {
		return nil, false
	}
	data, err := fs.ReadFile(v.FS, Clean(p))
	return data, err == nil
}

// ReadHead returns up to n bytes from the start of a regular file that the
// builder sends, without reading the rest (a file's #! line).
func (v *View) ReadHead(p string, n int) ([]byte, bool) {
	fi, ok := v.Stat(p)
	if !ok || !fi.Mode().IsRegular() {
		return nil, false
	}
	f, err := v.FS.Open(Clean(p))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, false
	}
	return buf[:m], true
}

// List returns the names in a directory that the builder sends.
func (v *View) List(dir string) []string {
	dir = Clean(dir)
	if dir == "" {
		dir = "."
	}
	entries, err := fs.ReadDir(v.FS, dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !v.Ignored(path.Join(dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	return out
}

// SelfPath is the Dockerfile's path in the context ("" when outside it).
func SelfPath(ctx *analysis.Context) string {
	if ctx.ContextDir == "" {
		return path.Base(strings.ReplaceAll(ctx.Doc.Name, "\\", "/"))
	}
	// The passes ask in every round; making the paths absolute asks the
	// system for the working directory each time.
	key := "buildcontext.SelfPath\x00" + ctx.ContextDir + "\x00" + ctx.Doc.Name
	return ctx.Memo(key, func() any { return selfPath(ctx.ContextDir, ctx.Doc.Name) }).(string)
}

func selfPath(contextDir, name string) string {
	absC, err1 := filepath.Abs(contextDir)
	absD, err2 := filepath.Abs(name)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(absC, absD)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(rel)
}
