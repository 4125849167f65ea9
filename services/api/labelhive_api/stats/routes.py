"""GET /projects/{project_id}/stats: cheap enough to poll every few seconds at a million tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.security.permissions import Permission
from labelhive_api.stats.service import project_stats

router = APIRouter(tags=["stats"])

StatsViewer = Annotated[Access, Depends(require(Permission.STATS_VIEW))]


@router.get("/projects/{project_id}/stats")
def stats(
    access: StatsViewer, session: SessionDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> dict[str, Any]:
    return project_stats(session, access.project_id, days)
