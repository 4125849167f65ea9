"""`make dev` demo: a project with real photos (scikit-image's data module), a bilingual label schema, a few
predictions, and an annotator and a reviewer next to the admin. Development only.

Talks to a running LabelHive over its HTTP API as the bootstrap admin, the way a manager would. Idempotent: a
second run finds the demo project and the accounts and changes nothing. The photos are files inside the
scikit-image wheel (installed from the registry with the dev environment); nothing is downloaded here.

Usage: python scripts/demo/seed.py --base http://127.0.0.1:8080 (admin and demo accounts from the environment,
defaults below).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib import resources
from typing import Any

import httpx

PROJECT_NAME = "演示项目 · Demo photos"
MODEL_VERSION = "demo-boxes@1"

# Development-only accounts (README.md "Log in as each role"); override with the environment.
ACCOUNTS = {
    "annotator": (
        os.environ.get("LABELHIVE_DEMO_ANNOTATOR_EMAIL", "annotator@labelhive.local"),
        os.environ.get("LABELHIVE_DEMO_ANNOTATOR_PASSWORD", "annotate-dev-2026"),
        "标注员 Annotator",
    ),
    "reviewer": (
        os.environ.get("LABELHIVE_DEMO_REVIEWER_EMAIL", "reviewer@labelhive.local"),
        os.environ.get("LABELHIVE_DEMO_REVIEWER_PASSWORD", "review-dev-2026"),
        "审核员 Reviewer",
    ),
}

LABELS = [
    {"value": "cat", "names": {"zh-CN": "猫", "en": "Cat"}, "color": "#e4572e", "hotkey": "1"},
    {"value": "person", "names": {"zh-CN": "人物", "en": "Person"}, "color": "#2a9d8f", "hotkey": "2"},
    {"value": "cup", "names": {"zh-CN": "杯子", "en": "Cup"}, "color": "#f4a261", "hotkey": "3"},
    {"value": "rocket", "names": {"zh-CN": "火箭", "en": "Rocket"}, "color": "#6a4c93", "hotkey": "4"},
    {"value": "coin", "names": {"zh-CN": "硬币", "en": "Coin"}, "color": "#e9c46a", "hotkey": "5"},
    {
        "value": "motorcycle",
        "names": {"zh-CN": "摩托车", "en": "Motorcycle"},
        "color": "#264653",
        "hotkey": "6",
    },
]
for _label in LABELS:
    _label["tools"] = ["bbox", "polygon"]

# Photos shipped inside the scikit-image wheel (skimage/data), with hand-placed boxes as "model" guesses.
PHOTOS: dict[str, list[tuple[str, float, float, float, float]]] = {
    "chelsea.png": [("cat", 60, 10, 300, 280)],
    "astronaut.png": [("person", 120, 0, 330, 512)],
    "coffee.png": [("cup", 60, 20, 480, 330)],
    "rocket.jpg": [("rocket", 280, 60, 110, 560)],
    "coins.png": [],  # found below with a classic threshold
    "motorcycle_left.png": [],
    "hubble_deep_field.jpg": [],
}

DESCRIPTION = (
    "Demo project made by `make dev`: photos from scikit-image's data module, with a few predicted boxes. "
    "演示项目：scikit-image 自带的照片，部分图片带有预测框。"
)
INSTRUCTIONS = (
    "## 说明 / Instructions\n\n"
    "- 为每个物体画一个框，选择对应的标签。Draw one box per object and pick its label.\n"
    "- 预测框只是建议，请检查后再提交。Predicted boxes are suggestions: check them before you submit.\n"
)


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


class Client:
    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base.rstrip("/")
        self.http = httpx.Client(base_url=f"{self.base}/api/v1", timeout=120)
        r = self.http.post("/auth/login", json={"email": email, "password": password})
        if r.status_code != 200:
            raise SystemExit(f"demo: cannot log in as {email}: {r.status_code} {r.text[:200]}")
        self.http.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.http.request(method, path, **kwargs)
        if r.status_code >= 300:
            raise SystemExit(f"demo: {method} {path}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None


def can_log_in(base: str, email: str, password: str) -> bool:
    r = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=120)
    return r.status_code == 200


def photo_bytes(name: str) -> bytes:
    return (resources.files("skimage") / "data" / name).read_bytes()


def coin_boxes() -> list[tuple[str, float, float, float, float]]:
    """Coins found with Otsu's threshold and connected components: real, imperfect predictions."""
    from skimage import data, filters, measure, morphology

    image = data.coins()
    mask = morphology.closing(image > filters.threshold_otsu(image), morphology.disk(3))
    boxes = []
    for region in measure.regionprops(measure.label(mask)):
        if region.area < 400:
            continue
        r0, c0, r1, c1 = region.bbox
        boxes.append(("coin", float(c0), float(r0), float(c1 - c0), float(r1 - r0)))
    return boxes


def find_project(admin: Client) -> dict[str, Any] | None:
    listed = admin.call("GET", "/projects")
    items = listed["items"] if isinstance(listed, dict) else listed
    return next((p for p in items if p["name"] == PROJECT_NAME), None)


def upload_photos(admin: Client, project_id: int) -> None:
    files = [("files", (name, photo_bytes(name), _mime(name))) for name in PHOTOS]
    say(f"uploading {len(files)} photos from scikit-image's data module")
    job = admin.call("POST", f"/projects/{project_id}/imports", files=files, data={"format": "images"})
    deadline = time.monotonic() + 300
    while True:
        state = admin.call("GET", f"/projects/{project_id}/imports/{job['id']}")
        if state["state"] not in ("queued", "running"):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"demo: import job {job['id']} still {state['state']} after 5 minutes")
        time.sleep(0.5)
    if state["state"] != "finished":
        raise SystemExit(f"demo: import job {job['id']} ended {state['state']}: {state}")


def _mime(name: str) -> str:
    return "image/jpeg" if name.endswith(".jpg") else "image/png"


def add_predictions(admin: Client, project_id: int) -> int:
    tasks = admin.call("GET", f"/projects/{project_id}/tasks", params={"limit": 100})["items"]
    by_name = {t["filename"].rsplit("/", 1)[-1]: t for t in tasks}
    guesses = dict(PHOTOS, **{"coins.png": coin_boxes()})
    made = 0
    for name, boxes in guesses.items():
        task = by_name.get(name)
        if task is None or not boxes or task["has_prediction"]:
            continue
        result = [
            {"id": f"p{i}", "type": "bbox", "label": label, "x": x, "y": y, "w": w, "h": h, "score": 0.8}
            for i, (label, x, y, w, h) in enumerate(boxes, 1)
        ]
        admin.call(
            "POST",
            f"/projects/{project_id}/tasks/{task['id']}/predictions",
            json={"model_version": MODEL_VERSION, "result": result, "score": 0.8},
        )
        made += 1
    return made


def ensure_account(admin: Client, project_id: int, role: str) -> None:
    email, password, name = ACCOUNTS[role]
    if can_log_in(admin.base, email, password):
        say(f"{role} {email} exists")
        return
    invite = admin.call("POST", f"/projects/{project_id}/invites", json={"role": role})
    r = httpx.post(
        f"{admin.base}/api/v1/invites/{invite['token']}/accept",
        json={"email": email, "password": password, "display_name": name, "locale": "zh-CN"},
        headers={"Origin": admin.base},
        timeout=120,
    )
    if r.status_code != 201:
        raise SystemExit(f"demo: {role} {email} could not join: {r.status_code} {r.text[:300]}")
    say(f"{role} {email} created")


def seed(base: str, admin_email: str, admin_password: str) -> int:
    admin = Client(base, admin_email, admin_password)
    project = find_project(admin)
    if project is None:
        say(f"creating the demo project '{PROJECT_NAME}' (labels in zh-CN and en)")
        project = admin.call(
            "POST",
            "/projects",
            json={
                "name": PROJECT_NAME,
                "description": DESCRIPTION,
                "instructions": INSTRUCTIONS,
                "default_locale": "zh-CN",
                "labels": LABELS,
            },
        )
    else:
        say(f"demo project exists (id {project['id']})")
    project_id = int(project["id"])
    if admin.call("GET", f"/projects/{project_id}/tasks", params={"limit": 1})["items"]:
        say("photos already imported")
    else:
        upload_photos(admin, project_id)
    made = add_predictions(admin, project_id)
    say(f"{made} tasks got predicted boxes" if made else "predictions already there")
    for role in ACCOUNTS:
        ensure_account(admin, project_id, role)
    return project_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--admin-email", default=os.environ.get("LABELHIVE_BOOTSTRAP_ADMIN_EMAIL"))
    parser.add_argument("--admin-password", default=os.environ.get("LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"))
    args = parser.parse_args()
    if not (args.admin_email and args.admin_password):
        sys.exit(
            "demo: set LABELHIVE_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD (or --admin-email/--admin-password)"
        )
    project_id = seed(args.base, args.admin_email, args.admin_password)
    say(f"ready: {args.base.rstrip('/')}/  (demo project id {project_id})")


if __name__ == "__main__":
    main()
