package stages

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// UnknownWorkdir stands for a working directory the Dockerfile does not
// tell (the base image sets it): WorkdirAt gives it, followed by what
// relative WORKDIRs added ("/?wd/app"). It is never equal to, nor below,
// a real path.
const UnknownWorkdir = "/?wd"

// WorkdirAt returns the working directory at an instruction, following
// WORKDIR in its stage and the stages it derives from: "/" in a stage chain
// built on scratch, below UnknownWorkdir when the base image sets it, ""
// when it cannot be known (a variable or quotes), until an absolute
// WORKDIR.
func WorkdirAt(ins *dockerfile.Instruction) string {
	if ins.Stage == nil {
		return UnknownWorkdir
	}
	return stateAt(ins).workdir
}

// initialWorkdir is the working directory a stage chain starts in: "/" on
// scratch, else the base image's (not known).
func initialWorkdir(st *dockerfile.Stage) string {
	if strings.ToLower(RootImage(st)) == "scratch" {
		return "/"
	}
	return UnknownWorkdir
}

// afterWorkdir is the working directory after the WORKDIR instruction ins
// when it was wd.
func afterWorkdir(wd string, ins *dockerfile.Instruction) string {
	if len(ins.Args) != 1 {
		return wd
	}
	arg := ins.Args[0]
	if strings.ContainsAny(arg, "$\"'\\`") {
		return ""
	}
	return JoinDir(wd, arg)
}

// KnownWorkdir is the working directory at an instruction when the
// Dockerfile tells it.
func KnownWorkdir(ins *dockerfile.Instruction) (string, bool) {
	wd := WorkdirAt(ins)
	if wd == "" || strings.HasPrefix(wd, UnknownWorkdir) {
		return "", false
	}
	return wd, true
}

// JoinDir resolves the image path p against the directory dir ("" when
// the result is not known).
func JoinDir(dir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if dir == "" {
		return ""
	}
	if strings.HasPrefix(dir, UnknownWorkdir) && strings.Contains(p, "..") {
		return ""
	}
	return path.Join(dir, p)
}

// Under reports whether the image path p is dir or below it (both clean
// absolute paths; false when either is unknown, "").
func Under(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// PathsOverlap reports whether the path pattern a (globs allowed) names b,
// a directory above b, or something below b. Absolute paths, paths below
// "~" and relative paths are not compared with one another.
func PathsOverlap(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	if as[0] != bs[0] {
		return false // absolute, below ~, or relative: not comparable
	}
	n := min(len(as), len(bs))
	for i := 1; i < n; i++ {
		if ok, _ := path.Match(as[i], bs[i]); !ok && as[i] != bs[i] {
			return false
		}
	}
	return true
}
