// Package rootuser is the root-user pass of dfopt.
//
// # Pass root-user
//
// root-user: report a final stage that runs as root
//
// Without a USER instruction a container runs as root, the user of nearly every
// base image. A process running as root inside the container is root on the
// files it can reach, and a flaw in it or in the runtime turns into a much
// worse escape. Create an unprivileged user and switch to it once the steps
// that need root are done.
//
// Before:
//
//	FROM python:3.12-slim
//	RUN pip install --no-cache-dir flask
//	COPY . /app
//	CMD ["python", "/app/main.py"]
//
// Instead:
//
//	FROM python:3.12-slim
//	RUN pip install --no-cache-dir flask && useradd --system --uid 10001 app
//	COPY . /app
//	USER app
//	CMD ["python", "/app/main.py"]
//
// When the entrypoint itself needs root (to fix the ownership of a mounted
// volume, say), let it do that first and then drop privileges with gosu or
// su-exec, so that the long-running process is not root:
//
//	#!/bin/sh
//	set -e
//	chown -R app:app /data
//	exec gosu app "$@"
//
// The pass looks at the stage the build produces (the last one, or the one
// named by --target) and at the stages it is built on: one finding, at its
// FROM when no USER is set, or at the USER when the last one is root (root, 0,
// root:root, 0:0). Report only.
//
// Not reported: Windows stages (a Windows image, a PowerShell or cmd SHELL,
// or a backquote escape directive); stages built FROM scratch (there is no
// user to switch to); stages that mention gosu, su-exec, setpriv or
// s6-setuidgid (their entrypoint is taken to drop privileges); a USER given by
// a variable; and, when no USER is set, images whose name says they run as
// non-root (distroless :nonroot, *-nonroot, *unprivileged*, *rootless*) and
// images whose name comes from a variable that cannot be resolved.
package rootuser

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the root-user pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "root-user", Tier: analysis.Safe, Run: run})
