"""`make dev` on an empty database: the demo project with real photos, predictions and the three roles' logins
(README.md "Log in as each role"); a second start changes nothing. Runs scripts/dev.sh itself, on SQLite and
a local folder in a temp dir, on a free port."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO
from labelhive_harness.common import free_port
from playwright.sync_api import expect

ADMIN = ("admin@labelhive.local", "labelhive-dev")
ANNOTATOR = ("annotator@labelhive.local", "annotate-dev-2026")
REVIEWER = ("reviewer@labelhive.local", "review-dev-2026")
DEMO = "演示项目 · Demo photos"


def _make_dev(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Starts scripts/dev.sh and reads its output until it says the server is ready."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LABELHIVE_") or k.startswith("LABELHIVE_TEST")
    }
    env.update(LABELHIVE_DATA_DIR=str(data_dir), LABELHIVE_PORT=str(port), LABELHIVE_SECRET_KEY="d" * 40)
    proc = subprocess.Popen(
        ["bash", "scripts/dev.sh"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 240
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip())
        if "(Ctrl-C stops it)" in line and "[dev]" in line:
            break
        assert time.monotonic() < deadline, "\n".join(lines[-40:])
    else:
        pytest.fail("make dev ended early:\n" + "\n".join(lines[-40:]))
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _login(base: str, account: tuple[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
    r = client.post("/auth/login", json={"email": account[0], "password": account[1]})
    assert r.status_code == 200, f"{account[0]}: {r.status_code} {r.text}"
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def _state(base: str) -> dict[str, Any]:
    admin = _login(base, ADMIN)
    demos = [p for p in admin.get("/projects").json() if p["name"] == DEMO]
    assert len(demos) == 1, demos
    pid = demos[0]["id"]
    tasks = admin.get(f"/projects/{pid}/tasks", params={"limit": 100}).json()["items"]
    predictions = {
        t["filename"]: admin.get(f"/projects/{pid}/tasks/{t['id']}/predictions").json() for t in tasks
    }
    members = admin.get(f"/projects/{pid}/members").json()
    members = members["items"] if isinstance(members, dict) else members
    return {"admin": admin, "pid": pid, "tasks": tasks, "predictions": predictions, "members": members}


def test_make_dev_seeds_the_demo_project_once(
    chromium: Any, ui_dist: Path, tmp_path: Path, shots: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, out = _make_dev(tmp_path / "data", port)
    try:
        # It says what it does, step by step, and prints every role's login.
        said = "\n".join(out)
        for step in ("[dev]", "starting the API", "[demo] creating the demo project", "uploading 7 photos"):
            assert step in said, said
        for email, password in (ADMIN, ANNOTATOR, REVIEWER):
            assert email in said and password in said, said

        first = _state(base)
        pid, admin = first["pid"], first["admin"]
        # Real photos, stored locally and served: the bytes are scikit-image's own files.
        assert len(first["tasks"]) == 7
        for task in first["tasks"]:
            r = admin.get(f"/projects/{pid}/tasks/{task['id']}/image", follow_redirects=True)
            assert r.status_code == 200 and r.headers["content-type"].startswith("image/"), task
            name = task["filename"].rsplit("/", 1)[-1]
            shipped = (resources.files("skimage") / "data" / name).read_bytes()
            assert hashlib.sha256(r.content).hexdigest() == hashlib.sha256(shipped).hexdigest(), name
        predicted = {name: p for name, p in first["predictions"].items() if p}
        assert len(predicted) >= 5, first["predictions"]
        coins = next(p for name, p in predicted.items() if name.endswith("coins.png"))
        assert len(coins[0]["result"]) >= 10  # the threshold finds most of the 24 coins
        # The schema has both languages on every label.
        labels = admin.get(f"/projects/{pid}/label-schema").json()["labels"]
        assert labels and all(set(label["names"]) >= {"zh-CN", "en"} for label in labels)

        # Each role logs in and has its role in the demo project; the annotator can take a task.
        roles = {m["email"]: m["role"] for m in first["members"]}
        assert roles.get(ANNOTATOR[0]) == "annotator" and roles.get(REVIEWER[0]) == "reviewer", roles
        annotator = _login(base, ANNOTATOR)
        assert [p["id"] for p in annotator.get("/projects").json()] == [pid]
        nxt = annotator.post(f"/projects/{pid}/tasks/next")
        assert nxt.status_code == 200, nxt.text
        reviewer = _login(base, REVIEWER)
        assert reviewer.get(f"/projects/{pid}/reviews/queue").status_code == 200

        # What a newcomer sees: the annotator's next photo in the editor, with the predicted boxes offered.
        context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
        try:
            page = context.new_page()
            page.goto(f"{base}/")
            page.fill("input[name=email]", ANNOTATOR[0])
            page.fill("input[name=password]", ANNOTATOR[1])
            page.get_by_test_id("login-submit").click()
            expect(page.get_by_test_id("project-list")).to_contain_text(DEMO, timeout=60_000)
            page.goto(f"{base}/#/projects/{pid}")
            page.get_by_test_id("next-task").click()
            expect(page.get_by_test_id("editor-canvas")).to_have_attribute(
                "data-image", re.compile(r"^\d+x\d+$")
            )
            page.screenshot(path=str(shots / "demo-editor.zh-CN.png"))
        finally:
            context.close()
    finally:
        _stop(proc)

    # A second start leaves the demo alone; the seeding itself, run again, finds everything and adds nothing.
    proc, out = _make_dev(tmp_path / "data", port)
    try:
        said = "\n".join(out)
        assert "demo project: made on the first run" in said and "[demo]" not in said, said
        again = subprocess.run(
            [sys.executable, "scripts/demo/seed.py", "--base", base, "--admin-email", ADMIN[0]],
            cwd=REPO,
            env={**os.environ, "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1]},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        for step in ("demo project exists", "photos already imported", "predictions already there"):
            assert step in again.stdout, again.stdout
        assert "creating" not in again.stdout and " created" not in again.stdout, again.stdout
        second = _state(base)
        assert [t["id"] for t in second["tasks"]] == [t["id"] for t in first["tasks"]]
        assert {n: [p["id"] for p in ps] for n, ps in second["predictions"].items()} == {
            n: [p["id"] for p in ps] for n, ps in first["predictions"].items()
        }
        assert len(second["members"]) == len(first["members"])
    finally:
        _stop(proc)
