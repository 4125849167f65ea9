"""What the manager workspace reads and writes: project settings (lease, language, archive), the project list
with progress, members' last activity, label schema versions — and that nothing leaks across projects."""

from __future__ import annotations

from datetime import datetime, timedelta


def _h(env, user):
    return env.token(user)


def test_project_settings_round_trip_and_only_managers_change_them(any_env):
    env = any_env
    admin = env.user(admin=True)
    c, ha = env.client, _h(env, admin)
    body = {
        "name": "A厂焊缝",
        "instructions": "# 规则\n- 框住整条裂纹",
        "overlap": 2,
        "task_lease_seconds": 600,
        "default_locale": "en",
    }
    created = c.post("/api/v1/projects", json=body, headers=ha)
    assert created.status_code == 201, created.text
    p = created.json()
    assert (p["task_lease_seconds"], p["default_locale"], p["archived_at"]) == (600, "en", None)
    url = f"/api/v1/projects/{p['id']}"
    bad = c.patch(url, json={"task_lease_seconds": 5}, headers=ha)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert c.patch(url, json={"task_lease_seconds": None}, headers=ha).json()["task_lease_seconds"] is None

    from labelhive_api.projects.models import Project

    with env.db.session() as s:
        project = s.get(Project, p["id"])
        s.expunge(project)
    for role in ("annotator", "reviewer"):
        h = _h(env, env.user(role, project))
        r = c.patch(url, json={"name": "x"}, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "permission_denied"
        assert c.patch(url, json={"archived": True}, headers=h).status_code == 403
    manager = _h(env, env.user("manager", project))
    assert c.patch(url, json={"description": "线 3"}, headers=manager).json()["description"] == "线 3"
    outsider = _h(env, env.user("manager", env.project()))
    assert c.patch(url, json={"name": "x"}, headers=outsider).status_code == 404
    assert c.delete(url, headers=manager).status_code == 403  # deleting is for admins


def test_archived_project_hands_out_no_tasks_until_restored(env):
    project = env.project()
    env.tasks(project, 2)
    manager, annotator = env.user("manager", project), env.user("annotator", project)
    c = env.client
    url = f"/api/v1/projects/{project.id}"
    archived = c.patch(url, json={"archived": True}, headers=_h(env, manager)).json()
    assert archived["archived_at"] is not None
    nxt = c.post(f"{url}/tasks/next", headers=_h(env, annotator))
    assert nxt.status_code == 409 and nxt.json()["code"] == "project_archived"
    assert c.patch(url, json={"archived": False}, headers=_h(env, manager)).json()["archived_at"] is None
    assert c.post(f"{url}/tasks/next", headers=_h(env, annotator)).status_code == 200


def test_next_task_uses_the_projects_lease(env):
    project = env.project()
    env.tasks(project, 1)
    manager, annotator = env.user("manager", project), env.user("annotator", project)
    c = env.client
    url = f"/api/v1/projects/{project.id}"
    c.patch(url, json={"task_lease_seconds": 120}, headers=_h(env, manager))
    before = datetime.now().astimezone()
    out = c.post(f"{url}/tasks/next", headers=_h(env, annotator)).json()
    expires = datetime.fromisoformat(out["lease_expires_at"])
    assert timedelta(seconds=100) < expires - before < timedelta(seconds=140)


def test_project_list_shows_progress_and_only_my_projects(env):
    mine, other = env.project(), env.project()
    env.tasks(mine, 3)
    env.tasks(other, 5)
    manager = env.user("manager", mine)
    listed = env.client.get("/api/v1/projects", headers=_h(env, manager)).json()
    assert [p["id"] for p in listed] == [mine.id]
    assert listed[0]["task_counts"] == {"new": 3}
    admin_ids = {
        p["id"] for p in env.client.get("/api/v1/projects", headers=_h(env, env.user(admin=True))).json()
    }
    assert {mine.id, other.id} <= admin_ids


def test_members_last_activity_counts_this_project_only(env):
    a, b = env.project(), env.project()
    (task_a,) = env.tasks(a, 1)
    (task_b,) = env.tasks(b, 1)
    worker = env.user("annotator", a)
    manager = env.user("manager", a)
    from labelhive_api.projects.models import Membership

    with env.db.session() as s:
        s.add(Membership(project_id=b.id, user_id=worker.id, role="annotator"))
    c = env.client
    c.post(f"/api/v1/projects/{b.id}/tasks/next", headers=_h(env, worker))
    shape = {"id": "s1", "type": "bbox", "label": "crack", "x": 1, "y": 1, "w": 5, "h": 5}
    r = c.post(
        f"/api/v1/projects/{b.id}/tasks/{task_b}/annotations",
        json={"result": [shape]},
        headers=_h(env, worker),
    )
    assert r.status_code == 201, r.text
    members = {
        m["user_id"]: m for m in c.get(f"/api/v1/projects/{a.id}/members", headers=_h(env, manager)).json()
    }
    assert members[worker.id]["last_active_at"] is None  # work in project B is not shown in A
    c.post(f"/api/v1/projects/{a.id}/tasks/next", headers=_h(env, worker))
    c.post(
        f"/api/v1/projects/{a.id}/tasks/{task_a}/annotations",
        json={"result": [shape]},
        headers=_h(env, worker),
    )
    members = {
        m["user_id"]: m for m in c.get(f"/api/v1/projects/{a.id}/members", headers=_h(env, manager)).json()
    }
    assert members[worker.id]["last_active_at"] is not None
    assert c.get(f"/api/v1/projects/{b.id}/members", headers=_h(env, manager)).status_code == 404


def test_schema_versions_are_listed_newest_first_for_members_only(env):
    project = env.project()
    manager = env.user("manager", project)
    c, h = env.client, _h(env, manager)
    url = f"/api/v1/projects/{project.id}/label-schema"
    labels = c.get(url, headers=h).json()["labels"]
    labels[0]["names"]["zh-CN"] = "裂缝"
    assert c.put(url, json={"labels": labels}, headers=h).status_code == 200
    versions = c.get(f"{url}/versions", headers=h).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["labels"] == len(labels) and versions[0]["author"] == manager.display_name
    annotator = _h(env, env.user("annotator", project))
    assert c.get(f"{url}/versions", headers=annotator).status_code == 200
    outsider = _h(env, env.user("manager", env.project()))
    assert c.get(f"{url}/versions", headers=outsider).status_code == 404


def test_invite_preview_names_the_projects_default_language(env):
    project = env.project()
    manager = env.user("manager", project)
    c = env.client
    c.patch(f"/api/v1/projects/{project.id}", json={"default_locale": "en"}, headers=_h(env, manager))
    invite = c.post(
        f"/api/v1/projects/{project.id}/invites", json={"role": "annotator"}, headers=_h(env, manager)
    ).json()
    assert c.get(f"/api/v1/invites/{invite['token']}").json()["project_locale"] == "en"
