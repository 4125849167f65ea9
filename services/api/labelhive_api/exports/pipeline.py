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
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    window: int,
    max_bytes: int | None = None,
) -> Iterator[tuple[T, R | BaseException]]:
    """Like map, `workers` at a time, at most about `window` results waiting (bounded memory); errors are
    returned per item. With `max_bytes` (results are bytes-like), the window is as many results of the mean
    size seen so far as fit in it, between `workers` and `window`: small images keep many requests in
    flight (one slow answer does not idle the other workers), large ones few."""
    if workers <= 1:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:  # noqa: BLE001 - handed to the caller per item
                yield item, exc
        return
    chunk = max(1, min(CHUNK, window // workers))
    seen = {"n": 0, "bytes": 0}

    def pending_limit() -> int:
        """Batches in flight: at least one per worker; up to `window` items, or what fits in `max_bytes`."""
        most = max(workers, window // chunk)
        if max_bytes is None:
            return most
        if not seen["n"]:
            return workers
        mean = max(seen["bytes"] // seen["n"], 1)
        return max(workers, min(most, max_bytes // (mean * chunk)))

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
        if max_bytes is not None:
            for result in results:
                if isinstance(result, bytes | bytearray | memoryview):
                    seen["n"] += 1
                    seen["bytes"] += len(result)
        yield from zip(batch, results, strict=True)

    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-fetch") as pool:
        try:
            while batch := list(islice(source, chunk)):
                pending.append((batch, pool.submit(run, batch)))
                while len(pending) >= pending_limit():
                    yield from take()
            while pending:
                yield from take()
        finally:
            for _batch, waiting in pending:
                waiting.cancel()
