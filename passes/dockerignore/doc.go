// Package dockerignore is the dockerignore pass of dfopt.
//
// The pass walks the context once (tree.go), reads what each Dockerfile
// that shares the ignore file sends from it and which stages see it
// (sends.go), what the instructions after it run (uses.go), whether they
// read .git (git.go) or build an output directory (outputs.go), and then
// tries the candidate entries one by one (candidates.go).
//
// # Pass dockerignore
//
// dockerignore: leave out of the build context what the build does not need (.git, node_modules, caches, editor files)
//
// Everything in the build context that the ignore file does not exclude is
// sent to the builder (the whole directory with the classic builder or a
// context upload; with BuildKit, what the COPY/ADD sources cover), and
// "COPY . ." puts it in the image. With a build context, this pass appends
// to the ignore file the paths that exist in the context and that the build
// does not need, under a comment line:
//
//	# added by dfopt: not needed by the build
//	.git
//	node_modules
//	**/__pycache__
//
// The finding gives the size of the regular files of the context that are
// not ignored, before and after ("more than" when the context has more than
// 100000 entries, where counting stops).
//
// The ignore file is NAME.dockerignore next to the Dockerfile NAME when it
// exists (BuildKit prefers it), else .dockerignore, created when missing.
// Line endings follow the file's. Nothing is written without -w; -d shows
// the change. When the Dockerfile is outside the context and has its own
// NAME.dockerignore, or the ignore file is not a regular file or does not
// parse, the pass does nothing.
//
// Candidates, each only when it exists and is not excluded yet:
//
//	.git                    unless a RUN after the context is copied uses the
//	                        repository: git (other than clone, init, ls-remote,
//	                        config --global), go build/install/test/vet/list/
//	                        generate/run (VCS stamping; not with
//	                        -buildvcs=false), a script from the context or a
//	                        build tool (make, npm, pip install ., maven, gradle,
//	                        cargo, cmake, bundler, composer, ...) whose files
//	                        in the context mention git, husky, setuptools_scm,
//	                        versioneer, pbr; dotnet, bazel, meson and other
//	                        build systems count as using it; so does a CMD or
//	                        ENTRYPOINT that mentions git
//	node_modules            (each one, not those inside another) when the
//	                        image installs its own (npm ci/install, yarn, pnpm
//	                        install) in the directory where the copy puts it,
//	                        after the copy in the same stage (installed only
//	                        before it, the copied node_modules lies over the
//	                        installed one and is the image's: kept);
//	                        when it is not copied, when some RUN installs
//	.venv, venv             directories with pyvenv.cfg or bin/activate
//	**/__pycache__, **/*.pyc  (.pyc files only with their .py next to them or
//	                        in __pycache__: a .pyc alone is the program)
//	.idea, .vscode, **/.DS_Store
//	*.log                   log files at the root; **/*.log when every nested
//	                        one is in a log or logs directory
//	test, tests, __tests__, spec, testdata (**/testdata)
//	                        when nothing after the copy can use them: every
//	                        later RUN of the stage, and of the stages that
//	                        take files from it, runs only system commands
//	                        (package managers, useradd, chown, mkdir, ...;
//	                        go build/install for testdata), and no CMD or
//	                        ENTRYPOINT runs a test runner
//	dist, build, target     when .gitignore lists them and a RUN after the
//	                        copy, in the directory the copy puts them, runs
//	                        the build that makes them: a JavaScript build
//	                        (npm/yarn/pnpm build script, vite, webpack, ng,
//	                        react-scripts, ...) whose output directory is
//	                        known from an --outDir-style flag or the tool's
//	                        default; gradle; maven, cargo, sbt; python -m
//	                        build, setup.py, pip install .
//
// The ignore file itself is added too when "COPY . ." would put it (new, or
// changed) in the image; BuildKit still reads an ignore file that excludes
// itself.
//
// Never ignored: a path a COPY, ADD or RUN --mount=type=bind source names (by
// name or with a glob other than a bare *, e.g. COPY .git /x, COPY *.log /x,
// COPY .* /x; a source with a variable names everything below its literal
// part), or that an instruction mentions (.git, __pycache__, tests, venv, a
// log file's name, ...). "COPY . ." and "COPY * ." send everything but name
// nothing. Sources of ONBUILD COPY/ADD count as naming. A bind mount of the
// context counts as a use of what it covers (node_modules, test and build
// directories are then kept). An entry that would exclude again something
// that a "!" line of the file re-includes is not added. Every stage is
// considered, whatever the target.
//
// The ignore file is shared by the Dockerfiles of the context that have no
// NAME.dockerignore of their own: an entry is added only when none of them
// needs it (one that does not parse, or more than 20 of them, stops the
// pass). A Dockerfile that takes
// nothing from its context gets no finding.
//
// A node_modules, virtual environment or build output that git tracks in
// the context was committed on purpose: it is left in, and a finding of its
// own says so (when the context is not in a git work tree, or git cannot be
// run, the rules above apply alone).
//
// What the image loses: the ignored paths that "COPY . ." put there, named
// in the finding (the fix lists them as removed when it can tell where they
// go); node_modules and build outputs are the image's own, from its install
// or build. Under npm ci, which deletes node_modules before it installs,
// leaving out the context's node_modules changes nothing in the image.
// npm install, yarn and pnpm install install on top of what the copy
// brought instead: left out, the image's node_modules is built afresh, and
// what the install downloads for that goes to its cache (~/.npm/_cacache,
// yarn's and pnpm's stores). The finding says so, and the fix declares that
// node_modules and those caches as changes to the image (Fix.Changes:
// --json lists them under changes, and dfopt verify counts their
// differences as made on purpose).
//
// Not detected: a program that reads .git, tests or logs when the container
// runs, and files that scripts of the tools named above read without the
// file mentioning them.
package dockerignore

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the dockerignore pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "dockerignore", Tier: analysis.Safe, Run: run})
