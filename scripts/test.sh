#!/usr/bin/env bash
# Runs every suite against real services started by the harness. Any failure, or a suite that ran no test, fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

section "UI: type check, lint, unit tests, build"
(cd services/ui && npm run --silent lint && npm run --silent test && npm run --silent build)

section "Python: smoke, API, operator, end-to-end"
suites=()
for dir in tests/smoke services/api/tests operator/tests tests/ui tests/e2e; do [ -d "$dir" ] && suites+=("$dir"); done
.venv/bin/pytest "${suites[@]}"

if [ -x .venv-worker/bin/pytest ]; then
  section "Worker (its own environment, with torch)"
  .venv-worker/bin/pytest services/worker/tests
fi

printf '\nmake test: all suites passed in %ss\n' "$(( $(date +%s) - start ))"
