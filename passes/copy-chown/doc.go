// Package copychown is the copy-chown pass of dfopt.
//
// The fold (copychown.go) reads the COPYs before a RUN (copies.go) and the
// chown and chmod commands of the RUN with the flags that do the same
// (perms.go), then checks that the files and their parent directory are
// the COPY's alone (place.go) and that no set-user-ID file is among them
// (setid.go).
//
// # Pass copy-chown
//
// copy-chown: copy with --chown/--chmod instead of re-owning the copied files in the next RUN
//
// A RUN that changes the owner or mode of the files the COPY before it
// copied stores every one of those files a second time, in its own layer.
// COPY --chown and --chmod give the files their owner and mode as they are
// copied, once.
//
// Before:
//
//	WORKDIR /srv/app
//	COPY . .
//	RUN chown -R app:app /srv/app
//	COPY entrypoint.sh /usr/local/bin/
//	RUN chmod +x /usr/local/bin/entrypoint.sh && echo done
//
// After:
//
//	WORKDIR /srv/app
//	COPY --chown=app:app . .
//	RUN chown app:app /srv/app
//	COPY --chmod=755 entrypoint.sh /usr/local/bin/
//	RUN echo done
//
// The output needs BuildKit or Docker 17.09 or later for --chown, and
// BuildKit for --chmod.
//
// What BuildKit (v0.34.2) does, measured: --chown and --chmod apply to every
// file, directory and symbolic link the COPY copies, and to the destination
// directory and the parents it creates; a destination directory that exists
// already (made by WORKDIR, or in the base image) keeps its owner and mode.
// chown -R and chmod -R change the directory itself too, so a non-recursive
// "chown SPEC DIR" (or "chmod MODE DIR") of the destination stays in the
// RUN: a layer with one directory in it. A copied file needs nothing more.
// chown clears set-user-ID bits, --chown keeps them; chmod -R 755 keeps the
// set-group-ID bit of a directory, --chmod=755 clears it; the build context
// keeps both. --chown=NAME takes the user's primary group, as chown NAME:
// does; chown NAME keeps the group. RUN's umask is 022.
//
// Folded:
//   - the chown/chmod names exactly the COPY's destination (relative paths
//     and "." resolved against WORKDIR, trailing slashes ignored) or, for a
//     copied file, that file; several paths are fine when each is the
//     destination of a COPY folded at the same time;
//   - the RUN comes right after the COPY (ENV, ARG, LABEL, EXPOSE, CMD,
//     ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, USER and other COPYs may come
//     between), runs as root, has no flags, and is an && chain in which the
//     chown or chmod comes first (only set, true, ":", echo, printf or a
//     chown/chmod of other paths before it): it is dropped from the chain,
//     or the whole RUN goes when nothing is left;
//   - chown: -R (or --recursive) for a directory; -v, -c, -f and -P are
//     fine. The owner is USER:GROUP, or USER alone when the files come from
//     the build context or a heredoc (they are root's, so the COPY gets
//     --chown=USER:0);
//   - chmod: an octal mode, or for a single file whose mode is known (build
//     context, heredoc) a symbolic one, written as the octal mode it gives;
//   - the copied files have no set-user-ID or set-group-ID bit: checked in
//     the build context (so local sources need one), or for COPY --from a
//     stage of the file, nothing in that stage sets such bits or brings files
//     from elsewhere, and the files come from outside the system directories;
//   - a directory destination is the COPY's alone: not a system directory
//     where base images keep files (/, /etc, /usr, /var, /opt, /srv, /home
//     and a home directory, ...), and nothing earlier in the stage (or the
//     stages it is built on) copies, writes or runs there, since chown -R
//     would change those files too (RUN mkdir or install -d of it, and
//     useradd/adduser --no-create-home with it as home, are fine). The base
//     image is assumed to hold nothing there;
//   - the parent of the destination (or of the copied file) exists before the
//     COPY: a directory every base image has, or one an earlier WORKDIR, COPY,
//     ADD or VOLUME made, or an earlier RUN (shell form or heredoc script):
//     mkdir, install -d, the home useradd -m/--create-home makes (the one
//     -d/--home-dir names, also in a cluster such as -md or abbreviated as
//     --home, or the one under -b/--base-dir; none with -R or -P), the home of
//     Debian's adduser (not with --no-create-home, nor --system without
//     --home) and BusyBox's (not with -H), when the command's failure fails
//     the RUN (not in a condition or a || list, and in the RUN's last &&
//     list or under set -e) and no later RUN may remove it (rm, rmdir, mv,
//     find -delete or userdel -r of it, of a directory above it, or of a path
//     that cannot be read, or usermod -m, which moves a home); BuildKit would give a parent it creates the new
//     owner or mode. A home that a script the pass cannot read creates is
//     not known;
//   - user and group names: no COPY in between may replace /etc/passwd or
//     /etc/group, from which --chown reads them before copying;
//   - ADD of a URL (one root-owned file) takes --chown the same way.
//
// Left alone, with a finding saying why when the chown matches a COPY:
// chown -h/-H/-L/--from/--reference, chown USER: and :GROUP (their groups
// differ between builders or cannot be written as --chown), owners with a
// dot, variables or globs, a path the COPY did not copy (inside or next to
// the destination), commands before the chown in the RUN (they may write
// there, or create the user), other commands of the RUN that change the files
// again, || or ; in the chain (a failing chown would not fail the build), RUN
// flags, a USER other than root, COPY --link (BuildKit then gives existing
// parents the owner too), --parents, a different --chown or --chmod already
// there, a chown after a chmod that sets set-user-ID or set-group-ID bits
// (BuildKit sets the owner first, so they would stay), ADD of local files
// (archives keep their own owners), chmod of ADD downloads, COPY --from an
// image, chmod -R of another stage's files, and a destination that may be a
// file or a directory (no build context). find ... -exec chmod, which
// changes files only, is not touched.
package copychown

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the copy-chown pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "copy-chown", Tier: analysis.Safe, Run: run})
