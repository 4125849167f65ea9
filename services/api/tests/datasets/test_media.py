"""Images reach browsers on every network: redirects signed per origin, proxy mode with Range/ETag, local backend."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from urllib.parse import urlsplit

import yaml
from dataset_files import make_zip, png
from labelhive_api.tasks.models import Task
from sqlalchemy import select


def imported_task(world, headers, project, image: bytes) -> Task:
    response = world.client.post(
        f"/api/v1/projects/{project.id}/imports", headers=headers, files=[("files", ("pic.png", image))]
    )
    assert response.status_code == 202, response.text
    world.run_jobs()
    with world.db.sessions() as s:
        return s.scalars(select(Task).where(Task.project_id == project.id)).one()


def test_task_image_redirects_to_a_url_signed_for_each_host_name_and_both_load(world):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    image = png(64, 32, (1, 200, 3))
    task = imported_task(world, headers, project, image)
    path = f"/api/v1/projects/{project.id}/tasks/{task.id}/image"
    seen = set()
    for host in ("127.0.0.1:8080", "localhost:8080"):
        answer = world.client.get(path, headers={**headers, "host": host}, follow_redirects=False)
        assert answer.status_code == 307
        location = answer.headers["location"]
        assert urlsplit(location).hostname == host.split(":")[0]
        seen.add(urlsplit(location).netloc)
        with urllib.request.urlopen(location, timeout=10) as fetched:
            assert fetched.read() == image
    assert len(seen) == 2
    urls = world.client.post(
        f"/api/v1/projects/{project.id}/image-urls",
        headers={**headers, "host": "localhost:8080"},
        json={"task_ids": [task.id], "thumb": 128},
    ).json()
    thumb = urls["items"][0]["thumbnail_url"]
    assert urlsplit(thumb).hostname == "localhost" and "/thumbnails/128/" in thumb
    with urllib.request.urlopen(thumb, timeout=10) as fetched:
        assert fetched.read()[:3] == b"\xff\xd8\xff"  # a JPEG thumbnail


def test_proxy_media_supports_range_etag_and_refuses_bad_signatures(local_world):
    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    image = png(80, 60)
    task = imported_task(world, headers, project, image)
    redirect = world.client.get(
        f"/api/v1/projects/{project.id}/tasks/{task.id}/image", headers=headers, follow_redirects=False
    )
    location = redirect.headers["location"]
    assert location.startswith("/api/v1/media/source/assets/sha256/")  # relative: works on every host name
    full = world.client.get(location)
    assert full.status_code == 200 and full.content == image
    assert "immutable" in full.headers["cache-control"] and full.headers["accept-ranges"] == "bytes"
    part = world.client.get(location, headers={"range": "bytes=8-15"})
    assert part.status_code == 206 and part.content == image[8:16]
    assert part.headers["content-range"] == f"bytes 8-15/{len(image)}"
    tail = world.client.get(location, headers={"range": "bytes=-4"})
    assert tail.content == image[-4:]
    assert world.client.get(location, headers={"range": f"bytes={len(image) + 5}-"}).status_code == 416
    cached = world.client.get(location, headers={"if-none-match": full.headers["etag"]})
    assert cached.status_code == 304
    assert world.client.get(location.replace("sig=", "sig=0")).status_code == 403
    assert world.client.get(location.replace("exp=", "exp=1")).status_code == 403


def test_embedded_default_sqlite_and_local_folder_import_and_export_with_images(local_world):
    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    files = {"a.png": png(20, 20), "dir/b.png": png(30, 20, (0, 0, 9))}
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": 20, "height": 20}],
        "categories": [{"id": 1, "name": "crack"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 5, 5]}],
    }
    response = world.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=headers,
        files=[("files", ("set.zip", make_zip({**files, "coco.json": json.dumps(coco).encode()})))],
        data={"format": "coco"},
    )
    assert response.status_code == 202
    world.run_jobs()
    job = world.client.get(
        f"/api/v1/projects/{project.id}/imports/{response.json()['id']}", headers=headers
    ).json()
    assert (job["imported"], job["shapes"]) == (2, 1)
    created = world.client.post(
        f"/api/v1/projects/{project.id}/exports",
        headers=headers,
        json={"format": "yolo", "with_images": True, "source": "predictions"},
    ).json()
    world.run_jobs()
    done = world.client.get(f"/api/v1/projects/{project.id}/exports/{created['id']}", headers=headers).json()
    assert done["download_url"].startswith("/api/v1/media/target/exports/")
    z = zipfile.ZipFile(io.BytesIO(world.client.get(done["download_url"]).content))
    assert yaml.safe_load(z.read("data.yaml"))["nc"] == 5
    assert sorted(n for n in z.namelist() if n.startswith("images/")) == [
        "images/train/a.png",
        "images/train/b.png",
    ]
    assert z.read("labels/train/a.txt").decode().strip() == "0 0.225 0.225 0.25 0.25"
    assert z.read("labels/train/b.txt") == b""


def test_proxy_mode_on_s3_streams_through_the_api(proxy_world):
    world = proxy_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    image = png(70, 50, (4, 5, 6))
    task = imported_task(world, headers, project, image)
    for host in ("127.0.0.1:8080", "10.0.0.5:8080"):
        location = world.client.get(
            f"/api/v1/projects/{project.id}/tasks/{task.id}/image",
            headers={**headers, "host": host},
            follow_redirects=False,
        ).headers["location"]
        assert location.startswith("/api/v1/media/source/")  # the same relative link on every network
    full = world.client.get(location)
    assert full.status_code == 200 and full.content == image and full.headers["content-type"] == "image/png"
    part = world.client.get(location, headers={"range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == image[:8]
    assert world.client.get(location, headers={"if-none-match": full.headers["etag"]}).status_code == 304
    thumb = world.client.get(
        f"/api/v1/projects/{project.id}/tasks/{task.id}/image?thumb=128", headers=headers
    )
    assert (
        thumb.status_code == 200 and thumb.content[:3] == b"\xff\xd8\xff"
    )  # followed to the proxied thumbnail


def test_an_annotator_gets_image_urls_for_the_tasks_they_may_open_and_no_others(world):
    """The list pages' image URLs follow the rule of the task routes: an annotator's assigned tasks, the one
    "next task" leased them and the ones they annotated; never another annotator's."""
    admin = world.user(admin=True)
    project = world.project(admin)
    ann, other = world.user("annotator", project), world.user("annotator", project)
    headers = world.token(ann)
    base = f"/api/v1/projects/{project.id}"
    assigned, done, leased, elsewhere = world.tasks(project, 4)
    with world.db.session() as s:
        for task_id, user in ((assigned, ann), (elsewhere, other)):
            s.get(Task, task_id).assignee_id = user.id
    # `done`: leased by "next task", then submitted; `leased`: leased and still open
    first = world.client.post(f"{base}/tasks/next", headers=headers).json()["task"]["id"]
    assert first == assigned  # assigned work comes first
    box = {"id": "b1", "type": "bbox", "label": world.labels[0]["value"], "x": 1, "y": 1, "w": 5, "h": 5}
    submitted = world.client.post(
        f"{base}/tasks/{first}/annotations", headers=headers, json={"result": [box]}
    )
    assert submitted.status_code == 201, submitted.text
    for expected in (done, leased):  # "next task" hands out one at a time: `done` is submitted first
        got = world.client.post(f"{base}/tasks/next", headers=headers).json()["task"]["id"]
        assert got == expected, (got, expected)
        if got == done:
            answer = world.client.post(
                f"{base}/tasks/{got}/annotations", headers=headers, json={"result": [box]}
            )
            assert answer.status_code == 201, answer.text
    urls = world.client.post(
        f"{base}/image-urls", headers=headers, json={"task_ids": [assigned, leased, done, elsewhere]}
    )
    assert urls.status_code == 200, urls.text
    assert [item["task_id"] for item in urls.json()["items"]] == [assigned, done, leased]
    for task_id in (assigned, done, leased):  # the same tasks the single-task route shows
        shown = world.client.get(f"{base}/tasks/{task_id}/image", headers=headers, follow_redirects=False)
        assert shown.status_code == 307
    hidden = world.client.get(f"{base}/tasks/{elsewhere}/image", headers=headers, follow_redirects=False)
    assert hidden.status_code == 404
