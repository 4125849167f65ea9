"""Pre-label jobs and predictions as the API reads them: a task's predictions with the jobs that made them,
one project's recent jobs, one job (404 when it is another project's), a job's items keyset-paged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.predictions.models import Prediction, PrelabelItem, PrelabelJob
from labelhive_api.predictions.prelabel import JobNotFound
from labelhive_api.tasks.models import Task

RECENT_JOBS = 100


def task_predictions(session: Session, task_id: int) -> list[tuple[Prediction, PrelabelJob | None]]:
    rows = list(
        session.scalars(select(Prediction).where(Prediction.task_id == task_id).order_by(Prediction.id))
    )
    job_ids = {p.job_id for p in rows if p.job_id is not None}
    jobs = (
        {j.id: j for j in session.scalars(select(PrelabelJob).where(PrelabelJob.id.in_(job_ids)))}
        if job_ids
        else {}
    )
    return [(p, jobs.get(p.job_id) if p.job_id is not None else None) for p in rows]


def recent_jobs(session: Session, project_id: int) -> list[PrelabelJob]:
    return list(
        session.scalars(
            select(PrelabelJob)
            .where(PrelabelJob.project_id == project_id)
            .order_by(PrelabelJob.id.desc())
            .limit(RECENT_JOBS)
        )
    )


def project_job(session: Session, project_id: int, job_id: int) -> PrelabelJob:
    job = session.get(PrelabelJob, job_id)
    if job is None or job.project_id != project_id:
        raise JobNotFound()
    return job


def job_items(session: Session, job_id: int, state: str | None, after: int, limit: int) -> dict[str, Any]:
    """A job's items in task order after `after`, each with its reason code and message split apart."""
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
