"""ASGI middleware: request body limits, request metrics and access log."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

import anyio.to_thread
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labelhive_api.api.deps import SESSION_COOKIE
from labelhive_api.errors import problem

log = logging.getLogger("labelhive_api.access")


def _problem(status: int, code: str, detail: str) -> bytes:
    return json.dumps(problem(status, code, detail)).encode()


_INVITE_TOKEN = re.compile(r"(/invites?/)[^/]+")


def redact_path(path: str) -> str:
    """Invite tokens are credentials: never written to logs."""
    return _INVITE_TOKEN.sub(r"\1<redacted>", path)


UPLOAD_PATH = re.compile(r"^/api/v1/projects/(\d{1,18})/imports$")
# The browser's one-file-per-request uploads (imports/uploads.py) get the same allowance.
FILE_UPLOAD_PATH = re.compile(r"^/api/v1/projects/(\d{1,18})/imports/\d{1,18}/files/\d{1,9}$")
# Tasks by reference with their pre-labels: several MB per call by design.
TASKS_PATH = re.compile(r"^/api/v1/projects/(\d{1,18})/tasks$")


_DIGITS = re.compile(r"(?:^|[/=])(\d{19,})(?=$|[/&])")
_MAX_ID = 2**63 - 1


class IdRange:
    """Ids in paths and query strings must fit a 64-bit signed integer (the database's); larger ones are
    a 422 here instead of an overflow deep in a query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = scope["path"] + "&" + scope.get("query_string", b"").decode("latin-1")
            if any(int(m) > _MAX_ID for m in _DIGITS.findall(where)):
                await _answer(send, 422, "id_out_of_range", f"ids are integers below {_MAX_ID + 1}")
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Every request body is limited while it streams, whatever its content type, before any route runs:
    `max_bytes` everywhere, `upload_bytes` only for import uploads, and only after a cheap check that the
    caller holds a live credential that may import into that project (strangers get 401 unread).
    `tasks_bytes` likewise for `POST /projects/{id}/tasks` (tasks with their pre-labels)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_bytes: int,
        may_upload: Callable[[dict[str, str], str | None, int], bool],
        tasks_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.may_upload = may_upload
        self.tasks_bytes = tasks_bytes if tasks_bytes is not None else max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        declared = headers.get("content-length")
        if declared is not None and not declared.isdigit():
            await _answer(send, 400, "invalid_content_length", "Content-Length is not a number")
            return
        size = int(declared) if declared is not None else None
        limit = self.max_bytes
        method, path = scope["method"], scope["path"]
        upload = (
            UPLOAD_PATH.match(path)
            if method == "POST"
            else FILE_UPLOAD_PATH.match(path)
            if method == "PUT"
            else None
        )
        larger = self.upload_bytes
        if upload is None and method == "POST" and self.tasks_bytes > self.max_bytes:
            upload, larger = TASKS_PATH.match(path), self.tasks_bytes
        if upload and (size is None or size > self.max_bytes):
            cookie = SimpleCookie()
            with contextlib.suppress(CookieError):
                cookie.load(headers.get("cookie", ""))
            session = cookie.get(SESSION_COOKIE)
            allowed = await anyio.to_thread.run_sync(
                self.may_upload, headers, session.value if session else None, int(upload.group(1))
            )
            if not allowed:
                await _answer(
                    send, 401, "not_authenticated", "sign in as a manager of this project to upload"
                )
                return
            limit = larger
        if size is not None and size > limit:
            await _answer(send, 413, "payload_too_large", f"request body over {limit} bytes")
            return
        seen = 0
        rejected = False

        async def limited_receive() -> Message:
            # Over the limit: answer 413 ourselves and tell the app the client went away.
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    rejected = True
                    await _answer(send, 413, "payload_too_large", f"request body over {limit} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not rejected:
                raise


async def _answer(send: Send, status: int, code: str, detail: str) -> None:
    body = _problem(status, code, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "labelhive_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "labelhive_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class RequestObserver:
    """Times each request, labels it by route template, logs one structured line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = uuid.uuid4().hex[:16]

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - start
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            # Routes included under /api/v1 report their path without the prefix.
            if (
                template != "unmatched"
                and scope["path"].startswith("/api/v1/")
                and not template.startswith("/api/")
            ):
                template = "/api/v1" + template
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(elapsed)
            if template not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": redact_path(scope["path"]),
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                    },
                )
