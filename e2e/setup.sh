#!/usr/bin/env bash
# Sets up everything the end-to-end tests need on a Debian machine, as root:
#
#   - runc and debootstrap (apt);
#   - buildkitd and buildctl, built from the BuildKit module that go.mod pins;
#   - a debian:bookworm base image as an OCI layout, made with debootstrap
#     and configured like the official image;
#   - a running buildkitd (OCI worker, runc, host network) listening on a
#     unix socket in the state directory.
#
# Every step is skipped when its result is already there, so running it
# again is fast. State lives in ${DFOPT_E2E_HOME:-/var/cache/dfopt-e2e}.
# Source e2e/env.sh afterwards to get BUILDKIT_HOST and friends.
#
# Knobs (environment):
#   DFOPT_E2E_HOME             state directory
#   DFOPT_E2E_MIRROR           Debian mirror for the base image and for apt
#                              inside builds (default: the host's)
#   DFOPT_E2E_SECURITY_MIRROR  Debian security mirror (default: the host's)
#   DFOPT_E2E_RESTART=1        restart buildkitd even if it answers
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$E2E_DIR")
STATE=${DFOPT_E2E_HOME:-/var/cache/dfopt-e2e}
SUITE=bookworm
# Bump when the base image recipe below changes, so a new base is made.
BASE_REV=2

log() { printf '[setup %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (buildkitd with the OCI worker and debootstrap need it)"
command -v go >/dev/null || die "go is not on PATH"

mkdir -p "$STATE"
exec 9>"$STATE/setup.lock"
flock -w 1800 9 || die "another setup.sh holds $STATE/setup.lock"

SETUP_START=$SECONDS

# --- packages ---------------------------------------------------------------
install_packages() {
	local missing=()
	command -v runc >/dev/null || missing+=(runc)
	command -v debootstrap >/dev/null || missing+=(debootstrap)
	[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
	[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
	command -v chroot >/dev/null || missing+=(coreutils)
	if [ ${#missing[@]} -eq 0 ]; then
		return
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- buildkit ---------------------------------------------------------------
BUILDKIT_VERSION=$(awk '{ sub(/^require[ \t]+/, "") } $1 == "github.com/moby/buildkit" { print $2; exit }' "$REPO_DIR/go.mod" 2>/dev/null || true)
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
BK_DIR="$STATE/buildkit/$BUILDKIT_VERSION"

build_buildkit() {
	if [ -x "$BK_DIR/buildkitd" ] && [ -x "$BK_DIR/buildctl" ]; then
		return
	fi
	log "building buildkitd and buildctl $BUILDKIT_VERSION (takes a few minutes)"
	local t0=$SECONDS tmp dir buildlog="$STATE/buildkit-build.log"
	tmp=$(mktemp -d)
	# Outside of any module so that this repository's go.mod is untouched.
	dir=$(cd "$tmp" && GOFLAGS='' GOWORK=off go mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" 2>"$buildlog" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then
		tail -n 20 "$buildlog" >&2
		die "could not download github.com/moby/buildkit@$BUILDKIT_VERSION"
	fi
	cp -r "$dir" "$tmp/src"
	chmod -R u+w "$tmp/src"
	mkdir -p "$tmp/out"
	# `go install module@version` refuses modules whose go.mod has exclude
	# directives, so build inside a copy of the module instead.
	if ! (cd "$tmp/src" && GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0 \
		go build -trimpath -ldflags='-s -w' -o "$tmp/out/" ./cmd/buildkitd ./cmd/buildctl) >>"$buildlog" 2>&1; then
		grep -v '^go: downloading' "$buildlog" | tail -n 40 >&2
		rm -rf "$tmp"
		die "building buildkit failed (log: $buildlog)"
	fi
	mkdir -p "$BK_DIR"
	mv "$tmp/out/buildkitd" "$tmp/out/buildctl" "$BK_DIR/"
	rm -rf "$tmp"
	log "built buildkit in $((SECONDS - t0))s"
}

install_buildkit_links() {
	mkdir -p "$STATE/bin"
	ln -sfn "$BK_DIR/buildkitd" "$STATE/bin/buildkitd"
	ln -sfn "$BK_DIR/buildctl" "$STATE/bin/buildctl"
	if [ -n "${HOME:-}" ]; then
		mkdir -p "$HOME/bin"
		ln -sfn "$BK_DIR/buildkitd" "$HOME/bin/buildkitd"
		ln -sfn "$BK_DIR/buildctl" "$HOME/bin/buildctl"
	fi
}

# --- base image -------------------------------------------------------------
# host_mirror prints the first Debian mirror URI of the host's apt sources
# whose URI does (want=security) or does not (want=main) mention security.
host_mirror() {
	local want=$1 uri
	uri=$(
		{
			cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
			cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
				awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }'
		} | grep -E '/debian(-security)?/?$' | if [ "$want" = security ]; then grep -- -security; else grep -v -- -security; fi | head -n1
	) || true
	printf '%s\n' "${uri%/}"
}

MIRROR=${DFOPT_E2E_MIRROR:-$(host_mirror main)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DFOPT_E2E_SECURITY_MIRROR:-$(host_mirror security)}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
BASE_KEY=$(printf '%s\n' "$BASE_REV" "$SUITE" "$MIRROR" "$SECURITY_MIRROR" | sha256sum | cut -c1-12)
BASE_LAYOUT="$STATE/layouts/debian-$SUITE-$BASE_KEY"

# configure_rootfs makes a debootstrapped tree look like the official
# debian image (debuerreotype's minimizing config and fixups), so that the
# sizes measured on top of it mean the same thing.
configure_rootfs() {
	local r=$1

	# Everything installed so far is essential or a dependency of it.
	chroot "$r" apt-mark auto '.*' >/dev/null

	# Services never start inside image builds.
	printf '%s\n' '#!/bin/sh' '# Keep maintainer scripts from starting services during image builds.' \
		'exit 101' >"$r/usr/sbin/policy-rc.d"
	chmod 0755 "$r/usr/sbin/policy-rc.d"

	mkdir -p "$r/etc/dpkg/dpkg.cfg.d" "$r/etc/apt/apt.conf.d" "$r/etc/apt/sources.list.d"
	printf '%s\n' '# Image builds are thrown away on a crash anyway: skip the fsyncs.' \
		'force-unsafe-io' >"$r/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"

	local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"'
	cat >"$r/etc/apt/apt.conf.d/docker-clean" <<-EOF
	# Keep apt's package caches out of image layers: an "apt-get clean" after
	# every dpkg run and every update.
	DPkg::Post-Invoke { $clean; };
	APT::Update::Post-Invoke { $clean; };

	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	EOF
	printf '%s\n' '# Keep the downloaded lists compressed on disk.' \
		'Acquire::GzipIndexes "true";' >"$r/etc/apt/apt.conf.d/docker-gzip-indexes"
	printf '%s\n' '# No translation files.' \
		'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
	printf '%s\n' '# Let autoremove remove packages that are only suggested by others.' \
		'Apt::AutoRemove::SuggestsImportant "false";' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"

	# The same mirror the host uses, in the official image's deb822 format.
	rm -f "$r/etc/apt/sources.list"
	cat >"$r/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $MIRROR
	Suites: $SUITE $SUITE-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: $SECURITY_MIRROR
	Suites: $SUITE-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# A mirror that serves a frozen snapshot needs the host's leniency on
	# Release file dates, or "apt-get update" fails inside builds.
	local lenient
	lenient=$(apt-config dump 2>/dev/null | grep -E '^Acquire::Check-(Valid-Until|Date) "(false|0)";' || true)
	if [ -n "$lenient" ]; then
		printf '%s\n' "$lenient" >"$r/etc/apt/apt.conf.d/99mirror-dates"
	fi

	# The host's CA certificates, so that TLS from inside builds trusts
	# what the host trusts (also after "apt-get install ca-certificates").
	mkdir -p "$r/etc/ssl/certs" "$r/usr/local/share/ca-certificates"
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
	if [ -d /usr/local/share/ca-certificates ]; then
		cp -r /usr/local/share/ca-certificates/. "$r/usr/local/share/ca-certificates/"
	fi

	# debuerreotype-fixup and its tar excludes.
	rm -f "$r/var/log/dpkg.log" "$r/var/log/bootstrap.log" "$r/var/log/alternatives.log" \
		"$r/var/cache/ldconfig/aux-cache" "$r/run/mount/utab" \
		"$r/var/log/apt/history.log" "$r/var/log/apt/term.log" "$r/var/log/apt/eipp.log.xz" \
		"$r/etc/apt/apt.conf.d/01autoremove-kernels"
	rmdir "$r/run/mount" 2>/dev/null || true
	rm -rf "$r/var/lib/apt/lists" "$r/var/cache/apt"
	mkdir -p "$r/var/lib/apt/lists" "$r/var/cache/apt"
	rm -rf "$r/debootstrap"

	# Host-specific files debootstrap copied in.
	echo localhost >"$r/etc/hostname"
	printf '%s\n' '# Replaced by the container runtime.' 'nameserver 127.0.0.1' >"$r/etc/resolv.conf"
	chmod 0644 "$r/etc/hostname" "$r/etc/resolv.conf"
	chown 0:0 "$r"
	chmod 0755 "$r"
}

make_base() {
	if [ -f "$BASE_LAYOUT/index.json" ] && [ -s "$BASE_LAYOUT/digest" ]; then
		return
	fi
	local t0=$SECONDS rootfs="$STATE/rootfs/debian-$SUITE-$BASE_KEY" epoch
	if [ ! -f "$rootfs.configured" ]; then
		log "debootstrap $SUITE from $MIRROR (takes a couple of minutes)"
		rm -rf "$rootfs" "$rootfs.configured"
		mkdir -p "$(dirname "$rootfs")"
		if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$STATE/debootstrap.log" 2>&1; then
			tail -n 30 "$STATE/debootstrap.log" >&2
			[ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
			die "debootstrap failed (log: $STATE/debootstrap.log)"
		fi
		# Release date of the suite: a reproducible timestamp for the layer.
		epoch=$(awk -F': ' '$1 == "Date" { print $2; exit }' "$rootfs"/var/lib/apt/lists/*_"$SUITE"_InRelease 2>/dev/null || true)
		epoch=$(date -d "${epoch:-@0}" +%s 2>/dev/null || echo 0)
		configure_rootfs "$rootfs"
		echo "$epoch" >"$rootfs.configured"
	fi
	epoch=$(cat "$rootfs.configured")
	log "writing OCI layout $BASE_LAYOUT"
	local tmp="$BASE_LAYOUT.tmp" digest
	rm -rf "$tmp"
	digest=$(cd "$REPO_DIR" && go run ./e2e/cmd/mkoci -rootfs "$rootfs" -out "$tmp" -ref "$SUITE" -mtime "$epoch" \
		-created-by "debootstrap --variant=minbase $SUITE $MIRROR")
	echo "$digest" >"$tmp/digest"
	rm -rf "$BASE_LAYOUT"
	mv "$tmp" "$BASE_LAYOUT"
	# Older bases, and images derived from them, are stale now.
	find "$STATE/layouts" "$STATE/rootfs" -mindepth 1 -maxdepth 1 \
		! -name "$(basename "$BASE_LAYOUT")" ! -name "$(basename "$rootfs")" ! -name "$(basename "$rootfs").configured" \
		-exec rm -rf {} +
	log "base image ready in $((SECONDS - t0))s: $digest"
}

# --- buildkitd --------------------------------------------------------------
ADDR="unix://$STATE/buildkitd.sock"

buildkitd_answers() {
	"$BK_DIR/buildctl" --addr "$ADDR" --timeout 3 debug workers >/dev/null 2>&1
}

start_buildkitd() {
	local pidfile="$STATE/buildkitd.pid"
	if [ "${DFOPT_E2E_RESTART:-}" = 1 ] && [ -s "$pidfile" ]; then
		log "stopping buildkitd $(cat "$pidfile")"
		kill "$(cat "$pidfile")" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
		rm -f "$pidfile"
	elif buildkitd_answers; then
		return
	fi
	if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null &&
		[ "$(readlink -f "/proc/$(cat "$pidfile")/exe")" = "$(readlink -f "$BK_DIR/buildkitd")" ]; then
		log "buildkitd $(cat "$pidfile") is running but does not answer yet"
	else
		log "starting buildkitd"
		mkdir -p "$STATE/buildkitd"
		rm -f "$STATE/buildkitd.sock"
		# setsid + nohup: the daemon outlives this script and its session.
		# It must not keep any descriptor of ours open (the lock on fd 9,
		# or a pipe a CI runner waits on), so all but 0-2 are closed first.
		# shellcheck disable=SC2016 # expanded by the inner shell
		setsid nohup bash -c 'for fd in $(ls /proc/$$/fd); do
				[ "$fd" -gt 2 ] && eval "exec $fd>&-"
			done 2>/dev/null
			exec "$@"' buildkitd "$BK_DIR/buildkitd" \
			--root "$STATE/buildkitd" \
			--addr "$ADDR" \
			--oci-worker=true \
			--oci-worker-binary=runc \
			--oci-worker-net=host \
			--containerd-worker=false \
			--oci-worker-gc \
			--oci-worker-gc-keepstorage=20000 \
			</dev/null >>"$STATE/buildkitd.log" 2>&1 &
		echo $! >"$pidfile"
	fi
	local i
	for i in $(seq 120); do
		if buildkitd_answers; then
			log "buildkitd answers after ${i} tries"
			return
		fi
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			break
		fi
		sleep 0.5
	done
	tail -n 40 "$STATE/buildkitd.log" >&2 || true
	die "buildkitd did not come up at $ADDR (log: $STATE/buildkitd.log)"
}

install_packages
build_buildkit
install_buildkit_links
make_base
start_buildkitd

# Remember what env.sh should export.
cat >"$STATE/env" <<EOF
BUILDKIT_HOST=$ADDR
DFOPT_E2E_BUILDCTL=$BK_DIR/buildctl
DFOPT_E2E_BASE_LAYOUT=$BASE_LAYOUT
DFOPT_E2E_BASE_DIGEST=$(cat "$BASE_LAYOUT/digest")
EOF

log "ready in $((SECONDS - SETUP_START))s"
"$BK_DIR/buildctl" --addr "$ADDR" debug workers >&2
echo "$ADDR"
