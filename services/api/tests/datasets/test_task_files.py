"""Import files of tasks by reference with pre-labels (format `tasks`): chunked bulk writes, per-item refusals,
resume without duplicates, retry after the database went away mid-chunk."""

from __future__ import annotations

import io
import json
import os
import threading
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from dataset_files import png
from labelhive_api.annotations.models import Annotation
from labelhive_api.imports.models import ImportItem
from labelhive_api.imports.run import ImportRun
from labelhive_api.imports.settings import ImportSettings, ImportStopped
from labelhive_api.jobs.leases import claim_next
from labelhive_api.jobs.runner import run_claimed
from labelhive_api.predictions.models import Prediction
from labelhive_api.stats.models import StateCount
from labelhive_api.tasks.models import Task
from sqlalchemy import func, select
from test_imports import items, job

BOX = {"id": "b1", "type": "bbox", "label": "crack", "x": 1, "y": 2, "w": 3, "h": 4}


def task_line(n: int, **extra) -> dict:
    return {
        "image": f"https://images.example.com/cam/{n:05d}.jpg",
        "width": 64,
        "height": 48,
        "predictions": [{"model_version": "detector-1", "score": 0.8, "result": [{**BOX, "id": f"b{n}"}]}],
        **extra,
    }


def jsonl(rows: list) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


def test_a_tasks_file_writes_the_good_tasks_and_reports_each_bad_one(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    rows = [task_line(n) for n in range(7)]
    rows[2] = "{not json"
    rows[4] = task_line(4, predictions=[{"model_version": "m", "result": [{**BOX, "w": -1}]}])
    rows[5] = {"image": ""}  # not a task
    rows.append(task_line(0))  # the same image again: imported once
    created = world.upload(project, headers, [("tasks.jsonl", jsonl(rows))], format="tasks")
    world.run_jobs()
    done = job(world, project, headers, created["id"])
    assert (done["state"], done["imported"], done["refused"], done["total"]) == ("finished", 4, 4, 8)
    assert done["shapes"] == 4
    refused = {
        i["name"]: (i["reason"], i["detail"])
        for i in items(world, project, headers, created["id"], "refused")
    }
    assert sorted(refused) == ["tasks.jsonl#3", "tasks.jsonl#5", "tasks.jsonl#6", "tasks.jsonl#8"]
    assert refused["tasks.jsonl#3"][0] == "invalid_json"
    assert refused["tasks.jsonl#5"][0] == "invalid_shape" and "shape 0" in refused["tasks.jsonl#5"][1]
    assert refused["tasks.jsonl#6"][0] == "invalid_task"
    assert refused["tasks.jsonl#8"][0] == "listed_twice"
    assert world.count(Task, project) == 4 and world.count(Prediction, project) == 4
    listed = world.client.get(
        f"/api/v1/projects/{project.id}/tasks", params={"has_prediction": "true"}, headers=headers
    ).json()
    assert len(listed["items"]) == 4


def test_a_resumed_tasks_import_creates_nothing_twice(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    rows = [task_line(n, annotations=[{"result": [BOX]}]) for n in range(25)]
    created = world.upload(
        project, headers, [("a.json", json.dumps({"tasks": rows}).encode())], format="tasks"
    )
    claim = claim_next(world.db, world.import_kind())
    assert claim is not None and claim.job_id == created["id"]
    calls = {"n": 0}

    def stop_after_two_chunks() -> bool:
        calls["n"] += 1
        return calls["n"] <= 2

    settings = ImportSettings(reference_chunk=10)
    with pytest.raises(ImportStopped):
        ImportRun(
            world.db, world.storage, created["id"], settings, should_continue=stop_after_two_chunks
        ).run()
    assert job(world, project, headers, created["id"])["imported"] == 20 and world.count(Task, project) == 20
    ImportRun(world.db, world.storage, created["id"], settings).run()
    done = job(world, project, headers, created["id"])
    assert (done["state"], done["imported"], done["duplicates"], done["shapes"]) == ("finished", 25, 0, 50)
    assert world.count(Task, project) == 25 and world.count(Annotation, project) == 25
    # The same file again, as a new job: the images are known, nothing new is created.
    again = world.upload(project, headers, [("a.json", json.dumps(rows).encode())], format="tasks")
    world.run_jobs()
    second = job(world, project, headers, again["id"])
    assert (second["imported"], second["duplicates"], second["shapes"]) == (0, 25, 50)
    assert world.count(Task, project) == 25 and world.count(Annotation, project) == 25
    with world.db.sessions() as s:
        states = dict(
            s.execute(select(StateCount.state, StateCount.n).where(StateCount.project_id == project.id)).all()
        )
        assert states.get("submitted") == 25 and not states.get("new")


def test_pre_labels_for_images_imported_before_go_onto_their_tasks(world):
    """A second file naming known images (checked before the write as new tasks) is planned again in the
    transaction against the existing tasks: their predictions are added, no task is made twice."""
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    bare = [{k: v for k, v in task_line(n).items() if k != "predictions"} for n in range(6)]
    first = world.upload(project, headers, [("bare.jsonl", jsonl(bare))], format="tasks")
    world.run_jobs()
    assert job(world, project, headers, first["id"])["imported"] == 6
    rows = [task_line(n) for n in range(4, 9)]  # 4 and 5 known, 6-8 new
    second = world.upload(project, headers, [("labels.jsonl", jsonl(rows))], format="tasks")
    world.run_jobs()
    done = job(world, project, headers, second["id"])
    assert (done["imported"], done["duplicates"], done["shapes"]) == (3, 2, 5)
    assert world.count(Task, project) == 9 and world.count(Prediction, project) == 5
    with world.db.sessions() as s:
        flagged = s.scalar(
            select(func.count()).where(Task.project_id == project.id, Task.has_prediction.is_(True))
        )
    assert flagged == 5


def test_an_image_listed_again_in_a_later_chunk_gets_the_pre_labels_not_a_second_task(world):
    """The next chunk is checked (and looks up known images) while the one before is written: an image of
    both is found in the write, and its second item's prediction goes onto the task the first made."""
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    rows = [task_line(n) for n in range(20)]
    rows[14] = task_line(3, predictions=[{"model_version": "detector-2", "result": [{**BOX, "id": "again"}]}])
    created = world.upload(project, headers, [("tasks.jsonl", jsonl(rows))], format="tasks")
    world.run_jobs(import_settings=ImportSettings(reference_chunk=10))
    done = job(world, project, headers, created["id"])
    assert (done["state"], done["imported"], done["duplicates"], done["refused"]) == ("finished", 19, 1, 0)
    assert world.count(Task, project) == 19 and world.count(Prediction, project) == 20
    with world.db.sessions() as s:
        versions = s.scalars(
            select(Prediction.model_version)
            .join(Task, Task.id == Prediction.task_id)
            .where(Task.project_id == project.id, Task.image == "https://images.example.com/cam/00003.jpg")
            .order_by(Prediction.model_version)
        ).all()
    assert versions == ["detector-1", "detector-2"]


def test_a_chunk_that_fails_as_a_whole_is_retried_by_the_job_system_without_duplicates(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    rows = [task_line(n) for n in range(30)]
    created = world.upload(project, headers, [("t.jsonl", jsonl(rows))], format="tasks")
    # PostgreSQL ends the second chunk's transaction the way a server shutdown does (SQLSTATE 57P01), once:
    # its tasks and predictions were inserted by then, and roll back with it.
    fail_once = f"""
        CREATE SEQUENCE fail_once_{created["id"]};
        CREATE FUNCTION fail_once_{created["id"]}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.job_id = {created["id"]} AND NEW.name = 't.jsonl#11'
             AND nextval('fail_once_{created["id"]}') = 1 THEN
            RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fail_once BEFORE INSERT ON import_item
          FOR EACH ROW EXECUTE FUNCTION fail_once_{created["id"]}();
    """
    with world.db.bind.begin() as conn:  # type: ignore[union-attr]
        conn.exec_driver_sql(fail_once)
    try:
        claim = claim_next(world.db, world.import_kind(import_settings=ImportSettings(reference_chunk=10)))
        assert claim is not None and claim.job_id == created["id"]
        run_claimed(world.db, claim)
        given_back = job(world, project, headers, created["id"])
        assert given_back["state"] == "queued"
        # The third chunk is written beside the second (PostgreSQL): it may have committed. The second's
        # tasks are gone with its transaction; what the job counts is what is there.
        assert given_back["imported"] in (10, 20) and world.count(Task, project) == given_back["imported"]
        with world.db.sessions() as s:
            eleventh = select(ImportItem.id).where(
                ImportItem.job_id == created["id"], ImportItem.name == "t.jsonl#11"
            )
            assert s.scalar(eleventh) is None
        world.run_jobs(import_settings=ImportSettings(reference_chunk=10))
    finally:
        with world.db.bind.begin() as conn:  # type: ignore[union-attr]
            conn.exec_driver_sql("DROP TRIGGER fail_once ON import_item")
    done = job(world, project, headers, created["id"])
    assert (done["state"], done["imported"], done["refused"]) == ("finished", 30, 0)
    assert world.count(Task, project) == 30 and world.count(Prediction, project) == 30
    with world.db.sessions() as s:
        names = s.scalars(select(ImportItem.name).where(ImportItem.job_id == created["id"])).all()
    assert len(names) == len(set(names)) == 30


def exif_rotated_jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, displayed turned a quarter (portrait)
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 20, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_s3_objects_imported_by_reference_get_their_size_from_a_ranged_read_and_are_served_in_place(
    world, s3
):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    client = s3.client()
    bucket = world.storage.source.bucket
    prefix = f"raw/{uuid.uuid4().hex[:8]}/"
    objects = {f"{prefix}a.png": png(30, 20), f"{prefix}b/c.jpg": exif_rotated_jpeg(40, 30)}
    for key, data in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)
    client.put_object(Bucket=bucket, Key=f"{prefix}notes.txt", Body=b"not an image")
    body = {"prefix": prefix, "reference": True}
    first = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body)
    assert first.status_code == 202, first.text
    world.run_jobs()
    done = job(world, project, headers, first.json()["id"])
    assert (done["state"], done["imported"], done["refused"]) == ("finished", 2, 1)
    assert items(world, project, headers, done["id"], "refused")[0]["reason"] == "not_an_image"
    with world.db.sessions() as s:
        tasks = {t.image: t for t in s.scalars(select(Task).where(Task.project_id == project.id))}
    assert set(tasks) == set(objects)  # in place: no copy into assets/
    assert (tasks[f"{prefix}a.png"].width, tasks[f"{prefix}a.png"].height) == (30, 20)
    rotated = tasks[f"{prefix}b/c.jpg"]
    assert (rotated.width, rotated.height, rotated.orientation) == (30, 40, 6)
    image = world.client.get(
        f"/api/v1/projects/{project.id}/tasks/{rotated.id}/image", headers=headers, follow_redirects=False
    )
    assert image.status_code == 307
    assert httpx.get(image.headers["location"]).content == objects[f"{prefix}b/c.jpg"]
    # A re-sync reads only the new object.
    client.put_object(Bucket=bucket, Key=f"{prefix}d.png", Body=png(8, 9))
    again = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body).json()
    world.run_jobs()
    resync = job(world, project, headers, again["id"])
    assert (resync["imported"], resync["duplicates"], resync["refused"]) == (1, 2, 1)
    assert world.count(Task, project) == 3


def test_url_lists_imported_by_reference_read_only_the_start_of_each_image(world, tmp_path):
    big = io.BytesIO()
    from PIL import Image

    # A large noisy PNG: its size is in the first bytes, the rest is never downloaded when ranges work.
    Image.frombytes("RGB", (700, 500), os.urandom(700 * 500 * 3)).save(big, "PNG", compress_level=0)
    (tmp_path / "big.png").write_bytes(big.getvalue())
    (tmp_path / "turned.jpg").write_bytes(exif_rotated_jpeg(40, 30))
    (tmp_path / "page.html").write_text("<html></html>")
    served: list[tuple[str, str | None]] = []

    class Ranged(SimpleHTTPRequestHandler):
        """Answers `Range: bytes=0-N` with 206 and the first N+1 bytes, as object stores and CDNs do."""

        def do_GET(self) -> None:
            served.append((self.path, self.headers.get("Range")))
            path = tmp_path / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            wanted = self.headers.get("Range", "")
            status = 200
            if wanted.startswith("bytes=0-"):
                data, status = data[: int(wanted[len("bytes=0-") :]) + 1], 206
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ranged)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        admin = world.user(admin=True)
        headers = world.token(admin)
        project = world.project(admin)
        urls = [f"{base}/big.png", f"{base}/turned.jpg", f"{base}/missing.png", f"{base}/page.html"]
        created = world.client.post(
            f"/api/v1/projects/{project.id}/imports/urls",
            headers=headers,
            json={"urls": urls, "reference": True},
        )
        assert created.status_code == 202, created.text
        world.run_jobs()
        done = job(world, project, headers, created.json()["id"])
        assert (done["imported"], done["refused"]) == (2, 2)
        reasons = {r["name"]: r["reason"] for r in items(world, project, headers, done["id"], "refused")}
        assert reasons == {f"{base}/missing.png": "unreadable", f"{base}/page.html": "not_an_image"}
        with world.db.sessions() as s:
            tasks = {t.image: t for t in s.scalars(select(Task).where(Task.project_id == project.id))}
        assert (tasks[urls[0]].width, tasks[urls[0]].height, tasks[urls[0]].filename) == (700, 500, "big.png")
        assert (tasks[urls[1]].width, tasks[urls[1]].height, tasks[urls[1]].orientation) == (30, 40, 6)
        assert all(wanted == "bytes=0-65535" for _path, wanted in served)  # never a whole image
    finally:
        server.shutdown()


def test_a_tasks_file_imported_into_a_batch_puts_its_tasks_there(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project, other = world.project(admin), world.project(admin)

    def batch(project, name: str) -> int:
        made = world.client.post(
            f"/api/v1/projects/{project.id}/batches", headers=headers, json={"name": name, "task_ids": []}
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    wave, wave2, theirs = batch(project, "wave 1"), batch(project, "wave 2"), batch(other, "theirs")
    rows = [
        task_line(1),
        {k: v for k, v in task_line(2).items() if k != "predictions"},
        task_line(3, batch_id=wave2),  # its own batch wins
        task_line(4, batch_id=theirs),  # another project's: refused, as POST /tasks answers 404
    ]
    created = world.upload(project, headers, [("t.jsonl", jsonl(rows))], format="tasks", batch_id=wave)
    world.run_jobs()
    done = job(world, project, headers, created["id"])
    assert (done["imported"], done["refused"]) == (3, 1)
    assert [(r["name"], r["reason"]) for r in items(world, project, headers, created["id"], "refused")] == [
        ("t.jsonl#4", "unknown_batch")
    ]
    with world.db.sessions() as s:
        batches = s.scalars(
            select(Task.batch_id).where(Task.project_id == project.id).order_by(Task.id)
        ).all()
    assert batches == [wave, wave, wave2]
