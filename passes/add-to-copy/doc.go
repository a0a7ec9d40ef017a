// Package addtocopy is the add-to-copy pass of dfopt.
//
// # Pass add-to-copy
//
// add-to-copy: use COPY instead of ADD for local files and directories that are not tar archives
//
// ADD does what COPY does and more: it downloads URLs, checks out git
// repositories, and extracts a local file when its content is a tar archive
// (plain, or compressed with gzip, bzip2, xz or zstd; the name does not
// matter). For local files that are not archives, and for directories (ADD
// does not extract archives found inside a directory), COPY builds the same
// layer and says what it does. Only the keyword changes, in its case:
//
// Before:
//
//	ADD requirements.txt app.py /srv/
//	add --chown=app:app config/ /etc/app/
//
// After:
//
//	COPY requirements.txt app.py /srv/
//	copy --chown=app:app config/ /etc/app/
//
// With a build context (--context, or the Dockerfile's directory), each
// source is looked up in it as BuildKit looks it up (wildcards matched with
// path.Match below the part of the path that has none; a directory that
// matches is taken whole) and every file it names is read: ADD is replaced
// only when none is a tar archive. A compressed file that cannot be read here
// (xz, zstd) counts as an archive. A source that is not in the context, or a
// wildcard that matches nothing, is left alone.
//
// Without a context, ADD is replaced only when every source is a directory
// (".", a path ending in "/", without wildcards) or has an extension that
// does not name an archive: source code and scripts (.py .js .ts .go .rb .php
// .java .c .sh ...), text and configuration (.txt .md .json .yml .yaml .toml
// .ini .conf .xml .html .css .sql .lock ...), keys and certificates (.pem
// .crt .key .asc .gpg), images (.png .jpg .gif .svg .ico) and zip-based files
// (.zip .jar .war .whl), which ADD never extracts; and Makefile, Gemfile,
// Pipfile, Procfile, LICENSE and the like. Other names are reported: only the
// content tells whether ADD would extract them. Names of tar archives (.tar
// .tgz .tar.gz .gz .bz2 .xz .zst ...) are left alone.
//
// Left alone: ADD of URLs and git repositories (see add-url), ADD with
// --checksum, --keep-git-dir, --unpack or another flag COPY does not have
// (COPY shares --chown, --chmod, --link and --exclude), heredoc sources,
// sources with quotes, backslashes or the escape character, and ONBUILD ADD
// (it runs in another build, with another context). Sources that use a
// variable are reported: what the variable holds is known only at build
// time.
package addtocopy

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the add-to-copy pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "add-to-copy", Tier: analysis.Safe, Run: run})
