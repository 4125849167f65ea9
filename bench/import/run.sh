#!/usr/bin/env bash
# Import benchmark on the harness (PostgreSQL, SQLite, SeaweedFS): tasks/s for (a)-(d) against a raw-insert
# baseline, with status-poll latency beside a no-import poll baseline (never pass/fail). Options: --tasks N, --objects N, --backends, --million.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/import/bench.py "$@"
