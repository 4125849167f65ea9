"""What the operator renders from a LabelingProject reaches the app: every variable of the contract's API
table is a setting here, the manifest's name / language / signup mode are served to the login page, every
admin it names is created, and /readyz fails while the database is down (the pods' readiness probe)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from labelhive_api.accounts.models import User
from labelhive_api.app import create_app
from labelhive_api.cli import _bootstrap_admin
from labelhive_api.db.engine import Database
from labelhive_api.settings import Settings
from sqlalchemy import select

CONTRACT = (Path(__file__).resolve().parents[3] / "contracts" / "README.md").read_text()


def _api_section() -> str:
    return CONTRACT.split("API (`labelhive-api serve`", 1)[1].split("Worker (`labelhive-worker run`)", 1)[0]


def test_every_api_variable_of_the_contract_is_a_setting():
    first_cells = [line.split("|")[1] for line in _api_section().splitlines() if line.startswith("| `")]
    names = set(re.findall(r"LABELHIVE_([A-Z0-9_]*[A-Z0-9])", " ".join(first_cells)))
    assert {"DISPLAY_NAME", "DEFAULT_LOCALE", "SIGNUP", "BOOTSTRAP_ADMIN_EMAILS"} <= names
    missing = sorted(n for n in names if n.lower() not in Settings.model_fields)
    assert missing == []


def test_manifest_fields_reach_the_login_page(monkeypatch, tmp_path):
    monkeypatch.setenv("LABELHIVE_DISPLAY_NAME", "A厂焊缝缺陷")
    monkeypatch.setenv("LABELHIVE_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("LABELHIVE_SIGNUP", "open")
    settings = Settings(
        environment="development", database_url=f"sqlite:///{tmp_path}/t.db", data_dir=tmp_path
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/v1/instance").json()
    assert body == {"display_name": "A厂焊缝缺陷", "default_locale": "en", "signup": "open"}


def test_open_signup_creates_an_unprivileged_account_and_invite_only_refuses(sqlite_env, monkeypatch):
    body = {"email": "new@example.com", "password": "password123", "display_name": "新人"}
    refused = sqlite_env.client.post("/api/v1/auth/signup", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "signup_closed"
    monkeypatch.setattr(sqlite_env.settings, "signup", "open")
    monkeypatch.setattr(sqlite_env.settings, "default_locale", "en")
    created = sqlite_env.client.post(
        "/api/v1/auth/signup", json=body, headers={"Origin": "http://testserver"}
    )
    assert created.status_code == 201, created.text
    me = sqlite_env.client.get("/api/v1/auth/me").json()
    assert me["email"] == "new@example.com" and me["is_admin"] is False and me["locale"] == "en"
    again = sqlite_env.client.post("/api/v1/auth/signup", json=body, headers={"Origin": "http://testserver"})
    assert again.status_code == 409 and again.json()["code"] == "email_taken"


def test_every_admin_the_manifest_names_is_created_with_the_manifest_locale(tmp_path, monkeypatch):
    from labelhive_api.cli import _migrate

    monkeypatch.setenv("LABELHIVE_BOOTSTRAP_ADMIN_EMAIL", "lead@factory-a.example.com")
    monkeypatch.setenv(
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAILS", "lead@factory-a.example.com,qa@factory-a.example.com"
    )
    monkeypatch.setenv("LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD", "Weld-seam-first-7261")
    monkeypatch.setenv("LABELHIVE_DEFAULT_LOCALE", "en")
    settings = Settings(
        environment="test",
        secret_key="test-secret-key-0123456789",
        database_url=f"sqlite:///{tmp_path}/t.db",
        data_dir=tmp_path,
    )
    _migrate(settings)
    assert (
        _bootstrap_admin(settings)
        == "lead@factory-a.example.com (created), qa@factory-a.example.com (created)"
    )
    db = Database.from_settings(settings)
    try:
        with db.session() as session:
            users = session.scalars(select(User).order_by(User.email)).all()
            assert [(u.email, u.is_admin, u.locale) for u in users] == [
                ("lead@factory-a.example.com", True, "en"),
                ("qa@factory-a.example.com", True, "en"),
            ]
    finally:
        db.dispose()
    assert _bootstrap_admin(settings).endswith("qa@factory-a.example.com (exists)")


def test_readyz_fails_while_the_database_is_down():
    from labelhive_harness.common import free_port

    free_tcp_port = free_port()  # nothing listens there
    settings = Settings(
        environment="test",
        secret_key="test-secret-key-0123456789",
        database_url=f"postgresql+psycopg://nobody:pw@127.0.0.1:{free_tcp_port}/none",
    )
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unreachable")
    assert alive.status_code == 200, "liveness stays up: restarting the API would not bring the database back"
