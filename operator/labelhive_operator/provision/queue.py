"""How many messages wait on a project's pre-label queue: RabbitMQ's management API when its URL is known
(ready + unacknowledged, so busy workers are counted), else a passive AMQP declare (ready only)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import quote, unquote, urlsplit

import pika
import pika.exceptions


class QueueError(RuntimeError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _vhost(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def management_request(
    management_url: str, path: str, method: str = "GET", body: object | None = None
) -> urllib.request.Request:
    """A request to RabbitMQ's management API with the credentials in its URL (scheme checked)."""
    parts = urlsplit(management_url)
    if parts.scheme not in ("http", "https"):
        raise QueueError("BadAmqpSecret", "managementUrl must be an http:// or https:// URL")
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path.rstrip('/')}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 - scheme checked
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if parts.username:
        token = base64.b64encode(
            f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        ).decode()
        request.add_header("Authorization", f"Basic {token}")
    return request


def depth_from_management(management_url: str, amqp_url: str, queue: str) -> int:
    path = f"/api/queues/{quote(_vhost(amqp_url), safe='')}/{quote(queue, safe='')}"
    request = management_request(management_url, path)
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - URL from the project's Secret
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return 0  # nobody declared the queue yet: nothing waits
        raise QueueError("QueueUnreachable", f"RabbitMQ management API answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise QueueError("QueueUnreachable", f"RabbitMQ management API: {type(exc).__name__}") from None
    return int(data.get("messages", data.get("messages_ready", 0)) or 0)


def depth_from_amqp(amqp_url: str, queue: str) -> int:
    params = pika.URLParameters(amqp_url)
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.blocked_connection_timeout = 5
    try:
        connection = pika.BlockingConnection(params)
    except pika.exceptions.AMQPError as exc:
        raise QueueError("QueueUnreachable", f"RabbitMQ: {type(exc).__name__}") from None
    try:
        channel = connection.channel()
        try:
            result = channel.queue_declare(queue=queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return 0
            raise QueueError("QueueError", f"RabbitMQ: {exc.reply_text}") from None
        return int(result.method.message_count)
    finally:
        if connection.is_open:
            connection.close()


def queue_depth(amqp_url: str, management_url: str | None, queue: str) -> int:
    if management_url:
        return depth_from_management(management_url, amqp_url, queue)
    return depth_from_amqp(amqp_url, queue)
