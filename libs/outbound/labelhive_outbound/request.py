"""Sending one request under the policy: connect to the checked address, re-check every redirect hop,
cap the bytes and the time, and never let the answer's body into an error message."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from labelhive_outbound.policy import OutboundPolicy, OutboundRefused

REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str  # after redirects


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _connection(url: str, policy: OutboundPolicy, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("unsupported_url", "only http and https URLs are fetched")
    if parts.username or parts.password:
        raise OutboundRefused("unsupported_url", "URLs with credentials are not fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused("unsupported_url", "the URL has an invalid port") from None
    _family, address = policy.resolve(parts.hostname, port)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPS(
            parts.hostname, port, address, timeout, ssl.create_default_context()
        )
    else:
        conn = _PinnedHTTP(parts.hostname, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return conn, target


def fetch(
    url: str,
    policy: OutboundPolicy,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    read_body: bool = True,
) -> Response:
    """One request; GET follows redirects (each hop checked again), other methods never do.
    `read_body=False`: the answer's body is not read at all (webhooks need the status only)."""
    deadline = time.monotonic() + policy.timeout
    for _hop in range(policy.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundRefused("timeout", f"no answer within {policy.timeout:g} s")
        conn, target = _connection(url, policy, remaining)
        try:
            try:
                conn.request(method, target, body=body, headers=headers or {})
                answer = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise OutboundRefused("unreachable", f"{type(exc).__name__}") from None
            if method == "GET" and answer.status in REDIRECTS and answer.getheader("location"):
                url = urljoin(url, answer.getheader("location", ""))
                continue
            data = _read(answer, policy, deadline) if read_body else b""
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data, url)
        finally:
            conn.close()
    raise OutboundRefused("too_many_redirects", f"more than {policy.max_redirects} redirects")


def check_destination(url: str, policy: OutboundPolicy) -> None:
    """Refuses a URL whose scheme or (currently resolved) address the policy refuses; a name that does
    not resolve now passes (it is checked again on every request)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("unsupported_url", "only http and https URLs are allowed")
    if parts.username or parts.password:
        raise OutboundRefused("unsupported_url", "URLs with credentials are not allowed")
    try:
        policy.resolve(parts.hostname, parts.port or 80)
    except OutboundRefused as refused:
        if refused.code != "unresolvable":
            raise
    except ValueError:
        raise OutboundRefused("unsupported_url", "the URL has an invalid port") from None


def _read(answer: http.client.HTTPResponse, policy: OutboundPolicy, deadline: float) -> bytes:
    declared = answer.getheader("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise OutboundRefused("too_large", f"the answer is over {policy.max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise OutboundRefused("timeout", f"no complete answer within {policy.timeout:g} s")
        try:
            chunk = answer.read1(64 * 1024) if hasattr(answer, "read1") else answer.read(64 * 1024)
        except (OSError, http.client.HTTPException) as exc:
            raise OutboundRefused("unreachable", f"{type(exc).__name__} while reading") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise OutboundRefused("too_large", f"the answer is over {policy.max_bytes} bytes")
        chunks.append(chunk)
