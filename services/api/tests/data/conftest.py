"""Fixtures for the data-in-and-out tests: real SeaweedFS S3 from the harness, or a local folder."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from datahelpers import s3_config
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
from labelhive_api.settings import Settings
from labelhive_api.storage.config import Storage, StorageConfig, build_storage
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker


@pytest.fixture
def s3_storage(s3) -> Storage:
    storage = build_storage(s3_config(s3))
    storage.ensure_buckets()
    return storage


@pytest.fixture
def local_storage(tmp_path) -> Storage:
    storage = build_storage(StorageConfig(backend="local", data_dir=tmp_path / "data"))
    storage.ensure_buckets()
    return storage


@pytest.fixture(params=["s3", "local"])
def storage(request) -> Storage:
    return request.getfixturevalue(f"{request.param}_storage")


# -- the API on a committed PostgreSQL schema (jobs run in threads, so no rolled-back transaction) -----

DATA_SCHEMA = "data_test"
DATA_LABELS = [
    {
        "value": "crack",
        "names": {"zh-CN": "裂纹", "en": "Crack"},
        "color": "#ff0000",
        "tools": ["bbox", "polygon"],
    },
    {"value": "dent", "names": {"en": "Dent"}, "color": "#00ff00", "tools": ["bbox", "polygon"]},
    {"value": "scratch", "names": {"en": "Scratch"}, "color": "#0000ff", "tools": ["bbox", "polygon"]},
    {"value": "ok", "names": {"en": "OK"}, "color": "#00ffff", "tools": ["tag"]},
    {
        "value": "weld",
        "names": {"en": "Weld"},
        "color": "#123456",
        "tools": ["keypoints"],
        "skeleton": {"name": "seam", "points": ["start", "end"], "edges": [[0, 1]]},
    },
]


@dataclass
class World:
    """A running API (TestClient) on PostgreSQL + SeaweedFS, or SQLite + a local folder."""

    db: Database
    app: Any
    client: TestClient
    storage: Storage
    settings: Settings

    def user(self, *, admin: bool = False) -> User:
        with self.db.session() as s:
            user = accounts.create_user(
                s,
                email=f"u{uuid.uuid4().hex[:10]}@example.com",
                password="password123",
                display_name="U",
                is_admin=admin,
            )
            s.expunge(user)
        return user

    def token(self, user: User) -> dict[str, str]:
        with self.db.session() as s:
            _row, token = accounts.create_api_token(s, s.merge(user), "test")
        return {"Authorization": f"Bearer {token}"}

    def project(self, owner: User, labels: list[dict[str, Any]] | None = None) -> Project:
        with self.db.session() as s:
            validated = validate_labels([Label.model_validate(x) for x in (labels or DATA_LABELS)])
            project = projects.create_project(s, s.merge(owner), name="导入导出", overlap=1, labels=validated)
            s.expunge(project)
        return project

    def kinds(self, **options: Any) -> list[JobKind]:
        """The app's job kinds, with its own import settings (outbound policy, limits) unless given."""
        imports = options.pop("import_settings", None) or self.app.state.import_settings
        return job_kinds(self.db, self.storage, self.settings, imports, **options)

    def import_kind(self, **options: Any) -> JobKind:
        return self.kinds(**options)[0]

    def run_jobs(self, **options: Any) -> int:
        """Runs queued jobs here (see `kinds` for the options)."""
        return run_until_idle(self.db, self.kinds(**options))

    def wait(self, path: str, headers: dict[str, str], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.client.get(path, headers=headers).json()
            if body["state"] in ("finished", "failed", "cancelled") or time.monotonic() > deadline:
                return body
            time.sleep(0.2)


def data_settings(url: str, schema: str | None, **extra: Any) -> Settings:
    return Settings(
        environment="test",
        secret_key="data-test-secret-0123456789",
        database_url=url,
        database_schema=schema,
        webhook_worker=False,
        log_level="WARNING",
        # The URL-import tests serve their images from a loopback listener.
        outbound_allow=["127.0.0.1/32"],
        **extra,
    )


@pytest.fixture(scope="session")
def data_pg_engine(postgres: Any) -> Iterator[Engine]:
    settings = data_settings(postgres.url, DATA_SCHEMA)
    engine = make_engine(settings)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{DATA_SCHEMA}" CASCADE'))
    migrate.upgrade(engine, DATA_SCHEMA)
    yield engine
    engine.dispose()


def _world(db: Database, settings: Settings, background: bool) -> Iterator[World]:
    app = create_app(settings, db)
    app.state.start_jobs = background
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        yield World(db, app, client, app.state.storage, settings)


@pytest.fixture(scope="session")
def source_bucket() -> str:
    """One source bucket for the session, as one deployment has: it pairs with the shared schema."""
    return f"src-session-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def world(data_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str) -> Iterator[World]:
    """PostgreSQL + SeaweedFS; jobs run when the test calls world.run_jobs()."""
    cfg = s3_config(s3, s3_source_bucket=source_bucket)
    settings = data_settings(
        postgres.url,
        DATA_SCHEMA,
        storage_backend="s3",
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_source_bucket=cfg.s3_source_bucket,
        s3_target_bucket=cfg.s3_target_bucket,
        s3_public_endpoints=[s3.endpoint, s3.endpoint.replace("127.0.0.1", "localhost")],
        # What the platform admin allow-lists for S3 imports: prefixes outside the app's own key areas.
        s3_import_buckets=[f"{source_bucket}/incoming/", f"{source_bucket}/raw/"],
    )
    db = Database(data_pg_engine, sessionmaker(data_pg_engine, expire_on_commit=False))
    yield from _world(db, settings, background=False)


@pytest.fixture
def background_world(data_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str) -> Iterator[World]:
    """Like `world`, with the app's own background job runner."""
    cfg = s3_config(s3, s3_source_bucket=source_bucket)
    settings = data_settings(
        postgres.url,
        DATA_SCHEMA,
        storage_backend="s3",
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_source_bucket=cfg.s3_source_bucket,
        s3_target_bucket=cfg.s3_target_bucket,
    )
    db = Database(data_pg_engine, sessionmaker(data_pg_engine, expire_on_commit=False))
    yield from _world(db, settings, background=True)


@pytest.fixture
def proxy_world(data_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str) -> Iterator[World]:
    """PostgreSQL + SeaweedFS with LABELHIVE_IMAGE_DELIVERY=proxy: browsers never talk to S3."""
    cfg = s3_config(s3, s3_source_bucket=source_bucket)
    settings = data_settings(
        postgres.url,
        DATA_SCHEMA,
        storage_backend="s3",
        image_delivery="proxy",
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_source_bucket=cfg.s3_source_bucket,
        s3_target_bucket=cfg.s3_target_bucket,
    )
    db = Database(data_pg_engine, sessionmaker(data_pg_engine, expire_on_commit=False))
    yield from _world(db, settings, background=False)


@pytest.fixture
def local_world(tmp_path: Any) -> Iterator[World]:
    """The embedded default: SQLite and the local folder backend (proxy URLs through the API)."""
    settings = data_settings(f"sqlite:///{tmp_path}/lh.db", None, data_dir=tmp_path / "data")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    db = Database(engine, sessionmaker(engine, expire_on_commit=False))
    yield from _world(db, settings, background=False)
    engine.dispose()
