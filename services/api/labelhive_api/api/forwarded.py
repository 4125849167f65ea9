"""X-Forwarded-* and Forwarded are believed only from trusted proxies (LABELHIVE_TRUSTED_PROXIES, the
ingress controller's addresses, rendered by the operator); from anyone else they are removed before the
app sees the request, so a client cannot choose its own address (login limits) or host (links, CSRF)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from labelhive_api.security.networks import Network


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # IPv4 with a port
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class ForwardedHeaders:
    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def _is_trusted(self, address: str | None) -> bool:
        ip = _ip(address) if address else None
        return ip is not None and any(ip in net for net in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = client[0] if client else None
        headers = scope.get("headers") or []
        if not self._is_trusted(peer):
            scope = dict(scope)
            scope["headers"] = [
                (k, v) for k, v in headers if not (k.startswith(b"x-forwarded-") or k == b"forwarded")
            ]
        else:
            chain = [
                part.strip()
                for k, v in headers
                if k == b"x-forwarded-for"
                for part in v.decode("latin-1").split(",")
            ]
            # The client is the right-most address that is not one of our proxies (or, when every hop is
            # in a trusted range, e.g. an intranet client behind the ingress, the left-most one).
            hops = [ip for ip in (_ip(hop) for hop in chain) if ip is not None]
            client_ip = next((ip for ip in reversed(hops) if not self._is_trusted(str(ip))), None)
            if client_ip is None and hops:
                client_ip = hops[0]
            if client_ip is not None:
                scope = dict(scope)
                scope["client"] = (str(client_ip), 0)
        await self.app(scope, receive, send)
