"""What the pre-label panel needs beside starting a job: is a queue configured, a job's failed items with
reasons, and starting a job on a task-grid selection ("all N matching" included)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from labelhive_api.api.deps import Access, DatabaseDep, SessionDep, SettingsDep, require
from labelhive_api.api.schemas import RequestBody
from labelhive_api.predictions import prelabel_jobs, start
from labelhive_api.predictions.schemas import PrelabelJobIn, PrelabelJobOut
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks import bulk
from labelhive_api.tasks.schemas import SelectionIn

router = APIRouter(tags=["predictions"])

Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
PrelabelRunner = Annotated[Access, Depends(require(Permission.PRELABEL_RUN))]


class SelectionPrelabelIn(RequestBody):
    selection: SelectionIn
    model: Literal["mobile-sam", "sam-vit-b", "sam-vit-l", "sam-vit-h"] = "mobile-sam"
    mode: Literal["box", "points", "auto"] = "auto"
    label_mapping: dict[str, str] | None = Field(None, description="model class -> project label value")


@router.get("/projects/{project_id}/prelabel/status")
def prelabel_status(access: Viewer, settings: SettingsDep) -> dict[str, Any]:
    """Whether this deployment has a pre-label queue; without one, jobs cannot start."""
    return {"queue_configured": bool(settings.amqp_url), "interactive": bool(settings.interactive_url)}


@router.post("/projects/{project_id}/prelabel-jobs/from-selection", status_code=202)
def start_on_selection(
    body: SelectionPrelabelIn,
    access: PrelabelRunner,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
) -> PrelabelJobOut:
    ids = bulk.resolve(session, access.project_id, body.selection.selection())
    job_in = PrelabelJobIn(task_ids=ids, model=body.model, mode=body.mode, label_mapping=body.label_mapping)
    return PrelabelJobOut.model_validate(start.start_job(session, db, settings, access, job_in))


@router.get("/projects/{project_id}/prelabel-jobs/{job_id}/items")
def prelabel_items(
    job_id: int,
    access: Viewer,
    session: SessionDep,
    state: Annotated[Literal["queued", "published", "done", "failed"] | None, Query()] = "failed",
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """A job's items (default: the failed ones), each with its reason code and message, keyset paged."""
    prelabel_jobs.project_job(session, access.project_id, job_id)
    return prelabel_jobs.job_items(session, job_id, state, after, limit)
