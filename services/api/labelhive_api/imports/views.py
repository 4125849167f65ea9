"""An import job and its per-file ledger as the API shows them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.imports.models import ImportItem, ImportJob


def describe(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "project_id": job.project_id,
        "kind": job.kind,
        "format": job.format,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "imported": job.imported,
        "duplicates": job.duplicates,
        "refused": job.refused,
        "shapes": job.shapes,
        "shapes_refused": int((job.report or {}).get("shapes_refused", 0)),
        "report": job.report,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def ledger_page(session: Session, job_id: int, state: str | None, after: int, limit: int) -> dict[str, Any]:
    """The job's ledger rows after id `after` (optionally one state), keyset paged."""
    query = select(ImportItem).where(ImportItem.job_id == job_id, ImportItem.id > after)
    if state:
        query = query.where(ImportItem.state == state)
    rows = list(session.scalars(query.order_by(ImportItem.id).limit(limit)))
    return {
        "items": [
            {
                "id": r.id,
                "name": r.name,
                "state": r.state,
                "reason": r.reason,
                "detail": r.detail,
                "task_id": r.task_id,
                "sha256": r.asset_sha256,
            }
            for r in rows
        ],
        "next_after": rows[-1].id if len(rows) == limit else None,
    }
