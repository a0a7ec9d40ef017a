// Package cachecleanup is the cache-cleanup pass of dfopt.
//
// The pass reads each RUN once (facts.go: the package managers it runs, the
// variables it sets, its user, its mounts; order.go: whether a command reads
// an index before the RUN updates it, and which later RUNs read a cache;
// heredoc.go: heredoc scripts) and a cleaner per RUN decides (cleaner.go)
// for the system package managers (system.go, aptlater.go for apt lists
// read further down) and the language ones (languages.go, golang.go).
//
// # Pass cache-cleanup
//
// cache-cleanup: remove package-manager caches in the RUN that creates them
//
// Package indexes and download caches left in a layer stay in the image even
// when a later RUN deletes them. This pass adds the cleanup, or the no-cache
// option, to the RUN that creates them.
//
// Anything appended to a RUN runs in the state the RUN leaves behind: a
// deleted working directory, a PATH set in a subshell, a package manager the
// RUN just upgraded (which may not start on the base's runtime), variables it
// exported. So the only command this pass appends is rm -rf of fixed paths,
// which does the same in any of those states, cannot fail, writes nothing
// (npm cache clean writes a debug log; dnf clean all writes to dnf.log) and
// never re-creates what the RUN deleted on purpose. It never runs a package
// manager. Options are added to the package manager's own command line only
// where every version the base image may carry accepts them.
//
//	apt-get/apt update   append rm -rf /var/lib/apt/lists/*
//	apk add/upgrade      add --no-cache (not on Alpine 3.2 and older, not
//	                     with --no-network; on Alpine 3.3 to 3.8 only after
//	                     the RUN fetches the index, see below)
//	apk update           append rm -rf /var/cache/apk/*
//	pip install          add --no-cache-dir (pip, pip3, python -m pip) where
//	                     pip is known to be 19.1 or newer, see below
//	pipx install         add --pip-args=--no-cache-dir
//	dnf                  append rm -rf /var/cache/dnf/* /var/cache/libdnf5/*
//	yum                  append rm -rf /var/cache/yum/* /var/cache/dnf/*
//	microdnf, tdnf       the same for their cache directories
//	npm install/ci       append rm -rf HOME/.npm/_cacache
//	yarn (v1) install    append rm -rf /usr/local/share/.cache/yarn (root)
//	                     or HOME/.cache/yarn (other users)
//	pnpm install/add     append rm -rf HOME/.cache/pnpm (its metadata cache;
//	                     the store stays, node_modules is linked into it)
//	gem install/update   add --no-document (--no-rdoc --no-ri on bases whose
//	                     RubyGems is older than 2.0: ruby:1.x, Debian 7,
//	                     Ubuntu 14.04, CentOS 6)
//	bundle install       append rm -rf HOME/.bundle/cache (and, as root with
//	                     GEM_HOME known, GEM_HOME/cache/*.gem)
//	composer install     append rm -rf HOME/.composer/cache HOME/.cache/composer
//	                     (or $COMPOSER_HOME/cache when ENV sets it)
//	go build, install,   append rm -rf HOME/.cache/go-build, Go's build cache
//	test, vet, run,      (or $GOCACHE, or $XDG_CACHE_HOME/go-build, when ENV
//	generate             or ARG sets them, or GOCACHE when the RUN sets it
//	                     for the command, see below; /root/.cache/go-build
//	                     in the golang images); the module cache (GOMODCACHE,
//	                     GOPATH/pkg/mod) stays, and go mod download is
//	                     left alone: later builds read the modules, and
//	                     a build that must run offline needs them (golang
//	                     images before 1.10 have no build cache); xx-go,
//	                     the cross-compiling wrapper of tonistiigi/xx,
//	                     counts as go
//
// HOME is the home directory of the user the RUN runs as: /root for root
// (USER root, or no USER on a base image known to run as root), ENV HOME, the
// directory useradd/adduser gave the user in the file, or what a known base
// image has (node's /home/node). When the file does not tell, the cleanup
// names "$HOME", which the builder sets from the user's passwd entry, so it
// reaches the directory the package manager used; RUNs that set HOME are left
// alone. Commands run through sudo get their cleanup through sudo, for root's
// home and the caller's.
//
// Before:
//
//	RUN apt-get update && apt-get install -y curl
//	RUN pip install -r requirements.txt
//
// After:
//
//	RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
//	RUN pip install --no-cache-dir -r requirements.txt
//
// Appended commands are joined with && after the RUN's last command, so the
// RUN's exit status is unchanged; they go before a final ';' or trailing
// comment, and on a new continuation line in the RUN's own style when the RUN
// spans several lines. Installs run as another user (sudo -u, gosu, su-exec,
// ...) are left alone: their cache is elsewhere.
//
// A RUN made of one heredoc (RUN <<EOF) with no #! line, or one naming a
// POSIX shell, is a shell script, and is read and cleaned like the shell
// form. The cleanup joins the script's last command with &&, on that
// command's line: a line of its own would run after a failing last line
// and make its own status the script's, and under set -e a last line such
// as "a && b" that fails does not end the shell. A script whose last
// command has a here-document of its own, or whose last line closes a
// here-document ("EOT && rm ..." would not close it), or that ends in exit
// or in the background, takes nothing after it. Heredocs for other interpreters
// (#!/usr/bin/env python3, RUN python3 <<EOF) are left alone.
//
//	RUN <<EOF                              RUN <<EOF
//	set -eux                               set -eux
//	apt-get update                   =>    apt-get update
//	apt-get install -y curl                apt-get install -y curl && rm -rf /var/lib/apt/lists/*
//	EOF                                    EOF
//
// Apt lists read further down. A RUN that installs with apt before its own
// apt-get update (later in the stage, in a stage built FROM it) reads the
// lists the last RUN before it that updated left. Removing them there would
// break that install, so the install gets "apt-get update && " in front of
// it, and the RUN that fetched them removes them; the later RUN then removes
// its own in turn (hadolint's DL3009 advice, followed through):
//
//	RUN apt-get update && apt-get install -y curl        ... && rm -rf /var/lib/apt/lists/*
//	COPY app.conf /etc/app.conf                    =>    COPY app.conf /etc/app.conf
//	RUN apt-get install -y wget                          RUN apt-get update && apt-get install -y wget && rm -rf /var/lib/apt/lists/*
//
// This is a safe rewrite: the later install reads an index of the same
// sources fetched moments later in the same build, so in a build from
// scratch it installs the same packages and the image has the same files
// apart from the lists (the e2e suite builds both and compares them). It
// costs one more index download per such install (about 9 MB on Debian
// bookworm, a few seconds). Where the original's install is taken from an
// old build cache it installs from an index as old as that cache, which is
// what fails with "404 Not Found" once the mirror has moved on; the rewrite
// installs what a fresh build of the original would. The update is added
// only where it fetches exactly what the earlier one did and fails as the
// install would: the earlier update is a plain apt-get update (only -q,
// -qq, -y style flags: no -o or -c option, no --allow-* flag, no variable),
// whose failure stops its RUN (followed by && or last, or a statement of
// its own under errexit; not under || or ignored after ;), in a RUN
// without a secret, ssh or bind mount or a --network flag; the install is
// apt-get, apt or apt-cache run as root, without sudo or another user,
// -o/-c options, variables other than DEBIAN_FRONTEND and the like (a
// proxy), or --network=none; nothing between the two (in the first RUN
// after its update, the RUNs and instructions between, the install's RUN
// before it) names /etc/apt, sources.list, a .sources file, apt-key,
// add-apt-repository or a proxy variable, installs a .deb file (dpkg -i, a
// "release" package that drops a sources file), pipes a script to a shell
// or runs a script file (a .sh file or one given to a shell; whatever its
// name, a file COPY or ADD put in the image whose text names apt's
// configuration or cannot be read, or a path outside the directories of
// PATH that no instruction put there, such as ./setup-repo), or is a COPY
// or ADD into / or /etc (a tree that may bring /etc/apt; a destination
// with a variable counts as the static part of its path up to the last /
// before the variable, one that starts with a variable as /); and the install starts a statement or follows &&
// (not in a condition, a loop, a subshell, a pipeline or a || list). The
// install's && list must be the RUN's last; under errexit (set -e, a SHELL
// or #! line with -e), where a failing command on the left of && does not
// end the shell, the update may instead go on a line (or statement) of its
// own before an install that starts a statement, where errexit is on for
// sure. Otherwise the earlier RUN keeps its lists, with a finding saying
// why.
//
// A cache removed here is one a later step fills again when it needs it:
// a later npm install downloads again. That step is slower but makes the
// same files, so it does not stop the cleanup; only a step that reads the
// cache itself does (see below). Go's build cache is the exception: a RUN
// that compiles before a later go build in the stage (or in a stage built
// FROM it) keeps its cache, since that is what such a RUN is usually
// for (dependencies compiled ahead of a COPY of the sources, so that a
// source edit does not compile them again); the last build's RUN is
// cleaned. As for the other managers, build stages are cleaned whether
// the final image takes from them or not.
//
// Left alone: RUNs that already clean up a manager's cache (an rm of its
// directory, a directory above it or inside it, its own clean command, or a
// no-cache option), RUNs with a --mount over the cache, caches moved by
// options or variables (npm --cache, YARN_CACHE_FOLDER, COMPOSER_CACHE_DIR,
// XDG_CACHE_HOME, BUNDLE_PATH, PIP_NO_CACHE_DIR, ...; for Go, go clean
// -cache), heredocs that are not a
// shell script, exec-form RUNs, non-POSIX shells, RUNs whose shell cannot be
// parsed, and Yarn 2+.
// PIP_NO_CACHE_DIR is never added as an ENV: that would change the image's
// configuration.
//
// Reported without a fix:
//   - apt lists when a later RUN that reads them cannot be given an update
//     of its own (see above): an ONBUILD RUN (of the stage wherever it
//     stands: it runs after all of the stage's instructions), a RUN whose shell cannot be
//     read, a program other than apt that reads them (aptitude, apt-file,
//     python's apt module, anything naming /var/lib/apt/lists, apt-get,
//     apt or apt-cache run by another command: xargs, sh -c, su -c,
//     fakeroot, chroot, find -exec), a COPY --from or a RUN --mount from
//     the stage that takes /var/lib/apt/lists (or a directory above it),
//     a stage whose FROM names its base with a variable (it may be built
//     on any earlier stage), a script
//     the Dockerfile put in the image (see below); and when the RUN only
//     fetches them for the later one (RUN apt-get update on its own: merge
//     the two);
//   - apk's index when a later RUN of the stage, a stage built FROM it, or
//     an ONBUILD RUN reads it before its own update (apk itself, or apk
//     run by another command: xargs apk add, sh -c 'apk add ...', su -c,
//     unless the wrapped apk fetches the index itself or updates first),
//     or a later stage takes it (see below): removing it would break that
//     install. For apt's lists and apk's index, a RUN that runs
//     a file the Dockerfile put in the image (COPY or ADD before it, a bind
//     mount; a script given to sh or bash, sourced with ., or a bare name
//     copied into a directory of PATH, as itself or, when the build
//     context is there and holds it, in a directory COPY puts there)
//     counts as such a reader unless its
//     text can be read and shows it updates before it installs, or does not
//     use the package manager (run by another command in it, xargs apt-get
//     install or sh -c 'apk add ...', counts as in a RUN; a script that is
//     not a shell script counts when it names it): it is read from the
//     build context, or from a COPY
//     heredoc; without a context, from a URL, an archive ADD extracts, or a
//     COPY --from an image, it cannot be. A file that COPY --from another
//     stage brings is followed into that stage (made there by a RUN, it is
//     not counted). An ONBUILD RUN counts when it runs a file an ONBUILD
//     COPY or ADD may bring. Scripts the read script runs in turn, programs
//     of the base image and programs a COPY --from an image brings as part
//     of a directory are not followed;
//   - a cache a later step reads: npm/yarn --offline or --prefer-offline,
//     bundle install --local, dnf -C, and any later pnpm command (pnpm fetch
//     fills the store for the install that follows), and for every cache
//     (pip's, gem's documentation, apk's index, dnf's and yum's, and those
//     in a home directory: npm, yarn, pnpm, bundler, composer; Go's build
//     cache) a COPY --from or a RUN --mount from the stage that takes the
//     cache, a part of it or a directory above it: without it that COPY
//     fails or copies nothing (apt's lists: see above). A source with a
//     variable takes what lies below the static part of its path up to
//     the last / before the variable (/src for /src/app-$TARGETARCH), all
//     of the stage when the variable is in its first component or an ARG
//     or ENV naming it holds "..";
//   - RUNs that end in the background or in exit/exec, or that run `exec
//     PROG` anywhere outside a subshell (nothing after it runs, so an
//     appended cleanup never would), RUNs that set HOME or
//     COMPOSER_HOME, or may leave rm off PATH, apt/apk/dnf run as a non-root
//     USER without sudo, yarn when the user is not known (Yarn keeps root's
//     cache elsewhere than other users'), pip on bases whose packaged pip is
//     older than 6.0 (Debian 8, Ubuntu 15.10 and older) unless an earlier RUN
//     upgrades it;
//   - pip install in a RUN that mounts files in pip's cache, or after a
//     COPY or ADD that puts files there (COPY --from=wheels
//     /root/.cache/pip ...: wheels another stage built): pip reads them,
//     and --no-cache-dir would make it build them again, maybe without
//     the compilers that built them;
//   - pip install where pip is not known to be 19.1 or newer. From 7.0 to
//     19.0.x, with the wheel package installed (get-pip.py installs it, and
//     Debian's python3-pip recommends python3-wheel), --no-cache-dir also
//     stops pip from building wheels: a source distribution is installed
//     with setup.py install (NAME.egg-info, easy_install's script wrappers)
//     instead of as a wheel (NAME.dist-info), which changes the image. pip
//     is known to be new enough on an official python image whose tag was
//     built with 19.1 or later (the last build of the tag; the oldest for a
//     digest; from the history of docker-library/official-images and
//     docker-library/python), on a Debian 11+ or Ubuntu 20.04+ base (their
//     python3-pip: 20.3.4 and later), and after the RUN or an earlier RUN
//     installs pip 19.1 or later (pip install -U pip, pip==X or pip>=X with
//     X at least 19.1, get-pip.py). The last install of pip before the
//     command, in its RUN or the stage chain, decides over the base image:
//     pip==18.1, pip<19 or a version that cannot be read (pip==$V) after it
//     is declined even on a base whose pip is new. A base
//     written with global ARGs counts as the image their defaults name. A
//     command that installs only pip, setuptools and wheel gets the option
//     anyway (they are published as wheels). Other bases (Alpine's py3-pip,
//     RHEL-family pip, third-party images, Debian 10 and Ubuntu 18.04 and
//     older) are declined; whether wheel is installed is not worked out;
//   - apk add/upgrade on Alpine 3.3 to 3.8 that the RUN does not run after
//     an apk update of its own (or with -U): their apk-tools (before 2.9.1;
//     3.8 counted with them, its images not checked) reads the index an
//     earlier step left as it is and writes none, and --no-cache would make
//     it read the live index instead, which can install other versions.
//     Releases that are not known (third-party images) get --no-cache: such
//     an image is most likely Alpine 3.9 or later (2019), whose apk-tools
//     refreshes an index older than four hours by itself, so that the
//     option only keeps it from being written; and on an older one the
//     original builds only when the image carries an index, whose packages
//     a live index lists too unless the mirror has replaced them since;
//   - Go's build cache when the file does not tell where it is: the RUN
//     sets XDG_CACHE_HOME, GOENV or HOME; the RUN names GOCACHE other
//     than to set it for a go command ($(go env GOCACHE), a plain
//     assignment, an export in a condition or in a list whose first
//     command may fail, unset); it sets GOCACHE to a value that is not a
//     fixed absolute path, or for go run through sudo, doas or (by an
//     export) env, or exports it in a RUN that defines functions; an
//     earlier RUN may set it with go env -w; ENV or ARG gives GOCACHE or
//     XDG_CACHE_HOME a value that cannot be read, or GOCACHE is the home
//     directory or above it; GOCACHE may hold more than the cache: it is
//     the working directory or above it, the RUN names a path in it (go
//     build -o /out/app with GOCACHE=/out, or -o out/app below WORKDIR
//     /src with GOCACHE=/src/out) or cds or pushds into it or above it,
//     or it is a directory of the base image (/var/tmp, /var/cache,
//     /usr/local, /etc/NAME, /home/NAME); the RUN runs as a user other
//     than root and GOCACHE lies outside its home; and when a later RUN
//     of the stage (or of a stage built FROM it, or an ONBUILD RUN of the
//     stage wherever it stands) builds with go again or
//     names the cache (GOCACHE, go-build, its path, or its last component
//     as a word: tar -C /tmp -czf /gc.tgz gc), or a later stage takes it
//     (see above). GOCACHE set for the command by
//     the RUN (GOCACHE=/x go build, env GOCACHE=/x go build, or export
//     GOCACHE=/x before it at the top of the RUN: a statement of its own,
//     the first of an && list, or earlier in the command's own && list)
//     is read, and wins over ENV GOCACHE, XDG_CACHE_HOME and go env -w.
//     On a base image that is not known the
//     cleanup names the default place below the home directory: if the
//     image moves the cache elsewhere, rm -rf removes nothing;
//   - yum/dnf when keepcache is set (yum.conf or dnf.conf, in the RUN or
//     before it; --setopt=keepcache on the command): the author keeps the
//     packages on purpose;
//   - apt-get upgrade/dist-upgrade (the image then depends on the day it was
//     built), and apt-get install without -y (the build stops at the
//     confirmation prompt).
package cachecleanup

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the cache-cleanup pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "cache-cleanup", Tier: analysis.Safe, Run: run})
