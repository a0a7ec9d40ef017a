#!/usr/bin/env bash
# Runs every test of the project: vet, unit, golden, corpus and CLI tests,
# then the end-to-end tests that build images with a real BuildKit
# (e2e/run.sh sets BuildKit up first; it needs root on Debian).
#
#   scripts/test.sh            everything
#   DFOPT_E2E=0 scripts/test.sh   everything but the BuildKit builds
#   DFOPT_FUZZTIME=0 scripts/test.sh   no fuzzing (default: 15s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
go version

# Some tests run real programs: dash and bash (coalesce-runs is checked by
# executing shells), diff and patch (unified diffs are checked against GNU
# diffutils). Install what is missing when we can.
missing=()
for tool in dash bash diff patch find; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    pkgs=()
    for tool in "${missing[@]}"; do
      case "$tool" in
        diff) pkgs+=(diffutils) ;;
        find) pkgs+=(findutils) ;;
        *) pkgs+=("$tool") ;;
      esac
    done
    apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null
  else
    echo "missing tools needed by the tests: ${missing[*]}" >&2
    exit 1
  fi
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go vet -tags e2e ./e2e/...
go test -count=1 ./...
# What runs concurrently — the command's worker pool and language server,
# and the caches the files of a run share — under the race detector too.
go test -race -count=1 ./cmd/dfopt ./shellparse ./buildcontext ./internal/lazyre ./internal/lsp

# Every fuzz target runs for a short budget: DFOPT_FUZZTIME each (default
# 15s, "0" skips them). A failing input is saved under the package's
# testdata/fuzz/; commit it with the fix: plain `go test` runs it from then
# on as a regression case.
fuzztime=${DFOPT_FUZZTIME:-15s}
if [ "$fuzztime" != 0 ]; then
  grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sort |
  while IFS=: read -r file decl; do
    name=${decl#func }
    echo "fuzz $name ($(dirname "$file"), $fuzztime)"
    if ! out=$(go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$(dirname "$file")" 2>&1); then
      echo "$out"
      exit 1
    fi
  done
fi

if [ "${DFOPT_E2E:-1}" != 0 ]; then
  bash e2e/run.sh
else
  echo "scripts/test.sh: DFOPT_E2E=0: the BuildKit end-to-end tests were not run" >&2
fi
