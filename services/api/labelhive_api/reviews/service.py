"""Review decisions: submitted -> accepted | rejected (comments, per shape too) -> rework -> resubmitted."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.annotations.exceptions import VersionConflict
from labelhive_api.annotations.models import Annotation, AnnotationStatus, AnnotationVersion
from labelhive_api.annotations.service import get_annotation, refresh_task_state
from labelhive_api.errors import Conflict, Unprocessable
from labelhive_api.projects.models import Project
from labelhive_api.reviews.models import Review
from labelhive_api.stats import counters
from labelhive_api.tasks.models import Task
from labelhive_api.webhooks.events import Event, emit


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class NotReviewable(Conflict):
    code = "not_reviewable"
    title = "Only submitted annotations can be reviewed"


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
    if ann.version != version:
        raise VersionConflict(current_version=ann.version, annotation_id=ann.id)
    if ann.status != AnnotationStatus.SUBMITTED.value:
        raise NotReviewable(status=ann.status)
    shape_ids = {str(s.get("id")) for s in ann.result}
    for c in shape_comments:
        if c["shape_id"] not in shape_ids:
            raise Unprocessable(
                f"no shape {c['shape_id']!r} in this annotation", code="unknown_shape", shape_id=c["shape_id"]
            )
    if decision is Decision.REJECT and not comment and not shape_comments:
        raise Unprocessable("say what to fix: a comment is required to reject", code="comment_required")
    accepted = decision is Decision.ACCEPT
    ann.status = AnnotationStatus.ACCEPTED.value if accepted else AnnotationStatus.REJECTED.value
    ann.version += 1
    session.add(
        AnnotationVersion(
            annotation_id=ann.id,
            version=ann.version,
            status=ann.status,
            result=ann.result,
            lead_time_ms=ann.lead_time_ms,
            author_id=reviewer.id,
            reason=ann.status,
        )
    )
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
    task = session.get(Task, ann.task_id, with_for_update=True)
    assert task is not None
    state = refresh_task_state(session, project, task)
    emit(
        session,
        project.id,
        Event.TASK_ACCEPTED if accepted else Event.TASK_REJECTED,
        {
            "task_id": task.id,
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
