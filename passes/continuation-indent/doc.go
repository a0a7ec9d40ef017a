// Package continuationindent defines the continuation-indent pass.
//
// # Pass continuation-indent
//
// continuation-indent: indent the continuation lines of RUN chains as the file's other RUN chains are
//
// A RUN chain is a shell-form RUN whose commands go on over continuation
// lines. Its indentation is that of its shallowest continuation line that
// starts a command or an && or || (the chain's own list, not a command
// inside if, for, braces or a pipeline). The file's indentation is the one
// most of its RUN chains use (the first of them on a tie). A chain indented
// otherwise is moved as a block: the chain's indentation at the start of
// each of its continuation lines (and of the comment lines among them) is
// replaced by the file's, so deeper lines keep their depth relative to the
// chain, and the operators stay where they were, at the start or at the end
// of the lines.
//
// Before (the file's other RUN chains are indented with 4 spaces):
//
//	RUN apt-get update \
//	  && apt-get install -y --no-install-recommends \
//	      curl \
//	      git \
//	  && rm -rf /var/lib/apt/lists/*
//
// After:
//
//	RUN apt-get update \
//	    && apt-get install -y --no-install-recommends \
//	        curl \
//	        git \
//	    && rm -rf /var/lib/apt/lists/*
//
// BuildKit joins continuation lines without their line breaks, keeping each
// line's leading blanks, so the indentation is part of the shell command it
// runs. Only blanks that separate two shell words change, and there is
// always at least one left: the shell reads the same program (the image's
// history shows the command with the new blanks, and the build cache sees a
// new command).
//
// Left alone, the whole RUN: a continuation line that starts inside a
// quoted string, a word, an assignment, a redirection, an arithmetic
// command or a shell comment (its leading blanks are text the program
// reads); a line with less indentation than the chain, or indented with
// other characters; a line that holds builder flags (RUN \ then --mount on
// the next line); an indentation that would mix tabs and spaces on a line;
// exec-form and heredoc RUNs, RUNs in a non-POSIX shell (Windows, SHELL
// ["pwsh", ...]), RUNs whose shell does not parse, and ONBUILD RUNs. A RUN
// whose continuation lines start no command (one package per line) is not
// a chain: it is neither counted nor changed. Nothing changes when most
// chains have no indentation at all. Lines of blanks and an escape character
// only, empty lines and comment lines indented otherwise stay as they are.
package continuationindent

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the continuation-indent pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "continuation-indent", Tier: analysis.Format, Run: run})
