"""Golden samples end to end, in a browser, against the real services and a real MobileSAM worker:
an exemplar marked in the editor -> auto pre-label switched on in the "Golden samples" tab -> an import of a
new image is pre-labeled -> the suggestions show in the editor -> accepted above the threshold (Shift+A) ->
the statistics give the model's precision and recall for that label."""

from __future__ import annotations

import io
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, REPO, Api, browser_page
from labelhive_harness.api_process import running_api
from labelhive_harness.common import free_port, stop_process
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(1500)

WORKER_BIN = REPO / ".venv-worker" / "bin" / "labelhive-worker"
CHECKPOINT = (
    Path(os.environ.get("LABELHIVE_CACHE", Path.home() / ".cache" / "labelhive")) / "models" / "mobile_sam.pt"
)
LABEL = {
    "value": "pit",
    "names": {"zh-CN": "凹坑", "en": "Pit"},
    "color": "#e03131",
    "tools": ["polygon", "bbox"],
}
SIZE = (480, 360)
# Browser expectations that wait on the server (a loaded 2-core machine): generous, never a race.
WAIT = 60_000


def disks(seed: int, n: int) -> tuple[bytes, list[tuple[int, int, int]]]:
    """Red disks on a light textured background (PNG) and where they are."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    img = np.clip(rng.normal(205, 7, size=(h, w, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    placed: list[tuple[int, int, int]] = []
    while len(placed) < n:
        r = int(rng.integers(30, 40))
        cx, cy = int(rng.integers(r + 4, w - r - 4)), int(rng.integers(r + 4, h - r - 4))
        if all((cx - x) ** 2 + (cy - y) ** 2 > (r + q + 16) ** 2 for x, y, q in placed):
            placed.append((cx, cy, r))
            img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (190, 40, 40)
    out = io.BytesIO()
    Image.fromarray(img).save(out, format="PNG")
    return out.getvalue(), placed


@dataclass
class Stack:
    base: str
    admin: Api
    worker_log: Path


def _wait(what: str, check: Any, timeout: float, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := check()) is not None:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f}s" + (f":\n{log.read_text()[-3000:]}" if log else ""))


@pytest.fixture(scope="module")
def stack(ui_dist: Path, s3: Any, rabbitmq: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not WORKER_BIN.is_file() or not CHECKPOINT.is_file():
        pytest.fail(
            f"the worker environment is missing ({WORKER_BIN}, {CHECKPOINT}): run scripts/bootstrap.d/worker.sh"
        )
    workdir = tmp_path_factory.mktemp("labelhive-exemplar")
    suffix = uuid.uuid4().hex[:8]
    source, target, queue, token = (
        f"src-{suffix}",
        f"tgt-{suffix}",
        f"prelabel.ui-{suffix}",
        f"worker-{suffix}",
    )
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name=s3.region,
    )
    for bucket in (source, target):
        client.create_bucket(Bucket=bucket)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    storage = {
        "LABELHIVE_S3_ENDPOINT": s3.endpoint,
        "LABELHIVE_S3_ACCESS_KEY": s3.access_key,
        "LABELHIVE_S3_SECRET_KEY": s3.secret_key,
        "LABELHIVE_S3_REGION": s3.region,
        "LABELHIVE_S3_SOURCE_BUCKET": source,
        "LABELHIVE_S3_TARGET_BUCKET": target,
        "LABELHIVE_AMQP_URL": rabbitmq.url,
        "LABELHIVE_PRELABEL_QUEUE": queue,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LABELHIVE_") or k == "LABELHIVE_CACHE"}
    api_env = {
        **clean,
        **storage,
        "LABELHIVE_ENVIRONMENT": "test",
        "LABELHIVE_SECRET_KEY": "ui-exemplar-secret-key-0123456789",
        "LABELHIVE_DATABASE_URL": f"sqlite:///{workdir / 'labelhive.db'}",
        "LABELHIVE_STORAGE_BACKEND": "s3",
        "LABELHIVE_S3_PUBLIC_ENDPOINTS": s3.endpoint,
        "LABELHIVE_IMAGE_DELIVERY": "proxy",
        "LABELHIVE_UI_DIR": str(ui_dist),
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        "LABELHIVE_WORKER_TOKEN": token,
        "LABELHIVE_LOG_FORMAT": "text",
    }
    worker_env = {
        **clean,
        **storage,
        "LABELHIVE_MODEL": "mobile-sam",
        "LABELHIVE_DEVICE": "cpu",
        "LABELHIVE_API_URL": base,
        "LABELHIVE_API_TOKEN": token,
        "LABELHIVE_METRICS_PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    worker_log = workdir / "worker.log"
    with worker_log.open("w") as worker_out:
        # The worker loads its model while the API migrates and starts.
        worker = subprocess.Popen(
            [str(WORKER_BIN), "run"], env=worker_env, stdout=worker_out, stderr=subprocess.STDOUT, cwd=workdir
        )
        try:
            with running_api(workdir, api_env, timeout=90):
                _wait(
                    "the worker is ready",
                    lambda: True if "labelhive-worker ready" in worker_log.read_text() else None,
                    300,
                    worker_log,
                )
                yield Stack(base, Api(base, ADMIN_EMAIL, ADMIN_PASSWORD), worker_log)
        finally:
            stop_process(worker, timeout=20)


def _import(admin: Api, pid: int, name: str, png: bytes) -> int:
    job = admin.call("POST", f"/projects/{pid}/imports", files=[("files", (name, png, "image/png"))])
    done = _wait(
        f"import {name} finished",
        lambda: (
            j
            if (j := admin.call("GET", f"/projects/{pid}/imports/{job['id']}"))["state"] == "finished"
            else None
        ),
        120,
    )
    assert done["imported"] == 1, done
    tasks = admin.call("GET", f"/projects/{pid}/tasks")["items"]
    return int(next(t["id"] for t in tasks if t["filename"] == name))


def _ring(cx: int, cy: int, r: int) -> list[list[float]]:
    return [
        [cx + r * float(np.cos(a)), cy + r * float(np.sin(a))]
        for a in np.linspace(0, 2 * np.pi, 40, endpoint=False)
    ]


@pytest.fixture
def page(chromium: Any, stack: Stack) -> Iterator[Any]:
    """A browser page on this module's own stack (not the suite's default server)."""
    with browser_page(chromium, 30_000) as page:
        yield page


def test_golden_sample_to_accepted_suggestions_to_statistics(page: Any, stack: Stack, shots: Path) -> None:
    admin = stack.admin
    pid = admin.call("POST", "/projects", json={"name": "凹坑检测", "labels": [LABEL]})["id"]
    ref_png, ref_disks = disks(31, 2)
    ref_task = _import(admin, pid, "ref.png", ref_png)
    cx, cy, r = ref_disks[0]
    admin.call(
        "POST",
        f"/projects/{pid}/tasks/{ref_task}/annotations",
        json={"result": [{"id": "ref-1", "type": "polygon", "label": "pit", "points": _ring(cx, cy, r)}]},
    )

    # the manager marks the outlined pit as a golden sample, in the editor
    page.goto(f"{stack.base}/")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_be_visible(timeout=WAIT)
    page.goto(f"{stack.base}/#/projects/{pid}/tasks/{ref_task}")
    expect(page.get_by_test_id("editor-canvas")).to_have_attribute(
        "data-image", f"{SIZE[0]}x{SIZE[1]}", timeout=WAIT
    )
    page.get_by_test_id("shape-list").locator("li").first.locator("button.shape-btn").click()
    page.get_by_test_id("mark-exemplar").click()
    expect(page.get_by_test_id("golden-message")).to_contain_text(
        "版本 1", timeout=WAIT
    )  # the site's language: zh-CN

    # ... sees it with its thumbnail in the "Golden samples" tab and switches auto pre-labeling on
    page.goto(f"{stack.base}/#/projects/{pid}/golden")
    expect(page.get_by_test_id("exemplar-set-pit").locator("img")).to_have_count(1, timeout=WAIT)
    page.get_by_test_id("auto-prelabel").click()
    _wait(
        "auto_prelabel saved",
        lambda: True if admin.call("GET", f"/projects/{pid}")["auto_prelabel"] else None,
        20,
    )

    # a new image is imported: the worker pre-labels it with the golden sample
    new_png, new_disks = disks(32, 3)
    new_task = _import(admin, pid, "new.png", new_png)
    job = _wait(
        "the automatic exemplar job finished",
        lambda: next(
            (j for j in admin.call("GET", f"/projects/{pid}/prelabel-jobs") if j["state"] == "finished"), None
        ),
        600,
        stack.worker_log,
    )
    assert (job["mode"], job["done"], job["failed"]) == ("exemplar", 1, 0), job
    assert job["report"]["labels"]["pit"]["found"] == len(new_disks), job

    # the job's report in the pre-label tab: per label, what it found
    page.goto(f"{stack.base}/#/projects/{pid}/prelabel")
    expect(page.get_by_test_id("exemplar-report-pit")).to_contain_text(
        f"找到 {len(new_disks)} 个", timeout=WAIT
    )

    # the annotator's view: three dashed suggestions; Shift+A accepts all above the threshold
    page.goto(f"{stack.base}/#/projects/{pid}/tasks/{new_task}")
    expect(page.get_by_test_id("editor-canvas")).to_have_attribute(
        "data-image", f"{SIZE[0]}x{SIZE[1]}", timeout=WAIT
    )
    panel = page.get_by_test_id("suggestions")
    expect(panel).to_contain_text(f"（{len(new_disks)}）", timeout=WAIT)
    page.screenshot(path=str(shots / "editor-suggestions.png"))
    page.get_by_test_id("editor-canvas").focus()
    page.keyboard.press("Shift+A")
    expect(page.get_by_test_id("shape-list").locator("li")).to_have_count(len(new_disks), timeout=WAIT)
    page.get_by_test_id("submit").click()
    _wait(
        "the annotation is submitted",
        lambda: admin.call("GET", f"/projects/{pid}/tasks/{new_task}/annotations") or None,
        30,
    )

    rows = admin.call("GET", f"/projects/{pid}/stats/suggestions")["labels"]
    pit = next(r for r in rows if r["label"] == "pit" and "+ex." in r["model_version"])
    assert (pit["precision"], pit["recall"], pit["accepted_share"]) == (1.0, 1.0, 1.0), rows
    # ... and the manager reads them in the golden-samples tab and in the statistics tab
    page.goto(f"{stack.base}/#/projects/{pid}/golden")
    quality = page.get_by_test_id("tab-golden").get_by_test_id("suggestion-quality")
    expect(quality.locator("tbody tr")).to_have_count(1, timeout=WAIT)
    expect(quality.locator("tbody tr")).to_contain_text("凹坑", timeout=WAIT)
    expect(quality.locator("tbody tr")).to_contain_text("100%", timeout=WAIT)
    page.goto(f"{stack.base}/#/projects/{pid}/statistics")
    row = (
        page.get_by_test_id("statistics-suggestions").get_by_test_id("suggestion-quality").locator("tbody tr")
    )
    expect(row).to_contain_text(pit["model_version"], timeout=WAIT)
    expect(row).to_contain_text("100%", timeout=WAIT)
