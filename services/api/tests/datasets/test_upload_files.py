"""Browser uploads one file per request: declare, send each (a retry replaces it), start; files that never
arrived are refused as not_uploaded and the rest is imported (PostgreSQL + SeaweedFS)."""

from __future__ import annotations

import io
import os

from dataset_files import jpeg, make_zip, png
from labelhive_api.tasks.models import Task
from PIL import Image
from test_imports import items


def _noise_png(side: int = 1000) -> bytes:
    """Over the 2 MB JSON body limit: a one-file upload request must still get the upload allowance."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def _declare(world, project, h, files, **options):
    r = world.client.post(
        f"/api/v1/projects/{project.id}/imports/uploads",
        json={"files": [{"name": n, "size": len(d)} for n, d in files], **options},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _send(world, project, h, job_id, number, name, data):
    return world.client.put(
        f"/api/v1/projects/{project.id}/imports/{job_id}/files/{number}",
        files={"file": (name, data)},
        headers=h,
    )


def test_files_sent_one_by_one_import_and_a_lost_file_is_reported(world):
    admin = world.user(admin=True)
    project = world.project(admin)
    h = world.token(admin)
    files = [
        ("line3/a.png", png(color=(1, 2, 3))),
        ("line4/a.png", png(color=(4, 5, 6))),  # same base name in another folder: both kept
        ("notes.pdf", b"%PDF-1.4 not an image"),
        ("parts.zip", make_zip({"b.jpg": jpeg(), "c.png": png(color=(9, 9, 9))})),
        ("big.png", _noise_png()),
        ("lost.png", png(color=(7, 7, 7))),
    ]
    job = _declare(world, project, h, files)
    assert job["state"] == "uploading"
    assert [f["name"] for f in job["files"]] == [
        "line3/a.png",
        "line4/a.png",
        "notes.pdf",
        "parts.zip",
        "big.png",
        "lost.png",
    ]
    for number, (name, data) in enumerate(files[:5]):
        assert _send(world, project, h, job["id"], number, name, data).status_code == 204
    # a retry of a file that did arrive replaces it (idempotent per number)
    assert _send(world, project, h, job["id"], 0, *files[0]).status_code == 204
    # the wrong bytes for a number are refused
    r = _send(world, project, h, job["id"], 5, "lost.png", b"short")
    assert r.status_code == 422 and r.json()["code"] == "upload_size_mismatch"
    progress = world.client.get(f"/api/v1/projects/{project.id}/imports/{job['id']}/upload", headers=h).json()
    assert [f["uploaded"] for f in progress["files"]] == [True, True, True, True, True, False]

    started = world.client.post(f"/api/v1/projects/{project.id}/imports/{job['id']}/start", headers=h)
    assert started.status_code == 202, started.text
    world.run_jobs()
    done = world.client.get(f"/api/v1/projects/{project.id}/imports/{job['id']}", headers=h).json()
    assert done["state"] == "finished"
    assert (done["imported"], done["refused"]) == (5, 2)
    refused = {i["name"]: i["reason"] for i in items(world, project, h, job["id"], "refused")}
    assert refused == {"notes.pdf": "not_an_image", "lost.png": "not_uploaded"}
    assert world.count(Task, project) == 5
    # once started, the job takes no more files
    r = _send(world, project, h, job["id"], 5, *files[5])
    assert r.status_code == 409 and r.json()["code"] == "import_not_uploading"


def test_an_abandoned_upload_is_cancelled_and_only_managers_upload(world):
    admin = world.user(admin=True)
    project = world.project(admin)
    h = world.token(admin)
    job = _declare(world, project, h, [("a.png", png())])
    assert _send(world, project, h, job["id"], 0, "a.png", png()).status_code == 204
    r = world.client.delete(f"/api/v1/projects/{project.id}/imports/{job['id']}/upload", headers=h)
    assert r.status_code == 204
    assert world.client.get(f"/api/v1/projects/{project.id}/imports/{job['id']}", headers=h).json()[
        "state"
    ] == ("cancelled")
    assert world.run_jobs() == 0
    assert list(world.storage.target.list("imports/")) == []
    outsider = world.user()
    r = world.client.post(
        f"/api/v1/projects/{project.id}/imports/uploads",
        json={"files": [{"name": "a.png", "size": 3}]},
        headers=world.token(outsider),
    )
    assert r.status_code == 404 and r.json()["code"] == "project_not_found"
