package fromascasing

import (
	"fmt"
	"regexp"

	"github.com/dfopt/dfopt/analysis"
)

var fromAsRE = regexp.MustCompile(`^(\S+)([ \t]+)([aA][sS])[ \t]`)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	want := doc.KeywordCase("AS")
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "from" || len(ins.Args) != 3 {
			continue
		}
		args := ins.Text[ins.ArgsOffset:]
		m := fromAsRE.FindStringSubmatchIndex(args)
		if m == nil || args[m[6]:m[7]] == want || (want == "AS" && args[m[6]:m[7]] == "AS") {
			continue
		}
		got := args[m[6]:m[7]]
		start := ins.SrcOffset(ins.ArgsOffset + m[6])
		end := ins.SrcOffset(ins.ArgsOffset+m[7]-1) + 1
		if end-start != 2 {
			continue // split by a line continuation
		}
		out = append(out, analysis.Finding{Pos: start, End: end,
			Message: fmt.Sprintf("%q does not match the case of the keywords", got),
			Fix:     &analysis.Fix{Message: "write " + want, Edits: []analysis.Edit{analysis.Replace(start, end, want)}}})
	}
	return out
}
