"""Chunks of an import written at once, each in a thread and a transaction of its own."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any


class Writers:
    """At most `n` writes in flight: `submit` waits for the oldest when all are busy, and that write's
    failure is raised there (it stops the job: what committed stays, a re-run does the rest). Leaving the
    block waits for every write; the first failure is raised unless the block itself failed."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._pool = ThreadPoolExecutor(n, thread_name_prefix="import-write")
        self._flying: deque[Future[None]] = deque()

    def submit(self, write: Callable[..., None], *args: Any) -> None:
        while len(self._flying) >= self.n:
            self._flying.popleft().result()
        self._flying.append(self._pool.submit(write, *args))

    def __enter__(self) -> Writers:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            while self._flying:
                future = self._flying.popleft()
                if exc_type is None:
                    future.result()
                else:
                    future.exception()  # waits; the block's own failure is the one raised
        finally:
            self._pool.shutdown(wait=True)
