"""GET /projects/{project_id}/stats: cheap enough to poll every few seconds at a million tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import json_document
from labelhive_api.security.permissions import Permission
from labelhive_api.stats.service import project_stats
from labelhive_api.stats.suggestions import suggestion_quality

router = APIRouter(tags=["stats"])

StatsViewer = Annotated[Access, Depends(require(Permission.STATS_VIEW))]


@router.get("/projects/{project_id}/stats", response_model=dict[str, Any])
def stats(
    access: StatsViewer, session: SessionDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> Response:
    return json_document(project_stats(session, access.project_id, days))


@router.get("/projects/{project_id}/stats/suggestions")
def suggestions(
    access: StatsViewer, session: SessionDep, job_id: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    """Per label and model version: precision / recall of suggestions against the annotations of the same
    tasks, and the share of annotated shapes accepted from a suggestion (latest 2,000 annotated tasks)."""
    return {"labels": suggestion_quality(session, access.project_id, job_id=job_id)}
