"""Fixtures for the dataset tests (imports, exports, formats, storage): real SeaweedFS S3 from the harness, or a local folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from dataset_files import s3_config
from fastapi.testclient import TestClient
from labelhive_api.app import create_app
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database, make_engine
from labelhive_api.settings import Settings
from labelhive_api.storage.config import Storage, StorageConfig, build_storage
from labelhive_harness.api_world import ApiWorld, migrated_schema, world_settings
from sqlalchemy import Engine
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

DATASETS_SCHEMA = "datasets_test"
DATASET_LABELS = [
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


World = ApiWorld


def datasets_settings(url: str, schema: str | None, **extra: Any) -> Settings:
    # The URL-import tests serve their images from a loopback listener (allowed by world_settings).
    return world_settings(url, schema, **extra)


@pytest.fixture(scope="session")
def datasets_pg_engine(postgres: Any) -> Iterator[Engine]:
    engine = migrated_schema(datasets_settings(postgres.url, DATASETS_SCHEMA))
    yield engine
    engine.dispose()


def _world(db: Database, settings: Settings, background: bool) -> Iterator[World]:
    app = create_app(settings, db)
    app.state.start_jobs = background
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        yield World(db, app, client, settings, labels=DATASET_LABELS)


@pytest.fixture(scope="session")
def source_bucket() -> str:
    """One source bucket for the session, as one deployment has: it pairs with the shared schema."""
    return f"src-session-{uuid.uuid4().hex[:8]}"


def _s3_settings(postgres: Any, s3: Any, source_bucket: str, **extra: Any) -> Settings:
    """PostgreSQL (the shared committed schema) + SeaweedFS with this session's buckets."""
    cfg = s3_config(s3, s3_source_bucket=source_bucket)
    return datasets_settings(
        postgres.url,
        DATASETS_SCHEMA,
        storage_backend="s3",
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_source_bucket=cfg.s3_source_bucket,
        s3_target_bucket=cfg.s3_target_bucket,
        **extra,
    )


def _pg_db(engine: Engine) -> Database:
    return Database(engine, sessionmaker(engine, expire_on_commit=False))


@pytest.fixture
def world(datasets_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str) -> Iterator[World]:
    """PostgreSQL + SeaweedFS; jobs run when the test calls world.run_jobs()."""
    settings = _s3_settings(
        postgres,
        s3,
        source_bucket,
        s3_public_endpoints=[s3.endpoint, s3.endpoint.replace("127.0.0.1", "localhost")],
        # What the platform admin allow-lists for S3 imports: prefixes outside the app's own key areas.
        s3_import_buckets=[f"{source_bucket}/incoming/", f"{source_bucket}/raw/"],
    )
    yield from _world(_pg_db(datasets_pg_engine), settings, background=False)


@pytest.fixture
def background_world(
    datasets_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str
) -> Iterator[World]:
    """Like `world`, with the app's own background job runner."""
    yield from _world(_pg_db(datasets_pg_engine), _s3_settings(postgres, s3, source_bucket), background=True)


@pytest.fixture
def proxy_world(datasets_pg_engine: Engine, postgres: Any, s3: Any, source_bucket: str) -> Iterator[World]:
    """PostgreSQL + SeaweedFS with LABELHIVE_IMAGE_DELIVERY=proxy: browsers never talk to S3."""
    settings = _s3_settings(postgres, s3, source_bucket, image_delivery="proxy")
    yield from _world(_pg_db(datasets_pg_engine), settings, background=False)


@pytest.fixture
def local_world(tmp_path: Any) -> Iterator[World]:
    """The embedded default: SQLite and the local folder backend (proxy URLs through the API)."""
    settings = datasets_settings(f"sqlite:///{tmp_path}/lh.db", None, data_dir=tmp_path / "data")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    db = Database(engine, sessionmaker(engine, expire_on_commit=False))
    yield from _world(db, settings, background=False)
    engine.dispose()
