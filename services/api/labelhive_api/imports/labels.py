"""Mapping a dataset's category names onto the project's label values (unknown ones reported)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from labelhive_api.formats.model import Shape


class LabelMatcher:
    """Explicit mapping first, then the exact value, then a case-insensitive value, display name or alias."""

    def __init__(self, labels: list[dict[str, Any]], explicit: dict[str, str] | None = None) -> None:
        self.labels = {str(label["value"]): label for label in labels}
        self.explicit = dict(explicit or {})
        self._folded: dict[str, str] = {}
        for value, label in self.labels.items():
            self._folded.setdefault(value.casefold(), value)
            for name in [*(label.get("names") or {}).values(), *(label.get("aliases") or [])]:
                self._folded.setdefault(str(name).strip().casefold(), value)
        self.unknown: Counter[str] = Counter()

    def value_for(self, name: str) -> str | None:
        if name in self.explicit:
            target = self.explicit[name]
            return target if target in self.labels else None
        if name in self.labels:
            return name
        return self._folded.get(name.strip().casefold())

    def map_shapes(self, shapes: list[Shape], width: int | None, height: int | None) -> list[dict[str, Any]]:
        """Contract shapes with project label values, clamped into the image; unknown labels counted."""
        out: list[dict[str, Any]] = []
        for n, shape in enumerate(shapes):
            value = self.value_for(shape.label)
            if value is None:
                self.unknown[shape.label] += 1
                continue
            shape.label = value
            shape.id = shape.id or f"imp{n}"
            if shape.type == "keypoints":
                skeleton = self.labels[value].get("skeleton") or {}
                shape.skeleton = skeleton.get("name") or shape.skeleton
            _clamp(shape, width, height)
            out.append(shape.to_contract())
        return out


def _clamp(shape: Shape, width: int | None, height: int | None) -> None:
    if not width or not height:
        return
    if shape.type == "bbox":
        x1, y1 = max(0.0, shape.x), max(0.0, shape.y)
        x2, y2 = min(float(width), shape.x + shape.w), min(float(height), shape.y + shape.h)
        shape.x, shape.y, shape.w, shape.h = x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1)
    elif shape.type in ("polygon", "keypoints"):
        for p in shape.points:
            p[0] = min(max(p[0], 0.0), float(width))
            p[1] = min(max(p[1], 0.0), float(height))
