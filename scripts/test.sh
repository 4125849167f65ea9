#!/usr/bin/env bash
# Runs every suite against real services started by the harness. Any failure, or a suite that ran no test, fails.
#
# On a cold machine most of the time is preparation: the Kubernetes binaries (Go builds from the module proxy),
# the worker's torch environment, the Debian image bases and the images. Each starts here in the background at low
# CPU and IO priority (scripts/bootstrap.d), while the suites that need none of it run; a suite waits only for
# what it needs (`need`). On a warm machine a preparation only checks its cache, in seconds.
# The Go builds need no explicit wait: the harness takes each module's build lock, so a suite that needs a binary
# waits for the module being built, then finds it (labelhive_harness/kube_build.py).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
prep_logs=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}/logs/prepare
mkdir -p "$prep_logs"

declare -A prep_pid=() prep_rc=()
prepare() {  # prepare NAME COMMAND...: start a preparation in the background (log: $prep_logs/NAME.log)
  local name=$1
  shift
  setsid nice -n 15 ionice -c 2 -n 7 "$@" >"$prep_logs/$name.log" 2>&1 &
  prep_pid[$name]=$!
}
need() {  # need NAME...: wait for preparations; for a failed one, print the end of its log and return 1
  local name rc waited status=0
  for name in "$@"; do
    if [ -z "${prep_rc[$name]+set}" ]; then
      waited=$(date +%s)
      rc=0
      wait "${prep_pid[$name]}" || rc=$?
      prep_rc[$name]=$rc
      printf '[prepare] %s: %s after %ss of waiting (%ss into make test; log: %s)\n' "$name" \
        "$([ "$rc" = 0 ] && echo ready || echo "FAILED with exit $rc")" "$(( $(date +%s) - waited ))" \
        "$(( $(date +%s) - start ))" "$prep_logs/$name.log"
      [ "$rc" = 0 ] || tail -n 25 "$prep_logs/$name.log"
    fi
    [ "${prep_rc[$name]}" = 0 ] || status=1
  done
  return $status
}

# The worker's environment first: the API suite's fidelity checks and the pre-label flows run it.
prepare worker bash scripts/bootstrap.d/worker.sh
# Go: the control plane (etcd, Kubernetes, kwok, helm), then the real node's programs (kubelet, CoreDNS, Traefik).
prepare kube sh -c 'bash scripts/bootstrap.d/kube.sh && bash scripts/bootstrap.d/node.sh'
# Images: buildah and the Debian bases, the small images, then both worker variants (cuda, and onnx for the real
# pods). The worker images wait for the worker's environment, which fills the uv cache they install from.
worker_pid=${prep_pid[worker]}
prepare images sh -c "bash scripts/bootstrap.d/images.sh \
  && IMAGE_BASES=local CONTAINER_TOOL=buildah IMAGES='api ui operator' bash scripts/images.sh \
  && while kill -0 $worker_pid 2>/dev/null; do sleep 5; done \
  && IMAGE_BASES=local CONTAINER_TOOL=buildah IMAGES=worker WORKER_VARIANT='${WORKER_VARIANT:-cuda onnx}' \
     bash scripts/images.sh"
# Leaving early (a failure of this script, Ctrl-C) stops the preparations with their builds (own sessions).
trap 'for pid in "${prep_pid[@]}"; do kill -- "-$pid" 2>/dev/null || true; done' EXIT

failed=()
suite() {  # suite DIR [pytest args...]: one pytest process per suite (its own conftest; collecting nothing fails)
  local dir=$1
  shift
  section "Python: $dir"
  .venv/bin/pytest "$dir" "$@" || failed+=("$dir")
}

section "UI: type check, lint, unit tests, build"
(cd services/ui && npm run --silent lint && npm run --silent test && npm run --silent build) || failed+=("services/ui")

suite libs/outbound/tests
suite services/cli/tests
suite operator/tests
# tests/ui/test_exemplar_flow.py and the API suite's dataset fidelity checks run .venv-worker.
if need worker; then
  suite services/api/tests
  suite tests/security
  suite tests/ui
else
  failed+=("prepare worker")
fi

section "Fuzz: schemathesis against the API (small example budget; any 5xx fails)"
FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-2} FUZZ_MAX_TIME=${FUZZ_MAX_TIME:-40} .venv/bin/python tests/fuzz/fuzz.py || failed+=("tests/fuzz")

if need worker; then
  section "Worker: services/worker/tests (its own environment, with torch)"
  .venv-worker/bin/pytest services/worker/tests -m "not gpu" || failed+=("services/worker/tests")  # gpu: on a CUDA machine
fi

# The harness's own smoke tests (PostgreSQL, RabbitMQ, S3, Chromium, the kwok cluster), then the kwok suite.
suite tests/smoke
need worker && suite tests/e2e

section "Images: make images (buildah on local Debian bases), then what each image starts"
if need images; then
  grep -E '^(image +size +build|[^ ]+:[^ ]+ +[0-9.]+ [kMG]?B +[0-9]+s)$' "$prep_logs/images.log" || true
  suite tests/images
  section "Real pods: the chart and a LabelingProject on a real node (screenshots: .artifacts/realpods/)"
  need kube && suite tests/realpods
else
  failed+=("make images")
fi
need kube || failed+=("prepare kube")

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nmake test: FAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nmake test: all suites passed in %ss\n' "$(( $(date +%s) - start ))"
