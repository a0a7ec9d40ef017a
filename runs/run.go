package runs

import (
	"errors"
	"strings"
	"sync"
	"unicode"
	"weak"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Run is a RUN whose program parsed: a shell-form RUN (Parse), or the
// script of a RUN made of a single heredoc (Script).
type Run struct {
	Ins  *dockerfile.Instruction
	Prog *shellparse.Program
	// Start is the offset of the program in Ins.Text; for a script, the
	// source offset of its first byte (the heredoc body is passed on as
	// written, so offsets in it are offsets in the file).
	Start int
	// Shebang is the #! line of a script, without "#!" and the line
	// ending ("" when it has none, and for shell form).
	Shebang string

	script bool

	mu    sync.Mutex
	cache map[string]any
}

// Cached returns the value computed by f for key, computing it once per
// Run: for facts drawn from the program's syntax tree, which live as long
// as the tree (see Parse). Safe for concurrent use.
func (r *Run) Cached(key string, f func() any) any {
	r.mu.Lock()
	v, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return v
	}
	v = f()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.cache[key]; ok {
		return old
	}
	if r.cache == nil {
		r.cache = map[string]any{}
	}
	r.cache[key] = v
	return v
}

// IsScript reports whether the program is a heredoc script (RUN <<EOF).
func (r *Run) IsScript() bool { return r.script }

// Readable reports whether a RUN's shell can be read: shell form, no
// heredocs, a POSIX shell.
func Readable(ins *dockerfile.Instruction) bool {
	return ins.Cmd == "run" && !ins.JSON && len(ins.Heredocs()) == 0 && ins.POSIXShell()
}

// parsedRun is what Parse found for an instruction: a Run, held weakly
// (as shellparse.ParseCached holds its tree), or why there is none.
// (32 bytes, not 48 with a flag of its own: one per RUN of a large file.)
type parsedRun struct {
	mu  sync.Mutex
	err error // set when there is none: why, or noRun
	run weak.Pointer[Run]
}

// noRun is parsedRun.err when there is no Run and no error to tell why.
var noRun = errors.New("no Run")

// none returns whether p says there is no Run, and the error to give.
func (p *parsedRun) none() (bool, error) {
	if p.err == noRun {
		return true, nil
	}
	return p.err != nil, p.err
}

// setNone records that there is no Run, for err (which may be nil).
func (p *parsedRun) setNone(err error) {
	if err == nil {
		err = noRun
	}
	p.err = err
}

// Parse parses a RUN's program; it returns nil (and the parse error, if
// that was the reason) when the RUN cannot be read. The result is shared
// by the passes while one of them holds it: the instruction keeps the Run
// and its syntax tree only weakly, and parses again (the same text, to the
// same tree) when asked after the garbage collector took them back.
func Parse(ins *dockerfile.Instruction) (*Run, error) {
	p := ins.Cached("runs.parse", func() any { return &parsedRun{} }).(*parsedRun)
	p.mu.Lock()
	defer p.mu.Unlock()
	if none, err := p.none(); none {
		return nil, err
	}
	if r := p.run.Value(); r != nil {
		return r, nil
	}
	r, err := parseUncached(ins)
	if r == nil {
		p.setNone(err)
		return nil, err
	}
	p.run = weak.Make(r)
	return r, nil
}

func parseUncached(ins *dockerfile.Instruction) (*Run, error) {
	if !Readable(ins) {
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
	return &Run{Ins: ins, Prog: prog, Start: off}, nil
}

// Commands returns the simple commands of the RUN's program (see
// shellparse.Commands), computed once per program. Callers must not
// modify them.
func (r *Run) Commands() []*shellparse.Command { return shellparse.Commands(r.Prog) }

// Src maps an offset in the program to the source: the position of that
// program byte.
func (r *Run) Src(off int) int {
	if r.script {
		return r.Start + off
	}
	return r.Ins.SrcOffset(r.Start + off)
}

// After maps the end of a program range (exclusive offset) to the source
// position just after its last byte, on the same line.
func (r *Run) After(end int) int {
	if r.script {
		return r.Start + end
	}
	return r.Ins.SrcOffset(r.Start+end-1) + 1
}

// WordEnd is the source position just after a word.
func (r *Run) WordEnd(w *syntax.Word) int { return r.After(int(w.End().Offset())) }

// appendPoint is the program offset where a command appended with && goes:
// before a final ';' or trailing comment. ok is false when nothing can be
// appended (the program ends in the background, or in exit/exec, after
// which nothing runs, or runs `exec PROG`, which replaces the shell).
func (r *Run) appendPoint() (int, bool) {
	at, ok := r.appendPoint0()
	if ok && r.script && onDelimiterLine(r.Prog, at) {
		// "EOT && rm ..." no longer ends the here-document: the rest of
		// the script would become its text.
		return 0, false
	}
	return at, ok
}

func (r *Run) appendPoint0() (int, bool) {
	p := r.Prog
	if p.EndsInBackground() || !r.script && p.HasHeredoc() {
		return 0, false
	}
	if r.script && (lastHasHeredoc(p) || strings.Contains(p.Src, "\r")) {
		// Nothing may follow a here-document's closing line; a script
		// with carriage returns hands them to the shell in its words.
		return 0, false
	}
	stmts := p.File.Stmts
	last := stmts[len(stmts)-1]
	// A group at the end that may turn errexit on ("a && { set -e; b; }",
	// as coalesce-runs writes a RUN under set -e after another) takes the
	// command inside: on the left of && its errexit would be ignored.
	inner := false
	for {
		items := shellparse.Chain([]*syntax.Stmt{last})
		end := items[len(items)-1].Stmt
		var list []*syntax.Stmt
		switch x := end.Cmd.(type) {
		case *syntax.Block:
			list = x.Stmts
		case *syntax.Subshell:
			list = x.Stmts
		}
		if len(list) == 0 || !mayTurnOnErrexit(end) {
			break
		}
		last, inner = list[len(list)-1], true
		if last.Background || last.Coprocess || last.Disown {
			return 0, false
		}
	}
	for _, it := range shellparse.Chain([]*syntax.Stmt{last}) {
		if call, ok := it.Stmt.Cmd.(*syntax.CallExpr); ok {
			if c := r.Prog.CommandOf(call); c.Name == "exit" || c.Name == "exec" {
				return 0, false
			}
		}
	}
	// `exec prog` replaces the shell: nothing after it runs, wherever it
	// is (shellparse reads exec as a wrapper, so Name is prog's).
	for _, c := range r.Commands() {
		if c.HasWrapper("exec") && !c.InSubshell {
			return 0, false
		}
	}
	if inner {
		if last.Semicolon.IsValid() {
			if off := shellparse.Offset(last.Semicolon); off < len(p.Src) && p.Src[off] == ';' {
				return off, true
			}
		}
		return shellparse.Offset(last.End()), true
	}
	if semi := p.FinalSemicolon(); semi >= 0 {
		return semi, true
	}
	return p.ContentEnd(), true
}

// mayTurnOnErrexit reports whether a set command under n may turn errexit
// on.
func mayTurnOnErrexit(n syntax.Node) bool {
	found := false
	shellparse.Walk(n, func(m syntax.Node) bool {
		call, ok := m.(*syntax.CallExpr)
		if !ok || found {
			return !found
		}
		if c := shellparse.Resolve(call); c != nil && c.Name == "set" {
			for i := range c.Lits {
				if !c.Static[i] || errexitOption(c.Lits, i, '-') {
					found = true
				}
			}
		}
		return true
	})
	return found
}

// AppendEdit returns an edit that runs cmd after everything else in the RUN,
// joined with && so the RUN's exit status is unchanged (cmd itself cannot
// fail). It follows the RUN's layout: inline for a one-line RUN, else on a
// new continuation line in the RUN's own style (leading or trailing &&).
// In a script it joins the last command of the script on its line: a line
// of its own would run whatever the status of the line before, and would
// make its own status the script's.
func (r *Run) AppendEdit(doc *dockerfile.Document, cmd string) (pos int, text string, ok bool) {
	at, ok := r.appendPoint()
	if !ok {
		return 0, "", false
	}
	var pos0 int
	if at < len(r.Prog.Src) && r.Prog.Src[at] == ';' {
		pos0 = r.Src(at)
	} else {
		pos0 = r.After(at)
	}
	first, last := r.Ins.StartLine, doc.LineOf(r.Ins.ContentEnd())
	if r.script || first == last || r.Prog.TrailingComment() >= 0 {
		return pos0, " && " + cmd, true
	}
	nl := doc.LineEnding(r.Ins.ContentEnd())
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
