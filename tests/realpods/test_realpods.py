"""A LabelingProject served to annotators from real pods: helm install (the operator in a pod) -> apply the
manifest -> migration Job -> API, UI and click-to-segment pods Ready -> the team's host answers through Traefik
-> in Chromium the admin named in the manifest signs in (display name and language from the manifest), uploads
3 images, segments one with a click, outlines one by hand, pre-labels the last with MobileSAM on a CPU worker
pod, accepts its suggestion and exports with images -> the zip holds those bytes and outlines of each defect.
Then the failure drills: the API pod deleted mid-session, PostgreSQL stopped for 30 s, a migration that fails
once."""

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
from conftest import (
    ARTIFACTS,
    NO_MODEL_PODS,
    NODE_IP,
    RELEASE,
    TEAM_HOST,
    Team,
    Timings,
    eventually,
    manifest,
)
from kubernetes import client
from playwright.sync_api import Page, expect
from weld_photos import PHOTOS, SIZE, center, coco_polygons, coverage, to_screen

# Real pods on a shared 2-core machine: the node's start and a migration Job's three retries (its backoff
# alone is 70 s) can each take minutes when other suites load the machine.
pytestmark = pytest.mark.timeout(900)
# Playwright's 5 s default is short for a first page load on a busy machine.
expect.set_options(timeout=30_000)

NAME = "weld"
ADMIN = "qa@factory-a.example.com"  # the second admin of the manifest: every admin gets an account
BASE = f"http://{TEAM_HOST}"


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
    """The migration Job's pod ran to completion; the API, UI and click-to-segment (interactive) containers run on
    the real node. Pre-label workers: none while the queue is empty (minReplicas 0)."""
    (job_pod,) = team.pods("migrate")
    assert job_pod.status.phase == "Succeeded" and job_pod.spec.node_name == "lh-node-0"
    for component in ("api", "ui", "interactive"):
        pods = team.pods(component)
        assert pods and all(running_on_the_node(p) for p in pods), real_cluster.kubectl(
            "-n", team.namespace, "get", "pods", "-o", "wide"
        )
    assert team.pods("worker") == []
    operator_pods = client.CoreV1Api(real_cluster.api).list_namespaced_pod(
        "labelhive-system", label_selector=f"app.kubernetes.io/instance={RELEASE}"
    )
    assert [running_on_the_node(p) for p in operator_pods.items] == [True]


def task_ids(http: httpx.Client, pid: int) -> dict[str, int]:
    page = http.get(f"/api/v1/projects/{pid}/tasks", params={"limit": 50})
    assert page.status_code == 200, page.text
    return {t["filename"]: t["id"] for t in page.json()["items"]}


def open_task(page: Page, pid: int, task_id: int) -> None:
    page.goto(f"{BASE}/#/projects/{pid}/tasks/{task_id}")
    expect(page.get_by_test_id("editor-canvas")).to_have_attribute("data-image", f"{SIZE[0]}x{SIZE[1]}")


def submit(page: Page, http: httpx.Client, pid: int, task_id: int) -> None:
    page.get_by_test_id("submit").click()
    eventually(
        lambda: http.get(f"/api/v1/projects/{pid}/tasks/{task_id}").json()["state"] == "submitted",
        f"task {task_id} submitted",
        timeout=60,
    )


def test_admin_annotates_with_mobilesam_and_exports_through_the_ingress(project, team: Team, browser) -> None:
    """The second admin of the manifest, in Chromium through the team's host: a label, 3 photos uploaded,
    click-to-segment on the first (the interactive pod), a polygon by hand on the second, MobileSAM pre-label
    on a CPU worker pod (scaled up from 0 by the queue; each defect found), the suggestion accepted on the
    third, then the export with images: the photos' bytes, each defect covered by its annotation."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    password = team.secret(f"{NAME}-app")["LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    http = ingress_client()
    sign_in(http, team)
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

        page.goto(f"{BASE}/#/projects/{pid}/labels")
        page.get_by_test_id("add-label").click()
        card = page.get_by_test_id("label-card").first
        card.get_by_test_id("name-zh").fill("焊瘤")
        card.get_by_test_id("tools").get_by_text("多边形").click()
        card.get_by_test_id("tools").get_by_text("矩形框").click()
        page.get_by_test_id("save-schema").click()
        expect(page.get_by_test_id("schema-versions")).to_contain_text("第 1 版")

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
        ids = task_ids(http, pid)

        # Click-to-segment: one click on the first photo's defect, the interactive pod answers a polygon.
        open_task(page, pid, ids["weld-1.png"])
        page.get_by_test_id("tool-segment").click()
        page.mouse.click(*to_screen(page, *center(1)))
        shapes = page.get_by_test_id("shape-list").locator("li")
        # One outline, labelled (the label allows polygons only: no companion box).
        expect(shapes.first).to_contain_text("多边形", timeout=180_000)
        expect(shapes).to_have_count(1)
        expect(shapes.first).to_contain_text("焊瘤")
        page.screenshot(path=str(ARTIFACTS / "4-click-to-segment-zh-CN.png"))
        submit(page, http, pid, ids["weld-1.png"])

        # By hand: a polygon around the second photo's defect (P, the corners, the first corner again).
        open_task(page, pid, ids["weld-2.png"])
        page.keyboard.press("p")
        x, y = center(2)
        corners = [(x - 38, y - 38), (x + 38, y - 38), (x + 38, y + 38), (x - 38, y + 38)]
        for cx, cy in [*corners, corners[0]]:
            page.mouse.click(*to_screen(page, cx, cy))
        expect(shapes).to_have_count(1)
        submit(page, http, pid, ids["weld-2.png"])

        # Pre-label all tasks with MobileSAM on a CPU worker pod, scaled up from 0 ("new tasks only" would find
        # none: submitting opened the third photo, which leased it).
        page.goto(f"{BASE}/#/projects/{pid}/prelabel")
        expect(page.get_by_test_id("tab-prelabel")).to_be_visible()
        expect(page.get_by_test_id("prelabel-unavailable")).to_have_count(0)
        page.get_by_test_id("tab-prelabel").get_by_text("全部任务").click()
        page.get_by_test_id("start-prelabel").click()
        row = page.get_by_test_id("prelabel-jobs").locator("tr.ant-table-row").first
        expect(row).to_contain_text("已完成", timeout=600_000)
        page.screenshot(path=str(ARTIFACTS / "5-prelabel-zh-CN.png"))
        for name, task_id in ids.items():
            predictions = http.get(f"/api/v1/projects/{pid}/tasks/{task_id}/predictions").json()
            n = int(name.split("-")[1].split(".")[0])
            found = [
                coverage(sh["points"], n)
                for p in predictions
                for sh in p["result"]
                if sh["type"] == "polygon"
            ]
            assert found and max(found) > 0.8, (name, found, predictions)

        # On the third photo the annotator accepts MobileSAM's suggestions (all above the threshold) and submits.
        open_task(page, pid, ids["weld-3.png"])
        expect(page.get_by_test_id("suggestions")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "6-suggestions-zh-CN.png"))
        page.get_by_test_id("suggestion-accept-all").click()
        expect(shapes).not_to_have_count(0)
        submit(page, http, pid, ids["weld-3.png"])

        page.goto(f"{BASE}/#/projects/{pid}/export")
        page.get_by_test_id("new-export").click()
        page.get_by_test_id("export-scope").get_by_text("全部任务").click()
        expect(page.get_by_test_id("export-images")).to_be_checked()
        page.get_by_test_id("start-export").click()
        history = page.get_by_test_id("export-history")
        expect(history.locator("tr.ant-table-row").first).to_contain_text("已完成", timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "7-export-zh-CN.png"))
        with page.expect_download() as download:
            history.locator("a", has_text="下载").first.click()
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
            names = archive.namelist()
            images = sorted(n for n in names if n.endswith(".png"))
            assert sorted(archive.read(n) for n in images) == sorted(PHOTOS.values()), names
            (coco_name,) = [n for n in names if n.endswith(".json")]
            coco = json.loads(archive.read(coco_name))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failed-browser-step.png"))
        raise
    finally:
        context.close()
    by_id = {i["id"]: i["file_name"].rsplit("/", 1)[-1] for i in coco["images"]}
    assert sorted(by_id.values()) == sorted(PHOTOS)
    best = {name: 0.0 for name in PHOTOS}
    for ann in coco["annotations"]:
        name = by_id[ann["image_id"]]
        n = int(name.split("-")[1].split(".")[0])
        best[name] = max([best[name], *(coverage(poly, n) for poly in coco_polygons(ann))])
    # The clicked defect, the hand-drawn square around a disk (IoU 0.83) and the accepted suggestion.
    assert best["weld-1.png"] > 0.8 and best["weld-2.png"] > 0.75 and best["weld-3.png"] > 0.8, best


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
    }, prelabel=NO_MODEL_PODS)  # fmt: skip
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
