// Package slimbase is the slim-base pass of dfopt.
//
// # Pass slim-base
//
// slim-base: build the final stage on the slim variant of python, node or ruby when the file needs nothing the full image adds
//
// The default python, node and ruby images are built on buildpack-deps:
// Debian with gcc, make, C headers of common libraries, git, curl, wget and
// more, so that packages that compile native code install without further
// steps. An application that needs none of that runs the same on the slim
// variant, which has the same language runtime on debian:RELEASE-slim and is
// several hundred MB smaller (python 3.11: about 1 GB against 150 MB).
//
// Before:
//
//	FROM python:3.11
//	COPY requirements.txt .
//	RUN pip install --no-cache-dir -r requirements.txt
//	COPY app.py .
//	CMD ["python", "app.py"]
//
// After:
//
//	FROM python:3.11-slim
//	COPY requirements.txt .
//	RUN pip install --no-cache-dir -r requirements.txt
//	COPY app.py .
//	CMD ["python", "app.py"]
//
// The pass rewrites the FROM at the root of the stage that is built (the
// last one, or --target), keeping the tag's version and release:
// python:3.11 becomes python:3.11-slim, python:3.12-bookworm
// python:3.12-slim-bookworm, node:20-bookworm node:20-bookworm-slim, python
// python:slim. A tag that does not name its release must have had a slim
// variant among the official images' tags (dfopt's data of their history).
// The fix declares the base changed on purpose: dfopt verify then compares
// the images by what went away and checks that the program's own files are
// still there.
//
// Left alone, with a finding that names what needs the full image, when any
// stage built on that image (the root stage and the stages built FROM it):
//   - runs a program the slim variant does not have (gcc, cc, g++, make, git,
//     curl, wget, pkg-config, autoconf, patch, unzip, bzip2, xz, gpg, ssh,
//     svn, hg, file, ImageMagick's convert, mysql_config, pg_config; and
//     python3 and node-gyp on node) in a RUN, ENTRYPOINT, CMD or HEALTHCHECK,
//     unless an earlier apt-get install of the file installs it;
//   - installs Python packages that build from source: --no-binary, a
//     distribution known to have no binary wheels for Linux (psycopg2,
//     mysqlclient, uwsgi, python-ldap, ...), a pin (==) to a version known
//     to have been published as sources only (python-Levenshtein before
//     0.20.0), a VCS checkout or URL, or a
//     local project whose setup.py, pyproject.toml or setup.cfg name native
//     code (ext_modules, Cython, cffi, pybind11, maturin, ...); or installs
//     a distribution known to load a system library at run time that the
//     slim variant lacks (python-magic, cairocffi, weasyprint, pyvips,
//     psycopg 3 (libpq; with any extra: [c] builds against libpq, and
//     [binary], which would be fine, is not told apart), Wand (ImageMagick),
//     ...; the lists are multi-stage's too); or installs requirement files
//     or a project that the build context does not show;
//   - installs npm packages that build a native addon (bcrypt, node-sass,
//     sqlite3, canvas, better-sqlite3, argon2, sharp, ...: in the lock file,
//     or package.json without one, or on the command line), runs npm rebuild,
//     or installs dependencies the build context does not show;
//   - has no CMD or ENTRYPOINT of its own (a base for other images, whose
//     RUNs may need the full one), or runs a shell or REPL (sh, bash,
//     python3, node, irb, ...) or a command that only keeps the container
//     running (sleep infinity, tail -f /dev/null): a toolbox or a
//     development container, in which what runs comes at run time;
//   - installs gems (gem install, bundle install), which may build native
//     extensions, or packages with uv, Poetry, Pipenv, PDM, conda or bun,
//     whose dependencies dfopt does not read;
//   - copies from a stage on another image that installs Python, npm or Ruby
//     packages or compiles C (COPY --from): native code built there may link
//     against libraries that only the full image has (psycopg2 and libpq);
//   - has ONBUILD instructions, or a RUN whose shell dfopt cannot read that
//     mentions one of those programs.
//
// Not changed, with a finding: a base pinned by digest (the slim image's
// digest is not known), named by a build argument, or with a tag whose slim
// variant is not known. Other images, variants that are not the default one
// (alpine, slim already, windowsservercore) and Windows stages are left alone
// without a finding.
//
// What to check: the lists of programs and packages are of common ones, not
// of all: a package not listed may build from source too (an old version
// pinned on a newer Python may have no wheel for it), a script the image
// runs may call curl or git, and a program may load a shared library that
// only the full image has (libpq, libmysqlclient, libxml2, ImageMagick's).
// Build and run the result: dfopt verify --smoke 'CMD' runs a command in both
// images.
//
// Tier: aggressive: the image's files change as a whole (a different base).
package slimbase

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the slim-base pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "slim-base", Tier: analysis.Aggressive, Run: run})
