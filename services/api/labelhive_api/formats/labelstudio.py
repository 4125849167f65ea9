"""Label Studio JSON tasks (export format "JSON"): rectangles, polygons, keypoints, choices.

Label Studio stores geometry in percent of the image size; we store pixels.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape


def _pct(value: float, size: float) -> float:
    return round(value / size * 100.0, 6) if size else 0.0


def ls_results(item: ImageItem, from_name: str = "label", to_name: str = "image") -> list[dict[str, Any]]:
    W, H = float(item.width or 0), float(item.height or 0)
    common = {
        "from_name": from_name,
        "to_name": to_name,
        "original_width": item.width,
        "original_height": item.height,
    }
    results: list[dict[str, Any]] = []
    for n, shape in enumerate(item.shapes):
        rid = shape.id or f"s{n}"
        extra = {} if shape.score is None else {"score": shape.score}
        if shape.type == "bbox":
            value = {
                "x": _pct(shape.x, W),
                "y": _pct(shape.y, H),
                "width": _pct(shape.w, W),
                "height": _pct(shape.h, H),
                "rotation": 0,
                "rectanglelabels": [shape.label],
            }
            results.append({"id": rid, "type": "rectanglelabels", "value": value, **common, **extra})
        elif shape.type == "polygon":
            value = {
                "points": [[_pct(p[0], W), _pct(p[1], H)] for p in shape.points],
                "polygonlabels": [shape.label],
            }
            results.append({"id": rid, "type": "polygonlabels", "value": value, **common, **extra})
        elif shape.type == "keypoints":
            for i, p in enumerate(shape.points):
                if len(p) > 2 and p[2] <= 0:
                    continue
                value = {
                    "x": _pct(p[0], W),
                    "y": _pct(p[1], H),
                    "width": 0.5,
                    "keypointlabels": [shape.label],
                }
                results.append(
                    {"id": f"{rid}-{i}", "type": "keypointlabels", "value": value, **common, **extra}
                )
        elif shape.type == "tag":
            results.append(
                {"id": rid, "type": "choices", "value": {"choices": [shape.label]}, **common, **extra}
            )
    return results


def ls_task(
    item: ImageItem, image_url: str, task_id: int | None = None, as_prediction: bool = False
) -> dict[str, Any]:
    task: dict[str, Any] = {"data": {"image": image_url}}
    if task_id is not None:
        task["id"] = task_id
    block = {"result": ls_results(item)}
    task["predictions" if as_prediction else "annotations"] = [block]
    return task


def _shapes_from_results(
    results: list[dict[str, Any]], warnings: list[str], where: str
) -> tuple[list[Shape], int | None, int | None]:
    shapes: list[Shape] = []
    width = height = None
    for r in results:
        kind, value = r.get("type"), r.get("value") or {}
        W = float(r.get("original_width") or 0)
        H = float(r.get("original_height") or 0)
        if W and H:
            width, height = int(W), int(H)
        score = r.get("score")
        score = None if score is None else float(score)
        labels = value.get(kind) if isinstance(kind, str) else None
        label = labels[0] if isinstance(labels, list) and labels else None
        if kind in ("rectanglelabels", "polygonlabels", "keypointlabels") and (not W or not H):
            warnings.append(f"{where}: {kind} result without original_width/original_height skipped")
            continue
        if kind == "rectanglelabels" and label:
            shapes.append(
                Shape(
                    type="bbox",
                    label=label,
                    x=value["x"] * W / 100,
                    y=value["y"] * H / 100,
                    w=value["width"] * W / 100,
                    h=value["height"] * H / 100,
                    score=score,
                )
            )
        elif kind == "polygonlabels" and label:
            pts = [[p[0] * W / 100, p[1] * H / 100] for p in value.get("points", [])]
            shapes.append(Shape(type="polygon", label=label, points=pts, score=score))
        elif kind == "keypointlabels" and label:
            shapes.append(
                Shape(
                    type="keypoints",
                    label=label,
                    points=[[value["x"] * W / 100, value["y"] * H / 100, 2.0]],
                    score=score,
                )
            )
        elif kind == "choices":
            for choice in value.get("choices", []):
                shapes.append(Shape(type="tag", label=str(choice), score=score))
        elif kind:
            warnings.append(f"{where}: result type {kind!r} not supported, skipped")
    return shapes, width, height


def image_name_from_url(url: str) -> str:
    """`/data/upload/3/abc-cat.jpg` or `s3://b/k/cat.jpg` -> path-ish name used to find the image."""
    parts = urlsplit(url)
    if parts.query.startswith("d="):  # Label Studio local-files: /data/local-files/?d=dir/cat.jpg
        return unquote(parts.query[2:])
    return unquote(parts.path.lstrip("/")) or posixpath.basename(url)


def read_labelstudio(data: bytes | str | list[Any], use: str = "annotations") -> Dataset:
    """`use`: `annotations` (the first non-cancelled one) or `predictions` (the first)."""
    doc = data if isinstance(data, list) else json.loads(data)
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise FormatError("Label Studio: expected a list of tasks")
    dataset = Dataset()
    names: dict[str, None] = {}
    for n, task in enumerate(doc):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise FormatError(f"Label Studio: task {n} has no `data`")
        data_field = task["data"]
        url = data_field.get("image") or next((v for v in data_field.values() if isinstance(v, str)), None)
        if not url:
            dataset.warnings.append(f"task {task.get('id', n)}: no image in data")
            continue
        blocks = [b for b in task.get(use) or [] if not b.get("was_cancelled")]
        where = f"task {task.get('id', n)}"
        shapes, width, height = _shapes_from_results(
            blocks[0].get("result", []) if blocks else [], dataset.warnings, where
        )
        for s in shapes:
            names[s.label] = None
        dataset.images.append(
            ImageItem(
                file_name=image_name_from_url(str(url)),
                width=width,
                height=height,
                shapes=shapes,
                ref=str(task.get("id", n)),
                meta={"url": url},
            )
        )
    dataset.categories = [Category(name=n) for n in names]
    return dataset
