"""Backfill of `task.orientation` for rows imported before it was recorded (their width/height may be the
stored, un-rotated size): read the image header, record the EXIF tag, swap width/height on quarter turns."""

from __future__ import annotations

import io
import logging

from PIL import Image
from sqlalchemy import select, update

from labelhive_api.db.engine import Database
from labelhive_api.imports.images import QUARTER_TURNS, exif_orientation
from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key
from labelhive_api.tasks.models import Task

log = logging.getLogger(__name__)

HEADER_BYTES = 256 * 1024  # EXIF sits in the first 64 KiB of a JPEG; PNG/WebP keep it near the start too


def read_orientation(storage: Storage, sha256: str) -> int:
    try:
        head = storage.source.read_head(asset_key(sha256), HEADER_BYTES)
        with Image.open(io.BytesIO(head)) as image:
            return exif_orientation(image)
    except Exception:
        log.warning("orientation backfill: could not read the header of %s", sha256, exc_info=True)
        return 1


def backfill(db: Database, storage: Storage, limit: int = 200) -> int:
    """Fixes up to `limit` unchecked tasks; returns how many it looked at (0: nothing left)."""
    with db.sessions() as session:
        rows = session.execute(
            select(Task.id, Task.asset_sha256)
            # tasks without a size are the sizing backfill's (imports/sizing.py), which records orientation too
            .where(Task.orientation.is_(None), Task.asset_sha256.is_not(None), Task.width.is_not(None))
            .limit(limit)
        ).all()
    if not rows:
        return 0
    found = {task_id: read_orientation(storage, str(sha)) for task_id, sha in rows}
    with db.session() as session:
        for orientation in set(found.values()):
            ids = [task_id for task_id, o in found.items() if o == orientation]
            values: dict[str, object] = {"orientation": orientation}
            if orientation in QUARTER_TURNS:
                values.update(width=Task.height, height=Task.width)
            # `orientation IS NULL` again: a concurrent replica's backfill must not swap twice
            session.execute(update(Task).where(Task.id.in_(ids), Task.orientation.is_(None)).values(**values))
    return len(rows)
