// Package fromascasing is the from-as-casing pass of dfopt.
//
// # Pass from-as-casing
//
// from-as-casing: write the AS of FROM ... AS in the same case as the keywords
//
// BuildKit warns when FROM and AS are written in different cases. The AS of a
// stage name follows the file's keyword case (upper case unless every keyword
// is lower case).
//
// Before:
//
//	FROM golang:1.22 as build
//
// After:
//
//	FROM golang:1.22 AS build
package fromascasing

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the from-as-casing pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "from-as-casing", Tier: analysis.Format, Run: run})
