"""Comparing predicted polygons with the known shapes of a generated scene."""

from __future__ import annotations

from typing import Any

import numpy as np

from .scenes import SIZE


def raster(points: list[list[float]]) -> np.ndarray:
    import cv2

    canvas = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    cv2.fillPoly(canvas, [np.round(np.array(points)).astype(np.int32)], 1)
    return canvas.astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def rect_mask(x: int, y: int, w: int, h: int) -> np.ndarray:
    m = np.zeros((SIZE[1], SIZE[0]), bool)
    m[y : y + h, x : x + w] = True
    return m


def disk_mask(cx: int, cy: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def polygons(result: dict[str, Any], shape_id: str | None = None) -> list[dict[str, Any]]:
    return [
        s for s in result["shapes"] if s["type"] == "polygon" and (shape_id is None or s["id"] == shape_id)
    ]
