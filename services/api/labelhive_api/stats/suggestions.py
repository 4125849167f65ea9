"""Is the model earning its keep? Per label and model version: precision and recall of the suggestions
(predictions) against the submitted or accepted annotations of the same tasks, and the share of annotated
shapes that came from a suggestion (their `provenance`).

Computed on request over the most recent annotated tasks that have predictions (bounded, so the cost does
not grow with the project); a suggestion and an annotated shape match at IoU >= 0.5 with the same label.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from PIL import Image, ImageChops, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.annotations.models import Annotation
from labelhive_api.predictions.models import Prediction

MATCH_IOU = 0.5
RASTER = 96  # pixels on the longer side of two shapes' common box, for polygon IoU


def _bounds(shape: dict[str, Any]) -> tuple[float, float, float, float]:
    if shape["type"] == "bbox":
        return shape["x"], shape["y"], shape["x"] + shape["w"], shape["y"] + shape["h"]
    xs, ys = [p[0] for p in shape["points"]], [p[1] for p in shape["points"]]
    return min(xs), min(ys), max(xs), max(ys)


def _outline(shape: dict[str, Any]) -> list[tuple[float, float]]:
    if shape["type"] == "bbox":
        x0, y0, x1, y1 = _bounds(shape)
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return [(float(p[0]), float(p[1])) for p in shape["points"]]


def shape_iou(a: dict[str, Any], b: dict[str, Any]) -> float:
    ax0, ay0, ax1, ay1 = _bounds(a)
    bx0, by0, bx1, by1 = _bounds(b)
    if min(ax1, bx1) <= max(ax0, bx0) or min(ay1, by1) <= max(ay0, by0):
        return 0.0
    if a["type"] == "bbox" and b["type"] == "bbox":
        inter = (min(ax1, bx1) - max(ax0, bx0)) * (min(ay1, by1) - max(ay0, by0))
        union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
        return inter / union if union > 0 else 0.0
    x0, y0 = min(ax0, bx0), min(ay0, by0)
    scale = RASTER / max(max(ax1, bx1) - x0, max(ay1, by1) - y0, 1e-6)
    masks = []
    for shape in (a, b):
        img = Image.new("1", (RASTER + 1, RASTER + 1), 0)
        ImageDraw.Draw(img).polygon(
            [((x - x0) * scale, (y - y0) * scale) for x, y in _outline(shape)], fill=1
        )
        masks.append(img)
    inter_px = ImageChops.logical_and(masks[0], masks[1]).histogram()[-1]
    union_px = ImageChops.logical_or(masks[0], masks[1]).histogram()[-1]
    return inter_px / union_px if union_px else 0.0


def instances(shapes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Region shapes, one per object: a mask's companion box ('<id>:bbox') and extra parts ('<id>:2') drop."""
    regions = [s for s in shapes if s.get("type") in ("polygon", "bbox")]
    ids = {s["id"] for s in regions}
    return [s for s in regions if not (":" in s["id"] and s["id"].split(":")[0] in ids)]


def match(suggested: list[dict[str, Any]], truth: list[dict[str, Any]]) -> int:
    """Greedy one-to-one matches at IoU >= MATCH_IOU, best pairs first."""
    pairs = sorted(
        ((shape_iou(s, t), i, j) for i, s in enumerate(suggested) for j, t in enumerate(truth)),
        reverse=True,
    )
    used_s: set[int] = set()
    used_t: set[int] = set()
    for iou, i, j in pairs:
        if iou < MATCH_IOU:
            break
        if i not in used_s and j not in used_t:
            used_s.add(i)
            used_t.add(j)
    return len(used_s)


def suggestion_quality(
    session: Session, project_id: int, *, job_id: int | None = None, limit: int = 2000
) -> list[dict[str, Any]]:
    query = (
        select(Prediction.model_version, Prediction.result, Annotation.result)
        .join(Annotation, Annotation.task_id == Prediction.task_id)
        .where(
            Prediction.project_id == project_id,
            Annotation.project_id == project_id,
            Annotation.status.in_(("submitted", "accepted")),
        )
        .order_by(Annotation.id.desc())
        .limit(limit)
    )
    if job_id is not None:
        query = query.where(Prediction.job_id == job_id)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"tasks": 0, "suggestions": 0, "annotations": 0, "matched": 0, "from_suggestions": 0}
    )
    for model_version, predicted, annotated in session.execute(query):
        suggested, truth = instances(predicted or []), instances(annotated or [])
        for label in {s["label"] for s in suggested} | {t["label"] for t in truth}:
            mine_s = [s for s in suggested if s["label"] == label]
            mine_t = [t for t in truth if t["label"] == label]
            c = counts[(model_version, label)]
            c["tasks"] += 1
            c["suggestions"] += len(mine_s)
            c["annotations"] += len(mine_t)
            c["matched"] += match(mine_s, mine_t)
            c["from_suggestions"] += sum(
                1 for t in mine_t if (t.get("provenance") or {}).get("model_version") == model_version
            )
    out = []
    for (model_version, label), c in sorted(counts.items()):
        out.append(
            {
                "model_version": model_version,
                "label": label,
                **c,
                "precision": round(c["matched"] / c["suggestions"], 4) if c["suggestions"] else None,
                "recall": round(c["matched"] / c["annotations"], 4) if c["annotations"] else None,
                "accepted_share": round(c["from_suggestions"] / c["annotations"], 4)
                if c["annotations"]
                else None,
            }
        )
    return out
