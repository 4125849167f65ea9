"""pytest plugin: a session-wide Kubernetes control plane with kwok CPU and GPU nodes (`kube` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .common import HarnessError

if TYPE_CHECKING:
    from .kube import KubeCluster


@pytest.fixture(scope="session")
def kube() -> Iterator[KubeCluster]:
    """The cluster's `.kubeconfig` is an admin kubeconfig; KUBECONFIG set to a file reuses that cluster."""
    from .kube import start_cluster  # imported on first use: plugin loading stays cheap

    try:
        cluster = start_cluster()
    except HarnessError as exc:
        pytest.exit(f"harness: {exc}", returncode=3)
    try:
        yield cluster
    finally:
        cluster.stop()
