"""Running one export: tasks in keyset pages -> format writers -> a zip streamed into the target bucket.

Images are fetched from the source bucket many at a time and written in task order; the zip goes up
by multipart upload while it is written. An export that stops half-way leaves no object (the
multipart upload is aborted or never completed), so re-running it writes the same single zip.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from labelhive_api.db.engine import Database
from labelhive_api.exports.options import ExportOptions
from labelhive_api.exports.pipeline import ordered_map
from labelhive_api.exports.reader import TaskRow, iter_task_pages, prefetch_pages
from labelhive_api.exports.zipstream import ZipStream
from labelhive_api.formats.coco import CocoWriter
from labelhive_api.formats.csvsummary import csv_header, csv_row
from labelhive_api.formats.labelstudio import ls_task
from labelhive_api.formats.model import Category, ImageItem, Shape
from labelhive_api.formats.voc import voc_xml
from labelhive_api.formats.yolo import IMAGE_EXTENSIONS, yolo_data_yaml, yolo_label_text
from labelhive_api.imports.safezip import safe_name
from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import export_key
from labelhive_api.storage.sniff import sniff_content_type

_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/gif": ".gif",
}


class ExportStopped(Exception):
    """The job lost its lease or was cancelled; nothing was published."""


@dataclass
class ExportResult:
    key: str
    size: int
    images: int
    shapes: int
    report: dict[str, Any] = field(default_factory=dict)


def categories_for(
    labels: list[dict[str, Any]], options: ExportOptions
) -> tuple[list[Category], dict[str, str]]:
    """Export categories in schema order after the label subset and the child -> parent mapping."""
    categories: dict[str, Category] = {}
    mapping: dict[str, str] = {}
    for label in labels:
        value = str(label["value"])
        if options.labels and value not in options.labels:
            continue
        target = options.map_label(value)
        mapping[value] = target
        if target not in categories:
            skeleton = label.get("skeleton") or {}
            edges = [[int(a) + 1, int(b) + 1] for a, b in skeleton.get("edges", [])]
            categories[target] = Category(
                name=target, keypoints=list(skeleton.get("points", [])), skeleton=edges
            )
    return list(categories.values()), mapping


class _Names:
    """Unique, safe file names inside the zip; YOLO needs unique stems per split."""

    def __init__(self) -> None:
        self._used: set[tuple[str, str]] = set()

    def name(self, row: TaskRow, split: str, data: bytes | None) -> str:
        base = safe_name(row.filename or "") or f"task-{row.id}"
        stem, ext = posixpath.splitext(base)
        if ext.lower() not in IMAGE_EXTENSIONS:
            sniffed = sniff_content_type(data[:16]) if data else None
            stem, ext = base, _EXT.get(sniffed or "", ".jpg")
        key = (split, stem.lower())
        if key in self._used:
            stem = f"{stem}_{row.id}"
            key = (split, stem.lower())
        self._used.add(key)
        return stem + ext


class Exporter:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        project_id: int,
        job_id: int,
        options: ExportOptions,
        labels: list[dict[str, Any]],
        *,
        fetch_workers: int = 12,
        page_size: int = 2000,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.db = db
        self.storage = storage
        self.project_id = project_id
        self.job_id = job_id
        self.options = options
        self.categories, self.mapping = categories_for(labels, options)
        self.fetch_workers = fetch_workers
        self.page_size = page_size
        self.on_progress = on_progress or (lambda done, shapes: None)
        self.names = _Names()
        self.dropped: Counter[str] = Counter()
        self.missing_images: list[int] = []
        self.images = 0
        self.shapes = 0

    # -- pieces shared by every format ------------------------------------------------------------

    def split_of(self, task_id: int) -> str:
        if self.options.val_fraction <= 0:
            return "train"
        digest = hashlib.sha256(f"{self.options.split_seed}:{task_id}".encode()).digest()
        return "val" if int.from_bytes(digest[:8], "big") / 2**64 < self.options.val_fraction else "train"

    def item_of(self, row: TaskRow) -> ImageItem:
        shapes: list[Shape] = []
        for data in row.result:
            label = str(data.get("label", ""))
            target = self.mapping.get(label)
            if target is None:
                self.dropped[label] += 1
                continue
            try:
                shape = Shape.from_contract(data)
            except (ValueError, TypeError):
                self.dropped[label] += 1
                continue
            shape.label = target
            shapes.append(shape)
        return ImageItem(
            file_name=row.filename, width=row.width, height=row.height, shapes=shapes, ref=str(row.id)
        )

    def _fetch(self, row: TaskRow) -> bytes | None:
        if not self.options.with_images:
            return None
        if not row.image.startswith("assets/"):
            raise LookupError("the image is not in this deployment's storage")
        return self.storage.source.get(row.image)

    def _rows(self, should_continue: Callable[[], bool]) -> Iterator[TaskRow]:
        pages = prefetch_pages(
            iter_task_pages(self.db, self.project_id, self.options, page_size=self.page_size)
        )
        for page in pages:
            if not should_continue():
                raise ExportStopped()
            yield from page

    # -- the run ----------------------------------------------------------------------------------

    def run(self, should_continue: Callable[[], bool] = lambda: True) -> ExportResult:
        key = export_key(self.job_id)
        zipper = ZipStream(self.storage.target.open_writer(key, "application/zip"))
        writer = _writer_for(self.options.format, self)
        last = time.monotonic()
        try:
            with tempfile.TemporaryFile() as summary:
                summary.write(csv_header())
                workers = self.fetch_workers if self.options.with_images else 1
                for row, fetched in ordered_map(
                    self._fetch, self._rows(should_continue), workers=workers, window=4 * workers
                ):
                    data: bytes | None = None
                    if isinstance(fetched, BaseException):
                        self.missing_images.append(row.id)
                    else:
                        data = fetched
                    item = self.item_of(row)
                    if self.options.skip_empty and not item.shapes:
                        continue
                    split = self.split_of(row.id)
                    item.file_name = self.names.name(row, split, data)
                    writer.add(zipper, item, split, data)
                    summary.write(csv_row(item, row.id, row.state))
                    self.images += 1
                    self.shapes += len(item.shapes)
                    if time.monotonic() - last > 1.0:
                        last = time.monotonic()
                        self.on_progress(self.images, self.shapes)
                writer.finish(zipper)
                summary.seek(0)
                zipper.add_stream("summary.csv", summary)
            info = zipper.close()
        except BaseException:
            zipper.abort()
            raise
        finally:
            writer.close()
        self.on_progress(self.images, self.shapes)
        report = {
            "format": self.options.format,
            "with_images": self.options.with_images,
            "categories": [c.name for c in self.categories],
            "dropped_labels": dict(self.dropped.most_common(100)),
            "missing_images": len(self.missing_images),
            "missing_image_tasks": self.missing_images[:100],
        }
        return ExportResult(
            key=key,
            size=zipper.bytes_written or info.size,
            images=self.images,
            shapes=self.shapes,
            report=report,
        )


class _Writer:
    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        raise NotImplementedError

    def finish(self, zipper: ZipStream) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CocoWriter(_Writer):
    """`annotations/instances_<split>.json` + `images/<split>/...` (file_name relative to that folder)."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.writers: dict[str, CocoWriter] = {}

    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        if split not in self.writers:
            self.writers[split] = CocoWriter(self.exporter.categories)
        if data is not None:
            zipper.add_bytes(f"images/{split}/{item.file_name}", data)
        self.writers[split].add(item, image_id=int(item.ref or 0))

    def finish(self, zipper: ZipStream) -> None:
        if not self.writers:
            self.writers["train"] = CocoWriter(self.exporter.categories)
        for split, writer in sorted(self.writers.items()):
            with tempfile.TemporaryFile() as spool:
                writer.write_to(
                    spool, {"description": f"LabelHive export {self.exporter.job_id}", "split": split}
                )
                spool.seek(0)
                zipper.add_stream(f"annotations/instances_{split}.json", spool)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


class _YoloWriter(_Writer):
    def __init__(self, exporter: Exporter, mode: str) -> None:
        self.exporter = exporter
        self.mode = mode
        self.class_ids = {c.name: i for i, c in enumerate(exporter.categories)}
        self.splits: set[str] = set()

    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        self.splits.add(split)
        if data is not None:
            zipper.add_bytes(f"images/{split}/{item.file_name}", data)
        stem = posixpath.splitext(item.file_name)[0]
        text = yolo_label_text(item, self.class_ids, self.mode) if item.width and item.height else ""
        zipper.add_bytes(f"labels/{split}/{stem}.txt", text.encode(), compress=True)

    def finish(self, zipper: ZipStream) -> None:
        splits = {"train": "images/train"}
        splits["val"] = "images/val" if "val" in self.splits else "images/train"
        names = [c.name for c in self.exporter.categories]
        zipper.add_bytes("data.yaml", yolo_data_yaml(names, splits, self.mode).encode(), compress=True)


class _VocWriter(_Writer):
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.sets: dict[str, tempfile._TemporaryFileWrapper[bytes]] = {}

    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        if data is not None:
            zipper.add_bytes(f"JPEGImages/{item.file_name}", data)
        stem = posixpath.splitext(item.file_name)[0]
        zipper.add_bytes(f"Annotations/{stem}.xml", voc_xml(item), compress=True)
        if split not in self.sets:
            self.sets[split] = tempfile.NamedTemporaryFile()  # noqa: SIM115 - closed in close()
        self.sets[split].write(stem.encode() + b"\n")

    def finish(self, zipper: ZipStream) -> None:
        for split, spool in sorted(self.sets.items()):
            spool.seek(0)
            zipper.add_stream(f"ImageSets/Main/{split}.txt", spool)
        names = "".join(f"{c.name}\n" for c in self.exporter.categories)
        zipper.add_bytes("labels.txt", names.encode(), compress=True)

    def close(self) -> None:
        for spool in self.sets.values():
            spool.close()


class _LabelStudioWriter(_Writer):
    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.count = 0

    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        path = f"images/{item.file_name}"
        if data is not None:
            zipper.add_bytes(path, data)
        task = ls_task(
            item, path, int(item.ref or 0), as_prediction=self.exporter.options.source == "predictions"
        )
        self.spool.write((b",\n" if self.count else b"[\n") + json.dumps(task, ensure_ascii=False).encode())
        self.count += 1

    def finish(self, zipper: ZipStream) -> None:
        self.spool.write(b"\n]\n" if self.count else b"[]\n")
        self.spool.seek(0)
        zipper.add_stream("tasks.json", self.spool)

    def close(self) -> None:
        self.spool.close()


class _CsvWriter(_Writer):
    """The summary.csv every export carries is the whole of this format (plus images if asked)."""

    def add(self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None) -> None:
        if data is not None:
            zipper.add_bytes(f"images/{item.file_name}", data)

    def finish(self, zipper: ZipStream) -> None:
        pass


def _writer_for(fmt: str, exporter: Exporter) -> _Writer:
    if fmt == "coco":
        return _CocoWriter(exporter)
    if fmt in ("yolo", "yolo-seg"):
        return _YoloWriter(exporter, "segment" if fmt == "yolo-seg" else "detect")
    if fmt == "voc":
        return _VocWriter(exporter)
    if fmt == "labelstudio":
        return _LabelStudioWriter(exporter)
    return _CsvWriter()


def read_zip_listing(storage: Storage, key: str) -> list[str]:
    """Names inside a finished export (tests, CLI checks)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(storage.target.get(key))) as archive:
        return archive.namelist()
