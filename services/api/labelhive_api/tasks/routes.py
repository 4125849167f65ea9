"""/projects/{project_id}/tasks and /batches endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from labelhive_api.api.deps import Access, SessionDep, SettingsDep, require
from labelhive_api.api.schemas import Page, json_response
from labelhive_api.errors import Conflict
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks import next_task as queue
from labelhive_api.tasks import service
from labelhive_api.tasks.access import AnnotatorTask
from labelhive_api.tasks.exceptions import NoTaskAvailable, NotYourTask
from labelhive_api.tasks.schemas import (
    AssignedOut,
    AssignIn,
    AssignTasksIn,
    BatchIn,
    BatchOut,
    NextTaskOut,
    StateCounts,
    TaskOut,
)

router = APIRouter(tags=["tasks"])

Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]
Annotator = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]


@router.get("/projects/{project_id}/tasks", response_model=Page[TaskOut])
def list_tasks(
    access: Viewer,
    session: SessionDep,
    state: Annotated[
        list[Literal["new", "in_progress", "submitted", "accepted", "rejected"]] | None, Query()
    ] = None,
    assignee: Annotated[str | None, Query(pattern=r"^(\d+|none)$")] = None,
    label: Annotated[str | None, Query(max_length=200)] = None,
    batch_id: int | None = None,
    has_prediction: bool | None = None,
    sort: Literal["id", "-id", "updated", "-updated"] = "id",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    flt = service.TaskFilter(
        state=list(state) if state else None,
        assignee=int(assignee) if assignee and assignee != "none" else None,
        unassigned=assignee == "none",
        label=label,
        batch_id=batch_id,
        has_prediction=has_prediction,
    )
    rows, next_cursor = service.list_tasks(
        session, access.project_id, flt, sort=sort, limit=limit, cursor=cursor
    )
    return json_response(
        Page[TaskOut](items=[TaskOut.model_validate(t) for t in rows], next_cursor=next_cursor)
    )


@router.get("/projects/{project_id}/tasks/counts", response_model=StateCounts)
def count_tasks(access: Viewer, session: SessionDep) -> Response:
    counts = service.counts_by_state(session, access.project_id)
    return json_response(StateCounts(counts=counts, total=sum(counts.values())))


@router.get("/projects/{project_id}/tasks/mine")
def my_tasks(
    access: Annotator,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[TaskOut]:
    """An annotator's own work: assigned to them, leased by them, or annotated by them."""
    after = int(service.decode_cursor(cursor)[1]) if cursor else 0
    ids = service.my_task_ids(session, access.project_id, access.user.id, after, limit)
    more = len(ids) > limit
    ids = ids[:limit]
    rows = service.tasks_by_ids(session, ids)
    next_cursor = service.encode_cursor([None, ids[-1]]) if more and ids else None
    return Page[TaskOut](items=[TaskOut.model_validate(t) for t in rows], next_cursor=next_cursor)


@router.post("/projects/{project_id}/tasks/next", response_model=NextTaskOut)
def next_task(
    access: Annotator,
    session: SessionDep,
    settings: SettingsDep,
    skip: Annotated[
        list[int] | None, Query(max_length=500, description="task ids skipped this session")
    ] = None,
) -> Response:
    if access.project.archived_at is not None:
        raise Conflict("this project is archived", code="project_archived")
    lease = access.project.task_lease_seconds or settings.task_lease_seconds
    found = queue.next_task(session, access.project, access.user.id, lease, skip or ())
    if found is None:
        session.commit()  # expired leases given back stay given back
        raise NoTaskAvailable()
    task, expires = found
    out = NextTaskOut(task=TaskOut.model_validate(task), lease_expires_at=expires)
    session.commit()
    return json_response(out)


@router.get("/projects/{project_id}/tasks/{task_id}")
def get_task(task: AnnotatorTask) -> TaskOut:
    return TaskOut.model_validate(task)


@router.post("/projects/{project_id}/tasks/{task_id}/release", status_code=204)
def release_task(task_id: int, access: Annotator, session: SessionDep) -> Response:
    task = service.get_task(session, access.project_id, task_id)
    if not queue.release(session, task, access.user.id):
        raise NotYourTask()
    session.commit()
    return Response(status_code=204)


@router.delete("/projects/{project_id}/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, access: Manager, session: SessionDep) -> Response:
    service.delete_task(session, service.get_task(session, access.project_id, task_id, lock=True))
    session.commit()
    return Response(status_code=204)


@router.post("/projects/{project_id}/tasks/assign")
def assign_tasks(body: AssignTasksIn, access: Manager, session: SessionDep) -> AssignedOut:
    updated = service.assign_tasks(session, access.project_id, body.task_ids, body.assignee_id)
    session.commit()
    return AssignedOut(updated=updated)


@router.get("/projects/{project_id}/batches")
def list_batches(access: Viewer, session: SessionDep) -> list[BatchOut]:
    return [BatchOut.model_validate(b) for b in service.project_batches(session, access.project_id)]


@router.post("/projects/{project_id}/batches", status_code=201)
def create_batch(body: BatchIn, access: Manager, session: SessionDep) -> BatchOut:
    batch = service.create_batch(session, access.project, body.name, body.task_ids)
    session.commit()
    return BatchOut.model_validate(batch)


@router.post("/projects/{project_id}/batches/{batch_id}/assign")
def assign_batch(batch_id: int, body: AssignIn, access: Manager, session: SessionDep) -> AssignedOut:
    batch = service.get_batch(session, access.project_id, batch_id)
    updated = service.assign_batch(session, batch, body.assignee_id)
    session.commit()
    return AssignedOut(updated=updated)
