// Package execform is the exec-form pass of dfopt.
//
// # Pass exec-form
//
// exec-form: run CMD and ENTRYPOINT programs without a shell in between
//
// A shell-form CMD or ENTRYPOINT runs under /bin/sh -c: the shell is PID 1, and
// it does not pass SIGTERM on, so "docker stop" waits and then kills. This pass
// lets the program itself receive signals:
//
//   - CMD whose text is one simple command with literal words becomes exec form
//     (JSON), when no ENTRYPOINT can receive it as arguments: the file sets
//     none in the stage (or the stages it derives from) and the base image is
//     one known to set none (debian, ubuntu, alpine, python, golang, ...).
//     The program must be one the kernel can start without a shell: a
//     name looked up in PATH or a path in a directory of the default PATH
//     (where packages install programs), or a file that a COPY or ADD put
//     in the image whose content (COPY <<EOF, or the file in the build
//     context) starts with #! or is an ELF binary. A script without a #!
//     line runs under sh (execve fails with ENOEXEC and the shell reads
//     the file itself) but fails in exec form with "exec format error";
//     such a script, a copied file whose content cannot be read, and
//     another path (a file that a RUN wrote) get "exec " instead: sh's exec
//     falls back to running the script the same way.
//   - Otherwise a single simple command gets "exec " in front: the shell
//     replaces itself with the program, which keeps shell expansion ($VAR,
//     globs) and the arguments an ENTRYPOINT script sees.
//   - ENTRYPOINT keeps its shell form (exec form would start passing CMD and
//     "docker run" arguments to it) and only gets "exec ".
//
// Before:
//
//	FROM python:3.12-slim
//	CMD python app.py
//
//	FROM node:20
//	ENTRYPOINT node server.js --port $PORT
//
// After:
//
//	FROM python:3.12-slim
//	CMD ["python", "app.py"]
//
//	FROM node:20
//	ENTRYPOINT exec node server.js --port $PORT
//
// Never changed: commands with pipes, &&, ;, redirections, variable
// assignments, background jobs, comments, functions, and commands under a
// non-POSIX SHELL; and shell builtins, also those that exist as programs
// too (echo, printf, test, [, true, false, kill, pwd, time): in exec form,
// or after exec, the program runs instead of the shell's builtin, and they
// differ (dash's echo reads backslash escapes, /bin/echo does not).
// Environment variables are expanded by the shell form only: words with $,
// globs or other shell syntax are never put in exec form.
//
// What else changes. The program becomes PID 1 of the container in place of
// the shell (Debian's and Ubuntu's dash, and bash, run a single command as a
// child; busybox ash already execs it). As PID 1 it gets the signals, but
// also the duty to reap orphaned processes, which the shell did as it
// waited for its children: a program that starts processes that outlive
// their parent leaves zombies unless an init runs in front of it (the tini
// pass, docker run --init). In exec form the program also no longer gets
// the PWD variable the shell exports (nor bash's SHLVL).
//
// Tier: aggressive, because the image configuration changes (Cmd or
// Entrypoint no longer start with /bin/sh -c), although the program that runs
// and its arguments are the same.
package execform

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the exec-form pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "exec-form", Tier: analysis.Aggressive, Run: run})
