"""Request and response bodies of the webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.webhooks.events import Event

EVENTS = {e.value for e in Event if e is not Event.PING} | {"*"}


class WebhookIn(RequestBody):
    url: str = Field(pattern=r"^https?://", max_length=2000)
    events: list[str] = Field(min_length=1, max_length=20)
    secret: str | None = Field(None, min_length=16, max_length=200)
    active: bool = True

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - EVENTS)
        if unknown:
            raise ValueError(f"unknown events {unknown}; known: {sorted(EVENTS)}")
        return value


class WebhookUpdate(RequestBody):
    url: str | None = Field(None, pattern=r"^https?://", max_length=2000)
    events: list[str] | None = Field(None, min_length=1, max_length=20)
    active: bool | None = None

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and set(value) - EVENTS:
            raise ValueError(f"unknown events {sorted(set(value) - EVENTS)}")
        return value


class WebhookOut(ResponseBody):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str


class DeliveryOut(ResponseBody):
    id: int
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class AttemptOut(ResponseBody):
    attempted_at: datetime
    status_code: int | None
    error: str
    duration_ms: int
