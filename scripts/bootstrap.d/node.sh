#!/usr/bin/env bash
# A real Kubernetes node for tests/realpods: containerd, runc, the CNI plugins and conntrack from Debian; kubelet,
# kube-proxy, CoreDNS and Traefik built with Go from the Go module proxy into ~/.cache/labelhive/kube (keyed by
# version; a warm cache only checks the files exist; a cold machine builds them once, see README "Real pods").
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${LABELHIVE_CACHE:-$HOME/.cache/labelhive}/logs
mkdir -p "$log_dir"
missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
command -v conntrack >/dev/null || missing+=(conntrack)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bootstrap node: run 'sudo apt-get install -y ${missing[*]}'" >&2; exit 1; }
  echo "  apt-get install ${missing[*]}"
  # One apt at a time on a shared machine. containerd is started by the harness only (private socket and root):
  # the package's own service is disabled so a fresh machine runs no second containerd.
  flock /tmp/apt.lock sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]}" \
    >>"$log_dir/apt.log" 2>&1 || { echo "bootstrap node: apt-get install ${missing[*]} failed (log: $log_dir/apt.log)" >&2; exit 1; }
fi
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now containerd >/dev/null 2>&1 || true
fi
.venv/bin/python -m labelhive_harness.kube_build --node
