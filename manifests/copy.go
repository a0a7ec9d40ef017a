package manifests

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
)

// SourceCopy is a COPY of a context directory.
type SourceCopy struct {
	Ins     *dockerfile.Instruction
	Src     string // context path of the directory, "." for the root
	dest    string // absolute image path ("/?wd..." when relative to an unknown WORKDIR)
	relDest bool   // the destination was written relative to WORKDIR
	wd      string // WORKDIR at the COPY
	Flags   string // builder flags as written
}

// SourceCopyOf returns the COPY as a source copy, or nil.
func SourceCopyOf(ins *dockerfile.Instruction, cv *buildcontext.View) *SourceCopy {
	if ins.Cmd != "copy" || len(ins.Heredocs()) > 0 || len(ins.Args) != 2 {
		return nil
	}
	for _, f := range ins.Flags {
		name, _, _ := strings.Cut(f, "=")
		if name != "--chown" && name != "--chmod" && name != "--link" || strings.Contains(f, "$") {
			return nil
		}
	}
	src, dest := ins.Args[0], ins.Args[1]
	if !dockerfile.IsPlainPath(src) || !dockerfile.IsPlainPath(dest) {
		return nil
	}
	dir := buildcontext.Clean(src)
	switch {
	case dir == "":
		dir = "."
	case cv == nil:
		return nil
	default:
		if fi, ok := cv.Stat(dir); !ok || !fi.IsDir() {
			return nil
		}
	}
	wd := stages.WorkdirAt(ins)
	d := stages.JoinDir(wd, dest)
	if d == "" {
		return nil
	}
	flags := ""
	if kw := len(ins.Keyword()); kw <= ins.ArgsOffset && ins.ArgsOffset <= len(ins.Text) {
		flags = strings.TrimSpace(ins.Text[kw:ins.ArgsOffset])
	}
	if ins.JSON {
		flags = strings.Join(ins.Flags, " ")
	}
	return &SourceCopy{Ins: ins, Src: dir, dest: d, relDest: !path.IsAbs(dest), wd: wd, Flags: flags}
}

// toContext maps an image path to the context path the copy brings there.
func (sc *SourceCopy) toContext(p string) (string, bool) {
	if !stages.Under(p, sc.dest) {
		return "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, sc.dest), "/")
	return buildcontext.Clean(path.Join(sc.Src, rel)), true
}

// copiedBefore returns the image paths of files that COPYs of the stage before
// the instruction bring from the context, mapped to their context paths.
func copiedBefore(ins *dockerfile.Instruction) map[string]string {
	out := map[string]string{}
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd != "copy" || len(other.Heredocs()) > 0 || len(other.Args) < 2 {
			continue
		}
		fromCtx := true
		for _, f := range other.Flags {
			if strings.HasPrefix(f, "--from") || strings.HasPrefix(f, "--parents") || strings.HasPrefix(f, "--exclude") {
				fromCtx = false
			}
		}
		if !fromCtx {
			continue
		}
		dest := other.Args[len(other.Args)-1]
		srcs := other.Args[:len(other.Args)-1]
		wd := stages.WorkdirAt(other)
		dir := stages.JoinDir(wd, dest)
		if dir == "" || strings.Contains(dest, "$") {
			continue
		}
		asDir := strings.HasSuffix(dest, "/") || len(srcs) > 1 || dest == "." || dest == ".."
		for _, s := range srcs {
			if strings.ContainsAny(s, "*?[$") {
				continue
			}
			cp := buildcontext.Clean(s)
			if asDir {
				out[path.Join(dir, path.Base(cp))] = cp
			} else {
				out[dir] = cp
			}
		}
	}
	return out
}
