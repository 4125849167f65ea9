"""Import files of tasks by reference (format `tasks`): JSON (a list, or {"tasks": [...]}) or JSON Lines, one
task per item, each the body `POST /projects/{id}/tasks` takes: an image already in storage or at a URL, its
size if known, and optional `predictions` / `annotations`. No image bytes are read.

Tasks are written a chunk at a time through the bulk path (`imports.bulk`), each chunk in one short
transaction together with its ledger rows (`<file>#<n>`) and the job's progress, so a resumed job skips what is
done and an image imported before into the project (same reference) gets the pre-labels, not a second task.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labelhive_api.imports.bulk import BulkWriter, Entry, Outcome, entry_for, insert_dicts
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.imports.safezip import Refusal
from labelhive_api.imports.sources import Entry as FileEntry
from labelhive_api.imports.writers import Writers
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.tasks.models import Batch
from labelhive_api.tasks.schemas import TaskIn

if TYPE_CHECKING:
    from labelhive_api.imports.context import ImportContext

log = logging.getLogger(__name__)

TASK_FILE_EXTENSIONS = (".json", ".jsonl", ".ndjson")


@dataclass
class _Row:
    name: str  # ledger key: <file>#<1-based item number>, or the object's s3:// name
    task: TaskIn | None = None
    reason: str = ""
    detail: str = ""
    # Objects imported in place: the task row as add_tasks takes it, and the object's source reference.
    new_task: dict[str, Any] | None = None
    source_ref: str | None = None
    # Its pre-labels as the bulk path takes them, checked before the write (`_prepare`).
    entry: Entry | None = None
    prepared: Any = None

    @property
    def ref(self) -> str | None:
        if self.source_ref is not None:
            return self.source_ref
        return f"ref:{self.task.image}" if self.task is not None else None


def _items(data: bytes, path: str) -> list[str] | list[Any]:
    """The file's tasks: JSON Lines as their text lines (parsed later, a chunk at a time), a JSON document
    as parsed items."""
    if path.lower().endswith((".jsonl", ".ndjson")):
        return [line for line in data.decode("utf-8").splitlines() if line.strip()]
    parsed = json.loads(data)
    if isinstance(parsed, dict) and isinstance(parsed.get("tasks"), list):
        parsed = parsed["tasks"]
    if not isinstance(parsed, list):
        raise ValueError('a tasks file is a JSON list of tasks, {"tasks": [...]}, or JSON Lines')
    return parsed


_TASKS: TypeAdapter[list[TaskIn]] = TypeAdapter(list[TaskIn])


def _one(name: str, item: Any) -> _Row:
    try:
        task = TaskIn.model_validate_json(item) if isinstance(item, str) else TaskIn.model_validate(item)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            return _Row(name, reason="invalid_json", detail=err["msg"][:2000])
        where = ".".join(str(p) for p in err["loc"])
        return _Row(name, reason="invalid_task", detail=f"{where}: {err['msg']}"[:2000])
    return _Row(name, task)


# Tasks parsed per call: pydantic-core holds the GIL for a call, and a short hold lets the chunk being written
# (and request handlers, e.g. status polls) take their turn between calls.
PARSE_SLICE = 64


def _rows(names: list[str], items: list[Any]) -> list[_Row]:
    """Checks a chunk of tasks a slice at a time; see `_slice`."""
    out: list[_Row] = []
    for start in range(0, len(items), PARSE_SLICE):
        end = start + PARSE_SLICE
        out.extend(_slice(names[start:end], items[start:end]))
    return out


def _slice(names: list[str], items: list[Any]) -> list[_Row]:
    """Checks tasks in one call (JSON Lines parsed by pydantic-core); one by one only when some item is bad,
    so each bad one is reported with its own reason."""
    try:
        if items and isinstance(items[0], str):
            tasks = _TASKS.validate_json("[" + ",".join(items) + "]")
        else:
            tasks = _TASKS.validate_python(items)
    except ValidationError:
        return [_one(name, item) for name, item in zip(names, items, strict=True)]
    return [_Row(name, task) for name, task in zip(names, tasks, strict=True)]


class TaskFileImport:
    """Runs the `tasks` format of one import job (called by `run.ImportRun` with the job's files)."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        with ctx.db.sessions() as session:
            project = session.get(Project, ctx.project_id)
            assert project is not None
            session.expunge(project)
        self.project = project
        self.chunk_size = ctx.settings.reference_chunk
        self.bulk = BulkWriter(project, ctx.created_by, ctx.options.get("batch_id"))
        with ctx.db.sessions() as session:
            ctx.shapes = int(session.scalar(select(ImportJob.shapes).where(ImportJob.id == ctx.job_id)) or 0)
        ctx.start_counting()

    def writers(self) -> Writers:
        """Chunks are written in threads of their own, mostly waiting on the database, while the next is
        parsed and checked in this one; on PostgreSQL `reference_writers` chunks at once (in their own
        transactions: the database works on both), on SQLite one (it has one writer)."""
        n = self.ctx.settings.reference_writers if self.ctx.db.dialect == "postgresql" else 1
        return Writers(max(1, n))

    def import_files(self, entries: list[FileEntry | Refusal]) -> None:
        with self.writers() as writers:
            self._import_files(entries, writers)

    def _submit(
        self, writers: Writers, rows: list[_Row], skipped: int = 0, known: dict[str, int] | None = None
    ) -> None:
        """`skipped`: items of the chunk known before without rows of their own (counted as duplicates);
        `known`: the rows' images imported before, when the caller looked them up already."""
        known = self._prepare(rows, known)  # in this thread, while the chunks before are written
        writers.submit(self._commit, rows, skipped, known)

    def _import_files(self, entries: list[FileEntry | Refusal], writers: Writers) -> None:
        ctx = self.ctx
        chunk: list[_Row] = []
        for entry in entries:
            if isinstance(entry, Refusal):
                self._submit(writers, [_Row(entry.name, reason=entry.reason, detail=entry.detail)])
                continue
            if not entry.path.lower().endswith(TASK_FILE_EXTENSIONS):
                refused = _Row(entry.name, reason="not_a_task_file", detail="expected .json or .jsonl")
                self._submit(writers, [refused])
                continue
            try:
                items = _items(entry.read(), entry.path)
            except Exception as exc:  # noqa: BLE001 - this file's problem only
                self._submit(writers, [_Row(entry.name, reason="invalid_format", detail=f"{exc}"[:2000])])
                continue
            ctx.total += len(items)
            names: list[str] = []
            todo: list[Any] = []
            for number, item in enumerate(items, start=1):
                name = f"{entry.name}#{number}"
                if name in ctx.done_names:
                    continue
                names.append(name)
                todo.append(item)
                if len(todo) >= self.chunk_size:
                    chunk.extend(_rows(names, todo))
                    names, todo = [], []
                    self._submit(writers, chunk)
                    chunk = []
            chunk.extend(_rows(names, todo))
        if chunk:
            self._submit(writers, chunk)

    def _prepare(self, rows: list[_Row], known: dict[str, int] | None = None) -> dict[str, int]:
        """What a chunk's write needs that does not depend on the chunk before it: its items checked and
        encoded, the ids of the tasks and annotations it creates, the images the project imported before
        (`known` unless given; found again in the write transaction if it fails on one imported meanwhile,
        see `_commit`)."""
        self._refuse_other_batches(rows)
        todo = [r for r in rows if r.task is not None or r.new_task is not None]
        for row in todo:
            row.entry = (
                Entry(row.name, new_task=row.new_task) if row.task is None else entry_for(row.name, row.task)
            )
        entries = [r.entry for r in todo if r.entry is not None]
        with self.ctx.db.sessions() as session:
            labels: Any = {}
            if any(e.annotations for e in entries):
                labels = labels_by_value(session, self.project)
            prepared = self.bulk.prepare(entries, labels)
            for row, plan in zip(todo, prepared, strict=True):
                row.prepared = plan
            self.bulk.reserve_ids(session, prepared)
            if known is not None:
                return known
            return self.ctx.known_refs(session, sorted({r.ref for r in rows if r.ref}))

    def _refuse_other_batches(self, rows: list[_Row]) -> None:
        """Items naming a batch that is not one of this project's are refused (as `POST /tasks` answers 404)."""
        named = {r.task.batch_id for r in rows if r.task is not None and r.task.batch_id is not None}
        if not named:
            return
        with self.ctx.db.sessions() as session:
            ours = set(
                session.scalars(
                    select(Batch.id).where(Batch.project_id == self.ctx.project_id, Batch.id.in_(named))
                )
            )
        for row in rows:
            if row.task is not None and row.task.batch_id is not None and row.task.batch_id not in ours:
                row.reason, row.detail = "unknown_batch", f"no batch {row.task.batch_id} in this project"
                row.task = None

    def _commit(self, rows: list[_Row], skipped: int = 0, known: dict[str, int] | None = None) -> None:
        self.ctx.check_continue()
        for attempt in range(3):
            try:
                self._write(rows, skipped, known if attempt == 0 else None)
                return
            except IntegrityError:
                # Another job, or the chunk written beside this one, imported the same images meanwhile:
                # look again (in the transaction), they are known now.
                if attempt == 2:
                    raise
                log.info("import %s: concurrent import of the same images, retrying", self.ctx.job_id)

    def _write(self, rows: list[_Row], skipped: int = 0, known: dict[str, int] | None = None) -> None:
        """`known`: the chunk's images imported before, as `_prepare` found them; None: look in this transaction."""
        ctx = self.ctx
        with ctx.db.session() as session:
            if known is None:
                known = ctx.known_refs(session, sorted({r.ref for r in rows if r.ref}))
            entries: list[Entry] = []
            prepared: list[Any] = []
            writing: list[_Row] = []
            first: dict[str, str] = {}
            ledger: list[dict[str, Any]] = []
            for row in rows:
                if row.task is None and row.new_task is None:
                    ledger.append(self._ledger(row, "refused", None, row.reason, row.detail))
                    continue
                ref = row.ref or ""
                if ref in first:  # the same image twice in one chunk: the first one is imported
                    ledger.append(
                        self._ledger(row, "refused", None, "listed_twice", f"the same image as {first[ref]}")
                    )
                    continue
                first[ref] = row.name
                entry = row.entry
                if entry is None:
                    entry = (
                        Entry(row.name, new_task=row.new_task)
                        if row.task is None
                        else entry_for(row.name, row.task)
                    )
                if known.get(ref) is not None:
                    entry = Entry(
                        entry.name, known[ref], None, entry.predictions, entry.annotations
                    )  # planned in the transaction, against what the task has
                entries.append(entry)
                prepared.append(row.prepared if entry.task_id is None else None)
                writing.append(row)
            shapes = 0

            def ledger_rows(outcomes: list[Outcome]) -> None:
                nonlocal shapes
                for row, entry, outcome in zip(writing, entries, outcomes, strict=True):
                    if outcome.error is not None:
                        ledger.append(
                            self._ledger(row, "refused", None, outcome.code or "refused", outcome.error)
                        )
                        continue
                    shapes += outcome.shapes
                    state = "imported" if entry.new_task is not None else "duplicate"
                    ledger.append(self._ledger(row, state, outcome.task_id))
                if ledger:
                    insert_dicts(session, ImportItem.__table__, ledger)

            self.bulk.write(session, entries, prepared, then=ledger_rows)
            states = Counter(r["state"] for r in ledger)
            states["duplicate"] += skipped
            totals = ctx.add_progress(session, states, shapes)
        ctx.counted(*totals, names=[r.name for r in rows])

    def _ledger(
        self, row: _Row, state: str, task_id: int | None, reason: str = "", detail: str = ""
    ) -> dict[str, Any]:
        return {
            "job_id": self.ctx.job_id,
            "project_id": self.ctx.project_id,
            "name": row.name[:1024],
            "source_ref": row.ref[:1100] if row.ref else None,
            "state": state,
            "reason": reason[:32],
            "detail": detail[:2000],
            "task_id": task_id,
            "asset_sha256": row.task.asset_sha256 if row.task is not None else None,
        }
