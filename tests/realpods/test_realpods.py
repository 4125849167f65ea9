"""A LabelingProject served to annotators from real pods: helm install (the operator in a pod) -> apply the
manifest -> migration Job -> API and UI pods Ready -> the team's host answers through Traefik -> in Chromium
the admin named in the manifest signs in (display name and language from the manifest), uploads 3 images and
exports them with images -> the zip holds exactly those bytes. Then the failure drills, on the same project:
the API pod deleted mid-session, PostgreSQL stopped for 30 s, a migration that fails once."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from conftest import ARTIFACTS, NODE_IP, RELEASE, TEAM_HOST, Team, Timings, eventually, manifest
from kubernetes import client
from PIL import Image, ImageDraw
from playwright.sync_api import expect

# Real pods on a shared 2-core machine: the node's start and a migration Job's three retries (its backoff
# alone is 70 s) can each take minutes when other suites load the machine.
pytestmark = pytest.mark.timeout(900)
# Playwright's 5 s default is short for a first page load on a busy machine.
expect.set_options(timeout=30_000)

NAME = "weld"
ADMIN = "qa@factory-a.example.com"  # the second admin of the manifest: every admin gets an account
BASE = f"http://{TEAM_HOST}"


def photo(n: int) -> bytes:
    img = Image.new("RGB", (480, 320), (150 + n * 20, 160, 170))
    ImageDraw.Draw(img).ellipse([60 * n, 100, 60 * n + 80, 180], fill=(30, 40, 50))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


PHOTOS = {f"weld-{n}.png": photo(n) for n in range(1, 4)}


@pytest.fixture(scope="module")
def team(team_factory) -> Team:
    return team_factory("factory-a")


@pytest.fixture(scope="module")
def project(team: Team, real_cluster, s3, timings: Timings) -> dict[str, Any]:
    started = time.monotonic()
    team.custom.create_namespaced_custom_object(
        "labelhive.io", "v1alpha1", team.namespace, "labelingprojects", manifest(team, NAME, TEAM_HOST, s3)
    )
    ready = team.wait_ready(NAME)
    timings.add("project_time_to_ready_s", time.monotonic() - started)
    return ready


def ingress_client() -> httpx.Client:
    """Requests to the team's host through Traefik, as the browser sends them."""
    return httpx.Client(base_url=f"http://{NODE_IP}", headers={"Host": TEAM_HOST, "Origin": BASE}, timeout=30)


def sign_in(http: httpx.Client, team: Team) -> dict[str, str]:
    password = team.secret(f"{NAME}-app")["LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"]
    login = http.post("/api/v1/auth/login", json={"email": ADMIN, "password": password})
    assert login.status_code == 200, login.text
    return {"X-CSRF-Token": login.json()["csrf_token"]}


def running_on_the_node(pod: client.V1Pod) -> bool:
    statuses = pod.status.container_statuses or []
    return (
        pod.spec.node_name == "lh-node-0"
        and bool(statuses)
        and all(s.ready and s.state.running is not None for s in statuses)
    )


def test_pods_really_run(project, team: Team, real_cluster) -> None:
    """The migration Job's pod ran to completion and the API and UI containers run on the real node."""
    (job_pod,) = team.pods("migrate")
    assert job_pod.status.phase == "Succeeded" and job_pod.spec.node_name == "lh-node-0"
    for component in ("api", "ui"):
        pods = team.pods(component)
        assert pods and all(running_on_the_node(p) for p in pods), real_cluster.kubectl(
            "-n", team.namespace, "get", "pods", "-o", "wide"
        )
    operator_pods = client.CoreV1Api(real_cluster.api).list_namespaced_pod(
        "labelhive-system", label_selector=f"app.kubernetes.io/instance={RELEASE}"
    )
    assert [running_on_the_node(p) for p in operator_pods.items] == [True]


def test_admin_signs_in_uploads_and_exports_through_the_ingress(project, team: Team, browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    password = team.secret(f"{NAME}-app")["LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{BASE}/")
        # The manifest's display name and language, with no choice made in this browser.
        expect(page.get_by_test_id("instance-name")).to_have_text("A厂焊缝缺陷")
        expect(page.get_by_test_id("login-submit")).to_have_text("登录")
        page.screenshot(path=str(ARTIFACTS / "1-login-zh-CN.png"))
        page.fill("input[name=email]", ADMIN)
        page.fill("input[name=password]", password)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("current-user")).to_be_visible()

        page.get_by_test_id("new-project").click()
        page.fill("#project-name", "三号线焊缝")
        page.get_by_test_id("project-submit").click()
        expect(page.get_by_test_id("project-name")).to_contain_text("三号线焊缝")
        pid = int(page.url.split("#/projects/")[1].split("/")[0].split("?")[0])
        page.screenshot(path=str(ARTIFACTS / "2-project-zh-CN.png"))

        page.goto(f"{BASE}/#/projects/{pid}/import")
        chooser = page.get_by_test_id("file-upload").locator("input[type=file]:not([webkitdirectory])")
        chooser.set_input_files(
            [{"name": name, "mimeType": "image/png", "buffer": data} for name, data in PHOTOS.items()]
        )
        page.get_by_test_id("start-upload").click()
        jobs = page.get_by_test_id("import-jobs")
        expect(jobs.locator("tr.ant-table-row").first).to_contain_text("已完成", timeout=120_000)
        expect(jobs.locator("tr.ant-table-row").first).to_contain_text("已导入 3")
        page.screenshot(path=str(ARTIFACTS / "3-import-zh-CN.png"))

        page.goto(f"{BASE}/#/projects/{pid}/export")
        page.get_by_test_id("new-export").click()
        page.get_by_test_id("export-scope").get_by_text("全部任务").click()
        expect(page.get_by_test_id("export-images")).to_be_checked()
        page.get_by_test_id("start-export").click()
        history = page.get_by_test_id("export-history")
        expect(history.locator("tr.ant-table-row").first).to_contain_text("已完成", timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "4-export-zh-CN.png"))
        with page.expect_download() as download:
            history.locator("a", has_text="下载").first.click()
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
            names = archive.namelist()
            images = sorted(n for n in names if n.endswith(".png"))
            assert sorted(archive.read(n) for n in images) == sorted(PHOTOS.values()), names
            (coco_name,) = [n for n in names if n.endswith(".json")]
            coco = json.loads(archive.read(coco_name))
        assert sorted(i["file_name"].rsplit("/", 1)[-1] for i in coco["images"]) == sorted(PHOTOS)
    finally:
        context.close()


def test_api_pod_deleted_mid_session_loses_nothing(project, team: Team, real_cluster) -> None:
    http = ingress_client()
    unsafe = sign_in(http, team)
    created = http.post("/api/v1/projects", json={"name": "drill: pod deleted"}, headers=unsafe)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    (old,) = team.pods("api")
    client.CoreV1Api(real_cluster.api).delete_namespaced_pod(old.metadata.name, team.namespace)

    def replaced() -> bool:
        pods = team.pods("api")
        return any(p.metadata.name != old.metadata.name and running_on_the_node(p) for p in pods)

    eventually(replaced, "a new API pod Ready", timeout=180)
    # The same session (cookie and CSRF token) goes on against the new pod; what was saved is there.
    after = eventually(
        lambda: (r := http.get(f"/api/v1/projects/{pid}")).status_code == 200 and r, "API through the ingress"
    )
    assert after.headers["content-type"].startswith("application/json"), after.text[:200]
    assert after.json()["name"] == "drill: pod deleted"
    renamed = http.patch(f"/api/v1/projects/{pid}", json={"name": "drill: after"}, headers=unsafe)
    assert renamed.status_code == 200, renamed.text


def test_postgres_down_30s_readiness_drops_and_recovers(project, team: Team, postgres) -> None:
    http = ingress_client()

    def api_ready() -> bool:
        pods = [p for p in team.pods("api") if p.metadata.deletion_timestamp is None]
        return bool(pods) and all(running_on_the_node(p) for p in pods)

    eventually(api_ready, "API pod Ready before the drill")
    postgres.stop()
    stopped = time.monotonic()
    try:
        eventually(lambda: not api_ready(), "API pod not Ready while PostgreSQL is down", timeout=60)
        time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
    finally:
        postgres.start()
    eventually(api_ready, "API pod Ready again", timeout=120)
    eventually(
        lambda: http.get("/api/v1/instance").status_code == 200, "API answers through the ingress", timeout=60
    )
    sign_in(http, team)


def project_events(team: Team, name: str) -> list[client.CoreV1Event]:
    """The Events on a LabelingProject, oldest first: what `kubectl describe labelingproject` shows."""
    events = client.CoreV1Api(team.api).list_namespaced_event(
        team.namespace, field_selector=f"involvedObject.kind=LabelingProject,involvedObject.name={name}"
    )
    return sorted(events.items, key=lambda e: (e.first_timestamp or e.event_time, e.metadata.name))


def test_failed_migration_is_retried_without_a_human(team: Team, real_cluster, s3, postgres) -> None:
    """The project's schema holds a revision the migrations do not know: the Job fails, and the project says
    so (a Warning Event and its Migrated condition). The admin then drops that schema (the cause ends); the
    operator makes the schema again and retries the migration by itself: Ready, nobody edited the project."""
    schema = "drill_migration"
    with psycopg.connect(postgres.admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute(f"INSERT INTO {schema}.alembic_version VALUES ('0000deadbeef')")
        conn.execute(f"GRANT ALL ON SCHEMA {schema} TO PUBLIC")
        conn.execute(f"GRANT ALL ON {schema}.alembic_version TO PUBLIC")
    body = manifest(team, "drill", "drill.factory-a.test", s3, database={
        "adminSecret": f"{team.namespace}-pg-admin", "schema": schema,
    })  # fmt: skip
    team.custom.create_namespaced_custom_object(
        "labelhive.io", "v1alpha1", team.namespace, "labelingprojects", body
    )

    def failure_told() -> client.CoreV1Event | None:
        return next((e for e in project_events(team, "drill") if e.reason == "MigrationFailed"), None)

    failed = eventually(failure_told, "a MigrationFailed Event on the project", timeout=300, interval=1)
    assert failed.type == "Warning" and "0000deadbeef" in failed.message, failed.message
    assert "retry 1 follows" in failed.message, failed.message
    with psycopg.connect(postgres.admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    ready = team.wait_ready("drill")
    assert ready["metadata"]["generation"] == 1, "nobody edited the project"
    assert int(ready["status"].get("migrationRetries") or 0) == 0
    assert team.condition("drill", "Migrated")["status"] == "True"
    # What `kubectl describe` tells: the failure, then the phase going Ready (after the failure, not before).
    reasons = [(e.type, e.reason) for e in project_events(team, "drill")]
    assert ("Normal", "PhaseReady") in reasons[reasons.index(("Warning", "MigrationFailed")) :], reasons
    with psycopg.connect(postgres.admin_dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    assert tables is not None and tables[0] > 10, "the migration made the app's tables in the new schema"
