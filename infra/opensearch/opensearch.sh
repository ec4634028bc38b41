#!/usr/bin/env bash
# Assembles (from Maven Central, via infra/opensearch/pom.xml) and runs a
# single-node, plain-HTTP OpenSearch for development and tests, without Docker.
#
#   infra/opensearch/opensearch.sh install   assemble the home if needed, print its path
#   infra/opensearch/opensearch.sh start     start a node in the background, wait until it answers
#   infra/opensearch/opensearch.sh run       run a node in the foreground (Ctrl-C stops it)
#   infra/opensearch/opensearch.sh stop      stop the node of OPENSEARCH_PID_FILE (TERM, KILL after 30 s)
#   infra/opensearch/opensearch.sh status    exit 0 when the node's pid is alive
#
# Environment (all optional):
#   OPENSEARCH_PORT          HTTP port (9200)
#   OPENSEARCH_TRANSPORT_PORT transport port or range (9300-9399)
#   OPENSEARCH_HEAP          JVM heap, -Xms = -Xmx (512m)
#   OPENSEARCH_NODE_DIR      folder of this node's data/, logs/, config/ (<repo>/.data/opensearch)
#   OPENSEARCH_DATA_DIR      path.data ($OPENSEARCH_NODE_DIR/data)
#   OPENSEARCH_LOG_DIR       path.logs ($OPENSEARCH_NODE_DIR/logs)
#   OPENSEARCH_PID_FILE      pid file (<repo>/.data/run/opensearch.pid for the default
#                            node, else $OPENSEARCH_NODE_DIR/opensearch.pid)
#   OPENSEARCH_CONSOLE_LOG   stdout/stderr of the node (<repo>/.data/log/opensearch.log for
#                            the default node, else $OPENSEARCH_LOG_DIR/console.log)
#   OPENSEARCH_START_TIMEOUT seconds `start` waits for HTTP (180)
#   OPENSEARCH_JAVA_HOME     JDK to run with (default: newest JDK >= 21 under /usr/lib/jvm,
#                            else one >= 11 with the OpenSearch 2.x fallback)
#   OPENSEARCH_VERSION       override the distribution version given to Maven
#   OPENSEARCH_HOME_DIR      where the assembled home goes (<repo>/.data/opensearch/home)
#
# A private throwaway node for a test (own port, own data, shares the home):
#   OPENSEARCH_PORT=9250 OPENSEARCH_NODE_DIR=$(mktemp -d) infra/opensearch/opensearch.sh start
#   ... OPENSEARCH_NODE_DIR=<same> infra/opensearch/opensearch.sh stop
# Setting only OPENSEARCH_DATA_DIR also works: the node's other folders then go beside it.
#
# OpenSearch refuses to run as root. As root, the node runs as the system user
# `opensearch` (created once); its data/logs/config folders are chowned to it.
# Where that user cannot reach the checkout (a clone under /root, say), the node
# runs in a user namespace as uid 1000 mapped to root instead.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
POM="$REPO_ROOT/infra/opensearch/pom.xml"
OS_USER=opensearch

log() { echo "[opensearch] $*" >&2; }
die() { echo "[opensearch] ERROR: $*" >&2; exit 1; }

PORT=${OPENSEARCH_PORT:-9200}
TRANSPORT_PORT=${OPENSEARCH_TRANSPORT_PORT:-9300-9399}
HEAP=${OPENSEARCH_HEAP:-512m}
HOME_DIR=${OPENSEARCH_HOME_DIR:-$REPO_ROOT/.data/opensearch/home}

# Node folders. The default node keeps its pid and console log with the other
# services' files in .data/run and .data/log (see scripts/services.sh).
if [[ -n ${OPENSEARCH_NODE_DIR:-} || -n ${OPENSEARCH_DATA_DIR:-} ]]; then
  DEFAULT_NODE=false
  NODE_DIR=${OPENSEARCH_NODE_DIR:-$(dirname "$OPENSEARCH_DATA_DIR")}
else
  DEFAULT_NODE=true
  NODE_DIR=$REPO_ROOT/.data/opensearch
fi
DATA_DIR=${OPENSEARCH_DATA_DIR:-$NODE_DIR/data}
LOG_DIR=${OPENSEARCH_LOG_DIR:-$NODE_DIR/logs}
CONF_DIR=$NODE_DIR/config
if [[ $DEFAULT_NODE == true ]]; then
  PID_FILE=${OPENSEARCH_PID_FILE:-$REPO_ROOT/.data/run/opensearch.pid}
  CONSOLE_LOG=${OPENSEARCH_CONSOLE_LOG:-$REPO_ROOT/.data/log/opensearch.log}
else
  PID_FILE=${OPENSEARCH_PID_FILE:-$NODE_DIR/opensearch.pid}
  CONSOLE_LOG=${OPENSEARCH_CONSOLE_LOG:-$LOG_DIR/console.log}
fi

# Major version of the JDK in $1 (0 when it is not a JDK).
java_major() {
  local v
  [[ -x $1/bin/java ]] || { echo 0; return; }
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true)
  if [[ -z $v ]]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  fi
  echo "${v:-0}"
}

# Sets JAVA_DIR and JAVA_MAJOR: OPENSEARCH_JAVA_HOME, else the newest JDK
# among /usr/lib/jvm/* and $JAVA_HOME.
pick_java() {
  if [[ -n ${OPENSEARCH_JAVA_HOME:-} ]]; then
    JAVA_DIR=$OPENSEARCH_JAVA_HOME
    JAVA_MAJOR=$(java_major "$JAVA_DIR")
    [[ $JAVA_MAJOR -ge 11 ]] || die "OPENSEARCH_JAVA_HOME=$JAVA_DIR is not a JDK >= 11"
    return
  fi
  JAVA_DIR='' JAVA_MAJOR=0
  local d m
  for d in /usr/lib/jvm/*/ ${JAVA_HOME:+"$JAVA_HOME"}; do
    d=${d%/}
    m=$(java_major "$d")
    if [[ $m -gt $JAVA_MAJOR ]]; then JAVA_DIR=$d JAVA_MAJOR=$m; fi
  done
  [[ $JAVA_MAJOR -ge 11 ]] || die "no JDK >= 11 found under /usr/lib/jvm (install openjdk-17-jdk-headless, or one >= 21 for OpenSearch 3.x)"
}

# Assembles $HOME_DIR unless it already holds the wanted version. The stamp is
# written last, so an interrupted unpack is redone from scratch. A lock (held by
# a subshell, so the node started later does not inherit it) keeps concurrent
# starts of private test nodes from assembling the same home twice.
install_home() {
  mkdir -p "$(dirname "$HOME_DIR")"
  (
    flock -w 600 8 || die "timed out waiting for $HOME_DIR.lock"
    install_home_locked
  ) 8>"$HOME_DIR.lock"
}

install_home_locked() {
  pick_java
  local profile=() want
  if [[ $JAVA_MAJOR -ge 21 ]]; then
    want=${OPENSEARCH_VERSION:-3}
  else
    log "no JDK >= 21 (newest: $JAVA_MAJOR at $JAVA_DIR): falling back to OpenSearch 2.x, without nori"
    profile=(-Popensearch-2)
    want=${OPENSEARCH_VERSION:-2}
  fi
  local stamp=$HOME_DIR/.pbshop-installed
  if [[ -f $stamp ]] && [[ $(cat "$stamp") == "$want".* || $(cat "$stamp") == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  log "assembling OpenSearch home in $HOME_DIR (Maven, $POM)"
  rm -rf "$HOME_DIR"
  mkdir -p "$HOME_DIR"
  local mvn_args=(-q -B -f "$POM" package "-Dopensearch.home=$HOME_DIR" "${profile[@]}")
  [[ -n ${OPENSEARCH_VERSION:-} ]] && mvn_args+=("-Dopensearch.version=$OPENSEARCH_VERSION")
  # Maven's output is kept for failures only (Debian's 3.8 prints stray colour codes even with -q).
  local out=$HOME_DIR.maven.log
  if ! mvn "${mvn_args[@]}" >"$out" 2>&1; then
    # Most likely the nori jars (not every version has them on Central): retry without.
    log "WARNING: Maven failed: $(grep -m1 'ERROR' "$out" | cut -c1-240)"
    log "WARNING: retrying without the analysis-nori plugin (the app then uses cjk)"
    rm -rf "$HOME_DIR" && mkdir -p "$HOME_DIR"
    if ! mvn "${mvn_args[@]}" -Dnori.skip=true >"$out" 2>&1; then
      grep -E 'ERROR|BUILD' "$out" | head -n 20 >&2 || true
      die "Maven could not assemble OpenSearch; full output in $out"
    fi
  fi
  rm -f "$out"
  # The nori jar must match the distribution's Lucene, else the node fails to load it.
  local nori_dir=$HOME_DIR/plugins/analysis-nori core
  core=$(cd "$HOME_DIR/lib" && ls lucene-core-*.jar)
  if [[ -d $nori_dir && ! -f $nori_dir/lucene-analysis-nori-${core#lucene-core-} ]]; then
    log "WARNING: Lucene nori jar does not match $core; leaving analysis-nori out (the app then uses cjk)"
    rm -rf "$nori_dir"
  fi
  local version
  version=$(cd "$HOME_DIR/lib" && ls opensearch-[0-9]*.jar | sed 's/^opensearch-\(.*\)\.jar$/\1/')
  echo "$version" >"$stamp"
  log "installed OpenSearch $version"
}

# True when the pid in $PID_FILE is alive and is our node (bin/opensearch, then
# the java process it execs into: same pid).
node_alive() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  grep -qi opensearch "/proc/$pid/cmdline" 2>/dev/null || return 1
  # a zombie (exited, parent not reaping) counts as stopped
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

answers() { curl -fsS -m 2 "http://127.0.0.1:$PORT/" >/dev/null 2>&1; }

# Writes this node's config folder: opensearch.yml from the environment, the
# distribution's jvm.options and log4j2 config with relative paths made absolute
# (the JVM runs with the read-only home as working directory); the heap comes
# from OPENSEARCH_HEAP instead of the file's 1g.
prepare_node() {
  mkdir -p "$DATA_DIR" "$LOG_DIR" "$CONF_DIR/jvm.options.d" "$(dirname "$PID_FILE")" "$(dirname "$CONSOLE_LOG")"
  cp "$HOME_DIR/config/log4j2.properties" "$CONF_DIR/"
  sed -e '/^-Xm[sx]/d' \
      -e "s#HeapDumpPath=data#HeapDumpPath=$LOG_DIR#" \
      -e "s#logs/#$LOG_DIR/#g" \
      -e 's#filecount=32,filesize=64m#filecount=4,filesize=16m#' \
      "$HOME_DIR/config/jvm.options" >"$CONF_DIR/jvm.options"
  cat >"$CONF_DIR/opensearch.yml" <<EOF
# Written by infra/opensearch/opensearch.sh on each start: edits are lost.
cluster.name: pbshop-dev-$PORT
node.name: pbshop-$PORT
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TRANSPORT_PORT
discovery.type: single-node
path.data: $DATA_DIR
path.logs: $LOG_DIR
# A nearly full dev disk must not turn indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  RUN_AS=self
  if [[ $(id -u) -eq 0 ]]; then
    if ! id -u "$OS_USER" >/dev/null 2>&1; then
      log "creating system user $OS_USER (OpenSearch refuses to run as root)"
      useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER"
    fi
    chown_node_dirs "$OS_USER"
    if setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups \
        test -r "$HOME_DIR/lib" -a -x "$HOME_DIR/bin/opensearch" \
        -a -w "$CONF_DIR" -a -w "$DATA_DIR" -a -w "$LOG_DIR" 2>/dev/null; then
      RUN_AS=user
    else
      # The checkout sits below a folder the system user cannot enter (e.g.
      # /root). Run in a user namespace instead: uid 1000 inside (so not root
      # for OpenSearch's check), still root outside, so it can reach the files.
      log "user $OS_USER cannot reach $HOME_DIR or the node folders: running in a user namespace"
      chown_node_dirs root
      RUN_AS=userns
    fi
  fi
}

chown_node_dirs() {
  local d
  for d in "$DATA_DIR" "$LOG_DIR" "$CONF_DIR"; do
    find "$d" ! -user "$1" -exec chown "$1:$1" {} +
  done
}

# The command line that runs bin/opensearch with our environment, never as
# root (see prepare_node for RUN_AS).
node_command() {
  NODE_CMD=(env "OPENSEARCH_JAVA_HOME=$JAVA_DIR" "OPENSEARCH_PATH_CONF=$CONF_DIR"
    "OPENSEARCH_JAVA_OPTS=-Xms$HEAP -Xmx$HEAP ${OPENSEARCH_JAVA_OPTS:-}"
    "$HOME_DIR/bin/opensearch")
  case $RUN_AS in
    user) NODE_CMD=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --reset-env "${NODE_CMD[@]}") ;;
    userns) NODE_CMD=(unshare --user --map-user=1000 --map-group=1000 "${NODE_CMD[@]}") ;;
  esac
}

cmd_start() {
  install_home
  if node_alive; then
    log "node already running (pid $(cat "$PID_FILE")), waiting for port $PORT"
  else
    answers && die "port $PORT already answers but not from our pid file $PID_FILE"
    pick_java
    prepare_node
    node_command
    log "starting OpenSearch on 127.0.0.1:$PORT (Java $JAVA_MAJOR, heap $HEAP, data $DATA_DIR, log $CONSOLE_LOG)"
    # setsid + redirects: the node must not hold the caller's terminal or pipes
    # (a CI step would wait for them to close).
    (cd / && exec setsid nohup "${NODE_CMD[@]}" </dev/null >>"$CONSOLE_LOG" 2>&1) &
    echo $! >"$PID_FILE"
  fi
  local timeout=${OPENSEARCH_START_TIMEOUT:-180} waited=0
  until answers; do
    if ! node_alive; then
      tail -n 20 "$CONSOLE_LOG" >&2 || true
      die "OpenSearch exited during start; see $CONSOLE_LOG and $LOG_DIR/"
    fi
    if [[ $waited -ge $timeout ]]; then
      die "OpenSearch did not answer on 127.0.0.1:$PORT within ${timeout}s; see $CONSOLE_LOG"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "up on http://127.0.0.1:$PORT (pid $(cat "$PID_FILE"), ${waited}s)"
}

cmd_run() {
  install_home
  pick_java
  prepare_node
  node_command
  exec "${NODE_CMD[@]}"
}

cmd_stop() {
  if ! node_alive; then
    rm -f "$PID_FILE"
    log "not running (no live pid in $PID_FILE)"
    return 0
  fi
  local pid waited=0
  pid=$(cat "$PID_FILE")
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  while node_alive; do
    if [[ $waited -ge 30 ]]; then
      log "still alive after 30s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
}

case ${1:-} in
  install) install_home; echo "$HOME_DIR" ;;
  start) cmd_start ;;
  run) cmd_run ;;
  stop) cmd_stop ;;
  status) node_alive ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
