// Package finalnewline defines the final-newline pass.
//
// # Pass final-newline
//
// final-newline: end the file with exactly one line ending
//
// A file ends with exactly one line ending: a missing one is added after the
// last line, in the file's own style (\r\n in a CRLF file), and the blank
// lines after the last line with content are removed (that line's own
// ending stays).
//
// Before, a file whose last line has no line ending, or is followed by
// empty lines:
//
//	FROM alpine:3.19
//	CMD ["sh"]<end of file>
//
//	FROM alpine:3.19
//	CMD ["sh"]
//	<empty line>
//	<empty line>
//
// After, in both cases:
//
//	FROM alpine:3.19
//	CMD ["sh"]
//	<end of file>
//
// Nothing that BuildKit reads changes: blank lines at the end belong to no
// instruction (or are empty continuation lines, which it skips), and the
// last instruction ends at its last line whether or not a line ending
// follows. The last line with content may be a comment or a heredoc
// terminator; only what comes after it is touched. A line holding a form
// feed or a vertical tab counts as content and stays.
package finalnewline

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the final-newline pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "final-newline", Tier: analysis.Format, Run: run})
