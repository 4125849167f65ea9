"""The review loop in the browser: an inspector joins by invite, accepts a pre-label in one click and submits;
the reviewer rejects with a comment from the queue; the inspector sees why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import Server
from playwright.sync_api import expect
from test_editor import sign_in, wait_for_image


def test_invite_prediction_submit_reject_with_comment(
    chromium: Any, page: Any, server: Server, shots: Path
) -> None:
    admin, pid = server.admin, server.project_id
    admin.call("PATCH", "/auth/me", json={"locale": "zh-CN", "new_password": None})
    task_id = server.new_task("weld-review.png")
    suggestion = {
        "id": "p1",
        "type": "bbox",
        "label": "crack",
        "x": 180,
        "y": 170,
        "w": 70,
        "h": 50,
        "score": 0.91,
    }
    admin.call(
        "POST",
        f"/projects/{pid}/tasks/{task_id}/predictions",
        json={"model_version": "mobile-sam-1", "result": [suggestion], "score": 0.91},
    )

    # the manager makes an invite link on the project page
    sign_in(page, server)
    page.goto(f"{server.base}/#/projects/{pid}/members")
    page.get_by_text("邀请成员").click()
    page.get_by_role("button", name="生成邀请链接").click()
    invite_url = page.get_by_test_id("invite-url").input_value()
    assert "/invite/" in invite_url

    inspector = chromium.new_context(viewport={"width": 1400, "height": 860}, locale="en-US")
    try:
        ip = inspector.new_page()
        ip.set_default_timeout(15_000)
        ip.goto(invite_url)
        form = ip.get_by_test_id("invite-form")
        # the invite opens in the project's default language (zh-CN), whatever the browser's
        expect(form).to_contain_text("标注员")
        ip.get_by_test_id("language").select_option("en")
        expect(form).to_contain_text("annotator")
        ip.get_by_test_id("language").select_option("zh-CN")
        expect(form).to_contain_text("标注员")
        ip.fill("input[name=display_name]", "王质检")
        ip.fill("input[name=email]", "wang@factory-a.example.com")
        ip.fill("input[name=password]", "inspector-pass-1")
        ip.get_by_role("button", name="创建账号").click()
        expect(ip.get_by_test_id("current-user")).to_have_text("王质检")
        inspector_id = next(u["id"] for u in admin.call("GET", "/users") if u["display_name"] == "王质检")
        admin.call(
            "POST", f"/projects/{pid}/tasks/assign", json={"task_ids": [task_id], "assignee_id": inspector_id}
        )

        ip.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
        wait_for_image(ip)
        expect(ip.get_by_test_id("predictions")).to_contain_text("mobile-sam-1")
        ip.get_by_test_id("accept-prediction").click()
        shapes = ip.get_by_test_id("shape-list").locator("li")
        expect(shapes).to_have_count(1)
        expect(shapes.first).to_contain_text("裂纹")
        ip.screenshot(path=str(shots / "editor-prediction-zh.png"))
        ip.get_by_test_id("submit").click()
        expect(ip).not_to_have_url(re.compile(rf"/tasks/{task_id}$"))  # on to the next task (or "none left")

        # the reviewer: queue -> open -> a rejection needs a comment
        page.goto(f"{server.base}/#/projects/{pid}/review")
        queue = page.get_by_test_id("review-queue")
        row = queue.locator("tr", has_text=f"#{task_id}")
        expect(row).to_contain_text("王质检")
        row.get_by_role("link", name="审核").click()
        panel = page.get_by_test_id("review-panel")
        wait_for_image(page)
        reviewed = page.get_by_test_id("shape-list").locator("li")
        expect(reviewed).to_have_count(1)
        # the reviewer fixes the box a little (select it, arrow keys), then rejects
        reviewed.first.get_by_role("button").first.click()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        expect(page.get_by_test_id("review-fixes")).to_be_visible()
        page.get_by_test_id("reject").click()
        expect(panel).to_contain_text("驳回前请写明需要修改的地方")
        page.get_by_test_id("shape-comment").fill("框没有包住裂纹末端")
        panel.locator("textarea").fill("裂纹框太小，请框住整条裂纹")
        page.screenshot(path=str(shots / "review-zh.png"))
        page.get_by_test_id("reject").click()
        expect(queue).to_be_visible()
        expect(queue.locator("tr", has_text=f"#{task_id}")).to_have_count(0)

        [annotation] = admin.call("GET", f"/projects/{pid}/tasks/{task_id}/annotations")
        assert annotation["status"] == "rejected"
        [review] = admin.call("GET", f"/projects/{pid}/annotations/{annotation['id']}/reviews")
        assert review["comment"] == "裂纹框太小，请框住整条裂纹"
        assert [c["comment"] for c in review["shape_comments"]] == ["框没有包住裂纹末端"]
        assert [(s["type"], s["label"], s["x"], s["w"]) for s in annotation["result"]] == [
            ("bbox", "crack", 185, 70)
        ]

        # back on the task, the inspector reads what to fix
        ip.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
        expect(ip.get_by_test_id("rejection")).to_contain_text("裂纹框太小，请框住整条裂纹")
        expect(ip.get_by_test_id("rejection")).to_contain_text("1. 裂纹: 框没有包住裂纹末端")
    finally:
        inspector.close()
