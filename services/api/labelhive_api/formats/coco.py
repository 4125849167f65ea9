"""COCO instances / keypoints JSON: bbox, polygon segmentation (several rings), keypoints, RLE masks.

One COCO annotation is one object. Reading: each polygon ring becomes a polygon shape, keypoints a
keypoints shape, and the bbox a bbox shape only when nothing else carries it (a polygon's bbox is
derived) or when it differs from the keypoints' bounds (a person box); when one annotation gives several
shapes they share a `group`. RLE masks become their bounding box, counted as `mask_as_box`. Writing
merges a group back into one annotation. It streams: images and annotations are spooled to temporary
files so a million boxes never sit in memory, then concatenated into one document.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from typing import IO, Any

from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape

_COCO_TASK_FILE = re.compile(r"^(instances|person_keypoints|captions|image_info)_(.+)\.json$", re.I)


def coco_task_files(paths: list[str]) -> list[str]:
    """The annotation files of a COCO folder worth reading: `person_keypoints_<split>.json` repeats the
    objects of `instances_<split>.json` beside it (as COCO's own release and our export write them), and
    captions / image-info files carry no objects. Other names are all read."""
    tasks = {}
    for path in paths:
        folder, name = posixpath.split(path)
        if match := _COCO_TASK_FILE.match(name):
            tasks[path] = (folder, match.group(1).lower(), match.group(2))
    instances = {(folder, split) for folder, task, split in tasks.values() if task == "instances"}
    keep = []
    for path in paths:
        folder, task, split = tasks.get(path, ("", "", ""))
        if task in ("captions", "image_info") or (
            task == "person_keypoints" and (folder, split) in instances
        ):
            continue
        keep.append(path)
    return keep


def read_coco(data: bytes | str | dict[str, Any]) -> Dataset:
    try:
        doc = data if isinstance(data, dict) else json.loads(data)
    except ValueError as exc:  # JSONDecodeError says line and column
        raise FormatError(f"COCO: not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise FormatError("COCO: the document needs an `images` list (field `images`)")
    dataset = Dataset()
    categories: dict[Any, Category] = {}
    for n, cat in enumerate(doc.get("categories", []) or []):
        if not isinstance(cat, dict):
            raise FormatError(f"COCO: categories[{n}] is not an object")
        category = Category(
            name=str(cat.get("name", cat.get("id"))),
            keypoints=[str(k) for k in cat.get("keypoints", []) or []],
            skeleton=[list(e) for e in cat.get("skeleton", []) or []],
            supercategory=cat.get("supercategory"),
        )
        categories[cat.get("id")] = category
        dataset.categories.append(category)
    images: dict[Any, ImageItem] = {}
    for n, img in enumerate(doc["images"]):
        if not isinstance(img, dict) or "file_name" not in img:
            raise FormatError(f"COCO: images[{n}].file_name is missing")
        try:
            width, height = _int_or_none(img.get("width")), _int_or_none(img.get("height"))
        except (TypeError, ValueError):
            raise FormatError(f"COCO: images[{n}].width/height are not numbers") from None
        item = ImageItem(
            file_name=str(img["file_name"]),
            width=width,
            height=height,
            ref=str(img.get("id")),
            meta={"url": img["coco_url"]} if img.get("coco_url") else {},
        )
        images[img.get("id")] = item
        dataset.images.append(item)
    for n, ann in enumerate(doc.get("annotations", []) or []):
        if not isinstance(ann, dict):
            raise FormatError(f"COCO: annotations[{n}] is not an object")
        item = images.get(ann.get("image_id"))
        if item is None:
            dataset.warnings.append(f"annotation {ann.get('id')}: unknown image_id {ann.get('image_id')!r}")
            continue
        category = categories.get(ann.get("category_id"))
        if category is None:
            dataset.warnings.append(
                f"annotation {ann.get('id')}: unknown category_id {ann.get('category_id')!r}"
            )
            continue
        try:
            item.shapes.extend(_shapes_of(ann, category, dataset))
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise FormatError(f"COCO: annotations[{n}] (id {ann.get('id')!r}): {exc}") from None
    return dataset


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _shapes_of(ann: dict[str, Any], category: Category, dataset: Dataset) -> list[Shape]:
    score = ann.get("score")
    score = None if score is None else float(score)
    label = category.name
    shapes: list[Shape] = []
    seg = ann.get("segmentation")
    bbox = ann.get("bbox")
    box = [float(v) for v in bbox] if isinstance(bbox, list) and len(bbox) == 4 else None
    if isinstance(seg, dict):
        mask_box = rle_bounds(seg)
        if mask_box is not None:
            dataset.losses["mask_as_box"] += 1
            x, y, w, h = box or mask_box
            return [Shape(type="bbox", label=label, x=x, y=y, w=w, h=h, score=score)]
        seg = None
    rings = [r for r in seg or [] if isinstance(r, list) and len(r) >= 6]
    for ring in rings:
        pts = [[float(ring[i]), float(ring[i + 1])] for i in range(0, len(ring) - 1, 2)]
        shapes.append(Shape(type="polygon", label=label, points=pts, score=score))
    kps = ann.get("keypoints") or []
    if kps and any(kps[i + 2] > 0 for i in range(0, len(kps) - 2, 3)):
        points = [[float(kps[i]), float(kps[i + 1]), float(kps[i + 2])] for i in range(0, len(kps) - 2, 3)]
        keypoints = Shape(type="keypoints", label=label, points=points, skeleton=label, score=score)
        if box is not None and not shapes and not _same_box(box, keypoints.bounds()):
            shapes.append(
                Shape(type="bbox", label=label, x=box[0], y=box[1], w=box[2], h=box[3], score=score)
            )
        shapes.append(keypoints)
    if not shapes:
        if box is None:
            dataset.warnings.append(f"annotation {ann.get('id')}: no bbox, polygon or keypoints")
            return []
        shapes.append(Shape(type="bbox", label=label, x=box[0], y=box[1], w=box[2], h=box[3], score=score))
    if len(shapes) > 1:
        for shape in shapes:
            shape.group = f"coco-{ann.get('id')}"
    attributes = ann.get("attributes")
    if isinstance(attributes, dict) and attributes:
        for shape in shapes:
            shape.attributes = dict(attributes)
    return shapes


def _same_box(a: list[float] | tuple[float, ...], b: tuple[float, float, float, float]) -> bool:
    return all(abs(p - q) <= 0.01 for p, q in zip(a, b, strict=True))


def rle_bounds(rle: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """x, y, w, h of a COCO RLE mask (`counts` as a list or the compressed string; column-major)."""
    size, counts = rle.get("size"), rle.get("counts")
    if not isinstance(size, list) or len(size) != 2:
        return None
    height, width = int(size[0]), int(size[1])
    runs = _rle_string(counts) if isinstance(counts, str) else [int(c) for c in counts or []]
    xs: list[int] = []
    ys: list[int] = []
    position, on = 0, False
    for run in runs:
        if on and run > 0:
            first, last = position, position + run - 1
            xs += [first // height, last // height]
            ys += [first % height, last % height]
            if last // height > first // height:  # the run wraps over columns: full height in between
                ys += [0, height - 1]
        position += run
        on = not on
    if not xs or width <= 0:
        return None
    return float(min(xs)), float(min(ys)), float(max(xs) - min(xs) + 1), float(max(ys) - min(ys) + 1)


def _rle_string(text: str) -> list[int]:
    """pycocotools' compressed RLE counts (6-bit chunks, delta-coded after the third count)."""
    counts: list[int] = []
    i = 0
    while i < len(text):
        value, shift, more = 0, 0, True
        while more:
            c = ord(text[i]) - 48
            value |= (c & 0x1F) << (5 * shift)
            more = bool(c & 0x20)
            i += 1
            shift += 1
            if not more and c & 0x10:
                value |= -1 << (5 * shift)
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def _polygon_area(points: list[list[float]]) -> float:
    area = 0.0
    for i, p in enumerate(points):
        q = points[(i + 1) % len(points)]
        area += p[0] * q[1] - q[0] * p[1]
    return abs(area) / 2.0


def coco_object(shapes: list[Shape], ann_id: int, image_id: int, category_id: int) -> dict[str, Any] | None:
    """One COCO annotation for the shapes of one object (one group): polygon rings, keypoints, a box."""
    if len(shapes) == 1 and shapes[0].type == "bbox":  # the common case, kept cheap (1M boxes per export)
        box = shapes[0]
        single: dict[str, Any] = {
            "id": ann_id,
            "image_id": image_id,
            "category_id": category_id,
            "bbox": [_r(box.x), _r(box.y), _r(box.w), _r(box.h)],
            "iscrowd": 0,
            "segmentation": [],
            "area": _r(box.w * box.h),
        }
        if box.score is not None:
            single["score"] = box.score
        if box.attributes:
            single["attributes"] = dict(box.attributes)
        return single
    polygons = [s for s in shapes if s.type == "polygon"]
    keypoints = next((s for s in shapes if s.type == "keypoints"), None)
    boxes = [s for s in shapes if s.type == "bbox"]
    if not (polygons or keypoints or boxes):
        return None
    if boxes:
        x, y, w, h = boxes[0].bounds()
    else:
        parts = [s.bounds() for s in polygons] or [keypoints.bounds() if keypoints else (0.0, 0.0, 0.0, 0.0)]
        x1, y1 = min(p[0] for p in parts), min(p[1] for p in parts)
        x2, y2 = max(p[0] + p[2] for p in parts), max(p[1] + p[3] for p in parts)
        x, y, w, h = x1, y1, x2 - x1, y2 - y1
    ann: dict[str, Any] = {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": [_r(x), _r(y), _r(w), _r(h)],
        "iscrowd": 0,
        # a box has no mask: `[]` as CVAT writes it (Datumaro reads a box; pycocotools has no mask for it)
        "segmentation": [[_r(v) for p in s.points for v in p[:2]] for s in polygons],
        "area": _r(sum(_polygon_area(s.points) for s in polygons) if polygons else w * h),
    }
    if keypoints is not None:
        flat: list[float] = []
        for p in keypoints.points:
            flat.extend([_r(p[0]), _r(p[1]), int(p[2]) if len(p) > 2 else 2])
        ann["keypoints"] = flat
        ann["num_keypoints"] = sum(1 for p in keypoints.points if (p[2] if len(p) > 2 else 2) > 0)
    score = next((s.score for s in shapes if s.score is not None), None)
    if score is not None:
        ann["score"] = score
    attributes = next((s.attributes for s in shapes if s.attributes), None)
    if attributes:
        ann["attributes"] = dict(attributes)  # as CVAT writes them
    return ann


def objects_of(shapes: list[Shape]) -> list[list[Shape]]:
    """Shapes grouped into objects: a group with one label is one object (at most one keypoints shape and
    one box each); everything else stands alone. Order follows each object's first shape."""
    objects: list[list[Shape]] = []
    by_group: dict[tuple[str, str], list[Shape]] = {}
    if all(shape.group is None for shape in shapes):
        return [[shape] for shape in shapes]
    for shape in shapes:
        if shape.group is None:
            objects.append([shape])
            continue
        key = (shape.group, shape.label)
        members = by_group.get(key)
        taken = (
            members is not None
            and shape.type in ("keypoints", "bbox")
            and any(m.type == shape.type for m in members)
        )
        if members is None or taken:
            members = by_group[key] = [shape]
            objects.append(members)
        else:
            members.append(shape)
    return objects


def _r(value: float) -> float | int:
    if type(value) is int:
        return value
    if value.is_integer():
        return int(value)
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


# Spool files are written a few hundred bytes at a time: a 1 MiB buffer turns 8 KiB writes into 1 MiB ones.
SPOOL_BUFFER = 1024 * 1024


def spool_file(directory: str | None = None) -> IO[bytes]:
    """An anonymous temporary file for an export's streams (removed when closed)."""
    return tempfile.TemporaryFile(dir=directory, buffering=SPOOL_BUFFER)


class CocoWriter:
    """Streams a COCO document: add images one at a time, then `write_to` a binary stream.

    Categories are fixed up front (ids 1..n in the given order) so every annotation can be written
    as soon as its image is seen. `keypoints_only` writes only the objects that carry keypoints (with their
    box and mask), as COCO's `person_keypoints_*.json` files do; category ids stay those of the full file.
    """

    def __init__(
        self, categories: list[Category], spool_dir: str | None = None, *, keypoints_only: bool = False
    ) -> None:
        self.categories = categories
        self.keypoints_only = keypoints_only
        self.category_ids = {c.name: i for i, c in enumerate(categories, start=1)}
        self._images = spool_file(spool_dir)
        self._annotations = spool_file(spool_dir)
        self._image_count = 0
        self._ann_count = 0
        self.skipped: dict[str, int] = {}
        self.lost: Counter[str] = Counter()  # shapes COCO cannot carry, by reason

    def add(self, item: ImageItem, image_id: int | None = None, lost: Counter[str] | None = None) -> int:
        self._image_count += 1
        image_id = image_id if image_id is not None else self._image_count
        entry = {"id": image_id, "file_name": item.file_name, "width": item.width, "height": item.height}
        self._images.write((b",\n" if self._image_count > 1 else b"\n") + _dumps(entry))
        anns: list[dict[str, Any]] = []
        for shapes in objects_of(item.shapes):
            label = shapes[0].label
            category_id = self.category_ids.get(label)
            if category_id is None:
                self.skipped[label] = self.skipped.get(label, 0) + len(shapes)
                continue
            ann = coco_object(shapes, self._ann_count + len(anns) + 1, image_id, category_id)
            if self.keypoints_only:
                if ann is not None and ann.get("keypoints"):
                    anns.append(ann)
            elif ann is not None:
                anns.append(ann)
            else:
                (lost if lost is not None else self.lost)["tag_not_in_coco"] += len(shapes)
        if anns:
            # One encode per image: "[{..},{..}]" minus the brackets, one annotation per line.
            body = _encode(anns)[1:-1].replace(',{"id":', ',\n{"id":')
            self._annotations.write(((",\n" if self._ann_count else "\n") + body).encode())
            self._ann_count += len(anns)
        return image_id

    def write_to(self, out: IO[bytes], info: dict[str, Any] | None = None) -> None:
        cats = []
        for i, c in enumerate(self.categories, start=1):
            cat: dict[str, Any] = {"id": i, "name": c.name, "supercategory": c.supercategory or c.name}
            if c.keypoints or self.keypoints_only:  # a keypoints file names points for every category
                cat["keypoints"] = c.keypoints
                cat["skeleton"] = c.skeleton
            cats.append(cat)
        out.write(b'{"info": ' + _dumps(info or {"description": "LabelHive export"}))
        out.write(b',\n"licenses": [],\n"categories": ' + _dumps(cats) + b',\n"images": [')
        self._images.seek(0)
        shutil.copyfileobj(self._images, out, 1024 * 1024)
        out.write(b'\n],\n"annotations": [')
        self._annotations.seek(0)
        shutil.copyfileobj(self._annotations, out, 1024 * 1024)
        out.write(b"\n]}\n")

    def close(self) -> None:
        self._images.close()
        self._annotations.close()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _dumps(value: Any) -> bytes:
    return _encode(value).encode()


def write_coco(dataset: Dataset, out: IO[bytes]) -> None:
    """The whole dataset as one COCO document (small datasets, tests)."""
    writer = CocoWriter(dataset.categories)
    try:
        for item in dataset.images:
            writer.add(item)
        writer.write_to(out)
    finally:
        writer.close()
