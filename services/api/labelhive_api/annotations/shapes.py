"""Shape validation against the image size and the project's label schema (422 names the shape)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from labelhive_api.errors import Unprocessable

Number = Annotated[float, Field(allow_inf_nan=False)]
AttributeValue = (
    bool | int | Annotated[float, Field(allow_inf_nan=False)] | Annotated[str, Field(max_length=1000)]
)


class Provenance(BaseModel):
    """Where an accepted suggestion came from (kept in the annotation and its history)."""

    model_config = ConfigDict(extra="forbid")

    model_version: str = Field(min_length=1, max_length=200)
    prediction_id: int | None = None
    shape_id: str | None = Field(None, max_length=128)
    exemplar_sets: dict[str, int] | None = Field(None, max_length=50)
    edited: bool = False


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    label: str = Field(min_length=1, max_length=128)
    score: Number | None = Field(None, ge=0, le=1)
    # Shapes sharing a group are one object (a COCO annotation with a polygon and keypoints; a polygon
    # in several parts); see contracts/README.md.
    group: str | None = Field(None, min_length=1, max_length=128)
    # Named values about the object (CVAT/COCO `attributes`: occluded, severity, ...).
    attributes: dict[Annotated[str, Field(min_length=1, max_length=100)], AttributeValue] | None = Field(
        None, max_length=50
    )
    provenance: Provenance | None = None


class BBox(_Shape):
    type: Literal["bbox"]
    x: Number
    y: Number
    w: Number = Field(ge=0)
    h: Number = Field(ge=0)


class Polygon(_Shape):
    type: Literal["polygon"]
    points: list[tuple[Number, Number]] = Field(min_length=3, max_length=10000)


class Keypoints(_Shape):
    type: Literal["keypoints"]
    points: list[tuple[Number, Number, Literal[0, 1, 2]]] = Field(min_length=1, max_length=1000)
    skeleton: str | None = Field(None, min_length=1, max_length=100)


class Tag(_Shape):
    type: Literal["tag"]


Shape = Annotated[BBox | Polygon | Keypoints | Tag, Field(discriminator="type")]
_adapter: TypeAdapter[Shape] = TypeAdapter(Shape)
MAX_SHAPES = 5000


class InvalidShape(Unprocessable):
    code = "invalid_shape"
    title = "A shape is invalid"


def _fail(index: int, shape: Any, reason: str, check: str = "invalid_geometry") -> InvalidShape:
    """`check`: which rule failed, a stable code (invalid_geometry, duplicate_id, unknown_label,
    tool_not_allowed, skeleton_mismatch, outside_image, too_many_shapes)."""
    shape_id = shape.get("id") if isinstance(shape, dict) else None
    return InvalidShape(
        f"shape {index} ({shape_id or 'no id'}): {reason}",
        shape_index=index,
        shape_id=shape_id,
        reason=reason,
        check=check,
    )


def validate_result(
    result: list[Any],
    labels: Mapping[str, dict[str, Any]] | None,
    width: int | None,
    height: int | None,
) -> list[dict[str, Any]]:
    """Returns the normalised shapes; raises InvalidShape (422) naming the first offending one.

    `labels=None` checks geometry only (predictions may use labels the schema gained later)."""
    if len(result) > MAX_SHAPES:
        raise InvalidShape(
            f"more than {MAX_SHAPES} shapes", reason="too_many_shapes", check="too_many_shapes"
        )
    out: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(result):
        box = plain_bbox(raw)
        if box is not None:
            out.append(_checked_box(index, raw, box, seen_ids, labels, width, height))
            continue
        try:
            shape = _adapter.validate_python(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise _fail(index, raw, f"{where}: {err['msg']}" if where else err["msg"]) from None
        if shape.id in seen_ids:
            raise _fail(index, raw, f"duplicate shape id {shape.id!r}", "duplicate_id")
        seen_ids.add(shape.id)
        if labels is None:
            out.append(shape.model_dump(exclude_none=True))
            continue
        label = labels.get(shape.label)
        if label is None:
            raise _fail(
                index, raw, f"label {shape.label!r} is not in the project's label schema", "unknown_label"
            )
        if shape.type not in label.get("tools", []):
            raise _fail(
                index, raw, f"label {shape.label!r} does not allow the {shape.type} tool", "tool_not_allowed"
            )
        _check_inside(index, raw, shape, width, height)
        if isinstance(shape, Keypoints):
            skeleton = label.get("skeleton") or {}
            if shape.skeleton != skeleton.get("name"):
                raise _fail(
                    index,
                    raw,
                    f"skeleton {shape.skeleton!r} is not the label's ({skeleton.get('name')!r})",
                    "skeleton_mismatch",
                )
            if len(shape.points) != len(skeleton.get("points", [])):
                raise _fail(
                    index,
                    raw,
                    f"skeleton {shape.skeleton!r} has {len(skeleton.get('points', []))} points",
                    "skeleton_mismatch",
                )
        out.append(shape.model_dump(exclude_none=True))
    return out


_BBOX_KEYS = frozenset({"id", "label", "score", "type", "x", "y", "w", "h"})
_NUMBER = (int, float)


def plain_bbox(raw: Any) -> dict[str, Any] | None:
    """What `_adapter.validate_python(raw).model_dump(exclude_none=True)` gives for a plain box (ids, a label,
    finite numbers of type int or float), at a tenth of the cost: pre-labels bring millions of them. None for
    anything else, which pydantic then checks (and words the error for)."""
    if type(raw) is not dict or raw.get("type") != "bbox" or not raw.keys() <= _BBOX_KEYS:
        return None
    shape_id, label, score = raw.get("id"), raw.get("label"), raw.get("score")
    if type(shape_id) is not str or type(label) is not str:
        return None
    if not (0 < len(shape_id) <= 128 and 0 < len(label) <= 128):
        return None
    out: dict[str, Any] = {"id": shape_id, "label": label}
    if score is not None:
        if type(score) not in _NUMBER or not 0 <= score <= 1:
            return None
        out["score"] = float(score)
    out["type"] = "bbox"
    for name in ("x", "y", "w", "h"):
        value: Any = raw.get(name)
        if type(value) not in _NUMBER:
            return None
        try:
            number = float(value)
        except OverflowError:
            return None
        if not math.isfinite(number):
            return None
        out[name] = number
    if out["w"] < 0 or out["h"] < 0:
        return None
    return out


def _checked_box(
    index: int,
    raw: Any,
    box: dict[str, Any],
    seen_ids: set[str],
    labels: Mapping[str, dict[str, Any]] | None,
    width: int | None,
    height: int | None,
) -> dict[str, Any]:
    """`validate_result`'s checks of one `plain_bbox`, in the same order and words."""
    if box["id"] in seen_ids:
        raise _fail(index, raw, f"duplicate shape id {box['id']!r}", "duplicate_id")
    seen_ids.add(box["id"])
    if labels is None:
        return box
    label = labels.get(box["label"])
    if label is None:
        raise _fail(
            index, raw, f"label {box['label']!r} is not in the project's label schema", "unknown_label"
        )
    if "bbox" not in label.get("tools", []):
        raise _fail(index, raw, f"label {box['label']!r} does not allow the bbox tool", "tool_not_allowed")
    if width is not None and height is not None:
        x, y = box["x"], box["y"]
        for px, py in ((x, y), (x + box["w"], y + box["h"])):
            if not (0 <= px <= width and 0 <= py <= height):
                raise _fail(
                    index, raw, f"point ({px}, {py}) is outside the {width}x{height} image", "outside_image"
                )
    return box


def _check_inside(index: int, raw: Any, shape: Any, width: int | None, height: int | None) -> None:
    if width is None or height is None:
        return
    points: list[tuple[float, float]] = []
    if isinstance(shape, BBox):
        points = [(shape.x, shape.y), (shape.x + shape.w, shape.y + shape.h)]
    elif isinstance(shape, Polygon):
        points = list(shape.points)
    elif isinstance(shape, Keypoints):
        points = [(x, y) for x, y, v in shape.points if v != 0]
    for x, y in points:
        if not (0 <= x <= width and 0 <= y <= height):
            raise _fail(
                index, raw, f"point ({x}, {y}) is outside the {width}x{height} image", "outside_image"
            )
