"""The object store's small HTTP/1.1 client (`storage.http1`) against a real local server: every way an answer
may carry its body, kept-alive connections reused, and one the server dropped replaced without an error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from labelhive_api.storage.http1 import ConnectionPool

BODY = b"0123456789" * 1000


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: ClassVar[set[int]] = set()  # the clients' ports

    def do_GET(self) -> None:
        Handler.connections.add(self.client_address[1])
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(BODY), 3000):
                part = BODY[start : start + 3000]
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
            return
        if self.path == "/until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
            return
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("ETag", '"abc"')
        self.end_headers()
        self.wfile.write(BODY)
        if self.path == "/then-drop":  # says keep-alive, then drops the connection while it is idle
            self.close_connection = True

    def do_PUT(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.send_header("X-Got", str(len(data)))
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pool() -> Iterator[ConnectionPool]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.connections.clear()
    try:
        yield ConnectionPool(
            f"http://127.0.0.1:{server.server_address[1]}", maxsize=4, connect_timeout=5, read_timeout=5
        )
    finally:
        server.shutdown()
        server.server_close()


def test_bodies_by_length_chunks_or_close_and_connections_kept_alive(pool: ConnectionPool) -> None:
    for _ in range(3):
        answer = pool.request("GET", "/plain", {"Host": "x"})
        assert (answer.status, answer.body, answer.headers["etag"]) == (200, BODY, '"abc"')
    assert len(Handler.connections) == 1  # one connection, kept alive
    assert pool.request("GET", "/chunked", {}).body == BODY
    assert pool.request("GET", "/until-close", {}).body == BODY
    missing = pool.request("GET", "/missing", {})
    assert (missing.status, missing.body) == (404, BODY)
    put = pool.request("PUT", "/object", {}, BODY * 10)
    assert (put.status, put.headers["x-got"], put.body) == (200, str(len(BODY) * 10), b"")


def test_a_connection_the_server_dropped_while_idle_is_replaced(pool: ConnectionPool) -> None:
    assert pool.request("GET", "/then-drop", {}).body == BODY
    assert pool.request("GET", "/plain", {}).body == BODY  # on a new connection, no error
    assert len(Handler.connections) == 2


def test_https_endpoints_are_trusted_by_the_ca_bundle_boto3_uses(tmp_path, monkeypatch) -> None:
    """An object store behind a private CA: trusted when AWS_CA_BUNDLE names it (as boto3 does), refused
    (certificate check) when it does not."""
    import ssl

    from labelhive_harness.kube_pki import write_pki

    pki = write_pki(tmp_path / "pki")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(pki["apiserver.crt"], pki["apiserver.key"])  # for 127.0.0.1, signed by the CA
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
        with pytest.raises(ssl.SSLCertVerificationError):
            ConnectionPool(endpoint, maxsize=1, connect_timeout=5, read_timeout=5).request(
                "GET", "/plain", {}
            )
        monkeypatch.setenv("AWS_CA_BUNDLE", str(pki["ca.crt"]))
        pool = ConnectionPool(endpoint, maxsize=1, connect_timeout=5, read_timeout=5)
        assert pool.request("GET", "/plain", {}).body == BODY
    finally:
        server.shutdown()
        server.server_close()
