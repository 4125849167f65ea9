"""Import through the API into PostgreSQL + SeaweedFS: uploads, hostile zips, S3 sync, URLs; resumable, idempotent."""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from dataset_files import hostile_zip, jpeg, make_zip, png
from labelhive_api.imports.models import ImportItem
from labelhive_api.imports.run import ImportRun
from labelhive_api.imports.safezip import ZipLimits
from labelhive_api.imports.settings import ImportSettings, ImportStopped
from labelhive_api.jobs.leases import claim_next
from labelhive_api.tasks.models import Task
from sqlalchemy import func, select


def job(world, project, headers, job_id):
    return world.client.get(f"/api/v1/projects/{project.id}/imports/{job_id}", headers=headers).json()


def items(world, project, headers, job_id, state=None):
    params = {"state": state} if state else {}
    return world.client.get(
        f"/api/v1/projects/{project.id}/imports/{job_id}/items", headers=headers, params=params
    ).json()["items"]


def test_hostile_zip_refuses_each_bad_file_with_a_reason_and_imports_the_rest(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    good = {"ok/a.png": png(30, 20), "ok/b.jpg": jpeg(40, 30), "ok/nested/c.png": png(10, 10, (1, 2, 3))}
    data, expected = hostile_zip(good)
    created = world.upload(project, headers, [("hostile.zip", data)])
    assert created["state"] == "queued"
    assert [o.key.rsplit("/", 1)[-1] for o in world.storage.target.list("imports/")] == [
        "hostile.zip"
    ]  # staged
    limits = ZipLimits(max_file_bytes=2 * 1024 * 1024)
    assert world.run_jobs(import_settings=ImportSettings(limits=limits, max_image_pixels=50_000_000)) == 1
    done = job(world, project, headers, created["id"])
    assert done["state"] == "finished"
    assert (done["imported"], done["refused"], done["duplicates"]) == (3, len(expected), 0)
    assert done["done"] == done["total"] == 3 + len(expected)
    refused = {
        r["name"].removeprefix("hostile.zip!/"): r["reason"]
        for r in items(world, project, headers, created["id"], "refused")
    }
    assert refused == expected
    assert all(r["detail"] for r in items(world, project, headers, created["id"], "refused"))
    # The good files are tasks whose images sit content-addressed in the source bucket.
    with world.db.sessions() as s:
        tasks = s.execute(
            select(Task.filename, Task.image, Task.width, Task.height).where(Task.project_id == project.id)
        ).all()
    assert sorted(t.filename for t in tasks) == sorted(good)
    for t in tasks:
        data = world.storage.source.get(t.image)
        assert (
            t.image
            == f"assets/sha256/{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}"
        )
    # Staged uploads are cleaned up once the job has finished.
    assert list(world.storage.target.list("imports/")) == []


def test_same_bytes_are_stored_once_and_a_reimport_creates_no_duplicates(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project, other = world.project(admin), world.project(admin)
    image = png(33, 33, (9, 9, 9))
    first = world.upload(project, headers, [("a.png", image), ("copy-of-a.png", image), ("b.png", png(5, 5))])
    again = world.upload(project, headers, [("a.png", image)])
    elsewhere = world.upload(other, headers, [("a.png", image)])
    world.run_jobs()
    assert job(world, project, headers, first["id"])["imported"] == 2
    assert job(world, project, headers, first["id"])["duplicates"] == 1
    second = job(world, project, headers, again["id"])
    assert (second["imported"], second["duplicates"]) == (0, 1)
    assert world.count(Task, project) == 2
    assert job(world, other, headers, elsewhere["id"])["imported"] == 1
    sha = hashlib.sha256(image).hexdigest()
    assert [o.key for o in world.storage.source.list(f"assets/sha256/{sha[:2]}/{sha}")] == [
        f"assets/sha256/{sha[:2]}/{sha}"
    ]  # one object, referenced by a task in each project
    with world.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Task).where(Task.asset_sha256 == sha)) == 2


def test_an_interrupted_import_resumes_without_duplicates(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    files = {f"img{i:02d}.png": png(8 + i, 8, (i, 0, 0)) for i in range(12)}
    created = world.upload(project, headers, [("batch.zip", make_zip(files))])
    claim = claim_next(world.db, world.import_kind())
    assert claim is not None and claim.job_id == created["id"]
    calls = {"n": 0}

    def crash_after_two_chunks() -> bool:
        calls["n"] += 1
        return calls["n"] <= 2

    settings = ImportSettings(chunk=4, workers=2)
    try:
        ImportRun(
            world.db, world.storage, created["id"], settings, should_continue=crash_after_two_chunks
        ).run()
        raise AssertionError("the run should have stopped")
    except ImportStopped:
        pass
    half = job(world, project, headers, created["id"])
    assert half["state"] == "running" and half["imported"] == 8 and world.count(Task, project) == 8
    # The process "died": a re-run (after the lease, or by resume) finishes the rest only.
    ImportRun(world.db, world.storage, created["id"], settings).run()
    done = job(world, project, headers, created["id"])
    assert (done["state"], done["imported"], done["duplicates"], done["total"]) == ("finished", 12, 0, 12)
    assert world.count(Task, project) == 12
    with world.db.sessions() as s:
        names = s.scalars(select(ImportItem.name).where(ImportItem.job_id == created["id"])).all()
    assert len(names) == len(set(names)) == 12


def test_s3_sync_imports_only_new_objects_on_resync(world, s3):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    client = s3.client()
    bucket = world.storage.source.bucket
    for i in range(3):
        client.put_object(Bucket=bucket, Key=f"incoming/cam1/{i}.png", Body=png(10 + i, 10))
    client.put_object(Bucket=bucket, Key="incoming/readme.txt", Body=b"hello")
    body = {"prefix": "incoming/"}
    first = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body).json()
    world.run_jobs()
    done = job(world, project, headers, first["id"])
    assert (done["imported"], done["refused"]) == (3, 1)
    client.put_object(Bucket=bucket, Key="incoming/cam1/9.png", Body=png(99, 10))
    second = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body).json()
    world.run_jobs()
    resync = job(world, project, headers, second["id"])
    assert (resync["imported"], resync["duplicates"]) == (1, 3)
    assert world.count(Task, project) == 4
    with world.db.sessions() as s:
        names = sorted(s.scalars(select(Task.filename).where(Task.project_id == project.id)))
    assert names == [
        "incoming/cam1/0.png",
        "incoming/cam1/1.png",
        "incoming/cam1/2.png",
        "incoming/cam1/9.png",
    ]


def test_url_list_import_reports_each_failure(world, tmp_path):
    (tmp_path / "a.png").write_bytes(png(12, 12))
    (tmp_path / "b.jpg").write_bytes(jpeg(20, 10))
    (tmp_path / "page.html").write_text("<html></html>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        admin = world.user(admin=True)
        headers = world.token(admin)
        project = world.project(admin)
        urls = [f"{base}/a.png", f"{base}/b.jpg", f"{base}/missing.png", f"{base}/page.html", "ftp://x/y.png"]
        created = world.client.post(
            f"/api/v1/projects/{project.id}/imports/urls", headers=headers, json={"urls": urls}
        ).json()
        world.run_jobs()
        done = job(world, project, headers, created["id"])
        assert (done["imported"], done["refused"]) == (2, 3)
        reasons = {r["name"]: r["reason"] for r in items(world, project, headers, created["id"], "refused")}
        assert reasons == {
            f"{base}/missing.png": "unreadable",
            f"{base}/page.html": "not_an_image",
            "ftp://x/y.png": "unsupported_url",
        }
        again = world.client.post(
            f"/api/v1/projects/{project.id}/imports/urls", headers=headers, json={"urls": urls[:2]}
        ).json()
        world.run_jobs()
        assert job(world, project, headers, again["id"])["duplicates"] == 2
        assert world.count(Task, project) == 2
    finally:
        server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_background_runner_runs_an_upload_to_the_end(background_world):
    world = background_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    created = world.upload(project, headers, [("x.png", png(7, 7)), ("y.png", png(8, 8))])
    done = world.wait(f"/api/v1/projects/{project.id}/imports/{created['id']}", headers)
    assert (done["state"], done["imported"]) == ("finished", 2)


def test_only_managers_import(world):
    admin = world.user(admin=True)
    project = world.project(admin)
    stranger = world.token(world.user())
    response = world.client.post(
        f"/api/v1/projects/{project.id}/imports", headers=stranger, files=[("files", ("a.png", png()))]
    )
    assert response.status_code == 404  # not a member: the project does not exist for them


def test_label_studio_json_that_points_at_its_images_fetches_them(world, s3, tmp_path):
    from labelhive_api.formats.labelstudio import ls_task
    from labelhive_api.formats.model import ImageItem, Shape

    (tmp_path / "web.png").write_bytes(png(40, 30, (1, 1, 1)))
    s3.client().put_object(
        Bucket=world.storage.source.bucket, Key="raw/cam/s3.png", Body=png(40, 30, (2, 2, 2))
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        web = f"http://127.0.0.1:{server.server_address[1]}/web.png"
        box = [Shape("bbox", "crack", x=1, y=1, w=10, h=10)]
        tasks = [
            ls_task(ImageItem("web.png", 40, 30, box), web),
            ls_task(ImageItem("s3.png", 40, 30, box), f"s3://{world.storage.source.bucket}/raw/cam/s3.png"),
            ls_task(ImageItem("gone.png", 40, 30, box), web.replace("web.png", "gone.png")),
        ]
        admin = world.user(admin=True)
        headers = world.token(admin)
        project = world.project(admin)
        import json

        created = world.upload(
            project, headers, [("export.json", json.dumps(tasks).encode())], format="labelstudio"
        )
        world.run_jobs()
        done = job(world, project, headers, created["id"])
        assert (done["imported"], done["shapes"]) == (2, 2)
        refused = {r["name"]: r["reason"] for r in items(world, project, headers, created["id"], "refused")}
        assert refused[web.replace("web.png", "gone.png")] == "unreadable"
        with world.db.sessions() as s:
            names = sorted(s.scalars(select(Task.filename).where(Task.project_id == project.id)))
        assert names == ["raw/cam/s3.png", "web.png"]  # the names the Label Studio file gives them
    finally:
        server.shutdown()
