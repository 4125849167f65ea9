"""Project events; emitting one writes outbox rows in the caller's transaction (never sends)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Executable, Table, Text, bindparam, exists, func, insert, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from labelhive_api.db.base import utcnow
from labelhive_api.db.statements import Write, bound
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


def _deliveries(dialect: str, prefix: str) -> Executable:
    """INSERT ... SELECT of one outbox row per active webhook of the project subscribed to the event."""
    hook: Table = Webhook.__table__
    outbox: Table = WebhookDelivery.__table__
    if dialect == "postgresql":
        wanted = bindparam(f"{prefix}wanted", type_=ARRAY(Text))
        subscribed = type_coerce(hook.c.events, JSONB).has_any(wanted)
    else:
        each = func.json_each(hook.c.events).table_valued("value")
        subscribed = exists().where(each.c.value.in_(bindparam(f"{prefix}wanted", expanding=True)))
    now = bound(prefix, outbox.c.next_attempt_at)
    rows = select(
        hook.c.id,
        bound(prefix, outbox.c.project_id),
        bound(prefix, outbox.c.event),
        bound(prefix, outbox.c.payload),
        literal("pending"),
        literal(0),
        literal(""),
        now,
        now,
    ).where(hook.c.project_id == bound(prefix, outbox.c.project_id), hook.c.active.is_(True), subscribed)
    names = [
        "webhook_id",
        "project_id",
        "event",
        "payload",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
    ]
    return insert(outbox).from_select(names, rows, include_defaults=False)


def emit_write(project_id: int, event: Event, data: dict[str, Any]) -> Write:
    """`emit` as a `db.statements.Write`: the webhook lookup runs inside the write itself (no round trip of
    its own, and nothing at all to do for a project without webhooks). Not for `Event.PING`."""
    now = utcnow()
    payload = {"event": str(event), "project_id": project_id, "created_at": now.isoformat(), "data": data}
    return Write(
        _deliveries,
        (),
        {
            "project_id": project_id,
            "event": str(event),
            "payload": payload,
            "next_attempt_at": now,
            "wanted": [str(event), "*"],
        },
    )
