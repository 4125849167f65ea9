"""Request and response bodies for tasks and batches."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.tasks import bulk, service
from labelhive_api.tasks.models import TaskState


class PredictionIn(RequestBody):
    """Shapes a model proposed (contracts/README.md); stored once per task and model version."""

    model_version: str = Field(min_length=1, max_length=200)
    score: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    result: list[Any] = Field(default_factory=list, max_length=5000)


class AnnotationIn(RequestBody):
    """A finished annotation, submitted as the caller's (one per task)."""

    result: list[Any] = Field(default_factory=list, max_length=5000)


_IMAGE = re.compile(
    r"^(https?://[^\s]+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^\s]+"
    r"|assets/sha256/[0-9a-f]{2}/[0-9a-f]{64})$"
)


class TaskIn(RequestBody):
    image: str = Field(
        min_length=1,
        max_length=1024,
        description="http(s) URL, the project's storage key (assets/sha256/..), s3://bucket/key of an "
        "allowed import bucket",
    )

    @field_validator("image")
    @classmethod
    def _image_source(cls, value: str) -> str:
        # Anything else would become a redirect target or a link in the UI (javascript:, file:, other keys)
        # or bypass the outbound policy, the image checks and the object store (data:).
        if not _IMAGE.match(value):
            raise ValueError("image must be an http(s) or s3:// URL or an assets/sha256/ key")
        return value

    filename: str = Field("", max_length=1024)
    width: int | None = Field(None, ge=1, le=1_000_000)
    height: int | None = Field(None, ge=1, le=1_000_000)
    asset_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    meta: dict[str, Any] = Field(default_factory=dict)
    batch_id: int | None = None
    predictions: list[PredictionIn] = Field(default_factory=list, max_length=20)
    annotations: list[AnnotationIn] = Field(default_factory=list, max_length=1)


class TasksIn(RequestBody):
    tasks: list[TaskIn] = Field(min_length=1, max_length=10000)


class TaskOut(ResponseBody):
    id: int
    project_id: int
    batch_id: int | None
    state: TaskState
    assignee_id: int | None
    image: str
    filename: str
    width: int | None
    height: int | None
    meta: dict[str, Any]
    has_prediction: bool
    created_at: datetime
    updated_at: datetime


class NextTaskOut(ResponseBody):
    task: TaskOut
    lease_expires_at: datetime


class CreatedIds(ResponseBody):
    ids: list[int]


class BatchIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    task_ids: list[int] = Field(default_factory=list, max_length=100000)


class BatchOut(ResponseBody):
    id: int
    name: str
    assignee_id: int | None
    created_at: datetime


class AssignIn(RequestBody):
    assignee_id: int | None


class AssignTasksIn(RequestBody):
    task_ids: list[int] = Field(min_length=1, max_length=100000)
    assignee_id: int | None


class AssignedOut(ResponseBody):
    updated: int


class StateCounts(ResponseBody):
    counts: dict[str, int]
    total: int


class FilterIn(RequestBody):
    state: list[Literal["new", "in_progress", "submitted", "accepted", "rejected"]] | None = None
    assignee: str | None = Field(None, pattern=r"^(\d+|none)$")
    label: str | None = Field(None, max_length=200)
    batch_id: int | None = None
    has_prediction: bool | None = None

    def to_filter(self) -> service.TaskFilter:
        return service.TaskFilter(
            state=list(self.state) if self.state else None,
            assignee=int(self.assignee) if self.assignee and self.assignee != "none" else None,
            unassigned=self.assignee == "none",
            label=self.label,
            batch_id=self.batch_id,
            has_prediction=self.has_prediction,
        )


class SelectionIn(RequestBody):
    task_ids: list[int] | None = Field(None, min_length=1, max_length=bulk.MAX_SELECTION)
    filter: FilterIn | None = None

    @model_validator(mode="after")
    def _one(self) -> SelectionIn:
        if (self.task_ids is None) == (self.filter is None):
            raise ValueError("give exactly one of task_ids or filter")
        return self

    def selection(self) -> bulk.Selection:
        return bulk.Selection(
            task_ids=self.task_ids, filter=self.filter.to_filter() if self.filter is not None else None
        )
