"""The whole real-pod setup in one call, for tests/realpods and bench/operator: control plane on the node address,
one real node, CoreDNS and Traefik, the given images imported, and the chart installed with helm (the operator
running in a pod). The caller brings the node network up first (services it starts listen on that address)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import HarnessError
from .kube import KubeCluster, binaries, start_cluster
from .node import RealNode, start_node
from .node_addons import Addons, start_addons
from .node_images import import_images
from .node_net import NODE_IP, NodeNetwork

RELEASE, RELEASE_NS = "labeling", "labelhive-system"


@dataclass
class RealCluster:
    cluster: KubeCluster
    node: RealNode
    addons: Addons
    timings: dict[str, float] = field(default_factory=dict)
    api: Any = None  # a kubernetes.client.ApiClient, when the caller makes one

    @property
    def kubeconfig(self) -> Path:
        return self.cluster.kubeconfig

    def kubectl(self, *args: str) -> str:
        out = subprocess.run(
            [str(binaries()["kubectl"]), f"--kubeconfig={self.kubeconfig}", *args],
            capture_output=True,
            text=True,
        )
        return out.stdout + out.stderr

    def helm(self, *args: str, timeout: float = 400) -> str:
        env = dict(
            os.environ,
            KUBECONFIG=str(self.kubeconfig),
            HELM_CACHE_HOME="/tmp/labelhive-helm/cache",
            HELM_CONFIG_HOME="/tmp/labelhive-helm/config",
            HELM_DATA_HOME="/tmp/labelhive-helm/data",
        )
        out = subprocess.run(
            [str(binaries()["helm"]), *args], env=env, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode != 0:
            raise HarnessError(f"helm {' '.join(args[:2])} failed: {out.stderr.strip()[-500:]}")
        return out.stdout

    def install_chart(self, chart: Path, settings: dict[str, str], timeout: float = 300) -> float:
        """helm upgrade --install ... --wait; returns the seconds until the operator pod was Ready."""
        started = time.monotonic()
        sets = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
        self.helm(
            "upgrade", "--install", RELEASE, str(chart), "--namespace", RELEASE_NS, "--create-namespace",
            *sets, "--wait", "--timeout", f"{int(timeout)}s",
            timeout=timeout + 30,
        )  # fmt: skip
        return time.monotonic() - started

    def stop(self) -> None:
        try:
            self.addons.stop()
        finally:
            try:
                self.node.stop()
            finally:
                self.cluster.stop()


def start_real_cluster(network: NodeNetwork, images: list[str]) -> RealCluster:
    """Everything up and `images` (in buildah's store: make images) in the node's containerd."""
    started = time.monotonic()
    parts: list[Any] = []
    try:
        cluster = start_cluster(nodes=(), bind_ip=NODE_IP)
        parts.append(cluster)
        node = start_node(cluster, network)
        parts.append(node)
        addons = start_addons(cluster, node)
        parts.append(addons)
        real = RealCluster(cluster, node, addons)
        real.timings["cluster_and_node_start_s"] = time.monotonic() - started
        real.timings["image_import_s"] = import_images(node, images)
        return real
    except BaseException:
        for part in reversed(parts):
            part.stop()
        raise
