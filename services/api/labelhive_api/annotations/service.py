"""Annotation writes: every save names the version it was based on; a stale one gets 409, never an overwrite.

The version check is a conditional UPDATE (`... WHERE version = :base`), so it holds on PostgreSQL and
SQLite alike; every version also lands in the append-only annotation_version table.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, delete, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from labelhive_api.accounts.models import User
from labelhive_api.annotations import states
from labelhive_api.annotations.exceptions import (
    AnnotationExists,
    AnnotationNotFound,
    NoLabelSchema,
    NotYourAnnotation,
    TaskFull,
    VersionConflict,
)
from labelhive_api.annotations.models import Annotation, AnnotationStatus, AnnotationVersion, Draft
from labelhive_api.annotations.shapes import validate_result
from labelhive_api.db.base import utcnow
from labelhive_api.db.statements import (
    Write,
    delete_rows,
    dialect_insert,
    dialect_name,
    execute_writes,
    insert_row,
    update_rows,
)
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task, TaskLease, TaskState
from labelhive_api.tasks.service import task_label_writes, task_labels_replace_writes
from labelhive_api.webhooks.events import Event, emit_write


@dataclass
class Writer:
    """Who writes: the user and whether they may touch others' annotations (reviewers, managers)."""

    user: User
    may_edit_others: bool


def validated(
    session: Session, project: Project, width: int | None, height: int | None, result: list[Any]
) -> list[dict[str, Any]]:
    labels = labels_by_value(session, project)
    if not labels:
        raise NoLabelSchema()
    return validate_result(result, labels, width, height)


def get_annotation(
    session: Session, project_id: int, annotation_id: int, *, lock: bool = False
) -> Annotation:
    ann = session.get(Annotation, annotation_id, with_for_update=lock or None)
    if ann is None or ann.project_id != project_id:
        raise AnnotationNotFound()
    return ann


_ANNOTATIONS: Table = Annotation.__table__
_VERSIONS: Table = AnnotationVersion.__table__
_DRAFTS: Table = Draft.__table__
_TASKS: Table = Task.__table__
_LEASES: Table = TaskLease.__table__

# The hot paths' reads and writes, built once with bound values (building and keying a statement costs more
# Python than running it).
_DELETE_LEASE = delete(_LEASES).where(
    _LEASES.c.task_id == bindparam("task_id"), _LEASES.c.user_id == bindparam("user_id")
)
_TASK_STATUSES = select(_ANNOTATIONS.c.status).where(_ANNOTATIONS.c.task_id == bindparam("task_id"))
_TASK_ANNOTATIONS = select(_ANNOTATIONS.c.status, _ANNOTATIONS.c.result).where(
    _ANNOTATIONS.c.task_id == bindparam("task_id")
)
_LOCK_TASK = (
    select(_TASKS.c.state, _TASKS.c.slots_taken).where(_TASKS.c.id == bindparam("task_id")).with_for_update()
)
_READ_FOR_UPDATE = (
    select(
        _ANNOTATIONS.c.user_id,
        _ANNOTATIONS.c.task_id,
        _ANNOTATIONS.c.version,
        _ANNOTATIONS.c.status,
        _ANNOTATIONS.c.result,
        _TASKS.c.width,
        _TASKS.c.height,
    )
    .join(_TASKS, _TASKS.c.id == _ANNOTATIONS.c.task_id)
    .where(
        _ANNOTATIONS.c.id == bindparam("annotation_id"), _ANNOTATIONS.c.project_id == bindparam("project_id")
    )
)


_DRAFT_KEY = (_DRAFTS.c.task_id == bindparam("d_task_id"), _DRAFTS.c.user_id == bindparam("d_user_id"))
_DRAFT_VERSION = select(_DRAFTS.c.version).where(*_DRAFT_KEY)
_UPDATE_DRAFT = (
    update(_DRAFTS)
    .where(*_DRAFT_KEY, _DRAFTS.c.version == bindparam("d_base"))
    .values(
        version=bindparam("d_base") + 1,
        result=bindparam("d_result", type_=_DRAFTS.c.result.type),
        lead_time_ms=bindparam("d_lead_time_ms"),
        updated_at=bindparam("d_updated_at", type_=_DRAFTS.c.updated_at.type),
    )
    .returning(*_DRAFTS.c)
)


def _first_per_annotator(
    dialect: str, table: Table, values: Mapping[str, Any], *returning: Any
) -> Executable:
    """An INSERT that does nothing when the annotator has a row for the task already (the unique key decides,
    races included): no row back then."""
    return (
        dialect_insert(dialect, table)
        .values(values)
        .on_conflict_do_nothing(index_elements=["task_id", "user_id"])
        .returning(*returning)
    )


@functools.cache
def _create_draft(dialect: str) -> Executable:
    """A task's first draft of an annotator (a 409 if there is one)."""
    c = _DRAFTS.c
    values = {
        name: bindparam(f"d_{name}", type_=c[name].type) for name in ("task_id", "user_id", "project_id")
    }
    values.update(
        version=literal(1),
        result=bindparam("d_result", type_=c.result.type),
        lead_time_ms=bindparam("d_lead_time_ms", type_=c.lead_time_ms.type),
        updated_at=bindparam("d_updated_at", type_=c.updated_at.type),
    )
    return _first_per_annotator(dialect, _DRAFTS, values, *c)


@functools.cache
def _insert_annotation(dialect: str) -> Executable:
    """The first submission of an annotator on a task."""
    values = {c.key: bindparam(f"v_{c.key}", type_=c.type) for c in _ANNOTATIONS.c if c.key != "id"}
    return _first_per_annotator(dialect, _ANNOTATIONS, values, _ANNOTATIONS.c.id)


@functools.cache
def _update_annotation(keeps_prediction: bool) -> Executable:
    """A new version of an annotation, if the one it was based on is still current."""
    c = _ANNOTATIONS.c
    return (
        update(_ANNOTATIONS)
        .where(c.id == bindparam("v_id"), c.version == bindparam("v_base"))
        .values(
            version=bindparam("v_version"),
            result=bindparam("v_result", type_=c.result.type),
            status=bindparam("v_status"),
            lead_time_ms=c.lead_time_ms + bindparam("v_lead_time_ms", type_=c.lead_time_ms.type),
            updated_by=bindparam("v_updated_by"),
            updated_at=bindparam("v_updated_at", type_=c.updated_at.type),
            prediction_id=c.prediction_id if keeps_prediction else bindparam("v_prediction_id"),
        )
        .returning(*c)
    )


def _history_write(
    annotation_id: int,
    version: int,
    status: str,
    result: list[dict[str, Any]],
    lead_time_ms: int,
    author_id: int,
    reason: str,
    now: datetime,
) -> Write:
    """An append-only history entry (one version of the annotation), for `execute_writes`."""
    return insert_row(
        _VERSIONS,
        {
            "annotation_id": annotation_id,
            "version": version,
            "status": status,
            "result": result,
            "lead_time_ms": lead_time_ms,
            "author_id": author_id,
            "reason": reason,
            "created_at": now,
        },
    )


def derive_task_state(project: Project, slots_taken: int, statuses: list[str]) -> str:
    """A task's state from its annotations' statuses (rejected or in rework > submitted > accepted when
    complete)."""
    if AnnotationStatus.REJECTED.value in statuses or AnnotationStatus.REWORK.value in statuses:
        return TaskState.REJECTED.value
    if len(statuses) >= project.overlap and all(s == AnnotationStatus.ACCEPTED.value for s in statuses):
        return TaskState.ACCEPTED.value
    if len(statuses) >= project.overlap:
        return TaskState.SUBMITTED.value
    if statuses or slots_taken > 0:
        return TaskState.IN_PROGRESS.value
    return TaskState.NEW.value


def refresh_task_state(
    session: Session, project: Project, task: Task, statuses: list[str] | None = None
) -> str:
    """Derive the task's state from its annotations and store it (with the state counters) if it moved."""
    if statuses is None:
        statuses = list(session.scalars(select(Annotation.status).where(Annotation.task_id == task.id)))
    new = derive_task_state(project, task.slots_taken, statuses)
    if new != task.state:
        counters.move_task(session, project.id, task.state, new)
        task.state = new
        task.updated_at = utcnow()
    return new


def _loaded(session: Session, values: Mapping[str, Any], model: type[Any] = Annotation) -> Any:
    """A row as written by a Core statement: the session's instance brought up to date if it holds one, else
    a detached instance carrying the values (the request's response is built from it)."""
    table = model.__table__
    key = tuple(values[c.key] for c in table.primary_key.columns)
    held = session.identity_map.get(identity_key(model, key if len(key) > 1 else key[0]))
    if isinstance(held, model):
        for field, value in values.items():
            set_committed_value(held, field, value)
        return held
    return model(**values)


def create(
    session: Session,
    project: Project,
    task: Task,
    writer: Writer,
    result: list[Any],
    lead_time_ms: int,
    prediction_id: int | None = None,
    *,
    task_locked: bool = False,
) -> Annotation:
    """The writer's first submission on the task (a second one is a 409 naming the current version)."""
    states.transition(states.State.DRAFT, states.Action.SUBMIT, states.Actor.OWNER)
    shapes = validated(session, project, task.width, task.height, result)
    if not task_locked:
        session.refresh(task, with_for_update=True)  # serialises slot and state changes of this task
    # Under the task lock every statement below reads fresh rows (a new snapshot per statement).
    uid = writer.user.id
    now = utcnow()
    # The caller's lease ends with the submission; it held the slot the submission now takes.
    lease_gone = session.execute(_DELETE_LEASE, {"task_id": task.id, "user_id": uid})
    leased = bool(lease_gone.rowcount)  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "project_id": project.id,
        "task_id": task.id,
        "user_id": uid,
        "status": AnnotationStatus.SUBMITTED.value,
        "version": 1,
        "result": shapes,
        "lead_time_ms": lead_time_ms,
        "schema_version": project.label_schema_version,
        "prediction_id": prediction_id,
        "updated_by": uid,
        "created_at": now,
        "updated_at": now,
    }
    ann_id = session.scalar(
        _insert_annotation(dialect_name(session)), {f"v_{k}": v for k, v in values.items()}
    )
    if ann_id is None:  # one annotation per annotator and task (the unique key decides, races included)
        existing_id, existing_version = session.execute(
            select(Annotation.id, Annotation.version).where(
                Annotation.task_id == task.id, Annotation.user_id == uid
            )
        ).one()
        raise AnnotationExists(annotation_id=existing_id, current_version=existing_version)
    slots_taken = task.slots_taken
    if not leased:
        if slots_taken >= project.overlap:
            raise TaskFull()
        slots_taken += 1
    ann = _loaded(session, {"id": ann_id, **values})
    statuses = list(session.scalars(_TASK_STATUSES, {"task_id": task.id}))
    state = derive_task_state(project, slots_taken, statuses)
    changes = counters.Changes(project.id, now)
    changes.move_task(task.state, state)
    changes.annotator(uid, submitted=1)
    changes.lead_time(uid, lead_time_ms)
    changes.labels(counters.label_delta([], shapes))
    changes.daily(submitted=1)
    execute_writes(
        session,
        [
            _history_write(ann_id, 1, ann.status, shapes, lead_time_ms, uid, "submit", now),
            delete_rows(_DRAFTS, {"task_id": task.id, "user_id": uid}),
            *task_label_writes(project.id, task.id, {str(shape["label"]) for shape in shapes}),
            update_rows(
                _TASKS, {"id": task.id}, {"state": state, "slots_taken": slots_taken, "updated_at": now}
            ),
            *changes.writes(),
            # Webhooks: the lookup is part of this statement (no round trip for a project without any).
            emit_write(
                project.id,
                Event.TASK_SUBMITTED,
                {
                    "task_id": task.id,
                    "annotation_id": ann_id,
                    "version": 1,
                    "user_id": uid,
                    "task_state": state,
                },
            ),
        ],
    )
    for field, value in {"state": state, "slots_taken": slots_taken, "updated_at": now}.items():
        set_committed_value(task, field, value)
    return ann


def update_result(
    session: Session,
    project: Project,
    annotation_id: int,
    writer: Writer,
    base_version: int,
    result: list[Any],
    lead_time_ms: int,
    prediction_id: int | None = None,
) -> Annotation:
    """A new version of the annotation, if `base_version` is still its current one (else 409).

    The read below takes no lock: the conditional UPDATE decides (exactly one writer per version wins), and
    since every write to an annotation bumps its version, what was read at `base_version` is what the UPDATE
    replaces."""
    uid = writer.user.id
    read = session.execute(
        _READ_FOR_UPDATE, {"annotation_id": annotation_id, "project_id": project.id}
    ).first()
    if read is None:
        raise AnnotationNotFound()
    owner, task_id, version, old_status, old_shapes, width, height = read
    if owner != uid and not writer.may_edit_others:
        raise NotYourAnnotation()
    if version != base_version:
        raise VersionConflict(current_version=version, annotation_id=annotation_id)
    path = states.save_path(old_status, states.Actor.OWNER if owner == uid else states.Actor.REVIEWER)
    shapes = validated(session, project, width, height, result)
    new_status = path[-1][1].value
    resubmit = new_status == AnnotationStatus.SUBMITTED.value and old_status != new_status
    now = utcnow()
    written = (
        session.execute(
            _update_annotation(prediction_id is None),
            {
                "v_id": annotation_id,
                "v_base": base_version,
                "v_version": base_version + len(path),
                "v_result": shapes,
                "v_status": new_status,
                "v_lead_time_ms": lead_time_ms,
                "v_updated_by": uid,
                "v_updated_at": now,
                **({} if prediction_id is None else {"v_prediction_id": prediction_id}),
            },
        )
        .mappings()
        .first()
    )
    if written is None:  # another save of this version won
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation_id))
        raise VersionConflict(current_version=current, annotation_id=annotation_id)
    ann = _loaded(session, dict(written))
    writes: list[Write | None] = [
        # Every step of the path is a version in the history (a rework step keeps the old shapes).
        _history_write(
            ann.id,
            base_version + i + 1,
            state.value,
            shapes if i == len(path) - 1 else old_shapes,
            ann.lead_time_ms,
            uid,
            action.value,
            now,
        )
        for i, (action, state) in enumerate(path)
    ]
    if owner == uid:
        writes.append(delete_rows(_DRAFTS, {"task_id": task_id, "user_id": uid}))
        if resubmit:
            # Rework handed out by next-task ends with this save.
            writes.append(delete_rows(_LEASES, {"task_id": task_id, "user_id": uid}))
    changes = counters.Changes(project.id, now)
    changes.labels(counters.label_delta(old_shapes, shapes))
    task_values: dict[str, Any] = {"updated_at": now}
    labels_changed = {str(x.get("label")) for x in old_shapes} != {str(x.get("label")) for x in shapes}
    state: str | None = None
    if labels_changed or resubmit:
        # What other annotations of the task say matters now: lock the task, then read them fresh.
        task_state, slots_taken = session.execute(_LOCK_TASK, {"task_id": task_id}).one()
        rows = session.execute(_TASK_ANNOTATIONS, {"task_id": task_id}).all()
        statuses, results = [r[0] for r in rows], [r[1] for r in rows]
        if labels_changed:
            writes += task_labels_replace_writes(project.id, task_id, results)
        state = task_state
        if resubmit:
            state = derive_task_state(project, slots_taken, statuses)
            changes.move_task(task_state, state)
            changes.daily(submitted=1)
            task_values["state"] = state
    writes.append(update_rows(_TASKS, {"id": task_id}, task_values))
    if resubmit:
        writes.append(
            emit_write(
                project.id,
                Event.TASK_SUBMITTED,
                {
                    "task_id": task_id,
                    "annotation_id": ann.id,
                    "version": ann.version,
                    "user_id": ann.user_id,
                    "task_state": state,
                    "resubmitted": True,
                },
            )
        )
    execute_writes(session, [*writes, *changes.writes()])
    held_task = session.identity_map.get(identity_key(Task, task_id))
    if isinstance(held_task, Task):
        session.expire(held_task)
    return ann


def history(session: Session, annotation: Annotation) -> list[AnnotationVersion]:
    return list(
        session.scalars(
            select(AnnotationVersion)
            .where(AnnotationVersion.annotation_id == annotation.id)
            .order_by(AnnotationVersion.version)
        )
    )


def save_draft(
    session: Session,
    project: Project,
    task: Task,
    user: User,
    base_version: int,
    result: list[Any],
    lead_time_ms: int,
) -> Draft:
    """Autosave: kept apart from submissions, versioned the same way (0 = no draft yet). One statement: an
    INSERT that does nothing if a draft exists, or an UPDATE of the draft still at `base_version`."""
    params = {
        "d_task_id": task.id,
        "d_user_id": user.id,
        "d_project_id": project.id,
        "d_base": base_version,
        "d_result": result,
        "d_lead_time_ms": lead_time_ms,
        "d_updated_at": utcnow(),
    }
    stmt = _create_draft(dialect_name(session)) if base_version == 0 else _UPDATE_DRAFT
    written = session.execute(stmt, params).mappings().first()
    if written is None:
        current = session.scalar(_DRAFT_VERSION, params)
        raise VersionConflict(current_version=current or 0)
    draft: Draft = _loaded(session, dict(written), Draft)
    return draft


def task_annotations(session: Session, task_id: int, only_user: int | None = None) -> list[Annotation]:
    """A task's annotations in order; only one author's when `only_user` is given."""
    query = select(Annotation).where(Annotation.task_id == task_id).order_by(Annotation.id)
    if only_user is not None:
        query = query.where(Annotation.user_id == only_user)
    return list(session.scalars(query))


def get_draft(session: Session, task_id: int, user_id: int) -> Draft | None:
    return session.get(Draft, (task_id, user_id))


def delete_draft(session: Session, task_id: int, user_id: int) -> bool:
    draft = session.get(Draft, (task_id, user_id))
    if draft is None:
        return False
    session.delete(draft)
    return True
