"""Who may read or change which annotation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from labelhive_api.annotations import service
from labelhive_api.annotations.exceptions import NotYourAnnotation
from labelhive_api.annotations.models import Annotation
from labelhive_api.api.deps import Access
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
