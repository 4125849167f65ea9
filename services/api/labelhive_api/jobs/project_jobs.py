"""A project's job rows (imports, exports) as the API reads and steers them: one job (None when it is
another project's), the latest ones, queued again, cancelled. The runner itself claims them (`leases.py`)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.jobs.state import JobState
from labelhive_api.jobs.table import JobColumns

J = TypeVar("J", bound=JobColumns)


def project_job(session: Session, model: type[J], project_id: int, job_id: int) -> J | None:
    job = session.get(model, job_id)
    return job if job is not None and job.project_id == project_id else None


def latest_jobs(session: Session, model: type[J], project_id: int, limit: int) -> list[J]:
    query = select(model).where(model.project_id == project_id).order_by(model.id.desc()).limit(limit)
    return list(session.scalars(query))


def requeue(job: JobColumns) -> None:
    """Queued again from the start of its ledger: a re-run skips what is done and duplicates nothing."""
    job.state, job.error, job.attempts, job.lease_until = JobState.QUEUED, "", 0, None


def cancel(job: JobColumns) -> bool:
    """Cancels a queued or running job (the runner stops it at its next check); False when it had ended."""
    if job.state not in JobState.ACTIVE:
        return False
    job.state, job.finished_at, job.lease_until = JobState.CANCELLED, utcnow(), None
    return True
