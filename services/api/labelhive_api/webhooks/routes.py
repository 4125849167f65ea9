"""Webhook subscriptions, a test ping, and the delivery log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from labelhive_outbound import OutboundRefused, check_destination
from pydantic import Field, field_validator
from sqlalchemy import select

from labelhive_api.api.deps import Access, SessionDep, SettingsDep, require
from labelhive_api.api.schemas import RequestBody, ResponseBody
from labelhive_api.db.base import utcnow
from labelhive_api.errors import NotFound, Unprocessable
from labelhive_api.security.permissions import Permission
from labelhive_api.settings import Settings
from labelhive_api.webhooks.events import Event, emit
from labelhive_api.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

router = APIRouter(tags=["webhooks"])

HookManager = Annotated[Access, Depends(require(Permission.WEBHOOKS_MANAGE))]
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


def _hook(session: SessionDep, access: Access, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.project_id != access.project_id:
        raise NotFound("webhook not found", code="webhook_not_found")
    return hook


@router.get("/projects/{project_id}/webhooks")
def list_webhooks(access: HookManager, session: SessionDep) -> list[WebhookOut]:
    rows = session.scalars(
        select(Webhook).where(Webhook.project_id == access.project_id).order_by(Webhook.id)
    )
    return [WebhookOut.model_validate(h) for h in rows]


def _check_url(url: str, settings: Settings) -> None:
    try:
        check_destination(url, settings.outbound_policy(max_bytes=0, timeout=1))
    except OutboundRefused as refused:
        raise Unprocessable(
            f"webhooks may not call this address: {refused.reason}", code="webhook_url_refused"
        ) from None


@router.post("/projects/{project_id}/webhooks", status_code=201)
def create_webhook(
    body: WebhookIn, access: HookManager, session: SessionDep, settings: SettingsDep
) -> WebhookCreated:
    _check_url(body.url, settings)
    hook = Webhook(
        project_id=access.project_id,
        url=body.url,
        events=body.events,
        secret=body.secret or secrets.token_urlsafe(32),
        active=body.active,
    )
    session.add(hook)
    session.commit()
    return WebhookCreated(**WebhookOut.model_validate(hook).model_dump(), secret=hook.secret)


@router.patch("/projects/{project_id}/webhooks/{webhook_id}")
def update_webhook(
    webhook_id: int, body: WebhookUpdate, access: HookManager, session: SessionDep, settings: SettingsDep
) -> WebhookOut:
    hook = _hook(session, access, webhook_id)
    if body.url is not None:
        _check_url(body.url, settings)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(hook, field, value)
    session.commit()
    return WebhookOut.model_validate(hook)


@router.delete("/projects/{project_id}/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, access: HookManager, session: SessionDep) -> Response:
    session.delete(_hook(session, access, webhook_id))
    session.commit()
    return Response(status_code=204)


@router.post("/projects/{project_id}/webhooks/{webhook_id}/ping", status_code=202)
def ping_webhook(webhook_id: int, access: HookManager, session: SessionDep) -> dict[str, int]:
    hook = _hook(session, access, webhook_id)
    delivery = WebhookDelivery(
        webhook_id=hook.id,
        project_id=access.project_id,
        event=Event.PING.value,
        payload={
            "event": "ping",
            "project_id": access.project_id,
            "created_at": utcnow().isoformat(),
            "data": {},
        },
    )
    session.add(delivery)
    session.commit()
    return {"delivery_id": delivery.id}


@router.get("/projects/{project_id}/webhooks/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: int,
    access: HookManager,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    hook = _hook(session, access, webhook_id)
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [DeliveryOut.model_validate(d) for d in rows]


@router.get("/projects/{project_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts")
def list_attempts(
    webhook_id: int, delivery_id: int, access: HookManager, session: SessionDep
) -> list[AttemptOut]:
    hook = _hook(session, access, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != hook.id:
        raise NotFound("delivery not found", code="delivery_not_found")
    rows = session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.id)
    )
    return [AttemptOut.model_validate(a) for a in rows]


__all__ = ["emit", "router"]
