// Package multistage is the multi-stage pass of dfopt.
//
// # Pass multi-stage
//
// multi-stage: build in one stage and copy only the program into a slim runtime stage
//
// A single stage that builds a program and runs it ships the whole
// toolchain, the sources and the build caches with it: the golang image
// alone is hundreds of megabytes, and a Go program needs none of it. This
// pass turns the stage the build produces (the last one) into a build
// stage and adds a final stage on a small runtime image that holds only
// what the program needs, copied from the build stage:
//
// Before:
//
//	FROM golang
//	COPY whatsmyip.go .
//	RUN go build whatsmyip.go
//	CMD ["./whatsmyip"]
//
// After:
//
//	FROM golang AS build
//	ENV CGO_ENABLED=0
//	COPY whatsmyip.go .
//	RUN go build whatsmyip.go
//
//	FROM scratch
//	COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
//	WORKDIR /go
//	COPY --from=build /go/whatsmyip /go/whatsmyip
//	CMD ["./whatsmyip"]
//
// How the final stage is made, for every ecosystem. The build stage keeps
// every instruction up to its last RUN, COPY or ADD, unchanged; it gets a
// name ("build", or NAME-build when it had the name NAME, which goes to
// the final stage so that --target NAME still builds the image). The final
// stage starts right after that instruction: the instructions that follow
// it (CMD, ENTRYPOINT, EXPOSE, ENV, LABEL, USER, WORKDIR, ...) become its
// own, as written. It sets the build stage's working directory, copies the
// program's files to the same absolute paths, and repeats the ENV, LABEL,
// EXPOSE, VOLUME, STOPSIGNAL and MAINTAINER instructions (and a CMD or
// ENTRYPOINT) that came before the build's end, as written, except ENV
// instructions that set only the toolchain's variables. The image's
// configuration is therefore the one the file sets; what it inherited from
// the build image (its environment, its working directory when the file
// sets none) comes from the runtime image instead.
//
// Go (FROM golang): the program is the binary that go build or go install
// makes, found from the image's command (./app, /usr/local/bin/app, or a
// bare name looked up in the golang image's PATH; a binary the command
// finds in /go/bin moves to /usr/local/bin). With the build context in
// view, its Go sources are read:
//   - no cgo (no import "C", no module known to use it, such as
//     github.com/mattn/go-sqlite3 or a wrapper of it like
//     gorm.io/driver/sqlite, among go.mod's requirements or in go.sum or
//     vendor/modules.txt, which list the modules reached through them; a
//     go.mod with requirements and neither of those counts as cgo; go.sum
//     counts a module it lists with the hash of its content, MODULE
//     VERSION h1:..., which go mod download fetches and the build may
//     compile, not one it lists only by its go.mod's hash, MODULE
//     VERSION/go.mod h1:..., which is in the module graph for the versions
//     it requires and is neither downloaded nor built; vendor/modules.txt
//     a module with packages vendored),
//     no -race, no external link, in go
//     build's flags or in GOFLAGS, no CGO_ENABLED=1): the build gets ENV CGO_ENABLED=0 (unless it sets
//     it), and the static binary goes onto scratch, with the CA
//     certificates when the program may make TLS connections (it imports
//     net/http, crypto/tls, crypto/x509, net/smtp, or any package from
//     outside the standard library) and the time zone database when it
//     may load zones (time.LoadLocation, or any package from outside the
//     standard library, unless it imports time/tzdata), both copied from
//     the build stage. It goes onto gcr.io/distroless/static-debian12
//     instead (certificates, time zones, /tmp and a user database, no
//     shell) when the program may write temporary files (os.CreateTemp,
//     os.MkdirTemp, os.TempDir, mime/multipart, ...), looks users up
//     (os/user), names its USER, or needs time zones that the build image
//     (Debian trixie and later, Alpine) does not have.
//   - cgo, sources that cannot be read (no context, only .go files
//     named in COPY), or a go test or go vet in the build stage that does
//     not run with CGO_ENABLED=0 itself (ENV CGO_ENABLED=0 would change
//     what it builds and runs: go test -race needs cgo, and so do the
//     packages and test dependencies that use it): the binary stays as
//     the build makes it and goes onto
//     debian:RELEASE-slim of the golang image's own Debian release, with
//     its CA certificates: glibc for a glibc binary. Never scratch nor
//     Alpine for it (a glibc binary does not run on musl); on an Alpine
//     golang image such a build is declined.
//
// Java (FROM maven, gradle, eclipse-temurin, or openjdk with a JDK): a
// Maven (mvn, ./mvnw: package, install, verify) or Gradle (gradle,
// ./gradlew: build, assemble, jar, bootJar, shadowJar) build, and a java
// command whose jar (-jar), class path (-cp, with the JVM's dir/*
// wildcard) and agents are build outputs: below target/ (Maven) or build/
// (Gradle) of the project built, or a cp or mv of one. The final stage is
// the JRE of the same vendor and Java version: eclipse-temurin:N-jre (with
// the same distribution suffix: -jammy, -alpine, ...) for eclipse-temurin
// and the maven and gradle images built on it, openjdk:N-jre for openjdk
// 8 and 11. The pom.xml is read: the jar the command runs must be the one
// it names (finalName, or artifactId-version, with its properties; a
// classifier such as -jar-with-dependencies is accepted), and a
// multi-module project, another packaging than jar, or a manifest
// Class-Path (addClasspath) is declined; so is a Gradle build file that
// sets a Class-Path. Maven's and Gradle's variables (MAVEN_OPTS,
// GRADLE_OPTS, ...) are not repeated; JAVA_OPTS is.
//
// Node.js (FROM node): an npm, Yarn 1 or pnpm install with the
// devDependencies, a build after it (npm run build, yarn build, pnpm
// build, npx, tsc), and a command that runs node on a file of a directory
// the build makes (node dist/server.js, node . with package.json's main,
// or npm start, yarn start, npm run X whose script is such a node
// command). The build stage gets a RUN that removes the devDependencies
// (npm prune --omit=dev, --production before npm 7; yarn install
// --production --frozen-lockfile; pnpm prune --prod) unless a prune of its
// own that surely runs did it already, and the final stage,
// on the slim variant of the node image (node:18 gives node:18-slim,
// node:20-bookworm node:20-bookworm-slim; an Alpine or slim image is
// kept), gets package.json, node_modules and that directory. Declined: no
// build (the program runs from its sources), a program that is not node
// (next start, serve, ts-node), Yarn 2 and later, Yarn 1 or pnpm with
// root lifecycle scripts (preinstall, install, postinstall, prepublish,
// prepare: Yarn's install --production runs them again, and pnpm's prune
// is an install that may, after the devDependencies they may need,
// patch-package or husky, are gone; --ignore-scripts would skip the kept
// dependencies' scripts too), workspaces, a
// production-only install, a node that preloads a module or reads a
// file when the program starts (-r, --require, --import, --loader,
// --env-file, in the command or NODE_OPTIONS; tsconfig-paths/register
// reads tsconfig.json and resolves its paths, which may lead into the
// source tree; source-map-support/register reads nothing and is
// accepted), ts-node's variables (TS_NODE_...), pnpm in the command (installed in the build
// stage only), dependencies known to link system libraries that the slim
// image lacks (canvas, pg-native, ...), a digest-pinned base.
//
// Python (FROM python): pip installs (pip, pip3, python -m pip) with
// compilers or headers installed (a slim image without any gains nothing
// and is left alone), or on the full image. The build stage creates a
// virtual environment first (RUN python3 -m venv /opt/venv and ENV
// PATH=/opt/venv/bin:$PATH, so that pip installs there), and the final
// stage, on the slim variant of the python image (python:3.11 gives
// python:3.11-slim, python:3.12-bookworm python:3.12-slim-bookworm), gets
// the environment, the same PATH, and the app: the working directory as a
// whole when the COPYs wrote below it, and the files they put elsewhere
// (/etc/gunicorn.conf.py), one by one, never the directory they went to
// (/etc, /usr/local/lib, /opt hold the build image's own files), except
// those an rm removes after the COPY (a wheel in /tmp/); more than 8 such
// files, files that cannot be listed, or an rm of a path given by a
// variable, are declined. A name with whitespace, $ or a quote is written
// in COPY's JSON form with the escape character before $, quotes and
// itself (BuildKit expands variables and removes quotes in that form
// too: COPY --from=build ["/etc/app/my file.ini", ...]); a name with a
// pattern character (*, ?, [), a backslash or a control character, which
// a COPY cannot name as it is, is declined (in any ecosystem).
// What the build stage installed with apt-get comes along as the program
// needs it: compilers, headers of libraries the slim image has (libssl,
// libffi, zlib, ...) and version control stay behind; the libraries of
// other -dev packages are installed (libpq-dev gives libpq5,
// default-libmysqlclient-dev libmariadb3, libjpeg-dev libjpeg62-turbo,
// libxml2-dev libxml2, ...); other packages (ffmpeg, ...) are installed as
// they were: the word as written (with its version or release:
// ffmpeg=VERSION, jq/bookworm), the apt options that choose versions or
// configure apt (-t, --target-release, --default-release, -o, -c) as
// written, and --no-install-recommends only when the original installs
// had it. When an instruction of the build stage may add a package
// repository (a COPY or a RUN that touches /etc/apt, sources.list,
// keyrings, apt-key, add-apt-repository or gpg), some installs had
// --no-install-recommends and some not, or different options of those
// above, a package is installed at two versions, or a -dev package that
// stands for a library is pinned (libpq-dev=VERSION: the library's
// matching version is not known), a build whose final stage would
// install packages is declined: they may come from a repository the final
// stage does not have, or at other versions. On the full image, whose libraries a package built from
// source may link, the requirements are read, and those known to build
// against one system library (psycopg2, mysqlclient) get its package;
// the other distributions known to build from source (uwsgi, python-ldap,
// ..., the list slim-base reads) or to load a system library at run time
// (python-magic, cairocffi, weasyprint, pyvips, ...) are declined.
// Declined: Alpine, a -dev package whose runtime package is not known,
// requirements that cannot be read on the full image, pip --user,
// --target, --prefix or --root, pip by its path, Poetry, Pipenv, uv,
// conda, a virtual environment of the file's own, python running at build
// time (other than a python -c whose code only imports modules and
// prints: nltk.download, a model's from_pretrained, collectstatic and the
// like may write outside the app), a COPY into /, a command the slim
// image lacks (git, curl, ...), an instruction naming the python image's
// interpreter or a console script by its path (/usr/local/bin/python,
// /usr/local/bin/gunicorn: PATH finds them in /opt/venv/bin, a path
// bypasses it) or its site-packages (/usr/local/lib/python3.N/: a COPY'd
// sitecustomize.py or .pth, a PYTHONPATH, which the environment's
// interpreter does not read), other than a file a COPY put there.
//
// For Go, Java and Node.js, the files the COPYs bring must be build input:
// sources and project files (for Java: src/, pom.xml, build.gradle,
// wrappers; for Node.js: src/, tests, manifests, lock files, tool
// configuration), documentation, CI and editor settings (a Python app is
// copied whole). Any other file
// (public/, views/, config/, .env, templates) may be read by the program
// at run time from the source tree, and the build is not split.
//
// The Go toolchain's variables (GOPATH, GOFLAGS, CGO_ENABLED, GO111MODULE,
// GOPROXY, ..., and a PATH that only adds /usr/local/go/bin or /go/bin)
// are not set in the final stage; those the program reads (GODEBUG,
// GOMAXPROCS, GOGC, GOMEMLIMIT, ...) are.
//
// An archive that a COPY brings and a later RUN unpacks (tar -x, unzip;
// the articles' JDK tarball) stays in the COPY's layer even when the RUN
// removes it. That is reported on any base image, without a fix: the
// directory it unpacks to, which the final stage would COPY --from a
// build stage, is not known without reading the archive. Unpack it in a
// build stage by hand, or ADD a local tar archive, which unpacks it
// without keeping it:
//
//	FROM centos AS jdk
//	COPY jdk-8u231-linux-x64.tar.gz /usr/local/src
//	RUN cd /usr/local/src && tar -xzvf jdk-8u231-linux-x64.tar.gz -C /usr/local
//
// becomes, by hand,
//
//	FROM centos AS unpack
//	COPY jdk-8u231-linux-x64.tar.gz /usr/local/src
//	RUN cd /usr/local/src && tar -xzvf jdk-8u231-linux-x64.tar.gz -C /usr/local
//
//	FROM centos AS jdk
//	COPY --from=unpack /usr/local/jdk1.8.0_231 /usr/local/jdk1.8.0_231
//
// Declined, with a finding that says why:
//   - the stage is not the file's last, is built FROM another stage, has
//     FROM --platform, a base from a build argument, ONBUILD, SHELL, or a
//     HEALTHCHECK command (the runtime image may not have the tools it
//     runs);
//   - the program runs as a non-root USER (the runtime image lacks the
//     user, and files the build gave it);
//   - the image has no CMD or ENTRYPOINT of its own, or one that is a
//     shell script rather than a command of literal words; on scratch and
//     distroless, which have no shell, a shell-form ENTRYPOINT (a
//     shell-form CMD of literal words is written in exec form there, and
//     Cmd declared changed);
//   - instructions after the build's end other than configuration, or
//     variables in the instructions the final stage repeats that it would
//     not set the same way (build arguments, the toolchain's variables);
//   - the build makes several binaries, the command runs something else,
//     or which binary a build makes cannot be told (a build argument picks
//     it, go build of a package without -o and no go.mod in view, several
//     packages, -buildmode other than exe or pie, a go build that may not
//     run);
//   - the RUNs do other things than build: any command but go, cd, mkdir,
//     rm, chmod, git, cp/mv/install/ln of the binary and a few more, or an
//     install of packages other than compilers, git and certificates (the
//     program may run them), go get without -d, go run and go generate
//     (the program they run may write a file the binary reads at run
//     time, which the final stage would not have);
//   - a Go program whose sources run other programs (os/exec,
//     syscall.Exec, os.StartProcess): the golang image has a shell, git
//     and a compiler, the runtime images do not;
//   - a Node.js program whose sources use child_process, when the final
//     stage's image is not the build's (the full node image has git,
//     python3 and a compiler, the slim one does not);
//   - a Python program on the full image whose sources run other
//     programs (subprocess, os.system, os.popen, os.exec*);
//   - a mkdir or touch (in any ecosystem) of a path the final stage would
//     not have: outside the working directory's parents, the copies'
//     parent directories and the directories copied; a mkdir with a mode,
//     or of a path from a variable; likewise a file a redirection of a RUN
//     writes (echo k=1 > /etc/app.conf, cat > f <<EOF, >>, &>) outside
//     what is copied (/dev/null and the like aside, and the build tools'
//     configuration and credentials: .netrc, .npmrc, .gitconfig,
//     pip.conf, ...), to a variable, or in
//     a directory that is not known, the directory a git clone makes, and
//     the CA bundle update-ca-certificates writes
//     (/etc/ssl/certs/ca-certificates.crt), unless the final stage copies
//     it (Go);
//   - files of the source tree the program may read at run time: the
//     COPYs bring files other than Go sources, modules, vendored code,
//     tests and project metadata, and //go:embed does not embed them, or
//     the command names one; a COPY --from; a COPY whose files cannot be
//     listed (no build context, a source the context lacks, which says it
//     is built with another, a variable, an archive ADD extracts).
//
// What to check: the program runs from what is copied alone. It must not
// read files the build stage had (templates, configuration, files the
// build wrote outside its output directory), run programs the build image
// has, or (on scratch and distroless) need a shell. On scratch there is
// no /tmp and no user database. A Node.js native module or a Python
// extension compiled against a library of the full image may miss it in
// the slim one: import it in a smoke command. Prove it
// with dfopt verify --level=aggressive --smoke 'PROGRAM --version' (or
// any command that exercises it), which builds both images and runs the
// command in each.
//
// Changes (declared, for dfopt verify): base, the toolchain variables the
// build stage's ENV set (Env[GOPATH], Env[CGO_ENABLED], Env[MAVEN_OPTS],
// Env[NPM_CONFIG_...], Env[PIP_...], ...), Env[PATH] and /opt/venv/ for
// Python's virtual environment, Cmd when a shell-form CMD is written in
// exec form, and the toolchain's files (/usr/local/go/, ~/.m2/,
// ~/.gradle/, the devDependencies in node_modules/).
//
// Tier: aggressive. Turn it off with --disable=multi-stage.
package multistage

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the multi-stage pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "multi-stage", Tier: analysis.Aggressive, Run: run})
