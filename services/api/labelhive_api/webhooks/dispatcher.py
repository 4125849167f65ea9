"""Delivers webhook outbox rows from the job runner (jobs/): never in the request path.

Rows are claimed with a short lock (`locked_until`, FOR UPDATE SKIP LOCKED on PostgreSQL) so several API
replicas share the work; the HTTP call happens outside any transaction; failures back off exponentially
(backoff * 2**attempt, capped at an hour) until `webhook_max_attempts`, then the delivery is `failed`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from labelhive_outbound import OutboundRefused, fetch
from sqlalchemy import or_, select

from labelhive_api.db.base import utcnow
from labelhive_api.db.engine import Database
from labelhive_api.jobs.kinds import Sweep
from labelhive_api.settings import Settings
from labelhive_api.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from labelhive_api.webhooks.signing import sign

log = logging.getLogger("labelhive_api.webhooks")
CLAIM_SECONDS = 120


class WebhookDispatcher:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.policy = settings.outbound_policy(max_bytes=64 * 1024, timeout=settings.webhook_timeout_seconds)

    def sweep(self) -> Sweep:
        """For the job runner: a lane of its own, so a long import or export never delays a delivery."""
        return Sweep("webhook deliveries", self.run_once, own_lane=True)

    def _claim(self, limit: int) -> list[tuple[int, str, str, str, dict[str, object], int]]:
        now = utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(WebhookDelivery, Webhook)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            ).all()
            claimed = []
            for delivery, hook in rows:
                delivery.locked_until = now + timedelta(seconds=CLAIM_SECONDS)
                claimed.append(
                    (delivery.id, hook.url, hook.secret, delivery.event, delivery.payload, delivery.attempts)
                )
            return claimed

    def run_once(self, limit: int = 20) -> int:
        """Send every due delivery once; returns how many were attempted."""
        claimed = self._claim(limit)
        for delivery_id, url, secret, event, payload, attempts in claimed:
            self._send(delivery_id, url, secret, event, payload, attempts)
        return len(claimed)

    def _send(
        self, delivery_id: int, url: str, secret: str, event: str, payload: dict[str, object], attempts: int
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "LabelHive-Webhooks/1",
            "X-LabelHive-Event": event,
            "X-LabelHive-Delivery": str(delivery_id),
            "X-LabelHive-Signature": sign(secret, body),
        }
        status: int | None = None
        error = ""
        start = time.perf_counter()
        try:
            # The outbound policy: no private/loopback/metadata address, no redirects for a POST; the
            # receiver's body is never kept (the manager sees the status code only).
            response = fetch(url, self.policy, method="POST", body=body, headers=headers, read_body=False)
            status = response.status
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except OutboundRefused as exc:
            error = f"{exc.code}: {exc.reason}"[:1000]
        elapsed = int((time.perf_counter() - start) * 1000)
        with self.db.session() as session:
            delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
            if delivery is None:
                return
            delivery.attempts = attempts + 1
            delivery.last_status_code = status
            delivery.last_error = error
            delivery.locked_until = None
            session.add(
                WebhookAttempt(delivery_id=delivery_id, status_code=status, error=error, duration_ms=elapsed)
            )
            if not error:
                delivery.status = "delivered"
                delivery.delivered_at = utcnow()
            elif delivery.attempts >= self.settings.webhook_max_attempts:
                delivery.status = "failed"
            else:
                delay = min(3600.0, self.settings.webhook_backoff_seconds * 2 ** (delivery.attempts - 1))
                delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
