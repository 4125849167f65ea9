"""The outbound policy against real loopback listeners: what is refused, what is followed, what is capped."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from labelhive_outbound import OutboundPolicy, OutboundRefused, address_refusal, fetch
from labelhive_outbound.policy import public_from_env


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # IPv4-compatible
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_takes_networks_and_host_names_and_refuses_junk():
    policy = OutboundPolicy.parse("10.0.5.0/24, minio.storage.svc")
    assert policy.allowed("x", ipaddress.ip_address("10.0.5.7"))
    assert policy.allowed("x", ipaddress.ip_address("::ffff:10.0.5.7"))
    assert policy.allowed("MINIO.storage.svc", ipaddress.ip_address("10.9.9.9"))
    assert not policy.allowed("x", ipaddress.ip_address("10.0.6.1"))
    with pytest.raises(ValueError, match="neither"):
        OutboundPolicy.parse("http://evil/")


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(f"{self.server.server_address[0]}{self.path}")  # type: ignore[index]
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, int]]:
    _Handler.hits = []
    servers = [ThreadingHTTPServer((host, 0), _Handler) for host in ("127.0.0.1", "127.0.0.2")]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers[0].server_address[1], servers[1].server_address[1]  # type: ignore[misc]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_loopback_is_refused_before_any_connection(listener):
    port, _ = listener
    _Handler.routes = {"/secret": (200, {}, b"internal")}
    for url in (
        f"http://127.0.0.1:{port}/secret",
        f"http://localhost:{port}/secret",
        f"http://[::ffff:127.0.0.1]:{port}/secret",
    ):
        with pytest.raises(OutboundRefused) as refused:
            fetch(url, OutboundPolicy())
        assert refused.value.code == "address_refused", url
    assert _Handler.hits == []


def test_every_redirect_hop_is_checked_again(listener):
    inner, outer = listener
    _Handler.routes = {
        "/go": (302, {"Location": f"http://127.0.0.1:{inner}/secret"}, b""),
        "/secret": (200, {}, b"internal"),
        "/fine": (200, {}, b"image"),
        "/hop": (307, {"Location": "/fine"}, b""),
    }
    only_outer = OutboundPolicy.parse("127.0.0.2/32")
    with pytest.raises(OutboundRefused) as refused:
        fetch(f"http://127.0.0.2:{outer}/go", only_outer)
    assert refused.value.code == "address_refused"
    assert "internal" not in str(refused.value)
    assert _Handler.hits == ["127.0.0.2/go"]
    answer = fetch(f"http://127.0.0.2:{outer}/hop", only_outer)
    assert (answer.status, answer.body, answer.url) == (200, b"image", f"http://127.0.0.2:{outer}/fine")


def test_posts_never_follow_redirects_and_bodies_are_capped(listener):
    port, _ = listener
    _Handler.routes = {"/hook": (302, {"Location": "/elsewhere"}, b""), "/big": (200, {}, b"x" * 5000)}
    allow = OutboundPolicy.parse("127.0.0.1/32", max_bytes=1000)
    assert fetch(f"http://127.0.0.1:{port}/hook", allow, method="POST", body=b"{}").status == 302
    with pytest.raises(OutboundRefused) as refused:
        fetch(f"http://127.0.0.1:{port}/big", allow)
    assert refused.value.code == "too_large"


def test_non_http_schemes_and_credentials_are_refused():
    for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "http://user:pw@example.com/"):
        with pytest.raises(OutboundRefused) as refused:
            fetch(url, OutboundPolicy())
        assert refused.value.code == "unsupported_url"


def test_allow_list_only_refuses_public_addresses_and_unlisted_names_before_any_lookup(monkeypatch):
    closed = OutboundPolicy.parse("", allow_public=False)
    with pytest.raises(OutboundRefused) as literal:
        closed.resolve("93.184.216.34", 80)
    assert literal.value.code == "address_refused"

    def no_lookup(*args, **kwargs):
        raise AssertionError("a name off the allow list was looked up")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    with pytest.raises(OutboundRefused) as named:
        closed.resolve("images.example.com", 443)
    assert named.value.code == "address_refused" and "allow list" in named.value.reason


def test_allow_list_only_still_reaches_what_is_listed(listener):
    inner, outer = listener
    _Handler.routes = {"/image": (200, {}, b"listed")}
    policy = OutboundPolicy.parse("127.0.0.1/32", allow_public=False, max_bytes=1000, timeout=5)
    assert fetch(f"http://127.0.0.1:{inner}/image", policy).body == b"listed"
    with pytest.raises(OutboundRefused) as refused:  # loopback, but not the listed address
        fetch(f"http://127.0.0.2:{outer}/image", policy)
    assert refused.value.code == "address_refused"
    assert _Handler.hits == ["127.0.0.1/image"]


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), ("false", False), ("TRUE", True), ("0", False)]
)
def test_public_setting_parses_and_names_itself_when_wrong(value, expected):
    assert public_from_env(value) is expected
    with pytest.raises(ValueError, match="LABELHIVE_OUTBOUND_PUBLIC"):
        public_from_env("sometimes")
