// Package trailingwhitespace defines the trailing-whitespace pass.
//
// # Pass trailing-whitespace
//
// trailing-whitespace: remove spaces and tabs at the ends of lines
//
// Spaces and tabs before a line ending (or the end of the file) are removed,
// on instruction lines, comment lines and blank lines alike.
//
// Before (· is a trailing space):
//
//	RUN apt-get update \··
//	    && apt-get install -y curl··
//	# fetch the sources··
//
// After:
//
//	RUN apt-get update \
//	    && apt-get install -y curl
//	# fetch the sources
//
// BuildKit reads none of these bytes: a line that ends with the escape
// character and blanks is a continuation with or without them (its rule is
// "escape, then [ \t]* to the end of the line"), the last line of an
// instruction is trimmed, comments are trimmed, and a line of blanks is an
// empty line either way. Blanks before the escape character of a
// continuation are part of the instruction and stay.
//
// Left alone: heredoc bodies, where every byte is the file's content (and
// "EOF " is not the terminator "EOF"); the last line of an ONBUILD, whose
// instruction BuildKit stores in the image as written, blanks at its end
// included (its OnBuild trigger); blanks that follow a carriage return
// in the middle of a line: BuildKit trims every carriage return at the end
// of a line, so removing them could turn a line that ends in the escape
// character, a carriage return and blanks into a continuation.
package trailingwhitespace

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the trailing-whitespace pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "trailing-whitespace", Tier: analysis.Format, Run: run})
