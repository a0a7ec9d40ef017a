// Package splitcopy is the split-copy pass of dfopt.
//
// # Pass split-copy
//
// split-copy: split a directory COPY into stable and frequently changing parts
//
// A COPY of a directory is one layer: a change to any file under it copies
// the whole directory again, and pushes and pulls all of it again. When most
// of its bytes sit in parts that rarely change (vendored libraries, fonts,
// images) and the commits go to the rest, copy the stable parts first, each
// in its own layer, and the rest after them:
//
// Before:
//
//	COPY static /srv/static
//
// After:
//
//	COPY --exclude=* --exclude=!vendor static /srv/static
//	COPY --exclude=* --exclude=!logo.png static /srv/static
//	COPY --exclude=vendor --exclude=logo.png static /srv/static
//
// Each copy is the original COPY with every entry but one stable entry
// excluded; the last is the original without the stable entries. So every
// file is copied once, by the same operation as before: the image has the
// same files with the same modes, owners and times, and an entry that exists
// in the image already gets its mode and owner from the context as before
// (a COPY static/vendor /srv/static/vendor would leave such a directory as it
// was). Each copy keeps the original's --chown, --chmod and --link.
//
// Which parts are stable is read from the git history of the build context
// (it must be a directory in a git work tree; a context in a subdirectory
// of the work tree is fine): the last 200 commits that touch the directory
// (git log -n 200 -- DIR), counted per immediate entry of the directory.
// The directory is split when:
//   - at least 10 commits touch it;
//   - an entry is stable when it changed in at most 10% of those commits,
//     every file under it that the builder sends is tracked by git, it holds
//     at least 10% of the directory's bytes, and it is a regular file or a
//     directory (not a symbolic link) without hard links, with a name that
//     needs no quoting;
//   - at most 3 stable entries are split out (the largest), ordered from the
//     least changed; together they hold at least half of the bytes and at
//     least 1 MiB (the setting split-copy-min-bytes changes this minimum);
//   - at least 75% of the commits change only the rest, so the stable copies
//     would have stayed cached for them.
//
// Sizes are those of the files the builder sends (.dockerignore honoured).
//
// Only a COPY of one directory of the build context other than the context
// root is considered: no --from, --parents or --exclude, no variables, no
// heredoc, not in a Windows stage. COPY . is left alone: manifest-first does
// not move a COPY with --exclude, so splitting it would stand in the way of
// moving the dependency install in front of the sources. A COPY that
// manifest-first rewrites is left to it first and split afterwards.
//
// COPY --exclude needs Dockerfile 1.19 or later. A "# syntax=" line that
// selects an older docker/dockerfile (1.7-labs to 1.18-labs have it, with a
// bug on broken symbolic links that 1.19 fixed), a version pinned only by
// digest, or another frontend makes the pass decline and say so. Without a
// "# syntax=" line the builder's own frontend builds the file, and an older
// Docker's rejects --exclude: the pass declines too, and says that
// "# syntax=docker/dockerfile:1" lets it split.
//
// Without history (no context directory, not a git work tree, git missing,
// fewer than 10 commits, such as in a shallow clone) nothing is rewritten. A
// COPY whose directory could be split if its history allowed (at least
// 1 MiB, half of it in at most 3 entries) is reported once, saying why it
// was not; other COPYs, and splits that do not pay off, are not reported.
package splitcopy

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the split-copy pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "split-copy", Tier: analysis.Safe, Run: run})
