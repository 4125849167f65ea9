#!/usr/bin/env bash
# `make dev`: the embedded default (SQLite + local folder storage), no servers to install. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd services/ui && npm run --silent build >/dev/null)
export LABELHIVE_ENVIRONMENT=${LABELHIVE_ENVIRONMENT:-development}
export LABELHIVE_DATA_DIR=${LABELHIVE_DATA_DIR:-$PWD/.labelhive}
export LABELHIVE_DATABASE_URL=${LABELHIVE_DATABASE_URL:-sqlite:///$LABELHIVE_DATA_DIR/labelhive.db}
export LABELHIVE_UI_DIR=${LABELHIVE_UI_DIR:-$PWD/services/ui/dist}
# Development-only bootstrap admin; `labelhive-api serve` migrates SQLite, creates it and prints how to log in.
export LABELHIVE_BOOTSTRAP_ADMIN_EMAIL=${LABELHIVE_BOOTSTRAP_ADMIN_EMAIL:-admin@labelhive.local}
export LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD=${LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD:-labelhive-dev}
export LABELHIVE_LOG_FORMAT=${LABELHIVE_LOG_FORMAT:-text}
mkdir -p "$LABELHIVE_DATA_DIR"
echo "LabelHive: http://${LABELHIVE_HOST:-127.0.0.1}:${LABELHIVE_PORT:-8080}/  (Ctrl-C stops it)"
exec .venv/bin/labelhive-api serve
