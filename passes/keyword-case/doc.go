// Package keywordcase defines the keyword-case pass.
//
// # Pass keyword-case
//
// keyword-case: write every instruction keyword in the case most of the file's keywords use
//
// Instruction keywords are case-insensitive, and BuildKit warns
// (ConsistentInstructionCasing) when a file mixes cases. Every keyword is
// written in the file's keyword case: lower case when more of its
// instruction keywords are lower case than upper case, upper case otherwise
// (a tie, or a file of mixed-case keywords such as "Run", gives upper case).
// That covers the keyword of each instruction and the CMD or NONE of a
// HEALTHCHECK; the AS of FROM ... AS is from-as-casing's, which follows the
// same case.
//
// Before:
//
//	FROM alpine:3.19
//	run apk add --no-cache curl
//	onbuild COPY . /app
//	Healthcheck cmd curl -f http://localhost/
//
// After:
//
//	FROM alpine:3.19
//	RUN apk add --no-cache curl
//	ONBUILD COPY . /app
//	HEALTHCHECK CMD curl -f http://localhost/
//
// BuildKit reads a keyword in any case (it lower-cases instruction names,
// and upper-cases HEALTHCHECK's CMD and NONE), so the build is the same.
// Arguments are never touched: stage names, variable names, paths and
// commands keep their case.
//
// Left alone: the instruction an ONBUILD wraps (ONBUILD copy . /app keeps
// its copy). BuildKit stores it in the image as written, as an OnBuild
// trigger, so its spelling is part of the image configuration.
//
// Reported without a fix: a keyword split by a line continuation (FR\ then
// OM on the next line), which BuildKit accepts but no rewrite should touch.
package keywordcase

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the keyword-case pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "keyword-case", Tier: analysis.Format, Run: run})
