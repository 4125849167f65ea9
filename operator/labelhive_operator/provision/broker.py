"""A RabbitMQ virtual host and user per project, through the management API: the app Secret gets this
project's own AMQP URL, never the broker-wide admin URL, and no project can read another's queue."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit, urlunsplit

from labelhive_operator.provision.queue import QueueError, management_request


def _request(management_url: str, method: str, path: str, body: object | None = None) -> int:
    request = management_request(management_url, path, method, body)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - URL from the admin Secret
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and method == "DELETE":
            return 404
        if exc.code in (401, 403):
            raise QueueError(
                "BrokerAuthFailed", f"RabbitMQ management API refused {method} ({exc.code})"
            ) from None
        raise QueueError("QueueError", f"RabbitMQ management API answered {exc.code} to {method}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise QueueError("QueueUnreachable", f"RabbitMQ management API: {type(exc).__name__}") from None


def project_url(broker_url: str, vhost: str, user: str, password: str) -> str:
    """The broker's host and port with the project's user and virtual host."""
    parts = urlsplit(broker_url)
    host = parts.hostname or "localhost"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit((parts.scheme, netloc, "/" + quote(vhost, safe=""), "", ""))


def ensure_project_broker(management_url: str, vhost: str, user: str, password: str) -> None:
    """Idempotent: the vhost, the user (password set every time: the Secret is the truth), full rights on
    that vhost only (the worker declares its queue, dead-letter exchange and queue there)."""
    _request(management_url, "PUT", f"/api/vhosts/{quote(vhost, safe='')}", {})
    _request(management_url, "PUT", f"/api/users/{quote(user, safe='')}", {"password": password, "tags": ""})
    _request(
        management_url,
        "PUT",
        f"/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )


def delete_project_broker(management_url: str, vhost: str, user: str) -> None:
    _request(management_url, "DELETE", f"/api/vhosts/{quote(vhost, safe='')}")
    _request(management_url, "DELETE", f"/api/users/{quote(user, safe='')}")
