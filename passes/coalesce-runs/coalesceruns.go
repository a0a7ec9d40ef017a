package coalesceruns

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

type runInfo struct {
	ins     *dockerfile.Instruction
	prog    *shellparse.Program
	start   int // offset of the shell program in ins.Text
	end     int // offset just after its last non-space byte in ins.Text
	leaks   []shellparse.Leak
	multi   bool // top level is not a single && chain: needs braces after &&
	semi    int  // offset in the program of a final ';', or -1
	comment bool // has a (trailing) shell comment
	bg      bool // starts background jobs
	setsE   bool // turns on errexit itself
	trap    bool // sets a trap, or runs eval (which may set one, or errexit)
	flat    bool // a single and-or list of simple commands
	errexit bool // errexit may be on while it runs
	// rmWD is the working directory when the RUN may remove it (or a
	// directory above it), which BuildKit creates again for the next RUN.
	rmWD string
	// fresh are the targets of the mounts the RUN gets afresh and may
	// write to (tmpfs, a writable bind mount).
	fresh    []string
	parseErr error
	// script is the program of a heredoc script (start and end are then
	// offsets in the source); nil for the shell form.
	script *runs.Run
}

// lastOnly reports why the RUN can only be the last one of a group ("" if it
// can be followed).
func (r *runInfo) lastOnly(first bool) string {
	switch {
	case r.comment:
		return "comment"
	case r.bg:
		return "background"
	case r.setsE:
		return "errexit"
	case r.trap:
		// bash runs no ERR trap for a command on the left of &&, and a
		// subshell there inherits that: "false" would no longer stop
		// the RUN. eval may set a trap or errexit.
		return "trap"
	case r.errexit && !r.flat:
		return "errexit"
	case r.rmWD != "":
		return "workdir"
	case len(r.fresh) > 0:
		return "mount"
	}
	return ""
}

func (r *runInfo) isolate() bool { return len(r.leaks) > 0 }

// wrap returns the text to put before and after the RUN's program at its
// position in a group, and whether its final ';' goes instead (";" right
// before "&&" is a syntax error, and "a;" does what "a" does).
func (r *runInfo) wrap(first, last bool) (pre, post string, dropSemi bool) {
	switch {
	case !last && r.isolate():
		return "( ", " )", false
	case !first && r.multi:
		if r.semi >= 0 {
			return "{ ", " }", false
		}
		return "{ ", "; }", false
	case !last && r.semi >= 0:
		return "", "", true
	}
	return "", "", false
}

// analyzeRun reads an eligible RUN; nil means there is nothing to join (an
// empty or comment-only program).
func analyzeRun(ins *dockerfile.Instruction) *runInfo {
	sr, err := runs.Parse(ins)
	if err != nil {
		return &runInfo{ins: ins, parseErr: err}
	}
	if sr == nil {
		return nil
	}
	return analyzeProgram(ins, sr)
}

// analyzeProgram reads the program of a shell-form RUN or heredoc script.
func analyzeProgram(ins *dockerfile.Instruction, sr *runs.Run) *runInfo {
	prog := sr.Prog
	r := &runInfo{ins: ins, prog: prog, start: sr.Start, end: sr.Start + len(prog.Src)}
	r.leaks = shellparse.Leaks(prog)
	for _, l := range r.leaks {
		if l.Kind == "background" {
			r.bg = true
		}
	}
	r.comment = prog.TrailingComment() >= 0
	r.semi = prog.FinalSemicolon()
	items := shellparse.Chain(prog.File.Stmts)
	r.flat = true
	for i, it := range items {
		if i < len(items)-1 && it.Op != shellparse.OpAnd {
			r.multi = true
		}
		if it.Op == shellparse.OpSeq || it.Op == shellparse.OpBackground {
			r.flat = false
		}
		if !simplePipeline(it.Stmt) {
			r.flat = false
		}
	}
	r.rmWD = removesWorkdir(sr)
	r.fresh = runs.FreshMounts(ins)
	r.setsE = mayCallSet(prog.Src) && setsErrexit(prog)
	r.errexit = r.setsE || shellErrexit(ins.Shell())
	r.trap = mayCallTrap(prog.Src) && setsTrap(prog)
	return r
}

// simplePipeline reports whether a statement is a simple command or a
// pipeline of simple commands (no nested statement lists).
func simplePipeline(s *syntax.Stmt) bool {
	// A pipeline nests one level per |, on its left: a loop follows it.
	for {
		switch c := s.Cmd.(type) {
		case *syntax.CallExpr, *syntax.DeclClause, *syntax.TestClause, *syntax.ArithmCmd, *syntax.LetClause:
			return true
		case *syntax.BinaryCmd:
			if (c.Op == syntax.Pipe || c.Op == syntax.PipeAll) && simplePipeline(c.Y) {
				s = c.X
				continue
			}
		}
		return false
	}
}

// mayCallSet is a quick test before setsErrexit's walk: a command named
// set is written "set", unless quotes or backslashes split the name
// (s'e't, $'\x73et').
func mayCallSet(src string) bool {
	return strings.Contains(src, "set") || strings.ContainsAny(src, `'"\`)
}

// mayCallTrap is a quick test before setsTrap's walk, as mayCallSet.
func mayCallTrap(src string) bool {
	return strings.Contains(src, "trap") || strings.Contains(src, "eval") || strings.ContainsAny(src, `'"\`)
}

// setsTrap reports whether the program runs trap or eval anywhere.
func setsTrap(prog *shellparse.Program) bool {
	found := false
	shellparse.Walk(prog.File, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || found {
			return !found
		}
		if cmd := prog.CommandOf(call); cmd != nil && (cmd.Name == "trap" || cmd.Name == "eval") {
			found = true
		}
		return true
	})
	return found
}

// setsErrexit reports whether the program may turn errexit on anywhere
// (including in subshells and functions): set -e, set -o errexit, or a set
// whose options are not literal.
func setsErrexit(prog *shellparse.Program) bool {
	found := false
	shellparse.Walk(prog.File, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || found {
			return !found
		}
		cmd := prog.CommandOf(call)
		if cmd == nil || cmd.Name != "set" {
			return true
		}
		for i, a := range cmd.Args {
			v, static := shellparse.Lit(a)
			if !static {
				found = true
				break
			}
			if v == "-o" && i+1 < len(cmd.Args) {
				if next, ok := shellparse.Lit(cmd.Args[i+1]); !ok || next == "errexit" {
					found = true
				}
			}
			if strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "e") {
				found = true
			}
		}
		return true
	})
	return found
}

// shellErrexit reports whether a SHELL runs commands with errexit on
// (e.g. ["/bin/sh", "-ec"] or ["/bin/bash", "-o", "errexit", "-c"]).
func shellErrexit(shell []string) bool {
	for i, a := range shell {
		if i == 0 {
			continue
		}
		if a == "-o" && i+1 < len(shell) && shell[i+1] == "errexit" {
			return true
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "e") {
			return true
		}
	}
	return false
}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var findings []analysis.Finding
	var group []*runInfo
	flush := func() {
		switch {
		case len(group) > 1 && hasScript(group):
			findings = append(findings, mergeIntoScript(ctx, group))
		case len(group) > 1:
			findings = append(findings, mergeGroup(ctx, group))
		}
		group = nil
	}
	for _, ins := range doc.Instructions {
		if len(group) == 0 && !nextIsRun(doc, ins) {
			// Nothing before it to join and no RUN after it: whatever it
			// holds, it is neither combined nor reported (a finding needs
			// a neighbour), so its shell is not read. After a round that
			// combined the RUNs, that is most of them.
			continue
		}
		var r *runInfo
		if runs.Readable(ins) {
			r = analyzeRun(ins)
		} else {
			r = analyzeScript(doc, ins)
		}
		if r == nil {
			flush()
			continue
		}
		if r.parseErr != nil {
			if len(group) > 0 || nextIsRun(doc, ins) {
				findings = append(findings, shellErrorFinding(ins, r.parseErr, "RUN not combined with its neighbours"))
			}
			flush()
			continue
		}
		if len(group) > 0 && (!canFollow(doc, group, r) || ctx.Pinned(r.ins) || ctx.Pinned(group[len(group)-1].ins)) {
			flush()
		}
		group = append(group, r)
		if why := r.lastOnly(len(group) == 1); nextIsRun(doc, ins) && sameFlags(ins, doc.Instructions[ins.Index+1]) {
			switch why {
			case "comment":
				findings = append(findings, analysis.Finding{
					Pos: ins.Span.Start, End: ins.ContentEnd(),
					Message: "RUN ends with a shell comment: not combined with the next RUN, which the comment would swallow",
				})
			case "mount":
				findings = append(findings, analysis.Finding{
					Pos: ins.Span.Start, End: ins.ContentEnd(),
					Message: "RUN has a writable mount that every RUN gets afresh (" + strings.Join(r.fresh, ", ") + "): not combined with the next RUN, which would see what this one writes there",
				})
			case "workdir":
				findings = append(findings, analysis.Finding{
					Pos: ins.Span.Start, End: ins.ContentEnd(),
					Message: "RUN may remove its working directory (" + r.rmWD + "): not combined with the next RUN, which BuildKit runs in that directory created again",
				})
			}
		}
	}
	flush()
	return findings
}

func nextIsRun(doc *dockerfile.Document, ins *dockerfile.Instruction) bool {
	return ins.Index+1 < len(doc.Instructions) && readable(doc, doc.Instructions[ins.Index+1])
}

func sameFlags(a, b *dockerfile.Instruction) bool { return slices.Equal(a.Flags, b.Flags) }

// canFollow reports whether r may be appended to group.
func canFollow(doc *dockerfile.Document, group []*runInfo, r *runInfo) bool {
	prev := group[len(group)-1]
	if prev.ins.Index+1 != r.ins.Index || !sameFlags(prev.ins, r.ins) {
		return false
	}
	if prev.lastOnly(len(group) == 1) != "" || !scriptCanFollow(group, r) {
		return false
	}
	// A trailing comment would swallow a closing brace.
	if _, post, _ := r.wrap(false, true); r.comment && post != "" {
		return false
	}
	// Comment lines among r's own flags would be lost with its keyword.
	argsStart := r.ins.SrcOffset(r.ins.ArgsOffset)
	if doc.CommentLineIn(r.ins.Span.Start, argsStart) {
		return false
	}
	return true
}

func mergeGroup(ctx *analysis.Context, group []*runInfo) analysis.Finding {
	doc := ctx.Doc
	n := len(group)
	var instrs []*dockerfile.Instruction
	for _, r := range group {
		instrs = append(instrs, r.ins)
	}
	indent := doc.ContinuationIndent("", instrs...)
	if indent == "" {
		indent = fileIndent(doc)
	}
	var edits []analysis.Edit
	var isolated []string
	for i, r := range group {
		first, last := i == 0, i == n-1
		pre, post, dropSemi := r.wrap(first, last)
		if pre == "( " {
			isolated = append(isolated, fmt.Sprintf("line %d (%s)", ctx.Line(r.ins.Span.Start), r.leaks[0].Kind))
		}
		if first {
			if pre != "" {
				edits = append(edits, analysis.Insert(r.ins.SrcOffset(r.start), pre))
			}
		}
		if last {
			if post != "" {
				edits = append(edits, analysis.Insert(r.ins.SrcOffset(r.end-1)+1, post))
			}
			break
		}
		next := group[i+1]
		npre, _, _ := next.wrap(false, i+1 == n-1)
		var b strings.Builder
		b.WriteString(post)
		b.WriteString(" && ")
		b.WriteByte(doc.Escape)
		b.WriteString(doc.LineEnding(r.ins.ContentEnd()))
		for _, c := range commentLines(doc, r.ins.Span.End, next.ins.Span.Start) {
			b.WriteString(c)
		}
		b.WriteString(indent)
		b.WriteString(npre)
		from := r.ins.SrcOffset(r.end-1) + 1
		if dropSemi {
			from = r.ins.SrcOffset(r.start + r.semi)
		}
		to := next.ins.SrcOffset(next.start)
		edits = append(edits, analysis.Replace(from, to, b.String()))
	}
	msg := fmt.Sprintf("%d consecutive RUN instructions can be combined into one", n)
	if len(isolated) > 0 {
		msg += "; " + strings.Join(isolated, ", ") + " kept in a subshell because it changes shell state"
	}
	return analysis.Finding{
		Pos: group[0].ins.Span.Start, End: group[n-1].ins.ContentEnd(),
		Message: msg,
		Fix:     &analysis.Fix{Message: fmt.Sprintf("merge %d RUN instructions", n), Edits: edits},
	}
}

// commentLines returns the comment lines (with their line endings) of the
// gap [start, end) between two instructions; blank lines are dropped.
func commentLines(doc *dockerfile.Document, start, end int) []string {
	var out []string
	for n := doc.LineOf(start); start < end && n <= doc.LineCount() && doc.LineStart(n) < end; n++ {
		line := string(doc.Line(n))
		if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "#") {
			out = append(out, line)
		}
	}
	return out
}

// fileIndent is the continuation indentation used elsewhere in the file, or
// four spaces.
func fileIndent(doc *dockerfile.Document) string {
	if ind := doc.ContinuationIndent("", doc.Instructions...); ind != "" {
		return ind
	}
	return "    "
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
