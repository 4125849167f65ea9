"""Tasks and batches: creation (keeping counters right), assignment, filtered keyset listing."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.db.statements import Write, bound, delete_rows, insert_for, insert_row
from labelhive_api.errors import BadRequest, Unprocessable
from labelhive_api.projects.models import Membership, Project
from labelhive_api.stats import counters
from labelhive_api.stats.models import StateCount
from labelhive_api.tasks.exceptions import BatchNotFound, TaskNotFound
from labelhive_api.tasks.models import Batch, Task, TaskLabel, TaskLease, TaskState


def task_row(project_id: int, item: Mapping[str, Any], batch_id: int | None = None) -> dict[str, Any]:
    """The task table row for one item of `add_tasks` (a new task: state `new`, no slots taken)."""
    return {
        "project_id": project_id,
        "image": item["image"],
        "filename": item.get("filename") or "",
        "width": item.get("width"),
        "height": item.get("height"),
        "orientation": item.get("orientation"),
        "asset_sha256": item.get("asset_sha256"),
        "meta": item.get("meta") or {},
        "batch_id": item.get("batch_id", batch_id),
        "state": TaskState.NEW.value,
        "slots_taken": 0,
        "has_prediction": False,
    }


def add_tasks(
    session: Session, project_id: int, items: Iterable[Mapping[str, Any]], batch_id: int | None = None
) -> list[int]:
    """Insert tasks in bulk and count them as `new`. Each item: image, filename?, width?, height?
    (displayed size), orientation? (EXIF tag), asset_sha256?, meta?, batch_id?. Returns the new task ids in
    order."""
    rows = [task_row(project_id, item, batch_id) for item in items]
    if not rows:
        return []
    ids = list(session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows))
    counters.task_states(session, project_id, {TaskState.NEW.value: len(rows)})
    return ids


def get_task(session: Session, project_id: int, task_id: int, *, lock: bool = False) -> Task:
    task = session.get(Task, task_id, with_for_update=lock or None)
    if task is None or task.project_id != project_id:
        raise TaskNotFound()
    return task


def get_task_and_lease(
    session: Session, project_id: int, task_id: int, user_id: int, *, lock: bool = False
) -> tuple[Task, bool, bool]:
    """The task, whether `user_id` holds an unexpired lease on it and whether they annotated it, in one query
    (locking the task only)."""

    row = session.execute(
        _task_and_lease_query(lock), {"task_id": task_id, "user_id": user_id, "now": utcnow()}
    ).first()
    if row is None or row[0].project_id != project_id:
        raise TaskNotFound()
    return row[0], bool(row[1]), bool(row[2])


def leased_or_annotated_by(user_id: Any, now: Any) -> tuple[Any, Any]:
    """EXISTS clauses on `Task`: the user holds an unexpired lease on it; they annotated it. With
    `assignee_id`, what makes a task an annotator's (values or bind parameters)."""
    from labelhive_api.annotations.models import Annotation

    leased = exists().where(
        TaskLease.task_id == Task.id, TaskLease.user_id == user_id, TaskLease.expires_at > now
    )
    annotated = exists().where(Annotation.task_id == Task.id, Annotation.user_id == user_id)
    return leased, annotated


@functools.cache
def _task_and_lease_query(lock: bool) -> Select[Any]:
    leased, annotated = leased_or_annotated_by(bindparam("user_id"), bindparam("now"))
    query = select(Task, leased, annotated).where(Task.id == bindparam("task_id"))
    if lock:
        query = query.with_for_update(of=Task).execution_options(populate_existing=True)
    return query


def delete_task(session: Session, task: Task) -> None:
    """Delete a task with its annotations; the state and per-label counters follow."""
    from labelhive_api.annotations.models import Annotation

    counters.task_states(session, task.project_id, {task.state: -1})
    for result in session.scalars(select(Annotation.result).where(Annotation.task_id == task.id)):
        counters.labels(session, task.project_id, counters.label_delta(result, []))
    session.delete(task)


def _member_ids(session: Session, project_id: int, user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.project_id == project_id, Membership.user_id.in_(user_ids)
            )
        )
    )


def check_assignee(session: Session, project_id: int, user_id: int | None) -> None:
    if user_id is not None and not _member_ids(session, project_id, {user_id}):
        raise Unprocessable("the assignee is not a member of this project", code="assignee_not_member")


def create_batch(session: Session, project: Project, name: str, task_ids: list[int]) -> Batch:
    batch = Batch(project_id=project.id, name=name)
    session.add(batch)
    session.flush()
    if task_ids:
        _check_task_ids(session, project.id, task_ids)
        session.execute(
            update(Task).where(Task.project_id == project.id, Task.id.in_(task_ids)).values(batch_id=batch.id)
        )
    return batch


def _check_task_ids(session: Session, project_id: int, task_ids: list[int]) -> None:
    found = set(session.scalars(select(Task.id).where(Task.project_id == project_id, Task.id.in_(task_ids))))
    missing = sorted(set(task_ids) - found)
    if missing:
        raise Unprocessable(
            f"unknown task ids in this project: {missing[:20]}", code="task_not_found", task_ids=missing[:100]
        )


def get_batch(session: Session, project_id: int, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.project_id != project_id:
        raise BatchNotFound()
    return batch


def assign_batch(session: Session, batch: Batch, user_id: int | None) -> int:
    """Assign every not-yet-finished task of the batch; returns how many tasks changed."""
    check_assignee(session, batch.project_id, user_id)
    batch.assignee_id = user_id
    result = session.execute(
        update(Task)
        .where(Task.batch_id == batch.id, Task.state.in_([TaskState.NEW.value, TaskState.IN_PROGRESS.value]))
        .values(assignee_id=user_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def assign_tasks(session: Session, project_id: int, task_ids: list[int], user_id: int | None) -> int:
    check_assignee(session, project_id, user_id)
    _check_task_ids(session, project_id, task_ids)
    result = session.execute(
        update(Task).where(Task.project_id == project_id, Task.id.in_(task_ids)).values(assignee_id=user_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def counts_by_state(session: Session, project_id: int) -> dict[str, int]:
    counts = {state.value: 0 for state in TaskState}
    for state, n in session.execute(
        select(StateCount.state, StateCount.n).where(StateCount.project_id == project_id)
    ):
        counts[state] = int(n)
    return counts


@dataclass
class TaskFilter:
    state: list[str] | None = None
    assignee: int | None = None
    unassigned: bool = False
    label: str | None = None
    batch_id: int | None = None
    has_prediction: bool | None = None


def filter_conditions(project_id: int, flt: TaskFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions for the project's tasks matching `flt` (the list, counts and bulk actions)."""
    conditions: list[ColumnElement[bool]] = [Task.project_id == project_id]
    if flt.state:
        conditions.append(Task.state.in_(flt.state))
    if flt.unassigned:
        conditions.append(Task.assignee_id.is_(None))
    elif flt.assignee is not None:
        conditions.append(Task.assignee_id == flt.assignee)
    if flt.batch_id is not None:
        conditions.append(Task.batch_id == flt.batch_id)
    if flt.has_prediction is not None:
        conditions.append(Task.has_prediction.is_(flt.has_prediction))
    if flt.label is not None:
        conditions.append(
            exists().where(
                TaskLabel.task_id == Task.id, TaskLabel.label == flt.label, TaskLabel.project_id == project_id
            )
        )
    return conditions


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError
        last = value[1]
        if isinstance(last, bool) or not isinstance(last, int) or not 0 <= last < 2**63:
            raise ValueError
        if value[0] is not None and not isinstance(value[0], (str, int)):
            raise ValueError
        return value
    except (ValueError, TypeError, RecursionError):
        raise BadRequest("cursor is not one this server handed out", code="invalid_cursor") from None


# What a task list shows (TaskOut): plain rows, no ORM objects to build for a page of tasks.
LISTED_COLUMNS = (
    Task.id,
    Task.project_id,
    Task.batch_id,
    Task.state,
    Task.assignee_id,
    Task.image,
    Task.filename,
    Task.width,
    Task.height,
    Task.meta,
    Task.has_prediction,
    Task.created_at,
    Task.updated_at,
)


def list_tasks(
    session: Session, project_id: int, flt: TaskFilter, *, sort: str, limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    """Keyset pagination over indexed columns; sort: id | -id | updated | -updated. Rows carry
    `LISTED_COLUMNS`."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    query: Select[Any] = select(*LISTED_COLUMNS).where(*filter_conditions(project_id, flt))
    if key == "id":
        if cursor:
            last_id = int(decode_cursor(cursor)[1])
            query = query.where(Task.id < last_id if desc else Task.id > last_id)
        query = query.order_by(Task.id.desc() if desc else Task.id)
    else:
        if cursor:
            raw_at, last_id = decode_cursor(cursor)
            try:
                at = datetime.fromisoformat(str(raw_at))
            except ValueError:
                raise BadRequest("cursor is not one this server handed out", code="invalid_cursor") from None
            if desc:
                query = query.where(
                    or_(Task.updated_at < at, and_(Task.updated_at == at, Task.id < int(last_id)))
                )
            else:
                query = query.where(
                    or_(Task.updated_at > at, and_(Task.updated_at == at, Task.id > int(last_id)))
                )
        query = query.order_by(
            *((Task.updated_at.desc(), Task.id.desc()) if desc else (Task.updated_at, Task.id))
        )
    rows = list(session.execute(query.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([last.updated_at.isoformat() if key == "updated" else None, last.id])
    return rows, next_cursor


def _task_label_rows(
    session: Session, project_id: int, task_id: int, labels: Iterable[str]
) -> list[Executable]:
    # One single-row INSERT per label: those are compiled once and cached (multi-row VALUES never are).
    return [
        insert_for(session, TaskLabel)
        .values(task_id=task_id, label=label, project_id=project_id)
        .on_conflict_do_nothing()
        for label in sorted(labels)
    ]


def task_labels_statements(session: Session, task: Task, labels: set[str]) -> list[Executable]:
    """Index labels a new annotation uses (existing entries stay), for `execute_together`."""
    return _task_label_rows(session, task.project_id, task.id, labels)


def task_labels_replace_statements(
    session: Session, project_id: int, task_id: int, results: Iterable[Iterable[Mapping[str, Any]]]
) -> list[Executable]:
    """Make the task's label index match all its current annotation results: drop labels no longer used,
    add new ones. The statements touch different rows, so they may run together."""
    labels = sorted({str(shape.get("label")) for result in results for shape in result if shape.get("label")})
    drop = delete(TaskLabel).where(TaskLabel.task_id == task_id)
    if not labels:
        return [drop]
    return [
        drop.where(TaskLabel.label.not_in(labels)),
        *_task_label_rows(session, project_id, task_id, labels),
    ]


def task_label_writes(project_id: int, task_id: int, labels: Iterable[str]) -> list[Write]:
    """`task_labels_statements` as `db.statements.Write`s (one single-row INSERT per label, built once)."""
    table: Table = TaskLabel.__table__
    return [
        insert_row(table, {"task_id": task_id, "label": label, "project_id": project_id}, or_nothing_on=())
        for label in sorted(labels)
    ]


def _drop_labels_but(dialect: str, prefix: str) -> Executable:
    table: Table = TaskLabel.__table__
    return delete(table).where(
        table.c.task_id == bound(prefix, table.c.task_id),
        table.c.label.not_in(bindparam(f"{prefix}keep", expanding=True, type_=table.c.label.type)),
    )


def task_labels_replace_writes(
    project_id: int, task_id: int, results: Iterable[Iterable[Mapping[str, Any]]]
) -> list[Write]:
    """`task_labels_replace_statements` as `db.statements.Write`s."""
    labels = sorted({str(shape.get("label")) for result in results for shape in result if shape.get("label")})
    if not labels:
        return [delete_rows(TaskLabel.__table__, {"task_id": task_id})]
    return [
        Write(_drop_labels_but, (), {"task_id": task_id, "keep": labels}),
        *task_label_writes(project_id, task_id, labels),
    ]


def my_task_ids(session: Session, project_id: int, user_id: int, after: int, limit: int) -> list[int]:
    """Tasks assigned to, leased by or annotated by the user: three indexed lookups merged by id."""
    from labelhive_api.annotations.models import Annotation
    from labelhive_api.tasks.models import TaskLease

    queries = [
        select(Task.id).where(Task.project_id == project_id, Task.assignee_id == user_id, Task.id > after),
        select(TaskLease.task_id).where(
            TaskLease.project_id == project_id, TaskLease.user_id == user_id, TaskLease.task_id > after
        ),
        select(Annotation.task_id).where(
            Annotation.project_id == project_id, Annotation.user_id == user_id, Annotation.task_id > after
        ),
    ]
    ids: set[int] = set()
    for query in queries:
        ids.update(session.scalars(query.order_by(query.selected_columns[0]).limit(limit + 1)))
    return sorted(ids)[: limit + 1]


def tasks_by_ids(session: Session, ids: list[int]) -> list[Task]:
    """These tasks in id order (the ids come from a query already scoped to the project)."""
    return list(session.scalars(select(Task).where(Task.id.in_(ids)).order_by(Task.id))) if ids else []


def project_batches(session: Session, project_id: int) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.project_id == project_id).order_by(Batch.id)))
