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
		if !ok || name == "exec" || shellparse.IsBuiltin(name) {
			// exec already replaces the shell; a builtin needs the shell,
			// and one that also exists as a program (echo, printf, test,
			// kill, ...) would run the program, which may behave
			// otherwise (dash's echo reads backslash escapes).
			continue
		}
		start, end := ins.SrcOffset(off), ins.SrcOffset(off+len(text)-1)+1
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
