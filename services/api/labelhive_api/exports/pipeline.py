"""Ordered parallel fetching: many S3 GETs in flight, results handed back in input order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, workers: int, window: int
) -> Iterator[tuple[T, R | BaseException]]:
    """Like map, `workers` at a time, at most `window` results waiting (bounded memory); errors are returned."""
    if workers <= 1:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:  # noqa: BLE001 - handed to the caller per item
                yield item, exc
        return
    pending: deque[tuple[T, Future[R]]] = deque()

    def take() -> tuple[T, R | BaseException]:
        head, future = pending.popleft()
        try:
            return head, future.result()
        except Exception as exc:  # noqa: BLE001 - handed to the caller per item
            return head, exc

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-fetch") as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                while len(pending) >= window:
                    yield take()
            while pending:
                yield take()
        finally:
            for _item, waiting in pending:
                waiting.cancel()
