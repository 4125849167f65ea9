#!/usr/bin/env bash
# Measures a cold CI run: `.ci/run` in a fresh clone of this repository with every cache empty, as on a new
# machine: uv, pip, npm and Go caches, ~/.cache/labelhive (Kubernetes binaries, image bases, MobileSAM) and a
# buildah store of its own. Only what is installed system-wide stays (Debian packages, Go, Node, uv).
# Afterwards it removes everything it made. Needs root (buildah) and about 40 GB free (the worker image's torch
# layer needs ~18 GB while it is committed).
#   COLD_DIR  where the run lives (default /tmp/labelhive-cold; must not exist)
#   COLD_LOG  the run's log (default /tmp/labelhive-cold.log)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cold=${COLD_DIR:-/tmp/labelhive-cold}
log=${COLD_LOG:-/tmp/labelhive-cold.log}
[ ! -e "$cold" ] || { echo "ci-cold: $cold exists (a run in progress, or left over: remove it)" >&2; exit 2; }
parent=$(dirname "$cold")
free_gb=$(df -BG --output=avail "$parent" | tail -n1 | tr -dc 0-9)
[ "$free_gb" -ge "${COLD_MIN_FREE_GB:-40}" ] \
  || { echo "ci-cold: ${free_gb} GB free under $parent; a cold run needs about 40 GB (COLD_MIN_FREE_GB)" >&2; exit 2; }

mkdir -p "$cold/home/.config"
for f in .npmrc .gitconfig .config/go; do  # registry and proxy settings, not caches
  [ -e "$HOME/$f" ] && cp -r "$HOME/$f" "$cold/home/$f"
done
cat >"$cold/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$cold/containers"
runroot = "$cold/containers-run"
EOF
run_env=(HOME="$cold/home" PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}" CONTAINERS_STORAGE_CONF="$cold/storage.conf" CI=true)

cleanup() {
  env "${run_env[@]}" buildah rm --all >/dev/null 2>&1 || true
  env "${run_env[@]}" buildah rmi --all --force >/dev/null 2>&1 || true
  grep -o " $cold/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$cold"
}
trap cleanup EXIT

git clone -q "$repo" "$cold/repo"
echo "ci-cold: $(git -C "$cold/repo" rev-parse --short HEAD) in $cold/repo, log $log; started $(date -u +%H:%M:%S) UTC"
start=$(date +%s)
rc=0
(cd "$cold/repo" && env "${run_env[@]}" bash .ci/run) >"$log" 2>&1 || rc=$?
took=$(( $(date +%s) - start ))
echo "ci-cold: exit $rc after ${took}s ($(( took / 60 )) min $(( took % 60 )) s); cache sizes:" | tee -a "$log"
du -sh "$cold/home/.cache/"* "$cold/home/go" "$cold/containers" 2>/dev/null | tee -a "$log"
exit $rc
