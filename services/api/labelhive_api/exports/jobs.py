"""Export jobs: create, run (called by the data job runner), describe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labelhive_outbound import OutboundPolicy
from sqlalchemy import select, update

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.exports.models import ExportJob
from labelhive_api.exports.options import ExportOptions
from labelhive_api.exports.reader import count_tasks
from labelhive_api.exports.service import Exporter
from labelhive_api.jobs.kinds import JobKind, ShouldContinue
from labelhive_api.jobs.state import JobState
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import current_schema
from labelhive_api.storage.config import Storage
from labelhive_api.webhooks.events import Event, emit


def run_export(
    db: Database,
    storage: Storage,
    job_id: int,
    *,
    should_continue: Callable[[], bool] = lambda: True,
    fetch_workers: int = 12,
    page_size: int = 2000,
    outbound: OutboundPolicy | None = None,
) -> None:
    with db.sessions() as session:
        job = session.get(ExportJob, job_id)
        if job is None:
            raise LookupError(f"no export job {job_id}")
        project = session.get(Project, job.project_id)
        assert project is not None
        schema = current_schema(session, project)
        labels = list(schema.labels) if schema else []
        options = ExportOptions.from_dict(dict(job.options))
        project_id = job.project_id
        options_format = job.format
    total = count_tasks(db, project_id, options)
    _update(db, job_id, total=total, done=0, shapes=0)

    def progress(done: int, shapes: int) -> None:
        _update(db, job_id, done=done, shapes=shapes)

    exporter = Exporter(
        db,
        storage,
        project_id,
        job_id,
        options,
        labels,
        fetch_workers=fetch_workers,
        page_size=page_size,
        on_progress=progress,
        outbound=outbound,
    )
    result = exporter.run(should_continue)
    with db.session() as session:
        # Marked finished and announced in one transaction: subscribers hear of every finished export once.
        was = session.scalar(select(ExportJob.state).where(ExportJob.id == job_id).with_for_update())
        session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(
                state=JobState.FINISHED,
                done=result.images,
                total=result.images,  # filters such as skip_empty can leave fewer than the first count
                shapes=result.shapes,
                object_key=result.key,
                size_bytes=result.size,
                report=result.report,
                lease_until=None,
                finished_at=utcnow(),
                error="",
            )
        )
        if was != JobState.FINISHED:
            emit(
                session,
                project_id,
                Event.EXPORT_FINISHED,
                {
                    "export_id": job_id,
                    "format": options_format,
                    "images": result.images,
                    "shapes": result.shapes,
                    "size_bytes": result.size,
                },
            )


def _update(db: Database, job_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


def describe(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "project_id": job.project_id,
        "format": job.format,
        "with_images": job.with_images,
        "options": job.options,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "shapes": job.shapes,
        "size_bytes": job.size_bytes,
        "report": job.report,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def export_kind(
    db: Database, storage: Storage, *, fetch_workers: int = 12, outbound: OutboundPolicy | None = None
) -> JobKind:
    """Exports as a job kind of the runner; `outbound` is the policy for images of tasks by URL."""

    def run(job_id: int, should_continue: ShouldContinue) -> None:
        run_export(
            db,
            storage,
            job_id,
            should_continue=should_continue,
            fetch_workers=fetch_workers,
            outbound=outbound,
        )

    return JobKind("export", ExportJob, run)
