"""Converting a project's pre-label queue to the quorum queue of queues.py, keeping its messages.

Queues declared before the quorum queue (classic, with only the dead-letter arguments) cannot be
redeclared with new arguments: RabbitMQ answers PRECONDITION_FAILED. The worker owns the consuming side,
so it converts the queue when it starts, before Celery declares it: the messages move to `<queue>.migrating`
(a quorum queue), the old queue is deleted once empty, the new one declared and the messages moved back.
One worker converts at a time (an exclusive queue `<queue>.converting` is the lock); each move is
publish-confirmed before the ack, so a crash midway loses nothing (the next start resumes:
`<queue>.migrating` is drained into the new queue whenever it exists). While it runs, the API's publishes
fail to declare and its items stay queued for the republish route; they are never lost.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from amqp.exceptions import AMQPNotImplementedError, NotFound, PreconditionFailed, ResourceLocked
from kombu import Connection

from labelhive_worker.errors import ConfigError
from labelhive_worker.queues import queue_arguments

log = logging.getLogger("labelhive_worker")


def _declare(conn: Any, queue: str, arguments_of: str) -> Any:
    channel = conn.channel()
    channel.queue_declare(queue, durable=True, auto_delete=False, arguments=queue_arguments(arguments_of))
    return channel


def _move(conn: Any, source: str, target: str) -> int:
    channel = conn.channel()
    channel.confirm_select()  # basic_publish now waits for the broker's confirm
    moved = 0
    while (message := channel.basic_get(source, no_ack=False)) is not None:
        channel.basic_publish(message, exchange="", routing_key=target)
        channel.basic_ack(message.delivery_tag)
        moved += 1
    channel.close()
    return moved


def _exists(conn: Any, queue: str) -> bool:
    try:
        conn.channel().queue_declare(queue, passive=True)
    except NotFound:
        return False
    return True


def _delete_if_empty(conn: Any, queue: str) -> None:
    """Delete the emptied old queue; PreconditionFailed when a message arrived meanwhile."""
    try:
        conn.channel().queue_delete(queue, if_empty=True)
    except AMQPNotImplementedError:
        # A quorum queue with other arguments (say an older x-delivery-limit) knows no if-empty delete, and
        # deleting it unchecked could lose a message published meanwhile: left to a person, said in one line.
        raise ConfigError(
            f"LABELHIVE_PRELABEL_QUEUE {queue} is a quorum queue with other arguments than "
            f"{queue_arguments(queue)}: move its messages and delete it by hand"
        ) from None


@contextlib.contextmanager
def _locked(conn: Any, queue: str) -> Iterator[None]:
    """One converter per queue at a time: an exclusive queue is the lock (gone when its connection is)."""
    for _ in range(600):
        channel = conn.channel()
        try:
            channel.queue_declare(f"{queue}.converting", exclusive=True, auto_delete=True)
        except ResourceLocked:
            time.sleep(1)
            continue
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                channel.queue_delete(f"{queue}.converting")
        return
    raise RuntimeError(f"queue {queue}: another worker has been converting it for 10 minutes")


def _convert(conn: Any, queue: str, temp: str) -> int:
    moved = 0
    try:
        _declare(conn, queue, queue)  # converted meanwhile by another worker
    except PreconditionFailed:
        log.warning("queue %s has other arguments (a classic queue from before): converting it", queue)
        _declare(conn, temp, queue)
        for _ in range(100):  # the API may publish into the old queue meanwhile: drain until empty
            moved += _move(conn, queue, temp)
            try:
                _delete_if_empty(conn, queue)
                break
            except PreconditionFailed:
                continue  # not empty after all
        _declare(conn, queue, queue)
    if _exists(conn, temp):
        back = _move(conn, temp, queue)
        conn.channel().queue_delete(temp)  # quorum queues know no if-empty delete; the lock makes it safe
        log.warning("queue %s is a quorum queue now: %d message(s) carried over", queue, back)
    return moved


def ensure_quorum_queue(amqp_url: str, queue: str) -> int:
    """Declare `queue` as queues.py says, converting an older queue of that name; returns messages moved."""
    temp = f"{queue}.migrating"
    with Connection(amqp_url, connect_timeout=10) as conn:
        conn.ensure_connection(max_retries=None, interval_start=1, interval_step=2, interval_max=10)
        raw = conn.connection
        try:
            _declare(raw, queue, queue)
            if not _exists(raw, temp):
                return 0  # the usual start: the queue is as it should be
        except PreconditionFailed:
            pass
        with _locked(raw, queue):
            return _convert(raw, queue, temp)
