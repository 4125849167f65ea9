"""Annotations: shape validation, optimistic concurrency (409), append-only history, drafts."""

from __future__ import annotations

import threading
import uuid

from labelhive_api.accounts import service as accounts
from labelhive_api.annotations import service as annotations
from labelhive_api.annotations.exceptions import VersionConflict
from labelhive_api.annotations.models import Annotation, AnnotationVersion
from labelhive_api.projects import service as projects
from labelhive_api.projects.label_schema import Label, validate_labels
from labelhive_api.projects.models import Project
from labelhive_api.tasks.models import Task
from labelhive_api.tasks.service import add_tasks

BOX = {"id": "s1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20}


def _setup(env):
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    user = env.user("annotator", project)
    h = env.token(user)
    env.client.post(f"/api/v1/projects/{project.id}/tasks/next", headers=h)
    return project, task_id, h


def test_submit_update_history_and_409(any_env):
    env = any_env
    project, task_id, h = _setup(env)
    c = env.client
    created = c.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations",
        json={"result": [BOX], "lead_time_ms": 4200},
        headers=h,
    )
    assert created.status_code == 201, created.text
    ann = created.json()
    assert ann["version"] == 1 and ann["lead_time_ms"] == 4200
    url = f"/api/v1/projects/{project.id}/annotations/{ann['id']}"
    moved = {**BOX, "x": 20}
    v2 = c.put(url, json={"version": 1, "result": [moved], "lead_time_ms": 100}, headers=h)
    assert v2.status_code == 200 and v2.json()["version"] == 2
    stale = c.put(url, json={"version": 1, "result": [BOX]}, headers=h)
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict" and stale.json()["current_version"] == 2
    assert c.get(url, headers=h).json()["result"][0]["x"] == 20  # never silently overwritten
    history = c.get(f"{url}/history", headers=h).json()
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["result"][0]["x"] == 10
    again = c.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=h
    )
    assert again.status_code == 409 and again.json()["code"] == "annotation_exists"


def test_shapes_are_validated_with_the_offending_shape_named(env):
    project, task_id, h = _setup(env)
    url = f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations"
    cases = [
        ({**BOX, "x": 630}, "outside"),
        ({"id": "p", "type": "polygon", "label": "crack", "points": [[1, 1], [2, 2]]}, "points"),
        ({**BOX, "label": "rust"}, "not in the project's label schema"),
        (
            {"id": "t", "type": "polygon", "label": "porosity", "points": [[1, 1], [2, 2], [3, 1]]},
            "does not allow",
        ),
        (
            {"id": "k", "type": "keypoints", "label": "weld", "skeleton": "seam", "points": [[1, 1, 2]]},
            "2 points",
        ),
        ({**BOX, "colour": "red"}, "colour"),
        ({**BOX, "w": "wide"}, "w"),
        ({"id": "x", "type": "circle", "label": "crack"}, "type"),
    ]
    for shape, reason in cases:
        r = env.client.post(url, json={"result": [{**BOX, "id": "ok"}, shape]}, headers=h)
        assert r.status_code == 422, (shape, r.text)
        body = r.json()
        assert body["code"] == "invalid_shape" and body["shape_index"] == 1 and reason in body["detail"], body
    dup = env.client.post(url, json={"result": [BOX, BOX]}, headers=h)
    assert "duplicate shape id" in dup.json()["detail"]
    good = [
        BOX,
        {"id": "p", "type": "polygon", "label": "crack", "points": [[1, 1], [20, 2], [3, 30]]},
        {"id": "t", "type": "tag", "label": "ok"},
        {
            "id": "k",
            "type": "keypoints",
            "label": "weld",
            "skeleton": "seam",
            "points": [[1, 1, 2], [0, 0, 0]],
        },
    ]
    assert env.client.post(url, json={"result": good}, headers=h).status_code == 201


def test_drafts_autosave_apart_from_submissions(any_env):
    env = any_env
    project, task_id, h = _setup(env)
    c = env.client
    url = f"/api/v1/projects/{project.id}/tasks/{task_id}/draft"
    assert c.get(url, headers=h).json()["code"] == "draft_not_found"
    stale = c.put(url, json={"version": 3, "result": [BOX]}, headers=h)  # no draft yet: version 0
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (
        409,
        "version_conflict",
        0,
    )
    d1 = c.put(url, json={"version": 0, "result": [BOX], "lead_time_ms": 7}, headers=h).json()
    assert (d1["version"], d1["result"], d1["lead_time_ms"]) == (1, [BOX], 7)
    assert c.put(url, json={"version": 1, "result": []}, headers=h).json()["version"] == 2
    for version in (1, 0):  # an older version, or "first draft" while one exists
        stale = c.put(url, json={"version": version, "result": [BOX]}, headers=h)
        assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    kept = c.get(url, headers=h).json()
    assert (kept["version"], kept["result"]) == (2, [])
    assert c.get(f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", headers=h).json() == []
    c.post(f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=h)
    assert c.get(url, headers=h).status_code == 404  # the submission replaced the draft


def test_annotators_cannot_touch_others_work(env):
    project, task_id, h = _setup(env)
    c = env.client
    ann = c.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=h
    ).json()
    other = env.token(env.user("annotator", project))
    url = f"/api/v1/projects/{project.id}/annotations/{ann['id']}"
    assert (
        c.put(url, json={"version": 1, "result": []}, headers=other).json()["code"] == "not_your_annotation"
    )
    assert c.get(url, headers=other).status_code == 403
    reviewer = env.token(env.user("reviewer", project))
    assert c.put(url, json={"version": 1, "result": []}, headers=reviewer).status_code == 200


def test_many_concurrent_saves_exactly_one_wins_per_version(committed_db, sample_labels):
    """Real PostgreSQL, 12 threads saving on the same base version, 5 rounds: one winner per round."""
    with committed_db.session() as s:
        owner = accounts.create_user(
            s, email=f"o{uuid.uuid4().hex}@x.io", password="password123", display_name="o", is_admin=True
        )
        labels = validate_labels([Label.model_validate(x) for x in sample_labels])
        project = projects.create_project(s, owner, name="race", labels=labels)
        (task_id,) = add_tasks(s, project.id, [{"image": "a.jpg", "width": 640, "height": 480}])
        task = s.get(Task, task_id)
        ann = annotations.create(s, project, task, annotations.Writer(owner, True), [BOX], 0)
        ann_id, project_id = ann.id, project.id
        writer = annotations.Writer(owner, True)
    for round_ in range(5):
        base = round_ + 1
        outcomes: list[str] = []
        barrier = threading.Barrier(12)

        def save(
            i: int, base: int = base, barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes
        ) -> None:
            barrier.wait()
            try:
                with committed_db.session() as s:
                    proj = s.get(Project, project_id)
                    annotations.update_result(s, proj, ann_id, writer, base, [{**BOX, "x": i}], 1)
                outcomes.append("won")
            except VersionConflict:
                outcomes.append("409")

        threads = [threading.Thread(target=save, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes.count("won") == 1, outcomes
        assert outcomes.count("409") == 11
    with committed_db.session() as s:
        assert s.get(Annotation, ann_id).version == 6
        versions = s.query(AnnotationVersion.version).filter(AnnotationVersion.annotation_id == ann_id).all()
        assert sorted(v for (v,) in versions) == [1, 2, 3, 4, 5, 6]


def test_ids_from_another_project_never_resolve(env):
    p1, p2 = env.project(), env.project()
    admin = env.user(admin=True)
    h = env.token(admin)
    c = env.client
    (t2,) = env.tasks(p2, 1)
    ann = c.post(f"/api/v1/projects/{p2.id}/tasks/{t2}/annotations", json={"result": [BOX]}, headers=h).json()
    pred = c.post(
        f"/api/v1/projects/{p2.id}/tasks/{t2}/predictions",
        json={"model_version": "m@1", "result": [BOX]},
        headers=h,
    ).json()
    assert (
        c.get(f"/api/v1/projects/{p1.id}/annotations/{ann['id']}", headers=h).json()["code"]
        == "annotation_not_found"
    )
    put = c.put(
        f"/api/v1/projects/{p1.id}/annotations/{ann['id']}", json={"version": 1, "result": []}, headers=h
    )
    assert put.status_code == 404
    review = c.post(
        f"/api/v1/projects/{p1.id}/annotations/{ann['id']}/review",
        json={"decision": "accept", "version": 1},
        headers=h,
    )
    assert review.status_code == 404
    accept = c.post(f"/api/v1/projects/{p1.id}/predictions/{pred['id']}/accept", json={}, headers=h)
    assert accept.json()["code"] == "prediction_not_found"
    assert (
        c.post(
            f"/api/v1/projects/{p1.id}/tasks/{t2}/annotations", json={"result": [BOX]}, headers=h
        ).status_code
        == 404
    )
    assert c.get(f"/api/v1/projects/{p2.id}/annotations/{ann['id']}", headers=h).json()["version"] == 1


def test_annotation_without_schema_or_on_a_full_task(env):
    project = env.project(labels=[])
    (task_id,) = env.tasks(project, 1)
    h = env.token(env.user("manager", project))
    r = env.client.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=h
    )
    assert r.status_code == 422 and r.json()["code"] == "schema_not_found"
    full = env.project()
    (tid,) = env.tasks(full, 1)
    a = env.token(env.user("annotator", full))
    m = env.token(env.user("manager", full))
    env.client.post(f"/api/v1/projects/{full.id}/tasks/next", headers=a)
    late = env.client.post(
        f"/api/v1/projects/{full.id}/tasks/{tid}/annotations", json={"result": [BOX]}, headers=m
    )
    assert late.status_code == 409 and late.json()["code"] == "task_full"
