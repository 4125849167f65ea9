"""Image URLs in pre-label messages go through the one outbound policy: a message naming a loopback or
metadata address (directly, through a redirect, or as an IPv4-mapped IPv6 literal) is refused for good."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from labelhive_outbound import OutboundPolicy
from labelhive_worker.contract import ImageRef
from labelhive_worker.errors import JobError
from labelhive_worker.images import fetch_bytes


class _Internal(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/secret")  # type: ignore[index]
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"secret")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def internal() -> Iterator[int]:
    _Internal.hits = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _ref(url: str) -> ImageRef:
    return ImageRef.model_validate({"url": url, "sha256": "0" * 64})


def test_loopback_and_mapped_ipv6_image_urls_are_refused_without_a_connection(internal):
    for url in (
        f"http://127.0.0.1:{internal}/secret",
        f"http://[::ffff:127.0.0.1]:{internal}/secret",
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(JobError) as refused:
            fetch_bytes(_ref(url), s3=None, default_bucket=None, timeout=5, policy=OutboundPolicy())
        assert (refused.value.code, refused.value.retryable) == ("image_unreachable", False), url
        assert "outbound policy" in str(refused.value)
    assert _Internal.hits == 0


def test_a_redirect_to_loopback_is_refused(internal):
    # Reaching the first hop is allowed by name only; the redirect target is checked again and refused.
    allow_first_hop = OutboundPolicy.parse("localhost")
    with pytest.raises(JobError) as refused:
        fetch_bytes(
            _ref(f"http://localhost:{internal}/redirect"),
            s3=None,
            default_bucket=None,
            timeout=5,
            policy=allow_first_hop,
        )
    assert (refused.value.code, refused.value.retryable) == ("image_unreachable", False)
    assert _Internal.hits == 1
