"""Checking that bytes are an image we accept, without decoding a decompression bomb."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from labelhive_api.storage.sniff import sniff_content_type

ACCEPTED = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
}


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    content_type: str


class ImageRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason  # not_an_image | decompression_bomb | corrupt_image | too_large
        self.detail = detail


def inspect_image(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> ImageInfo:
    """Width, height and type from the header, then a structural check; refuses bombs before decoding."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRefused("too_large", f"{len(data)} bytes > limit {max_bytes}")
    content_type = sniff_content_type(data[:16])
    if content_type not in ACCEPTED:
        raise ImageRefused("not_an_image", "not a JPEG, PNG, WebP, BMP, TIFF or GIF file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[ACCEPTED[content_type]]) as image:
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise ImageRefused("corrupt_image", "zero-sized image")
                if width * height > max_pixels:
                    raise ImageRefused(
                        "decompression_bomb", f"{width}x{height} is over the limit of {max_pixels} pixels"
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("decompression_bomb", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("corrupt_image", str(exc) or type(exc).__name__) from exc
    return ImageInfo(width, height, content_type)
