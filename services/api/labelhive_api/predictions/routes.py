"""Prediction and pre-label endpoints, including the worker's results callback."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator
from sqlalchemy import select

from labelhive_api.annotations.routes import writer
from labelhive_api.annotations.schemas import AnnotationOut
from labelhive_api.api.deps import Access, DatabaseDep, SessionDep, SettingsDep, require, require_global
from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.db.engine import Database
from labelhive_api.errors import ServiceUnavailable, Unprocessable
from labelhive_api.exemplars import jobs as exemplar_jobs
from labelhive_api.predictions import interactive, prelabel, service
from labelhive_api.predictions.models import Prediction, PrelabelJob
from labelhive_api.projects.service import labels_by_value
from labelhive_api.security.permissions import Permission
from labelhive_api.settings import Settings
from labelhive_api.stats.suggestions import suggestion_quality
from labelhive_api.tasks import service as tasks
from labelhive_api.tasks.models import Task
from labelhive_api.tasks.routes import visible_task

router = APIRouter(tags=["predictions"])
log = logging.getLogger("labelhive_api.prelabel")

Annotator = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]
PredictionManager = Annotated[Access, Depends(require(Permission.PREDICTIONS_MANAGE))]
PrelabelRunner = Annotated[Access, Depends(require(Permission.PRELABEL_RUN))]
Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
Worker = Depends(require_global(Permission.WORKER))


class PredictionIn(RequestBody):
    model_version: str = Field(min_length=1, max_length=200)
    result: list[dict[str, Any]] = Field(max_length=5000)
    score: float | None = None


class PredictionOut(ResponseBody):
    id: int
    task_id: int
    model_version: str
    result: list[dict[str, Any]]
    score: float | None
    job_id: int | None
    created_at: datetime
    exemplar_sets: dict[str, int] | None = Field(
        None, description="exemplar mode: the set version per label that produced these suggestions"
    )


class AcceptIn(RequestBody):
    version: int | None = Field(
        None, ge=1, description="your annotation's version, when you already have one"
    )
    lead_time_ms: int = Field(0, ge=0)


class ExemplarJobIn(RequestBody):
    """Exemplar mode: which labels to search (default: every label with exemplars) and their thresholds."""

    labels: list[str] | None = Field(None, min_length=1, max_length=50)
    thresholds: dict[str, float] = Field(default_factory=dict, max_length=50)
    max_instances: int = Field(100, ge=1, le=500)

    @model_validator(mode="after")
    def _thresholds(self) -> ExemplarJobIn:
        if any(not 0 <= v <= 1 for v in self.thresholds.values()):
            raise ValueError("thresholds must lie between 0 and 1")
        return self


class PrelabelJobIn(RequestBody):
    task_ids: list[int] | None = Field(None, max_length=100000)
    batch_id: int | None = None
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    mode: Literal["box", "points", "auto", "exemplar"] = "auto"
    auto: dict[str, Any] | None = None
    exemplar: ExemplarJobIn | None = None
    output: dict[str, Any] | None = None
    label_mapping: dict[str, str] | None = None
    label_parents: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> PrelabelJobIn:
        if (self.task_ids is None) == (self.batch_id is None):
            raise ValueError("give exactly one of task_ids or batch_id")
        return self


class SegmentIn(RequestBody):
    """A click (points) and/or a box on the task's image; shapes come back with `label`."""

    points: list[tuple[float, float, Literal[0, 1]]] | None = Field(None, min_length=1, max_length=64)
    box: dict[str, float] | None = None
    label: str = Field(min_length=1, max_length=128)
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    simplify_tolerance: float = Field(1.0, ge=0, le=50)

    @model_validator(mode="after")
    def _prompt(self) -> SegmentIn:
        if self.points is None and self.box is None:
            raise ValueError("give points, a box, or both")
        if self.box is not None and set(self.box) != {"x", "y", "w", "h"}:
            raise ValueError("box needs exactly x, y, w, h")
        return self


class SegmentOut(ResponseBody):
    model_version: str
    shapes: list[dict[str, Any]]
    score: float | None = None
    embedding_cached: bool


class PrelabelJobOut(ResponseBody):
    id: int
    project_id: int
    model: str
    mode: str
    state: str
    total: int
    done: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    report: dict[str, Any] = Field(default_factory=dict)


class PrelabelResultIn(RequestBody):
    """prelabel-result.v1 (contracts/prelabel-result.v1.schema.json)."""

    version: Literal[1]
    job_id: str = Field(max_length=128)
    project_id: str = Field(max_length=128)
    task_id: str = Field(max_length=128)
    model: str = Field(max_length=128)
    model_version: str = Field(pattern=r"^[A-Za-z0-9._-]+@[0-9a-f]{12}(\+ex\.[0-9a-f]{8})?$")
    status: Literal["done", "failed"]
    reason: dict[str, Any] | None = None
    shapes: list[dict[str, Any]] = Field(max_length=10000)
    unmapped: list[dict[str, Any]]
    image: dict[str, Any] | None = None
    embedding: dict[str, Any] | None = None
    exemplar: dict[str, Any] | None = None
    attempts: int | None = None
    timings: dict[str, float] | None = None
    worker: str | None = None


@router.get("/projects/{project_id}/tasks/{task_id}/predictions")
def list_predictions(task_id: int, access: Annotator, session: SessionDep) -> list[PredictionOut]:
    task = visible_task(session, access, task_id)
    rows = list(
        session.scalars(select(Prediction).where(Prediction.task_id == task.id).order_by(Prediction.id))
    )
    job_ids = {p.job_id for p in rows if p.job_id is not None}
    jobs = (
        {j.id: j for j in session.scalars(select(PrelabelJob).where(PrelabelJob.id.in_(job_ids)))}
        if job_ids
        else {}
    )
    out = []
    for p in rows:
        item = PredictionOut.model_validate(p)
        job = jobs.get(p.job_id) if p.job_id is not None else None
        if job is not None and job.mode == "exemplar":
            labels = (job.report or {}).get("labels") or {}
            item.exemplar_sets = {label: int(entry.get("version", 0)) for label, entry in labels.items()}
        out.append(item)
    return out


@router.post("/projects/{project_id}/tasks/{task_id}/predictions", status_code=201)
def add_prediction(
    task_id: int, body: PredictionIn, access: PredictionManager, session: SessionDep
) -> JSONResponse:
    task = tasks.get_task(session, access.project_id, task_id)
    prediction, created = service.store(session, task, body.model_version, body.result, body.score)
    session.commit()
    out = PredictionOut.model_validate(prediction).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200)


@router.post("/projects/{project_id}/predictions/{prediction_id}/accept", status_code=201)
def accept_prediction(
    prediction_id: int, body: AcceptIn, access: Annotator, session: SessionDep
) -> AnnotationOut:
    prediction = service.get(session, access.project_id, prediction_id)
    visible_task(session, access, prediction.task_id)
    ann = service.accept(session, access.project, prediction, writer(access), body.version, body.lead_time_ms)
    session.commit()
    return AnnotationOut.model_validate(ann)


@router.post("/projects/{project_id}/tasks/{task_id}/segment")
def segment_task(
    task_id: int, body: SegmentIn, access: Annotator, session: SessionDep, settings: SettingsDep
) -> SegmentOut:
    """Click-to-segment on the task's image through the worker's interactive endpoint (nothing is stored)."""
    task = visible_task(session, access, task_id)
    if body.label not in labels_by_value(session, access.project):
        raise Unprocessable(
            f"label {body.label!r} is not in the project's label schema", code="invalid_shape"
        )
    prompt = body.model_dump(include={"points", "box", "label", "simplify_tolerance"}, exclude_none=True)
    if "points" in prompt:
        prompt["points"] = [list(p) for p in prompt["points"]]
    session.commit()  # no transaction stays open while the model works
    answer = interactive.segment(settings, task, body.model, prompt)
    return SegmentOut.model_validate(answer)


@router.post("/projects/{project_id}/prelabel-jobs", status_code=202)
def start_prelabel(
    body: PrelabelJobIn, access: PrelabelRunner, session: SessionDep, db: DatabaseDep, settings: SettingsDep
) -> PrelabelJobOut:
    if not settings.amqp_url:
        raise ServiceUnavailable(
            "no pre-label queue configured (LABELHIVE_AMQP_URL)", code="prelabel_unavailable"
        )
    if body.batch_id is not None:
        tasks.get_batch(session, access.project_id, body.batch_id)
        task_ids = list(session.scalars(select(Task.id).where(Task.batch_id == body.batch_id)))
    else:
        task_ids = list(dict.fromkeys(body.task_ids or []))
    if not task_ids:
        raise Unprocessable("no tasks selected", code="no_tasks")
    options = body.model_dump(include={"auto", "output", "label_mapping", "label_parents"}, exclude_none=True)
    report: dict[str, Any] = {}
    if body.mode == "exemplar":
        wanted = body.exemplar or ExemplarJobIn()
        options["exemplar"], report = exemplar_jobs.exemplar_options(
            session, access.project, wanted.labels, wanted.thresholds, wanted.max_instances
        )
    if "label_mapping" not in options:
        # Classes that already are project label values (imported boxes) map to themselves.
        options["label_mapping"] = {value: value for value in labels_by_value(session, access.project)}
    job = prelabel.create_job(
        session,
        access.project_id,
        access.user.id,
        task_ids,
        model=body.model,
        mode=body.mode,
        options=options,
    )
    job.report = report
    session.commit()
    # Only after the commit: a worker may post results the moment a message is out.
    _publish(db, settings, job.id)
    session.refresh(job)
    return PrelabelJobOut.model_validate(job)


@router.get("/projects/{project_id}/prelabel-jobs")
def list_prelabel_jobs(access: Viewer, session: SessionDep) -> list[PrelabelJobOut]:
    rows = session.scalars(
        select(PrelabelJob)
        .where(PrelabelJob.project_id == access.project_id)
        .order_by(PrelabelJob.id.desc())
        .limit(100)
    )
    return [PrelabelJobOut.model_validate(j) for j in rows]


@router.get("/projects/{project_id}/prelabel-jobs/{job_id}")
def get_prelabel_job(job_id: int, access: Viewer, session: SessionDep) -> PrelabelJobOut:
    job = session.get(PrelabelJob, job_id)
    if job is None or job.project_id != access.project_id:
        raise prelabel.JobNotFound()
    out = PrelabelJobOut.model_validate(job)
    if job.mode == "exemplar":
        out.report = {
            **(job.report or {}),
            "quality": suggestion_quality(session, job.project_id, job_id=job.id),
        }
    return out


@router.post("/projects/{project_id}/prelabel-jobs/{job_id}/publish")
def republish_prelabel_job(
    job_id: int, access: PrelabelRunner, session: SessionDep, db: DatabaseDep, settings: SettingsDep
) -> PrelabelJobOut:
    """Publish items still waiting (e.g. the queue was down when the job was created)."""
    job = session.get(PrelabelJob, job_id)
    if job is None or job.project_id != access.project_id:
        raise prelabel.JobNotFound()
    session.commit()
    prelabel.publish_pending(db, settings, job.id)
    session.refresh(job)
    return PrelabelJobOut.model_validate(job)


def _publish(db: Database, settings: Settings, job_id: int) -> None:
    try:
        prelabel.publish_pending(db, settings, job_id)
    except Exception:
        log.warning("pre-label publish failed for job %s; items stay queued", job_id, exc_info=True)


@router.post("/prelabel/results", dependencies=[Worker])
def prelabel_result(
    body: PrelabelResultIn,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(max_length=300)] = None,
) -> dict[str, Any]:
    if idempotency_key and idempotency_key != f"{body.task_id}:{body.model_version}":
        raise Unprocessable(
            "Idempotency-Key must be <task_id>:<model_version>", code="idempotency_key_mismatch"
        )
    prediction_id, created = prelabel.receive_result(session, body.model_dump())
    session.commit()
    return {"prediction_id": prediction_id, "created": created}
