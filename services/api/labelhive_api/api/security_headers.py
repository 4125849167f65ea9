"""Security headers on every answer: no MIME sniffing anywhere; the UI page gets a Content-Security-Policy
(its one inline script allowed by hash, no framing); media (user-uploaded bytes) is sandboxed so an image
that is really HTML or SVG with script cannot run in our origin."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEDIA_CSP = (
    b"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_script_hashes(index_html: Path | None) -> list[str]:
    if index_html is None or not index_html.is_file():
        return []
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(index_html.read_bytes())
    ]


def ui_policy(script_hashes: Sequence[str], s3_endpoints: Sequence[str]) -> bytes:
    s3 = " ".join(s3_endpoints)
    directives = [
        "default-src 'self'",
        f"script-src 'self' {' '.join(script_hashes)}".strip(),
        # Ant Design and ECharts write style attributes and <style> tags at run time.
        "style-src 'self' 'unsafe-inline'",
        # Task images may live on any http(s) server or in the deployment's S3 (presigned URLs).
        "img-src 'self' data: blob: http: https:",
        f"connect-src 'self' {s3}".strip(),
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives).encode()


class SecurityHeaders:
    def __init__(self, app: ASGIApp, ui_policy: bytes) -> None:
        self.app = app
        self.ui_policy = ui_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        media = scope["path"].startswith("/api/v1/media/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if media:
                    extra.append((b"content-security-policy", MEDIA_CSP))
                elif ctype.startswith(b"text/html"):
                    extra += [(b"content-security-policy", self.ui_policy), (b"x-frame-options", b"DENY")]
                message["headers"] = headers + [(k, v) for k, v in extra if k not in names]
            await send(message)

        await self.app(scope, receive, with_headers)
