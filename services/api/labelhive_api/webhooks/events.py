"""Project events; emitting one writes outbox rows in the caller's transaction (never sends)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.webhooks.models import Webhook, WebhookDelivery


class Event(StrEnum):
    TASK_SUBMITTED = "task.submitted"
    TASK_ACCEPTED = "task.accepted"
    TASK_REJECTED = "task.rejected"
    EXPORT_FINISHED = "export.finished"
    PRELABEL_FINISHED = "prelabel.finished"
    PING = "ping"


def emit(session: Session, project_id: int, event: Event | str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook of the project subscribed to it; returns how many."""
    return emit_many(session, project_id, event, [data])


def emit_many(session: Session, project_id: int, event: Event | str, items: list[dict[str, Any]]) -> int:
    """`emit` for many events of one kind (bulk writes): the webhooks are read once, the outbox rows are
    inserted in one multi-row statement. Returns how many deliveries were queued."""
    event = str(event)
    if not items:
        return 0
    hooks = [
        hook
        for hook in session.scalars(
            select(Webhook).where(Webhook.project_id == project_id, Webhook.active.is_(True))
        )
        if event == Event.PING or event in hook.events or "*" in hook.events
    ]
    if not hooks:
        return 0
    now = utcnow()
    rows = [
        {
            "webhook_id": hook.id,
            "project_id": project_id,
            "event": event,
            "payload": {
                "event": event,
                "project_id": project_id,
                "created_at": now.isoformat(),
                "data": data,
            },
            "next_attempt_at": now,
        }
        for data in items
        for hook in hooks
    ]
    if len(rows) == 1:
        session.add(WebhookDelivery(**rows[0]))
    else:
        session.execute(insert(WebhookDelivery), rows)
    return len(rows)
