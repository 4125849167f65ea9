"""Browser tests: the real API (SQLite, a temp dir, a free port) serving the built UI, driven by Chromium."""

from __future__ import annotations

import hashlib
import io
import math
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from labelhive_harness.api_process import sqlite_env, start_api
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
UI = REPO / "services" / "ui"
DIST = UI / "dist"
ADMIN_EMAIL = "lead@factory-a.example.com"
ADMIN_PASSWORD = "weld-inspect-2026"

IMAGE_SIZE = (640, 400)


def weld_png() -> bytes:
    """A weld plate (gradient, dark seam band, a bright bead, a pore and a crack) as PNG bytes."""
    w, h = IMAGE_SIZE
    img = Image.new("RGB", IMAGE_SIZE)
    draw = ImageDraw.Draw(img)
    for y in range(h):  # #9aa5b1 at the top to #52606d at the bottom
        t = y / (h - 1)
        draw.line(
            [(0, y), (w, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip((154, 165, 177), (82, 96, 109), strict=True)),
        )
    draw.rectangle([0, 170, w, 230], fill=(62, 76, 89))
    draw.line(
        [(x, 200 - 12 * math.sin(x / w * 2 * math.pi)) for x in range(0, w + 1, 8)],
        fill=(203, 210, 217),
        width=6,
    )
    draw.ellipse([201, 187, 219, 205], fill=(31, 41, 51))
    draw.line([(430, 180), (460, 205), (448, 213), (473, 227)], fill=(31, 41, 51), width=4)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


WELD_PNG = weld_png()
# Task images come only from http(s) URLs or the project's storage: the fixture imports this PNG once, and
# every test's tasks point at its content-addressed key in the project's storage.
_SHA = hashlib.sha256(WELD_PNG).hexdigest()
IMAGE_URL = f"assets/sha256/{_SHA[:2]}/{_SHA}"

LABELS = [
    {
        "value": "crack",
        "names": {"zh-CN": "裂纹", "en": "Crack"},
        "color": "#e4572e",
        "hotkey": "1",
        "tools": ["bbox", "polygon"],
    },
    {
        "value": "porosity",
        "names": {"zh-CN": "气孔", "en": "Porosity"},
        "color": "#2a9d8f",
        "hotkey": "2",
        "tools": ["bbox", "polygon"],
    },
]


class Api:
    """A signed-in API client (its own session, like a second browser) for seeding and checking."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.client = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
        r = self.client.post("/auth/login", json={"email": email, "password": password})
        r.raise_for_status()
        self.user = r.json()["user"]
        self.client.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.client.request(method, path, **kwargs)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


@dataclass
class Server:
    base: str
    admin: Api
    project_id: int
    task_ids: list[int]

    def new_task(self, filename: str, **fields: Any) -> int:
        """A task of the test's own on the weld photo (the session's other tests annotate the shared ones)."""
        task = {"image": IMAGE_URL, "filename": filename, "width": IMAGE_SIZE[0], "height": IMAGE_SIZE[1]}
        [task_id] = self.admin.call(
            "POST", f"/projects/{self.project_id}/tasks", json={"tasks": [{**task, **fields}]}
        )["ids"]
        return int(task_id)


def import_image(api: Api, project_id: int, filename: str, data: bytes) -> int:
    """Upload one image through an import job, as a manager would; the new task's id."""
    job = api.call(
        "POST",
        f"/projects/{project_id}/imports",
        files=[("files", (filename, data, "image/png"))],
        data={"format": "images"},
    )
    deadline = time.monotonic() + 60
    while (job := api.call("GET", f"/projects/{project_id}/imports/{job['id']}"))["state"] not in (
        "finished",
        "failed",
    ):
        assert time.monotonic() < deadline, f"import job still {job['state']} after 60 s"
        time.sleep(0.2)
    assert job["state"] == "finished", job
    task = api.call("GET", f"/projects/{project_id}/tasks", params={"sort": "-id", "limit": 1})["items"][0]
    assert task["image"] == IMAGE_URL, task
    return int(task["id"])


@pytest.fixture(scope="session")
def ui_dist() -> Path:
    """The built UI; built here when missing (scripts/test.sh builds it before the Python suites)."""
    if not (DIST / "index.html").is_file():
        subprocess.run(["npm", "run", "--silent", "build"], cwd=UI, check=True)
    return DIST


@pytest.fixture(scope="module")
def server(ui_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh API (own SQLite database, seeded project) per test module: no module sees another's leases,
    review queue or schema, so the suite passes in any order."""
    workdir = tmp_path_factory.mktemp("labelhive-ui")
    env = sqlite_env(
        workdir, ADMIN_EMAIL, ADMIN_PASSWORD, LABELHIVE_UI_DIR=str(ui_dist), LABELHIVE_LOG_FORMAT="text"
    )
    api = start_api(workdir, env, timeout=60)
    base = api.base
    try:
        admin = Api(base, ADMIN_EMAIL, ADMIN_PASSWORD)
        # the profile says English, so switching to Chinese in the page is the user's own doing
        admin.call("PATCH", "/auth/me", json={"locale": "en", "new_password": None})
        project = admin.call(
            "POST",
            "/projects",
            json={"name": "A厂焊缝缺陷", "description": "Weld seam defects, line 3", "labels": LABELS},
        )
        ids = [import_image(admin, project["id"], "weld-001.png", WELD_PNG)]
        more = [
            {
                "image": IMAGE_URL,
                "filename": f"weld-{i:03d}.png",
                "width": IMAGE_SIZE[0],
                "height": IMAGE_SIZE[1],
            }
            for i in range(2, 4)
        ]
        ids += admin.call("POST", f"/projects/{project['id']}/tasks", json={"tasks": more})["ids"]
        yield Server(base=base, admin=admin, project_id=project["id"], task_ids=ids)
    finally:
        api.stop()


@contextmanager
def browser_page(chromium: Any, timeout_ms: int = 15_000) -> Iterator[Any]:
    """A page in a fresh browser context (its own cookies), closed afterwards."""
    context = chromium.new_context(viewport={"width": 1400, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    with browser_page(chromium) as page:
        yield page


@pytest.fixture
def shots() -> Path:
    """Where screenshots go (kept as test artifacts): LABELHIVE_UI_SCREENSHOTS when set, else
    .artifacts/ui-screenshots/ in the repository (git-ignored)."""
    target = Path(os.environ.get("LABELHIVE_UI_SCREENSHOTS", REPO / ".artifacts" / "ui-screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target
