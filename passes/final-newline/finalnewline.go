package finalnewline

import (
	"github.com/dfopt/dfopt/analysis"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	src := doc.Src
	// The last line with content: a byte other than a blank or a line
	// ending (the byte-order mark is not content).
	last := -1
	for n := doc.LineCount(); n >= 1; n-- {
		if !blank(src[doc.LineStart(n):doc.LineEnd(n)]) {
			last = n
			break
		}
	}
	if last < 0 {
		return nil
	}
	end := doc.LineEnd(last)
	switch {
	case end == len(src) && (end == 0 || src[end-1] != '\n'):
		// No line ending after the last line.
		return []analysis.Finding{{Pos: doc.LineStart(last), End: end,
			Message: "the file does not end with a line ending",
			Fix: &analysis.Fix{Message: "add a line ending",
				Edits: []analysis.Edit{analysis.Insert(end, doc.Newline())}}}}
	case end < len(src):
		return []analysis.Finding{{Pos: end, End: len(src),
			Message: "blank lines at the end of the file",
			Fix: &analysis.Fix{Message: "remove the blank lines",
				Edits: []analysis.Edit{analysis.Delete(end, len(src))}}}}
	}
	return nil
}

// blank reports whether a line holds only spaces, tabs and line-ending bytes.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
