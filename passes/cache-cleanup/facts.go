package cachecleanup

import (
	"path"
	"strings"
	"weak"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// What cache-cleanup needs to know about a RUN and the state it leaves
// behind.

// runFacts is what one RUN does with package managers.
type runFacts struct {
	r *runs.Run
	// mounts are the targets of every --mount of the RUN (cache, bind,
	// secret, tmpfs, ssh): what lies there is not in the image, and rm -rf
	// may fail on it. cacheMounts are those of type=cache.
	mounts, cacheMounts []string
	cmds                []*shellparse.Command

	aptUpdate bool
	// aptUse is the source offset of a command that reads apt's lists
	// before the RUN's own apt-get update (or without one), or -1.
	// apkUse: the same for apk's index.
	aptUse, apkUse int
	// assigned holds the variables the program sets or unsets anywhere
	// (also in subshells, as command prefixes and through env).
	assigned map[string]bool
	// globs: a * in an appended rm -rf expands as in sh (not under zsh,
	// where a glob that matches nothing is an error, nor after shopt,
	// which may turn on failglob or nullglob).
	globs bool
	// rmFound: `rm` at the end of the RUN is the rm utility (no function
	// of that name, no PATH set without $PATH).
	rmFound bool
	// user is the user the RUN runs as.
	user stages.User
	// bindWork is the target of a bind mount the RUN works in (its
	// WORKDIR, or a cd into it), or "": what an install writes there is
	// thrown away, so the caches it fills are all it leaves in the image
	// ("warm the cache" RUNs).
	bindWork string
}

// factsTable gives the facts of the RUNs of a document, computed when
// asked for. It holds them (and the syntax trees they point into) only
// weakly: the facts of every RUN of a large file are not all kept while
// the pass goes through it, only those that something uses; asked again
// after the garbage collector took them back, it computes them again,
// from the same text to the same facts.
type factsTable struct {
	doc *dockerfile.Document
	m   map[*dockerfile.Instruction]*factsEntry
	// The pass is at instruction index pos (see at). The facts of the
	// next pinAhead instructions are held strongly once computed (the
	// walk of apt's lists reads a few RUNs ahead): the pass asks for them
	// again soon.
	pos    int
	pinned map[*dockerfile.Instruction]*runFacts
}

const pinAhead = 64

type factsEntry struct {
	none bool // the RUN's shell cannot be read (or it is no RUN)
	f    weak.Pointer[runFacts]
}

func newFactsTable(doc *dockerfile.Document) *factsTable {
	return &factsTable{doc: doc, m: map[*dockerfile.Instruction]*factsEntry{},
		pinned: map[*dockerfile.Instruction]*runFacts{}}
}

// at is get for the instruction the pass goes on to: the facts of those
// before it are no longer held.
func (t *factsTable) at(ins *dockerfile.Instruction) *runFacts {
	t.pos = ins.Index
	for p := range t.pinned {
		if p.Index < ins.Index {
			delete(t.pinned, p)
		}
	}
	return t.get(ins)
}

// get returns the facts of the instruction ins, or nil when it is not a
// RUN whose shell can be read.
func (t *factsTable) get(ins *dockerfile.Instruction) *runFacts {
	e := t.m[ins]
	if e == nil {
		e = &factsEntry{}
		t.m[ins] = e
	}
	if e.none {
		return nil
	}
	if f := t.pinned[ins]; f != nil {
		return f
	}
	if f := e.f.Value(); f != nil {
		return f
	}
	r := readRun(t.doc, ins)
	if r == nil {
		e.none = true
		return nil
	}
	f := collectFacts(r)
	e.f = weak.Make(f)
	if d := ins.Index - t.pos; d >= 0 && d <= pinAhead {
		t.pinned[ins] = f
	}
	return f
}

func collectFacts(r *runs.Run) *runFacts {
	f := &runFacts{r: r, cacheMounts: runs.CacheMounts(r.Ins), mounts: runs.MountTargets(r.Ins), cmds: r.Commands(),
		assigned: assignedVars(r.Prog), globs: true, rmFound: true, user: stages.UserAt(r.Ins)}
	for _, c := range f.cmds {
		switch {
		case c.Name == "apt-get" || c.Name == "apt":
			if s, _ := c.Subcommand(pkgmgr.AptValueOptions...); s == "update" {
				f.aptUpdate = true
			}
		case c.Name == "shopt" || c.Name == "setopt":
			f.globs = false
		}
		for _, a := range c.Assigns {
			if a.Name != nil {
				f.assigned[a.Name.Value] = true
			}
		}
	}
	if sh := r.Ins.Shell(); len(sh) > 0 && strings.HasSuffix(strings.ToLower(sh[0]), "zsh") {
		f.globs = false
	}
	if r.IsScript() {
		scriptFacts(f)
	}
	if p := f.assigned["PATH"]; p && !pathKeepsPath(r.Prog) {
		f.rmFound = false
	}
	if f.assigned["function rm"] {
		f.rmFound = false
	}
	f.bindWork = bindWork(r, f.cmds)
	f.aptUse, f.apkUse = -1, -1
	if strings.Contains(r.Prog.Src, "apt") && !runs.Covers(f.cacheMounts, "/var/lib/apt/lists") {
		if at := usesBeforeUpdate(r.Prog, pkgmgr.AptReadsLists, pkgmgr.AptUpdates); at >= 0 {
			f.aptUse = r.Src(at)
		}
	}
	if strings.Contains(r.Prog.Src, "apk") && !runs.Covers(f.cacheMounts, "/var/cache/apk", "/etc/apk/cache") {
		reads := func(c *shellparse.Command) bool {
			return pkgmgr.ApkReadsIndex(c) || pkgmgr.ApkRunBy(c, r.Prog.Text(c.Call))
		}
		if at := usesBeforeUpdate(r.Prog, reads, pkgmgr.ApkUpdates); at >= 0 {
			f.apkUse = r.Src(at)
		}
	}
	return f
}

// bindWork returns the target of a bind mount that the RUN's WORKDIR or a
// cd of the RUN is in, or "".
func bindWork(r *runs.Run, cmds []*shellparse.Command) string {
	mounts := runs.Mounts(r.Ins)
	if len(mounts) == 0 {
		return ""
	}
	wd, wdKnown := stages.KnownWorkdir(r.Ins)
	for _, m := range mounts {
		typ, typed := m.Get("type")
		bind, target := !typed || typ == "bind", m.Target()
		if !bind || target == "" {
			continue
		}
		if !path.IsAbs(target) {
			if !wdKnown {
				continue
			}
			target = path.Join(wd, target)
		}
		target = path.Clean(target)
		in := func(p string) bool { return p == target || strings.HasPrefix(p, target+"/") }
		if wdKnown && in(wd) {
			return target
		}
		for _, c := range cmds {
			if c.Name == "cd" && len(c.Lits) > 0 && c.Static[0] && path.IsAbs(c.Lits[0]) && in(path.Clean(c.Lits[0])) {
				return target
			}
		}
	}
	return ""
}

// assignedVars returns the names of the variables that the program assigns
// or unsets anywhere, and "function NAME" for the functions it defines.
func assignedVars(p *shellparse.Program) map[string]bool {
	out := map[string]bool{}
	shellparse.Walk(p.File, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.Assign:
			if x.Name != nil && !x.Naked {
				out[x.Name.Value] = true
			}
		case *syntax.ForClause:
			if it, ok := x.Loop.(*syntax.WordIter); ok {
				out[it.Name.Value] = true
			}
		case *syntax.CallExpr:
			if len(x.Args) == 0 {
				return true
			}
			switch x.Args[0].Lit() {
			case "unset", "read", "getopts", "sudo", "env", "command", "builtin":
				if c := shellparse.Resolve(x); c.Name == "unset" || c.Name == "read" || c.Name == "getopts" {
					for i, v := range c.Lits {
						if c.Static[i] && !strings.HasPrefix(v, "-") {
							out[v] = true
						}
					}
				}
			}
		case *syntax.FuncDecl:
			if x.Name != nil {
				out["function "+x.Name.Value] = true
			}
		}
		return true
	})
	return out
}

// pathKeepsPath reports whether every assignment of PATH in the program
// keeps the earlier value ($PATH or ${PATH} in it), so that rm is still
// found.
func pathKeepsPath(p *shellparse.Program) bool {
	ok := true
	shellparse.Walk(p.File, func(n syntax.Node) bool {
		if a, isAssign := n.(*syntax.Assign); isAssign && a.Name != nil && a.Name.Value == "PATH" && !a.Naked {
			if a.Value == nil || !strings.Contains(p.Text(a.Value), "PATH") {
				ok = false
			}
		}
		return true
	})
	return ok
}

// cleans reports whether the RUN removes one of paths after command after
// (an absolute path, or "~/rel" below the home directory home) with rm or
// find: an
// argument that names it, a directory above it or something inside it
// (globs allowed), with ~, $HOME or ${HOME} standing for the home
// directory. An argument that cannot be read counts when it contains one
// of markers.
func (f *runFacts) cleans(after *shellparse.Command, home string, paths []string, markers ...string) bool {
	for _, c := range f.cmds {
		if c.Name != "rm" && c.Name != "find" && c.Name != "rmdir" || !runsAfter(c, after) {
			continue
		}
		for i, w := range c.Args {
			raw := f.r.Prog.Text(w)
			if !c.Static[i] {
				norm := homeWord(raw, home)
				if norm != "" && !strings.ContainsAny(norm, "$`") {
					if coversAny(norm, paths, home) {
						return true
					}
					continue
				}
				for _, m := range markers {
					if strings.Contains(raw, m) {
						return true
					}
				}
				continue
			}
			v := c.Lits[i]
			if strings.HasPrefix(v, "~") {
				v = "~" + strings.TrimPrefix(v, "~")
			}
			if coversAny(v, paths, home) {
				return true
			}
		}
	}
	return false
}

// homeWord rewrites a word that starts with $HOME, ${HOME} or "$HOME"
// (quotes removed) as ~/..., or returns "".
func homeWord(raw, home string) string {
	s := strings.NewReplacer(`"`, "", `'`, "").Replace(raw)
	for _, p := range []string{"${HOME}", "$HOME"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return "~" + rest
		}
	}
	return ""
}

// coversAny reports whether the rm argument arg names one of paths, a
// directory above one or something below one.
func coversAny(arg string, paths []string, home string) bool {
	arg = strings.TrimRight(arg, "/")
	if arg == "" {
		return false
	}
	var forms []string
	if strings.HasPrefix(arg, "~") {
		forms = append(forms, arg)
		if strings.HasPrefix(home, "/") {
			forms = append(forms, home+strings.TrimPrefix(arg, "~"))
		}
	} else {
		forms = append(forms, arg)
	}
	for _, p := range paths {
		p = strings.TrimRight(p, "/")
		cands := []string{p}
		if rel, ok := strings.CutPrefix(p, "~/"); ok && strings.HasPrefix(home, "/") {
			cands = append(cands, path.Join(home, rel))
		}
		for _, a := range forms {
			for _, c := range cands {
				if stages.PathsOverlap(a, c) {
					return true
				}
			}
		}
	}
	return false
}

// runsAfter reports whether command c comes after command after in the
// program's text (which is the order they run in, loops aside).
func runsAfter(c, after *shellparse.Command) bool {
	return after == nil || c.Call.Pos().Offset() > after.Call.Pos().Offset()
}
