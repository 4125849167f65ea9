"""Celery's consumer, except that a message it cannot decode goes to the dead-letter queue instead of
being acknowledged and dropped (the queue's x-dead-letter-exchange takes it, with RabbitMQ's x-death)."""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer

log = logging.getLogger("labelhive_worker")


class DeadLetteringConsumer(Consumer):
    def on_decode_error(self, message: Any, exc: Exception) -> None:
        log.error(
            "undecodable message (content type %s) rejected to the dead-letter queue: %s",
            message.content_type,
            exc,
        )
        message.reject_log_error(log, self.connection_errors)
