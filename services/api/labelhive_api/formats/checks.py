"""A dataset's shapes -> the project's shapes, judged one shape at a time.

Each shape is kept or refused with a stable reason; one bad shape never costs the image its other
shapes (the writer stores what is kept for an image in one transaction: per-image atomicity). Changes
that keep a shape but alter it (clamped into the image) are counted as losses. An axis-aligned 4-corner
polygon for a label that allows boxes but not polygons is the box it is (YOLO-seg writes boxes so).

Keypoints that arrive one point per shape (Label Studio writes each keypoint as its own result) are
gathered into the skeleton they belong to: a point labelled with a skeleton point name (`nose`, or
`person/nose`) fills that point of an instance of the label; a point name already filled starts the
next instance. A one-point keypoints shape of a label whose skeleton has one point is kept as is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from labelhive_api.annotations.shapes import InvalidShape, validate_result
from labelhive_api.formats.model import Shape

# How far outside the image a coordinate may be and still count as rounding (clamped without a loss).
ROUNDING = 0.01


@dataclass
class RefusedShape:
    index: int  # position in the dataset's list of shapes for this image
    label: str
    type: str
    reason: str  # unknown_label | tool_not_allowed | skeleton_mismatch | invalid_geometry | ...
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "label": self.label,
            "type": self.type,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass
class CheckedShapes:
    shapes: list[dict[str, Any]] = field(default_factory=list)  # contract shapes, ready to store
    refused: list[RefusedShape] = field(default_factory=list)
    losses: Counter[str] = field(default_factory=Counter)  # reason -> count (shape kept, but altered)


class LabelLookup:
    """Dataset names -> project label values. Explicit mapping, then the exact value, then a
    case-insensitive value, display name or alias. Unknown names are counted in `unknown`."""

    def __init__(self, labels: list[dict[str, Any]], explicit: Mapping[str, str] | None = None) -> None:
        self.labels = {str(label["value"]): label for label in labels}
        self.explicit = dict(explicit or {})
        self._folded: dict[str, str] = {}
        self._points: dict[str, tuple[str, int]] = {}  # folded point name -> (label value, index)
        for value, label in self.labels.items():
            self._folded.setdefault(_fold(value), value)
            for name in [*(label.get("names") or {}).values(), *(label.get("aliases") or [])]:
                self._folded.setdefault(_fold(str(name)), value)
        for value, label in self.labels.items():
            points = (label.get("skeleton") or {}).get("points") or []
            if "keypoints" not in label.get("tools", []) or len(points) < 2:
                continue
            for i, point in enumerate(points):
                self._points.setdefault(_fold(f"{value}/{point}"), (value, i))
                self._points.setdefault(_fold(str(point)), (value, i))
        self.unknown: Counter[str] = Counter()

    def value_for(self, name: str) -> str | None:
        if name in self.explicit:
            target = self.explicit[name]
            return target if target in self.labels else None
        if name in self.labels:
            return name
        return self._folded.get(_fold(name))

    def skeleton_point(self, name: str) -> tuple[str, int] | None:
        """(label value, point index) for a keypoint named after a skeleton point."""
        value = self.value_for(name)
        if value is not None and len(self.skeleton_points(value)) < 2:
            return None  # a label of its own (one-point skeleton), not a point of another label
        return self._points.get(_fold(name))

    def skeleton_points(self, value: str) -> list[str]:
        return list((self.labels[value].get("skeleton") or {}).get("points") or [])


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def check_shapes(
    shapes: list[Shape], lookup: LabelLookup, width: int | None, height: int | None
) -> CheckedShapes:
    """The shapes of one image as the project will store them, each refused one with its reason."""
    out = CheckedShapes()
    kept: list[tuple[int, Shape]] = []
    for index, shape in _gather_keypoints(shapes, lookup, out):
        value = lookup.value_for(shape.label)
        if value is None:
            lookup.unknown[shape.label] += 1
            out.refused.append(
                RefusedShape(
                    index, shape.label, shape.type, "unknown_label", f"{shape.label!r} is not a project label"
                )
            )
            continue
        shape.label = value
        tools = lookup.labels[value].get("tools", [])
        if shape.type == "polygon" and "polygon" not in tools and "bbox" in tools:
            _rectangle_as_box(shape)  # YOLO-seg writes boxes as 4-corner polygons
        if shape.type == "keypoints":
            skeleton = lookup.labels[value].get("skeleton") or {}
            shape.skeleton = skeleton.get("name") or shape.skeleton
        if _clamp(shape, width, height):
            out.losses["clamped_to_image"] += 1
        kept.append((index, shape))
    used_ids: set[str] = set()
    for index, shape in kept:
        shape.id = _unique_id(shape.id or f"imp{index}", used_ids)
        contract = shape.to_contract()
        try:
            out.shapes.extend(validate_result([contract], lookup.labels, width, height))
        except InvalidShape as exc:
            extra = exc.extra
            out.refused.append(
                RefusedShape(
                    index,
                    shape.label,
                    shape.type,
                    str(extra.get("check", "invalid_geometry")),
                    str(extra.get("reason", exc.detail)),
                )
            )
    return out


def _rectangle_as_box(shape: Shape) -> None:
    """An axis-aligned 4-corner polygon becomes the box it is (nothing lost); other polygons stay."""
    pts = shape.points
    if len(pts) != 4:
        return
    xs, ys = sorted({round(p[0], 6) for p in pts}), sorted({round(p[1], 6) for p in pts})
    edges_axis_aligned = all(
        abs(pts[i][0] - pts[i - 1][0]) <= 1e-6 or abs(pts[i][1] - pts[i - 1][1]) <= 1e-6 for i in range(4)
    )
    if len(xs) == 2 and len(ys) == 2 and edges_axis_aligned:
        x, y, w, h = shape.bounds()
        shape.type, shape.points = "bbox", []
        shape.x, shape.y, shape.w, shape.h = x, y, w, h


def _unique_id(base: str, used: set[str]) -> str:
    candidate, n = base[:120], 2
    while candidate in used:
        candidate, n = f"{base[:110]}~{n}", n + 1
    used.add(candidate)
    return candidate


def _gather_keypoints(
    shapes: list[Shape], lookup: LabelLookup, out: CheckedShapes
) -> list[tuple[int, Shape]]:
    """One-point keypoints named after a skeleton point become points of an instance of its label."""
    result: list[tuple[int, Shape]] = []
    open_instances: dict[tuple[str, str | None], Shape] = {}  # (label, instance) -> being filled
    for index, shape in enumerate(shapes):
        if shape.type != "keypoints" or len(shape.points) != 1:
            result.append((index, shape))
            continue
        found = lookup.skeleton_point(shape.label)
        if found is None:
            value = lookup.value_for(shape.label)
            if value is not None and len(lookup.skeleton_points(value)) > 1:
                out.refused.append(
                    RefusedShape(
                        index,
                        shape.label,
                        shape.type,
                        "skeleton_mismatch",
                        f"one point of the {len(lookup.skeleton_points(value))}-point skeleton of "
                        f"{value!r} without a point name",
                    )
                )
                continue
            result.append((index, shape))
            continue
        value, point = found
        key = (value, shape.instance or shape.group)
        instance = open_instances.get(key)
        if instance is None or instance.points[point][2] > 0:
            size = len(lookup.skeleton_points(value))
            instance = Shape(
                type="keypoints",
                label=value,
                points=[[0.0, 0.0, 0.0] for _ in range(size)],
                score=shape.score,
                id=shape.instance or shape.id,
                group=shape.group,
            )
            open_instances[key] = instance
            result.append((index, instance))
        x, y = shape.points[0][0], shape.points[0][1]
        v = shape.points[0][2] if len(shape.points[0]) > 2 else 2.0
        instance.points[point] = [x, y, v if v > 0 else 2.0]
    return result


def _clamp(shape: Shape, width: int | None, height: int | None) -> bool:
    """Moves the shape into the image; True when it moved by more than rounding."""
    if not width or not height:
        return False
    W, H = float(width), float(height)
    moved = False
    if shape.type == "bbox":
        x1, y1 = max(0.0, shape.x), max(0.0, shape.y)
        x2, y2 = min(W, shape.x + shape.w), min(H, shape.y + shape.h)
        new = (x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1))
        moved = any(
            abs(a - b) > ROUNDING for a, b in zip(new, (shape.x, shape.y, shape.w, shape.h), strict=True)
        )
        shape.x, shape.y, shape.w, shape.h = new
    elif shape.type in ("polygon", "keypoints"):
        for p in shape.points:
            if shape.type == "keypoints" and len(p) > 2 and p[2] <= 0:
                continue
            x, y = min(max(p[0], 0.0), W), min(max(p[1], 0.0), H)
            moved = moved or abs(x - p[0]) > ROUNDING or abs(y - p[1]) > ROUNDING
            p[0], p[1] = x, y
    return moved
