"""Running one export: tasks in keyset pages -> format writers -> a zip streamed into the target bucket.

Images are fetched from the source bucket many at a time and written in task order; the zip goes up
by multipart upload while it is written. An export that stops half-way leaves no object (the
multipart upload is aborted or never completed), so re-running it writes the same single zip.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from labelhive_outbound import OutboundPolicy, fetch

from labelhive_api.db.engine import Database
from labelhive_api.exports.options import ExportOptions
from labelhive_api.exports.pipeline import ordered_map
from labelhive_api.exports.reader import TaskRow, iter_task_pages, prefetch_pages
from labelhive_api.exports.zipstream import ZipStream
from labelhive_api.formats.coco import CocoWriter, spool_file
from labelhive_api.formats.csvsummary import csv_header, csv_row, manifest_header, manifest_row
from labelhive_api.formats.labelstudio import ls_config, ls_task, point_labels_for
from labelhive_api.formats.model import Category, ImageItem, Shape
from labelhive_api.formats.registry import FORMATS
from labelhive_api.formats.voc import voc_labelmap, voc_xml
from labelhive_api.formats.yolo import IMAGE_EXTENSIONS, yolo_data_yaml, yolo_label_text
from labelhive_api.jobs.kinds import JobStopped
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


LOST_ITEMS = 100
# Images fetched ahead of the zip: up to 16 per worker while they are small, fewer when they are large.
FETCH_WINDOW_BYTES = 64 * 1024 * 1024


class ExportStopped(JobStopped):
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
    """Export categories in schema order after the label subset and the child -> parent mapping; named
    by value or by the display name in `options.label_names` (a value where names would clash)."""
    by_value = {str(label["value"]): label for label in labels}

    def shown(value: str) -> str:
        if options.label_names == "value":
            return value
        names = (by_value.get(value) or {}).get("names") or {}
        return str(names.get(options.label_names) or value)

    categories: dict[str, Category] = {}
    named: dict[str, str] = {}  # target value -> category name
    mapping: dict[str, str] = {}
    for label in labels:
        value = str(label["value"])
        if options.labels and value not in options.labels:
            continue
        target = options.map_label(value)
        if target not in named:
            name = shown(target)
            named[target] = name if name not in categories else target
        mapping[value] = named[target]
        target_label = by_value.get(target) or label
        category = categories.get(named[target])
        if category is None:
            skeleton = target_label.get("skeleton") or {}
            edges = [[int(a) + 1, int(b) + 1] for a, b in skeleton.get("edges", [])]
            category = categories[named[target]] = Category(
                name=named[target],
                keypoints=list(skeleton.get("points", [])),
                skeleton=edges,
                color=target_label.get("color"),
            )
        category.tools.extend(t for t in label.get("tools", []) if t not in category.tools)
    return list(categories.values()), mapping


def _plain_name(raw: str) -> str:
    """The last part of a path, if it is a name at all (not empty, `.` or `..`)."""
    base = posixpath.basename(raw.replace("\\", "/").replace("\x00", ""))
    return "" if base in (".", "..") else base


class _Names:
    """Flat, safe file names, unique in the whole export (any folder the tasks came from is dropped:
    consumers expect `images/<split>/<name>`; `manifest.csv` keeps each original path)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def name(self, row: TaskRow, data: bytes | None) -> str:
        # the task's file name, else the last part of its image URL (tasks by URL may have no file name)
        from_url = unquote(urlsplit(row.image).path) if "://" in row.image else ""
        base = _plain_name(row.filename or "") or _plain_name(from_url) or f"task-{row.id}"
        stem, ext = posixpath.splitext(base)
        if ext.lower() not in IMAGE_EXTENSIONS:
            sniffed = sniff_content_type(data[:16]) if data else None
            stem, ext = base, _EXT.get(sniffed or "", ".jpg")
        if stem.lower() in self._used:
            stem = f"{stem}_{row.id}"
        n = 2
        while stem.lower() in self._used:
            stem, n = f"{stem}_{n}", n + 1
        self._used.add(stem.lower())
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
        outbound: OutboundPolicy | None = None,
    ) -> None:
        self.db = db
        # tasks by URL: their images are fetched under the one outbound policy (None: they count as missing)
        self.outbound = outbound
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
        self.lost: Counter[str] = Counter()  # shapes the format cannot carry (or carries altered), by reason
        self.lost_items: list[dict[str, Any]] = []  # the first LOST_ITEMS, per task
        self.missing_images: list[int] = []
        self.images = 0
        self.shapes = 0

    # -- pieces shared by every format ------------------------------------------------------------

    def split_of(self, task_id: int) -> str:
        val, test = self.options.val_fraction, self.options.test_fraction
        if val <= 0 and test <= 0:
            return "train"
        digest = hashlib.sha256(f"{self.options.split_seed}:{task_id}".encode()).digest()
        # val keeps the tasks it had without a test split; test takes the next slice of the range
        at = int.from_bytes(digest[:8], "big") / 2**64
        return "val" if at < val else "test" if at < val + test else "train"

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

    def note_lost(self, item: ImageItem, lost: Counter[str]) -> None:
        self.lost.update(lost)
        for reason, count in lost.items():
            if len(self.lost_items) < LOST_ITEMS:
                self.lost_items.append(
                    {"task": int(item.ref or 0), "file": item.file_name, "reason": reason, "count": count}
                )

    def _fetch(self, row: TaskRow) -> bytes | None:
        if not self.options.with_images:
            return None
        if row.image.startswith("s3://"):  # imported in place from an allowed import bucket
            store, key = self.storage.imports.object_store(row.image)
            return store.get(key)
        if row.image.startswith(("http://", "https://")) and self.outbound is not None:
            answer = fetch(row.image, self.outbound, headers={"User-Agent": "LabelHive-export/1"})
            if answer.status != 200:
                raise LookupError(f"GET {row.image[:200]} answered {answer.status}")
            return answer.body
        if "://" in row.image:
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
        # Progress goes to the database from a thread of its own: a round trip never stalls the zip.
        reporter = ThreadPoolExecutor(1, thread_name_prefix="export-progress")
        reported: Future[None] | None = None
        try:
            with spool_file() as summary, spool_file() as manifest:
                summary.write(csv_header())
                manifest.write(manifest_header())
                workers = self.fetch_workers if self.options.with_images else 1
                for row, fetched in ordered_map(
                    self._fetch,
                    self._rows(should_continue),
                    workers=workers,
                    window=16 * workers,
                    max_bytes=FETCH_WINDOW_BYTES,
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
                    item.file_name = self.names.name(row, data)
                    lost: Counter[str] = Counter()
                    writer.add(zipper, item, split, data, lost)
                    if not FORMATS[self.options.format].keeps_attributes:
                        with_attributes = sum(1 for shape in item.shapes if shape.attributes)
                        if with_attributes:
                            lost[f"attributes_not_in_{self.options.format}"] += with_attributes
                    if lost:
                        self.note_lost(item, lost)
                    summary.write(csv_row(item, row.id, row.state))
                    manifest.write(manifest_row(item.file_name, split, row.id, row.filename))
                    self.images += 1
                    self.shapes += len(item.shapes)
                    if time.monotonic() - last > 1.0 and (reported is None or reported.done()):
                        last = time.monotonic()
                        reported = reporter.submit(self.on_progress, self.images, self.shapes)
                writer.finish(zipper)
                summary.seek(0)
                zipper.add_stream("summary.csv", summary)
                manifest.seek(0)
                zipper.add_stream("manifest.csv", manifest)
            info = zipper.close()
        except BaseException:
            zipper.abort()
            raise
        finally:
            writer.close()
            reporter.shutdown(wait=True)
        self.on_progress(self.images, self.shapes)
        report = {
            "format": self.options.format,
            "with_images": self.options.with_images,
            "categories": [c.name for c in self.categories],
            "dropped_labels": dict(self.dropped.most_common(100)),
            "label_names": self.options.label_names,
            "lost": dict(self.lost),
            "lost_shapes": sum(self.lost.values()),
            "lost_items": self.lost_items,
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
    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        raise NotImplementedError

    def finish(self, zipper: ZipStream) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CocoWriter(_Writer):
    """`annotations/instances_<split>.json` + `images/<split>/...` (file_name relative to that folder);
    keypoint categories carry their point names and skeleton in the same file (instances + keypoints). When
    the schema has keypoint labels, `annotations/person_keypoints_<split>.json` repeats their objects as
    COCO's keypoint task does, for the readers that look for keypoints only there (Datumaro)."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.writers: dict[str, CocoWriter] = {}
        self.keypoint_writers: dict[str, CocoWriter] = {}
        self.has_keypoints = any(c.keypoints for c in exporter.categories)

    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        if split not in self.writers:
            self.writers[split] = CocoWriter(self.exporter.categories)
            if self.has_keypoints:
                self.keypoint_writers[split] = CocoWriter(self.exporter.categories, keypoints_only=True)
        if data is not None:
            zipper.add_bytes(f"images/{split}/{item.file_name}", data)
        self.writers[split].add(item, image_id=int(item.ref or 0), lost=lost)
        if self.has_keypoints:
            self.keypoint_writers[split].add(item, image_id=int(item.ref or 0), lost=Counter())

    def finish(self, zipper: ZipStream) -> None:
        if not self.writers:
            self.writers["train"] = CocoWriter(self.exporter.categories)
        files = [(f"instances_{split}", writer) for split, writer in sorted(self.writers.items())]
        files += [(f"person_keypoints_{split}", w) for split, w in sorted(self.keypoint_writers.items())]
        for name, writer in files:
            split = name.rsplit("_", 1)[1]
            with zipper.member(f"annotations/{name}.json") as member:
                writer.write_to(
                    member, {"description": f"LabelHive export {self.exporter.job_id}", "split": split}
                )

    def close(self) -> None:
        for writer in [*self.writers.values(), *self.keypoint_writers.values()]:
            writer.close()


class _YoloWriter(_Writer):
    """Ultralytics: `images/<split>/x.jpg`, `labels/<split>/x.txt`, `data.yaml` (no `path`: relative to
    itself); `yolo-pose` adds `kpt_shape` (the longest skeleton; shorter ones padded, counted)."""

    def __init__(self, exporter: Exporter, mode: str) -> None:
        self.exporter = exporter
        self.mode = mode
        self.class_ids = {c.name: i for i, c in enumerate(exporter.categories)}
        self.keypoints = max((len(c.keypoints) for c in exporter.categories), default=0)
        self.splits: set[str] = set()

    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        self.splits.add(split)
        if data is not None:
            zipper.add_bytes(f"images/{split}/{item.file_name}", data)
        stem = posixpath.splitext(item.file_name)[0]
        text = ""
        if item.width and item.height:
            text = yolo_label_text(item, self.class_ids, self.mode, lost, self.keypoints)
        elif item.shapes:  # YOLO's coordinates are fractions of the image size, which nobody recorded
            lost["image_size_unknown"] += len(item.shapes)
        zipper.add_bytes(f"labels/{split}/{stem}.txt", text.encode(), compress=True)

    def finish(self, zipper: ZipStream) -> None:
        splits = {"train": "images/train"}
        splits["val"] = "images/val" if "val" in self.splits else "images/train"
        if "test" in self.splits:
            splits["test"] = "images/test"
        names = [c.name for c in self.exporter.categories]
        kpt_shape = (max(self.keypoints, 1), 3) if self.mode == "pose" else None
        doc = yolo_data_yaml(names, splits, self.mode, kpt_shape)
        zipper.add_bytes("data.yaml", doc.encode(), compress=True)


class _VocWriter(_Writer):
    """`JPEGImages/`, `Annotations/`, `ImageSets/Main/<split>.txt`, `labelmap.txt` (Datumaro) and
    `labels.txt` (one name a line)."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.sets: dict[str, tempfile._TemporaryFileWrapper[bytes]] = {}

    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        if data is not None:
            zipper.add_bytes(f"JPEGImages/{item.file_name}", data)
        stem = posixpath.splitext(item.file_name)[0]
        zipper.add_bytes(f"Annotations/{stem}.xml", voc_xml(item, lost=lost), compress=True)
        if split not in self.sets:
            self.sets[split] = tempfile.NamedTemporaryFile()  # noqa: SIM115 - closed in close()
        self.sets[split].write(stem.encode() + b"\n")

    def finish(self, zipper: ZipStream) -> None:
        for split, spool in sorted(self.sets.items()):
            spool.seek(0)
            zipper.add_stream(f"ImageSets/Main/{split}.txt", spool)
        names = "".join(f"{c.name}\n" for c in self.exporter.categories)
        zipper.add_bytes("labels.txt", names.encode(), compress=True)
        zipper.add_bytes("labelmap.txt", voc_labelmap(self.exporter.categories).encode(), compress=True)

    def close(self) -> None:
        for spool in self.sets.values():
            spool.close()


class _LabelStudioWriter(_Writer):
    """`tasks.json` (Label Studio JSON) + `labeling-config.xml` with one control per tool type."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter
        self.spool = spool_file()
        self.count = 0
        self.point_labels = point_labels_for(exporter.categories)

    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        path = f"images/{item.file_name}"
        if data is not None:
            zipper.add_bytes(path, data)
        task = ls_task(
            item,
            path,
            int(item.ref or 0),
            as_prediction=self.exporter.options.source == "predictions",
            point_labels=self.point_labels,
            lost=lost,
        )
        self.spool.write((b",\n" if self.count else b"[\n") + json.dumps(task, ensure_ascii=False).encode())
        self.count += 1

    def finish(self, zipper: ZipStream) -> None:
        self.spool.write(b"\n]\n" if self.count else b"[]\n")
        self.spool.seek(0)
        zipper.add_stream("tasks.json", self.spool)
        zipper.add_bytes("labeling-config.xml", ls_config(self.exporter.categories).encode(), compress=True)

    def close(self) -> None:
        self.spool.close()


class _CsvWriter(_Writer):
    """The summary.csv every export carries is the whole of this format (plus images if asked)."""

    def add(
        self, zipper: ZipStream, item: ImageItem, split: str, data: bytes | None, lost: Counter[str]
    ) -> None:
        if data is not None:
            zipper.add_bytes(f"images/{item.file_name}", data)

    def finish(self, zipper: ZipStream) -> None:
        pass


def _writer_for(fmt: str, exporter: Exporter) -> _Writer:
    if fmt == "coco":
        return _CocoWriter(exporter)
    if (task := FORMATS[fmt].yolo_task) is not None:
        return _YoloWriter(exporter, task)
    if fmt == "voc":
        return _VocWriter(exporter)
    if fmt == "labelstudio":
        return _LabelStudioWriter(exporter)
    return _CsvWriter()
