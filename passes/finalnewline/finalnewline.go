package finalnewline

import (
	"github.com/dfopt/dfopt/analysis"
)

const summary = "end the file with exactly one line ending"

// doc is the documentation of doc.go's "Pass final-newline" section.
const doc = `A file ends with exactly one line ending: a missing one is added after the
last line, in the file's own style (\r\n in a CRLF file), and the blank
lines after the last line with content are removed (that line's own
ending stays).

Before, a file whose last line has no line ending, or is followed by
empty lines:

	FROM alpine:3.19
	CMD ["sh"]<end of file>

	FROM alpine:3.19
	CMD ["sh"]
	<empty line>
	<empty line>

After, in both cases:

	FROM alpine:3.19
	CMD ["sh"]
	<end of file>

Nothing that BuildKit reads changes: blank lines at the end belong to no
instruction (or are empty continuation lines, which it skips), and the
last instruction ends at its last line whether or not a line ending
follows. The last line with content may be a comment or a heredoc
terminator; only what comes after it is touched. A line holding a form
feed or a vertical tab counts as content and stays.`

// Pass is the final-newline pass.
var Pass = &analysis.Pass{
	Name:    "final-newline",
	Summary: summary,
	Doc:     doc,
	Tier:    analysis.Format,
	Run:     run,
}

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
