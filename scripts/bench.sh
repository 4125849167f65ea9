#!/usr/bin/env bash
# Runs each benchmark in bench/ that exists; each prints its figures with a baseline from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*/run.sh; do
  [ -e "$b" ] || continue
  printf '\n\033[1m== %s ==\033[0m\n' "$(dirname "$b")"
  bash "$b"
done
