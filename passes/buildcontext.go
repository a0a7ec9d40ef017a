package passes

import (
	"bytes"
	"io/fs"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// contextView is the build context as the builder sends it: the files of
// ctx.BuildContext less those its ignore file excludes.
type contextView struct {
	fsys fs.FS
	// ignoreFile is the ignore file in effect ("" when there is none):
	// NAME.dockerignore next to a Dockerfile NAME in the context root wins
	// over .dockerignore, as with BuildKit.
	ignoreFile string
	pm         *patternmatcher.PatternMatcher
}

// buildContext returns the view of the context, or nil when the pass has
// no context (or the ignore file does not parse).
func buildContext(ctx *analysis.Context) *contextView {
	if ctx.BuildContext == nil {
		return nil
	}
	v := &contextView{fsys: ctx.BuildContext}
	for _, name := range ignoreFileNames(ctx) {
		data, err := fs.ReadFile(ctx.BuildContext, name)
		if err != nil {
			continue
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil {
			return nil
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil
		}
		v.ignoreFile, v.pm = name, pm
		break
	}
	return v
}

// ignoreFileNames lists the ignore files the builder looks for, in order of
// preference, as context paths: NAME.dockerignore next to the Dockerfile
// (when the Dockerfile is inside the context directory, or, with no
// directory known, at the context root), then .dockerignore.
func ignoreFileNames(ctx *analysis.Context) []string {
	switch base := path.Base(strings.ReplaceAll(ctx.Doc.Name, "\\", "/")); base {
	case "", ".", "/", "-", "<stdin>":
		return []string{".dockerignore"}
	}
	if sp := selfPath(ctx); sp != "" {
		return []string{sp + ".dockerignore", ".dockerignore"}
	}
	// The Dockerfile is outside the context: its own ignore file is not a
	// context path.
	return []string{".dockerignore"}
}

// clean makes a context path relative to the context root ("" for a path
// that leaves it).
func cleanContextPath(p string) string {
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

// ignored reports whether the ignore file excludes a path (slash-separated,
// relative to the context root).
func (v *contextView) ignored(p string) bool {
	if v.pm == nil || p == "" || p == "." {
		return false
	}
	// A path is excluded when it or a parent directory is: the builder
	// does not send what is below an excluded directory unless an
	// exception brings it back, which MatchesOrParentMatches handles.
	ok, err := v.pm.MatchesOrParentMatches(p)
	return err == nil && ok
}

// stat returns a path's info when the builder sends it.
func (v *contextView) stat(p string) (fs.FileInfo, bool) {
	p = cleanContextPath(p)
	if p == "" {
		p = "."
	}
	if v.ignored(p) {
		return nil, false
	}
	fi, err := fs.Stat(v.fsys, p)
	if err != nil {
		return nil, false
	}
	return fi, true
}

// readFile returns a regular file's content when the builder sends it.
func (v *contextView) readFile(p string) ([]byte, bool) {
	fi, ok := v.stat(p)
	if !ok || !fi.Mode().IsRegular() {
		return nil, false
	}
	data, err := fs.ReadFile(v.fsys, cleanContextPath(p))
	return data, err == nil
}

// list returns the names in a directory that the builder sends.
func (v *contextView) list(dir string) []string {
	dir = cleanContextPath(dir)
	if dir == "" {
		dir = "."
	}
	entries, err := fs.ReadDir(v.fsys, dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !v.ignored(path.Join(dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	return out
}
