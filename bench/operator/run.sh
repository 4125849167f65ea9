#!/usr/bin/env bash
# Apply 100 LabelingProjects at once on the harness control plane and print figures (never pass/fail):
# time to all Ready, API calls and writes per reconcile, steady-state writes, operator RSS.
# Usage: bench/operator/run.sh [PROJECTS]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/operator/bench_operator.py "${1:-100}"
