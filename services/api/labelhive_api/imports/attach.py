"""Imported shapes onto tasks: as predictions (idempotent per task + model version) or as the importing
user's annotations (skipped when that user already annotated the task).

Each image's shapes are judged one by one (`formats.checks.check_shapes`): refused ones are reported with
their reason and the image keeps the rest; a batch of images is written in one transaction, set-based."""

from __future__ import annotations

import posixpath
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.db.engine import Database
from labelhive_api.formats.checks import LabelLookup, check_shapes
from labelhive_api.formats.model import ImageItem
from labelhive_api.imports.bulk import BulkWriter, Entry, PredictionIn
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import current_schema
from labelhive_api.tasks.models import Task

REPORTED = 200


class Attacher:
    def __init__(
        self, db: Database, project_id: int, user_id: int | None, options: dict[str, Any], fmt: str
    ) -> None:
        self.db = db
        self.project_id = project_id
        self.user_id = user_id
        self.mode = str(options.get("annotations_as", "predictions"))
        self.model_version = str(options.get("model_version") or f"import:{fmt}")
        with db.sessions() as session:
            project = session.get(Project, project_id)
            assert project is not None
            schema = current_schema(session, project)
            labels = list(schema.labels) if schema else []
        self.matcher = LabelLookup(labels, options.get("label_map") or {})
        self.errors: list[str] = []
        self.shapes_refused = 0
        self.refused_shapes: list[dict[str, Any]] = []  # the first REPORTED, with file and reason
        self.losses: Counter[str] = Counter()

    def existing_task(self, file_name: str) -> int | None:
        with self.db.sessions() as session:
            return task_for_filename(session, self.project_id, file_name)

    def attach(self, batch: list[tuple[int, ImageItem]]) -> int:
        """Returns how many shapes the tasks now carry from this import (attached now or by an earlier run
        of it); per-task problems are collected in `errors`. The batch is written in one transaction by
        the set-based bulk path (`imports.bulk`)."""
        attached = 0
        with self.db.session() as session:
            project = session.get(Project, self.project_id)
            assert project is not None
            sizes = {
                row.id: (row.width, row.height)
                for row in session.execute(
                    select(Task.id, Task.width, Task.height).where(
                        Task.id.in_([tid for tid, _ in batch]), Task.project_id == self.project_id
                    )
                )
            }
            as_annotations = self.mode == "annotations" and self.user_id is not None
            entries: list[Entry] = []
            for task_id, item in batch:
                if task_id not in sizes:
                    continue
                checked = check_shapes(item.shapes, self.matcher, *sizes[task_id])
                self._report(item.file_name, checked.refused)
                self.losses.update(checked.losses)
                shapes = checked.shapes
                if not shapes:
                    continue
                if as_annotations:
                    entries.append(Entry(item.file_name, task_id, annotations=[shapes]))
                else:
                    scores = [s["score"] for s in shapes if s.get("score") is not None]
                    score = sum(scores) / len(scores) if scores else None
                    entries.append(
                        Entry(
                            item.file_name,
                            task_id,
                            predictions=[PredictionIn(self.model_version, shapes, score)],
                        )
                    )
            writer = BulkWriter(project, self.user_id if as_annotations else None)
            for entry, outcome in zip(entries, writer.write(session, entries), strict=True):
                if outcome.error is None:
                    attached += outcome.shapes
                else:
                    self.errors.append(outcome.error)
                    self.shapes_refused += sum(len(p.result) for p in entry.predictions) + sum(
                        len(a) for a in entry.annotations
                    )
        return attached

    def _report(self, file_name: str, refused: list[Any]) -> None:
        self.shapes_refused += len(refused)
        for shape in refused[: max(0, REPORTED - len(self.refused_shapes))]:
            self.refused_shapes.append({"file": file_name, **shape.as_dict()})


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
