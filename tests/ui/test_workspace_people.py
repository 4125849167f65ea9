"""Members and profile in the browser: a manager changes a role, removes someone, revokes an invite; a person
changes their password and makes and revokes an API token; a manager of project A sees nothing of project B."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from conftest import Server
from playwright.sync_api import expect
from workspace_helpers import TABS, member, new_page, new_project, shoot, sign_in


def test_manager_runs_members_and_sees_nothing_of_another_project(
    chromium: Any, server: Server, shots: Path
) -> None:
    a = new_project(server, "D线 装配")
    b = new_project(server, "E线 秘密项目", description="B 的描述")
    email, password = member(server, a, "manager", "mgr-people@factory-a.example.com", "周经理")
    member(server, a, "annotator", "ann-people@factory-a.example.com", "吴标注")
    member(server, b, "annotator", "other-b@factory-a.example.com", "B 的标注员")
    page = new_page(chromium, server, "zh-CN")
    try:
        sign_in(page, server, email, password)
        expect(page.get_by_test_id("project-list")).to_contain_text("D线 装配")
        expect(page.get_by_test_id("project-list")).not_to_contain_text("E线")
        page.goto(f"{server.base}/#/projects/{a}/members")
        members = page.get_by_test_id("member-list")
        expect(members).to_contain_text("吴标注")
        row = members.locator("tr", has_text="吴标注")
        row.locator(".ant-select").click()
        page.locator(".ant-select-dropdown").get_by_text("审核员").click()
        expect(page.get_by_text("角色已修改。")).to_be_visible()
        roles = {m["display_name"]: m["role"] for m in server.admin.call("GET", f"/projects/{a}/members")}
        assert roles["吴标注"] == "reviewer"
        page.get_by_text("邀请成员").click()
        page.get_by_role("button", name="生成邀请链接").click()
        assert "/invite/" in page.get_by_test_id("invite-url").input_value()
        pending = page.get_by_test_id("pending-invites")
        expect(pending).to_contain_text("待接受的邀请（1）")
        shoot(page, shots, "members", "zh-CN")
        pending.get_by_role("button", name="撤销").click()
        page.locator(".ant-popconfirm").get_by_role("button", name="撤销").click()
        expect(pending).to_contain_text("待接受的邀请（0）")
        row.get_by_role("button", name="移除").click()
        page.locator(".ant-popconfirm").get_by_role("button", name="移除").click()
        expect(members).not_to_contain_text("吴标注")

        # project B: not in the list, and its pages answer "not found" in every tab and page
        for tab in ("", *(f"/{t}" for t in TABS), "/mine", "/review", "/next"):
            page.goto(f"{server.base}/#/projects/{b}{tab}")
            expect(page.get_by_test_id("error")).to_be_visible()
            expect(page.locator("body")).not_to_contain_text("E线 秘密项目")
            expect(page.locator("body")).not_to_contain_text("B 的标注员")
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_profile_password_and_api_tokens(chromium: Any, server: Server, shots: Path) -> None:
    a = new_project(server, "F线 包装")
    email, password = member(server, a, "annotator", "profile@factory-a.example.com", "郑质检")
    page = new_page(chromium, server, "en")
    try:
        sign_in(page, server, email, password)
        page.get_by_test_id("current-user").click()
        expect(page).to_have_url(re.compile(r"#/profile$"))
        page.fill("#pw-current", "not-my-password")
        page.fill("#pw-next", "line-f-pack-2027")
        page.fill("#pw-repeat", "line-f-pack-2028")
        page.get_by_test_id("password-submit").click()
        expect(page.get_by_test_id("password-form")).to_contain_text("The two new passwords differ.")
        page.fill("#pw-repeat", "line-f-pack-2027")
        page.get_by_test_id("password-submit").click()
        expect(page.get_by_test_id("password-form")).to_contain_text("current password")
        page.fill("#pw-current", password)
        page.get_by_test_id("password-submit").click()
        expect(page.get_by_text("Password changed.")).to_be_visible()

        page.get_by_test_id("token-name").fill("nightly export")
        page.get_by_test_id("token-days").fill("30")
        page.get_by_test_id("token-create").click()
        token = page.get_by_test_id("token-value").inner_text().strip()
        tokens = page.get_by_test_id("token-list")
        expect(tokens).to_contain_text("nightly export")
        api = httpx.Client(base_url=f"{server.base}/api/v1", timeout=30)
        me = api.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == email
        shoot(page, shots, "profile", "en")
        tokens.get_by_role("button", name="Revoke").click()
        page.locator(".ant-popconfirm").get_by_role("button", name="Revoke").click()
        expect(tokens).to_contain_text("revoked")
        assert api.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        page.get_by_test_id("profile-language").click()
        page.locator(".ant-select-dropdown").get_by_text("中文（简体）").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("个人设置")
        shoot(page, shots, "profile", "zh-CN")
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
