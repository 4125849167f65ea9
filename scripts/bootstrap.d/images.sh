#!/usr/bin/env bash
# Image building without an image registry: buildah (no daemon; chroot isolation) and debootstrap from
# Debian's mirror, then the local Debian bases `make images IMAGE_BASES=local` builds on (scripts/image-bases.sh;
# cached in ~/.cache/labelhive/images, keyed by version: a warm machine only checks they are there).
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}/logs
mkdir -p "$log_dir"
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bootstrap images: run 'sudo apt-get install -y ${missing[*]}'" >&2; exit 1; }
  echo "  apt-get install ${missing[*]}"
  # One apt at a time on a shared machine.
  flock /tmp/apt.lock sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]} fuse-overlayfs" \
    >>"$log_dir/apt.log" 2>&1 || { echo "bootstrap images: apt-get install ${missing[*]} failed (log: $log_dir/apt.log)" >&2; exit 1; }
fi
echo "  local Debian base images (scripts/image-bases.sh)"
bash scripts/image-bases.sh >/dev/null
