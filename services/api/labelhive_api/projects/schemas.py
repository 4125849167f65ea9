"""Request and response bodies for projects, members and label schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.projects.label_schema import Label
from labelhive_api.security.permissions import Role


class ProjectIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20000)
    instructions: str = Field("", max_length=100000)
    overlap: int = Field(1, ge=1, le=20)
    labels: list[Label] | None = None


class ProjectUpdate(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20000)
    instructions: str | None = Field(None, max_length=100000)
    overlap: int | None = Field(None, ge=1, le=20)


class ProjectOut(ResponseBody):
    id: int
    name: str
    description: str
    instructions: str
    overlap: int
    label_schema_version: int
    created_at: datetime


class LabelSchemaOut(ResponseBody):
    version: int
    labels: list[dict[str, Any]]
    created_at: datetime


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
