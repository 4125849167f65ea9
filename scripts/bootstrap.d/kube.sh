#!/usr/bin/env bash
# Kubernetes control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# kwok, helm) built with Go from the Go module proxy into ~/.cache/labelhive/kube, keyed by version.
# A warm cache only checks the files exist; a cold machine builds them once (about 10 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || { echo "bootstrap kube: 'go' is missing: install Go >= 1.24 to build the test control plane" >&2; exit 1; }
.venv/bin/python -m labelhive_harness.kube_build
