"""Starting a pre-label job: the tasks it covers, its options per mode, and publishing after the commit."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.api.deps import Access
from labelhive_api.db.engine import Database
from labelhive_api.errors import ServiceUnavailable, Unprocessable
from labelhive_api.exemplars import jobs as exemplar_jobs
from labelhive_api.predictions import prelabel
from labelhive_api.predictions.models import PrelabelJob
from labelhive_api.predictions.schemas import ExemplarJobIn, PrelabelJobIn
from labelhive_api.projects.service import labels_by_value
from labelhive_api.settings import Settings
from labelhive_api.tasks import service as tasks
from labelhive_api.tasks.models import Task

log = logging.getLogger("labelhive_api.prelabel")


def start_job(
    session: Session, db: Database, settings: Settings, access: Access, body: PrelabelJobIn
) -> PrelabelJob:
    """Creates the job and its items, commits, then publishes one message per item (503 without a queue,
    422 when nothing is selected)."""
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
    publish(db, settings, job.id)
    session.refresh(job)
    return job


def publish(db: Database, settings: Settings, job_id: int) -> None:
    """Publishes the job's queued items; on a broker failure they stay queued for `/publish`."""
    try:
        prelabel.publish_pending(db, settings, job_id)
    except Exception:
        log.warning("pre-label publish failed for job %s; items stay queued", job_id, exc_info=True)
