"""The plain data the format readers produce and the writers consume.

Shapes follow contracts/README.md: image pixels, origin top-left; bbox x/y/w/h, polygon points,
keypoints [x, y, v] with a skeleton name, tag without geometry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SHAPE_TYPES = ("bbox", "polygon", "keypoints", "tag")


class FormatError(ValueError):
    """The file is not valid in the format it claims to be (one line saying where)."""


@dataclass
class Shape:
    type: str
    label: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    points: list[list[float]] = field(default_factory=list)
    skeleton: str | None = None
    score: float | None = None
    id: str | None = None
    group: str | None = None  # shapes sharing a group are one object (see contracts/README.md)
    attributes: dict[str, Any] | None = None  # named values about the object (COCO/CVAT `attributes`)
    # Readers only: one-point keypoints with the same `instance` are points of one skeleton instance.
    instance: str | None = None

    def bounds(self) -> tuple[float, float, float, float]:
        """x, y, w, h of the box around the shape (tags: all zero)."""
        if self.type == "bbox":
            return self.x, self.y, self.w, self.h
        pts = [p for p in self.points if self.type != "keypoints" or (len(p) < 3 or p[2] > 0)]
        if not pts:
            return 0.0, 0.0, 0.0, 0.0
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "label": self.label}
        if self.id is not None:
            out["id"] = self.id
        if self.type == "bbox":
            out.update(x=self.x, y=self.y, w=self.w, h=self.h)
        elif self.type == "polygon":
            out["points"] = [[p[0], p[1]] for p in self.points]
        elif self.type == "keypoints":
            out["points"] = [list(p) for p in self.points]
            if self.skeleton:
                out["skeleton"] = self.skeleton
        if self.score is not None:
            out["score"] = self.score
        if self.group is not None:
            out["group"] = self.group
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out

    @classmethod
    def from_contract(cls, data: dict[str, Any]) -> Shape:
        kind = data.get("type")
        if kind == "bbox":  # the common case, kept cheap: exports build millions of these
            score = data.get("score")
            return cls(
                "bbox",
                str(data.get("label", "")),
                float(data["x"]),
                float(data["y"]),
                float(data["w"]),
                float(data["h"]),
                [],
                None,
                None if score is None else float(score),
                None if data.get("id") is None else str(data["id"]),
                None if data.get("group") is None else str(data["group"]),
                data.get("attributes") or None,
            )
        if kind not in SHAPE_TYPES:
            raise FormatError(f"unknown shape type {kind!r}")
        return cls(
            type=str(kind),
            label=str(data.get("label", "")),
            x=float(data.get("x", 0.0)),
            y=float(data.get("y", 0.0)),
            w=float(data.get("w", 0.0)),
            h=float(data.get("h", 0.0)),
            points=[[float(v) for v in p] for p in data.get("points", [])],
            skeleton=data.get("skeleton"),
            score=None if data.get("score") is None else float(data["score"]),
            id=None if data.get("id") is None else str(data["id"]),
            group=None if data.get("group") is None else str(data["group"]),
            attributes=data.get("attributes") or None,
        )


@dataclass
class ImageItem:
    """One image and its shapes. `file_name` is the path inside the dataset (e.g. `train/a.jpg`)."""

    file_name: str
    width: int | None = None
    height: int | None = None
    shapes: list[Shape] = field(default_factory=list)
    ref: str | None = None  # the format's own id for the image, when it has one
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Category:
    name: str
    keypoints: list[str] = field(default_factory=list)  # named points, for keypoint categories
    skeleton: list[list[int]] = field(default_factory=list)  # 1-based COCO edges
    supercategory: str | None = None
    color: str | None = None  # "#rrggbb", when the schema has one
    tools: list[str] = field(default_factory=list)  # bbox / polygon / keypoints / tag, when known


@dataclass
class Dataset:
    images: list[ImageItem] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What reading had to change or leave out, by reason (e.g. mask_as_box); counted in the import job.
    losses: Counter[str] = field(default_factory=Counter)

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in self.categories]
