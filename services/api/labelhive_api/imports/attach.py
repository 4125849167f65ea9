"""Imported shapes onto tasks: as predictions (idempotent per task + model version) or as the importing
user's annotations (skipped when that user already annotated the task).

Each image's shapes are judged one by one (`formats.checks.check_shapes`): refused ones are reported with
their reason and the image keeps the rest, written in one transaction (per-image atomicity)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from labelhive_api.accounts.models import User
from labelhive_api.annotations import service as annotation_service
from labelhive_api.annotations.exceptions import AnnotationExists
from labelhive_api.db.engine import Database
from labelhive_api.errors import AppError
from labelhive_api.formats.checks import LabelLookup, check_shapes
from labelhive_api.formats.model import ImageItem
from labelhive_api.imports.service import task_for_filename
from labelhive_api.predictions import service as predictions
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
        of it); per-task problems are collected in `errors`."""
        attached = 0
        with self.db.session() as session:
            project = session.get(Project, self.project_id)
            assert project is not None
            user = session.get(User, self.user_id) if self.user_id is not None else None
            tasks = {
                t.id: t for t in session.scalars(select(Task).where(Task.id.in_([tid for tid, _ in batch])))
            }
            for task_id, item in batch:
                task = tasks.get(task_id)
                if task is None:
                    continue
                checked = check_shapes(item.shapes, self.matcher, task.width, task.height)
                self._report(item.file_name, checked.refused)
                self.losses.update(checked.losses)
                shapes = checked.shapes
                if not shapes:
                    continue
                nested = session.begin_nested()
                try:
                    if self.mode == "annotations" and user is not None:
                        writer = annotation_service.Writer(user=user, may_edit_others=False)
                        annotation_service.create(session, project, task, writer, shapes, lead_time_ms=0)
                    else:
                        scores = [s["score"] for s in shapes if s.get("score") is not None]
                        score = sum(scores) / len(scores) if scores else None
                        predictions.store(session, task, self.model_version, shapes, score=score)
                    nested.commit()
                    attached += len(shapes)
                except AnnotationExists:
                    nested.rollback()  # attached by an earlier run of this import: still counted
                    attached += len(shapes)
                except AppError as exc:
                    nested.rollback()
                    self.errors.append(f"{item.file_name}: {exc.detail}")
                    self.shapes_refused += len(shapes)
        return attached

    def _report(self, file_name: str, refused: list[Any]) -> None:
        self.shapes_refused += len(refused)
        for shape in refused[: max(0, REPORTED - len(self.refused_shapes))]:
            self.refused_shapes.append({"file": file_name, **shape.as_dict()})
