"""Browser tests: the real API (SQLite, a temp dir, a free port) serving the built UI, driven by Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
UI = REPO / "services" / "ui"
DIST = UI / "dist"
API_BIN = Path(sys.executable).parent / "labelhive-api"
ADMIN_EMAIL = "lead@factory-a.example.com"
ADMIN_PASSWORD = "weld-inspect-2026"

# A weld plate drawn in SVG: a data: URL fits in a task's `image` field, so no object store is needed here.
WELD_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='640' height='400'>"
    "<defs><linearGradient id='g' x2='0' y2='1'><stop offset='0' stop-color='#9aa5b1'/>"
    "<stop offset='1' stop-color='#52606d'/></linearGradient></defs>"
    "<rect width='640' height='400' fill='url(#g)'/><rect y='170' width='640' height='60' fill='#3e4c59'/>"
    "<path d='M0 200 Q160 185 320 200 T640 200' stroke='#cbd2d9' stroke-width='6' fill='none'/>"
    "<circle cx='210' cy='196' r='9' fill='#1f2933'/>"
    "<path d='M430 180 l30 25 l-12 8 l25 14' stroke='#1f2933' stroke-width='4' fill='none'/></svg>"
)
IMAGE_URL = "data:image/svg+xml," + quote(WELD_SVG, safe=":/='")  # no raw spaces: a URL has none
IMAGE_SIZE = (640, 400)

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture(scope="session")
def ui_dist() -> Path:
    """The built UI; built here when missing (scripts/test.sh builds it before the Python suites)."""
    if not (DIST / "index.html").is_file():
        subprocess.run(["npm", "run", "--silent", "build"], cwd=UI, check=True)
    return DIST


@pytest.fixture(scope="session")
def server(ui_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("labelhive-ui")
    port = _free_port()
    env = {
        **os.environ,
        "LABELHIVE_ENVIRONMENT": "test",
        "LABELHIVE_SECRET_KEY": "ui-tests-secret-key-0123456789",
        "LABELHIVE_DATABASE_URL": f"sqlite:///{workdir / 'labelhive.db'}",
        "LABELHIVE_DATA_DIR": str(workdir / "data"),
        "LABELHIVE_UI_DIR": str(ui_dist),
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        "LABELHIVE_LOG_FORMAT": "text",
    }
    subprocess.run([str(API_BIN), "migrate"], env=env, check=True, capture_output=True, cwd=workdir)
    log = (workdir / "api.log").open("w")
    proc = subprocess.Popen(
        [str(API_BIN), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"API did not start: {(workdir / 'api.log').read_text()[-2000:]}")
            time.sleep(0.3)
        admin = Api(base, ADMIN_EMAIL, ADMIN_PASSWORD)
        # the profile says English, so switching to Chinese in the page is the user's own doing
        admin.call("PATCH", "/auth/me", json={"locale": "en", "new_password": None})
        project = admin.call(
            "POST",
            "/projects",
            json={"name": "A厂焊缝缺陷", "description": "Weld seam defects, line 3", "labels": LABELS},
        )
        tasks = [
            {
                "image": IMAGE_URL,
                "filename": f"weld-{i:03d}.png",
                "width": IMAGE_SIZE[0],
                "height": IMAGE_SIZE[1],
            }
            for i in range(1, 4)
        ]
        ids = admin.call("POST", f"/projects/{project['id']}/tasks", json={"tasks": tasks})["ids"]
        yield Server(base=base, admin=admin, project_id=project["id"], task_ids=ids)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def shots() -> Path:
    """Where screenshots go (kept as test artifacts): LABELHIVE_UI_SCREENSHOTS when set, else
    .artifacts/ui-screenshots/ in the repository (git-ignored)."""
    target = Path(os.environ.get("LABELHIVE_UI_SCREENSHOTS", REPO / ".artifacts" / "ui-screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target
