"""Request and response bodies for projects, members and label schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.projects.label_schema import Label
from labelhive_api.security.permissions import Role

LOCALE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
# A task lease between one minute and one day.
LeaseSeconds = Field(None, ge=60, le=86400)


class ProjectIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20000)
    instructions: str = Field("", max_length=100000, description="Markdown")
    overlap: int = Field(1, ge=1, le=20)
    task_lease_seconds: int | None = LeaseSeconds
    default_locale: str = Field("zh-CN", pattern=LOCALE)
    labels: list[Label] | None = None


class ProjectUpdate(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)
    instructions: str | None = Field(None, max_length=100000)
    overlap: int | None = Field(None, ge=1, le=20)
    task_lease_seconds: int | None = Field(
        None, ge=60, le=86400, description="null with the key present: the server's default"
    )
    default_locale: str | None = Field(None, pattern=LOCALE)
    archived: bool | None = Field(None, description="archive (true) or restore (false)")
    auto_prelabel: bool | None = Field(None, description="pre-label imported tasks with the exemplar sets")


class ProjectOut(ResponseBody):
    id: int
    name: str
    description: str
    instructions: str
    overlap: int
    task_lease_seconds: int | None
    default_locale: str
    archived_at: datetime | None
    label_schema_version: int
    auto_prelabel: bool = False
    created_at: datetime


class ProjectListItem(ProjectOut):
    task_counts: dict[str, int] = Field(default_factory=dict, description="tasks per state")


class LabelSchemaOut(ResponseBody):
    version: int
    labels: list[dict[str, Any]]
    created_at: datetime


class LabelSchemaVersionOut(ResponseBody):
    version: int
    created_at: datetime
    labels: int = Field(description="how many labels this version has")
    author: str | None = Field(None, description="display name of who saved it")


class LabelSchemaPreview(ResponseBody):
    labels: list[dict[str, Any]]


class LabelStudioImport(RequestBody):
    config: str = Field(min_length=1, max_length=500000)
    locale: str = Field("zh-CN", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class MemberIn(RequestBody):
    email: str = Field(min_length=3, max_length=320)
    role: Role


class MemberUpdate(RequestBody):
    role: Role


class MemberOut(ResponseBody):
    user_id: int
    email: str
    display_name: str
    role: Role
    last_active_at: datetime | None = Field(
        None, description="latest annotation or draft change in this project"
    )
