"""Accounts: login/logout cookies, API tokens, rate limits, CSRF behind proxies, invites, bootstrap admin."""

from __future__ import annotations

from datetime import timedelta

from labelhive_api.accounts import service as accounts
from labelhive_api.accounts.models import Invite, User
from labelhive_api.db.base import utcnow
from labelhive_harness.api_world import PASSWORD
from sqlalchemy import update


def _login(c, email, password=PASSWORD, **headers):
    return c.post("/api/v1/auth/login", json={"email": email, "password": password}, headers=headers)


def test_login_sets_httponly_samesite_cookie_and_logout_ends_session(env):
    user = env.user()
    c = env.client
    r = _login(c, user.email.upper())
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(x for x in cookies if x.startswith("labelhive_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "Secure" not in session_cookie
    csrf = r.json()["csrf_token"]
    assert c.get("/api/v1/auth/me").json()["email"] == user.email
    assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    c.cookies.clear()
    assert c.get("/api/v1/auth/me").status_code == 401


def test_cookie_is_secure_behind_https_proxy(env):
    user = env.user()
    r = _login(env.client, user.email, **{"X-Forwarded-Proto": "https"})
    assert all("Secure" in x for x in r.headers.get_list("set-cookie"))


def test_wrong_password_is_401_with_code(env):
    user = env.user()
    r = _login(env.client, user.email, "wrong-password")
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    assert _login(env.client, "nobody@example.com").json()["code"] == "invalid_credentials"


def test_login_rate_limited_per_account(env):
    user = env.user()
    for _ in range(env.settings.login_max_failures_per_account):
        assert _login(env.client, user.email, "nope-nope").status_code == 401
    blocked = _login(env.client, user.email)  # even the right password
    assert blocked.status_code == 429 and blocked.json()["code"] == "login_rate_limited"
    assert "retry-after" in blocked.headers


def test_login_rate_limited_per_address(env):
    limit = env.settings.login_max_failures_per_address
    for i in range(limit):
        _login(env.client, f"guess{i}@example.com", "x", **{"X-Forwarded-For": "203.0.113.9"})
    other = env.user()
    assert _login(env.client, other.email, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    assert _login(env.client, other.email, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 200


def test_api_token_authenticates_and_is_csrf_exempt(env):
    admin = env.user(admin=True)
    c = env.client
    assert _login(c, admin.email).status_code == 200
    csrf = c.cookies.get("labelhive_csrf")
    created = c.post("/api/v1/auth/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}).json()
    c.cookies.clear()
    h = {"Authorization": f"Bearer {created['token']}", "Origin": "https://evil.example"}
    assert c.post("/api/v1/projects", json={"name": "p"}, headers=h).status_code == 201
    assert c.get("/api/v1/auth/tokens", headers=h).json()[0]["prefix"] == created["token"][:7]
    assert c.delete(f"/api/v1/auth/tokens/{created['id']}", headers=h).status_code == 204
    assert c.get("/api/v1/auth/me", headers=h).json()["code"] == "invalid_token"


def test_csrf_double_submit_and_origin_checks(env):
    admin = env.user(admin=True)
    c = env.client
    _login(c, admin.email)
    csrf = c.cookies.get("labelhive_csrf")
    body = {"name": "p"}
    assert c.post("/api/v1/projects", json=body).json()["code"] == "csrf_token_invalid"
    assert c.post("/api/v1/projects", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    evil = c.post(
        "/api/v1/projects", json=body, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert evil.status_code == 403 and evil.json()["code"] == "csrf_origin_mismatch"
    # Same origin as the Host the browser used: intranet IP:port and internet domain both work, no config.
    for origin, extra in [
        ("http://testserver", {}),
        (
            "https://weld.factory-a.example.com",
            {"X-Forwarded-Host": "weld.factory-a.example.com", "X-Forwarded-Proto": "https"},
        ),
        ("http://10.0.0.5:8080", {"Host": "10.0.0.5:8080"}),
    ]:
        ok = c.post("/api/v1/projects", json=body, headers={"X-CSRF-Token": csrf, "Origin": origin, **extra})
        assert ok.status_code == 201, (origin, ok.text)
    # Safe methods need nothing.
    assert c.get("/api/v1/projects", headers={"Origin": "https://evil.example"}).status_code == 200


def test_csrf_trusts_public_urls(env):
    from labelhive_api.security.csrf import origin_allowed

    headers = {"host": "api.internal:8080", "origin": "https://weld.example.com"}
    assert not origin_allowed(headers, [])
    assert origin_allowed(headers, ["https://weld.example.com"])
    assert origin_allowed({"host": "a:80", "origin": "http://a"}, [])
    assert not origin_allowed({"host": "a", "origin": "null"}, [])


def test_login_refuses_cross_site_origin(env):
    user = env.user()
    r = _login(env.client, user.email, Origin="https://evil.example")
    assert r.status_code == 403 and r.json()["code"] == "csrf_origin_mismatch"


def _invite(env, manager_headers, project_id, **body):
    return env.client.post(
        f"/api/v1/projects/{project_id}/invites", json={"role": "annotator", **body}, headers=manager_headers
    )


def test_invite_link_creates_account_with_role(env):
    project = env.project()
    manager = env.user("manager", project)
    r = _invite(env, env.token(manager), project.id, max_uses=1)
    assert r.status_code == 201, r.text
    invite = r.json()
    assert invite["url"].endswith(f"/invite/{invite['token']}")
    c = env.client
    preview = c.get(f"/api/v1/invites/{invite['token']}").json()
    assert preview["project_name"] == project.name and preview["role"] == "annotator"
    accepted = c.post(
        f"/api/v1/invites/{invite['token']}/accept",
        json={
            "email": "new@example.com",
            "password": "longpassword",
            "display_name": "小王",
            "locale": "zh-CN",
        },
    )
    assert accepted.status_code == 201, accepted.text
    me = c.get("/api/v1/auth/me").json()
    assert me["memberships"] == [
        {"project_id": project.id, "project_name": project.name, "role": "annotator"}
    ]
    reused = c.post(
        f"/api/v1/invites/{invite['token']}/accept",
        json={"email": "other@example.com", "password": "longpassword", "display_name": "x"},
    )
    assert reused.status_code == 410 and reused.json()["code"] == "invite_used_up"


def test_invite_bad_cases(env):
    project = env.project()
    manager = env.user("manager", project)
    h = env.token(manager)
    c = env.client
    body = {"email": "e@example.com", "password": "longpassword", "display_name": "x"}
    assert c.post("/api/v1/invites/not-a-token/accept", json=body).json()["code"] == "invite_not_found"
    token = _invite(env, h, project.id).json()["token"]
    with env.db.session() as s:
        s.execute(update(Invite).values(expires_at=utcnow() - timedelta(minutes=1)))
    expired = c.post(f"/api/v1/invites/{token}/accept", json=body)
    assert expired.status_code == 410 and expired.json()["code"] == "invite_expired"
    # A manager cannot mint admins; annotators cannot invite at all.
    assert _invite(env, h, project.id, role="admin").json()["code"] == "role_not_grantable"
    annotator = env.user("annotator", project)
    assert _invite(env, env.token(annotator), project.id).status_code == 403
    # Bound to an email.
    bound = _invite(env, h, project.id, email="only@example.com").json()["token"]
    mismatch = c.post(f"/api/v1/invites/{bound}/accept", json=body)
    assert mismatch.status_code == 403 and mismatch.json()["code"] == "invite_email_mismatch"
    # Taken email: nothing half-written (the invite is not consumed).
    taken = _invite(env, h, project.id, max_uses=1).json()["token"]
    dup = c.post(f"/api/v1/invites/{taken}/accept", json={**body, "email": manager.email})
    assert dup.status_code == 409 and dup.json()["code"] == "email_taken"
    ok = c.post(f"/api/v1/invites/{taken}/accept", json=body)
    assert ok.status_code == 201


def test_bootstrap_admin_is_idempotent(env):
    with env.db.session() as s:
        user, created = accounts.ensure_bootstrap_admin(s, "Lead@Factory-A.example.com", PASSWORD)
        assert created and user.is_admin
        again, created_again = accounts.ensure_bootstrap_admin(
            s, "lead@factory-a.example.com", "other-password"
        )
        assert not created_again and again.id == user.id
        assert s.get(User, user.id).email == "lead@factory-a.example.com"
    assert _login(env.client, "lead@factory-a.example.com").status_code == 200


def test_existing_account_joins_another_project_with_its_password(env):
    p1, p2 = env.project(), env.project()
    member = env.user("annotator", p1)
    manager = env.token(env.user("manager", p2))
    token = _invite(env, manager, p2.id, role="reviewer").json()["token"]
    body = {"email": member.email, "password": "wrong-password", "display_name": "x"}
    c = env.client
    assert c.post(f"/api/v1/invites/{token}/accept", json=body).json()["code"] == "email_taken"
    ok = c.post(f"/api/v1/invites/{token}/accept", json={**body, "password": PASSWORD})
    assert ok.status_code == 201, ok.text
    roles = {m["project_id"]: m["role"] for m in c.get("/api/v1/auth/me").json()["memberships"]}
    assert roles == {p1.id: "annotator", p2.id: "reviewer"}


def test_platform_admin_deactivates_an_account(env):
    admin = env.user(admin=True)
    user = env.user()
    c = env.client
    _login(c, user.email)
    assert c.get("/api/v1/auth/me").status_code == 200
    h = env.token(admin)
    r = c.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert c.get("/api/v1/auth/me").status_code == 401  # the open session ended
    assert _login(c, user.email).json()["code"] == "invalid_credentials"
    assert (
        c.patch(f"/api/v1/users/{admin.id}", json={"is_admin": False}, headers=h).json()["code"]
        == "cannot_demote_self"
    )


def test_metrics_label_requests_by_route_template(env):
    admin = env.user(admin=True)
    env.client.get("/api/v1/projects/12345", headers=env.token(admin))
    text = env.client.get("/metrics").text
    assert 'route="/api/v1/projects/{project_id}"' in text


def test_me_update_without_a_new_password(any_env):
    env = any_env
    user = env.user()
    h = env.token(user)
    r = env.client.patch("/api/v1/auth/me", json={"locale": "en", "display_name": "小李"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["locale"], r.json()["display_name"]) == ("en", "小李")
    assert (
        env.client.patch("/api/v1/auth/me", json={"locale": "zh-CN"}, headers=h).json()["locale"] == "zh-CN"
    )
    short = env.client.patch(
        "/api/v1/auth/me", json={"current_password": PASSWORD, "new_password": "short"}, headers=h
    )
    assert short.status_code == 422
