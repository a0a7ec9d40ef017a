#!/usr/bin/env bash
# Runs the end-to-end tests against a real BuildKit daemon: sets everything
# up (see setup.sh; fast when already done), then runs the tests with the
# e2e build tag. Extra arguments go to `go test` (e.g. -run TestAptListsSmoke).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$(dirname "$E2E_DIR")"

bash "$E2E_DIR/setup.sh"
# shellcheck source=e2e/env.sh
. "$E2E_DIR/env.sh"
echo "BUILDKIT_HOST=$BUILDKIT_HOST" >&2

# The suite takes about 20 minutes on 2 idle cores and twice that on a
# busy machine; the timeout leaves room for that within CI's 90 minutes.
go test -tags e2e -count=1 -v -timeout 70m "$@" ./e2e/...
