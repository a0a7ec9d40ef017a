// Package manifestfirst is the manifest-first pass of dfopt.
//
// # Pass manifest-first
//
// manifest-first: copy dependency manifests and install before copying the sources
//
// The build cache is invalidated at the first COPY whose files changed. With
// the sources copied before the dependency install, every source edit
// re-downloads every dependency. Copy the manifests first, install, then copy
// the sources:
//
// Before:
//
//	WORKDIR /app
//	COPY . .
//	RUN npm ci && npm run build
//
// After:
//
//	WORKDIR /app
//	COPY package.json package-lock.json ./
//	RUN npm ci
//	COPY . .
//	RUN npm run build
//
// The install commands recognised, and the files copied for them (those that
// exist in the build context; optional ones only when present):
//
//	pip install -r F / -c F    F, and the files F includes with -r and -c
//	pipenv install / sync      Pipfile, Pipfile.lock
//	poetry install             pyproject.toml, poetry.lock, poetry.toml
//	npm ci / npm install       package.json, package-lock.json,
//	                           npm-shrinkwrap.json, .npmrc
//	yarn [install]             package.json, yarn.lock, .yarnrc, .yarnrc.yml,
//	                           .npmrc, .yarn/releases, plugins, patches, cache
//	pnpm install / fetch       package.json, pnpm-lock.yaml, .npmrc,
//	                           .pnpmfile.cjs
//	go mod download / verify   go.mod, go.sum
//	bundle install             Gemfile, Gemfile.lock, .bundle
//	composer install           composer.json, composer.lock, auth.json
//	dotnet restore             the project file, nuget.config,
//	                           Directory.Build.props/.targets,
//	                           Directory.Packages.props, global.json
//
// A RUN that installs and then builds is split: the install moves before the
// sources, the rest stays after them (a leading cd or set is repeated, and
// cache cleanups such as npm cache clean --force run in both parts).
// poetry install without --no-root and composer install without --no-scripts
// --no-autoloader install the project too, which needs the sources: a first
// "poetry install --no-root" (composer: "--no-scripts --no-autoloader") fetches
// the dependencies before the sources, and the original command stays after
// them and finishes the job.
//
// The rewrite is made only when it cannot change the image:
//   - the source COPY copies one directory (. or a directory of the context)
//     without --from, --parents or --exclude; its --chown, --chmod and --link
//     are kept on the manifest COPY;
//   - between it and the install there are only instructions that do not
//     read the sources (ENV, ARG, LABEL, EXPOSE, USER, WORKDIR when the COPY's
//     destination is absolute, RUNs of system package managers, and a
//     non-recursive chown or chmod of the destination directory itself);
//   - the install reads only the manifests: pip install of ".", -e, local
//     paths or --find-links directories; npm, yarn and pnpm installs with
//     lifecycle scripts (preinstall, install, postinstall, prepare,
//     dependencies), a binding.gyp beside package.json (built by node-gyp),
//     a dependency whose install script reads the project (@prisma/client
//     and prisma generate the client from prisma/schema.prisma, nx reads
//     the workspace: the install before the sources would run it without
//     them, and the install after finds node_modules complete and runs
//     nothing again), a package that a package-lock.json or
//     npm-shrinkwrap.json of version 2 or 3 marks with hasInstallScript,
//     unless it is known to build or fetch only its own binary (esbuild,
//     sharp, bcrypt, node-sass, @swc/core, electron, cypress, ...; a lock
//     of version 1, yarn.lock and pnpm-lock.yaml do not say, so only the
//     known readers count there; --ignore-scripts lifts all of these),
//     local dependencies (file:, link:, paths, tarballs by file name, also
//     in overrides and resolutions) or workspaces; go.mod replaced by local
//     directories; Gemfiles with gemspec or path gems; Pipfiles and
//     pyproject.toml with path dependencies; composer path repositories and
//     .NET project references all need the sources, and are only reported;
//   - what the install creates is not in the context (node_modules, vendor,
//     .venv, obj): copying the sources after it would overwrite it. Add such
//     directories to .dockerignore (the dockerignore pass does);
//   - an install that may rewrite its lock file (npm install, yarn without
//     --frozen-lockfile, pnpm without --frozen-lockfile, bundle install
//     without --frozen, pipenv install without --deploy) moves only when the
//     context has no lock file: copying the sources after it would put the
//     old one back. Use npm ci and the like. npm install, alone in its
//     RUN, is run twice instead (see below);
//   - the top-level program of a RUN that is split is a plain && list.
//
// npm install with a lock file in the context runs twice: as written, with
// the manifests and the lock file, before the sources are copied (this step
// is cached across source edits and does the downloading), and again where
// it was, in the RUN that stays after the sources as it is:
//
//	COPY . .                 COPY package.json package-lock.json ./
//	RUN npm install    =>    RUN npm install
//	                         COPY . .
//	                         RUN npm install
//
// Copying the sources puts the context's lock file back over the one the
// first install may have rewritten (an old lockfileVersion, fields a newer
// npm adds); the second install computes its tree from the same package.json
// and lock file as the original's install, finds node_modules complete and
// writes the lock file the original writes, so the image has the files of
// the original (the e2e suite builds both and compares them, with a
// lockfileVersion 1 lock file that npm rewrites, and rebuilds both after a
// source edit). The checks above make sure the first install reads nothing
// but the files copied for it. What changes: on a rebuild after a source
// edit the second install finds node_modules complete and downloads no
// package (it still asks the registry for its audit, and, for a lock file
// of an older lockfileVersion, for the packages' metadata it upgrades the
// lock file with), and the image holds one more of npm's debug logs in
// ~/.npm/_logs, whose names change on every build anyway. yarn and
// pnpm installs that may rewrite their lock file are only reported: they
// keep their own record of node_modules (.yarn-integrity, .modules.yaml),
// and that a lock file put back leaves node_modules as the original's is not
// proven by a build.
//
// Without a build context only pip installs from requirement files named in
// the RUN are rewritten (their names are certain; a file in a subdirectory is
// copied with its directory, where the files it includes with -r usually
// are); the others are reported.
//
// Builds with no install step. Go, Maven and Cargo builds download their dependencies themselves: with
// no install to move, every source edit downloads them all again. The pass
// adds the dependency step before the source COPY:
//
//	FROM golang:1.22 AS build           FROM golang:1.22 AS build
//	WORKDIR /src                        WORKDIR /src
//	COPY . .                      =>    COPY go.mod go.sum ./
//	RUN go build -o /out/app .          RUN go mod download
//	                                    COPY . .
//	FROM gcr.io/distroless/static       RUN go build -o /out/app .
//	COPY --from=build /out/app /app     ...
//
// for the first build command after the copy:
//
//	go build, install, test, vet,   go.mod, go.sum in the module's root
//	run, generate, list, get        (the nearest go.mod above the build's
//	  -> go mod download            directory), run there
//	mvn / ./mvnw package, verify,   pom.xml and the POMs of its modules,
//	install, compile, test          .mvn/, mvnw; the build's options that
//	  -> mvn dependency:go-offline  change what is resolved (-D, -P, -U, -T, ...)
//	cargo build, test, run, check,  Cargo.toml, Cargo.lock, rust-toolchain
//	install --path                  (.toml), .cargo/config(.toml);
//	  -> cargo fetch                --locked as the build has it
//
// The step downloads what the build would (go mod download also the
// modules the tests need, go-offline every plugin), and the build finds it
// there. What it adds to the build stage must not reach the image, so the
// step is added only:
//   - in a stage that is not the one built (the last one, or --target) and
//     that no stage built FROM it is; in the stage built, the extra
//     downloads would ship: the finding says so and names the cache mount
//     (RUN --mount=type=cache,target=/go/pkg/mod) that keeps downloads out
//     of the image instead (the cache-mounts pass of the aggressive tier);
//   - when no COPY --from or RUN --mount=from= of a later stage reads the
//     module cache, ~/.m2, CARGO_HOME's registry or the go command's
//     configuration of the stage (a source of / reads all of it);
//   - when the step downloads as the build would: the tool is in the base
//     image (golang, maven, eclipse-temurin, rust, ...) or installed before
//     the copy; nothing between the copy and the build installs it, git or
//     certificates, changes USER, sets a variable the tool reads (GOPROXY,
//     GOFLAGS, MAVEN_OPTS, CARGO_*, HOME, PATH, proxies, ...), runs git
//     config or go env -w, or copies files into /etc or a home directory;
//     the build RUN mounts no secret, SSH agent or files.
//
// Declined and reported: GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE or
// GOWORK set (private modules may need what only the build has); go.work
// workspaces and replace directives to directories (the sources); no
// go.sum; -modfile; Maven modules that use one another (go-offline cannot
// download what the build makes), systemPath dependencies, a parent POM
// outside the build's directory, -f, -pl, -s, -gs, -t, and the same in
// .mvn/maven.config or MAVEN_ARGS (Maven reads them on every run, so the
// step would too, without the file), -o there, a value that looks like a
// file of the project in .mvn/jvm.config or MAVEN_OPTS (a trust store), a
// MAVEN_ARGS or MAVEN_OPTS dfopt cannot read, and .mvn/extensions.xml
// (core extensions run in every build and may read the project's files or
// its .git); Cargo workspaces,
// path dependencies, vendored sources, manifests whose targets cargo finds
// in the sources (src/main.rs: cargo fetch cannot read the manifest
// without them), no Cargo.lock; gradle, which has no documented way to
// download a build's dependencies from the build files alone. Left alone
// without a finding, as they download nothing or cache it already: go
// builds from a vendor directory (-mod=vendor, or vendor/modules.txt with
// go 1.14 or later), GOPROXY=off, GO111MODULE=off, a module that requires
// nothing, no go.mod in the context (GOPATH mode, or the build runs go mod
// init), mvn -o, cargo --offline or --frozen, RUN --network=none, a cache
// mount of the module cache, and a dependency step that already runs
// before the copy (cargo chef cook, mvn dependency:*).
package manifestfirst

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the manifest-first pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "manifest-first", Tier: analysis.Safe, Run: run})
