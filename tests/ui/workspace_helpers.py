"""Helpers for the manager workspace tests: sign in with a language, screenshots per locale, origin guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import expect

# Eight sessions share two cores here: a sign-in (argon2) can take seconds; waiting longer is not a race.
expect.set_options(timeout=20_000)

# Every tab of the project workspace (services/ui/src/features/workspace/tabs.tsx), as in `#/projects/<id>/<tab>`.
TABS = [
    "overview",
    "labels",
    "import",
    "tasks",
    "prelabel",
    "golden",
    "members",
    "statistics",
    "export",
    "webhooks",
    "settings",
]


def new_page(chromium: Any, server: Server, locale: str) -> Any:
    """A fresh browser context whose UI starts in `locale`, recording every request that leaves the origin."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.add_init_script(f"localStorage.setItem('labelhive.locale', {locale!r})")
    page = context.new_page()
    page.set_default_timeout(15_000)
    origin = urlsplit(server.base)
    page.foreign_requests = []  # type: ignore[attr-defined]

    def record(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            page.foreign_requests.append(request.url)

    page.on("request", record)
    return page


def sign_in(page: Any, server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    page.goto(f"{server.base}/#/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_be_visible(timeout=60_000)


def shoot(page: Any, shots: Path, name: str, locale: str) -> Path:
    """A full-page screenshot `<name>.<locale>.png`, after fonts and animations have settled."""
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(300)  # antd's enter animations; the picture, not the test, depends on it
    path = shots / f"{name}.{locale}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def member(server: Server, project_id: int, role: str, email: str, name: str) -> tuple[str, str]:
    """An account with `role` in the project, made the way people join: through an invite link."""
    import httpx

    invite = server.admin.call("POST", f"/projects/{project_id}/invites", json={"role": role})
    password = "member-pass-2026"
    r = httpx.post(
        f"{server.base}/api/v1/invites/{invite['token']}/accept",
        json={"email": email, "password": password, "display_name": name, "locale": "zh-CN"},
        headers={"Origin": server.base},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return email, password


def new_project(server: Server, name: str, **fields: Any) -> int:
    return int(server.admin.call("POST", "/projects", json={"name": name, **fields})["id"])
