"""Who may read or change which annotation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from labelhive_api.annotations import service
from labelhive_api.annotations.exceptions import NotYourAnnotation
from labelhive_api.annotations.models import Annotation
from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.security.permissions import Permission


def writer(access: Access) -> service.Writer:
    """The caller as an author: reviewers and managers may change others' annotations."""
    return service.Writer(access.user, may_edit_others=access.can(Permission.REVIEW))


def readable_annotation(session: Session, access: Access, annotation_id: int) -> Annotation:
    """One's own annotations, or anyone's for those who may view all annotations."""
    ann = service.get_annotation(session, access.project_id, annotation_id)
    if ann.user_id != access.user.id and not access.can(Permission.ANNOTATIONS_VIEW):
        raise NotYourAnnotation()
    return ann


def readable_annotations(session: Session, access: Access, task_id: int) -> list[Annotation]:
    """A task's annotations the caller may read: all of them, or only their own."""
    own_only = None if access.can(Permission.ANNOTATIONS_VIEW) else access.user.id
    return service.task_annotations(session, task_id, only_user=own_only)


def annotation_dependency(permission: Permission) -> Callable[..., Annotation]:
    """A route dependency: the annotation in the path, when the caller (holding `permission`) may read it."""

    caller = Depends(require(permission))  # a default, not an annotation: evaluated here, in this scope

    def dependency(annotation_id: int, session: SessionDep, access: Access = caller) -> Annotation:
        return readable_annotation(session, access, annotation_id)

    return dependency


# The annotation in the path as an annotator may read it (their own; anyone's for reviewers and managers).
ReadableAnnotation = Annotated[Annotation, Depends(annotation_dependency(Permission.TASKS_ANNOTATE))]
