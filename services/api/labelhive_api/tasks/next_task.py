"""The "next task for me" queue: leases, expiry and the rework-first order.

PostgreSQL: candidate rows are taken with FOR UPDATE SKIP LOCKED, so concurrent annotators never wait on
or get the same task. Both dialects: the slot is claimed with a conditional UPDATE (slots_taken < overlap),
so even without row locks (SQLite) a task is never over-handed.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, Update, and_, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from labelhive_api.annotations.models import Annotation, AnnotationStatus
from labelhive_api.db.base import utcnow
from labelhive_api.db.statements import Write, dialect_name, execute_writes, insert_row
from labelhive_api.projects.models import Project
from labelhive_api.stats import counters
from labelhive_api.tasks.models import OPEN_STATES, Task, TaskLease, TaskState

RECLAIM_BATCH = 100


def _lease(session: Session, task: Task, user_id: int, until: datetime) -> None:
    session.add(TaskLease(task_id=task.id, user_id=user_id, project_id=task.project_id, expires_at=until))


def reclaim_expired(session: Session, project_id: int, now: datetime) -> int:
    """Expired leases give their slot back (unless that annotator already submitted).

    Lease and task rows are locked together with SKIP LOCKED: a task someone is saving right now is left for
    a later call instead of waited on (no lock-order deadlock with a submission on the same task).
    """
    expired = session.execute(_expired_query(), {"project_id": project_id, "now": now}).all()
    for task_id, user_id in expired:
        session.execute(delete(TaskLease).where(TaskLease.task_id == task_id, TaskLease.user_id == user_id))
        submitted = session.scalar(
            select(exists().where(Annotation.task_id == task_id, Annotation.user_id == user_id))
        )
        if not submitted:
            release_slot(session, task_id)
    return len(expired)


def release_slot(session: Session, task_id: int) -> None:
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        return
    task.slots_taken = max(0, task.slots_taken - 1)
    if task.slots_taken == 0 and task.state == TaskState.IN_PROGRESS.value:
        counters.move_task(session, task.project_id, task.state, TaskState.NEW.value)
        task.state = TaskState.NEW.value


@functools.cache
def _candidate_query(one_slot: bool, assigned: bool, with_skip: bool) -> Select[Any]:
    """The next open task of a project, built once per shape (the hot path of "next task"): values are bound
    per call (project_id, user_id, overlap, skip)."""
    user_id: Any = bindparam("user_id")
    mine = Task.assignee_id == user_id if assigned else Task.assignee_id.is_(None)
    # With one annotator per task every in-progress task is full, so only `new` ones qualify: an equality
    # on state lets the (project_id, assignee_id, state, id) index hand out rows in id order, however many
    # finished tasks precede them.
    conditions = [
        Task.project_id == bindparam("project_id"),
        mine,
        Task.state == TaskState.NEW.value if one_slot else Task.state.in_(OPEN_STATES),
        Task.slots_taken < bindparam("overlap"),
    ]
    if not one_slot:
        conditions += [
            ~exists().where(Annotation.task_id == Task.id, Annotation.user_id == user_id),
            ~exists().where(TaskLease.task_id == Task.id, TaskLease.user_id == user_id),
        ]
    if with_skip:
        conditions.append(Task.id.not_in(bindparam("skip", expanding=True)))
    # Ordering by assignee_id (constant here) too makes the (project_id, assignee_id, state, id) index the
    # only presorted path: PostgreSQL's LIMIT estimate would otherwise walk the primary key through every
    # finished task before the first open one.
    return (
        select(Task)
        .where(and_(*conditions))
        .order_by(Task.assignee_id, Task.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _candidate(
    session: Session, project: Project, user_id: int, assigned: bool, skip: Collection[int] = ()
) -> Task | None:
    params: dict[str, Any] = {"project_id": project.id, "user_id": user_id, "overlap": project.overlap}
    if skip:
        params["skip"] = list(skip)
    return session.scalar(_candidate_query(project.overlap == 1, assigned, bool(skip)), params)


@functools.cache
def _expired_query() -> Select[Any]:
    return (
        select(TaskLease.task_id, TaskLease.user_id)
        .join(Task, Task.id == TaskLease.task_id)
        .where(TaskLease.project_id == bindparam("project_id"), TaskLease.expires_at <= bindparam("now"))
        .limit(RECLAIM_BATCH)
        .with_for_update(skip_locked=True)
    )


@functools.cache
def _held_query(with_skip: bool) -> Select[Any]:
    query = (
        select(TaskLease, Task)
        .join(Task, Task.id == TaskLease.task_id)
        .where(
            TaskLease.project_id == bindparam("project_id"),
            TaskLease.user_id == bindparam("user_id"),
            TaskLease.expires_at > bindparam("now"),
        )
        .order_by(TaskLease.task_id)
        .limit(1)
    )
    return query.where(TaskLease.task_id.not_in(bindparam("skip", expanding=True))) if with_skip else query


@functools.cache
def _rework_query(with_skip: bool) -> Select[Any]:
    query = (
        select(Task)
        .join(Annotation, Annotation.task_id == Task.id)
        .where(
            Annotation.project_id == bindparam("project_id"),
            Annotation.user_id == bindparam("user_id"),
            Annotation.status.in_([AnnotationStatus.REJECTED.value, AnnotationStatus.REWORK.value]),
        )
        .order_by(Annotation.id)
        .limit(1)
    )
    return query.where(Annotation.task_id.not_in(bindparam("skip", expanding=True))) if with_skip else query


@functools.cache
def _claim(_dialect: str, prefix: str) -> Update:
    """The conditional UPDATE that takes a slot of the task (matches no row when none is free)."""
    task: Table = Task.__table__
    return (
        update(task)
        .where(task.c.id == bindparam(f"{prefix}task_id"), task.c.slots_taken < bindparam(f"{prefix}overlap"))
        .values(
            slots_taken=task.c.slots_taken + 1,
            state=TaskState.IN_PROGRESS.value,
            updated_at=bindparam(f"{prefix}now", type_=task.c.updated_at.type),
        )
    )


def _claim_slot(session: Session, task: Task, overlap: int, user_id: int, until: datetime) -> bool:
    """Take one of the task's `overlap` slots, mark it in progress and lease it to the user.

    PostgreSQL: the candidate row is locked (FOR UPDATE) and had a free slot, so the conditional UPDATE cannot
    miss: it, the state counters and the lease are one statement. SQLite: the UPDATE decides first."""
    now = utcnow()
    params = {"task_id": task.id, "overlap": overlap, "now": now}
    changes = counters.Changes(task.project_id, now)
    changes.move_task(task.state, TaskState.IN_PROGRESS.value)
    lease = insert_row(
        TaskLease.__table__,
        {"task_id": task.id, "user_id": user_id, "project_id": task.project_id, "expires_at": until},
    )
    if dialect_name(session) == "postgresql":
        execute_writes(session, [Write(_claim, (), params), *changes.writes(), lease])
    else:
        result = session.execute(_claim("sqlite", ""), params)
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        execute_writes(session, [*changes.writes(), lease])
    set_committed_value(task, "slots_taken", task.slots_taken + 1)
    set_committed_value(task, "state", TaskState.IN_PROGRESS.value)
    set_committed_value(task, "updated_at", now)
    return True


def next_task(
    session: Session, project: Project, user_id: int, lease_seconds: int, skip: Collection[int] = ()
) -> tuple[Task, datetime] | None:
    """The caller's current task (lease extended), else rework, else the next assigned, else unassigned;
    never one of `skip` (the tasks the annotator skipped this session)."""
    now = utcnow()
    until = now + timedelta(seconds=lease_seconds)
    params: dict[str, Any] = {"project_id": project.id, "user_id": user_id, "now": now}
    if skip:
        params["skip"] = list(skip)
    held = session.execute(_held_query(bool(skip)), params).first()
    if held is not None:
        held[0].expires_at = until
        return held[1], until
    reclaim_expired(session, project.id, now)
    rework = session.scalar(_rework_query(bool(skip)), params)
    if rework is not None:
        stale = session.get(TaskLease, (rework.id, user_id))
        if stale is not None:
            stale.expires_at = until
        else:
            _lease(session, rework, user_id, until)
        return rework, until
    for assigned in (True, False):
        for _attempt in range(5):
            task = _candidate(session, project, user_id, assigned, skip)
            if task is None:
                break
            if not _claim_slot(session, task, project.overlap, user_id, until):
                session.expire(task)
                continue
            return task, until
    return None


def release(session: Session, task: Task, user_id: int) -> bool:
    """The annotator gives the task back before the lease runs out."""
    result = session.execute(
        delete(TaskLease).where(TaskLease.task_id == task.id, TaskLease.user_id == user_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    done = session.scalar(
        select(exists().where(Annotation.task_id == task.id, Annotation.user_id == user_id))
    )
    if not done:
        release_slot(session, task.id)
    return True
