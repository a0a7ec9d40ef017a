// Package jsonspacing defines the json-spacing pass.
//
// # Pass json-spacing
//
// json-spacing: space JSON arrays as ["a", "b"]
//
// The exec form of RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK CMD, and the
// JSON form of COPY, ADD and VOLUME, are JSON arrays. They are written with
// no blank inside the brackets or before a comma and one space after each
// comma, the way Docker's documentation writes them.
//
// Before:
//
//	CMD [ "nginx","-g",  "daemon off;" ]
//	VOLUME [ ]
//
// After:
//
//	CMD ["nginx", "-g", "daemon off;"]
//	VOLUME []
//
// Only blanks between the array's tokens change; the strings are not
// touched, so BuildKit decodes the same array.
//
// Left alone: the instruction an ONBUILD wraps, which BuildKit stores in
// the image as written (its OnBuild trigger, part of the image
// configuration); a gap that spans a line continuation (an array written
// one element per line keeps its layout; the gaps on a single line are
// still spaced); gaps holding white space other than spaces and tabs; and
// anything that only looks like an array: BuildKit runs CMD [ "a" "b" ] (no
// comma) or ["a"] x as a shell command, where the spacing is part of the
// program.
package jsonspacing

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the json-spacing pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "json-spacing", Tier: analysis.Format, Run: run})
