"""Image sizes for tasks created without them (`POST /tasks` by URL, storage key or s3:// object with no
width/height): read the image's first bytes where it lives (the project's storage, an allowed import
bucket, or the web under the outbound policy), then record the displayed size and the EXIF orientation.

Exports need the size (YOLO's coordinates are fractions of it; COCO and VOC carry it), and so do the
editor's bounds checks. Runs beside the import/export jobs when they are idle, a few tasks at a time; a
task whose image cannot be read keeps no size, is marked looked-at (orientation 1) and is not read again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from labelhive_outbound import OutboundPolicy, OutboundRefused, fetch
from sqlalchemy import select, update

from labelhive_api.db.engine import Database
from labelhive_api.imports.images import ImageRefused
from labelhive_api.imports.objects import HEAD_BYTES, size_from, url_head
from labelhive_api.storage.config import Storage
from labelhive_api.storage.scope import ScopeRefused
from labelhive_api.tasks.models import Task

log = logging.getLogger(__name__)

USER_AGENT = "LabelHive-sizing/1"


def _storage_reads(storage: Storage, image: str) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    """(head, whole) readers of a storage key or an s3:// object of an allowed import bucket."""
    if image.startswith("s3://"):
        store, key = storage.imports.object_store(image)
        return (lambda: store.read_head(key, HEAD_BYTES)), (lambda: store.get(key))

    return (lambda: storage.source.read_head(image, HEAD_BYTES)), (lambda: storage.source.get(image))


def _web_reads(url: str, policy: OutboundPolicy) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    """(head, whole) readers of an image on the web, both under the outbound policy."""
    head_policy = dataclasses.replace(policy, max_bytes=HEAD_BYTES)

    def whole() -> bytes:
        answer = fetch(url, policy, headers={"User-Agent": USER_AGENT})
        if answer.status not in (200, 206):
            raise LookupError(f"HTTP {answer.status}")
        return answer.body

    return (lambda: url_head(url, head_policy, USER_AGENT)), whole


def size_of(
    image: str, storage: Storage, policy: OutboundPolicy, max_pixels: int
) -> tuple[int, int, int] | None:
    """(displayed width, height, EXIF orientation) of a task's image, or None when it cannot be read."""
    try:
        if image.startswith(("http://", "https://")):
            head, whole = _web_reads(image, policy)
        else:
            head, whole = _storage_reads(storage, image)
        return size_from(head(), whole, max_pixels)
    except (OutboundRefused, ScopeRefused, ImageRefused, LookupError, OSError, ValueError) as exc:
        log.info("image size of %s: not readable (%s: %s)", image[:200], type(exc).__name__, exc)
    except Exception:
        log.warning("image size of %s: not readable", image[:200], exc_info=True)
    return None


def backfill_sizes(
    db: Database, storage: Storage, policy: OutboundPolicy, max_pixels: int, limit: int = 20
) -> int:
    """Sizes up to `limit` tasks that have none and were never looked at; returns how many it looked at."""
    with db.sessions() as session:
        rows = session.execute(
            select(Task.id, Task.image)
            .where(Task.width.is_(None), Task.orientation.is_(None))
            .order_by(Task.id)
            .limit(limit)
        ).all()
    if not rows:
        return 0
    found = {task_id: size_of(str(image), storage, policy, max_pixels) for task_id, image in rows}
    with db.session() as session:
        for task_id, size in found.items():
            values: dict[str, object] = {"orientation": 1}
            if size is not None:
                values = {"width": size[0], "height": size[1], "orientation": size[2]}
            # still unsized and unchecked: another replica (or the user) may have set it meanwhile
            session.execute(
                update(Task)
                .where(Task.id == task_id, Task.width.is_(None), Task.orientation.is_(None))
                .values(**values)
            )
    return len(rows)
