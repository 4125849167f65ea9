"""Small generated images and other helpers shared by the data tests."""

from __future__ import annotations

import io
import secrets

from labelhive_api.storage.config import StorageConfig
from PIL import Image


def png(width: int = 32, height: int = 24, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (10, 120, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


def s3_config(s3, **overrides) -> StorageConfig:
    suffix = secrets.token_hex(4)
    values = {
        "backend": "s3",
        "s3_endpoint": s3.endpoint,
        "s3_access_key": s3.access_key,
        "s3_secret_key": s3.secret_key,
        "s3_region": s3.region,
        "s3_source_bucket": f"src-{suffix}",
        "s3_target_bucket": f"tgt-{suffix}",
    }
    values.update(overrides)
    return StorageConfig(**values)
