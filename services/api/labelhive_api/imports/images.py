"""Checking that bytes are an image we accept, without decoding a decompression bomb.

EXIF orientation: the stored bytes stay exactly as imported (exports must hand back the same files), and
`width`/`height` are the size as displayed, i.e. after the orientation tag is applied, which is what the
browser, the worker (`ImageOps.exif_transpose`), thumbnails and dataset tools (Ultralytics, CVAT) use. So
every coordinate in LabelHive is in the displayed frame; `orientation` records the tag (1 = none).
"""

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


EXIF_ORIENTATION = 0x0112
# Orientations 5-8 turn the image a quarter: the displayed width is the stored height.
QUARTER_TURNS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class ImageInfo:
    width: int  # displayed, after EXIF orientation
    height: int
    content_type: str
    orientation: int = 1  # the EXIF orientation tag (1-8; 1 when absent or invalid)


def exif_orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block means no orientation, not a broken image
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    return (height, width) if orientation in QUARTER_TURNS else (width, height)


class ImageRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = (
            reason  # not_an_image | decompression_bomb | corrupt_image | truncated_image | too_large
        )
        self.detail = detail


def accepted_type(data: bytes) -> str:
    """The image type the bytes start with, if it is one we import (else refused `not_an_image`)."""
    content_type = sniff_content_type(data[:16])
    if content_type not in ACCEPTED:
        raise ImageRefused("not_an_image", "not a JPEG, PNG, WebP, BMP, TIFF or GIF file")
    return content_type


def inspect_image(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> ImageInfo:
    """Width, height and type from the header, then a structural check; refuses bombs before decoding."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRefused("too_large", f"{len(data)} bytes > limit {max_bytes}")
    content_type = accepted_type(data)
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
            with Image.open(io.BytesIO(data), formats=[ACCEPTED[content_type]]) as image:
                orientation = exif_orientation(image)  # after verify(), which must come first
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("decompression_bomb", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("corrupt_image", str(exc) or type(exc).__name__) from exc
    if content_type == "image/jpeg" and b"\xff\xd9" not in data[-4096:]:
        # verify() does not read JPEG scan data: a cut-off upload would import with a grey lower part.
        raise ImageRefused("truncated_image", "the JPEG ends before its end-of-image marker (cut off?)")
    width, height = displayed_size(width, height, orientation)
    return ImageInfo(width, height, content_type, orientation)
