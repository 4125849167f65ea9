"""Webhook subscriptions, a test ping, and the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from labelhive_api.api.deps import Access, SessionDep, SettingsDep, require
from labelhive_api.security.permissions import Permission
from labelhive_api.webhooks import service
from labelhive_api.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"])

HookManager = Annotated[Access, Depends(require(Permission.WEBHOOKS_MANAGE))]


@router.get("/projects/{project_id}/webhooks")
def list_webhooks(access: HookManager, session: SessionDep) -> list[WebhookOut]:
    return [WebhookOut.model_validate(h) for h in service.list_hooks(session, access.project_id)]


@router.post("/projects/{project_id}/webhooks", status_code=201)
def create_webhook(
    body: WebhookIn, access: HookManager, session: SessionDep, settings: SettingsDep
) -> WebhookCreated:
    service.check_url(body.url, settings)
    hook = service.create_hook(session, access.project_id, body.url, body.events, body.secret, body.active)
    session.commit()
    return WebhookCreated(**WebhookOut.model_validate(hook).model_dump(), secret=hook.secret)


@router.patch("/projects/{project_id}/webhooks/{webhook_id}")
def update_webhook(
    webhook_id: int, body: WebhookUpdate, access: HookManager, session: SessionDep, settings: SettingsDep
) -> WebhookOut:
    hook = service.get_hook(session, access.project_id, webhook_id)
    if body.url is not None:
        service.check_url(body.url, settings)
    service.update_hook(hook, body.model_dump(exclude_unset=True))
    session.commit()
    return WebhookOut.model_validate(hook)


@router.delete("/projects/{project_id}/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, access: HookManager, session: SessionDep) -> Response:
    service.delete_hook(session, access.project_id, webhook_id)
    session.commit()
    return Response(status_code=204)


@router.post("/projects/{project_id}/webhooks/{webhook_id}/ping", status_code=202)
def ping_webhook(webhook_id: int, access: HookManager, session: SessionDep) -> dict[str, int]:
    delivery = service.queue_ping(session, service.get_hook(session, access.project_id, webhook_id))
    session.commit()
    return {"delivery_id": delivery.id}


@router.get("/projects/{project_id}/webhooks/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: int,
    access: HookManager,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    hook = service.get_hook(session, access.project_id, webhook_id)
    return [DeliveryOut.model_validate(d) for d in service.deliveries(session, hook, limit)]


@router.get("/projects/{project_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts")
def list_attempts(
    webhook_id: int, delivery_id: int, access: HookManager, session: SessionDep
) -> list[AttemptOut]:
    hook = service.get_hook(session, access.project_id, webhook_id)
    return [AttemptOut.model_validate(a) for a in service.attempts(session, hook, delivery_id)]
