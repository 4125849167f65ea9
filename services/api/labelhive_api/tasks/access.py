"""Who may see which task: the one rule every route that takes a task id goes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.db.base import utcnow
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks import service
from labelhive_api.tasks.exceptions import TaskNotFound
from labelhive_api.tasks.models import Task


def visible_task(session: Session, access: Access, task_id: int, *, lock: bool = False) -> Task:
    """Managers and reviewers see every task; annotators the ones assigned to, leased by or done by them.
    Any other task is answered as not found, so ids of others' work are not confirmed."""
    if access.can(Permission.TASKS_VIEW):
        return service.get_task(session, access.project_id, task_id, lock=lock)
    uid = access.user.id
    task, leased, annotated = service.get_task_and_lease(session, access.project_id, task_id, uid, lock=lock)
    if task.assignee_id == uid or leased or annotated:
        return task
    raise TaskNotFound()


def tasks_with_images_shown(session: Session, access: Access, task_ids: list[int]) -> list[Task]:
    """The tasks among these whose images the caller may load, in id order: the ones `visible_task` shows
    them (all for those who see every task; otherwise assigned to, leased by or annotated by them)."""
    query = select(Task).where(Task.project_id == access.project_id, Task.id.in_(task_ids))
    if not access.can(Permission.TASKS_VIEW):
        uid = access.user.id
        leased, annotated = service.leased_or_annotated_by(uid, utcnow())
        query = query.where(or_(Task.assignee_id == uid, leased, annotated))
    return list(session.scalars(query.order_by(Task.id)))


def task_dependency(permission: Permission) -> Callable[..., Task]:
    """A route dependency: the task in the path, when the caller (holding `permission`) may see it."""

    caller = Depends(require(permission))  # a default, not an annotation: evaluated here, in this scope

    def dependency(task_id: int, session: SessionDep, access: Access = caller) -> Task:
        return visible_task(session, access, task_id)

    return dependency


# The task in the path as an annotator (or anyone above) may see it.
AnnotatorTask = Annotated[Task, Depends(task_dependency(Permission.TASKS_ANNOTATE))]
