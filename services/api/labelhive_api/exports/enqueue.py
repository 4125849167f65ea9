"""An export job queued for the runner (`exports/jobs.py` runs it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from labelhive_api.exports.models import ExportJob
from labelhive_api.exports.options import ExportOptions
from labelhive_api.jobs.state import JobState


def create_job(session: Session, project_id: int, user_id: int, options: ExportOptions) -> ExportJob:
    job = ExportJob(
        project_id=project_id,
        created_by=user_id,
        format=options.format,
        with_images=options.with_images,
        options=options.to_dict(),
        state=JobState.QUEUED,
        report={},
    )
    session.add(job)
    return job
