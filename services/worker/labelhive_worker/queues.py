"""The RabbitMQ topology of one project's pre-label queue (contracts/README.md): a quorum queue whose
`x-delivery-limit` and dead-letter exchange are the broker's own poison-message guard, plus dead letters.

Every declarer (the API's publisher, this worker, tests, benches) must pass exactly `queue_arguments`:
RabbitMQ refuses a redeclaration with other arguments (PRECONDITION_FAILED). A queue left from before
(classic, without these arguments) is converted by `migrate.py` when the worker starts."""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

TASK_NAME = "labelhive.prelabel"
DEAD_LETTER_EXCHANGE = Exchange("labelhive.prelabel.dlx", type="direct", durable=True)
# Returns to the queue (worker killed, connection lost) after which RabbitMQ dead-letters a message itself.
# The worker fails a message with `worker_lost` earlier (LABELHIVE_MAX_REDELIVERIES, below this limit), so
# the API hears about it; the broker's limit is the backstop when even that cannot run. A contract
# constant: changing it changes the queue's arguments (see migrate.py).
DELIVERY_LIMIT = 10


def queue_arguments(name: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
        "x-dead-letter-routing-key": f"{name}.dead",
    }


def prelabel_queue(name: str) -> Queue:
    return Queue(
        name,
        Exchange(name, type="direct", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments=queue_arguments(name),
    )


def dead_letter_queue(name: str) -> Queue:
    return Queue(f"{name}.dead", DEAD_LETTER_EXCHANGE, routing_key=f"{name}.dead", durable=True)
