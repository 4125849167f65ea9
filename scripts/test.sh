#!/usr/bin/env bash
# Runs every suite against real services started by the harness. Any failure, or a suite that ran no test, fails.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

section "UI: type check, lint, unit tests, build"
(cd services/ui && npm run --silent lint && npm run --silent test && npm run --silent build)

# One pytest process per suite: each folder's conftest stays its own, and a suite that collects nothing
# fails (pytest exits 5). Every suite runs even after one fails, so a run reports all failures.
# tests/ui/test_exemplar_flow.py starts a real pre-label worker from .venv-worker (scripts/bootstrap.d/worker.sh).
failed=()
for dir in tests/smoke libs/outbound/tests services/api/tests tests/security services/cli/tests operator/tests tests/ui tests/e2e; do
  section "Python: $dir"
  .venv/bin/pytest "$dir" || failed+=("$dir")
done

section "Fuzz: schemathesis against the API (small example budget; any 5xx fails)"
FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-2} FUZZ_MAX_TIME=${FUZZ_MAX_TIME:-40} .venv/bin/python tests/fuzz/fuzz.py || failed+=("tests/fuzz")

section "Images: make images (buildah on local Debian bases), then what each image starts"
# The worker in both variants: cuda (torch) and onnx (the CPU image the real pods run; shares the torch layers).
if IMAGE_BASES=local CONTAINER_TOOL=buildah WORKER_VARIANT=${WORKER_VARIANT:-cuda onnx} bash scripts/images.sh; then
  .venv/bin/pytest tests/images || failed+=("tests/images")
  section "Real pods: the chart and a LabelingProject on a real node (screenshots: .artifacts/realpods/)"
  .venv/bin/pytest tests/realpods || failed+=("tests/realpods")
else
  failed+=("make images")
fi

section "Worker: services/worker/tests (its own environment, with torch)"
.venv-worker/bin/pytest services/worker/tests -m "not gpu" || failed+=("services/worker/tests")  # gpu: on a CUDA machine

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nmake test: FAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nmake test: all suites passed in %ss\n' "$(( $(date +%s) - start ))"
