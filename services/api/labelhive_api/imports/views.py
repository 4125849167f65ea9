"""An import job as the API shows it."""

from __future__ import annotations

from typing import Any

from labelhive_api.imports.models import ImportJob


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
