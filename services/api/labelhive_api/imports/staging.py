"""Where uploaded import files wait for their job: a random prefix per job, never derived from the job id
(SQLite reuses ids after a rollback), removed when the upload fails, the job fails or finishes."""

from __future__ import annotations

import logging
import secrets

from labelhive_api.storage.base import ObjectStore
from labelhive_api.storage.keys import import_staging_prefix

log = logging.getLogger(__name__)


def new_staging_prefix() -> str:
    return import_staging_prefix(secrets.token_hex(16))


def staged_name(filename: str | None, number: int) -> str:
    """The uploaded file's own name, made safe as the last segment of an object key."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if ord(c) >= 32 and ord(c) != 127)[:255]
    if name in ("", ".", ".."):
        return f"file-{number}"
    return name


def remove_staging(store: ObjectStore, prefix: str | None) -> None:
    """Best effort: a leftover is unreachable anyway (no job names its random prefix)."""
    if not prefix or not prefix.startswith("imports/"):
        return
    try:
        for info in list(store.list(prefix)):
            store.delete(info.key)
    except Exception:
        log.warning("could not remove staged import files under %s", prefix, exc_info=True)
