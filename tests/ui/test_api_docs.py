"""The API docs page works offline: Swagger UI, its stylesheet and favicon come from the API's own origin."""

from __future__ import annotations

from typing import Any

from conftest import Server
from playwright.sync_api import expect
from workspace_helpers import new_page


def test_docs_page_renders_operations_from_the_origin_only(chromium: Any, server: Server) -> None:
    page = new_page(chromium, server, "en")
    failed: list[str] = []
    problems: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} {r.status}"))
    # A Content-Security-Policy refusal (an inline script, eval) shows up as a console error.
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server.base}/api/v1/docs")
    # The operations render from /api/v1/openapi.json: the projects list is one of them.
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/projects").first
    expect(operation).to_be_visible(timeout=30_000)
    assert page.locator(".opblock").count() > 50
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LabelHive API")
    # The page names its own favicon (so the browser does not look elsewhere) and it is served.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and icon.startswith("/api/v1/docs/")
    assert page.request.get(f"{server.base}{icon}").status == 200

    # Opening an operation works without any outside request either.
    operation.click()
    expect(page.locator(".opblock.is-open").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.foreign_requests == []  # type: ignore[attr-defined]
    assert failed == []
    assert problems == []
    page.context.close()
