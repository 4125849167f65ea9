"""Bulk actions from the manager's task grid: a selection by ids or by filter ("all N matching")."""

from __future__ import annotations

from labelhive_api.tasks.models import Task, TaskLease
from sqlalchemy import select


def _url(project, action: str) -> str:
    return f"/api/v1/projects/{project.id}/bulk/tasks/{action}"


def _tasks(env, ids):
    with env.session() as s:
        return {
            t.id: (t.assignee_id, t.batch_id, t.state)
            for t in s.scalars(select(Task).where(Task.id.in_(ids)))
        }


def test_select_all_matching_counts_assigns_and_batches_the_filter(env):
    project = env.project()
    manager = env.user("manager", project)
    annotator = env.user("annotator", project)
    h = env.token(manager)
    ids = env.tasks(project, 7)
    # three tasks are already someone's: "unassigned" matches the other four
    r = env.client.post(
        _url(project, "assign"),
        json={"selection": {"task_ids": ids[:3]}, "assignee_id": annotator.id},
        headers=h,
    )
    assert r.json() == {"updated": 3}
    unassigned = {"filter": {"assignee": "none"}}
    assert env.client.post(_url(project, "count"), json=unassigned, headers=h).json() == {"count": 4}

    r = env.client.post(
        _url(project, "batch"),
        json={"selection": unassigned, "name": "第二批", "assignee_id": annotator.id},
        headers=h,
    )
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["name"] == "第二批"
    after = _tasks(env, ids)
    assert {i for i, (who, b, _) in after.items() if b == batch["id"]} == set(ids[3:])
    assert all(who == annotator.id for who, _b, _s in after.values())

    # move two tasks into that batch by id
    r = env.client.post(
        _url(project, "assign"),
        json={"selection": {"task_ids": ids[:2]}, "to": "batch", "batch_id": batch["id"]},
        headers=h,
    )
    assert r.json() == {"updated": 2}
    assert _tasks(env, ids[:2])[ids[0]][1] == batch["id"]


def test_release_ends_leases_and_clears_assignees(env):
    project = env.project()
    manager = env.user("manager", project)
    annotator = env.user("annotator", project)
    ids = env.tasks(project, 2)
    ha = env.token(annotator)
    leased = env.client.post(f"/api/v1/projects/{project.id}/tasks/next", headers=ha).json()["task"]
    assert leased["state"] == "in_progress"
    h = env.token(manager)
    env.client.post(
        _url(project, "assign"), json={"selection": {"task_ids": ids}, "assignee_id": annotator.id}, headers=h
    )
    r = env.client.post(_url(project, "release"), json={"selection": {"task_ids": ids}}, headers=h)
    assert r.json() == {"updated": 2}
    after = _tasks(env, ids)
    assert all(who is None for who, _b, _s in after.values())
    assert after[leased["id"]][2] == "new"
    with env.session() as s:
        assert s.scalars(select(TaskLease).where(TaskLease.task_id.in_(ids))).all() == []


def test_bulk_delete_keeps_counts_right(env):
    project = env.project()
    manager = env.user("manager", project)
    h = env.token(manager)
    ids = env.tasks(project, 5)
    r = env.client.post(
        _url(project, "delete"), json={"selection": {"filter": {"state": ["new"]}}}, headers=h
    )
    assert r.json() == {"updated": 5}
    counts = env.client.get(f"/api/v1/projects/{project.id}/tasks/counts", headers=h).json()
    assert counts["total"] == 0
    assert _tasks(env, ids) == {}


def test_a_selection_never_reaches_another_project(env):
    mine, theirs = env.project(), env.project()
    manager = env.user("manager", mine)
    h = env.token(manager)
    other_ids = env.tasks(theirs, 2)
    env.tasks(mine, 1)
    r = env.client.post(_url(mine, "delete"), json={"selection": {"task_ids": other_ids}}, headers=h)
    assert r.status_code == 422
    assert r.json()["code"] == "task_not_found"
    # a filter only ever matches the project's own tasks
    r = env.client.post(_url(mine, "count"), json={"filter": {}}, headers=h)
    assert r.json() == {"count": 1}
    # and another project's routes refuse this manager
    r = env.client.post(_url(theirs, "delete"), json={"selection": {"filter": {}}}, headers=h)
    assert r.json()["code"] == "project_not_found"
    assert len(_tasks(env, other_ids)) == 2


def test_reviewers_count_but_do_not_change(env):
    project = env.project()
    reviewer = env.user("reviewer", project)
    h = env.token(reviewer)
    ids = env.tasks(project, 2)
    assert env.client.post(_url(project, "count"), json={"task_ids": ids}, headers=h).json() == {"count": 2}
    for action in ("assign", "release", "delete", "batch"):
        body = (
            {"selection": {"task_ids": ids}, "name": "x"}
            if action == "batch"
            else {"selection": {"task_ids": ids}}
        )
        r = env.client.post(_url(project, action), json=body, headers=h)
        assert r.status_code == 403, action
        assert r.json()["code"] == "permission_denied"


def test_a_selection_needs_exactly_one_of_ids_or_filter(env):
    project = env.project()
    h = env.token(env.user("manager", project))
    r = env.client.post(_url(project, "count"), json={"task_ids": [1], "filter": {}}, headers=h)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_failed"
    r = env.client.post(_url(project, "assign"), json={"selection": {"filter": {}}, "to": "batch"}, headers=h)
    assert r.json()["code"] == "batch_required"
