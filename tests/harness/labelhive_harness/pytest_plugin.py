"""pytest fixtures for the real services. Each starts once per session, on first use, and stops after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from labelhive_harness.common import HarnessError
from labelhive_harness.fixtures_kube import kube

__all__ = ["chromium", "kube", "postgres", "rabbitmq", "s3"]


def _serve(start: Any) -> Iterator[Any]:
    try:
        service = start()
    except HarnessError as exc:
        pytest.exit(f"harness: {exc}", returncode=3)
    try:
        yield service
    finally:
        getattr(service, "close", service.stop)()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from labelhive_harness.postgres import start_postgres

    yield from _serve(start_postgres)


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[Any]:
    from labelhive_harness.rabbitmq import start_rabbitmq

    yield from _serve(start_rabbitmq)


@pytest.fixture(scope="session")
def s3() -> Iterator[Any]:
    from labelhive_harness.s3 import start_s3

    yield from _serve(start_s3)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A playwright Browser on Debian's headless Chromium."""
    from labelhive_harness.chromium import start_chromium

    for handle in _serve(start_chromium):
        yield handle.browser
