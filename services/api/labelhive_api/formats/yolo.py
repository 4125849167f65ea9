"""YOLO (Ultralytics layout): `images/<split>/`, `labels/<split>/<stem>.txt`, `data.yaml`.

Detection lines: `class cx cy w h`; segmentation lines: `class x1 y1 x2 y2 ...`; pose lines:
`class cx cy w h` + K keypoints `x y v` (`kpt_shape: [K, 3]` in data.yaml), all normalised to 0..1 by
the image size. Reading auto-detects each line's kind. What a mode cannot carry is counted by reason
(`lost`): keypoints in detect/segment, boxes and polygons without keypoints in pose, tags always,
polygons as boxes in detect, a multi-part polygon as separate lines in segment.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass, field
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


def yolo_label_text(
    item: ImageItem,
    class_ids: dict[str, int],
    mode: str = "detect",
    lost: Counter[str] | None = None,
    keypoints: int = 0,
) -> str:
    """The label file of one image; `mode`: `detect` (boxes), `segment` (polygons, boxes as 4 corners) or
    `pose` (one line per keypoints shape, padded to `keypoints` points)."""
    if not item.width or not item.height:
        raise FormatError(f"YOLO: {item.file_name} needs its width and height")
    lost = lost if lost is not None else Counter()
    W, H = float(item.width), float(item.height)
    lines = []
    if mode == "pose":
        return _pose_lines(item, class_ids, lost, keypoints)
    grouped = Counter(s.group for s in item.shapes if s.group is not None and s.type == "polygon")
    for shape in item.shapes:
        cls = class_ids.get(shape.label)
        if cls is None:
            continue
        if shape.type in ("tag", "keypoints"):
            lost[f"{shape.type}_not_in_yolo_{mode}"] += 1
            continue
        if mode == "segment":
            if shape.type == "polygon":
                pts = shape.points
                if shape.group is not None and grouped[shape.group] > 1:
                    lost["multi_part_polygon_split"] += 1
            else:
                if shape.group is not None and grouped[shape.group]:
                    continue  # the box of a polygon object: the polygon line carries it
                x, y, w, h = shape.bounds()
                pts = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
            coords = " ".join(f"{_n(p[0] / W)} {_n(p[1] / H)}" for p in pts)
            lines.append(f"{cls} {coords}")
        else:
            if shape.type == "polygon":
                lost["polygon_as_box"] += 1
            x, y, w, h = shape.bounds()
            lines.append(f"{cls} {_n((x + w / 2) / W)} {_n((y + h / 2) / H)} {_n(w / W)} {_n(h / H)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _pose_lines(item: ImageItem, class_ids: dict[str, int], lost: Counter[str], size: int) -> str:
    W, H = float(item.width or 1), float(item.height or 1)
    boxes = {s.group: s for s in item.shapes if s.type == "bbox" and s.group is not None}
    with_keypoints = {s.group for s in item.shapes if s.type == "keypoints" and s.group is not None}
    lines = []
    for shape in item.shapes:
        cls = class_ids.get(shape.label)
        if cls is None:
            continue
        if shape.type != "keypoints":
            if not (shape.type == "bbox" and shape.group in with_keypoints):
                lost[f"{shape.type}_not_in_yolo_pose"] += 1
            continue
        box = boxes.get(shape.group) if shape.group is not None else None
        x, y, w, h = box.bounds() if box is not None else shape.bounds()
        points = [list(p) + [2.0] * (3 - len(p)) for p in shape.points]
        if len(points) < size:
            lost["keypoints_padded"] += 1
            points += [[0.0, 0.0, 0.0]] * (size - len(points))
        kps = " ".join(
            f"{_n(p[0] / W)} {_n(p[1] / H)} {int(p[2])}" if p[2] > 0 else "0 0 0" for p in points[:size]
        )
        lines.append(f"{cls} {_n((x + w / 2) / W)} {_n((y + h / 2) / H)} {_n(w / W)} {_n(h / H)} {kps}")
    return "\n".join(lines) + ("\n" if lines else "")


@dataclass
class YoloSpec:
    """What data.yaml says about the labels."""

    names: list[str]
    kpt_shape: tuple[int, int] | None = None  # (points per instance, 2 or 3 values per point)
    flip_idx: list[int] = field(default_factory=list)


def yolo_data_yaml(
    names: list[str], splits: dict[str, str], task: str = "detect", kpt_shape: tuple[int, int] | None = None
) -> str:
    """`data.yaml`; `splits` maps split name (train/val/test) to its images folder, relative to the yaml.

    No `path` key: Ultralytics then resolves the folders against the yaml's own folder, wherever the
    export was unpacked (`path: .` would mean the current directory)."""
    doc: dict[str, Any] = {**splits, "nc": len(names), "names": dict(enumerate(names))}
    if task in ("segment", "pose"):
        doc["task"] = task
    if task == "pose" and kpt_shape is not None:
        doc["kpt_shape"] = list(kpt_shape)
        doc["flip_idx"] = list(range(kpt_shape[0]))  # no left/right pairs known: flips keep each point
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors/aliases: a few hundred bytes of nested aliases expand to gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise FormatError("YOLO: data.yaml may not use YAML aliases (*name)")
        return super().compose_node(parent, index)


MAX_DATA_YAML_BYTES = 1024 * 1024


def read_data_yaml(text: str | bytes) -> list[str]:
    return read_yolo_spec(text).names


def read_yolo_spec(text: str | bytes) -> YoloSpec:
    if len(text) > MAX_DATA_YAML_BYTES:
        raise FormatError(f"YOLO: data.yaml is over {MAX_DATA_YAML_BYTES} bytes")
    try:
        doc = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise FormatError(f"YOLO: data.yaml is not YAML: {str(exc)[:200]}") from None
    if not isinstance(doc, dict) or "names" not in doc:
        raise FormatError("YOLO: data.yaml needs `names`")
    names = doc["names"]
    if isinstance(names, dict):
        parsed = [str(names[k]) for k in sorted(names, key=int)]
    elif isinstance(names, list):
        parsed = [str(n) for n in names]
    else:
        raise FormatError("YOLO: data.yaml `names` must be a list or a mapping of class id to name")
    spec = YoloSpec(parsed)
    kpt = doc.get("kpt_shape")
    if kpt is not None:
        if not (isinstance(kpt, list) and len(kpt) == 2 and kpt[1] in (2, 3) and int(kpt[0]) > 0):
            raise FormatError("YOLO: data.yaml `kpt_shape` must be [points, 2 or 3]")
        spec.kpt_shape = (int(kpt[0]), int(kpt[1]))
    return spec


def read_label_text(
    text: str,
    names: list[str],
    width: int,
    height: int,
    where: str = "",
    kpt_shape: tuple[int, int] | None = None,
) -> tuple[list[Shape], list[str]]:
    """Shapes of one label file. A line that is not YOLO fails the whole file (FormatError naming the
    line): a label file is attached whole or not at all."""
    shapes: list[Shape] = []
    pose_values = 4 + kpt_shape[0] * kpt_shape[1] if kpt_shape else -1
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            cls = int(parts[0])
            values = [float(v) for v in parts[1:]]
        except ValueError:
            raise FormatError(f"{where}:{number}: not a YOLO line (class id and numbers)") from None
        if not 0 <= cls < len(names):
            raise FormatError(f"{where}:{number}: class {cls} is not in data.yaml (0..{len(names) - 1})")
        label = names[cls]
        if len(values) == pose_values and kpt_shape is not None:
            shapes.extend(_pose_shapes(label, values, kpt_shape, width, height, f"{where}:{number}"))
        elif len(values) == 4:
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
            raise FormatError(
                f"{where}:{number}: {len(values)} values: expected 4 (box), an even number >= 6 (polygon)"
                + (f" or {pose_values} (pose)" if kpt_shape else "")
            )
    return shapes, []


def _pose_shapes(
    label: str, values: list[float], kpt_shape: tuple[int, int], width: int, height: int, where: str
) -> list[Shape]:
    cx, cy, w, h = values[:4]
    box = Shape(
        type="bbox", label=label, x=(cx - w / 2) * width, y=(cy - h / 2) * height, w=w * width, h=h * height
    )
    count, dims = kpt_shape
    points = []
    for i in range(count):
        chunk = values[4 + i * dims : 4 + (i + 1) * dims]
        v = chunk[2] if dims == 3 else (2.0 if chunk[0] or chunk[1] else 0.0)
        points.append([chunk[0] * width, chunk[1] * height, float(int(v))] if v > 0 else [0.0, 0.0, 0.0])
    keypoints = Shape(type="keypoints", label=label, points=points, skeleton=label)
    if all(abs(a - b) <= 0.01 for a, b in zip(box.bounds(), keypoints.bounds(), strict=True)):
        return [keypoints]  # the box is just the keypoints' bounds: nothing more to keep
    box.group = keypoints.group = f"yolo-{where}"
    return [box, keypoints]


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
    spec = read_yolo_spec(data_yaml)
    names = spec.names
    dataset = Dataset(categories=[Category(name=n) for n in names])
    for path in sorted(image_sizes):
        width, height = image_sizes[path]
        item = ImageItem(file_name=path, width=width, height=height)
        text = label_texts.get(label_path_for(path))
        if text is not None:
            item.shapes, _ = read_label_text(
                text, names, width, height, where=label_path_for(path), kpt_shape=spec.kpt_shape
            )
        dataset.images.append(item)
    return dataset
