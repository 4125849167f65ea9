"""A manager's projects in the browser: the list with progress, create with Markdown instructions, edit,
archive and restore, delete after typing the name; screenshots of each screen in zh-CN and en."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import Server
from playwright.sync_api import expect
from workspace_helpers import new_page, shoot, sign_in


def test_create_edit_archive_delete_a_project(chromium: Any, server: Server, shots: Path) -> None:
    page = new_page(chromium, server, "en")
    try:
        sign_in(page, server)
        card = page.get_by_test_id("project-card").filter(has_text="A厂焊缝缺陷")
        expect(card.get_by_test_id("project-progress")).to_contain_text(re.compile(r"\d+ of \d+ done"))
        page.get_by_test_id("new-project").click()
        form = page.get_by_test_id("project-form")
        page.get_by_test_id("project-submit").click()
        expect(form).to_contain_text("Required.")  # zod, before any request
        page.fill("#project-name", "B线 外观检查")
        page.fill("#project-instructions", "# 标注规则\n- 框住**整条**裂纹\n<script>alert(1)</script>")
        page.get_by_role("tab", name="Preview").click()
        preview = page.get_by_test_id("instructions-preview")
        expect(preview.locator("h3")).to_have_text("标注规则")
        expect(preview.locator("strong")).to_have_text("整条")
        expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
        page.fill("#project-overlap", "0")
        page.get_by_test_id("project-submit").click()
        expect(form).to_contain_text("Between 1 and 20.")
        page.fill("#project-overlap", "2")
        page.fill("#project-lease_minutes", "45")
        page.get_by_test_id("project-submit").click()
        expect(page).to_have_url(re.compile(r"#/projects/\d+/labels$"))
        project_id = int(re.search(r"#/projects/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
        saved = server.admin.call("GET", f"/projects/{project_id}")
        assert (saved["name"], saved["overlap"], saved["task_lease_seconds"]) == ("B线 外观检查", 2, 2700)

        page.get_by_test_id("tab-link-settings").click()
        page.fill("#project-name", "B线 外观检查（二期）")
        page.get_by_test_id("project-submit").click()
        expect(page.get_by_test_id("project-name")).to_contain_text("B线 外观检查（二期）")

        page.get_by_test_id("archive-project").click()
        expect(page.get_by_test_id("project-name")).to_contain_text("Archived")
        assert server.admin.call("GET", f"/projects/{project_id}")["archived_at"]
        page.goto(f"{server.base}/#/")
        expect(page.get_by_test_id("project-list")).not_to_contain_text("B线")
        page.get_by_text(re.compile(r"^Archived \(1\)$")).click()
        expect(page.get_by_test_id("project-list")).to_contain_text("B线 外观检查（二期）")
        page.get_by_role("link", name="B线 外观检查（二期）").click()
        page.get_by_test_id("tab-link-settings").click()
        page.get_by_test_id("archive-project").click()  # restore
        expect(page.get_by_test_id("project-name")).not_to_contain_text("Archived")

        page.get_by_test_id("delete-project").click()
        confirm = page.get_by_test_id("confirm-delete")
        expect(confirm).to_be_disabled()
        page.get_by_test_id("delete-confirm-name").fill("B线")
        expect(confirm).to_be_disabled()
        page.get_by_test_id("delete-confirm-name").fill("B线 外观检查（二期）")
        confirm.click()
        expect(page).to_have_url(re.compile(r"#/$"))
        ids = [p["id"] for p in server.admin.call("GET", "/projects")]
        assert project_id not in ids
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_screenshots_of_project_screens(chromium: Any, server: Server, shots: Path) -> None:
    for locale in ("zh-CN", "en"):
        page = new_page(chromium, server, locale)
        try:
            sign_in(page, server)
            expect(page.get_by_test_id("project-list")).to_contain_text("A厂焊缝缺陷")
            shoot(page, shots, "projects", locale)
            page.goto(f"{server.base}/#/projects/new")
            page.fill("#project-instructions", "# 标注规则\n- 框住**整条**裂纹")
            shoot(page, shots, "project-new", locale)
            page.goto(f"{server.base}/#/projects/{server.project_id}/settings")
            expect(page.get_by_test_id("danger-zone")).to_be_visible()
            shoot(page, shots, "project-settings", locale)
            page.goto(f"{server.base}/#/projects/{server.project_id}")
            expect(page.get_by_test_id("workspace-tabs")).to_be_visible()
            shoot(page, shots, "project-overview", locale)
            assert page.foreign_requests == []  # type: ignore[attr-defined]
        finally:
            page.context.close()
