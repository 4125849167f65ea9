"""Every route declares its permission, and each role gets exactly what it should (403 otherwise)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from labelhive_api.api.deps import route_permission
from labelhive_api.security.permissions import Permission

# Written out independently of ROLE_PERMISSIONS: what each project role is meant to be able to do.
EXPECTED = {
    "annotator": {"project.view", "tasks.annotate"},
    "reviewer": {
        "project.view",
        "tasks.annotate",
        "tasks.view",
        "annotations.view",
        "review",
        "stats.view",
        "exemplars.manage",
    },
    "manager": {
        "project.view",
        "tasks.annotate",
        "tasks.view",
        "annotations.view",
        "review",
        "stats.view",
        "exemplars.manage",
        "project.edit",
        "members.manage",
        "invites.manage",
        "schema.edit",
        "tasks.manage",
        "predictions.manage",
        "prelabel.run",
        "webhooks.manage",
    },
}
EXPECTED["admin"] = EXPECTED["manager"] | {"project.delete"}
GLOBAL = {"public", "authenticated", "project.create", "platform.admin", "worker"}


def _api_routes(app):
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            for method in sorted(ctx.methods or ()):
                yield method, ctx.path, ctx.original_route


def test_every_route_declares_a_permission(env):
    undeclared = [
        f"{m} {p}" for m, p, r in _api_routes(env.client.app) if route_permission(r.dependant) is None
    ]
    assert undeclared == []
    project_scoped = [(m, p) for m, p, r in _api_routes(env.client.app) if "{project_id}" in p]
    for method, path, route in _api_routes(env.client.app):
        perm = route_permission(route.dependant)
        if (method, path) in project_scoped:
            assert perm.value not in GLOBAL, f"{method} {path} is project-scoped but declares {perm}"


def _fill(path: str, project_id: int) -> str:
    return re.sub(
        r"\{[a-z_]+\}", lambda m: str(project_id) if m.group(0) == "{project_id}" else "999999", path
    )


@pytest.mark.parametrize("role", ["annotator", "reviewer", "manager", "admin"])
def test_role_route_matrix(env, role):
    project = env.project()
    user = env.user(role, project)
    h = env.token(user)
    c = env.client
    checked = 0
    routes = sorted(
        _api_routes(c.app), key=lambda r: (r[0], r[1]) == ("DELETE", "/api/v1/projects/{project_id}")
    )
    for method, path, route in routes:  # deleting the project comes last
        perm = route_permission(route.dependant)
        if "{project_id}" not in path:
            continue
        url = _fill(path, project.id)
        response = c.request(method, url, json={}, headers=h)
        allowed = perm.value in EXPECTED[role]
        if allowed:
            body = response.json() if "json" in response.headers.get("content-type", "") else None
            code = body.get("code") if isinstance(body, dict) else None
            assert code not in ("permission_denied", "project_not_found", "not_authenticated"), (
                role,
                method,
                path,
            )
        else:
            assert response.status_code == 403, (role, method, path, response.status_code, response.text)
            assert response.json()["code"] == "permission_denied"
        checked += 1
    assert checked > 40


def test_non_members_and_anonymous(env):
    project = env.project()
    outsider = env.user()
    c = env.client
    assert (
        c.get(f"/api/v1/projects/{project.id}/tasks", headers=env.token(outsider)).json()["code"]
        == "project_not_found"
    )
    assert c.get(f"/api/v1/projects/{project.id}/tasks").status_code == 401
    assert c.post("/api/v1/projects", json={"name": "x"}, headers=env.token(outsider)).status_code == 403
    assert c.get("/api/v1/users", headers=env.token(outsider)).status_code == 403
    assert c.post("/api/v1/prelabel/results", json={}).json()["code"] == "invalid_worker_token"
    assert Permission.PUBLIC.value in GLOBAL
