#!/usr/bin/env bash
# Apply 100 LabelingProjects at once on the harness control plane and print figures (never pass/fail):
# time to all Ready, API calls and writes per reconcile, steady-state writes, operator RSS.
# Then one project on a real node (bench_realpods.py): time to Ready with real pods, when the images exist.
# Usage: bench/operator/run.sh [PROJECTS]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python bench/operator/bench_operator.py "${1:-100}"
if command -v buildah >/dev/null && buildah inspect --type image "ghcr.io/labelhive/api:${IMAGE_TAG:-0.1.0}" >/dev/null 2>&1; then
  .venv/bin/python bench/operator/bench_realpods.py
else
  echo "operator real-pod bench: not run (no api image in buildah's store: make images)"
fi
