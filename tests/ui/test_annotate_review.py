"""The review loop that cannot be bypassed, in the browser: accepted work is read-only until a reviewer
reopens it; a rejection comes first on the annotator's My work and the reviewer sees what changed; two tabs
of one annotator resolve a save conflict shape by shape; the `?` overlay lists the shortcuts in both
languages."""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
from conftest import IMAGE_SIZE, IMAGE_URL, Api, Server
from playwright.sync_api import expect
from test_editor import drag_box, wait_for_image

PASSWORD = "weld-review-9137-lh"


def member(server: Server, role: str, name: str) -> Api:
    """A new project member with `role`, joined through an invite, signed in over the API."""
    invite = server.admin.call(
        "POST",
        f"/projects/{server.project_id}/invites",
        json={"role": role, "max_uses": 1, "expires_in_hours": 1},
    )
    email = f"{role}-{uuid.uuid4().hex[:8]}@factory-a.example.com"
    r = httpx.post(
        f"{server.base}/api/v1/invites/{invite['token']}/accept",
        json={"email": email, "password": PASSWORD, "display_name": name, "locale": "zh-CN"},
    )
    assert r.status_code == 201, r.text
    return Api(server.base, email, PASSWORD)


def new_tasks(server: Server, n: int, assignee: int) -> list[int]:
    tasks = [
        {
            "image": IMAGE_URL,
            "filename": f"weld-r{uuid.uuid4().hex[:6]}.png",
            "width": IMAGE_SIZE[0],
            "height": IMAGE_SIZE[1],
        }
        for _ in range(n)
    ]
    ids: list[int] = server.admin.call("POST", f"/projects/{server.project_id}/tasks", json={"tasks": tasks})[
        "ids"
    ]
    server.admin.call(
        "POST", f"/projects/{server.project_id}/tasks/assign", json={"task_ids": ids, "assignee_id": assignee}
    )
    return ids


def box(x: int, label: str = "crack") -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:8], "type": "bbox", "label": label, "x": x, "y": 150, "w": 60, "h": 50}


def signed_in(chromium: Any, server: Server, api: Api, locale: str) -> tuple[Any, Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.base}/")
    page.fill("input[name=email]", api.user["email"])
    page.fill("input[name=password]", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    page.get_by_test_id("language").select_option(locale)
    return context, page


def test_reject_shows_first_on_my_work_then_the_reviewer_sees_the_diff_and_accepts_next(
    chromium: Any, server: Server, shots: Path
) -> None:
    pid = server.project_id
    annotator = member(server, "annotator", "李标注")
    reviewer = member(server, "reviewer", "张审核")
    first, second, third = new_tasks(server, 3, annotator.user["id"])
    anns = []
    for task_id in (first, second, third):
        anns.append(
            annotator.call(
                "POST", f"/projects/{pid}/tasks/{task_id}/annotations", json={"result": [box(100)]}
            )
        )
    reviewer.call(
        "POST",
        f"/projects/{pid}/annotations/{anns[2]['id']}/review",
        json={"decision": "accept", "version": 1},
    )

    rctx, rp = signed_in(chromium, server, reviewer, "en")
    actx, ap = signed_in(chromium, server, annotator, "zh-CN")
    try:
        rp.goto(f"{server.base}/#/projects/{pid}/review/{first}/{anns[0]['id']}")
        wait_for_image(rp)
        expect(rp.get_by_test_id("review-diff")).to_contain_text("First review")
        rp.get_by_test_id("review-comment").fill("Box misses the crack's end")
        rp.get_by_test_id("reject").click()
        expect(rp.get_by_test_id("review-queue")).to_be_visible()

        # the annotator: rejected work comes first, with the comment; one click opens it
        ap.goto(f"{server.base}/#/projects/{pid}")
        ap.get_by_test_id("my-work-link").click()
        expect(ap.get_by_test_id("count-rejected")).to_have_text("1")
        expect(ap.get_by_test_id("count-submitted")).to_have_text("1")
        expect(ap.get_by_test_id("count-accepted")).to_have_text("1")
        groups = ap.locator("[data-testid^=work-]").filter(has=ap.locator("h2"))
        expect(groups.first).to_have_attribute("data-testid", "work-rejected")
        rejected = ap.get_by_test_id("work-rejected")
        expect(rejected).to_contain_text("Box misses the crack's end")
        ap.screenshot(path=str(shots / "my-work-zh.png"))
        rejected.get_by_test_id("work-open").first.click()
        expect(ap).to_have_url(re.compile(rf"/tasks/{first}$"))
        wait_for_image(ap)
        expect(ap.get_by_test_id("rejection")).to_contain_text("Box misses the crack's end")
        drag_box(ap, 300, 100, 380, 160)
        expect(ap.get_by_test_id("shape-list").locator("li")).to_have_count(2)
        ap.get_by_test_id("submit").click()
        expect(ap).not_to_have_url(re.compile(rf"/tasks/{first}$"))
        [mine] = annotator.call("GET", f"/projects/{pid}/tasks/{first}/annotations")
        assert mine["status"] == "submitted" and len(mine["result"]) == 2

        # the reviewer sees the old comment and what changed since the rejected version, then accepts and moves on
        rp.goto(f"{server.base}/#/projects/{pid}/review/{first}/{mine['id']}")
        wait_for_image(rp)
        expect(rp.get_by_test_id("earlier-reviews")).to_contain_text("Box misses the crack's end")
        expect(rp.get_by_test_id("diff-added")).to_have_attribute("data-count", "1")
        expect(rp.get_by_test_id("diff-removed")).to_have_attribute("data-count", "0")
        expect(rp.get_by_test_id("version-history")).to_contain_text("resubmitted")
        rp.screenshot(path=str(shots / "review-diff-en.png"))
        rp.get_by_test_id("accept-next").click()
        expect(rp).to_have_url(re.compile(rf"/review/{second}/{anns[1]['id']}$"))
        wait_for_image(rp)
        [done] = reviewer.call("GET", f"/projects/{pid}/tasks/{first}/annotations")
        assert done["status"] == "accepted"
        # decisions only where the state allows them: the accepted one offers reopen, not accept/reject
        rp.goto(f"{server.base}/#/projects/{pid}/review/{third}/{anns[2]['id']}")
        expect(rp.get_by_test_id("reopen")).to_be_visible()
        expect(rp.get_by_test_id("accept")).to_have_count(0)
    finally:
        rctx.close()
        actx.close()


def _accepted_export(admin: Api, pid: int) -> dict[str, Any]:
    job = admin.call("POST", f"/projects/{pid}/exports", json={"format": "coco", "states": ["accepted"]})
    deadline = time.monotonic() + 60
    while job["state"] not in ("succeeded", "finished", "done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
        job = admin.call("GET", f"/projects/{pid}/exports/{job['id']}")
    assert job.get("download_url"), job
    r = admin.client.get(f"/projects/{pid}/exports/{job['id']}/download", follow_redirects=True)
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    name = next(n for n in archive.namelist() if n.endswith(".json"))
    coco: dict[str, Any] = json.loads(archive.read(name))
    return coco


def test_accepted_work_is_read_only_until_a_reviewer_reopens_it(
    chromium: Any, server: Server, shots: Path
) -> None:
    pid = server.project_id
    annotator = member(server, "annotator", "王标注")
    reviewer = member(server, "reviewer", "赵审核")
    [task_id] = new_tasks(server, 1, annotator.user["id"])
    original = box(120)
    ann = annotator.call("POST", f"/projects/{pid}/tasks/{task_id}/annotations", json={"result": [original]})
    reviewer.call(
        "POST", f"/projects/{pid}/annotations/{ann['id']}/review", json={"decision": "accept", "version": 1}
    )

    actx, ap = signed_in(chromium, server, annotator, "zh-CN")
    rctx, rp = signed_in(chromium, server, reviewer, "zh-CN")
    try:
        ap.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
        wait_for_image(ap)
        expect(ap.get_by_test_id("accepted-read-only")).to_contain_text("已通过审核，只读")
        drag_box(ap, 300, 100, 380, 160)
        expect(ap.get_by_test_id("shape-list").locator("li")).to_have_count(1)
        # the API refuses the write too, naming the state
        refused = annotator.client.put(
            f"/projects/{pid}/annotations/{ann['id']}", json={"version": 2, "result": [original, box(400)]}
        )
        assert refused.status_code == 409 and refused.json()["current_state"] == "accepted"

        # a reviewer reopens it, saying why
        rp.goto(f"{server.base}/#/projects/{pid}/review/{task_id}/{ann['id']}")
        wait_for_image(rp)
        rp.get_by_test_id("review-comment").fill("标签应为气孔")
        rp.get_by_test_id("reopen").click()
        expect(rp.get_by_test_id("review-status")).to_have_text("返工中")

        # the annotator edits and submits: the task is back in review
        ap.goto(f"{server.base}/#/projects/{pid}/mine")
        expect(ap.get_by_test_id("work-rejected")).to_contain_text("标签应为气孔")
        ap.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
        wait_for_image(ap)
        expect(ap.get_by_test_id("rejection")).to_contain_text("标签应为气孔")
        drag_box(ap, 300, 100, 380, 160)
        ap.get_by_test_id("submit").click()
        expect(ap).not_to_have_url(re.compile(rf"/tasks/{task_id}$"))
        [now] = annotator.call("GET", f"/projects/{pid}/tasks/{task_id}/annotations")
        assert now["status"] == "submitted" and len(now["result"]) == 2
        assert annotator.call("GET", f"/projects/{pid}/tasks/{task_id}")["state"] == "submitted"
        history = [
            v["reason"] for v in annotator.call("GET", f"/projects/{pid}/annotations/{ann['id']}/history")
        ]
        assert history == ["submit", "accepted", "reopen", "resubmit"]

        # an accepted-only export does not ship the unreviewed change
        coco = _accepted_export(server.admin, pid)
        filename = annotator.call("GET", f"/projects/{pid}/tasks/{task_id}")["filename"]
        assert not [i for i in coco["images"] if i["file_name"].endswith(filename)]
    finally:
        actx.close()
        rctx.close()


def test_two_tabs_resolve_a_conflict_shape_by_shape(chromium: Any, server: Server, shots: Path) -> None:
    pid = server.project_id
    annotator = member(server, "annotator", "周标注")
    [task_id] = new_tasks(server, 1, annotator.user["id"])
    shared = box(40)
    ann = annotator.call("POST", f"/projects/{pid}/tasks/{task_id}/annotations", json={"result": [shared]})
    context, tab1 = signed_in(chromium, server, annotator, "zh-CN")
    try:
        tab2 = context.new_page()
        tab2.set_default_timeout(15_000)
        for tab in (tab1, tab2):
            tab.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
            wait_for_image(tab)
        # tab 2: moves the shared box and adds one, saves first
        tab2.get_by_test_id("shape-list").locator("li").first.get_by_role("button").first.click()
        for _ in range(20):
            tab2.keyboard.press("ArrowDown")
        drag_box(tab2, 450, 60, 520, 120)
        tab2.get_by_test_id("save").click()
        expect(tab2.get_by_test_id("save-status")).to_have_text("已全部保存")
        # tab 1: adds another box and saves: the conflict dialog, worded for the same user
        drag_box(tab1, 250, 280, 320, 340)
        tab1.get_by_test_id("save").click()
        dialog = tab1.get_by_test_id("conflict-dialog")
        expect(dialog).to_contain_text("您在另一个标签页")
        rows = dialog.get_by_test_id("conflict-row")
        expect(rows).to_have_count(3)
        expect(dialog.get_by_test_id("conflict-save")).to_be_disabled()  # nothing dropped without a choice
        tab1.screenshot(path=str(shots / "conflict-dialog-zh.png"))
        dialog.locator(f"[data-shape-id='{shared['id']}']").get_by_test_id("choose-theirs").click()
        for row in range(3):
            r = rows.nth(row)
            if r.get_attribute("data-shape-id") != shared["id"]:
                r.get_by_test_id("choose-mine" if "仅在我的" in r.inner_text() else "choose-theirs").click()
        dialog.get_by_test_id("conflict-save").click()
        expect(dialog).to_be_hidden()
        [saved] = annotator.call("GET", f"/projects/{pid}/tasks/{task_id}/annotations")
        assert saved["id"] == ann["id"] and saved["version"] == 3
        xs = sorted(s["x"] for s in saved["result"])
        assert len(xs) == 3, saved["result"]  # the moved shared box, tab 2's box and tab 1's box
        moved = next(s for s in saved["result"] if s["id"] == shared["id"])
        assert moved["y"] == shared["y"] + 20  # theirs for the shared box
        assert any(abs(s["x"] - 250) <= 2 for s in saved["result"])  # mine for the new one
    finally:
        context.close()


def test_shortcut_overlay_in_both_languages(chromium: Any, server: Server, shots: Path) -> None:
    pid = server.project_id
    annotator = member(server, "annotator", "吴标注")
    [task_id] = new_tasks(server, 1, annotator.user["id"])
    context, page = signed_in(chromium, server, annotator, "zh-CN")
    try:
        page.goto(f"{server.base}/#/projects/{pid}/tasks/{task_id}")
        wait_for_image(page)
        # no interactive worker here: smart select is not offered, a hint says why
        expect(page.get_by_test_id("tool-segment")).to_have_count(0)
        expect(page.get_by_test_id("no-smart-select")).to_be_visible()
        page.get_by_test_id("editor-canvas").focus()
        page.keyboard.press("?")
        overlay = page.get_by_test_id("shortcuts-overlay")
        expect(overlay).to_contain_text("键盘快捷键")
        expect(overlay).to_contain_text("提交并打开下一个任务")
        expect(overlay).to_contain_text("Ctrl+Enter")
        expect(overlay).to_contain_text("标签：裂纹")
        page.screenshot(path=str(shots / "shortcuts-zh.png"))
        page.keyboard.press("Escape")
        expect(overlay).to_be_hidden()
        page.get_by_test_id("language").select_option("en")
        page.get_by_test_id("shortcuts-button").click()
        expect(overlay).to_contain_text("Keyboard shortcuts")
        expect(overlay).to_contain_text("Submit and open the next task")
        expect(overlay).to_contain_text("Label: Crack")
        page.screenshot(path=str(shots / "shortcuts-en.png"))
    finally:
        context.close()
