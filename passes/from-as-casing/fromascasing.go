package fromascasing

import (
	"fmt"

	"github.com/dfopt/dfopt/analysis"
)

// asKeyword finds the AS keyword in the arguments of a FROM instruction:
// the image (a run of non-blanks at the start), spaces or tabs, then AS in
// any case followed by a space or a tab. It returns where AS starts.
func asKeyword(args string) (int, bool) {
	i := 0
	for i < len(args) && !isBlank(args[i]) {
		i++
	}
	j := i
	for j < len(args) && (args[j] == ' ' || args[j] == '\t') {
		j++
	}
	if i == 0 || j == i || j+3 > len(args) {
		return 0, false
	}
	if args[j] != 'a' && args[j] != 'A' || args[j+1] != 's' && args[j+1] != 'S' || args[j+2] != ' ' && args[j+2] != '\t' {
		return 0, false
	}
	return j, true
}

// isBlank reports whether b is white space as \s is in regular
// expressions.
func isBlank(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r'
}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	want := doc.KeywordCase("AS")
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "from" || len(ins.Args) != 3 {
			continue
		}
		args := ins.Text[ins.ArgsOffset:]
		at, ok := asKeyword(args)
		if !ok || args[at:at+2] == want || (want == "AS" && args[at:at+2] == "AS") {
			continue
		}
		got := args[at : at+2]
		start := ins.SrcOffset(ins.ArgsOffset + at)
		end := ins.SrcOffset(ins.ArgsOffset+at+1) + 1
		if end-start != 2 {
			continue // split by a line continuation
		}
		out = append(out, analysis.Finding{Pos: start, End: end,
			Message: fmt.Sprintf("%q does not match the case of the keywords", got),
			Fix:     &analysis.Fix{Message: "write " + want, Edits: []analysis.Edit{analysis.Replace(start, end, want)}}})
	}
	return out
}
