#!/usr/bin/env bash
# Export benchmark on the harness (PostgreSQL + SeaweedFS): 100,000 small images, 1,000,000 boxes.
# Prints COCO export time, YOLO-with-images export time, peak RSS and raw S3 read throughput (never pass/fail).
# Options: --images N, --boxes B, --workers W, --coco-only (no images seeded: the COCO figure alone).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/export/bench.py "$@"
