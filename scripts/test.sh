#!/usr/bin/env bash
# The test command: installs what is missing (Node 24, pnpm, dependencies, local services),
# brings PostgreSQL, Redis, OpenSearch and FFmpeg up, then runs lint, typecheck and every
# test against them. Exit status is non-zero on any failure. Safe to run again; a second run
# skips what is already in place.
#
#   ./scripts/test.sh                 everything
#   ./scripts/test.sh --filter @pbshop/api   extra arguments go to `turbo run`
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=test
# shellcheck source=lib/toolchain.sh
source "$REPO_ROOT/scripts/lib/toolchain.sh"

started=$(date +%s)
ensure_toolchain
"$REPO_ROOT/scripts/services.sh" up
log "services ready after $(($(date +%s) - started)) s; running lint, typecheck and tests"

cd "$REPO_ROOT"
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 CI="${CI:-}"
# two cores: two packages' suites at a time (each runs two test files in parallel)
set +e
pnpm exec turbo run lint typecheck test --concurrency=2 --continue --output-logs=new-only "$@"
status=$?
set -e
elapsed=$(($(date +%s) - started))
if [ "$status" -eq 0 ]; then
  log "all green in ${elapsed} s"
else
  log "FAILED (exit $status) after ${elapsed} s; rerun one package with: pnpm --filter <package> test"
fi
exit "$status"
