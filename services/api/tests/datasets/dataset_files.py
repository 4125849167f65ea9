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


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header declaring a huge image (decoding it would need gigabytes)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def hostile_zip(good: dict[str, bytes]) -> tuple[bytes, dict[str, str]]:
    """A zip with `good` images and one of each hostile member; returns (bytes, {name: expected reason})."""
    import zipfile

    out = io.BytesIO()
    expected: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in good.items():
            z.writestr(name, data)
        for name in ("../escape.png", "a/../../escape2.png", "/abs/escape3.png"):
            z.writestr(name, png())
            expected[name] = "unsafe_path"
        link = zipfile.ZipInfo("link.png")
        link.create_system = 3
        link.external_attr = (0o120777) << 16
        z.writestr(link, "/etc/passwd")
        expected["link.png"] = "symlink"
        z.writestr("bomb.png", b"\x00" * (40 * 1024 * 1024))  # ~40 MiB of zeros deflates ~1000:1
        expected["bomb.png"] = "zip_bomb"
        z.writestr("huge.png", bomb_png())
        expected["huge.png"] = "decompression_bomb"
        z.writestr("notes.txt", "not an image")
        expected["notes.txt"] = "not_an_image"
        z.writestr("fake.jpg", b"<html>not really</html>")
        expected["fake.jpg"] = "not_an_image"
        z.writestr("broken.png", png()[:40])
        expected["broken.png"] = "corrupt_image"
        z.writestr("big.bin", os_random(3 * 1024 * 1024), compress_type=zipfile.ZIP_STORED)
        expected["big.bin"] = "too_large"
    return out.getvalue(), expected


def os_random(n: int) -> bytes:
    import os

    return os.urandom(n)


def make_zip(files: dict[str, bytes]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()
