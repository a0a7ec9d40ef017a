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
//     lifecycle scripts (preinstall, install, postinstall, prepare), local
//     (file:, link:) dependencies or workspaces; go.mod replaced by local
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
//     old one back. Use npm ci and the like;
//   - the top-level program of a RUN that is split is a plain && list.
//
// Without a build context only pip installs from requirement files named in
// the RUN are rewritten (their names are certain; a file in a subdirectory is
// copied with its directory, where the files it includes with -r usually
// are); the others are reported. cargo, maven
// and gradle builds are reported: they need more than their manifests.
package manifestfirst

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the manifest-first pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "manifest-first", Tier: analysis.Safe, Run: run})
