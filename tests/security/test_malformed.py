"""Malformed input is a 4xx problem with a code, never a 500: ids beyond 64 bits, forged cursors, JSON
nested thousands deep (in a request or inside an imported COCO file)."""

from __future__ import annotations

import base64
import json


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_ids_beyond_64_bits_and_forged_cursors_are_4xx(api):
    manager = api.user()
    project = api.project(manager)
    h = api.token(manager)
    huge = 2**63
    checks = {
        f"/api/v1/projects/{huge}": "id_out_of_range",
        f"/api/v1/projects/{project.id}/tasks/{huge * 10}": "id_out_of_range",
        f"/api/v1/projects/{project.id}/tasks?batch_id={huge}": "id_out_of_range",
        f"/api/v1/projects/{project.id}/tasks?cursor=%%%": "invalid_cursor",
        f"/api/v1/projects/{project.id}/tasks?cursor={_cursor([1, {'a': 1}])}": "invalid_cursor",
        f"/api/v1/projects/{project.id}/tasks?cursor={_cursor([1, huge])}": "invalid_cursor",
        f"/api/v1/projects/{project.id}/tasks?sort=-updated&cursor={_cursor([[], 5])}": "invalid_cursor",
    }
    for url, code in checks.items():
        answer = api.client.get(url, headers=h)
        assert 400 <= answer.status_code < 500, (url, answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == code, (url, answer.text)
    body = api.client.post(
        f"/api/v1/projects/{project.id}/tasks",
        headers=h,
        json={"tasks": [{"image": "https://x.io/a.jpg", "batch_id": huge}]},
    )
    assert 400 <= body.status_code < 500, body.text


def test_json_nested_thousands_deep_is_a_4xx(api):
    manager = api.user()
    h = {**api.token(manager), "content-type": "application/json"}
    deep = "[" * 50_000 + "]" * 50_000
    answer = api.client.post("/api/v1/projects", headers=h, content=f'{{"name": "x", "labels": {deep}}}')
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_deeply_nested_coco_file_is_refused_and_the_job_finishes(api):
    manager = api.user()
    project = api.project(manager)
    h = api.token(manager)
    deep = '{"images": ' + "[" * 100_000 + "]" * 100_000 + "}"
    created = api.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=h,
        data={"format": "coco"},
        files=[("files", ("annotations.json", deep.encode(), "application/json"))],
    )
    assert created.status_code == 202
    api.run_jobs()
    done = api.job(project.id, created.json()["id"], h)
    assert done["state"] == "finished", done
    reasons = {i["name"]: i["reason"] for i in api.items(project.id, created.json()["id"], h)}
    assert reasons == {"annotations.json": "invalid_format"}
