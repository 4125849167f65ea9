"""Golden samples (exemplar sets) on real PostgreSQL + SeaweedFS + RabbitMQ: versioned sets with thumbnails,
refusals with codes, exemplar pre-label jobs, the automatic run after an import, suggestion statistics."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from dataset_files import png
from kombu import Connection, Exchange, Queue
from labelhive_api.predictions.prelabel import queue_arguments
from PIL import Image

SQUARE = {
    "id": "s1",
    "type": "polygon",
    "label": "crack",
    "points": [[40, 40], [140, 40], [140, 140], [40, 140]],
}
BOX = {"id": "b1", "type": "bbox", "label": "crack", "x": 200, "y": 60, "w": 90, "h": 80}
TINY = {"id": "t1", "type": "bbox", "label": "crack", "x": 300, "y": 200, "w": 6, "h": 6}
DENT = {"id": "d1", "type": "bbox", "label": "dent", "x": 20, "y": 200, "w": 80, "h": 70}


def _import(world, project, headers, names):
    # Distinct bytes per name: the same bytes would be one deduplicated task.
    files = [("files", (n, png(400, 300, (sum(map(ord, n)) % 250, 90, 160)))) for n in names]
    response = world.client.post(f"/api/v1/projects/{project.id}/imports", headers=headers, files=files)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _tasks(world, project, headers):
    return sorted(
        t["id"]
        for t in world.client.get(f"/api/v1/projects/{project.id}/tasks", headers=headers).json()["items"]
    )


def _setup(world):
    admin = world.user(admin=True)
    project = world.project(admin)
    tokens = {}
    for role in ("manager", "reviewer", "annotator"):
        user = world.user()
        world.client.post(
            f"/api/v1/projects/{project.id}/members",
            json={"email": user.email, "role": role},
            headers=world.token(admin),
        ).raise_for_status()
        tokens[role] = world.token(user)
    return project, tokens


def _annotate(world, project, headers, task_id, shapes):
    r = world.client.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": shapes}, headers=headers
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _mark(world, project, headers, label, task_id, annotation_id, shape_id):
    return world.client.post(
        f"/api/v1/projects/{project.id}/exemplar-sets/{label}/exemplars",
        json={"task_id": task_id, "annotation_id": annotation_id, "shape_id": shape_id},
        headers=headers,
    )


def test_golden_samples_are_versioned_with_thumbnails_and_bad_ones_refused(world):
    project, t = _setup(world)
    _import(world, project, t["manager"], ["a.png"])
    world.run_jobs()
    (task,) = _tasks(world, project, t["manager"])
    ann = _annotate(world, project, t["manager"], task, [SQUARE, BOX, TINY, DENT])
    base = f"/api/v1/projects/{project.id}"

    first = _mark(world, project, t["manager"], "crack", task, ann, "s1")
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1 and first.json()["exemplars"][0]["has_thumbnail"] is True
    thumb = world.client.get(
        f"{base}/exemplars/{first.json()['exemplars'][0]['id']}/thumbnail", headers=t["annotator"]
    )
    assert thumb.status_code == 403  # annotators do not browse the golden set
    thumb = world.client.get(
        f"{base}/exemplars/{first.json()['exemplars'][0]['id']}/thumbnail", headers=t["reviewer"]
    )
    assert thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 160
    second = _mark(world, project, t["reviewer"], "crack", task, ann, "b1")
    assert second.status_code == 201 and second.json()["version"] == 2

    refused = {
        "annotator": _mark(world, project, t["annotator"], "crack", task, ann, "s1"),
        "too small": _mark(world, project, t["manager"], "crack", task, ann, "t1"),
        "other label": _mark(world, project, t["manager"], "crack", task, ann, "d1"),
        "twice": _mark(world, project, t["manager"], "crack", task, ann, "s1"),
        "no shape": _mark(world, project, t["manager"], "crack", task, ann, "nope"),
        "no label": _mark(world, project, t["manager"], "nolabel", task, ann, "s1"),
    }
    codes = {k: (r.status_code, r.json().get("code")) for k, r in refused.items()}
    assert codes == {
        "annotator": (403, "permission_denied"),
        "too small": (422, "exemplar_too_small"),
        "other label": (422, "exemplar_label_mismatch"),
        "twice": (409, "exemplar_duplicate"),
        "no shape": (404, "shape_not_found"),
        "no label": (422, "label_unknown"),
    }
    assert "pixels" in refused["too small"].json()["detail"]

    # An image LabelHive does not store (a URL task, no sha256): no embedding can be computed for it.
    created = world.client.post(
        f"{base}/tasks",
        json={"tasks": [{"image": "https://images.example.com/u.jpg", "width": 400, "height": 300}]},
        headers=t["manager"],
    )
    assert created.status_code == 201, created.text
    (url_task,) = created.json()["ids"]
    url_ann = _annotate(world, project, t["manager"], url_task, [SQUARE])
    unusable = _mark(world, project, t["manager"], "crack", url_task, url_ann, "s1")
    assert (unusable.status_code, unusable.json()["code"]) == (422, "exemplar_image_unusable")

    removed = world.client.delete(
        f"{base}/exemplars/{first.json()['exemplars'][0]['id']}", headers=t["manager"]
    )
    assert removed.status_code == 200 and removed.json()["version"] == 3
    assert [e["shape_id"] for e in removed.json()["exemplars"]] == ["b1"]
    at_two = world.client.get(
        f"{base}/exemplar-sets/crack", params={"version": 2}, headers=t["reviewer"]
    ).json()
    assert sorted(e["shape_id"] for e in at_two["exemplars"]) == ["b1", "s1"]
    sets = world.client.get(f"{base}/exemplar-sets", headers=t["reviewer"]).json()
    assert [(s["label"], s["version"], len(s["exemplars"])) for s in sets] == [("crack", 3, 1)]


def _queue(rabbitmq_url, name):
    return Queue(
        name,
        exchange=Exchange(""),
        routing_key=name,
        durable=True,
        queue_arguments=queue_arguments(name),
    )


def _messages(rabbitmq_url, name, n):
    out = []
    with Connection(rabbitmq_url) as conn:
        q = conn.SimpleQueue(_queue(rabbitmq_url, name))
        for _ in range(n):
            msg = q.get(timeout=10)
            out.append(json.loads(msg.body)[0][0] if isinstance(msg.body, (str, bytes)) else msg.body[0][0])
            msg.ack()
        q.close()
    return out


@pytest.fixture
def queued(world, rabbitmq, monkeypatch):
    name = f"prelabel.exemplar-{uuid.uuid4().hex[:6]}"
    monkeypatch.setattr(world.settings, "amqp_url", rabbitmq.url)
    monkeypatch.setattr(world.settings, "prelabel_queue", name)
    monkeypatch.setattr(world.settings, "worker_token", "worker-secret-token")
    return name


def test_exemplar_job_sends_the_current_sets_and_reports_per_label(world, rabbitmq, queued, contract):
    project, t = _setup(world)
    _import(world, project, t["manager"], ["a.png", "b.png", "c.png"])
    world.run_jobs()
    ref, *targets = _tasks(world, project, t["manager"])
    base = f"/api/v1/projects/{project.id}"
    none_yet = world.client.post(
        f"{base}/prelabel-jobs", json={"task_ids": targets, "mode": "exemplar"}, headers=t["manager"]
    )
    assert (none_yet.status_code, none_yet.json()["code"]) == (422, "exemplar_set_empty")
    ann = _annotate(world, project, t["manager"], ref, [SQUARE, BOX])
    assert _mark(world, project, t["manager"], "crack", ref, ann, "s1").status_code == 201
    job = world.client.post(
        f"{base}/prelabel-jobs",
        json={
            "task_ids": targets,
            "mode": "exemplar",
            "exemplar": {"labels": ["crack", "dent"], "thresholds": {"crack": 0.6}},
        },
        headers=t["manager"],
    )
    assert job.status_code == 202, job.text
    job = job.json()
    assert job["report"]["labels"]["dent"]["skipped"]["code"] == "exemplar_set_empty"
    messages = _messages(rabbitmq.url, queued, 2)
    for message in messages:
        contract("prelabel-task.v1.schema.json").validate(message)
    assert sorted(int(m["task_id"]) for m in messages) == targets
    section = messages[0]["exemplar"]
    crack = next(entry for entry in section["labels"] if entry["label"] == "crack")
    assert crack["version"] == 1 and crack["threshold"] == 0.6
    assert crack["exemplars"][0]["shape"] == {k: SQUARE[k] for k in ("type", "points")}
    assert crack["exemplars"][0]["image"]["sha256"] and crack["exemplars"][0]["image"]["key"].startswith(
        "assets/"
    )

    worker = {"Authorization": "Bearer worker-secret-token"}
    version = "mobile-sam@6dbb90523a35+ex.0a1b2c3d"
    found = {
        "id": "exemplar-1",
        "type": "polygon",
        "label": "crack",
        "points": [[10, 10], [60, 10], [60, 60]],
        "score": 0.8,
    }
    for task_id in targets:
        report = {
            "labels": [
                {
                    "label": "crack",
                    "version": 1,
                    "used": [],
                    "found": 1,
                    "refused": [{"exemplar_id": "9", "code": "exemplar_too_small", "message": "small"}],
                },
                {
                    "label": "dent",
                    "version": 0,
                    "used": [],
                    "refused": [],
                    "found": 0,
                    "skipped": {"code": "exemplar_set_empty", "message": "empty"},
                },
            ]
        }
        r = world.client.post(
            "/api/v1/prelabel/results",
            json={
                "version": 1,
                "job_id": str(job["id"]),
                "project_id": str(project.id),
                "task_id": str(task_id),
                "model": "mobile-sam",
                "model_version": version,
                "status": "done",
                "shapes": [found],
                "unmapped": [],
                "exemplar": report,
            },
            headers=worker,
        )
        assert r.status_code == 200, r.text
    done = world.client.get(f"{base}/prelabel-jobs/{job['id']}", headers=t["manager"]).json()
    assert done["state"] == "finished"
    assert done["report"]["labels"]["crack"]["found"] == 2
    assert done["report"]["labels"]["crack"]["refused"] == [
        {"exemplar_id": "9", "code": "exemplar_too_small", "message": "small"}
    ]
    assert "quality" in done["report"]
    preds = world.client.get(f"{base}/tasks/{targets[0]}/predictions", headers=t["manager"]).json()
    assert [p["model_version"] for p in preds] == [version]


def test_auto_prelabel_runs_the_exemplar_job_on_each_import(world, rabbitmq, queued):
    project, t = _setup(world)
    base = f"/api/v1/projects/{project.id}"
    _import(world, project, t["manager"], ["ref.png"])
    world.run_jobs()
    (ref,) = _tasks(world, project, t["manager"])
    ann = _annotate(world, project, t["manager"], ref, [SQUARE])
    assert _mark(world, project, t["manager"], "crack", ref, ann, "s1").status_code == 201
    patched = world.client.patch(base, json={"auto_prelabel": True}, headers=t["manager"])
    assert patched.status_code == 200 and patched.json()["auto_prelabel"] is True

    import_id = _import(world, project, t["manager"], ["new1.png", "new2.png"])
    world.run_jobs()  # with the app's automatic pre-label after each import
    imported = world.client.get(f"{base}/imports/{import_id}", headers=t["manager"]).json()
    job_id = imported["report"]["prelabel"]["job_id"]
    job = world.client.get(f"{base}/prelabel-jobs/{job_id}", headers=t["manager"]).json()
    assert (job["mode"], job["total"], job["state"]) == ("exemplar", 2, "running")
    messages = _messages(rabbitmq.url, queued, 2)
    new = sorted(set(_tasks(world, project, t["manager"])) - {ref})
    assert sorted(int(m["task_id"]) for m in messages) == new
    assert messages[0]["mode"] == "exemplar" and messages[0]["exemplar"]["labels"][0]["label"] == "crack"


def test_suggestion_precision_recall_and_accepted_share(world):
    project, t = _setup(world)
    base = f"/api/v1/projects/{project.id}"
    _import(world, project, t["manager"], ["a.png"])
    world.run_jobs()
    (task,) = _tasks(world, project, t["manager"])
    version = "mobile-sam@6dbb90523a35+ex.0a1b2c3d"
    suggested = [
        {**SQUARE, "id": "exemplar-1", "score": 0.9},
        {"id": "exemplar-1:bbox", "type": "bbox", "label": "crack", "x": 40, "y": 40, "w": 100, "h": 100},
        {**BOX, "id": "exemplar-2", "score": 0.7},
        {
            "id": "exemplar-3",
            "type": "bbox",
            "label": "crack",
            "x": 300,
            "y": 200,
            "w": 50,
            "h": 50,
            "score": 0.6,
        },
    ]
    world.client.post(
        f"{base}/tasks/{task}/predictions",
        json={"model_version": version, "result": suggested},
        headers=t["manager"],
    ).raise_for_status()
    provenance = {"model_version": version, "shape_id": "exemplar-1", "exemplar_sets": {"crack": 1}}
    _annotate(
        world,
        project,
        t["manager"],
        task,
        [
            {**SQUARE, "id": "a1", "provenance": provenance},
            {
                **BOX,
                "id": "a2",
                "x": 205,
                "provenance": {**provenance, "shape_id": "exemplar-2", "edited": True},
            },
            {"id": "a3", "type": "bbox", "label": "crack", "x": 10, "y": 200, "w": 60, "h": 60},
        ],
    )
    rows = world.client.get(f"{base}/stats/suggestions", headers=t["reviewer"]).json()["labels"]
    assert rows == [
        {
            "model_version": version,
            "label": "crack",
            "tasks": 1,
            "suggestions": 3,
            "annotations": 3,
            "matched": 2,
            "from_suggestions": 2,
            "precision": 0.6667,
            "recall": 0.6667,
            "accepted_share": 0.6667,
        }
    ]
    history = world.client.get(f"{base}/tasks/{task}/annotations", headers=t["manager"]).json()[0]
    assert history["result"][1]["provenance"]["edited"] is True
