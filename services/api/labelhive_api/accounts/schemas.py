"""Request and response bodies for accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.security.permissions import Role

Email = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
Password = Field(min_length=8, max_length=256)
Locale = Field(default="zh-CN", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class LoginIn(RequestBody):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class UserOut(ResponseBody):
    id: int
    email: str
    display_name: str
    locale: str
    is_active: bool
    is_admin: bool


class MembershipOut(ResponseBody):
    project_id: int
    project_name: str
    role: Role


class MeOut(UserOut):
    memberships: list[MembershipOut]


class LoginOut(ResponseBody):
    user: UserOut
    csrf_token: str
    expires_at: datetime


class MeUpdate(RequestBody):
    display_name: str | None = Field(None, min_length=1, max_length=200)
    locale: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    current_password: str | None = Field(None, max_length=256)
    new_password: str | None = Field(None, min_length=8, max_length=256)


class TokenIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    expires_in_days: int = Field(90, ge=1, le=366, description="the token stops working after this")


class TokenOut(ResponseBody):
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked: bool
    expires_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str


class InviteIn(RequestBody):
    role: Role
    expires_in_hours: int = Field(72, ge=1, le=24 * 90)
    max_uses: int = Field(1, ge=1, le=1000)
    email: str | None = Field(None, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


class InviteOut(ResponseBody):
    id: int
    project_id: int | None
    role: Role
    email: str | None
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool


class InviteCreated(InviteOut):
    token: str
    url: str


class InvitePreview(ResponseBody):
    role: Role
    project_id: int | None
    project_name: str | None
    project_locale: str | None = None
    email: str | None
    expires_at: datetime


class InviteAccept(RequestBody):
    email: str = Email
    password: str = Password
    display_name: str = Field(min_length=1, max_length=200)
    locale: str = Locale


class UserAdminUpdate(RequestBody):
    is_active: bool | None = None
    is_admin: bool | None = None
    display_name: str | None = Field(None, min_length=1, max_length=200)
