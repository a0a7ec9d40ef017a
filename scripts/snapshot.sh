#!/usr/bin/env bash
# Records what dfopt does to every file of testdata/corpus and testdata/edge,
# at each level, so that a change meant to keep behaviour can be checked:
#
#   scripts/snapshot.sh DIR            write DIR/<level>/<file> (the output),
#                                      <file>.json (--json findings) and
#                                      <file>.err (stderr and exit status)
#   scripts/snapshot.sh --compare DIR  record into a temporary directory and
#                                      diff it against DIR (exit 1 on any
#                                      difference)
#
# Files are fed on stdin from an empty directory, with --no-config and a
# --filename whose directory does not exist, so there is no build context and
# no configuration: the result depends on the Dockerfile alone.
set -euo pipefail
cd "$(dirname "$0")/.."

compare=""
if [ "${1:-}" = --compare ]; then
  compare=$2
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
else
  out=${1:?usage: scripts/snapshot.sh DIR | --compare DIR}
fi

root=$PWD
bin=$(mktemp -d)/dfopt
go build -o "$bin" ./cmd/dfopt
case "$out" in /*) ;; *) out=$root/$out ;; esac
cd "$(dirname "$bin")"
for level in format safe aggressive; do
  mkdir -p "$out/$level"
  for f in "$root"/testdata/corpus/*.Dockerfile "$root"/testdata/edge/*.Dockerfile; do
    name=$(basename "$f")
    flags=(--no-config --level=$level --filename "nonexistent/$name")
    rc=0
    "$bin" "${flags[@]}" < "$f" > "$out/$level/$name" 2> "$out/$level/$name.err" || rc=$?
    echo "exit $rc" >> "$out/$level/$name.err"
    "$bin" "${flags[@]}" --json < "$f" > "$out/$level/$name.json" 2>/dev/null || true
  done
done
cd "$root"
rm -rf "$(dirname "$bin")"

if [ -n "$compare" ]; then
  if diff -r "$compare" "$out" > "$out.diff"; then
    echo "snapshot: identical to $compare ($(find "$out" -type f | wc -l) files)"
    rm -f "$out.diff"
  else
    echo "snapshot: differs from $compare:" >&2
    head -200 "$out.diff" >&2
    rm -f "$out.diff"
    exit 1
  fi
else
  echo "snapshot: wrote $(find "$out" -type f | wc -l) files to $out"
fi
