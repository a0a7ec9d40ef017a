// Package coalesceruns is the coalesce-runs pass of dfopt.
//
// coalesceruns.go reads each RUN's shell and merges groups; heredoc.go
// merges a group into its heredoc script; workdir.go tells whether a RUN
// may remove its working directory.
//
// # Pass coalesce-runs
//
// coalesce-runs: merge consecutive RUN instructions into one layer
//
// Every RUN instruction makes a layer. Consecutive shell-form RUNs of one stage
// are merged into a single RUN whose commands are joined with &&, so the build
// stops at the first failing command exactly as before, and files that a later
// command deletes no longer survive in an earlier layer.
//
// Before:
//
//	RUN apt-get update
//	# the compiler
//	RUN apt-get install -y gcc
//	RUN cd /src && make
//	RUN make install
//
// After:
//
//	RUN apt-get update && \
//	# the compiler
//	    apt-get install -y gcc && \
//	    ( cd /src && make ) && \
//	    make install
//
// Rules, all decided on the shell syntax tree (mvdan.cc/sh), never on strings:
//   - Only RUNs that follow each other directly are merged; comment lines between
//     them become comment lines inside the continuation, blank lines are dropped.
//     Any other instruction ends the group.
//   - The RUNs must have identical flags (--mount, --network, --security, ...).
//     Exec-form (JSON) RUNs, heredocs that are not a shell script, ONBUILD RUN
//     and RUNs under a non-POSIX SHELL (PowerShell, cmd) or in a Windows stage
//     are left alone.
//   - A RUN made of one heredoc with no #! line is a shell script that
//     BuildKit hands to the SHELL, as it does the shell form. One-line RUNs
//     next to it are merged into it by the same rules, each on a line of its
//     own joined with && (the script's lines stay as they are, in braces or
//     a subshell where the rules below ask for one). A group holds one such
//     script at most and only one-line RUNs besides it; scripts with a #!
//     line (another interpreter) or carriage returns are not merged (see
//     the example at the end). A script with a here-document of its own
//     takes the RUNs after it in braces closed on a line of their own:
//     "EOT &&" would not close its here-document.
//   - A RUN that changes the state of its shell (cd, export, set, umask, exit,
//     variable assignments, function definitions, source, trap, ...) is run in a
//     subshell "( ... )" when another RUN follows it, so the next command starts
//     from the same state as before.
//   - A RUN whose top level is not a plain && chain ("a || b", "a; b") is put in
//     braces "{ ...; }" when it follows another, so that && binds as before.
//     A final ';' in front of the joining && is dropped ("a;" runs as "a").
//   - A RUN that may run with errexit on (set -e in its text, or a SHELL with -e)
//     is only merged where errexit keeps its meaning: errexit is ignored inside
//     the left side of &&, so such a RUN can only end a group unless it is a
//     single && / || list of simple commands.
//   - A RUN that sets a trap, or runs eval (which may set one, or errexit),
//     can only end a group: bash runs no ERR trap for a command on the left
//     of && (nor in a subshell there), so "trap 'exit 1' ERR; false" would
//     no longer stop the RUN.
//   - A RUN that ends with a shell comment, or that starts background jobs (&),
//     can only end a group: anything appended to it would be commented out, or
//     would run while the job is still going.
//   - A RUN that may remove its working directory or a directory above it
//     (rm, rmdir, mv, find -delete of the WORKDIR, a parent, a path that
//     cannot be read, or a relative path after cd) can only end a group:
//     BuildKit creates a missing working directory again for every RUN, so
//     the next RUN runs in a fresh one and the image has it. Where the file
//     does not tell the WORKDIR (an unknown base image), any removal outside
//     scratch directories such as /tmp, /var/cache or /etc counts.
//   - A RUN with a tmpfs mount or a writable bind mount (rw, readwrite) can
//     only end a group, and is reported: every RUN gets such a mount afresh
//     and BuildKit throws away what it writes there, so a RUN merged after it
//     would see those writes.
//   - A RUN under an ignore comment (# dfopt:ignore, for any pass, or
//     hadolint's ignore pragma, for any rule) stays a RUN of its own: merged
//     into the one above, it would leave the comment behind; merged into, it
//     would bring the next RUNs' commands under the comment.
//   - RUNs whose shell text cannot be parsed are left alone and reported.
//
// A heredoc script and the one-line RUN before it:
//
//	RUN useradd app                 RUN <<EOF
//	RUN <<EOF                       useradd app &&
//	set -eux                  =>    {
//	mkdir -p /opt/app               set -eux
//	EOF                             mkdir -p /opt/app
//	                                }
//	                                EOF
package coalesceruns

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the coalesce-runs pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "coalesce-runs", Tier: analysis.Safe, Run: run})
