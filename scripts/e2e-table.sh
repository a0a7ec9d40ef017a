#!/usr/bin/env bash
# Runs dfopt verify on every example with the local BuildKit and writes the
# size and rebuild-time tables to examples/RESULTS.md (or to the file given
# as the first argument; "-" for standard output): the default passes on
# the examples of harness.Examples, and --level=aggressive with smoke
# commands on those of harness.AggressiveExamples. A full run to
# examples/RESULTS.md also puts the tables into README.md. Needs what the e2e tests
# need (root on Debian; e2e/setup.sh is run first and is fast when done).
#
#   bash scripts/e2e-table.sh
#   bash scripts/e2e-table.sh - -run 'python|node'    # extra args go to verifytable
#   bash scripts/e2e-table.sh - -run '^go-whatsmyip$'  # one example of the aggressive section
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-examples/RESULTS.md}
[ $# -gt 0 ] && shift

bash e2e/setup.sh >/dev/null
# shellcheck source=e2e/env.sh
. e2e/env.sh

# splice_readme copies the tables of the results file into README.md between
# the results markers: the line that says how they were made, the table of
# the default passes and the first table of the aggressive section.
splice_readme() {
	local table
	table=$(awk '
		/^Written by/ && !w { print; print ""; w = 1; next }
		/^\| example \| layers \|/ { t = 1 }
		/^\| example \| image \|/ {
			if (printed) print ""
			print "With `--level=aggressive`, on the examples written the naive single-stage way (the program run in both images):"
			print ""
			t = 1
		}
		t && /^\|/ { print; printed = 1; next }
		t { t = 0 }
	' "$1")
	awk -v table="$table" '
		/<!-- results:begin -->/ { print; print table; skip = 1; next }
		/<!-- results:end -->/ { skip = 0 }
		!skip { print }
	' README.md > README.md.tmp && mv README.md.tmp README.md
	echo "updated the table in README.md" >&2
}

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
		if [ "$out" = examples/RESULTS.md ] && [ $# -eq 0 ]; then
			splice_readme "$out"
		fi
	fi
	exit "$status"
fi
