package maintainerlabel

import (
	"strings"

	"github.com/dfopt/dfopt/analysis"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "maintainer" || len(ins.Args) != 1 || doc.HasCommentLines(ins) {
			continue
		}
		esc := string(doc.Escape)
		v := strings.NewReplacer(esc, esc+esc, `"`, esc+`"`, "$", esc+"$").Replace(ins.Args[0])
		kw := doc.KeywordCase("LABEL")
		start := ins.SrcOffset(0) // the keyword
		end := ins.ContentEnd()
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: end,
			Message: "MAINTAINER is deprecated",
			Fix: &analysis.Fix{Message: "use a LABEL",
				Edits:   []analysis.Edit{analysis.Replace(start, end, kw+` org.opencontainers.image.authors="`+v+`"`)},
				Changes: []string{"Author", "Labels[org.opencontainers.image.authors]"}}})
	}
	return out
}
