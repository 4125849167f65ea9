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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from labelhive_api.imports.bulk import BulkWriter, Entry, entry_for
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.imports.safezip import Refusal
from labelhive_api.imports.sources import Entry as FileEntry
from labelhive_api.projects.models import Project
from labelhive_api.tasks.schemas import TaskIn

if TYPE_CHECKING:
    from labelhive_api.imports.service import ImportRun

log = logging.getLogger(__name__)

TASK_FILE_EXTENSIONS = (".json", ".jsonl", ".ndjson")


@dataclass
class _Row:
    name: str  # ledger key: <file>#<1-based item number>
    task: TaskIn | None = None
    reason: str = ""
    detail: str = ""

    @property
    def ref(self) -> str | None:
        return f"ref:{self.task.image}" if self.task is not None else None


def _items(data: bytes, path: str) -> Iterator[tuple[int, Any]]:
    """(1-based number, parsed item) for each task of the file; a line that is not JSON is yielded as the
    ValueError it raised, so it is reported on its own."""
    if path.lower().endswith((".jsonl", ".ndjson")):
        number = 0
        for line in data.splitlines():
            if not line.strip():
                continue
            number += 1
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                yield number, exc
        return
    parsed = json.loads(data)
    if isinstance(parsed, dict) and isinstance(parsed.get("tasks"), list):
        parsed = parsed["tasks"]
    if not isinstance(parsed, list):
        raise ValueError('a tasks file is a JSON list of tasks, {"tasks": [...]}, or JSON Lines')
    yield from enumerate(parsed, start=1)


def _row(name: str, item: Any) -> _Row:
    if isinstance(item, ValueError):
        return _Row(name, reason="invalid_json", detail=str(item)[:2000])
    try:
        return _Row(name, TaskIn.model_validate(item))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return _Row(name, reason="invalid_task", detail=f"{where}: {err['msg']}"[:2000])


class TaskFileImport:
    """Runs the `tasks` format of one import job (called by ImportRun with the job's files)."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        with run.db.sessions() as session:
            project = session.get(Project, run.project_id)
            assert project is not None
            session.expunge(project)
        self.project = project
        self.chunk_size = run.settings.reference_chunk
        with run.db.sessions() as session:
            run.shapes = int(session.scalar(select(ImportJob.shapes).where(ImportJob.id == run.job_id)) or 0)

    def import_files(self, entries: list[FileEntry | Refusal]) -> None:
        run = self.run
        chunk: list[_Row] = []
        for entry in entries:
            if isinstance(entry, Refusal):
                self._commit([_Row(entry.name, reason=entry.reason, detail=entry.detail)])
                continue
            if not entry.path.lower().endswith(TASK_FILE_EXTENSIONS):
                self._commit([_Row(entry.name, reason="not_a_task_file", detail="expected .json or .jsonl")])
                continue
            lines = entry.path.lower().endswith((".jsonl", ".ndjson"))
            try:
                data = entry.read()
                # JSON Lines are parsed line by line as they are written; a JSON document at once.
                parsed = None if lines else list(_items(data, entry.path))
            except Exception as exc:  # noqa: BLE001 - this file's problem only
                self._commit([_Row(entry.name, reason="invalid_format", detail=f"{exc}"[:2000])])
                continue
            if parsed is None:
                run.total += data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            else:
                run.total += len(parsed)
            for number, item in parsed if parsed is not None else _items(data, entry.path):
                name = f"{entry.name}#{number}"
                if name in run.done_names:
                    continue
                chunk.append(_row(name, item))
                if len(chunk) >= self.chunk_size:
                    self._commit(chunk)
                    chunk = []
        if chunk:
            self._commit(chunk)

    def _commit(self, rows: list[_Row]) -> None:
        self.run._check_continue()
        for attempt in range(3):
            try:
                self._write(rows)
                return
            except IntegrityError:
                # Another job imported the same images meanwhile: look again, they are known now.
                if attempt == 2:
                    raise
                log.info("import %s: concurrent import of the same images, retrying", self.run.job_id)

    def _write(self, rows: list[_Row]) -> None:
        run = self.run
        with run.db.session() as session:
            refs = sorted({r.ref for r in rows if r.ref})
            known = (
                dict(
                    session.execute(
                        select(ImportItem.source_ref, ImportItem.task_id).where(
                            ImportItem.project_id == run.project_id,
                            ImportItem.state == "imported",
                            ImportItem.source_ref.in_(refs),
                        )
                    ).all()
                )
                if refs
                else {}
            )
            entries: list[Entry] = []
            writing: list[_Row] = []
            first: dict[str, str] = {}
            ledger: list[dict[str, Any]] = []
            for row in rows:
                if row.task is None:
                    ledger.append(self._ledger(row, "refused", None, row.reason, row.detail))
                    continue
                ref = row.ref or ""
                if ref in first:  # the same image twice in one chunk: the first one is imported
                    ledger.append(
                        self._ledger(row, "refused", None, "listed_twice", f"the same image as {first[ref]}")
                    )
                    continue
                first[ref] = row.name
                entry = entry_for(row.name, row.task)
                if known.get(ref) is not None:
                    entry.task_id, entry.new_task = known[ref], None
                entries.append(entry)
                writing.append(row)
            outcomes = BulkWriter(self.project, run.created_by, run.options.get("batch_id")).write(
                session, entries
            )
            shapes = 0
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
                session.execute(insert(ImportItem.__table__), ledger)
            counts = {
                s: sum(1 for r in ledger if r["state"] == s) for s in ("imported", "duplicate", "refused")
            }
            imported = run.imported + counts["imported"]
            duplicates = run.duplicates + counts["duplicate"]
            refused = run.refused + counts["refused"]
            seen = run.seen + len(ledger)
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == run.job_id)
                .values(
                    done=imported + duplicates + refused,
                    total=max(run.total, seen),
                    imported=imported,
                    duplicates=duplicates,
                    refused=refused,
                    shapes=run.shapes + shapes,
                )
            )
        run.imported, run.duplicates, run.refused, run.seen = imported, duplicates, refused, seen
        run.shapes += shapes
        run.done_names.update(r.name for r in rows)

    def _ledger(
        self, row: _Row, state: str, task_id: int | None, reason: str = "", detail: str = ""
    ) -> dict[str, Any]:
        return {
            "job_id": self.run.job_id,
            "project_id": self.run.project_id,
            "name": row.name[:1024],
            "source_ref": row.ref[:1100] if row.ref else None,
            "state": state,
            "reason": reason[:32],
            "detail": detail[:2000],
            "task_id": task_id,
            "asset_sha256": row.task.asset_sha256 if row.task is not None else None,
        }
