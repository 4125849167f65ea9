"""Annotation writes: every save names the version it was based on; a stale one gets 409, never an overwrite.

The version check is a conditional UPDATE (`... WHERE version = :base`), so it holds on PostgreSQL and
SQLite alike; every version also lands in the append-only annotation_version table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, delete, insert, select, update
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
from labelhive_api.db.statements import execute_together, insert_for
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task, TaskLease, TaskState
from labelhive_api.tasks.service import task_labels_replace_statements, task_labels_statements
from labelhive_api.webhooks.events import Event, emit


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


def _history_row(ann: Annotation, author_id: int, reason: str, now: datetime) -> Executable:
    """The append-only history entry of the annotation's current version, as a statement."""
    return insert(AnnotationVersion).values(
        annotation_id=ann.id,
        version=ann.version,
        status=ann.status,
        result=ann.result,
        lead_time_ms=ann.lead_time_ms,
        author_id=author_id,
        reason=reason,
        created_at=now,
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


def _task_annotations(session: Session, task_id: int) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """Statuses and results of all annotations of a task, in one query."""
    rows = session.execute(
        select(Annotation.status, Annotation.result).where(Annotation.task_id == task_id)
    ).all()
    return [r[0] for r in rows], [r[1] for r in rows]


def _loaded(session: Session, values: Mapping[str, Any]) -> Annotation:
    """The annotation as written by a Core statement: the session's instance brought up to date if it holds
    one, else a detached instance carrying the values (the request's response is built from it)."""
    held = session.identity_map.get(identity_key(Annotation, values["id"]))
    if isinstance(held, Annotation):
        for field, value in values.items():
            set_committed_value(held, field, value)
        return held
    return Annotation(**values)


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
    lease_gone = session.execute(
        delete(TaskLease).where(TaskLease.task_id == task.id, TaskLease.user_id == uid)
    )
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
        insert_for(session, Annotation)
        .values(values)
        .on_conflict_do_nothing(index_elements=["task_id", "user_id"])
        .returning(Annotation.id)
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
    statuses = list(session.scalars(select(Annotation.status).where(Annotation.task_id == task.id)))
    state = derive_task_state(project, slots_taken, statuses)
    changes = counters.Changes(project.id, now)
    changes.move_task(task.state, state)
    changes.annotator(uid, submitted=1)
    changes.lead_time(uid, lead_time_ms)
    changes.labels(counters.label_delta([], shapes))
    changes.daily(submitted=1)
    execute_together(
        session,
        [
            _history_row(ann, uid, "submit", now),
            delete(Draft).where(Draft.task_id == task.id, Draft.user_id == uid),
            *task_labels_statements(session, task, {str(shape["label"]) for shape in shapes}),
            update(Task)
            .where(Task.id == task.id)
            .values(state=state, slots_taken=slots_taken, updated_at=now)
            .execution_options(synchronize_session=False),
            *changes.statements(session),
        ],
    )
    for field, value in {"state": state, "slots_taken": slots_taken, "updated_at": now}.items():
        set_committed_value(task, field, value)
    emit(
        session,
        project.id,
        Event.TASK_SUBMITTED,
        {"task_id": task.id, "annotation_id": ann.id, "version": 1, "user_id": uid, "task_state": state},
    )
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
        select(
            Annotation.user_id,
            Annotation.task_id,
            Annotation.version,
            Annotation.status,
            Annotation.result,
            Task.width,
            Task.height,
        )
        .join(Task, Task.id == Annotation.task_id)
        .where(Annotation.id == annotation_id, Annotation.project_id == project.id)
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
            update(Annotation)
            .where(Annotation.id == annotation_id, Annotation.version == base_version)
            .values(
                version=base_version + len(path),
                result=shapes,
                status=new_status,
                lead_time_ms=Annotation.lead_time_ms + lead_time_ms,
                updated_by=uid,
                updated_at=now,
                prediction_id=prediction_id if prediction_id is not None else Annotation.prediction_id,
            )
            .returning(*Annotation.__table__.c)
            .execution_options(synchronize_session=False)
        )
        .mappings()
        .first()
    )
    if written is None:  # another save of this version won
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation_id))
        raise VersionConflict(current_version=current, annotation_id=annotation_id)
    ann = _loaded(session, dict(written))
    writes: list[Executable | None] = [
        # Every step of the path is a version in the history (a rework step keeps the old shapes).
        insert(AnnotationVersion).values(
            annotation_id=ann.id,
            version=base_version + i + 1,
            status=state.value,
            result=shapes if i == len(path) - 1 else old_shapes,
            lead_time_ms=ann.lead_time_ms,
            author_id=uid,
            reason=action.value,
            created_at=now,
        )
        for i, (action, state) in enumerate(path)
    ]
    if owner == uid:
        writes.append(delete(Draft).where(Draft.task_id == task_id, Draft.user_id == uid))
        if resubmit:
            # Rework handed out by next-task ends with this save.
            writes.append(delete(TaskLease).where(TaskLease.task_id == task_id, TaskLease.user_id == uid))
    changes = counters.Changes(project.id, now)
    changes.labels(counters.label_delta(old_shapes, shapes))
    task_values: dict[str, Any] = {"updated_at": now}
    labels_changed = {str(x.get("label")) for x in old_shapes} != {str(x.get("label")) for x in shapes}
    state: str | None = None
    if labels_changed or resubmit:
        # What other annotations of the task say matters now: lock the task, then read them fresh.
        task_state, slots_taken = session.execute(
            select(Task.state, Task.slots_taken).where(Task.id == task_id).with_for_update()
        ).one()
        statuses, results = _task_annotations(session, task_id)
        if labels_changed:
            writes += task_labels_replace_statements(session, project.id, task_id, results)
        state = task_state
        if resubmit:
            state = derive_task_state(project, slots_taken, statuses)
            changes.move_task(task_state, state)
            changes.daily(submitted=1)
            task_values["state"] = state
    writes.append(
        update(Task)
        .where(Task.id == task_id)
        .values(**task_values)
        .execution_options(synchronize_session=False)
    )
    execute_together(session, [*writes, *changes.statements(session)])
    held_task = session.identity_map.get(identity_key(Task, task_id))
    if isinstance(held_task, Task):
        session.expire(held_task)
    if resubmit:
        emit(
            session,
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
    """Autosave: kept apart from submissions, versioned the same way (0 = no draft yet)."""
    draft = session.get(Draft, (task.id, user.id), with_for_update=True)
    if draft is None:
        if base_version != 0:
            raise VersionConflict(current_version=0)
        draft = Draft(
            task_id=task.id,
            user_id=user.id,
            project_id=project.id,
            version=1,
            result=result,
            lead_time_ms=lead_time_ms,
            updated_at=utcnow(),
        )
        session.add(draft)
        session.flush()
        return draft
    changed = session.execute(
        update(Draft)
        .where(Draft.task_id == task.id, Draft.user_id == user.id, Draft.version == base_version)
        .values(version=base_version + 1, result=result, lead_time_ms=lead_time_ms, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        raise VersionConflict(current_version=draft.version)
    session.refresh(draft)
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
