"""Waiting for a Kubernetes state in tests (e2e on kwok, real pods): poll until true, 404 counting as
not yet, and fail with what was awaited and the last value seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubernetes import client


def eventually(check: Callable[[], Any], what: str, timeout: float, interval: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except client.ApiException as exc:
            if exc.status != 404:
                raise
            last = None
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} within {timeout:.0f}s (last: {last!r})")
