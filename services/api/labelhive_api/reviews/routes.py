"""Review endpoints: the review queue and accept/reject decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from labelhive_api.annotations.access import ReadableAnnotation
from labelhive_api.annotations.schemas import AnnotationOut
from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import Page, RequestBody, ResponseBody
from labelhive_api.reviews import my_work, service
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks.service import decode_cursor, encode_cursor

router = APIRouter(tags=["reviews"])

Reviewer = Annotated[Access, Depends(require(Permission.REVIEW))]
Annotator = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]


class ShapeComment(RequestBody):
    shape_id: str = Field(min_length=1, max_length=100)
    comment: str = Field(min_length=1, max_length=5000)


class ReviewIn(RequestBody):
    decision: service.Decision
    version: int = Field(ge=1, description="the annotation version that was reviewed")
    comment: str = Field("", max_length=20000)
    shape_comments: list[ShapeComment] = Field(default_factory=list, max_length=5000)


class ReopenIn(RequestBody):
    version: int = Field(ge=1, description="the accepted version being reopened")
    reason: str = Field(min_length=1, max_length=20000, description="why it goes back to rework")


class ReworkIn(RequestBody):
    version: int = Field(ge=1, description="the rejected version the annotator takes back")


class ReviewOut(ResponseBody):
    id: int
    annotation_id: int
    annotation_version: int
    task_id: int
    reviewer_id: int
    decision: str
    comment: str
    shape_comments: list[dict[str, Any]]
    created_at: datetime


@router.get("/projects/{project_id}/reviews/queue")
def review_queue(
    access: Reviewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    include_own: bool = False,
) -> Page[AnnotationOut]:
    after = int(decode_cursor(cursor)[1]) if cursor else None
    rows = service.queue_page(
        session, access.project_id, after, None if include_own else access.user.id, limit
    )
    next_cursor = encode_cursor([None, rows[limit - 1].id]) if len(rows) > limit else None
    return Page[AnnotationOut](
        items=[AnnotationOut.model_validate(a) for a in rows[:limit]], next_cursor=next_cursor
    )


@router.post("/projects/{project_id}/annotations/{annotation_id}/review", status_code=201)
def review_annotation(annotation_id: int, body: ReviewIn, access: Reviewer, session: SessionDep) -> ReviewOut:
    row = service.review(
        session,
        access.project,
        access.user,
        annotation_id,
        body.version,
        body.decision,
        body.comment,
        [c.model_dump() for c in body.shape_comments],
    )
    session.commit()
    return ReviewOut.model_validate(row)


@router.post("/projects/{project_id}/annotations/{annotation_id}/reopen", status_code=201)
def reopen_annotation(annotation_id: int, body: ReopenIn, access: Reviewer, session: SessionDep) -> ReviewOut:
    """Accepted -> rework: the only way to change accepted work (who and why are kept as a review)."""
    row = service.reopen(session, access.project, access.user, annotation_id, body.version, body.reason)
    session.commit()
    return ReviewOut.model_validate(row)


@router.post("/projects/{project_id}/annotations/{annotation_id}/rework")
def rework_annotation(
    annotation_id: int, body: ReworkIn, access: Annotator, session: SessionDep
) -> AnnotationOut:
    """Rejected -> rework, by its annotator (saving the shapes does it too)."""
    ann = service.start_rework(session, access.project, access.user, annotation_id, body.version)
    session.commit()
    return AnnotationOut.model_validate(ann)


@router.get("/projects/{project_id}/annotations/{annotation_id}/reviews")
def annotation_reviews(ann: ReadableAnnotation, session: SessionDep) -> list[ReviewOut]:
    return [ReviewOut.model_validate(r) for r in service.reviews_of(session, ann)]


class WorkItemOut(ResponseBody):
    task_id: int
    filename: str
    status: str = Field(description="annotation status, or draft / leased for work not submitted yet")
    annotation_id: int | None
    version: int | None
    updated_at: datetime | None
    comment: str = Field(description="the reviewer's last reject or reopen comment (rejected group)")
    shape_comments: list[dict[str, Any]]
    reviewer_id: int | None


class MyWorkOut(ResponseBody):
    counts: dict[str, int]
    groups: dict[str, list[WorkItemOut]] = Field(
        description="rejected (and in rework), in_progress, submitted, accepted; newest first"
    )


@router.get("/projects/{project_id}/my-work")
def my_work_page(
    access: Annotator, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> MyWorkOut:
    """The caller's own work, rejected first with the reviewer's comments."""
    counts, groups = my_work.my_work(session, access.project_id, access.user.id, limit)
    return MyWorkOut(
        counts=counts,
        groups={g: [WorkItemOut.model_validate(i) for i in items] for g, items in groups.items()},
    )
