"""A dataset with annotations (COCO, VOC, YOLO, Label Studio, ...): parse its annotation files, ingest its
images (from the upload, or fetched where the file points at them), then attach the shapes to their tasks.

A refused annotation or label file is reported in the ledger on its own; the images and the other files go
on. Shapes are judged one by one by the attach step (`imports.attach`)."""

from __future__ import annotations

import posixpath

from labelhive_api.formats.coco import coco_task_files
from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem
from labelhive_api.formats.registry import FORMATS
from labelhive_api.formats.yolo import label_path_for, read_label_text, read_yolo_spec
from labelhive_api.imports.attach import Attacher
from labelhive_api.imports.context import ImportContext
from labelhive_api.imports.ingest import Ingest, Outcome
from labelhive_api.imports.matching import ImageIndex
from labelhive_api.imports.safezip import MemberRefused, Refusal
from labelhive_api.imports.sources import Entry, remote_entries
from labelhive_api.storage.config import Storage

ATTACH_BATCH = 200


class DatasetImport:
    def __init__(self, ctx: ImportContext, storage: Storage) -> None:
        self.ctx = ctx
        self.storage = storage
        self.ingest = Ingest(ctx, storage, keep_placed=True)
        self.kpt_shape: tuple[int, int] | None = None  # YOLO pose: from data.yaml
        self.label_entries: dict[str, str] = {}  # YOLO label path -> its ledger name

    def run(self, entries: list[Entry | Refusal]) -> None:
        ctx = self.ctx
        files = [e for e in entries if isinstance(e, Entry) and e.is_annotation_file]
        images = [e for e in entries if not (isinstance(e, Entry) and e.is_annotation_file)]
        ctx.total = max(ctx.seen, len(entries))
        dataset, yolo_texts = self._parse(
            [f for f in files if f.name not in ctx.done_names or ctx.format == "yolo"]
        )
        if ctx.format != "yolo" and not dataset.images:
            ctx.warnings.append("no annotation file of this format was found; images imported without shapes")
        index = ImageIndex([e.path for e in images if isinstance(e, Entry)])
        targets: list[tuple[ImageItem, str | None]] = []
        remote: list[str] = []
        for item in dataset.images:
            path = index.find(item.file_name)
            url = str(item.meta.get("url") or "")
            if path is None and ctx.kind == "upload" and url.startswith(("http://", "https://", "s3://")):
                # The file points at its images (Label Studio data.image, COCO coco_url): fetch them.
                path = url
                remote.append(url)
            if path is not None:
                self.ingest.filenames[path] = item.file_name
            targets.append((item, path))
        if remote:
            images.extend(remote_entries(remote, self.storage, ctx.settings.url_policy()))
        self.ingest.import_images(images, streaming=False)
        ctx.total = max(ctx.total, ctx.seen)
        if ctx.format == "yolo":
            targets.extend(self._yolo_targets(dataset.label_names, yolo_texts))
        ctx.warnings.extend(dataset.warnings[:100])
        ctx.losses.update(dataset.losses)
        self._attach(targets)

    def _read_text(self, entry: Entry) -> bytes | None:
        try:
            return entry.read()
        except MemberRefused as refused:
            self.ingest.refuse_now(entry.name, refused.refusal.reason, refused.refusal.detail)
        except Exception as exc:  # noqa: BLE001 - reported per file
            self.ingest.refuse_now(entry.name, "unreadable", str(exc))
        return None

    def _parse(self, files: list[Entry]) -> tuple[Dataset, dict[str, str]]:
        """The dataset described by the annotation files; YOLO label texts are returned for later."""
        fmt = self.ctx.format
        dataset = Dataset()
        yolo_texts: dict[str, str] = {}
        if fmt == "coco":
            wanted_paths = set(coco_task_files([f.path for f in files]))
            files = [f for f in files if f.path in wanted_paths]
        spec = FORMATS[fmt]
        for entry in files:
            ext = posixpath.splitext(entry.path)[1].lower()
            if ext not in spec.files:
                continue
            data = self._read_text(entry)
            if data is None:
                continue
            try:
                if spec.reader is not None:
                    part = spec.reader(data, entry.path, self.ctx.options)
                else:  # YOLO: the classes from data.yaml now, the label texts matched to images later
                    text = data.decode("utf-8", errors="replace")
                    if ext in (".yaml", ".yml"):
                        yolo_spec = read_yolo_spec(text)
                        self.kpt_shape = yolo_spec.kpt_shape
                        part = Dataset(categories=[Category(n) for n in yolo_spec.names])
                    else:
                        yolo_texts[entry.path] = text
                        self.label_entries[entry.path] = entry.name
                        continue
            except RecursionError:
                self.ingest.refuse_now(entry.name, "invalid_format", f"{fmt}: nested too deeply")
                continue
            except (FormatError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                self.ingest.refuse_now(entry.name, "invalid_format", f"{fmt}: {exc}"[:2000])
                continue
            dataset.images.extend(part.images)
            dataset.categories.extend(c for c in part.categories if c.name not in dataset.label_names)
            dataset.warnings.extend(part.warnings)
            dataset.losses.update(part.losses)
        return dataset, yolo_texts

    def _yolo_targets(
        self, names: list[str], yolo_texts: dict[str, str]
    ) -> list[tuple[ImageItem, str | None]]:
        """YOLO label files read against the size of the image each belongs to (known once ingested)."""
        targets: list[tuple[ImageItem, str | None]] = []
        for path, placed in self.ingest.placed.items():
            label_path = label_path_for(path)
            text = yolo_texts.get(label_path)
            if text is None or not placed.width or not placed.height:
                continue
            try:
                shapes, _ = read_label_text(
                    text, names, placed.width, placed.height, where=label_path, kpt_shape=self.kpt_shape
                )
            except FormatError as exc:  # the whole label file is refused, never half-attached
                self.ingest.refuse_now(
                    self.label_entries.get(label_path, label_path), "invalid_format", str(exc)
                )
                continue
            targets.append((ImageItem(path, placed.width, placed.height, shapes), path))
        return targets

    def _attach(self, targets: list[tuple[ImageItem, str | None]]) -> None:
        ctx = self.ctx
        attacher = Attacher(ctx.db, ctx.project_id, ctx.created_by, ctx.options, ctx.format)
        missing: list[Outcome] = []
        batch: list[tuple[int, ImageItem]] = []
        for item, path in targets:
            placed = self.ingest.placed.get(path) if path else None
            task_id = placed.task_id if placed else attacher.existing_task(item.file_name)
            if task_id is None:
                name = f"annotation:{item.file_name}"
                if name not in ctx.done_names:
                    missing.append(
                        Outcome(
                            name, "refused", "image_missing", "no uploaded image or task has this file name"
                        )
                    )
                continue
            batch.append((task_id, item))
            if len(batch) >= ATTACH_BATCH:
                ctx.check_continue()
                ctx.shapes += attacher.attach(batch)
                batch = []
        if batch:
            ctx.shapes += attacher.attach(batch)
        if missing:
            self.ingest.commit([], missing)
        ctx.unknown_labels.update(attacher.matcher.unknown)
        ctx.warnings.extend(attacher.errors[:100])
        ctx.shapes_refused += attacher.shapes_refused
        ctx.refused_shapes.extend(attacher.refused_shapes)
        ctx.losses.update(attacher.losses)
