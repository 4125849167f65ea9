"""Golden samples: managers and reviewers mark annotated shapes as a label's exemplars (versioned sets)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.exemplars import service
from labelhive_api.exemplars.models import Exemplar, ExemplarSet
from labelhive_api.security.permissions import Permission
from labelhive_api.storage.deps import StorageDep

router = APIRouter(tags=["exemplars"])

Curator = Annotated[Access, Depends(require(Permission.EXEMPLARS_MANAGE))]
Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
LabelPath = Annotated[str, Path(min_length=1, max_length=128)]


class ExemplarIn(RequestBody):
    """A shape of a saved annotation (its id in that annotation's result)."""

    task_id: int
    annotation_id: int
    shape_id: str


class ExemplarOut(ResponseBody):
    id: int
    task_id: int
    annotation_id: int | None
    shape_id: str
    shape: dict[str, Any]
    added_in: int
    removed_in: int | None
    has_thumbnail: bool
    created_by: int | None
    created_at: datetime


class ExemplarSetOut(ResponseBody):
    label: str
    version: int
    updated_at: datetime | None
    exemplars: list[ExemplarOut]


def _out(e: Exemplar) -> ExemplarOut:
    return ExemplarOut(
        id=e.id,
        task_id=e.task_id,
        annotation_id=e.annotation_id,
        shape_id=e.shape_id,
        shape=e.shape,
        added_in=e.added_in,
        removed_in=e.removed_in,
        has_thumbnail=e.thumbnail_key is not None,
        created_by=e.created_by,
        created_at=e.created_at,
    )


def _set_out(session: Any, s: ExemplarSet, version: int | None = None) -> ExemplarSetOut:
    return ExemplarSetOut(
        label=s.label,
        version=s.version if version is None else version,
        updated_at=s.updated_at,
        exemplars=[_out(e) for e in service.members(session, s, version)],
    )


@router.get("/projects/{project_id}/exemplar-sets")
def list_sets(access: Viewer, session: SessionDep) -> list[ExemplarSetOut]:
    return [_set_out(session, s) for s in service.sets(session, access.project_id)]


@router.get("/projects/{project_id}/exemplar-sets/{label}")
def get_set(
    label: LabelPath,
    access: Viewer,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=0, description="an earlier version of the set")] = None,
) -> ExemplarSetOut:
    found = service.get_set(session, access.project_id, label)
    if found is None:
        return ExemplarSetOut(label=label, version=0, updated_at=None, exemplars=[])
    return _set_out(session, found, min(version, found.version) if version is not None else None)


@router.post("/projects/{project_id}/exemplar-sets/{label}/exemplars", status_code=201)
def add_exemplar(
    label: LabelPath, body: ExemplarIn, access: Curator, session: SessionDep, storage: StorageDep
) -> ExemplarSetOut:
    _, found = service.add(
        session,
        storage,
        access.project,
        access.user.id,
        label,
        body.task_id,
        body.annotation_id,
        body.shape_id,
    )
    session.commit()
    return _set_out(session, found)


@router.delete("/projects/{project_id}/exemplars/{exemplar_id}")
def remove_exemplar(exemplar_id: int, access: Curator, session: SessionDep) -> ExemplarSetOut:
    found = service.remove(session, access.project_id, exemplar_id, access.user.id)
    session.commit()
    return _set_out(session, found)


@router.get("/projects/{project_id}/exemplars/{exemplar_id}/thumbnail")
def thumbnail(exemplar_id: int, access: Viewer, session: SessionDep, storage: StorageDep) -> Response:
    key = service.thumbnail_key(session, access.project_id, exemplar_id)
    session.commit()
    data = storage.target.get(key)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})
