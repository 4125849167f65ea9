"""POST /projects/{project_id}/tasks: tasks by reference, with their pre-labels, through the bulk path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.errors import Unprocessable
from labelhive_api.imports.bulk import BulkWriter, entry_for
from labelhive_api.imports.jobs import IMAGE_SIZES
from labelhive_api.jobs.deps import Jobs, JobsDep
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks.schemas import CreatedIds, TasksIn
from labelhive_api.tasks.service import add_tasks, get_batch

router = APIRouter(tags=["tasks"])

Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]


@router.post("/projects/{project_id}/tasks", status_code=201)
def create_tasks(body: TasksIn, access: Manager, session: SessionDep, jobs: JobsDep) -> CreatedIds:
    """Tasks by reference (storage keys or URLs; no bytes fetched), each with optional pre-labels:
    `predictions` and `annotations` (the caller's). All or nothing: any refused task makes it a 422 that
    lists every refused task by index."""
    batch_ids = {t.batch_id for t in body.tasks if t.batch_id is not None}
    for batch_id in batch_ids:
        get_batch(session, access.project_id, batch_id)
    if not any(t.predictions or t.annotations for t in body.tasks):
        ids = add_tasks(session, access.project_id, [t.model_dump() for t in body.tasks])
        session.commit()
        _look_up_sizes(jobs, body)
        return CreatedIds(ids=ids)
    entries = [entry_for(f"tasks[{n}]", task) for n, task in enumerate(body.tasks)]
    outcomes = BulkWriter(access.project, access.user.id).write(session, entries)
    refused = [(n, o) for n, o in enumerate(outcomes) if o.error is not None]
    if refused:
        session.rollback()
        raise Unprocessable(
            f"{len(refused)} of {len(entries)} tasks refused; the first: {refused[0][1].error}",
            code="tasks_refused",
            errors=[{"index": n, "code": o.code, "detail": o.error} for n, o in refused[:100]],
        )
    session.commit()
    _look_up_sizes(jobs, body)
    return CreatedIds(ids=[o.task_id for o in outcomes if o.task_id is not None])


def _look_up_sizes(jobs: Jobs, body: TasksIn) -> None:
    """Tasks given without their image's size get it in the background (imports/sizing.py)."""
    if any(t.width is None or t.height is None for t in body.tasks):
        jobs.nudge(IMAGE_SIZES)
