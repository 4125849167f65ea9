"""The pre-label panel: is a queue configured, start on a grid selection, failed items with reasons."""

from __future__ import annotations

SHA = "ab" * 32


def test_status_says_when_no_queue_is_configured(env, monkeypatch):
    project = env.project()
    m = env.token(env.user("manager", project))
    url = f"/api/v1/projects/{project.id}/prelabel/status"
    assert env.client.get(url, headers=m).json()["queue_configured"] is False
    monkeypatch.setattr(env.settings, "amqp_url", "amqp://guest:guest@127.0.0.1:1//")
    assert env.client.get(url, headers=m).json()["queue_configured"] is True


def test_a_filter_selection_starts_a_job_and_failed_items_carry_their_reason(env, rabbitmq, monkeypatch):
    monkeypatch.setattr(env.settings, "amqp_url", rabbitmq.url)
    monkeypatch.setattr(env.settings, "prelabel_queue", "prelabel.panel-test")
    project = env.project()
    env.tasks(project, 2, asset_sha256=SHA)
    (no_image,) = env.tasks(project, 1)
    m = env.token(env.user("manager", project))
    base = f"/api/v1/projects/{project.id}"
    r = env.client.post(
        f"{base}/prelabel-jobs/from-selection",
        json={"selection": {"filter": {"state": ["new"]}}, "mode": "auto", "label_mapping": {"*": "crack"}},
        headers=m,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert (job["total"], job["failed"]) == (3, 1)
    items = env.client.get(f"{base}/prelabel-jobs/{job['id']}/items", headers=m).json()["items"]
    assert [(i["task_id"], i["reason"]) for i in items] == [(no_image, "malformed_message")]
    assert "sha256" in items[0]["detail"]


def test_panel_routes_stay_inside_the_project(env):
    mine, theirs = env.project(), env.project()
    m = env.token(env.user("manager", mine))
    other = env.tasks(theirs, 1)
    r = env.client.post(
        f"/api/v1/projects/{mine.id}/prelabel-jobs/from-selection",
        json={"selection": {"task_ids": other}},
        headers=m,
    )
    assert r.status_code == 422 and r.json()["code"] == "task_not_found"
    r = env.client.get(f"/api/v1/projects/{mine.id}/prelabel-jobs/999999/items", headers=m)
    assert r.json()["code"] == "prelabel_job_not_found"
    annotator = env.token(env.user("annotator", mine))
    r = env.client.get(f"/api/v1/projects/{mine.id}/prelabel/status", headers=annotator)
    assert r.status_code == 403
