"""Project events; emitting one writes outbox rows in the caller's transaction (never sends)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
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
    event = str(event)
    hooks = session.scalars(select(Webhook).where(Webhook.project_id == project_id, Webhook.active.is_(True)))
    n = 0
    now = utcnow()
    for hook in hooks:
        if event != Event.PING and event not in hook.events and "*" not in hook.events:
            continue
        payload = {"event": event, "project_id": project_id, "created_at": now.isoformat(), "data": data}
        session.add(
            WebhookDelivery(
                webhook_id=hook.id, project_id=project_id, event=event, payload=payload, next_attempt_at=now
            )
        )
        n += 1
    return n
