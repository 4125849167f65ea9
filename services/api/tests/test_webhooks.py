"""Webhooks: outbox written with the event, signed async delivery, retries with backoff, delivery log."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from labelhive_api.db.base import utcnow
from labelhive_api.jobs.runner import JobRunner
from labelhive_api.webhooks.dispatcher import WebhookDispatcher
from labelhive_api.webhooks.models import WebhookDelivery
from labelhive_api.webhooks.signing import verify
from sqlalchemy import update

BOX = {"id": "s1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20}


class Receiver:
    """A real HTTP endpoint on loopback; fails the first `fail` requests, can hold requests until released."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        self.release = threading.Event()
        self.release.set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.release.wait(10)
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if len(outer.received) <= outer.fail else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def _setup(env, receiver, events=("task.submitted", "task.accepted", "task.rejected")):
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    hook = env.client.post(
        f"/api/v1/projects/{project.id}/webhooks",
        json={"url": receiver.url, "events": list(events)},
        headers=m,
    )
    assert hook.status_code == 201, hook.text
    return project, task_id, m, hook.json()


def test_signed_delivery_happens_outside_the_request(env):
    receiver = Receiver()
    receiver.release.clear()  # a receiver that hangs
    try:
        project, task_id, m, hook = _setup(env, receiver)
        r = env.client.post(
            f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=m
        )
        assert r.status_code == 201
        assert receiver.received == []  # the request finished without touching the receiver
        log = env.client.get(
            f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/deliveries", headers=m
        ).json()
        assert [(d["event"], d["status"]) for d in log] == [("task.submitted", "pending")]
        receiver.release.set()
        WebhookDispatcher(env.db, env.settings).run_once()
        headers, body = receiver.received[0]
        assert headers["x-labelhive-event"] == "task.submitted"
        assert verify(hook["secret"], body, headers["x-labelhive-signature"])
        assert not verify("wrong-secret-wrong-secret", body, headers["x-labelhive-signature"])
        payload = json.loads(body)
        assert payload["data"]["task_id"] == task_id and payload["project_id"] == project.id
        log = env.client.get(
            f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/deliveries", headers=m
        ).json()
        assert log[0]["status"] == "delivered" and log[0]["attempts"] == 1
    finally:
        receiver.close()


def test_failed_deliveries_retry_with_backoff_then_give_up(env, monkeypatch):
    receiver = Receiver(fail=2)
    try:
        project, _task_id, m, hook = _setup(env, receiver)
        env.client.post(f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/ping", headers=m)
        dispatcher = WebhookDispatcher(env.db, env.settings)
        assert dispatcher.run_once() == 1
        assert dispatcher.run_once() == 0  # not due yet: backing off
        with env.db.session() as s:
            d = s.query(WebhookDelivery).one()
            first_delay = (d.next_attempt_at - utcnow()).total_seconds()
            s.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        assert 0 < first_delay <= env.settings.webhook_backoff_seconds
        dispatcher.run_once()
        with env.db.session() as s:
            d = s.query(WebhookDelivery).one()
            second_delay = (d.next_attempt_at - utcnow()).total_seconds()
            s.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        assert second_delay > first_delay  # exponential
        dispatcher.run_once()
        base = f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/deliveries"
        (delivery,) = env.client.get(base, headers=m).json()
        assert delivery["status"] == "delivered" and delivery["attempts"] == 3
        attempts = env.client.get(f"{base}/{delivery['id']}/attempts", headers=m).json()
        assert [a["status_code"] for a in attempts] == [500, 500, 204]
        # A dead receiver: after webhook_max_attempts the delivery is marked failed.
        receiver.fail = 10_000
        monkeypatch.setattr(env.settings, "webhook_max_attempts", 2)
        env.client.post(f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/ping", headers=m)
        for _ in range(2):
            dispatcher.run_once()
            with env.db.session() as s:
                s.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        newest = env.client.get(base, headers=m).json()[0]
        assert newest["status"] == "failed" and newest["attempts"] == 2
    finally:
        receiver.close()


def test_only_subscribed_events_are_queued_and_bad_hooks_refused(env):
    receiver = Receiver()
    try:
        project, task_id, m, hook = _setup(env, receiver, events=("task.accepted",))
        env.client.post(
            f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=m
        )
        assert (
            env.client.get(
                f"/api/v1/projects/{project.id}/webhooks/{hook['id']}/deliveries", headers=m
            ).json()
            == []
        )
        bad = env.client.post(
            f"/api/v1/projects/{project.id}/webhooks",
            json={"url": "ftp://x", "events": ["task.accepted"]},
            headers=m,
        )
        assert bad.status_code == 422
        bad = env.client.post(
            f"/api/v1/projects/{project.id}/webhooks",
            json={"url": receiver.url, "events": ["nope"]},
            headers=m,
        )
        assert bad.status_code == 422
    finally:
        receiver.close()


def test_background_dispatcher_thread_delivers(committed_db, pg_settings):
    """The job runner (started by the lifespan) drains the outbox on its own."""
    import uuid

    from labelhive_api.accounts import service as accounts
    from labelhive_api.projects import service as projects
    from labelhive_api.webhooks.events import emit
    from labelhive_api.webhooks.models import Webhook

    receiver = Receiver()
    try:
        with committed_db.session() as s:
            owner = accounts.create_user(
                s, email=f"w{uuid.uuid4().hex}@x.io", password="password123", display_name="w"
            )
            project = projects.create_project(s, owner, name="hooks")
            project_id = project.id
            s.add(Webhook(project_id=project.id, url=receiver.url, secret="s" * 20, events=["*"]))
            s.flush()
            emit(s, project.id, "export.finished", {"job_id": 1})
        runner = JobRunner(
            committed_db, [], [WebhookDispatcher(committed_db, pg_settings).sweep()], poll_seconds=0.05
        )
        runner.start()

        def delivered() -> list[str]:
            with committed_db.session() as s:
                rows = s.query(WebhookDelivery.status).filter(WebhookDelivery.project_id == project_id).all()
            return [status for (status,) in rows]

        for _ in range(400):  # the signal: the outbox row is marked delivered (after the POST succeeded)
            if delivered() == ["delivered"]:
                break
            threading.Event().wait(0.05)
        runner.stop()
        assert delivered() == ["delivered"]
        assert len(receiver.received) == 1
        assert json.loads(receiver.received[0][1])["event"] == "export.finished"
        # A delivered row is done: another pass finds nothing to send, and nothing more arrives.
        assert WebhookDispatcher(committed_db, pg_settings).run_once() == 0
        assert len(receiver.received) == 1
    finally:
        receiver.close()


def test_a_submit_queues_one_delivery_per_subscribed_active_hook(any_env):
    """The submit's webhook lookup runs inside its write statement: hooks subscribed to task.submitted or to
    everything get a delivery with the event's payload; others, inactive ones and other projects' get none."""
    env = any_env
    project = env.project()
    other = env.project()
    (task_id,) = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    om = env.token(env.user("manager", other))
    base = f"/api/v1/projects/{project.id}/webhooks"

    def hook(events, headers=m, where=base):
        r = env.client.post(where, json={"url": "http://127.0.0.1:9/hook", "events": events}, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    submitted, everything, accepted, paused = (
        hook(["task.submitted"]),
        hook(["*"]),
        hook(["task.accepted", "task.rejected"]),
        hook(["task.submitted"]),
    )
    elsewhere = hook(["*"], om, f"/api/v1/projects/{other.id}/webhooks")
    assert env.client.patch(f"{base}/{paused}", json={"active": False}, headers=m).status_code == 200
    r = env.client.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations",
        json={"result": [BOX], "lead_time_ms": 5},
        headers=m,
    )
    assert r.status_code == 201, r.text
    with env.db.session() as s:
        rows = (
            s.query(WebhookDelivery)
            .filter(WebhookDelivery.project_id.in_([project.id, other.id]))
            .order_by(WebhookDelivery.webhook_id)
            .all()
        )
        queued = {
            d.webhook_id: (d.project_id, d.event, d.status, d.attempts, d.last_error, d.payload) for d in rows
        }
        assert all(d.next_attempt_at == d.created_at for d in rows)
    assert set(queued) == {submitted, everything}, (queued, accepted, paused, elsewhere)
    payload = {
        "event": "task.submitted",
        "project_id": project.id,
        "created_at": queued[submitted][5]["created_at"],
        "data": {
            "task_id": task_id,
            "annotation_id": r.json()["id"],
            "version": 1,
            "user_id": r.json()["user_id"],
            "task_state": "submitted",
        },
    }
    for hook_id in (submitted, everything):
        assert queued[hook_id] == (project.id, "task.submitted", "pending", 0, "", payload)
