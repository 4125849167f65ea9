"""Request and response bodies for annotations and drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, computed_field

from labelhive_api.annotations.models import AnnotationStatus
from labelhive_api.annotations.states import allowed_actions
from labelhive_api.api.schemas import RequestBody, ResponseBody

LeadTime = Field(0, ge=0, le=7 * 24 * 3600 * 1000, description="milliseconds spent on this save")


class AnnotationCreate(RequestBody):
    result: list[dict[str, Any]] = Field(max_length=5000)
    lead_time_ms: int = LeadTime


class AnnotationUpdate(RequestBody):
    version: int = Field(ge=1, description="the version this edit is based on")
    result: list[dict[str, Any]] = Field(max_length=5000)
    lead_time_ms: int = LeadTime


class AnnotationOut(ResponseBody):
    id: int
    project_id: int
    task_id: int
    user_id: int
    status: AnnotationStatus
    version: int
    result: list[dict[str, Any]]
    lead_time_ms: int
    schema_version: int
    prediction_id: int | None
    updated_by: int | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_actions(self) -> list[str]:
        """What the review state machine allows from this status (by someone: see the README's table)."""
        return allowed_actions(self.status)


class AnnotationVersionOut(ResponseBody):
    version: int
    status: str
    result: list[dict[str, Any]]
    lead_time_ms: int
    author_id: int | None
    reason: str
    created_at: datetime


class DraftIn(RequestBody):
    version: int = Field(ge=0, description="current draft version (0 when there is none yet)")
    result: list[dict[str, Any]] = Field(max_length=5000)
    lead_time_ms: int = LeadTime


class DraftOut(ResponseBody):
    task_id: int
    user_id: int
    version: int
    result: list[dict[str, Any]]
    lead_time_ms: int
    updated_at: datetime
