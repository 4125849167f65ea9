"""Thumbnails for lists: generated once from the source image, cached in the target bucket."""

from __future__ import annotations

import io
import threading

from PIL import Image, ImageOps

from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key, thumbnail_key

THUMBNAIL_SIZES = (128, 256, 512)
_known: set[str] = set()
_known_lock = threading.Lock()


def render_thumbnail(data: bytes, size: int) -> bytes:
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        image: Image.Image = opened
        image.thumbnail((size, size))
        image = ImageOps.exif_transpose(image)  # thumbnails are shown as the image is: upright
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
    return out.getvalue()


def ensure_thumbnail(storage: Storage, sha256: str, size: int = 256) -> str:
    """Key of the cached thumbnail in the target bucket, rendering it on first use."""
    if size not in THUMBNAIL_SIZES:
        raise ValueError(f"thumbnail size must be one of {THUMBNAIL_SIZES}")
    key = thumbnail_key(sha256, size)
    cache_name = f"{storage.target.bucket}/{key}"
    with _known_lock:
        if cache_name in _known:
            return key
    if storage.target.head(key) is None:
        storage.target.put(key, render_thumbnail(storage.source.get(asset_key(sha256)), size), "image/jpeg")
    with _known_lock:
        if len(_known) > 100_000:
            _known.clear()
        _known.add(cache_name)
    return key
