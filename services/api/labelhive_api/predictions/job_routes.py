"""What the pre-label panel needs beside starting a job: is a queue configured, a job's failed items with
reasons, and starting a job on a task-grid selection ("all N matching" included)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy import select

from labelhive_api.api.deps import Access, DatabaseDep, SessionDep, SettingsDep, require
from labelhive_api.api.schemas import RequestBody
from labelhive_api.predictions import prelabel, start
from labelhive_api.predictions.models import PrelabelItem, PrelabelJob
from labelhive_api.predictions.schemas import PrelabelJobIn, PrelabelJobOut
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks import bulk
from labelhive_api.tasks.models import Task
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
    job = session.get(PrelabelJob, job_id)
    if job is None or job.project_id != access.project_id:
        raise prelabel.JobNotFound()
    query = (
        select(PrelabelItem, Task.filename)
        .join(Task, Task.id == PrelabelItem.task_id)
        .where(PrelabelItem.job_id == job_id, PrelabelItem.task_id > after)
    )
    if state:
        query = query.where(PrelabelItem.state == state)
    rows = session.execute(query.order_by(PrelabelItem.task_id).limit(limit)).all()
    items = []
    for item, filename in rows:
        code, _, message = item.error.partition(": ")
        items.append(
            {
                "task_id": item.task_id,
                "filename": filename,
                "state": item.state,
                "reason": code if item.error else "",
                "detail": message if item.error else "",
                "attempts": item.attempts,
            }
        )
    return {"items": items, "next_after": rows[-1][0].task_id if len(rows) == limit else None}
