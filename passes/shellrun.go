package passes

import (
	"errors"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// shellRun is a shell-form RUN whose program parsed.
type shellRun struct {
	ins   *dockerfile.Instruction
	prog  *shellparse.Program
	start int // offset of the program in ins.Text
}

// eligibleRun reports whether a RUN's shell can be read: shell form, no
// heredocs, a POSIX shell.
func eligibleRun(ins *dockerfile.Instruction) bool {
	return ins.Cmd == "run" && !ins.JSON && len(ins.Heredocs) == 0 && ins.POSIXShell()
}

type parsedRun struct {
	r   *shellRun
	err error
}

// parseRun parses a RUN's program; it returns nil (and the parse error, if
// that was the reason) when the RUN cannot be read. The result is computed
// once per instruction and shared by the passes.
func parseRun(ins *dockerfile.Instruction) (*shellRun, error) {
	p := ins.Cached("passes.parseRun", func() any {
		r, err := parseRunUncached(ins)
		return parsedRun{r, err}
	}).(parsedRun)
	return p.r, p.err
}

func parseRunUncached(ins *dockerfile.Instruction) (*shellRun, error) {
	if !eligibleRun(ins) {
		return nil, nil
	}
	text, off := ins.ShellArgs()
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	prog, err := shellparse.ParseCached(ins, text)
	if err != nil {
		return nil, err
	}
	if len(prog.File.Stmts) == 0 {
		return nil, nil
	}
	return &shellRun{ins: ins, prog: prog, start: off}, nil
}

// commands returns the simple commands of the RUN's program (see
// shellparse.Commands), computed once per instruction. Callers must not
// modify them.
func (r *shellRun) commands() []*shellparse.Command {
	return r.ins.Cached("passes.commands", func() any { return shellparse.Commands(r.prog) }).([]*shellparse.Command)
}

// shellErrorFinding reports a RUN whose shell cannot be parsed, at the
// position of the error in the file.
func shellErrorFinding(ins *dockerfile.Instruction, err error, what string) analysis.Finding {
	_, start := ins.ShellArgs()
	pos := ins.Span.Start
	msg := err.Error()
	var pe *shellparse.ParseError
	if errors.As(err, &pe) {
		pos = ins.SrcOffset(start + pe.Offset)
		msg = pe.Msg
	}
	return analysis.Finding{Pos: pos, End: ins.ContentEnd(), Message: what + ": cannot parse its shell: " + msg}
}

// src maps an offset in the program to the source: the position of that
// program byte.
func (r *shellRun) src(off int) int { return r.ins.SrcOffset(r.start + off) }

// after maps the end of a program range (exclusive offset) to the source
// position just after its last byte, on the same line.
func (r *shellRun) after(end int) int { return r.ins.SrcOffset(r.start+end-1) + 1 }

// wordEnd is the source position just after a word.
func (r *shellRun) wordEnd(w *syntax.Word) int { return r.after(int(w.End().Offset())) }

// appendPoint is the program offset where a command appended with && goes:
// before a final ';' or trailing comment. ok is false when nothing can be
// appended (the program ends in the background, or in exit/exec, after
// which nothing runs).
func (r *shellRun) appendPoint() (int, bool) {
	p := r.prog
	if p.EndsInBackground() || p.HasHeredoc() {
		return 0, false
	}
	stmts := p.File.Stmts
	last := stmts[len(stmts)-1]
	for _, it := range shellparse.Chain([]*syntax.Stmt{last}) {
		if call, ok := it.Stmt.Cmd.(*syntax.CallExpr); ok {
			if c := shellparse.Resolve(call); c != nil && (c.Name == "exit" || c.Name == "exec") {
				return 0, false
			}
		}
	}
	if semi := p.FinalSemicolon(); semi >= 0 {
		return semi, true
	}
	return p.ContentEnd(), true
}

// appendEdit returns an edit that runs cmd after everything else in the RUN,
// joined with && so the RUN's exit status is unchanged (cmd itself cannot
// fail). It follows the RUN's layout: inline for a one-line RUN, else on a
// new continuation line in the RUN's own style (leading or trailing &&).
func (r *shellRun) appendEdit(doc *dockerfile.Document, cmd string) (pos int, text string, ok bool) {
	at, ok := r.appendPoint()
	if !ok {
		return 0, "", false
	}
	var pos0 int
	if r.prog.FinalSemicolon() == at {
		pos0 = r.src(at)
	} else {
		pos0 = r.after(at)
	}
	first, last := r.ins.StartLine, doc.LineOf(r.ins.ContentEnd())
	if first == last || r.prog.TrailingComment() >= 0 {
		return pos0, " && " + cmd, true
	}
	nl := doc.LineEnding(r.ins.ContentEnd())
	esc := string(doc.Escape)
	if ind, leading := leadingOperatorIndent(doc, first, last); leading {
		return pos0, " " + esc + nl + ind + "&& " + cmd, true
	}
	return pos0, " && " + esc + nl + commandIndent(doc, first, last) + cmd, true
}

// leadingOperatorIndent reports whether continuation lines of the RUN start
// with && or || (the "leading operator" layout) and their indentation.
func leadingOperatorIndent(doc *dockerfile.Document, first, last int) (string, bool) {
	for n := first + 1; n <= last; n++ {
		line := strings.TrimRight(string(doc.Line(n)), "\r\n")
		trimmed := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(trimmed, "&&") || strings.HasPrefix(trimmed, "||") {
			return line[:len(line)-len(trimmed)], true
		}
	}
	return "", false
}

// commandIndent is the smallest indentation among the RUN's continuation
// lines with content (package lists are usually indented deeper than
// commands), or four spaces.
func commandIndent(doc *dockerfile.Document, first, last int) string {
	best := ""
	found := false
	for n := first + 1; n <= last; n++ {
		line := strings.TrimRight(string(doc.Line(n)), "\r\n")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' || trimmed == string(doc.Escape) || trimmed == ";"+string(doc.Escape) {
			continue
		}
		ind := line[:len(line)-len(trimmed)]
		if !found || len(ind) < len(best) {
			best, found = ind, true
		}
	}
	if !found {
		return "    "
	}
	return best
}

// cacheMounts returns the targets of the RUN's --mount=type=cache flags.
func cacheMounts(ins *dockerfile.Instruction) []string {
	var out []string
	for _, f := range ins.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		isCache := false
		target := ""
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "type":
				isCache = val == "cache"
			case "target", "dst", "destination":
				target = val
			}
		}
		if isCache && target != "" {
			out = append(out, strings.TrimRight(target, "/"))
		}
	}
	return out
}

// covers reports whether a cache mount target covers dir (is dir, a parent
// of it, or inside it).
func covers(mounts []string, dirs ...string) bool {
	for _, m := range mounts {
		for _, d := range dirs {
			if m == d || strings.HasPrefix(d, m+"/") || strings.HasPrefix(m, d+"/") || m == "" {
				return true
			}
		}
	}
	return false
}

// instructionsBefore lists the instructions before ins in its stage and in
// the stages it derives from, oldest first, without the FROMs.
func instructionsBefore(ins *dockerfile.Instruction) []*dockerfile.Instruction {
	var chain []*dockerfile.Stage
	for st := ins.Stage; st != nil; st = st.Parent {
		chain = append([]*dockerfile.Stage{st}, chain...)
	}
	var out []*dockerfile.Instruction
	for _, st := range chain {
		for _, other := range st.Instructions {
			if st == ins.Stage && other.Index >= ins.Index {
				break
			}
			if other.Cmd != "from" {
				out = append(out, other)
			}
		}
	}
	return out
}

// rootBase is the image (lowercase) that the stage chain of st starts from.
func rootBase(st *dockerfile.Stage) string {
	for st.Parent != nil {
		st = st.Parent
	}
	return strings.ToLower(st.Base)
}

// anyBefore reports whether f holds for an instruction before ins in its
// stage, or in a stage it derives from.
func anyBefore(ins *dockerfile.Instruction, f func(*dockerfile.Instruction) bool) bool {
	for st := ins.Stage; st != nil; st = st.Parent {
		for _, other := range st.Instructions {
			if st == ins.Stage && other.Index >= ins.Index {
				break
			}
			if f(other) {
				return true
			}
		}
	}
	return false
}

// stageEnv reports whether an ENV or ARG named key is set in the stage (or
// the stages it derives from) before instruction ins.
func stageEnv(ins *dockerfile.Instruction, key string) bool {
	return anyBefore(ins, func(other *dockerfile.Instruction) bool {
		switch other.Cmd {
		case "env":
			for i := 0; i < len(other.Args); i += 3 {
				if other.Args[i] == key {
					return true
				}
			}
		case "arg":
			for _, a := range other.Args {
				if name, _, _ := strings.Cut(a, "="); name == key {
					return true
				}
			}
		}
		return false
	})
}
