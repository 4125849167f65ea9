"""Label Studio JSON tasks (export format "JSON"): rectangles, polygons, keypoints, choices.

Label Studio stores geometry in percent of the image size; we store pixels. Exports write one control
per tool type (`ls_config` gives the matching labeling config).
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape


def _pct(value: float, size: float) -> float:
    return round(value / size * 100.0, 6) if size else 0.0


# Shape type -> (Label Studio result type, the control's name in the config we write).
CONTROLS = {
    "bbox": ("rectanglelabels", "bbox"),
    "polygon": ("polygonlabels", "polygon"),
    "keypoints": ("keypointlabels", "keypoint"),
    "tag": ("choices", "choice"),
}
KEYPOINT_SEPARATOR = "~kp"  # result ids `<shape id>~kp<i>`: the points of one keypoints instance


def ls_results(
    item: ImageItem,
    to_name: str = "image",
    point_labels: dict[str, list[str]] | None = None,
    lost: Counter[str] | None = None,
) -> list[dict[str, Any]]:
    """Results with one control per tool type (see CONTROLS). `point_labels`: per label with a
    multi-point skeleton, the Label Studio label of each point (Label Studio keypoints are single named
    points). Label Studio has no keypoint visibility (hidden points are exported as plain points) and no
    multi-part polygons (each part becomes its own polygon); both are counted in `lost`."""
    lost = lost if lost is not None else Counter()
    W, H = float(item.width or 0), float(item.height or 0)
    common = {"to_name": to_name, "original_width": item.width, "original_height": item.height}
    parts = Counter(s.group for s in item.shapes if s.group is not None and s.type == "polygon")
    results: list[dict[str, Any]] = []
    for n, shape in enumerate(item.shapes):
        rid = shape.id or f"s{n}"
        kind, from_name = CONTROLS[shape.type]
        extra = {"from_name": from_name, **common, **({} if shape.score is None else {"score": shape.score})}
        if shape.type == "bbox":
            value = {
                "x": _pct(shape.x, W),
                "y": _pct(shape.y, H),
                "width": _pct(shape.w, W),
                "height": _pct(shape.h, H),
                "rotation": 0,
                kind: [shape.label],
            }
            results.append({"id": rid, "type": kind, "value": value, **extra})
        elif shape.type == "polygon":
            if shape.group is not None and parts[shape.group] > 1:
                lost["multi_part_polygon_split"] += 1
            value = {"points": [[_pct(p[0], W), _pct(p[1], H)] for p in shape.points], kind: [shape.label]}
            results.append({"id": rid, "type": kind, "value": value, **extra})
        elif shape.type == "keypoints":
            names = (point_labels or {}).get(shape.label)
            for i, p in enumerate(shape.points):
                v = p[2] if len(p) > 2 else 2
                if v <= 0:
                    continue
                if v == 1:
                    lost["keypoint_visibility"] += 1
                label = names[i] if names and i < len(names) else shape.label
                value = {"x": _pct(p[0], W), "y": _pct(p[1], H), "width": 0.5, kind: [label]}
                results.append({"id": f"{rid}{KEYPOINT_SEPARATOR}{i}", "type": kind, "value": value, **extra})
        elif shape.type == "tag":
            results.append({"id": rid, "type": kind, "value": {kind: [shape.label]}, **extra})
    return results


def ls_task(
    item: ImageItem,
    image_url: str,
    task_id: int | None = None,
    as_prediction: bool = False,
    point_labels: dict[str, list[str]] | None = None,
    lost: Counter[str] | None = None,
) -> dict[str, Any]:
    task: dict[str, Any] = {"data": {"image": image_url}}
    if task_id is not None:
        task["id"] = task_id
    block = {"result": ls_results(item, point_labels=point_labels, lost=lost)}
    task["predictions" if as_prediction else "annotations"] = [block]
    return task


def point_labels_for(categories: list[Category]) -> dict[str, list[str]]:
    """Label Studio labels for the points of multi-point skeletons: the point's name where it names one
    point of one label only, else `<label>/<point>` (both read back by `formats.checks`)."""
    names = Counter(p for c in categories if len(c.keypoints) > 1 for p in c.keypoints)
    taken = {c.name for c in categories}
    return {
        c.name: [p if names[p] == 1 and p not in taken else f"{c.name}/{p}" for p in c.keypoints]
        for c in categories
        if len(c.keypoints) > 1
    }


def ls_config(categories: list[Category]) -> str:
    """A labeling config with one control per tool type that fits the exported results."""
    points = point_labels_for(categories)
    controls: dict[str, list[str]] = {kind: [] for kind in CONTROLS}
    for c in categories:
        tools = c.tools or ["bbox"]
        for tool in tools:
            if tool == "keypoints" and c.name in points:
                controls[tool].extend(points[c.name])
            elif tool in controls:
                controls[tool].append(c.name)
    tags = {
        "bbox": "RectangleLabels",
        "polygon": "PolygonLabels",
        "keypoints": "KeyPointLabels",
        "tag": "Choices",
    }
    colours = {c.name: c.color for c in categories if c.color}
    lines = ["<View>", '  <Image name="image" value="$image"/>']
    for tool, labels in controls.items():
        if not labels:
            continue
        name = CONTROLS[tool][1]
        child = "Choice" if tool == "tag" else "Label"
        extra = ' choice="multiple"' if tool == "tag" else ""
        lines.append(f'  <{tags[tool]} name="{name}" toName="image"{extra}>')
        for label in dict.fromkeys(labels):
            colour = f' background="{colours[label]}"' if label in colours and tool != "tag" else ""
            lines.append(f"    <{child} value={quoteattr(label)}{colour}/>")
        lines.append(f"  </{tags[tool]}>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _shapes_from_results(
    results: list[dict[str, Any]], dataset: Dataset, where: str
) -> tuple[list[Shape], int | None, int | None]:
    shapes: list[Shape] = []
    width = height = None
    for m, r in enumerate(results):
        try:
            width, height = _read_result(r, shapes, dataset, where, width, height)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            field = f"value.{exc.args[0]}" if isinstance(exc, KeyError) else str(exc)
            raise FormatError(
                f"Label Studio: {where}: result {m} ({r.get('id')!r}): bad or missing {field}"
            ) from None
    return shapes, width, height


def _read_result(
    r: dict[str, Any],
    shapes: list[Shape],
    dataset: Dataset,
    where: str,
    width: int | None,
    height: int | None,
) -> tuple[int | None, int | None]:
    warnings = dataset.warnings
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
        dataset.losses["no_image_size"] += 1
        return width, height
    if kind == "rectanglelabels" and label:
        if float(value.get("rotation") or 0) != 0:
            dataset.losses["box_rotation"] += 1
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
        point = Shape(
            type="keypoints",
            label=label,
            points=[[value["x"] * W / 100, value["y"] * H / 100, 2.0]],
            score=score,
        )
        rid = str(r.get("id") or "")
        if KEYPOINT_SEPARATOR in rid:  # our own export: the points of one instance
            point.instance = rid.rsplit(KEYPOINT_SEPARATOR, 1)[0]
        shapes.append(point)
    elif kind == "choices":
        for choice in value.get("choices", []):
            shapes.append(Shape(type="tag", label=str(choice), score=score))
    elif kind:
        warnings.append(f"{where}: result type {kind!r} not supported, skipped")
        dataset.losses[f"unsupported_{kind}"] += 1
    return width, height


def image_name_from_url(url: str) -> str:
    """`/data/upload/3/abc-cat.jpg` or `s3://b/k/cat.jpg` -> path-ish name used to find the image."""
    parts = urlsplit(url)
    if parts.query.startswith("d="):  # Label Studio local-files: /data/local-files/?d=dir/cat.jpg
        return unquote(parts.query[2:])
    return unquote(parts.path.lstrip("/")) or posixpath.basename(url)


def read_labelstudio(data: bytes | str | list[Any], use: str = "annotations") -> Dataset:
    """`use`: `annotations` (the first non-cancelled one) or `predictions` (the first)."""
    try:
        doc = data if isinstance(data, list) else json.loads(data)
    except ValueError as exc:  # JSONDecodeError says line and column
        raise FormatError(f"Label Studio: not JSON: {exc}") from None
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
            blocks[0].get("result", []) if blocks else [], dataset, where
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
