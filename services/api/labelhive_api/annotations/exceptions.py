"""Annotation errors."""

from labelhive_api.errors import Conflict, Forbidden, NotFound, Unprocessable


class AnnotationNotFound(NotFound):
    code = "annotation_not_found"
    title = "Annotation not found"


class VersionConflict(Conflict):
    code = "version_conflict"
    title = "Someone saved a newer version"


class AnnotationExists(Conflict):
    code = "annotation_exists"
    title = "You already annotated this task; update it with its version"


class TaskFull(Conflict):
    code = "task_full"
    title = "This task already has all the annotations it needs"


class NotYourAnnotation(Forbidden):
    code = "not_your_annotation"
    title = "Only its annotator or a reviewer may change this annotation"


class NoLabelSchema(Unprocessable):
    code = "schema_not_found"
    title = "The project has no label schema yet"
