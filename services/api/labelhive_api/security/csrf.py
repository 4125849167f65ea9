"""CSRF checks that work behind proxies and on several host names without configured origins.

Cookie-authenticated unsafe requests need both: the double-submit token (cookie == header) and, when the
browser sends Origin (or Referer), an origin whose host is the request's own Host / X-Forwarded-Host or
one of LABELHIVE_PUBLIC_URLS. Bearer-token requests are exempt (browsers never add them on their own).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "labelhive_csrf"
CSRF_HEADER = "x-csrf-token"


def _host_of(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.netloc.lower() if parts.scheme in {"http", "https"} and parts.netloc else None


def request_hosts(headers: Mapping[str, str]) -> set[str]:
    hosts = set()
    for name in ("host", "x-forwarded-host"):
        for value in (headers.get(name) or "").split(","):
            if value.strip():
                hosts.add(value.strip().lower())
    return hosts


def _strip_default_port(host: str) -> str:
    for suffix in (":80", ":443"):
        if host.endswith(suffix):
            return host[: -len(suffix)]
    return host


def origin_allowed(headers: Mapping[str, str], public_urls: Sequence[str]) -> bool:
    """True when the request carries no origin information or it names this server."""
    origin = headers.get("origin")
    if origin is None or origin == "null":
        referer = headers.get("referer")
        if origin is None and not referer:
            return True  # not a browser cross-site form post (those always send Origin today)
        origin = referer or ""
    host = _host_of(origin)
    if host is None:
        return False
    trusted = {_strip_default_port(h) for h in request_hosts(headers)}
    trusted |= {_strip_default_port(h) for url in public_urls if (h := _host_of(url))}
    return _strip_default_port(host) in trusted


def token_matches(cookie_value: str | None, header_value: str | None) -> bool:
    if not cookie_value or not header_value:
        return False
    return hmac.compare_digest(cookie_value, header_value)
