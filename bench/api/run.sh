#!/usr/bin/env bash
# Seeds 1,000,000 tasks on the harness PostgreSQL and prints API latency figures (never pass/fail).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/api/bench.py "$@"
