#!/usr/bin/env bash
# `make dev`: the embedded default (SQLite + local folder storage), no servers to install. Ctrl-C stops it.
# On an empty database it adds a demo project (scripts/demo/seed.py; LABELHIVE_DEMO=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[dev]\033[0m %s\n' "$*"; }

# The UI build takes a minute on a slow machine: say so, and show where it is every few seconds.
ui_build() {
  local log started pid
  log=$(mktemp)
  started=$SECONDS
  (cd services/ui && npm run --silent build >"$log" 2>&1) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    kill -0 "$pid" 2>/dev/null || break
    local last
    last=$(grep -v '^\s*$' "$log" | tail -1 | cut -c1-100 || true)
    say "  building the UI ($((SECONDS - started)) s): ${last:-type-checking (tsc -b)}"
  done
  if ! wait "$pid"; then
    cat "$log" >&2
    rm -f "$log"
    say "the UI build failed (above)"
    exit 1
  fi
  rm -f "$log"
  say "UI built in $((SECONDS - started)) s"
}

if [ -f services/ui/dist/index.html ] && [ -z "$(find services/ui/src services/ui/index.html services/ui/package-lock.json services/ui/vite.config.ts \
  -newer services/ui/dist/index.html -print -quit)" ]; then
  say "UI is up to date (services/ui/dist)"
else
  say "building the UI (TypeScript check + Vite) into services/ui/dist"
  ui_build
fi

export LABELHIVE_ENVIRONMENT=${LABELHIVE_ENVIRONMENT:-development}
export LABELHIVE_DATA_DIR=${LABELHIVE_DATA_DIR:-$PWD/.labelhive}
export LABELHIVE_DATABASE_URL=${LABELHIVE_DATABASE_URL:-sqlite:///$LABELHIVE_DATA_DIR/labelhive.db}
export LABELHIVE_UI_DIR=${LABELHIVE_UI_DIR:-$PWD/services/ui/dist}
export LABELHIVE_HOST=${LABELHIVE_HOST:-127.0.0.1}
export LABELHIVE_PORT=${LABELHIVE_PORT:-8080}
# Development-only bootstrap admin; `labelhive-api serve` migrates SQLite, creates it and prints how to log in.
export LABELHIVE_BOOTSTRAP_ADMIN_EMAIL=${LABELHIVE_BOOTSTRAP_ADMIN_EMAIL:-admin@labelhive.local}
export LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD=${LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD:-labelhive-dev}
export LABELHIVE_LOG_FORMAT=${LABELHIVE_LOG_FORMAT:-text}
mkdir -p "$LABELHIVE_DATA_DIR"
base="http://$LABELHIVE_HOST:$LABELHIVE_PORT"

say "starting the API on $base (database: $LABELHIVE_DATABASE_URL)"
.venv/bin/labelhive-api serve &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; exit 0' INT TERM
until .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
  "$base/healthz" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || { say "the API did not start (above)"; exit 1; }
  sleep 0.5
done

# Made once per data folder: a demo project its user deleted stays deleted.
seeded="$LABELHIVE_DATA_DIR/.demo-seeded"
if [ "${LABELHIVE_DEMO:-1}" != 0 ] && [ -f "$seeded" ]; then
  say "demo project: made on the first run (remove $seeded to make it again)"
elif [ "${LABELHIVE_DEMO:-1}" != 0 ]; then
  say "demo project (photos from scikit-image, a label schema, predictions, an annotator and a reviewer)"
  if .venv/bin/python scripts/demo/seed.py --base "$base"; then
    date -u +%FT%TZ >"$seeded"
  else
    say "the demo project could not be made (above); the server runs on"
  fi
fi
say "log in as"
say "  admin     ${LABELHIVE_BOOTSTRAP_ADMIN_EMAIL} / ${LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD}"
if [ "${LABELHIVE_DEMO:-1}" != 0 ]; then
  say "  annotator ${LABELHIVE_DEMO_ANNOTATOR_EMAIL:-annotator@labelhive.local} / ${LABELHIVE_DEMO_ANNOTATOR_PASSWORD:-annotate-dev-2026}"
  say "  reviewer  ${LABELHIVE_DEMO_REVIEWER_EMAIL:-reviewer@labelhive.local} / ${LABELHIVE_DEMO_REVIEWER_PASSWORD:-review-dev-2026}"
  say "  (development-only accounts: never use these passwords anywhere else)"
fi
say "LabelHive: $base/  (Ctrl-C stops it)"
wait "$server"
