"""The security suite: each test attacks a real LabelHive (harness PostgreSQL + SeaweedFS S3) the way an
outsider, another project's manager or a hostile file would, and checks the refusal."""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from labelhive_api.accounts import service as accounts
from labelhive_api.accounts.models import User
from labelhive_api.app import create_app
from labelhive_api.background import job_kinds
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database, make_engine
from labelhive_api.jobs.kinds import JobKind
from labelhive_api.jobs.runner import run_until_idle
from labelhive_api.projects import service as projects
from labelhive_api.projects.label_schema import Label, validate_labels
from labelhive_api.projects.models import Project
from labelhive_api.security import passwords
from labelhive_api.settings import Settings
from PIL import Image
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

SCHEMA = "security_test"
LABELS = [{"value": "crack", "names": {"en": "Crack"}, "color": "#ff0000", "tools": ["bbox"]}]
PASSWORD = "correct horse battery staple"


def png(width: int = 16, height: int = 12, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="session", autouse=True)
def fast_hashing() -> None:
    from argon2 import PasswordHasher

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def engine(postgres: Any) -> Iterator[Engine]:
    engine = make_engine(settings_for(postgres.url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    migrate.upgrade(engine, SCHEMA)
    yield engine
    engine.dispose()


def settings_for(database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": "security-test-secret-0123456789",
        "database_url": database_url,
        "database_schema": SCHEMA if database_url.startswith("postgresql") else None,
        "webhook_worker": False,
        "log_level": "WARNING",
    }
    return Settings(**(values | extra))


@dataclass
class App:
    """One running API (in-process, real PostgreSQL and S3) with helpers to make users and projects."""

    db: Database
    app: Any
    client: TestClient
    settings: Settings

    @property
    def storage(self) -> Any:
        return self.app.state.storage

    def user(self, *, admin: bool = False, email: str | None = None) -> User:
        with self.db.session() as s:
            user = accounts.create_user(
                s,
                email=email or f"u{uuid.uuid4().hex[:10]}@example.com",
                password=PASSWORD,
                display_name="U",
                is_admin=admin,
            )
            s.expunge(user)
        return user

    def token(self, user: User) -> dict[str, str]:
        with self.db.session() as s:
            _row, token = accounts.create_api_token(s, s.merge(user), "test")
        return {"Authorization": f"Bearer {token}"}

    def project(self, owner: User) -> Project:
        with self.db.session() as s:
            labels = validate_labels([Label.model_validate(x) for x in LABELS])
            project = projects.create_project(
                s, s.merge(owner), name="p-" + secrets.token_hex(3), overlap=1, labels=labels
            )
            s.expunge(project)
        return project

    def kinds(self) -> list[JobKind]:
        return job_kinds(self.db, self.storage, self.settings, self.app.state.import_settings)

    def import_kind(self) -> JobKind:
        return self.kinds()[0]

    def run_jobs(self) -> int:
        return run_until_idle(self.db, self.kinds())

    def job(self, project_id: int, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
        return self.client.get(f"/api/v1/projects/{project_id}/imports/{job_id}", headers=headers).json()

    def items(self, project_id: int, job_id: int, headers: dict[str, str]) -> list[dict[str, Any]]:
        url = f"/api/v1/projects/{project_id}/imports/{job_id}/items"
        return self.client.get(url, headers=headers).json()["items"]


@pytest.fixture(scope="session")
def buckets() -> dict[str, str]:
    """This deployment's buckets, and another deployment's bucket its S3 credentials happen to reach."""
    suffix = secrets.token_hex(4)
    return {"source": f"sec-src-{suffix}", "target": f"sec-tgt-{suffix}", "other": f"other-team-{suffix}"}


@pytest.fixture
def make_app(engine: Engine, postgres: Any, s3: Any, buckets: dict[str, str]) -> Iterator[Callable[..., App]]:
    opened: list[TestClient] = []

    def make(**extra: Any) -> App:
        values: dict[str, Any] = {
            "storage_backend": "s3",
            "s3_endpoint": s3.endpoint,
            "s3_access_key": s3.access_key,
            "s3_secret_key": s3.secret_key,
            "s3_source_bucket": buckets["source"],
            "s3_target_bucket": buckets["target"],
            "s3_import_buckets": [f"{buckets['source']}/incoming/"],
            "trusted_proxies": ["127.0.0.2/32"],
        }
        values |= extra
        url = values.pop("database_url", postgres.url)
        settings = settings_for(url, **values)
        bind = engine if url == postgres.url else make_engine(settings)
        db = Database(bind, sessionmaker(bind, expire_on_commit=False))
        app = create_app(settings, db)
        app.state.start_jobs = False
        # Requests come through "the ingress" (127.0.0.2, a trusted proxy) so tests can set client addresses.
        client = TestClient(app, base_url="http://127.0.0.1:8080", client=("127.0.0.2", 50000))
        client.__enter__()
        opened.append(client)
        return App(db, app, client, settings)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture(scope="session")
def server(postgres: Any, s3: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`labelhive-api serve` in production mode; 127.0.0.2 stands for the ingress (a trusted proxy)."""
    from server import server_env, start_server

    workdir = tmp_path_factory.mktemp("security-server")
    env = server_env(
        workdir,
        postgres,
        s3,
        "security_server",
        LABELHIVE_TRUSTED_PROXIES="127.0.0.2",
        LABELHIVE_LOGIN_MAX_FAILURES_PER_ADDRESS="5",
    )
    running = start_server(workdir, env)
    yield running
    running.stop()
