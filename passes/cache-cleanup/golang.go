package cachecleanup

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/stages"
)

// golang removes Go's build cache after the commands that fill it (see
// pkgmgr.GoBuilds). The module cache stays: later builds read it, and a
// build that must work offline needs it.
func (cl *cleaner) golang() {
	f, ins := cl.f, cl.r.Ins
	if !strings.Contains(cl.r.Prog.Src, "go") {
		return
	}
	if name, tag, ok := stages.ImageTag(stages.RootImage(ins.Stage)); ok && pkgmgr.GoWithoutBuildCache(name, tag) {
		return // Go before 1.10: no build cache
	}
	for _, c := range f.cmds {
		s, ok := pkgmgr.GoBuilds(c)
		if !ok || pkgmgr.OtherUser(c) {
			continue
		}
		if cl.hasAfter(c, pkgmgr.GoCleansCache) ||
			f.cleans(c, f.user.Home, append(goCacheDirs(ins), "~/"+pkgmgr.GoBuildCache), "go-build", "GOCACHE") {
			continue // cleaned already
		}
		if mounted(f.mounts, append(goCacheDirs(ins), pkgmgr.InHome(pkgmgr.HomeVar, pkgmgr.GoBuildCache))) {
			continue // a mount over the cache: not in the image
		}
		msg := "go " + s + " leaves its build cache in the layer"
		switch {
		case f.assigned["GOCACHE"] || f.assigned["XDG_CACHE_HOME"] || f.assigned["GOENV"]:
			cl.decline(c, msg, "the RUN sets GOCACHE, XDG_CACHE_HOME or GOENV")
			continue
		case strings.Contains(cl.r.Prog.Src, "GOCACHE"):
			cl.decline(c, msg, "the RUN names GOCACHE")
			continue
		case stages.EnvAt(ins, "GOENV").Set || stages.Marked(ins, "go env -w GOCACHE", func(other *dockerfile.Instruction) bool {
			return other.Cmd == "run" && strings.Contains(other.Text, "GOCACHE") && strings.Contains(other.Text, "-w")
		}):
			// go env -w GOCACHE=... writes it to the go env file.
			cl.decline(c, msg, "an earlier RUN may set GOCACHE with go env -w, or GOENV is set")
			continue
		}
		cl.userCache(c, msg, func(homes []string, root bool) ([]string, []string, string) {
			dir, why := goCacheDir(ins)
			switch {
			case why != "":
				return nil, nil, why
			case dir == "":
				paths, removes := inHomes(homes, pkgmgr.GoBuildCache)
				return paths, removes, ""
			case slices.ContainsFunc(homes, func(h string) bool { return stages.Under(h, dir) }):
				return nil, nil, "GOCACHE is the home directory or a directory above it"
			case !root && !underHomes(dir, homes):
				return nil, nil, "the RUN does not run as root, and " + dir + " may hold root's files"
			}
			return []string{dir}, []string{dir}, ""
		}, func() (int, string) {
			return cl.later.afterWhat(ins, "reads GOCACHE or builds with go", func(other *dockerfile.Instruction, of *runFacts) (int, string) {
				if runs.MayHold(other, "go") {
					if of == nil || of.r == nil {
						// A program that cannot be read may build with go.
						return other.Span.Start, "may build with go, from the build cache this RUN fills"
					}
					for _, oc := range of.cmds {
						if _, ok := pkgmgr.GoBuilds(oc); ok {
							// Compiling dependencies ahead of the
							// sources (before a COPY that changes
							// often) is done for this cache: without
							// it every later build compiles them again.
							return other.Span.Start, "builds with go again, from the build cache this RUN fills"
						}
					}
				}
				if strings.Contains(other.Text, "GOCACHE") || strings.Contains(other.Text, "go-build") {
					return other.Span.Start, "names the build cache"
				}
				return -1, ""
			})
		})
	}
}

// goCacheDir returns the build cache set for the RUN ins by GOCACHE or
// XDG_CACHE_HOME (ENV or ARG in the stage chain, or a known base image),
// "" when neither is set (the cache is below the home directory), or why
// it cannot be told.
func goCacheDir(ins *dockerfile.Instruction) (dir, why string) {
	if v := stages.EnvAt(ins, "GOCACHE"); v.Set {
		if !v.Known || !path.IsAbs(v.Value) || path.Clean(v.Value) == "/" {
			return "", "GOCACHE is set to a value dfopt cannot read"
		}
		return path.Clean(v.Value), ""
	}
	if v := stages.EnvAt(ins, "XDG_CACHE_HOME"); v.Set {
		if !v.Known || !path.IsAbs(v.Value) {
			return "", "XDG_CACHE_HOME is set to a value dfopt cannot read"
		}
		return path.Join(v.Value, "go-build"), ""
	}
	return "", ""
}

// goCacheDirs are the places whose removal after a go build counts as a
// cleanup, besides the cache below the home directory.
func goCacheDirs(ins *dockerfile.Instruction) []string {
	if dir, _ := goCacheDir(ins); dir != "" {
		return []string{dir}
	}
	return nil
}
