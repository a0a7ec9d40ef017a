package copychown

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// match is one path of a chown/chmod that is what a COPY copied.
type match struct {
	c   *copyInstr
	dir bool // the COPY's destination directory (else the copied file)
}

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		if ins.Cmd != "run" || ins.Stage == nil || !strings.Contains(ins.Text, "chown") && !strings.Contains(ins.Text, "chmod") {
			continue
		}
		if f, ok := fold(ctx, ins); ok {
			out = append(out, f)
		}
	}
	return out
}

// copiesBefore returns the COPYs and ADDs before run that nothing but
// instructions which leave the files alone separate from it.
func copiesBefore(run *dockerfile.Instruction) []*dockerfile.Instruction {
	var copies []*dockerfile.Instruction
	ins := run.Stage.Instructions
	i := slices.Index(ins, run)
	for j := i - 1; j > 0; j-- {
		switch ins[j].Cmd {
		case "copy", "add":
			copies = append([]*dockerfile.Instruction{ins[j]}, copies...)
		case "env", "arg", "label", "expose", "stopsignal", "healthcheck", "cmd", "entrypoint", "maintainer", "onbuild", "user":
		default:
			return copies
		}
	}
	return copies
}

func fold(ctx *analysis.Context, run *dockerfile.Instruction) (analysis.Finding, bool) {
	doc := ctx.Doc
	window := copiesBefore(run)
	if len(window) == 0 {
		return analysis.Finding{}, false
	}
	sr, _ := runs.Parse(run)
	if sr == nil {
		return analysis.Finding{}, false
	}
	wd, wdKnown := stages.KnownWorkdir(run)
	copies := make([]*copyInstr, len(window))
	for i, w := range window {
		copies[i] = readCopy(ctx, w)
	}
	items := shellparse.Chain(sr.Prog.File.Stmts)
	var perms []*perm
	for i, it := range items {
		if p := readPerm(it, i, wd, wdKnown); p != nil {
			perms = append(perms, p)
		}
	}

	// The chown/chmod commands that touch what a COPY of the window copied.
	matches := map[*perm][]match{}
	var relevant []*perm
	for _, p := range perms {
		var ms []match
		for _, target := range p.paths {
			if m, ok := matchPath(copies, p, target); ok {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 {
			matches[p] = ms
			relevant = append(relevant, p)
		}
	}
	if len(relevant) == 0 {
		return analysis.Finding{}, false
	}
	first := relevant[0]
	firstCopy := matches[first][0].c
	start, end := shellparse.Span(first.call)
	finding := analysis.Finding{Pos: sr.Src(start), End: sr.After(end)}
	what := shorten(sr.Prog.Text(first.call))
	finding.Message = fmt.Sprintf("%s after the %s stores the copied files a second time", what, keyword(firstCopy))
	decline := func(reason string) (analysis.Finding, bool) {
		finding.Message += "; not folded into the " + keyword(firstCopy) + ": " + reason
		return finding, true
	}

	// The RUN.
	switch {
	case len(run.Flags) > 0:
		return decline("the RUN has flags")
	case !stages.IsRoot(stages.UserArg(run)):
		return decline("the RUN does not run as root")
	}
	for i, it := range items {
		if it.Negated || it.Op != shellparse.OpAnd && !(i == len(items)-1 && it.Op == shellparse.OpEnd) {
			return decline(fmt.Sprintf("the RUN is not a plain && chain, so a failing %s would not stop the build", permName(first)))
		}
	}

	// Every relevant command comes before anything that could write.
	for _, p := range relevant {
		for i := 0; i < p.item; i++ {
			if !harmless(items[i], perms, matches) {
				return decline(fmt.Sprintf("%s runs before it in the RUN and may write there", shorten(sr.Prog.Text(items[i].Stmt))))
			}
		}
	}

	if sr.Prog.HasComments() || doc.HasCommentLines(run) {
		return decline("the RUN has comments")
	}

	// What each COPY gets, and what stays in the RUN.
	type change struct{ chown, chmod string }
	changes := map[*copyInstr]*change{}
	keep := map[*perm][]*syntax.Word{}
	for _, p := range relevant {
		if p.bad != "" {
			return decline(p.bad)
		}
		ms := matches[p]
		if len(ms) != len(p.paths) {
			return decline(unmatched(p, ms))
		}
		for i, m := range ms {
			c := m.c
			if c.bad != "" {
				return decline(c.bad)
			}
			ch := changes[c]
			if ch == nil {
				ch = &change{}
				changes[c] = ch
			}
			if p.chown {
				spec, reason := chownFlag(c, p.spec)
				if reason != "" {
					return decline(reason)
				}
				if ch.chown != "" && ch.chown != spec {
					return decline("two different owners for the same files")
				}
				ch.chown = spec
				if reason := namesStable(spec, copies); reason != "" {
					return decline(reason)
				}
				// chown clears the set-user-ID and set-group-ID bits a
				// chmod before it set; BuildKit changes the owner first.
				if specialMode(ch.chmod) || c.hasChmod && specialMode(c.chmod) {
					return decline("the chown would clear the set-user-ID or set-group-ID bits the mode before it sets, which --chown and --chmod keep")
				}
			} else {
				mode, reason := chmodFlag(c, p.spec, m.dir)
				if reason != "" {
					return decline(reason)
				}
				if ch.chmod != "" && ch.chmod != mode {
					return decline("two different modes for the same files")
				}
				ch.chmod = mode
			}
			if reason := checkPlace(ctx, c, m.dir, copies); reason != "" {
				return decline(reason)
			}
			if reason := sourcesClean(ctx, c, p.chown); reason != "" {
				return decline(reason)
			}
			if m.dir {
				keep[p] = append(keep[p], p.words[i])
			}
		}
	}
	// Other commands of the RUN that rewrite the same files would keep the
	// second copy: nothing to gain.
	for _, it := range items {
		call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || slices.ContainsFunc(relevant, func(p *perm) bool { return p.call == call }) {
			continue
		}
		c := shellparse.Resolve(call)
		switch c.Name {
		case "chown", "chmod", "chgrp", "find", "setfacl", "touch":
		default:
			continue
		}
		for i, w := range c.Args {
			v := c.Lits[i]
			if !c.Static[i] {
				v = sr.Prog.Text(w)
			}
			for c2 := range changes {
				if c2.dest != "" && (stages.Under(absPath(v, wd), c2.dest) || stages.Under(absPath(v, wd), c2.file)) {
					return decline(fmt.Sprintf("%s in the same RUN changes the files again", shorten(sr.Prog.Text(call))))
				}
			}
		}
	}

	// Edits: the flags on the COPYs, then the RUN.
	var edits []analysis.Edit
	var flagTexts []string
	for _, c := range copies {
		ch := changes[c]
		if ch == nil {
			continue
		}
		var flags []string
		if ch.chown != "" && !(c.hasChown && c.chown == ch.chown) {
			if c.hasChown {
				return decline("the COPY has --chown=" + c.chown + " already")
			}
			flags = append(flags, "--chown="+ch.chown)
		}
		if ch.chmod != "" && !(c.hasChmod && c.chmod == ch.chmod) {
			if c.hasChmod {
				return decline("the COPY has --chmod=" + c.chmod + " already")
			}
			flags = append(flags, "--chmod="+ch.chmod)
		}
		if len(flags) == 0 {
			continue
		}
		for _, f := range flags {
			if !slices.Contains(flagTexts, f) {
				flagTexts = append(flagTexts, f)
			}
		}
		edits = append(edits, analysis.Insert(c.ins.SrcOffset(c.ins.ArgsOffset), strings.Join(flags, " ")+" "))
	}
	fix := "use " + keyword(firstCopy) + " " + strings.Join(flagTexts, " ")
	if len(flagTexts) == 0 {
		fix = "rely on the " + keyword(firstCopy) + "'s own flags"
	}

	removed := map[int]bool{}
	var kept []string
	var runEdits []analysis.Edit
	for _, p := range relevant {
		words := keep[p]
		if len(words) == 0 {
			removed[p.item] = true
			continue
		}
		parts := []string{sr.Prog.Text(p.call.Args[0]), sr.Prog.Text(p.specWord)}
		for _, w := range words {
			parts = append(parts, sr.Prog.Text(w))
		}
		text := strings.Join(parts, " ")
		kept = append(kept, text)
		s, e := shellparse.Span(p.call)
		runEdits = append(runEdits, analysis.Replace(sr.Src(s), sr.After(e), text))
	}
	if len(removed) == len(items) {
		runEdits = []analysis.Edit{analysis.Delete(run.Span.Start, run.Span.End)}
		fix += " and drop the RUN"
	} else {
		for i := 0; i < len(items); i++ {
			if !removed[i] {
				continue
			}
			j := i
			for j+1 < len(items) && removed[j+1] {
				j++
			}
			var from, to int
			if j+1 < len(items) {
				from, to = sr.Src(shellparse.Offset(items[i].Stmt.Pos())), sr.Src(shellparse.Offset(items[j+1].Stmt.Pos()))
			} else {
				from, to = sr.After(stmtEnd(items[i-1].Stmt)), sr.After(stmtEnd(items[j].Stmt))
			}
			runEdits = append(runEdits, analysis.Delete(from, to))
			i = j
		}
		if len(kept) > 0 {
			fix += ", keep " + strings.Join(kept, " && ") + " for a directory that may exist already"
		} else {
			fix += " and drop it from the RUN"
		}
	}
	finding.Fix = &analysis.Fix{Message: fix, Edits: append(edits, runEdits...)}
	return finding, true
}

// stmtEnd is the program offset just after an item's command (without a
// final ';').
func stmtEnd(s *syntax.Stmt) int {
	end := shellparse.Offset(s.End())
	if s.Semicolon.IsValid() && shellparse.Offset(s.Semicolon) < end {
		end = shellparse.Offset(s.Semicolon)
	}
	return end
}

// shorten is a command's text on one line, cut when long.
func shorten(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\\\n", " ")), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// unmatched says which path of p no COPY accounts for.
func unmatched(p *perm, ms []match) string {
	for _, w := range p.paths {
		found := false
		for _, m := range ms {
			if m.dir && m.c.dest == w || !m.dir && m.c.file == w {
				found = true
			}
		}
		switch {
		case w == "":
			return "a relative path and an unknown WORKDIR"
		case !found:
			return "it also changes " + w + ", which is not what the COPY copied"
		}
	}
	return "it changes more than what the COPY copied"
}

// harmless reports whether an item that runs before a folded chown
// leaves the copied files alone.
func harmless(it shellparse.Item, perms []*perm, matches map[*perm][]match) bool {
	call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
	if !ok || len(it.Stmt.Redirs) > 0 {
		return false
	}
	for _, p := range perms {
		if p.call != call {
			continue
		}
		if len(matches[p]) > 0 {
			return true // folded itself
		}
		if p.bad != "" {
			return false
		}
		for _, target := range p.paths {
			for _, ms := range matches {
				for _, m := range ms {
					d := m.c.file
					if m.dir {
						d = m.c.dest
					}
					if target == "" || stages.Under(target, d) || stages.Under(d, target) {
						return false
					}
				}
			}
		}
		return true
	}
	c := shellparse.Resolve(call)
	if len(c.Wrappers) > 0 || len(c.Assigns) > 0 || hasSubst(call) {
		return false
	}
	switch c.Name {
	case "set", "true", ":", "echo", "printf":
		return true
	}
	return false
}

// hasSubst reports whether n holds a command or process substitution.
func hasSubst(n syntax.Node) bool {
	found := false
	shellparse.Walk(n, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			found = true
		}
		return !found
	})
	return found
}
