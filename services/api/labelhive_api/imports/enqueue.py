"""Queueing an import: the options every import kind shares, and the job row the runner picks up."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from labelhive_api.api.deps import Access
from labelhive_api.api.schemas import RequestBody
from labelhive_api.imports.models import ImportJob
from labelhive_api.jobs.state import JobState
from labelhive_api.tasks.service import get_batch

Format = Literal["images", "coco", "yolo", "voc", "labelstudio", "tasks"]


class ImportOptions(RequestBody):
    format: Format = "images"
    annotations_as: Literal["predictions", "annotations"] = "predictions"
    model_version: str | None = Field(None, max_length=200)
    label_map: dict[str, str] = Field(
        default_factory=dict, description="dataset category name -> project label value"
    )
    batch_id: int | None = None
    labelstudio_use: Literal["annotations", "predictions"] = "annotations"


def create_job(
    session: Session, access: Access, kind: str, options: ImportOptions, extra: dict[str, Any]
) -> ImportJob:
    if options.batch_id is not None:
        get_batch(session, access.project_id, options.batch_id)
    stored = options.model_dump(exclude={"format"}) | extra
    job = ImportJob(
        project_id=access.project_id,
        created_by=access.user.id,
        kind=kind,
        format=options.format,
        options=stored,
        state=JobState.QUEUED,
        report={},
    )
    session.add(job)
    session.flush()
    return job
