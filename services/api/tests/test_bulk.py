"""The bulk write path (imports.bulk) against the interactive one, and tasks by reference with pre-labels."""

from __future__ import annotations

from typing import Any

import pytest
from labelhive_api.accounts.models import User
from labelhive_api.annotations import service as annotation_service
from labelhive_api.annotations.models import Annotation, AnnotationVersion, Draft
from labelhive_api.errors import AppError
from labelhive_api.imports.bulk import BulkWriter, Entry, PredictionIn
from labelhive_api.predictions import service as predictions
from labelhive_api.predictions.models import Prediction
from labelhive_api.projects.models import Membership, Project
from labelhive_api.stats.models import AnnotatorCount, DailyCount, LabelCount, LeadTimeBucket, StateCount
from labelhive_api.tasks.models import Task, TaskLabel
from labelhive_api.tasks.service import add_tasks
from labelhive_api.webhooks.models import Webhook, WebhookDelivery
from sqlalchemy import func, select
from sqlalchemy.orm import Session

BOX = {"id": "b1", "type": "bbox", "label": "crack", "x": 10, "y": 20, "w": 30, "h": 40}
POLY = {"id": "p1", "type": "polygon", "label": "crack", "points": [[1, 1], [50, 1], [25, 40]]}
PORE = {"id": "b2", "type": "bbox", "label": "porosity", "x": 1, "y": 2, "w": 3, "h": 4, "score": 0.5}
# Per task: the result to attach (the third is refused: its box has a negative width).
RESULTS: list[list[dict[str, Any]]] = [
    [BOX],
    [BOX, POLY, PORE],
    [{**BOX, "w": -5}],
    [PORE],
    [],
]
DROP = {"id", "project_id", "created_at", "updated_at", "task_id", "annotation_id", "next_attempt_at"}


def _world(env: Any, importer: User, other: User) -> tuple[Project, list[int]]:
    """A project (overlap 2) with five tasks; task 1 already has another annotator's submission, task 3 the
    importer's draft and task 4 a lease-free slot; webhooks listen for submissions."""
    project = env.project(overlap=2)
    ids = env.tasks(project, 5)
    with env.db.session() as s:
        s.add(Webhook(project_id=project.id, url="http://127.0.0.1:9/hook", secret="s", events=["*"]))
        task = s.get(Task, ids[1])
        assert task is not None
        writer = annotation_service.Writer(user=s.merge(other), may_edit_others=False)
        annotation_service.create(s, s.merge(project), task, writer, [PORE], lead_time_ms=1234)
        s.add(Draft(task_id=ids[3], user_id=importer.id, project_id=project.id, version=1, result=[]))
    return project, ids


def _interactive(env: Any, project: Project, ids: list[int], user: User, mode: str) -> list[str]:
    errors = []
    for task_id, result in zip(ids, RESULTS, strict=True):
        with env.db.session() as s:
            task = s.get(Task, task_id)
            assert task is not None
            try:
                if mode == "annotations":
                    writer = annotation_service.Writer(user=s.merge(user), may_edit_others=False)
                    annotation_service.create(s, s.merge(project), task, writer, result, lead_time_ms=0)
                else:
                    predictions.store(s, task, "import:coco", result, score=0.5)
            except AppError as exc:
                s.rollback()
                errors.append(exc.code)
    return errors


def _bulk(env: Any, project: Project, ids: list[int], user: User, mode: str) -> list[str]:
    entries = []
    for n, (task_id, result) in enumerate(zip(ids, RESULTS, strict=True)):
        if mode == "annotations":
            entries.append(Entry(f"t{n}", task_id, annotations=[result]))
        else:
            entries.append(Entry(f"t{n}", task_id, predictions=[PredictionIn("import:coco", result, 0.5)]))
    with env.db.session() as s:
        outcomes = BulkWriter(s.merge(project), user.id).write(s, entries)
    return [o.code for o in outcomes if o.error is not None]


def _rows(s: Session, model: Any, where: Any, order: Any, tasks: dict[int, int]) -> list[dict[str, Any]]:
    out = []
    for row in s.execute(select(model.__table__).where(where).order_by(*order)).mappings():
        values = {k: v for k, v in row.items() if k not in DROP}
        for key in ("task_id", "id"):
            if key in row and (key == "task_id" or model is Task):
                values[f"task#{key}"] = tasks[row[key]]
        if model is WebhookDelivery:
            data = dict(values["payload"]["data"])
            data["task_id"] = tasks[data["task_id"]]
            data.pop("annotation_id")
            values["payload"] = {"event": values["payload"]["event"], "data": data}
            values.pop("webhook_id")
        out.append(values)
    return out


def _snapshot(s: Session, project_id: int, ids: list[int]) -> dict[str, Any]:
    tasks = {task_id: n for n, task_id in enumerate(ids)}
    ann_ids = s.scalars(select(Annotation.id).where(Annotation.project_id == project_id)).all()
    pid = project_id
    return {
        "task": _rows(s, Task, Task.project_id == pid, [Task.id], tasks),
        "prediction": _rows(s, Prediction, Prediction.project_id == pid, [Prediction.task_id], tasks),
        "annotation": _rows(s, Annotation, Annotation.project_id == pid, [Annotation.task_id], tasks),
        "history": _rows(
            s,
            AnnotationVersion,
            AnnotationVersion.annotation_id.in_(ann_ids),
            [AnnotationVersion.annotation_id, AnnotationVersion.version],
            tasks,
        ),
        "draft": _rows(s, Draft, Draft.project_id == pid, [Draft.task_id], tasks),
        "task_label": _rows(
            s, TaskLabel, TaskLabel.project_id == pid, [TaskLabel.task_id, TaskLabel.label], tasks
        ),
        "webhook": _rows(s, WebhookDelivery, WebhookDelivery.project_id == pid, [WebhookDelivery.id], tasks),
        **{
            model.__tablename__: [
                {k: v for k, v in row.items() if k not in DROP and v}
                for row in s.execute(
                    select(model.__table__)
                    .where(model.project_id == pid)
                    .order_by(*model.__table__.primary_key.columns)
                ).mappings()
                if any(v for k, v in row.items() if k not in DROP and isinstance(v, int) and k != "user_id")
            ]
            for model in (StateCount, AnnotatorCount, LeadTimeBucket, LabelCount, DailyCount)
        },
    }


@pytest.mark.parametrize("mode", ["predictions", "annotations"])
def test_bulk_and_interactive_paths_write_the_same_rows(any_env: Any, mode: str) -> None:
    importer, other = any_env.user(), any_env.user()
    one, one_ids = _world(any_env, importer, other)
    two, two_ids = _world(any_env, importer, other)
    for project in (one, two):
        for user in (importer, other):
            with any_env.db.session() as s:
                s.add(Membership(project_id=project.id, user_id=user.id, role="annotator"))
    refused_one = _interactive(any_env, one, one_ids, importer, mode)
    refused_two = _bulk(any_env, two, two_ids, importer, mode)
    assert refused_one == refused_two == ["invalid_shape"]
    with any_env.session() as s:
        first, second = _snapshot(s, one.id, one_ids), _snapshot(s, two.id, two_ids)
    assert first["prediction" if mode == "predictions" else "annotation"]  # something was written
    for table in first:
        assert first[table] == second[table], table
    # A second run of the same import (a resumed job) adds nothing.
    assert _bulk(any_env, two, two_ids, importer, mode) == ["invalid_shape"]
    with any_env.session() as s:
        assert _snapshot(s, two.id, two_ids) == second


def recount(s: Session, project_id: int) -> dict[str, Any]:
    """Statistics recomputed from the rows, to compare with the maintained counters."""
    states = dict(
        s.execute(
            select(Task.state, func.count()).where(Task.project_id == project_id).group_by(Task.state)
        ).all()
    )
    labels: dict[str, int] = {}
    for result in s.scalars(select(Annotation.result).where(Annotation.project_id == project_id)):
        for shape in result:
            labels[shape["label"]] = labels.get(shape["label"], 0) + 1
    submitted = dict(
        s.execute(
            select(Annotation.user_id, func.count())
            .where(Annotation.project_id == project_id)
            .group_by(Annotation.user_id)
        ).all()
    )
    return {"states": states, "labels": labels, "submitted": submitted}


def counted(s: Session, project_id: int) -> dict[str, Any]:
    return {
        "states": {
            r.state: r.n
            for r in s.scalars(select(StateCount).where(StateCount.project_id == project_id))
            if r.n
        },
        "labels": {
            r.label: r.shapes
            for r in s.scalars(select(LabelCount).where(LabelCount.project_id == project_id))
            if r.shapes
        },
        "submitted": {
            r.user_id: r.submitted
            for r in s.scalars(select(AnnotatorCount).where(AnnotatorCount.project_id == project_id))
            if r.submitted
        },
    }


def test_post_tasks_by_reference_with_predictions_and_annotations(any_env: Any) -> None:
    owner = any_env.user(admin=True)
    project = any_env.project(owner)
    headers = any_env.token(owner)
    body = {
        "tasks": [
            {
                "image": "https://images.example.com/a.jpg",
                "width": 640,
                "height": 480,
                "predictions": [{"model_version": "yolo-v8", "score": 0.9, "result": [BOX, PORE]}],
            },
            {
                "image": "assets/sha256/ab/" + "ab" * 32,
                "width": 640,
                "height": 480,
                "annotations": [{"result": [POLY]}],
            },
            {"image": "https://images.example.com/c.jpg"},  # no size, no pre-labels
        ]
    }
    created = any_env.client.post(f"/api/v1/projects/{project.id}/tasks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    ids = created.json()["ids"]
    assert len(ids) == 3
    tasks = [
        any_env.client.get(f"/api/v1/projects/{project.id}/tasks/{i}", headers=headers).json() for i in ids
    ]
    assert [t["state"] for t in tasks] == ["new", "submitted", "new"]
    assert [t["has_prediction"] for t in tasks] == [True, False, False]
    listed = any_env.client.get(
        f"/api/v1/projects/{project.id}/tasks", params={"label": "crack"}, headers=headers
    ).json()
    assert [t["id"] for t in listed["items"]] == [ids[1]]
    stats = any_env.client.get(f"/api/v1/projects/{project.id}/stats", headers=headers).json()
    assert stats["tasks"]["by_state"]["submitted"] == 1 and stats["tasks"]["total"] == 3
    with any_env.session() as s:
        assert counted(s, project.id) == recount(s, project.id)
        stored = s.scalar(select(Prediction).where(Prediction.task_id == ids[0]))
        assert stored is not None and (stored.model_version, stored.score) == ("yolo-v8", 0.9)
        assert [shape["id"] for shape in stored.result] == ["b1", "b2"]


def test_post_tasks_refuses_every_bad_task_and_writes_nothing(any_env: Any) -> None:
    owner = any_env.user(admin=True)
    project = any_env.project(owner)
    headers = any_env.token(owner)
    good = {"image": "https://images.example.com/a.jpg", "width": 640, "height": 480}
    body = {
        "tasks": [
            {**good, "predictions": [{"model_version": "m", "result": [BOX]}]},
            {**good, "predictions": [{"model_version": "m", "result": [{**BOX, "w": -5}]}]},
            {**good, "annotations": [{"result": [{**BOX, "label": "no-such-label"}]}]},
        ]
    }
    refused = any_env.client.post(f"/api/v1/projects/{project.id}/tasks", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "tasks_refused"
    assert [(e["index"], e["code"]) for e in problem["errors"]] == [
        (1, "invalid_shape"),
        (2, "invalid_shape"),
    ]
    assert "no-such-label" in problem["errors"][1]["detail"]
    counts = any_env.client.get(f"/api/v1/projects/{project.id}/tasks/counts", headers=headers).json()
    assert counts["total"] == 0


def test_statistics_after_a_bulk_write_equal_a_full_recount(any_env: Any) -> None:
    importer = any_env.user()
    project = any_env.project(overlap=1)
    with any_env.db.session() as s:
        existing = add_tasks(
            s, project.id, [{"image": f"k{i}", "width": 640, "height": 480} for i in range(3)]
        )
    entries = [Entry(f"old{n}", task_id, annotations=[[BOX, PORE]]) for n, task_id in enumerate(existing)]
    entries += [
        Entry(f"new{n}", new_task={"image": f"n{n}", "width": 640, "height": 480}, annotations=[[POLY]])
        for n in range(4)
    ]
    entries += [Entry("pred", new_task={"image": "p"}, predictions=[PredictionIn("m", [BOX])])]
    with any_env.db.session() as s:
        outcomes = BulkWriter(s.merge(project), importer.id).write(s, entries)
    assert all(o.error is None for o in outcomes)
    with any_env.session() as s:
        assert counted(s, project.id) == recount(s, project.id)
        assert counted(s, project.id)["states"] == {"submitted": 7, "new": 1}


def test_post_tasks_takes_a_body_of_several_megabytes_other_json_routes_do_not(any_env: Any) -> None:
    owner = any_env.user(admin=True)
    project = any_env.project(owner)
    headers = any_env.token(owner)
    shapes = [{**BOX, "id": f"s{i}"} for i in range(16)]
    body = {
        "tasks": [
            {
                "image": f"https://images.example.com/{n}.jpg",
                "width": 640,
                "height": 480,
                "predictions": [{"model_version": "m", "result": shapes}],
            }
            for n in range(3000)
        ]
    }
    created = any_env.client.post(f"/api/v1/projects/{project.id}/tasks", json=body, headers=headers)
    assert len(created.request.content) > 3 * 1024 * 1024  # over the 2 MiB of other JSON routes
    assert created.status_code == 201, created.text[:300]
    assert len(created.json()["ids"]) == 3000
    too_big = any_env.client.post(
        f"/api/v1/projects/{project.id}/batches", json={"name": "x" * 3_000_000}, headers=headers
    )
    assert too_big.status_code == 413
