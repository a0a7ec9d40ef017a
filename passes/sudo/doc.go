// Package sudo is the sudo pass of dfopt.
//
// # Pass sudo
//
// sudo: report sudo used in RUN instructions
//
// RUN already runs as the user that the last USER instruction set (root when
// there is none), so sudo adds nothing that USER cannot do: switch to root for
// the steps that need it and back afterwards. sudo in an image is also an
// escalation path: whoever runs code as the unprivileged user may become root
// through it, and it brings its own configuration and set-uid binary.
//
// Before:
//
//	USER app
//	RUN sudo apt-get update && sudo apt-get install -y curl
//
// Instead:
//
//	USER root
//	RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
//	USER app
//
// Every command run through sudo is reported at its sudo word, wherever it is
// in the shell program (after &&, in a pipeline, inside if or $(...)), also
// through env, nice and the like; ONBUILD RUN and a RUN that is a single
// heredoc shell script (RUN <<EOF) are read too. Not reported: sudo -u/--user
// with another user than root (that lowers privileges, like gosu does), sudo
// as a word that is not a command (apt-get install sudo), other heredocs,
// exec-form RUNs, non-POSIX shells and RUNs whose shell cannot be parsed.
// Report only.
package sudo

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the sudo pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "sudo", Tier: analysis.Safe, Run: run})
