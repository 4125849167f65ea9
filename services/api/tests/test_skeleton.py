"""Service skeleton: probes, metrics, OpenAPI, problem+json for bad input, settings, migrations."""

from __future__ import annotations

import subprocess
import sys

import pytest
from labelhive_api.db import migrate
from labelhive_api.settings import Settings
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect, text


def test_probes_metrics_and_openapi(any_env):
    c = any_env.client
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
    assert "labelhive_http_requests_total" in c.get("/metrics").text
    spec = c.get("/api/v1/openapi.json").json()
    assert "/api/v1/projects/{project_id}/tasks/next" in spec["paths"]


def test_readyz_reports_unmigrated_database(tmp_path):
    from fastapi.testclient import TestClient
    from labelhive_api.app import create_app

    settings = Settings(
        environment="development", database_url=f"sqlite:///{tmp_path}/empty.db", webhook_worker=False
    )
    with TestClient(create_app(settings)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_bad_input_is_problem_json(env):
    admin = env.user(admin=True)
    h = env.token(admin)
    c = env.client
    malformed = c.post(
        "/api/v1/projects", content=b'{"name": ', headers={**h, "content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == "application/problem+json"
    assert malformed.json()["code"] == "malformed_json"
    unknown = c.post("/api/v1/projects", json={"name": "x", "colour": "red"}, headers=h)
    assert unknown.status_code == 422 and unknown.json()["code"] == "validation_failed"
    assert "colour" in unknown.json()["detail"]
    wrong_type = c.post("/api/v1/projects", json={"name": "x", "overlap": "many"}, headers=h)
    assert wrong_type.status_code == 422
    huge = c.post("/api/v1/projects", json={"name": "x", "description": "a" * (3 * 1024 * 1024)}, headers=h)
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    missing = c.get("/api/v1/projects/999999", headers=h)
    assert missing.status_code == 404 and missing.json()["code"] == "project_not_found"
    route = c.get("/api/v1/nothing-here", headers=h)
    assert route.status_code == 404 and route.headers["content-type"] == "application/problem+json"
    bad_id = c.get("/api/v1/projects/abc", headers=h)
    assert bad_id.status_code == 422


def test_settings_refuse_placeholder_secret_outside_development(monkeypatch):
    with pytest.raises(ValidationError, match="LABELHIVE_SECRET_KEY"):
        Settings(environment="production")
    monkeypatch.setenv("LABELHIVE_PUBLIC_URLS", "https://a.example.com/, http://10.0.0.5:8080")
    assert Settings(environment="development").public_urls == [
        "https://a.example.com",
        "http://10.0.0.5:8080",
    ]


def test_cli_reports_bad_setting_in_one_line():
    env = {"LABELHIVE_ENVIRONMENT": "production", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "labelhive_api.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "LABELHIVE_SECRET_KEY" in result.stderr


def test_migrations_upgrade_and_downgrade_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"task", "annotation", "annotation_version", "webhook_delivery", "alembic_version"} <= tables
    migrate.downgrade(engine, revision="base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_migrations_live_in_the_project_schema(pg_engine):
    with pg_engine.connect() as conn:
        where = (
            conn.execute(
                text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        assert "api_test" in where
        assert migrate.current_revision(conn, "api_test") == migrate.head_revision()


def test_embedded_ui_is_served_at_root_with_spa_fallback(tmp_path):
    from fastapi.testclient import TestClient
    from labelhive_api.app import create_app

    ui = tmp_path / "dist"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text("<html>LabelHive UI</html>")
    (ui / "assets" / "app.js").write_text("console.log(1)")
    settings = Settings(
        environment="development", database_url=f"sqlite:///{tmp_path}/ui.db", webhook_worker=False, ui_dir=ui
    )
    with TestClient(create_app(settings)) as c:
        assert "LabelHive UI" in c.get("/").text
        assert "LabelHive UI" in c.get("/projects/3/tasks").text
        assert c.get("/assets/app.js").text == "console.log(1)"
        assert c.get("/api/v1/nope").status_code == 404
        assert c.get("/healthz").json() == {"status": "ok"}


def test_streamed_oversized_json_body_is_413(env):
    admin = env.user(admin=True)

    def chunks():
        yield b'{"name": "'
        for _ in range(300):
            yield b"a" * 10_000
        yield b'"}'

    r = env.client.post(
        "/api/v1/projects", content=chunks(), headers={**env.token(admin), "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_least_privilege_project_role_migrates_and_serves_its_own_schema(postgres):
    """What the operator provisions: a login role that owns one schema and may create nothing else."""
    import psycopg

    # Everyone's CREATE on schema public is revoked (as PostgreSQL 15+ ships it) for this test, and put back
    # as it was afterwards: the database is shared with the other tests.
    public_may_create = (
        "SELECT coalesce(bool_or(a.grantee = 0 AND a.privilege_type = 'CREATE'), false)"
        " FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a"
        " WHERE n.nspname = 'public'"
    )
    with psycopg.connect(postgres.admin_dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS factory_a CASCADE")
        conn.execute("DROP ROLE IF EXISTS factory_a_role")
        conn.execute("CREATE ROLE factory_a_role LOGIN PASSWORD 'factory-a-pw'")
        conn.execute("CREATE SCHEMA factory_a AUTHORIZATION factory_a_role")
        had_create = conn.execute(public_may_create).fetchone()[0]
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    try:
        _serve_as_the_project_role(postgres)
    finally:
        with psycopg.connect(postgres.admin_dsn, autocommit=True) as conn:
            if had_create:
                conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
            conn.execute("DROP SCHEMA IF EXISTS factory_a CASCADE")
            conn.execute("DROP OWNED BY factory_a_role")
            conn.execute("DROP ROLE IF EXISTS factory_a_role")
            assert conn.execute(public_may_create).fetchone()[0] == had_create


def _serve_as_the_project_role(postgres) -> None:
    from fastapi.testclient import TestClient
    from labelhive_api.app import create_app
    from labelhive_api.db.engine import make_engine

    url = (
        f"postgresql+psycopg://factory_a_role:factory-a-pw@{postgres.host}:{postgres.port}/{postgres.dbname}"
    )
    settings = Settings(
        environment="production",
        secret_key="a-real-secret-key-123456",
        database_url=url,
        database_schema="factory_a",
        webhook_worker=False,
        log_level="WARNING",
    )
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, "factory_a")
        with engine.connect() as conn:
            assert migrate.current_revision(conn, "factory_a") == migrate.head_revision()
            tables = conn.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'factory_a'")
            ).scalar()
            assert tables and tables > 20
    finally:
        engine.dispose()
    with TestClient(create_app(settings)) as c:
        assert c.get("/readyz").json()["checks"] == {"database": "ok", "migrations": "ok"}
    # ... and it can create nothing outside its own schema
    import psycopg

    role_dsn = f"postgresql://factory_a_role:factory-a-pw@{postgres.host}:{postgres.port}/{postgres.dbname}"
    with (
        psycopg.connect(role_dsn, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("CREATE TABLE public.intruder (id int)")
