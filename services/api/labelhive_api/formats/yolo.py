"""YOLO (Ultralytics layout): `images/<split>/`, `labels/<split>/<stem>.txt`, `data.yaml`.

Detection lines: `class cx cy w h`; segmentation lines: `class x1 y1 x2 y2 ...`, all normalised to
0..1 by the image size. Reading auto-detects each line's kind.
"""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")


def _n(value: float) -> str:
    """Normalised coordinate, clamped to 0..1, at most 6 decimals, no trailing zeros."""
    if value <= 0.0:
        return "0"
    if value >= 1.0:
        return "1"
    text = "%.6f" % value  # noqa: UP031 - measurably faster than an f-string here
    return text.rstrip("0").rstrip(".")


def yolo_label_text(item: ImageItem, class_ids: dict[str, int], mode: str = "detect") -> str:
    """The label file of one image; `mode` is `detect` (boxes) or `segment` (polygons, boxes as 4 corners)."""
    if not item.width or not item.height:
        raise FormatError(f"YOLO: {item.file_name} needs its width and height")
    W, H = float(item.width), float(item.height)
    lines = []
    for shape in item.shapes:
        cls = class_ids.get(shape.label)
        if cls is None or shape.type in ("tag", "keypoints"):
            continue
        if mode == "segment":
            if shape.type == "polygon":
                pts = shape.points
            else:
                x, y, w, h = shape.bounds()
                pts = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
            coords = " ".join(f"{_n(p[0] / W)} {_n(p[1] / H)}" for p in pts)
            lines.append(f"{cls} {coords}")
        else:
            x, y, w, h = shape.bounds()
            lines.append(f"{cls} {_n((x + w / 2) / W)} {_n((y + h / 2) / H)} {_n(w / W)} {_n(h / H)}")
    return "\n".join(lines) + ("\n" if lines else "")


def yolo_data_yaml(names: list[str], splits: dict[str, str], task: str = "detect") -> str:
    """`data.yaml`; `splits` maps split name (train/val/test) to its images folder, relative to `path`."""
    doc: dict[str, Any] = {"path": ".", **splits, "nc": len(names), "names": dict(enumerate(names))}
    if task == "segment":
        doc["task"] = "segment"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def read_data_yaml(text: str | bytes) -> list[str]:
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or "names" not in doc:
        raise FormatError("YOLO: data.yaml needs `names`")
    names = doc["names"]
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names, key=int)]
    if isinstance(names, list):
        return [str(n) for n in names]
    raise FormatError("YOLO: `names` must be a list or a mapping of class id to name")


def read_label_text(
    text: str, names: list[str], width: int, height: int, where: str = ""
) -> tuple[list[Shape], list[str]]:
    shapes: list[Shape] = []
    warnings: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            cls = int(parts[0])
            values = [float(v) for v in parts[1:]]
        except ValueError:
            warnings.append(f"{where}:{number}: not a YOLO line")
            continue
        if not 0 <= cls < len(names):
            warnings.append(f"{where}:{number}: class {cls} is not in data.yaml")
            continue
        label = names[cls]
        if len(values) == 4:
            cx, cy, w, h = values
            shapes.append(
                Shape(
                    type="bbox",
                    label=label,
                    x=(cx - w / 2) * width,
                    y=(cy - h / 2) * height,
                    w=w * width,
                    h=h * height,
                )
            )
        elif len(values) >= 6 and len(values) % 2 == 0:
            pts = [[values[i] * width, values[i + 1] * height] for i in range(0, len(values), 2)]
            shapes.append(Shape(type="polygon", label=label, points=pts))
        else:
            warnings.append(f"{where}:{number}: expected 4 box values or >= 3 polygon points")
    return shapes, warnings


def label_path_for(image_path: str) -> str:
    """`images/train/a.jpg` -> `labels/train/a.txt` (the Ultralytics convention)."""
    parts = image_path.split("/")
    if "images" in parts:
        i = len(parts) - 1 - parts[::-1].index("images")
        parts[i] = "labels"
    stem = posixpath.splitext(parts[-1])[0]
    return "/".join([*parts[:-1], stem + ".txt"])


def read_yolo(
    data_yaml: str | bytes,
    image_sizes: dict[str, tuple[int, int]],
    label_texts: dict[str, str],
) -> Dataset:
    """`image_sizes`: image path -> (w, h); `label_texts`: label path -> text (see label_path_for)."""
    names = read_data_yaml(data_yaml)
    dataset = Dataset(categories=[Category(name=n) for n in names])
    for path in sorted(image_sizes):
        width, height = image_sizes[path]
        item = ImageItem(file_name=path, width=width, height=height)
        text = label_texts.get(label_path_for(path))
        if text is not None:
            item.shapes, warnings = read_label_text(text, names, width, height, where=label_path_for(path))
            dataset.warnings.extend(warnings)
        dataset.images.append(item)
    return dataset
