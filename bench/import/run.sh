#!/usr/bin/env bash
# Import benchmark on the harness (PostgreSQL + SeaweedFS): images/s for a 10,000-image zip (never pass/fail).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/import/bench.py "$@"
