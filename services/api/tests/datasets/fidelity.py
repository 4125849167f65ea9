"""A ground-truth dataset and what each format can carry of it (the documented, counted losses).

Coordinates are multiples of 0.25 px, so every format's rounding stays far below the 0.01 px we compare
at. Objects are compared as sorted tuples of shapes; shapes of one object share a group.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from labelhive_api.formats.checks import LabelLookup, check_shapes
from labelhive_api.formats.coco import objects_of
from labelhive_api.formats.model import Dataset, Shape
from PIL import Image

# Only display names for crack: its stored value is generated (Chinese-first labels).
LABELS: list[dict[str, Any]] = [
    {"names": {"zh-CN": "裂纹"}, "color": "#ff0000", "tools": ["bbox", "polygon"]},
    {"value": "pore", "names": {"zh-CN": "气孔", "en": "Pore"}, "color": "#00ff00", "tools": ["bbox"]},
    {
        "value": "person",
        "names": {"zh-CN": "人", "en": "Person"},
        "color": "#0000ff",
        "tools": ["bbox", "keypoints"],
        "skeleton": {
            "name": "body",
            "points": ["head", "left_hand", "right_hand"],
            "edges": [[0, 1], [0, 2]],
        },
    },
]


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _rotated_jpeg() -> bytes:
    """Stored 120x80, EXIF orientation 6: displayed 80x120."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (90, 40, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# name -> (nested path in dataset zips, bytes, displayed width, displayed height)
IMAGES: dict[str, tuple[str, bytes, int, int]] = {
    "a.png": ("set1/part/a.png", _png(200, 100, (200, 30, 30)), 200, 100),
    "a2.png": ("dup/a.png", _png(200, 100, (30, 200, 30)), 200, 100),  # same base name, other folder
    "b.png": ("set2/b.png", _png(160, 120, (30, 30, 200)), 160, 120),
    "c.jpg": ("phone/c.jpg", _rotated_jpeg(), 80, 120),
}


def ground_truth(crack: str) -> dict[str, list[Shape]]:
    """Shapes per image, labels by value (`crack`: the generated value of 裂纹)."""
    return {
        "a.png": [
            Shape("bbox", crack, 10.5, 20.25, 30, 40, attributes={"occluded": True, "severity": "高"}),
            Shape("polygon", crack, points=[[50, 10], [90, 10], [90, 40]], group="g1"),
            Shape("polygon", crack, points=[[100, 50], [140, 50], [140, 90], [100, 90]], group="g1"),
            Shape("bbox", "person", 5, 5, 60, 80, group="g2"),
            Shape(
                "keypoints",
                "person",
                points=[[20, 30, 2], [25, 60, 1], [0, 0, 0]],
                skeleton="body",
                group="g2",
            ),
        ],
        "a2.png": [
            Shape("keypoints", "person", points=[[10, 10, 2], [20, 20, 2], [30, 30, 2]], skeleton="body"),
        ],
        "b.png": [
            Shape("bbox", "pore", 0, 0, 160, 120),
            Shape("polygon", crack, points=[[10, 10], [60.5, 10], [60.5, 60.75], [10, 60.75]]),
        ],
        "c.jpg": [
            Shape("bbox", crack, 10, 90, 50, 25)
        ],  # below the stored 80 px height: displayed frame only
    }


# -- what each format carries ----------------------------------------------------------------------


def _copy(shape: Shape, **changes: Any) -> Shape:
    out = Shape(
        shape.type,
        shape.label,
        shape.x,
        shape.y,
        shape.w,
        shape.h,
        [list(p) for p in shape.points],
        shape.skeleton,
        None,
        None,
        shape.group,
        shape.attributes,
    )
    for key, value in changes.items():
        setattr(out, key, value)
    return out


def _box_of(shapes: list[Shape], label: str) -> Shape:
    bounds = [s.bounds() for s in shapes]
    x, y = min(b[0] for b in bounds), min(b[1] for b in bounds)
    w, h = max(b[0] + b[2] for b in bounds) - x, max(b[1] + b[3] for b in bounds) - y
    return Shape("bbox", label, x, y, w, h)


def carried(shapes: list[Shape], fmt: str, lost: Counter[str]) -> list[Shape]:
    """What `fmt` keeps of one image's shapes (and the losses it counts)."""
    out: list[Shape] = []
    polygon_parts = Counter(s.group for s in shapes if s.type == "polygon" and s.group)
    with_keypoints = {s.group for s in shapes if s.type == "keypoints" and s.group}
    if fmt != "coco":
        lost.update(f"attributes_not_in_{fmt}" for s in shapes if s.attributes)
        shapes = [_copy(s, attributes=None) for s in shapes]
    for obj in objects_of(shapes):
        if fmt == "coco":
            out.extend(_copy(s) for s in obj)
        elif fmt == "voc":
            lost.update(f"{s.type}_not_in_voc" for s in obj if s.type == "keypoints")
            lost.update("polygon_as_box" for s in obj if s.type == "polygon")
            drawn = [s for s in obj if s.type in ("bbox", "polygon")]
            if drawn:
                out.append(_box_of(drawn, obj[0].label))
        elif fmt == "labelstudio":
            for s in obj:
                if s.type == "polygon" and polygon_parts[s.group] > 1:
                    lost["multi_part_polygon_split"] += 1
                if s.type == "keypoints":
                    lost["keypoint_visibility"] += sum(1 for p in s.points if p[2] == 1)
                    points = [[p[0], p[1], 2.0 if p[2] > 0 else 0.0] for p in s.points]
                    out.append(_copy(s, points=points, group=None))
                else:
                    out.append(_copy(s, group=None))
        elif fmt == "yolo":
            for s in obj:
                if s.type == "keypoints":
                    lost["keypoints_not_in_yolo_detect"] += 1
                elif s.type == "polygon":
                    lost["polygon_as_box"] += 1
                    out.append(_box_of([s], s.label))
                else:
                    out.append(_copy(s, group=None))
        elif fmt == "yolo-seg":
            for s in obj:
                if s.type == "keypoints":
                    lost["keypoints_not_in_yolo_segment"] += 1
                elif s.type == "polygon":
                    if polygon_parts[s.group] > 1:
                        lost["multi_part_polygon_split"] += 1
                    out.append(_copy(s, group=None))
                else:
                    x, y, w, h = s.bounds()
                    corners = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
                    out.append(Shape("polygon", s.label, points=corners))
        elif fmt == "yolo-pose":
            for s in obj:
                if s.type == "keypoints" or (s.type == "bbox" and s.group in with_keypoints):
                    out.append(_copy(s))
                else:
                    lost[f"{s.type}_not_in_yolo_pose"] += 1
        else:
            raise ValueError(fmt)
    return out


# -- comparing -------------------------------------------------------------------------------------


def _r(value: float) -> float:
    return round(float(value), 2) + 0.0


def _key(shape: dict[str, Any]) -> tuple[Any, ...]:
    return (*_geometry(shape), tuple(sorted((shape.get("attributes") or {}).items())))


def _geometry(shape: dict[str, Any]) -> tuple[Any, ...]:
    if shape["type"] == "bbox":
        return ("bbox", shape["label"], _r(shape["x"]), _r(shape["y"]), _r(shape["w"]), _r(shape["h"]))
    if shape["type"] == "polygon":
        return ("polygon", shape["label"], tuple((_r(p[0]), _r(p[1])) for p in shape["points"]))
    if shape["type"] == "keypoints":
        pts = tuple((_r(p[0]), _r(p[1]), int(p[2])) if p[2] else (0.0, 0.0, 0) for p in shape["points"])
        return ("keypoints", shape["label"], pts)
    return ("tag", shape["label"])


def objects(shapes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Sorted objects, each the sorted keys of its shapes (a group is one object)."""
    groups: dict[str, list[tuple[Any, ...]]] = {}
    alone: list[tuple[Any, ...]] = []
    for shape in shapes:
        if shape.get("group"):
            groups.setdefault(shape["group"], []).append(_key(shape))
        else:
            alone.append((_key(shape),))
    return sorted([tuple(sorted(g)) for g in groups.values()] + alone)


def as_project_shapes(
    shapes: list[Shape], labels: list[dict[str, Any]], width: int, height: int
) -> list[dict[str, Any]]:
    """A reader's shapes the way an import would store them (labels mapped, keypoints gathered)."""
    checked = check_shapes(shapes, LabelLookup(labels), width, height)
    assert not checked.refused, [r.as_dict() for r in checked.refused]
    return checked.shapes


def expected_objects(shapes: list[Shape]) -> list[tuple[Any, ...]]:
    return objects([s.to_contract() for s in shapes])


def dataset_by_image(dataset: Dataset) -> dict[str, Any]:
    return {item.file_name: item for item in dataset.images}


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()
