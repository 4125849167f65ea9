"""Counting redeliveries of one message, so a message that keeps killing workers (out of memory, a crash in
native code) is failed with a reason instead of being redelivered forever. Classic RabbitMQ queues keep no
delivery count, and a killed worker cannot count for itself: the count lives in the target bucket."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

log = logging.getLogger(__name__)


def _key(delivery_id: str) -> str:
    return "worker-state/redeliveries/" + re.sub(r"[^A-Za-z0-9._:-]", "_", delivery_id)[:200]


def count(s3: Any, bucket: str | None, delivery_id: str) -> int:
    """Record one more redelivery of this message and return how many there have been (0 when unknown)."""
    if not bucket:
        return 0
    try:
        try:
            seen = int(
                json.loads(s3.get_object(Bucket=bucket, Key=_key(delivery_id))["Body"].read())["count"]
            )
        except s3.exceptions.NoSuchKey:
            seen = 0
        s3.put_object(Bucket=bucket, Key=_key(delivery_id), Body=json.dumps({"count": seen + 1}).encode())
        return seen + 1
    except Exception as exc:  # noqa: BLE001 - the guard must not fail a job the worker could do
        log.warning("redelivery count for %s unavailable: %s", delivery_id, exc)
        return 0


def forget(s3: Any, bucket: str | None, delivery_id: str) -> None:
    if not bucket:
        return
    try:
        s3.delete_object(Bucket=bucket, Key=_key(delivery_id))
    except Exception as exc:  # noqa: BLE001 - a stale counter only matters if the same id comes back
        log.warning("redelivery count for %s not removed: %s", delivery_id, exc)
