"""Celery's consumer, except that
- a message it cannot decode goes to the dead-letter queue instead of being acknowledged and dropped (the
  queue's x-dead-letter-exchange takes it, with RabbitMQ's x-death);
- it leaves out Celery's native delayed delivery, which it would switch on for a quorum queue: that
  declares 28 `celery_delayed_*` queues and exchanges in the project's vhost and cannot route to the
  queue's direct exchange anyway. Retry countdowns wait on the worker instead (README, "Retries")."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from celery.worker.consumer import Consumer

log = logging.getLogger("labelhive_worker")


class DeadLetteringConsumer(Consumer):
    class Blueprint(Consumer.Blueprint):
        default_steps: ClassVar[list[str]] = [
            s for s in Consumer.Blueprint.default_steps if not s.endswith(":DelayedDelivery")
        ]

    def on_decode_error(self, message: Any, exc: Exception) -> None:
        log.error(
            "undecodable message (content type %s) rejected to the dead-letter queue: %s",
            message.content_type,
            exc,
        )
        message.reject_log_error(log, self.connection_errors)
