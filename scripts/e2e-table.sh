#!/usr/bin/env bash
# Runs dfopt verify on every example with the local BuildKit and writes the
# size and rebuild-time table to examples/RESULTS.md (or to the file given
# as the first argument; "-" for standard output). Needs what the e2e tests
# need (root on Debian; e2e/setup.sh is run first and is fast when done).
#
#   bash scripts/e2e-table.sh
#   bash scripts/e2e-table.sh - -run 'python|node'    # extra args go to verifytable
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-examples/RESULTS.md}
[ $# -gt 0 ] && shift

bash e2e/setup.sh >/dev/null
# shellcheck source=e2e/env.sh
. e2e/env.sh

if [ "$out" = - ]; then
	go run ./e2e/cmd/verifytable "$@"
else
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	status=0
	go run ./e2e/cmd/verifytable -o "$tmp" "$@" || status=$?
	if [ -s "$tmp" ]; then
		cp "$tmp" "$out"
		echo "wrote $out" >&2
	fi
	exit "$status"
fi
