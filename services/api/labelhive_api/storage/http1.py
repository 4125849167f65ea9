"""A small HTTP/1.1 client for the object store's plain requests (`s3fast`): keep-alive connections from a
pool, one exchange at a time on each; bodies by Content-Length, chunked, or up to the close.

urllib3 on http.client spends ~0.4 ms of CPU per request (header parsing through the email package, a
liveness poll per checkout, response objects); this spends about a quarter of that. An import by reference
makes one request per object and an export with images one per image, so that is most of their own CPU.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

_MAX_LINE = 65536
_MAX_HEADERS = 200


class ProtocolError(OSError):
    """The server's answer was not HTTP/1.x as expected, or the connection ended inside it."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.rfile: BinaryIO = sock.makefile("rb")
        self.used = False

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()

    def exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[Answer, bool]:
        """Sends one request and reads its answer; (answer, whether the connection may be used again)."""
        lines = [f"{method} {target} HTTP/1.1\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if body is not None or method in ("PUT", "POST"):
            lines.append(f"Content-Length: {len(body or b'')}\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        if body and len(body) <= 64 * 1024:
            self.sock.sendall(head + body)
        else:
            self.sock.sendall(head)
            if body:
                self.sock.sendall(body)
        self.used = True
        status_line = self.rfile.readline(_MAX_LINE + 1)
        if not status_line:
            raise ProtocolError("the server closed the connection before answering")
        version, _, rest = status_line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code.isdigit():
            raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:100]!r}")
        status = int(code)
        answer_headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self.rfile.readline(_MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                break
            if not line or len(line) > _MAX_LINE:
                raise ProtocolError("the answer's headers ended early or are too long")
            name, _, value = line.partition(b":")
            answer_headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        else:
            raise ProtocolError("too many headers in the answer")
        reusable = version == b"HTTP/1.1" and answer_headers.get("connection", "").lower() != "close"
        if method == "HEAD" or status in (204, 304) or status < 200:
            data = b""
        elif "chunked" in answer_headers.get("transfer-encoding", "").lower():
            data = self._chunked()
        elif "content-length" in answer_headers:
            data = self._exactly(int(answer_headers["content-length"]))
        else:
            data, reusable = self.rfile.read(), False
        return Answer(status, answer_headers, data), reusable

    def _exactly(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) != n:
            raise ProtocolError(f"the answer ended after {len(data)} of {n} bytes")
        return data

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self.rfile.readline(_MAX_LINE + 1)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line {size_line[:100]!r}") from None
            if size == 0:
                while self.rfile.readline(_MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._exactly(2)  # CRLF after the chunk


def tls_context() -> ssl.SSLContext:
    """Certificates trusted for the object store as boto3 (the rest of the S3 code) trusts them: the bundle in
    `AWS_CA_BUNDLE` when set (a private CA, e.g. an in-house MinIO), else the system's."""
    return ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)


class ConnectionPool:
    """Connections to one endpoint (http or https), at most `maxsize` kept open while idle."""

    def __init__(self, endpoint: str, *, maxsize: int, connect_timeout: float, read_timeout: float) -> None:
        parts = urlsplit(endpoint)
        self._tls = tls_context() if parts.scheme == "https" else None
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._tls else 80)
        self._maxsize = maxsize
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def request(self, method: str, target: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
        """One exchange; raises OSError (ProtocolError included) when it failed. A kept-alive connection the
        server closed meanwhile is replaced once, since the request never reached it."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            try:
                answer, reusable = conn.exchange(method, target, headers, body)
            except OSError:
                conn.close()
                conn = None
        if conn is None:
            conn = self._connect()
            try:
                answer, reusable = conn.exchange(method, target, headers, body)
            except BaseException:
                conn.close()
                raise
        if reusable:
            with self._lock:
                if len(self._idle) < self._maxsize:
                    self._idle.append(conn)
                    return answer
        conn.close()
        return answer

    def _connect(self) -> _Connection:
        sock = socket.create_connection((self._host, self._port), timeout=self._connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self._host)
            sock.settimeout(self._read_timeout)
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)
