"""Annotation writes: every save names the version it was based on; a stale one gets 409, never an overwrite.

The version check is a conditional UPDATE (`... WHERE version = :base`), so it holds on PostgreSQL and
SQLite alike; every version also lands in the append-only annotation_version table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from labelhive_api.accounts.models import User
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
from labelhive_api.projects.models import Project
from labelhive_api.projects.service import labels_by_value
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task, TaskLease, TaskState
from labelhive_api.tasks.service import add_task_labels, set_task_labels
from labelhive_api.webhooks.events import Event, emit


@dataclass
class Writer:
    """Who writes: the user and whether they may touch others' annotations (reviewers, managers)."""

    user: User
    may_edit_others: bool


def validated(session: Session, project: Project, task: Task, result: list[Any]) -> list[dict[str, Any]]:
    labels = labels_by_value(session, project)
    if not labels:
        raise NoLabelSchema()
    return validate_result(result, labels, task.width, task.height)


def get_annotation(
    session: Session, project_id: int, annotation_id: int, *, lock: bool = False
) -> Annotation:
    ann = session.get(Annotation, annotation_id, with_for_update=lock or None)
    if ann is None or ann.project_id != project_id:
        raise AnnotationNotFound()
    return ann


def _history(session: Session, ann: Annotation, author_id: int, reason: str) -> None:
    session.add(
        AnnotationVersion(
            annotation_id=ann.id,
            version=ann.version,
            status=ann.status,
            result=ann.result,
            lead_time_ms=ann.lead_time_ms,
            author_id=author_id,
            reason=reason,
        )
    )


def refresh_task_state(
    session: Session, project: Project, task: Task, statuses: list[str] | None = None
) -> str:
    """Derive the task's state from its annotations (rejected > submitted > accepted when complete)."""
    if statuses is None:
        statuses = list(session.scalars(select(Annotation.status).where(Annotation.task_id == task.id)))
    if AnnotationStatus.REJECTED.value in statuses:
        new = TaskState.REJECTED.value
    elif len(statuses) >= project.overlap and all(s == AnnotationStatus.ACCEPTED.value for s in statuses):
        new = TaskState.ACCEPTED.value
    elif len(statuses) >= project.overlap:
        new = TaskState.SUBMITTED.value
    elif statuses or task.slots_taken > 0:
        new = TaskState.IN_PROGRESS.value
    else:
        new = TaskState.NEW.value
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
    shapes = validated(session, project, task, result)
    if not task_locked:
        session.refresh(task, with_for_update=True)  # serialises slot and state changes of this task
    uid = writer.user.id
    mine = and_(Annotation.task_id == task.id, Annotation.user_id == uid)
    existing_id, existing_version, leased = session.execute(
        select(
            select(Annotation.id).where(mine).scalar_subquery(),
            select(Annotation.version).where(mine).scalar_subquery(),
            exists().where(TaskLease.task_id == task.id, TaskLease.user_id == uid),
        )
    ).one()
    if existing_id is not None:
        raise AnnotationExists(annotation_id=existing_id, current_version=existing_version)
    if leased:
        session.execute(delete(TaskLease).where(TaskLease.task_id == task.id, TaskLease.user_id == uid))
    elif task.slots_taken >= project.overlap:
        raise TaskFull()
    else:
        task.slots_taken += 1
    now = utcnow()
    ann = Annotation(
        project_id=project.id,
        task_id=task.id,
        user_id=uid,
        status=AnnotationStatus.SUBMITTED.value,
        version=1,
        result=shapes,
        lead_time_ms=lead_time_ms,
        schema_version=project.label_schema_version,
        prediction_id=prediction_id,
        updated_by=uid,
        created_at=now,
        updated_at=now,
    )
    session.add(ann)
    session.flush()
    _history(session, ann, uid, "submit")
    session.execute(delete(Draft).where(Draft.task_id == task.id, Draft.user_id == uid))
    counters.annotator(session, project.id, uid, submitted=1)
    counters.lead_time(session, project.id, uid, lead_time_ms)
    counters.labels(session, project.id, counters.label_delta([], shapes))
    counters.daily(session, project.id, submitted=1)
    add_task_labels(session, task, {str(shape["label"]) for shape in shapes})
    statuses = list(session.scalars(select(Annotation.status).where(Annotation.task_id == task.id)))
    state = refresh_task_state(session, project, task, statuses)
    task.updated_at = now
    emit(
        session,
        project.id,
        Event.TASK_SUBMITTED,
        {"task_id": task.id, "annotation_id": ann.id, "version": 1, "user_id": uid, "task_state": state},
    )
    session.flush()
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
    ann = get_annotation(session, project.id, annotation_id, lock=True)
    if ann.user_id != writer.user.id and not writer.may_edit_others:
        raise NotYourAnnotation()
    if ann.version != base_version:
        raise VersionConflict(current_version=ann.version, annotation_id=ann.id)
    task = session.get(Task, ann.task_id, with_for_update=True)
    assert task is not None
    shapes = validated(session, project, task, result)
    old_shapes, old_status = ann.result, ann.status
    resubmit = old_status == AnnotationStatus.REJECTED.value and ann.user_id == writer.user.id
    new_status = AnnotationStatus.SUBMITTED.value if resubmit else old_status
    now = utcnow()
    changed = session.execute(
        update(Annotation)
        .where(Annotation.id == ann.id, Annotation.version == base_version)
        .values(
            version=base_version + 1,
            result=shapes,
            status=new_status,
            lead_time_ms=Annotation.lead_time_ms + lead_time_ms,
            updated_by=writer.user.id,
            updated_at=now,
            prediction_id=prediction_id if prediction_id is not None else Annotation.prediction_id,
        )
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation_id))
        raise VersionConflict(current_version=current, annotation_id=annotation_id)
    # The UPDATE succeeded on the version we read under lock: the new row is known without re-reading it.
    for field, value in {
        "version": base_version + 1,
        "result": shapes,
        "status": new_status,
        "lead_time_ms": ann.lead_time_ms + lead_time_ms,
        "updated_by": writer.user.id,
        "updated_at": now,
        "prediction_id": prediction_id if prediction_id is not None else ann.prediction_id,
    }.items():
        set_committed_value(ann, field, value)
    _history(session, ann, writer.user.id, "resubmit" if resubmit else "save")
    if ann.user_id == writer.user.id:
        session.execute(delete(Draft).where(Draft.task_id == task.id, Draft.user_id == writer.user.id))
        if resubmit:
            # Rework handed out by next-task ends with this save.
            session.execute(
                delete(TaskLease).where(TaskLease.task_id == task.id, TaskLease.user_id == writer.user.id)
            )
    counters.labels(session, project.id, counters.label_delta(old_shapes, shapes))
    if {str(x.get("label")) for x in old_shapes} != {str(x.get("label")) for x in shapes}:
        set_task_labels(session, task, _task_annotations(session, task.id)[1])
    state = refresh_task_state(session, project, task) if resubmit else task.state
    task.updated_at = now
    if resubmit:
        counters.daily(session, project.id, submitted=1)
        emit(
            session,
            project.id,
            Event.TASK_SUBMITTED,
            {
                "task_id": task.id,
                "annotation_id": ann.id,
                "version": ann.version,
                "user_id": ann.user_id,
                "task_state": state,
                "resubmitted": True,
            },
        )
    session.flush()
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


def count_for_task(session: Session, task_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Annotation).where(Annotation.task_id == task_id)) or 0
    )
