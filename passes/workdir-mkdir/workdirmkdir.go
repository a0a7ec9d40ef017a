package workdirmkdir

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for i, ins := range doc.Instructions {
		if i+1 >= len(doc.Instructions) || doc.Instructions[i+1].Cmd != "workdir" {
			continue
		}
		wd := doc.Instructions[i+1]
		sr, _ := runs.Parse(ins)
		if sr == nil || len(ins.Flags) > 0 || len(wd.Args) != 1 || len(sr.Prog.File.Stmts) != 1 || sr.Prog.HasComments() {
			continue
		}
		st := sr.Prog.File.Stmts[0]
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) != 3 {
			continue
		}
		words, literal := shellparse.LiteralWords(call.Args)
		dir := strings.TrimRight(wd.Args[0], "/")
		if !literal || words[0] != "mkdir" || words[1] != "-p" || strings.TrimRight(words[2], "/") != dir ||
			!strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, "$") {
			continue
		}
		// BuildKit creates the WORKDIR as the current user, the legacy
		// builder as root: the same only when the stage runs as root.
		if stages.UserAt(ins).Runs != stages.AsRoot {
			continue
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: fmt.Sprintf("RUN mkdir -p %s is redundant: WORKDIR creates the directory", dir),
			Fix:     &analysis.Fix{Message: "drop the RUN", Edits: []analysis.Edit{analysis.Delete(ins.Span.Start, ins.Span.End)}}})
	}
	return out
}
