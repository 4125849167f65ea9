"""Tasks: next-task leases, expiry, assignment, overlap, filters, keyset pagination, counts."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from labelhive_api.accounts import service as accounts
from labelhive_api.db.base import utcnow
from labelhive_api.projects import service as projects
from labelhive_api.projects.models import Membership
from labelhive_api.tasks import next_task
from labelhive_api.tasks.models import Task, TaskLease
from labelhive_api.tasks.service import add_tasks
from sqlalchemy import update

BOX = {"id": "s1", "type": "bbox", "label": "crack", "x": 1, "y": 1, "w": 5, "h": 5}


def _next(env, h, project):
    return env.client.post(f"/api/v1/projects/{project.id}/tasks/next", headers=h)


def test_next_task_gives_distinct_tasks_and_is_sticky(any_env):
    env = any_env
    project = env.project()
    env.tasks(project, 3)
    a, b = env.token(env.user("annotator", project)), env.token(env.user("annotator", project))
    ta = _next(env, a, project).json()["task"]["id"]
    tb = _next(env, b, project).json()["task"]["id"]
    assert ta != tb
    assert _next(env, a, project).json()["task"]["id"] == ta  # same lease until submitted
    counts = env.client.get(
        f"/api/v1/projects/{project.id}/tasks/counts", headers=env.token(env.user("manager", project))
    ).json()
    assert counts["counts"]["in_progress"] == 2 and counts["counts"]["new"] == 1 and counts["total"] == 3


def test_expired_lease_returns_the_task(any_env):
    env = any_env
    project = env.project()
    env.tasks(project, 1)
    a, b = env.token(env.user("annotator", project)), env.token(env.user("annotator", project))
    task_id = _next(env, a, project).json()["task"]["id"]
    nothing = _next(env, b, project)
    assert nothing.status_code == 404 and nothing.json()["code"] == "no_task_available"
    with env.db.session() as s:
        s.execute(update(TaskLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert _next(env, b, project).json()["task"]["id"] == task_id
    # The first annotator's lease is gone: their submission still counts, no slot is double-taken.
    stale = env.client.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=a
    )
    assert stale.status_code in (404, 409)


def test_release_gives_the_task_back(env):
    project = env.project()
    env.tasks(project, 1)
    a = env.token(env.user("annotator", project))
    task_id = _next(env, a, project).json()["task"]["id"]
    assert (
        env.client.post(f"/api/v1/projects/{project.id}/tasks/{task_id}/release", headers=a).status_code
        == 204
    )
    assert (
        env.client.post(f"/api/v1/projects/{project.id}/tasks/{task_id}/release", headers=a).json()["code"]
        == "task_not_leased"
    )
    b = env.token(env.user("annotator", project))
    assert _next(env, b, project).json()["task"]["id"] == task_id


def test_assigned_tasks_come_first_and_others_never_get_them(env):
    project = env.project()
    ids = env.tasks(project, 4)
    manager = env.token(env.user("manager", project))
    alice = env.user("annotator", project)
    bob = env.token(env.user("annotator", project))
    c = env.client
    batch = c.post(
        f"/api/v1/projects/{project.id}/batches", json={"name": "b1", "task_ids": ids[2:]}, headers=manager
    ).json()
    assigned = c.post(
        f"/api/v1/projects/{project.id}/batches/{batch['id']}/assign",
        json={"assignee_id": alice.id},
        headers=manager,
    )
    assert assigned.json() == {"updated": 2}
    got = _next(env, env.token(alice), project).json()["task"]
    assert got["id"] == ids[2] and got["assignee_id"] == alice.id
    seen = {_next(env, bob, project).json()["task"]["id"]}
    assert seen.isdisjoint(ids[2:])
    stranger = env.user()
    bad = c.post(
        f"/api/v1/projects/{project.id}/tasks/assign",
        json={"task_ids": ids[:1], "assignee_id": stranger.id},
        headers=manager,
    )
    assert bad.json()["code"] == "assignee_not_member"


def test_overlap_two_hands_each_task_to_two_annotators(env):
    project = env.project(overlap=2)
    (task_id,) = env.tasks(project, 1)
    users = [env.token(env.user("annotator", project)) for _ in range(3)]
    c = env.client
    assert _next(env, users[0], project).json()["task"]["id"] == task_id
    assert _next(env, users[1], project).json()["task"]["id"] == task_id
    assert _next(env, users[2], project).status_code == 404
    for h in users[:2]:
        r = c.post(
            f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [BOX]}, headers=h
        )
        assert r.status_code == 201, r.text
    task = c.get(
        f"/api/v1/projects/{project.id}/tasks/{task_id}", headers=env.token(env.user("manager", project))
    ).json()
    assert task["state"] == "submitted"
    assert _next(env, users[0], project).status_code == 404


def test_filters_and_keyset_pagination(env):
    project = env.project()
    ids = env.tasks(project, 7)
    manager = env.user("manager", project)
    h = env.token(manager)
    c = env.client
    base = f"/api/v1/projects/{project.id}/tasks"
    c.post(f"{base}/assign", json={"task_ids": ids[:3], "assignee_id": manager.id}, headers=h)
    c.post(f"{base}/{ids[0]}/annotations", json={"result": [BOX]}, headers=h)
    c.post(f"{base}/{ids[1]}/predictions", json={"model_version": "m@1", "result": [BOX]}, headers=h)
    seen, cursor = [], None
    while True:
        page = c.get(base, params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=h).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    desc = c.get(base, params={"sort": "-id", "limit": 2}, headers=h).json()
    assert [t["id"] for t in desc["items"]] == ids[:-3:-1]
    nxt = c.get(base, params={"sort": "-id", "limit": 2, "cursor": desc["next_cursor"]}, headers=h).json()
    assert [t["id"] for t in nxt["items"]] == [ids[4], ids[3]]
    assert [t["id"] for t in c.get(base, params={"state": "submitted"}, headers=h).json()["items"]] == [
        ids[0]
    ]
    assert len(c.get(base, params={"assignee": str(manager.id)}, headers=h).json()["items"]) == 3
    assert len(c.get(base, params={"assignee": "none"}, headers=h).json()["items"]) == 4
    assert [t["id"] for t in c.get(base, params={"label": "crack"}, headers=h).json()["items"]] == [ids[0]]
    assert [t["id"] for t in c.get(base, params={"has_prediction": "true"}, headers=h).json()["items"]] == [
        ids[1]
    ]
    upd = c.get(base, params={"sort": "-updated", "limit": 1}, headers=h).json()
    more = c.get(
        base, params={"sort": "-updated", "limit": 10, "cursor": upd["next_cursor"]}, headers=h
    ).json()
    assert len(more["items"]) == 6 and upd["items"][0]["id"] not in {t["id"] for t in more["items"]}
    assert c.get(base, params={"cursor": "garbage"}, headers=h).json()["code"] == "invalid_cursor"
    assert c.get(base, params={"state": "nonsense"}, headers=h).status_code == 422


def test_ids_from_another_project_are_not_found(env):
    p1, p2 = env.project(), env.project()
    (other_task,) = env.tasks(p2, 1)
    h = env.token(env.user("manager", p1))
    c = env.client
    assert c.get(f"/api/v1/projects/{p1.id}/tasks/{other_task}", headers=h).json()["code"] == "task_not_found"
    r = c.post(f"/api/v1/projects/{p1.id}/batches", json={"name": "x", "task_ids": [other_task]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "task_not_found"
    assert c.get(f"/api/v1/projects/{p1.id}/batches", headers=h).json() == []  # nothing half-written


def test_concurrent_next_task_never_hands_a_task_twice(committed_db):
    """Real PostgreSQL, real threads: FOR UPDATE SKIP LOCKED + conditional slot claim."""
    with committed_db.session() as s:
        owner = accounts.create_user(
            s, email=f"o{uuid.uuid4().hex}@x.io", password="password123", display_name="o", is_admin=True
        )
        project = projects.create_project(s, owner, name="race")
        users = []
        for i in range(8):
            u = accounts.create_user(
                s, email=f"a{i}{uuid.uuid4().hex}@x.io", password="password123", display_name="a"
            )
            s.add(Membership(project_id=project.id, user_id=u.id, role="annotator"))
            users.append(u.id)
        add_tasks(s, project.id, [{"image": f"{i}.jpg"} for i in range(20)])
        project_id = project.id
    got: dict[int, list[int]] = {}
    barrier = threading.Barrier(len(users))

    def worker(uid: int) -> None:
        barrier.wait()
        mine = []
        for _ in range(3):
            with committed_db.session() as s:
                proj = s.get(type(project), project_id)
                found = next_task.next_task(s, proj, uid, 600)
                task = found[0] if found else None
                if task is not None:
                    mine.append(task.id)
                    s.execute(
                        update(TaskLease)
                        .where(TaskLease.user_id == uid)
                        .values(expires_at=utcnow() + timedelta(days=1))
                    )
                    s.execute(update(Task).where(Task.id == task.id).values(assignee_id=uid))
            # Give the lease up so the next call draws a fresh task.
            with committed_db.session() as s:
                s.execute(update(TaskLease).where(TaskLease.user_id == uid).values(user_id=uid))
                s.query(TaskLease).filter(TaskLease.user_id == uid).delete()
        got[uid] = mine

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    handed = [t for ids in got.values() for t in ids]
    assert len(handed) == 20
    assert len(set(handed)) == len(handed)


def test_annotators_list_their_own_tasks(env):
    project = env.project()
    ids = env.tasks(project, 6)
    manager = env.token(env.user("manager", project))
    alice = env.user("annotator", project)
    a = env.token(alice)
    c = env.client
    base = f"/api/v1/projects/{project.id}/tasks"
    c.post(f"{base}/assign", json={"task_ids": [ids[4], ids[5]], "assignee_id": alice.id}, headers=manager)
    leased = c.post(f"{base}/next", headers=a).json()["task"]["id"]  # an assigned one first
    c.post(f"{base}/{leased}/annotations", json={"result": [BOX]}, headers=a)
    other = c.post(f"{base}/next", headers=a).json()["task"]["id"]
    assert c.get(base, headers=a).status_code == 403  # the full listing is for reviewers and managers
    page = c.get(f"{base}/mine", params={"limit": 1}, headers=a).json()
    seen = [t["id"] for t in page["items"]]
    while page["next_cursor"]:
        page = c.get(f"{base}/mine", params={"limit": 1, "cursor": page["next_cursor"]}, headers=a).json()
        seen += [t["id"] for t in page["items"]]
    assert seen == sorted({ids[4], ids[5], leased, other})


def test_annotators_racing_through_a_queue_finish_every_task_once(committed_db, sample_labels):
    """8 threads loop next-task -> submit on real PostgreSQL; leases expire mid-way. No errors, no double work."""
    from labelhive_api.annotations import service as annotations
    from labelhive_api.annotations.models import Annotation
    from labelhive_api.projects.label_schema import Label, validate_labels
    from labelhive_api.projects.models import Project

    with committed_db.session() as s:
        owner = accounts.create_user(
            s, email=f"o{uuid.uuid4().hex}@x.io", password="password123", display_name="o"
        )
        labels = validate_labels([Label.model_validate(x) for x in sample_labels])
        project = projects.create_project(s, owner, name="queue", labels=labels)
        users = []
        for i in range(8):
            u = accounts.create_user(
                s, email=f"q{i}{uuid.uuid4().hex}@x.io", password="password123", display_name="q"
            )
            s.add(Membership(project_id=project.id, user_id=u.id, role="annotator"))
            users.append(u)
        ids = add_tasks(
            s, project.id, [{"image": f"{i}.jpg", "width": 640, "height": 480} for i in range(40)]
        )
        project_id = project.id
    errors: list[BaseException] = []

    def annotate(user) -> None:
        try:
            for n in range(40):
                with committed_db.session() as s:
                    proj = s.get(Project, project_id)
                    # Every third lease is born expired: the task must come back to someone.
                    found = next_task.next_task(s, proj, user.id, -1 if n % 3 == 0 else 600)
                if found is None:
                    return
                if n % 3 == 0:
                    continue
                with committed_db.session() as s:
                    proj = s.get(Project, project_id)
                    task = s.get(Task, found[0].id)
                    try:
                        annotations.create(s, proj, task, annotations.Writer(s.merge(user), False), [BOX], 10)
                    except Exception as exc:  # conflicts are expected outcomes, errors are not
                        if getattr(exc, "code", None) not in ("task_full", "annotation_exists"):
                            raise
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=annotate, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with committed_db.session() as s:
        done = s.query(Annotation.task_id).filter(Annotation.project_id == project_id).all()
        states = {t.state for t in s.query(Task).filter(Task.project_id == project_id)}
    assert sorted(t for (t,) in done) == ids  # each task exactly once
    assert states == {"submitted"}


def test_embedded_sqlite_serves_concurrent_annotators(tmp_path):
    """SQLite has no row locks: concurrent next-task calls queue on BEGIN IMMEDIATE, none fails or collides."""
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import Database
    from labelhive_api.projects.models import Project
    from labelhive_api.settings import Settings

    settings = Settings(
        environment="development", database_url=f"sqlite:///{tmp_path}/embedded.db", webhook_worker=False
    )
    db = Database.from_settings(settings)
    migrate.upgrade(db.bind)
    with db.session() as s:
        owner = accounts.create_user(s, email="o@x.io", password="password123", display_name="o")
        project = projects.create_project(s, owner, name="embedded")
        users = []
        for i in range(6):
            u = accounts.create_user(s, email=f"e{i}@x.io", password="password123", display_name="e")
            s.add(Membership(project_id=project.id, user_id=u.id, role="annotator"))
            users.append(u.id)
        add_tasks(s, project.id, [{"image": f"{i}.jpg"} for i in range(12)])
        project_id = project.id
    got: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def worker(uid: int) -> None:
        barrier.wait()
        try:
            for _ in range(2):
                with db.session() as s:
                    found = next_task.next_task(s, s.get(Project, project_id), uid, 600)
                    got.append(found[0].id)
                    s.query(TaskLease).filter(TaskLease.user_id == uid).delete()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.dispose()
    assert errors == []
    assert len(got) == 12 and len(set(got)) == 12
