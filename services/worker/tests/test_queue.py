"""The queue itself (real RabbitMQ): a quorum queue whose x-delivery-limit dead-letters a message the
broker handed out too often, and the conversion of a classic queue from before without losing messages."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import amqp
import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection
from labelhive_worker.errors import ConfigError
from labelhive_worker.migrate import ensure_quorum_queue
from labelhive_worker.queues import DELIVERY_LIMIT, dead_letter_queue, queue_arguments

from .conftest import QUEUE_ARGUMENTS


def _publish(channel: Any, queue: str, body: dict[str, Any]) -> None:
    message = amqp.Message(json.dumps(body).encode(), content_type="application/json", delivery_mode=2)
    channel.basic_publish(message, exchange="", routing_key=queue)


def _bodies(channel: Any, queue: str) -> list[dict[str, Any]]:
    out = []
    while (msg := channel.basic_get(queue, no_ack=True)) is not None:
        out.append(json.loads(msg.body))
    return out


def _get(channel: Any, queue: str) -> Any:
    """The next message; a requeued or dead-lettered one arrives asynchronously (quorum queues)."""
    deadline = time.monotonic() + 30
    while (msg := channel.basic_get(queue, no_ack=False)) is None:
        assert time.monotonic() < deadline, f"nothing on {queue}"
        time.sleep(0.02)
    return msg


def test_the_worker_declares_what_the_contract_says() -> None:
    assert queue_arguments("q") == QUEUE_ARGUMENTS | {"x-dead-letter-routing-key": "q.dead"}


def test_a_classic_queue_from_before_is_converted_with_its_messages(rabbitmq: Any) -> None:
    queue = "prelabel.old-" + uuid.uuid4().hex[:6]
    with Connection(rabbitmq.url) as conn:
        old = conn.channel()
        old.queue_declare(  # the topology before the quorum queue
            queue,
            durable=True,
            auto_delete=False,
            arguments={
                "x-dead-letter-exchange": "labelhive.prelabel.dlx",
                "x-dead-letter-routing-key": f"{queue}.dead",
            },
        )
        for n in range(3):
            _publish(old, queue, {"n": n})
        with pytest.raises(PreconditionFailed):  # why a conversion is needed at all
            conn.channel().queue_declare(
                queue, durable=True, auto_delete=False, arguments=queue_arguments(queue)
            )

        assert ensure_quorum_queue(rabbitmq.url, queue) == 3
        assert ensure_quorum_queue(rabbitmq.url, queue) == 0  # idempotent: nothing to convert any more

        channel = conn.channel()
        channel.queue_declare(
            queue, durable=True, auto_delete=False, arguments=queue_arguments(queue)
        )  # the new arguments fit
        assert sorted(b["n"] for b in _bodies(channel, queue)) == [0, 1, 2]
        with pytest.raises(Exception, match="NOT_FOUND"):
            conn.channel().queue_declare(f"{queue}.migrating", passive=True)


def test_the_broker_dead_letters_a_message_returned_past_the_delivery_limit(rabbitmq: Any) -> None:
    queue = "prelabel.limit-" + uuid.uuid4().hex[:6]
    ensure_quorum_queue(rabbitmq.url, queue)
    with Connection(rabbitmq.url) as conn:
        channel = conn.channel()
        dead_letter_queue(queue)(channel).declare()
        _publish(channel, queue, {"poison": True})
        counts = []
        for _ in range(DELIVERY_LIMIT + 1):  # each return is what a killed worker's connection does
            msg = _get(channel, queue)
            counts.append(int((msg.headers or {}).get("x-delivery-count") or 0))
            channel.basic_reject(msg.delivery_tag, requeue=True)
        assert counts == list(range(DELIVERY_LIMIT + 1))  # the count the worker reads (tasks.deliveries)
        dead = _get(channel, f"{queue}.dead")
        assert json.loads(dead.body) == {"poison": True}
        assert channel.basic_get(queue, no_ack=True) is None
        assert dead.headers["x-death"][0]["reason"] == "delivery_limit"


def test_a_quorum_queue_with_other_arguments_is_left_to_a_person(rabbitmq: Any) -> None:
    queue = "prelabel.other-" + uuid.uuid4().hex[:6]
    with Connection(rabbitmq.url) as conn:
        older = queue_arguments(queue) | {"x-delivery-limit": 3}
        conn.channel().queue_declare(queue, durable=True, auto_delete=False, arguments=older)
    with pytest.raises(ConfigError, match=f"{queue} is a quorum queue with other arguments"):
        ensure_quorum_queue(rabbitmq.url, queue)
