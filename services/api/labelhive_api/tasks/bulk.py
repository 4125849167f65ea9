"""Bulk actions on a selection of tasks: explicit ids, or every task matching the list's filters.

One transaction per call; a selection names only tasks of its own project (unknown ids are refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.orm import Session

from labelhive_api.annotations.models import Annotation
from labelhive_api.errors import Unprocessable
from labelhive_api.projects.models import Project
from labelhive_api.tasks import next_task, service
from labelhive_api.tasks.models import Batch, Task, TaskLease

# One request acts on at most this many tasks (a larger "all matching" is done by narrowing the filter).
MAX_SELECTION = 100_000


@dataclass
class Selection:
    task_ids: list[int] | None = None
    filter: service.TaskFilter | None = None


def _conditions(project_id: int, selection: Selection) -> list[ColumnElement[bool]]:
    if selection.task_ids is not None:
        return [Task.project_id == project_id, Task.id.in_(selection.task_ids)]
    return service.filter_conditions(project_id, selection.filter or service.TaskFilter())


def count(session: Session, project_id: int, selection: Selection) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Task).where(*_conditions(project_id, selection))) or 0
    )


def resolve(session: Session, project_id: int, selection: Selection) -> list[int]:
    """The selected task ids; explicit ids must all belong to the project."""
    if selection.task_ids is not None:
        service._check_task_ids(session, project_id, selection.task_ids)
        return sorted(set(selection.task_ids))
    ids = list(
        session.scalars(
            select(Task.id)
            .where(*_conditions(project_id, selection))
            .order_by(Task.id)
            .limit(MAX_SELECTION + 1)
        )
    )
    if len(ids) > MAX_SELECTION:
        raise Unprocessable(
            f"the selection has more than {MAX_SELECTION} tasks; narrow the filter",
            code="selection_too_large",
            limit=MAX_SELECTION,
        )
    return ids


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def assign(session: Session, project_id: int, ids: list[int], user_id: int | None) -> int:
    service.check_assignee(session, project_id, user_id)
    updated = 0
    for chunk in _chunks(ids):
        result = session.execute(
            update(Task).where(Task.project_id == project_id, Task.id.in_(chunk)).values(assignee_id=user_id)
        )
        updated += int(result.rowcount)  # type: ignore[attr-defined]
    return updated


def move_to_batch(session: Session, project_id: int, ids: list[int], batch: Batch) -> int:
    updated = 0
    for chunk in _chunks(ids):
        result = session.execute(
            update(Task).where(Task.project_id == project_id, Task.id.in_(chunk)).values(batch_id=batch.id)
        )
        updated += int(result.rowcount)  # type: ignore[attr-defined]
    return updated


def create_batch(
    session: Session, project: Project, name: str, ids: list[int], assignee_id: int | None
) -> Batch:
    batch = Batch(project_id=project.id, name=name)
    session.add(batch)
    session.flush()
    move_to_batch(session, project.id, ids, batch)
    if assignee_id is not None:
        service.assign_batch(session, batch, assignee_id)
    return batch


def release(session: Session, project_id: int, ids: list[int]) -> int:
    """Give tasks back to the queue: leases end (unsubmitted slots return) and the assignee is cleared.
    Returns how many tasks changed."""
    touched: set[int] = set()
    for chunk in _chunks(ids):
        held = session.execute(
            select(TaskLease.task_id, TaskLease.user_id).where(
                TaskLease.project_id == project_id, TaskLease.task_id.in_(chunk)
            )
        ).all()
        for task_id, user_id in held:
            session.execute(
                delete(TaskLease).where(TaskLease.task_id == task_id, TaskLease.user_id == user_id)
            )
            submitted = session.scalar(
                select(exists().where(Annotation.task_id == task_id, Annotation.user_id == user_id))
            )
            if not submitted:
                next_task.release_slot(session, task_id)
            touched.add(task_id)
        assigned = [Task.project_id == project_id, Task.id.in_(chunk), Task.assignee_id.is_not(None)]
        touched.update(session.scalars(select(Task.id).where(*assigned)))
        session.execute(update(Task).where(*assigned).values(assignee_id=None))
    return len(touched)


def delete_tasks(session: Session, project_id: int, ids: list[int]) -> int:
    """Delete tasks with their annotations; state and label counters follow (one task at a time)."""
    deleted = 0
    for chunk in _chunks(ids, 500):
        for task in session.scalars(
            select(Task).where(Task.project_id == project_id, Task.id.in_(chunk)).with_for_update()
        ):
            service.delete_task(session, task)
            deleted += 1
        session.flush()
    return deleted
