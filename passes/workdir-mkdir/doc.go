// Package workdirmkdir is the workdir-mkdir pass of dfopt.
//
// # Pass workdir-mkdir
//
// workdir-mkdir: drop RUN mkdir -p DIR right before WORKDIR DIR
//
// WORKDIR creates its directory (and the parents), so a RUN that only does
// "mkdir -p" of the same directory right before it adds a layer for nothing.
//
// Before:
//
//	RUN mkdir -p /app
//	WORKDIR /app
//
// After:
//
//	WORKDIR /app
//
// Only when the RUN is exactly "mkdir -p DIR" (absolute, literal, the same path
// as the WORKDIR), directly before it, and the stage is known to run as root:
// USER root, or no USER on a base image known to run as root. For another
// USER the directory's owner could differ (BuildKit creates a WORKDIR as the
// current user, the legacy builder as root), and a base image that is not
// known may set one.
package workdirmkdir

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the workdir-mkdir pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "workdir-mkdir", Tier: analysis.Safe, Run: run})
