"""Image files -> tasks: read and check each image, hash it, skip what the project already has, upload new
bytes once (content-addressed), then write the chunk's tasks and ledger rows in one transaction.

Idempotent and resumable: every file lands in the job's ledger (import_item) in the same transaction as
its task, so a re-run skips what is done; the same bytes (or S3 object, or URL) imported into the same
project again find the existing task instead of making another one.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from labelhive_api.imports.context import ImportContext
from labelhive_api.imports.images import ImageRefused, inspect_image
from labelhive_api.imports.models import ImportItem
from labelhive_api.imports.safezip import MemberRefused, Refusal
from labelhive_api.imports.sources import Entry
from labelhive_api.storage.assets import AssetStore
from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key
from labelhive_api.tasks.service import add_tasks

log = logging.getLogger(__name__)


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
class Outcome:
    """What happened to one file (written to the ledger)."""

    name: str
    state: str  # imported | duplicate | refused
    reason: str = ""
    detail: str = ""
    source_ref: str | None = None
    sha256: str | None = None
    task_id: int | None = None


@dataclass
class Placed:
    """The task an image file became (or already was), for attaching a dataset's shapes to it."""

    task_id: int
    width: int | None
    height: int | None


class Ingest:
    def __init__(self, ctx: ImportContext, storage: Storage, *, keep_placed: bool = False) -> None:
        self.ctx = ctx
        self.assets = AssetStore(storage.source)
        self.keep_placed = keep_placed
        self.placed: dict[str, Placed] = {}  # entry path -> task (only with keep_placed)
        self.filenames: dict[str, str] = {}  # entry path -> the file name a dataset gives it

    def import_images(self, entries: Iterable[Entry | Refusal], streaming: bool) -> None:
        ctx = self.ctx
        if not streaming:
            entries = list(entries)
            ctx.total = max(ctx.seen, len(entries))
        chunk: list[Entry | Refusal] = []
        chunk_bytes = 0
        with ThreadPoolExecutor(ctx.settings.workers, thread_name_prefix="import") as pool:
            for entry in entries:
                if streaming:
                    ctx.total += 1
                if entry.name in ctx.done_names:
                    if isinstance(entry, Entry) and entry.name in ctx.placed_names:
                        self._remember(entry.path, ctx.placed_names[entry.name], None, None)
                    continue
                chunk.append(entry)
                chunk_bytes += (entry.size or 1024 * 1024) if isinstance(entry, Entry) else 0
                if len(chunk) >= ctx.settings.chunk or chunk_bytes >= ctx.settings.chunk_bytes:
                    self._process_chunk(chunk, pool)
                    chunk, chunk_bytes = [], 0
            if chunk:
                self._process_chunk(chunk, pool)
        if streaming:
            ctx.total = max(ctx.total, ctx.seen)

    def refuse_now(self, name: str, reason: str, detail: str) -> None:
        """A file refused outside an image chunk (an annotation file, a label file): its own ledger row."""
        if name not in self.ctx.done_names:
            self.commit([], [Outcome(name, "refused", reason, detail[:2000])])

    def _remember(self, path: str, task_id: int, width: int | None, height: int | None) -> None:
        if self.keep_placed:
            self.placed[path] = Placed(task_id, width, height)

    def _prepare(self, entry: Entry) -> _Prepared | Outcome:
        settings = self.ctx.settings
        try:
            data = entry.read()
            info = inspect_image(
                data, max_pixels=settings.max_image_pixels, max_bytes=settings.limits.max_file_bytes
            )
        except ImageRefused as refused:
            return Outcome(entry.name, "refused", refused.reason, refused.detail, entry.source_ref)
        except MemberRefused as refused:
            return Outcome(
                entry.name, "refused", refused.refusal.reason, refused.refusal.detail, entry.source_ref
            )
        except PermissionError as exc:
            return Outcome(entry.name, "refused", "refused_address", str(exc), entry.source_ref)
        except Exception as exc:  # noqa: BLE001 - any read failure is this file's problem only
            return Outcome(
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
        with self.ctx.db.sessions() as session:
            return {sha for sha in session.scalars(query.distinct()) if sha}

    def _known_refs(self, refs: list[str]) -> dict[str, int]:
        if not refs:
            return {}
        with self.ctx.db.sessions() as session:
            return self.ctx.known_refs(session, refs)

    def _process_chunk(self, chunk: list[Entry | Refusal], pool: ThreadPoolExecutor) -> None:
        ctx = self.ctx
        ctx.check_continue()
        outcomes: list[Outcome] = [
            Outcome(e.name, "refused", e.reason, e.detail) for e in chunk if isinstance(e, Refusal)
        ]
        entries = [e for e in chunk if isinstance(e, Entry)]
        known = self._known_refs([e.source_ref for e in entries if e.source_ref])
        fresh: list[Entry] = []
        for entry in entries:
            if entry.source_ref in known:
                if ctx.kind == "s3":  # re-sync: old objects are counted, not listed
                    ctx.duplicates += 1
                    self._remember(entry.path, known[entry.source_ref], None, None)
                else:
                    outcomes.append(
                        Outcome(
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
            if isinstance(result, Outcome):
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
                self.commit(prepared, outcomes)
                return
            except IntegrityError:
                # Another job imported the same thing meanwhile: look again, it is a duplicate now.
                if attempt == 2:
                    raise
                log.info("import %s: concurrent import of the same files, retrying the chunk", ctx.job_id)

    @staticmethod
    def _ref(item: _Prepared) -> str:
        return item.entry.source_ref or f"sha256:{item.sha256}"

    def _filename(self, entry: Entry) -> str:
        if entry.path in self.filenames:
            return self.filenames[entry.path]
        if self.ctx.kind == "urls":
            return posixpath.basename(urlsplit(entry.name).path) or entry.name
        if self.ctx.kind == "s3":
            return entry.name.split("/", 3)[-1]
        return entry.path

    def commit(self, prepared: list[_Prepared], outcomes: list[Outcome]) -> None:
        ctx = self.ctx
        with ctx.db.session() as session:
            known = ctx.known_refs(session, [self._ref(p) for p in prepared])
            new: list[_Prepared] = []
            final = list(outcomes)
            seen_refs: dict[str, _Prepared] = {}
            for item in prepared:
                ref = self._ref(item)
                if ref in known:
                    final.append(
                        Outcome(
                            item.entry.name,
                            "duplicate",
                            source_ref=ref,
                            sha256=item.sha256,
                            task_id=known[ref],
                        )
                    )
                elif ref in seen_refs:  # the same bytes twice in one chunk
                    final.append(Outcome(item.entry.name, "duplicate", source_ref=ref, sha256=item.sha256))
                else:
                    seen_refs[ref] = item
                    new.append(item)
            batch_id = ctx.options.get("batch_id")
            ids = add_tasks(
                session,
                ctx.project_id,
                [
                    {
                        "image": item.key,
                        "filename": self._filename(item.entry)[:1024],
                        "width": item.width,
                        "height": item.height,
                        "orientation": item.orientation,
                        "asset_sha256": item.sha256,
                        "meta": {"import_job": ctx.job_id},
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
                    Outcome(item.entry.name, "imported", source_ref=ref, sha256=item.sha256, task_id=task_id)
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
                            "job_id": ctx.job_id,
                            "project_id": ctx.project_id,
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
            totals = ctx.record_progress(session, Counter(o.state for o in final))
        ctx.imported, ctx.duplicates, ctx.refused, ctx.seen = totals
        ctx.done_names.update(o.name for o in final)
