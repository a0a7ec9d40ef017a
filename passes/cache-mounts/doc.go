// Package cachemounts is the cache-mounts pass of dfopt.
//
// The pass reads each RUN (cachemounts.go: the package managers it runs,
// the user it runs as, what later steps read) with the managers described
// in managers.go, decides per stage where apt may keep its downloads, and
// rewrites each RUN in one edit.
//
// # Pass cache-mounts
//
// cache-mounts: keep package-manager caches in RUN --mount=type=cache instead of the image
//
// cache-cleanup deletes what package managers download, so the image does not
// carry it, and every build downloads it all again. A cache mount keeps it
// outside the image, on the builder, for the next build: after a change to
// the dependencies only what changed is fetched. This pass mounts the caches
// of the package managers a RUN runs, and takes out of the RUN what would
// empty the mount (the rm -rf of the cache, apt-get clean, npm cache clean,
// pip's --no-cache-dir, also as the prefixes pip takes: --no-cache):
//
//	apt-get, apt     /var/lib/apt/lists and /var/cache/apt (sharing=locked)
//	apk              /etc/apk/cache (sharing=locked); --no-cache becomes
//	                 --update-cache: the index is fetched as before
//	pip              ~/.cache/pip ($PIP_CACHE_DIR, $XDG_CACHE_HOME/pip)
//	npm              ~/.npm
//	yarn (v1)        /usr/local/share/.cache/yarn for root, ~/.cache/yarn
//	                 for other users (sharing=locked)
//	go               the module cache ($GOMODCACHE, $GOPATH/pkg/mod:
//	                 /go/pkg/mod in the golang images) and the build cache
//	                 ($GOCACHE, ~/.cache/go-build)
//	mvn, mvnw        ~/.m2/repository (sharing=locked)
//	gradle, gradlew  ~/.gradle/caches and ~/.gradle/wrapper
//	                 ($GRADLE_USER_HOME; sharing=locked)
//	cargo            $CARGO_HOME/registry and $CARGO_HOME/git
//	                 (/usr/local/cargo in the rust images, else ~/.cargo)
//
// Before:
//
//	FROM node:20
//	RUN apt-get update && \
//	    apt-get install -y --no-install-recommends python3 && \
//	    rm -rf /var/lib/apt/lists/*
//	COPY package.json package-lock.json ./
//	RUN npm ci && npm cache clean --force
//
// After:
//
//	FROM node:20
//	RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
//	RUN --mount=type=cache,id=apt-lists-debian-bookworm,target=/var/lib/apt/lists,sharing=locked \
//	    --mount=type=cache,id=apt-archives-debian-bookworm,target=/var/cache/apt,sharing=locked \
//	    apt-get update && \
//	    apt-get install -y --no-install-recommends python3
//	COPY package.json package-lock.json ./
//	RUN --mount=type=cache,id=npm,target=/root/.npm npm ci
//
// What changes in the image: the caches are not in it (as after cache-cleanup),
// and, for apt, its configuration. The official Debian and Ubuntu images (and
// every image built on them: python, node, ruby, golang, ...) carry
// /etc/apt/apt.conf.d/docker-clean, which deletes downloaded packages after
// every install and would keep a mount of /var/cache/apt empty. As Docker's
// documentation does, the pass removes it and tells apt to keep what it
// downloads, in a new RUN before the stage's first mounted apt RUN; the fix
// declares both files as changed on purpose. That changes every later apt
// install too: images built FROM this one keep the packages they download
// unless they mount /var/cache/apt as well. So the new RUN is added only when
// every later step of the stage, and of the stages built on it, that runs
// apt (installs, and also apt-get purge, remove or autoremove, apt-mark,
// apt-cache: docker-clean also keeps the binary caches pkgcache.bin and
// srcpkgcache.bin, which these save in /var/cache/apt, out of the image)
// gets the mount; otherwise only the package lists are mounted, and the
// pass says why. A file that already undoes docker-clean gets the mounts
// without the new RUN.
//
// Mount ids name the cache and, for apt and apk, the base's release
// (apt-lists-debian-bookworm), so that builds on other releases do not
// replace each other's indexes; caches of a user other than root are mounted
// with uid= (a cache directory is made for root otherwise) and their id names
// it. sharing=locked makes builds that use the same apt, apk, Yarn, Maven or
// Gradle cache at the same time wait for each other (those tools do not lock
// their caches against other processes); pip, npm, Go and Cargo lock theirs or
// write atomically.
//
// The mount takes the cache out of the image, and a cache mount's content
// may be gone at any build (the builder prunes it). So a RUN is left alone,
// with a finding that says why, when a step depends on the cache being there:
//   - the RUN, or a later step of the stage, a stage built on it, or an
//     ONBUILD, installs from the cache only: apt-get install before its own
//     apt-get update (apk add before apk update, without --update-cache or
//     --no-cache), npm/yarn --offline, mvn -o, gradle --offline,
//     cargo --offline or --frozen, GOPROXY=off; for apt and apk also an
//     install out of sight before the step's own update: through xargs
//     (xargs apt-get install), in the string of sh -c or bash -c (or one
//     dfopt cannot read), through another command that runs apt (su -c
//     "apt-get install ...", runuser -u root -- apt-get, chroot /, flock,
//     unshare), with aptitude, or in a shell script (named .sh,
//     .bash or without a suffix) that a COPY or ADD brought and that
//     installs or cannot be read; a script the file does not bring
//     (./configure of a downloaded source) is taken for a build;
//   - the image runs the tool (go run, mvn, gradle, cargo in ENTRYPOINT, CMD
//     or HEALTHCHECK), or a later stage copies the cache out (COPY --from,
//     RUN --mount=from=, from the stage, one built FROM it or one named
//     with a variable; a source with a variable may copy anything below
//     the static part of its path up to the last / before the variable,
//     all of the stage when the variable is in its first component);
//   - files are put in the cache directory for the image: the RUN names it
//     in a command other than the manager's own and a removal (cp x.whl
//     /root/.cache/pip/, curl -o /var/cache/apt/archives/x.deb), apt
//     downloads only (apt-get install -d keeps the packages), or a later
//     step, stage or ONBUILD names it other than to remove it (RUN dpkg -i
//     /var/cache/apt/archives/*.deb, CMD ls /root/.cache/pip, an ENV); a
//     later COPY into it and a later RUN that mounts it itself do not
//     count. For apt, a reason that concerns /var/cache/apt alone keeps
//     only that mount out, and the fix says why;
//   - an earlier step of the stage, or of a stage it derives from, may have
//     filled the cache in the image, which the mount would hide (a build
//     with an empty cache downloads it all again, maybe without the
//     secret the earlier step had): a RUN that runs the tool where this
//     pass does not mount its cache, or names the cache, or runs make or a
//     script (make deps running go mod download); a COPY or ADD into it
//     (for apt and apk too, whose caches earlier RUNs fill as a matter of
//     course: a COPY or ADD puts files there for the image);
//   - the RUN removes a directory above the cache (rm -rf /root/.cache), or
//     empties the cache in a way that cannot be taken out: only a command
//     joined by && to its neighbours (or by ; after a top-level set -e) is.
//     For apt, an rm of /var/lib/apt/lists that stays keeps only the lists
//     out: /var/cache/apt is still mounted where it would be, so that the
//     packages (and the pkgcache.bin docker-clean kept from being written)
//     stay out of the layer also when an earlier RUN undid docker-clean;
//   - apk installs into another root (--root, -p), which keeps its own
//     cache, or names another cache with --cache-dir;
//   - the cache's place is not known: the user the RUN runs as, its home
//     directory or (for users other than root) its numeric id are not
//     known, the RUN sets HOME or a variable that moves the cache, or the
//     stage sets one to a value dfopt cannot read; PIP_NO_CACHE_DIR is set;
//   - the command runs as another user (sudo -u, gosu, su) or a user cache
//     through sudo; apt and apk as a user other than root without sudo;
//   - a user other than root, and a cache that is not right below the home
//     directory (~/.cache/pip, ~/.cache/go-build, ~/.m2/repository,
//     $GOPATH/pkg/mod): the builder makes the missing directories above a
//     mount's target as root, whatever uid= says, so a ~/.cache that did
//     not exist would become root's, and the user's other programs in the
//     RUN that write to it (pre-commit, golangci-lint) would fail;
//   - Yarn 2 and later (their cache is in the project), or a frontend that
//     may not take RUN --mount (a # syntax= line for a docker/dockerfile
//     older than 1.2 or another frontend).
//
// RUNs that mount a cache already (the file manages its caches there),
// heredoc and exec-form RUNs, RUNs whose
// shell cannot be read and Windows stages are left alone. pnpm, whose store
// node_modules is linked into, is left to cache-cleanup.
//
// RUN --mount needs BuildKit: the default builder since Docker 23 (docker
// buildx, and Docker 20.10 with DOCKER_BUILDKIT=1); the legacy builder
// rejects it. A file without a # syntax= line is built by the builder's own
// Dockerfile frontend, which has taken RUN --mount since Dockerfile 1.2.
//
// With cache-cleanup (the default level): this pass runs first, its fix is one
// edit over the whole RUN, so cache-cleanup's fixes to that RUN wait for the
// next round, where it finds the caches mounted and leaves them alone.
//
// Tier: aggressive: the image's apt configuration changes, and builds need
// BuildKit.
package cachemounts

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the cache-mounts pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "cache-mounts", Tier: analysis.Aggressive, Run: run})
