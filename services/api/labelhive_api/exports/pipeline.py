"""Ordered parallel fetching: many S3 GETs in flight, results handed back in input order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Items per task handed to a worker thread. One future per small image costs the caller a lock dance
# (submit, wake-up, result) that competes for the GIL with the fetches themselves; a few per task keep
# every worker busy at the same number of items in flight.
CHUNK = 4


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, workers: int, window: int
) -> Iterator[tuple[T, R | BaseException]]:
    """Like map, `workers` at a time, at most about `window` results waiting (bounded memory); errors are
    returned per item."""
    if workers <= 1:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:  # noqa: BLE001 - handed to the caller per item
                yield item, exc
        return
    chunk = max(1, min(CHUNK, window // workers))
    max_pending = max(workers, window // chunk)

    def run(batch: list[T]) -> list[R | BaseException]:
        out: list[R | BaseException] = []
        for item in batch:
            try:
                out.append(fn(item))
            except Exception as exc:  # noqa: BLE001 - handed to the caller per item
                out.append(exc)
        return out

    pending: deque[tuple[list[T], Future[list[R | BaseException]]]] = deque()

    def take() -> Iterator[tuple[T, R | BaseException]]:
        batch, future = pending.popleft()
        try:
            results = future.result()
        except Exception as exc:  # noqa: BLE001 - handed to the caller per item
            results = [exc] * len(batch)
        yield from zip(batch, results, strict=True)

    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-fetch") as pool:
        try:
            while batch := list(islice(source, chunk)):
                pending.append((batch, pool.submit(run, batch)))
                while len(pending) >= max_pending:
                    yield from take()
            while pending:
                yield from take()
        finally:
            for _batch, waiting in pending:
                waiting.cancel()
