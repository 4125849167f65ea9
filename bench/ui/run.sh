#!/usr/bin/env bash
# Editor speed on headless Chromium: frame time (pan/zoom, 4000x3000, 1,000 boxes + 100 polygons), next ->
# editable, memory over 200 tasks in a row; each with a baseline from the same run (never pass/fail).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f services/ui/dist/index.html ] || (cd services/ui && npm run --silent build)
exec .venv/bin/python bench/ui/bench.py "$@"
