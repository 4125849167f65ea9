"""Webhook subscriptions of a project, their test ping, and the delivery log (all the webhook SQL the
routes need; delivery itself is `dispatcher.py`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from labelhive_outbound import OutboundRefused, check_destination
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.errors import NotFound, Unprocessable
from labelhive_api.settings import Settings
from labelhive_api.webhooks.events import Event
from labelhive_api.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


def check_url(url: str, settings: Settings) -> None:
    """422 for a receiver the outbound policy would refuse (private, loopback, metadata addresses)."""
    try:
        check_destination(url, settings.outbound_policy(max_bytes=0, timeout=1))
    except OutboundRefused as refused:
        raise Unprocessable(
            f"webhooks may not call this address: {refused.reason}", code="webhook_url_refused"
        ) from None


def get_hook(session: Session, project_id: int, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.project_id != project_id:
        raise NotFound("webhook not found", code="webhook_not_found")
    return hook


def list_hooks(session: Session, project_id: int) -> Sequence[Webhook]:
    return session.scalars(select(Webhook).where(Webhook.project_id == project_id).order_by(Webhook.id)).all()


def create_hook(
    session: Session, project_id: int, url: str, events: list[str], secret: str | None, active: bool
) -> Webhook:
    hook = Webhook(
        project_id=project_id,
        url=url,
        events=events,
        secret=secret or secrets.token_urlsafe(32),
        active=active,
    )
    session.add(hook)
    session.flush()
    return hook


def update_hook(hook: Webhook, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if value is not None:
            setattr(hook, field, value)


def queue_ping(session: Session, hook: Webhook) -> WebhookDelivery:
    delivery = WebhookDelivery(
        webhook_id=hook.id,
        project_id=hook.project_id,
        event=Event.PING.value,
        payload={
            "event": "ping",
            "project_id": hook.project_id,
            "created_at": utcnow().isoformat(),
            "data": {},
        },
    )
    session.add(delivery)
    session.flush()
    return delivery


def deliveries(session: Session, hook: Webhook, limit: int) -> Sequence[WebhookDelivery]:
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()


def attempts(session: Session, hook: Webhook, delivery_id: int) -> Sequence[WebhookAttempt]:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != hook.id:
        raise NotFound("delivery not found", code="delivery_not_found")
    return session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.id)
    ).all()


def delete_hook(session: Session, project_id: int, webhook_id: int) -> None:
    session.delete(get_hook(session, project_id, webhook_id))
