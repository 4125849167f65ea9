"""Predictions: stored once per task and model version; accepted into an annotation in one call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.annotations import service as annotation_service
from labelhive_api.annotations.models import Annotation
from labelhive_api.annotations.shapes import validate_result
from labelhive_api.errors import NotFound
from labelhive_api.predictions.models import Prediction
from labelhive_api.projects.models import Project
from labelhive_api.tasks.models import Task


class PredictionNotFound(NotFound):
    code = "prediction_not_found"
    title = "Prediction not found"


def store(
    session: Session,
    task: Task,
    model_version: str,
    result: list[Any],
    score: float | None = None,
    job_id: int | None = None,
) -> tuple[Prediction, bool]:
    """Idempotent per (task, model_version): a second call returns the first prediction and False."""
    existing = session.scalar(
        select(Prediction).where(Prediction.task_id == task.id, Prediction.model_version == model_version)
    )
    if existing is not None:
        return existing, False
    shapes = validate_result(result, None, task.width, task.height)
    nested = session.begin_nested()
    prediction = Prediction(
        project_id=task.project_id,
        task_id=task.id,
        model_version=model_version,
        result=shapes,
        score=score,
        job_id=job_id,
    )
    session.add(prediction)
    try:
        session.flush()
    except Exception:
        # A concurrent identical delivery won the unique (task_id, model_version): return that one.
        nested.rollback()
        again = session.scalar(
            select(Prediction).where(Prediction.task_id == task.id, Prediction.model_version == model_version)
        )
        if again is None:
            raise
        return again, False
    nested.commit()
    task.has_prediction = True
    return prediction, True


def get(session: Session, project_id: int, prediction_id: int) -> Prediction:
    prediction = session.get(Prediction, prediction_id)
    if prediction is None or prediction.project_id != project_id:
        raise PredictionNotFound()
    return prediction


def accept(
    session: Session,
    project: Project,
    prediction: Prediction,
    writer: annotation_service.Writer,
    base_version: int | None,
    lead_time_ms: int,
) -> Annotation:
    """The prediction's shapes become the caller's annotation (new, or a new version of theirs)."""
    task = session.get(Task, prediction.task_id)
    assert task is not None
    mine = session.scalar(
        select(Annotation).where(Annotation.task_id == task.id, Annotation.user_id == writer.user.id)
    )
    result: list[dict[str, Any]] = [dict(s) for s in prediction.result]
    if mine is None:
        return annotation_service.create(
            session, project, task, writer, result, lead_time_ms, prediction_id=prediction.id
        )
    return annotation_service.update_result(
        session,
        project,
        mine.id,
        writer,
        base_version if base_version is not None else -1,
        result,
        lead_time_ms,
        prediction_id=prediction.id,
    )
