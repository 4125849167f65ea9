"""Binary masks -> polygons (outer contours, Douglas-Peucker simplified) and boxes, in image pixels."""

from __future__ import annotations

from typing import Any

import numpy as np


def mask_bbox(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """x, y, w, h of the mask's pixels (inclusive pixel extents), or None for an empty mask."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
    return float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)


def mask_polygons(
    mask: np.ndarray, tolerance: float = 1.0, min_area: float = 16.0
) -> list[list[list[float]]]:
    """One polygon per connected region of at least min_area pixels, largest first; holes are not kept."""
    import cv2  # the model extra; only the worker's own environment has OpenCV

    binary = np.ascontiguousarray(mask.astype(np.uint8))
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    regions: list[tuple[float, list[list[float]]]] = []
    for contour in contours:
        area = float(cv2.contourArea(contour)) + 0.5 * float(cv2.arcLength(contour, True)) + 1.0
        if area < min_area:
            continue
        simplified = cv2.approxPolyDP(contour, tolerance, True) if tolerance > 0 else contour
        points = [[float(p[0][0]), float(p[0][1])] for p in simplified]
        if len(points) >= 3:
            regions.append((area, points))
    regions.sort(key=lambda r: -r[0])
    return [points for _, points in regions]


def mask_shapes(
    mask: np.ndarray,
    *,
    shape_id: str,
    label: str,
    score: float,
    types: list[str],
    tolerance: float,
    min_area: float,
) -> list[dict[str, Any]]:
    """shape.v1 dicts for one mask: polygons '<id>', '<id>:2', ... and its box '<id>:bbox' (or '<id>' alone)."""
    shapes: list[dict[str, Any]] = []
    score = round(min(max(float(score), 0.0), 1.0), 4)
    if "polygon" in types:
        for n, points in enumerate(mask_polygons(mask, tolerance, min_area)):
            sid = shape_id if n == 0 else f"{shape_id}:{n + 1}"
            shapes.append({"id": sid, "type": "polygon", "label": label, "points": points, "score": score})
    if "bbox" in types and (box := mask_bbox(mask)) is not None and box[2] * box[3] >= min_area:
        sid = f"{shape_id}:bbox" if "polygon" in types else shape_id
        x, y, w, h = box
        shapes.append(
            {"id": sid, "type": "bbox", "label": label, "x": x, "y": y, "w": w, "h": h, "score": score}
        )
    return shapes
