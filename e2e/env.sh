# shellcheck shell=bash
# Source this file (after running e2e/setup.sh) to point tools and the e2e
# tests at the local BuildKit daemon and base image:
#
#   . e2e/env.sh
#
# It exports BUILDKIT_HOST (read by buildctl), DFOPT_E2E_HOME,
# DFOPT_E2E_BUILDCTL, DFOPT_E2E_BASE_LAYOUT and DFOPT_E2E_BASE_DIGEST, and
# puts buildctl/buildkitd on PATH.
export DFOPT_E2E_HOME="${DFOPT_E2E_HOME:-/var/cache/dfopt-e2e}"
if [ -r "$DFOPT_E2E_HOME/env" ]; then
	while IFS='=' read -r _dfopt_key _dfopt_val; do
		case "$_dfopt_key" in
		BUILDKIT_HOST | DFOPT_E2E_BUILDCTL | DFOPT_E2E_BASE_LAYOUT | DFOPT_E2E_BASE_DIGEST)
			export "$_dfopt_key=$_dfopt_val"
			;;
		esac
	done <"$DFOPT_E2E_HOME/env"
	unset _dfopt_key _dfopt_val
	case ":$PATH:" in
	*":$DFOPT_E2E_HOME/bin:"*) ;;
	*) export PATH="$DFOPT_E2E_HOME/bin:$PATH" ;;
	esac
else
	echo "e2e/env.sh: $DFOPT_E2E_HOME/env not found: run e2e/setup.sh first" >&2
fi
