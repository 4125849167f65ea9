"""pytest plugin: a session-wide Kubernetes control plane with kwok CPU and GPU nodes (`kube` fixture)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .kube import KubeCluster, start_cluster


@pytest.fixture(scope="session")
def kube() -> Iterator[KubeCluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
