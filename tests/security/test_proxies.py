"""X-Forwarded-For is believed only from the trusted proxy (LABELHIVE_TRUSTED_PROXIES; 127.0.0.2 here,
standing for the ingress): anyone else's header is ignored, so rotating it does not dodge the per-address
login limit, and behind the ingress the limit applies to the real client address."""

from __future__ import annotations

import secrets

import httpx


def _client(server, source: str) -> httpx.Client:
    return httpx.Client(base_url=server.base, transport=httpx.HTTPTransport(local_address=source), timeout=20)


def _login(client: httpx.Client, email: str, password: str, forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/api/v1/auth/login", json={"email": email, "password": password}, headers=headers)


def test_a_spoofed_forwarded_for_does_not_dodge_the_address_limit(server):
    limit = 5  # LABELHIVE_LOGIN_MAX_FAILURES_PER_ADDRESS of the test server
    with _client(server, "127.0.0.3") as attacker:
        for i in range(limit):
            email = f"nobody{secrets.token_hex(3)}@example.com"
            assert _login(attacker, email, "wrong", f"198.18.0.{i}").status_code == 401
        blocked = _login(attacker, "another@example.com", "wrong", "198.18.1.1")
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "login_rate_limited"
        assert int(blocked.headers["retry-after"]) > 0


def test_behind_the_trusted_proxy_the_limit_follows_the_real_client(server):
    from server import ADMIN_EMAIL, ADMIN_PASSWORD

    with _client(server, "127.0.0.2") as ingress:
        for i in range(5):
            assert _login(ingress, f"x{i}@example.com", "wrong", "203.0.113.50").status_code == 401
        assert _login(ingress, ADMIN_EMAIL, ADMIN_PASSWORD, "203.0.113.50").status_code == 429
        # Another client behind the same ingress is not affected.
        assert _login(ingress, ADMIN_EMAIL, ADMIN_PASSWORD, "203.0.113.51").status_code == 200


def test_the_forwarded_chain_is_read_from_the_right():
    import asyncio
    import ipaddress

    from labelhive_api.api.forwarded import ForwardedHeaders

    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0]
        seen["headers"] = dict(scope["headers"])

    proxies = [ipaddress.ip_network("10.0.0.0/8")]

    def call(peer: str, xff: str) -> str:
        scope = {"type": "http", "client": (peer, 1), "headers": [(b"x-forwarded-for", xff.encode())]}
        asyncio.run(ForwardedHeaders(app, proxies)(scope, None, None))  # type: ignore[arg-type]
        return seen["client"]

    assert call("10.1.1.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"  # a client-sent prefix is ignored
    assert call("10.1.1.1", "10.9.9.9") == "10.9.9.9"  # an intranet client behind the ingress
    assert call("203.0.113.9", "1.1.1.1") == "203.0.113.9" and b"x-forwarded-for" not in seen["headers"]
