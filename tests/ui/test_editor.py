"""An inspector signs in, switches to Chinese, draws a box on their next task, saves; it is still there after a reload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, IMAGE_SIZE, IMAGE_URL, Server
from labelhive_harness.chromium import editor_point
from playwright.sync_api import expect


def sign_in(page: Any, server: Server) -> None:
    page.goto(f"{server.base}/")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("project-list")).to_contain_text("A厂焊缝缺陷")


def to_screen(page: Any, x: float, y: float) -> tuple[float, float]:
    """Image pixel -> page coordinates, for the editor's fit-to-view."""
    return editor_point(page, IMAGE_SIZE, x, y)


def drag_box(page: Any, x1: float, y1: float, x2: float, y2: float) -> None:
    page.mouse.move(*to_screen(page, x1, y1))
    page.mouse.down()
    page.mouse.move(*to_screen(page, (x1 + x2) / 2, (y1 + y2) / 2), steps=4)
    page.mouse.move(*to_screen(page, x2, y2), steps=4)
    page.mouse.up()


def wait_for_image(page: Any) -> None:
    expect(page.get_by_test_id("editor-canvas")).to_have_attribute(
        "data-image", f"{IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}"
    )


def test_draw_box_in_chinese_save_reload_submit(page: Any, server: Server, shots: Path) -> None:
    more = [
        {"image": IMAGE_URL, "filename": f"line-{i:03d}.png", "width": 640, "height": 400} for i in range(60)
    ]
    server.admin.call("POST", f"/projects/{server.project_id}/tasks", json={"tasks": more})
    sign_in(page, server)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Projects")

    page.get_by_test_id("language").select_option("zh-CN")
    expect(heading).to_have_text("项目")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.get_by_role("link", name="A厂焊缝缺陷").click()
    expect(page.get_by_test_id("progress")).to_contain_text("未开始")
    # keyset pages of 50: "load more" fetches the rest
    rows = page.get_by_test_id("task-list").locator("tbody tr")
    expect(rows).to_have_count(50)
    page.get_by_test_id("load-more").click()
    total = server.admin.call("GET", f"/projects/{server.project_id}/tasks/counts")["total"]
    assert total > 50
    expect(rows).to_have_count(total)
    expect(page.get_by_test_id("load-more")).to_be_hidden()
    page.screenshot(path=str(shots / "project-zh.png"), full_page=True)
    page.get_by_test_id("next-task").click()
    expect(page.get_by_test_id("editor")).to_be_visible()
    wait_for_image(page)
    task_id = int(re.search(r"/tasks/(\d+)", page.url).group(1))

    drag_box(page, 100, 80, 300, 240)
    shapes = page.get_by_test_id("shape-list").locator("li")
    expect(shapes).to_have_count(1)
    expect(shapes.first).to_contain_text("裂纹")
    status = page.get_by_test_id("save-status")
    expect(status).to_have_text("有未保存的修改")

    # label hotkey from the schema relabels the selected box; undo and redo go through the history
    page.keyboard.press("2")
    expect(shapes.first).to_contain_text("气孔")
    page.keyboard.press("Control+z")
    expect(shapes.first).to_contain_text("裂纹")
    page.keyboard.press("Control+Shift+z")
    expect(shapes.first).to_contain_text("气孔")

    # a polygon: P, click the corners, click the first one again to close
    page.keyboard.press("p")
    corners = [(360, 60), (470, 70), (480, 150), (380, 160)]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(*to_screen(page, x, y))
    expect(shapes).to_have_count(2)
    expect(shapes.nth(1)).to_contain_text("多边形")

    page.get_by_test_id("save").click()
    expect(status).to_have_text("已全部保存")
    page.screenshot(path=str(shots / "editor-zh.png"))

    draft = server.admin.call("GET", f"/projects/{server.project_id}/tasks/{task_id}/draft")
    box, polygon = draft["result"]
    assert (box["type"], box["label"]) == ("bbox", "porosity")
    for key, want in {"x": 100, "y": 80, "w": 200, "h": 160}.items():
        assert abs(box[key] - want) <= 1.5, (key, box)
    assert (polygon["type"], polygon["label"]) == ("polygon", "porosity")
    assert len(polygon["points"]) == 4
    for (px, py), (x, y) in zip(polygon["points"], corners, strict=True):
        assert abs(px - x) <= 1.5 and abs(py - y) <= 1.5, polygon

    page.reload()
    wait_for_image(page)
    expect(shapes).to_have_count(2)
    expect(shapes.first).to_contain_text("气孔")
    expect(status).to_have_text("没有修改")
    expect(page.get_by_role("heading", level=3, name="标签", exact=True)).to_be_visible()

    page.get_by_test_id("submit").click()
    expect(page).not_to_have_url(re.compile(rf"/tasks/{task_id}$"))
    [annotation] = server.admin.call("GET", f"/projects/{server.project_id}/tasks/{task_id}/annotations")
    assert annotation["status"] == "submitted"
    assert [s["type"] for s in annotation["result"]] == ["bbox", "polygon"]


def test_stale_save_gets_a_translated_409_and_reloads_the_latest(
    page: Any, server: Server, shots: Path
) -> None:
    admin, pid = server.admin, server.project_id
    task_id = server.new_task("weld-stale.png")
    # the profile language applies at sign-in
    admin.call("PATCH", "/auth/me", json={"locale": "zh-CN", "new_password": None})
    box = {"id": "a", "type": "bbox", "label": "crack", "x": 20, "y": 20, "w": 50, "h": 40}
    annotation = admin.call("POST", f"/projects/{pid}/tasks/{task_id}/annotations", json={"result": [box]})

    sign_in(page, server)
    expect(page.get_by_role("heading", level=1)).to_have_text("项目")
    page.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
    wait_for_image(page)
    shapes = page.get_by_test_id("shape-list").locator("li")
    expect(shapes).to_have_count(1)

    # meanwhile the same annotation gets a new version from elsewhere
    other = {**box, "id": "b", "x": 400, "label": "porosity"}
    admin.call(
        "PUT", f"/projects/{pid}/annotations/{annotation['id']}", json={"version": 1, "result": [box, other]}
    )

    drag_box(page, 300, 250, 380, 330)
    expect(shapes).to_have_count(2)
    # switching language mid-task keeps unsaved work
    page.get_by_test_id("language").select_option("en")
    expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    page.get_by_test_id("language").select_option("zh-CN")
    expect(shapes).to_have_count(2)
    page.get_by_test_id("save").click()
    # the other save was this same user's (over the API): the wording says so instead of "someone else"
    dialog = page.get_by_test_id("conflict-dialog")
    expect(dialog).to_contain_text("您在另一个标签页中保存了此任务的第 2 版")
    page.get_by_test_id("conflict-cancel").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text("您在另一个标签页中保存了此任务的第 2 版")
    page.screenshot(path=str(shots / "editor-conflict-zh.png"))

    page.get_by_test_id("conflict-reload").click()
    expect(conflict).to_be_hidden()
    expect(shapes).to_have_count(2)
    expect(shapes.nth(1)).to_contain_text("气孔")
    expect(page.get_by_test_id("save-status")).to_have_text("没有修改")
