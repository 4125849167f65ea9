"""The RabbitMQ topology of one project's pre-label queue (contracts/README.md): main queue + dead letters."""

from __future__ import annotations

from kombu import Exchange, Queue

TASK_NAME = "labelhive.prelabel"
DEAD_LETTER_EXCHANGE = Exchange("labelhive.prelabel.dlx", type="direct", durable=True)


def prelabel_queue(name: str) -> Queue:
    return Queue(
        name,
        Exchange(name, type="direct", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments={
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": f"{name}.dead",
        },
    )


def dead_letter_queue(name: str) -> Queue:
    return Queue(f"{name}.dead", DEAD_LETTER_EXCHANGE, routing_key=f"{name}.dead", durable=True)
