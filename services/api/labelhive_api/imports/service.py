"""Running one import job: files -> checked images -> content-addressed assets -> tasks (-> shapes).

Idempotent and resumable: every file lands in the job's ledger (import_item) in the same transaction as
its task, so a re-run skips what is done; the same bytes (or S3 object, or URL) imported into the same
project again find the existing task instead of making another one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from labelhive_outbound import OutboundPolicy
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.formats.coco import coco_task_files
from labelhive_api.formats.model import Category, Dataset, FormatError, ImageItem
from labelhive_api.formats.registry import FORMATS
from labelhive_api.formats.yolo import label_path_for, read_label_text, read_yolo_spec
from labelhive_api.imports.images import ImageRefused, inspect_image
from labelhive_api.imports.matching import ImageIndex
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.imports.safezip import MemberRefused, Refusal, ZipLimits
from labelhive_api.imports.sources import Entry, s3_prefix, staged_uploads, url_list
from labelhive_api.imports.staging import remove_staging
from labelhive_api.jobs.kinds import JobStopped
from labelhive_api.jobs.state import JobState
from labelhive_api.storage.assets import AssetStore
from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key
from labelhive_api.storage.scope import ScopeRefused
from labelhive_api.tasks.models import Task
from labelhive_api.tasks.service import add_tasks

log = logging.getLogger(__name__)

KINDS = ("upload", "s3", "urls")


class ImportStopped(JobStopped):
    """The job lost its lease or was cancelled; what is committed stays, the rest waits for a re-run."""


@dataclass(frozen=True)
class ImportSettings:
    limits: ZipLimits = field(default_factory=ZipLimits)
    max_image_pixels: int = 100_000_000
    workers: int = 12
    chunk: int = 128
    # A chunk's files are in memory together: close it early when they add up to this many bytes.
    chunk_bytes: int = 128 * 1024 * 1024
    # URL imports and image URLs inside annotation files: public addresses only unless allow-listed.
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    # Tasks by reference (format `tasks`): tasks per write transaction.
    reference_chunk: int = 1000
    # Imports by reference: ranged reads for image sizes in flight at once (small, latency-bound).
    probe_workers: int = 32

    def url_policy(self) -> OutboundPolicy:
        """The outbound policy for reading images from the web (URL imports, image sizes, export images):
        one file at most `limits.max_file_bytes`."""
        return dataclasses.replace(self.outbound, max_bytes=self.limits.max_file_bytes)


@dataclass
class _Prepared:
    entry: Entry
    sha256: str
    key: str
    width: int  # displayed, after EXIF orientation
    height: int
    content_type: str
    data: bytes | None = None  # until uploaded
    orientation: int = 1


@dataclass
class _Outcome:
    """What happened to one image file (written to the ledger)."""

    name: str
    state: str  # imported | duplicate | refused
    reason: str = ""
    detail: str = ""
    source_ref: str | None = None
    sha256: str | None = None
    task_id: int | None = None


@dataclass
class _Placed:
    task_id: int
    width: int | None
    height: int | None


class ImportRun:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        job_id: int,
        settings: ImportSettings | None = None,
        *,
        should_continue: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.storage = storage
        self.job_id = job_id
        self.settings = settings or ImportSettings()
        self.should_continue = should_continue
        self.assets = AssetStore(storage.source)
        with db.sessions() as session:
            job = session.get(ImportJob, job_id)
            if job is None:
                raise LookupError(f"no import job {job_id}")
            self.project_id = job.project_id
            self.kind, self.format, self.options = job.kind, job.format, dict(job.options or {})
            self.created_by = job.created_by
            ledger = session.execute(
                select(ImportItem.name, ImportItem.state, ImportItem.task_id).where(
                    ImportItem.job_id == job_id
                )
            ).all()
        self.done_names = {row.name for row in ledger}
        self.placed_names = {row.name: row.task_id for row in ledger if row.task_id is not None}
        counts = Counter(row.state for row in ledger)
        self.imported, self.duplicates, self.refused = (
            counts["imported"],
            counts["duplicate"],
            counts["refused"],
        )
        self.seen = len(ledger)
        self.total = 0
        self.shapes = 0
        self.warnings: list[str] = []
        self.unknown_labels: Counter[str] = Counter()
        self.shapes_refused = 0
        self.refused_shapes: list[dict[str, Any]] = []
        self.losses: Counter[str] = Counter()
        self.placed: dict[str, _Placed] = {}  # entry path -> task, for attaching dataset shapes
        self.filenames: dict[str, str] = {}  # entry path -> dataset file name
        self.kpt_shape: tuple[int, int] | None = None  # YOLO pose: from data.yaml
        self.label_entries: dict[str, str] = {}  # YOLO label path -> its ledger name

    # -- sources ----------------------------------------------------------------------------------

    def _entries(self, stack: ExitStack) -> Iterator[Entry | Refusal]:
        limits = self.settings.limits
        if self.kind == "upload":
            staging = self.options.get("staging")
            if not isinstance(staging, str) or not staging.startswith("imports/"):
                raise ValueError("this upload has no staged files (upload them again)")
            return staged_uploads(self.storage.target, staging, limits, stack)
        if self.kind == "s3":
            # Checked again here: the allow-list may have shrunk since the job was queued.
            store, prefix = self.storage.imports.prefix_store(
                self.options.get("bucket"), str(self.options.get("prefix", ""))
            )
            return s3_prefix(store, prefix, limits.max_file_bytes)
        if self.kind == "urls":
            return url_list(list(self.options.get("urls", [])), self.settings.url_policy())
        raise ValueError(f"unknown import kind {self.kind!r}")

    # -- the run ----------------------------------------------------------------------------------

    def run(self) -> None:
        with ExitStack() as stack:
            entries = self._entries(stack)
            if self.kind == "s3" and self.format == "images" and self.options.get("reference"):
                from labelhive_api.imports.objects import ObjectImport

                store, _prefix = self.storage.imports.prefix_store(
                    self.options.get("bucket"), str(self.options.get("prefix", ""))
                )
                ObjectImport(self, store, self.storage.source.bucket).import_objects(list(entries))
            elif self.kind == "urls" and self.format == "images" and self.options.get("reference"):
                from labelhive_api.imports.objects import UrlImport

                UrlImport(self, self.settings.url_policy()).import_objects(list(entries))
            elif self.format == "images":
                self._import_images(entries, streaming=self.kind == "s3")
            elif self.format == "tasks":
                from labelhive_api.imports.by_reference import TaskFileImport

                TaskFileImport(self).import_files(list(entries))
            else:
                self._import_dataset(list(entries))
        self._finish()

    def _import_images(self, entries: Iterable[Entry | Refusal], streaming: bool) -> None:
        if not streaming:
            entries = list(entries)
            self.total = max(self.seen, len(entries))
        chunk: list[Entry | Refusal] = []
        chunk_bytes = 0
        with ThreadPoolExecutor(self.settings.workers, thread_name_prefix="import") as pool:
            for entry in entries:
                if streaming:
                    self.total += 1
                if entry.name in self.done_names:
                    if isinstance(entry, Entry) and entry.name in self.placed_names:
                        self._remember(entry.path, self.placed_names[entry.name], None, None)
                    continue
                chunk.append(entry)
                chunk_bytes += (entry.size or 1024 * 1024) if isinstance(entry, Entry) else 0
                if len(chunk) >= self.settings.chunk or chunk_bytes >= self.settings.chunk_bytes:
                    self._process_chunk(chunk, pool)
                    chunk, chunk_bytes = [], 0
            if chunk:
                self._process_chunk(chunk, pool)
        if streaming:
            self.total = max(self.total, self.seen)

    def _remember(self, path: str, task_id: int, width: int | None, height: int | None) -> None:
        if self.format != "images":
            self.placed[path] = _Placed(task_id, width, height)

    def _prepare(self, entry: Entry) -> _Prepared | _Outcome:
        try:
            data = entry.read()
            info = inspect_image(
                data, max_pixels=self.settings.max_image_pixels, max_bytes=self.settings.limits.max_file_bytes
            )
        except ImageRefused as refused:
            return _Outcome(entry.name, "refused", refused.reason, refused.detail, entry.source_ref)
        except MemberRefused as refused:
            return _Outcome(
                entry.name, "refused", refused.refusal.reason, refused.refusal.detail, entry.source_ref
            )
        except PermissionError as exc:
            return _Outcome(entry.name, "refused", "refused_address", str(exc), entry.source_ref)
        except Exception as exc:  # noqa: BLE001 - any read failure is this file's problem only
            return _Outcome(
                entry.name, "refused", "unreadable", f"{type(exc).__name__}: {exc}"[:500], entry.source_ref
            )
        sha = hashlib.sha256(data).hexdigest()
        return _Prepared(
            entry, sha, asset_key(sha), info.width, info.height, info.content_type, data, info.orientation
        )

    def _store(self, item: _Prepared) -> None:
        assert item.data is not None
        self.assets.store_bytes(item.data, item.content_type, sha256=item.sha256, known_absent=True)
        item.data = None

    def _stored_shas(self, shas: list[str]) -> set[str]:
        """Bytes an earlier import (of any project) uploaded are in the source bucket: no upload, no check.
        Only the import ledger is trusted for this: it is written after the upload succeeded."""
        if not shas:
            return set()
        query = select(ImportItem.asset_sha256).where(
            ImportItem.asset_sha256.in_(shas), ImportItem.state == "imported"
        )
        with self.db.sessions() as session:
            return {sha for sha in session.scalars(query.distinct()) if sha}

    def _process_chunk(self, chunk: list[Entry | Refusal], pool: ThreadPoolExecutor) -> None:
        if not self.should_continue():
            raise ImportStopped()
        outcomes: list[_Outcome] = [
            _Outcome(e.name, "refused", e.reason, e.detail) for e in chunk if isinstance(e, Refusal)
        ]
        entries = [e for e in chunk if isinstance(e, Entry)]
        known = self._known_refs([e.source_ref for e in entries if e.source_ref])
        fresh: list[Entry] = []
        for entry in entries:
            if entry.source_ref in known:
                if self.kind == "s3":  # re-sync: old objects are counted, not listed
                    self.duplicates += 1
                    self._remember(entry.path, known[entry.source_ref], None, None)
                else:
                    outcomes.append(
                        _Outcome(
                            entry.name,
                            "duplicate",
                            source_ref=entry.source_ref,
                            task_id=known[entry.source_ref],
                        )
                    )
            else:
                fresh.append(entry)
        prepared: list[_Prepared] = []
        for result in pool.map(self._prepare, fresh):
            if isinstance(result, _Outcome):
                outcomes.append(result)
            else:
                prepared.append(result)
        # Upload only bytes that neither this project (same source) nor any task anywhere has already.
        already = set(self._known_refs([self._ref(p) for p in prepared]))
        stored = self._stored_shas(sorted({p.sha256 for p in prepared if self._ref(p) not in already}))
        uploads: dict[str, _Prepared] = {}
        for item in prepared:
            if self._ref(item) in already or item.sha256 in stored:
                item.data = None
            else:
                uploads.setdefault(item.sha256, item)
        list(pool.map(self._store, uploads.values()))
        for item in prepared:
            item.data = None
        for attempt in range(3):
            try:
                self._commit(prepared, outcomes)
                return
            except IntegrityError:
                # Another job imported the same thing meanwhile: look again, it is a duplicate now.
                if attempt == 2:
                    raise
                log.info("import %s: concurrent import of the same files, retrying the chunk", self.job_id)

    def _ref(self, item: _Prepared) -> str:
        return item.entry.source_ref or f"sha256:{item.sha256}"

    def _known_refs(self, refs: list[str], session: Session | None = None) -> dict[str, int]:
        if not refs:
            return {}
        query = select(ImportItem.source_ref, ImportItem.task_id).where(
            ImportItem.project_id == self.project_id,
            ImportItem.state == "imported",
            ImportItem.source_ref.in_(refs),
        )
        if session is not None:
            return {ref: tid for ref, tid in session.execute(query) if ref and tid is not None}
        with self.db.sessions() as own:
            return {ref: tid for ref, tid in own.execute(query) if ref and tid is not None}

    def _filename(self, entry: Entry) -> str:
        if entry.path in self.filenames:
            return self.filenames[entry.path]
        if self.kind == "urls":
            return posixpath.basename(urlsplit(entry.name).path) or entry.name
        if self.kind == "s3":
            return entry.name.split("/", 3)[-1]
        return entry.path

    def _commit(self, prepared: list[_Prepared], outcomes: list[_Outcome]) -> None:
        with self.db.session() as session:
            known = self._known_refs([self._ref(p) for p in prepared], session)
            new: list[_Prepared] = []
            final = list(outcomes)
            seen_refs: dict[str, _Prepared] = {}
            for item in prepared:
                ref = self._ref(item)
                if ref in known:
                    final.append(
                        _Outcome(
                            item.entry.name,
                            "duplicate",
                            source_ref=ref,
                            sha256=item.sha256,
                            task_id=known[ref],
                        )
                    )
                elif ref in seen_refs:  # the same bytes twice in one chunk
                    final.append(_Outcome(item.entry.name, "duplicate", source_ref=ref, sha256=item.sha256))
                else:
                    seen_refs[ref] = item
                    new.append(item)
            batch_id = self.options.get("batch_id")
            ids = add_tasks(
                session,
                self.project_id,
                [
                    {
                        "image": item.key,
                        "filename": self._filename(item.entry)[:1024],
                        "width": item.width,
                        "height": item.height,
                        "orientation": item.orientation,
                        "asset_sha256": item.sha256,
                        "meta": {"import_job": self.job_id},
                        "batch_id": batch_id,
                    }
                    for item in new
                ],
            )
            by_ref = {}
            for item, task_id in zip(new, ids, strict=True):
                ref = self._ref(item)
                by_ref[ref] = task_id
                final.append(
                    _Outcome(item.entry.name, "imported", source_ref=ref, sha256=item.sha256, task_id=task_id)
                )
                self._remember(item.entry.path, task_id, item.width, item.height)
            for outcome in final:
                if outcome.state == "duplicate" and outcome.task_id is None and outcome.source_ref:
                    outcome.task_id = by_ref.get(outcome.source_ref)
            sizes = {p.entry.name: (p.width, p.height) for p in prepared}
            for outcome in final:
                if outcome.state == "duplicate" and outcome.task_id is not None:
                    w, h = sizes.get(outcome.name, (None, None))
                    self._remember(outcome.name.split("!/", 1)[-1], outcome.task_id, w, h)
            if final:
                session.execute(
                    insert(ImportItem),
                    [
                        {
                            "job_id": self.job_id,
                            "project_id": self.project_id,
                            "name": o.name[:1024],
                            "source_ref": o.source_ref,
                            "state": o.state,
                            "reason": o.reason[:32],
                            "detail": o.detail[:2000],
                            "task_id": o.task_id,
                            "asset_sha256": o.sha256,
                        }
                        for o in final
                    ],
                )
            totals = self.record_progress(session, Counter(o.state for o in final))
        self.imported, self.duplicates, self.refused, self.seen = totals
        self.done_names.update(o.name for o in final)

    def record_progress(
        self, session: Session, states: Counter[str], **extra: Any
    ) -> tuple[int, int, int, int]:
        """Adds a chunk's ledger rows ({state: how many}) to the job's progress, in the chunk's transaction;
        returns the totals (imported, duplicates, refused, seen) to keep once it commits."""
        imported = self.imported + states["imported"]
        duplicates = self.duplicates + states["duplicate"]
        refused = self.refused + states["refused"]
        seen = self.seen + sum(states.values())
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == self.job_id)
            .values(
                done=imported + duplicates + refused,
                total=max(self.total, seen),
                imported=imported,
                duplicates=duplicates,
                refused=refused,
                **extra,
            )
        )
        return imported, duplicates, refused, seen

    # -- datasets with annotations ----------------------------------------------------------------

    def _read_text(self, entry: Entry) -> bytes | None:
        try:
            return entry.read()
        except MemberRefused as refused:
            self._refuse_now(entry.name, refused.refusal.reason, refused.refusal.detail)
        except Exception as exc:  # noqa: BLE001 - reported per file
            self._refuse_now(entry.name, "unreadable", str(exc))
        return None

    def _refuse_now(self, name: str, reason: str, detail: str) -> None:
        if name in self.done_names:
            return
        self._commit([], [_Outcome(name, "refused", reason, detail[:2000])])

    def _parse(self, files: list[Entry]) -> tuple[Dataset, dict[str, str]]:
        """The dataset described by the annotation files; YOLO label texts are returned for later."""
        dataset = Dataset()
        yolo_texts: dict[str, str] = {}
        if self.format == "coco":
            wanted_paths = set(coco_task_files([f.path for f in files]))
            files = [f for f in files if f.path in wanted_paths]
        spec = FORMATS[self.format]
        for entry in files:
            ext = posixpath.splitext(entry.path)[1].lower()
            if ext not in spec.files:
                continue
            data = self._read_text(entry)
            if data is None:
                continue
            try:
                if spec.reader is not None:
                    part = spec.reader(data, entry.path, self.options)
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
                self._refuse_now(entry.name, "invalid_format", f"{self.format}: nested too deeply")
                continue
            except (FormatError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                self._refuse_now(entry.name, "invalid_format", f"{self.format}: {exc}"[:2000])
                continue
            dataset.images.extend(part.images)
            dataset.categories.extend(c for c in part.categories if c.name not in dataset.label_names)
            dataset.warnings.extend(part.warnings)
            dataset.losses.update(part.losses)
        return dataset, yolo_texts

    def _import_dataset(self, entries: list[Entry | Refusal]) -> None:
        files = [e for e in entries if isinstance(e, Entry) and e.is_annotation_file]
        images = [e for e in entries if not (isinstance(e, Entry) and e.is_annotation_file)]
        self.total = max(self.seen, len(entries))
        dataset, yolo_texts = self._parse(
            [f for f in files if f.name not in self.done_names or self.format == "yolo"]
        )
        if self.format != "yolo" and not dataset.images:
            self.warnings.append(
                "no annotation file of this format was found; images imported without shapes"
            )
        index = ImageIndex([e.path for e in images if isinstance(e, Entry)])
        targets: list[tuple[ImageItem, str | None]] = []
        remote: list[str] = []
        for item in dataset.images:
            path = index.find(item.file_name)
            url = str(item.meta.get("url") or "")
            if path is None and self.kind == "upload" and url.startswith(("http://", "https://", "s3://")):
                # The file points at its images (Label Studio data.image, COCO coco_url): fetch them.
                path = url
                remote.append(url)
            if path is not None:
                self.filenames[path] = item.file_name
            targets.append((item, path))
        if remote:
            images.extend(self._remote_entries(remote))
        self._import_images(images, streaming=False)
        self.total = max(self.total, self.seen)
        if self.format == "yolo":
            names = dataset.label_names
            for path, placed in self.placed.items():
                label_path = label_path_for(path)
                text = yolo_texts.get(label_path)
                if text is None or not placed.width or not placed.height:
                    continue
                try:
                    shapes, _ = read_label_text(
                        text, names, placed.width, placed.height, where=label_path, kpt_shape=self.kpt_shape
                    )
                except FormatError as exc:  # the whole label file is refused, never half-attached
                    self._refuse_now(
                        self.label_entries.get(label_path, label_path), "invalid_format", str(exc)
                    )
                    continue
                targets.append((ImageItem(path, placed.width, placed.height, shapes), path))
        self.warnings.extend(dataset.warnings[:100])
        self.losses.update(dataset.losses)
        self._attach(targets)

    def _remote_entries(self, urls: list[str]) -> list[Entry | Refusal]:
        """http(s) images are fetched like a URL import; s3://bucket/key from this deployment's S3."""
        out: list[Entry | Refusal] = []
        web = [u for u in urls if not u.startswith("s3://")]
        out.extend(url_list(web, self.settings.url_policy()))
        for url in (u for u in urls if u.startswith("s3://")):
            try:
                store, key = self.storage.imports.object_store(url)
            except ScopeRefused as refused:
                out.append(Refusal(url, refused.code, refused.message))
                continue
            out.append(
                Entry(name=url, read=lambda s=store, k=key: s.get(k), source_ref=f"s3:{store.bucket}/{key}")
            )
        return out

    def _attach(self, targets: list[tuple[ImageItem, str | None]]) -> None:
        from labelhive_api.imports.attach import Attacher

        attacher = Attacher(self.db, self.project_id, self.created_by, self.options, self.format)
        missing: list[_Outcome] = []
        batch: list[tuple[int, ImageItem]] = []
        for item, path in targets:
            placed = self.placed.get(path) if path else None
            task_id = placed.task_id if placed else attacher.existing_task(item.file_name)
            if task_id is None:
                name = f"annotation:{item.file_name}"
                if name not in self.done_names:
                    missing.append(
                        _Outcome(
                            name, "refused", "image_missing", "no uploaded image or task has this file name"
                        )
                    )
                continue
            batch.append((task_id, item))
            if len(batch) >= 200:
                self._check_continue()
                self.shapes += attacher.attach(batch)
                batch = []
        if batch:
            self.shapes += attacher.attach(batch)
        if missing:
            self._commit([], missing)
        self.unknown_labels.update(attacher.matcher.unknown)
        self.warnings.extend(attacher.errors[:100])
        self.shapes_refused += attacher.shapes_refused
        self.refused_shapes.extend(attacher.refused_shapes)
        self.losses.update(attacher.losses)

    def _check_continue(self) -> None:
        if not self.should_continue():
            raise ImportStopped()

    # -- the end ----------------------------------------------------------------------------------

    def _finish(self) -> None:
        with self.db.session() as session:
            job = session.get(ImportJob, self.job_id)
            assert job is not None
            refused = session.scalar(
                select(func.count())
                .select_from(ImportItem)
                .where(ImportItem.job_id == self.job_id, ImportItem.state == "refused")
            )
            job.state = JobState.FINISHED
            job.finished_at = utcnow()
            job.lease_until = None
            job.refused = int(refused or 0)
            job.duplicates = self.duplicates
            job.done = job.imported + job.duplicates + job.refused
            job.total = max(job.total, job.done, self.total)
            job.shapes = self.shapes
            job.report = {
                "unknown_labels": dict(self.unknown_labels.most_common(200)),
                "warnings": self.warnings[:100],
                "shapes_refused": self.shapes_refused,
                "refused_shapes": self.refused_shapes[:200],
                "losses": dict(self.losses),
            }
        if self.kind == "upload":
            remove_staging(self.storage.target, self.options.get("staging"))


def task_for_filename(session: Session, project_id: int, file_name: str) -> int | None:
    """An existing task whose file name is this one (annotation-only imports onto earlier images)."""
    found = session.scalar(
        select(Task.id)
        .where(Task.project_id == project_id, Task.filename == file_name)
        .order_by(Task.id)
        .limit(1)
    )
    if found is None and "/" in file_name:
        found = session.scalar(
            select(Task.id)
            .where(Task.project_id == project_id, Task.filename == posixpath.basename(file_name))
            .order_by(Task.id)
            .limit(1)
        )
    return int(found) if found is not None else None


def describe(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "project_id": job.project_id,
        "kind": job.kind,
        "format": job.format,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "imported": job.imported,
        "duplicates": job.duplicates,
        "refused": job.refused,
        "shapes": job.shapes,
        "shapes_refused": int((job.report or {}).get("shapes_refused", 0)),
        "report": job.report,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
