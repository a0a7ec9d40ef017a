package envkeyvalue

import (
	"strings"

	"github.com/dfopt/dfopt/analysis"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "env" || len(ins.Args) != 3 || ins.Args[2] != "" {
			continue
		}
		key, value := ins.Args[0], ins.Args[1]
		if strings.ContainsAny(value, "\"'"+string(doc.Escape)) || ins.StartLine != doc.LineOf(ins.ContentEnd()) {
			continue
		}
		args := ins.Text[ins.ArgsOffset:]
		if !strings.HasPrefix(args, key) {
			continue
		}
		// Replace the blanks between key and value with "=".
		rest := args[len(key):]
		gap := len(rest) - len(strings.TrimLeft(rest, " \t"))
		if gap == 0 {
			continue
		}
		keyEnd := ins.SrcOffset(ins.ArgsOffset + len(key))
		valStart := ins.SrcOffset(ins.ArgsOffset + len(key) + gap)
		valEnd := ins.SrcOffset(ins.ArgsOffset+len(strings.TrimRight(args, " \t"))-1) + 1
		edits := []analysis.Edit{analysis.Replace(keyEnd, valStart, "=")}
		if strings.ContainsAny(value, " \t") {
			edits = []analysis.Edit{analysis.Replace(keyEnd, valStart, "=\""), analysis.Insert(valEnd, "\"")}
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: "legacy ENV key value form",
			Fix:     &analysis.Fix{Message: "use ENV key=value", Edits: edits}})
	}
	return out
}
