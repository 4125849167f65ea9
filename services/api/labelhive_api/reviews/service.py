"""Review decisions and the other state moves of `annotations/states.py` that write no shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.annotations import states
from labelhive_api.annotations.exceptions import VersionConflict
from labelhive_api.annotations.models import Annotation, AnnotationStatus, AnnotationVersion
from labelhive_api.annotations.service import get_annotation, refresh_task_state
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Unprocessable
from labelhive_api.projects.models import Project
from labelhive_api.reviews.models import Review
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task
from labelhive_api.webhooks.events import Event, emit


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


_EVENTS = {states.Action.ACCEPT: Event.TASK_ACCEPTED, states.Action.REJECT: Event.TASK_REJECTED}


def _actor(ann: Annotation, user: User) -> states.Actor:
    return states.Actor.OWNER if ann.user_id == user.id else states.Actor.REVIEWER


def _move(
    session: Session, project: Project, ann: Annotation, user: User, action: states.Action, version: int
) -> str:
    """Checks the version and the table, then records the transition as a new version (actor, time)."""
    if ann.version != version:
        raise VersionConflict(current_version=ann.version, annotation_id=ann.id)
    target = states.transition(ann.status, action, _actor(ann, user))
    ann.status = target.value
    ann.version += 1
    ann.updated_at = utcnow()
    session.add(
        AnnotationVersion(
            annotation_id=ann.id,
            version=ann.version,
            status=ann.status,
            result=ann.result,
            lead_time_ms=ann.lead_time_ms,
            author_id=user.id,
            # accept/reject keep their historic reasons ("accepted"/"rejected"), the rest name the action
            reason=ann.status if action in _EVENTS else action.value,
            created_at=ann.updated_at,
        )
    )
    task = session.get(Task, ann.task_id, with_for_update=True)
    assert task is not None
    return refresh_task_state(session, project, task)


def review(
    session: Session,
    project: Project,
    reviewer: User,
    annotation_id: int,
    version: int,
    decision: Decision,
    comment: str,
    shape_comments: list[dict[str, Any]],
) -> Review:
    ann = get_annotation(session, project.id, annotation_id, lock=True)
    action = states.Action.ACCEPT if decision is Decision.ACCEPT else states.Action.REJECT
    if ann.version == version:
        states.transition(ann.status, action, _actor(ann, reviewer))  # refusals before input checks
    shape_ids = {str(s.get("id")) for s in ann.result}
    for c in shape_comments:
        if c["shape_id"] not in shape_ids:
            raise Unprocessable(
                f"no shape {c['shape_id']!r} in this annotation", code="unknown_shape", shape_id=c["shape_id"]
            )
    if decision is Decision.REJECT and not comment and not shape_comments:
        raise Unprocessable("say what to fix: a comment is required to reject", code="comment_required")
    accepted = decision is Decision.ACCEPT
    state = _move(session, project, ann, reviewer, action, version)
    row = Review(
        project_id=project.id,
        task_id=ann.task_id,
        annotation_id=ann.id,
        annotation_version=version,
        reviewer_id=reviewer.id,
        decision=decision.value,
        comment=comment,
        shape_comments=shape_comments,
    )
    session.add(row)
    counters.annotator(session, project.id, ann.user_id, **{"accepted" if accepted else "rejected": 1})
    counters.daily(session, project.id, **{"accepted" if accepted else "rejected": 1})
    emit(
        session,
        project.id,
        _EVENTS[action],
        {
            "task_id": ann.task_id,
            "annotation_id": ann.id,
            "version": ann.version,
            "reviewer_id": reviewer.id,
            "comment": comment,
            "shape_comments": shape_comments,
            "task_state": state,
        },
    )
    session.flush()
    return row


def reopen(
    session: Session, project: Project, user: User, annotation_id: int, version: int, reason: str
) -> Review:
    """A reviewer or manager takes an accepted annotation back to rework; the reason is kept as a review."""
    ann = get_annotation(session, project.id, annotation_id, lock=True)
    _move(session, project, ann, user, states.Action.REOPEN, version)
    row = Review(
        project_id=project.id,
        task_id=ann.task_id,
        annotation_id=ann.id,
        annotation_version=version,
        reviewer_id=user.id,
        decision=states.Action.REOPEN.value,
        comment=reason,
        shape_comments=[],
    )
    session.add(row)
    session.flush()
    return row


def start_rework(
    session: Session, project: Project, user: User, annotation_id: int, version: int
) -> Annotation:
    """The annotator takes rejected work back (the editor does this when they open it)."""
    ann = get_annotation(session, project.id, annotation_id, lock=True)
    _move(session, project, ann, user, states.Action.REWORK, version)
    session.flush()
    return ann


def queue_query(project_id: int, after_id: int | None, exclude_user: int | None) -> Select[tuple[Annotation]]:
    query = select(Annotation).where(
        Annotation.project_id == project_id, Annotation.status == AnnotationStatus.SUBMITTED.value
    )
    if after_id is not None:
        query = query.where(Annotation.id > after_id)
    if exclude_user is not None:
        query = query.where(Annotation.user_id != exclude_user)
    return query.order_by(Annotation.id)


def reviews_of(session: Session, annotation: Annotation) -> list[Review]:
    return list(
        session.scalars(select(Review).where(Review.annotation_id == annotation.id).order_by(Review.id))
    )


def queue_page(
    session: Session, project_id: int, after_id: int | None, exclude_user: int | None, limit: int
) -> list[Annotation]:
    """Up to `limit + 1` submitted annotations after `after_id` (the extra one says a next page exists)."""
    return list(session.scalars(queue_query(project_id, after_id, exclude_user).limit(limit + 1)))
