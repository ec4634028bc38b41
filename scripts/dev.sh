#!/usr/bin/env bash
# The development command: installs what is missing, brings the services up, creates .env
# from .env.example when absent, migrates the database and seeds the demo catalogue (once), then
# runs the API on port 8000, the three workers, the payment gateway simulator and the seller-site
# simulator (with one crawler job per simulated shop). Ctrl-C (or SIGTERM) stops them all gracefully.
# Safe to run again.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=dev
# shellcheck source=lib/toolchain.sh
source "$REPO_ROOT/scripts/lib/toolchain.sh"

started=$(date +%s)
ensure_toolchain
"$REPO_ROOT/scripts/services.sh" up

cd "$REPO_ROOT"
if [ ! -f .env ]; then
  sed "s/^JWT_SECRET=.*/JWT_SECRET=$(node -p 'require("crypto").randomBytes(32).toString("hex")')/" .env.example >.env
  log "created .env from .env.example (with a fresh JWT_SECRET)"
fi
set -a
# shellcheck disable=SC1091
source .env
set +a
# a development database made before the integer-id baseline is dropped and built anew
pnpm --silent db:migrate --recreate-foreign
# demo catalogue (default size); does nothing once seeded
pnpm --silent db:seed
# the /query/products read model of the seeded catalogue; does nothing once it has rows
pnpm --silent query:rebuild --if-empty
# one crawler job per simulated seller shop (every 2 minutes); does nothing once seeded
pnpm --silent --filter @pbshop/worker-crawler simulator:seed-jobs

api="http://127.0.0.1:${PORT:-8000}"
if curl -s -o /dev/null --max-time 2 "$api/health/live"; then
  die "port ${PORT:-8000} is already answering (another ./scripts/dev.sh or API running?); stop it or set PORT in .env"
fi

pids=()
stop_all() {
  trap - INT TERM
  log "stopping the api and the workers"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  exit 0
}
trap stop_all INT TERM

# the payment gateway simulator the API confirms and cancels payments at (PAYMENT_GATEWAY_URL),
# first so the API's payment reconciler finds it at start
(cd apps/payment-gateway-sim && exec node src/main.ts) &
pids+=($!)
# the API with a 1 MB young generation, as docker-compose.yml runs it (docs/runbook.md §21)
(cd apps/api && NODE_OPTIONS="--max-semi-space-size=1 ${NODE_OPTIONS:-}" exec node src/main.ts) &
pids+=($!)
for app in worker-search worker-transcode worker-crawler; do
  (cd "apps/$app" && exec node src/main.ts) &
  pids+=($!)
done
# the seller-site simulator: the shops the seeded crawler jobs collect (CRAWLER_SIMULATOR_PORT..+2)
(cd apps/worker-crawler && exec node src/simulator/main.ts) &
pids+=($!)

# report once the API answers with every dependency up and every queue consumed
for _ in $(seq 1 120); do
  if health=$(curl -fsS "$api/health" 2>/dev/null) &&
    node -e 'const h = JSON.parse(process.argv[1]).data; process.exit(h.status === "up" && h.workers.unconsumedQueues.length === 0 ? 0 : 1)' "$health"; then
    log "PBShop is up after $(($(date +%s) - started)) s: $api/health (all checks up, all workers alive). Ctrl-C stops everything."
    break
  fi
  sleep 1
done

wait -n "${pids[@]}" || true
log "a process exited; stopping the rest"
stop_all
