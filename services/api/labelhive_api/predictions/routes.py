"""Prediction and pre-label endpoints, including the worker's results callback."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from labelhive_api.annotations.access import writer
from labelhive_api.annotations.schemas import AnnotationOut
from labelhive_api.api.deps import Access, DatabaseDep, SessionDep, SettingsDep, require, require_global
from labelhive_api.errors import Unprocessable
from labelhive_api.predictions import interactive, prelabel, prelabel_jobs, service, start
from labelhive_api.predictions.schemas import (
    AcceptIn,
    PredictionIn,
    PredictionOut,
    PrelabelJobIn,
    PrelabelJobOut,
    PrelabelResultIn,
    SegmentIn,
    SegmentOut,
)
from labelhive_api.projects.service import labels_by_value
from labelhive_api.security.permissions import Permission
from labelhive_api.stats.suggestions import suggestion_quality
from labelhive_api.tasks import service as tasks
from labelhive_api.tasks.access import AnnotatorTask, visible_task

router = APIRouter(tags=["predictions"])
log = logging.getLogger("labelhive_api.prelabel")

Annotator = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]
PredictionManager = Annotated[Access, Depends(require(Permission.PREDICTIONS_MANAGE))]
PrelabelRunner = Annotated[Access, Depends(require(Permission.PRELABEL_RUN))]
Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
Worker = Depends(require_global(Permission.WORKER))


@router.get("/projects/{project_id}/tasks/{task_id}/predictions")
def list_predictions(task: AnnotatorTask, session: SessionDep) -> list[PredictionOut]:
    out = []
    for p, job in prelabel_jobs.task_predictions(session, task.id):
        item = PredictionOut.model_validate(p)
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
    task: AnnotatorTask, body: SegmentIn, access: Annotator, session: SessionDep, settings: SettingsDep
) -> SegmentOut:
    """Click-to-segment on the task's image through the worker's interactive endpoint (nothing is stored)."""
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
    return PrelabelJobOut.model_validate(start.start_job(session, db, settings, access, body))


@router.get("/projects/{project_id}/prelabel-jobs")
def list_prelabel_jobs(access: Viewer, session: SessionDep) -> list[PrelabelJobOut]:
    return [PrelabelJobOut.model_validate(j) for j in prelabel_jobs.recent_jobs(session, access.project_id)]


@router.get("/projects/{project_id}/prelabel-jobs/{job_id}")
def get_prelabel_job(job_id: int, access: Viewer, session: SessionDep) -> PrelabelJobOut:
    job = prelabel_jobs.project_job(session, access.project_id, job_id)
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
    job = prelabel_jobs.project_job(session, access.project_id, job_id)
    session.commit()
    prelabel.publish_pending(db, settings, job.id)
    session.refresh(job)
    return PrelabelJobOut.model_validate(job)


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
