package runs

import (
	"strings"
	"weak"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Heredoc scripts. BuildKit (dockerfile2llb dispatchRun) runs a RUN whose
// command is a single heredoc (`RUN <<EOF`) as a script: a body that starts
// with #! is written to a file and executed, so the kernel runs the
// interpreter that line names; any other body is handed to the SHELL as
// its command string, as the shell form is. Either way the script's exit
// status is the RUN's, and the body is passed on as written (RUN does not
// expand variables in it).

// scriptHeredoc returns the heredoc of a RUN that BuildKit runs as a shell
// script: shell form under a POSIX SHELL, a single heredoc that is the
// whole command, whose body has no #! line or one that names a POSIX
// shell.
func scriptHeredoc(ins *dockerfile.Instruction) (*dockerfile.Heredoc, bool) {
	if ins.Cmd != "run" || ins.JSON || len(ins.Heredocs()) != 1 || !ins.POSIXShell() {
		return nil, false
	}
	args, _ := ins.ShellArgs()
	if !bareHeredocRE.MatchString(strings.TrimSpace(args)) {
		return nil, false
	}
	h := &ins.Heredocs()[0]
	if !shellScript(h.Content) {
		return nil, false
	}
	return h, true
}

// Script returns the program of a RUN made of a single heredoc that runs
// as a shell script (see scriptHeredoc), with offsets into its body, or
// nil: when the RUN is not such a script, when the body is not where the
// document says, or when it does not parse. A <<- body is read with its
// tabs, which BuildKit strips from the start of each line: that changes no
// command, only the text of strings and of here-documents inside the
// script (nothing is appended after one). It is parsed once per
// instruction.
func Script(doc *dockerfile.Document, ins *dockerfile.Instruction) *Run {
	r := scriptRun(ins)
	if r == nil {
		return nil
	}
	h := ins.Heredocs()[0]
	if h.Body.Start < 0 || h.Body.End > len(doc.Src) || h.Body.Start > h.Body.End ||
		string(doc.Src[h.Body.Start:h.Body.End]) != h.Content {
		return nil
	}
	return r
}

// Shell returns the program of a RUN whose shell can be read, for
// reading what it runs: the shell form (Parse), or a heredoc script
// (Script, without the check that its offsets are the document's, which
// editing needs). It returns nil otherwise.
func Shell(ins *dockerfile.Instruction) *Run {
	if r, _ := Parse(ins); r != nil {
		return r
	}
	return scriptRun(ins)
}

func scriptRun(ins *dockerfile.Instruction) *Run {
	// Held weakly, as Parse holds a shell-form Run.
	p := ins.Cached("runs.script", func() any { return &parsedRun{} }).(*parsedRun)
	p.mu.Lock()
	defer p.mu.Unlock()
	if none, _ := p.none(); none {
		return nil
	}
	if r := p.run.Value(); r != nil {
		return r
	}
	h, ok := scriptHeredoc(ins)
	if !ok {
		p.setNone(nil)
		return nil
	}
	prog, err := shellparse.ParseCached(ins, h.Content)
	if err != nil || len(prog.File.Stmts) == 0 {
		p.setNone(nil)
		return nil
	}
	r := &Run{Ins: ins, Prog: prog, Start: h.Body.Start, Shebang: shebang(h.Content), script: true}
	p.run = weak.Make(r)
	return r
}

// shebang returns the #! line of a script without "#!" and its line
// ending, or "".
func shebang(content string) string {
	line, ok := strings.CutPrefix(content, "#!")
	if !ok {
		return ""
	}
	line, _, _ = strings.Cut(line, "\n")
	return strings.TrimSpace(line)
}

// ScriptErrexit reports whether a script's #! line turns errexit on
// (#!/bin/sh -e, #!/usr/bin/env -S bash -eu).
func (r *Run) ScriptErrexit() bool {
	f := strings.Fields(r.Shebang)
	for i, a := range f {
		if i == 0 || a == "-S" {
			continue
		}
		if a == "-o" && i+1 < len(f) && f[i+1] == "errexit" {
			return true
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "e") {
			return true
		}
	}
	return false
}

// lastHasHeredoc reports whether the program's last top-level statement
// holds a here-document, after whose closing line nothing may be
// appended.
func lastHasHeredoc(p *shellparse.Program) bool {
	stmts := p.File.Stmts
	if len(stmts) == 0 {
		return false
	}
	found := false
	shellparse.Walk(stmts[len(stmts)-1], func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
			found = true
		}
		return !found
	})
	return found
}

// onDelimiterLine reports whether text appended at offset at of a script
// would go on a line that may close one of its here-documents (or that a
// here-document whose delimiter cannot be read may take), where it would
// no longer close it.
func onDelimiterLine(p *shellparse.Program, at int) bool {
	var names []string
	unreadable := false
	shellparse.Walk(p.File, func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
			name, ok := heredocDelimiter(r.Word)
			names = append(names, name)
			unreadable = unreadable || !ok
		}
		return true
	})
	if len(names) == 0 {
		return false
	}
	if unreadable {
		return true
	}
	start := strings.LastIndexByte(p.Src[:at], '\n') + 1
	end := len(p.Src)
	if i := strings.IndexByte(p.Src[at:], '\n'); i >= 0 {
		end = at + i
	}
	line := strings.TrimSpace(p.Src[start:end])
	for _, name := range names {
		if line == name {
			return true
		}
	}
	return false
}

// heredocDelimiter is the delimiter a here-document's closing line spells,
// its quotes removed; ok is false when it cannot be read.
func heredocDelimiter(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	var parts func([]syntax.WordPart) bool
	parts = func(ps []syntax.WordPart) bool {
		for _, part := range ps {
			switch x := part.(type) {
			case *syntax.Lit:
				b.WriteString(strings.ReplaceAll(x.Value, "\\", ""))
			case *syntax.SglQuoted:
				b.WriteString(x.Value)
			case *syntax.DblQuoted:
				if !parts(x.Parts) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	if !parts(w.Parts) {
		return "", false
	}
	return b.String(), true
}
