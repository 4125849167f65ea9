"""Issue 9's "done": a manager, using only the browser (in Chinese), creates a project, builds its label schema
with Chinese names only, uploads 20 images and a zip, imports a COCO file's boxes as pre-labels, invites an
annotator and a reviewer, gives the pre-labeled tasks to the annotator as a batch, and after the annotator took
one task's pre-label in the editor and the reviewer accepted it (each in their own browser) exports it with
images, downloads the zip and finds the image inside. Harness PostgreSQL + S3; every request stays on the
page's origin (the export download: the deployment's own S3)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from manager_stack import Stack, coco_for, start_stack, weld_photo, zip_of
from playwright.sync_api import expect
from test_manager_tabs import images_loaded, pick, sign_in

PASSWORD = "weld-line3-inspect-9"


@pytest.fixture(scope="module")
def stack(postgres: Any, s3: Any, ui_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(postgres, s3, ui_dist, tmp_path_factory.mktemp("manager-flow")) as running:
        yield running


def join_by_invite(chromium: Any, url: str, name: str, email: str) -> None:
    """Someone opens the invite link in their own browser and creates their account."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        page.get_by_test_id("language").select_option("zh-CN")
        page.fill("input[name=display_name]", name)
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="创建账号").click()
        # password hashing (argon2) is deliberately slow, more so on a busy machine
        expect(page.get_by_test_id("current-user")).to_have_text(name, timeout=60_000)
    finally:
        context.close()


@contextmanager
def signed_in(chromium: Any, stack: Stack, email: str) -> Iterator[Any]:
    """A member's own browser (in Chinese), signed in on the login page."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        outside: list[str] = []
        context.on(
            "request",
            lambda r: r.url.startswith((stack.base, "data:", "blob:")) or outside.append(r.url),
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{stack.base}/")
        page.evaluate("localStorage.setItem('labelhive.locale', 'zh-CN')")
        page.reload()
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("current-user")).to_be_visible(timeout=60_000)
        yield page
        assert outside == []
    finally:
        context.close()


def invite(page: Any, role_label: str) -> str:
    page.get_by_text("邀请成员").click()
    page.locator("select").filter(has=page.get_by_role("option", name=role_label)).select_option(
        label=role_label
    )
    page.get_by_role("button", name="生成邀请链接").click()
    url = page.get_by_test_id("invite-url").input_value()
    assert "/invite/" in url
    return str(url)


def test_manager_sets_up_feeds_staffs_and_ships_a_project(chromium: Any, stack: Stack, shots: Path) -> None:
    context = chromium.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    manager = stack.client()  # only to check what the UI did
    try:
        sign_in(page, stack, "zh-CN")

        # a new project
        page.get_by_test_id("new-project").click()
        page.fill("#project-name", "A厂焊缝缺陷")
        page.get_by_test_id("project-submit").click()
        expect(page.get_by_test_id("project-name")).to_contain_text("A厂焊缝缺陷")
        pid = int(re.search(r"#/projects/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        page.screenshot(path=str(shots / "flow-1-project-zh-CN.png"))

        # a label schema with Chinese names only: the stored values are generated
        page.goto(f"{stack.base}/#/projects/{pid}/labels")
        form = page.get_by_test_id("schema-form")
        for n, name in enumerate(("气孔", "裂纹")):
            if form.get_by_test_id("label-card").count() <= n:
                page.get_by_test_id("add-label").click()
            form.get_by_test_id("name-zh").nth(n).fill(name)
        page.get_by_test_id("save-schema").click()
        expect(page.get_by_test_id("save-schema")).to_be_disabled()
        labels = manager.call("GET", f"/projects/{pid}/label-schema")["labels"]
        assert [label["names"] for label in labels] == [{"zh-CN": "气孔"}, {"zh-CN": "裂纹"}]
        assert all(re.fullmatch(r"[a-z0-9_.-]+", label["value"]) for label in labels)
        page.screenshot(path=str(shots / "flow-2-schema-zh-CN.png"), full_page=True)

        # 20 images and a zip of three more
        page.goto(f"{stack.base}/#/projects/{pid}/import")
        files = [
            {"name": f"weld-{n:03d}.png", "mimeType": "image/png", "buffer": weld_photo(n)}
            for n in range(1, 21)
        ]
        night = zip_of({f"night/n-{n}.png": weld_photo(100 + n) for n in range(1, 4)})
        files.append({"name": "line3-night.zip", "mimeType": "application/zip", "buffer": night})
        chooser = page.get_by_test_id("file-upload").locator("input[type=file]:not([webkitdirectory])")
        chooser.set_input_files(files)
        page.get_by_test_id("start-upload").click()
        jobs = page.get_by_test_id("import-jobs")
        expect(jobs.locator("tr.ant-table-row").first).to_contain_text("已完成", timeout=90_000)
        expect(jobs.locator("tr.ant-table-row").first).to_contain_text("已导入 23")

        # a COCO file whose boxes (category named in Chinese) become pre-labels, chosen explicitly
        pick(page, page.get_by_test_id("import-format"), "COCO JSON")
        page.get_by_test_id("import-annotations-as").get_by_text("预标注（建议）").click()
        coco = coco_for([f"weld-{n:03d}.png" for n in range(1, 6)], "气孔")
        chooser.set_input_files([{"name": "pores.json", "mimeType": "application/json", "buffer": coco}])
        page.get_by_test_id("start-upload").click()
        expect(jobs.locator("tr.ant-table-row").first).to_contain_text("标注 5 个", timeout=90_000)
        page.screenshot(path=str(shots / "flow-3-import-zh-CN.png"), full_page=True)

        # an annotator and a reviewer join by invite links made on the members tab
        page.goto(f"{stack.base}/#/projects/{pid}/members")
        join_by_invite(chromium, invite(page, "标注员"), "王质检", "wang@factory-a.example.com")
        page.reload()
        join_by_invite(chromium, invite(page, "审核员"), "李审核", "li@factory-a.example.com")
        members = {m["display_name"]: m for m in manager.call("GET", f"/projects/{pid}/members")}
        assert members["王质检"]["role"] == "annotator" and members["李审核"]["role"] == "reviewer"

        # the five pre-labeled tasks become a batch for the annotator
        page.goto(f"{stack.base}/#/projects/{pid}/tasks")
        grid = page.get_by_test_id("task-grid")
        expect(grid.locator("tr.ant-table-row")).to_have_count(23)
        pick(page, page.get_by_label("预标注"), "有预标注")
        expect(grid.locator("tr.ant-table-row")).to_have_count(5)
        grid.locator("thead .ant-checkbox-input").check()
        page.get_by_test_id("bulk-new-batch").click()
        page.get_by_test_id("batch-name").fill("第一批")
        pick(page, page.get_by_test_id("batch-assignee"), "王质检")
        page.get_by_role("button", name="创建批次").click()
        expect(page.get_by_test_id("selection-bar")).to_have_count(0)
        images_loaded(page)
        page.screenshot(path=str(shots / "flow-4-batch-zh-CN.png"), full_page=True)
        [batch] = manager.call("GET", f"/projects/{pid}/batches")
        assert (batch["name"], batch["assignee_id"]) == ("第一批", members["王质检"]["user_id"])

        # the annotator does one task of the batch in the editor (taking its pre-label), the reviewer accepts it
        with signed_in(chromium, stack, "wang@factory-a.example.com") as ap:
            ap.goto(f"{stack.base}/#/projects/{pid}")
            ap.get_by_test_id("next-task").click()
            expect(ap.get_by_test_id("editor-canvas")).to_have_attribute("data-image", "320x240")
            task_id = int(re.search(r"/tasks/(\d+)$", ap.url).group(1))  # type: ignore[union-attr]
            ap.get_by_test_id("accept-prediction").click()
            expect(ap.get_by_test_id("shape-list").locator("li")).to_have_count(1)
            ap.get_by_test_id("submit").click()
            expect(ap).not_to_have_url(re.compile(rf"/tasks/{task_id}$"))
        task = manager.call("GET", f"/projects/{pid}/tasks/{task_id}")
        assert task["batch_id"] == batch["id"]
        with signed_in(chromium, stack, "li@factory-a.example.com") as rp:
            rp.goto(f"{stack.base}/#/projects/{pid}/review")
            row = rp.get_by_test_id("review-queue").locator("tr", has_text=f"#{task_id}")
            expect(row).to_contain_text("王质检")
            row.get_by_role("link", name="审核").click()
            expect(rp.get_by_test_id("editor-canvas")).to_have_attribute("data-image", "320x240")
            rp.get_by_test_id("accept").click()
            queue = rp.get_by_test_id("review-queue")
            expect(queue).to_be_visible()
            expect(queue.locator("tr", has_text=f"#{task_id}")).to_have_count(0)
        [annotation] = manager.call("GET", f"/projects/{pid}/tasks/{task_id}/annotations")
        assert annotation["status"] == "accepted" and len(annotation["result"]) == 1

        # an export of accepted work with its images, downloaded and opened
        page.goto(f"{stack.base}/#/projects/{pid}/export")
        page.get_by_test_id("new-export").click()
        pick(page, page.get_by_test_id("export-format"), "COCO")
        expect(page.get_by_test_id("export-images")).to_be_checked()
        page.get_by_test_id("start-export").click()
        history = page.get_by_test_id("export-history")
        expect(history.locator("tr.ant-table-row").first).to_contain_text("已完成", timeout=90_000)
        page.screenshot(path=str(shots / "flow-5-export-zh-CN.png"))
        with page.expect_download() as download:
            history.locator("a", has_text="下载").first.click()
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
            names = archive.namelist()
            images = [n for n in names if n.endswith(".png")]
            assert len(images) == 1, names
            assert archive.read(images[0]) == weld_photo(int(task["filename"][5:8]))
            coco_files = [n for n in names if n.endswith(".json")]
            assert any(b'"bbox"' in archive.read(n) for n in coco_files), names
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(stack.base) and not u.startswith("data:")]
    assert all(u.startswith(stack.s3_endpoint) and "/exports/" in u for u in outside), outside
