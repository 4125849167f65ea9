"""Every transition and refusal of the review state machine (annotations/states.py), on PostgreSQL and SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from labelhive_api.annotations import states

BOX = {"id": "s1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20}
BOX2 = {"id": "s2", "type": "bbox", "label": "porosity", "x": 100, "y": 100, "w": 30, "h": 30}


@dataclass
class Loop:
    """One task annotated by `owner`, with a second reviewer and the project's base URL."""

    env: Any
    base: str
    task_id: int
    owner: dict[str, str]
    owner_id: int
    reviewer: dict[str, str]
    reviewer_id: int
    other_reviewer: dict[str, str]
    ann: dict[str, Any]

    def put(self, who: dict[str, str], version: int, result: list[dict[str, Any]]) -> Any:
        return self.env.client.put(
            f"{self.base}/annotations/{self.ann['id']}",
            json={"version": version, "result": result},
            headers=who,
        )

    def decide(self, who: dict[str, str], decision: str, version: int, comment: str = "") -> Any:
        return self.env.client.post(
            f"{self.base}/annotations/{self.ann['id']}/review",
            json={"decision": decision, "version": version, "comment": comment},
            headers=who,
        )

    def reopen(self, who: dict[str, str], version: int, reason: str = "标签错了") -> Any:
        return self.env.client.post(
            f"{self.base}/annotations/{self.ann['id']}/reopen",
            json={"version": version, "reason": reason},
            headers=who,
        )

    def rework(self, who: dict[str, str], version: int) -> Any:
        return self.env.client.post(
            f"{self.base}/annotations/{self.ann['id']}/rework", json={"version": version}, headers=who
        )

    def current(self) -> dict[str, Any]:
        return self.env.client.get(f"{self.base}/annotations/{self.ann['id']}", headers=self.reviewer).json()

    def task_state(self) -> str:
        return self.env.client.get(f"{self.base}/tasks/{self.task_id}", headers=self.owner).json()["state"]

    def history(self) -> list[tuple[int, str, str, int]]:
        rows = self.env.client.get(f"{self.base}/annotations/{self.ann['id']}/history", headers=self.owner)
        return [(v["version"], v["status"], v["reason"], v["author_id"]) for v in rows.json()]


@pytest.fixture
def loop(any_env: Any) -> Loop:
    env = any_env
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    # The annotator is also a reviewer: the refusals below are about ownership, not permissions.
    owner = env.user("reviewer", project)
    reviewer = env.user("reviewer", project)
    base = f"/api/v1/projects/{project.id}"
    a = env.token(owner)
    env.client.post(f"{base}/tasks/next", headers=a)
    ann = env.client.post(f"{base}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=a)
    assert ann.status_code == 201, ann.text
    return Loop(
        env,
        base,
        task_id,
        a,
        owner.id,
        env.token(reviewer),
        reviewer.id,
        env.token(env.user("reviewer", project)),
        ann.json(),
    )


def refused(response: Any, current_state: str, allowed: list[str]) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["current_state"] == current_state and current_state in body["detail"]
    assert body["allowed_actions"] == allowed
    assert response.headers["content-type"].startswith("application/problem+json")


def test_submit_records_the_first_version_with_its_author(loop: Loop) -> None:
    assert loop.ann["status"] == "submitted" and loop.ann["next_actions"] == ["save", "accept", "reject"]
    assert loop.history() == [(1, "submitted", "submit", loop.owner_id)]
    assert loop.task_state() == "submitted"


def test_saves_of_submitted_work_stay_submitted(loop: Loop) -> None:
    assert loop.put(loop.owner, 1, [BOX, BOX2]).json()["status"] == "submitted"
    assert loop.put(loop.reviewer, 2, [BOX2]).json()["status"] == "submitted"
    assert [h[1:] for h in loop.history()[1:]] == [
        ("submitted", "save", loop.owner_id),
        ("submitted", "save", loop.reviewer_id),
    ]


def test_accept_by_another_reviewer_and_never_by_the_annotator(loop: Loop) -> None:
    own = loop.decide(loop.owner, "accept", 1)
    assert own.status_code == 403 and own.json()["code"] == "own_annotation"
    assert loop.current()["status"] == "submitted"
    ok = loop.decide(loop.reviewer, "accept", 1)
    assert ok.status_code == 201 and ok.json()["reviewer_id"] == loop.reviewer_id
    assert loop.current()["status"] == "accepted" and loop.task_state() == "accepted"
    assert loop.history()[-1] == (2, "accepted", "accepted", loop.reviewer_id)


def test_reject_needs_a_comment_and_never_by_the_annotator(loop: Loop) -> None:
    assert loop.decide(loop.owner, "reject", 1, "自己").json()["code"] == "own_annotation"
    assert loop.decide(loop.reviewer, "reject", 1).json()["code"] == "comment_required"
    assert loop.decide(loop.reviewer, "reject", 1, "框太大").status_code == 201
    assert loop.current()["status"] == "rejected" and loop.task_state() == "rejected"
    assert loop.history()[-1] == (2, "rejected", "rejected", loop.reviewer_id)


def test_rework_then_resubmit(loop: Loop) -> None:
    loop.decide(loop.reviewer, "reject", 1, "框太大")
    other = loop.rework(loop.reviewer, 2)
    assert other.status_code == 403 and other.json()["code"] == "not_your_annotation"
    taken = loop.rework(loop.owner, 2)
    assert taken.status_code == 200 and taken.json()["status"] == "rework"
    assert taken.json()["next_actions"] == ["save", "resubmit"]
    assert loop.task_state() == "rejected"  # still the annotator's to fix
    refused(loop.rework(loop.owner, 3), "rework", ["resubmit"])
    back = loop.put(loop.owner, 3, [BOX2])
    assert back.json()["status"] == "submitted" and back.json()["version"] == 4
    assert loop.task_state() == "submitted"
    assert [h[1:] for h in loop.history()[2:]] == [
        ("rework", "rework", loop.owner_id),
        ("submitted", "resubmit", loop.owner_id),
    ]


def test_the_annotators_save_of_rejected_work_records_rework_and_resubmit(loop: Loop) -> None:
    loop.decide(loop.reviewer, "reject", 1, "框太大")
    saved = loop.put(loop.owner, 2, [BOX, BOX2]).json()
    assert saved["status"] == "submitted" and saved["version"] == 4
    history = loop.history()
    assert history[2] == (3, "rework", "rework", loop.owner_id)
    assert history[3] == (4, "submitted", "resubmit", loop.owner_id)
    shapes = loop.env.client.get(
        f"{loop.base}/annotations/{loop.ann['id']}/history", headers=loop.owner
    ).json()
    assert shapes[2]["result"] == [BOX]  # the rework step keeps the rejected shapes
    assert shapes[3]["result"] == [BOX, BOX2]


def test_a_reviewers_fix_keeps_rejected_and_rework_states(loop: Loop) -> None:
    loop.decide(loop.reviewer, "reject", 1, "框太大")
    assert loop.put(loop.reviewer, 2, [BOX2]).json()["status"] == "rejected"
    loop.rework(loop.owner, 3)
    assert loop.put(loop.reviewer, 4, [BOX]).json()["status"] == "rework"


def test_refusals_name_the_current_state(loop: Loop) -> None:
    refused(loop.rework(loop.owner, 1), "submitted", ["save"])
    refused(loop.reopen(loop.reviewer, 1), "submitted", ["save", "accept", "reject"])
    loop.decide(loop.reviewer, "reject", 1, "框太大")
    refused(loop.decide(loop.other_reviewer, "accept", 2), "rejected", ["save"])
    refused(loop.decide(loop.other_reviewer, "reject", 2, "再改"), "rejected", ["save"])
    refused(loop.reopen(loop.other_reviewer, 2), "rejected", ["save"])
    loop.put(loop.owner, 2, [BOX])
    loop.decide(loop.reviewer, "accept", 4)
    refused(loop.decide(loop.other_reviewer, "accept", 5), "accepted", ["reopen"])
    refused(loop.decide(loop.other_reviewer, "reject", 5, "晚了"), "accepted", ["reopen"])
    refused(loop.rework(loop.owner, 5), "accepted", [])
    assert loop.current()["version"] == 5  # nothing was written by the refusals


def test_a_write_to_accepted_work_is_refused(loop: Loop) -> None:
    loop.decide(loop.reviewer, "accept", 1)
    refused(loop.put(loop.owner, 2, [BOX, BOX2]), "accepted", [])
    refused(loop.put(loop.reviewer, 2, [BOX, BOX2]), "accepted", ["reopen"])
    assert loop.current()["result"] == [BOX] and loop.current()["status"] == "accepted"
    assert loop.task_state() == "accepted"


def test_reopen_records_who_and_why_and_the_next_write_goes_back_to_review(loop: Loop) -> None:
    loop.decide(loop.reviewer, "accept", 1)
    own = loop.reopen(loop.owner, 2)
    assert own.status_code == 403 and own.json()["code"] == "own_annotation"
    no_reason = loop.reopen(loop.reviewer, 2, "")
    assert no_reason.status_code == 422
    reopened = loop.reopen(loop.other_reviewer, 2, "标签应为气孔")
    assert reopened.status_code == 201, reopened.text
    assert loop.current()["status"] == "rework" and loop.task_state() == "rejected"
    reviews = loop.env.client.get(
        f"{loop.base}/annotations/{loop.ann['id']}/reviews", headers=loop.owner
    ).json()
    assert [(r["decision"], r["comment"]) for r in reviews] == [("accept", ""), ("reopen", "标签应为气孔")]
    assert loop.history()[-1][1:3] == ("rework", "reopen")
    assert loop.history()[-1][3] != loop.owner_id
    back = loop.put(loop.owner, 3, [BOX, BOX2])
    assert back.json()["status"] == "submitted" and loop.task_state() == "submitted"
    accepted_tasks = loop.env.client.get(
        f"{loop.base}/tasks", params={"state": "accepted"}, headers=loop.reviewer
    ).json()["items"]
    assert accepted_tasks == []  # an accepted-only export reads these tasks: the change is not in it
    assert loop.decide(loop.reviewer, "accept", 4).status_code == 201
    assert [h[2] for h in loop.history()] == ["submit", "accepted", "reopen", "resubmit", "accepted"]


def test_plain_annotators_cannot_review_or_reopen(any_env: Any) -> None:
    env = any_env
    project = env.project()
    (task_id,) = env.tasks(project, 1)
    base = f"/api/v1/projects/{project.id}"
    a = env.token(env.user("annotator", project))
    other = env.token(env.user("annotator", project))
    env.client.post(f"{base}/tasks/next", headers=a)
    ann = env.client.post(f"{base}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=a).json()
    decided = env.client.post(
        f"{base}/annotations/{ann['id']}/review", json={"decision": "accept", "version": 1}, headers=other
    )
    assert decided.status_code == 403
    reopened = env.client.post(
        f"{base}/annotations/{ann['id']}/reopen", json={"version": 1, "reason": "x"}, headers=other
    )
    assert reopened.status_code == 403


def test_the_table_is_closed() -> None:
    """Each (state, action) has at most one rule, and every state but draft can be left or is final."""
    keys = [(r.source, r.action) for r in states.RULES]
    assert len(keys) == len(set(keys))
    assert states.allowed_actions("accepted") == ["reopen"]
    assert states.allowed_actions("accepted", states.Actor.OWNER) == []
    with pytest.raises(states.InvalidTransition):
        states.transition("accepted", states.Action.SAVE, states.Actor.REVIEWER)


def test_my_work_lists_rejected_first_with_comments_then_in_progress_submitted_accepted(any_env: Any) -> None:
    env = any_env
    project = env.project()
    ids = env.tasks(project, 4)
    owner = env.user("annotator", project)
    a, r = env.token(owner), env.token(env.user("reviewer", project))
    c, base = env.client, f"/api/v1/projects/{project.id}"
    anns = []
    for task_id in ids[:3]:
        c.post(f"{base}/tasks/next", headers=a)
        anns.append(c.post(f"{base}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=a).json())
    assert c.post(f"{base}/tasks/next", headers=a).json()["task"]["id"] == ids[3]
    c.put(f"{base}/tasks/{ids[3]}/draft", json={"version": 0, "result": [BOX]}, headers=a)
    c.post(
        f"{base}/annotations/{anns[0]['id']}/review",
        json={
            "decision": "reject",
            "version": 1,
            "comment": "框太大",
            "shape_comments": [{"shape_id": "s1", "comment": "收紧"}],
        },
        headers=r,
    )
    c.post(f"{base}/annotations/{anns[2]['id']}/review", json={"decision": "accept", "version": 1}, headers=r)
    work = c.get(f"{base}/my-work", headers=a).json()
    assert work["counts"] == {"rejected": 1, "in_progress": 1, "submitted": 1, "accepted": 1}
    (rejected,) = work["groups"]["rejected"]
    assert rejected["task_id"] == ids[0] and rejected["comment"] == "框太大"
    assert rejected["shape_comments"] == [{"shape_id": "s1", "comment": "收紧"}]
    assert [i["task_id"] for i in work["groups"]["in_progress"]] == [ids[3]]
    assert work["groups"]["in_progress"][0]["status"] == "draft"
    assert [i["task_id"] for i in work["groups"]["submitted"]] == [ids[1]]
    assert [i["task_id"] for i in work["groups"]["accepted"]] == [ids[2]]
    assert list(work["groups"]) == ["rejected", "in_progress", "submitted", "accepted"]
    other = c.get(f"{base}/my-work", headers=r).json()
    assert other["counts"] == {"rejected": 0, "in_progress": 0, "submitted": 0, "accepted": 0}


def test_editor_features_say_whether_smart_select_has_a_worker(env: Any) -> None:
    project = env.project()
    a = env.token(env.user("annotator", project))
    got = env.client.get(f"/api/v1/projects/{project.id}/editor-features", headers=a)
    assert got.json() == {"smart_select": False}


def test_next_task_never_serves_a_skipped_task(any_env: Any) -> None:
    env = any_env
    project = env.project()
    ids = env.tasks(project, 3)
    a = env.token(env.user("annotator", project))
    base = f"/api/v1/projects/{project.id}"
    first = env.client.post(f"{base}/tasks/next", headers=a).json()["task"]["id"]
    assert first == ids[0]
    env.client.post(f"{base}/tasks/{first}/release", headers=a)
    skipped = env.client.post(f"{base}/tasks/next", params={"skip": [first]}, headers=a).json()["task"]["id"]
    assert skipped == ids[1]
    env.client.post(f"{base}/tasks/{skipped}/release", headers=a)
    last = env.client.post(f"{base}/tasks/next", params={"skip": [first, skipped]}, headers=a)
    assert last.json()["task"]["id"] == ids[2]
