"""COCO instances / keypoints JSON: bbox, polygon segmentation, keypoints.

Reading: a polygon segmentation becomes a polygon shape, keypoints become a keypoints shape, anything
else its bbox (a polygon's or keypoints' own bbox is derived, never a second shape). RLE masks are
reported and skipped. Writing streams: images and annotations are spooled to temporary files so a
million boxes never sit in memory, then concatenated into one document.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from typing import IO, Any

from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem, Shape


def read_coco(data: bytes | str | dict[str, Any]) -> Dataset:
    doc = data if isinstance(data, dict) else json.loads(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise FormatError("COCO: the document needs an `images` list")
    dataset = Dataset()
    categories: dict[Any, Category] = {}
    for cat in doc.get("categories", []) or []:
        category = Category(
            name=str(cat.get("name", cat.get("id"))),
            keypoints=[str(k) for k in cat.get("keypoints", []) or []],
            skeleton=[list(e) for e in cat.get("skeleton", []) or []],
            supercategory=cat.get("supercategory"),
        )
        categories[cat.get("id")] = category
        dataset.categories.append(category)
    images: dict[Any, ImageItem] = {}
    for img in doc["images"]:
        if "file_name" not in img:
            raise FormatError(f"COCO: image {img.get('id')!r} has no file_name")
        item = ImageItem(
            file_name=str(img["file_name"]),
            width=_int_or_none(img.get("width")),
            height=_int_or_none(img.get("height")),
            ref=str(img.get("id")),
            meta={"url": img["coco_url"]} if img.get("coco_url") else {},
        )
        images[img.get("id")] = item
        dataset.images.append(item)
    for ann in doc.get("annotations", []) or []:
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
        item.shapes.extend(_shapes_of(ann, category, dataset.warnings))
    return dataset


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _shapes_of(ann: dict[str, Any], category: Category, warnings: list[str]) -> list[Shape]:
    score = ann.get("score")
    score = None if score is None else float(score)
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        warnings.append(f"annotation {ann.get('id')}: RLE mask skipped (only polygons are supported)")
        seg = None
    polygons = [p for p in seg or [] if isinstance(p, list) and len(p) >= 6]
    if polygons:
        return [
            Shape(
                type="polygon",
                label=category.name,
                points=[[float(p[i]), float(p[i + 1])] for i in range(0, len(p) - 1, 2)],
                score=score,
            )
            for p in polygons
        ]
    kps = ann.get("keypoints") or []
    if kps and any(kps[i + 2] > 0 for i in range(0, len(kps) - 2, 3)):
        points = [[float(kps[i]), float(kps[i + 1]), float(kps[i + 2])] for i in range(0, len(kps) - 2, 3)]
        return [
            Shape(type="keypoints", label=category.name, points=points, skeleton=category.name, score=score)
        ]
    bbox = ann.get("bbox")
    if not bbox or len(bbox) != 4:
        warnings.append(f"annotation {ann.get('id')}: no bbox, polygon or keypoints")
        return []
    x, y, w, h = (float(v) for v in bbox)
    return [Shape(type="bbox", label=category.name, x=x, y=y, w=w, h=h, score=score)]


def _polygon_area(points: list[list[float]]) -> float:
    area = 0.0
    for i, p in enumerate(points):
        q = points[(i + 1) % len(points)]
        area += p[0] * q[1] - q[0] * p[1]
    return abs(area) / 2.0


def coco_annotation(shape: Shape, ann_id: int, image_id: int, category_id: int) -> dict[str, Any] | None:
    """One COCO annotation for a shape; tags have no COCO form (None)."""
    if shape.type == "tag":
        return None
    x, y, w, h = shape.bounds()
    ann: dict[str, Any] = {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": [_r(x), _r(y), _r(w), _r(h)],
        "iscrowd": 0,
        "segmentation": [],
        "area": _r(w * h),
    }
    if shape.type == "polygon":
        ann["segmentation"] = [[_r(v) for p in shape.points for v in p[:2]]]
        ann["area"] = _r(_polygon_area(shape.points))
    elif shape.type == "keypoints":
        flat: list[float] = []
        for p in shape.points:
            flat.extend([_r(p[0]), _r(p[1]), int(p[2]) if len(p) > 2 else 2])
        ann["keypoints"] = flat
        ann["num_keypoints"] = sum(1 for p in shape.points if (p[2] if len(p) > 2 else 2) > 0)
    if shape.score is not None:
        ann["score"] = shape.score
    return ann


def _r(value: float) -> float | int:
    if type(value) is int:
        return value
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


class CocoWriter:
    """Streams a COCO document: add images one at a time, then `write_to` a binary stream.

    Categories are fixed up front (ids 1..n in the given order) so every annotation can be written
    as soon as its image is seen.
    """

    def __init__(self, categories: list[Category], spool_dir: str | None = None) -> None:
        self.categories = categories
        self.category_ids = {c.name: i for i, c in enumerate(categories, start=1)}
        self._images = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115 - closed in close()
        self._annotations = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115
        self._image_count = 0
        self._ann_count = 0
        self.skipped: dict[str, int] = {}

    def add(self, item: ImageItem, image_id: int | None = None) -> int:
        self._image_count += 1
        image_id = image_id if image_id is not None else self._image_count
        entry = {"id": image_id, "file_name": item.file_name, "width": item.width, "height": item.height}
        self._images.write((b",\n" if self._image_count > 1 else b"\n") + _dumps(entry))
        anns: list[dict[str, Any]] = []
        for shape in item.shapes:
            category_id = self.category_ids.get(shape.label)
            if category_id is None:
                self.skipped[shape.label] = self.skipped.get(shape.label, 0) + 1
                continue
            ann = coco_annotation(shape, self._ann_count + len(anns) + 1, image_id, category_id)
            if ann is not None:
                anns.append(ann)
        if anns:
            # One encode per image: "[{..},{..}]" minus the brackets, one annotation per line.
            body = _encode(anns)[1:-1].replace(',{"id":', ',\n{"id":')
            self._annotations.write(((",\n" if self._ann_count else "\n") + body).encode())
            self._ann_count += len(anns)
        return image_id

    @property
    def annotation_count(self) -> int:
        return self._ann_count

    def write_to(self, out: IO[bytes], info: dict[str, Any] | None = None) -> None:
        cats = []
        for i, c in enumerate(self.categories, start=1):
            cat: dict[str, Any] = {"id": i, "name": c.name, "supercategory": c.supercategory or c.name}
            if c.keypoints:
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
