"""Predictions: idempotent storage, one-call accept, pre-label jobs over a real RabbitMQ, results callback."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from typing import Any

from kombu import Connection, Exchange, Queue
from labelhive_api.predictions import prelabel
from labelhive_api.predictions.prelabel import queue_arguments

BOX = {"id": "p1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20, "score": 0.9}
SHA = "ab" * 32


def test_prediction_is_idempotent_and_accepted_in_one_call(env):
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    a = env.token(env.user("annotator", project))
    c = env.client
    base = f"/api/v1/projects/{project.id}"
    first = c.post(
        f"{base}/tasks/{task_id}/predictions", json={"model_version": "import@1", "result": [BOX]}, headers=m
    )
    assert first.status_code == 201
    second = c.post(
        f"{base}/tasks/{task_id}/predictions", json={"model_version": "import@1", "result": []}, headers=m
    )
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    c.post(f"{base}/tasks/next", headers=a)
    preds = c.get(f"{base}/tasks/{task_id}/predictions", headers=a).json()
    assert len(preds) == 1
    ann = c.post(f"{base}/predictions/{preds[0]['id']}/accept", json={"lead_time_ms": 900}, headers=a)
    assert ann.status_code == 201, ann.text
    assert ann.json()["result"][0]["label"] == "crack" and ann.json()["prediction_id"] == preds[0]["id"]
    # Accepting again updates the annotator's own annotation, with its version.
    again = c.post(f"{base}/predictions/{preds[0]['id']}/accept", json={"version": 1}, headers=a)
    assert again.status_code == 201 and again.json()["version"] == 2


def test_prelabel_job_enqueues_one_message_per_task_and_counts_results(env, rabbitmq, monkeypatch, contract):
    queue = "prelabel.api-test"
    monkeypatch.setattr(env.settings, "amqp_url", rabbitmq.url)
    monkeypatch.setattr(env.settings, "prelabel_queue", queue)
    monkeypatch.setattr(env.settings, "worker_token", "worker-secret-token")
    project = env.project()
    ids = env.tasks(project, 3, asset_sha256=SHA)
    m = env.token(env.user("manager", project))
    c = env.client
    base = f"/api/v1/projects/{project.id}"
    job = c.post(
        f"{base}/prelabel-jobs",
        json={"task_ids": ids, "mode": "auto", "label_mapping": {"*": "crack"}},
        headers=m,
    )
    assert job.status_code == 202, job.text
    job = job.json()
    assert job["total"] == 3 and job["state"] == "running"
    messages, left = _consume(rabbitmq.url, queue, 3)
    assert left == 0
    tasks = [_task_of(msg) for msg in messages]
    for task in tasks:  # the API's real messages, as the worker receives them, against the contract
        contract("prelabel-task.v1.schema.json").validate(task)
    assert sorted(int(t["task_id"]) for t in tasks) == ids
    assert messages[0].headers["task"] == "labelhive.prelabel"
    assert tasks[0]["image"]["sha256"] == SHA and tasks[0]["image"]["key"].startswith("assets/")
    assert tasks[0]["label_mapping"] == {"*": "crack"} and tasks[0]["version"] == 1

    w = {"Authorization": "Bearer worker-secret-token"}

    def result(task_id, status="done", **extra):
        return {
            "version": 1,
            "job_id": str(job["id"]),
            "project_id": str(project.id),
            "task_id": str(task_id),
            "model": "mobile-sam",
            "model_version": "mobile-sam@6dbb90523a35",
            "status": status,
            "shapes": [BOX] if status == "done" else [],
            "unmapped": [],
            **extra,
        }

    key = {"Idempotency-Key": f"{ids[0]}:mobile-sam@6dbb90523a35"}
    r1 = c.post("/api/v1/prelabel/results", json=result(ids[0]), headers={**w, **key})
    assert r1.status_code == 200 and r1.json()["created"] is True
    r2 = c.post("/api/v1/prelabel/results", json=result(ids[0]), headers={**w, **key})  # redelivered
    assert r2.status_code == 200 and r2.json() == {
        "prediction_id": r1.json()["prediction_id"],
        "created": False,
    }
    c.post(
        "/api/v1/prelabel/results",
        json=result(ids[1], "failed", reason={"code": "image_unreachable", "message": "404"}),
        headers=w,
    )
    progress = c.get(f"{base}/prelabel-jobs/{job['id']}", headers=m).json()
    assert (progress["done"], progress["failed"], progress["total"], progress["state"]) == (
        1,
        1,
        3,
        "running",
    )
    c.post("/api/v1/prelabel/results", json=result(ids[2]), headers=w)
    progress = c.get(f"{base}/prelabel-jobs/{job['id']}", headers=m).json()
    assert (progress["done"], progress["failed"], progress["state"]) == (2, 1, "finished")
    assert len(c.get(f"{base}/tasks/{ids[0]}/predictions", headers=m).json()) == 1
    assert (
        c.get(f"{base}/tasks", params={"has_prediction": "true"}, headers=m).json()["items"][0]["id"]
        == ids[0]
    )
    # Bad input from the worker side.
    assert (
        c.post(
            "/api/v1/prelabel/results", json=result(ids[0]), headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert (
        c.post("/api/v1/prelabel/results", json={**result(ids[0]), "extra": 1}, headers=w).status_code == 422
    )
    other = c.post("/api/v1/prelabel/results", json={**result(ids[0]), "project_id": "999999"}, headers=w)
    assert other.status_code == 404


def test_prelabel_without_queue_is_503_and_writes_nothing(env):
    project = env.project()
    ids = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    r = env.client.post(f"/api/v1/projects/{project.id}/prelabel-jobs", json={"task_ids": ids}, headers=m)
    assert r.status_code == 503 and r.json()["code"] == "prelabel_unavailable"
    assert env.client.get(f"/api/v1/projects/{project.id}/prelabel-jobs", headers=m).json() == []


def test_box_mode_prompts_come_from_imported_boxes_and_unusable_tasks_fail_early(
    env, rabbitmq, monkeypatch, contract
):
    queue = "prelabel.api-test-box"
    monkeypatch.setattr(env.settings, "amqp_url", rabbitmq.url)
    monkeypatch.setattr(env.settings, "prelabel_queue", queue)
    project = env.project()
    (with_sha,) = env.tasks(project, 1, asset_sha256=SHA)
    (without_sha,) = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    c = env.client
    base = f"/api/v1/projects/{project.id}"
    c.post(
        f"{base}/tasks/{with_sha}/predictions",
        json={"model_version": "import@coco", "result": [BOX]},
        headers=m,
    )
    job = c.post(
        f"{base}/prelabel-jobs", json={"task_ids": [with_sha, without_sha], "mode": "box"}, headers=m
    ).json()
    assert (job["total"], job["failed"]) == (2, 1)
    (msg,), left = _consume(rabbitmq.url, queue, 1)
    assert left == 0
    task = _task_of(msg)
    contract("prelabel-task.v1.schema.json").validate(task)
    assert task["task_id"] == str(with_sha)
    assert task["prompts"] == [{"id": "p1", "class": "crack", "box": {"x": 10, "y": 10, "w": 50, "h": 20}}]
    assert task["label_mapping"]["crack"] == "crack"


def test_click_to_segment_relays_the_contract_to_the_interactive_worker(env, monkeypatch):
    """A stand-in for `labelhive-worker serve` on loopback checks the prelabel-click.v1 request it gets."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, dict]] = []

    class Worker(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.headers["Authorization"], body))
            status, answer = (
                200,
                {
                    "version": 1,
                    "model_version": "mobile-sam@6dbb90523a35",
                    "shapes": [
                        {
                            "id": "c1",
                            "type": "polygon",
                            "label": body["label"],
                            "points": [[1, 1], [9, 1], [5, 8]],
                        }
                    ],
                    "score": 0.93,
                    "embedding_cached": True,
                },
            )
            if body["points"][0][0] > 600:
                status, answer = 422, {"code": "invalid_prompt", "message": "point outside the image"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        project = env.project()
        (task_id,) = env.tasks(project, 1, asset_sha256=SHA)
        a = env.token(env.user("annotator", project))
        c = env.client
        base = f"/api/v1/projects/{project.id}"
        c.post(f"{base}/tasks/next", headers=a)
        url = f"{base}/tasks/{task_id}/segment"
        off = c.post(url, json={"points": [[5, 5, 1]], "label": "crack"}, headers=a)
        assert off.status_code == 503 and off.json()["code"] == "segment_unavailable"
        monkeypatch.setattr(env.settings, "interactive_url", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setattr(env.settings, "worker_token", "worker-secret-token")
        r = c.post(url, json={"points": [[5, 5, 1], [8, 8, 0]], "label": "crack"}, headers=a)
        assert r.status_code == 200, r.text
        assert r.json()["shapes"][0]["label"] == "crack" and r.json()["embedding_cached"] is True
        auth, request = seen[0]
        assert auth == "Bearer worker-secret-token"
        assert request["version"] == 1 and request["model"] == "mobile-sam"
        assert request["image"] == {"sha256": SHA, "key": "assets/0.jpg", "width": 640, "height": 480}
        assert request["points"] == [[5, 5, 1], [8, 8, 0]]
        bad = c.post(url, json={"points": [[700, 5, 1]], "label": "crack"}, headers=a)
        assert bad.status_code == 422 and bad.json()["reason"] == "invalid_prompt"
        assert c.post(url, json={"label": "crack"}, headers=a).status_code == 422
        assert (
            c.post(url, json={"points": [[5, 5, 1]], "label": "rust"}, headers=a).json()["code"]
            == "invalid_shape"
        )
    finally:
        server.shutdown()


def test_items_left_queued_by_a_broker_outage_are_published_by_the_next_sweep(env, rabbitmq, monkeypatch):
    """The broker was unreachable when the job was created: the job is accepted, its items wait queued, and
    the job runner's pre-label sweep publishes them once the broker is back (nobody presses "publish")."""
    queue = "prelabel.api-test-outage"
    monkeypatch.setattr(env.settings, "prelabel_queue", queue)
    monkeypatch.setattr(env.settings, "amqp_url", f"amqp://guest:guest@127.0.0.1:{_closed_port()}//")
    project = env.project()
    ids = env.tasks(project, 2, asset_sha256=SHA)
    m = env.token(env.user("manager", project))
    base = f"/api/v1/projects/{project.id}"
    created = env.client.post(f"{base}/prelabel-jobs", json={"task_ids": ids, "mode": "auto"}, headers=m)
    assert created.status_code == 202, created.text
    assert created.json()["state"] == "queued"
    assert prelabel.publish_left_over(env.db, env.settings, older_than=timedelta(0)) == 0  # still down

    monkeypatch.setattr(env.settings, "amqp_url", rabbitmq.url)
    assert prelabel.publish_left_over(env.db, env.settings, older_than=timedelta(minutes=5)) == 0  # too young
    assert prelabel.publish_left_over(env.db, env.settings, older_than=timedelta(0)) == 2
    assert prelabel.publish_left_over(env.db, env.settings, older_than=timedelta(0)) == 0  # nothing twice
    job = env.client.get(f"{base}/prelabel-jobs/{created.json()['id']}", headers=m).json()
    assert job["state"] == "running"
    messages, left = _consume(rabbitmq.url, queue, len(ids))
    assert sorted(int(_task_of(msg)["task_id"]) for msg in messages) == sorted(ids) and left == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _consume(url: str, queue: str, n: int) -> tuple[list[Any], int]:
    """Takes (and acks) n messages from the pre-label queue; also says how many are left."""
    with Connection(url) as conn:
        declared = Queue(
            queue,
            exchange=Exchange(""),
            routing_key=queue,
            durable=True,
            queue_arguments=queue_arguments(queue),
        )
        q = conn.SimpleQueue(declared)
        messages = []
        for _ in range(n):
            msg = q.get(timeout=10)
            msg.ack()
            messages.append(msg)
        left = q.qsize()
        q.close()
    return messages, left


def _task_of(msg: Any) -> dict[str, Any]:
    """The prelabel-task.v1 inside a Celery protocol-2 message."""
    body = json.loads(msg.body) if isinstance(msg.body, (str, bytes)) else msg.body
    return dict(body[0][0])
