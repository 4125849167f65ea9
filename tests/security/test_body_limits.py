"""Unauthenticated large bodies cannot grow the server: every content type is limited while it streams,
before any route (or authentication) runs; only a project's managers may start a large upload."""

from __future__ import annotations

import json
import os
import select
import socket

import pytest

MiB = 1024 * 1024
TOTAL = 256 * MiB  # what each attacker claims (or tries) to send


def _push(port: int, path: str, ctype: str, *, chunked: bool = False) -> tuple[int, int]:
    """Sends up to TOTAL bytes, stopping as soon as the server answers; returns (status, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {TOTAL}"
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n{length}\r\n\r\n".encode()
    )
    chunk = os.urandom(MiB)
    piece = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk
    sent = 0
    try:
        while sent < TOTAL:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            if writable:
                sock.sendall(piece)
                sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent


@pytest.mark.parametrize(
    ("path", "ctype", "chunked", "expected"),
    [
        ("/api/v1/auth/login", "application/octet-stream", False, 413),
        ("/api/v1/auth/login", "application/octet-stream", True, 413),
        ("/api/v1/projects", "application/json", False, 413),
        ("/api/v1/projects", "application/zip", True, 413),
        ("/api/v1/projects/1/imports", "multipart/form-data; boundary=x", False, 401),
        ("/api/v1/projects/1/imports", "multipart/form-data; boundary=x", True, 401),
        ("/api/v1/users/1", "application/x-yaml", False, 413),
    ],
)
def test_an_unauthenticated_large_body_is_refused_before_it_is_read(server, path, ctype, chunked, expected):
    before = server.rss_kib("VmHWM")
    status, sent = _push(server.port, path, ctype, chunked=chunked)
    after = server.rss_kib("VmHWM")
    growth_mib = (after - before) / 1024
    print(
        f"{path} {ctype} chunked={chunked}: {status}, sent {sent // MiB} MiB, peak RSS +{growth_mib:.1f} MiB"
    )
    assert status == expected
    assert sent < TOTAL // 4, "the server read the body instead of refusing it"
    assert growth_mib < 32


def test_refusals_are_logged_with_a_request_id_and_no_secret(server):
    status, _ = _push(server.port, "/api/v1/auth/login", "application/octet-stream")
    assert status == 413
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    refused = [line for line in lines if line.get("status") == 413]
    assert refused and all(len(line.get("request_id", "")) >= 16 for line in refused)
    assert server.env["LABELHIVE_SECRET_KEY"] not in server.log_text()
