#!/usr/bin/env bash
# Makes PostgreSQL, Redis, OpenSearch and FFmpeg available for development and
# tests: through `docker compose` when a Docker engine answers, else through
# local installs (Debian packages; OpenSearch assembled from Maven Central by
# infra/opensearch/opensearch.sh). Anything already answering is left alone.
#
#   scripts/services.sh up     [postgres|redis|opensearch|ffmpeg ...]   (default: all)
#   scripts/services.sh down   [...]   stops only what this script started
#   scripts/services.sh status [...]   one line per service; exit 3 if one is down
#   scripts/services.sh opensearch-home   installs if needed, prints the OpenSearch home
#
# A private throwaway OpenSearch node for a test (own port and data, same home):
#   OPENSEARCH_PORT=9250 OPENSEARCH_NODE_DIR=/tmp/os-test infra/opensearch/opensearch.sh start
#   OPENSEARCH_PORT=9250 OPENSEARCH_NODE_DIR=/tmp/os-test infra/opensearch/opensearch.sh stop
# The launcher also takes OPENSEARCH_DATA_DIR, OPENSEARCH_LOG_DIR, OPENSEARCH_PID_FILE,
# OPENSEARCH_HEAP (see its header). It runs the node as a non-root user, which
# OpenSearch requires, so run it rather than <home>/bin/opensearch directly.
#
# Environment: OPENSEARCH_PORT (9200), OPENSEARCH_HEAP (512m), REDIS_PORT (6379),
# POSTGRES_PORT (5432; a cluster on that port is used, or one is created),
# PBSHOP_SERVICES_MODE=auto|docker|local (auto: docker when `docker info` works).
# Files: .data/run/<service>.started-by-us marks what `down` may stop;
# logs in .data/log/.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=$REPO_ROOT/.data/run
LOG_DIR=$REPO_ROOT/.data/log
LAUNCHER=$REPO_ROOT/infra/opensearch/opensearch.sh
COMPOSE_FILE=$REPO_ROOT/docker-compose.yml
ALL_SERVICES=(postgres redis opensearch ffmpeg)

PG_PORT=${POSTGRES_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
OS_PORT=${OPENSEARCH_PORT:-9200}
export OPENSEARCH_HEAP=${OPENSEARCH_HEAP:-512m}
MODE=${PBSHOP_SERVICES_MODE:-auto}

log() { echo "[services] $*" >&2; }
fail() { echo "[services] ERROR: $*" >&2; exit 1; }
marker() { echo "$RUN_DIR/$1.started-by-us"; }
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif have sudo; then sudo -n "$@"
  else fail "root needed for: $*"
  fi
}

# apt-get update only when the install fails (stale or empty package lists).
apt_install() {
  local apt_log=$LOG_DIR/apt.log
  log "installing $* (apt, log $apt_log)"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@")
  if ! as_root "${install[@]}" >>"$apt_log" 2>&1; then
    as_root apt-get update >>"$apt_log" 2>&1 || true
    as_root "${install[@]}" >>"$apt_log" 2>&1 || fail "apt-get install $* failed; see $apt_log"
  fi
}

# wait_for NAME SECONDS HINT COMMAND...: polls COMMAND every 0.5 s.
wait_for() {
  local name=$1 timeout=$2 hint=$3 tries
  shift 3
  for ((tries = timeout * 2; tries > 0; tries--)); do
    "$@" && return 0
    sleep 0.5
  done
  fail "$name did not come up within ${timeout}s; see $hint"
}

tcp_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

pg_answers() {
  if have pg_isready; then pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; else tcp_open "$PG_PORT"; fi
}
pg_sql_ok() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc 'select 1' >/dev/null 2>&1; }
redis_answers() {
  if have redis-cli; then [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
  else tcp_open "$REDIS_PORT"; fi
}
os_answers() { curl -fsS -m 2 "http://127.0.0.1:$OS_PORT/" >/dev/null 2>&1; }

answers() {
  case $1 in
    postgres) pg_answers ;;
    redis) redis_answers ;;
    opensearch) os_answers ;;
    ffmpeg) have ffmpeg ;;
  esac
}

DOCKER_OK=''
use_docker() {
  if [[ -z $DOCKER_OK ]]; then
    case $MODE in
      docker) DOCKER_OK=yes ;;
      local) DOCKER_OK=no ;;
      *)
        if have docker && timeout 5 docker info >/dev/null 2>&1 \
          && docker compose version >/dev/null 2>&1; then
          DOCKER_OK=yes
        else
          DOCKER_OK=no
        fi
        ;;
    esac
  fi
  [[ $DOCKER_OK == yes ]]
}
compose() { docker compose -f "$COMPOSE_FILE" "$@"; }

# ---------------------------------------------------------------- PostgreSQL

# Development and test machines only: TCP connections from this host need no
# password, so tests can use postgres://postgres@127.0.0.1/... . The lines go
# first because pg_hba.conf is first-match.
pg_trust_localhost() {
  local hba=/etc/postgresql/$1/$2/pg_hba.conf tmp
  as_root grep -q 'pbshop dev/test' "$hba" && return 0
  log "postgres: trusting 127.0.0.1 and ::1 in $hba (dev/test only)"
  tmp=$(mktemp)
  {
    echo '# pbshop dev/test (scripts/services.sh): no password for TCP connections from'
    echo '# this host. For development and test machines only, never production.'
    echo 'host    all             all             127.0.0.1/32            trust'
    echo 'host    all             all             ::1/128                 trust'
    echo
    as_root cat "$hba"
  } >"$tmp"
  as_root cp "$tmp" "$hba"
  rm -f "$tmp"
}

postgres_up_local() {
  local installed=false ver name status logfile
  if ! have pg_lsclusters; then
    apt_install postgresql
    installed=true
  fi
  read -r ver name status logfile < <(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p {print $1, $2, $4, $7; exit}') || true
  if [[ -z ${ver:-} ]]; then
    ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    name=main
    [[ -e /etc/postgresql/$ver/main ]] && name=pbshop
    log "postgres: creating cluster $ver/$name on port $PG_PORT"
    as_root pg_createcluster "$ver" "$name" --port "$PG_PORT" >>"$LOG_DIR/apt.log" 2>&1 \
      || fail "pg_createcluster $ver $name failed; see $LOG_DIR/apt.log"
    status=down logfile=/var/log/postgresql/postgresql-$ver-$name.log
  fi
  if [[ $status == online && $installed == false ]]; then
    fail "postgres cluster $ver/$name is online but 127.0.0.1:$PG_PORT does not answer; check listen_addresses in /etc/postgresql/$ver/$name/postgresql.conf"
  fi
  pg_trust_localhost "$ver" "$name"
  echo "$ver $name" >"$(marker postgres)"
  if [[ $status == online ]]; then
    # Debian's package started the cluster on install: apply the pg_hba.conf change.
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload
  else
    log "postgres: starting cluster $ver/$name"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start \
      || fail "pg_ctlcluster $ver $name start failed; see $logfile"
  fi
  wait_for postgres 60 "$logfile" pg_answers
  wait_for "postgres (psql -h 127.0.0.1 -U postgres)" 10 "/etc/postgresql/$ver/$name/pg_hba.conf" pg_sql_ok
  log "postgres: up on 127.0.0.1:$PG_PORT"
}

postgres_down_local() {
  local ver name
  read -r ver name <"$(marker postgres)" || true
  if [[ -n ${ver:-} && -n ${name:-} ]]; then
    log "postgres: stopping cluster $ver/$name"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop || true
  fi
}

# --------------------------------------------------------------------- Redis

redis_up_local() {
  if ! have redis-server; then
    apt_install redis-server
    if redis_answers; then # Debian's package started its own server
      echo "system" >"$(marker redis)"
      log "redis: installed and running"
      return
    fi
  fi
  local dir=$REPO_ROOT/.data/redis logfile=$LOG_DIR/redis.log
  mkdir -p "$dir"
  log "redis: starting on 127.0.0.1:$REDIS_PORT (data $dir)"
  echo "$RUN_DIR/redis.pid" >"$(marker redis)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
    --appendonly yes --maxmemory-policy noeviction \
    --logfile "$logfile" --pidfile "$RUN_DIR/redis.pid" </dev/null >>"$logfile" 2>&1 \
    || fail "redis-server did not start; see $logfile"
  wait_for redis 30 "$logfile" redis_answers
  log "redis: up on 127.0.0.1:$REDIS_PORT"
}

redis_down_local() {
  log "redis: stopping"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1; then
    local pid
    pid=$(cat "$RUN_DIR/redis.pid" 2>/dev/null || true)
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
  fi
  local i
  for ((i = 0; i < 20; i++)); do
    redis_answers || return 0
    sleep 0.5
  done
  fail "redis still answers on 127.0.0.1:$REDIS_PORT after shutdown; see $LOG_DIR/redis.log"
}

# ---------------------------------------------------------------- OpenSearch

# The launcher's default node: data in .data/opensearch, pid and console log
# next to the other services' files.
launcher() {
  OPENSEARCH_PORT=$OS_PORT OPENSEARCH_PID_FILE=$RUN_DIR/opensearch.pid \
    OPENSEARCH_CONSOLE_LOG=$LOG_DIR/opensearch.log OPENSEARCH_START_TIMEOUT=180 \
    bash "$LAUNCHER" "$@"
}

opensearch_up_local() {
  have curl || apt_install curl
  echo "pid $RUN_DIR/opensearch.pid" >"$(marker opensearch)"
  launcher start || fail "OpenSearch did not start; see $LOG_DIR/opensearch.log"
  log "opensearch: up on http://127.0.0.1:$OS_PORT"
}

opensearch_down_local() {
  log "opensearch: stopping"
  launcher stop
}

# --------------------------------------------------------------------- FFmpeg

ffmpeg_up() {
  apt_install ffmpeg
  have ffmpeg || fail "ffmpeg still missing after apt-get install; see $LOG_DIR/apt.log"
  log "ffmpeg: installed ($(command -v ffmpeg))"
}

# ------------------------------------------------------------------ commands

cmd_up() {
  local s to_start=()
  for s in "$@"; do
    if answers "$s"; then
      if [[ $s == ffmpeg ]]; then log "ffmpeg: installed"; else log "$s: already running"; fi
      if [[ $s == postgres ]] && have psql && ! pg_sql_ok; then
        log "WARNING: postgres answers, but psql -h 127.0.0.1 -U postgres fails (password or pg_hba.conf?)"
      fi
    else
      to_start+=("$s")
    fi
  done
  [[ ${#to_start[@]} -eq 0 ]] && return 0
  local docker_svcs=()
  for s in "${to_start[@]}"; do
    if [[ $s == ffmpeg ]]; then
      ffmpeg_up # also needed on the host when the services run in Docker
    elif use_docker; then
      docker_svcs+=("$s")
    else
      "${s}_up_local"
    fi
  done
  if [[ ${#docker_svcs[@]} -gt 0 ]]; then
    log "docker: starting ${docker_svcs[*]}"
    for s in "${docker_svcs[@]}"; do echo docker >"$(marker "$s")"; done
    timeout 300 docker compose -f "$COMPOSE_FILE" up -d --wait "${docker_svcs[@]}" \
      || fail "docker compose did not get ${docker_svcs[*]} healthy; see: docker compose logs ${docker_svcs[*]}"
    log "docker: ${docker_svcs[*]} healthy"
  fi
}

cmd_down() {
  local s how docker_svcs=()
  for s in "$@"; do
    [[ $s == ffmpeg ]] && continue
    if [[ ! -f $(marker "$s") ]]; then
      log "$s: not started by us, leaving it alone"
      continue
    fi
    how=$(cat "$(marker "$s")")
    if [[ $how == docker ]]; then
      docker_svcs+=("$s")
      continue
    fi
    "${s}_down_local"
    rm -f "$(marker "$s")"
  done
  if [[ ${#docker_svcs[@]} -gt 0 ]]; then
    log "docker: stopping ${docker_svcs[*]}"
    compose rm --force --stop "${docker_svcs[@]}" || fail "docker compose rm failed"
    for s in "${docker_svcs[@]}"; do rm -f "$(marker "$s")"; done
  fi
}

cmd_status() {
  local s state by rc=0
  for s in "$@"; do
    if answers "$s"; then state=up; else state=down rc=3; fi
    if [[ $s == ffmpeg ]]; then
      by=$(have ffmpeg && command -v ffmpeg || echo 'not installed')
    elif [[ -f $(marker "$s") ]]; then
      by="started by us ($(cat "$(marker "$s")"))"
    else
      by="not started by us"
    fi
    printf '%-11s %-5s %s\n' "$s" "$state" "$by"
  done
  return $rc
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
services=("$@")
[[ ${#services[@]} -eq 0 ]] && services=("${ALL_SERVICES[@]}")
for s in "${services[@]}"; do
  [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || fail "unknown service '$s' (known: ${ALL_SERVICES[*]})"
done
mkdir -p "$RUN_DIR" "$LOG_DIR"

# up and down run one at a time. flock -o: the lock stays with flock itself,
# so daemons started below do not inherit (and keep holding) it.
if [[ ($cmd == up || $cmd == down) && -z ${PBSHOP_SERVICES_LOCKED:-} ]] && have flock; then
  exec env PBSHOP_SERVICES_LOCKED=1 flock -o -w 900 "$RUN_DIR/services.lock" \
    "$BASH" "${BASH_SOURCE[0]}" "$cmd" "${services[@]}"
fi

case $cmd in
  up) cmd_up "${services[@]}" ;;
  down) cmd_down "${services[@]}" ;;
  status) cmd_status "${services[@]}" ;;
  opensearch-home) launcher install ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
