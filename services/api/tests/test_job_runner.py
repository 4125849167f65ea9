"""The job runner's sweeps: each runs once at start, again when nudged or when its last pass found work,
and on its period when it has one (the pre-label publishing sweep retries a broker outage that way)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from labelhive_api.jobs.kinds import Sweep
from labelhive_api.jobs.runner import JobRunner


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the runner never got there"
        time.sleep(0.01)


def test_sweeps_run_at_start_when_nudged_and_on_their_period(committed_db):
    calls = {"on request": 0, "periodic": 0, "draining": 0}
    lock = threading.Lock()

    def counter(name: str, found: Callable[[int], int] = lambda n: 0) -> Callable[[], int]:
        def run_once() -> int:
            with lock:
                calls[name] += 1
                return found(calls[name])

        return run_once

    runner = JobRunner(
        committed_db,
        [],
        [
            Sweep("on request", counter("on request"), idle_only=True),
            Sweep("periodic", counter("periodic"), own_lane=True, every=0.05),
            # finds work on its first three passes, then none: it runs exactly four times
            Sweep("draining", counter("draining", lambda n: 1 if n <= 3 else 0), idle_only=True),
        ],
        poll_seconds=0.01,
    )
    runner.start()
    try:
        _wait_for(lambda: calls["periodic"] >= 5 and calls["draining"] >= 4)
        assert calls["on request"] == 1  # once at start, not again by itself
        assert calls["draining"] == 4
        runner.nudge("on request")
        _wait_for(lambda: calls["on request"] == 2)
        before = calls["periodic"]
        _wait_for(lambda: calls["periodic"] >= before + 3)
        assert (calls["on request"], calls["draining"]) == (2, 4)
    finally:
        runner.stop()
