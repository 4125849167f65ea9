"""The app on the environment the operator rendered: kwok pods run no containers, so the migration Job's,
the API's and a worker's environment are read back from the cluster (values and secretKeyRefs resolved
through the app Secret) and the same commands run here as local processes. One image then goes
import -> SAM pre-label -> annotate (accept the prediction) -> COCO export with the image inside, in this
project's own PostgreSQL schema and S3 buckets, with browser-style requests from both ingress hosts.

Overridden locally, and only these: LABELHIVE_HOST/PORT (the listen address), the worker's LABELHIVE_API_URL
and the API's LABELHIVE_INTERACTIVE_URL (cluster DNS does not resolve here), LABELHIVE_DEVICE=cpu (no GPU on
this machine) and the workers' ports (free ones). The interactive Deployment's `labelhive-worker serve` runs
too, so one click is segmented."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from conftest import REPO, Team, eventually, free_port, sample_manifest
from kubernetes import client
from PIL import Image, ImageDraw

WORKER_BIN = REPO / ".venv-worker" / "bin" / "labelhive-worker"
API_BIN = REPO / ".venv" / "bin" / "labelhive-api"


def resolve_env(team: Team, container: client.V1Container) -> dict[str, str]:
    secrets: dict[str, dict[str, str]] = {}
    env: dict[str, str] = {}
    for var in container.env or []:
        if var.value_from is None:
            env[var.name] = var.value or ""
            continue
        ref = var.value_from.secret_key_ref
        assert ref is not None, f"{var.name}: only Secret references are rendered"
        env[var.name] = secrets.setdefault(ref.name, team.secret(ref.name))[ref.key]
    return env


def base_env() -> dict[str, str]:
    """Nothing from the test's own environment but what any process needs."""
    return {
        k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR", "LABELHIVE_CACHE") if k in os.environ
    }


def scene_png() -> bytes:
    img = Image.new("RGB", (320, 240), (205, 205, 205))
    draw = ImageDraw.Draw(img)
    draw.rectangle((70, 60, 190, 140), fill=(40, 70, 170))
    draw.ellipse((210, 120, 290, 200), fill=(190, 40, 40))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class RunningApp:
    base: str
    project: dict[str, Any]
    api_env: dict[str, str]
    worker: subprocess.Popen[bytes] | None
    interactive: subprocess.Popen[bytes] | None
    logs: Path


@pytest.fixture(scope="module")
def flow_team(team_factory) -> Team:
    return team_factory("flow")


@pytest.fixture(scope="module")
def flow_project(flow_team, s3) -> dict[str, Any]:
    body = sample_manifest(s3, name="flow", displayName="B厂 划痕检测")
    body["spec"]["storage"]["publicEndpoints"] = [s3.endpoint]  # the network this test's "browser" is on
    body["spec"]["auth"] = {"admins": ["lead@flow.example.com"]}
    flow_team.apply(body)
    return flow_team.wait_ready("flow")


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, env={**base_env(), **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def app(flow_team, flow_project, admin_api) -> Iterator[RunningApp]:
    from labelhive_harness.common import run_dir

    logs = run_dir("e2e-app")
    apps, batch = client.AppsV1Api(admin_api), client.BatchV1Api(admin_api)
    ns = flow_team.namespace
    (job,) = batch.list_namespaced_job(
        ns, label_selector="app.kubernetes.io/instance=flow,app.kubernetes.io/component=migrate"
    ).items
    job_container = job.spec.template.spec.containers[0]
    assert job_container.args == ["migrate"]
    migrate = subprocess.run(
        [str(API_BIN), *job_container.args],
        env={**base_env(), **resolve_env(flow_team, job_container)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]

    api_container = apps.read_namespaced_deployment("flow-api", ns).spec.template.spec.containers[0]
    port, interactive_port = free_port(), free_port()
    api_env = {
        **resolve_env(flow_team, api_container),
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
    }
    assert api_env["LABELHIVE_INTERACTIVE_URL"].endswith(".svc.cluster.local:8090"), (
        "click-to-segment is wired"
    )
    api_env["LABELHIVE_INTERACTIVE_URL"] = f"http://127.0.0.1:{interactive_port}"
    api = _spawn([str(API_BIN), *api_container.args], api_env, logs / "api.log")
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert api.poll() is None, (logs / "api.log").read_text()[-3000:]
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    eventually(healthy, "API serving on the rendered environment", timeout=120)

    worker = interactive = None
    if WORKER_BIN.exists():
        served = apps.read_namespaced_deployment("flow-interactive", ns).spec.template.spec.containers[0]
        assert served.args == ["serve"]
        interactive_env = {
            **resolve_env(flow_team, served),
            "LABELHIVE_API_URL": base,
            "LABELHIVE_INTERACTIVE_PORT": str(interactive_port),
        }
        assert interactive_env["LABELHIVE_DEVICE"] == "cpu" and "LABELHIVE_AMQP_URL" not in interactive_env
        interactive = _spawn([str(WORKER_BIN), *served.args], interactive_env, logs / "interactive.log")
        worker_container = apps.read_namespaced_deployment("flow-worker", ns).spec.template.spec.containers[0]
        worker_env = {
            **resolve_env(flow_team, worker_container),
            "LABELHIVE_API_URL": base,
            "LABELHIVE_DEVICE": "cpu",
            "LABELHIVE_METRICS_PORT": str(free_port()),
        }
        worker = _spawn([str(WORKER_BIN), *worker_container.args], worker_env, logs / "worker.log")
    try:
        yield RunningApp(base, flow_project, api_env, worker, interactive, logs)
    finally:
        _stop(interactive)
        _stop(worker)
        _stop(api)


def test_the_rendered_environment_is_the_contract(app):
    env = app.api_env
    # The manifest's name and language reach the login page.
    instance = httpx.get(f"{app.base}/api/v1/instance", timeout=10).json()
    assert instance == {"display_name": "B厂 划痕检测", "default_locale": "zh-CN", "signup": "invite-only"}
    assert env["LABELHIVE_ENVIRONMENT"] == "production"
    assert env["LABELHIVE_PUBLIC_URLS"].split(",") == app.project["status"]["urls"]
    assert (
        env["LABELHIVE_WORKER_TOKEN"]
        and env["LABELHIVE_DATABASE_SCHEMA"] == app.project["status"]["database"]["schema"]
    )


def test_one_image_import_prelabel_annotate_export(app, flow_team, s3, postgres):
    urls = app.project["status"]["urls"]
    hosts = [u.split("://", 1)[1] for u in urls]
    http = httpx.Client(base_url=app.base, timeout=30, headers={"Host": hosts[0]})
    admin_email = "lead@flow.example.com"
    password = flow_team.secret("flow-app")["LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"]

    # Behind the ingress, from a page on another site: refused. From the project's own hosts: fine.
    evil = http.post(
        "/api/v1/auth/login",
        json={"email": admin_email, "password": password},
        headers={"Origin": "http://evil.example.com"},
    )
    assert evil.status_code == 403 and "csrf_origin_mismatch" in evil.text
    login = http.post(
        "/api/v1/auth/login", json={"email": admin_email, "password": password}, headers={"Origin": urls[0]}
    )
    assert login.status_code == 200, login.text
    # Every later write comes from the second host (the intranet name): several hosts at once.
    unsafe = {"X-CSRF-Token": login.json()["csrf_token"], "Origin": urls[1], "Host": hosts[1]}

    labels = [
        {
            "value": "defect",
            "names": {"zh-CN": "缺陷", "en": "Defect"},
            "color": "#ff0000",
            "tools": ["bbox", "polygon"],
        }
    ]
    project = http.post("/api/v1/projects", json={"name": "B厂 划痕检测", "labels": labels}, headers=unsafe)
    assert project.status_code == 201, project.text
    pid = project.json()["id"]

    png = scene_png()
    job = http.post(
        f"/api/v1/projects/{pid}/imports",
        files=[("files", ("scene.png", png, "image/png"))],
        data={"format": "images"},
        headers=unsafe,
    )
    assert job.status_code == 202, job.text
    done = eventually(
        lambda: (
            (j := http.get(f"/api/v1/projects/{pid}/imports/{job.json()['id']}").json())["state"]
            in ("finished", "failed")
            and j
        ),
        "import job finished",
        timeout=60,
    )
    assert done["state"] == "finished", done
    (task,) = http.get(f"/api/v1/projects/{pid}/tasks").json()["items"]

    # The image is in this project's source bucket, content-addressed.
    import hashlib

    sha = hashlib.sha256(png).hexdigest()
    buckets = app.project["status"]["buckets"]
    stored = (
        s3.client().get_object(Bucket=buckets["source"], Key=f"assets/sha256/{sha[:2]}/{sha}")["Body"].read()
    )
    assert stored == png

    # The pre-label leg is part of the flow: without the worker environment this test fails, never skips.
    assert app.worker is not None, (
        f"no worker environment at {WORKER_BIN}: run 'make test' (its bootstrap creates it)"
    )
    prelabel = http.post(
        f"/api/v1/projects/{pid}/prelabel-jobs",
        headers=unsafe,
        json={
            "task_ids": [task["id"]],
            "mode": "auto",
            "auto": {"points_per_side": 8, "max_masks": 8},
            "label_mapping": {"*": "defect"},
        },
    )
    assert prelabel.status_code == 202, prelabel.text

    def finished() -> dict[str, Any] | None:
        assert app.worker is not None and app.worker.poll() is None, (app.logs / "worker.log").read_text()[
            -3000:
        ]
        p = http.get(f"/api/v1/projects/{pid}/prelabel-jobs/{prelabel.json()['id']}").json()
        return p if p["done"] + p["failed"] >= p["total"] else None

    progress = eventually(finished, "pre-label job done by the worker", timeout=300, interval=1)
    assert progress["done"] == 1, (progress, (app.logs / "worker.log").read_text()[-2000:])
    (prediction,) = http.get(f"/api/v1/projects/{pid}/tasks/{task['id']}/predictions").json()
    assert prediction["result"] and {s["label"] for s in prediction["result"]} == {"defect"}

    assert http.post(f"/api/v1/projects/{pid}/tasks/next", headers=unsafe).status_code == 200

    # One click on the blue rectangle, through the interactive endpoint the operator deployed.
    def clicked() -> dict[str, Any] | None:
        assert app.interactive is not None and app.interactive.poll() is None, (
            app.logs / "interactive.log"
        ).read_text()[-3000:]
        r = http.post(
            f"/api/v1/projects/{pid}/tasks/{task['id']}/segment",
            json={"points": [[130, 100, 1]], "label": "defect"},
            headers=unsafe,
        )
        return r.json() if r.status_code == 200 else None

    segmented = eventually(clicked, "click-to-segment answered", timeout=180, interval=2)
    (shape, *_) = segmented["shapes"]
    assert shape["label"] == "defect"
    accepted = http.post(
        f"/api/v1/projects/{pid}/predictions/{prediction['id']}/accept", json={}, headers=unsafe
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["result"]

    export = http.post(
        f"/api/v1/projects/{pid}/exports", json={"format": "coco", "with_images": True}, headers=unsafe
    )
    assert export.status_code == 202, export.text
    final = eventually(
        lambda: (
            (e := http.get(f"/api/v1/projects/{pid}/exports/{export.json()['id']}").json())["state"]
            in ("finished", "failed")
            and e
        ),
        "export finished",
        timeout=120,
    )
    assert final["state"] == "finished", final
    link = final["download_url"]
    data = (httpx.get(link, timeout=30) if link.startswith("http") else http.get(link)).content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        images = [n for n in names if n.endswith(".png")]
        assert len(images) == 1 and archive.read(images[0]) == png, names
        coco = json.loads(next(archive.read(n) for n in names if n.endswith(".json")))
    assert [c["name"] for c in coco["categories"]] == ["defect"]
    assert len(coco["annotations"]) >= 1 and len(coco["images"]) == 1

    # Everything landed in this project's own schema and target bucket.
    schema = app.project["status"]["database"]["schema"]
    with psycopg.connect(postgres.admin_dsn) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    assert tables and tables[0] > 5
    exports = s3.client().list_objects_v2(Bucket=buckets["target"], Prefix="exports/").get("KeyCount", 0)
    assert exports >= 1
