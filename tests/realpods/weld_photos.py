"""The team's photos (one dark round defect on a plain plate each) and how well a shape covers that defect:
the assertions about MobileSAM's result are about the object the user clicked or the worker found."""

from __future__ import annotations

import io
from typing import Any

from labelhive_harness.chromium import editor_point
from PIL import Image, ImageChops, ImageDraw

SIZE = (480, 320)
RADIUS = 40


def center(n: int) -> tuple[int, int]:
    return 60 * n + 40, 140


def photo(n: int) -> bytes:
    img = Image.new("RGB", SIZE, (150 + n * 20, 160, 170))
    x, y = center(n)
    ImageDraw.Draw(img).ellipse([x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS], fill=(30, 40, 50))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


PHOTOS = {f"weld-{n}.png": photo(n) for n in range(1, 4)}


def _mask(draw: Any) -> Image.Image:
    img = Image.new("1", SIZE, 0)
    draw(ImageDraw.Draw(img))
    return img


def _count(img: Image.Image) -> int:
    return img.histogram()[-1]


def coverage(points: list[tuple[float, float]], n: int) -> float:
    """Intersection over union of a polygon (image pixels) with the defect of photo n."""
    x, y = center(n)
    defect = _mask(lambda d: d.ellipse([x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS], fill=1))
    if len(points) < 3:
        return 0.0
    shape = _mask(lambda d: d.polygon([(float(px), float(py)) for px, py in points], fill=1))
    union = _count(ImageChops.logical_or(defect, shape))
    return _count(ImageChops.logical_and(defect, shape)) / union if union else 0.0


def coco_polygons(annotation: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """A COCO annotation's outline(s): its polygon segmentation, else its box."""
    seg = annotation.get("segmentation")
    if isinstance(seg, list) and seg:
        return [list(zip(flat[0::2], flat[1::2], strict=True)) for flat in seg]
    x, y, w, h = annotation["bbox"]
    return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]


def to_screen(page: Any, x: float, y: float) -> tuple[float, float]:
    return editor_point(page, SIZE, x, y)
