"""Review loop and the statistics counters it feeds."""

from __future__ import annotations

from labelhive_api.stats.counters import recount_task_states
from labelhive_api.stats.models import StateCount
from sqlalchemy import select

BOX = {"id": "s1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20}
POLY = {"id": "s2", "type": "bbox", "label": "porosity", "x": 1, "y": 1, "w": 3, "h": 3}
UNUSED = {"id": "s2", "type": "polygon", "label": "porosity", "points": [[1, 1], [9, 1], [5, 9]]}


def test_submit_reject_rework_resubmit_accept(any_env):
    env = any_env
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    annotator = env.user("annotator", project)
    a = env.token(annotator)
    r = env.token(env.user("reviewer", project))
    c = env.client
    base = f"/api/v1/projects/{project.id}"
    c.post(f"{base}/tasks/next", headers=a)
    ann = c.post(
        f"{base}/tasks/{task_id}/annotations", json={"result": [BOX], "lead_time_ms": 30000}, headers=a
    ).json()
    queue = c.get(f"{base}/reviews/queue", headers=r).json()["items"]
    assert [x["id"] for x in queue] == [ann["id"]]
    assert (
        c.post(
            f"{base}/annotations/{ann['id']}/review", json={"decision": "reject", "version": 1}, headers=r
        ).json()["code"]
        == "comment_required"
    )
    bad_shape = c.post(
        f"{base}/annotations/{ann['id']}/review",
        json={"decision": "reject", "version": 1, "shape_comments": [{"shape_id": "nope", "comment": "x"}]},
        headers=r,
    )
    assert bad_shape.json()["code"] == "unknown_shape"
    rejected = c.post(
        f"{base}/annotations/{ann['id']}/review",
        json={
            "decision": "reject",
            "version": 1,
            "comment": "框太大",
            "shape_comments": [{"shape_id": "s1", "comment": "收紧"}],
        },
        headers=r,
    )
    assert rejected.status_code == 201, rejected.text
    assert c.get(f"{base}/tasks/{task_id}", headers=a).json()["state"] == "rejected"
    assert c.get(f"{base}/reviews/queue", headers=r).json()["items"] == []
    # Rework comes first in the annotator's queue.
    env.tasks(project, 1)
    assert c.post(f"{base}/tasks/next", headers=a).json()["task"]["id"] == task_id
    reviews = c.get(f"{base}/annotations/{ann['id']}/reviews", headers=a).json()
    assert reviews[0]["shape_comments"] == [{"shape_id": "s1", "comment": "收紧"}]
    stale = c.put(f"{base}/annotations/{ann['id']}", json={"version": 1, "result": [BOX]}, headers=a)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    resubmitted = c.put(
        f"{base}/annotations/{ann['id']}",
        json={"version": 2, "result": [BOX, POLY], "lead_time_ms": 5000},
        headers=a,
    ).json()
    assert resubmitted["status"] == "submitted" and resubmitted["version"] == 4
    assert c.get(f"{base}/tasks/{task_id}", headers=a).json()["state"] == "submitted"
    # The rework lease ended with the resubmission: next-task moves on to fresh work.
    fresh = c.post(f"{base}/tasks/next", headers=a).json()["task"]
    assert fresh["id"] != task_id and fresh["state"] == "in_progress"
    c.post(f"{base}/tasks/{fresh['id']}/release", headers=a)
    twice = c.post(
        f"{base}/annotations/{ann['id']}/review", json={"decision": "accept", "version": 3}, headers=r
    )
    assert twice.status_code == 409
    ok = c.post(
        f"{base}/annotations/{ann['id']}/review", json={"decision": "accept", "version": 4}, headers=r
    )
    assert ok.status_code == 201
    assert c.get(f"{base}/tasks/{task_id}", headers=a).json()["state"] == "accepted"
    again = c.post(
        f"{base}/annotations/{ann['id']}/review", json={"decision": "accept", "version": 5}, headers=r
    )
    assert again.json()["code"] == "invalid_transition" and again.json()["current_state"] == "accepted"
    history = c.get(f"{base}/annotations/{ann['id']}/history", headers=a).json()
    assert [(v["version"], v["reason"]) for v in history] == [
        (1, "submit"),
        (2, "rejected"),
        (3, "rework"),
        (4, "resubmit"),
        (5, "accepted"),
    ]

    stats = c.get(f"{base}/stats", headers=r).json()
    assert stats["tasks"]["by_state"]["accepted"] == 1 and stats["tasks"]["by_state"]["new"] == 1
    assert stats["tasks"]["total"] == 2
    (me,) = stats["annotators"]
    assert me["user_id"] == annotator.id and me["done"] == 1
    assert me["accepted"] == 1 and me["rejected"] == 1 and me["accepted_rate"] == 0.5
    assert 27000 <= me["median_lead_time_ms"] <= 33000
    assert {x["label"]: x["shapes"] for x in stats["labels"]} == {"crack": 1, "porosity": 1}
    (day,) = stats["throughput"]
    assert day["submitted"] == 2 and day["accepted"] == 1 and day["rejected"] == 1


def test_state_counters_match_a_full_recount(env):
    project = env.project()
    ids = env.tasks(project, 5)
    m = env.token(env.user("manager", project))
    c = env.client
    base = f"/api/v1/projects/{project.id}"
    c.post(f"{base}/tasks/next", headers=m)
    c.post(f"{base}/tasks/{ids[1]}/annotations", json={"result": [BOX]}, headers=m)
    c.delete(f"{base}/tasks/{ids[4]}", headers=m)
    with env.db.session() as s:
        maintained = dict(
            s.execute(select(StateCount.state, StateCount.n).where(StateCount.project_id == project.id)).all()
        )
        recount_task_states(s, project.id)
        recounted = dict(
            s.execute(select(StateCount.state, StateCount.n).where(StateCount.project_id == project.id)).all()
        )
    assert {k: v for k, v in maintained.items() if v} == recounted
    assert recounted == {"in_progress": 1, "submitted": 1, "new": 2}
    c.delete(f"{base}/tasks/{ids[1]}", headers=m)
    assert c.get(f"{base}/stats", headers=m).json()["labels"] == []
