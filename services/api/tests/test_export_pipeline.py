"""The export's ordered parallel fetch: results in input order, errors per item, and how far it reads ahead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labelhive_api.exports.pipeline import ordered_map


def fetch(i: int) -> bytes:
    if i % 7 == 3:
        raise LookupError(f"no image {i}")
    return str(i).encode()


@pytest.mark.parametrize("workers", [1, 4])
def test_results_come_back_in_order_with_errors_per_item(workers: int) -> None:
    out = list(ordered_map(fetch, range(100), workers=workers, window=16, max_bytes=1 << 20))
    assert [item for item, _ in out] == list(range(100))
    for item, result in out:
        if item % 7 == 3:
            assert isinstance(result, LookupError) and str(item) in str(result)
        else:
            assert result == str(item).encode()


def ahead(size: int) -> int:
    """The most items taken from the source and not yet handed back, for results of `size` bytes."""
    pulled = 0

    def source() -> Iterator[int]:
        nonlocal pulled
        for i in range(400):
            pulled += 1
            yield i

    most = 0
    for handed, _ in enumerate(
        ordered_map(lambda _i: b"x" * size, source(), workers=2, window=64, max_bytes=4 << 20)
    ):
        most = max(most, pulled - handed)
    return most


def test_small_results_keep_the_whole_window_in_flight_large_ones_a_few_per_worker() -> None:
    assert ahead(10) >= 60  # 64 small images ahead: one slow answer does not idle the other workers
    assert ahead(1 << 20) <= 12  # 1 MiB each against 4 MiB: a batch per worker (and the one being queued)
