"""An annotator's own work, grouped the way they act on it: rejected first (with the reviewer's words), then
in progress, then awaiting review, then accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelhive_api.annotations.models import Annotation, AnnotationStatus, Draft
from labelhive_api.db.base import utcnow
from labelhive_api.reviews.models import Review
from labelhive_api.tasks.models import Task, TaskLease

GROUPS = ("rejected", "in_progress", "submitted", "accepted")
_GROUP_OF = {
    AnnotationStatus.REJECTED.value: "rejected",
    AnnotationStatus.REWORK.value: "rejected",
    AnnotationStatus.SUBMITTED.value: "submitted",
    AnnotationStatus.ACCEPTED.value: "accepted",
}


@dataclass
class WorkItem:
    task_id: int
    filename: str
    status: str  # an annotation status, or "draft" / "leased" for work not submitted yet
    annotation_id: int | None = None
    version: int | None = None
    updated_at: datetime | None = None
    comment: str = ""
    shape_comments: list[dict[str, Any]] = field(default_factory=list)
    reviewer_id: int | None = None


def my_work(
    session: Session, project_id: int, user_id: int, limit: int
) -> tuple[dict[str, int], dict[str, list[WorkItem]]]:
    """Counts per group and up to `limit` items per group, newest first."""
    counts = dict.fromkeys(GROUPS, 0)
    for status, n in session.execute(
        select(Annotation.status, func.count())
        .where(Annotation.project_id == project_id, Annotation.user_id == user_id)
        .group_by(Annotation.status)
    ):
        counts[_GROUP_OF.get(status, "submitted")] += int(n)
    groups: dict[str, list[WorkItem]] = {g: [] for g in GROUPS}
    for group, statuses in (
        ("rejected", [AnnotationStatus.REJECTED.value, AnnotationStatus.REWORK.value]),
        ("submitted", [AnnotationStatus.SUBMITTED.value]),
        ("accepted", [AnnotationStatus.ACCEPTED.value]),
    ):
        rows = session.execute(
            select(
                Annotation.id,
                Annotation.task_id,
                Annotation.status,
                Annotation.version,
                Annotation.updated_at,
                Task.filename,
            )
            .join(Task, Task.id == Annotation.task_id)
            .where(
                Annotation.project_id == project_id,
                Annotation.user_id == user_id,
                Annotation.status.in_(statuses),
            )
            .order_by(Annotation.updated_at.desc(), Annotation.id.desc())
            .limit(limit)
        )
        groups[group] = [
            WorkItem(task_id=t, filename=f, status=s, annotation_id=a, version=v, updated_at=u)
            for a, t, s, v, u, f in rows
        ]
    _attach_comments(session, groups["rejected"])
    groups["in_progress"] = _unsubmitted(session, project_id, user_id, limit)
    counts["in_progress"] = len(groups["in_progress"])
    return counts, groups


def _attach_comments(session: Session, items: list[WorkItem]) -> None:
    """The latest reject or reopen decision of each item: what the reviewer asked to change."""
    if not items:
        return
    by_id = {i.annotation_id: i for i in items}
    rows = session.scalars(
        select(Review)
        .where(Review.annotation_id.in_(list(by_id)), Review.decision.in_(["reject", "reopen"]))
        .order_by(Review.id)
    )
    for review in rows:  # later rows overwrite earlier ones
        item = by_id[review.annotation_id]
        item.comment, item.shape_comments, item.reviewer_id = (
            review.comment,
            review.shape_comments,
            review.reviewer_id,
        )


def _unsubmitted(session: Session, project_id: int, user_id: int, limit: int) -> list[WorkItem]:
    """Tasks I hold (a live lease) or have a draft of, with no submitted annotation of mine."""
    submitted = select(Annotation.task_id).where(
        Annotation.project_id == project_id, Annotation.user_id == user_id
    )
    drafts = session.execute(
        select(Draft.task_id, Draft.updated_at, Task.filename)
        .join(Task, Task.id == Draft.task_id)
        .where(Draft.project_id == project_id, Draft.user_id == user_id, Draft.task_id.not_in(submitted))
        .order_by(Draft.updated_at.desc())
        .limit(limit)
    ).all()
    items = [WorkItem(task_id=t, filename=f, status="draft", updated_at=u) for t, u, f in drafts]
    seen = {i.task_id for i in items}
    leased = session.execute(
        select(TaskLease.task_id, Task.filename)
        .join(Task, Task.id == TaskLease.task_id)
        .where(
            TaskLease.project_id == project_id,
            TaskLease.user_id == user_id,
            TaskLease.expires_at > utcnow(),
            TaskLease.task_id.not_in(submitted),
        )
        .limit(limit)
    ).all()
    items += [WorkItem(task_id=t, filename=f, status="leased") for t, f in leased if t not in seen]
    return items[:limit]
