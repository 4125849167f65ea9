"""The manager's data tabs in a real browser on harness PostgreSQL + S3: upload (with a lost file, a non-image
and a broken zip), a COCO file's pre-annotations, a batch from the task grid, the pre-label panel without a
worker, an export with images that opens, a webhook's one-time secret, statistics as charts and tables.
Screenshots of every tab in zh-CN and en go to LABELHIVE_UI_SCREENSHOTS (or the test's tmp dir)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from manager_stack import (
    MANAGER_EMAIL,
    MANAGER_PASSWORD,
    Api,
    Stack,
    accept_invite,
    coco_for,
    start_stack,
    weld_photo,
    zip_of,
)
from playwright.sync_api import expect

LABELS = [
    {"names": {"zh-CN": "气孔"}, "color": "#2a9d8f", "tools": ["bbox", "polygon"]},
    {"names": {"zh-CN": "裂纹"}, "color": "#e4572e", "tools": ["bbox", "polygon"]},
]


@pytest.fixture(scope="module")
def stack(postgres: Any, s3: Any, ui_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # One uploaded file may be at most 1 MiB here, so an oversized file is cheap to make.
    with start_stack(
        postgres, s3, ui_dist, tmp_path_factory.mktemp("manager"), LABELHIVE_MAX_UPLOAD_BYTES=str(2**20)
    ) as running:
        yield running


@pytest.fixture
def browser_page(chromium: Any, stack: Stack) -> Iterator[Any]:
    context = chromium.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Any, stack: Stack, locale: str = "en") -> None:
    page.goto(f"{stack.base}/")
    page.evaluate("l => localStorage.setItem('labelhive.locale', l)", locale)
    page.reload()
    page.fill("input[name=email]", MANAGER_EMAIL)
    page.fill("input[name=password]", MANAGER_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def open_tab(page: Any, stack: Stack, pid: int, tab: str) -> None:
    page.goto(f"{stack.base}/#/projects/{pid}/{tab}")
    expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()


def images_loaded(page: Any) -> None:
    """Every <img> on the page has arrived (thumbnails are made on first request). Polled from here: the
    page's CSP (rightly) refuses the eval that wait_for_function would need."""
    deadline = time.monotonic() + 30
    while not page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"):
        assert time.monotonic() < deadline, "images did not load"
        page.wait_for_timeout(200)


def shoot(page: Any, stack: Stack, pid: int, tab: str, shots: Path, name: str) -> None:
    """The tab in both languages (reloaded in each), then back to English for the test's own checks."""
    for locale in ("zh-CN", "en"):
        page.evaluate("l => localStorage.setItem('labelhive.locale', l)", locale)
        page.goto(f"{stack.base}/#/projects/{pid}/{tab}")
        page.reload()
        expect(page.get_by_test_id(f"tab-{tab}")).to_be_visible()
        page.wait_for_load_state("networkidle")
        images_loaded(page)
        page.screenshot(path=str(shots / f"manager-{name}-{locale}.png"), full_page=True)


def pick(page: Any, select: Any, option: str) -> None:
    """Choose an Ant Design select's option by its visible text."""
    select.click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option", has_text=option).first.click()


def seed_project(manager: Api, base: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    project = manager.call("POST", "/projects", json={"name": "三号线焊缝", "labels": LABELS})
    people = {}
    for role, name in (("annotator", "王质检"), ("reviewer", "李审核")):
        invite = manager.call(
            "POST",
            f"/projects/{project['id']}/invites",
            json={"role": role, "max_uses": 1, "expires_in_hours": 24},
        )
        email = f"{role}@weld-line3.example.com"
        accept_invite(base, invite["token"], email, f"{role}-pass-2026-x", name)
        people[role] = Api(base, email, f"{role}-pass-2026-x")
    return project["id"], people["annotator"].user, people["reviewer"].user


def test_manager_tabs_in_the_browser(browser_page: Any, stack: Stack, shots: Path) -> None:
    page = browser_page
    manager = stack.client()
    pid, annotator, _reviewer = seed_project(manager, stack.base)
    label_values = [
        label["value"] for label in manager.call("GET", f"/projects/{pid}/label-schema")["labels"]
    ]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, stack)

    # -- import: 20 images, a zip of 3, a text file, a broken zip and an oversized file; one image's upload
    # keeps failing --
    open_tab(page, stack, pid, "import")
    files = [
        {"name": f"weld-{n:03d}.png", "mimeType": "image/png", "buffer": weld_photo(n)} for n in range(1, 21)
    ]
    files.append(
        {
            "name": "line3-night.zip",
            "mimeType": "application/zip",
            "buffer": zip_of({f"night/n-{n}.png": weld_photo(100 + n) for n in range(1, 4)}),
        }
    )
    files.append({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"shift notes, not an image"})
    files.append(
        {"name": "broken.zip", "mimeType": "application/zip", "buffer": b"PK\x03\x04 this zip is cut short"}
    )
    files.append({"name": "huge-scan.png", "mimeType": "image/png", "buffer": weld_photo(99) + bytes(2**20)})
    lost = 20  # weld-020.png: its requests never reach the server (the connection drops every time)
    page.route(f"**/imports/*/files/{lost - 1}", lambda route: route.abort("connectionreset"))
    page.get_by_test_id("file-upload").locator("input[type=file]:not([webkitdirectory])").set_input_files(
        files
    )
    expect(page.get_by_test_id("chosen-count")).to_contain_text("24 file(s)")
    page.get_by_test_id("start-upload").click()
    incomplete = page.get_by_test_id("upload-incomplete")
    expect(incomplete).to_contain_text("1 file(s) did not reach the server", timeout=60_000)
    expect(incomplete).to_contain_text("weld-020.png")
    page.screenshot(path=str(shots / "manager-import-lost-file-en.png"), full_page=True)
    page.get_by_test_id("import-without").click()
    jobs = page.get_by_test_id("import-jobs")
    first = jobs.locator("tr.ant-table-row").first
    expect(first).to_contain_text("Finished", timeout=60_000)
    expect(first).to_contain_text("22 imported")
    expect(first).to_contain_text("4 refused")
    first.locator(".ant-table-row-expand-icon").click()
    refused = page.get_by_test_id("refused-items")
    for name, reason in (
        ("notes.txt", "Not an image"),
        ("broken.zip", "Damaged zip archive"),
        ("huge-scan.png", "File too large"),
        ("weld-020.png", "Never reached the server"),
    ):
        expect(refused.locator("tr", has_text=name)).to_contain_text(reason)

    # -- a COCO file with pre-annotations for five of them, as predictions (chosen explicitly) --
    page.unroute(f"**/imports/*/files/{lost - 1}")
    pick(page, page.get_by_test_id("import-format"), "COCO JSON")
    page.get_by_test_id("start-upload").wait_for(state="detached")
    coco = coco_for([f"weld-{n:03d}.png" for n in range(1, 6)], "气孔")
    page.get_by_test_id("file-upload").locator("input[type=file]:not([webkitdirectory])").set_input_files(
        [{"name": "pores.json", "mimeType": "application/json", "buffer": coco}]
    )
    page.get_by_test_id("start-upload").click()
    expect(page.get_by_text("Choose what the file's shapes become.")).to_be_visible()
    page.get_by_test_id("import-annotations-as").get_by_text("Predictions (pre-labels)").click()
    page.get_by_test_id("start-upload").click()
    expect(jobs.locator("tr.ant-table-row").first).to_contain_text("5 shapes", timeout=60_000)
    shoot(page, stack, pid, "import", shots, "import")
    predicted = manager.call("GET", f"/projects/{pid}/tasks", params={"has_prediction": "true"})["items"]
    assert sorted(t["filename"] for t in predicted) == [f"weld-{n:03d}.png" for n in range(1, 6)]

    # -- tasks grid: thumbnails, filter, select the page, a batch for the annotator --
    open_tab(page, stack, pid, "tasks")
    grid = page.get_by_test_id("task-grid")
    expect(grid.locator("tr.ant-table-row")).to_have_count(22)
    expect(grid.locator("tr.ant-table-row img")).to_have_count(22)
    images_loaded(page)
    pick(page, page.get_by_label("Pre-labels"), "With pre-labels")
    expect(grid.locator("tr.ant-table-row")).to_have_count(5)
    grid.locator("thead .ant-checkbox-input").check()
    expect(page.get_by_test_id("selection-count")).to_have_text("5 selected")
    page.get_by_test_id("bulk-new-batch").click()
    page.get_by_test_id("batch-name").fill("第一批 气孔")
    pick(page, page.get_by_test_id("batch-assignee"), "王质检")
    page.get_by_role("button", name="Create batch").click()
    expect(page.get_by_test_id("selection-bar")).to_have_count(0)
    batches = manager.call("GET", f"/projects/{pid}/batches")
    assert [(b["name"], b["assignee_id"]) for b in batches] == [("第一批 气孔", annotator["id"])]
    in_batch = manager.call("GET", f"/projects/{pid}/tasks", params={"batch_id": batches[0]["id"]})["items"]
    assert {t["assignee_id"] for t in in_batch} == {annotator["id"]} and len(in_batch) == 5
    shoot(page, stack, pid, "tasks", shots, "tasks")

    # -- pre-label: no worker on this deployment, said plainly --
    open_tab(page, stack, pid, "prelabel")
    expect(page.get_by_test_id("prelabel-unavailable")).to_contain_text("No pre-label worker is configured")
    shoot(page, stack, pid, "prelabel", shots, "prelabel")

    # -- one task annotated and accepted (by the annotator and reviewer), then an export with images --
    worker = Api(stack.base, "annotator@weld-line3.example.com", "annotator-pass-2026-x")
    task = worker.call("POST", f"/projects/{pid}/tasks/next")["task"]
    shape = {"id": "s1", "type": "bbox", "label": label_values[0], "x": 20, "y": 95, "w": 40, "h": 30}
    ann = worker.call("POST", f"/projects/{pid}/tasks/{task['id']}/annotations", json={"result": [shape]})
    checker = Api(stack.base, "reviewer@weld-line3.example.com", "reviewer-pass-2026-x")
    checker.call(
        "POST",
        f"/projects/{pid}/annotations/{ann['id']}/review",
        json={"decision": "accept", "comment": "", "version": ann["version"]},
    )
    open_tab(page, stack, pid, "export")
    page.get_by_test_id("new-export").click()
    pick(page, page.get_by_test_id("export-format"), "COCO")
    expect(page.get_by_test_id("export-images")).to_be_checked()
    page.screenshot(path=str(shots / "manager-export-dialog-en.png"))
    page.get_by_test_id("start-export").click()
    history = page.get_by_test_id("export-history")
    expect(history.locator("tr.ant-table-row").first).to_contain_text("Finished", timeout=60_000)
    with page.expect_download() as download_info:
        history.locator("a", has_text="Download").first.click()
    path = download_info.value.path()
    with zipfile.ZipFile(io.BytesIO(Path(path).read_bytes())) as archive:
        names = archive.namelist()
        images = [n for n in names if n.lower().endswith(".png")]
        assert len(images) == 1, names
        assert archive.read(images[0]) == weld_photo(int(task["filename"][5:8]))
    shoot(page, stack, pid, "export", shots, "export")

    # -- webhooks: the secret is shown once; a test ping is logged as a delivery --
    open_tab(page, stack, pid, "webhooks")
    page.get_by_test_id("add-webhook").click()
    page.get_by_test_id("webhook-url").fill("not a url")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter an http:// or https:// address.")).to_be_visible()
    page.get_by_test_id("webhook-url").fill("https://ml.example.com/hooks/labelhive")
    page.get_by_role("button", name="Save").click()
    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_be_visible()
    assert len(secret.inner_text().strip()) >= 16
    page.screenshot(path=str(shots / "manager-webhook-secret-en.png"))
    page.get_by_role("button", name="I have copied it").click()
    hooks = page.get_by_test_id("webhook-list")
    expect(hooks).to_contain_text("https://ml.example.com/hooks/labelhive")
    hooks.get_by_role("button", name="Send test").click()
    hooks.locator(".ant-table-row-expand-icon").first.click()
    expect(page.get_by_test_id("webhook-deliveries")).to_contain_text("ping")
    assert "secret" not in manager.call("GET", f"/projects/{pid}/webhooks")[0]
    shoot(page, stack, pid, "webhooks", shots, "webhooks")

    # -- statistics: charts drawn, the same numbers as tables --
    open_tab(page, stack, pid, "statistics")
    expect(page.get_by_test_id("chart-throughput").locator("svg").first).to_be_visible()
    expect(page.get_by_test_id("review-backlog")).to_contain_text("0")
    annotators = page.get_by_test_id("chart-annotators")
    annotators.get_by_text("Table").click()
    expect(annotators.locator("tr", has_text="王质检")).to_contain_text("100%")
    shoot(page, stack, pid, "statistics", shots, "statistics")

    # every request stayed on the page's origin, except the signed export download from the deployment's S3
    outside = [u for u in requests if not u.startswith(stack.base) and not u.startswith("data:")]
    assert all(u.startswith(stack.s3_endpoint) and "/exports/" in u for u in outside), outside
