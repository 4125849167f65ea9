#!/usr/bin/env bash
# Installs what a target needs, idempotently: Debian packages (as root), uv, the Python environments, the UI.
# Usage: scripts/bootstrap.sh dev|test|test-base|lint
#   test-base: without scripts/bootstrap.d (Kubernetes binaries, the worker's environment, image bases);
#   `make test` runs those in the background while the first suites run (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-dev}
UV_VERSION=${UV_VERSION:-0.13.9}
log_dir=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}/logs
mkdir -p "$log_dir"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

need_cmd() { command -v "$1" >/dev/null || die "'$1' is missing: $2"; }
need_cmd python3 "install Python >= 3.11"
need_cmd node "install Node.js 20+ (Debian: apt-get install nodejs npm)"
need_cmd npm "install npm"

apt_install() {
  local missing=()
  for pair in "$@"; do
    local probe=${pair%%=*} pkg=${pair#*=}
    [ -e "$probe" ] || command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' or set LABELHIVE_TEST_* to existing services"
  say "apt-get install ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
    >>"$log_dir/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed (log: $log_dir/apt.log)"
}

if ! command -v uv >/dev/null || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION"
  python3 -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >>"$log_dir/pip.log" 2>&1 \
    || die "pip install uv==$UV_VERSION failed (log: $log_dir/pip.log)"
fi

say "python environment (.venv)"
uv sync --locked --all-packages -q || die "uv sync failed: the lock file may be stale, run 'uv lock'"

say "ui dependencies"
if [ ! -d services/ui/node_modules ] || [ services/ui/package-lock.json -nt services/ui/node_modules/.package-lock.json ]; then
  (cd services/ui && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in services/ui failed"
fi

case "$target" in
  dev|lint) ;;
  test|test-base)
    apt_install /usr/lib/postgresql=postgresql /usr/lib/rabbitmq/bin/rabbitmq-server=rabbitmq-server \
      /usr/bin/chromium=chromium /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc=fonts-wqy-zenhei
    [ "$target" = test ] || exit 0
    for hook in scripts/bootstrap.d/*.sh; do
      [ -e "$hook" ] || continue
      say "$(basename "$hook" .sh)"
      bash "$hook"
    done
    ;;
  *) die "unknown target '$target' (dev, test, test-base or lint)";;
esac
