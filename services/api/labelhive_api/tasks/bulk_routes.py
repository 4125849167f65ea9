"""/projects/{project_id}/bulk/tasks/*: count, assign, move to a batch, release, delete and batch a selection.

A selection is either `task_ids` or `filter` (the task list's filters: "select all N matching").
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.errors import Unprocessable
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks import bulk, service
from labelhive_api.tasks.schemas import BatchOut, SelectionIn

router = APIRouter(tags=["tasks"])

Viewer = Annotated[Access, Depends(require(Permission.TASKS_VIEW))]
Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]


class SelectedIn(RequestBody):
    selection: SelectionIn


class BulkAssignIn(SelectedIn):
    """`assignee_id` (null: unassign) or `batch_id` (move the tasks into that batch)."""

    assignee_id: int | None = None
    batch_id: int | None = None
    to: Literal["person", "batch"] = "person"


class BulkBatchIn(SelectedIn):
    name: str = Field(min_length=1, max_length=200)
    assignee_id: int | None = None


class CountOut(ResponseBody):
    count: int


class ChangedOut(ResponseBody):
    updated: int


@router.post("/projects/{project_id}/bulk/tasks/count")
def count_selection(body: SelectionIn, access: Viewer, session: SessionDep) -> CountOut:
    """How many tasks a selection holds (the grid's "select all N matching")."""
    return CountOut(count=bulk.count(session, access.project_id, body.selection()))


@router.post("/projects/{project_id}/bulk/tasks/assign")
def bulk_assign(body: BulkAssignIn, access: Manager, session: SessionDep) -> ChangedOut:
    ids = bulk.resolve(session, access.project_id, body.selection.selection())
    if body.to == "batch":
        if body.batch_id is None:
            raise Unprocessable("choose a batch", code="batch_required")
        batch = service.get_batch(session, access.project_id, body.batch_id)
        updated = bulk.move_to_batch(session, access.project_id, ids, batch)
    else:
        updated = bulk.assign(session, access.project_id, ids, body.assignee_id)
    session.commit()
    return ChangedOut(updated=updated)


@router.post("/projects/{project_id}/bulk/tasks/release")
def bulk_release(body: SelectedIn, access: Manager, session: SessionDep) -> ChangedOut:
    """Leases end and assignees are cleared: the tasks go back to the shared queue."""
    ids = bulk.resolve(session, access.project_id, body.selection.selection())
    updated = bulk.release(session, access.project_id, ids)
    session.commit()
    return ChangedOut(updated=updated)


@router.post("/projects/{project_id}/bulk/tasks/delete")
def bulk_delete(body: SelectedIn, access: Manager, session: SessionDep) -> ChangedOut:
    ids = bulk.resolve(session, access.project_id, body.selection.selection())
    updated = bulk.delete_tasks(session, access.project_id, ids)
    session.commit()
    return ChangedOut(updated=updated)


@router.post("/projects/{project_id}/bulk/tasks/batch", status_code=201)
def bulk_batch(body: BulkBatchIn, access: Manager, session: SessionDep) -> BatchOut:
    """A new batch holding the selection, optionally assigned to one person."""
    ids = bulk.resolve(session, access.project_id, body.selection.selection())
    batch = bulk.create_batch(session, access.project, body.name, ids, body.assignee_id)
    session.commit()
    return BatchOut.model_validate(batch)
