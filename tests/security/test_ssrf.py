"""Server-side request forgery: webhooks and URL imports (and image URLs inside annotation files) never
reach a loopback/private/metadata address unless the admin allow-listed it, not directly, not through a
redirect, not as an IPv4-mapped IPv6 literal; and a receiver's answer is never shown to the manager."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from conftest import png
from labelhive_api.webhooks.dispatcher import WebhookDispatcher
from labelhive_api.webhooks.models import Webhook

SECRET = b"internal-admin-panel: root password is hunter2"


class _Internal(BaseHTTPRequestHandler):
    """An internal service on loopback that must never be reached (and a redirector in front of it)."""

    hits: ClassVar[list[str]] = []
    image: ClassVar[bytes] = b""

    def _answer(self) -> None:
        host = self.server.server_address[0]  # type: ignore[index]
        self.hits.append(f"{host}{self.path}")
        if self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", "http://" + self.path.removeprefix("/redirect-to/"))
            self.end_headers()
            return
        body = self.image if self.path.endswith(".png") else SECRET
        self.send_response(500 if self.path == "/hook-fails" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def internal() -> Iterator[dict[str, int]]:
    """Listeners on 127.0.0.1 (internal) and 127.0.0.2 (stands in for an allow-listed host)."""
    _Internal.hits = []
    _Internal.image = png(12, 12)
    servers = {host: ThreadingHTTPServer((host, 0), _Internal) for host in ("127.0.0.1", "127.0.0.2")}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {host: server.server_address[1] for host, server in servers.items()}  # type: ignore[misc]
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _hook(api, project_id, headers, url):
    body = {"url": url, "events": ["*"]}
    return api.client.post(f"/api/v1/projects/{project_id}/webhooks", headers=headers, json=body)


def test_webhooks_to_internal_addresses_are_refused_at_creation(api, internal):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    port = internal["127.0.0.1"]
    for url in (
        f"http://127.0.0.1:{port}/",
        f"http://localhost:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.1/",
        f"http://0.0.0.0:{port}/",
    ):
        refused = _hook(api, project.id, headers, url)
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["code"] == "webhook_url_refused"
    assert _Internal.hits == []


def test_a_stored_webhook_to_loopback_is_not_delivered_and_no_body_is_shown(make_app, internal):
    # e.g. a name that resolved to a public address when it was saved and to loopback now (DNS rebinding)
    api = make_app()
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    with api.db.session() as s:
        hook = Webhook(
            project_id=project.id,
            url=f"http://127.0.0.1:{internal['127.0.0.1']}/hook",
            secret="s" * 32,
            events=["*"],
        )
        s.add(hook)
        s.flush()
        hook_id = hook.id
    api.client.post(f"/api/v1/projects/{project.id}/webhooks/{hook_id}/ping", headers=headers)
    WebhookDispatcher(api.db, api.settings).run_once()
    assert _Internal.hits == []
    deliveries = api.client.get(
        f"/api/v1/projects/{project.id}/webhooks/{hook_id}/deliveries", headers=headers
    )
    assert deliveries.json()[0]["last_error"].startswith("address_refused")


def test_a_failing_allow_listed_receiver_shows_its_status_never_its_body(make_app, internal):
    api = make_app(outbound_allow=["127.0.0.2/32"])
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    created = _hook(api, project.id, headers, f"http://127.0.0.2:{internal['127.0.0.2']}/hook-fails")
    assert created.status_code == 201, created.text
    hook_id = created.json()["id"]
    api.client.post(f"/api/v1/projects/{project.id}/webhooks/{hook_id}/ping", headers=headers)
    WebhookDispatcher(api.db, api.settings).run_once()
    assert _Internal.hits == ["127.0.0.2/hook-fails"]
    delivery = api.client.get(
        f"/api/v1/projects/{project.id}/webhooks/{hook_id}/deliveries", headers=headers
    ).json()[0]
    attempts = api.client.get(
        f"/api/v1/projects/{project.id}/webhooks/{hook_id}/deliveries/{delivery['id']}/attempts",
        headers=headers,
    )
    assert delivery["last_error"] == "HTTP 500"
    assert "hunter2" not in json.dumps(delivery) + attempts.text


def test_url_imports_never_reach_loopback_directly_by_redirect_or_mapped_ipv6(make_app, internal):
    # The admin allowed 127.0.0.2 (say, an intranet image server); 127.0.0.1 stays internal.
    api = make_app(outbound_allow=["127.0.0.2/32"])
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    inner, outer = internal["127.0.0.1"], internal["127.0.0.2"]
    urls = {
        "direct": f"http://127.0.0.1:{inner}/a.png",
        "mapped": f"http://[::ffff:127.0.0.1]:{inner}/b.png",
        "redirect": f"http://127.0.0.2:{outer}/redirect-to/127.0.0.1:{inner}/c.png",
        "metadata": "http://169.254.169.254/latest/meta-data/d.png",
        "allowed": f"http://127.0.0.2:{outer}/ok.png",
    }
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports/urls", headers=headers, json={"urls": list(urls.values())}
    )
    assert created.status_code == 202
    api.run_jobs()
    done = api.job(project.id, created.json()["id"], headers)
    assert (done["imported"], done["refused"]) == (1, 4)
    reasons = {
        r["name"]: r["reason"]
        for r in api.items(project.id, created.json()["id"], headers)
        if r["state"] == "refused"
    }
    assert reasons == {urls[k]: "refused_address" for k in ("direct", "mapped", "redirect", "metadata")}
    # Only the allowed host was contacted (once for the redirect, once for the image); loopback never.
    assert sorted(_Internal.hits) == sorted(
        [f"127.0.0.2/redirect-to/127.0.0.1:{inner}/c.png", "127.0.0.2/ok.png"]
    )


def test_image_urls_inside_a_label_studio_file_follow_the_same_policy(api, internal):
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    url = f"http://127.0.0.1:{internal['127.0.0.1']}/from-ls.png"
    tasks = [{"data": {"image": url}, "annotations": []}]
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=headers,
        data={"format": "labelstudio"},
        files=[("files", ("tasks.json", json.dumps(tasks).encode(), "application/json"))],
    )
    api.run_jobs()
    refused = {r["name"]: r["reason"] for r in api.items(project.id, created.json()["id"], headers)}
    assert refused[url] == "refused_address"
    assert _Internal.hits == []
