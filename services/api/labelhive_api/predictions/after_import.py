"""The automatic pre-label after an import: when the project asks for it, an exemplar job on the import's
new tasks."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from labelhive_api.db.engine import Database
from labelhive_api.errors import Unprocessable
from labelhive_api.exemplars.jobs import exemplar_options
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.predictions import prelabel
from labelhive_api.projects.models import Project
from labelhive_api.settings import Settings

log = logging.getLogger("labelhive_api.exemplars")


def after_import(db: Database, import_job_id: int, settings: Settings) -> int | None:
    """When the project asks for it, an exemplar job on the import's new tasks; its id goes in the import's
    report (or why none ran). Never raises: the import itself already succeeded."""
    try:
        return _after_import(db, settings, import_job_id)
    except Exception:
        log.exception("automatic pre-label after import %s failed", import_job_id)
        return None


def _after_import(db: Database, settings: Settings, import_job_id: int) -> int | None:
    with db.session() as session:
        job = session.get(ImportJob, import_job_id)
        project = session.get(Project, job.project_id) if job is not None else None
        if job is None or project is None or not project.auto_prelabel:
            return None
        task_ids = list(
            session.scalars(
                select(ImportItem.task_id).where(
                    ImportItem.job_id == import_job_id,
                    ImportItem.state == "imported",
                    ImportItem.task_id.is_not(None),
                )
            )
        )
        note: dict[str, Any]
        prelabel_job_id = None
        if not task_ids:
            note = {"skipped": "no_new_tasks"}
        elif not settings.amqp_url:
            note = {"skipped": "prelabel_unavailable"}
        else:
            try:
                section, report = exemplar_options(session, project, None, {}, 100)
            except Unprocessable as exc:
                note = {"skipped": exc.code}
            else:
                created = prelabel.create_job(
                    session,
                    project.id,
                    job.created_by,
                    task_ids,
                    model="mobile-sam",
                    mode="exemplar",
                    options={"exemplar": section},
                )
                created.report = report
                prelabel_job_id = created.id
                note = {"job_id": created.id}
        job.report = {**(job.report or {}), "prelabel": note}
    if prelabel_job_id is not None:
        prelabel.publish_pending(db, settings, prelabel_job_id)
    return prelabel_job_id
