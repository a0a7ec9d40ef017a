// Package tini is the tini pass of dfopt.
//
// # Pass tini
//
// tini: run an init process as PID 1 in the final stage
//
// A container's first process is PID 1: the kernel gives it no default signal
// handlers and it must reap orphaned children. Most programs do neither, so
// "docker stop" waits and kills, and zombies pile up. This pass installs tini
// (or dumb-init, with --init=dumb-init or the "init" setting) from the base
// image's own repositories in the stage that is built (the last one, or
// --target) and puts it in front of the program:
//
// Before:
//
//	FROM debian:bookworm
//	RUN apt-get update && apt-get install -y --no-install-recommends curl
//	CMD ["curl", "--version"]
//
// After:
//
//	FROM debian:bookworm
//	RUN apt-get update && apt-get install -y --no-install-recommends curl tini
//	ENTRYPOINT ["/usr/bin/tini", "--"]
//	CMD ["curl", "--version"]
//
// Which base, and whether it has the package. The base's distribution and
// release come from dfopt's base-image facts (package baseimage: official
// images by tag, with the release each tag was last built on; which releases
// ship tini and dumb-init; which are still served by their mirrors). The
// package manager the file itself runs in the stage must agree with them. The
// package is installed only when the release is known to ship it: Debian
// buster and later, Ubuntu 20.04 and later, Alpine 3.4 and later (dumb-init:
// Debian stretch, Ubuntu 18.04, Alpine 3.10 and later). Images of the RHEL
// family (dnf, yum, microdnf: openjdk 17 and later, amazoncorretto, UBI,
// Fedora, ...) and images dfopt has no facts about (third-party images, a base
// named by a build argument) are left alone.
//
// Where it goes, so that it stays installed:
//   - into the stage's last RUN that runs the package manager, added to its
//     apt-get install -y / apk add when that install runs unconditionally and
//     nothing in the RUN removes packages (apt-mark, apt-get purge, remove or
//     autoremove, dpkg -r, apk del) and it is not an apk add --virtual group;
//   - otherwise in a new RUN right after that one (apt: apt-get update,
//     install, rm -rf /var/lib/apt/lists/*; apk: apk add --no-cache): it runs
//     after everything that RUN removes, and nothing later in the stage runs
//     the package manager. (Marking the package manual after an
//     apt-mark auto would mean editing the RUN's own clean-up logic; a RUN of
//     its own costs one small layer and is right whatever that logic does.)
//   - in a stage that runs no package manager, in a new RUN after FROM.
//
// A new RUN downloads the package index at build time, so it is added only
// for a release whose mirrors are current (not for archived releases such as
// Debian buster, nor for bullseye, past its support); the fix message says
// so.
//
// An exec-form ENTRYPOINT gets the init in front of it; a shell-form one runs
// as tini -- /bin/sh -c "..." (it still ignores CMD and run arguments, as
// before). With no ENTRYPOINT, the init becomes the ENTRYPOINT just before the
// stage's CMD, so "docker run IMAGE args" runs the same program with the same
// arguments.
//
// The init signals its child. When the program is started by a shell (a
// shell-form CMD or ENTRYPOINT), that child is the shell, and dash (Debian's
// and Ubuntu's /bin/sh) runs even the last command of its script as a child
// of its own: the program would never see SIGTERM, and a SIGHUP or SIGUSR1
// meant for it would stop the container. So on those bases, and under any
// SHELL other than busybox ash (Alpine's /bin/sh, which replaces itself
// with the last command), exec goes in front of the program's command:
// CMD cd /app && ./server becomes CMD cd /app && exec ./server. Where exec
// cannot go there (a ; list, a pipeline, a builtin or a function last, a
// trap that exec would skip, commands in the background), and for an
// exec-form sh -c whose script does not exec its program, the pass declines.
//
// What the image gets besides: the package's files (/usr/bin/tini and
// /usr/bin/tini-static, /usr/share/doc/tini; /sbin/tini on Alpine) and the
// package manager's records of the install (dpkg's status and info files,
// apt's and dpkg's logs, /var/cache/apt; apk's database and world file),
// all declared as changes for dfopt verify, and, for a new RUN, one more
// layer and an index download at build time. tini expects to be PID 1: run
// under docker run --init (or compose init: true, or with a shared PID
// namespace) it prints a warning on every start and reaps nothing; such
// setups need no init in the image and should not take this pass.
//
// A floating tag (python:3.8, ubuntu:latest) is taken as its last build: an
// older image of the same tag cached on the build machine may be of a release
// without the package, or one whose mirror is gone. Build with --pull.
//
// Left alone, with a finding saying why and what to do instead ("docker run
// --init", compose "init: true", or a static tini binary added with
// ADD --checksum=sha256:...):
//   - an init is already there (tini, dumb-init, s6-overlay's /init,
//     catatonit, supervisord, runit, ...), or the ENTRYPOINT is a script
//     (docker-entrypoint.sh and the like: it should exec the server; tini may
//     go in front of it by hand). A script is a program named *.sh or
//     *entrypoint*, a relative path, or a file that a COPY or ADD of the
//     file brought from the build context (or a COPY heredoc) and that
//     starts with #!; a copied file that cannot be read (no build context)
//     is taken for a program;
//   - the base has no package manager (scratch, distroless), is not known,
//     its release has no such package, or it is of the RHEL family;
//   - a new RUN would be needed on a release that is not served any more;
//   - the base image may set its own ENTRYPOINT, which a new one would replace
//     (only images known to set none are changed: debian, ubuntu, alpine,
//     python, golang, ...), or the CMD is inherited (a new ENTRYPOINT resets an
//     inherited CMD);
//   - the stage runs as a non-root USER where the package would be installed.
//
// The pass's findings are about the stage: # dfopt:ignore=tini above the
// stage's FROM switches it off for the stage, also for the findings it
// reports at the CMD or ENTRYPOINT whose form is why it declines; above
// the CMD or ENTRYPOINT, it silences the finding there and keeps the fix,
// which edits them, from applying.
//
// Tier: aggressive, because it adds a package (and may need the network at
// build time to fetch it) and changes the image's Entrypoint. Turn it off with
// --disable=tini or --init=none.
package tini

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the tini pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "tini", Tier: analysis.Aggressive, Run: run})
