"""Object key layout, in one place."""

from __future__ import annotations

import re

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(value: str) -> bool:
    return bool(_SHA256.match(value))


def asset_key(sha256: str) -> str:
    """Source-bucket key of an image: `assets/sha256/<2 hex>/<64 hex>`."""
    if not is_sha256(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return f"assets/sha256/{sha256[:2]}/{sha256}"


def thumbnail_key(sha256: str, size: int) -> str:
    """Target-bucket key of a cached thumbnail (JPEG, longest side `size`)."""
    if not is_sha256(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return f"thumbnails/{size}/{sha256[:2]}/{sha256}.jpg"


def export_key(job_id: str | int) -> str:
    return f"exports/{job_id}.zip"


def import_staging_prefix(job_id: str | int) -> str:
    """Target-bucket prefix where uploaded import files wait for their job (any replica can resume)."""
    return f"imports/{job_id}/"
