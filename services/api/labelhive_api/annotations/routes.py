"""Annotation endpoints: submit, update with version, history, drafts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from labelhive_api.annotations import service
from labelhive_api.annotations.access import ReadableAnnotation, readable_annotations, writer
from labelhive_api.annotations.schemas import (
    AnnotationCreate,
    AnnotationOut,
    AnnotationUpdate,
    AnnotationVersionOut,
    DraftIn,
    DraftOut,
)
from labelhive_api.api.deps import Access, SessionDep, SettingsDep, require
from labelhive_api.api.schemas import ResponseBody, json_response
from labelhive_api.errors import NotFound
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks.access import AnnotatorTask, visible_task

router = APIRouter(tags=["annotations"])

Annotator = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]


@router.get("/projects/{project_id}/tasks/{task_id}/annotations")
def list_task_annotations(task: AnnotatorTask, access: Annotator, session: SessionDep) -> list[AnnotationOut]:
    return [AnnotationOut.model_validate(a) for a in readable_annotations(session, access, task.id)]


@router.post(
    "/projects/{project_id}/tasks/{task_id}/annotations", status_code=201, response_model=AnnotationOut
)
def submit_annotation(
    task_id: int, body: AnnotationCreate, access: Annotator, session: SessionDep
) -> Response:
    task = visible_task(session, access, task_id, lock=True)
    ann = service.create(
        session, access.project, task, writer(access), body.result, body.lead_time_ms, task_locked=True
    )
    session.commit()
    return json_response(AnnotationOut.model_validate(ann), 201)


@router.get("/projects/{project_id}/annotations/{annotation_id}")
def get_annotation(ann: ReadableAnnotation) -> AnnotationOut:
    return AnnotationOut.model_validate(ann)


@router.put("/projects/{project_id}/annotations/{annotation_id}", response_model=AnnotationOut)
def update_annotation(
    annotation_id: int, body: AnnotationUpdate, access: Annotator, session: SessionDep
) -> Response:
    ann = service.update_result(
        session, access.project, annotation_id, writer(access), body.version, body.result, body.lead_time_ms
    )
    session.commit()
    return json_response(AnnotationOut.model_validate(ann))


@router.get("/projects/{project_id}/annotations/{annotation_id}/history")
def annotation_history(ann: ReadableAnnotation, session: SessionDep) -> list[AnnotationVersionOut]:
    return [AnnotationVersionOut.model_validate(v) for v in service.history(session, ann)]


@router.get("/projects/{project_id}/tasks/{task_id}/draft")
def get_draft(task: AnnotatorTask, access: Annotator, session: SessionDep) -> DraftOut:
    draft = service.get_draft(session, task.id, access.user.id)
    if draft is None:
        raise NotFound("no draft", code="draft_not_found")
    return DraftOut.model_validate(draft)


@router.put("/projects/{project_id}/tasks/{task_id}/draft")
def save_draft(task: AnnotatorTask, body: DraftIn, access: Annotator, session: SessionDep) -> DraftOut:
    draft = service.save_draft(
        session, access.project, task, access.user, body.version, body.result, body.lead_time_ms
    )
    session.commit()
    return DraftOut.model_validate(draft)


@router.delete("/projects/{project_id}/tasks/{task_id}/draft", status_code=204)
def delete_draft(task: AnnotatorTask, access: Annotator, session: SessionDep) -> Response:
    if not service.delete_draft(session, task.id, access.user.id):
        raise NotFound("no draft", code="draft_not_found")
    session.commit()
    return Response(status_code=204)


class EditorFeaturesOut(ResponseBody):
    smart_select: bool  # an interactive (click-to-segment) worker is configured


@router.get("/projects/{project_id}/editor-features")
def editor_features(access: Annotator, settings: SettingsDep) -> EditorFeaturesOut:
    """What the editor may offer here: smart select only with an interactive worker behind it."""
    return EditorFeaturesOut(smart_select=bool(settings.interactive_url))
