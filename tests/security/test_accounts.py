"""Accounts under attack: a stranger cannot lock the owner out, tokens expire and cannot mint tokens, a
password change or a disable ends every other session and token for good, weak passwords are refused,
and a manager cannot probe or add platform users they share no project with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from labelhive_api.accounts.models import ApiToken
from labelhive_api.db.base import utcnow
from labelhive_api.settings import Settings
from labelhive_harness.api_world import PASSWORD
from pydantic import ValidationError
from sqlalchemy import update


def _login(api, email, password, address):
    return api.client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def _session_client(api, user, address="198.51.100.7"):
    from fastapi.testclient import TestClient

    client = TestClient(api.app, base_url="http://127.0.0.1:8080", client=("127.0.0.2", 50000))
    answer = client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": address},
    )
    assert answer.status_code == 200, answer.text
    return client, {"X-CSRF-Token": answer.json()["csrf_token"]}


@pytest.mark.parametrize("admin", [False, True])
def test_a_stranger_cannot_lock_the_owner_out(api, admin):
    victim = api.user(admin=admin)
    assert _login(api, victim.email, PASSWORD, "198.51.100.7").status_code == 200  # the owner's usual address
    waits = []
    for i in range(8):
        answer = _login(api, victim.email, f"guess-{i}", "203.0.113.66")
        if answer.status_code == 429:
            waits.append(int(answer.headers["retry-after"]))
        else:
            assert answer.status_code == 401
    # Past the account limit the stranger is held back (Retry-After, growing with each further failure)...
    assert waits and waits[0] >= 1
    assert _login(api, victim.email, PASSWORD, "203.0.113.66").status_code == 429
    assert _login(api, victim.email, PASSWORD, "192.0.2.99").status_code == 429  # any unknown address
    # ...while the owner, from an address they used before, still gets in at once.
    assert _login(api, victim.email, PASSWORD, "198.51.100.7").status_code == 200


def test_tokens_expire_and_cannot_mint_tokens(api):
    user = api.user()
    client, csrf = _session_client(api, user)
    created = client.post("/api/v1/auth/tokens", json={"name": "ci", "expires_in_days": 7}, headers=csrf)
    assert created.status_code == 201, created.text
    assert created.json()["expires_at"] is not None
    bearer = {"Authorization": f"Bearer {created.json()['token']}"}
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    minted = api.client.post("/api/v1/auth/tokens", json={"name": "child"}, headers=bearer)
    assert (minted.status_code, minted.json()["code"]) == (403, "token_from_token")
    with api.db.session() as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.id == created.json()["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = api.client.get("/api/v1/auth/me", headers=bearer)
    assert (expired.status_code, expired.json()["code"]) == (401, "invalid_token")
    too_long = client.post("/api/v1/auth/tokens", json={"name": "x", "expires_in_days": 10_000}, headers=csrf)
    assert too_long.status_code == 422


def test_a_password_change_ends_other_sessions_and_tokens(api):
    user = api.user()
    here, csrf = _session_client(api, user)
    elsewhere, _ = _session_client(api, user, "192.0.2.10")
    token = here.post("/api/v1/auth/tokens", json={"name": "ci"}, headers=csrf).json()["token"]
    weak = here.patch(
        "/api/v1/auth/me", json={"current_password": PASSWORD, "new_password": "password1234"}, headers=csrf
    )
    assert (weak.status_code, weak.json()["code"]) == (422, "weak_password")
    changed = here.patch(
        "/api/v1/auth/me",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=csrf,
    )
    assert changed.status_code == 200, changed.text
    assert here.get("/api/v1/auth/me").status_code == 200  # this session stays
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_disabling_a_user_kills_tokens_for_good(api):
    admin = api.user(admin=True)
    user = api.user()
    client, csrf = _session_client(api, user)
    token = client.post("/api/v1/auth/tokens", json={"name": "ci"}, headers=csrf).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    admin_h = api.token(admin)
    assert (
        api.client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin_h).status_code
        == 200
    )
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert (
        api.client.patch(f"/api/v1/users/{user.id}", json={"is_active": True}, headers=admin_h).status_code
        == 200
    )
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 401  # re-enabling revives nothing
    assert client.get("/api/v1/auth/me").status_code == 401


def test_weak_passwords_are_refused_on_invite_and_for_the_bootstrap_admin(api):
    admin = api.user(admin=True)
    project = api.project(admin)
    invite = api.client.post(
        f"/api/v1/projects/{project.id}/invites", json={"role": "annotator"}, headers=api.token(admin)
    ).json()
    for weak in ("password123", "qwertyuiop", "short"):
        accepted = api.client.post(
            f"/api/v1/invites/{invite['token']}/accept",
            json={"email": "new@example.com", "password": weak, "display_name": "N"},
        )
        assert accepted.status_code == 422, weak
    with pytest.raises(ValidationError, match="BOOTSTRAP_ADMIN_PASSWORD"):
        Settings(
            environment="production",
            secret_key="x" * 32,
            bootstrap_admin_email="a@b.io",
            bootstrap_admin_password="a",
        )
    Settings(environment="development", bootstrap_admin_password="labelhive-dev")  # `make dev` keeps its own


def test_a_manager_cannot_probe_or_add_platform_users_they_do_not_work_with(api):
    manager = api.user()
    project = api.project(manager)
    stranger = api.user()
    url = f"/api/v1/projects/{project.id}/members"
    h = api.token(manager)
    exists = api.client.post(url, json={"email": stranger.email, "role": "annotator"}, headers=h)
    ghost = api.client.post(url, json={"email": "ghost@example.com", "role": "annotator"}, headers=h)
    assert exists.status_code == ghost.status_code == 404
    assert exists.json()["code"] == ghost.json()["code"] == "user_not_found"
    assert exists.json()["detail"] == ghost.json()["detail"]
