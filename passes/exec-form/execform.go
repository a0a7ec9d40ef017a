package execform

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// configField is the image configuration field an instruction sets.
var configField = map[string]string{"cmd": "Cmd", "entrypoint": "Entrypoint"}

// Builtins with no program of the same name: a shell is needed to run them.
var shellOnly = map[string]bool{
	"cd": true, "export": true, "source": true, ".": true, "set": true, "unset": true,
	"eval": true, "trap": true, "ulimit": true, "umask": true, "alias": true, "shift": true,
	"wait": true, "read": true, "getopts": true, "hash": true, "type": true, "command": true,
	"exit": true, "return": true, "exec": true, "readonly": true, "local": true, "declare": true,
	"typeset": true, "let": true, "builtin": true, "jobs": true, "fg": true, "bg": true,
}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if (ins.Cmd != "cmd" && ins.Cmd != "entrypoint") || ins.JSON || ins.Stage == nil || !ins.POSIXShell() {
			continue
		}
		text, off := ins.ShellArgs()
		text = strings.TrimRight(text, " \t\r\n")
		if text == "" || doc.HasCommentLines(ins) {
			continue
		}
		prog, err := shellparse.Parse(text)
		if err != nil || len(prog.File.Stmts) != 1 || prog.HasComments() {
			continue
		}
		st := prog.File.Stmts[0]
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
			continue
		}
		name, ok := shellparse.Lit(call.Args[0])
		if !ok || shellOnly[name] && name != "exec" {
			continue
		}
		start, end := ins.SrcOffset(off), ins.SrcOffset(off+len(text)-1)+1
		if name == "exec" {
			continue // already replaces the shell
		}
		kw := strings.ToUpper(ins.Cmd)
		if words, literal := shellparse.LiteralWords(call.Args); literal && ins.Cmd == "cmd" && noEntrypointFor(doc, ins) {
			out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
				Message: fmt.Sprintf("shell-form %s runs under /bin/sh -c, which does not pass signals to the program", kw),
				Fix: &analysis.Fix{Message: "use the exec form",
					Edits:   []analysis.Edit{analysis.Replace(start, end, dockerfile.JSONArray(words))},
					Changes: []string{configField[ins.Cmd]}}})
			continue
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: fmt.Sprintf("shell-form %s runs under /bin/sh -c, which does not pass signals to the program", kw),
			Fix: &analysis.Fix{Message: "exec the program from the shell",
				Edits:   []analysis.Edit{analysis.Insert(start, "exec ")},
				Changes: []string{configField[ins.Cmd]}}})
	}
	return out
}

// noEntrypointFor reports whether no ENTRYPOINT applies to a CMD: none in
// its stage or the stages it derives from, and a base image known to set
// none. A stage built FROM this one that sets an ENTRYPOINT would also get
// the CMD as arguments: such a CMD is left in shell form too.
func noEntrypointFor(doc *dockerfile.Document, ins *dockerfile.Instruction) bool {
	if known, ep := stages.Entrypoint(ins.Stage); !known || ep != nil {
		return false
	}
	for _, st := range doc.Stages {
		if st != ins.Stage && stages.Descends(st, ins.Stage) && stages.Last(st, "entrypoint") != nil {
			return false
		}
	}
	return true
}
