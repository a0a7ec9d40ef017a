package passes

import (
	"path"
	"regexp"
	"slices"
	"strings"

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
	// aptConsumes: the RUN reads apt's lists before its own apt-get
	// update (or has none). apkConsumes: the same for apk's index.
	aptConsumes, apkConsumes bool
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
	if sh := r.Ins.Shell; len(sh) > 0 && strings.HasSuffix(strings.ToLower(sh[0]), "zsh") {
		f.globs = false
	}
	if p := f.assigned["PATH"]; p && !pathKeepsPath(r.Prog) {
		f.rmFound = false
	}
	if f.assigned["function rm"] {
		f.rmFound = false
	}
	f.bindWork = bindWork(r, f.cmds)
	f.aptConsumes = strings.Contains(r.Prog.Src, "apt") && !runs.Covers(f.cacheMounts, "/var/lib/apt/lists") &&
		usesBeforeUpdate(r.Prog, pkgmgr.AptReadsLists, pkgmgr.AptUpdates)
	f.apkConsumes = strings.Contains(r.Prog.Src, "apk") && !runs.Covers(f.cacheMounts, "/var/cache/apk", "/etc/apk/cache") &&
		usesBeforeUpdate(r.Prog, pkgmgr.ApkReadsIndex, pkgmgr.ApkUpdates)
	return f
}

// bindWork returns the target of a bind mount that the RUN's WORKDIR or a
// cd of the RUN is in, or "".
func bindWork(r *runs.Run, cmds []*shellparse.Command) string {
	if !slices.ContainsFunc(r.Ins.Flags, func(fl string) bool { return strings.HasPrefix(fl, "--mount=") }) {
		return ""
	}
	wd, wdKnown := stages.KnownWorkdir(r.Ins)
	for _, fl := range r.Ins.Flags {
		v, ok := strings.CutPrefix(fl, "--mount=")
		if !ok {
			continue
		}
		bind, target := true, ""
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "type":
				bind = val == "bind"
			case "target", "dst", "destination":
				target = val
			}
		}
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
	syntax.Walk(p.File, func(n syntax.Node) bool {
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
	syntax.Walk(p.File, func(n syntax.Node) bool {
		if a, isAssign := n.(*syntax.Assign); isAssign && a.Name != nil && a.Name.Value == "PATH" && !a.Naked {
			if a.Value == nil || !strings.Contains(p.Text(a.Value), "PATH") {
				ok = false
			}
		}
		return true
	})
	return ok
}

// usesBeforeUpdate reports whether a command that reads an index (uses)
// may run, in the program's order of execution, before any command that
// writes it (updates) has run for sure: `apt-get install x && apt-get
// update && apt-get install y` uses the lists that an earlier RUN left.
func usesBeforeUpdate(p *shellparse.Program, uses, updates func(*shellparse.Command) bool) bool {
	w := &orderWalker{uses: uses, updates: updates}
	w.stmts(p.File.Stmts, false)
	return w.found
}

type orderWalker struct {
	uses, updates func(*shellparse.Command) bool
	found         bool
}

// stmts walks a list with the index written (updated) or not before it,
// and returns whether it is written for sure after it.
func (w *orderWalker) stmts(list []*syntax.Stmt, updated bool) bool {
	for _, s := range list {
		updated = w.stmt(s, updated)
	}
	return updated
}

func (w *orderWalker) stmt(s *syntax.Stmt, updated bool) bool {
	if s == nil {
		return updated
	}
	if s.Background || s.Coprocess {
		w.node(s.Cmd, updated)
		return updated
	}
	out := w.node(s.Cmd, updated)
	for _, r := range s.Redirs {
		w.words(r, updated)
	}
	return out
}

func (w *orderWalker) node(n syntax.Command, updated bool) bool {
	switch x := n.(type) {
	case *syntax.CallExpr:
		updated = w.words(x, updated)
		c := shellparse.Resolve(x)
		if w.uses(c) && !updated {
			w.found = true
		}
		return updated || w.updates(c)
	case *syntax.BinaryCmd:
		switch x.Op {
		case syntax.AndStmt:
			return w.stmt(x.Y, w.stmt(x.X, updated))
		case syntax.OrStmt:
			// Y runs only when X failed; either way X ran first.
			left := w.stmt(x.X, updated)
			w.stmt(x.Y, left)
			return left
		default: // pipelines run their parts at the same time
			w.stmt(x.X, updated)
			w.stmt(x.Y, updated)
			return updated
		}
	case *syntax.Block:
		return w.stmts(x.Stmts, updated)
	case *syntax.Subshell:
		return w.stmts(x.Stmts, updated)
	case *syntax.IfClause:
		cond := w.stmts(x.Cond, updated)
		then := w.stmts(x.Then, cond)
		els := cond
		if x.Else != nil {
			els = w.node(x.Else, cond)
		}
		return then && els
	case *syntax.WhileClause:
		cond := w.stmts(x.Cond, updated)
		w.stmts(x.Do, cond)
		return cond
	case *syntax.ForClause:
		w.stmts(x.Do, updated)
		return updated
	case *syntax.CaseClause:
		for _, item := range x.Items {
			w.stmts(item.Stmts, updated)
		}
		return updated
	case *syntax.FuncDecl:
		// A function body runs when it is called, in a state not known here.
		w.stmt(x.Body, false)
		return updated
	case *syntax.TimeClause:
		return w.stmt(x.Stmt, updated)
	case nil:
		return updated
	default:
		w.words(x, updated)
		return updated
	}
}

// words walks the command substitutions in n, which run first.
func (w *orderWalker) words(n syntax.Node, updated bool) bool {
	syntax.Walk(n, func(m syntax.Node) bool {
		switch x := m.(type) {
		case *syntax.CmdSubst:
			updated = w.stmts(x.Stmts, updated)
			return false
		case *syntax.ProcSubst:
			w.stmts(x.Stmts, updated)
			return false
		}
		return true
	})
	return updated
}

// uses finds, for a question about the instructions that read a cache,
// the first such instruction after a given one: in its stage, a stage
// built FROM it, or an ONBUILD. Each question scans the document once;
// answering it for every instruction then costs the number of instructions
// that read the cache, not the length of the file.
type uses struct {
	doc   *dockerfile.Document
	facts map[*dockerfile.Instruction]*runFacts
	memo  map[string][]*dockerfile.Instruction
}

// after returns the line of the first instruction after ins (see uses)
// for which use holds, or 0. key names the question: the same key must
// always come with the same use. use gets the facts of RUNs whose shell
// can be read, and nil with the instruction otherwise.
func (u *uses) after(ins *dockerfile.Instruction, key string, use func(other *dockerfile.Instruction, f *runFacts) bool) int {
	cands, ok := u.memo[key]
	if !ok {
		for _, other := range u.doc.Instructions {
			if other.Cmd != "run" && !(other.Cmd == "onbuild" && other.Onbuild == "run") {
				continue
			}
			if use(other, u.facts[other]) {
				cands = append(cands, other)
			}
		}
		u.memo[key] = cands
	}
	for _, other := range cands {
		if other.Index > ins.Index && stages.Descends(other.Stage, ins.Stage) {
			return other.StartLine
		}
	}
	return 0
}

// textUsesBeforeUpdate is usesBeforeUpdate for a RUN whose shell cannot be
// read (an ONBUILD RUN, a heredoc, exec form, unparsable shell): in the
// text, a use comes before the first update.
func textUsesBeforeUpdate(text string, use, update *regexp.Regexp) bool {
	u := use.FindStringIndex(text)
	if u == nil {
		return false
	}
	up := update.FindStringIndex(text)
	return up == nil || u[0] < up[0]
}

var (
	aptUseRE    = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*(install|reinstall|upgrade|dist-upgrade|full-upgrade|build-dep|source|download|satisfy|show|search|policy)\b|\bapt-cache\b`)
	aptUpdateRE = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*update\b`)
	apkUseRE    = regexp.MustCompile(`\bapk\s+(-\S+\s+)*(add|upgrade|fix|fetch|search|policy|info)\b`)
	apkUpdateRE = regexp.MustCompile(`\bapk\s+(-\S+\s+)*update\b|--no-cache|--update-cache|\bapk\s+(\S+\s+)*(-U|--update)\b`)
)

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
