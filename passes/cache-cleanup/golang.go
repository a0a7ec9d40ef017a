package cachecleanup

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
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
		runDir, runSet, runWhy := cl.runGoCache(c)
		dirs := goCacheDirs(ins)
		if runSet && runWhy == "" {
			dirs = []string{runDir}
		}
		if cl.hasAfter(c, pkgmgr.GoCleansCache) ||
			f.cleans(c, f.user.Home, append(dirs, "~/"+pkgmgr.GoBuildCache), "go-build", "GOCACHE") {
			continue // cleaned already
		}
		if runSet && runWhy == "" && mounted(f.mounts, dirs) ||
			!runSet && mounted(f.mounts, append(dirs, pkgmgr.InHome(pkgmgr.HomeVar, pkgmgr.GoBuildCache))) {
			continue // a mount over the cache: not in the image
		}
		msg := "go " + s + " leaves its build cache in the layer"
		switch {
		case runWhy != "":
			cl.decline(c, msg, runWhy)
			continue
		case runSet:
			// GOCACHE in the environment wins over XDG_CACHE_HOME and
			// over what go env -w wrote to the go env file.
		case f.assigned["XDG_CACHE_HOME"] || f.assigned["GOENV"]:
			cl.decline(c, msg, "the RUN sets XDG_CACHE_HOME or GOENV")
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
			if runSet {
				dir = runDir
			}
			switch {
			case why != "":
				return nil, nil, why
			case dir == "":
				paths, removes := inHomes(homes, pkgmgr.GoBuildCache)
				return paths, removes, ""
			case slices.ContainsFunc(homes, func(h string) bool { return stages.Under(h, dir) }):
				return nil, nil, "GOCACHE is the home directory or a directory above it"
			case systemDirs.Get()[dir] || path.Dir(dir) == "/etc" || path.Dir(dir) == "/home":
				return nil, nil, "GOCACHE is " + dir + ", a directory of the base image that holds more than the build cache"
			case !root && !underHomes(dir, homes):
				return nil, nil, "the RUN does not run as root, and " + dir + " may hold root's files"
			}
			if why := cl.goCacheHolds(dir); why != "" {
				return nil, nil, why
			}
			return []string{dir}, []string{dir}, ""
		}, func() (int, string) {
			// A later RUN that names the directory (cp -r /tmp/gocache
			// /out) would fail or copy nothing without it.
			dir, _ := goCacheDir(ins)
			if runSet {
				dir = runDir
			}
			return cl.later.afterWhat(ins, "reads GOCACHE or builds with go|"+dir, func(other *dockerfile.Instruction, of *runFacts) (int, string) {
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
				if dir != "" && (runs.MayHold(other, dir) || namesBase(other, dir)) {
					// A relative path reaches it too: tar -C /tmp -czf
					// /out/gc.tgz gc, or gc below WORKDIR /tmp.
					return other.Span.Start, "may name the build cache (" + dir + ")"
				}
				return -1, ""
			})
		})
	}
}

// runGoCache returns the build cache that the RUN sets for the go command
// c with GOCACHE: as a prefix of c (GOCACHE=/x go build, env GOCACHE=/x
// go build), or with export GOCACHE=/x at the top of the RUN before c (a
// statement of its own, the first of an && list, or earlier in c's own &&
// list). set is false when the RUN does not set it for c (the stage's
// GOCACHE holds); why says why it cannot be told: GOCACHE named anywhere
// else in the RUN (a plain assignment, unset, an export in a condition,
// $GOCACHE, a prefix of another command), a value that is not a fixed
// absolute path below /, an export that may not have run, functions
// (whose commands run where they are called), sudo, doas or env between
// the shell and go.
func (cl *cleaner) runGoCache(c *shellparse.Command) (dir string, set bool, why string) {
	prog := cl.r.Prog
	n := strings.Count(prog.Src, "GOCACHE")
	if n == 0 {
		return "", false, ""
	}
	exports := goCacheExports(prog.File)
	seen := len(exports)
	for _, oc := range cl.f.cmds {
		if _, ok := pkgmgr.GoBuilds(oc); ok {
			for _, as := range oc.Assigns {
				if as.Name != nil && as.Name.Value == "GOCACHE" {
					seen++
				}
			}
		}
	}
	if seen != n {
		return "", true, "the RUN names GOCACHE"
	}
	var value *syntax.Word
	for _, as := range c.Assigns {
		if as.Name != nil && as.Name.Value == "GOCACHE" {
			set, value = true, as.Value
		}
	}
	if !set {
		at := shellparse.Offset(c.Call.Pos())
		for _, e := range exports {
			if e.end > at {
				break
			}
			if !e.first && (at < e.chainStart || at >= e.chainEnd) {
				return "", true, "an export of GOCACHE before it may not have run"
			}
			set, value = true, e.as.Value
		}
		if !set {
			return "", false, ""
		}
		for name := range cl.f.assigned {
			if strings.HasPrefix(name, "function ") {
				return "", true, "the RUN exports GOCACHE and defines functions"
			}
		}
		if c.HasWrapper("env") {
			return "", true, "the RUN exports GOCACHE, and env runs go"
		}
	}
	if c.HasWrapper("sudo") || c.HasWrapper("doas") {
		return "", true, "the RUN sets GOCACHE for a go run through sudo or doas, which may reset the environment"
	}
	v, ok := shellparse.Lit(value)
	if !ok || !path.IsAbs(v) || path.Clean(v) == "/" {
		return "", true, "the RUN sets GOCACHE to a value dfopt cannot read"
	}
	return path.Clean(v), true, ""
}

// goCacheHolds says why the directory dir that GOCACHE names may hold
// more than the build cache, or "": it is the working directory or above
// it, or the RUN names a path in it (go build -o /out/app with
// GOCACHE=/out) or cds into it or above it (relative paths may then
// land in it).
func (cl *cleaner) goCacheHolds(dir string) string {
	wd, wdKnown := stages.KnownWorkdir(cl.r.Ins)
	if wdKnown && stages.Under(wd, dir) {
		return "GOCACHE is the working directory or a directory above it"
	}
	for _, c := range cl.f.cmds {
		for i, v := range c.Lits {
			if !c.Static[i] {
				continue
			}
			if _, after, ok := strings.Cut(v, "="); ok && strings.HasPrefix(v, "-") {
				v = after
			}
			if !path.IsAbs(v) {
				// A relative path below the working directory
				// (go build -o .cache/app with WORKDIR /src and
				// GOCACHE=/src/.cache).
				if wdKnown && v != "" && !strings.HasPrefix(v, "-") && stages.Under(path.Join(wd, v), dir) {
					return "the RUN names " + v + ", in GOCACHE (" + dir + ") below the working directory " + wd
				}
				continue
			}
			switch v = path.Clean(v); {
			case (c.Name == "cd" || c.Name == "pushd") && stages.Under(dir, v):
				return "the RUN works in " + v + ", where relative paths may lead into GOCACHE (" + dir + ")"
			case stages.Under(v, dir):
				return "the RUN names " + v + ", in GOCACHE (" + dir + ")"
			}
		}
	}
	return ""
}

// goCacheExport is an export GOCACHE=VALUE at the top of a program.
type goCacheExport struct {
	as *syntax.Assign
	// end is the offset where the export ends; chainStart and chainEnd
	// are those of the && list it is in (its statement when alone).
	end, chainStart, chainEnd int
	// first: the export starts its && list, so it runs whenever the
	// statements after the list do.
	first bool
}

// goCacheExports returns the exports of GOCACHE with a value in the top
// statements of f and their && lists, in order.
func goCacheExports(f *syntax.File) []goCacheExport {
	var out []goCacheExport
	for _, top := range f.Stmts {
		start, end := shellparse.Span(top)
		for i, st := range andList(top) {
			d, ok := st.Cmd.(*syntax.DeclClause)
			if !ok || d.Variant == nil || d.Variant.Value != "export" || st.Negated || st.Background {
				continue
			}
			for _, as := range d.Args {
				if as.Name != nil && as.Name.Value == "GOCACHE" && !as.Naked {
					out = append(out, goCacheExport{as: as, end: shellparse.Offset(st.End()),
						chainStart: start, chainEnd: end, first: i == 0})
				}
			}
		}
	}
	return out
}

// andList returns the statements of the && list st, in order (st alone
// when it is not one).
func andList(st *syntax.Stmt) []*syntax.Stmt {
	b, ok := st.Cmd.(*syntax.BinaryCmd)
	if !ok || b.Op != syntax.AndStmt || st.Negated || st.Background || len(st.Redirs) > 0 {
		return []*syntax.Stmt{st}
	}
	return append(andList(b.X), andList(b.Y)...)
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

// systemDirs are directories of a base image that hold more than a build
// cache: GOCACHE=/var/tmp go build would have its removal take them.
var systemDirs = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"/usr/local": true, "/usr/share": true, "/usr/lib": true, "/usr/lib64": true, "/usr/libexec": true, "/usr/bin": true, "/usr/sbin": true,
		"/usr/src": true, "/usr/include": true, "/var/tmp": true, "/var/cache": true, "/var/lib": true, "/var/log": true, "/var/run": true,
		"/var/spool": true, "/var/mail": true, "/var/opt": true, "/var/local": true, "/var/backups": true, "/go/bin": true, "/go/pkg": true, "/go/src": true,
		"/usr/local/go": true, "/usr/local/bin": true, "/usr/local/lib": true, "/usr/local/share": true, "/usr/local/src": true,
	}
}}

// namesBase reports whether the RUN ins names the last component of dir
// as a word of its own (gc for /tmp/gc, as in tar -C /tmp -czf x.tgz gc
// or cp -r gc /out below WORKDIR /tmp).
func namesBase(ins *dockerfile.Instruction, dir string) bool {
	base := path.Base(dir)
	texts := []string{ins.Text}
	for _, h := range ins.Heredocs() {
		texts = append(texts, h.Content)
	}
	isWord := func(b byte) bool {
		return b == '_' || b == '-' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for _, t := range texts {
		for i := 0; ; {
			j := strings.Index(t[i:], base)
			if j < 0 {
				break
			}
			j += i
			end := j + len(base)
			if (j == 0 || !isWord(t[j-1])) && (end == len(t) || !isWord(t[end])) {
				return true
			}
			i = j + 1
		}
	}
	return false
}
