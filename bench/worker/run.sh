#!/usr/bin/env bash
# Pre-label worker benchmark: model load, embedding, prompt->mask, end-to-end through the queue vs pure forward.
# Prints figures only (never pass/fail). Needs the worker environment: scripts/bootstrap.d/worker.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv-worker/bin/python ] || bash scripts/bootstrap.d/worker.sh
exec .venv-worker/bin/python bench/worker/bench.py "$@"
