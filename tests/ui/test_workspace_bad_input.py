"""Bad input in the manager's forms: the API's problem+json code comes back as a translated message under the
field it concerns (not as a toast or a generic banner), in Chinese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Server
from playwright.sync_api import expect
from workspace_helpers import member, new_page, new_project, shoot, sign_in

MESSAGES = {
    "zh-CN": {
        "webhook_url_refused": "Webhook 不能调用此地址",
        "weak_password": "密码太弱",
        "save": "保存",
    },
    "en": {
        "webhook_url_refused": "Webhooks may not call this address",
        "weak_password": "This password is too weak",
        "save": "Save",
    },
}


def field(page: Any, inner: Any) -> Any:
    """The form item (label, control, message) that holds `inner`."""
    return page.locator(".ant-form-item").filter(has=inner)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_problem_codes_show_under_their_field(
    chromium: Any, server: Server, shots: Path, locale: str
) -> None:
    pid = new_project(server, f"G线 {locale}")
    email, password = member(
        server, pid, "manager", f"mgr-bad-{locale.lower()}@factory-a.example.com", "钱经理"
    )
    text = MESSAGES[locale]
    page = new_page(chromium, server, locale)
    try:
        sign_in(page, server, email, password)

        # A webhook to a private address: refused by the API's outbound policy (webhook_url_refused).
        page.goto(f"{server.base}/#/projects/{pid}/webhooks")
        page.get_by_test_id("add-webhook").click()
        url = page.get_by_test_id("webhook-url")
        url.fill("http://10.0.0.1/hooks/labelhive")
        page.get_by_role("dialog").get_by_role("button", name=text["save"]).click()
        expect(field(page, url).locator(".ant-form-item-explain")).to_contain_text(
            text["webhook_url_refused"]
        )
        assert server.admin.call("GET", f"/projects/{pid}/webhooks") == []
        shoot(page, shots, "bad-input-webhook", locale)
        page.keyboard.press("Escape")

        # A common password on the profile page: weak_password, under the new password.
        page.goto(f"{server.base}/#/profile")
        page.fill("#pw-current", password)
        page.fill("#pw-next", "1234567890")
        page.fill("#pw-repeat", "1234567890")
        page.get_by_test_id("password-submit").click()
        nxt = page.locator("#pw-next")
        expect(field(page, nxt).locator(".ant-form-item-explain")).to_contain_text(text["weak_password"])
        expect(field(page, page.locator("#pw-current")).locator(".ant-form-item-explain")).to_have_count(0)
        shoot(page, shots, "bad-input-password", locale)
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
